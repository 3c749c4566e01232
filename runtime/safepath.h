/* paddock: resolve paths inside a rootfs without ever leaving it.
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): ".." and absolute
 * symlinks are clamped to the root, so a symlink planted in a bundle
 * can never point a mount or a device node outside it (CVE-2021-30465). */
#ifndef PADDOCK_SAFEPATH_H
#define PADDOCK_SAFEPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Open path (absolute or relative, treated as relative to rootfd) inside
 * rootfd with open flags (O_CLOEXEC is always added). Returns an fd or -1. */
int pd_open_in_root(int rootfd, const char *path, int flags, mode_t mode, pd_error **err);
/* An O_PATH fd of path in rootfd without following any symlink, the last
 * component's included (a symlink there is opened itself); -1 with errno
 * (ELOOP: a symlink on the way). */
int pd_open_nosymlinks(int rootfd, const char *path);
/* Create every missing component of path inside rootfd (directories,
 * mode 0755) and, when `as_file`, the last component as an empty regular
 * file.  Returns an O_PATH fd of the final component, or -1. */
int pd_mkpath_in_root(int rootfd, const char *path, bool as_file, pd_error **err);
/* "/proc/self/fd/N" for fd into buf (>= 32 bytes); the form mount(2) takes. */
const char *pd_fd_path(int fd, char *buf, size_t len);

#endif
