/* paddock workspaces: the meta.json records.  See workspace.h.
 *
 *   {"version":1,"name":W,"kind":"dir"|"rootfs","named":B,"parent":S|null,
 *    "created":T,"base":{"path":P,"t0":"SEC.NSEC","git":{"head":H|null,
 *    "clean":B,"error":E}|null},"container":{"id":ID,"root":DIR}|null,
 *    "protected_paths":[...]} */
#define _GNU_SOURCE
#include "workspace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

const char *pd_ws_kind_name(enum pd_ws_kind k)
{
    return k == PD_WS_ROOTFS ? "rootfs" : "dir";
}

void pd_ws_base_gen(struct pd_jgen *g, const struct pd_ws_base *b)
{
    char t0[64];
    snprintf(t0, sizeof(t0), "%" PRId64 ".%09ld", b->t0_sec, b->t0_nsec);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "path", b->path);
    pd_jgen_kv_string(g, "t0", t0);
    pd_jgen_key(g, "git");
    if (!b->git) {
        pd_jgen_null(g);
    } else {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "head", b->git_head);
        pd_jgen_kv_bool(g, "clean", b->git_clean);
        if (b->git_error != NULL)
            pd_jgen_kv_string(g, "error", b->git_error);
        pd_jgen_map_close(g);
    }
    pd_jgen_map_close(g);
}

static char *dup_str(const pd_json *o, const char *key)
{
    return pd_xstrdup(pd_json_string(pd_json_get(o, key)));
}

int pd_ws_base_parse(const pd_json *o, struct pd_ws_base *b, pd_error **err)
{
    memset(b, 0, sizeof(*b));
    const char *path = pd_json_string(pd_json_get(o, "path"));
    const char *t0 = pd_json_string(pd_json_get(o, "t0"));
    long long sec = 0;
    long nsec = 0;
    if (path == NULL || path[0] != '/' || t0 == NULL || sscanf(t0, "%lld.%ld", &sec, &nsec) != 2)
        return pd_failx(err, "base: path and t0 missing or invalid");
    b->path = pd_xstrdup(path);
    b->t0_sec = sec;
    b->t0_nsec = nsec;
    const pd_json *git = pd_json_get(o, "git");
    if (git != NULL && pd_json_type(git) == PD_JSON_OBJECT) {
        b->git = true;
        b->git_head = dup_str(git, "head");
        b->git_error = dup_str(git, "error");
        pd_json_bool(pd_json_get(git, "clean"), &b->git_clean);
    }
    return 0;
}

void pd_ws_base_clear(struct pd_ws_base *b)
{
    free(b->path);
    free(b->git_head);
    free(b->git_error);
    memset(b, 0, sizeof(*b));
}

void pd_ws_base_copy(struct pd_ws_base *dst, const struct pd_ws_base *src)
{
    *dst = *src;
    dst->path = pd_xstrdup(src->path);
    dst->git_head = pd_xstrdup(src->git_head);
    dst->git_error = pd_xstrdup(src->git_error);
}

char *pd_ws_meta_json(const struct pd_ws_meta *m)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "version", 1);
    pd_jgen_kv_string(g, "name", m->name);
    pd_jgen_kv_string(g, "kind", pd_ws_kind_name(m->kind));
    pd_jgen_kv_bool(g, "named", m->named);
    pd_jgen_kv_string(g, "parent", m->parent);
    pd_jgen_kv_string(g, "created", m->created);
    pd_jgen_key(g, "base");
    pd_ws_base_gen(g, &m->base);
    pd_jgen_key(g, "container");
    if (m->container_id == NULL) {
        pd_jgen_null(g);
    } else {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "id", m->container_id);
        pd_jgen_kv_string(g, "root", m->container_root);
        pd_jgen_map_close(g);
    }
    static const char *const none[] = {NULL};
    pd_jgen_kv_strv(g, "protected_paths",
                    m->protected_paths ? (const char *const *)m->protected_paths : none);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

static char **strv_from(const pd_json *a)
{
    size_t n = pd_json_type(a) == PD_JSON_ARRAY ? pd_json_len(a) : 0, k = 0;
    char **v = pd_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *s = pd_json_string(pd_json_at(a, i));
        if (s != NULL)
            v[k++] = pd_xstrdup(s);
    }
    return v;
}

int pd_ws_meta_parse(const char *text, struct pd_ws_meta *m, pd_error **err)
{
    memset(m, 0, sizeof(*m));
    pd_json *root = NULL;
    if (pd_json_parse(text, strlen(text), &root, err) < 0)
        return -1;
    int r = -1;
    const char *name = pd_json_string(pd_json_get(root, "name"));
    const char *kind = pd_json_string(pd_json_get(root, "kind"));
    const pd_json *base = pd_json_get(root, "base");
    if (name == NULL || kind == NULL || base == NULL) {
        pd_failx(err, "name, kind or base missing");
        goto out;
    }
    m->name = pd_xstrdup(name);
    m->kind = strcmp(kind, "rootfs") == 0 ? PD_WS_ROOTFS : PD_WS_DIR;
    pd_json_bool(pd_json_get(root, "named"), &m->named);
    m->parent = dup_str(root, "parent");
    m->created = dup_str(root, "created");
    const pd_json *c = pd_json_get(root, "container");
    if (c != NULL && pd_json_type(c) == PD_JSON_OBJECT) {
        m->container_id = dup_str(c, "id");
        m->container_root = dup_str(c, "root");
    }
    m->protected_paths = strv_from(pd_json_get(root, "protected_paths"));
    r = pd_ws_base_parse(base, &m->base, err);
out:
    pd_json_free(root);
    return r;
}

void pd_ws_meta_clear(struct pd_ws_meta *m)
{
    free(m->name);
    free(m->parent);
    free(m->created);
    pd_ws_base_clear(&m->base);
    free(m->container_id);
    free(m->container_root);
    pd_strv_free(m->protected_paths);
    memset(m, 0, sizeof(*m));
}
