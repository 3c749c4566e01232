/* paddock: the egress proxy's per-connection protocol: request heads,
 * decisions, denials, resolving and connecting.  See proxy.h. */
#define _GNU_SOURCE
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void out_put(struct proxy_conn *c, const void *p, size_t n)
{
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (n > sizeof(c->out) - c->out_len)
        n = sizeof(c->out) - c->out_len;
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static const char *http_status(int code)
{
    switch (code) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Gateway Timeout";
    }
}

void pd_proxy_deny(struct proxy_conn *c, int http_code, uint8_t socks_code, const char *reason)
{
    if (c->kind == PL_DNS) { /* DNS over TCP: idle or malformed, closed unaudited */
        pd_debug("network: dns over tcp: %s", reason);
        pd_proxy_close(c);
        return;
    }
    pd_proxy_approve_kill(c);
    if (c->kind == PL_HTTP || c->kind == PL_T80) {
        char body[512], head[1024];
        int bl = snprintf(body, sizeof(body), "paddock: %s:%d: %s\n",
                          c->host[0] ? c->host : "?", c->port, reason);
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %d %s\r\nX-Paddock-Denied: %s\r\nContent-Type: text/plain\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n",
                          http_code, http_status(http_code), reason, bl);
        out_put(c, head, (size_t)hl);
        out_put(c, body, (size_t)bl);
    } else if (c->kind == PL_SOCKS) {
        const uint8_t rep[10] = {5, socks_code, 0, 1, 0, 0, 0, 0, 0, 0};
        out_put(c, rep, sizeof(rep));
    }
    /* transparent TLS: closed without an answer (paddock can't speak TLS) */
    pd_log(PD_LOG_DEBUG, "network: deny %s:%d: %s", c->host, c->port, reason);
    pd_proxy_audit(c, "network.deny", reason);
    if (c->ufd >= 0) {
        close(c->ufd);
        c->ufd = -1;
    }
    c->state = CS_DRAIN;
    c->deadline = pd_proxy_now() + PROXY_HEAD_TIMEOUT_MS;
    if (c->out_off == c->out_len) {
        pd_proxy_close(c);
        return;
    }
    pd_proxy_update(c);
}

static bool session_denied(const struct pd_proxy *px, const char *host, int port)
{
    char key[PD_HOST_MAX + 16];
    snprintf(key, sizeof(key), "%s:%d", host, port);
    for (size_t i = 0; px->denied && px->denied[i]; i++)
        if (strcasecmp(px->denied[i], key) == 0)
            return true;
    return false;
}

/* By name: allow (connect), deny, or ask the approver. */
static void decide(struct proxy_conn *c)
{
    const char *rule = NULL;
    enum pd_np_verdict v = pd_netpolicy_decide(c->px->pol, c->host, c->port, &rule);
    char why[200];
    if (v == PD_NP_DENY) {
        snprintf(why, sizeof(why), "denied by rule \"%s\"", rule);
        pd_proxy_deny(c, 403, 2, why);
        return;
    }
    if (v == PD_NP_ALLOW) {
        snprintf(c->rule, sizeof(c->rule), "%s", rule);
        pd_proxy_connect(c);
        return;
    }
    if (session_denied(c->px, c->host, c->port)) {
        pd_proxy_deny(c, 403, 2, "denied by the approver for this session");
        return;
    }
    if (c->px->approver != NULL) {
        pd_proxy_approve_start(c);
        return;
    }
    pd_proxy_deny(c, 403, 2, "not on the allow list");
}

/* Absolute URI -> origin form: "GET http://h/p HTTP/1.1" becomes "GET /p HTTP/1.1". */
static void rewrite_absolute(struct proxy_conn *c, const struct pd_http_req *r)
{
    char line[PD_HTTP_HEAD_MAX + 64];
    const char *path = (const char *)c->in + r->path_off;
    int n = snprintf(line, sizeof(line), "%.*s %s%.*s %s\r\n", (int)r->method_len,
                     (const char *)c->in, r->path_len == 0 || path[0] != '/' ? "/" : "",
                     (int)r->path_len, path, r->version);
    if (n < 0 || (size_t)n > sizeof(line))
        return;
    size_t rest = c->in_len - r->line_len;
    if ((size_t)n + rest > sizeof(c->in))
        return;
    memmove(c->in + n, c->in + r->line_len, rest);
    memcpy(c->in, line, (size_t)n);
    c->in_len = (size_t)n + rest;
}

static void head_http(struct proxy_conn *c)
{
    struct pd_http_req r;
    const char *why = NULL;
    enum pd_parse p = pd_http_parse((const char *)c->in, c->in_len, c->kind == PL_HTTP, &r, &why);
    if (p == PD_PARSE_MORE)
        return;
    if (p == PD_PARSE_BAD) {
        pd_proxy_deny(c, c->in_len >= PD_HTTP_HEAD_MAX ? 431 : 400, 1, why);
        return;
    }
    snprintf(c->host, sizeof(c->host), "%s", r.host);
    if (c->kind == PL_HTTP)
        c->port = r.port;
    if (r.connect) {
        c->keep = r.head_len; /* the CONNECT head is ours */
    } else if (c->kind == PL_HTTP) {
        rewrite_absolute(c, &r);
    }
    decide(c);
}

static void head_socks(struct proxy_conn *c)
{
    const char *why = NULL;
    if (c->state == CS_HEAD) {
        size_t used = 0;
        bool no_auth = false;
        enum pd_parse p = pd_socks5_greeting(c->in, c->in_len, &used, &no_auth, &why);
        if (p == PD_PARSE_MORE)
            return;
        if (p == PD_PARSE_BAD || !no_auth) {
            static const uint8_t no[2] = {5, 0xff};
            out_put(c, no, 2);
            pd_proxy_deny(c, 400, 1, p == PD_PARSE_BAD ? why : "no acceptable authentication");
            return;
        }
        static const uint8_t ok[2] = {5, 0};
        out_put(c, ok, 2);
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
        c->state = CS_SOCKS_REQ;
    }
    struct pd_socks5_req r;
    enum pd_parse p = pd_socks5_request(c->in, c->in_len, &r, &why);
    if (p == PD_PARSE_MORE) {
        pd_proxy_update(c);
        return;
    }
    if (p == PD_PARSE_BAD) {
        snprintf(c->host, sizeof(c->host), "%s", r.host);
        c->port = r.port;
        pd_proxy_deny(c, 400, r.reply, why);
        return;
    }
    snprintf(c->host, sizeof(c->host), "%s", r.host);
    c->port = r.port;
    c->keep = r.consumed;
    decide(c);
}

static void head_tls(struct proxy_conn *c)
{
    char sni[PD_HOST_MAX + 1];
    const char *why = NULL;
    enum pd_parse p = pd_tls_sni(c->in, c->in_len, sni, sizeof(sni), &why);
    if (p == PD_PARSE_MORE)
        return;
    if (p == PD_PARSE_BAD) {
        pd_proxy_deny(c, 400, 1, why);
        return;
    }
    if (sni[0] == '\0') { /* no name: the address itself must be allowed */
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c->odst;
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c->odst;
        if (inet_ntop(c->odst.ss_family, c->odst.ss_family == AF_INET ? (const void *)&s4->sin_addr
                                                                      : (const void *)&s6->sin6_addr,
                      sni, sizeof(sni)) == NULL)
            snprintf(sni, sizeof(sni), "?");
    }
    snprintf(c->host, sizeof(c->host), "%s", sni);
    decide(c);
}

void pd_proxy_head(struct proxy_conn *c)
{
    if (c->kind == PL_SOCKS)
        head_socks(c);
    else if (c->kind == PL_DNS)
        pd_dnsd_tcp(c);
    else if (c->kind == PL_T443)
        head_tls(c);
    else
        head_http(c);
}

/* ---- resolving and connecting ---- */

static bool fill_addr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *len = sizeof(*s4);
        return true;
    }
    if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*s6);
        return true;
    }
    return false;
}

int pd_proxy_resolve(const struct pd_proxy *px, const char *host, int port, int family,
                     struct sockaddr_storage *out, socklen_t *lens, int max)
{
    char h[PD_HOST_MAX + 1];
    int n = 0;
    bool mapped = false;
    if (!pd_netpolicy_norm_host(host, h, sizeof(h)))
        return 0;
    for (size_t i = 0; px->resolve && px->resolve[i] && n < max; i++) {
        const char *eq = strchr(px->resolve[i], '=');
        if (eq == NULL || strlen(h) != (size_t)(eq - px->resolve[i]) ||
            strncasecmp(px->resolve[i], h, strlen(h)) != 0)
            continue;
        mapped = true; /* the map answers for the name: never looked up */
        if (fill_addr(eq + 1, port, &out[n], &lens[n]) &&
            (family == AF_UNSPEC || out[n].ss_family == family))
            n++;
    }
    if (mapped)
        return n;
    if (fill_addr(h, port, &out[0], &lens[0]))
        return family == AF_UNSPEC || out[0].ss_family == family;
    return PD_RESOLVE_LOOKUP;
}

bool pd_proxy_lookup(struct proxy_conn *c, const char *name, int port, int family)
{
    int id = pd_resolver_submit(c->px->res, name, port, family, c->slot);
    if (id < 0)
        return false;
    c->res_id = id;
    c->state = CS_RESOLVING;
    c->deadline = pd_proxy_now() + PROXY_RESOLVE_TIMEOUT_MS;
    pd_proxy_update(c);
    return true;
}

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    const void *a = ss->ss_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
    if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
}

/* One connect attempt's share of PROXY_CONNECT_TIMEOUT_MS, with `left`
 * addresses (this one included) still to try: an address that never
 * answers (its SYNs dropped) leaves time for the next ones, and the whole
 * stays near the one timeout. */
static int64_t attempt_timeout(int left)
{
    int64_t t = PROXY_CONNECT_TIMEOUT_MS / (left > 0 ? left : 1);
    return t < PROXY_CONNECT_MIN_MS ? PROXY_CONNECT_MIN_MS : t;
}

/* Connect to the next of c's addresses that the policy lets it reach.
 * None left: 403 naming the first blocked address when none could be
 * tried, else 502 with the last connect error (err, errno). */
static void try_next(struct proxy_conn *c, int err)
{
    const char *why = NULL, *blocked = NULL;
    int first_blocked = -1;
    if (c->ufd >= 0) { /* a failed attempt: out of epoll before its number is reused */
        close(c->ufd);
        c->ufd = -1;
        pd_proxy_update(c);
    }
    while (c->next_cand < c->n_cand) {
        int i = c->next_cand++;
        const struct sockaddr *sa = (const struct sockaddr *)&c->cand[i];
        if (!pd_netpolicy_addr_ok(c->px->pol, c->host, c->port, sa, c->cand_len[i], &why)) {
            if (first_blocked < 0)
                first_blocked = i, blocked = why;
            continue;
        }
        addr_text(&c->cand[i], c->addr, sizeof(c->addr));
        c->ufd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->ufd >= 0 && (connect(c->ufd, sa, c->cand_len[i]) == 0 || errno == EINPROGRESS)) {
            c->state = CS_CONNECTING;
            c->deadline = pd_proxy_now() + attempt_timeout(c->n_cand - i);
            pd_proxy_update(c);
            return;
        }
        err = errno;
        if (c->ufd >= 0)
            close(c->ufd);
        c->ufd = -1;
    }
    char reason[200];
    if (err == 0 && first_blocked >= 0) {
        addr_text(&c->cand[first_blocked], c->addr, sizeof(c->addr));
        snprintf(reason, sizeof(reason), "%s address %s is blocked (allow the name or the "
                 "address exactly to reach it)", blocked ? blocked : "?", c->addr);
        pd_proxy_deny(c, 403, 2, reason);
        return;
    }
    snprintf(reason, sizeof(reason), "connect to %s: %s", c->addr, strerror(err));
    pd_proxy_deny(c, 502, 5, reason);
}

/* Connect to the first of the n addresses that the policy lets c reach and
 * that takes the connection. */
static void connect_to(struct proxy_conn *c, const struct sockaddr_storage *ss,
                       const socklen_t *lens, int n)
{
    if (n <= 0) {
        pd_proxy_deny(c, 502, 4, "cannot resolve the host");
        return;
    }
    c->n_cand = n < PD_RES_ADDRS ? n : PD_RES_ADDRS;
    c->next_cand = 0;
    memcpy(c->cand, ss, sizeof(c->cand[0]) * (size_t)c->n_cand);
    memcpy(c->cand_len, lens, sizeof(c->cand_len[0]) * (size_t)c->n_cand);
    try_next(c, 0);
}

void pd_proxy_connect(struct proxy_conn *c)
{
    struct sockaddr_storage ss[PD_RES_ADDRS];
    socklen_t lens[PD_RES_ADDRS];
    int n = pd_proxy_resolve(c->px, c->host, c->port, AF_UNSPEC, ss, lens, PD_RES_ADDRS);
    if (n != PD_RESOLVE_LOOKUP)
        connect_to(c, ss, lens, n);
    else if (!pd_proxy_lookup(c, c->host, c->port, AF_UNSPEC))
        pd_proxy_deny(c, 503, 1, "too many name lookups at once");
}

void pd_proxy_resolved(struct pd_proxy *px)
{
    uint64_t cookie;
    struct pd_res_result res;
    while (pd_resolver_next(px->res, &cookie, &res)) {
        struct proxy_conn *c = cookie < PROXY_MAX_CONNS ? px->conns[cookie] : NULL;
        if (c == NULL || c->kind == PL_DNS) { /* a datagram's, or DNS over TCP */
            pd_dnsd_resolved(px, cookie, &res);
            continue;
        }
        if (c->state != CS_RESOLVING)
            continue;
        c->res_id = -1;
        connect_to(c, res.ss, res.lens, res.n);
    }
}

void pd_proxy_connect_timeout(struct proxy_conn *c)
{
    if (c->next_cand < c->n_cand) {
        try_next(c, ETIMEDOUT);
        return;
    }
    char reason[96];
    snprintf(reason, sizeof(reason), "connect timeout (%s)", c->addr);
    pd_proxy_deny(c, 504, 4, reason);
}

void pd_proxy_connected(struct proxy_conn *c)
{
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
        e = errno;
    if (e != 0) {
        try_next(c, e);
        return;
    }
    if (c->kind == PL_HTTP && c->keep > 0) {
        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        out_put(c, ok, sizeof(ok) - 1);
    } else if (c->kind == PL_SOCKS) {
        static const uint8_t ok[10] = {5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        out_put(c, ok, sizeof(ok));
    }
    c->in_off = c->keep; /* what stays is the client's first bytes for the server */
    c->bytes_up = c->in_len - c->in_off;
    c->state = CS_SPLICE;
    c->deadline = 0;
    pd_proxy_update(c);
}
