/* paddock: the one route of an allow namespace: "local 0.0.0.0/0 dev lo"
 * in the local table, so that every IPv4 destination is delivered to the
 * namespace itself (where the proxy's sockets on *:80, *:443 and *:53
 * take it).  Raw rtnetlink, as netlink.c.  See netsup.h. */
#define _GNU_SOURCE
#include "netsup.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

struct route_req {
    struct nlmsghdr nh;
    struct rtmsg rt;
    char attrs[64];
};

static void add_attr(struct route_req *r, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int pd_netsup_route_local(pd_error **err)
{
    unsigned idx = if_nametoindex("lo");
    if (idx == 0)
        return pd_fail_errno(err, "network: no lo");
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return pd_fail_errno(err, "network: socket(AF_NETLINK)");
    struct route_req req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.nh.nlmsg_type = RTM_NEWROUTE;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    req.nh.nlmsg_seq = 1;
    req.rt.rtm_family = AF_INET;
    req.rt.rtm_dst_len = 0;
    req.rt.rtm_table = RT_TABLE_LOCAL;
    req.rt.rtm_protocol = RTPROT_BOOT;
    req.rt.rtm_scope = RT_SCOPE_HOST;
    req.rt.rtm_type = RTN_LOCAL;
    uint32_t oif = idx;
    add_attr(&req, RTA_OIF, &oif, sizeof(oif));
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return pd_fail_errno(err, "network: send RTM_NEWROUTE");
    char buf[4096] __attribute__((aligned(__alignof__(struct nlmsghdr))));
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return pd_fail_errno(err, "network: receive the answer to RTM_NEWROUTE");
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type != NLMSG_ERROR)
            continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
            return pd_failx(err, "network: truncated answer to RTM_NEWROUTE");
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error == 0)
            return 0;
        return pd_fail(err, -e->error, "network: RTM_NEWROUTE local 0.0.0.0/0 dev lo");
    }
    return pd_failx(err, "network: no acknowledgement of RTM_NEWROUTE");
}
