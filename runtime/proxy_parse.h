/* paddock: the egress proxy's parsers (issue #5, "Robustness").  Pure,
 * strict and bounded: each reads a caller's buffer of at most a fixed size,
 * never allocates, and answers one of
 *   PD_PARSE_MORE  incomplete: read more (the caller enforces the size limit)
 *   PD_PARSE_OK    complete and valid
 *   PD_PARSE_BAD   malformed: *why names the fault (a static string)
 * Fuzzed by tests/fuzz/fuzz_{http,socks5,tls_hello,dns}.c. */
#ifndef PADDOCK_PROXY_PARSE_H
#define PADDOCK_PROXY_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pd_parse { PD_PARSE_MORE, PD_PARSE_OK, PD_PARSE_BAD };

#define PD_HTTP_HEAD_MAX 16384   /* request line and headers */
#define PD_HTTP_HEADERS_MAX 100
#define PD_HOST_MAX 253

/* ---- HTTP/1.x request heads ----
 * proxy form (the HTTP proxy on 3128): "CONNECT host:port" (authority form)
 * or an absolute URI "http://host[:port]/path" (port default 80);
 * origin form (transparent capture on port 80): "/path" with a Host header. */
struct pd_http_req {
    bool connect;
    char host[PD_HOST_MAX + 1];  /* without brackets */
    int port;
    size_t head_len;             /* bytes up to and including the blank line */
    size_t line_len;             /* the request line, with its CRLF */
    size_t method_len;           /* "GET" */
    size_t path_off, path_len;   /* absolute URI: where its path is ("" = "/"); else the target */
    const char *version;         /* "HTTP/1.1" or "HTTP/1.0" (static) */
};
enum pd_parse pd_http_parse(const char *buf, size_t len, bool proxy_form, struct pd_http_req *r,
                            const char **why);

/* "host:port" / "[v6]:port" / "host" (default_port when > 0). */
bool pd_parse_authority(const char *s, size_t len, int default_port, char *host, size_t hostlen,
                        int *port);

/* ---- SOCKS5 (RFC 1928), no authentication ---- */
/* The greeting: *consumed bytes; *no_auth when method 0 is offered. */
enum pd_parse pd_socks5_greeting(const uint8_t *buf, size_t len, size_t *consumed, bool *no_auth,
                                 const char **why);
struct pd_socks5_req {
    uint8_t cmd;                 /* 1 CONNECT (others are answered 0x07) */
    uint8_t atyp;                /* 1 IPv4, 3 domain, 4 IPv6 */
    char host[PD_HOST_MAX + 1];  /* domain, or the address as text */
    int port;
    size_t consumed;
    uint8_t reply;               /* on BAD: the reply code to send (1, 7 or 8) */
};
enum pd_parse pd_socks5_request(const uint8_t *buf, size_t len, struct pd_socks5_req *r,
                                const char **why);

/* ---- TLS ClientHello: the SNI host name ----
 * The hello may arrive in pieces (TCP segments: PD_PARSE_MORE until it is
 * whole) and span several handshake records (their payloads are gathered).
 * Bounded: a hello message above PD_TLS_HELLO_MAX bytes is refused when its
 * length is read, and one not complete within the first PD_TLS_HELLO_BUF
 * bytes of records (too many small records) is refused too. */
#define PD_TLS_RECORD_MAX (5 + 16384)
#define PD_TLS_HELLO_MAX 16384
#define PD_TLS_HELLO_BUF 24576
/* OK with sni "" when the hello has no server_name. */
enum pd_parse pd_tls_sni(const uint8_t *buf, size_t len, char *sni, size_t snilen,
                         const char **why);

/* ---- DNS (RFC 1035) queries over UDP ---- */
#define PD_DNS_MAX 512
struct pd_dns_query {
    uint16_t id, flags;
    char name[PD_HOST_MAX + 2];  /* dotted, lower case, no trailing dot */
    uint16_t qtype, qclass;
    size_t question_end;         /* offset just past the question */
};
/* A query datagram (one question; an EDNS OPT record is tolerated). */
enum pd_parse pd_dns_parse_query(const uint8_t *buf, size_t len, struct pd_dns_query *q,
                                 const char **why);
/* The answer to q (whose datagram is req), rcode 0, 2 (SERVFAIL) or 3
 * (NXDOMAIN), with n addresses (network order, packed) as records of the
 * question's type: A (4 bytes each) or AAAA (qtype 28, 16 bytes each); any
 * other type only with n == 0.  TTL ttl.  Returns the length written to out
 * (at most outlen), 0 when it doesn't fit. */
size_t pd_dns_answer(const uint8_t *req, const struct pd_dns_query *q, int rcode,
                     const uint8_t *addrs, size_t n, uint32_t ttl, uint8_t *out, size_t outlen);
#endif
