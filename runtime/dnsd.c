/* paddock: the DNS responder of an allow namespace (issue #5, "Transparent
 * capture").  UDP and TCP on port 53 of every address in the namespace,
 * IPv4 and IPv6.  A query for a name some allow pattern matches gets its
 * real addresses, resolved by the supervisor (network.resolve first): A
 * records, and AAAA records when the namespace has IPv6 (else an empty
 * answer); other types get an empty answer; every other name gets NXDOMAIN
 * and is never resolved, so that names can't carry data out through the
 * host's resolver.  Malformed datagrams are dropped. */
#define _GNU_SOURCE
#include "proxy.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "util.h"

/* The answer for q: rcode and A or AAAA records. */
static size_t respond(struct pd_proxy *px, const uint8_t *req, const struct pd_dns_query *q,
                      uint8_t *out, size_t outlen)
{
    uint8_t addrs[8 * 16];
    size_t n = 0;
    if (q->qclass != 1 || !pd_netpolicy_name_allowed(px->pol, q->name)) {
        pd_debug("network: dns: NXDOMAIN for %s", q->name);
        return pd_dns_answer(req, q, 3, NULL, 0, 0, out, outlen);
    }
    if (q->qtype != 1 && (q->qtype != 28 || !px->ipv6)) /* A, AAAA only */
        return pd_dns_answer(req, q, 0, NULL, 0, 0, out, outlen);
    int family = q->qtype == 1 ? AF_INET : AF_INET6;
    struct sockaddr_storage ss[8];
    socklen_t lens[8];
    int got = pd_proxy_resolve(px, q->name, 443, family, ss, lens, 8);
    for (int i = 0; i < got; i++) {
        if (ss[i].ss_family == AF_INET && family == AF_INET)
            memcpy(addrs + 4 * n++, &((struct sockaddr_in *)&ss[i])->sin_addr, 4);
        else if (ss[i].ss_family == AF_INET6 && family == AF_INET6)
            memcpy(addrs + 16 * n++, &((struct sockaddr_in6 *)&ss[i])->sin6_addr, 16);
    }
    /* none: an empty answer (the name may have the other family only) */
    return pd_dns_answer(req, q, got < 0 ? 2 : 0, addrs, n, 60, out, outlen);
}

/* The destination address of a datagram, to answer from it (resolvers
 * check the source of the answer). */
union pktinfo {
    struct in_pktinfo v4;
    struct in6_pktinfo v6;
};

static bool dst_info(struct msghdr *m, union pktinfo *pi, int *level, int *type)
{
    for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
        if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) {
            memcpy(&pi->v4, CMSG_DATA(h), sizeof(pi->v4));
            pi->v4 = (struct in_pktinfo){.ipi_spec_dst = pi->v4.ipi_addr};
            *level = IPPROTO_IP, *type = IP_PKTINFO;
            return true;
        }
        if (h->cmsg_level == IPPROTO_IPV6 && h->cmsg_type == IPV6_PKTINFO) {
            memcpy(&pi->v6, CMSG_DATA(h), sizeof(pi->v6));
            *level = IPPROTO_IPV6, *type = IPV6_PKTINFO;
            return true;
        }
    }
    return false;
}

void pd_dnsd_serve_one(struct pd_proxy *px, int fd)
{
    uint8_t buf[PD_DNS_MAX + 1], out[PD_DNS_MAX];
    struct sockaddr_storage from;
    char cbuf[CMSG_SPACE(sizeof(union pktinfo)) + 64];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0 || (size_t)n > PD_DNS_MAX)
        return;
    union pktinfo pi;
    int level = 0, type = 0;
    bool have_pi = dst_info(&m, &pi, &level, &type);
    struct pd_dns_query q;
    const char *why = NULL;
    if (pd_dns_parse_query(buf, (size_t)n, &q, &why) != PD_PARSE_OK) {
        pd_debug("network: dns: dropped a query: %s", why);
        return;
    }
    size_t len = respond(px, buf, &q, out, sizeof(out));
    if (len == 0)
        return;
    char rbuf[CMSG_SPACE(sizeof(union pktinfo))];
    memset(rbuf, 0, sizeof(rbuf));
    struct iovec oiov = {.iov_base = out, .iov_len = len};
    struct msghdr om = {.msg_name = &from, .msg_namelen = m.msg_namelen, .msg_iov = &oiov,
                        .msg_iovlen = 1};
    if (have_pi) {
        size_t sz = level == IPPROTO_IP ? sizeof(pi.v4) : sizeof(pi.v6);
        om.msg_control = rbuf;
        om.msg_controllen = CMSG_SPACE(sz);
        struct cmsghdr *h = CMSG_FIRSTHDR(&om);
        h->cmsg_level = level;
        h->cmsg_type = type;
        h->cmsg_len = CMSG_LEN(sz);
        memcpy(CMSG_DATA(h), &pi, sz);
    }
    if (sendmsg(fd, &om, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        pd_debug("network: dns: reply: %m");
}

/* ---- DNS over TCP (RFC 7766): each message after a 2-byte length ----
 * Answered in order, as many as there are complete queries and room for
 * their answers in c->out (more once it drains: proxy.c calls again).  A
 * length outside 12..PD_DNS_MAX or a malformed query closes the
 * connection; so does PROXY_HEAD_TIMEOUT_MS without a complete query. */
void pd_dnsd_tcp(struct proxy_conn *c)
{
    for (;;) {
        if (c->out_off == c->out_len)
            c->out_off = c->out_len = 0;
        if (sizeof(c->out) - c->out_len < 2 + PD_DNS_MAX || c->in_len < 2)
            break;
        size_t qlen = ((size_t)c->in[0] << 8) | c->in[1];
        if (qlen < 12 || qlen > PD_DNS_MAX) {
            pd_proxy_deny(c, 400, 1, "query length out of bounds");
            return;
        }
        if (c->in_len < 2 + qlen)
            break;
        struct pd_dns_query q;
        const char *why = NULL;
        if (pd_dns_parse_query(c->in + 2, qlen, &q, &why) != PD_PARSE_OK) {
            pd_proxy_deny(c, 400, 1, why);
            return;
        }
        uint8_t *ans = c->out + c->out_len;
        size_t len = respond(c->px, c->in + 2, &q, ans + 2, PD_DNS_MAX);
        if (len == 0) {
            pd_proxy_deny(c, 400, 1, "no answer fits");
            return;
        }
        ans[0] = (uint8_t)(len >> 8);
        ans[1] = (uint8_t)len;
        c->out_len += 2 + len;
        memmove(c->in, c->in + 2 + qlen, c->in_len - 2 - qlen);
        c->in_len -= 2 + qlen;
        c->deadline = pd_proxy_now() + PROXY_HEAD_TIMEOUT_MS; /* idle from here */
    }
    pd_proxy_update(c);
}
