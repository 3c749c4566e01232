/* paddock workspaces: the changes of a workspace over its base.  See
 * workspace_diff.h.
 *
 * A walk of the union of the layers' directories, resolved as overlayfs
 * resolves it: at each name the topmost layer that has it wins; a whiteout
 * there deletes it; a directory there is merged with the same directory in
 * the layers below, down to the first opaque one or the first layer where
 * the name is not a directory (the base is then hidden: whatever only the
 * base has under it is deleted). */
#define _GNU_SOURCE
#include "workspace_diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"
#include "snapshot.h"
#include "util.h"

#define MAX_DEPTH 400

static int open_dir(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Many layers times a deep tree: as many descriptors as allowed. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int pd_ws_view_open(struct pd_store *s, const struct pd_workspace *w, struct pd_ws_view *v,
                    pd_error **err)
{
    memset(v, 0, sizeof(*v));
    v->base = -1;
    raise_nofile();
    _cleanup_strv_ char **chain = NULL;
    if (w->meta.parent != NULL && pd_snapshot_chain(s, w->meta.parent, &chain, err) < 0)
        return pd_wrap(err, "workspace %s", w->name);
    size_t n = pd_strv_len(chain) + 1;
    v->layers = pd_xcalloc(n, sizeof(int));
    v->layer_names = pd_xcalloc(n + 1, sizeof(char *));
    v->n = n;
    for (size_t i = 0; i < n; i++)
        v->layers[i] = -1;
    v->layer_names[0] = pd_xstrdup("upper");
    v->layers[0] = open_dir(w->fd, "upper");
    if (v->layers[0] < 0)
        return pd_fail_errno(err, "workspace %s: open its upper layer", w->name);
    for (size_t i = 1; i < n; i++) {
        _cleanup_free_ char *rel = pd_xasprintf("%s/layer", chain[i - 1]);
        v->layer_names[i] = pd_xstrdup(chain[i - 1]);
        v->layers[i] = open_dir(s->snap_fd, rel);
        if (v->layers[i] < 0)
            return pd_fail_errno(err, "workspace %s: open the layer of snapshot %s", w->name,
                                 chain[i - 1]);
    }
    v->base_path = pd_xstrdup(w->meta.base.path);
    v->base = open(v->base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (v->base < 0)
        return pd_fail_errno(err, "workspace %s: open its base %s", w->name, v->base_path);
    return 0;
}

void pd_ws_view_close(struct pd_ws_view *v)
{
    for (size_t i = 0; v->layers != NULL && i < v->n; i++)
        if (v->layers[i] >= 0)
            close(v->layers[i]);
    free(v->layers);
    pd_strv_free(v->layer_names);
    if (v->base >= 0)
        close(v->base);
    free(v->base_path);
    memset(v, 0, sizeof(*v));
    v->base = -1;
}

void pd_changes_free(struct pd_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

struct walk {
    const struct pd_ws_view *v;
    struct pd_changes *out;
    size_t cap;
};

static void add(struct walk *w, struct pd_change c)
{
    if (w->out->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->out->v = pd_xrealloc(w->out->v, w->cap * sizeof(struct pd_change));
    }
    w->out->v[w->out->n++] = c;
}

/* ---- names ---- */

struct names {
    char **v;
    size_t n, cap;
};

static int read_names(int dirfd, struct names *ns, pd_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return pd_fail_errno(err, "read a directory");
    }
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (ns->n == ns->cap)
            ns->v = pd_xrealloc(ns->v, (ns->cap = ns->cap ? ns->cap * 2 : 32) * sizeof(char *));
        ns->v[ns->n++] = pd_xstrdup(e->d_name);
    }
    int e2 = errno;
    closedir(d);
    return e2 != 0 ? pd_fail(err, e2, "readdir") : 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void unique(struct names *ns)
{
    if (ns->n == 0)
        return;
    qsort(ns->v, ns->n, sizeof(char *), by_name);
    size_t k = 1;
    for (size_t i = 1; i < ns->n; i++) {
        if (strcmp(ns->v[i], ns->v[k - 1]) == 0)
            free(ns->v[i]);
        else
            ns->v[k++] = ns->v[i];
    }
    ns->n = k;
}

static bool in_names(const struct names *ns, const char *name)
{
    return bsearch(&name, ns->v, ns->n, sizeof(char *), by_name) != NULL;
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

/* ---- comparing ---- */

static bool same_data(int a, int b, const char *name)
{
    _cleanup_close_ int fa = openat(a, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int fb = openat(b, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fa < 0 || fb < 0)
        return false;
    char x[65536], y[65536];
    for (;;) {
        ssize_t n = read(fa, x, sizeof(x)), m = n > 0 ? read(fb, y, (size_t)n) : 0;
        if (n < 0 || m != n)
            return false;
        if (n == 0)
            return read(fb, y, 1) == 0;
        if (memcmp(x, y, (size_t)n) != 0)
            return false;
    }
}

static bool same_link(int a, int b, const char *name)
{
    char x[PATH_MAX], y[PATH_MAX];
    ssize_t n = readlinkat(a, name, x, sizeof(x)), m = readlinkat(b, name, y, sizeof(y));
    return n >= 0 && n == m && memcmp(x, y, (size_t)n) == 0;
}

/* Does the merged entry (layer dir a) differ from the base's (dir b)? */
static bool differs(int a, const struct stat *sa, int b, const struct stat *sb, const char *name)
{
    if ((sa->st_mode & S_IFMT) != (sb->st_mode & S_IFMT) ||
        (!S_ISLNK(sa->st_mode) && (sa->st_mode & 07777) != (sb->st_mode & 07777)))
        return true;
    if (S_ISREG(sa->st_mode))
        return sa->st_size != sb->st_size || !same_data(a, b, name);
    if (S_ISLNK(sa->st_mode))
        return !same_link(a, b, name);
    if (S_ISCHR(sa->st_mode) || S_ISBLK(sa->st_mode))
        return sa->st_rdev != sb->st_rdev;
    return false;
}

/* ---- the walk ---- */

static int walk_dir(struct walk *w, const char *rel, const int *dirs, int base, bool hidden,
                    int depth, pd_error **err);

static char *join(const char *rel, const char *name)
{
    return rel[0] ? pd_xasprintf("%s/%s", rel, name) : pd_xstrdup(name);
}

/* The merged directory name (topmost in layer top): its layers below, and
 * whether it hides the base's. */
static int sub_dirs(const struct walk *w, const int *dirs, size_t top, const char *name,
                    int *sub, bool *hides)
{
    *hides = false;
    for (size_t k = 0; k < w->v->n; k++)
        sub[k] = -1;
    for (size_t k = top; k < w->v->n; k++) {
        struct stat st;
        if (dirs[k] < 0 || fstatat(dirs[k], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            *hides = true;
            break;
        }
        sub[k] = open_dir(dirs[k], name);
        if (sub[k] < 0)
            return -1;
        if (pd_layer_is_opaque(dirs[k], name)) {
            *hides = true;
            break;
        }
    }
    return 0;
}

static int walk_subdir(struct walk *w, const char *path, const int *dirs, size_t top,
                       const char *name, int base, bool in_base, const struct stat *bst,
                       bool hidden, int depth, pd_error **err)
{
    int *sub = pd_xcalloc(w->v->n, sizeof(int));
    bool hides = false;
    int r = sub_dirs(w, dirs, top, name, sub, &hides);
    int child_base = in_base && S_ISDIR(bst->st_mode) ? open_dir(base, name) : -1;
    if (r < 0)
        r = pd_fail_errno(err, "open %s", path);
    if (r == 0)
        r = walk_dir(w, path, sub, child_base, hides || hidden, depth + 1, err);
    for (size_t k = 0; k < w->v->n; k++)
        if (sub[k] >= 0)
            close(sub[k]);
    free(sub);
    if (child_base >= 0)
        close(child_base);
    return r;
}

static int walk_name(struct walk *w, const char *rel, const int *dirs, int base, bool hidden,
                     const char *name, int depth, pd_error **err)
{
    size_t top = 0;
    struct stat tst, bst;
    while (top < w->v->n && (dirs[top] < 0 || fstatat(dirs[top], name, &tst, AT_SYMLINK_NOFOLLOW) < 0))
        top++;
    if (top == w->v->n)
        return 0; /* gone meanwhile */
    bool in_base = base >= 0 && fstatat(base, name, &bst, AT_SYMLINK_NOFOLLOW) == 0;
    _cleanup_free_ char *path = join(rel, name);
    struct pd_change c = {.mode = tst.st_mode, .old_mode = in_base ? bst.st_mode : 0,
                          .layer = (int)top};
    if (pd_layer_is_whiteout(&tst)) {
        if (in_base)
            add(w, (struct pd_change){.kind = PD_CHANGE_DELETED, .path = pd_xstrdup(path),
                                      .old_mode = bst.st_mode, .layer = -1, .whiteout = true});
        return 0;
    }
    if (!S_ISDIR(tst.st_mode)) {
        if (!in_base || differs(dirs[top], &tst, base, &bst, name)) {
            c.kind = in_base ? PD_CHANGE_MODIFIED : PD_CHANGE_ADDED;
            c.path = pd_xstrdup(path);
            add(w, c);
        }
        return 0;
    }
    if (!in_base || differs(dirs[top], &tst, base, &bst, name)) {
        c.kind = in_base ? PD_CHANGE_MODIFIED : PD_CHANGE_ADDED;
        c.path = pd_xstrdup(path);
        c.opaque = pd_layer_is_opaque(dirs[top], name);
        add(w, c);
    }
    return walk_subdir(w, path, dirs, top, name, base, in_base, &bst, hidden, depth, err);
}

static int walk_dir(struct walk *w, const char *rel, const int *dirs, int base, bool hidden,
                    int depth, pd_error **err)
{
    if (depth > MAX_DEPTH)
        return pd_fail(err, ELOOP, "%s: directory tree deeper than %d", rel, MAX_DEPTH);
    struct names ns = {0}, bs = {0};
    int r = 0;
    for (size_t k = 0; r == 0 && k < w->v->n; k++)
        if (dirs[k] >= 0)
            r = read_names(dirs[k], &ns, err);
    unique(&ns);
    for (size_t i = 0; r == 0 && i < ns.n; i++)
        r = walk_name(w, rel, dirs, base, hidden, ns.v[i], depth, err);
    /* the base's entries under a directory that hides it are deleted */
    if (r == 0 && hidden && base >= 0 && (r = read_names(base, &bs, err)) == 0) {
        unique(&bs);
        for (size_t i = 0; i < bs.n; i++) {
            struct stat st;
            if (in_names(&ns, bs.v[i]) || fstatat(base, bs.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
                continue;
            add(w, (struct pd_change){.kind = PD_CHANGE_DELETED, .path = join(rel, bs.v[i]),
                                      .old_mode = st.st_mode, .layer = -1});
        }
    }
    names_free(&ns);
    names_free(&bs);
    return r < 0 && rel[0] ? pd_wrap(err, "%s", rel) : r;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct pd_change *)a)->path, ((const struct pd_change *)b)->path);
}

int pd_ws_changes(const struct pd_ws_view *v, struct pd_changes *out, pd_error **err)
{
    out->v = NULL;
    out->n = 0;
    struct walk w = {.v = v, .out = out};
    if (walk_dir(&w, "", v->layers, v->base, false, 0, err) < 0) {
        pd_changes_free(out);
        return -1;
    }
    /* by path: a directory's entries right after it, parents first */
    if (out->n > 0) /* v is NULL when nothing changed */
        qsort(out->v, out->n, sizeof(*out->v), by_path);
    return 0;
}
