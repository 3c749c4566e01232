/* paddock: the TLS ClientHello and DNS query parsers.  See proxy_parse.h. */
#define _GNU_SOURCE
#include "proxy_parse.h"

#include <ctype.h>
#include <string.h>

static enum pd_parse bad(const char **why, const char *w)
{
    if (why != NULL)
        *why = w;
    return PD_PARSE_BAD;
}

/* A bounded reader: every get fails once past the end. */
struct rd {
    const uint8_t *p;
    size_t len, off;
    bool err;
};

static uint32_t get(struct rd *r, size_t n)
{
    uint32_t v = 0;
    if (r->err || n > r->len - r->off) {
        r->err = true;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | r->p[r->off++];
    return v;
}

static void skip(struct rd *r, size_t n)
{
    if (r->err || n > r->len - r->off)
        r->err = true;
    else
        r->off += n;
}

static bool sni_host_ok(const uint8_t *h, size_t n)
{
    if (n == 0 || n > PD_HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum(h[i]) && h[i] != '-' && h[i] != '.' && h[i] != '_')
            return false;
    return true;
}

/* The server_name extension's body: a list with one host_name. */
static enum pd_parse sni_ext(struct rd *e, char *sni, size_t snilen, const char **why)
{
    uint32_t list = get(e, 2);
    if (e->err || list != e->len - e->off)
        return bad(why, "malformed server_name list");
    while (e->off < e->len) {
        uint32_t type = get(e, 1), n = get(e, 2);
        if (e->err || n > e->len - e->off)
            return bad(why, "malformed server_name entry");
        if (type == 0) {
            if (!sni_host_ok(e->p + e->off, n) || n >= snilen)
                return bad(why, "invalid SNI host name");
            memcpy(sni, e->p + e->off, n);
            sni[n] = '\0';
            return PD_PARSE_OK;
        }
        skip(e, n);
    }
    return bad(why, "server_name without a host name");
}

static enum pd_parse hello_body(struct rd *h, char *sni, size_t snilen, const char **why)
{
    get(h, 2);  /* client_version */
    skip(h, 32); /* random */
    uint32_t sid = get(h, 1);
    if (sid > 32)
        return bad(why, "session id too long");
    skip(h, sid);
    uint32_t cs = get(h, 2);
    if (!h->err && (cs < 2 || cs % 2 != 0))
        return bad(why, "invalid cipher suites");
    skip(h, cs);
    uint32_t comp = get(h, 1);
    if (!h->err && comp < 1)
        return bad(why, "no compression methods");
    skip(h, comp);
    if (h->err)
        return bad(why, "truncated ClientHello");
    if (h->off == h->len)
        return PD_PARSE_OK; /* no extensions */
    uint32_t elen = get(h, 2);
    if (h->err || elen != h->len - h->off)
        return bad(why, "malformed extensions");
    bool seen = false;
    while (h->off < h->len) {
        uint32_t type = get(h, 2), n = get(h, 2);
        if (h->err || n > h->len - h->off)
            return bad(why, "malformed extension");
        if (type == 0) {
            if (seen)
                return bad(why, "two server_name extensions");
            seen = true;
            struct rd e = {.p = h->p + h->off, .len = n};
            if (sni_ext(&e, sni, snilen, why) != PD_PARSE_OK)
                return PD_PARSE_BAD;
        }
        skip(h, n);
    }
    return PD_PARSE_OK;
}

/* More bytes may complete the hello, unless the buffer is full already. */
static enum pd_parse tls_more(size_t len, const char **why)
{
    return len >= PD_TLS_HELLO_BUF ? bad(why, "ClientHello too large or too fragmented")
                                   : PD_PARSE_MORE;
}

/* The handshake records from buf, their payloads gathered into msg until
 * the ClientHello message is whole (it may span records: RFC 8446 5.1). */
enum pd_parse pd_tls_sni(const uint8_t *buf, size_t len, char *sni, size_t snilen,
                         const char **why)
{
    uint8_t msg[4 + PD_TLS_HELLO_MAX];
    size_t have = 0, need = 4, off = 0;
    if (snilen > 0)
        sni[0] = '\0';
    if (len > PD_TLS_HELLO_BUF)
        len = PD_TLS_HELLO_BUF;
    while (have < need) {
        const uint8_t *h = buf + off;
        size_t left = len - off;
        if (left >= 1 && h[0] != 22)
            return bad(why, "not a TLS handshake record");
        if (left >= 2 && h[1] != 3)
            return bad(why, "not a TLS record version");
        if (left < 5)
            return tls_more(len, why);
        size_t rlen = ((size_t)h[3] << 8) | h[4];
        if (rlen < 1 || rlen > 16384)
            return bad(why, "invalid TLS record length");
        if (left - 5 < rlen)
            return tls_more(len, why);
        size_t take = rlen < need - have ? rlen : need - have;
        memcpy(msg + have, h + 5, take);
        size_t before = have;
        have += take;
        if (before < 4 && have >= 4) {
            if (msg[0] != 1)
                return bad(why, "not a ClientHello");
            size_t hlen = ((size_t)msg[1] << 16) | ((size_t)msg[2] << 8) | msg[3];
            if (hlen > PD_TLS_HELLO_MAX)
                return bad(why, "ClientHello too large");
            need = 4 + hlen;
            size_t more = rlen - take < need - have ? rlen - take : need - have;
            memcpy(msg + have, h + 5 + take, more);
            have += more;
        }
        off += 5 + rlen;
    }
    struct rd hb = {.p = msg + 4, .len = need - 4};
    return hello_body(&hb, sni, snilen, why);
}

/* ---- DNS ---- */

enum pd_parse pd_dns_parse_query(const uint8_t *buf, size_t len, struct pd_dns_query *q,
                                 const char **why)
{
    memset(q, 0, sizeof(*q));
    if (len < 12 || len > PD_DNS_MAX)
        return bad(why, "datagram size");
    struct rd r = {.p = buf, .len = len};
    q->id = (uint16_t)get(&r, 2);
    q->flags = (uint16_t)get(&r, 2);
    uint32_t qd = get(&r, 2), an = get(&r, 2), ns = get(&r, 2), ar = get(&r, 2);
    if (q->flags & 0x8000)
        return bad(why, "a response, not a query");
    if (((q->flags >> 11) & 0xf) != 0)
        return bad(why, "not a standard query");
    if (qd != 1 || an != 0 || ns != 0 || ar > 1)
        return bad(why, "unexpected section counts");
    size_t n = 0;
    for (;;) {
        uint32_t l = get(&r, 1);
        if (r.err)
            return bad(why, "truncated name");
        if (l == 0)
            break;
        if (l > 63)
            return bad(why, "label too long or compressed");
        if (l > r.len - r.off)
            return bad(why, "truncated name");
        if (n + l + 1 > PD_HOST_MAX + 1)
            return bad(why, "name too long");
        if (n > 0)
            q->name[n++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t c = r.p[r.off++];
            if (!isalnum(c) && c != '-' && c != '_')
                return bad(why, "invalid character in the name");
            q->name[n++] = (char)tolower(c);
        }
    }
    q->name[n] = '\0';
    q->qtype = (uint16_t)get(&r, 2);
    q->qclass = (uint16_t)get(&r, 2);
    if (r.err)
        return bad(why, "truncated question");
    q->question_end = r.off;
    return PD_PARSE_OK;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

size_t pd_dns_answer(const uint8_t *req, const struct pd_dns_query *q, int rcode,
                     const uint8_t *addrs, size_t n, uint32_t ttl, uint8_t *out, size_t outlen)
{
    size_t alen = q->qtype == 28 ? 16 : 4, rr = 12 + alen;
    size_t need = q->question_end + n * rr;
    if (q->question_end < 12 || need > outlen || (n > 0 && q->qtype != 1 && q->qtype != 28))
        return 0;
    memcpy(out, req, q->question_end);
    put16(out + 2, 0x8000 | (q->flags & 0x0100) | 0x0080 | (uint32_t)(rcode & 0xf));
    put16(out + 4, 1);
    put16(out + 6, (uint32_t)n);
    put16(out + 8, 0);
    put16(out + 10, 0);
    uint8_t *p = out + q->question_end;
    for (size_t i = 0; i < n; i++, p += rr) {
        put16(p, 0xc00c);  /* the question's name */
        put16(p + 2, q->qtype);
        put16(p + 4, 1);   /* IN */
        put16(p + 6, ttl >> 16);
        put16(p + 8, ttl & 0xffff);
        put16(p + 10, (uint32_t)alen);
        memcpy(p + 12, addrs + i * alen, alen);
    }
    return need;
}
