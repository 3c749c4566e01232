/* paddock apply: the root filesystem: propagation, the rootfs bind,
 * pivot_root (or MS_MOVE + chroot), masked and read-only paths, sysctls,
 * a read-only root. */
#ifndef PADDOCK_ROOTFS_H
#define PADDOCK_ROOTFS_H
#include "plan.h"
/* Phase 1, in the new mount namespace: make / the propagation the plan
 * asks for, bind the rootfs onto itself, then pd_mounts_apply() and
 * pd_devices_apply().  Returns an O_PATH fd of the rootfs in *rootfd. */
int pd_rootfs_prepare(const struct pd_plan *plan, int *rootfd, pd_error **err);
/* Phase 2 (after the createContainer hooks): pivot_root into rootfd (or
 * MS_MOVE + chroot when plan->no_pivot), chdir("/"), then sysctls, masked
 * paths, read-only paths, the rootfs propagation, a read-only root. */
int pd_rootfs_enter(const struct pd_plan *plan, int rootfd, pd_error **err);
#endif
