/* paddock: the runtime side of create and start (see container.h). */
#define _GNU_SOURCE
#include "container.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "agent_policy.h"
#include "console.h"
#include "container_overlay.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "namespaces.h"
#include "netsup.h"
#include "seccomp_cache.h"
#include "seccomp_profile.h"
#include "sync.h"
#include "util.h"

char *pd_container_hook_state(const struct pd_config *cfg, const char *id,
                              enum pd_status status, pid_t pid)
{
    struct pd_state st = {
        .id = (char *)id,
        .bundle = cfg->bundle,
        .oci_version = cfg->oci_version,
        .status = status,
        .pid = pid,
        .annotations = cfg->annotations,
        .n_annotations = cfg->n_annotations,
    };
    return pd_state_oci_json(&st, status, false);
}

int pd_container_run_hooks(const struct pd_config *cfg, const char *id, enum pd_hook_kind kind,
                           enum pd_status status, pid_t pid, pd_error **err)
{
    if (cfg->hooks[kind].n == 0)
        return 0;
    _cleanup_free_ char *state = pd_container_hook_state(cfg, id, status, pid);
    return pd_hooks_run(&cfg->hooks[kind], kind, state, err);
}

void pd_container_run_hooks_warn(const struct pd_config *cfg, const char *id, enum pd_hook_kind kind,
                                 enum pd_status status, pid_t pid)
{
    const struct pd_hook_list *all = &cfg->hooks[kind];
    if (all->n == 0)
        return;
    _cleanup_free_ char *state = pd_container_hook_state(cfg, id, status, pid);
    for (size_t i = 0; i < all->n; i++) {
        /* One at a time: a failure is a warning and the rest still run. */
        struct pd_hook_list one = {&all->v[i], 1};
        _cleanup_error_ pd_error *e = NULL;
        if (pd_hooks_run(&one, kind, state, &e) < 0)
            pd_warn("%s", e->msg);
    }
}

/* A listening unix socket at DIR/start.sock.  The path goes through
 * /proc/self/fd so that long roots and ids fit in sun_path. */
static int listen_start_socket(const struct pd_container_dir *d, int *out, pd_error **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/start.sock", d->fd);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pd_fail_errno(err, "start socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0)
        return pd_fail_errno(err, "bind %s/start.sock", d->path);
    *out = pd_steal_fd(&fd);
    return 0;
}

/* pd_config_load, keeping the text for the state directory's copy (read
 * once); or the text the caller has in memory (o->config_text). */
static int load_config(const struct pd_create_opts *o, struct pd_config **cfg, char **text,
                       size_t *len, pd_error **err)
{
    if (o->config_text != NULL && o->seccomp_builtin != NULL) {
        if (pd_config_parse_without_seccomp(o->config_text, strlen(o->config_text), o->bundle,
                                            "config.json", true, cfg, err) < 0 ||
            (*text = pd_seccomp_profile_splice(o->config_text, o->seccomp_builtin, err)) == NULL)
            return -1;
        *len = strlen(*text);
        (*cfg)->linux_.seccomp_builtin = pd_xstrdup(o->seccomp_builtin);
        return 0;
    }
    if (o->config_text != NULL) {
        *len = strlen(o->config_text);
        *text = pd_xstrdup(o->config_text);
        return pd_config_parse(*text, *len, o->bundle, "config.json", cfg, err);
    }
    const char *bundle = o->bundle;
    _cleanup_free_ char *abs = realpath(bundle, NULL);
    if (abs == NULL)
        return pd_fail_errno(err, "bundle %s", bundle);
    _cleanup_free_ char *path = pd_xasprintf("%s/config.json", abs);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return pd_fail_errno(err, "bundle %s: config.json", abs);
    if (!S_ISREG(st.st_mode))
        return pd_failx(err, "bundle %s: config.json: not a regular file", abs);
    if (pd_read_fd(fd, 16u << 20, text, len, err) < 0)
        return pd_wrap(err, "bundle %s: config.json", abs);
    return pd_config_parse(*text, *len, abs, "config.json", cfg, err);
}

static int copy_config(const char *text, size_t len, const struct pd_container_dir *d, pd_error **err)
{
    _cleanup_free_ char *dst = pd_xasprintf("%s/config.json", d->path);
    return pd_state_write_atomic(d->fd, "config.json", dst, text, len, 0600, err);
}

static struct pd_state *state_new(const struct pd_config *cfg, const char *id, bool rootless)
{
    struct pd_state *st = pd_xcalloc(1, sizeof(*st));
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    st->id = pd_xstrdup(id);
    st->bundle = pd_xstrdup(cfg->bundle);
    st->oci_version = pd_xstrdup(cfg->oci_version);
    st->created = pd_xstrdup(ts);
    st->rootless = rootless;
    st->status = PD_STATUS_CREATING;
    st->annotations = pd_xcalloc(cfg->n_annotations, sizeof(struct pd_kv));
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        st->annotations[i].key = pd_xstrdup(cfg->annotations[i].key);
        st->annotations[i].value = pd_xstrdup(cfg->annotations[i].value);
    }
    st->n_annotations = cfg->n_annotations;
    return st;
}

static int write_pid_file(const char *path, pid_t pid, pd_error **err)
{
    if (path == NULL)
        return 0;
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    /* atomic, but no fsync (as runc): it names a process that a reboot ends */
    if (pd_state_write_atomic(AT_FDCWD, path, path, buf, (size_t)n, 0644, err) < 0)
        return pd_wrap(err, "--pid-file");
    return 0;
}

struct handshake {
    const struct pd_create_opts *o;
    const struct pd_plan *plan;
    struct pd_created *out;
    int sync;
    pid_t c1;
    bool hooks_started;
    bool cgroup_self; /* the init joins the cgroup itself (pd_init_args.cgroup_self) */
    bool in_unified;  /* the init was cloned into the cgroup2 directory */
    const struct pd_init_args *args; /* what the direct init was told (maps, netns) */
    const char *late_config;  /* the state directory is made after the clone, with this
                                 config.json, by handshake(), else NULL */
    size_t late_len;
};

static bool has_create_hooks(const struct pd_config *cfg)
{
    return cfg->hooks[PD_HOOK_PRESTART].n > 0 || cfg->hooks[PD_HOOK_CREATE_RUNTIME].n > 0 ||
           cfg->hooks[PD_HOOK_CREATE_CONTAINER].n > 0;
}

static int wait_stage1(pid_t c1, pd_error **err)
{
    int status;
    while (waitpid(c1, &status, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "wait for the setup process");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return pd_failx(err, "setup process failed (status 0x%x)", status);
    return 0;
}

static void set_init_pid(struct pd_created *out, pid_t pid)
{
    out->pid = pid;
    out->state->pid = pid;
    out->state->pid_start = pd_pid_start_time(pid);
}

/* Two stages: C1 joins and creates the namespaces and reports C2's pid. */
static int handshake_stage1(struct handshake *h, pd_error **err)
{
    struct pd_sync_msg m;
    struct pd_created *out = h->out;
    /* Into the cgroup before any namespace exists: the cgroup namespace
     * that stage 1 creates is rooted at it. */
    if (pd_cgroup_enter(out->cgroup, h->c1, false, err) < 0 ||
        pd_sync_send(h->sync, PD_SYNC_GO, 0, NULL, -1, err) < 0)
        return -1;
    if (h->plan->ns.new_user) {
        if (pd_sync_expect(h->sync, PD_SYNC_USERMAP, &m, NULL, err) < 0 ||
            pd_idmap_write(h->c1, &h->plan->ns, err) < 0 ||
            pd_sync_send(h->sync, PD_SYNC_USERMAP_DONE, 0, NULL, -1, err) < 0)
            return -1;
    }
    if (pd_sync_expect(h->sync, PD_SYNC_INIT_PID, &m, NULL, err) < 0)
        return -1;
    set_init_pid(out, m.value);
    pid_t c1 = h->c1;
    h->c1 = -1;
    return wait_stage1(c1, err) < 0 ? -1 : pd_sync_send(h->sync, PD_SYNC_GO, 0, NULL, -1, err);
}

static int send_go(int fd, const struct pd_state *st, int *report, pd_error **err);

/* A send (result r, error *se) to an init that failed meanwhile is not
 * the error: it closed its end after saying why, and the wait for READY
 * reports that rather than this EPIPE.  -1 (moved to err) otherwise. */
static int unless_init_gone(int r, pd_error **se, pd_error **err)
{
    if (r == 0 || (*se)->errnum == EPIPE || (*se)->errnum == ECONNRESET)
        return 0;
    pd_error_move(err, se);
    return -1;
}

/* Direct: C2 was cloned with its namespaces (its cgroup namespace comes
 * after GO, so the cgroup placed here is its root). */
static int handshake_direct_ns(struct handshake *h, pd_error **err)
{
    struct pd_sync_msg m;
    struct pd_created *out = h->out;
    if (h->plan->ns.new_user && !h->args->maps_unasked &&
        pd_sync_expect(h->sync, PD_SYNC_USERMAP, &m, NULL, err) < 0)
        return -1;
    if ((!h->cgroup_self && pd_cgroup_enter(out->cgroup, out->pid, h->in_unified, err) < 0) ||
        (h->plan->ns.new_user && pd_idmap_write(out->pid, &h->plan->ns, err) < 0))
        return -1;
    /* its user namespace, opened while the init is still dumpable (until GO) */
    _cleanup_close_ int userns = -1;
    bool helper = h->args->netns_deferred;
    if (helper && h->plan->ns.new_user) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)out->pid);
        if ((userns = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            pd_debug("open %s: %s; the init makes its network namespace", path, strerror(errno));
            helper = false;
        }
    }
    if (pd_sync_send(h->sync, PD_SYNC_GO, 0, NULL, -1, err) < 0)
        return -1;
    /* our unreaped child: its pid can't be reused, so its start time (state
     * and signals check it) is read now, while it sets up, not before GO */
    out->state->pid_start = pd_pid_start_time(out->pid);
    if (!h->args->netns_deferred)
        return 0;
    /* the init's network namespace, made while it sets itself up */
    _cleanup_close_ int netns = -1;
    _cleanup_error_ pd_error *e = NULL;
    if (helper && pd_ns_make_net(userns, &netns, &e) < 0)
        pd_debug("network namespace beside the init: %s; the init makes it", e->msg);
    else if (netns >= 0)
        pd_debug("network namespace made beside the init");
    _cleanup_error_ pd_error *se = NULL;
    return unless_init_gone(pd_sync_send(h->sync, PD_SYNC_NETNS, 0, NULL, netns, &se), &se, err);
}

/* The start's GO too, queued now when the start is pipelined
 * (pd_created.go_sent, container.h). */
static int handshake_direct(struct handshake *h, pd_error **err)
{
    struct pd_created *out = h->out;
    if (handshake_direct_ns(h, err) < 0)
        return -1;
    _cleanup_error_ pd_error *se = NULL;
    if (!out->go_sent)
        return 0;
    return unless_init_gone(send_go(h->sync, out->state, out->init_reaper ? &out->exit_report : NULL,
                                    &se), &se, err);
}

bool pd_container_hooks_sync(const struct pd_config *cfg)
{
    for (int i = 0; i < PD_HOOK__COUNT; i++)
        if (cfg->hooks[i].n > 0)
            return true;
    return false;
}

/* HOOKS .. HOOKS_DONE: prestart and createRuntime hooks, with the init's
 * rootfs prepared and before its pivot_root. */
static int handshake_hooks(struct handshake *h, pd_error **err)
{
    struct pd_sync_msg m;
    struct pd_created *out = h->out;
    const struct pd_config *cfg = h->plan->cfg;
    if (pd_sync_expect(h->sync, PD_SYNC_HOOKS, &m, NULL, err) < 0)
        return -1;
    /* The pid, for hooks that ask `state`.  Without such hooks the next
     * write (created) is soon enough: until COMMIT the init has the
     * parent-death signal, so if we are killed here it dies with us, and a
     * state without a pid is simply stopped for `delete --force`. */
    if (has_create_hooks(cfg) && pd_state_write(&out->dir, out->state, err) < 0)
        return -1;
    h->hooks_started = true;
    if (pd_container_run_hooks(cfg, h->o->id, PD_HOOK_PRESTART, PD_STATUS_CREATING, out->pid, err) < 0 ||
        pd_container_run_hooks(cfg, h->o->id, PD_HOOK_CREATE_RUNTIME, PD_STATUS_CREATING, out->pid,
                               err) < 0)
        return -1;
    return pd_sync_send(h->sync, PD_SYNC_HOOKS_DONE, out->pid, NULL, -1, err);
}

/* The runtime's half of the handshake described in container.h. */
static int handshake(struct handshake *h, pd_error **err)
{
    struct pd_sync_msg m;
    struct pd_created *out = h->out;
    const struct pd_config *cfg = h->plan->cfg;
    if ((h->c1 > 0 ? handshake_stage1(h, err) : handshake_direct(h, err)) < 0)
        return -1;
    if (h->late_config != NULL &&
        (pd_state_dir_create(h->o->root, h->o->id, &out->dir, err) < 0 ||
         copy_config(h->late_config, h->late_len, &out->dir, err) < 0))
        return -1;
    if (h->o->during_setup != NULL) /* the init is on its way: the caller's work meanwhile */
        h->o->during_setup(h->o->setup_arg, cfg);
    if (pd_container_hooks_sync(cfg) && handshake_hooks(h, err) < 0)
        return -1;
    if (cfg->process.terminal && h->o->console_socket == NULL &&
        pd_sync_expect(h->sync, PD_SYNC_CONSOLE, &m, &out->console_master, err) < 0)
        return -1;
    /* with network=allow, READY carries the init's network namespace */
    _cleanup_close_ int netns = -1;
    if (pd_sync_expect(h->sync, PD_SYNC_READY, &m, &netns, err) < 0)
        return -1;
    /* network=allow: the egress proxy's supervisor (netsup.h), before the process runs */
    if (pd_netsup_start(cfg, h->o->id, out->pid, netns, out->dir.fd, h->o->foreground,
                        h->o->audit_log, err) < 0)
        return -1;
    out->state->status = PD_STATUS_CREATED;
    /* Attached (run, sandbox), only we can start it: state.json can follow
     * GO (start_over), while the init execs the process. */
    if ((!out->state_after_go && pd_state_write(&out->dir, out->state, err) < 0) ||
        write_pid_file(h->o->pid_file, out->pid, err) < 0)
        return -1;
    /* Attached, the init keeps its parent-death signal and waits for GO
     * on this socket: there is nothing to commit (container.h). */
    if (!h->o->foreground &&
        (pd_sync_send(h->sync, PD_SYNC_COMMIT, 0, NULL, -1, err) < 0 ||
         pd_sync_expect(h->sync, PD_SYNC_COMMITTED, &m, NULL, err) < 0))
        return -1;
    return 0;
}

static int check_terminal_opts(const struct pd_create_opts *o, const struct pd_config *cfg,
                               pd_error **err)
{
    if (cfg->process.terminal && o->console_socket == NULL && !o->foreground)
        return pd_failx(err, "bundle %s: config.json: .process.terminal is true: --console-socket "
                        "is required when the runtime does not stay attached", cfg->bundle);
    if (!cfg->process.terminal && o->console_socket != NULL)
        return pd_failx(err, "--console-socket given but .process.terminal is false in %s/config.json",
                        cfg->bundle);
    return 0;
}

/* The plan decides; whether the rootfs is really there is checked here. */
static int check_rootfs(const struct pd_config *cfg, const struct pd_plan *plan, pd_error **err)
{
    struct stat st;
    if (stat(plan->rootfs, &st) < 0)
        return pd_fail_errno(err, "bundle %s: config.json: .root.path: rootfs %s", cfg->bundle,
                             plan->rootfs);
    if (!S_ISDIR(st.st_mode))
        return pd_failx(err, "bundle %s: config.json: .root.path: rootfs %s is not a directory",
                        cfg->bundle, plan->rootfs);
    return 0;
}

/* Socket activation (sd_listen_fds): LISTEN_FDS counts only when LISTEN_PID
 * names us, so fds meant for a parent are never passed on. */
static int listen_fds_count(void)
{
    unsigned long long n, pid;
    const char *s = getenv("LISTEN_FDS"), *p = getenv("LISTEN_PID");
    if (s == NULL || p == NULL || !pd_parse_u64(p, &pid) || pid != (unsigned long long)getpid())
        return 0;
    return (pd_parse_u64(s, &n) && n < 1024) ? (int)n : 0;
}

/* The init cloned with its namespaces at once (container.h, "direct"), or
 * -1 when that is not possible here: namespaces joined by path, a time
 * namespace (its offsets must be written before anyone is in it), or a
 * clone the kernel refused (the two stages then name the namespace).  In
 * the cgroup's cgroup2 directory when it has one (cgroup_fd >= 0;
 * *in_unified says whether that worked: a kernel before 5.7 has no clone3
 * CLONE_INTO_CGROUP, and a filter may refuse clone3).  Without the
 * namespaces in LATER (made after GO: pd_init_args.netns_deferred). */
static pid_t clone_direct(const struct pd_plan *plan, int cgroup_fd, int later, bool *in_unified)
{
    *in_unified = false;
    if (plan->ns.n_join > 0 || plan->ns.new_time)
        return -1;
    int flags = (plan->ns.new_user ? CLONE_NEWUSER : 0) |
                (plan->ns.unshare_flags & ~(CLONE_NEWCGROUP | later));
    pid_t pid = -1;
    if (cgroup_fd >= 0) {
        struct pd_clone_args ca = {.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP,
                                 .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup_fd};
        pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
        *in_unified = pid >= 0; /* in the child as well */
        if (pid < 0)
            pd_debug("clone3 into the cgroup: %s; joined by pid", strerror(errno));
    }
    if (pid < 0)
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0)
        pd_debug("clone with the namespaces: %s; in two stages", strerror(errno));
    return pid;
}

/* After become_root, the init's uid is the host's root: with no new user
 * namespace (it keeps ours), or one that maps 0 to 0 (a root `sandbox`).
 * It can then write the cgroup files we can. */
static bool init_host_root(const struct pd_plan *plan)
{
    if (!plan->ns.new_user)
        return true;
    if (geteuid() != 0)
        return false;
    for (size_t i = 0; i < plan->ns.n_uid_map; i++)
        if (plan->ns.uid_map[i].container_id == 0 && plan->ns.uid_map[i].host_id == 0 &&
            plan->ns.uid_map[i].size > 0)
            return true;
    return false;
}

/* Whether the init joins its deferred network namespace right after GO:
 * something before READY needs it (hooks get its pid, the network
 * supervisor its namespace; a sysfs mount shows the mounter's network
 * devices; net.* sysctls are the writer's). */
static bool netns_needed_early(const struct pd_config *cfg)
{
    if (pd_container_hooks_sync(cfg) || pd_netsup_wanted(cfg) || cfg->linux_.n_sysctl > 0)
        return true;
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (cfg->mounts[i].type != NULL && strcmp(cfg->mounts[i].type, "sysfs") == 0)
            return true;
    return false;
}

/* The direct clone (clone_direct) with what it allows (pd_init_args):
 * the id maps unasked and the network namespace beside the init (root, or
 * rootless with a user namespace of its own).  Rootless, the init starts
 * dumpable: we are, for the clone, so that its /proc files are ours to
 * write its maps and open its user namespace (as it made itself for
 * USERMAP); it turns non-dumpable after GO, before anything of the
 * container runs, and we right after the clone.  The clone's result; -2
 * (*err, the init killed) when we could not be non-dumpable again. */
static pid_t clone_init(const struct pd_plan *plan, int cgroup_fd, struct pd_init_args *a,
                        bool *in_unified, pd_error **err)
{
    bool root = geteuid() == 0, dumpable = !root && plan->ns.new_user;
    a->maps_unasked = plan->ns.new_user && (!root || plan->ns.idmap != PD_IDMAP_HELPER);
    a->netns_deferred = (root || plan->ns.new_user) && (plan->ns.unshare_flags & CLONE_NEWNET);
    a->netns_early = a->netns_deferred && netns_needed_early(plan->cfg);
    if (dumpable && prctl(PR_SET_DUMPABLE, 1) < 0)
        a->maps_unasked = a->netns_deferred = a->netns_early = dumpable = false;
    pid_t init = clone_direct(plan, cgroup_fd, a->netns_deferred ? CLONE_NEWNET : 0, in_unified);
    if (init == 0)
        return 0;
    if (dumpable && prctl(PR_SET_DUMPABLE, 0) < 0) {
        int e = errno;
        if (init > 0) {
            kill(init, SIGKILL);
            waitpid(init, NULL, 0);
        }
        pd_fail(err, e, "prctl(PR_SET_DUMPABLE, 0)");
        return -2;
    }
    if (init < 0)
        a->maps_unasked = a->netns_deferred = a->netns_early = false; /* two stages */
    return init;
}

/* Whether the start's GO can follow the setup's at once (container.h):
 * attached, and nothing between READY and GO that could fail or be seen
 * (hooks, the network supervisor, a pid file, state.json). */
static bool start_pipelined(const struct pd_create_opts *o, const struct pd_config *cfg,
                            const struct pd_created *out)
{
    return o->foreground && out->state_after_go && o->pid_file == NULL &&
           !pd_container_hooks_sync(cfg) && !pd_netsup_wanted(cfg);
}

/* A failed handshake: kill what was started, the poststop hooks, the pid
 * file. */
static void spawn_undo(struct handshake *h)
{
    const struct pd_create_opts *o = h->o;
    struct pd_created *out = h->out;
    if (h->c1 > 0) {
        kill(h->c1, SIGKILL);
        waitpid(h->c1, NULL, 0);
    }
    if (out->pid > 0) {
        kill(out->pid, SIGKILL);
        waitpid(out->pid, NULL, 0);
    }
    if (h->hooks_started)
        pd_container_run_hooks_warn(h->plan->cfg, o->id, PD_HOOK_POSTSTOP, PD_STATUS_STOPPED, 0);
    if (o->pid_file != NULL && out->state->status == PD_STATUS_CREATED)
        unlink(o->pid_file); /* written just before the failing step */
}

/* Clone the init (or fork stage 1) and run the handshake; on failure kill
 * what was started. */
static int spawn(const struct pd_create_opts *o, const struct pd_plan *plan, struct pd_created *out,
                 int start_fd, int console_fd, const struct pd_seccomp_bpf *bpf,
                 const char *late_config, size_t late_len, pd_error **err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return pd_fail_errno(err, "socketpair");
    int lfds = listen_fds_count();
    struct pd_init_args a = {
        .plan = plan, .id = o->id, .runtime_pid = getpid(), .sync_fd = sv[1],
        .start_fd = start_fd, .console_fd = console_fd, .state_dir_fd = out->dir.fd,
        .console_to_runtime = plan->cfg->process.terminal && console_fd < 0,
        .preserve_fds = o->preserve_fds + lfds, .listen_fds = lfds,
        .foreground = o->foreground, .init_reaper = o->init_reaper, .seccomp = bpf,
    };
    /* Moving the init into the cgroup takes a global lock that waits for an
     * RCU grace period (cgroups.h): it is cloned into the cgroup2 part, and
     * when it will be the host's root it joins the v1 hierarchies itself. */
    _cleanup_close_ int cgroup_fd = pd_cgroup_open_unified(out->cgroup);
    bool in_unified, host_root = init_host_root(plan); /* before: the child's euid differs */
    int cpu;
    a.restore_cpus = pd_cpu_here(&cpu, &a.cpus);
    pid_t c1 = -1, init = clone_init(plan, cgroup_fd, &a, &in_unified, err);
    /* Where the init and we run while it sets up.  The scheduler started
     * the init on our CPU and the network namespace's helper on the other
     * (pd_ns_make_net); when the helper ended, we woke on our old CPU, the
     * init's, and held the init off it for 0.1-0.25 ms while the other sat
     * idle (sched_switch traces, tests/bench/README.md).  So the init
     * starts off our CPU and the helper on it; the init takes our whole
     * set back after GO (pd_init_args.restore_cpus), before anything of
     * the container runs.  A hint: nothing fails without it. */
    if (init > 0 && a.restore_cpus) {
        cpu_set_t away = a.cpus;
        CPU_CLR(cpu, &away);
        sched_setaffinity(init, sizeof(away), &away);
    }
    if (init == -2) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    bool self = init >= 0 && host_root && out->cgroup != NULL;
    if (init == 0) {
        close(sv[0]);
        if (cgroup_fd >= 0)
            close(cgroup_fd);
        a.cgroup_self = self ? out->cgroup : NULL;
        a.in_unified = in_unified;
        pd_init_direct(&a);
    }
    if (init < 0 && (c1 = fork()) < 0) {
        close(sv[0]);
        close(sv[1]);
        return pd_fail_errno(err, "fork");
    }
    if (c1 == 0) {
        close(sv[0]);
        pd_init_stage1(&a);
    }
    close(sv[1]);
    if (init > 0) /* its start time once it has GO (handshake_direct_ns) */
        out->pid = out->state->pid = init;
    out->go_sent = init > 0 && start_pipelined(o, plan->cfg, out);
    struct handshake h = {.o = o, .plan = plan, .out = out, .sync = sv[0], .c1 = c1,
                          .cgroup_self = self, .in_unified = init > 0 && in_unified,
                          .args = &a, .late_config = late_config, .late_len = late_len};
    int r = handshake(&h, err);
    if (r == 0 && start_fd < 0)
        out->sync = sv[0]; /* attached: the init is started over it */
    else
        close(sv[0]);
    if (r < 0)
        spawn_undo(&h);
    return r;
}

int pd_container_create(const struct pd_create_opts *o, struct pd_created *out, pd_error **err)
{
    memset(out, 0, sizeof(*out));
    out->console_master = -1;
    out->sync = -1;
    out->exit_report = -1;
    out->init_reaper = o->init_reaper;
    out->dir.fd = -1;
    _cleanup_plan_ struct pd_plan *plan = NULL;
    /* released when create returns (after a failed one removed the state) */
    _cleanup_container_overlays_ struct pd_container_overlays ov = {0};
    _cleanup_seccomp_bpf_ struct pd_seccomp_bpf *bpf = NULL;
    _cleanup_close_ int start_fd = -1, console_fd = -1;
    _cleanup_free_ char *text = NULL;
    size_t text_len = 0;
    struct pd_plan_opts po = {.no_pivot = o->no_pivot, .no_new_keyring = o->no_new_keyring,
                              .rootless = o->rootless, .euid = geteuid(), .egid = getegid(),
                              .in_userns = !pd_in_initial_userns(),
                              .sandbox_root = o->sandbox_root};
    if (pd_state_check_id(o->id, err) < 0 ||
        load_config(o, &out->cfg, &text, &text_len, err) < 0 ||
        check_terminal_opts(o, out->cfg, err) < 0 ||
        (pd_netsup_env(out->cfg), false) ||
        pd_plan_build(out->cfg, &po, &plan, err) < 0)
        goto fail_early;
    /* Before the fork: the init can't reach the cache after pivot_root. */
    const struct pd_seccomp *sc = out->cfg->linux_.seccomp;
    const char *builtin = out->cfg->linux_.seccomp_builtin;
    bool nested = plan->agent != NULL && plan->agent->nested_userns;
    if (sc == NULL && plan->agent != NULL)
        sc = plan->agent->default_seccomp; /* an agent bundle without its own profile */
    if (builtin != NULL ? pd_seccomp_prepare_builtin(builtin, nested, &bpf, err) < 0
                        : sc != NULL && pd_seccomp_prepare(sc, nested, &bpf, err) < 0)
        goto fail_early;
    if (check_rootfs(out->cfg, plan, err) < 0)
        goto fail_early;
    out->state = state_new(out->cfg, o->id, plan->rootless);
    struct pd_cgroup_opts co = {.rootless = plan->rootless, .systemd = o->systemd_cgroup,
                                .disabled = o->no_cgroup};
    /* Write-ahead: state.json names the cgroup before it exists, so that
     * `delete --force` after a kill -9 anywhere from here on removes it.
     * A sandbox without a cgroup skips it (one file fewer): killed before
     * READY, it leaves a directory without state.json, and the next
     * sandbox sweeps that (sandbox.c). */
    if (pd_cgroup_locate(out->cfg, o->id, &co, &out->cgroup, err) < 0)
        goto fail_early;
    out->state->cgroup = pd_cgroup_serialize(out->cgroup);
    bool write_ahead = !o->sandbox_root || pd_cgroup_mode(out->cgroup) != PD_CGROUP_NONE;
    /* A sandbox in the foreground without a cgroup: nothing before the
     * clone needs its state directory (no cgroup to name, no start.sock),
     * so handshake() makes it while the init sets itself up.
     * Killed before, the init dies with us and nothing is left. */
    bool late = o->sandbox_root && o->foreground && !write_ahead;
    if (!late && pd_state_dir_create(o->root, o->id, &out->dir, err) < 0)
        goto fail_early;
    if ((!late && copy_config(text, text_len, &out->dir, err) < 0) ||
        (write_ahead && pd_state_write(&out->dir, out->state, err) < 0) ||
        pd_cgroup_make(out->cgroup, out->cfg, err) < 0)
        goto fail;
    /* The init's filter for `exec` (not a sandbox's: one file fewer there,
     * and an exec into one parses the profile instead). */
    if (bpf != NULL && !o->sandbox_root && pd_seccomp_state_save(out->dir.fd, bpf) < 0)
        pd_debug("create: keep the seccomp filter in %s: %s", out->dir.path, strerror(errno));
    /* A rootless fallback turned it into "no cgroup": the next write says so. */
    free(out->state->cgroup);
    out->state->cgroup = pd_cgroup_serialize(out->cgroup);
    /* attached, we start it ourselves (over the handshake socket) */
    if (!o->foreground && listen_start_socket(&out->dir, &start_fd, err) < 0)
        goto fail;
    if (o->console_socket && pd_console_connect(o->console_socket, &console_fd, err) < 0)
        goto fail;
    if (pd_container_overlays(o, out->cfg, plan, &ov, err) < 0)
        goto fail;
    out->state_after_go = o->foreground && ov.ws == NULL && ov.rootfs == NULL;
    if (spawn(o, plan, out, start_fd, console_fd, bpf, late ? text : NULL, text_len, err) < 0)
        goto fail;
    return 0;
fail:
    if (out->cgroup != NULL)
        pd_cgroup_destroy(out->cgroup, NULL);
    if (out->dir.fd >= 0) /* ours (not one that existed: "already exists") */
        pd_rm_rf(out->dir.path, NULL);
fail_early:
    pd_created_release(out);
    return -1;
}

void pd_created_release(struct pd_created *c)
{
    if (c->console_master >= 0)
        close(c->console_master);
    c->console_master = -1;
    if (c->sync >= 0)
        close(c->sync);
    c->sync = -1;
    if (c->exit_report >= 0)
        close(c->exit_report);
    c->exit_report = -1;
    pd_state_dir_close(&c->dir);
    pd_config_free(c->cfg);
    c->cfg = NULL;
    pd_state_free(c->state);
    c->state = NULL;
    pd_cgroup_free(c->cgroup);
    c->cgroup = NULL;
}

/* GO, with the write end of pid 1's report pipe when report != NULL
 * (init_reaper.h); *report gets the read end. */
static int send_go(int fd, const struct pd_state *st, int *report, pd_error **err)
{
    int p[2] = {-1, -1};
    if (report != NULL && pipe2(p, O_CLOEXEC) < 0)
        return pd_fail_errno(err, "start container \"%s\": pipe", st->id);
    int r = pd_sync_send(fd, PD_SYNC_GO, 0, NULL, p[1], err);
    if (p[1] >= 0)
        close(p[1]); /* pid 1's alone: its exit is EOF */
    if (r < 0 && p[0] >= 0)
        close(p[0]);
    if (r == 0 && report != NULL)
        *report = p[0];
    return r;
}

/* Ask the init to go over fd (a start.sock connection, or the handshake
 * socket of an attached container) and wait for the exec.  write_state:
 * the handshake left state.json to be written now (state_after_go);
 * go_sent: the handshake queued GO already (pd_created.go_sent). */
static int start_over(int fd, struct pd_container_dir *d, struct pd_state *st,
                      const struct pd_config *cfg, int *report, bool write_state, bool go_sent,
                      pd_error **err)
{
    struct pd_sync_msg m;
    if (!go_sent && send_go(fd, st, report, err) < 0)
        return pd_wrap(err, "start container \"%s\"", st->id);
    if ((write_state && pd_state_write(d, st, err) < 0) ||
        pd_sync_expect(fd, PD_SYNC_READY, &m, NULL, err) < 0) {
        if (report != NULL) {
            close(*report);
            *report = -1;
        }
        return pd_wrap(err, "start container \"%s\"", st->id);
    }
    unlinkat(d->fd, "start.sock", 0);
    /* EOF: the connection was closed by execve (close-on-exec). */
    ssize_t r;
    do
        r = recv(fd, &m, sizeof(m), 0);
    while (r < 0 && errno == EINTR);
    if (r > 0 && m.type == PD_SYNC_ERROR) {
        m.text[sizeof(m.text) - 1] = '\0';
        pd_failx(err, "start container \"%s\": %s", st->id, m.text);
        (*err)->exit_code = m.value2;
        if (report != NULL) {
            close(*report);
            *report = -1;
        }
        return -1;
    }
    /* Not written: once start.sock is gone the live status is "running"
     * (pd_state_status); only "creating" is taken from state.json. */
    st->status = PD_STATUS_RUNNING;
    pd_container_run_hooks_warn(cfg, st->id, PD_HOOK_POSTSTART, PD_STATUS_RUNNING, st->pid);
    return 0;
}

/* Connect to start.sock, ask the init to go, and wait for the exec. */
int pd_container_start(struct pd_container_dir *d, struct pd_state *st,
                       const struct pd_config *cfg, pd_error **err)
{
    enum pd_status s = pd_state_status(st, d->path);
    if (s != PD_STATUS_CREATED)
        return pd_failx(err, "cannot start container \"%s\": it is %s, not created", st->id,
                        pd_status_name(s));
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/start.sock", d->fd);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return pd_fail_errno(err, "start container \"%s\": the init is not waiting", st->id);
    return start_over(fd, d, st, cfg, NULL, false, false, err);
}

int pd_container_start_created(struct pd_created *c, pd_error **err)
{
    if (c->sync < 0)
        return pd_container_start(&c->dir, c->state, c->cfg, err);
    _cleanup_close_ int fd = c->sync;
    c->sync = -1;
    return start_over(fd, &c->dir, c->state, c->cfg, c->init_reaper ? &c->exit_report : NULL,
                      c->state_after_go, c->go_sent, err);
}
