/* paddock: the network supervisor's live counters.  See netstats.h. */
#define _GNU_SOURCE
#include "netstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static struct pd_netstats_host *host_slot(struct pd_netstats *s, const char *host)
{
    if (host == NULL || host[0] == '\0')
        host = "?";
    for (size_t i = 0; i < s->n_hosts; i++)
        if (strcasecmp(s->hosts[i].host, host) == 0)
            return &s->hosts[i];
    if (s->n_hosts == PD_NETSTATS_HOSTS)
        return NULL;
    struct pd_netstats_host *h = &s->hosts[s->n_hosts++];
    *h = (struct pd_netstats_host){0};
    snprintf(h->host, sizeof(h->host), "%s", host);
    return h;
}

void pd_netstats_allow(struct pd_netstats *s, const char *host, uint64_t out, uint64_t in)
{
    s->allowed++;
    s->done_out += out;
    s->done_in += in;
    struct pd_netstats_host *h = host_slot(s, host);
    if (h != NULL) {
        h->allowed++;
        h->bytes += out + in;
    }
}

void pd_netstats_deny(struct pd_netstats *s, const char *host, int port, const char *via,
                      const char *reason)
{
    s->denied++;
    struct pd_netstats_host *h = host_slot(s, host);
    if (h != NULL)
        h->denied++;
    s->has_denial = true;
    pd_time_rfc3339(s->denial.time, sizeof(s->denial.time));
    snprintf(s->denial.host, sizeof(s->denial.host), "%s", host && host[0] ? host : "?");
    s->denial.port = port;
    snprintf(s->denial.via, sizeof(s->denial.via), "%s", via ? via : "");
    snprintf(s->denial.reason, sizeof(s->denial.reason), "%s", reason ? reason : "");
}

static int by_connections(const void *a, const void *b)
{
    const struct pd_netstats_host *x = a, *y = b;
    uint64_t nx = x->allowed + x->denied, ny = y->allowed + y->denied;
    if (nx != ny)
        return nx > ny ? -1 : 1;
    return x->bytes > y->bytes ? -1 : x->bytes < y->bytes ? 1 : 0;
}

char *pd_netstats_json(struct pd_netstats *s, size_t *len)
{
    pd_time_rfc3339(s->updated, sizeof(s->updated));
    if (s->n_hosts > 1)
        qsort(s->hosts, s->n_hosts, sizeof(s->hosts[0]), by_connections);
    pd_jgen *g = pd_jgen_new(false);
    pd_netstats_jgen(s, g);
    return pd_jgen_finish(g, len);
}

void pd_netstats_jgen(const struct pd_netstats *s, pd_jgen *g)
{
    if (s == NULL) {
        pd_jgen_null(g);
        return;
    }
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "updated", s->updated);
    pd_jgen_kv_bool(g, "final", s->final);
    const struct { const char *k; uint64_t v; } n[] = {
        {"open", s->open}, {"allowed", s->allowed}, {"denied", s->denied},
        {"bytes_out", s->bytes_out}, {"bytes_in", s->bytes_in},
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(n); i++) {
        pd_jgen_key(g, n[i].k);
        pd_jgen_uint(g, n[i].v);
    }
    pd_jgen_key(g, "top_hosts");
    pd_jgen_array_open(g);
    for (size_t i = 0; i < s->n_hosts && i < PD_NETSTATS_TOP; i++) {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "host", s->hosts[i].host);
        pd_jgen_key(g, "allowed");
        pd_jgen_uint(g, s->hosts[i].allowed);
        pd_jgen_key(g, "denied");
        pd_jgen_uint(g, s->hosts[i].denied);
        pd_jgen_key(g, "bytes");
        pd_jgen_uint(g, s->hosts[i].bytes);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
    pd_jgen_key(g, "last_denial");
    if (!s->has_denial) {
        pd_jgen_null(g);
    } else {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "time", s->denial.time);
        pd_jgen_kv_string(g, "host", s->denial.host);
        pd_jgen_kv_int(g, "port", s->denial.port);
        pd_jgen_kv_string(g, "via", s->denial.via);
        pd_jgen_kv_string(g, "reason", s->denial.reason);
        pd_jgen_map_close(g);
    }
    pd_jgen_map_close(g);
}

static void get_str(const pd_json *o, const char *k, char *buf, size_t n)
{
    const char *v = pd_json_string(pd_json_get(o, k));
    snprintf(buf, n, "%s", v ? v : "");
}

static uint64_t get_u(const pd_json *o, const char *k)
{
    uint64_t v = 0;
    return pd_json_uint64(pd_json_get(o, k), &v) ? v : 0;
}

int pd_netstats_parse(const char *text, size_t len, struct pd_netstats *s, pd_error **err)
{
    pd_json *root = NULL;
    if (pd_json_parse(text, len, &root, err) < 0)
        return -1;
    memset(s, 0, sizeof(*s));
    if (pd_json_type(root) != PD_JSON_OBJECT) {
        pd_json_free(root);
        return pd_failx(err, "not an object");
    }
    get_str(root, "updated", s->updated, sizeof(s->updated));
    pd_json_bool(pd_json_get(root, "final"), &s->final);
    s->open = get_u(root, "open");
    s->allowed = get_u(root, "allowed");
    s->denied = get_u(root, "denied");
    s->bytes_out = get_u(root, "bytes_out");
    s->bytes_in = get_u(root, "bytes_in");
    const pd_json *top = pd_json_get(root, "top_hosts");
    for (size_t i = 0; i < pd_json_len(top) && s->n_hosts < PD_NETSTATS_TOP; i++) {
        const pd_json *h = pd_json_at(top, i);
        struct pd_netstats_host *d = &s->hosts[s->n_hosts++];
        get_str(h, "host", d->host, sizeof(d->host));
        d->allowed = get_u(h, "allowed");
        d->denied = get_u(h, "denied");
        d->bytes = get_u(h, "bytes");
    }
    const pd_json *dn = pd_json_get(root, "last_denial");
    if (pd_json_type(dn) == PD_JSON_OBJECT) {
        s->has_denial = true;
        get_str(dn, "time", s->denial.time, sizeof(s->denial.time));
        get_str(dn, "host", s->denial.host, sizeof(s->denial.host));
        get_str(dn, "via", s->denial.via, sizeof(s->denial.via));
        get_str(dn, "reason", s->denial.reason, sizeof(s->denial.reason));
        s->denial.port = (int)get_u(dn, "port");
    }
    pd_json_free(root);
    return 0;
}

int pd_netstats_read(const char *dir, struct pd_netstats *s, pd_error **err)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/network.json", dir);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    pd_error *e = NULL;
    if (pd_read_file(path, 1u << 20, &text, &len, &e) < 0) {
        bool none = e->errnum == ENOENT;
        if (none) {
            pd_error_free(e);
            return 0;
        }
        if (err != NULL)
            *err = e;
        else
            pd_error_free(e);
        return -1;
    }
    if (pd_netstats_parse(text, len, s, err) < 0)
        return pd_wrap(err, "%s", path);
    return 1;
}

/* 1536 -> "1.5 KiB" */
static const char *human(uint64_t b, char *buf, size_t n)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    size_t i = 0;
    while (v >= 1024 && i + 1 < PD_ARRAY_SIZE(u))
        v /= 1024, i++;
    if (i == 0)
        snprintf(buf, n, "%llu B", (unsigned long long)b);
    else
        snprintf(buf, n, "%.1f %s", v, u[i]);
    return buf;
}

void pd_netstats_print(const struct pd_netstats *s)
{
    char in[32], out[32], hb[32];
    printf("%-16s %llu allowed, %llu denied, %llu open; %s in, %s out (%s %s)\n", "traffic",
           (unsigned long long)s->allowed, (unsigned long long)s->denied,
           (unsigned long long)s->open, human(s->bytes_in, in, sizeof(in)),
           human(s->bytes_out, out, sizeof(out)), s->final ? "final, at" : "live, updated",
           s->updated);
    for (size_t i = 0; i < s->n_hosts; i++)
        printf("%-16s %s: %llu allowed, %llu denied, %s\n", i == 0 ? "top hosts" : "",
               s->hosts[i].host, (unsigned long long)s->hosts[i].allowed,
               (unsigned long long)s->hosts[i].denied, human(s->hosts[i].bytes, hb, sizeof(hb)));
    if (s->has_denial)
        printf("%-16s %s:%d via %s: %s (%s)\n", "last denial", s->denial.host, s->denial.port,
               s->denial.via, s->denial.reason, s->denial.time);
}
