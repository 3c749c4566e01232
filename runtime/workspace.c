/* paddock workspaces: open, lock, layers, clear, remove.  See workspace.h. */
#define _GNU_SOURCE
#include "workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"
#include "snapshot.h"
#include "state.h"
#include "util.h"

int pd_workspace_open(struct pd_store *s, const char *name, struct pd_workspace **out,
                      pd_error **err)
{
    if (pd_store_check_name("workspace", name, err) < 0)
        return -1;
    int fd = openat(s->ws_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return pd_store_missing(err, "no workspace \"%s\" in %s (a sandbox --name, or the "
                           "id of a sandbox or container with an overlay workspace)", name,
                           s->path);
        return pd_fail_errno(err, "open workspace %s", name);
    }
    struct pd_workspace *w = pd_xcalloc(1, sizeof(*w));
    w->fd = fd;
    w->lock = -1;
    w->name = pd_xstrdup(name);
    w->path = pd_xasprintf("%s/workspaces/%s", s->path, name);
    _cleanup_free_ char *text = NULL;
    if (pd_store_read(fd, "meta.json", &text, err) < 0 ||
        pd_ws_meta_parse(text, &w->meta, err) < 0) {
        pd_wrap(err, "workspace %s", name);
        pd_workspace_close(w);
        return -1;
    }
    *out = w;
    return 0;
}

void pd_workspace_close(struct pd_workspace *w)
{
    if (w == NULL)
        return;
    if (w->lock >= 0)
        close(w->lock);
    if (w->fd >= 0)
        close(w->fd);
    pd_ws_meta_clear(&w->meta);
    free(w->name);
    free(w->path);
    free(w);
}

int pd_workspace_write_meta(struct pd_workspace *w, pd_error **err)
{
    _cleanup_free_ char *text = pd_ws_meta_json(&w->meta);
    if (pd_store_write(w->fd, "meta.json", text, strlen(text), err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    return 0;
}

bool pd_workspace_container_alive(const struct pd_workspace *w)
{
    if (w->meta.container_id == NULL || w->meta.container_root == NULL)
        return false;
    _cleanup_free_ char *dir = pd_xasprintf("%s/%s", w->meta.container_root, w->meta.container_id);
    _cleanup_state_ struct pd_state *st = NULL;
    if (pd_state_read(dir, &st, NULL) < 0)
        return false;
    return st->pid > 0 && pd_pid_alive(st->pid, st->pid_start);
}

static int lock_nb(struct pd_workspace *w, int *fd)
{
    *fd = openat(w->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0)
        return -1;
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

static char *user_of(const struct pd_workspace *w)
{
    return pd_xasprintf("%s", w->meta.container_id ? w->meta.container_id : "another paddock");
}

bool pd_workspace_in_use(struct pd_workspace *w, char **why)
{
    *why = NULL;
    if (w->lock >= 0)
        return false; /* ours */
    int fd = -1;
    if (lock_nb(w, &fd) < 0 && errno == EWOULDBLOCK) {
        *why = user_of(w);
        return true;
    }
    if (fd >= 0)
        close(fd);
    if (pd_workspace_container_alive(w)) {
        *why = user_of(w);
        return true;
    }
    return false;
}

int pd_workspace_lock(struct pd_workspace *w, pd_error **err)
{
    if (w->lock >= 0)
        return 0;
    int fd = -1;
    if (lock_nb(w, &fd) < 0) {
        if (errno != EWOULDBLOCK)
            return pd_fail_errno(err, "workspace %s: lock", w->name);
    } else if (!pd_workspace_container_alive(w)) {
        w->lock = fd;
        return 0;
    } else {
        close(fd);
    }
    _cleanup_free_ char *who = user_of(w);
    return pd_failx(err, "workspace %s is in use by %s", w->name, who);
}

int pd_workspace_lowers(struct pd_store *s, const struct pd_workspace *w, char ***out,
                        pd_error **err)
{
    _cleanup_strv_ char **chain = NULL;
    if (w->meta.parent != NULL && pd_snapshot_chain(s, w->meta.parent, &chain, err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    size_t n = pd_strv_len(chain), max = pd_overlay_max_lowers();
    if (n + 1 > max)
        return pd_failx(err, "workspace %s: %zu lower layers (a chain of %zu snapshots from %s, "
                        "and the base) are more than overlayfs stacks (%zu): `paddock snapshot "
                        "flatten %s` merges the chain into one layer", w->name, n + 1, n,
                        w->meta.parent, max, w->meta.parent);
    char **v = pd_xcalloc(n + 2, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        v[i] = pd_snapshot_layer(s, chain[i]);
    v[n] = pd_xstrdup(w->meta.base.path);
    *out = v;
    return 0;
}

/* An empty upper/ with the base's mode (and owner, for root): the merged
 * view's root directory is the upper layer's. */
static int make_upper(struct pd_workspace *w, pd_error **err)
{
    struct stat st;
    if (stat(w->meta.base.path, &st) < 0)
        return pd_fail_errno(err, "workspace %s: base %s", w->name, w->meta.base.path);
    if (mkdirat(w->fd, "upper", 0700) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "workspace %s: create upper", w->name);
    if (geteuid() == 0 && fchownat(w->fd, "upper", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return pd_fail_errno(err, "workspace %s: chown upper", w->name);
    if (fchmodat(w->fd, "upper", st.st_mode & 07777, 0) < 0)
        return pd_fail_errno(err, "workspace %s: chmod upper", w->name);
    if (mkdirat(w->fd, "work", 0700) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "workspace %s: create work", w->name);
    return 0;
}

int pd_workspace_clear_upper(struct pd_workspace *w, pd_error **err)
{
    if (pd_layer_remove(w->fd, "upper", err) < 0 || pd_layer_remove(w->fd, "work", err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    return make_upper(w, err) < 0 || pd_store_fsync(w->fd, w->name, err) < 0 ? -1 : 0;
}

int pd_workspace_ensure_upper(struct pd_workspace *w, pd_error **err)
{
    struct stat st;
    if (fstatat(w->fd, "upper", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        fstatat(w->fd, "work", &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    return make_upper(w, err);
}

int pd_workspace_remove(struct pd_store *s, const char *name, pd_error **err)
{
    char token[17];
    pd_store_token(token);
    _cleanup_free_ char *trash = pd_xasprintf(".trash.%s.%s", name, token);
    /* one rename: the workspace is there, or gone; the rest is cleanup */
    if (renameat(s->ws_fd, name, s->ws_fd, trash) < 0)
        return pd_fail_errno(err, "remove workspace %s", name);
    if (pd_store_fsync(s->ws_fd, "workspaces", err) < 0)
        return -1;
    return pd_layer_remove(s->ws_fd, trash, err);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pd_store_list_dir(int dirfd, char ***out, pd_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return pd_fail_errno(err, "list the store");
    }
    size_t n = 0;
    char **v = pd_xcalloc(1, sizeof(char *));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue;
        v = pd_xrealloc(v, (n + 2) * sizeof(char *));
        v[n++] = pd_xstrdup(e->d_name);
        v[n] = NULL;
    }
    closedir(d);
    qsort(v, n, sizeof(char *), by_name);
    *out = v;
    return 0;
}

int pd_workspace_names(struct pd_store *s, char ***out, pd_error **err)
{
    return pd_store_list_dir(s->ws_fd, out, err);
}
