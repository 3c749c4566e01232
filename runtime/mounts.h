/* paddock apply: the config's .mounts, in order, inside the new rootfs. */
#ifndef PADDOCK_MOUNTS_H
#define PADDOCK_MOUNTS_H
#include "plan.h"
/* Run in the container's mount namespace, before pivot_root.  rootfd is an
 * O_PATH|O_DIRECTORY fd of the rootfs mount.  Errors name the mount
 * (".mounts[3] (/proc): ..."). */
int pd_mounts_apply(const struct pd_plan *plan, int rootfd, pd_error **err);
/* Addition (filesystem apply internals, shared with devices.c and rootfs.c):
 * clone the mount at (dirfd, path) ("" = dirfd itself) with open_tree(2)
 * (AT_RECURSIVE when `recursive`), mount_setattr(2) set/clr MOUNT_ATTR_*
 * on it (on the whole clone when `attr_rec`), then move_mount(2) it onto
 * dest_fd.  Returns an fd of the attached mount (close it), or -1. */
#include <stdbool.h>
#include <stdint.h>
int pd_bind_onto(int dirfd, const char *path, bool recursive, uint64_t set, uint64_t clr,
                 bool attr_rec, int dest_fd, pd_error **err);
#endif
