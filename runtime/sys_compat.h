/* System calls and names that glibc 2.36 wraps and musl 1.2.3 does not.
 *
 * The runtime binary is linked against musl where the build has it (the
 * Makefile's LIBC, README "Build"): a glibc process runs dozens of `cpuid`
 * instructions before main, VM exits that cost ~0.5 ms per start on some
 * hosts (tests/bench/README.md, session 12).  The same sources build against
 * glibc for the sanitizer builds, the unit tests and the hooks.  Under glibc
 * this header adds nothing but the two name lookups; under musl it declares
 * the kernel's own interfaces (from the Linux uapi headers) and calls the
 * system calls directly, with the same signatures as glibc's wrappers, so
 * that no call site differs between the two. */
#ifndef PD_SYS_COMPAT_H
#define PD_SYS_COMPAT_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* errno -> "ENOENT", signal -> "TERM"; NULL when unknown (as glibc's
 * strerrorname_np and sigabbrev_np). */
const char *pd_errno_name(int e);
const char *pd_signal_abbrev(int sig);

/* The kernel's limit on supplementary groups (linux/limits.h): glibc's
 * <limits.h> says the same, musl's says 32. */
#define PD_NGROUPS_MAX 65536

#ifndef __GLIBC__
#include <linux/mount.h>
#include <linux/stat.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef W_EXITCODE
#define W_EXITCODE(ret, sig) ((ret) << 8 | (sig))
#endif

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
    return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)
{
    return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *attr,
                                size_t size)
{
    return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

static inline int fsopen(const char *fsname, unsigned int flags)
{
    return (int)syscall(SYS_fsopen, fsname, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
    return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
    return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int statx(int dfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
    return (int)syscall(SYS_statx, dfd, path, flags, mask, buf);
}

static inline int renameat2(int olddfd, const char *oldpath, int newdfd, const char *newpath,
                            unsigned int flags)
{
    return (int)syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath, flags);
}
#endif /* !__GLIBC__ */

#endif
