/* paddock sandbox: see sandbox.h. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boundary.h"
#include "container.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "sandbox_audit.h"
#include "sandbox_env.h"
#include "sandbox_limits.h"
#include "sandbox_protect.h"
#include "sandbox_workspace.h"
#include "seccomp_profile.h"
#include "supervise.h"
#include "util.h"

extern char **environ;

/* $XDG_RUNTIME_DIR/paddock-sandbox (root: /run/paddock-sandbox). */
static char *bundle_base(void)
{
    if (geteuid() == 0)
        return pd_xstrdup("/run/paddock-sandbox");
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x != NULL && x[0] == '/')
        return pd_xasprintf("%s/paddock-sandbox", x);
    return pd_xasprintf("/tmp/paddock-sandbox-%u", (unsigned)geteuid());
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 126/127 (the command can't run / isn't found) stay; anything else is 125. */
static int fail_code(pd_error *err)
{
    int code = pd_report(err);
    return code == PD_EXIT_CANNOT_EXEC || code == PD_EXIT_NOT_FOUND ? code : PD_EXIT_RUNTIME;
}

/* ---- stale sandboxes ----
 * A sandbox's id is "sandbox-<pid of its paddock>-<random>".  When that
 * paddock was killed (kill -9), its state directory (in container-boundary
 * mode its TMPDIR; a temporary bundle of an older version) stays behind;
 * the next sandbox run removes those whose owner is dead, as `delete
 * --force` would (the cgroup too).  A live owner, or a pid reused since, keeps them: never too much. */

static pid_t sandbox_owner(const char *name)
{
    int pid = 0, n = 0;
    unsigned rnd;
    if (sscanf(name, "sandbox-%d-%8x%n", &pid, &rnd, &n) != 2 || name[n] != '\0' ||
        strlen(name) != (size_t)n || pid <= 0)
        return 0;
    return (pid_t)pid;
}

static bool owner_dead(pid_t pid)
{
    return pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

static void remove_stale_state(const char *root, const char *id)
{
    _cleanup_error_ pd_error *e = NULL;
    struct pd_container_dir d = {.fd = -1};
    _cleanup_state_ struct pd_state *st = NULL;
    if (pd_state_dir_open(root, id, &d, &e) < 0) {
        /* killed before state.json was written: nothing but the directory
         * (open and locked; gone or not ROOT/ID any more: d.fd is -1) */
        if (e->errnum == ENOENT && d.fd >= 0 && pd_state_dir_remove(&d, NULL) == 0)
            pd_debug("sandbox: removed the state of dead sandbox %s", id);
        pd_state_dir_close(&d);
        return;
    }
    if (pd_state_read(d.path, &st, &e) < 0) {
        pd_error_free(e);
        e = NULL;
        if (pd_state_dir_remove(&d, &e) < 0)
            pd_warn("sandbox: remove the state of dead sandbox %s: %s", id, e->msg);
        return;
    }
    /* a sandbox has no hooks: no config is needed to delete it */
    if (pd_container_delete(&d, st, NULL, true, &e) < 0) {
        pd_warn("sandbox: remove dead sandbox %s: %s", id, e->msg);
        pd_state_dir_close(&d);
        return;
    }
    pd_debug("sandbox: removed the state of dead sandbox %s", id);
}

static void sweep_dir(const char *dir, const char *root)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return; /* nothing there yet */
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        pid_t owner = sandbox_owner(de->d_name);
        if (owner == 0 || !owner_dead(owner))
            continue;
        if (root != NULL) {
            remove_stale_state(root, de->d_name);
            continue;
        }
        _cleanup_free_ char *path = pd_xasprintf("%s/%s", dir, de->d_name);
        _cleanup_error_ pd_error *e = NULL;
        if (pd_rm_rf(path, &e) < 0)
            pd_warn("sandbox: remove the bundle of dead sandbox %s: %s", de->d_name, e->msg);
    }
    closedir(d);
}

/* State directories in the state root, temporary bundles in base. */
static void sweep_stale(const char *root, const char *base)
{
    _cleanup_free_ char *def = root == NULL ? pd_state_default_root() : NULL;
    sweep_dir(root != NULL ? root : def, root != NULL ? root : def);
    sweep_dir(base, NULL);
}

/* ---- --json-status-fd ----
 * One JSON object per line, each with one write(2):
 *   {"event":"start","time":T,"id":ID,"pid":HOSTPID,"terminal":B,
 *    "limits":{"memory":{"value":BYTES,"enforced_by":HOW},...}}
 *   {"event":"exit","time":T,"id":ID,"status":N,"signal":N|null,
 *    "timed_out":B,"duration_ms":N}
 * A reader that went away costs a warning, not the run (SIGPIPE blocked). */

struct status {
    int fd;               /* -1: none (or a write failed) */
    const char *id;
    const struct pd_sandbox_opts *o;
    int64_t t0;
    bool timed_out;
    int wait_status;      /* the init's; 0 (not signalled) when it was never reaped */
};

static void status_write(struct status *s, pd_jgen *g)
{
    pd_jgen_map_close(g);
    size_t len = 0;
    _cleanup_free_ char *doc = pd_jgen_finish(g, &len);
    _cleanup_free_ char *line = pd_xasprintf("%s\n", doc);
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_set, &old);
    int r = pd_write_all(s->fd, line, len + 1), e = errno;
    if (r < 0 && e == EPIPE) /* consume the SIGPIPE we caused */
        sigtimedwait(&pipe_set, NULL, &(struct timespec){0, 0});
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (r < 0) {
        pd_warn("sandbox: --json-status-fd %d: %s (no more status lines)", s->fd, strerror(e));
        s->fd = -1;
    }
}

static pd_jgen *status_open(const struct status *s, const char *event)
{
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "event", event);
    pd_jgen_kv_string(g, "time", ts);
    pd_jgen_kv_string(g, "id", s->id);
    return g;
}

static void status_limit(pd_jgen *g, const struct pd_sandbox_opts *o, const char *name,
                         const char *value_key, uint64_t value)
{
    const char *how = pd_sandbox_enforced_by(o, name);
    if (how == NULL)
        return;
    pd_jgen_key(g, name);
    pd_jgen_map_open(g);
    pd_jgen_key(g, value_key);
    pd_jgen_uint(g, value);
    pd_jgen_kv_string(g, "enforced_by", how);
    pd_jgen_map_close(g);
}

/* The command has exec'd (pid: the sandbox's init, or the command itself in
 * container-boundary mode). */
static void status_started(void *arg, pid_t pid)
{
    struct status *s = arg;
    if (s->fd < 0)
        return;
    const struct pd_sandbox_opts *o = s->o;
    pd_jgen *g = status_open(s, "start");
    pd_jgen_kv_int(g, "pid", pid);
    pd_jgen_kv_string(g, "environment", pd_sandbox_env_mode(o->env));
    pd_jgen_kv_bool(g, "terminal", o->terminal);
    pd_jgen_key(g, "limits");
    pd_jgen_map_open(g);
    status_limit(g, o, "memory", "value", o->memory);
    status_limit(g, o, "pids", "value", o->pids);
    status_limit(g, o, "cpus", "value_milli", o->cpus_milli);
    status_limit(g, o, "timeout", "value", o->timeout);
    pd_jgen_map_close(g);
    status_write(s, g);
}

/* pd_attach_opts.started */
static void status_start(void *arg, const struct pd_created *c)
{
    status_started(arg, c->pid);
}

static void status_exit(struct status *s, int code)
{
    if (s->fd < 0)
        return;
    pd_jgen *g = status_open(s, "exit");
    pd_jgen_kv_int(g, "status", code);
    pd_jgen_key(g, "signal");
    if (WIFSIGNALED(s->wait_status))
        pd_jgen_int(g, WTERMSIG(s->wait_status));
    else
        pd_jgen_null(g);
    pd_jgen_kv_bool(g, "timed_out", s->timed_out);
    pd_jgen_kv_int(g, "duration_ms", now_ms() - s->t0);
    status_write(s, g);
}

/* ---- run ---- */

/* stdin a terminal: the command gets its own pty, of the caller's size. */
static void terminal_setup(struct pd_sandbox_opts *o)
{
    struct winsize ws;
    o->terminal = isatty(STDIN_FILENO) == 1;
    if (o->terminal && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
        o->term_rows = ws.ws_row;
        o->term_cols = ws.ws_col;
    }
}

/* With --fallback auto, each degraded limit is an audit "fallback" event. */
static void audit_fallbacks(struct pd_audit *audit, const char *id, const struct pd_sandbox_opts *o)
{
    static const char *const limits[] = {"memory", "pids", "cpus"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(limits); i++) {
        const char *how = pd_sandbox_enforced_by(o, limits[i]);
        if (how != NULL && strcmp(how, "cgroup") != 0) {
            _cleanup_free_ char *reason = pd_xasprintf("no cgroup: enforced by %s", how);
            pd_sandbox_audit_fallback(audit, id, limits[i], reason);
        }
    }
}

/* sandbox.start (and the fallback events): built while the init sets
 * itself up (pd_create_opts.during_setup), held, and written only once
 * create succeeded, as if they were written then (a failed create writes
 * none). */
struct start_audit {
    struct pd_audit *audit;
    const char *id, *cwd, *base;
    const struct pd_sandbox_opts *o;
    const struct pd_protect *prot;
    bool built, ended;
    struct status *js;
};

static void start_audit_build(struct start_audit *s, const struct pd_config *cfg)
{
    pd_audit_hold(s->audit);
    pd_sandbox_audit_start(s->audit, s->id, s->o, s->cwd, s->prot, cfg);
    audit_fallbacks(s->audit, s->id, s->o);
    pd_sandbox_env_audit_degraded(s->o->env, s->audit, s->id);
    s->built = true;
}

/* While the init sets itself up (pd_create_opts.during_setup): the state
 * and bundles of dead sandboxes swept, this one's sandbox.start built. */
static void during_setup(void *arg, const struct pd_config *cfg)
{
    struct start_audit *s = arg;
    sweep_stale(s->o->root, s->base);
    start_audit_build(s, cfg);
}

static void start_audit_end(struct start_audit *s, const struct pd_config *created)
{
    if (s->ended)
        return;
    s->ended = true;
    if (created == NULL) {
        pd_audit_drop(s->audit);
        return;
    }
    if (!s->built)
        start_audit_build(s, created);
    _cleanup_error_ pd_error *e = NULL;
    if (pd_audit_release(s->audit, &e) < 0)
        pd_warn("audit log: %s", e->msg);
}

/* Started: sandbox.start goes to the audit log now, after GO (off the
 * start's critical path), then the status event. */
static void sandbox_started(void *arg, const struct pd_created *c)
{
    struct start_audit *sa = arg;
    start_audit_end(sa, c->cfg);
    status_start(sa->js, c);
}

/* Create, start, supervise, delete; the exit status.  *exiting: the init,
 * still to be reaped (pd_attach_opts.exiting), or 0. */
static int run_created(struct pd_sandbox_opts *o, const char *id, const char *bundle,
                       const char *config, const char *cwd, const char *base,
                       struct pd_protect *prot, struct pd_audit *audit, struct status *js,
                       pid_t *exiting)
{
    _cleanup_error_ pd_error *err = NULL;
    struct start_audit sa = {.audit = audit, .id = id, .cwd = cwd, .base = base, .o = o,
                             .prot = prot,
                             .js = js};
    struct pd_create_opts co = {.root = o->root, .rootless = o->rootless, .id = id,
                                .bundle = bundle, .config_text = config,
                                .seccomp_builtin = PD_SECCOMP_PROFILE_DEFAULT, .foreground = true,
                                .systemd_cgroup = o->systemd_cgroup,
                                .sandbox_root = true,
                                /* always: a command as pid 1 would ignore the SIGTERM or
                                   SIGINT paddock forwards (init_reaper.h) */
                                .init_reaper = true, .audit_log = o->audit_log,
                                /* without limits no cgroup: the PID namespace already
                                   takes every process down with the command */
                                .no_cgroup = o->no_cgroup || !o->enforce.cgroup,
                                .during_setup = during_setup, .setup_arg = &sa};
    struct pd_created c;
    int r = pd_container_create(&co, &c, &err);
    int code = PD_EXIT_RUNTIME;
    if (r < 0)
        start_audit_end(&sa, NULL);
    if (r == 0) {
        struct pd_attach_opts ao = {.timeout = o->timeout, .tty_signals = true,
                                    .started = sandbox_started, .arg = &sa, .defer_reap = true};
        r = pd_container_run_attached_with(&c, &ao, &code, &err);
        start_audit_end(&sa, c.cfg); /* created, but the start failed */
        js->wait_status = ao.wait_status;
        js->timed_out = ao.timed_out;
        *exiting = ao.exiting;
        pd_created_release(&c);
        if (ao.timed_out)
            pd_log(PD_LOG_ERROR, "sandbox: timeout after %llu s, killed",
                   (unsigned long long)o->timeout);
    }
    return r < 0 ? fail_code(err) : code;
}

/* Container-boundary mode (sandbox_env.h, boundary.h): no namespaces, no
 * bundle; a private TMPDIR where the bundle would be (swept the same way). */
static int run_boundary(struct pd_sandbox_opts *o, struct status *js, const char *id,
                        const char *cwd, const char *base)
{
    _cleanup_error_ pd_error *err = NULL;
    _cleanup_free_ char *tmp = pd_xasprintf("%s/%s", base, id);
    struct pd_audit *audit = NULL;
    if (pd_mkdir_p(base, 0700, &err) < 0 || pd_mkdir_p(tmp, 0700, &err) < 0 ||
        pd_audit_open(o->audit_log, &audit, &err) < 0) {
        pd_rm_rf(tmp, NULL);
        return fail_code(err);
    }
    struct pd_boundary_run br = {.id = id, .cwd = cwd, .tmpdir = tmp,
                                 .started = status_started, .arg = js};
    int code = pd_boundary_sandbox(o, &br, audit);
    js->wait_status = br.wait_status;
    js->timed_out = br.timed_out;
    if (br.timed_out)
        pd_log(PD_LOG_ERROR, "sandbox: timeout after %llu s, killed",
               (unsigned long long)o->timeout);
    pd_sandbox_audit_exit(audit, id, code, now_ms() - js->t0);
    pd_audit_close(audit);
    pd_rm_rf(tmp, NULL);
    return code;
}

/* Everything before the container: id, limits, config, bundle, audit log. */
static int run(struct pd_sandbox_opts *o, struct status *js, char **idp,
               struct pd_sandbox_env *env)
{
    _cleanup_error_ pd_error *err = NULL;
    char cwdbuf[PATH_MAX];
    if (getcwd(cwdbuf, sizeof(cwdbuf)) == NULL) {
        pd_fail_errno(&err, "sandbox: getcwd");
        return fail_code(err);
    }
    _cleanup_free_ char *cwd = realpath(cwdbuf, NULL);
    if (cwd == NULL)
        cwd = pd_xstrdup(cwdbuf);
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
        rnd = (uint32_t)now_ms();
    const char *id = js->id = *idp = pd_xasprintf("sandbox-%d-%08x", (int)getpid(), rnd);
    _cleanup_free_ char *base = bundle_base();
    terminal_setup(o);
    /* the system policy's ceilings (policy.h; the CLI applied them already),
     * then the environment decides the mode (sandbox_env.h) */
    const struct pd_policy *pol = NULL;
    if (pd_policy_get(&pol, &err) < 0 || pd_policy_apply_sandbox(pol, o, &err) < 0 ||
        pd_sandbox_env_get(o, env, &err) < 0 || pd_sandbox_env_allowed(o, env, &err) < 0)
        return fail_code(err);
    o->env = env;
    if (pd_sandbox_workspace_check(o, env->boundary, &err) < 0)
        return fail_code(err);
    if (env->boundary) {
        sweep_stale(o->root, base);
        return run_boundary(o, js, id, cwd, base);
    }
    pd_sandbox_env_warn_degraded(env);
    if (pd_sandbox_plan_limits(o, id, &err) < 0)
        return fail_code(err);
    /* an overlay workspace: opened (locked) now, released when it ends */
    _cleanup_sandbox_ws_ struct pd_sandbox_ws sw = {.o = o};
    if (pd_sandbox_workspace_start(&sw, cwd, id, &err) < 0)
        return fail_code(err);
    /* placeholders for protected paths are made now and removed when it ends */
    _cleanup_protect_ struct pd_protect *prot = NULL;
    _cleanup_free_ char *config =
        pd_sandbox_config_with(o, cwd, getuid(), getgid(), environ, id, &prot, &err);
    if (config == NULL)
        return fail_code(err);
    /* The config goes to create in memory: no bundle is written.  Its
     * name (state.json's "bundle") is where older versions wrote it. */
    _cleanup_free_ char *bundle = pd_xasprintf("%s/%s", base, id);
    /* always audited: --audit-log, or the default (audit.h) */
    struct pd_audit *audit = NULL;
    if (pd_audit_open(o->audit_log, &audit, &err) < 0)
        return fail_code(err);
    pid_t exiting = 0;
    int code = run_created(o, id, bundle, config, cwd, base, prot, audit, js, &exiting);
    pd_sandbox_audit_exit(audit, id, code, now_ms() - js->t0);
    pd_audit_close(audit);
    /* The placeholders go while the kernel may still be tearing the init
     * down: every other process of the sandbox is gone (init_reaper.h).
     * The init is reaped before anything else (the overlay workspace). */
    pd_protect_finish(prot);
    prot = NULL;
    if (exiting > 0)
        pd_container_reap(exiting);
    return code;
}

int pd_sandbox_run(const struct pd_sandbox_opts *opts)
{
    struct pd_sandbox_opts o = *opts;
    struct status js = {.fd = o.json_status_fd, .id = NULL, .o = &o, .t0 = now_ms()};
    /* the status fd is ours: never passed into the sandbox */
    if (js.fd >= 0 && fcntl(js.fd, F_SETFD, FD_CLOEXEC) < 0) {
        pd_log(PD_LOG_ERROR, "sandbox: --json-status-fd %d: %s", js.fd, strerror(errno));
        return PD_EXIT_RUNTIME;
    }
    sigset_t set, old;
    pd_supervise_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_free_ char *id = NULL;
    struct pd_sandbox_env env = {0}; /* the mode in this environment, decided by run() */
    int code = run(&o, &js, &id, &env);
    pd_sandbox_env_free(&env);
    status_exit(&js, code);
    pd_sandbox_enforce_free(&o);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return code;
}
