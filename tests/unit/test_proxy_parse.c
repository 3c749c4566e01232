/* Unit tests for the egress proxy's parsers (runtime/proxy_parse.c,
 * proxy_parse_tls.c): HTTP request heads, SOCKS5, the TLS ClientHello's
 * SNI (also split over TCP segments and over TLS records) and DNS queries
 * and answers.  Every case asserts the exact result, the fault named, or
 * the bytes produced. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "proxy_parse.h"
#include "unit.h"

/* ---- HTTP ---- */

static enum pd_parse http(const char *s, bool proxy, struct pd_http_req *r, const char **why)
{
    *why = NULL;
    return pd_http_parse(s, strlen(s), proxy, r, why);
}

static void http_connect(void)
{
    struct pd_http_req r;
    const char *why;
    const char *s = "CONNECT example.com:8443 HTTP/1.1\r\nHost: example.com:8443\r\n\r\nTLS";
    CHECK(http(s, true, &r, &why) == PD_PARSE_OK);
    CHECK(r.connect);
    CHECK_STR(r.host, "example.com");
    CHECK(r.port == 8443);
    CHECK(r.head_len == strlen(s) - 3);
    CHECK_STR(r.version, "HTTP/1.1");
    CHECK(http("CONNECT [::1]:443 HTTP/1.0\r\n\r\n", true, &r, &why) == PD_PARSE_OK);
    CHECK_STR(r.host, "::1");
    CHECK(r.port == 443);
    CHECK(http("CONNECT example.com HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "CONNECT needs host:port");
    CHECK(http("CONNECT example.com:0 HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK(http("CONNECT example.com:65536 HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK(http("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test\r\n\r\n", false, &r, &why) ==
          PD_PARSE_BAD);
    CHECK_STR(why, "CONNECT to a captured port");
}

static void http_absolute(void)
{
    struct pd_http_req r;
    const char *why;
    const char *s = "GET http://Example.COM/a/b?c HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(http(s, true, &r, &why) == PD_PARSE_OK);
    CHECK(!r.connect);
    CHECK_STR(r.host, "Example.COM");
    CHECK(r.port == 80);
    CHECK(r.method_len == 3);
    CHECK(r.line_len == strlen("GET http://Example.COM/a/b?c HTTP/1.1\r\n"));
    CHECK(r.path_len == 6 && memcmp(s + r.path_off, "/a/b?c", 6) == 0);
    CHECK(http("GET http://h.test:8080 HTTP/1.0\r\n\r\n", true, &r, &why) == PD_PARSE_OK);
    CHECK(r.port == 8080 && r.path_len == 0);
    CHECK_STR(r.version, "HTTP/1.0");
    CHECK(http("GET https://h.test/ HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "https:// through the proxy: use CONNECT");
    CHECK(http("GET /x HTTP/1.1\r\nHost: h\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "expected an absolute http:// URI or CONNECT");
    CHECK(http("GET http://u:p@h.test/ HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "user information in the URI");
    CHECK(http("GET http://h!x/ HTTP/1.1\r\n\r\n", true, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid host or port in the URI");
}

static void http_host_header(void)
{
    struct pd_http_req r;
    const char *why;
    CHECK(http("GET / HTTP/1.1\r\nUser-Agent: t\r\nhost:  a.test:81 \r\n\r\n", false, &r, &why) ==
          PD_PARSE_OK);
    CHECK_STR(r.host, "a.test");
    CHECK(r.port == 81);
    CHECK(http("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", false, &r, &why) == PD_PARSE_OK);
    CHECK_STR(r.host, "::1");
    CHECK(r.port == 80);
    CHECK(http("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "no Host header");
    CHECK(http("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "more than one Host header");
    CHECK(http("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid Host header");
    CHECK(http("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "expected an origin-form target (/path)");
}

static void http_malformed(void)
{
    struct pd_http_req r;
    const char *why;
    static const struct { const char *in, *why; } t[] = {
        {"get / HTTP/1.1\r\nHost: a\r\n\r\n", "invalid method"},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "unsupported HTTP version"},
        {"GET /\r\nHost: a\r\n\r\n", "invalid request line"},
        {"GET / HTTP/1.1\nHost: a\r\n\r\n", "bare LF in the request line"},
        {"GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", "bare LF in the request head"},
        {"GET / HTTP/1.1\r\nHost a\r\n\r\n", "header line without a name"},
        {"GET / HTTP/1.1\r\nBad Name: a\r\n\r\n", "invalid character in a header name"},
        {"GET / HTTP/1.1\r\nX: a\x01z\r\nHost: a\r\n\r\n", "control character in a header value"},
        {"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", "invalid character in the request target"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        CHECK(http(t[i].in, false, &r, &why) == PD_PARSE_BAD);
        CHECK_STR(why, t[i].why);
    }
    const char nul[] = "GET / HTTP/1.1\r\nHost: a\0\r\n\r\n";
    CHECK(pd_http_parse(nul, sizeof(nul) - 1, false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "NUL byte in the request head");
}

static void http_incomplete_and_oversize(void)
{
    struct pd_http_req r;
    const char *why = NULL;
    const char *full = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
    /* every proper prefix, also one missing the final CRLF, is "need more" */
    for (size_t n = 0; n < strlen(full); n++)
        CHECK(pd_http_parse(full, n, false, &r, &why) == PD_PARSE_MORE);
    CHECK(pd_http_parse(full, strlen(full), false, &r, &why) == PD_PARSE_OK); /* control */
    static char big[PD_HTTP_HEAD_MAX + 32];
    int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(big + n, 'a', sizeof(big) - (size_t)n);
    CHECK(pd_http_parse(big, PD_HTTP_HEAD_MAX - 1, false, &r, &why) == PD_PARSE_MORE);
    CHECK(pd_http_parse(big, PD_HTTP_HEAD_MAX, false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "request head too large");
    /* a blank line just past the limit does not count */
    memcpy(big + PD_HTTP_HEAD_MAX - 2, "\r\n\r\n", 4);
    CHECK(pd_http_parse(big, PD_HTTP_HEAD_MAX + 2, false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "request head too large");
    char many[8192];
    size_t off = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
    for (int i = 0; i <= PD_HTTP_HEADERS_MAX; i++)
        off += (size_t)snprintf(many + off, sizeof(many) - off, "X%d: v\r\n", i);
    off += (size_t)snprintf(many + off, sizeof(many) - off, "\r\n");
    CHECK(pd_http_parse(many, off, false, &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "too many header lines");
}

/* ---- SOCKS5 ---- */

static void socks_greeting(void)
{
    size_t used = 0;
    bool no_auth = false;
    const char *why = NULL;
    const uint8_t ok[] = {5, 2, 2, 0, 0xaa};
    CHECK(pd_socks5_greeting(ok, 4, &used, &no_auth, &why) == PD_PARSE_OK);
    CHECK(used == 4 && no_auth);
    const uint8_t pw[] = {5, 1, 2};
    CHECK(pd_socks5_greeting(pw, 3, &used, &no_auth, &why) == PD_PARSE_OK);
    CHECK(used == 3 && !no_auth);
    CHECK(pd_socks5_greeting(ok, 0, &used, &no_auth, &why) == PD_PARSE_MORE);
    CHECK(pd_socks5_greeting(ok, 1, &used, &no_auth, &why) == PD_PARSE_MORE);
    CHECK(pd_socks5_greeting(ok, 3, &used, &no_auth, &why) == PD_PARSE_MORE);
    const uint8_t v4[] = {4, 1, 0};
    CHECK(pd_socks5_greeting(v4, 1, &used, &no_auth, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not SOCKS version 5");
    const uint8_t none[] = {5, 0};
    CHECK(pd_socks5_greeting(none, 2, &used, &no_auth, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "no authentication methods");
}

static void socks_request(void)
{
    struct pd_socks5_req r;
    const char *why = NULL;
    const uint8_t dom[] = {5, 1, 0, 3, 6, 'a', '.', 't', 'e', 's', 't', 0x01, 0xbb, 'X'};
    CHECK(pd_socks5_request(dom, sizeof(dom), &r, &why) == PD_PARSE_OK);
    CHECK_STR(r.host, "a.test");
    CHECK(r.port == 443 && r.atyp == 3 && r.consumed == sizeof(dom) - 1);
    for (size_t n = 0; n < sizeof(dom) - 1; n++) /* truncated: need more */
        CHECK(pd_socks5_request(dom, n, &r, &why) == PD_PARSE_MORE);
    const uint8_t v4[] = {5, 1, 0, 1, 10, 0, 0, 5, 0, 80};
    CHECK(pd_socks5_request(v4, sizeof(v4), &r, &why) == PD_PARSE_OK);
    CHECK_STR(r.host, "10.0.0.5");
    CHECK(r.port == 80 && r.consumed == 10);
    uint8_t v6[22] = {5, 1, 0, 4};
    inet_pton(AF_INET6, "2001:db8::1", v6 + 4);
    v6[20] = 0x1f;
    v6[21] = 0x90;
    CHECK(pd_socks5_request(v6, sizeof(v6), &r, &why) == PD_PARSE_OK);
    CHECK_STR(r.host, "2001:db8::1");
    CHECK(r.port == 8080 && r.consumed == 22);
    CHECK(pd_socks5_request(v6, 21, &r, &why) == PD_PARSE_MORE);
    const uint8_t badver[] = {4, 1, 0, 1, 1, 2, 3, 4, 0, 80};
    CHECK(pd_socks5_request(badver, sizeof(badver), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not SOCKS version 5");
    CHECK(r.reply == 1);
    const uint8_t bind[] = {5, 2, 0, 1, 1, 2, 3, 4, 0, 80};
    CHECK(pd_socks5_request(bind, sizeof(bind), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "command not supported (only CONNECT)");
    CHECK(r.reply == 7);
    const uint8_t atyp[] = {5, 1, 0, 9, 1, 2, 3, 4, 0, 80};
    CHECK(pd_socks5_request(atyp, sizeof(atyp), &r, &why) == PD_PARSE_BAD);
    CHECK(r.reply == 8);
    const uint8_t rsv[] = {5, 1, 1, 1, 1, 2, 3, 4, 0, 80};
    CHECK(pd_socks5_request(rsv, sizeof(rsv), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "reserved byte not zero");
    const uint8_t empty[] = {5, 1, 0, 3, 0, 0, 80};
    CHECK(pd_socks5_request(empty, sizeof(empty), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "empty domain name");
    const uint8_t baddom[] = {5, 1, 0, 3, 3, 'a', '/', 'b', 0, 80};
    CHECK(pd_socks5_request(baddom, sizeof(baddom), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid domain name");
    const uint8_t port0[] = {5, 1, 0, 1, 1, 2, 3, 4, 0, 0};
    CHECK(pd_socks5_request(port0, sizeof(port0), &r, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "port 0");
    /* a name of 253 bytes fits; the length byte allows up to 255 (the fuzzer
     * found the overflow of r.host that 254 and 255 made) */
    for (unsigned n = 253; n <= 255; n++) {
        uint8_t longdom[4 + 1 + 255 + 2] = {5, 1, 0, 3, (uint8_t)n};
        memset(longdom + 5, 'a', n);
        longdom[5 + n] = 0;
        longdom[5 + n + 1] = 80;
        enum pd_parse p = pd_socks5_request(longdom, 5 + n + 2, &r, &why);
        CHECK(p == (n <= PD_HOST_MAX ? PD_PARSE_OK : PD_PARSE_BAD));
        if (n <= PD_HOST_MAX)
            CHECK(strlen(r.host) == n && r.port == 80);
        else
            CHECK_STR(why, "domain name too long");
    }
}

/* ---- TLS ---- */

static size_t put(uint8_t *p, size_t off, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        p[off++] = (uint8_t)(v >> (8 * i));
    return off;
}

/* A ClientHello handshake message (type, length, body) with the SNI name
 * (NULL: no server_name) and pad bytes of padding extension. */
static size_t hello_msg(uint8_t *m, const char *name, size_t pad)
{
    size_t o = 4;
    o = put(m, o, 0x0303, 2);
    memset(m + o, 0x11, 32);
    o += 32;
    o = put(m, o, 0, 1);          /* session id */
    o = put(m, o, 2, 2);          /* cipher suites */
    o = put(m, o, 0x1301, 2);
    o = put(m, o, 1, 1);          /* compression */
    o = put(m, o, 0, 1);
    size_t ext_len_at = o;
    o += 2;
    o = put(m, o, 0x000a, 2);     /* supported_groups, before the SNI */
    o = put(m, o, 4, 2);
    o = put(m, o, 2, 2);
    o = put(m, o, 0x001d, 2);
    if (name != NULL) {
        size_t n = strlen(name);
        o = put(m, o, 0, 2);
        o = put(m, o, (uint32_t)(n + 5), 2);
        o = put(m, o, (uint32_t)(n + 3), 2);
        o = put(m, o, 0, 1);
        o = put(m, o, (uint32_t)n, 2);
        memcpy(m + o, name, n);
        o += n;
    }
    if (pad > 0) {
        o = put(m, o, 0x0015, 2);
        o = put(m, o, (uint32_t)pad, 2);
        memset(m + o, 0, pad);
        o += pad;
    }
    put(m, ext_len_at, (uint32_t)(o - ext_len_at - 2), 2);
    m[0] = 1;
    put(m, 1, (uint32_t)(o - 4), 3);
    return o;
}

/* The message in records of at most frag bytes each. */
static size_t records(uint8_t *out, const uint8_t *m, size_t mlen, size_t frag)
{
    size_t o = 0;
    for (size_t off = 0; off < mlen; off += frag) {
        size_t n = mlen - off < frag ? mlen - off : frag;
        out[o++] = 22;
        out[o++] = 3;
        out[o++] = 1;
        o = put(out, o, (uint32_t)n, 2);
        memcpy(out + o, m + off, n);
        o += n;
    }
    return o;
}

static uint8_t msg[40000], rec[120000];

static void tls_valid(void)
{
    char sni[PD_HOST_MAX + 1];
    const char *why = NULL;
    size_t n = records(rec, msg, hello_msg(msg, "api.example.com", 0), 16384);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_OK);
    CHECK_STR(sni, "api.example.com");
    n = records(rec, msg, hello_msg(msg, NULL, 0), 16384);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_OK);
    CHECK_STR(sni, "");
    n = records(rec, msg, hello_msg(msg, "a b", 0), 16384);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid SNI host name");
}

/* Bytes arriving a few at a time (TCP segments): "need more" until the
 * whole hello is there. */
static void tls_truncated(void)
{
    char sni[PD_HOST_MAX + 1];
    const char *why = NULL;
    size_t n = records(rec, msg, hello_msg(msg, "seg.test", 100), 16384);
    for (size_t i = 0; i < n; i++)
        if (pd_tls_sni(rec, i, sni, sizeof(sni), &why) != PD_PARSE_MORE) {
            printf("    prefix of %zu bytes: not \"need more\"\n", i);
            unit_case_failed = 1;
            break;
        }
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_OK);
    CHECK_STR(sni, "seg.test");
}

/* One ClientHello over several TLS records (RFC 8446 5.1 allows it). */
static void tls_record_split(void)
{
    char sni[PD_HOST_MAX + 1];
    const char *why = NULL;
    size_t mlen = hello_msg(msg, "frag.example.org", 600);
    static const size_t frags[] = {1, 3, 5, 64, 300};
    for (size_t f = 0; f < sizeof(frags) / sizeof(frags[0]); f++) {
        size_t n = records(rec, msg, mlen, frags[f]);
        why = NULL;
        sni[0] = 'x';
        CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_OK);
        CHECK_STR(sni, "frag.example.org");
        CHECK(pd_tls_sni(rec, n - 1, sni, sizeof(sni), &why) == PD_PARSE_MORE);
    }
    /* a big hello (16 KiB) in three records */
    mlen = hello_msg(msg, "big.test", 16000);
    size_t n = records(rec, msg, mlen, 6000);
    CHECK(mlen > 16000 && mlen <= PD_TLS_HELLO_MAX + 4);
    CHECK(n <= PD_TLS_HELLO_BUF);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_OK);
    CHECK_STR(sni, "big.test");
    /* bounded: a hello announcing more than PD_TLS_HELLO_MAX is refused
     * as soon as its length is read */
    mlen = hello_msg(msg, "huge.test", 0);
    put(msg, 1, PD_TLS_HELLO_MAX + 1, 3);
    n = records(rec, msg, 4, 4);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "ClientHello too large");
    /* ... and one in so many tiny records that it exceeds the buffer */
    mlen = hello_msg(msg, "tiny.test", 5000);
    n = records(rec, msg, mlen, 1);
    CHECK(n > PD_TLS_HELLO_BUF);
    CHECK(pd_tls_sni(rec, PD_TLS_HELLO_BUF - 1, sni, sizeof(sni), &why) == PD_PARSE_MORE);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "ClientHello too large or too fragmented");
    /* a record of another type in the middle */
    mlen = hello_msg(msg, "mixed.test", 0);
    n = records(rec, msg, mlen, 40);
    rec[45] = 23;
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not a TLS handshake record");
    /* an empty handshake record */
    n = records(rec, msg, mlen, 40);
    memcpy(rec + 45, (const uint8_t[]){22, 3, 1, 0, 0}, 5);
    CHECK(pd_tls_sni(rec, 50, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid TLS record length");
}

static void tls_garbage(void)
{
    char sni[PD_HOST_MAX + 1];
    const char *why = NULL;
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    CHECK(pd_tls_sni(http, sizeof(http) - 1, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not a TLS handshake record");
    const uint8_t ver[] = {22, 9, 1, 0, 10};
    CHECK(pd_tls_sni(ver, sizeof(ver), sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not a TLS record version");
    const uint8_t toolong[] = {22, 3, 1, 0x40, 0x01};
    CHECK(pd_tls_sni(toolong, sizeof(toolong), sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid TLS record length");
    const uint8_t server_hello[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
    CHECK(pd_tls_sni(server_hello, sizeof(server_hello), sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not a ClientHello");
    /* the extensions' length disagreeing with the message */
    size_t mlen = hello_msg(msg, "x.test", 0);
    msg[4 + 2 + 32 + 1 + 2 + 2 + 2] ^= 0x01;
    size_t n = records(rec, msg, mlen, 16384);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "malformed extensions");
    /* a session id longer than 32 */
    mlen = hello_msg(msg, "x.test", 0);
    msg[4 + 2 + 32] = 33;
    n = records(rec, msg, mlen, 16384);
    CHECK(pd_tls_sni(rec, n, sni, sizeof(sni), &why) == PD_PARSE_BAD);
    CHECK_STR(why, "session id too long");
}

/* ---- DNS ---- */

static size_t dns_query(uint8_t *b, const char *name, uint16_t qtype)
{
    size_t o = put(b, 0, 0x1234, 2);
    o = put(b, o, 0x0100, 2); /* RD */
    o = put(b, o, 1, 2);
    o = put(b, o, 0, 2); /* AN, NS, AR */
    o = put(b, o, 0, 4);
    for (const char *l = name; *l;) {
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        b[o++] = (uint8_t)n;
        memcpy(b + o, l, n);
        o += n;
        l += n + (dot != NULL);
    }
    b[o++] = 0;
    o = put(b, o, qtype, 2);
    return put(b, o, 1, 2);
}

static void dns_a_and_aaaa(void)
{
    uint8_t q[600], out[PD_DNS_MAX];
    struct pd_dns_query d;
    const char *why = NULL;
    size_t n = dns_query(q, "WWW.Example.com", 1);
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_OK);
    CHECK_STR(d.name, "www.example.com");
    CHECK(d.id == 0x1234 && d.qtype == 1 && d.qclass == 1 && d.question_end == n);
    const uint8_t a[8] = {127, 0, 0, 1, 10, 0, 0, 2};
    size_t len = pd_dns_answer(q, &d, 0, a, 2, 60, out, sizeof(out));
    CHECK(len == n + 32);
    const uint8_t want_hdr[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0};
    CHECK(memcmp(out, want_hdr, 12) == 0);
    const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
    CHECK(memcmp(out + n, rr, 16) == 0);
    CHECK(memcmp(out + n + 28, a + 4, 4) == 0);
    n = dns_query(q, "v6.test", 28);
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_OK);
    CHECK(d.qtype == 28);
    uint8_t a6[16];
    inet_pton(AF_INET6, "2001:db8::7", a6);
    len = pd_dns_answer(q, &d, 0, a6, 1, 30, out, sizeof(out));
    CHECK(len == n + 28);
    const uint8_t rr6[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 30, 0, 16};
    CHECK(memcmp(out + n, rr6, 12) == 0);
    CHECK(memcmp(out + n + 12, a6, 16) == 0);
    len = pd_dns_answer(q, &d, 3, NULL, 0, 0, out, sizeof(out)); /* NXDOMAIN */
    CHECK(len == n && out[3] == 0x83 && out[7] == 0);
    CHECK(pd_dns_answer(q, &d, 0, a6, 1, 30, out, n + 27) == 0); /* doesn't fit */
}

static void dns_malformed(void)
{
    uint8_t q[600];
    struct pd_dns_query d;
    const char *why = NULL;
    size_t n = dns_query(q, "a.test", 1);
    CHECK(pd_dns_parse_query(q, 11, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "datagram size");
    CHECK(pd_dns_parse_query(q, n - 1, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "truncated question");
    CHECK(pd_dns_parse_query(q, 13, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "truncated name");
    CHECK(pd_dns_parse_query(q, 14, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "truncated name");
    q[2] |= 0x80;
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "a response, not a query");
    n = dns_query(q, "a.test", 1);
    q[5] = 2;
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "unexpected section counts");
    n = dns_query(q, "a.test", 1);
    q[2] = 0x28; /* opcode 5 (UPDATE) */
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "not a standard query");
    n = dns_query(q, "a/b.test", 1);
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "invalid character in the name");
    /* a compression pointer, also one to itself (a loop): refused, not followed */
    n = dns_query(q, "a.test", 1);
    q[12] = 0xc0;
    q[13] = 12;
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "label too long or compressed");
    /* oversize: a datagram above 512 bytes, a name above 253 */
    memset(q, 0, sizeof(q));
    n = dns_query(q, "a.test", 1);
    CHECK(pd_dns_parse_query(q, PD_DNS_MAX + 1, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "datagram size");
    CHECK(pd_dns_parse_query(q, PD_DNS_MAX, &d, &why) == PD_PARSE_OK); /* control: trailing zeros */
    char name[300];
    for (int i = 0; i < 299; i++) /* labels of 49 a's */
        name[i] = i % 50 == 49 ? '.' : 'a';
    name[299] = '\0';
    n = dns_query(q, name, 1);
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_BAD);
    CHECK_STR(why, "name too long");
    name[249] = '\0'; /* control: 249 characters are fine */
    n = dns_query(q, name, 1);
    CHECK(pd_dns_parse_query(q, n, &d, &why) == PD_PARSE_OK);
    CHECK(strlen(d.name) == 249);
}

int main(void)
{
    RUN(http_connect);
    RUN(http_absolute);
    RUN(http_host_header);
    RUN(http_malformed);
    RUN(http_incomplete_and_oversize);
    RUN(socks_greeting);
    RUN(socks_request);
    RUN(tls_valid);
    RUN(tls_truncated);
    RUN(tls_record_split);
    RUN(tls_garbage);
    RUN(dns_a_and_aaaa);
    RUN(dns_malformed);
    UNIT_EXIT();
}
