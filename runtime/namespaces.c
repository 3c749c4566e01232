#define _GNU_SOURCE
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_vm.h"
#include "netlink.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int pd_ns_join(const struct pd_ns_plan *ns, pd_error **err)
{
    int fds[PD_NS__COUNT];
    size_t opened = 0;
    int ret = 0;
    for (; opened < ns->n_join; opened++) {
        const struct pd_ns_join *j = &ns->join[opened];
        fds[opened] = open(j->path, O_RDONLY | O_CLOEXEC);
        if (fds[opened] < 0) {
            ret = pd_fail_errno(err, ".linux.namespaces[%zu].path: join %s namespace: open %s",
                                j->index, pd_ns_type_name(j->type), j->path);
            break;
        }
    }
    for (size_t i = 0; ret == 0 && i < opened; i++) {
        const struct pd_ns_join *j = &ns->join[i];
        if (setns(fds[i], j->nstype) == 0)
            continue;
        if (errno == EINVAL) /* not a namespace, or one of another type */
            ret = pd_fail_errno(err, ".linux.namespaces[%zu].path: %s is not a %s namespace",
                                j->index, j->path, pd_ns_type_name(j->type));
        else
            ret = pd_fail_errno(err, ".linux.namespaces[%zu].path: join %s namespace %s",
                                j->index, pd_ns_type_name(j->type), j->path);
    }
    for (size_t i = 0; i < opened; i++)
        close(fds[i]);
    return ret;
}

static int write_time_offsets(const struct pd_linux *l, pd_error **err)
{
    char buf[128] = "";
    size_t n = 0;
    if (l->time_monotonic.set)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "monotonic %lld %u\n",
                              (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
    if (l->time_boottime.set)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "boottime %lld %u\n",
                              (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
    if (n == 0)
        return 0;
    if (pd_write_string("/proc/self/timens_offsets", buf, err) < 0)
        return pd_wrap(err, ".linux.timeOffsets");
    return 0;
}

int pd_ns_unshare(const struct pd_plan *plan, pd_error **err)
{
    int flags = plan->ns.unshare_flags;
    if (flags != 0 && unshare(flags) < 0) {
        int e = errno;
        /* Name the namespace that failed, for a useful message. */
        for (int t = 0; t < PD_NS__COUNT; t++) {
            int f = pd_ns_clone_flag(t);
            if ((flags & f) && unshare(f) < 0)
                return pd_fail_errno(err, "create %s namespace", pd_ns_type_name(t));
        }
        return pd_fail(err, e, "create namespaces");
    }
    if (flags & CLONE_NEWTIME)
        return write_time_offsets(&plan->cfg->linux_, err);
    return 0;
}

struct net_helper {
    int userns;       /* the init's user namespace, joined first; -1: none */
    int fd;           /* out: the new network namespace */
    pd_error *err;    /* out */
    bool pinned;      /* cloned on our CPU alone: cpus restored as it starts */
    cpu_set_t cpus;
};

/* In the helper (clone_vm.h: our memory, our fd table, we wait). */
static int net_helper(void *arg)
{
    struct net_helper *h = arg;
    if (h->pinned)
        sched_setaffinity(0, sizeof(h->cpus), &h->cpus);
    if (h->userns >= 0 && setns(h->userns, CLONE_NEWUSER) < 0) {
        pd_fail_errno(&h->err, "join the container's user namespace");
        return 1;
    }
    if (unshare(CLONE_NEWNET) < 0) {
        pd_fail_errno(&h->err, "create network namespace");
        return 1;
    }
    if (pd_netlink_link_up("lo", &h->err) < 0)
        return 1;
    h->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (h->fd < 0) {
        pd_fail_errno(&h->err, "open the new network namespace");
        return 1;
    }
    return 0;
}

int pd_ns_make_net(int userns, int *fd, pd_error **err)
{
    *fd = -1;
    struct net_helper h = {.userns = userns, .fd = -1, .err = NULL};
    struct pd_clone_args ca = {.flags = CLONE_FILES, .exit_signal = SIGCHLD};
    /* The helper starts on our CPU, which is free while we wait for it,
     * not beside the init (container.c, spawn, says why): cloned with our
     * CPU alone, it takes our whole set back at once, and so do we. */
    int cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    if (pd_cpu_here(&cpu, &h.cpus)) {
        CPU_SET(cpu, &one);
        h.pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
    }
    pid_t pid = pd_clone_vm(&ca, net_helper, &h);
    int e = errno;
    if (h.pinned)
        sched_setaffinity(0, sizeof(h.cpus), &h.cpus);
    if (pid < 0)
        return pd_fail(err, e, "start the network namespace helper");
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "wait for the network namespace helper");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && h.fd >= 0) {
        *fd = h.fd;
        pd_error_free(h.err);
        return 0;
    }
    if (h.fd >= 0)
        close(h.fd);
    if (h.err != NULL) {
        *err = h.err;
        return -1;
    }
    return pd_failx(err, "network namespace helper: status 0x%x", status);
}

int pd_ns_enter_net(int fd, pd_error **err)
{
    if (fd >= 0) {
        int r = setns(fd, CLONE_NEWNET);
        int e = errno;
        close(fd);
        return r < 0 ? pd_fail(err, e, "join the network namespace made for the container") : 0;
    }
    if (unshare(CLONE_NEWNET) < 0)
        return pd_fail_errno(err, "create network namespace");
    /* lo up, as runc and crun do, so that 127.0.0.1 works inside */
    if (pd_netlink_link_up("lo", err) < 0)
        return pd_wrap(err, "bring up lo in the container's network namespace");
    return 0;
}
