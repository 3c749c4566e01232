/* paddock: the DNS responder of an allow namespace (issue #5, "Transparent
 * capture").  UDP and TCP on port 53 of every address in the namespace,
 * IPv4 and IPv6.  A query for a name some allow pattern matches gets its
 * real addresses, resolved by the supervisor (network.resolve first; other
 * names by resolver.h, off the event loop): A records, and AAAA records
 * when the namespace has IPv6 (else an empty answer); other types get an
 * empty answer; every other name gets NXDOMAIN and is never resolved, so
 * that names can't carry data out through the host's resolver.  With an
 * approver, a name on no list (and not denied) gets a stand-in A record
 * instead, 198.18.0.1 (RFC 2544's benchmarking range), TTL 1, and no AAAA:
 * a client connecting to it on 80 or 443 lands in the transparent capture
 * (every address is local), whose Host header or SNI names the host, and
 * the approver is asked for host and port there; the name itself is still
 * never looked up unless the approver allows it.  Malformed
 * datagrams are dropped; so are queries still unresolved after
 * PROXY_RESOLVE_TIMEOUT_MS, and datagrams beyond PD_RES_MAX waiting. */
#define _GNU_SOURCE
#include "proxy.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "util.h"

#define DNS_PEND_COOKIE (1ULL << 32) /* resolver cookies of pending datagrams */

/* The destination address of a datagram, to answer from it (resolvers
 * check the source of the answer). */
union pktinfo {
    struct in_pktinfo v4;
    struct in6_pktinfo v6;
};

struct dgram_peer {
    struct sockaddr_storage from;
    socklen_t fromlen;
    union pktinfo pi;
    int level, type;             /* of pi; 0: none */
};

/* A datagram whose name is being looked up. */
struct pd_dns_pend {
    bool used;
    int fd, res_id;
    int64_t deadline;
    uint8_t req[PD_DNS_MAX];
    struct pd_dns_query q;
    struct dgram_peer peer;
};

/* The answer to q: NXDOMAIN, an empty answer, or the addresses of res (a
 * finished lookup) or of the resolve map / an IP literal (res NULL).  0
 * with *lookup when the name has to be looked up first. */
static size_t respond(struct pd_proxy *px, const uint8_t *req, const struct pd_dns_query *q,
                      const struct pd_res_result *res, bool *lookup, uint8_t *out, size_t outlen)
{
    *lookup = false;
    if (q->qclass == 1 && !pd_netpolicy_name_allowed(px->pol, q->name) && px->approver != NULL &&
        !pd_netpolicy_name_denied(px->pol, q->name)) {
        /* on no list, and an approver: a stand-in address, never a lookup */
        static const uint8_t ask[4] = {198, 18, 0, 1};
        bool a = q->qtype == 1;
        return pd_dns_answer(req, q, 0, a ? ask : NULL, a ? 1 : 0, 1, out, outlen);
    }
    if (q->qclass != 1 || !pd_netpolicy_name_allowed(px->pol, q->name)) {
        pd_debug("network: dns: NXDOMAIN for %s", q->name);
        return pd_dns_answer(req, q, 3, NULL, 0, 0, out, outlen);
    }
    if (q->qtype != 1 && (q->qtype != 28 || !px->ipv6)) /* A, AAAA only */
        return pd_dns_answer(req, q, 0, NULL, 0, 0, out, outlen);
    int family = q->qtype == 1 ? AF_INET : AF_INET6;
    struct pd_res_result local;
    if (res == NULL) {
        local.n = pd_proxy_resolve(px, q->name, 443, family, local.ss, local.lens, PD_RES_ADDRS);
        if (local.n == PD_RESOLVE_LOOKUP) {
            *lookup = true;
            return 0;
        }
        res = &local;
    }
    uint8_t addrs[PD_RES_ADDRS * 16];
    size_t n = 0;
    for (int i = 0; i < res->n; i++) {
        if (res->ss[i].ss_family == AF_INET && family == AF_INET)
            memcpy(addrs + 4 * n++, &((const struct sockaddr_in *)&res->ss[i])->sin_addr, 4);
        else if (res->ss[i].ss_family == AF_INET6 && family == AF_INET6)
            memcpy(addrs + 16 * n++, &((const struct sockaddr_in6 *)&res->ss[i])->sin6_addr, 16);
    }
    /* none: an empty answer (the name may have the other family only) */
    return pd_dns_answer(req, q, res->n < 0 ? 2 : 0, addrs, n, 60, out, outlen);
}

static void dst_info(struct msghdr *m, struct dgram_peer *p)
{
    for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
        if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo in;
            memcpy(&in, CMSG_DATA(h), sizeof(in));
            p->pi.v4 = (struct in_pktinfo){.ipi_spec_dst = in.ipi_addr};
            p->level = IPPROTO_IP, p->type = IP_PKTINFO;
        } else if (h->cmsg_level == IPPROTO_IPV6 && h->cmsg_type == IPV6_PKTINFO) {
            memcpy(&p->pi.v6, CMSG_DATA(h), sizeof(p->pi.v6));
            p->level = IPPROTO_IPV6, p->type = IPV6_PKTINFO;
        }
    }
}

static void send_answer(int fd, const struct dgram_peer *p, const uint8_t *out, size_t len)
{
    char rbuf[CMSG_SPACE(sizeof(union pktinfo))];
    memset(rbuf, 0, sizeof(rbuf));
    struct iovec oiov = {.iov_base = (void *)out, .iov_len = len};
    struct msghdr om = {.msg_name = (void *)&p->from, .msg_namelen = p->fromlen,
                        .msg_iov = &oiov, .msg_iovlen = 1};
    if (p->level != 0) {
        size_t sz = p->level == IPPROTO_IP ? sizeof(p->pi.v4) : sizeof(p->pi.v6);
        om.msg_control = rbuf;
        om.msg_controllen = CMSG_SPACE(sz);
        struct cmsghdr *h = CMSG_FIRSTHDR(&om);
        h->cmsg_level = p->level;
        h->cmsg_type = p->type;
        h->cmsg_len = CMSG_LEN(sz);
        memcpy(CMSG_DATA(h), &p->pi, sz);
    }
    if (sendmsg(fd, &om, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        pd_debug("network: dns: reply: %m");
}

/* Keep the datagram until its name is looked up; dropped when too many wait. */
static void pend(struct pd_proxy *px, int fd, const uint8_t *buf, size_t n,
                 const struct pd_dns_query *q, const struct dgram_peer *peer)
{
    if (px->dns_pend == NULL)
        px->dns_pend = pd_xcalloc(PD_RES_MAX, sizeof(*px->dns_pend));
    size_t i = 0;
    while (i < PD_RES_MAX && px->dns_pend[i].used)
        i++;
    int id = i < PD_RES_MAX ? pd_resolver_submit(px->res, q->name, 443,
                                                 q->qtype == 1 ? AF_INET : AF_INET6,
                                                 DNS_PEND_COOKIE | i)
                            : -1;
    if (id < 0) {
        pd_debug("network: dns: too many lookups waiting, a query for %s dropped", q->name);
        return;
    }
    struct pd_dns_pend *p = &px->dns_pend[i];
    *p = (struct pd_dns_pend){.used = true, .fd = fd, .res_id = id, .q = *q, .peer = *peer,
                              .deadline = pd_proxy_now() + PROXY_RESOLVE_TIMEOUT_MS};
    memcpy(p->req, buf, n);
}

void pd_dnsd_serve_one(struct pd_proxy *px, int fd)
{
    uint8_t buf[PD_DNS_MAX + 1], out[PD_DNS_MAX];
    struct dgram_peer peer = {0};
    char cbuf[CMSG_SPACE(sizeof(union pktinfo)) + 64];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr m = {.msg_name = &peer.from, .msg_namelen = sizeof(peer.from), .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < 0 || (size_t)n > PD_DNS_MAX)
        return;
    peer.fromlen = m.msg_namelen;
    dst_info(&m, &peer);
    struct pd_dns_query q;
    const char *why = NULL;
    if (pd_dns_parse_query(buf, (size_t)n, &q, &why) != PD_PARSE_OK) {
        pd_debug("network: dns: dropped a query: %s", why);
        return;
    }
    bool lookup = false;
    size_t len = respond(px, buf, &q, NULL, &lookup, out, sizeof(out));
    if (lookup)
        pend(px, fd, buf, (size_t)n, &q, &peer);
    else if (len > 0)
        send_answer(fd, &peer, out, len);
}

static void tcp_resolved(struct proxy_conn *c, const struct pd_res_result *res);

void pd_dnsd_resolved(struct pd_proxy *px, uint64_t cookie, const struct pd_res_result *res)
{
    if ((cookie & DNS_PEND_COOKIE) == 0) {
        struct proxy_conn *c = cookie < PROXY_MAX_CONNS ? px->conns[cookie] : NULL;
        if (c != NULL && c->kind == PL_DNS && c->state == CS_RESOLVING)
            tcp_resolved(c, res);
        return;
    }
    size_t i = (size_t)(cookie & 0xffffffffULL);
    if (px->dns_pend == NULL || i >= PD_RES_MAX || !px->dns_pend[i].used)
        return;
    struct pd_dns_pend *p = &px->dns_pend[i];
    uint8_t out[PD_DNS_MAX];
    bool lookup = false;
    size_t len = respond(px, p->req, &p->q, res, &lookup, out, sizeof(out));
    if (len > 0)
        send_answer(p->fd, &p->peer, out, len);
    p->used = false;
}

void pd_dnsd_timeouts(struct pd_proxy *px, int64_t now)
{
    for (size_t i = 0; px->dns_pend != NULL && i < PD_RES_MAX; i++) {
        struct pd_dns_pend *p = &px->dns_pend[i];
        if (p->used && now >= p->deadline) {
            pd_debug("network: dns: no address for %s in time, the query dropped", p->q.name);
            pd_resolver_cancel(px->res, p->res_id);
            p->used = false;
        }
    }
}

/* ---- DNS over TCP (RFC 7766): each message after a 2-byte length ----
 * Answered in order, as many as there are complete queries and room for
 * their answers in c->out (more once it drains: proxy.c calls again); a
 * name to look up holds the connection in CS_RESOLVING until its answer.
 * A length outside 12..PD_DNS_MAX or a malformed query closes the
 * connection; so does PROXY_HEAD_TIMEOUT_MS without a complete query, or
 * PROXY_RESOLVE_TIMEOUT_MS without an address. */

/* Answer the query at the head of c->in (res: its lookup, or NULL);
 * false when the connection was closed or waits for a lookup. */
static bool tcp_answer(struct proxy_conn *c, const struct pd_res_result *res)
{
    size_t qlen = ((size_t)c->in[0] << 8) | c->in[1];
    struct pd_dns_query q;
    const char *why = NULL;
    if (pd_dns_parse_query(c->in + 2, qlen, &q, &why) != PD_PARSE_OK) {
        pd_proxy_deny(c, 400, 1, why);
        return false;
    }
    uint8_t *ans = c->out + c->out_len;
    bool lookup = false;
    size_t len = respond(c->px, c->in + 2, &q, res, &lookup, ans + 2, PD_DNS_MAX);
    if (lookup) {
        if (!pd_proxy_lookup(c, q.name, 443, q.qtype == 1 ? AF_INET : AF_INET6))
            pd_proxy_deny(c, 503, 1, "too many name lookups at once");
        return false;
    }
    if (len == 0) {
        pd_proxy_deny(c, 400, 1, "no answer fits");
        return false;
    }
    ans[0] = (uint8_t)(len >> 8);
    ans[1] = (uint8_t)len;
    c->out_len += 2 + len;
    memmove(c->in, c->in + 2 + qlen, c->in_len - 2 - qlen);
    c->in_len -= 2 + qlen;
    c->deadline = pd_proxy_now() + PROXY_HEAD_TIMEOUT_MS; /* idle from here */
    return true;
}

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
        if (!tcp_answer(c, NULL))
            return;
    }
    pd_proxy_update(c);
}

static void tcp_resolved(struct proxy_conn *c, const struct pd_res_result *res)
{
    c->res_id = -1;
    c->state = CS_HEAD;
    if (tcp_answer(c, res))
        pd_dnsd_tcp(c);
}
