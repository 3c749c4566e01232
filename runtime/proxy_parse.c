/* paddock: the egress proxy's parsers.  See proxy_parse.h. */
#define _GNU_SOURCE
#include "proxy_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static enum pd_parse bad(const char **why, const char *w)
{
    if (why != NULL)
        *why = w;
    return PD_PARSE_BAD;
}

/* ---- authority ---- */

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool parse_port(const char *s, size_t len, int *port)
{
    if (len == 0 || len > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = v;
    return true;
}

bool pd_parse_authority(const char *s, size_t len, int default_port, char *host, size_t hostlen,
                        int *port)
{
    const char *h = s, *p = NULL;
    size_t hl;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL)
            return false;
        h = s + 1;
        hl = (size_t)(close - h);
        for (size_t i = 0; i < hl; i++)
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
                return false;
        size_t rest = len - (size_t)(close + 1 - s);
        if (rest > 0 && close[1] != ':')
            return false;
        p = rest > 0 ? close + 2 : NULL;
        if (hl < 2)
            return false;
    } else {
        const char *colon = memchr(s, ':', len);
        hl = colon != NULL ? (size_t)(colon - s) : len;
        p = colon != NULL ? colon + 1 : NULL;
        for (size_t i = 0; i < hl; i++)
            if (!name_char(h[i]))
                return false;
    }
    if (hl == 0 || hl > PD_HOST_MAX || hl >= hostlen)
        return false;
    if (p != NULL) {
        if (!parse_port(p, len - (size_t)(p - s), port))
            return false;
    } else if (default_port > 0) {
        *port = default_port;
    } else {
        return false;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return true;
}

/* ---- HTTP ---- */

static bool tchar(char c)
{
    return isalnum((unsigned char)c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "Name: value\r\n" lines from p to the blank line; the Host value. */
static enum pd_parse parse_headers(const char *p, const char *end, const char **host,
                                   size_t *host_len, const char **why)
{
    int count = 0;
    while (!(p + 1 < end && p[0] == '\r' && p[1] == '\n')) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (eol == NULL)
            return bad(why, "header line without CRLF");
        if (++count > PD_HTTP_HEADERS_MAX)
            return bad(why, "too many header lines");
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL || colon == p)
            return bad(why, "header line without a name");
        for (const char *q = p; q < colon; q++)
            if (!tchar(*q))
                return bad(why, "invalid character in a header name");
        const char *v = colon + 1;
        for (const char *q = v; q < eol; q++)
            if ((unsigned char)*q < 0x20 && *q != '\t')
                return bad(why, "control character in a header value");
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        const char *ve = eol;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        if (colon - p == 4 && strncasecmp(p, "host", 4) == 0) {
            if (*host != NULL)
                return bad(why, "more than one Host header");
            *host = v;
            *host_len = (size_t)(ve - v);
        }
        p = eol + 2;
    }
    return PD_PARSE_OK;
}

/* METHOD SP TARGET SP HTTP/1.x CRLF */
static enum pd_parse parse_line(const char *buf, const char *eol, struct pd_http_req *r,
                                const char **target, size_t *tlen, const char **why)
{
    const char *sp1 = memchr(buf, ' ', (size_t)(eol - buf));
    if (sp1 == NULL || sp1 == buf || sp1 - buf > 15)
        return bad(why, "invalid request line");
    for (const char *q = buf; q < sp1; q++)
        if (!isupper((unsigned char)*q))
            return bad(why, "invalid method");
    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
    if (sp2 == NULL || sp2 == t)
        return bad(why, "invalid request line");
    for (const char *q = t; q < sp2; q++)
        if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
            return bad(why, "invalid character in the request target");
    size_t vlen = (size_t)(eol - sp2 - 1);
    if (vlen == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0)
        r->version = "HTTP/1.1";
    else if (vlen == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)
        r->version = "HTTP/1.0";
    else
        return bad(why, "unsupported HTTP version");
    r->method_len = (size_t)(sp1 - buf);
    r->connect = r->method_len == 7 && memcmp(buf, "CONNECT", 7) == 0;
    *target = t;
    *tlen = (size_t)(sp2 - t);
    return PD_PARSE_OK;
}

/* http://authority[/path]: the host, port and where the path is. */
static enum pd_parse absolute_uri(const char *buf, const char *t, size_t tlen,
                                  struct pd_http_req *r, const char **why)
{
    if (tlen >= 8 && strncasecmp(t, "https://", 8) == 0)
        return bad(why, "https:// through the proxy: use CONNECT");
    if (tlen < 7 || strncasecmp(t, "http://", 7) != 0)
        return bad(why, "expected an absolute http:// URI or CONNECT");
    const char *a = t + 7, *end = t + tlen, *ae = a;
    while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
        ae++;
    if (memchr(a, '@', (size_t)(ae - a)) != NULL)
        return bad(why, "user information in the URI");
    if (!pd_parse_authority(a, (size_t)(ae - a), 80, r->host, sizeof(r->host), &r->port))
        return bad(why, "invalid host or port in the URI");
    r->path_off = (size_t)(ae - buf);
    r->path_len = (size_t)(end - ae);
    return PD_PARSE_OK;
}

enum pd_parse pd_http_parse(const char *buf, size_t len, bool proxy_form, struct pd_http_req *r,
                            const char **why)
{
    memset(r, 0, sizeof(*r));
    size_t scan = len < PD_HTTP_HEAD_MAX ? len : PD_HTTP_HEAD_MAX;
    if (memchr(buf, '\0', scan) != NULL)
        return bad(why, "NUL byte in the request head");
    const char *end = memmem(buf, scan, "\r\n\r\n", 4);
    if (end == NULL)
        return len >= PD_HTTP_HEAD_MAX ? bad(why, "request head too large") : PD_PARSE_MORE;
    end += 4;
    r->head_len = (size_t)(end - buf);
    const char *eol = memmem(buf, r->head_len, "\r\n", 2);
    const char *t = NULL, *host = NULL;
    size_t tlen = 0, host_len = 0;
    if (memchr(buf, '\n', (size_t)(eol - buf)) != NULL)
        return bad(why, "bare LF in the request line");
    if (parse_line(buf, eol, r, &t, &tlen, why) != PD_PARSE_OK)
        return PD_PARSE_BAD;
    r->line_len = (size_t)(eol + 2 - buf);
    for (const char *q = eol; q < end - 1; q++)
        if (q[1] == '\n' && q[0] != '\r')
            return bad(why, "bare LF in the request head");
    if (parse_headers(eol + 2, end, &host, &host_len, why) != PD_PARSE_OK)
        return PD_PARSE_BAD;
    r->path_off = (size_t)(t - buf);
    r->path_len = tlen;
    if (r->connect) {
        if (!proxy_form)
            return bad(why, "CONNECT to a captured port");
        if (!pd_parse_authority(t, tlen, 0, r->host, sizeof(r->host), &r->port))
            return bad(why, "CONNECT needs host:port");
        return PD_PARSE_OK;
    }
    if (proxy_form)
        return absolute_uri(buf, t, tlen, r, why);
    if (t[0] != '/')
        return bad(why, "expected an origin-form target (/path)");
    if (host == NULL)
        return bad(why, "no Host header");
    if (!pd_parse_authority(host, host_len, 80, r->host, sizeof(r->host), &r->port))
        return bad(why, "invalid Host header");
    return PD_PARSE_OK;
}

/* ---- SOCKS5 ---- */

enum pd_parse pd_socks5_greeting(const uint8_t *buf, size_t len, size_t *consumed, bool *no_auth,
                                 const char **why)
{
    *no_auth = false;
    if (len < 2)
        return len == 1 && buf[0] != 5 ? bad(why, "not SOCKS version 5") : PD_PARSE_MORE;
    if (buf[0] != 5)
        return bad(why, "not SOCKS version 5");
    if (buf[1] == 0)
        return bad(why, "no authentication methods");
    if (len < 2 + (size_t)buf[1])
        return PD_PARSE_MORE;
    for (size_t i = 0; i < buf[1]; i++)
        if (buf[2 + i] == 0)
            *no_auth = true;
    *consumed = 2 + (size_t)buf[1];
    return PD_PARSE_OK;
}

static enum pd_parse socks_bad(struct pd_socks5_req *r, uint8_t code, const char **why,
                               const char *w)
{
    r->reply = code;
    return bad(why, w);
}

enum pd_parse pd_socks5_request(const uint8_t *buf, size_t len, struct pd_socks5_req *r,
                                const char **why)
{
    memset(r, 0, sizeof(*r));
    if (len >= 1 && buf[0] != 5)
        return socks_bad(r, 1, why, "not SOCKS version 5");
    if (len < 5)
        return PD_PARSE_MORE;
    if (buf[2] != 0)
        return socks_bad(r, 1, why, "reserved byte not zero");
    r->cmd = buf[1];
    r->atyp = buf[3];
    size_t alen;
    if (r->atyp == 1)
        alen = 4;
    else if (r->atyp == 4)
        alen = 16;
    else if (r->atyp == 3)
        alen = 1 + (size_t)buf[4];
    else
        return socks_bad(r, 8, why, "address type not supported");
    if (r->atyp == 3 && buf[4] == 0)
        return socks_bad(r, 1, why, "empty domain name");
    if (r->atyp == 3 && buf[4] > PD_HOST_MAX) /* the byte allows 255: r->host holds 253 */
        return socks_bad(r, 1, why, "domain name too long");
    if (len < 4 + alen + 2)
        return PD_PARSE_MORE;
    const uint8_t *a = buf + 4;
    if (r->atyp == 3) {
        for (size_t i = 0; i < buf[4]; i++)
            if (!name_char((char)a[1 + i]))
                return socks_bad(r, 1, why, "invalid domain name");
        memcpy(r->host, a + 1, buf[4]);
        r->host[buf[4]] = '\0';
    } else if (inet_ntop(r->atyp == 1 ? AF_INET : AF_INET6, a, r->host, sizeof(r->host)) == NULL) {
        return socks_bad(r, 1, why, "invalid address");
    }
    r->port = (a[alen] << 8) | a[alen + 1];
    r->consumed = 4 + alen + 2;
    if (r->port == 0)
        return socks_bad(r, 1, why, "port 0");
    if (r->cmd != 1)
        return socks_bad(r, 7, why, "command not supported (only CONNECT)");
    return PD_PARSE_OK;
}
