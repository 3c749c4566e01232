/* paddock apply: entering namespaces. */
#ifndef PADDOCK_NAMESPACES_H
#define PADDOCK_NAMESPACES_H
#include "plan.h"
/* Join every namespace the config names by path, the user namespace first.
 * All paths are opened before the first setns(), since joining a mount
 * namespace changes what later paths resolve to. */
int pd_ns_join(const struct pd_ns_plan *ns, pd_error **err);
/* Create the new namespaces (all but user, which the handshake creates
 * first), and write the time namespace offsets. */
int pd_ns_unshare(const struct pd_plan *plan, pd_error **err);

/* The network namespace of a directly cloned init, made beside it.
 *
 * Making a network namespace is most of what a clone with all of a
 * container's namespaces costs (~0.4 of ~0.65 ms here: every pernet
 * subsystem sets itself up), and the runtime only waits while the init
 * builds its rootfs.  So a root runtime clones the init without
 * CLONE_NEWNET, and right after GO a helper sharing its memory and fd
 * table (CLONE_VM | CLONE_VFORK | CLONE_FILES) joins USERNS, the init's
 * user namespace when it has one of its own (opened before GO, while the
 * init may still be dumpable: a rootless runtime owns it, so the helper
 * gets every capability in it; the new namespace is then owned by it, as
 * if the clone had made it), unshares a network namespace, brings lo up
 * and opens it: pd_ns_make_net returns that fd, which the runtime passes
 * to the init (PD_SYNC_NETNS).  USERNS -1: none joined.  -1: no such
 * helper here (ENOSYS: under ASan, or another architecture; or it
 * failed): the runtime passes no fd. */
int pd_ns_make_net(int userns, int *fd, pd_error **err);
/* The init's side: join FD's network namespace (closing FD), or with
 * FD < 0 make one itself and bring lo up. */
int pd_ns_enter_net(int fd, pd_error **err);
#endif
