/* paddock workspaces: `workspace apply`: the changes of a workspace onto
 * its base.  See workspace_diff.h and spec/workspaces.md ("Apply").
 *
 * Conflicts: the base as it was when the workspace started is not copied;
 * its time t0 is recorded instead, and a host entry whose ctime is t0 or
 * later was changed since (the kernel sets ctime on every change; it can't
 * be set back).  A path the workspace changed is a conflict when the host
 * changed it too: modified or deleted in the workspace and its host entry
 * (for a directory, anything under it) changed since t0; added in the
 * workspace although it was copied up from the base (overlayfs' origin
 * xattr), i.e. the host deleted it meanwhile.
 *
 * Protected paths (the sandbox's, recorded in the workspace; else the
 * default list) and git's executable metadata at any depth (a .git entry
 * itself; .git/hooks, config, config.worktree, info, commondir, modules/)
 * are refused unless --allow-protected: the agent could not change them on
 * the host while it ran, and applying must not do it for it.
 *
 * Each file is written to a temporary name next to its target (data, mode,
 * times, fsync) and renamed over it: a crash leaves every file either old or
 * new.  Directories are made or removed as such.  Host paths are resolved
 * beneath the base without following symlinks. */
#define _GNU_SOURCE
#include "workspace_diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "agent_policy.h"
#include "layer.h"
#include "util.h"

struct apply {
    const struct pd_ws_view *v;
    const struct pd_workspace *w;
    FILE *f;
    char token[17];
    unsigned long seq;
};

/* Split path into an O_PATH fd of its parent (beneath the base) and its name. */
static int parent_of(int base, const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash ? slash + 1 : path;
    if (slash == NULL)
        return fcntl(base, F_DUPFD_CLOEXEC, 0);
    _cleanup_free_ char *dir = pd_xasprintf("%.*s", (int)(slash - path), path);
    return pd_openat_beneath(base, dir, O_PATH | O_DIRECTORY, 0);
}

/* ---- protected paths ---- */

static bool under(const char *path, const char *p)
{
    size_t n = strlen(p);
    return strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool git_protected(const char *path)
{
    static const char *const inside[] = {"hooks", "config", "config.worktree", "info",
                                         "commondir", "modules"};
    for (const char *p = path; p != NULL; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
        if (strncmp(p, ".git", 4) != 0 || (p[4] != '\0' && p[4] != '/'))
            continue;
        if (p[4] == '\0')
            return true; /* .git itself: a new repository, or one replaced */
        for (size_t i = 0; i < PD_ARRAY_SIZE(inside); i++)
            if (under(p + 5, inside[i]))
                return true;
    }
    return false;
}

static bool is_protected(const struct apply *a, const char *path)
{
    char *const *list = a->w->meta.protected_paths;
    const char *const *def = pd_agent_default_protected;
    size_t base_len = strlen(a->w->meta.base.path);
    for (size_t i = 0; list != NULL && list[i]; i++) {
        const char *p = list[i];
        if (p[0] == '/') {
            if (strncmp(p, a->w->meta.base.path, base_len) != 0 || p[base_len] != '/')
                continue;
            p += base_len + 1;
        }
        if (under(path, p))
            return true;
    }
    for (size_t i = 0; (list == NULL || list[0] == NULL) && def[i]; i++)
        if (under(path, def[i]))
            return true;
    return a->w->meta.kind == PD_WS_DIR && git_protected(path);
}

/* ---- conflicts ---- */

static bool changed_since(const struct stat *st, const struct pd_ws_base *b)
{
    return st->st_ctim.tv_sec > b->t0_sec ||
           (st->st_ctim.tv_sec == b->t0_sec && st->st_ctim.tv_nsec >= b->t0_nsec);
}

/* Anything under dir (an fd) changed since t0? */
static bool tree_changed(int dir, const struct pd_ws_base *b, int depth)
{
    struct stat st;
    if (fstat(dir, &st) < 0 || changed_since(&st, b))
        return true;
    if (depth > 200)
        return true;
    int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return true;
    }
    bool changed = false;
    struct dirent *e;
    while (!changed && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || changed_since(&st, b)) {
            changed = true;
        } else if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int sub = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            changed = sub < 0 || tree_changed(sub, b, depth + 1);
        }
    }
    closedir(d);
    return changed;
}

/* Was the added entry copied up from a lower layer that is the base? */
static bool copied_from_base(const struct apply *a, const struct pd_change *c)
{
    _cleanup_close_ int fd = pd_openat_beneath(a->v->layers[c->layer], c->path, O_PATH | O_NOFOLLOW, 0);
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (fd < 0 || S_ISLNK(c->mode) || getxattr(proc, "user.overlay.origin", NULL, 0) < 0)
        return false;
    for (size_t k = (size_t)c->layer + 1; k < a->v->n; k++) {
        struct stat st;
        _cleanup_close_ int below = pd_openat_beneath(a->v->layers[k], c->path, O_PATH | O_NOFOLLOW, 0);
        if (below >= 0 && fstat(below, &st) == 0)
            return false; /* it came from a snapshot's layer */
    }
    return true;
}

static const char *conflict(const struct apply *a, const struct pd_change *c)
{
    const struct pd_ws_base *b = &a->w->meta.base;
    if (c->kind == PD_CHANGE_ADDED)
        return copied_from_base(a, c) ? "deleted on the host since the workspace started" : NULL;
    const char *name;
    _cleanup_close_ int parent = parent_of(a->v->base, c->path, &name);
    struct stat st;
    if (parent < 0 || fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return "gone from the host (or behind a symlink there)";
    if (!S_ISDIR(st.st_mode))
        return changed_since(&st, b) ? "changed on the host since the workspace started" : NULL;
    if (c->kind == PD_CHANGE_MODIFIED && S_ISDIR(c->mode))
        return NULL; /* a mode: entries coming and going change a directory's ctime */
    _cleanup_close_ int dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return dir < 0 || tree_changed(dir, b, 0) ? "changed on the host since the workspace started"
                                              : NULL;
}

static int by_path(const void *key, const void *elem)
{
    return strcmp(key, ((const struct pd_change *)elem)->path);
}

/* The first directory of path's on the host that is a symlink or not a
 * directory, and that no change replaces first: apply can't go through it
 * (it never follows a symlink out of the base).  NULL: none. */
static char *host_blocker(const struct apply *a, const struct pd_changes *c, const char *path)
{
    _cleanup_close_ int cur = fcntl(a->v->base, F_DUPFD_CLOEXEC, 0);
    _cleanup_free_ char *prefix = pd_xstrdup(path);
    for (char *slash = strchr(prefix, '/'); cur >= 0 && slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        const char *name = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;
        struct stat st;
        if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return NULL; /* missing: apply makes it */
        if (!S_ISDIR(st.st_mode))
            return bsearch(prefix, c->v, c->n, sizeof(*c->v), by_path) ? NULL : pd_xstrdup(prefix);
        int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(cur);
        cur = next;
        *slash = '/';
    }
    return NULL;
}

/* List conflicts and protected paths; how many block the apply. */
static size_t check(const struct apply *a, const struct pd_changes *c, const struct pd_apply_opts *o)
{
    size_t blocking = 0;
    for (size_t i = 0; i < c->n; i++) {
        _cleanup_free_ char *q = host_blocker(a, c, c->v[i].path);
        if (q != NULL) { /* not even --force: apply would stop half-way */
            fprintf(a->f, "conflict: %s: the host has a symlink or a file at %s, which apply does "
                    "not go through\n", c->v[i].path, q);
            blocking++;
            continue;
        }
        const char *why = conflict(a, &c->v[i]);
        if (why != NULL) {
            fprintf(a->f, "conflict: %s: %s%s\n", c->v[i].path, why, o->force ? " (--force)" : "");
            blocking += !o->force;
        }
        if (is_protected(a, c->v[i].path)) {
            fprintf(a->f, "protected: %s%s\n", c->v[i].path,
                    o->allow_protected ? " (--allow-protected)" : "");
            blocking += !o->allow_protected;
        }
    }
    return blocking;
}

/* ---- applying ---- */

static int write_tmp(struct apply *a, const struct pd_change *c, int parent, const char *tmp,
                     const struct stat *old, pd_error **err)
{
    int layer = a->v->layers[c->layer];
    _cleanup_close_ int src = pd_openat_beneath(layer, c->path, (S_ISREG(c->mode) ? O_RDONLY : O_PATH) | O_NOFOLLOW, 0);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0)
        return pd_fail_errno(err, "open %s in the workspace", c->path);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(src, "", target, sizeof(target) - 1);
        if (n < 0)
            return pd_fail_errno(err, "readlink %s", c->path);
        target[n] = '\0';
        if (symlinkat(target, parent, tmp) < 0)
            return pd_fail_errno(err, "symlink %s", c->path);
    } else if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int dst = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0 || pd_copy_data(src, dst, c->path, err) < 0 || fchmod(dst, st.st_mode & 07777) < 0 ||
            futimens(dst, (struct timespec[2]){st.st_atim, st.st_mtim}) < 0 || fsync(dst) < 0)
            return pd_fail_errno(err, "write %s", c->path);
    } else if (S_ISFIFO(st.st_mode)) {
        if (mknodat(parent, tmp, st.st_mode, 0) < 0)
            return pd_fail_errno(err, "mkfifo %s", c->path);
    } else {
        return pd_failx(err, "%s: a %s is not applied", c->path, pd_file_type_name(st.st_mode));
    }
    if (geteuid() == 0) { /* root keeps the host file's owner, or gives the workspace's */
        uid_t u = old ? old->st_uid : st.st_uid;
        gid_t g = old ? old->st_gid : st.st_gid;
        if (fchownat(parent, tmp, u, g, AT_SYMLINK_NOFOLLOW) < 0)
            return pd_fail_errno(err, "chown %s", c->path);
    }
    return 0;
}

static int apply_file(struct apply *a, const struct pd_change *c, int parent, const char *name,
                      pd_error **err)
{
    struct stat old;
    bool has_old = fstatat(parent, name, &old, AT_SYMLINK_NOFOLLOW) == 0;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".paddock-apply-%s-%lu", a->token, a->seq++);
    if (write_tmp(a, c, parent, tmp, has_old ? &old : NULL, err) < 0) {
        unlinkat(parent, tmp, 0);
        return -1;
    }
    /* a directory can't be renamed over: it goes first (type change) */
    if (has_old && S_ISDIR(old.st_mode) && pd_layer_remove(parent, name, err) < 0) {
        unlinkat(parent, tmp, 0);
        return -1;
    }
    if (renameat(parent, tmp, parent, name) < 0) {
        pd_fail_errno(err, "rename %s into place", c->path);
        unlinkat(parent, tmp, 0);
        return -1;
    }
    return 0;
}

static int apply_dir(const struct pd_change *c, int parent, const char *name, pd_error **err)
{
    struct stat old;
    if (fstatat(parent, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old.st_mode) &&
        unlinkat(parent, name, 0) < 0)
        return pd_fail_errno(err, "remove %s (it becomes a directory)", c->path);
    if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "mkdir %s", c->path);
    _cleanup_close_ int d = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0 || fchmod(d, c->mode & 07777) < 0)
        return pd_fail_errno(err, "chmod %s", c->path);
    return 0;
}

static int apply_one(struct apply *a, const struct pd_change *c, pd_error **err)
{
    const char *name;
    _cleanup_close_ int parent = parent_of(a->v->base, c->path, &name);
    if (parent < 0)
        return pd_fail_errno(err, "%s: its directory on the host", c->path);
    if (c->kind == PD_CHANGE_DELETED)
        return pd_layer_remove(parent, name, err);
    if (S_ISDIR(c->mode))
        return apply_dir(c, parent, name, err);
    return apply_file(a, c, parent, name, err);
}

/* After an apply the workspace starts over: empty, on the base as it is now. */
static int reset(struct pd_workspace *w, pd_error **err)
{
    struct pd_ws_base b;
    pd_ws_base_record(w->meta.base.path, w->meta.kind, &b);
    pd_ws_base_clear(&w->meta.base);
    w->meta.base = b;
    free(w->meta.parent);
    w->meta.parent = NULL;
    if (pd_workspace_clear_upper(w, err) < 0)
        return -1;
    return pd_workspace_write_meta(w, err);
}

int pd_ws_apply(struct pd_store *s, struct pd_workspace *w, const struct pd_apply_opts *o,
                FILE *f, pd_error **err)
{
    if (pd_workspace_lock(w, err) < 0)
        return -1;
    struct pd_ws_view v;
    struct pd_changes c = {0};
    int r = pd_ws_view_open(s, w, &v, err);
    if (r == 0)
        r = pd_ws_changes(&v, &c, err);
    struct apply a = {.v = &v, .w = w, .f = f};
    pd_store_token(a.token);
    if (r == 0 && check(&a, &c, o) > 0) {
        fprintf(f, "refused: nothing was applied (--force applies over host changes, "
                "--allow-protected to protected paths; a symlink or file on the host in the way "
                "must go first)\n");
        r = 1;
    }
    for (size_t i = 0; r == 0 && i < c.n; i++) {
        static const char *const verb[] = {"add", "modify", "delete"};
        fprintf(f, "%s %s\n", verb[c.v[i].kind], c.v[i].path);
        if (!o->dry_run && apply_one(&a, &c.v[i], err) < 0)
            r = pd_wrap(err, "apply %s", c.v[i].path);
    }
    if (r == 0 && !o->dry_run) {
        if (syncfs(v.base) < 0)
            r = pd_fail_errno(err, "sync %s", v.base_path);
        else if ((r = reset(w, err)) == 0)
            fprintf(f, "applied %zu change(s) to %s\n", c.n, v.base_path);
    } else if (r == 0) {
        fprintf(f, "dry run: %zu change(s) would be applied to %s\n", c.n, v.base_path);
    }
    pd_changes_free(&c);
    pd_ws_view_close(&v);
    return r;
}
