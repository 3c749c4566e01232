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
#endif
