/* paddock: the egress proxy of `network=allow` (issue #5), served by the
 * network supervisor (netsup.h) in the host's network namespace on
 * listening sockets that belong to the container's:
 *   127.0.0.1:3128  HTTP proxy: CONNECT host:port, absolute-URI http://
 *   127.0.0.1:1080  SOCKS5 proxy: CONNECT (domain names, IPv4, IPv6)
 *   *:80, *:443     transparent capture: every address in the namespace is
 *                   local, so a client that ignores the proxy variables
 *                   lands here; the Host header / the TLS SNI names the host
 *   *:53/udp        DNS: allowed names get their real A records, others NXDOMAIN
 *   *:53/tcp        the same over TCP (2-byte length framing, RFC 7766)
 * One thread, epoll, non-blocking sockets; name lookups in the threads of
 * resolver.h, so that a slow one stalls no other connection.  Every connection is decided by
 * netpolicy.h (by name, then by the address connected to), optionally by
 * the approver, and audited (network.allow with bytes at its end,
 * network.deny at once).  Bounds: PD_HTTP_HEAD_MAX per request head,
 * PROXY_HEAD_TIMEOUT for a client to send it, PROXY_MAX_CONNS at once. */
#ifndef PADDOCK_PROXY_H
#define PADDOCK_PROXY_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "audit.h"
#include "netpolicy.h"
#include "netstats.h"
#include "proxy_parse.h"
#include "resolver.h"

#define PROXY_HTTP_PORT 3128
#define PROXY_SOCKS_PORT 1080
#define PROXY_MAX_CONNS 256
#define PROXY_HEAD_TIMEOUT_MS 10000
#define PROXY_CONNECT_TIMEOUT_MS 15000 /* all of a host's addresses together */
#define PROXY_CONNECT_MIN_MS 3000      /* the least one address gets */
#define PROXY_RESOLVE_TIMEOUT_MS 10000 /* a name lookup (resolver.h) */
#define PROXY_BUF (PD_TLS_HELLO_BUF + 64)
/* A splice pipe grows to this once a read fills it (a bulk transfer): few
 * connections do, so the user's pipe quota (pipe-user-pages-soft) is
 * spent on those only; refused, it stays at 64 KiB */
#define PROXY_PIPE (1024 * 1024)

enum proxy_listener { PL_HTTP, PL_SOCKS, PL_T80, PL_T443, PL_DNS, PL_N };

struct pd_proxy {
    struct pd_netpolicy *pol;
    char **resolve;              /* "name=ip" */
    const char *approver;        /* NULL: none */
    unsigned approver_timeout;   /* seconds */
    char **denied;               /* "host:port" the approver denied for the session */
    struct pd_audit *audit;      /* NULL: no audit log */
    const char *id;
    char *const *command;        /* the container's process.args, for the approver */
    int lfd[PL_N], lfd6[PL_N];   /* IPv4, IPv6 listeners (-1: none) */
    int dns_fd, dns6_fd;         /* DNS over UDP */
    bool ipv6;                   /* the namespace has IPv6: AAAA answered */
    int pidfd;                   /* the container's init: readable once it has exited */
    int state_fd;                /* ROOT/ID, for network.json (netstats.h); -1: none */
    struct pd_netstats stats;
    int64_t stats_at;            /* when network.json was last written (monotonic ms) */
    bool stats_dirty;
    struct pd_resolver *res;     /* name lookups */
    struct pd_dns_pend *dns_pend; /* DNS datagrams waiting for one (dnsd.c; PD_RES_MAX) */
    int epfd;
    struct proxy_conn *conns[PROXY_MAX_CONNS];
    size_t n_conns;
};

enum conn_state { CS_HEAD, CS_SOCKS_REQ, CS_APPROVE, CS_RESOLVING, CS_CONNECTING, CS_SPLICE,
                  CS_DRAIN };

struct proxy_conn {
    struct pd_proxy *px;
    size_t slot;
    enum proxy_listener kind;
    enum conn_state state;
    int cfd, ufd;
    int apid_fd;                 /* the approver's stdout, -1 */
    int res_id;                  /* CS_RESOLVING: the lookup's id, -1 */
    pid_t apid;
    char host[PD_HOST_MAX + 1];
    int port;
    char rule[160];
    char addr[64];               /* the address connected to */
    struct sockaddr_storage odst; /* transparent: the original destination */
    struct sockaddr_storage cand[PD_RES_ADDRS]; /* the host's addresses, tried in order */
    socklen_t cand_len[PD_RES_ADDRS];
    int n_cand, next_cand;
    uint8_t in[PROXY_BUF];       /* client -> upstream */
    size_t in_off, in_len;
    uint8_t out[PROXY_BUF];      /* upstream -> client */
    size_t out_off, out_len;
    /* CS_SPLICE, once a direction's buffer is empty: splice(2) through a
     * pipe (no copy through user space); -1: not made (or can't be: the
     * buffers then carry everything) */
    int pup[2], pdown[2];        /* client -> upstream, upstream -> client */
    size_t pup_n, pdown_n;       /* bytes in each pipe */
    size_t pup_cap, pdown_cap;   /* their sizes: 64 KiB, PROXY_PIPE once one was filled */
    bool no_pipes;
    bool c_eof, u_eof, u_shut, c_shut;
    uint64_t bytes_up, bytes_down;
    int64_t deadline;            /* monotonic ms; 0: none */
    size_t keep;                 /* CONNECT/SOCKS: head bytes not forwarded */
    char ans[64];                /* the approver's answer so far */
    size_t ans_len;
};

/* Serve until the container's init exits (pidfd) or a fatal error. */
int pd_proxy_serve(struct pd_proxy *px, pd_error **err);

/* ---- internal, between proxy*.c and dnsd.c ---- */
int64_t pd_proxy_now(void);
void pd_proxy_update(struct proxy_conn *c);
void pd_proxy_close(struct proxy_conn *c);
/* A complete head was read: decide (proxy_conn.c). */
void pd_proxy_head(struct proxy_conn *c);
/* The verdict is allow: resolve, check the address, connect. */
void pd_proxy_connect(struct proxy_conn *c);
/* Deny: the protocol's error, an audit line, close after it is sent. */
void pd_proxy_deny(struct proxy_conn *c, int http_code, uint8_t socks_code, const char *reason);
/* The upstream connection completed (CS_CONNECTING, writable); when it
 * failed, the host's next address is tried. */
void pd_proxy_connected(struct proxy_conn *c);
/* The connect attempt timed out: the next address (each gets its share of
 * PROXY_CONNECT_TIMEOUT_MS), or 504 when none is left. */
void pd_proxy_connect_timeout(struct proxy_conn *c);
/* Resolve host without blocking: up to max addresses of family (AF_UNSPEC:
 * both).  A name in the resolve map gets its entries there only (maybe none
 * of family), an IP literal itself, 0 an invalid name; other names
 * PD_RESOLVE_LOOKUP. */
#define PD_RESOLVE_LOOKUP (-2) /* pd_proxy_resolve: a name to look up (resolver.h) */
int pd_proxy_resolve(const struct pd_proxy *px, const char *host, int port, int family,
                     struct sockaddr_storage *out, socklen_t *lens, int max);
/* Look name up for c, off the event loop: CS_RESOLVING until the result
 * (pd_proxy_resolved) or PROXY_RESOLVE_TIMEOUT_MS; false when PD_RES_MAX
 * lookups are outstanding. */
bool pd_proxy_lookup(struct proxy_conn *c, const char *name, int port, int family);
/* The resolver's eventfd was readable: hand each result to its owner. */
void pd_proxy_resolved(struct pd_proxy *px);
/* approver (proxy_approve.c) */
void pd_proxy_approve_start(struct proxy_conn *c);
void pd_proxy_approve_read(struct proxy_conn *c);
void pd_proxy_approve_kill(struct proxy_conn *c);
/* dns (dnsd.c): one datagram from fd (dns_fd or dns6_fd) */
void pd_dnsd_serve_one(struct pd_proxy *px, int fd);
/* DNS over TCP: answer the complete queries in c->in (kind PL_DNS). */
void pd_dnsd_tcp(struct proxy_conn *c);
/* A lookup for dnsd finished (cookie: a TCP connection's slot, or a datagram). */
void pd_dnsd_resolved(struct pd_proxy *px, uint64_t cookie, const struct pd_res_result *res);
/* Drop the datagrams whose lookup took too long. */
void pd_dnsd_timeouts(struct pd_proxy *px, int64_t now);
/* audit */
void pd_proxy_audit(struct proxy_conn *c, const char *event, const char *reason);
#endif
