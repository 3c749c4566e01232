/* Unit tests: the minimal init's child (pd_init_reaper_spawn,
 * runtime/init_reaper.c).  "Pid 1" here is a forked test process: it runs
 * the process's function in a child (shared memory until exec, or a fork:
 * each case runs both ways; under AddressSanitizer both fork),
 * reaps it, writes its status to the report pipe and exits with it;
 * signals queued on pid 1 before the child existed go to the child.
 * Needs root (pid 1 drops its capabilities, bounding set included). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "init_reaper.h"
#include "unit.h"

/* What the child saw, one byte each: its pid differs from pid 1's ('P'),
 * the report pipe is closed in it ('B'). */
static int marks[2];
static int report[2];
/* the child as pd_init_reaper_spawn's share asks: shared memory, or a fork */
static bool share;

struct child_arg {
    pid_t pid1;
    int code;
    bool exec_sleep;
    bool stop;  /* the child stops itself first */
    bool share; /* pd_init_reaper_spawn's: a clone_vm child, else a fork */
};

static int child_fn(void *p)
{
    const struct child_arg *c = p;
    if (getpid() != c->pid1)
        (void)!write(marks[1], "P", 1);
    if (fcntl(report[1], F_GETFD) < 0 && errno == EBADF)
        (void)!write(marks[1], "B", 1);
    if (c->stop) /* kill, not raise: a raw clone's child has its parent's
                  * thread id cached in musl, which raise() signals */
        kill(getpid(), SIGSTOP);
    if (c->exec_sleep) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        char *argv[] = {"sleep", "10", NULL};
        execv("/bin/sleep", argv);
        return 99;
    }
    return c->code;
}

/* The pty of the early terminal signal (ptm: its master), or -1. */
static int ptm = -1;

/* Pid 1's terminal: a session of its own with the pty as its controlling
 * terminal; a Ctrl-C typed now (the test types it once 'T' is marked)
 * queues SIGINT from the kernel (SI_KERNEL) on it, as on a sandbox's
 * init that is still setting up. */
static bool early_ctrl_c(void)
{
    sigset_t intr, pending;
    sigemptyset(&intr);
    sigaddset(&intr, SIGINT);
    if (sigprocmask(SIG_BLOCK, &intr, NULL) < 0 || setsid() < 0)
        return false;
    int pts = open(ptsname(ptm), O_RDWR | O_CLOEXEC);
    if (pts < 0 || tcsetpgrp(pts, getpid()) < 0 || write(marks[1], "T", 1) != 1)
        return false;
    for (int i = 0; i < 1000; i++) {
        if (sigpending(&pending) == 0 && sigismember(&pending, SIGINT) == 1)
            return true;
        usleep(5000);
    }
    return false;
}

/* Pid 1 of a PID namespace of its own (with a report pipe it kills
 * every other process of its namespace: kill(-1)); with early, SIGTERM is
 * queued on it before the child exists (and SIGINT from its terminal when
 * ptm >= 0). */
static pid_t pid1(struct child_arg *c, bool early)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pid_t p = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (p == 0) {
        close(report[0]);
        close(marks[0]);
        c->pid1 = getpid();
        if (c->pid1 != 1)
            _exit(3);
        if (early) {
            sigset_t term;
            sigemptyset(&term);
            sigaddset(&term, SIGTERM);
            sigprocmask(SIG_BLOCK, &term, NULL);
            kill(getpid(), SIGTERM); /* not raise(): see child_fn */
        }
        if (ptm >= 0 && !early_ctrl_c())
            _exit(4);
        pd_error *err = NULL;
        pd_init_reaper_spawn(sv[0], report[1], child_fn, c, c->share, &err);
        _exit(2);
    }
    close(sv[0]);
    close(sv[1]);
    close(report[1]);
    close(marks[1]);
    return p;
}

static void setup(void)
{
    CHECK(pipe2(marks, O_CLOEXEC) == 0 && pipe2(report, O_CLOEXEC) == 0);
}

/* Everything the child marked, up to n bytes. */
static size_t read_marks(char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;
    while (got < n && (r = read(marks[0], buf + got, n - got)) > 0)
        got += (size_t)r;
    close(marks[0]);
    return got;
}

static int read_report(void)
{
    unsigned char c;
    struct pollfd p = {.fd = report[0], .events = POLLIN};
    int r = poll(&p, 1, 10000) == 1 && read(report[0], &c, 1) == 1 ? c : -1;
    close(report[0]);
    return r;
}

static void test_child_runs_and_is_reaped(void)
{
    setup();
    struct child_arg c = {.code = 7, .share = share};
    pid_t p = pid1(&c, false);
    CHECK(p > 0);
    CHECK(read_report() == 7);
    CHECK(unit_wait_code(p) == 7);
    char m[4] = {0};
    CHECK(read_marks(m, sizeof(m)) == 2 && m[0] == 'P' && m[1] == 'B');
}

/* A SIGTERM that reached pid 1 before the process existed ends the
 * process (sleep 10 would outlive the poll otherwise). */
static void test_early_signal_forwarded(void)
{
    setup();
    struct child_arg c = {.exec_sleep = true, .share = share};
    pid_t p = pid1(&c, true);
    CHECK(p > 0);
    CHECK(read_report() == 128 + SIGTERM);
    CHECK(unit_wait_code(p) == 128 + SIGTERM);
    char m[4] = {0};
    CHECK(read_marks(m, sizeof(m)) == 2);
}

/* The same with the terminal's SIGINT (sent by the kernel: pid 1 forwards
 * none of those once the process exists, as the process gets them too). */
static void test_early_terminal_signal_forwarded(void)
{
    setup();
    ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    CHECK(ptm >= 0 && grantpt(ptm) == 0 && unlockpt(ptm) == 0);
    struct child_arg c = {.exec_sleep = true, .share = share};
    pid_t p = pid1(&c, false);
    CHECK(p > 0);
    char t = 0;
    CHECK(read(marks[0], &t, 1) == 1 && t == 'T');
    CHECK(write(ptm, "\x03", 1) == 1);
    CHECK(read_report() == 128 + SIGINT);
    CHECK(unit_wait_code(p) == 128 + SIGINT);
    char m[4] = {0};
    CHECK(read_marks(m, sizeof(m)) == 2);
    close(ptm);
    ptm = -1;
}

/* A forked child stopped before its exec (a terminal's Ctrl-Z, say) is
 * resumed by pid 1, which waits for no exec (a shared one would hold pid 1
 * until it ran again: why a sandbox with a terminal forks). */
static void test_forked_child_stopped_is_resumed(void)
{
    setup();
    struct child_arg c = {.code = 5, .stop = true, .share = false};
    pid_t p = pid1(&c, false);
    CHECK(p > 0);
    CHECK(read_report() == 5);
    CHECK(unit_wait_code(p) == 5);
    char m[4] = {0};
    CHECK(read_marks(m, sizeof(m)) == 2);
}

static void test_forked_child_runs_and_is_reaped(void) { test_child_runs_and_is_reaped(); }
static void test_forked_early_signal_forwarded(void) { test_early_signal_forwarded(); }
static void test_forked_early_terminal_signal_forwarded(void)
{
    test_early_terminal_signal_forwarded();
}

int main(void)
{
    if (geteuid() != 0) {
        printf("not ok test_init_reaper # needs root (pid 1 drops its capabilities)\n");
        return 1;
    }
    share = true; /* a fork anyway under ASan (clone_vm.h) */
    RUN(test_child_runs_and_is_reaped);
    RUN(test_early_signal_forwarded);
    RUN(test_early_terminal_signal_forwarded);
    share = false;
    RUN(test_forked_child_runs_and_is_reaped);
    RUN(test_forked_early_signal_forwarded);
    RUN(test_forked_early_terminal_signal_forwarded);
    RUN(test_forked_child_stopped_is_resumed);
    UNIT_EXIT();
}
