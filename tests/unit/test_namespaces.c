/* Unit tests: pd_ns_make_net and pd_ns_enter_net (runtime/namespaces.c),
 * the network namespace a root runtime makes beside a container's init,
 * and the init's side of it (joining that one, or making its own when no
 * helper could).  Needs root.  Under AddressSanitizer pd_ns_make_net has
 * no helper (clone_vm.h) and must say so, so that the init makes it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces.h"
#include "unit.h"


static ino_t ino_of_path(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of_fd(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* The user namespace that owns the namespace behind fd. */
static __attribute__((unused)) ino_t owner_of(int fd)
{
    int u = ioctl(fd, NS_GET_USERNS);
    if (u < 0)
        return 0;
    ino_t i = ino_of_fd(u);
    close(u);
    return i;
}

/* In the caller's network namespace: lo is up. */
static bool lo_up_here(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    snprintf(r.ifr_name, sizeof(r.ifr_name), "lo");
    bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP);
    if (s >= 0)
        close(s);
    return up;
}

/* In a child: join fd's network namespace; 0 when lo is up there. */
static __attribute__((unused)) int lo_up_in(int fd)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(setns(fd, CLONE_NEWNET) == 0 && lo_up_here() ? 0 : 1);
    return unit_wait_code(pid);
}

/* A process in a user namespace of its own (no maps: the helper needs
 * none), blocked until its pipe closes. */
static pid_t userns_child(int *release)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        char c;
        close(p[1]);
        (void)!read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    *release = p[1];
    return pid;
}

static void test_make_net_root(void)
{
    ino_t ours = ino_of_path("/proc/self/ns/net");
    int fd = -1;
    pd_error *err = NULL;
    int r = pd_ns_make_net(-1, &fd, &err);
#ifdef UNIT_NO_CLONE_VM
    CHECK(r < 0 && fd < 0 && err != NULL && err->errnum == ENOSYS);
#else
    CHECK(r == 0 && fd >= 0 && err == NULL);
    CHECK(ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET);
    CHECK(ino_of_fd(fd) != ours && ino_of_fd(fd) != 0);
    /* no user namespace joined: ours owns it, as a clone would have made it */
    CHECK(owner_of(fd) == ino_of_path("/proc/self/ns/user"));
    CHECK(lo_up_in(fd) == 0);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    close(fd);
#endif
    /* the caller stays where it was */
    CHECK(ino_of_path("/proc/self/ns/net") == ours);
    pd_error_free(err);
}

static void test_make_net_owned_by_the_inits_userns(void)
{
    int release = -1;
    pid_t child = userns_child(&release);
    CHECK(child > 0);
    if (child <= 0)
        return;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
    int fd = -1, userns = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(userns >= 0);
    pd_error *err = NULL;
    int r = pd_ns_make_net(userns, &fd, &err);
#ifdef UNIT_NO_CLONE_VM
    CHECK(r < 0 && fd < 0 && err != NULL);
#else
    CHECK(r == 0 && fd >= 0);
    /* owned by the child's user namespace: its root can configure it */
    CHECK(owner_of(fd) == ino_of_path(path) && owner_of(fd) != ino_of_path("/proc/self/ns/user"));
    CHECK(lo_up_in(fd) == 0);
    close(fd);
#endif
    /* the runtime itself never entered that user namespace */
    CHECK(ino_of_path("/proc/self/ns/user") != ino_of_path(path));
    if (userns >= 0)
        close(userns);
    close(release);
    CHECK(unit_wait_code(child) == 0);
    pd_error_free(err);
}

static void test_make_net_bad_userns(void)
{
    /* not a user namespace: an error, no fd, no helper left behind */
    int bad = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd = 7;
    pd_error *err = NULL;
    CHECK(pd_ns_make_net(bad, &fd, &err) < 0);
    CHECK(fd == -1 && err != NULL);
    close(bad);
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
    pd_error_free(err);
}

/* The init's fallback: no fd, it makes the namespace itself. */
static void test_enter_net_makes_one(void)
{
    ino_t ours = ino_of_path("/proc/self/ns/net");
    pid_t pid = fork();
    if (pid == 0) {
        pd_error *err = NULL;
        if (pd_ns_enter_net(-1, &err) < 0)
            _exit(2);
        ino_t now = ino_of_path("/proc/self/ns/net");
        _exit(now != ours && now != 0 && lo_up_here() ? 0 : 3);
    }
    CHECK(unit_wait_code(pid) == 0);
}

/* The init's usual side: join the fd it was given, and close it. */
static void test_enter_net_joins(void)
{
    /* a network namespace held by a sleeping child */
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    pid_t holder = fork();
    if (holder == 0) {
        char c;
        close(p[1]);
        if (unshare(CLONE_NEWNET) < 0)
            _exit(1);
        (void)!read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder);
    int fd = -1;
    for (int i = 0; i < 1000 && fd < 0; i++) {
        if (ino_of_path(path) != ino_of_path("/proc/self/ns/net"))
            fd = open(path, O_RDONLY | O_CLOEXEC);
        else
            usleep(1000);
    }
    CHECK(fd >= 0);
    ino_t want = fd >= 0 ? ino_of_fd(fd) : 0;
    pid_t pid = fork();
    if (pid == 0) {
        pd_error *err = NULL;
        if (pd_ns_enter_net(fd, &err) < 0)
            _exit(2);
        bool closed = fcntl(fd, F_GETFD) < 0 && errno == EBADF;
        _exit(ino_of_path("/proc/self/ns/net") == want && closed ? 0 : 3);
    }
    CHECK(unit_wait_code(pid) == 0);
    /* a bad fd: the error names the step */
    pid = fork();
    if (pid == 0) {
        pd_error *err = NULL;
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        bool failed = pd_ns_enter_net(devnull, &err) < 0 && err != NULL &&
                      strstr(err->msg, "join the network namespace") != NULL;
        _exit(failed ? 0 : 4);
    }
    CHECK(unit_wait_code(pid) == 0);
    if (fd >= 0)
        close(fd);
    close(p[1]);
    CHECK(unit_wait_code(holder) == 0);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("not ok test_namespaces # needs root (network and user namespaces)\n");
        return 1;
    }
    RUN(test_make_net_root);
    RUN(test_make_net_owned_by_the_inits_userns);
    RUN(test_make_net_bad_userns);
    RUN(test_enter_net_makes_one);
    RUN(test_enter_net_joins);
    UNIT_EXIT();
}
