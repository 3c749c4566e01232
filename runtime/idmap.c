#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

extern char **environ;

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

/* Start newuidmap/newgidmap PID ID HOST SIZE... directly (no shell), with
 * posix_spawn (vfork: no copy of our page tables) and an empty signal mask. */
static int spawn_helper(const char *helper, pid_t pid, const struct pd_idmap *m, size_t n,
                        pid_t *child, pd_error **err)
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
    posix_spawnattr_t attr;
    sigset_t none;
    sigemptyset(&none);
    int r = posix_spawnattr_init(&attr);
    if (r == 0 && (r = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
        (r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK)) == 0)
        r = posix_spawnp(child, helper, NULL, &attr, args, environ);
    posix_spawnattr_destroy(&attr);
    if (r == ENOENT)
        return pd_failx(err, "%s not found: install the Debian package uidmap", helper);
    if (r != 0)
        return pd_fail(err, r, "start %s", helper);
    return 0;
}

static int wait_helper(const char *helper, pid_t child, pd_error **err)
{
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

/* Both helpers at once (they write different files): a setuid exec each,
 * ~1.3 ms, so running them side by side halves what rootless start waits. */
static int run_helpers(pid_t pid, const struct pd_ns_plan *ns, pd_error **err)
{
    pid_t g = -1, u = -1;
    if (spawn_helper("newgidmap", pid, ns->gid_map, ns->n_gid_map, &g, err) < 0)
        return -1;
    int r = spawn_helper("newuidmap", pid, ns->uid_map, ns->n_uid_map, &u, err);
    _cleanup_error_ pd_error *e = NULL;
    /* both are reaped whatever happens; the first error wins */
    if (wait_helper("newgidmap", g, r < 0 ? &e : err) < 0)
        r = -1;
    if (u > 0 && wait_helper("newuidmap", u, r < 0 ? &e : err) < 0)
        r = -1;
    return r;
}

int pd_idmap_write(pid_t pid, const struct pd_ns_plan *ns, pd_error **err)
{
    if (ns->idmap == PD_IDMAP_HELPER) {
        if (run_helpers(pid, ns, err) < 0)
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
