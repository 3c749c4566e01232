/* paddock snapshots: create.  See snapshot.h and spec/workspaces.md.
 *
 * Of a workspace not in use (a stopped container, a finished sandbox):
 *   journal; staging .new.S.T with meta.json; rename W/upper -> staging/layer;
 *   rename staging -> S (the commit); W: parent S, an empty upper; journal end.
 * Nothing is copied: the cost does not depend on the size of the layer.
 *
 * Of a running one: the container is frozen (snapshot.h, pd_freeze) while
 * its upper layer is copied (cloned where the filesystem can) into the
 * staging directory, then thawed; then the same commit.  W keeps its upper. */
#define _GNU_SOURCE
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "layer.h"
#include "log.h"
#include "snapshot_journal.h"
#include "util.h"

struct create {
    struct pd_store *s;
    struct pd_workspace *w;
    const char *name;
    char token[17];
    char *staging;
    int sfd;          /* the staging directory */
    struct pd_snap_meta m;
};

static int write_snap_meta(int dirfd, const struct pd_snap_meta *m, pd_error **err)
{
    _cleanup_free_ char *text = pd_snap_meta_json(m);
    return pd_store_write(dirfd, "meta.json", text, strlen(text), err);
}

/* journal, staging directory, its meta.json */
static int stage(struct create *c, bool move, pd_error **err)
{
    c->staging = pd_xasprintf(".new.%s.%s", c->name, c->token);
    _cleanup_free_ char *j = pd_snap_journal("create", c->name, c->w->name, c->staging, c->token, move);
    if (pd_store_journal_begin(c->s, j, err) < 0)
        return -1;
    pd_store_fault("snapshot-create.journaled");
    if (mkdirat(c->s->snap_fd, c->staging, 0700) < 0)
        return pd_fail_errno(err, "snapshot %s: create %s", c->name, c->staging);
    c->sfd = openat(c->s->snap_fd, c->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->sfd < 0)
        return pd_fail_errno(err, "snapshot %s: open %s", c->name, c->staging);
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    c->m = (struct pd_snap_meta){.name = pd_xstrdup(c->name), .kind = c->w->meta.kind,
                                 .parent = pd_xstrdup(c->w->meta.parent),
                                 .created = pd_xstrdup(ts), .from = pd_xstrdup(c->w->name),
                                 .token = pd_xstrdup(c->token), .running = !move};
    pd_ws_base_copy(&c->m.base, &c->w->meta.base);
    if (write_snap_meta(c->sfd, &c->m, err) < 0)
        return pd_wrap(err, "snapshot %s", c->name);
    pd_store_fault("snapshot-create.staged");
    return 0;
}

/* staging -> S: from here on the snapshot exists. */
static int commit(struct create *c, pd_error **err)
{
    if (renameat(c->s->snap_fd, c->staging, c->s->snap_fd, c->name) < 0)
        return pd_fail_errno(err, "snapshot %s: commit", c->name);
    if (pd_store_fsync(c->s->snap_fd, "snapshots", err) < 0)
        return -1;
    pd_store_fault("snapshot-create.committed");
    return 0;
}

/* W goes on from S with an empty upper layer (also the journal's roll-forward). */
int pd_snapshot_continue_ws(struct pd_workspace *w, const char *name, pd_error **err)
{
    if (w->meta.parent == NULL || strcmp(w->meta.parent, name) != 0) {
        free(w->meta.parent);
        w->meta.parent = pd_xstrdup(name);
        if (pd_workspace_write_meta(w, err) < 0)
            return -1;
    }
    pd_store_fault("snapshot-create.parent");
    /* the work directory belonged to the old upper layer */
    if (pd_layer_remove(w->fd, "work", err) < 0 || pd_workspace_ensure_upper(w, err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    return pd_store_fsync(w->fd, w->name, err);
}

static int create_stopped(struct create *c, pd_error **err)
{
    if (pd_workspace_lock(c->w, err) < 0 || pd_workspace_ensure_upper(c->w, err) < 0 ||
        stage(c, true, err) < 0)
        return -1;
    if (renameat(c->w->fd, "upper", c->sfd, "layer") < 0)
        return pd_fail_errno(err, "snapshot %s: move the upper layer of %s", c->name, c->w->name);
    if (pd_store_fsync(c->w->fd, c->w->name, err) < 0 || pd_store_fsync(c->sfd, c->staging, err) < 0)
        return -1;
    pd_store_fault("snapshot-create.moved");
    if (commit(c, err) < 0)
        return -1;
    return pd_snapshot_continue_ws(c->w, c->name, err);
}

static int copy_upper(struct create *c, struct pd_layer_stats *st, pd_error **err)
{
    if (mkdirat(c->sfd, "layer", 0700) < 0)
        return pd_fail_errno(err, "snapshot %s: create its layer", c->name);
    _cleanup_close_ int dst = openat(c->sfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int src = openat(c->w->fd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0 || src < 0)
        return pd_fail_errno(err, "snapshot %s: open the layers", c->name);
    struct stat ust;
    if (fstat(src, &ust) < 0 || fchmod(dst, ust.st_mode & 07777) < 0)
        return pd_fail_errno(err, "snapshot %s: mode of its layer", c->name);
    if (geteuid() == 0 && fchown(dst, ust.st_uid, ust.st_gid) < 0)
        return pd_fail_errno(err, "snapshot %s: owner of its layer", c->name);
    return pd_layer_copy(src, dst, st, err) < 0 ? pd_wrap(err, "snapshot %s: copy", c->name) : 0;
}

static int create_running(struct create *c, pd_error **err)
{
    if (stage(c, false, err) < 0)
        return -1;
    struct pd_frozen *f = NULL;
    if (pd_freeze(c->w->meta.container_root, c->w->meta.container_id, &f, err) < 0)
        return pd_wrap(err, "snapshot %s of running %s", c->name, c->w->name);
    struct pd_layer_stats st;
    int r = copy_upper(c, &st, err);
    pd_thaw(f);
    if (r < 0)
        return -1;
    pd_store_fault("snapshot-create.copied");
    c->m.has_stats = true;
    c->m.files = st.files;
    c->m.bytes = st.bytes;
    if (write_snap_meta(c->sfd, &c->m, err) < 0)
        return -1;
    return commit(c, err);
}

static int check_new(struct pd_store *s, struct pd_workspace *w, const char *name, pd_error **err)
{
    struct stat st;
    if (pd_store_check_name("snapshot", name, err) < 0)
        return -1;
    if (fstatat(s->snap_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return pd_fail(err, EEXIST, "snapshot %s already exists", name);
    _cleanup_strv_ char **chain = NULL;
    if (w->meta.parent != NULL && pd_snapshot_chain(s, w->meta.parent, &chain, err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    size_t depth = pd_strv_len(chain) + 1, max = pd_overlay_max_lowers();
    if (depth + 1 > max)
        return pd_failx(err, "snapshot %s: a chain of %zu snapshots and the base would be %zu "
                        "lower layers, more than overlayfs stacks (%zu): `paddock snapshot "
                        "flatten %s` first", name, depth, depth + 1, max, w->meta.parent);
    return 0;
}

int pd_snapshot_create(struct pd_store *s, const char *ws, const char *name, pd_error **err)
{
    struct create c = {.s = s, .name = name, .sfd = -1};
    pd_store_token(c.token);
    if (pd_workspace_open(s, ws, &c.w, err) < 0)
        return -1;
    int r = check_new(s, c.w, name, err);
    if (r == 0) {
        _cleanup_free_ char *why = NULL;
        bool running = pd_workspace_in_use(c.w, &why);
        if (running)
            pd_debug("snapshot %s: %s is in use by %s: copying it frozen", name, ws, why);
        r = running ? create_running(&c, err) : create_stopped(&c, err);
        if (r == 0)
            r = pd_store_journal_end(s, err);
        else /* undo now, as the next open would */
            pd_snapshot_recover(s, NULL);
    }
    if (c.sfd >= 0)
        close(c.sfd);
    free(c.staging);
    pd_snap_meta_clear(&c.m);
    pd_workspace_close(c.w);
    return r;
}
