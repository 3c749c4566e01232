/* paddock snapshots: rm, flatten, gc, counting.  See snapshot.h. */
#define _GNU_SOURCE
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"
#include "log.h"
#include "snapshot_journal.h"
#include "util.h"
#include "sys_compat.h"

int pd_snapshot_rm(struct pd_store *s, const char *name, pd_error **err)
{
    struct pd_snap_meta m;
    if (pd_snapshot_read(s, name, &m, err) < 0)
        return -1;
    pd_snap_meta_clear(&m);
    pd_error *e = NULL;
    _cleanup_free_ char *user = pd_snapshot_user(s, name, &e);
    if (e != NULL) {
        pd_error_move(err, &e);
        return -1;
    }
    if (user != NULL)
        return pd_failx(err, "snapshot %s is in use by %s: remove that first", name, user);
    char token[17];
    pd_store_token(token);
    _cleanup_free_ char *trash = pd_xasprintf(".trash.%s.%s", name, token);
    _cleanup_free_ char *j = pd_snap_journal("rm", name, NULL, trash, token, false);
    if (pd_store_journal_begin(s, j, err) < 0)
        return -1;
    if (renameat(s->snap_fd, name, s->snap_fd, trash) < 0)
        return pd_fail_errno(err, "remove snapshot %s", name);
    if (pd_store_fsync(s->snap_fd, "snapshots", err) < 0)
        return -1;
    pd_store_fault("snapshot-rm.renamed");
    if (pd_layer_remove(s->snap_fd, trash, err) < 0)
        return -1;
    return pd_store_journal_end(s, err);
}

int pd_snapshot_stats(struct pd_store *s, struct pd_snap_meta *m, pd_error **err)
{
    if (m->has_stats)
        return 0;
    _cleanup_close_ int sfd = openat(s->snap_fd, m->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int lfd = sfd >= 0 ? openat(sfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    if (lfd < 0)
        return pd_fail_errno(err, "snapshot %s: open its layer", m->name);
    struct pd_layer_stats st;
    if (pd_layer_count(lfd, &st, err) < 0)
        return pd_wrap(err, "snapshot %s", m->name);
    m->has_stats = true;
    m->files = st.files;
    m->bytes = st.bytes;
    _cleanup_free_ char *text = pd_snap_meta_json(m);
    return pd_store_write(sfd, "meta.json", text, strlen(text), err);
}

/* ---- flatten ---- */

/* A running workspace whose chain holds name: its layers are mounted. */
static int check_not_mounted(struct pd_store *s, const char *name, pd_error **err)
{
    _cleanup_strv_ char **wss = NULL;
    if (pd_workspace_names(s, &wss, err) < 0)
        return -1;
    for (size_t i = 0; wss[i]; i++) {
        _cleanup_workspace_ struct pd_workspace *w = NULL;
        _cleanup_strv_ char **chain = NULL;
        _cleanup_free_ char *why = NULL;
        if (pd_workspace_open(s, wss[i], &w, NULL) < 0 || w->meta.parent == NULL ||
            pd_snapshot_chain(s, w->meta.parent, &chain, NULL) < 0)
            continue;
        for (size_t k = 0; chain[k]; k++)
            if (strcmp(chain[k], name) == 0 && pd_workspace_in_use(w, &why))
                return pd_failx(err, "snapshot %s is mounted by running workspace %s (%s): "
                               "flatten it once that has ended", name, w->name, why);
    }
    return 0;
}

static int open_layers(struct pd_store *s, char **chain, int **fds, size_t *n, pd_error **err)
{
    *n = pd_strv_len(chain);
    *fds = pd_xcalloc(*n, sizeof(int));
    for (size_t i = 0; i < *n; i++)
        (*fds)[i] = -1;
    /* bottom (the chain's last) first */
    for (size_t i = 0; i < *n; i++) {
        _cleanup_free_ char *rel = pd_xasprintf("%s/layer", chain[*n - 1 - i]);
        (*fds)[i] = openat(s->snap_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if ((*fds)[i] < 0)
            return pd_fail_errno(err, "open the layer of snapshot %s", chain[*n - 1 - i]);
    }
    return 0;
}

static void close_layers(int *fds, size_t n)
{
    for (size_t i = 0; fds != NULL && i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

/* The merged layer and its record in the staging directory. */
static int build_flat(struct pd_store *s, struct pd_snap_meta *m, char **chain, int sfd,
                      pd_error **err)
{
    int *fds = NULL;
    size_t n = 0;
    if (mkdirat(sfd, "layer", 0700) < 0)
        return pd_fail_errno(err, "flatten %s: create the layer", m->name);
    _cleanup_close_ int dst = openat(sfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0)
        return pd_fail_errno(err, "flatten %s: open the layer", m->name);
    int r = open_layers(s, chain, &fds, &n, err);
    struct stat top;
    if (r == 0 && (fstat(fds[n - 1], &top) < 0 || fchmod(dst, top.st_mode & 07777) < 0))
        r = pd_fail_errno(err, "flatten %s: mode of the layer", m->name);
    if (r == 0)
        r = pd_layer_merge(fds, n, dst, err);
    close_layers(fds, n);
    if (r < 0)
        return pd_wrap(err, "flatten %s", m->name);
    free(m->parent);
    m->parent = NULL;
    m->flattened = true;
    m->has_stats = false;
    struct pd_layer_stats st;
    if (pd_layer_count(dst, &st, err) < 0)
        return -1;
    m->has_stats = true, m->files = st.files, m->bytes = st.bytes;
    _cleanup_free_ char *text = pd_snap_meta_json(m);
    return pd_store_write(sfd, "meta.json", text, strlen(text), err);
}

static int flatten(struct pd_store *s, struct pd_snap_meta *m, char **chain, pd_error **err)
{
    char token[17];
    pd_store_token(token);
    free(m->token);
    m->token = pd_xstrdup(token);
    _cleanup_free_ char *staging = pd_xasprintf(".flat.%s.%s", m->name, token);
    _cleanup_free_ char *j = pd_snap_journal("flatten", m->name, NULL, staging, token, false);
    if (pd_store_journal_begin(s, j, err) < 0)
        return -1;
    if (mkdirat(s->snap_fd, staging, 0700) < 0)
        return pd_fail_errno(err, "flatten %s: create %s", m->name, staging);
    _cleanup_close_ int sfd = openat(s->snap_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0)
        return pd_fail_errno(err, "flatten %s: open %s", m->name, staging);
    if (build_flat(s, m, chain, sfd, err) < 0)
        return -1;
    pd_store_fault("snapshot-flatten.staged");
    /* one step: S is the old chain or the flat layer, never neither */
    if (renameat2(s->snap_fd, staging, s->snap_fd, m->name, RENAME_EXCHANGE) < 0)
        return pd_fail_errno(err, "flatten %s: exchange the layers", m->name);
    if (pd_store_fsync(s->snap_fd, "snapshots", err) < 0)
        return -1;
    pd_store_fault("snapshot-flatten.exchanged");
    if (pd_layer_remove(s->snap_fd, staging, err) < 0)
        return -1;
    return pd_store_journal_end(s, err);
}

int pd_snapshot_flatten(struct pd_store *s, const char *name, pd_error **err)
{
    struct pd_snap_meta m;
    if (pd_snapshot_read(s, name, &m, err) < 0)
        return -1;
    _cleanup_strv_ char **chain = NULL;
    int r = pd_snapshot_chain(s, name, &chain, err);
    if (r == 0 && chain[1] == NULL)
        pd_debug("snapshot %s is one layer already", name);
    else if (r == 0 && (r = check_not_mounted(s, name, err)) == 0 &&
             (r = flatten(s, &m, chain, err)) < 0)
        pd_snapshot_recover(s, NULL);
    pd_snap_meta_clear(&m);
    return r;
}

/* ---- gc ---- */

/* Remove the '.'-names (staging, trash) of dirfd; the journal was handled. */
static int sweep(int dirfd, const char *what, size_t *n, pd_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_strv_ char **names = pd_xcalloc(1, sizeof(char *));
    size_t k = 0;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return pd_fail_errno(err, "list %s", what);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names = pd_xrealloc(names, (k + 2) * sizeof(char *));
        names[k++] = pd_xstrdup(e->d_name);
        names[k] = NULL;
    }
    closedir(d);
    for (size_t i = 0; i < k; i++) {
        if (pd_layer_remove(dirfd, names[i], err) < 0)
            return pd_wrap(err, "gc %s", what);
        printf("removed %s/%s\n", what, names[i]);
        (*n)++;
    }
    return 0;
}

/* Workspaces without a name whose upper layer is empty and that nobody uses. */
static int gc_workspaces(struct pd_store *s, size_t *n, pd_error **err)
{
    _cleanup_strv_ char **wss = NULL;
    if (pd_workspace_names(s, &wss, err) < 0)
        return -1;
    for (size_t i = 0; wss[i]; i++) {
        _cleanup_workspace_ struct pd_workspace *w = NULL;
        _cleanup_free_ char *why = NULL;
        if (pd_workspace_open(s, wss[i], &w, NULL) < 0 || w->meta.named ||
            pd_workspace_in_use(w, &why))
            continue;
        _cleanup_close_ int up = openat(w->fd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        bool empty = false;
        if (up < 0 || pd_layer_empty(up, &empty, NULL) < 0 || !empty)
            continue;
        if (pd_workspace_remove(s, wss[i], err) < 0)
            return -1;
        printf("removed workspace %s (no change)\n", wss[i]);
        (*n)++;
    }
    return 0;
}

int pd_snapshot_gc(struct pd_store *s, size_t *n, pd_error **err)
{
    *n = 0;
    if (sweep(s->snap_fd, "snapshots", n, err) < 0 || sweep(s->ws_fd, "workspaces", n, err) < 0)
        return -1;
    return gc_workspaces(s, n, err);
}
