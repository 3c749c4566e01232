/* paddock: the container side of the create handshake (see container.h).
 * Stage 1 enters and creates the namespaces; stage 2 is the container's
 * init, which builds the rootfs and finally execs the user process. */
#define _GNU_SOURCE
#include "cgroups.h"
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "console.h"
#include "hooks.h"
#include "init_reaper.h"
#include "netlink.h"
#include "log.h"
#include "namespaces.h"
#include "netsup.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"
#include "util.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static _Noreturn void die(int sync, pd_error *err)
{
    pd_sync_send_error(sync, err);
    _exit(err && err->exit_code ? err->exit_code : 1);
}

static bool in_user_ns(const struct pd_ns_plan *ns)
{
    if (ns->new_user)
        return true;
    for (size_t i = 0; i < ns->n_join; i++)
        if (ns->join[i].type == PD_NS_USER)
            return true;
    return false;
}

/* After entering a user namespace, become its root. */
static int become_root(const struct pd_ns_plan *ns, pd_error **err)
{
    if (!in_user_ns(ns))
        return 0;
    /* A new user namespace whose map has no uid 0 (`paddock sandbox` maps
     * the caller's uid to itself): stay that uid.  unshare(CLONE_NEWUSER)
     * already gave us every capability in the new namespace, which the
     * setup needs; process.user and capabilities drop them before exec. */
    if (ns->new_user) {
        bool root_mapped = false;
        for (size_t i = 0; i < ns->n_uid_map; i++)
            root_mapped |= ns->uid_map[i].container_id == 0;
        if (!root_mapped)
            return 0;
    }
    if (setresgid(0, 0, 0) < 0)
        return pd_fail_errno(err, "user namespace: setresgid(0) (is gid 0 mapped?)");
    if (setresuid(0, 0, 0) < 0)
        return pd_fail_errno(err, "user namespace: setresuid(0) (is uid 0 mapped?)");
    return 0;
}

static int new_keyring(pd_error **err)
{
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0) < 0 && errno != ENOSYS)
        return pd_fail_errno(err, "join a new session keyring (--no-new-keyring skips it)");
    return 0;
}

static int set_names(const struct pd_config *cfg, pd_error **err)
{
    if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
        return pd_fail_errno(err, "sethostname \"%s\"", cfg->hostname);
    if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
        return pd_fail_errno(err, "setdomainname \"%s\"", cfg->domainname);
    return 0;
}

/* Terminal: the master goes to the console socket or to `run`. */
static int setup_terminal(const struct pd_init_args *a, pd_error **err)
{
    const struct pd_process *proc = &a->plan->cfg->process;
    if (!proc->terminal)
        return 0;
    _cleanup_close_ int master = -1;
    if (pd_console_setup(proc, &master, err) < 0)
        return -1;
    if (a->console_fd >= 0) {
        int r = pd_console_send(a->console_fd, master, err);
        close(a->console_fd);
        return r;
    }
    return pd_sync_send(a->sync_fd, PD_SYNC_CONSOLE, 0, NULL, master, err);
}

/* Everything up to READY: runs with the runtime waiting on the socket. */
static int init_setup(const struct pd_init_args *a, pid_t *host_pid, char **exe, pd_error **err)
{
    const struct pd_plan *plan = a->plan;
    const struct pd_config *cfg = plan->cfg;
    struct pd_sync_msg m;
    _cleanup_close_ int rootfd = -1;
    if (setsid() < 0)
        return pd_fail_errno(err, "setsid");
    if (plan->new_keyring && new_keyring(err) < 0)
        return -1;
    /* A network namespace of our own starts with lo down: bring it up, as
     * runc and crun do, so that 127.0.0.1 works inside (a deferred one
     * comes up: pd_ns_enter_net). */
    if ((plan->ns.unshare_flags & CLONE_NEWNET) && !a->netns_deferred &&
        pd_netlink_link_up("lo", err) < 0)
        return pd_wrap(err, "bring up lo in the container's network namespace");
    if (pd_rootfs_prepare(plan, &rootfd, err) < 0 || set_names(cfg, err) < 0)
        return -1;
    /* the runtime's hooks, then ours; without hooks the pid is not needed
     * and there is no round trip (pd_container_hooks_sync) */
    if (pd_container_hooks_sync(cfg)) {
        if (pd_sync_send(a->sync_fd, PD_SYNC_HOOKS, 0, NULL, -1, err) < 0 ||
            pd_sync_expect(a->sync_fd, PD_SYNC_HOOKS_DONE, &m, NULL, err) < 0)
            return -1;
        *host_pid = m.value;
        if (pd_container_run_hooks(cfg, a->id, PD_HOOK_CREATE_CONTAINER, PD_STATUS_CREATING,
                                   *host_pid, err) < 0)
            return -1;
    }
    if (pd_rootfs_enter(plan, rootfd, err) < 0 || setup_terminal(a, err) < 0)
        return -1;
    return pd_process_find_exe(&cfg->process, exe, err);
}

/* The network namespace made beside us (pd_init_args.netns_deferred). */
static int enter_netns(const struct pd_init_args *a, pd_error **err)
{
    struct pd_sync_msg m;
    int fd = -1;
    if (pd_sync_expect(a->sync_fd, PD_SYNC_NETNS, &m, &fd, err) < 0)
        return -1;
    return pd_ns_enter_net(fd, err);
}

/* `start`: GO (with the report pipe for pid 1 when it stays,
 * init_reaper.h), the startContainer hooks, READY.  Errors go to `start`. */
struct start_args {
    const struct pd_init_args *a;
    int conn;
    pid_t host_pid;
};

static void start(void *arg, int *report)
{
    struct start_args *s = arg;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    *report = -1;
    if (pd_sync_recv(s->conn, &m, s->a->init_reaper ? report : NULL, &err) < 0)
        _exit(1);
    if (pd_container_run_hooks(s->a->plan->cfg, s->a->id, PD_HOOK_START_CONTAINER,
                               PD_STATUS_CREATED, s->host_pid, &err) < 0)
        die(s->conn, err);
    if (pd_sync_send(s->conn, PD_SYNC_READY, 0, NULL, -1, &err) < 0)
        _exit(1);
}

/* The process: pid 1 itself, or the minimal init's child (init_reaper.h),
 * which shares pid 1's memory until it execs (it ends in execve or die). */
struct exec_args {
    const struct pd_init_args *a;
    const char *exe;
    int conn;
};

static int exec_process(void *arg)
{
    const struct exec_args *x = arg;
    _cleanup_error_ pd_error *err = NULL;
    pd_reset_signals();
    struct pd_exec_opts eo = {.preserve_fds = x->a->preserve_fds, .seccomp = x->a->seccomp,
                              .listen_fds = x->a->listen_fds, .agent = x->a->plan->agent};
    pd_process_exec(&x->a->plan->cfg->process, x->exe, &eo, &err);
    die(x->conn, err);
}

/* Wait for `start`, exec. */
static _Noreturn void init_wait_and_exec(const struct pd_init_args *a, pid_t host_pid,
                                         const char *exe)
{
    _cleanup_error_ pd_error *err = NULL;
    struct start_args s = {.a = a, .conn = a->sync_fd, .host_pid = host_pid};
    if (a->start_fd >= 0) {
        do
            s.conn = accept4(a->start_fd, NULL, NULL, SOCK_CLOEXEC);
        while (s.conn < 0 && errno == EINTR);
        if (s.conn < 0)
            _exit(1);
        close(a->start_fd);
    }
    int report = -1;
    start(&s, &report);
    struct exec_args x = {.a = a, .exe = exe, .conn = s.conn};
    if (a->init_reaper) {
        pd_init_reaper_spawn(s.conn, report, exec_process, &x, !a->plan->cfg->process.terminal,
                             &err);
        die(s.conn, err);
    }
    exec_process(&x);
    _exit(1); /* not reached: exec_process ends in execve or die */
}

/* From GO on (both ways of starting): set up, READY, COMMIT, wait, exec. */
static _Noreturn void init_stage2(const struct pd_init_args *a, bool wait_go)
{
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    pid_t host_pid = 0;
    char *exe = NULL;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0) {
        pd_fail_errno(&err, "prctl");
        die(a->sync_fd, err);
    }
    /* Stage 1 shares the socket: say nothing before the runtime has its
     * INIT_PID message and says go, or the two could arrive out of order. */
    if (wait_go && pd_sync_expect(a->sync_fd, PD_SYNC_GO, &m, NULL, &err) < 0)
        die(a->sync_fd, err);
    /* network=allow: the runtime's proxy helper joins this network
     * namespace through this fd (netsup.h), opened now, while /proc is the
     * host's and before anything of the container could run here */
    if (a->netns_deferred && a->netns_early && enter_netns(a, &err) < 0)
        die(a->sync_fd, err);
    int netns = -1;
    if (pd_netsup_wanted(a->plan->cfg) &&
        (netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
        pd_fail_errno(&err, "open /proc/self/ns/net (for the network supervisor)");
    if (err != NULL || init_setup(a, &host_pid, &exe, &err) < 0 ||
        (a->netns_deferred && !a->netns_early && enter_netns(a, &err) < 0))
        die(a->sync_fd, err);
    int sent = pd_sync_send(a->sync_fd, PD_SYNC_READY, 0, NULL, netns, &err);
    if (netns >= 0)
        close(netns);
    if (sent < 0)
        die(a->sync_fd, err);
    /* From here on a created container outlives the runtime.  An attached
     * one (`run` in the foreground, `sandbox`) keeps the parent-death
     * signal: a runtime killed with SIGKILL takes it down (all of it, as
     * this is pid 1 of its PID namespace); it has nothing to commit, and
     * the runtime sends no COMMIT: its next message is GO (start).  The
     * parent is the runtime's only thread (CLONE_PARENT), so no other
     * thread's exit triggers it.  The kernel clears it again when the euid
     * or egid changes (process.user other than the init's, see
     * commit_creds). */
    if (!a->foreground &&
        (pd_sync_expect(a->sync_fd, PD_SYNC_COMMIT, &m, NULL, &err) < 0 ||
         prctl(PR_SET_PDEATHSIG, 0) < 0 ||
         pd_sync_send(a->sync_fd, PD_SYNC_COMMITTED, 0, NULL, -1, &err) < 0))
        die(a->sync_fd, err);
    if (a->start_fd >= 0)
        close(a->sync_fd);
    init_wait_and_exec(a, host_pid, exe);
}

/* The user namespace exists (clone made it): have the runtime write its
 * maps.  Writing /proc/OURPID/uid_map needs us dumpable (no container
 * process exists yet to abuse it; become_root's caller turns it off). */
static int ask_usermap(int sync, pd_error **err)
{
    if (prctl(PR_SET_DUMPABLE, 1) < 0)
        return pd_fail_errno(err, "prctl(PR_SET_DUMPABLE)");
    return pd_sync_send(sync, PD_SYNC_USERMAP, 0, NULL, -1, err);
}

_Noreturn void pd_init_direct(const struct pd_init_args *a)
{
    const struct pd_plan *plan = a->plan;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    int sync = a->sync_fd;
    /* flock() belongs to the open file: our copy would hold the lock forever. */
    close(a->state_dir_fd);
    /* getppid() is 0 in a new PID namespace; if the runtime is already
     * gone, the socket says so (EOF) before anything happens. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        _exit(1);
    if (plan->ns.new_user && !a->maps_unasked && ask_usermap(sync, &err) < 0)
        die(sync, err);
    if (pd_sync_expect(sync, PD_SYNC_GO, &m, NULL, &err) < 0 || become_root(&plan->ns, &err) < 0)
        die(sync, err);
    /* the runtime's CPU set again (spawn moved us off its CPU): a
     * failure leaves a set the kernel accepted for us, a subset */
    if (a->restore_cpus)
        sched_setaffinity(0, sizeof(a->cpus), &a->cpus);
    if (prctl(PR_SET_DUMPABLE, 0) < 0) {
        pd_fail_errno(&err, "prctl(PR_SET_DUMPABLE)");
        die(sync, err);
    }
    /* Into the cgroup (or the runtime has put us there), then its namespace. */
    if (a->cgroup_self != NULL && pd_cgroup_enter_self(a->cgroup_self, a->in_unified, &err) < 0)
        die(sync, err);
    if ((plan->ns.unshare_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
        pd_fail_errno(&err, "create cgroup namespace");
        die(sync, err);
    }
    init_stage2(a, false);
}

_Noreturn void pd_init_stage1(const struct pd_init_args *a)
{
    const struct pd_plan *plan = a->plan;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    int sync = a->sync_fd;
    /* flock() belongs to the open file: our copy would hold the lock forever. */
    close(a->state_dir_fd);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->runtime_pid)
        _exit(1);
    if (pd_sync_expect(sync, PD_SYNC_GO, &m, NULL, &err) < 0 || pd_ns_join(&plan->ns, &err) < 0)
        die(sync, err);
    if (plan->ns.new_user) {
        if (unshare(CLONE_NEWUSER) < 0) {
            pd_fail_errno(&err, "create user namespace");
            die(sync, err);
        }
        if (ask_usermap(sync, &err) < 0 ||
            pd_sync_expect(sync, PD_SYNC_USERMAP_DONE, &m, NULL, &err) < 0)
            die(sync, err);
    }
    if (become_root(&plan->ns, &err) < 0)
        die(sync, err);
    if (prctl(PR_SET_DUMPABLE, 0) < 0) {
        pd_fail_errno(&err, "prctl(PR_SET_DUMPABLE)");
        die(sync, err);
    }
    if (pd_ns_unshare(plan, &err) < 0)
        die(sync, err);
    /* CLONE_PARENT: the init is the runtime's child, not ours. */
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        pd_fail_errno(&err, "clone the container init");
        die(sync, err);
    }
    if (pid == 0)
        init_stage2(a, true);
    if (pd_sync_send(sync, PD_SYNC_INIT_PID, pid, NULL, -1, &err) < 0)
        _exit(1);
    _exit(0);
}
