/* Unit tests: pd_clone_vm (runtime/clone_vm.c), the child that shares the
 * caller's memory until it execs.  Under AddressSanitizer (and on other
 * architectures) it must refuse with ENOSYS, so that callers fork. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_vm.h"
#include "unit.h"


static volatile int seen_by_child;
static int pipe_fds[2];

struct job {
    int value;
    bool exec_true;
    pid_t pid_in_child;
};

static int child(void *arg) __attribute__((unused));
static int child(void *arg)
{
    struct job *j = arg;
    seen_by_child = j->value;        /* the caller's memory */
    j->pid_in_child = getpid();
    close(pipe_fds[0]);              /* its own fd table: the caller's stays open */
    char buf[8192];                  /* a stack of its own, deep enough */
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)i;
    if (j->exec_true) {
        char *argv[] = {"/bin/true", NULL};
        execv(argv[0], argv);
        _exit(126);
    }
    return 7 + (buf[100] != 100);
}

static void test_shares_memory_and_waits(void)
{
    struct pd_clone_args a = {.exit_signal = SIGCHLD};
    struct job j = {.value = 42};
    CHECK(pipe(pipe_fds) == 0);
    seen_by_child = 0;
    pid_t pid = pd_clone_vm(&a, child, &j);
#ifdef UNIT_NO_CLONE_VM
    CHECK(pid < 0 && errno == ENOSYS);
    CHECK(seen_by_child == 0);
#else
    CHECK(pid > 0);
    /* it returned only after the child ran: its writes are here already */
    CHECK(seen_by_child == 42);
    CHECK(j.pid_in_child == pid);
    CHECK(fcntl(pipe_fds[0], F_GETFD) >= 0);
    CHECK(unit_wait_code(pid) == 7);
#endif
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static void test_exec(void)
{
    struct pd_clone_args a = {.exit_signal = SIGCHLD};
    struct job j = {.value = 5, .exec_true = true};
    CHECK(pipe(pipe_fds) == 0);
    pid_t pid = pd_clone_vm(&a, child, &j);
#ifdef UNIT_NO_CLONE_VM
    CHECK(pid < 0 && errno == ENOSYS);
#else
    CHECK(pid > 0 && seen_by_child == 5);
    CHECK(unit_wait_code(pid) == 0); /* /bin/true ran */
#endif
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static void test_bad_args(void)
{
    /* clone3's own errors come back as -1 and errno, nothing ran */
    struct pd_clone_args a = {.exit_signal = SIGCHLD, .flags = CLONE_INTO_CGROUP, .cgroup = 999999};
    struct job j = {.value = 9};
    seen_by_child = 0;
    pid_t pid = pd_clone_vm(&a, child, &j);
    CHECK(pid < 0);
#ifdef UNIT_NO_CLONE_VM
    CHECK(errno == ENOSYS);
#else
    CHECK(errno == EBADF);
#endif
    CHECK(seen_by_child == 0);
}

int main(void)
{
    RUN(test_shares_memory_and_waits);
    RUN(test_exec);
    RUN(test_bad_args);
    UNIT_EXIT();
}
