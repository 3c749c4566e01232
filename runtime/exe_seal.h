/* paddock: create, run and exec run from a sealed copy of the binary.
 *
 * CVE-2019-5736.  The processes paddock starts inside a container (the
 * init, an exec's process) are forks of paddock: until they execve, their
 * /proc/PID/exe is paddock's binary on the host.  A container that makes
 * that execve run the binary again -- a "#!/proc/self/exe" script, or
 * "/proc/self/exe" as the command -- gets the host's binary running inside
 * it, with the container's shared libraries (a malicious libc or
 * libseccomp runs its constructor there, and the process may always open
 * its own /proc/self/exe) and dumpable until main() (any process of the
 * container may open its /proc/PID/exe).  That fd, reopened for writing
 * through /proc/self/fd once no paddock runs, overwrites the runtime on
 * the host.  Non-dumpability (main.c) protects only processes that have not
 * exec'd yet.
 *
 * So the commands that start container processes first make
 * /proc/self/exe a memfd sealed against writes, growth, shrinking and
 * further seals (as runc and crun do): all the container can reach through
 * it is that memfd, which nobody can write.
 *
 * As root (CAP_SYS_ADMIN: open_tree and PR_SET_MM_MAP) pd_exe_seal() does
 * it in place, with no copy and no exec.  The kernel lets the exe link
 * change only while no mapping has the old link's own path (mount and
 * dentry); so the binary's segments are mapped again from a private clone
 * of its mount (open_tree(OPEN_TREE_CLONE), made read-only with
 * mount_setattr) -- the same inode and page cache under another path --
 * and the link becomes an empty sealed memfd.  Executing /proc/self/exe
 * then fails with ENOEXEC before anything of paddock runs in the
 * container.  What still maps the binary (reachable only through
 * /proc/PID/map_files, which takes CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE
 * over the initial user namespace, and ptrace access to a non-dumpable
 * process) is on that read-only mount.  The clone goes away with the last
 * process that maps it.
 *
 * Otherwise (rootless, ASan, a kernel or a policy that refuses a step) the
 * command re-executes from a sealed memfd copy of what the kernel and
 * ld.so read (the ELF header, the program headers and the segments they
 * name), not the debug information, symbol table and section headers
 * after them: it runs the same code, but a debugger attached to it finds
 * no symbols (use the binary on disk; the build id is kept).  That costs a
 * copy of ~0.8 MB into memory and one execve. */
#ifndef PADDOCK_EXE_SEAL_H
#define PADDOCK_EXE_SEAL_H

#include <stdbool.h>

#include "error.h"

/* /proc/self/exe is a sealed memfd (the copy or the stub). */
bool pd_exe_is_sealed(void);

/* Unless already running from a sealed copy, make one and execveat() it
 * with ARGV and the current environment: returns only on failure (-1), or
 * 0 when already sealed. */
int pd_exe_seal_reexec(char **argv, pd_error **err);

/* The same, but first in place where the kernel allows it (root): with
 * the stub above, or else with the copy mapped in and made /proc/self/exe
 * (CAP_CHECKPOINT_RESTORE without CAP_SYS_ADMIN).  Returns 0 when sealed
 * -- in place, or already -- and -1 on failure; a re-exec does not
 * return. */
int pd_exe_seal(char **argv, pd_error **err);
/* That in-place step alone, for the sealed memfd MFD: 0 done, -1 not
 * possible here (the process is consistent either way). */
int pd_exe_seal_swap(int mfd);

/* fcntl(F_ADD_SEALS, seals) on a memfd, tried again for up to 0.5 s while
 * the kernel answers EBUSY (a writable mapping, a passing page reference);
 * -1 (errno) otherwise. */
int pd_memfd_seal(int fd, int seals);

#endif
