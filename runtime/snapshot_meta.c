/* paddock snapshots: records, chains, users.  See snapshot.h.
 *
 *   {"version":1,"name":S,"kind":"dir"|"rootfs","parent":P|null,"created":T,
 *    "base":{...workspace_meta.c...},"from":W,"token":TOKEN,"running":B,
 *    "flattened":B,"files":N,"bytes":N}        (files/bytes once counted) */
#define _GNU_SOURCE
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

char *pd_snap_meta_json(const struct pd_snap_meta *m)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "version", 1);
    pd_jgen_kv_string(g, "name", m->name);
    pd_jgen_kv_string(g, "kind", pd_ws_kind_name(m->kind));
    pd_jgen_kv_string(g, "parent", m->parent);
    pd_jgen_kv_string(g, "created", m->created);
    pd_jgen_key(g, "base");
    pd_ws_base_gen(g, &m->base);
    pd_jgen_kv_string(g, "from", m->from);
    pd_jgen_kv_string(g, "token", m->token);
    pd_jgen_kv_bool(g, "running", m->running);
    pd_jgen_kv_bool(g, "flattened", m->flattened);
    if (m->has_stats) {
        pd_jgen_key(g, "files");
        pd_jgen_uint(g, m->files);
        pd_jgen_key(g, "bytes");
        pd_jgen_uint(g, m->bytes);
    }
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

static char *dup_str(const pd_json *o, const char *key)
{
    return pd_xstrdup(pd_json_string(pd_json_get(o, key)));
}

int pd_snap_meta_parse(const char *text, struct pd_snap_meta *m, pd_error **err)
{
    memset(m, 0, sizeof(*m));
    pd_json *root = NULL;
    if (pd_json_parse(text, strlen(text), &root, err) < 0)
        return -1;
    int r = -1;
    const char *name = pd_json_string(pd_json_get(root, "name"));
    const char *kind = pd_json_string(pd_json_get(root, "kind"));
    const char *token = pd_json_string(pd_json_get(root, "token"));
    const pd_json *base = pd_json_get(root, "base");
    if (name == NULL || kind == NULL || base == NULL || token == NULL) {
        pd_failx(err, "name, kind, token or base missing");
        goto out;
    }
    m->name = pd_xstrdup(name);
    m->kind = strcmp(kind, "rootfs") == 0 ? PD_WS_ROOTFS : PD_WS_DIR;
    m->parent = dup_str(root, "parent");
    m->created = dup_str(root, "created");
    m->from = dup_str(root, "from");
    m->token = pd_xstrdup(token);
    pd_json_bool(pd_json_get(root, "running"), &m->running);
    pd_json_bool(pd_json_get(root, "flattened"), &m->flattened);
    m->has_stats = pd_json_uint64(pd_json_get(root, "files"), &m->files) &&
                   pd_json_uint64(pd_json_get(root, "bytes"), &m->bytes);
    r = pd_ws_base_parse(base, &m->base, err);
out:
    pd_json_free(root);
    return r;
}

void pd_snap_meta_clear(struct pd_snap_meta *m)
{
    free(m->name);
    free(m->parent);
    free(m->created);
    pd_ws_base_clear(&m->base);
    free(m->from);
    free(m->token);
    memset(m, 0, sizeof(*m));
}

int pd_snapshot_read(struct pd_store *s, const char *name, struct pd_snap_meta *m, pd_error **err)
{
    memset(m, 0, sizeof(*m));
    if (pd_store_check_name("snapshot", name, err) < 0)
        return -1;
    _cleanup_close_ int fd = openat(s->snap_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return pd_store_missing(err, "no snapshot \"%s\" in %s", name,
                           s->path);
        return pd_fail_errno(err, "snapshot %s", name);
    }
    _cleanup_free_ char *text = NULL;
    if (pd_store_read(fd, "meta.json", &text, err) < 0 || pd_snap_meta_parse(text, m, err) < 0)
        return pd_wrap(err, "snapshot %s (the store is damaged: paddock snapshot verify)", name);
    if (strcmp(m->name, name) != 0) {
        pd_snap_meta_clear(m);
        return pd_failx(err, "snapshot %s: its record names \"%s\" (the store is damaged: "
                        "paddock snapshot verify)", name, m->name);
    }
    return 0;
}

char *pd_snapshot_layer(const struct pd_store *s, const char *name)
{
    return pd_xasprintf("%s/snapshots/%s/layer", s->path, name);
}

int pd_snapshot_chain(struct pd_store *s, const char *name, char ***out, pd_error **err)
{
    size_t n = 0, max = 100000;
    char **v = pd_xcalloc(1, sizeof(char *));
    const char *cur = name;
    _cleanup_free_ char *next = NULL;
    while (cur != NULL) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i], cur) == 0) {
                pd_strv_free(v);
                return pd_failx(err, "snapshot %s: its chain loops at %s (the store is damaged)",
                                name, cur);
            }
        struct pd_snap_meta m;
        if (n >= max || pd_snapshot_read(s, cur, &m, err) < 0) {
            pd_strv_free(v);
            return n == 0 ? -1 : pd_wrap(err, "the chain of snapshot %s", name);
        }
        v = pd_xrealloc(v, (n + 2) * sizeof(char *));
        v[n++] = pd_xstrdup(cur);
        v[n] = NULL;
        free(next);
        next = m.parent ? pd_xstrdup(m.parent) : NULL;
        cur = next;
        pd_snap_meta_clear(&m);
    }
    *out = v;
    return 0;
}

int pd_snapshot_names(struct pd_store *s, char ***out, pd_error **err)
{
    return pd_store_list_dir(s->snap_fd, out, err);
}

char *pd_snapshot_user(struct pd_store *s, const char *name, pd_error **err)
{
    _cleanup_strv_ char **snaps = NULL, **wss = NULL;
    if (pd_snapshot_names(s, &snaps, err) < 0 || pd_workspace_names(s, &wss, err) < 0)
        return NULL;
    for (size_t i = 0; snaps[i]; i++) {
        struct pd_snap_meta m;
        if (pd_snapshot_read(s, snaps[i], &m, NULL) < 0)
            continue;
        bool child = m.parent != NULL && strcmp(m.parent, name) == 0;
        pd_snap_meta_clear(&m);
        if (child)
            return pd_xasprintf("snapshot %s", snaps[i]);
    }
    for (size_t i = 0; wss[i]; i++) {
        struct pd_workspace *w = NULL;
        if (pd_workspace_open(s, wss[i], &w, NULL) < 0)
            continue;
        bool uses = w->meta.parent != NULL && strcmp(w->meta.parent, name) == 0;
        pd_workspace_close(w);
        if (uses)
            return pd_xasprintf("workspace %s", wss[i]);
    }
    return NULL;
}
