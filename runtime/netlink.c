/* paddock: bring a link up over rtnetlink.  See netlink.h. */
#define _GNU_SOURCE
#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

struct link_req {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
};

int pd_netlink_link_up(const char *ifname, pd_error **err)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0)
        return pd_fail_errno(err, "netlink: no interface %s", ifname);
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return pd_fail_errno(err, "netlink: socket(AF_NETLINK, NETLINK_ROUTE)");
    struct link_req req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    req.nh.nlmsg_type = RTM_NEWLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.nh.nlmsg_seq = 1;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = (int)idx;
    req.ifi.ifi_flags = IFF_UP;
    req.ifi.ifi_change = IFF_UP;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return pd_fail_errno(err, "netlink: send RTM_NEWLINK (%s up)", ifname);
    char buf[4096] __attribute__((aligned(__alignof__(struct nlmsghdr))));
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return pd_fail_errno(err, "netlink: receive the answer to RTM_NEWLINK (%s up)", ifname);
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type != NLMSG_ERROR)
            continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
            return pd_failx(err, "netlink: truncated answer to RTM_NEWLINK (%s up)", ifname);
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error == 0)
            return 0;
        return pd_fail(err, -e->error, "netlink: RTM_NEWLINK (%s up)", ifname);
    }
    return pd_failx(err, "netlink: no acknowledgement of RTM_NEWLINK (%s up)", ifname);
}
