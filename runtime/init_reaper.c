/* paddock: the minimal init of pid 1 (see init_reaper.h). */
#define _GNU_SOURCE
#include "init_reaper.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "clone_vm.h"
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

/* The child: the report pipe is pid 1's alone (its exit is EOF). */
struct child {
    int report;
    int (*fn)(void *);
    void *arg;
};

static int child_main(void *p)
{
    struct child *c = p;
    if (c->report >= 0)
        close(c->report);
    return c->fn(c->arg);
}

int pd_init_reaper_spawn(int conn, int report, int (*fn)(void *), void *arg, bool share,
                         pd_error **err)
{
    sigset_t all, early, old;
    sigfillset(&all);
    /* From here on, signals sent to pid 1 wait in its queue for sigwaitinfo. */
    if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
        return pd_fail_errno(err, "init reaper: block signals");
    if (sigpending(&early) < 0)
        return pd_fail_errno(err, "init reaper: sigpending");
    /* share: the child shares our memory until it execs (clone_vm.h): no
     * page tables copied, and it runs at once, on this CPU, while we wait
     * in the kernel (a forked child woken from a pipe on the other vCPU
     * of a VM waited ~0.1 ms for it to leave its idle halt).  A fork
     * otherwise, and where that is not possible (ENOSYS). */
    struct child c = {.report = report, .fn = fn, .arg = arg};
    struct pd_clone_args ca = {.exit_signal = SIGCHLD};
    pid_t child = -1;
    errno = ENOSYS;
    if (share)
        child = pd_clone_vm(&ca, child_main, &c);
    if (child < 0 && errno == ENOSYS && (child = fork()) == 0)
        _exit(child_main(&c));
    if (child < 0) {
        int e = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return pd_fail(err, e, "init reaper: start the process");
    }
    close(conn);
    reaper(child, report, &all, &early);
}
