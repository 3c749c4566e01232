/* paddock: typed accessors with path-aware messages for the config parser.
 * See config_internal.h for the conventions. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "util.h"

char *pc_quote(const char *s)
{
    size_t n = strlen(s);
    char *r = pd_xmalloc(n * 4 + 3), *o = r;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            o += sprintf(o, "\\x%02x", *p);
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
    return r;
}

static void render(FILE *f, const struct jp *p)
{
    if (p == NULL || p->kind == JP_ROOT)
        return;
    render(f, p->up);
    if (p->kind == JP_MEMBER) {
        fprintf(f, ".%s", p->key);
    } else if (p->kind == JP_INDEX) {
        fprintf(f, "[%zu]", p->idx);
    } else {
        char *q = pc_quote(p->key);
        fprintf(f, "[%s]", q);
        free(q);
    }
}

static char *path_string(const struct jp *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    render(f, p);
    fclose(f);
    if (len == 0) {
        free(buf);
        return pd_xstrdup(".");
    }
    return buf;
}

static int fail_v(const struct pc *c, const struct jp *p, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    char *path = p ? path_string(p) : NULL;
    const char *file = c->file ? c->file : "config.json";
    if (c->bundle && path)
        pd_failx(c->err, "bundle %s: %s: %s: %s", c->bundle, file, path, msg);
    else if (c->bundle)
        pd_failx(c->err, "bundle %s: %s: %s", c->bundle, file, msg);
    else if (path)
        pd_failx(c->err, "%s: %s: %s", file, path, msg);
    else
        pd_failx(c->err, "%s: %s", file, msg);
    free(path);
    free(msg);
    return -1;
}

int pc_fail(const struct pc *c, const struct jp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(c, p, fmt, ap);
    va_end(ap);
    return -1;
}

int pc_fail_doc(const struct pc *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(c, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

pd_json *pc_get(const pd_json *obj, const char *key)
{
    pd_json *v = pd_json_get(obj, key);
    if (v == NULL || pd_json_type(v) == PD_JSON_NULL)
        return NULL;
    return v;
}

/* ---- values ---- */

int pc_v_object(const struct pc *c, const pd_json *v, const struct jp *p)
{
    if (pd_json_type(v) != PD_JSON_OBJECT)
        return pc_fail(c, p, "expected an object");
    return 0;
}

int pc_v_array(const struct pc *c, const pd_json *v, const struct jp *p)
{
    if (pd_json_type(v) != PD_JSON_ARRAY)
        return pc_fail(c, p, "expected an array");
    return 0;
}

int pc_v_str(const struct pc *c, const pd_json *v, const struct jp *p, char **out)
{
    const char *s = pd_json_string(v);
    if (s == NULL)
        return pc_fail(c, p, "expected a string");
    free(*out);
    *out = pd_xstrdup(s);
    return 0;
}

int pc_v_bool(const struct pc *c, const pd_json *v, const struct jp *p, bool *out)
{
    if (!pd_json_bool(v, out))
        return pc_fail(c, p, "expected a boolean");
    return 0;
}

int pc_v_u32(const struct pc *c, const pd_json *v, const struct jp *p, uint32_t *out)
{
    uint64_t u;
    if (!pd_json_uint64(v, &u) || u > UINT32_MAX)
        return pc_fail(c, p, "expected an unsigned 32-bit integer");
    *out = (uint32_t)u;
    return 0;
}

int pc_v_int(const struct pc *c, const pd_json *v, const struct jp *p, int *out)
{
    int64_t i;
    if (!pd_json_int64(v, &i) || i < INT32_MIN || i > INT32_MAX)
        return pc_fail(c, p, "expected a 32-bit integer");
    *out = (int)i;
    return 0;
}

int pc_v_i64(const struct pc *c, const pd_json *v, const struct jp *p, int64_t *out)
{
    if (!pd_json_int64(v, out))
        return pc_fail(c, p, "expected a 64-bit integer");
    return 0;
}

int pc_v_u64(const struct pc *c, const pd_json *v, const struct jp *p, uint64_t *out)
{
    if (!pd_json_uint64(v, out))
        return pc_fail(c, p, "expected an unsigned 64-bit integer");
    return 0;
}

int pc_v_strv(const struct pc *c, const pd_json *v, const struct jp *p, char ***out, size_t *n)
{
    if (pd_json_type(v) != PD_JSON_ARRAY)
        return pc_fail(c, p, "expected an array of strings");
    size_t len = pd_json_len(v);
    pd_strv_free(*out);
    *n = 0;
    *out = pd_xcalloc(len + 1, sizeof(char *));
    for (size_t i = 0; i < len; i++) {
        const char *s = pd_json_string(pd_json_at(v, i));
        if (s == NULL)
            return pc_fail(c, JP_I(p, i), "expected a string");
        (*out)[i] = pd_xstrdup(s);
        *n = i + 1;
    }
    return 0;
}

void pc_kv_free(struct pd_kv *kv, size_t n)
{
    for (size_t i = 0; kv != NULL && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

int pc_v_kvmap(const struct pc *c, const pd_json *v, const struct jp *p, struct pd_kv **out,
               size_t *n)
{
    if (pd_json_type(v) != PD_JSON_OBJECT)
        return pc_fail(c, p, "expected an object of strings");
    size_t len = pd_json_len(v);
    pc_kv_free(*out, *n);
    *n = 0;
    *out = pd_xcalloc(len ? len : 1, sizeof(struct pd_kv));
    for (size_t i = 0; i < len; i++) {
        const char *key = pd_json_key_at(v, i);
        const char *val = pd_json_string(pd_json_at(v, i));
        if (val == NULL)
            return pc_fail(c, JP_K(p, key), "expected a string");
        size_t j = 0;
        while (j < *n && strcmp((*out)[j].key, key) != 0)
            j++;
        if (j < *n) { /* repeated key: the last one wins */
            free((*out)[j].value);
            (*out)[j].value = pd_xstrdup(val);
            continue;
        }
        (*out)[j].key = pd_xstrdup(key);
        (*out)[j].value = pd_xstrdup(val);
        *n = j + 1;
    }
    return 0;
}

int pc_v_idmaps(const struct pc *c, const pd_json *v, const struct jp *p,
                struct pd_idmap **out, size_t *n)
{
    if (pd_json_type(v) != PD_JSON_ARRAY)
        return pc_fail(c, p, "expected an array");
    size_t len = pd_json_len(v);
    free(*out);
    *n = 0;
    *out = pd_xcalloc(len ? len : 1, sizeof(struct pd_idmap));
    for (size_t i = 0; i < len; i++) {
        const pd_json *e = pd_json_at(v, i);
        const struct jp *ep = JP_I(p, i);
        struct pd_idmap *m = &(*out)[i];
        if (pc_v_object(c, e, ep) < 0 ||
            pc_need(c, pc_m_u32(c, e, ep, "containerID", &m->container_id), ep, "containerID") < 0 ||
            pc_need(c, pc_m_u32(c, e, ep, "hostID", &m->host_id), ep, "hostID") < 0 ||
            pc_need(c, pc_m_u32(c, e, ep, "size", &m->size), ep, "size") < 0)
            return -1;
        if (m->size == 0)
            return pc_fail(c, JP_M(ep, "size"), "expected a positive unsigned 32-bit integer");
        *n = i + 1;
    }
    return 0;
}

/* ---- members ---- */

int pc_need(const struct pc *c, int r, const struct jp *p, const char *key)
{
    if (r < 0)
        return -1;
    if (r == 0)
        return pc_fail(c, JP_M(p, key), "required");
    return 1;
}

int pc_m_object(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                pd_json **out)
{
    pd_json *v = pc_get(obj, key);
    if (v == NULL)
        return 0;
    if (pc_v_object(c, v, JP_M(p, key)) < 0)
        return -1;
    *out = v;
    return 1;
}

int pc_m_array(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
               pd_json **out)
{
    pd_json *v = pc_get(obj, key);
    if (v == NULL)
        return 0;
    if (pc_v_array(c, v, JP_M(p, key)) < 0)
        return -1;
    *out = v;
    return 1;
}

/* The member helpers below share one shape. */
#define MEMBER(name, type, vfn)                                                       \
    int name(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key, \
             type *out)                                                               \
    {                                                                                 \
        pd_json *v = pc_get(obj, key);                                                \
        if (v == NULL)                                                                \
            return 0;                                                                 \
        return vfn(c, v, JP_M(p, key), out) < 0 ? -1 : 1;                             \
    }

MEMBER(pc_m_str, char *, pc_v_str)
MEMBER(pc_m_bool, bool, pc_v_bool)
MEMBER(pc_m_u32, uint32_t, pc_v_u32)
MEMBER(pc_m_int, int, pc_v_int)
MEMBER(pc_m_i64, int64_t, pc_v_i64)
MEMBER(pc_m_u64, uint64_t, pc_v_u64)

int pc_m_opt_i64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                 struct pd_opt_i64 *out)
{
    int r = pc_m_i64(c, obj, p, key, &out->v);
    if (r > 0)
        out->set = true;
    return r;
}

int pc_m_opt_u64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                 struct pd_opt_u64 *out)
{
    int r = pc_m_u64(c, obj, p, key, &out->v);
    if (r > 0)
        out->set = true;
    return r;
}

int pc_m_strv(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
              char ***out, size_t *n)
{
    pd_json *v = pc_get(obj, key);
    if (v == NULL)
        return 0;
    return pc_v_strv(c, v, JP_M(p, key), out, n) < 0 ? -1 : 1;
}

int pc_m_kvmap(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
               struct pd_kv **out, size_t *n)
{
    pd_json *v = pc_get(obj, key);
    if (v == NULL)
        return 0;
    return pc_v_kvmap(c, v, JP_M(p, key), out, n) < 0 ? -1 : 1;
}

int pc_m_idmaps(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                struct pd_idmap **out, size_t *n)
{
    pd_json *v = pc_get(obj, key);
    if (v == NULL)
        return 0;
    return pc_v_idmaps(c, v, JP_M(p, key), out, n) < 0 ? -1 : 1;
}
