/* paddock: the routes of an allow namespace: "local 0.0.0.0/0 dev lo" and
 * "local ::/0 dev lo" in the local table, so that every destination is
 * delivered to the namespace itself (where the proxy's sockets on *:80,
 * *:443 and *:53 take it), and ::1 on lo.  Raw rtnetlink, as netlink.c.
 * See netsup.h. */
#define _GNU_SOURCE
#include "netsup.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

struct nl_req {
    struct nlmsghdr nh;
    union {
        struct rtmsg rt;
        struct ifaddrmsg ifa;
    };
    char attrs[64];
};

static void add_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send req, wait for its acknowledgement; EEXIST is fine when ok_exists. */
static int nl_call(struct nl_req *req, bool ok_exists, const char *what, pd_error **err)
{
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return pd_fail_errno(err, "network: socket(AF_NETLINK)");
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return pd_fail_errno(err, "network: send %s", what);
    char buf[4096] __attribute__((aligned(__alignof__(struct nlmsghdr))));
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return pd_fail_errno(err, "network: receive the answer to %s", what);
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type != NLMSG_ERROR)
            continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
            return pd_failx(err, "network: truncated answer to %s", what);
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error == 0 || (ok_exists && e->error == -EEXIST))
            return 0;
        return pd_fail(err, -e->error, "network: %s", what);
    }
    return pd_failx(err, "network: no acknowledgement of %s", what);
}

static void req_init(struct nl_req *req, unsigned short type, size_t body)
{
    memset(req, 0, sizeof(*req));
    req->nh.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
    req->nh.nlmsg_type = type;
    req->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    req->nh.nlmsg_seq = 1;
}

int pd_netsup_route_local(int family, pd_error **err)
{
    unsigned idx = if_nametoindex("lo");
    if (idx == 0)
        return pd_fail_errno(err, "network: no lo");
    struct nl_req req;
    req_init(&req, RTM_NEWROUTE, sizeof(struct rtmsg));
    req.rt.rtm_family = (unsigned char)family;
    req.rt.rtm_dst_len = 0;
    req.rt.rtm_table = RT_TABLE_LOCAL;
    req.rt.rtm_protocol = RTPROT_BOOT;
    req.rt.rtm_scope = RT_SCOPE_HOST;
    req.rt.rtm_type = RTN_LOCAL;
    uint32_t oif = idx;
    add_attr(&req, RTA_OIF, &oif, sizeof(oif));
    return nl_call(&req, false,
                   family == AF_INET6 ? "RTM_NEWROUTE local ::/0 dev lo"
                                      : "RTM_NEWROUTE local 0.0.0.0/0 dev lo", err);
}

int pd_netsup_lo_ipv6(pd_error **err)
{
    unsigned idx = if_nametoindex("lo");
    if (idx == 0)
        return pd_fail_errno(err, "network: no lo");
    struct nl_req req;
    req_init(&req, RTM_NEWADDR, sizeof(struct ifaddrmsg));
    req.ifa.ifa_family = AF_INET6;
    req.ifa.ifa_prefixlen = 128;
    req.ifa.ifa_scope = RT_SCOPE_HOST;
    req.ifa.ifa_index = idx;
    add_attr(&req, IFA_LOCAL, &in6addr_loopback, sizeof(in6addr_loopback));
    add_attr(&req, IFA_ADDRESS, &in6addr_loopback, sizeof(in6addr_loopback));
    return nl_call(&req, true, "RTM_NEWADDR ::1/128 dev lo", err);
}
