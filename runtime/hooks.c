#define _GNU_SOURCE
/* paddock apply: OCI hooks.
 *
 * Each hook is forked and exec'd directly (never through a shell).  The
 * parent feeds the state JSON into the hook's stdin through a non-blocking
 * pipe while it waits on a pidfd, so a hook that never reads its stdin can
 * neither wedge us nor escape its timeout.  Failures of the child between
 * fork and exec travel back through a close-on-exec pipe as (stage, errno). */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* What the child reports back when it cannot exec the hook. */
enum child_stage { STAGE_STDIO, STAGE_SIGNALS, STAGE_FDS, STAGE_EXEC };

struct child_report {
    int stage;
    int errnum;
};

struct hook_proc {
    pid_t pid;
    int pidfd;
    int in_w;  /* our end of the hook's stdin; -1 once closed */
    int rep_r; /* read end of the exec-report pipe (non-blocking) */
};

static const char *stage_name(int stage)
{
    switch (stage) {
    case STAGE_STDIO: return "set up stdio";
    case STAGE_SIGNALS: return "reset signals";
    case STAGE_FDS: return "close fds";
    default: return "exec";
    }
}

/* A close-on-exec pipe whose ends are both >= 3, so that neither can be
 * clobbered when the child installs its fds 0-2. */
static int pipe_high(int p[2], int flags, pd_error **err)
{
    if (pipe2(p, O_CLOEXEC | flags) < 0)
        return pd_fail_errno(err, "pipe");
    for (int i = 0; i < 2; i++) {
        if (p[i] >= 3)
            continue;
        int fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
            pd_fail_errno(err, "dup pipe");
            close(p[0]);
            close(p[1]);
            return -1;
        }
        close(p[i]);
        p[i] = fd;
    }
    return 0;
}

/* Make fd `from` the child's fd `to`, without close-on-exec. */
static int child_install_fd(int from, int to)
{
    if (from == to)
        return fcntl(to, F_SETFD, 0);
    return dup2(from, to) < 0 ? -1 : 0;
}

/* The forked child: only async-signal-safe calls from here on. */
static _Noreturn void child_exec(const char *path, char *const argv[], char *const envp[],
                                 int in_r, int rep_w)
{
    struct child_report rep = { STAGE_STDIO, 0 };

    if (child_install_fd(in_r, 0) < 0)
        goto fail;
    /* The hook's stdout is our stderr: our stdout may be the container's. */
    if (dup2(2, 1) < 0 && (errno != EBADF || close(1) < 0))
        goto fail;
    rep.stage = STAGE_SIGNALS;
    /* A hook never outlives a runtime that was killed while waiting for it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    pd_reset_signals();
    /* Everything above fd 2 (including rep_w) is closed by execve. */
    rep.stage = STAGE_FDS;
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        goto fail;
    rep.stage = STAGE_EXEC;
    execve(path, argv, envp);
fail:
    rep.errnum = errno;
    (void)!write(rep_w, &rep, sizeof(rep));
    _exit(127);
}

/* Fork the hook with its stdin and report pipes; fill p. */
static int hook_start(const struct pd_hook *h, struct hook_proc *p, pd_error **err)
{
    char *default_argv[] = { h->path, NULL };
    char *empty_env[] = { NULL };
    char *const *argv = h->n_args > 0 ? h->args : default_argv;
    char *const *envp = h->env != NULL ? h->env : empty_env;
    int in[2], rep[2];
    sigset_t all, old;

    if (pipe_high(in, 0, err) < 0)
        return -1;
    if (pipe_high(rep, 0, err) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    /* No signal handler of ours may run in the child before it resets them. */
    pid_t pid = -1;
    int fork_errno = 0;
    sigfillset(&all);
    if ((fork_errno = pthread_sigmask(SIG_SETMASK, &all, &old)) == 0) {
        pid = fork();
        if (pid == 0)
            child_exec(h->path, argv, envp, in[0], rep[1]);
        fork_errno = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    close(in[0]);
    close(rep[1]);
    if (pid < 0) {
        close(in[1]);
        close(rep[0]);
        return pd_fail(err, fork_errno, "fork");
    }
    p->pid = pid;
    p->in_w = in[1];
    p->rep_r = rep[0];
    /* Our child is not reaped until we wait for it, so the pid is still ours. */
    p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (p->pidfd < 0)
        return pd_fail_errno(err, "pidfd_open");
    if (fcntl(p->in_w, F_SETFL, O_NONBLOCK) < 0 || fcntl(p->rep_r, F_SETFL, O_NONBLOCK) < 0)
        return pd_fail_errno(err, "set pipe non-blocking");
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write what the pipe takes of the state; close our end when done or when
 * the hook has closed its stdin (EPIPE: SIGPIPE is blocked by the caller). */
static int feed_stdin(struct hook_proc *p, const char *json, size_t len, size_t *off,
                      pd_error **err)
{
    while (*off < len) {
        ssize_t n = write(p->in_w, json + *off, len - *off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n < 0 && errno != EPIPE)
            return pd_fail_errno(err, "write state to stdin");
        if (n < 0)
            break;
        *off += (size_t)n;
    }
    close(p->in_w);
    p->in_w = -1;
    return 0;
}

/* Feed stdin and wait for the hook to exit.  Returns 1 on timeout. */
static int feed_and_wait(struct hook_proc *p, const struct pd_hook *h, const char *json,
                         pd_error **err)
{
    size_t len = strlen(json), off = 0;
    long long deadline = h->has_timeout ? now_ms() + (long long)h->timeout * 1000 : 0;

    for (;;) {
        struct pollfd fds[2] = {
            { .fd = p->pidfd, .events = POLLIN },
            { .fd = p->in_w, .events = POLLOUT },
        };
        int wait_ms = -1;
        if (h->has_timeout) {
            long long left = deadline - now_ms();
            if (left <= 0)
                return 1;
            wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        int r = poll(fds, p->in_w >= 0 ? 2 : 1, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pd_fail_errno(err, "poll");
        if (fds[0].revents != 0)
            return 0;
        if (p->in_w >= 0 && fds[1].revents != 0 && feed_stdin(p, json, len, &off, err) < 0)
            return -1;
    }
}

/* Reap the hook; status as from waitpid. */
static int hook_reap(struct hook_proc *p, int *status, pd_error **err)
{
    for (;;) {
        pid_t r = waitpid(p->pid, status, 0);
        if (r == p->pid)
            break;
        if (r < 0 && errno != EINTR)
            return pd_fail_errno(err, "wait for pid %d", (int)p->pid);
    }
    p->pid = -1;
    return 0;
}

/* Kill a hook we gave up on and reap it. */
static void hook_kill(struct hook_proc *p)
{
    if (p->pid <= 0)
        return;
    if (p->pidfd < 0 || syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0) < 0)
        (void)kill(p->pid, SIGKILL);
    int status;
    pd_error *ignored = NULL;
    (void)hook_reap(p, &status, &ignored);
    pd_error_free(ignored);
}

static void hook_close(struct hook_proc *p)
{
    hook_kill(p);
    if (p->pidfd >= 0)
        close(p->pidfd);
    if (p->in_w >= 0)
        close(p->in_w);
    if (p->rep_r >= 0)
        close(p->rep_r);
}

/* Turn the exit status (and any report from the child) into an error. */
static int hook_result(struct hook_proc *p, int status, pd_error **err)
{
    struct child_report rep;
    ssize_t n;
    do
        n = read(p->rep_r, &rep, sizeof(rep));
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(rep))
        return pd_fail(err, rep.errnum, "%s", stage_name(rep.stage));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        return pd_failx(err, "exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return pd_failx(err, "killed by signal %d", WTERMSIG(status));
    return pd_failx(err, "ended with wait status %#x", (unsigned)status);
}

/* Run one hook with SIGPIPE blocked (a hook may close its stdin early);
 * a SIGPIPE we caused is consumed before the mask is restored. */
static int run_one(const struct pd_hook *h, const char *json, pd_error **err)
{
    struct hook_proc p = { .pid = -1, .pidfd = -1, .in_w = -1, .rep_r = -1 };
    sigset_t pipe_set, old, pending;
    int r, status = 0;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);

    r = hook_start(h, &p, err);
    if (r == 0)
        r = feed_and_wait(&p, h, json, err);
    if (r == 1)
        r = pd_failx(err, "timed out after %ds", h->timeout);
    else if (r == 0)
        r = hook_reap(&p, &status, err);
    if (r == 0)
        r = hook_result(&p, status, err);
    hook_close(&p);

    if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        struct timespec zero = { 0, 0 };
        (void)sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return r;
}

int pd_hooks_run(const struct pd_hook_list *list, enum pd_hook_kind kind,
                 const char *state_json, pd_error **err)
{
    if (list == NULL)
        return 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct pd_hook *h = &list->v[i];
        if (run_one(h, state_json != NULL ? state_json : "", err) < 0)
            return pd_wrap(err, ".hooks.%s[%zu] (%s)", pd_hook_kind_name(kind), i, h->path);
    }
    return 0;
}
