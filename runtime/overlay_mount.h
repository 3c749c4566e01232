/* paddock apply: overlayfs mounts (issue #6).  Through the new mount API:
 * fsopen("overlay"), one fsconfig per option, and each lower layer as its
 * own "lowerdir+" (Linux >= 6.8; earlier kernels get the one "lowerdir"
 * string, which mount(2) limits to a page), so a snapshot chain is not
 * bounded by an option string's length.  The kernel's own messages about
 * a refused option (no user xattrs on the upper filesystem, a layer in
 * use, ...) are part of the error. */
#ifndef PADDOCK_OVERLAY_MOUNT_H
#define PADDOCK_OVERLAY_MOUNT_H
#include "error.h"

/* Mount an overlay on dest_fd: data is the OCI options' fs part
 * ("lowerdir=A:B,upperdir=U,workdir=W,userxattr"), flags MS_* (MS_RDONLY,
 * MS_NOSUID, MS_NODEV, MS_NOEXEC are honoured). */
int pd_overlay_mount(int dest_fd, unsigned long flags, const char *data, pd_error **err);
#endif
