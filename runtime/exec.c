/* paddock: `exec` -- run a new process inside a created or running container.
 *
 * runtime R, joiner J, the new process P (see exec.h):
 *
 *   R  compiles the container's seccomp filter (through seccomp_cache.h);
 *      opens a pidfd of the init and checks that it still is the
 *      container's (start time); decides which namespaces to join: those
 *      the config gives the container as new ones, and any other of the
 *      init's that differs from R's own (compared through /proc, the user
 *      namespace always); connects the console socket; socketpair; starts J in
 *      the container's cgroup2 directory (clone3 CLONE_INTO_CGROUP), or
 *      forks it; says GO
 *   J  joins the container's cgroup v1 hierarchies itself (and its cgroup2
 *      one if it was not born there) -- before the cgroup namespace, so
 *      that it is joined from inside the cgroup, and without the kernel's
 *      global lock that moving another process takes (cgroups.h);
 *      joins them all with one setns() of the pidfd (the kernel takes the
 *      user namespace first; the mount one moves root and cwd to the
 *      container's) and becomes root of the user namespace if it joined it;
 *      stays non-dumpable (CVE-2019-5736); clone(CLONE_PARENT) P -- in the
 *      container's pid namespace and R's child, so R can wait for it;
 *      reports P's host pid (INIT_PID) and exits
 *   R  reaps J, says GO to P (P waits so that its messages come after J's)
 *
 *   Without J ("direct": R may join the pid namespace for its children, i.e.
 *   it has CAP_SYS_ADMIN in its user namespace -- root, not rootless):
 *   R  setns() the pidfd for the container's pid (and time) namespace, which
 *      applies to its children only, clones P straight into it (and into the cgroup2
 *      directory), goes back to its own for its children
 *   P  joins the cgroup and the other namespaces itself, as J would, then
 *      as below, without waiting for a GO
 *
 *   P  terminal (a pty of the container's /dev/ptmx: the master goes to the
 *      console socket, or to R as CONSOLE), new session keyring, finds the
 *      executable, READY, then
 *      pd_process_exec().  The close-on-exec socket reaches EOF at execve,
 *      or P sends the exec error instead.
 *   R  pid file; with detach returns, else supervises P (signals, terminal
 *      relay, exit code).
 *
 * Any failure kills J and P.  Nothing else is created: no mount, no state. */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups.h"
#include "clone_vm.h"
#include "console.h"
#include "log.h"
#include "process.h"
#include "seccomp_cache.h"
#include "supervise.h"
#include "sync.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static const struct {
    const char *file;  /* /proc/PID/ns/FILE */
    const char *label; /* for messages */
    int flag;
    enum pd_ns_type type; /* in the config */
} ns_kinds[] = {
    {"user", "user", CLONE_NEWUSER, PD_NS_USER},     {"ipc", "IPC", CLONE_NEWIPC, PD_NS_IPC},
    {"uts", "UTS", CLONE_NEWUTS, PD_NS_UTS},         {"net", "network", CLONE_NEWNET, PD_NS_NET},
    {"pid", "PID", CLONE_NEWPID, PD_NS_PID},         {"cgroup", "cgroup", CLONE_NEWCGROUP, PD_NS_CGROUP},
    {"time", "time", CLONE_NEWTIME, PD_NS_TIME},     {"mnt", "mount", CLONE_NEWNS, PD_NS_MOUNT},
};
#define N_NS PD_ARRAY_SIZE(ns_kinds)

struct exec_ctx {
    const struct pd_exec_request *req;
    const char *id;
    struct pd_process proc; /* *req->proc with the config's defaults (shallow) */
    int pidfd;              /* the container's init */
    int join;               /* CLONE_NEW* of the init's namespaces still to join */
    int sync;               /* R: its end; J and P: theirs */
    int console_fd;         /* connected --console-socket, or -1 */
    pid_t runtime_pid;
    const struct pd_seccomp_bpf *seccomp; /* compiled by R, or NULL */
    const struct pd_agent_plan *agent;    /* built by R, or NULL (no agent policy) */
    const struct pd_cgroup *cg; /* the container's, or NULL (none) */
    struct pd_cgroup *cg_own;   /* cg when R loaded it (freed at the end) */
    int cgroup_fd;          /* R: its cgroup2 directory, or -1 */
    bool in_unified;        /* J (or P, direct) was started in it */
    bool direct;            /* R is in the pid (and time) namespace for its children: no J */
    pid_t parent;           /* direct P: getppid() while R lives (0 from inside a pid namespace) */
};


/* What R started: killed on failure. */
struct spawned {
    pid_t joiner;
    pid_t pid;
    int master; /* pty master relayed by R, or -1 */
};

/* ---- J and P (the children): errors go to R over the socket ---- */

static _Noreturn void die(const struct exec_ctx *x, pd_error *err)
{
    pd_sync_send_error(x->sync, err);
    _exit(err && err->exit_code ? err->exit_code : 1);
}

/* The labels of the namespaces in FLAGS, for a message. */
static void ns_labels(int flags, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0, n = 0; i < N_NS; i++)
        if (flags & ns_kinds[i].flag)
            n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
                                  ns_kinds[i].label);
}

/* All at once through the pidfd: the kernel joins the user namespace first
 * and checks the others with its credentials. */
static int join_namespaces(struct exec_ctx *x, pd_error **err)
{
    if (x->join == 0)
        return 0;
    if (setns(x->pidfd, x->join) < 0) {
        char what[128];
        ns_labels(x->join, what, sizeof(what));
        if (errno == ESRCH)
            return pd_failx(err, "exec: container \"%s\" is not running", x->id);
        return pd_fail_errno(err, "exec: join the namespaces of container \"%s\" (%s)", x->id, what);
    }
    if (!(x->join & CLONE_NEWUSER))
        return 0;
    /* Become root of the user namespace, as the init did. */
    if (setresgid(0, 0, 0) < 0)
        return pd_fail_errno(err, "exec: container \"%s\": user namespace: setresgid(0)", x->id);
    if (setresuid(0, 0, 0) < 0)
        return pd_fail_errno(err, "exec: container \"%s\": user namespace: setresuid(0)", x->id);
    return 0;
}

/* The pty is made inside the container; its master leaves through the
 * console socket or goes to R for relaying. */
static int setup_terminal(struct exec_ctx *x, pd_error **err)
{
    _cleanup_close_ int master = -1;
    if (setsid() < 0)
        return pd_fail_errno(err, "terminal: setsid");
    if (pd_console_setup(&x->proc, &master, err) < 0)
        return -1;
    if (x->console_fd >= 0) {
        int r = pd_console_send(x->console_fd, master, err);
        close(x->console_fd);
        x->console_fd = -1;
        return r;
    }
    return pd_sync_send(x->sync, PD_SYNC_CONSOLE, 0, NULL, master, err);
}

static int child_setup(struct exec_ctx *x, char **exe, pd_error **err)
{
    /* Not the caller's session keyring (runc does the same for exec). */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0) < 0 && errno != ENOSYS)
        return pd_fail_errno(err, "join a new session keyring");
    if (x->proc.terminal && setup_terminal(x, err) < 0)
        return -1;
    return pd_process_find_exe(&x->proc, exe, err);
}

static int join_all(struct exec_ctx *x, pd_error **err);

/* P: inside every namespace of the container.  Forked by J, it waits for
 * R's GO (so that its messages come after J's); direct, it is R's child
 * already in the pid (and time) namespace and joins the rest itself. */
static _Noreturn void exec_child(struct exec_ctx *x)
{
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    char *exe = NULL;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
        pd_fail_errno(&err, "exec: prctl(PR_SET_PDEATHSIG)");
        die(x, err);
    }
    if (x->direct) {
        if (getppid() != x->parent)
            _exit(1);
        if (x->cgroup_fd >= 0)
            close(x->cgroup_fd);
        if (join_all(x, &err) < 0)
            die(x, err);
    } else if (pd_sync_expect(x->sync, PD_SYNC_GO, &m, NULL, &err) < 0) {
        _exit(1);
    }
    if (child_setup(x, &exe, &err) < 0) {
        pd_wrap(&err, "exec in container \"%s\"", x->id);
        die(x, err);
    }
    /* The process must outlive a detached runtime. */
    if (prctl(PR_SET_PDEATHSIG, 0) < 0) {
        pd_fail_errno(&err, "exec: prctl(PR_SET_PDEATHSIG, 0)");
        die(x, err);
    }
    if (pd_sync_send(x->sync, PD_SYNC_READY, 0, NULL, -1, &err) < 0)
        _exit(1);
    pd_reset_signals();
    /* The agent policy's landlock domain, as the init got it: a domain is
     * inherited, never joined, so the exec'd process needs its own. */
    struct pd_exec_opts eo = {.preserve_fds = x->req->preserve_fds, .seccomp = x->seccomp,
                              .agent = x->agent};
    pd_process_exec(&x->proc, exe, &eo, &err);
    pd_wrap(&err, "exec in container \"%s\"", x->id);
    die(x, err);
}

/* J, still in R's namespaces and with R's credentials. */
static int join_cgroup(const struct exec_ctx *x, pd_error **err)
{
    _cleanup_error_ pd_error *e = NULL;
    if (pd_cgroup_enter_self(x->cg, x->in_unified, &e) == 0)
        return 0;
    /* Rootless: moving a process needs write access to the common ancestor. */
    if (x->req->st->rootless && (e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS)) {
        pd_warn("exec: container \"%s\": the process stays out of the container's cgroup: %s",
                x->id, e->msg);
        return 0;
    }
    pd_error_move(err, &e);
    return pd_wrap(err, "exec: join the cgroup of container \"%s\"", x->id);
}

/* J, or a direct P: the cgroup, then the namespaces. */
static int join_all(struct exec_ctx *x, pd_error **err)
{
    if (join_cgroup(x, err) < 0 || join_namespaces(x, err) < 0)
        return -1;
    /* R made itself non-dumpable before the fork (spawn), but joining a
     * user namespace changes the credentials, which sets dumpability to
     * fs.suid_dumpable: say it again. */
    if (prctl(PR_SET_DUMPABLE, 0) < 0)
        return pd_fail_errno(err, "exec: prctl(PR_SET_DUMPABLE)");
    return 0;
}

/* J: joins, forks P into the pid namespace, reports P's pid. */
static _Noreturn void joiner(struct exec_ctx *x)
{
    _cleanup_error_ pd_error *err = NULL;
    struct pd_sync_msg m;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != x->runtime_pid)
        _exit(1);
    if (x->cgroup_fd >= 0)
        close(x->cgroup_fd);
    if (pd_sync_expect(x->sync, PD_SYNC_GO, &m, NULL, &err) < 0)
        _exit(1);
    if (join_all(x, &err) < 0)
        die(x, err);
    /* CLONE_PARENT: P is the runtime's child, not ours. */
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        pd_fail_errno(&err, "exec: fork into the PID namespace of container \"%s\" "
                      "(has its init exited?)", x->id);
        die(x, err);
    }
    if (pid == 0)
        exec_child(x);
    if (pd_sync_send(x->sync, PD_SYNC_INIT_PID, pid, NULL, -1, &err) < 0)
        _exit(1);
    _exit(0);
}

/* ---- R (the runtime) ---- */

/* Whether the init's namespace of kind I differs from R's own (a kernel
 * without the kind has it for no process). */
static int ns_differs(const struct exec_ctx *x, size_t i, bool *differs, pd_error **err)
{
    char theirs_path[64], self[64];
    struct stat theirs, ours;
    snprintf(theirs_path, sizeof(theirs_path), "/proc/%d/ns/%s", (int)x->req->st->pid, ns_kinds[i].file);
    snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_kinds[i].file);
    *differs = false;
    if (stat(self, &ours) < 0)
        return errno == ENOENT ? 0 : pd_fail_errno(err, "exec: stat %s", self);
    if (stat(theirs_path, &theirs) < 0) {
        if (!pd_pid_alive(x->req->st->pid, x->req->st->pid_start))
            return pd_failx(err, "exec: container \"%s\" is not running", x->id);
        return pd_fail_errno(err, "exec: the %s namespace of container \"%s\" (%s)",
                             ns_kinds[i].label, x->id, theirs_path);
    }
    *differs = ours.st_ino != theirs.st_ino || ours.st_dev != theirs.st_dev;
    return 0;
}

/* A pidfd of the init, and the namespaces to join through it: the ones the
 * config made new for the container (never R's: R is not inside them),
 * and any other that differs from R's.  The user namespace is compared
 * always (joining one's own is an error). */
static int open_namespaces(struct exec_ctx *x, pd_error **err)
{
    const struct pd_state *st = x->req->st;
    x->pidfd = st->pid > 0 ? (int)syscall(SYS_pidfd_open, st->pid, 0) : -1;
    if (x->pidfd < 0 && errno != ESRCH && st->pid > 0)
        return pd_fail_errno(err, "exec: pidfd_open of the init of container \"%s\"", x->id);
    /* pidfd first: if the pid has the init's start time now, it is the init's. */
    if (x->pidfd < 0 || !pd_pid_alive(st->pid, st->pid_start))
        return pd_failx(err, "exec: container \"%s\" is not running", x->id);
    const struct pd_config *cfg = x->req->cfg;
    for (size_t i = 0; i < N_NS; i++) {
        bool made = false;
        for (size_t k = 0; cfg->has_linux && k < cfg->linux_.n_namespaces; k++)
            made |= cfg->linux_.namespaces[k].type == ns_kinds[i].type &&
                    cfg->linux_.namespaces[k].path == NULL;
        bool differs = made && ns_kinds[i].flag != CLONE_NEWUSER;
        if (!differs && ns_differs(x, i, &differs, err) < 0)
            return -1;
        if (differs)
            x->join |= ns_kinds[i].flag;
    }
    return 0;
}

/* The container's cgroup, and its cgroup2 directory for J to start in. */
static int load_cgroup(struct exec_ctx *x, pd_error **err)
{
    const char *s = x->req->cgroup;
    if (s == NULL || s[0] == '\0')
        return 0;
    if (x->req->cg != NULL)
        x->cg = x->req->cg; /* loaded for the status: not twice */
    else if (pd_cgroup_load(s, &x->cg_own, err) < 0)
        return pd_wrap(err, "exec: container \"%s\": its cgroup", x->id);
    else
        x->cg = x->cg_own;
    x->cgroup_fd = pd_cgroup_open_unified(x->cg); /* -1: J joins it by itself */
    return 0;
}

/* Receive the expected message; the children's errors arrive as they are. */
static int expect(const struct exec_ctx *x, int type, struct pd_sync_msg *m, int *fd, pd_error **err)
{
    if (pd_sync_recv(x->sync, m, fd, err) < 0)
        return pd_wrap(err, "exec in container \"%s\"", x->id);
    if (m->type == PD_SYNC_ERROR) {
        pd_failx(err, "%s", m->text);
        (*err)->errnum = m->value;
        (*err)->exit_code = m->value2;
        return -1;
    }
    if (m->type != type)
        return pd_failx(err, "exec in container \"%s\": sync: expected message %d, got %d", x->id,
                        type, m->type);
    return 0;
}

static int wait_joiner(const struct exec_ctx *x, pid_t j, pd_error **err)
{
    int status;
    while (waitpid(j, &status, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "exec in container \"%s\": wait for the setup process", x->id);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return pd_failx(err, "exec in container \"%s\": setup process failed (status 0x%x)", x->id,
                        status);
    return 0;
}

/* After READY: EOF means P exec'd (the socket is close-on-exec). */
static int wait_exec(const struct exec_ctx *x, pd_error **err)
{
    struct pd_sync_msg m;
    ssize_t n;
    do
        n = recv(x->sync, &m, sizeof(m), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return pd_fail_errno(err, "exec in container \"%s\": wait for the exec", x->id);
    if (n == 0)
        return 0;
    m.text[sizeof(m.text) - 1] = '\0';
    if (m.type != PD_SYNC_ERROR)
        return pd_failx(err, "exec in container \"%s\": sync: unexpected message %d", x->id, m.type);
    pd_failx(err, "%s", m.text);
    (*err)->errnum = m.value;
    (*err)->exit_code = m.value2;
    return -1;
}

static int handshake(struct exec_ctx *x, struct spawned *s, pd_error **err)
{
    struct pd_sync_msg m;
    if (!x->direct) {
        if (pd_sync_send(x->sync, PD_SYNC_GO, 0, NULL, -1, err) < 0 ||
            expect(x, PD_SYNC_INIT_PID, &m, NULL, err) < 0)
            return -1;
        s->pid = m.value;
        pid_t j = s->joiner;
        s->joiner = -1;
        if (wait_joiner(x, j, err) < 0 || pd_sync_send(x->sync, PD_SYNC_GO, 0, NULL, -1, err) < 0)
            return -1;
    }
    if (x->proc.terminal && x->req->console_socket == NULL &&
        expect(x, PD_SYNC_CONSOLE, &m, &s->master, err) < 0)
        return -1;
    if (expect(x, PD_SYNC_READY, &m, NULL, err) < 0)
        return -1;
    return wait_exec(x, err);
}

/* The namespaces that setns() changes for the caller's children only. */
static const int for_children[] = {CLONE_NEWPID, CLONE_NEWTIME};
#define N_FOR_CHILDREN PD_ARRAY_SIZE(for_children)

static size_t ns_index(int flag)
{
    size_t i = 0;
    while (ns_kinds[i].flag != flag)
        i++;
    return i;
}

/* R back in its own pid and time namespaces for its children (OWN: the
 * ones it left, -1 for the others). */
static int leave_for_children(int own[N_FOR_CHILDREN], pd_error **err)
{
    int r = 0;
    for (size_t k = 0; k < N_FOR_CHILDREN; k++) {
        if (own[k] < 0)
            continue;
        if (setns(own[k], for_children[k]) < 0 && r == 0)
            r = pd_fail_errno(err, "exec: return to the runtime's own %s namespace",
                              ns_kinds[ns_index(for_children[k])].label);
        close(own[k]);
        own[k] = -1;
    }
    return r;
}

/* Without J: R joins the container's pid (and time) namespace for its
 * children, which needs CAP_SYS_ADMIN in R's user namespace (root, not
 * rootless), so that P is cloned straight into it and joins the other
 * namespaces itself -- one fork, exit and round trip fewer.  R's own
 * namespaces don't change (these two apply to children only), and R goes
 * back to its own right after the clone.  Where R may not, J as before.
 * Going back needs CAP_SYS_ADMIN over the user namespace that owns R's own
 * namespace, which R may lack where it may join the container's (a
 * runtime in rootless podman's user namespace, whose pid namespace is the
 * host's): R first joins its own again, which the kernel checks alike. */
static int enter_for_children(struct exec_ctx *x, int own[N_FOR_CHILDREN], pd_error **err)
{
    static const char *const self[N_FOR_CHILDREN] = {"/proc/self/ns/pid_for_children",
                                                      "/proc/self/ns/time_for_children"};
    for (size_t k = 0; k < N_FOR_CHILDREN; k++) {
        if (!(x->join & for_children[k]))
            continue;
        int fd = open(self[k], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, for_children[k]) < 0 || setns(x->pidfd, for_children[k]) < 0) {
            pd_debug("exec: the runtime can't join the %s namespace for its children (%s): "
                     "a setup process joins", ns_kinds[ns_index(for_children[k])].label,
                     strerror(errno));
            if (fd >= 0)
                close(fd);
            return leave_for_children(own, err); /* the ones joined so far */
        }
        own[k] = fd; /* joined: to return to */
    }
    /* R is outside P's pid namespace: P sees its parent as pid 0. */
    x->parent = x->join & CLONE_NEWPID ? 0 : x->runtime_pid;
    x->join &= ~(CLONE_NEWPID | CLONE_NEWTIME); /* joined: not for P */
    x->direct = true;
    return 0;
}

/* A direct P sharing R's memory (clone_vm.h) starts here: it works on its
 * own copy of R's context, and R waits until it has exec'd. */
struct direct_start {
    const struct exec_ctx *x;
    int sync;          /* P's end of the socket */
    int other;         /* R's end: closed in P */
    const int *own;    /* R's namespaces to return to: closed in P */
    bool in_unified;
};

static int direct_child(void *arg)
{
    const struct direct_start *d = arg;
    struct exec_ctx x = *d->x;
    for (size_t k = 0; k < N_FOR_CHILDREN; k++)
        if (d->own[k] >= 0)
            close(d->own[k]);
    close(d->other);
    x.sync = d->sync;
    x.in_unified = d->in_unified;
    exec_child(&x);
}

/* J (or P, direct), started in the container's cgroup2 directory if it has
 * one (no migration: cgroups.h); a plain fork on a kernel without clone3's
 * CLONE_INTO_CGROUP (before 5.7) or without the permission, the child then
 * joins it by itself.  A direct P shares R's memory until its execve
 * (clone_vm.h: no copy of R's page tables, no copy-on-write faults, no
 * teardown of a copy in the execve; returns once P has exec'd or failed);
 * where that can't be done, it is forked like J. */
static pid_t fork_joiner(struct exec_ctx *x, struct direct_start *d)
{
    struct pd_clone_args a = {.exit_signal = SIGCHLD};
    if (x->cgroup_fd >= 0) {
        a.flags = CLONE_INTO_CGROUP;
        a.cgroup = (uint64_t)x->cgroup_fd;
    }
    if (x->direct) {
        d->in_unified = x->cgroup_fd >= 0;
        pid_t p = pd_clone_vm(&a, direct_child, d);
        if (p > 0)
            return p;
        pd_debug("exec: clone3(CLONE_VM | CLONE_VFORK%s): %s; P is forked",
                 x->cgroup_fd >= 0 ? " | CLONE_INTO_CGROUP" : "", strerror(errno));
    }
    if (x->cgroup_fd >= 0) {
        pid_t j = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
        x->in_unified = j >= 0; /* in J as well */
        if (j >= 0)
            return j;
        pd_debug("exec: clone3(CLONE_INTO_CGROUP): %s; J joins the cgroup itself", strerror(errno));
    }
    return fork();
}

static int spawn(struct exec_ctx *x, struct spawned *s, pd_error **err)
{
    int sv[2], own[N_FOR_CHILDREN] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return pd_fail_errno(err, "exec: socketpair");
    /* A direct P is in the container's pid namespace from its clone on,
     * before it joins the rest: it must not be dumpable there for a moment
     * (its /proc files, its fds), so neither is R, whose setting it gets. */
    if (prctl(PR_SET_DUMPABLE, 0) < 0) {
        close(sv[0]);
        close(sv[1]);
        return pd_fail_errno(err, "exec: prctl(PR_SET_DUMPABLE)");
    }
    if (enter_for_children(x, own, err) < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    struct direct_start d = {.x = x, .sync = sv[1], .other = sv[0], .own = own};
    pid_t j = fork_joiner(x, &d);
    int e = errno;
    if (j == 0) {
        for (size_t k = 0; k < N_FOR_CHILDREN; k++)
            if (own[k] >= 0)
                close(own[k]);
        close(sv[0]);
        x->sync = sv[1];
        if (x->direct)
            exec_child(x);
        joiner(x);
    }
    close(sv[1]);
    if (j < 0) {
        close(sv[0]);
        leave_for_children(own, NULL);
        if (x->direct)
            return pd_fail(err, e, "exec: fork into the PID namespace of container \"%s\" "
                           "(has its init exited?)", x->id);
        return pd_fail(err, e, "exec: fork");
    }
    if (x->direct)
        s->pid = j;
    else
        s->joiner = j;
    x->sync = sv[0];
    if (leave_for_children(own, err) < 0) {
        close(sv[0]);
        x->sync = -1;
        return -1;
    }
    /* Only the children need these. */
    close(x->pidfd);
    x->pidfd = -1;
    if (x->cgroup_fd >= 0)
        close(x->cgroup_fd);
    x->cgroup_fd = -1;
    if (x->console_fd >= 0)
        close(x->console_fd);
    x->console_fd = -1;
    int r = handshake(x, s, err);
    close(sv[0]);
    x->sync = -1;
    return r;
}

static void kill_spawned(struct spawned *s)
{
    pid_t pids[2] = {s->joiner, s->pid};
    for (size_t i = 0; i < 2; i++) {
        if (pids[i] <= 0)
            continue;
        kill(pids[i], SIGKILL);
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    }
    s->joiner = s->pid = -1;
}

static int check_request(const struct pd_exec_request *req, pd_error **err)
{
    const char *id = req->st->id;
    if (req->proc->terminal && req->console_socket == NULL && req->detach)
        return pd_failx(err, "exec in container \"%s\": the process has a terminal: --console-socket "
                        "is required with --detach", id);
    if (!req->proc->terminal && req->console_socket != NULL)
        return pd_failx(err, "exec in container \"%s\": --console-socket given but the process has "
                        "no terminal (--tty, or .terminal in the --process file)", id);
    return 0;
}

/* What the process JSON leaves out comes from the container's config, as
 * runc does: capabilities, rlimits (and oomScoreAdj, like the init's). */
static void apply_defaults(struct exec_ctx *x)
{
    const struct pd_config *cfg = x->req->cfg;
    x->proc = *x->req->proc;
    if (!cfg->has_process || x->req->proc == &cfg->process)
        return;
    if (!x->proc.caps.present)
        x->proc.caps = cfg->process.caps;
    if (x->proc.n_rlimits == 0) {
        x->proc.rlimits = cfg->process.rlimits;
        x->proc.n_rlimits = cfg->process.n_rlimits;
    }
    if (!x->proc.has_oom_score_adj) {
        x->proc.has_oom_score_adj = cfg->process.has_oom_score_adj;
        x->proc.oom_score_adj = cfg->process.oom_score_adj;
    }
}

/* In R, before the fork, so that the cache (seccomp_cache.h) and the host's
 * policy file are in reach and the plan is made as `create` made it (R's
 * euid); the nested-userns rules as the agent policy says, as for the init.
 * P uses the same plan (AGENT) for its landlock domain. */
static int prepare_seccomp(const struct pd_exec_request *req, struct pd_agent_plan **agent,
                           struct pd_seccomp_bpf **out, pd_error **err)
{
    const struct pd_config *cfg = req->cfg;
    /* with the init's own filter, kept by create, no profile is needed */
    if (pd_agent_plan_build(cfg, geteuid(), req->seccomp == NULL, agent, err) < 0)
        return -1;
    if (req->seccomp != NULL)
        return 0;
    const struct pd_agent_plan *a = *agent;
    const struct pd_seccomp *sc = cfg->has_linux ? cfg->linux_.seccomp : NULL;
    if (sc == NULL && a != NULL)
        sc = a->default_seccomp; /* as the init got it */
    if (sc == NULL)
        return 0;
    if (pd_seccomp_prepare(sc, a != NULL && a->nested_userns, out, err) < 0)
        return pd_wrap(err, "seccomp (.linux.seccomp of the container)");
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, pd_error **err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (pd_write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
        return pd_wrap(err, "exec: --pid-file");
    return 0;
}

int pd_exec(const struct pd_exec_request *req, int *exit_code, pd_error **err)
{
    struct exec_ctx x = {.req = req, .id = req->st->id, .sync = -1, .console_fd = -1,
                         .runtime_pid = getpid(), .cgroup_fd = -1, .pidfd = -1};
    struct spawned s = {.joiner = -1, .pid = -1, .master = -1};
    _cleanup_seccomp_bpf_ struct pd_seccomp_bpf *bpf = NULL;
    _cleanup_agent_plan_ struct pd_agent_plan *agent = NULL;
    *exit_code = 0;
    apply_defaults(&x);
    /* Signals for the process wait in the queue until pd_supervise forwards them
     * (left blocked afterwards: one still pending would kill us). */
    sigset_t set;
    pd_supervise_signals(&set);
    if (!req->detach && sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return pd_fail_errno(err, "exec: sigprocmask");
    int r = -1;
    if (check_request(req, err) < 0 || prepare_seccomp(req, &agent, &bpf, err) < 0 ||
        load_cgroup(&x, err) < 0 || open_namespaces(&x, err) < 0)
        goto out;
    x.seccomp = req->seccomp != NULL ? req->seccomp : bpf;
    x.agent = agent;
    if (req->console_socket != NULL && pd_console_connect(req->console_socket, &x.console_fd, err) < 0) {
        pd_wrap(err, "exec in container \"%s\"", x.id);
        goto out;
    }
    if (spawn(&x, &s, err) < 0 || (req->pid_file != NULL && write_pid_file(req->pid_file, s.pid, err) < 0))
        goto out;
    r = req->detach ? 0 : pd_supervise(s.pid, s.master, exit_code, err);
    if (r == 0)
        s.pid = -1; /* exec'd and detached, or reaped */
out:
    if (r < 0)
        kill_spawned(&s);
    if (x.pidfd >= 0)
        close(x.pidfd);
    if (x.cgroup_fd >= 0)
        close(x.cgroup_fd);
    pd_cgroup_free(x.cg_own);
    if (x.console_fd >= 0)
        close(x.console_fd);
    if (s.master >= 0)
        close(s.master);
    return r;
}
