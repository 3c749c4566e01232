/* paddock apply: user namespace id maps, written by the runtime (the
 * parent) for the child that created the user namespace. */
#ifndef PADDOCK_IDMAP_H
#define PADDOCK_IDMAP_H
#include <sys/types.h>
#include "plan.h"
/* Write /proc/PID/{setgroups,gid_map,uid_map} directly, or run
 * newuidmap/newgidmap (never through a shell) for rootless ranges. */
int pd_idmap_write(pid_t pid, const struct pd_ns_plan *ns, pd_error **err);
#endif
