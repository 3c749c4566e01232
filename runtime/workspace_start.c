/* paddock workspaces: a sandbox or container starts on one.  See
 * workspace.h (pd_workspace_start). */
#define _GNU_SOURCE
#include "workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"
#include "log.h"
#include "snapshot.h"
#include "util.h"

static const char *kind_what(enum pd_ws_kind k)
{
    return k == PD_WS_ROOTFS ? "a rootfs" : "a workspace directory";
}

/* An existing workspace must fit the request. */
static int check_existing(const struct pd_ws_request *rq, const struct pd_workspace *w,
                          pd_error **err)
{
    const struct pd_ws_meta *m = &w->meta;
    if (m->kind != rq->kind)
        return pd_failx(err, "workspace %s is over %s, not %s", w->name, kind_what(m->kind),
                        kind_what(rq->kind));
    if (strcmp(m->base.path, rq->base) != 0)
        return pd_failx(err, "workspace %s is over %s, not %s: run it there, or discard it "
                        "(paddock workspace discard %s)", w->name, m->base.path, rq->base, w->name);
    if (rq->from_snapshot != NULL && (m->parent == NULL || strcmp(m->parent, rq->from_snapshot) != 0))
        return pd_failx(err, "workspace %s exists and started %s%s%s, not from snapshot %s: "
                        "discard it (paddock workspace discard %s) or choose another name",
                        w->name, m->parent ? "from snapshot " : "without a snapshot",
                        m->parent ? m->parent : "", "", rq->from_snapshot, w->name);
    return 0;
}

/* The base of a new workspace: recorded now, or the snapshot's (checked). */
static int new_base(struct pd_store *s, const struct pd_ws_request *rq, struct pd_ws_base *b,
                    pd_error **err)
{
    if (rq->from_snapshot == NULL) {
        pd_ws_base_record(rq->base, rq->kind, b);
        return 0;
    }
    struct pd_snap_meta sm;
    if (pd_snapshot_read(s, rq->from_snapshot, &sm, err) < 0)
        return -1;
    int r = 0;
    if (sm.kind != rq->kind)
        r = pd_failx(err, "snapshot %s is of %s, not %s", sm.name, kind_what(sm.kind),
                     kind_what(rq->kind));
    else
        r = pd_ws_base_check(&sm.base, rq->base, rq->kind, sm.name, rq->strict_base, err);
    if (r == 0) {
        pd_ws_base_copy(b, &sm.base);
        free(b->path);
        b->path = pd_xstrdup(rq->base);
    }
    pd_snap_meta_clear(&sm);
    return r;
}

/* Make W: everything in .new.W.TOKEN, then one rename. */
static int create_ws(struct pd_store *s, const struct pd_ws_request *rq, pd_error **err)
{
    struct pd_workspace tmp = {.lock = -1, .fd = -1};
    char token[17];
    pd_store_token(token);
    _cleanup_free_ char *staging = pd_xasprintf(".new.%s.%s", rq->name, token);
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    tmp.name = (char *)rq->name;
    tmp.meta = (struct pd_ws_meta){.name = (char *)rq->name, .kind = rq->kind, .named = rq->named,
                                   .parent = (char *)rq->from_snapshot, .created = ts};
    if (new_base(s, rq, &tmp.meta.base, err) < 0)
        return -1;
    int r = -1;
    if (mkdirat(s->ws_fd, staging, 0700) < 0) {
        pd_fail_errno(err, "create workspace %s", rq->name);
        goto out;
    }
    tmp.fd = openat(s->ws_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tmp.fd < 0) {
        pd_fail_errno(err, "open workspace %s", rq->name);
        goto out;
    }
    if (pd_workspace_ensure_upper(&tmp, err) < 0 || pd_workspace_write_meta(&tmp, err) < 0)
        goto out;
    if (renameat(s->ws_fd, staging, s->ws_fd, rq->name) < 0) {
        pd_fail_errno(err, "create workspace %s", rq->name);
        goto out;
    }
    r = pd_store_fsync(s->ws_fd, "workspaces", err);
out:
    if (tmp.fd >= 0)
        close(tmp.fd);
    if (r < 0)
        pd_layer_remove(s->ws_fd, staging, NULL);
    pd_ws_base_clear(&tmp.meta.base);
    return r;
}

static void set_user(struct pd_workspace *w, const struct pd_ws_request *rq)
{
    struct pd_ws_meta *m = &w->meta;
    free(m->container_id);
    free(m->container_root);
    m->container_id = pd_xstrdup(rq->container_id);
    m->container_root = pd_xstrdup(rq->container_root);
    if (rq->protected_paths != NULL) {
        pd_strv_free(m->protected_paths);
        m->protected_paths = pd_strv_dup(rq->protected_paths);
    }
}

static char *join_lowers(char **lowers, pd_error **err)
{
    size_t len = 1;
    for (size_t i = 0; lowers[i]; i++) {
        if (pd_overlay_check_path("layer", lowers[i], err) < 0)
            return NULL;
        len += strlen(lowers[i]) + 1;
    }
    char *v = pd_xcalloc(len, 1);
    for (size_t i = 0; lowers[i]; i++)
        strcat(strcat(v, i ? ":" : ""), lowers[i]);
    return v;
}

/* Open (or make) W, lock it, record its user; the layers into out. */
static int start_locked(struct pd_store *s, const struct pd_ws_request *rq,
                        struct pd_ws_started *out, pd_error **err)
{
    struct pd_workspace *w = NULL;
    if (pd_workspace_open(s, rq->name, &w, NULL) < 0) {
        if (create_ws(s, rq, err) < 0 || pd_workspace_open(s, rq->name, &w, err) < 0)
            return -1;
        out->created = true;
    }
    out->ws = w;
    if (!out->created && (check_existing(rq, w, err) < 0))
        return -1;
    if (pd_workspace_lock(w, err) < 0 || pd_workspace_ensure_upper(w, err) < 0)
        return -1;
    set_user(w, rq);
    if (pd_workspace_write_meta(w, err) < 0)
        return -1;
    _cleanup_strv_ char **lowers = NULL;
    if (pd_workspace_lowers(s, w, &lowers, err) < 0)
        return -1;
    out->lowerdir = join_lowers(lowers, err);
    if (out->lowerdir == NULL)
        return -1;
    out->upperdir = pd_xasprintf("%s/upper", w->path);
    out->workdir = pd_xasprintf("%s/work", w->path);
    if (pd_overlay_check_path("store", out->upperdir, err) < 0)
        return -1;
    return 0;
}

int pd_workspace_start(const struct pd_ws_request *rq, struct pd_ws_started **out, pd_error **err)
{
    *out = NULL;
    if (pd_store_check_name(rq->named ? "--name" : "workspace", rq->name, err) < 0 ||
        pd_overlay_check_path(rq->kind == PD_WS_ROOTFS ? "rootfs" : "workspace", rq->base, err) < 0)
        return -1;
    if (rq->from_snapshot != NULL && pd_store_check_name("snapshot", rq->from_snapshot, err) < 0)
        return -1;
    _cleanup_store_ struct pd_store *s = NULL;
    if (pd_store_open(rq->store, true, &s, err) < 0)
        return -1;
    struct pd_ws_started *st = pd_xcalloc(1, sizeof(*st));
    st->store_path = pd_xstrdup(s->path);
    if (start_locked(s, rq, st, err) < 0) {
        bool removed;
        pd_store_unlock(s);
        pd_workspace_finish(st, &removed);
        return -1;
    }
    *out = st;
    return 0;
}

char **pd_workspace_mount_options(const struct pd_ws_started *s)
{
    char **v = pd_xcalloc(9, sizeof(char *));
    v[0] = pd_xasprintf("lowerdir=%s", s->lowerdir);
    v[1] = pd_xasprintf("upperdir=%s", s->upperdir);
    v[2] = pd_xasprintf("workdir=%s", s->workdir);
    /* user.overlay.* xattrs: works in a user namespace, and every layer is
     * readable the same way by the host's tools */
    v[3] = pd_xstrdup("userxattr");
    /* self-contained layers: no metadata-only copy-ups, no index (userxattr
     * already keeps redirects from being made or followed) */
    v[4] = pd_xstrdup("metacopy=off");
    v[5] = pd_xstrdup("index=off");
    return v;
}

/* Without a name, a workspace with no change and no snapshot is removed. */
static bool remove_if_empty(struct pd_ws_started *st)
{
    struct pd_workspace *w = st->ws;
    /* a container created (not run attached) goes on using it */
    if (w == NULL || w->meta.named || pd_workspace_container_alive(w))
        return false;
    _cleanup_store_ struct pd_store *s = NULL;
    if (pd_store_open(st->store_path, false, &s, NULL) < 0)
        return false;
    _cleanup_close_ int up = openat(w->fd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool empty = false;
    if (up < 0 || pd_layer_empty(up, &empty, NULL) < 0 || !empty)
        return false;
    _cleanup_error_ pd_error *e = NULL;
    if (pd_workspace_remove(s, w->name, &e) < 0) {
        pd_warn("%s", e->msg);
        return false;
    }
    return true;
}

void pd_workspace_finish(struct pd_ws_started *st, bool *removed)
{
    *removed = false;
    if (st == NULL)
        return;
    if (st->ws != NULL && st->ws->lock >= 0)
        *removed = remove_if_empty(st);
    pd_workspace_close(st->ws);
    free(st->store_path);
    free(st->lowerdir);
    free(st->upperdir);
    free(st->workdir);
    free(st);
}
