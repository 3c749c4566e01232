/* paddock sandbox: protected paths, git, host unix sockets.  See
 * sandbox_protect.h for what is protected and why; placeholders, their
 * journal and spares are sandbox_placeholders.c's. */
#define _GNU_SOURCE
#include "sandbox_protect.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_policy.h"
#include "envprobe.h"
#include "log.h"
#include "nss.h"
#include "sandbox_placeholders.h"
#include "state.h"
#include "util.h"

/* Protected entries that are directories: a placeholder may stand in for them. */
static const char *const dir_entries[] = {".git/hooks", ".git/info", ".paddock", ".codex",
                                          ".claude", ".agents"};

struct ctx {
    const struct pd_sandbox_opts *o;
    char *const *roots;
    struct pd_protect *p;
    bool create;     /* a real run: placeholders are made and journaled */
    struct pd_placeholders ph;
    int depth;       /* gitdir recursion guard */
};

char *pd_state_home(void)
{
    const char *x = getenv("XDG_STATE_HOME");
    if (x != NULL && x[0] == '/')
        return pd_xasprintf("%s/paddock", x);
    const char *home = getenv("HOME");
    struct passwd *pw = NULL;
    if (home == NULL || home[0] != '/')
        pw = pd_getpwuid(getuid());
    if (pw != NULL)
        home = pw->pw_dir;
    if (home == NULL || home[0] != '/')
        return pd_xasprintf("/var/tmp/paddock-state-%u", (unsigned)getuid());
    return pd_xasprintf("%s/.local/state/paddock", strcmp(home, "/") == 0 ? "" : home);
}

static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool in_writable(const struct ctx *c, const char *path)
{
    for (size_t i = 0; c->roots[i]; i++)
        if (under(path, c->roots[i]))
            return true;
    for (size_t i = 0; i < c->p->n_extra_roots; i++)
        if (under(path, c->p->extra_roots[i]))
            return true;
    return false;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    *v = pd_xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = pd_xstrdup(s);
    (*v)[*n] = NULL;
}

static void add_mount(struct pd_protect *p, enum pd_protect_kind kind, const char *path)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == kind && strcmp(p->mounts[i].path, path) == 0)
            return;
    p->mounts = pd_xrealloc(p->mounts, (p->n_mounts + 1) * sizeof(*p->mounts));
    p->mounts[p->n_mounts++] = (struct pd_protect_mount){.kind = kind, .path = pd_xstrdup(path)};
}

/* ---- placeholders and protected paths ---- */

static int placeholder(struct ctx *c, const char *path, bool dir, pd_error **err)
{
    if (!c->create)
        return 0;
    int r = pd_placeholders_make(&c->ph, path, dir, err);
    if (r == 0)
        strv_push(&c->p->created, &c->p->n_created, path);
    return r;
}

/* path with its parent directory resolved; NULL when it can't be. */
static char *canon_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return NULL;
    _cleanup_free_ char *parent = pd_xstrdup(path);
    parent[slash - path] = '\0';
    _cleanup_free_ char *real = realpath(parent, NULL);
    if (real == NULL)
        return NULL;
    return pd_xasprintf("%s%s", strcmp(real, "/") == 0 ? "" : real, slash);
}

/* Protect path (absolute): read-only if it exists; a placeholder when it
 * is missing and may_create (a directory entry whose parent exists). */
static int protect_path(struct ctx *c, const char *path, int may_create, pd_error **err)
{
    /* Mounted without following symlinks (x-paddock-nofollow): outside the
     * writable roots (an include under a symlinked $HOME, say) the parent
     * is resolved now; inside, the roots are resolved and a symlink on the
     * way is the sandbox's doing, which makes the start fail. */
    _cleanup_free_ char *canon = in_writable(c, path) ? NULL : canon_parent(path);
    if (canon != NULL)
        path = canon;
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return 0; /* unreadable for the caller: so for the sandbox too */
        _cleanup_free_ char *parent = pd_xstrdup(path);
        *strrchr(parent, '/') = '\0';
        struct stat ps;
        if (may_create == 0 || !in_writable(c, path) || stat(parent, &ps) < 0 || !S_ISDIR(ps.st_mode)) {
            strv_push(&c->p->missing, &c->p->n_missing, path);
            return 0;
        }
        int r = placeholder(c, path, may_create == 'd', err);
        if (r < 0)
            return -1;
        if (r == 0)
            add_mount(c->p, PD_PROTECT_RO, path);
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        _cleanup_free_ char *target = realpath(path, NULL);
        if (target == NULL)
            return pd_failx(err, "sandbox: protected path %s is a symlink that leads nowhere "
                            "(a later directory there would not be protected); remove it", path);
        /* pinned, or the sandbox could replace it with a directory of its own
         * (its parent is writable); where it leads is protected in turn */
        add_mount(c->p, PD_PROTECT_LINK, path);
        return in_writable(c, target) ? protect_path(c, target, 0, err) : 0;
    }
    if (S_ISREG(st.st_mode) && st.st_nlink > 1 && in_writable(c, path))
        return pd_failx(err, "sandbox: protected file %s has %ju hard links: another name "
                        "could change it; replace it with a copy (cp %s x && mv x %s)",
                        path, (uintmax_t)st.st_nlink, path, path);
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        add_mount(c->p, PD_PROTECT_RO, path);
        if (c->create && pd_placeholders_journal(&c->ph, 'u', path, err) < 0)
            return -1;
    }
    return 0;
}

static int protect_rel(struct ctx *c, const char *root, const char *rel, int may_create,
                       pd_error **err)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
    return protect_path(c, p, may_create, err);
}

static bool is_dir_entry(const char *rel)
{
    for (size_t i = 0; i < PD_ARRAY_SIZE(dir_entries); i++)
        if (strcmp(rel, dir_entries[i]) == 0)
            return true;
    return false;
}

/* ---- git ---- */

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* The directory a gitfile ("gitdir: X") or commondir ("X") names, resolved
 * against base; NULL when unreadable or missing. */
static char *git_pointer(const char *file, const char *prefix, const char *base)
{
    _cleanup_free_ char *text = NULL;
    if (pd_read_file(file, PATH_MAX + 64, &text, NULL, NULL) < 0)
        return NULL;
    char *v = text;
    if (prefix != NULL) {
        if (strncmp(v, prefix, strlen(prefix)) != 0)
            return NULL;
        v += strlen(prefix);
        while (*v == ' ')
            v++;
    }
    v[strcspn(v, "\n")] = '\0';
    rtrim(v);
    if (*v == '\0')
        return NULL;
    _cleanup_free_ char *abs = v[0] == '/' ? pd_xstrdup(v) : pd_xasprintf("%s/%s", base, v);
    return realpath(abs, NULL);
}

/* One `path = X` of an [include]/[includeIf] section, made absolute. */
static char *include_target(const char *config, char *value)
{
    rtrim(value);
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        value++;
    }
    if (value[0] == '\0')
        return NULL;
    if (strncmp(value, "~/", 2) == 0) {
        const char *home = getenv("HOME");
        return home ? pd_xasprintf("%s/%s", home, value + 2) : NULL;
    }
    if (value[0] == '/')
        return pd_xstrdup(value);
    _cleanup_free_ char *dir = pd_xstrdup(config);
    *strrchr(dir, '/') = '\0';
    return pd_xasprintf("%s/%s", dir, value);
}

/* The files config includes are protected like config itself: a
 * core.hooksPath or core.fsmonitor planted there would run on the host. */
static int protect_includes(struct ctx *c, const char *config, pd_error **err)
{
    _cleanup_free_ char *text = NULL;
    if (pd_read_file(config, 1 << 20, &text, NULL, NULL) < 0)
        return 0;
    bool in_include = false;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (isspace((unsigned char)*l))
            l++;
        if (*l == '[') {
            in_include = strncasecmp(l, "[include]", 9) == 0 || strncasecmp(l, "[includeIf ", 11) == 0;
            continue;
        }
        if (!in_include || strncasecmp(l, "path", 4) != 0)
            continue;
        char *eq = l + 4;
        while (*eq == ' ' || *eq == '\t')
            eq++;
        if (*eq != '=')
            continue;
        eq++;
        while (*eq == ' ' || *eq == '\t')
            eq++;
        _cleanup_free_ char *target = include_target(config, eq);
        if (target != NULL && protect_path(c, target, 'f', err) < 0)
            return -1;
    }
    return 0;
}

static int protect_if_exists(struct ctx *c, const char *dir, const char *rel, pd_error **err)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, rel);
    struct stat st;
    return lstat(p, &st) == 0 ? protect_path(c, p, 0, err) : 0;
}

/* Submodules keep their own gitdirs (with hooks and config) in modules/. */
static int protect_modules(struct ctx *c, const char *gitdir, pd_error **err)
{
    _cleanup_free_ char *mods = pd_xasprintf("%s/modules", gitdir);
    DIR *d = opendir(mods);
    if (d == NULL)
        return 0;
    int r = 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        _cleanup_free_ char *m = pd_xasprintf("%s/%s", mods, e->d_name);
        r = protect_if_exists(c, m, "hooks", err) < 0 || protect_if_exists(c, m, "config", err) < 0
            ? -1 : 0;
    }
    closedir(d);
    return r;
}

/* A gitdir: a mount point of its own (so it can't be renamed or replaced),
 * writable (commits), with hooks, config, info and the redirections
 * (commondir, gitdir, included configs) read-only. */
static int protect_gitdir(struct ctx *c, const char *d, bool common, pd_error **err)
{
    if (c->depth >= 4)
        return 0;
    c->depth++;
    if (!in_writable(c, d))
        strv_push(&c->p->extra_roots, &c->p->n_extra_roots, d);
    add_mount(c->p, PD_PROTECT_SELF_RW, d);
    _cleanup_free_ char *cd_file = pd_xasprintf("%s/commondir", d);
    _cleanup_free_ char *config = pd_xasprintf("%s/config", d);
    _cleanup_free_ char *wconfig = pd_xasprintf("%s/config.worktree", d);
    _cleanup_free_ char *common_dir = git_pointer(cd_file, NULL, d);
    struct stat st;
    bool has_cd = lstat(cd_file, &st) == 0;
    /* a worktree's gitdir has no hooks or info of its own: its commondir's count */
    int r = (common ? protect_rel(c, d, "hooks", 'd', err) : protect_if_exists(c, d, "hooks", err)) < 0 ||
            (common ? protect_rel(c, d, "info", 'd', err) : protect_if_exists(c, d, "info", err)) < 0 ||
            protect_if_exists(c, d, "config", err) < 0 ||
            protect_if_exists(c, d, "config.worktree", err) < 0 ||
            protect_if_exists(c, d, "gitdir", err) < 0 ||
            (has_cd ? protect_path(c, cd_file, 0, err) : common ? protect_path(c, cd_file, 'f', err) : 0) < 0 ||
            protect_includes(c, config, err) < 0 || protect_includes(c, wconfig, err) < 0 ||
            protect_modules(c, d, err) < 0
        ? -1 : 0;
    if (r == 0 && common_dir != NULL && strcmp(common_dir, d) != 0)
        r = protect_gitdir(c, common_dir, true, err);
    c->depth--;
    return r;
}

/* root/.git: a repository (directory) or a worktree/submodule (gitfile). */
static int protect_repo(struct ctx *c, const char *root, pd_error **err)
{
    _cleanup_free_ char *git = pd_xasprintf("%s/.git", strcmp(root, "/") == 0 ? "" : root);
    struct stat st;
    if (lstat(git, &st) < 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return protect_gitdir(c, git, true, err);
    if (!S_ISREG(st.st_mode))
        return protect_path(c, git, 0, err);
    if (protect_path(c, git, 0, err) < 0)
        return -1;
    _cleanup_free_ char *gitdir = git_pointer(git, "gitdir:", root);
    return gitdir != NULL ? protect_gitdir(c, gitdir, false, err) : 0;
}

/* ---- host unix sockets ---- */

static bool socket_allowed(const struct ctx *c, const char *path)
{
    if (in_writable(c, path) || under(path, "/tmp"))
        return true; /* writable roots; /tmp is private (never in danger-full-access) */
    for (size_t i = 0; i < c->o->n_allow_unix_socket; i++) {
        _cleanup_free_ char *a = realpath(c->o->allow_unix_socket[i], NULL);
        if (strcmp(c->o->allow_unix_socket[i], path) == 0 || (a && strcmp(a, path) == 0))
            return true;
    }
    return false;
}

static void mask_sockets(struct ctx *c)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/net/unix", "re");
    char line[PATH_MAX + 128];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *path = strchr(line, '/');
        if (path == NULL || path[-1] != ' ')
            continue;
        path[strcspn(path, "\n")] = '\0';
        struct stat st;
        if (socket_allowed(c, path) || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
            continue;
        size_t before = c->p->n_mounts;
        add_mount(c->p, PD_PROTECT_MASK, path);
        c->p->n_masked += c->p->n_mounts - before;
    }
}

/* ---- entry points ---- */

/* paddock's own directories, which later runs trust: the state home (the
 * seccomp and mount option caches, the placeholder journals, the default
 * audit log), the state root (every container's state.json) and the
 * environment probe's cache.  One inside a writable root is bound
 * read-only; a writable root inside one (or one itself) is refused: the
 * sandbox could plant a filter or mount options for later starts. */
static int guard_own_dirs(struct ctx *c, const char *home, pd_error **err)
{
    char *dirs[] = {pd_xstrdup(home), c->o->root ? pd_xstrdup(c->o->root) : pd_state_default_root(),
                    pd_envprobe_cache_dir()};
    int r = 0;
    for (size_t i = 0; i < PD_ARRAY_SIZE(dirs) && r == 0; i++) {
        if (dirs[i] == NULL)
            continue;
        _cleanup_free_ char *real = realpath(dirs[i], NULL);
        const char *d = real != NULL ? real : dirs[i];
        for (size_t k = 0; c->roots[k] && r == 0; k++)
            if (under(c->roots[k], d))
                r = pd_failx(err, "sandbox: writable root %s lies in paddock's own %s (%s), "
                             "which later runs trust: give a directory outside it",
                             c->roots[k], i == 0 ? "state home" : i == 1 ? "state root" :
                             "probe cache", d);
        if (r == 0 && real != NULL && in_writable(c, real))
            add_mount(c->p, PD_PROTECT_RO, real);
    }
    for (size_t i = 0; i < PD_ARRAY_SIZE(dirs); i++)
        free(dirs[i]);
    return r;
}

static int protect_roots(struct ctx *c, pd_error **err)
{
    const struct pd_sandbox_opts *o = c->o;
    for (size_t r = 0; c->roots[r]; r++) {
        if (protect_repo(c, c->roots[r], err) < 0)
            return -1;
        for (size_t i = 0; pd_agent_default_protected[i]; i++) {
            const char *rel = pd_agent_default_protected[i];
            if (strncmp(rel, ".git/", 5) == 0)
                continue; /* protect_repo did the repository */
            if (protect_rel(c, c->roots[r], rel, is_dir_entry(rel) ? 'd' : 0, err) < 0)
                return -1;
        }
        for (size_t i = 0; i < o->n_protect; i++)
            if (o->protect[i][0] != '/' && protect_rel(c, c->roots[r], o->protect[i], 0, err) < 0)
                return -1;
    }
    for (size_t i = 0; i < o->n_protect; i++)
        if (o->protect[i][0] == '/' && protect_path(c, o->protect[i], 0, err) < 0)
            return -1;
    return 0;
}

int pd_protect_prepare(const struct pd_sandbox_opts *o, char *const *roots, const char *id,
                       struct pd_protect **out, pd_error **err)
{
    struct pd_protect *p = pd_xcalloc(1, sizeof(*p));
    struct ctx c = {.o = o, .roots = roots, .p = p, .create = id != NULL,
                    .ph = {.journal_fd = -1}};
    int lockfd = -1, r = 0;
    if (c.create) {
        _cleanup_free_ char *home = pd_state_home();
        if ((lockfd = pd_placeholders_begin(&c.ph, home, err)) < 0 ||
            guard_own_dirs(&c, home, err) < 0)
            r = -1;
    }
    if (r == 0 && o->mode != PD_SANDBOX_DANGER_FULL_ACCESS) {
        r = protect_roots(&c, err);
        if (r == 0)
            mask_sockets(&c);
    }
    if (r < 0 && c.ph.journal != NULL) { /* undo what this run made */
        pd_placeholders_undo(c.ph.dir, strrchr(c.ph.journal, '/') + 1);
    } else if (r == 0) { /* pd_protect_finish undoes it */
        p->journal = c.ph.journal;
        c.ph.journal = NULL;
    }
    if (lockfd >= 0)
        close(lockfd);
    pd_placeholders_end(&c.ph);
    if (r < 0) {
        pd_protect_finish(p);
        return -1;
    }
    *out = p;
    return 0;
}

void pd_protect_finish(struct pd_protect *p)
{
    if (p == NULL)
        return;
    if (p->journal != NULL) {
        _cleanup_free_ char *dir = pd_xstrdup(p->journal);
        *strrchr(dir, '/') = '\0';
        int fd = pd_placeholders_lock(dir, NULL);
        pd_placeholders_undo(dir, strrchr(p->journal, '/') + 1);
        if (fd >= 0)
            close(fd);
    }
    pd_strv_free(p->extra_roots);
    for (size_t i = 0; i < p->n_mounts; i++)
        free(p->mounts[i].path);
    free(p->mounts);
    pd_strv_free(p->missing);
    pd_strv_free(p->created);
    free(p->journal);
    free(p);
}
