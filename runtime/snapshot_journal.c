/* paddock snapshots: recovery from the journal.  See snapshot_journal.h. */
#define _GNU_SOURCE
#include "snapshot_journal.h"

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
#include "snapshot.h"
#include "util.h"

char *pd_snap_journal(const char *op, const char *snapshot, const char *workspace,
                      const char *staging, const char *token, bool move)
{
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "op", op);
    pd_jgen_kv_string(g, "snapshot", snapshot);
    pd_jgen_kv_string(g, "workspace", workspace);
    pd_jgen_kv_string(g, "staging", staging);
    pd_jgen_kv_string(g, "token", token);
    pd_jgen_kv_bool(g, "move", move);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

struct journal {
    const char *op, *snapshot, *workspace, *staging, *token;
    bool move;
};

/* Did the operation commit: S exists and was written by it? */
static bool committed(struct pd_store *s, const struct journal *j)
{
    struct pd_snap_meta m;
    if (pd_snapshot_read(s, j->snapshot, &m, NULL) < 0)
        return false;
    bool ours = strcmp(m.token, j->token) == 0;
    pd_snap_meta_clear(&m);
    return ours;
}

static int recover_create(struct pd_store *s, const struct journal *j, pd_error **err)
{
    _cleanup_workspace_ struct pd_workspace *w = NULL;
    if (j->workspace == NULL || pd_workspace_open(s, j->workspace, &w, err) < 0)
        return pd_wrap(err, "recover snapshot %s", j->snapshot);
    if (committed(s, j)) {
        pd_debug("recover: snapshot %s was committed; %s goes on from it", j->snapshot, w->name);
        if (j->move)
            return pd_snapshot_continue_ws(w, j->snapshot, err);
        return 0;
    }
    pd_debug("recover: snapshot %s was not committed: undone", j->snapshot);
    _cleanup_close_ int sfd = openat(s->snap_fd, j->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (j->move && sfd >= 0 && fstatat(sfd, "layer", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        fstatat(w->fd, "upper", &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (renameat(sfd, "layer", w->fd, "upper") < 0)
            return pd_fail_errno(err, "recover: move the upper layer of %s back", w->name);
        if (pd_store_fsync(w->fd, w->name, err) < 0)
            return -1;
    }
    if (pd_layer_remove(s->snap_fd, j->staging, err) < 0)
        return -1;
    return pd_workspace_ensure_upper(w, err);
}

static int recover(struct pd_store *s, const struct journal *j, pd_error **err)
{
    if (j->op == NULL || j->snapshot == NULL || j->staging == NULL || j->token == NULL ||
        j->staging[0] != '.' || strchr(j->staging, '/') != NULL)
        return pd_failx(err, "%s/journal.json is damaged: remove it, then run paddock snapshot "
                        "verify", s->path);
    if (strcmp(j->op, "create") == 0)
        return recover_create(s, j, err);
    /* rm: the staging name is the trash; flatten: after the exchange it
     * holds the old layer, before it the unfinished new one */
    if (strcmp(j->op, "rm") == 0 || strcmp(j->op, "flatten") == 0)
        return pd_layer_remove(s->snap_fd, j->staging, err);
    return pd_failx(err, "%s/journal.json: unknown operation \"%s\"", s->path, j->op);
}

int pd_snapshot_recover(struct pd_store *s, pd_error **err)
{
    _cleanup_free_ char *text = NULL;
    pd_error *e = NULL;
    if (pd_store_read(s->fd, "journal.json", &text, &e) < 0) {
        bool none = e->errnum == ENOENT;
        if (none) {
            pd_error_free(e);
            return 0;
        }
        if (err != NULL)
            pd_error_move(err, &e);
        pd_error_free(e);
        return -1;
    }
    pd_json *root = NULL;
    if (pd_json_parse(text, strlen(text), &root, err) < 0)
        return pd_wrap(err, "%s/journal.json is damaged (remove it, then run paddock snapshot "
                       "verify)", s->path);
    struct journal j = {
        .op = pd_json_string(pd_json_get(root, "op")),
        .snapshot = pd_json_string(pd_json_get(root, "snapshot")),
        .workspace = pd_json_string(pd_json_get(root, "workspace")),
        .staging = pd_json_string(pd_json_get(root, "staging")),
        .token = pd_json_string(pd_json_get(root, "token")),
    };
    pd_json_bool(pd_json_get(root, "move"), &j.move);
    int r = recover(s, &j, err);
    pd_json_free(root);
    if (r < 0)
        return -1;
    return pd_store_journal_end(s, err);
}
