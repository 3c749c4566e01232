/* paddock sandbox in container-boundary mode.  See boundary.h. */
#define _GNU_SOURCE
#include "boundary.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "landlock.h"
#include "log.h"
#include "sandbox_env.h"
#include "seccomp.h"
#include "seccomp_profile.h"
#include "supervise.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

extern char **environ;

/* What the child needs, all prepared before the fork. */
struct prepared {
    char **env;
    const char **writable;     /* landlock, NULL-terminated */
    void *agent_filter;        /* scmp_filter_ctx, NULL: seccomp can't be installed here */
    void *socket_filter;       /* network none: IP sockets but TCP refused */
    int master, slave;         /* a pty of its own, when stdin is a terminal */
};

/* A failure in the child, for the parent to report. */
struct child_error {
    int code;
    char msg[1024];
};

static void add(const char ***v, size_t *n, const char *s)
{
    *v = pd_xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static char **make_env(const char *tmpdir)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = pd_xcalloc(n + 3, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        if (eq == NULL || eq == environ[i] ||
            pd_sandbox_env_denied(environ[i], (size_t)(eq - environ[i])) ||
            strncmp(environ[i], "PADDOCK_MODE=", 13) == 0 || strncmp(environ[i], "TMPDIR=", 7) == 0)
            continue;
        env[k++] = pd_xstrdup(environ[i]);
    }
    env[k++] = pd_xstrdup("PADDOCK_MODE=container-boundary");
    env[k++] = pd_xasprintf("TMPDIR=%s", tmpdir);
    return env;
}

/* Where the command may write: the writable roots (workspace-write), its
 * TMPDIR, and the harmless device files. */
static const char **writable_paths(const struct pd_sandbox_opts *o, const char *cwd,
                                   const char *tmpdir, char ***owned)
{
    static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty",
                                          "/dev/ptmx"};
    const char **v = pd_xcalloc(1, sizeof(char *));
    size_t n = 0;
    *owned = pd_xcalloc(o->n_writable + 1, sizeof(char *));
    if (o->mode == PD_SANDBOX_WORKSPACE_WRITE) {
        add(&v, &n, cwd);
        for (size_t i = 0; i < o->n_writable; i++) {
            (*owned)[i] = realpath(o->writable[i], NULL);
            add(&v, &n, (*owned)[i] ? (*owned)[i] : o->writable[i]);
        }
    }
    add(&v, &n, tmpdir);
    for (size_t i = 0; i < PD_ARRAY_SIZE(devices); i++)
        add(&v, &n, devices[i]);
    return v;
}

/* Network none without a network namespace: landlock denies TCP bind and
 * connect; this filter refuses every other IP socket (UDP, raw, SCTP, ...). */
static int socket_filter(void **out, pd_error **err)
{
    scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
    if (c == NULL)
        return pd_failx(err, "seccomp: init the socket filter");
    static const int types[] = {SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP,
                                SOCK_PACKET};
    static const int protos[] = {1, 2, 3, 4, 5}; /* and everything above IPPROTO_TCP */
    int r = 0;
    for (int d = 0; d < 2 && r == 0; d++) {
        int dom = d == 0 ? AF_INET : AF_INET6;
        for (size_t i = 0; i < PD_ARRAY_SIZE(types) && r == 0; i++)
            r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 2,
                                 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dom),
                                 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)types[i]));
        for (size_t i = 0; i < PD_ARRAY_SIZE(protos) && r == 0; i++)
            r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 2,
                                 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dom),
                                 SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)protos[i]));
        if (r == 0)
            r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 2,
                                 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)dom),
                                 SCMP_A2(SCMP_CMP_GT, IPPROTO_TCP));
    }
    if (r < 0) {
        seccomp_release(c);
        return pd_fail(err, -r, "seccomp: the socket filter");
    }
    *out = c;
    return 0;
}

static int open_pty(struct prepared *p, pd_error **err)
{
    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0)
        return pd_fail_errno(err, "sandbox: open a pty");
    char name[64];
    if (ptsname_r(p->master, name, sizeof(name)) != 0)
        return pd_fail_errno(err, "sandbox: ptsname");
    p->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave < 0)
        return pd_fail_errno(err, "sandbox: open %s", name);
    pd_console_copy_winsize(STDIN_FILENO, p->master);
    return 0;
}

static int prepare(const struct pd_sandbox_opts *o, const struct pd_boundary_run *run,
                   struct prepared *p, char ***owned, pd_error **err)
{
    p->master = p->slave = -1;
    p->env = make_env(run->tmpdir);
    p->writable = writable_paths(o, run->cwd, run->tmpdir, owned);
    if (o->env->seccomp) {
        struct pd_seccomp *sc = NULL;
        if (pd_seccomp_profile_builtin(PD_SECCOMP_PROFILE_DEFAULT, &sc, err) < 0)
            return -1;
        int r = pd_seccomp_build(sc, &p->agent_filter, err);
        pd_seccomp_profile_free(sc);
        if (r < 0 || (pd_sandbox_network_none(o) && socket_filter(&p->socket_filter, err) < 0))
            return -1;
    }
    if (o->terminal && open_pty(p, err) < 0)
        return -1;
    return 0;
}

static void prepared_free(struct prepared *p)
{
    pd_strv_free(p->env);
    free(p->writable);
    if (p->agent_filter)
        pd_seccomp_release(p->agent_filter);
    if (p->socket_filter)
        seccomp_release(p->socket_filter);
    pd_closep(&p->master);
    pd_closep(&p->slave);
}

/* ---- the child ---- */

static void child_fail(int fd, int code, pd_error *e)
{
    struct child_error ce = {.code = code};
    snprintf(ce.msg, sizeof(ce.msg), "%s", e ? e->msg : "failed");
    if (write(fd, &ce, sizeof(ce)) < 0)
        _exit(code);
    _exit(code);
}

/* Every capability, in every set.  The bounding set needs CAP_SETPCAP;
 * without it (an unprivileged caller) there is nothing to gain from it
 * anyway: no_new_privs keeps setuid and file capabilities from working. */
static int drop_caps(pd_error **err)
{
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL &&
            (errno != EPERM || geteuid() == 0))
            return pd_fail_errno(err, "capabilities: drop %d from the bounding set (root "
                                 "without CAP_SETPCAP would regain them at exec)", cap);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return pd_fail_errno(err, "capabilities: clear the ambient set");
    cap_t none = cap_init();
    if (none == NULL)
        return pd_fail_errno(err, "capabilities: cap_init");
    int r = cap_set_proc(none);
    cap_free(none);
    if (r < 0)
        return pd_fail_errno(err, "capabilities: clear every set");
    return 0;
}

static int apply_landlock(const struct pd_sandbox_opts *o, const struct prepared *p,
                          pd_error **err)
{
    bool danger = o->mode == PD_SANDBOX_DANGER_FULL_ACCESS, none = pd_sandbox_network_none(o);
    if (danger && !none)
        return 0;
    static const char *const readable[] = {"/", NULL};
    struct pd_landlock_req req = {.writable = p->writable, .readable = readable,
                                  .deny_tcp = none, .scope_signals_and_abstract_unix = true,
                                  .log_denials = true, .skip_fs = danger};
    struct pd_landlock_result res;
    if (pd_landlock_apply(&req, &res, err) < 0)
        return pd_wrap(err, "landlock");
    return 0;
}

static void child_main(const struct pd_sandbox_opts *o, const struct pd_boundary_run *run,
                       const struct prepared *p, pid_t parent, int fd)
{
    pd_error *e = NULL;
    pd_reset_signals();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(PD_EXIT_RUNTIME);
    if (setsid() < 0)
        pd_fail_errno(&e, "setsid");
    else if (p->slave >= 0 && (ioctl(p->slave, TIOCSCTTY, 0) < 0 || dup2(p->slave, 0) < 0 ||
                               dup2(p->slave, 1) < 0 || dup2(p->slave, 2) < 0))
        pd_fail_errno(&e, "make the pty the controlling terminal");
    else if (chdir(run->cwd) < 0)
        pd_fail_errno(&e, "chdir %s", run->cwd);
    if (e != NULL)
        child_fail(fd, PD_EXIT_RUNTIME, e);
    /* A keyring of its own; where keyctl(2) is blocked, it can't reach any. */
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
    if (drop_caps(&e) < 0 || apply_landlock(o, p, &e) < 0)
        child_fail(fd, PD_EXIT_RUNTIME, e);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        pd_fail_errno(&e, "no_new_privs / close-on-exec");
        child_fail(fd, PD_EXIT_RUNTIME, e);
    }
    if ((p->agent_filter != NULL && pd_seccomp_load(p->agent_filter, &e) < 0) ||
        (p->socket_filter != NULL && pd_seccomp_load(p->socket_filter, &e) < 0))
        child_fail(fd, PD_EXIT_RUNTIME, e);
    /* RLIMIT_AS last: it is for the program, not for the steps above,
     * which allocate (libcap, libseccomp); the filters allow setrlimit. */
    if (o->enforce.rlimit_as &&
        setrlimit(RLIMIT_AS, &(struct rlimit){o->memory, o->memory}) < 0) {
        pd_fail_errno(&e, "setrlimit RLIMIT_AS");
        child_fail(fd, PD_EXIT_RUNTIME, e);
    }
    execvpe(o->argv[0], o->argv, p->env);
    int en = errno;
    if (en == ENOENT || en == ENOTDIR)
        pd_failx(&e, "exec: \"%s\": executable file not found in $PATH", o->argv[0]);
    else
        pd_fail(&e, en, "exec: \"%s\"", o->argv[0]);
    child_fail(fd, en == ENOENT || en == ENOTDIR ? PD_EXIT_NOT_FOUND : PD_EXIT_CANNOT_EXEC, e);
}

/* ---- the parent ---- */

/* SIGKILL each child of ours; how many there were. */
static int kill_children(void)
{
    char path[64];
    _cleanup_free_ char *list = NULL;
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
    if (pd_read_file(path, 1 << 20, &list, NULL, NULL) < 0)
        return 0;
    int n = 0, off = 0, pid;
    for (const char *s = list; sscanf(s, "%d%n", &pid, &off) == 1; s += off, n++)
        kill(pid, SIGKILL);
    return n;
}

/* SIGKILL the command's process group, then every process it left behind
 * (reparented to us, the subreaper), until none is left. */
static void kill_leftovers(pid_t pgid)
{
    kill(-pgid, SIGKILL);
    for (int round = 0; round < 1000; round++) {
        int n = kill_children();
        if (n == 0)
            break;
        for (int i = 0; i < n; i++)
            if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
                break;
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static int supervise(const struct pd_sandbox_opts *o, struct pd_boundary_run *run,
                     struct prepared *p, pid_t pid, int fd)
{
    struct child_error ce;
    ssize_t n;
    while ((n = read(fd, &ce, sizeof(ce))) < 0 && errno == EINTR)
        ;
    if (n > 0) { /* the child failed before its exec */
        waitpid(pid, NULL, 0);
        ce.msg[sizeof(ce.msg) - 1] = '\0';
        pd_log(PD_LOG_ERROR, "sandbox: %s", ce.msg);
        return ce.code;
    }
    pd_closep(&p->slave);
    if (run->started != NULL)
        run->started(run->arg, pid);
    struct pd_supervise_opts so = {.master = p->master, .timeout = o->timeout,
                                   .tty_signals = true, .exit_report = -1};
    int code = PD_EXIT_RUNTIME;
    _cleanup_error_ pd_error *err = NULL;
    if (pd_supervise_with(pid, &so, &code, &err) < 0) {
        pd_report(err);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    run->wait_status = so.wait_status;
    run->timed_out = so.timed_out;
    kill_leftovers(pid);
    return code;
}

int pd_boundary_exec(const struct pd_sandbox_opts *o, struct pd_boundary_run *run)
{
    struct prepared p = {.master = -1, .slave = -1};
    _cleanup_strv_ char **owned = NULL;
    _cleanup_error_ pd_error *err = NULL;
    int sync[2] = {-1, -1};
    if (prepare(o, run, &p, &owned, &err) < 0 || pipe2(sync, O_CLOEXEC) < 0 ||
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        if (err == NULL)
            pd_fail_errno(&err, "sandbox: pipe / PR_SET_CHILD_SUBREAPER");
        prepared_free(&p);
        pd_closep(&sync[0]);
        pd_closep(&sync[1]);
        return pd_report(err), PD_EXIT_RUNTIME;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        close(sync[0]);
        child_main(o, run, &p, parent, sync[1]);
    }
    close(sync[1]);
    int code = PD_EXIT_RUNTIME;
    if (pid < 0)
        pd_log(PD_LOG_ERROR, "sandbox: fork: %s", strerror(errno));
    else
        code = supervise(o, run, &p, pid, sync[0]);
    close(sync[0]);
    prepared_free(&p);
    return code;
}
