#define _GNU_SOURCE
#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "util.h"
#include "sys_compat.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void pd_supervise_signals(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < PD_ARRAY_SIZE(forwarded); i++)
        sigaddset(set, forwarded[i]);
    sigaddset(set, SIGCHLD);
}

struct relay {
    int master;       /* -1: no terminal to relay */
    bool tty_signals; /* SIGINT/SIGQUIT go to the terminal's foreground group */
    bool stdin_open;
    bool raw;
    struct termios saved;
};

static void relay_start(struct relay *r)
{
    r->stdin_open = r->master >= 0;
    if (r->master < 0 || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &r->saved) < 0)
        return;
    struct termios raw = r->saved;
    cfmakeraw(&raw);
    r->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    pd_console_copy_winsize(STDIN_FILENO, r->master);
}

static void relay_stop(struct relay *r)
{
    if (r->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
}

/* Copy what is readable from `from` to `to`; false on EOF or error. */
static bool pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    return pd_write_all(to, buf, (size_t)n) == 0;
}

/* SIGINT or SIGQUIT that reached the runtime (say a Ctrl-C typed before the
 * caller's terminal was raw) goes where the same key typed on the sandbox's
 * terminal would: TIOCSIG on the master signals the slave's foreground
 * process group, as the line discipline does (no pid involved, so none that
 * could have been reused).  False when it did not apply. */
static bool tty_signal(const struct relay *r, int sig)
{
    if (!r->tty_signals || r->master < 0 || (sig != SIGINT && sig != SIGQUIT))
        return false;
    return ioctl(r->master, TIOCSIG, sig) == 0;
}

/* A signal arrived: forward it, or reap.  Returns true when the init is gone. */
static bool on_signal(int sfd, pid_t pid, struct relay *r, int *status)
{
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof(si)) != sizeof(si))
        return false;
    if (si.ssi_signo == SIGCHLD) {
        pid_t w;
        int st;
        bool gone = false;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == pid) {
                *status = st;
                gone = true;
            }
        return gone;
    }
    if (si.ssi_signo == SIGWINCH && r->master >= 0)
        pd_console_copy_winsize(STDIN_FILENO, r->master);
    else if (!tty_signal(r, (int)si.ssi_signo))
        kill(pid, (int)si.ssi_signo);
    return false;
}

/* The timeout: a timerfd polled with the signalfd; -1 without one. */
static int timer_open(unsigned long long seconds, pd_error **err)
{
    if (seconds == 0)
        return -1;
    _cleanup_close_ int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (fd < 0)
        return pd_fail_errno(err, "timerfd_create");
    struct itimerspec its = {.it_value = {.tv_sec = (time_t)seconds}};
    if (timerfd_settime(fd, 0, &its, NULL) < 0)
        return pd_fail_errno(err, "timerfd_settime (%llu s)", seconds);
    return pd_steal_fd(&fd);
}

/* The timer expired: SIGKILL the init (our unreaped child, so its pid
 * can't have been reused).  Returns false while it has not expired. */
static bool on_timer(int tfd, pid_t pid)
{
    uint64_t n;
    if (read(tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
        return false;
    kill(pid, SIGKILL);
    return true;
}

/* The report pipe is readable: 1 with *code, 0 at its end (the init exited
 * without a report: its reaping tells), -1 for nothing yet. */
static int on_report(int fd, int *code)
{
    unsigned char c;
    ssize_t n = read(fd, &c, 1);
    if (n == 1)
        *code = c;
    return n == 1 ? 1 : n == 0 || (errno != EINTR && errno != EAGAIN) ? 0 : -1;
}

int pd_supervise_with(pid_t pid, struct pd_supervise_opts *so, int *exit_code, pd_error **err)
{
    sigset_t set;
    pd_supervise_signals(&set);
    _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        return pd_fail_errno(err, "signalfd");
    _cleanup_close_ int tfd = timer_open(so->timeout, err);
    if (so->timeout > 0 && tfd < 0)
        return -1;
    so->timed_out = false;
    struct relay r = {.master = so->master, .tty_signals = so->tty_signals};
    relay_start(&r);
    int status = 0, report = so->exit_report, reported = 0;
    bool done = false;
    /* The init may have exited before the signalfd existed. */
    if (waitpid(pid, &status, WNOHANG) == pid)
        done = true;
    while (!done) {
        struct pollfd p[5] = {{sfd, POLLIN, 0}, {r.master, POLLIN, 0},
                              {r.stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                              {so->timed_out ? -1 : tfd, POLLIN, 0}, {report, POLLIN, 0}};
        if (poll(p, 5, -1) < 0) {
            if (errno == EINTR)
                continue;
            relay_stop(&r);
            return pd_fail_errno(err, "poll");
        }
        if (p[0].revents & POLLIN)
            done = on_signal(sfd, pid, &r, &status);
        if (r.master >= 0 && (p[1].revents & (POLLIN | POLLHUP)) && !pump(r.master, STDOUT_FILENO))
            r.master = -1;
        if (r.stdin_open && (p[2].revents & (POLLIN | POLLHUP)) && !pump(STDIN_FILENO, so->master))
            r.stdin_open = false;
        if (!so->timed_out && (p[3].revents & POLLIN))
            so->timed_out = on_timer(tfd, pid);
        /* reaped in this round already: the report changes nothing */
        if (!done && report >= 0 && (p[4].revents & (POLLIN | POLLHUP))) {
            int code = 0, got = on_report(report, &code);
            if (got == 1) {
                status = W_EXITCODE(code, 0);
                done = true;
                reported = 1;
            } else if (got == 0) {
                report = -1;
            }
        }
    }
    /* Drain what the terminal still holds. */
    while (r.master >= 0) {
        struct pollfd p = {r.master, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0 || !pump(r.master, STDOUT_FILENO))
            break;
    }
    relay_stop(&r);
    so->wait_status = status;
    so->reaped = !reported;
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

int pd_supervise(pid_t pid, int master, int *exit_code, pd_error **err)
{
    struct pd_supervise_opts so = {.master = master, .exit_report = -1};
    return pd_supervise_with(pid, &so, exit_code, err);
}
