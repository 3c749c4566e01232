/* paddock: the cache directory under the state home (seccomp_cache.c): a
 * directory of entries that only the caller can have written.
 *
 * A directory is used only when it is a real directory owned by the caller
 * with no group or other permission bits; an entry only when it is a
 * regular file owned by the caller, mode 0600, with one link.  Entries are
 * written to a temporary file in the directory and renamed over the old
 * one.  Why the state home, and what keeps a sandbox from writing there:
 * seccomp_cache.h. */
#ifndef PADDOCK_CACHEDIR_H
#define PADDOCK_CACHEDIR_H
#include <stddef.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* The directory, made (0700) if missing; -1 (errno) when it can't be, or is
 * not the caller's own 0700 directory (EPERM). */
int pd_cachedir_open(const char *dir);
/* An entry of dfd opened for reading, *st its fstat; -1 with errno: ENOENT
 * when there is none, EPERM when it fails a check above. */
int pd_cachedir_open_entry(int dfd, const char *name, struct stat *st);
/* Write the iovecs to a temporary file in dfd (0600) and rename it to name. */
int pd_cachedir_store(int dfd, const char *name, const struct iovec *iov, size_t n);
/* More than max entries (binaries are rebuilt, profiles change): unlink
 * all but keep. */
void pd_cachedir_prune(int dfd, const char *keep, size_t max);

#endif
