#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cgroups.h"
#include "json.h"
#include "util.h"
#include "sys_compat.h"

#define STATE_MAX (4u << 20)

static const char *status_names[] = {"creating", "created", "running", "stopped", "paused"};

const char *pd_status_name(enum pd_status s) { return status_names[s]; }

int pd_state_check_id(const char *id, pd_error **err)
{
    size_t n = strlen(id);
    if (n == 0)
        return pd_failx(err, "invalid container id: empty");
    /* It names the state directory: a file name (runc has the same limit,
     * from the same mkdir). */
    if (n > NAME_MAX)
        return pd_failx(err, "invalid container id: %zu bytes long, at most %d", n, NAME_MAX);
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return pd_failx(err, "invalid container id \"%s\"", id);
    if (strcmp(id, PD_STATE_SPARES) == 0)
        return pd_failx(err, "invalid container id \"%s\": the name of paddock's spare state "
                        "directories", id);
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return pd_failx(err, "invalid container id: it may not contain '/' or control "
                            "characters");
    return 0;
}

char *pd_state_default_root(void)
{
    if (geteuid() == 0 && pd_in_initial_userns())
        return pd_xstrdup("/run/paddock");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg != NULL && xdg[0] == '/')
        return pd_xasprintf("%s/paddock", xdg);
    if (geteuid() == 0) /* root of a user namespace without XDG_RUNTIME_DIR */
        return pd_xstrdup("/run/paddock");
    return pd_xasprintf("/run/user/%u/paddock", (unsigned)geteuid());
}

static int lock_dir(struct pd_container_dir *d, pd_error **err)
{
    d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->fd < 0)
        return -1;
    if (flock(d->fd, LOCK_EX) < 0)
        return pd_fail_errno(err, "lock %s", d->path);
    return 0;
}

static void dir_init(struct pd_container_dir *d, const char *root, const char *id)
{
    d->root = pd_xstrdup(root);
    d->id = pd_xstrdup(id);
    d->path = pd_xasprintf("%s/%s", root, id);
    d->fd = -1;
}

/* ---- spare state directories ----
 *
 * A directory removed from a disk filesystem frees its block, and the
 * last close of it waits for that (~0.15 ms on an ext4 mounted with
 * discard, as /run is on some VMs; tmpfs pays nothing).  So a container
 * directory that held only state.json and config.json -- a sandbox
 * without a network supervisor: nothing else writes into it or keeps it
 * open -- is emptied and renamed to ROOT/.paddock-spares/INODE instead
 * (at most SPARES_MAX of them), and the next create renames one back
 * (RENAME_NOREPLACE) where it would mkdir.  A command that waited for the
 * lock of a recycled directory finds it is no longer ROOT/ID
 * (pd_state_dir_open). */
#define SPARES_MAX 64

/* Rename a spare to d->path: 1 taken, 0 none (mkdir instead), -1 (err)
 * when ROOT/ID exists. */
struct take {
    int dirfd;
    struct pd_container_dir *d;
    int r;
};

static bool take_one(const char *name, void *arg)
{
    struct take *t = arg;
    if (renameat2(t->dirfd, name, AT_FDCWD, t->d->path, RENAME_NOREPLACE) == 0)
        t->r = 1;
    else if (errno == EEXIST)
        t->r = -1;
    return errno == ENOENT && t->r == 0; /* taken by another create meanwhile: the next */
}

static int spare_take(struct pd_container_dir *d)
{
    _cleanup_free_ char *dir = pd_xasprintf("%s/" PD_STATE_SPARES, d->root);
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct take t = {.dirfd = fd, .d = d};
    if (fd >= 0)
        pd_dir_each(fd, take_one, &t);
    return t.r;
}

/* An empty directory of ours with mode 0700 (what spare_put left). */
static bool spare_clean(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           (st.st_mode & 07777) == 0700 && pd_dir_empty(fd);
}

static int make_dir(struct pd_container_dir *d, pd_error **err)
{
    int taken = spare_take(d);
    if (taken < 0 || (taken == 0 && mkdir(d->path, 0700) < 0)) {
        if (taken < 0 || errno == EEXIST)
            return pd_fail(err, EEXIST, "container \"%s\" already exists", d->id);
        return pd_fail_errno(err, "create state directory %s", d->path);
    }
    bool locked = lock_dir(d, err) == 0;
    if (taken && (!locked || !spare_clean(d->fd))) {
        /* not what paddock left there (a file, or something in it): it
         * goes, and the next spare or a new directory is taken instead */
        if (d->fd >= 0)
            close(d->fd);
        d->fd = -1;
        if (err != NULL)
            pd_error_freep(err);
        if (pd_rm_rf(d->path, err) < 0)
            return -1;
        return make_dir(d, err);
    }
    if (!locked) {
        pd_fail_errno(err, "open %s", d->path);
        rmdir(d->path);
        return -1;
    }
    return 0;
}

int pd_state_dir_create(const char *root, const char *id, struct pd_container_dir *d, pd_error **err)
{
    dir_init(d, root, id);
    if (pd_state_check_id(id, err) < 0 || pd_mkdir_p(root, 0700, err) < 0)
        return -1;
    return make_dir(d, err);
}

/* Only state.json and config.json: unlinked as they are listed. */
static bool unlink_known(const char *name, void *arg)
{
    const int *fd = arg;
    return (strcmp(name, "state.json") == 0 || strcmp(name, "config.json") == 0) &&
           unlinkat(*fd, name, 0) == 0;
}

static bool count(const char *name, void *arg)
{
    (void)name;
    return ++*(int *)arg < SPARES_MAX;
}

/* d emptied and renamed to a spare; false: left for pd_rm_rf (another
 * entry, SPARES_MAX spares, or an error). */
static bool spare_put(struct pd_container_dir *d)
{
    struct stat st;
    /* from the first entry: spare_clean read the directory through d->fd */
    if (d->fd < 0 || fstat(d->fd, &st) < 0 || lseek(d->fd, 0, SEEK_SET) < 0 ||
        !pd_dir_each(d->fd, unlink_known, &d->fd))
        return false;
    _cleanup_free_ char *dir = pd_xasprintf("%s/" PD_STATE_SPARES, d->root);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return false;
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int n = 0;
    char name[32];
    snprintf(name, sizeof(name), "%llu", (unsigned long long)st.st_ino);
    return fd >= 0 && pd_dir_each(fd, count, &n) &&
           renameat2(AT_FDCWD, d->path, fd, name, RENAME_NOREPLACE) == 0;
}

int pd_state_dir_open(const char *root, const char *id, struct pd_container_dir *d, pd_error **err)
{
    dir_init(d, root, id);
    if (pd_state_check_id(id, err) < 0)
        return -1;
    if (lock_dir(d, err) < 0) {
        if (err && *err)
            return -1;
        return pd_fail(err, ENOENT, "container \"%s\" does not exist", id);
    }
    /* Deleted while we waited for the lock, or made a spare (and maybe
     * taken by another container since): no longer ROOT/ID, so not ours to
     * touch; d->fd is closed.  A directory without state.json (a create
     * killed before writing it) keeps d->fd: `delete --force` removes it. */
    struct stat a, b;
    if (fstat(d->fd, &a) < 0 || lstat(d->path, &b) < 0 || a.st_ino != b.st_ino ||
        a.st_dev != b.st_dev) {
        close(d->fd);
        d->fd = -1;
        return pd_fail(err, ENOENT, "container \"%s\" does not exist", id);
    }
    if (faccessat(d->fd, "state.json", F_OK, 0) < 0)
        return pd_fail(err, ENOENT, "container \"%s\" does not exist", id);
    return 0;
}

void pd_state_dir_close(struct pd_container_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    free(d->root);
    free(d->id);
    free(d->path);
    memset(d, 0, sizeof(*d));
    d->fd = -1;
}

int pd_state_dir_remove(struct pd_container_dir *d, pd_error **err)
{
    int r = spare_put(d) ? 0 : pd_rm_rf(d->path, err);
    pd_state_dir_close(d);
    return r;
}

static void gen_annotations(pd_jgen *g, const struct pd_state *st)
{
    if (st->n_annotations == 0)
        return;
    pd_jgen_key(g, "annotations");
    pd_jgen_map_open(g);
    for (size_t i = 0; i < st->n_annotations; i++)
        pd_jgen_kv_string(g, st->annotations[i].key, st->annotations[i].value);
    pd_jgen_map_close(g);
}

bool pd_state_is_boundary(const struct pd_state *st)
{
    return st->env.mode != NULL && strcmp(st->env.mode, "container-boundary") == 0;
}

/* paddock.environment: only for a container-boundary run. */
static void gen_env(pd_jgen *g, const struct pd_state_env *e)
{
    if (e->mode == NULL)
        return;
    pd_jgen_key(g, "environment");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "mode", e->mode);
    pd_jgen_kv_string(g, "reason", e->reason);
    pd_jgen_kv_string(g, "container", e->container);
    pd_jgen_kv_int(g, "landlockAbi", e->landlock_abi);
    pd_jgen_kv_bool(g, "seccomp", e->seccomp);
    pd_jgen_kv_bool(g, "keyringBlocked", e->keyring_blocked);
    pd_jgen_map_close(g);
}

static char *get_str_or_null(const pd_json *o, const char *key)
{
    const char *s = pd_json_string(pd_json_get(o, key));
    return s != NULL ? pd_xstrdup(s) : NULL;
}

static void read_env(const pd_json *e, struct pd_state_env *env)
{
    if (pd_json_type(e) != PD_JSON_OBJECT)
        return;
    env->mode = get_str_or_null(e, "mode");
    env->reason = get_str_or_null(e, "reason");
    env->container = get_str_or_null(e, "container");
    int64_t abi = 0;
    if (pd_json_int64(pd_json_get(e, "landlockAbi"), &abi) && abi >= 0 && abi < 1000)
        env->landlock_abi = (int)abi;
    pd_json_bool(pd_json_get(e, "seccomp"), &env->seccomp);
    pd_json_bool(pd_json_get(e, "keyringBlocked"), &env->keyring_blocked);
}

char *pd_state_oci_json(const struct pd_state *st, enum pd_status status, bool pretty)
{
    pd_jgen *g = pd_jgen_new(pretty);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersion", st->oci_version);
    pd_jgen_kv_string(g, "id", st->id);
    pd_jgen_kv_string(g, "status", pd_status_name(status));
    /* runtime.md: pid is required when created or running. */
    if (status == PD_STATUS_CREATED || status == PD_STATUS_RUNNING || status == PD_STATUS_PAUSED ||
        (status == PD_STATUS_CREATING && st->pid > 0))
        pd_jgen_kv_int(g, "pid", st->pid);
    pd_jgen_kv_string(g, "bundle", st->bundle);
    gen_annotations(g, st);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

int pd_state_write(const struct pd_container_dir *d, const struct pd_state *st, pd_error **err)
{
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersion", st->oci_version);
    pd_jgen_kv_string(g, "id", st->id);
    pd_jgen_kv_string(g, "status", pd_status_name(st->status));
    pd_jgen_kv_int(g, "pid", st->pid);
    pd_jgen_kv_string(g, "bundle", st->bundle);
    gen_annotations(g, st);
    pd_jgen_key(g, "paddock");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "pidStart");
    pd_jgen_uint(g, st->pid_start);
    pd_jgen_kv_string(g, "created", st->created);
    pd_jgen_kv_bool(g, "rootless", st->rootless);
    pd_jgen_kv_string(g, "cgroup", st->cgroup ? st->cgroup : "");
    gen_env(g, &st->env);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
    size_t len;
    _cleanup_free_ char *doc = pd_jgen_finish(g, &len);
    _cleanup_free_ char *path = pd_xasprintf("%s/state.json", d->path);
    return pd_state_write_atomic(d->fd, "state.json", path, doc, len, 0600, err);
}

/* No fsync, as runc and crun: the state directory is under /run (tmpfs on
 * most systems, and every container is gone after a reboot anyway), and an
 * fsync on a disk-backed /run costs a journal commit, ~0.4 ms here, on
 * every write.  The rename alone keeps readers (`state`, `list`, which
 * don't lock) from seeing a partial file; writers hold the lock. */
int pd_state_write_atomic(int dirfd, const char *name, const char *shown, const char *data,
                          size_t len, int mode, pd_error **err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", name, (int)getpid()) >= (int)sizeof(tmp))
        return pd_fail(err, ENAMETOOLONG, "write %s", shown);
    _cleanup_close_ int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return pd_fail_errno(err, "create %s.tmp.%d", shown, (int)getpid());
    if (pd_write_all(fd, data, len) < 0) {
        pd_fail_errno(err, "write %s.tmp.%d", shown, (int)getpid());
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        pd_fail_errno(err, "rename %s.tmp.%d to %s", shown, (int)getpid(), shown);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

static char *get_str(const pd_json *o, const char *key)
{
    const char *s = pd_json_string(pd_json_get(o, key));
    return pd_xstrdup(s != NULL ? s : "");
}

static void read_annotations(const pd_json *a, struct pd_state *st)
{
    size_t n = pd_json_len(a);
    if (pd_json_type(a) != PD_JSON_OBJECT || n == 0)
        return;
    st->annotations = pd_xcalloc(n, sizeof(struct pd_kv));
    for (size_t i = 0; i < n; i++) {
        const char *v = pd_json_string(pd_json_at(a, i));
        st->annotations[st->n_annotations].key = pd_xstrdup(pd_json_key_at(a, i));
        st->annotations[st->n_annotations++].value = pd_xstrdup(v ? v : "");
    }
}

int pd_state_read(const char *dir, struct pd_state **out, pd_error **err)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/state.json", dir);
    _cleanup_free_ char *text = NULL;
    size_t len;
    pd_json *doc = NULL;
    if (pd_read_file(path, STATE_MAX, &text, &len, err) < 0)
        return -1;
    if (pd_json_parse(text, len, &doc, err) < 0)
        return pd_wrap(err, "%s", path);
    struct pd_state *st = pd_xcalloc(1, sizeof(*st));
    st->id = get_str(doc, "id");
    st->bundle = get_str(doc, "bundle");
    st->oci_version = get_str(doc, "ociVersion");
    const char *status = pd_json_string(pd_json_get(doc, "status"));
    for (size_t i = 0; status && i < PD_ARRAY_SIZE(status_names); i++)
        if (strcmp(status, status_names[i]) == 0)
            st->status = (enum pd_status)i;
    int64_t pid = 0;
    pd_json_int64(pd_json_get(doc, "pid"), &pid);
    st->pid = (pid_t)pid;
    read_annotations(pd_json_get(doc, "annotations"), st);
    const pd_json *priv = pd_json_get(doc, "paddock");
    uint64_t start = 0;
    pd_json_uint64(pd_json_get(priv, "pidStart"), &start);
    st->pid_start = start;
    st->created = get_str(priv, "created");
    pd_json_bool(pd_json_get(priv, "rootless"), &st->rootless);
    st->cgroup = get_str(priv, "cgroup");
    read_env(pd_json_get(priv, "environment"), &st->env);
    pd_json_free(doc);
    *out = st;
    return 0;
}

void pd_state_free(struct pd_state *st)
{
    if (st == NULL)
        return;
    free(st->id);
    free(st->bundle);
    free(st->oci_version);
    free(st->created);
    free(st->cgroup);
    free(st->env.mode);
    free(st->env.reason);
    free(st->env.container);
    for (size_t i = 0; i < st->n_annotations; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    free(st);
}

unsigned long long pd_pid_start_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_free_ char *buf = NULL;
    if (pid <= 0 || pd_read_file(path, 4096, &buf, NULL, NULL) < 0)
        return 0;
    /* Fields after the command name, which is in parentheses and may hold spaces. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    /* p+2 is field 3 (state); starttime is field 22. */
    char *save = NULL;
    char *tok = strtok_r(p + 1, " ", &save);
    char state = tok ? tok[0] : 0;
    for (int field = 4; tok != NULL && field <= 22; field++)
        tok = strtok_r(NULL, " ", &save);
    unsigned long long start = 0;
    if (tok == NULL || !pd_parse_u64(tok, &start))
        return 0;
    if (state == 'Z' || state == 'X')
        return 0;
    return start;
}

bool pd_pid_alive(pid_t pid, unsigned long long start)
{
    unsigned long long now = pd_pid_start_time(pid);
    return now != 0 && (start == 0 || now == start);
}

enum pd_status pd_state_status(const struct pd_state *st, const char *dir)
{
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    return pd_state_status_cg(st, dir, &cg);
}

enum pd_status pd_state_status_cg(const struct pd_state *st, const char *dir,
                                  struct pd_cgroup **cg)
{
    *cg = NULL;
    if (st->pid <= 0 || !pd_pid_alive(st->pid, st->pid_start))
        return PD_STATUS_STOPPED;
    if (st->status == PD_STATUS_CREATING)
        return PD_STATUS_CREATING;
    _cleanup_free_ char *sock = pd_xasprintf("%s/start.sock", dir);
    if (access(sock, F_OK) == 0)
        return PD_STATUS_CREATED;
    if (st->cgroup != NULL && st->cgroup[0] != '\0' && pd_cgroup_load(st->cgroup, cg, NULL) == 0 &&
        pd_cgroup_is_frozen(*cg))
        return PD_STATUS_PAUSED;
    return PD_STATUS_RUNNING;
}
