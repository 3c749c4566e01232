#define _GNU_SOURCE
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

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
