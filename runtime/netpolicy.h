/* paddock: the network policy engine of `network=allow` (issue #5).  Pure:
 * no syscalls, no DNS.  The egress proxy (proxy.h) asks it twice per
 * connection: by name before resolving, and by the address it is about to
 * connect to (so that DNS rebinding can't reach a blocked address).
 *
 * Patterns (as dev.paddock.network.allow/deny, validated by agent_policy.c):
 *   pypi.org            that host only
 *   *.example.com       any name below example.com (not example.com itself)
 *   *                   any host (allow: only with force-wildcards)
 *   10.0.0.5, [::1]     that literal address
 *   PATTERN:PORT        that port only
 * Without a port, an allow pattern matches ports 80 and 443, and a deny
 * pattern matches every port.  Names match case-insensitively, with a
 * trailing dot ignored.  Deny wins over allow.
 *
 * Blocked address classes: loopback, private (RFC 1918, CGNAT, ULA),
 * link-local, metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200),
 * unspecified, multicast, reserved.  An address in one is refused unless an
 * allow pattern names the host exactly (no wildcard) or is that literal
 * address. */
#ifndef PADDOCK_NETPOLICY_H
#define PADDOCK_NETPOLICY_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

enum pd_np_verdict { PD_NP_UNKNOWN, PD_NP_ALLOW, PD_NP_DENY };

struct pd_np_rule {
    char *text;     /* the pattern as written (named in denials and audit) */
    char *host;     /* lower case, no trailing dot, no brackets; "*" or "*.x" for wildcards */
    int port;       /* 0: default ports */
    bool wildcard;
};

struct pd_netpolicy {
    struct pd_np_rule *allow, *deny;
    size_t n_allow, n_deny;
};

/* Build from NULL-terminated pattern vectors (either may be NULL). */
int pd_netpolicy_new(char *const *allow, char *const *deny, struct pd_netpolicy **out,
                     pd_error **err);
void pd_netpolicy_free(struct pd_netpolicy *p);
/* Add one allow pattern (an approver's allow-session). */
int pd_netpolicy_add_allow(struct pd_netpolicy *p, const char *pattern, pd_error **err);

/* Remove the last allow pattern (an approver's allow-once, added for one
 * decision). */
void pd_netpolicy_pop_allow(struct pd_netpolicy *p);

/* The verdict for host:port, by name.  *rule (may be NULL) gets the pattern
 * that decided, or NULL for UNKNOWN (on no list). */
enum pd_np_verdict pd_netpolicy_decide(const struct pd_netpolicy *p, const char *host, int port,
                                       const char **rule);

/* May the DNS responder answer for host: some allow pattern matches the
 * name (on any port) and no port-less deny pattern does? */
bool pd_netpolicy_name_allowed(const struct pd_netpolicy *p, const char *host);

/* Does a port-less deny pattern match host? */
bool pd_netpolicy_name_denied(const struct pd_netpolicy *p, const char *host);

/* The blocked class of an address ("loopback", "private", "link-local",
 * "metadata", "unspecified", "multicast", "reserved"), NULL when public.
 * len is the sockaddr's length; AF_INET and AF_INET6 only (others: "reserved"). */
const char *pd_netpolicy_addr_class(const struct sockaddr *sa, socklen_t len);

/* May host:port be reached at address sa?  True for a public address, or
 * for a blocked one that an exact allow pattern names (the host, or the
 * address itself).  *why (may be NULL) gets the class when refused. */
bool pd_netpolicy_addr_ok(const struct pd_netpolicy *p, const char *host, int port,
                          const struct sockaddr *sa, socklen_t len, const char **why);

/* host as the rules store it: lower case, no trailing dot, no [brackets];
 * false when it is no valid host name nor IP literal (or longer than 253). */
bool pd_netpolicy_norm_host(const char *host, char *out, size_t outlen);

static inline void pd_netpolicy_freep(struct pd_netpolicy **p)
{
    pd_netpolicy_free(*p);
    *p = 0;
}
#define _cleanup_netpolicy_ __attribute__((cleanup(pd_netpolicy_freep)))
#endif
