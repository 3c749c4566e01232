/* paddock apply: /dev nodes and the standard /dev symlinks. */
#ifndef PADDOCK_DEVICES_H
#define PADDOCK_DEVICES_H
#include "plan.h"
/* After the mounts, before pivot_root: create plan->devices (mknod, or a
 * bind of the host node when plan->bind_devices), /dev/ptmx -> pts/ptmx,
 * /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr (and /dev/core when
 * /proc/kcore exists, like runc). */
int pd_devices_apply(const struct pd_plan *plan, int rootfd, pd_error **err);
#endif
