#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

static char *format_map(const struct pd_idmap *m, size_t n)
{
    size_t cap = n * 40 + 1, len = 0;
    char *buf = pd_xmalloc(cap);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%u %u %u\n", m[i].container_id,
                                m[i].host_id, m[i].size);
    return buf;
}

static int write_direct(pid_t pid, const char *file, const struct pd_idmap *m, size_t n,
                        pd_error **err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_free_ char *data = format_map(m, n);
    if (pd_write_string(path, data, err) < 0)
        return pd_wrap(err, "write %s (%s)", file, n == 1 ? "single mapping" : "ranges");
    return 0;
}

/* Run newuidmap/newgidmap PID ID HOST SIZE... directly (execvp, no shell). */
static int run_helper(const char *helper, pid_t pid, const struct pd_idmap *m, size_t n,
                      pd_error **err)
{
    char **argv = pd_xcalloc(3 + 3 * n, sizeof(char *));
    size_t a = 0;
    argv[a++] = pd_xstrdup(helper);
    argv[a++] = pd_xasprintf("%d", (int)pid);
    for (size_t i = 0; i < n; i++) {
        argv[a++] = pd_xasprintf("%u", m[i].container_id);
        argv[a++] = pd_xasprintf("%u", m[i].host_id);
        argv[a++] = pd_xasprintf("%u", m[i].size);
    }
    _cleanup_strv_ char **args = argv;
    pid_t child = fork();
    if (child < 0)
        return pd_fail_errno(err, "fork %s", helper);
    if (child == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        execvp(helper, args);
        fprintf(stderr, "paddock: exec %s: %s\n", helper, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "wait for %s", helper);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return pd_failx(err, "%s not found: install the Debian package uidmap", helper);
    return pd_failx(err, "%s failed (status %d): the mappings must be ranges that /etc/sub%cid "
                    "grants to this user", helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                    helper[3] == 'u' ? 'u' : 'g');
}

int pd_idmap_write(pid_t pid, const struct pd_ns_plan *ns, pd_error **err)
{
    if (ns->idmap == PD_IDMAP_HELPER) {
        if (run_helper("newgidmap", pid, ns->gid_map, ns->n_gid_map, err) < 0 ||
            run_helper("newuidmap", pid, ns->uid_map, ns->n_uid_map, err) < 0)
            return pd_wrap(err, "user namespace");
        return 0;
    }
    if (ns->deny_setgroups) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
        if (pd_write_string(path, "deny", err) < 0)
            return pd_wrap(err, "user namespace");
    }
    if (write_direct(pid, "gid_map", ns->gid_map, ns->n_gid_map, err) < 0 ||
        write_direct(pid, "uid_map", ns->uid_map, ns->n_uid_map, err) < 0)
        return pd_wrap(err, "user namespace");
    return 0;
}
