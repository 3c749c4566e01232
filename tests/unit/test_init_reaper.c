/* Unit tests: the minimal init's split before `start`
 * (pd_init_reaper_split_early, runtime/init_reaper.c): the process is
 * forked at once but goes on only after pid 1's start step returned, never
 * when it failed; pid 1 then reaps it and exits with its status.  Needs
 * root (pid 1 drops its capabilities, bounding set included). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init_reaper.h"
#include "unit.h"

/* The pipe the test reads what happened from: 'S' start began, 'R' start
 * returned, 'C' the process went on. */
static int marks[2];
/* The test lets start return by writing a byte here. */
static int gate[2];

static void mark(char c)
{
    (void)!write(marks[1], &c, 1);
}

static void start_ok(void *arg, int *report)
{
    (void)arg;
    *report = -1;
    mark('S');
    char c;
    if (read(gate[0], &c, 1) != 1)
        _exit(3);
    mark('R');
}

static void start_fails(void *arg, int *report)
{
    (void)arg, (void)report;
    mark('S');
    _exit(4); /* as die() does: the process must not go on */
}

/* "Pid 1": split, then the process marks and exits 7. */
static pid_t pid1(void (*start)(void *, int *))
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pid_t p = fork();
    if (p == 0) {
        pd_error *err = NULL;
        if (pd_init_reaper_split_early(sv[0], start, NULL, &err) < 0)
            _exit(2);
        mark('C');
        _exit(7);
    }
    close(sv[0]);
    close(sv[1]);
    return p;
}

/* The next mark within ms, or 0. */
static char next_mark(int ms)
{
    struct pollfd p = {.fd = marks[0], .events = POLLIN};
    char c = 0;
    if (poll(&p, 1, ms) == 1 && read(marks[0], &c, 1) != 1)
        c = 0;
    return c;
}

static void test_goes_on_after_start(void)
{
    CHECK(pipe2(marks, O_CLOEXEC) == 0 && pipe2(gate, O_CLOEXEC) == 0);
    pid_t p = pid1(start_ok);
    CHECK(p > 0);
    CHECK(next_mark(5000) == 'S');
    /* forked already, but held until start returns */
    CHECK(next_mark(200) == 0);
    CHECK(write(gate[1], "g", 1) == 1);
    CHECK(next_mark(5000) == 'R');
    CHECK(next_mark(5000) == 'C');
    /* pid 1 reaped it and exits with its status */
    CHECK(unit_wait_code(p) == 7);
    close(marks[0]);
    close(marks[1]);
    close(gate[0]);
    close(gate[1]);
}

static void test_never_goes_on_when_start_fails(void)
{
    CHECK(pipe2(marks, O_CLOEXEC) == 0 && pipe2(gate, O_CLOEXEC) == 0);
    pid_t p = pid1(start_fails);
    CHECK(p > 0);
    CHECK(next_mark(5000) == 'S');
    CHECK(unit_wait_code(p) == 4);
    close(marks[1]);
    /* the process saw pid 1 go and exited: every write end closes, no 'C' */
    struct pollfd pf = {.fd = marks[0], .events = POLLIN};
    char c = 0;
    CHECK(poll(&pf, 1, 5000) == 1);
    CHECK(read(marks[0], &c, 1) == 0);
    close(marks[0]);
    close(gate[0]);
    close(gate[1]);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("not ok test_init_reaper # needs root (pid 1 drops its capabilities)\n");
        return 1;
    }
    RUN(test_goes_on_after_start);
    RUN(test_never_goes_on_when_start_fails);
    UNIT_EXIT();
}
