/* paddock: the network policy engine.  See netpolicy.h. */
#define _GNU_SOURCE
#include "netpolicy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == ':';
}

bool pd_netpolicy_norm_host(const char *host, char *out, size_t outlen)
{
    size_t len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || len >= outlen)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!host_char(host[i]))
            return false;
        out[i] = (char)tolower((unsigned char)host[i]);
    }
    out[len] = '\0';
    return true;
}

static void rule_free(struct pd_np_rule *r)
{
    free(r->text);
    free(r->host);
}

/* "host", "host:port", "*.d:port", "[v6]:port" (validated by agent_policy.c;
 * checked again here, since the approver adds patterns too). */
static int rule_parse(const char *pat, struct pd_np_rule *r, pd_error **err)
{
    memset(r, 0, sizeof(*r));
    _cleanup_free_ char *h = pd_xstrdup(pat);
    char *port = NULL;
    if (h[0] == '[') {
        char *close = strchr(h, ']');
        if (close == NULL)
            return pd_failx(err, "network pattern \"%s\": no closing ]", pat);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            return pd_failx(err, "network pattern \"%s\": junk after ]", pat);
        close[1] = '\0';
    } else if ((port = strchr(h, ':')) != NULL) {
        *port++ = '\0';
    }
    if (port != NULL) {
        unsigned long long v = 0;
        if (!isdigit((unsigned char)port[0]) || !pd_parse_u64(port, &v) || v < 1 || v > 65535)
            return pd_failx(err, "network pattern \"%s\": invalid port", pat);
        r->port = (int)v;
    }
    char norm[256];
    bool wild = h[0] == '*' && (h[1] == '\0' || h[1] == '.');
    if (!pd_netpolicy_norm_host(wild ? (h[1] ? h + 2 : "x") : h, norm, sizeof(norm)))
        return pd_failx(err, "network pattern \"%s\": invalid host", pat);
    r->wildcard = wild;
    r->host = wild ? (h[1] ? pd_xasprintf("*.%s", norm) : pd_xstrdup("*")) : pd_xstrdup(norm);
    r->text = pd_xstrdup(pat);
    return 0;
}

static int add_rules(char *const *v, struct pd_np_rule **out, size_t *n, pd_error **err)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        *out = pd_xrealloc(*out, (*n + 1) * sizeof(**out));
        if (rule_parse(v[i], &(*out)[*n], err) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

int pd_netpolicy_new(char *const *allow, char *const *deny, struct pd_netpolicy **out,
                     pd_error **err)
{
    struct pd_netpolicy *p = pd_xcalloc(1, sizeof(*p));
    *out = NULL;
    if (add_rules(allow, &p->allow, &p->n_allow, err) < 0 ||
        add_rules(deny, &p->deny, &p->n_deny, err) < 0) {
        pd_netpolicy_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int pd_netpolicy_add_allow(struct pd_netpolicy *p, const char *pattern, pd_error **err)
{
    char *const v[] = {(char *)pattern, NULL};
    return add_rules(v, &p->allow, &p->n_allow, err);
}

void pd_netpolicy_pop_allow(struct pd_netpolicy *p)
{
    if (p->n_allow > 0)
        rule_free(&p->allow[--p->n_allow]);
}

void pd_netpolicy_free(struct pd_netpolicy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_allow; i++)
        rule_free(&p->allow[i]);
    for (size_t i = 0; i < p->n_deny; i++)
        rule_free(&p->deny[i]);
    free(p->allow);
    free(p->deny);
    free(p);
}

static bool host_match(const struct pd_np_rule *r, const char *host)
{
    if (!r->wildcard)
        return strcmp(r->host, host) == 0;
    if (strcmp(r->host, "*") == 0)
        return true;
    const char *suffix = r->host + 1; /* ".example.com" */
    size_t hl = strlen(host), sl = strlen(suffix);
    return hl > sl && strcmp(host + hl - sl, suffix) == 0;
}

static bool port_match(const struct pd_np_rule *r, int port, bool is_deny)
{
    if (r->port != 0)
        return r->port == port;
    return is_deny || port == 80 || port == 443;
}

static const struct pd_np_rule *find(const struct pd_np_rule *v, size_t n, const char *host,
                                     int port, bool is_deny, bool exact_only)
{
    for (size_t i = 0; i < n; i++)
        if ((!exact_only || !v[i].wildcard) && host_match(&v[i], host) &&
            port_match(&v[i], port, is_deny))
            return &v[i];
    return NULL;
}

enum pd_np_verdict pd_netpolicy_decide(const struct pd_netpolicy *p, const char *host, int port,
                                       const char **rule)
{
    char h[256];
    const struct pd_np_rule *r;
    if (rule != NULL)
        *rule = NULL;
    if (!pd_netpolicy_norm_host(host, h, sizeof(h)) || port < 1 || port > 65535) {
        if (rule != NULL)
            *rule = "invalid destination";
        return PD_NP_DENY;
    }
    if ((r = find(p->deny, p->n_deny, h, port, true, false)) != NULL) {
        if (rule != NULL)
            *rule = r->text;
        return PD_NP_DENY;
    }
    if ((r = find(p->allow, p->n_allow, h, port, false, false)) != NULL) {
        if (rule != NULL)
            *rule = r->text;
        return PD_NP_ALLOW;
    }
    return PD_NP_UNKNOWN;
}

bool pd_netpolicy_name_denied(const struct pd_netpolicy *p, const char *host)
{
    char h[256];
    if (!pd_netpolicy_norm_host(host, h, sizeof(h)))
        return true;
    for (size_t i = 0; i < p->n_deny; i++)
        if (p->deny[i].port == 0 && host_match(&p->deny[i], h))
            return true;
    return false;
}

bool pd_netpolicy_name_allowed(const struct pd_netpolicy *p, const char *host)
{
    char h[256];
    if (pd_netpolicy_name_denied(p, host) || !pd_netpolicy_norm_host(host, h, sizeof(h)))
        return false;
    for (size_t i = 0; i < p->n_allow; i++)
        if (host_match(&p->allow[i], h))
            return true;
    return false;
}

/* ---- address classes ---- */

static bool v4_in(uint32_t a, const char *net, int bits)
{
    struct in_addr n;
    if (inet_pton(AF_INET, net, &n) != 1)
        return false;
    uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    return (a & mask) == (ntohl(n.s_addr) & mask);
}

static const char *class_v4(uint32_t a)
{
    static const struct { const char *net; int bits; const char *cls; } t[] = {
        {"169.254.169.254", 32, "metadata"}, {"100.100.100.200", 32, "metadata"},
        {"0.0.0.0", 8, "unspecified"},       {"127.0.0.0", 8, "loopback"},
        {"10.0.0.0", 8, "private"},          {"172.16.0.0", 12, "private"},
        {"192.168.0.0", 16, "private"},      {"100.64.0.0", 10, "private"},
        {"198.18.0.0", 15, "private"},       {"192.0.0.0", 24, "private"},
        {"169.254.0.0", 16, "link-local"},   {"224.0.0.0", 4, "multicast"},
        {"240.0.0.0", 4, "reserved"},
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(t); i++)
        if (v4_in(a, t[i].net, t[i].bits))
            return t[i].cls;
    return NULL;
}

static bool v6_prefix(const uint8_t *a, const uint8_t *p, int bits)
{
    for (int i = 0; i < bits; i++) {
        int byte = i / 8, bit = 7 - i % 8;
        if (((a[byte] >> bit) & 1) != ((p[byte] >> bit) & 1))
            return false;
    }
    return true;
}

static const char *class_v6(const uint8_t *a)
{
    static const uint8_t zero[16], mapped[16] = {[10] = 0xff, [11] = 0xff},
                         nat64[16] = {0, 0x64, 0xff, 0x9b}, nat64l[16] = {0, 0x64, 0xff, 0x9b, 0, 1},
                         meta[16] = {0xfd, 0, 0x0e, 0xc2, [15] = 0x54, [14] = 0x02},
                         loop[16] = {[15] = 1}, ll[16] = {0xfe, 0x80}, ula[16] = {0xfc},
                         site[16] = {0xfe, 0xc0}, mc[16] = {0xff}, doc[16] = {0x20, 0x01, 0x0d, 0xb8},
                         discard[16] = {0x01}, sixto4[16] = {0x20, 0x02};
    uint32_t v4;
    if (v6_prefix(a, mapped, 96) || v6_prefix(a, nat64, 96) || v6_prefix(a, nat64l, 48)) {
        memcpy(&v4, a + 12, 4); /* the IPv4 address embedded (RFC 4291, 6052, 8215) */
        return class_v4(ntohl(v4));
    }
    if (v6_prefix(a, sixto4, 16)) { /* 6to4: 2002:V4ADDR::/48 */
        memcpy(&v4, a + 2, 4);
        return class_v4(ntohl(v4));
    }
    if (memcmp(a, meta, 16) == 0)
        return "metadata";
    if (memcmp(a, zero, 16) == 0)
        return "unspecified";
    if (memcmp(a, loop, 16) == 0)
        return "loopback";
    if (v6_prefix(a, ll, 10))
        return "link-local";
    if (v6_prefix(a, ula, 7) || v6_prefix(a, site, 10))
        return "private"; /* unique local, and the deprecated site-local */
    if (v6_prefix(a, mc, 8))
        return "multicast";
    if (v6_prefix(a, zero, 96) || v6_prefix(a, doc, 32) || v6_prefix(a, discard, 64))
        return "reserved"; /* IPv4-compatible (deprecated), documentation, discard */
    return NULL;
}

const char *pd_netpolicy_addr_class(const struct sockaddr *sa, socklen_t len)
{
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
        return class_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
        return class_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return "reserved";
}

bool pd_netpolicy_addr_ok(const struct pd_netpolicy *p, const char *host, int port,
                          const struct sockaddr *sa, socklen_t len, const char **why)
{
    const char *cls = pd_netpolicy_addr_class(sa, len);
    char h[256], lit[INET6_ADDRSTRLEN] = "";
    if (why != NULL)
        *why = cls;
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        const void *addr = sa->sa_family == AF_INET
                               ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                               : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (inet_ntop(sa->sa_family, addr, lit, sizeof(lit)) == NULL)
            lit[0] = '\0';
    }
    /* a denied literal address is denied whatever name led to it */
    if (lit[0] != '\0' && find(p->deny, p->n_deny, lit, port, true, false) != NULL) {
        if (why != NULL)
            *why = "denied address";
        return false;
    }
    if (cls == NULL)
        return true;
    if (pd_netpolicy_norm_host(host, h, sizeof(h)) &&
        find(p->allow, p->n_allow, h, port, false, true) != NULL)
        return true;
    return lit[0] != '\0' && find(p->allow, p->n_allow, lit, port, false, true) != NULL;
}
