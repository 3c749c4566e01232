#define _GNU_SOURCE
/* paddock cgroups: the layout (v2, or v1/hybrid, from what is mounted), the
 * container's path, and the operations that do not depend on the version
 * (enter, pids, kill, destroy).  Values are written by cgroups_v1.c and
 * cgroups_v2.c.
 *
 * Zeros that mean "unset" (docker's `update` sends every field, 0 for the
 * ones it does not change; runc skips them the same way, at create too):
 *   memory.limit, memory.reservation, memory.swap, memory.kernel(TCP),
 *   cpu.shares, cpu.quota, cpu.period, cpu.realtimeRuntime, cpu.realtimePeriod,
 *   pids.limit (negative = unlimited), cpu.cpus "" and cpu.mems "",
 *   blockIO.weight, blockIO.leafWeight, network.classID.
 * memory.swappiness, cpu.idle and the lists are applied as given. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "cgroups_internal.h"
#include "log.h"
#include "util.h"

/* --------------------------------------------------------------- layout */

bool pd_cg_hier_has(const struct pd_cg_hier *h, const char *ctrl)
{
    size_t n = strlen(ctrl);
    for (const char *s = h->ctrls; s && *s;) {
        size_t len = strcspn(s, ",");
        if (len == n && strncmp(s, ctrl, n) == 0)
            return true;
        s += len + (s[len] == ',');
    }
    return false;
}

/* mountinfo escapes " \t\n\\" as \ooo. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* The controllers in a v1 mount's super options ("rw,cpu,cpuacct"). */
static char *v1_ctrls(const char *opts)
{
    static const char *const known[] = { "cpu", "cpuacct", "cpuset", "memory", "devices",
                                         "freezer", "blkio", "pids", "net_cls", "net_prio",
                                         "hugetlb", "perf_event", "rdma", "misc" };
    char *out = pd_xstrdup("");
    for (const char *s = opts; *s;) {
        size_t len = strcspn(s, ",");
        bool keep = len > 5 && strncmp(s, "name=", 5) == 0;
        for (size_t i = 0; !keep && i < PD_ARRAY_SIZE(known); i++)
            keep = strlen(known[i]) == len && strncmp(s, known[i], len) == 0;
        if (keep) {
            char *t = pd_xasprintf("%s%s%.*s", out, out[0] ? "," : "", (int)len, s);
            free(out);
            out = t;
        }
        s += len + (s[len] == ',');
    }
    return out;
}

/* One mountinfo line: record a cgroup2 mount or a new v1 hierarchy. */
static void detect_line(struct pd_cgroup *cg, char *line)
{
    char *f[6] = { 0 }, *save = NULL;
    char *tok = strtok_r(line, " ", &save);
    for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, " ", &save))
        f[i] = tok; /* id parent dev root mountpoint */
    while (tok && strcmp(tok, "-") != 0)
        tok = strtok_r(NULL, " ", &save);
    char *fstype = strtok_r(NULL, " ", &save);
    strtok_r(NULL, " ", &save); /* source */
    char *opts = strtok_r(NULL, " ", &save);
    if (f[4] == NULL || fstype == NULL || opts == NULL)
        return;
    unescape(f[4]);
    if (strcmp(fstype, "cgroup2") == 0) {
        if (cg->unified == NULL)
            cg->unified = pd_xstrdup(f[4]);
        return;
    }
    if (strcmp(fstype, "cgroup") != 0)
        return;
    _cleanup_free_ char *ctrls = v1_ctrls(opts);
    if (ctrls[0] == '\0')
        return;
    for (size_t i = 0; i < cg->nh; i++)
        if (strcmp(cg->h[i].ctrls, ctrls) == 0)
            return; /* the same hierarchy mounted twice */
    cg->h = pd_xrealloc(cg->h, (cg->nh + 1) * sizeof(*cg->h));
    cg->h[cg->nh].mount = pd_xstrdup(f[4]);
    cg->h[cg->nh].ctrls = pd_steal_ptr(&ctrls);
    cg->h[cg->nh].path = NULL;
    cg->nh++;
}

int pd_cg_detect(struct pd_cgroup *cg, pd_error **err)
{
    struct statfs sf;
    if (statfs(PD_CG_ROOT, &sf) < 0)
        return pd_fail_errno(err, "cgroup: statfs %s", PD_CG_ROOT);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) {
        cg->mode = PD_CGROUP_V2;
        cg->unified = pd_xstrdup(PD_CG_ROOT);
        return 0;
    }
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/self/mountinfo", 1 << 24, &buf, NULL, err) < 0)
        return pd_wrap(err, "cgroup");
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        detect_line(cg, l);
    if (cg->nh == 0)
        return pd_failx(err, "cgroup: %s is not cgroup2 and no cgroup v1 controller is mounted",
                        PD_CG_ROOT);
    cg->mode = PD_CGROUP_V1;
    return 0;
}

char *pd_cg_dir(const struct pd_cgroup *cg, const char *ctrl)
{
    for (size_t i = 0; i < cg->nh; i++)
        if (pd_cg_hier_has(&cg->h[i], ctrl))
            return pd_xasprintf("%s%s", cg->h[i].mount, pd_cg_hpath(cg, i));
    return NULL;
}

const char *pd_cg_hpath(const struct pd_cgroup *cg, size_t i)
{
    return cg->h[i].path != NULL ? cg->h[i].path : cg->path;
}

static const char *upath(const struct pd_cgroup *cg)
{
    return cg->upath != NULL ? cg->upath : cg->path;
}

char *pd_cg_udir(const struct pd_cgroup *cg)
{
    return cg->unified ? pd_xasprintf("%s%s", cg->unified, upath(cg)) : NULL;
}

bool pd_cg_unified_has(const struct pd_cgroup *cg, const char *ctrl)
{
    _cleanup_free_ char *l = cg->unified ? pd_cg_read_line(cg->unified, "cgroup.controllers")
                                         : NULL;
    if (l == NULL)
        return false;
    for (char *c = l; *c; c++)
        if (*c == ' ')
            *c = ',';
    return pd_cg_hier_has(&(struct pd_cg_hier){ .ctrls = l }, ctrl);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* -------------------------------------------------------------- handles */

struct pd_cgroup *pd_cg_new(enum pd_cgroup_mode mode, const char *unified, const char *path)
{
    struct pd_cgroup *cg = pd_xcalloc(1, sizeof(*cg));
    cg->mode = mode;
    cg->unified = unified ? pd_xstrdup(unified) : NULL;
    cg->path = path ? pd_xstrdup(path) : NULL;
    return cg;
}

void pd_cgroup_free(struct pd_cgroup *cg)
{
    if (cg == NULL)
        return;
    for (size_t i = 0; i < cg->nh; i++) {
        free(cg->h[i].mount);
        free(cg->h[i].ctrls);
        free(cg->h[i].path);
    }
    free(cg->h);
    free(cg->unified);
    free(cg->upath);
    free(cg->path);
    free(cg);
}

enum pd_cgroup_mode pd_cgroup_mode(const struct pd_cgroup *cg)
{
    return cg ? cg->mode : PD_CGROUP_NONE;
}

/* The first resource the user asked for (devices excluded: rootless
 * containers get their devices as bind mounts), or NULL. */
static const char *requested(const struct pd_resources *r)
{
    if (r == NULL)
        return NULL;
    const typeof(r->memory) *m = &r->memory;
    if ((m->limit.set && m->limit.v) || (m->reservation.set && m->reservation.v) ||
        (m->swap.set && m->swap.v) || m->swappiness.set ||
        (m->has_disable_oom_killer && m->disable_oom_killer))
        return "memory";
    if (r->pids.limit.set && r->pids.limit.v)
        return "pids";
    if ((r->cpu.shares.set && r->cpu.shares.v) || (r->cpu.quota.set && r->cpu.quota.v) ||
        (r->cpu.period.set && r->cpu.period.v) || (r->cpu.cpus && r->cpu.cpus[0]) ||
        (r->cpu.mems && r->cpu.mems[0]) ||
        (r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v))
        return "cpu";
    if ((r->block_io.weight.set && r->block_io.weight.v) || r->block_io.n_weight_device ||
        r->block_io.n_throttle_read_bps || r->block_io.n_throttle_write_bps ||
        r->block_io.n_throttle_read_iops || r->block_io.n_throttle_write_iops)
        return "blockIO";
    if (r->n_hugepage_limits)
        return "hugepageLimits";
    if ((r->network.class_id.set && r->network.class_id.v) || r->network.n_priorities)
        return "network";
    return r->n_unified ? "unified" : NULL;
}

static int mkdirs(struct pd_cgroup *cg, pd_error **err)
{
    if (cg->mode == PD_CGROUP_V2)
        return pd_cgv2_mkdirs(cg->unified, upath(cg), err);
    if (pd_cgv1_mkdirs(cg, err) < 0)
        return -1;
    if (cg->unified != NULL) {
        /* Hybrid: the v2 mount holds only what v1 lacks (hugetlb here);
         * without it only limits that need it fail (when written). */
        pd_error *e = NULL;
        if (pd_cgv2_mkdirs(cg->unified, upath(cg), &e) < 0) {
            pd_debug("cgroup: hybrid cgroup2 part unavailable: %s", e->msg);
            pd_error_free(e);
        }
    }
    return 0;
}

static int apply(const struct pd_cgroup *cg, const struct pd_resources *r, bool update,
                 pd_error **err)
{
    if (r == NULL)
        return 0;
    if (cg->mode == PD_CGROUP_V1)
        return pd_cgv1_apply(cg, r, update, err);
    _cleanup_free_ char *dir = pd_cg_udir(cg);
    return pd_cgv2_apply(cg, dir, r, update, err);
}

int pd_cg_realize(struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    return mkdirs(cg, err) < 0 ? -1 : apply(cg, r, false, err);
}

static int rm_tree(const char *dir);
static char **all_dirs(const struct pd_cgroup *cg);

/* A failed create: remove the leaf directories again (no kill: nothing of
 * ours runs there yet; rmdir leaves a populated, pre-existing one alone). */
static void undo_dirs(const struct pd_cgroup *cg)
{
    _cleanup_strv_ char **dirs = all_dirs(cg);
    for (size_t i = 0; dirs[i]; i++)
        rm_tree(dirs[i]);
}

static bool no_access(int e)
{
    return e == EACCES || e == EPERM || e == EROFS;
}

/* Rootless and nothing writable: a NONE handle with a warning, or an
 * error when limits were asked for. */
static int rootless_fallback(struct pd_cgroup *cg, const struct pd_resources *r,
                             pd_error **err)
{
    const char *why = cg->mode == PD_CGROUP_V1
                          ? "cgroup v1 has no delegation to unprivileged users"
                          : "no delegated cgroup v2 subtree is writable";
    const char *what = requested(r);
    if (what != NULL)
        return pd_wrap(err, "cannot apply .linux.resources.%s: no writable cgroup for uid %u "
                            "(%s; run as root or use a delegated cgroup v2)",
                       what, (unsigned)getuid(), why);
    pd_warn("cgroup: running without a cgroup (%s): resource limits, pause/resume, ps and "
            "update are unavailable: %s", why, (*err)->msg);
    pd_error_free(*err);
    *err = NULL;
    cg->mode = PD_CGROUP_NONE;
    return 0;
}

/* Devices every container gets whatever its rules say (runtime-spec's
 * default devices, /dev/ptmx and the pts slaves), as runc adds them. */
static const struct pd_device_rule default_allow[] = {
    {true, 'c', {true, 1}, {true, 3}, (char *)"rwm"},   /* null */
    {true, 'c', {true, 1}, {true, 5}, (char *)"rwm"},   /* zero */
    {true, 'c', {true, 1}, {true, 7}, (char *)"rwm"},   /* full */
    {true, 'c', {true, 1}, {true, 8}, (char *)"rwm"},   /* random */
    {true, 'c', {true, 1}, {true, 9}, (char *)"rwm"},   /* urandom */
    {true, 'c', {true, 5}, {true, 0}, (char *)"rwm"},   /* tty */
    {true, 'c', {true, 5}, {true, 2}, (char *)"rwm"},   /* ptmx */
    {true, 'c', {true, 136}, {false, 0}, (char *)"rwm"}, /* pts/N */
};

/* The config's device rules, then the defaults and .linux.devices allowed
 * after them (later rules win): a shallow copy of r whose devices the
 * caller frees. */
static struct pd_resources with_default_devices(const struct pd_config *cfg,
                                                const struct pd_resources *r)
{
    struct pd_resources c = *r;
    size_t nd = PD_ARRAY_SIZE(default_allow), nl = cfg->linux_.n_devices;
    c.devices = pd_xcalloc(r->n_devices + nd + nl, sizeof(*c.devices));
    memcpy(c.devices, r->devices, r->n_devices * sizeof(*c.devices));
    memcpy(c.devices + r->n_devices, default_allow, sizeof(default_allow));
    c.n_devices = r->n_devices + nd;
    for (size_t i = 0; i < nl; i++) {
        const struct pd_device *d = &cfg->linux_.devices[i];
        if (d->type == 'p')
            continue;
        c.devices[c.n_devices++] = (struct pd_device_rule){
            true, d->type == 'b' ? 'b' : 'c', {true, d->major}, {true, d->minor}, (char *)"rwm"};
    }
    return c;
}

int pd_cgroup_locate(const struct pd_config *cfg, const char *id, const struct pd_cgroup_opts *o,
                     struct pd_cgroup **out, pd_error **err)
{
    *out = NULL;
    struct pd_cgroup_opts none = { 0 };
    o = o ? o : &none;
    const struct pd_resources *r =
        cfg->has_linux && cfg->linux_.has_resources ? &cfg->linux_.resources : NULL;
    const char *cp = cfg->has_linux ? cfg->linux_.cgroups_path : NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = pd_cg_new(PD_CGROUP_NONE, NULL, NULL);
    cg->rootless = o->rootless;
    if (o->disabled) {
        const char *what = requested(r);
        if (what != NULL)
            pd_warn("cgroup: --cgroup-manager disabled: .linux.resources.%s is not applied", what);
        *out = pd_steal_ptr(&cg);
        return 0;
    }
    if (pd_cg_detect(cg, err) < 0)
        return -1;
    _cleanup_free_ char *caller = NULL;
    if (cp != NULL && cp[0] != '\0' && cp[0] != '/' && !o->systemd &&
        (caller = pd_cg_own_cgroup(cg->mode, err)) == NULL)
        return pd_wrap(err, "cgroup");
    if ((cg->path = pd_cgroup_path_for(cp, id, o->systemd, caller, err)) == NULL)
        return -1;
    if (caller != NULL && cg->mode == PD_CGROUP_V1 && pd_cg_resolve_relative(cg, cp, id, err) < 0)
        return -1;
    if (o->systemd)
        pd_debug("cgroup: systemd cgroupsPath \"%s\" mapped to the cgroupfs path %s", cp,
                 cg->path);
    pd_debug("cgroup: %s %s", cg->mode == PD_CGROUP_V2 ? "v2" : "v1", cg->path);
    *out = pd_steal_ptr(&cg);
    return 0;
}

int pd_cgroup_make(struct pd_cgroup *cg, const struct pd_config *cfg, pd_error **err)
{
    if (cg->mode == PD_CGROUP_NONE)
        return 0;
    const struct pd_resources *r =
        cfg->has_linux && cfg->linux_.has_resources ? &cfg->linux_.resources : NULL;
    if (mkdirs(cg, err) < 0) {
        if (!cg->rootless || !no_access((*err)->errnum))
            return -1;
        undo_dirs(cg);
        return rootless_fallback(cg, r, err);
    }
    struct pd_resources full = {0};
    if (r != NULL && r->n_devices > 0)
        full = with_default_devices(cfg, r);
    int ret = apply(cg, full.devices != NULL ? &full : r, false, err);
    free(full.devices);
    if (ret < 0) {
        undo_dirs(cg);
        return -1;
    }
    return 0;
}

int pd_cgroup_create(const struct pd_config *cfg, const char *id, const struct pd_cgroup_opts *o,
                     struct pd_cgroup **out, pd_error **err)
{
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (pd_cgroup_locate(cfg, id, o, &cg, err) < 0 || pd_cgroup_make(cg, cfg, err) < 0)
        return -1;
    *out = pd_steal_ptr(&cg);
    return 0;
}

/* Every directory the container has: v1 hierarchies, then the cgroup2 one. */
static char **all_dirs(const struct pd_cgroup *cg)
{
    char **v = pd_xcalloc(cg->nh + 2, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; cg->mode == PD_CGROUP_V1 && i < cg->nh; i++)
        v[n++] = pd_xasprintf("%s%s", cg->h[i].mount, pd_cg_hpath(cg, i));
    if (cg->unified != NULL)
        v[n++] = pd_cg_udir(cg);
    return v;
}

int pd_cgroup_enter(const struct pd_cgroup *cg, pid_t pid, bool unified_joined, pd_error **err)
{
    if (cg == NULL || cg->mode == PD_CGROUP_NONE)
        return 0;
    _cleanup_strv_ char **dirs = all_dirs(cg);
    _cleanup_free_ char *s = pd_xasprintf("%d", (int)pid);
    for (size_t i = 0; dirs[i]; i++) {
        if (unified_joined && cg->unified != NULL && dirs[i + 1] == NULL)
            continue; /* cloned into it */
        bool optional = cg->mode == PD_CGROUP_V1 && dirs[i + 1] == NULL && cg->unified;
        if (optional && access(dirs[i], F_OK) < 0)
            continue; /* hybrid's cgroup2 part could not be created */
        _cleanup_free_ char *p = pd_xasprintf("%s/cgroup.procs", dirs[i]);
        if (pd_write_string(p, s, err) < 0)
            return pd_wrap(err, "cgroup: join pid %d", (int)pid);
    }
    return 0;
}

int pd_cgroup_open_unified(const struct pd_cgroup *cg)
{
    _cleanup_free_ char *dir = cg != NULL && cg->mode != PD_CGROUP_NONE ? pd_cg_udir(cg) : NULL;
    if (dir == NULL) {
        errno = ENOENT;
        return -1;
    }
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int pd_cgroup_enter_self(const struct pd_cgroup *cg, bool unified_joined, pd_error **err)
{
    if (cg == NULL || cg->mode == PD_CGROUP_NONE)
        return 0;
    _cleanup_strv_ char **dirs = all_dirs(cg);
    for (size_t i = 0; dirs[i]; i++) {
        bool unified = cg->unified != NULL && dirs[i + 1] == NULL;
        if (unified && unified_joined)
            continue;
        if (unified && cg->mode == PD_CGROUP_V1 && access(dirs[i], F_OK) < 0)
            continue; /* hybrid's cgroup2 part could not be created */
        _cleanup_free_ char *p = pd_xasprintf("%s/%s", dirs[i], unified ? "cgroup.procs" : "tasks");
        if (pd_write_string(p, "0", err) < 0)
            return pd_wrap(err, "cgroup: join");
    }
    return 0;
}

static int need_cgroup(const struct pd_cgroup *cg, const char *what, pd_error **err)
{
    if (cg != NULL && cg->mode != PD_CGROUP_NONE)
        return 0;
    return pd_failx(err, "%s: the container has no cgroup (rootless without a writable cgroup)",
                    what);
}

/* ---------------------------------------------------------------- procs */

static void add_pids(const char *dir, pid_t **v, size_t *n)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/cgroup.procs", dir);
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file(p, 1 << 24, &buf, NULL, NULL) == 0) {
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            unsigned long long x;
            if (!pd_parse_u64(l, &x) || x == 0 || x > INT32_MAX)
                continue;
            *v = pd_xrealloc(*v, (*n + 1) * sizeof(pid_t));
            (*v)[(*n)++] = (pid_t)x;
        }
    }
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = pd_xasprintf("%s/%s", dir, de->d_name);
        add_pids(sub, v, n);
    }
    if (d)
        closedir(d);
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* The directory whose cgroup.procs lists the container (recursively). */
static char *procs_dir(const struct pd_cgroup *cg)
{
    if (cg->mode == PD_CGROUP_V2)
        return pd_cg_udir(cg);
    char *d = pd_cg_dir(cg, "pids");
    if (d == NULL)
        d = pd_cg_dir(cg, "memory");
    return d ? d : pd_xasprintf("%s%s", cg->h[0].mount, pd_cg_hpath(cg, 0));
}

int pd_cgroup_pids(const struct pd_cgroup *cg, pid_t **pids, size_t *n, pd_error **err)
{
    *pids = NULL;
    *n = 0;
    if (need_cgroup(cg, "ps", err) < 0)
        return -1;
    _cleanup_free_ char *dir = procs_dir(cg);
    if (access(dir, F_OK) < 0)
        return pd_fail_errno(err, "cgroup: %s", dir);
    add_pids(dir, pids, n);
    if (*n > 1)
        qsort(*pids, *n, sizeof(pid_t), cmp_pid);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || (*pids)[k - 1] != (*pids)[i])
            (*pids)[k++] = (*pids)[i];
    *n = k;
    return 0;
}

/* One pass of kill(2) over the cgroup; *left = how many were signalled. */
static int kill_pass(const struct pd_cgroup *cg, int sig, size_t *left, pd_error **err)
{
    _cleanup_free_ pid_t *v = NULL;
    size_t n = 0;
    if (pd_cgroup_pids(cg, &v, &n, err) < 0)
        return -1;
    *left = n;
    for (size_t i = 0; i < n; i++)
        if (kill(v[i], sig) < 0 && errno != ESRCH)
            return pd_fail_errno(err, "cgroup: kill %d", (int)v[i]);
    return 0;
}

int pd_cgroup_kill(const struct pd_cgroup *cg, int sig, pd_error **err)
{
    if (need_cgroup(cg, "kill", err) < 0)
        return -1;
    _cleanup_free_ char *udir = pd_cg_udir(cg);
    if (sig == SIGKILL && udir != NULL && pd_cg_exists(udir, "cgroup.kill")) {
        _cleanup_free_ char *p = pd_xasprintf("%s/cgroup.kill", udir);
        if (pd_write_string(p, "1", err) < 0)
            return pd_wrap(err, "cgroup");
        if (cg->mode == PD_CGROUP_V2)
            return 0;
    }
    /* SIGKILL: again until nothing is left (a fork may race a pass). */
    for (int round = 0; round < (sig == SIGKILL ? 100 : 1); round++) {
        size_t left = 0;
        if (kill_pass(cg, sig, &left, err) < 0)
            return -1;
        if (left == 0)
            break;
        if (sig == SIGKILL)
            sleep_ms(10);
    }
    return 0;
}

int pd_cgroup_freeze(const struct pd_cgroup *cg, bool frozen, pd_error **err)
{
    if (need_cgroup(cg, frozen ? "pause" : "resume", err) < 0)
        return -1;
    _cleanup_free_ char *fdir = cg->mode == PD_CGROUP_V1 ? pd_cg_dir(cg, "freezer") : NULL;
    if (fdir == NULL) {
        _cleanup_free_ char *udir = pd_cg_udir(cg);
        if (udir == NULL || !pd_cg_exists(udir, "cgroup.freeze"))
            return pd_failx(err, "cgroup: no freezer (v1 freezer not mounted, no cgroup.freeze)");
        return pd_cgv2_freeze(udir, frozen, err);
    }
    const char *want = frozen ? "FROZEN" : "THAWED";
    _cleanup_free_ char *p = pd_xasprintf("%s/freezer.state", fdir);
    if (pd_write_string(p, want, err) < 0 ||
        pd_cg_wait_line(fdir, "freezer.state", want, err) < 0) {
        if (frozen) /* do not leave it half frozen */
            pd_write_string(p, "THAWED", NULL);
        return pd_wrap(err, "cgroup: %s", frozen ? "pause" : "resume");
    }
    return 0;
}

bool pd_cgroup_is_frozen(const struct pd_cgroup *cg)
{
    if (cg == NULL || cg->mode == PD_CGROUP_NONE)
        return false;
    _cleanup_free_ char *fdir = cg->mode == PD_CGROUP_V1 ? pd_cg_dir(cg, "freezer") : NULL;
    _cleanup_free_ char *udir = pd_cg_udir(cg);
    _cleanup_free_ char *l = fdir   ? pd_cg_read_line(fdir, "freezer.state")
                             : udir ? pd_cg_read_line(udir, "cgroup.freeze")
                                    : NULL;
    return l != NULL && (strcmp(l, "FROZEN") == 0 || strcmp(l, "1") == 0);
}

int pd_cgroup_update(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    if (need_cgroup(cg, "update", err) < 0)
        return -1;
    return apply(cg, r, true, err);
}

int pd_cgroup_stats(const struct pd_cgroup *cg, struct pd_cgroup_stats *st, pd_error **err)
{
    memset(st, 0, sizeof(*st));
    if (need_cgroup(cg, "stats", err) < 0)
        return -1;
    if (cg->mode == PD_CGROUP_V1)
        return pd_cgv1_stats(cg, st, err);
    _cleanup_free_ char *dir = pd_cg_udir(cg);
    return pd_cgv2_stats(dir, st, err);
}

/* rmdir dir's subdirectories depth-first, then dir; ENOENT is success. */
static int rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    int r = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *sub = pd_xasprintf("%s/%s", dir, de->d_name);
        if (rm_tree(sub) < 0 && r == 0)
            r = -1;
    }
    int saved = errno;
    closedir(d);
    errno = saved;
    if (r < 0)
        return -1;
    return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

static int rmdir_retry(const char *dir, pd_error **err)
{
    for (int i = 0;; i++) {
        if (rm_tree(dir) == 0)
            return 0;
        if (errno != EBUSY || i >= 100)
            return pd_fail_errno(err, "cgroup: remove %s", dir);
        sleep_ms(10);
    }
}

int pd_cgroup_destroy(const struct pd_cgroup *cg, pd_error **err)
{
    if (cg == NULL || cg->mode == PD_CGROUP_NONE || cg->path == NULL)
        return 0;
    _cleanup_free_ char *pdir = procs_dir(cg);
    if (access(pdir, F_OK) == 0) {
        pd_error *e = NULL;
        if (pd_cgroup_kill(cg, SIGKILL, &e) < 0) {
            pd_debug("cgroup: destroy: %s", e->msg);
            pd_error_free(e);
        }
        for (int i = 0; i < 200; i++) {
            _cleanup_free_ pid_t *v = NULL;
            size_t n = 0;
            add_pids(pdir, &v, &n);
            if (n == 0)
                break;
            sleep_ms(10);
        }
    }
    _cleanup_strv_ char **dirs = all_dirs(cg);
    int r = 0;
    for (size_t i = 0; dirs[i]; i++)
        if (rmdir_retry(dirs[i], r == 0 ? err : NULL) < 0)
            r = -1;
    return r;
}
