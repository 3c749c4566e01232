/* paddock: the one rtnetlink request paddock makes: bring a link up (lo in
 * a new network namespace).  Raw NETLINK_ROUTE, no library. */
#ifndef PADDOCK_NETLINK_H
#define PADDOCK_NETLINK_H
#include "error.h"

/* RTM_NEWLINK with IFF_UP for the interface name (in the caller's network
 * namespace), acknowledged by the kernel.  Errors name the step and errno. */
int pd_netlink_link_up(const char *ifname, pd_error **err);
#endif
