/* paddock: the minimal init of pid 1 (see init_reaper.h). */
#define _GNU_SOURCE
#include "init_reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "util.h"

/* Nothing left to abuse: no capability (bounding set included), no way to
 * gain one, no fd but keep (the report pipe, or -1).  Failing that, the
 * sandbox ends (fail closed). */
static void drop_everything(pid_t child, int keep)
{
    struct pd_caps none = {0};
    pd_error *e = NULL;
    if (pd_caps_drop_bounding(&none, &e) < 0 || pd_caps_apply(&none, &e) < 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        pd_error_free(e);
        kill(child, SIGKILL);
        _exit(125);
    }
    /* around keep: close_range refuses the empty range below fd 0 */
    bool ok = (keep <= 0 || syscall(SYS_close_range, 0U, (unsigned)keep - 1, 0U) == 0) &&
              syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0;
    if (!ok) {
        for (int fd = getdtablesize() - 1; fd >= 0; fd--)
            if (fd != keep)
                close(fd);
    }
}

/* Reap what ended; true (and *code) when the process itself did. */
static bool reap(pid_t child, int *code)
{
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0) {
        if (w != child)
            continue;
        if (WIFSTOPPED(st)) {
            kill(child, SIGCONT);
        } else if (WIFEXITED(st) || WIFSIGNALED(st)) {
            *code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return true;
        }
    }
    return false;
}

/* Signals queued on pid 1 before the fork (the runtime keeps them blocked
 * while the init sets up) were meant for the process, which did not exist
 * yet: a Ctrl-C on the terminal then reached only pid 1.  Each goes to the
 * process, whatever sent it. */
static void forward_early(pid_t child, const sigset_t *early)
{
    static const struct timespec now = {0, 0};
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGCHLD || sigismember(early, sig) != 1)
            continue;
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        while (sigtimedwait(&one, NULL, &now) == sig)
            kill(child, sig);
    }
}

/* Kill and reap every other process of the namespace; true when none is
 * left.  kill(-1) reaches every process of the namespace but this one, and
 * it can't race a fork (the kernel fails a fork whose parent has a fatal
 * signal pending).  Orphans become our children before their parent can be
 * reaped, so the wait ends with none left of ours.  One that joined from
 * outside (`exec`, setns) is its parent's to reap, and the last kill(-1)
 * sees it, or its zombie: then false, and the kernel waits for it as we
 * exit, as it always did. */
static bool end_the_rest(void)
{
    if (kill(-1, SIGKILL) < 0)
        return errno == ESRCH; /* nothing else there */
    for (;;) {
        if (waitpid(-1, NULL, __WALL) < 0) {
            if (errno == EINTR)
                continue;
            if (errno != ECHILD)
                return false;
            break;
        }
    }
    return kill(-1, SIGKILL) < 0 && errno == ESRCH;
}

/* The process ended with code.  With a report pipe, the runtime learns it
 * now, once nothing else of the sandbox is left, and does its cleanup
 * while the kernel tears us and our namespaces down; it still reaps us
 * before it returns.  Otherwise (or when something else was left) it
 * learns it by reaping us, as before. */
static _Noreturn void finish(int report, int code)
{
    if (report >= 0 && end_the_rest()) {
        unsigned char c = (unsigned char)code;
        /* a failed write (the runtime is gone) changes nothing: we exit */
        ssize_t n = write(report, &c, 1);
        (void)n;
    }
    _exit(code);
}

static _Noreturn void reaper(pid_t child, int report, const sigset_t *all, const sigset_t *early)
{
    drop_everything(child, report);
    forward_early(child, early);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(all, &si);
        if (sig < 0)
            continue; /* EINTR: nothing else can fail with a valid set */
        int code;
        if (sig == SIGCHLD) {
            if (reap(child, &code))
                finish(report, code);
        } else if (si.si_code != SI_KERNEL) {
            kill(child, sig);
        }
    }
}

/* Block every signal (they wait for sigwaitinfo) and note those already
 * queued; fork.  *child: 0 in the child. */
static int split(sigset_t *all, sigset_t *early, pid_t *child, pd_error **err)
{
    sigset_t old;
    sigfillset(all);
    /* From here on, signals sent to pid 1 wait in its queue for sigwaitinfo. */
    if (sigprocmask(SIG_SETMASK, all, &old) < 0)
        return pd_fail_errno(err, "init reaper: block signals");
    if (sigpending(early) < 0)
        return pd_fail_errno(err, "init reaper: sigpending");
    *child = fork();
    if (*child < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        errno = e;
        return pd_fail_errno(err, "init reaper: fork the process");
    }
    return 0;
}

int pd_init_reaper_split_early(int conn, void (*start)(void *arg, int *report), void *arg,
                               pd_error **err)
{
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return pd_fail_errno(err, "init reaper: pipe");
    sigset_t all, early;
    pid_t child;
    if (split(&all, &early, &child, err) < 0) {
        close(go[0]);
        close(go[1]);
        return -1;
    }
    if (child == 0) {
        close(go[1]);
        char c;
        ssize_t n;
        while ((n = read(go[0], &c, 1)) < 0 && errno == EINTR)
            ;
        if (n != 1)
            _exit(1); /* pid 1 failed before start: it said why */
        close(go[0]);
        return 0;
    }
    close(go[0]);
    int report = -1;
    start(arg, &report);
    if (write(go[1], "g", 1) != 1) {
        kill(child, SIGKILL);
        _exit(1);
    }
    close(go[1]);
    close(conn);
    reaper(child, report, &all, &early);
}

int pd_init_reaper_split(int conn, int report, pd_error **err)
{
    sigset_t all, early;
    pid_t child;
    if (split(&all, &early, &child, err) < 0)
        return -1;
    if (child == 0) {
        if (report >= 0)
            close(report); /* pid 1's alone */
        return 0;
    }
    close(conn);
    reaper(child, report, &all, &early);
}
