/* paddock sandbox in container-boundary mode: its state directory, and
 * finding its processes without a PID namespace.  See boundary_state.h. */
#define _GNU_SOURCE
#include "boundary_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_env.h"
#include "util.h"

/* ---- the state directory ---- */

static void state_fill(struct pd_state *st, const struct pd_sandbox_opts *o, const char *id,
                       const char *path, const struct pd_config *cfg)
{
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    st->id = pd_xstrdup(id);
    st->bundle = pd_xstrdup(path);
    st->oci_version = pd_xstrdup(cfg->oci_version ? cfg->oci_version : "1.0.2");
    st->created = pd_xstrdup(ts);
    st->rootless = geteuid() != 0 || !pd_in_initial_userns();
    st->cgroup = pd_xstrdup("");
    st->status = PD_STATUS_CREATING;
    st->annotations = pd_xcalloc(cfg->n_annotations + 1, sizeof(struct pd_kv));
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        st->annotations[i].key = pd_xstrdup(cfg->annotations[i].key);
        st->annotations[i].value = pd_xstrdup(cfg->annotations[i].value);
    }
    st->annotations[cfg->n_annotations].key = pd_xstrdup("dev.paddock.environment");
    st->annotations[cfg->n_annotations].value = pd_xstrdup("container-boundary");
    st->n_annotations = cfg->n_annotations + 1;
    const struct pd_sandbox_env *e = o->env;
    st->env.mode = pd_xstrdup("container-boundary");
    st->env.reason = e != NULL && e->why != NULL ? pd_xstrdup(e->why) : NULL;
    st->env.container = e != NULL && e->container != NULL ? pd_xstrdup(e->container) : NULL;
    st->env.landlock_abi = e != NULL ? e->landlock_abi : 0;
    st->env.seccomp = e != NULL && e->seccomp;
    st->env.keyring_blocked = e != NULL && e->keyring_blocked;
}

/* The fields of st (st itself is embedded). */
static void state_clear(struct pd_state *st)
{
    struct pd_state *copy = pd_xcalloc(1, sizeof(*copy));
    *copy = *st;
    pd_state_free(copy);
    memset(st, 0, sizeof(*st));
}

int pd_boundary_state_create(const struct pd_sandbox_opts *o, const char *id,
                             const char *config, const struct pd_config *cfg,
                             struct pd_boundary_state *bs, pd_error **err)
{
    _cleanup_free_ char *def = o->root == NULL ? pd_state_default_root() : NULL;
    memset(bs, 0, sizeof(*bs));
    if (pd_state_dir_create(o->root != NULL ? o->root : def, id, &bs->d, err) < 0) {
        pd_state_dir_close(&bs->d);
        return pd_wrap(err, "sandbox: record the state");
    }
    _cleanup_free_ char *shown = pd_xasprintf("%s/config.json", bs->d.path);
    if (pd_state_write_atomic(bs->d.fd, "config.json", shown, config, strlen(config), 0600,
                              err) < 0) {
        pd_state_dir_remove(&bs->d, NULL);
        return pd_wrap(err, "sandbox: record the state");
    }
    state_fill(&bs->st, o, id, bs->d.path, cfg);
    return 0;
}

void pd_boundary_state_started(void *arg, pid_t pid)
{
    struct pd_boundary_state *bs = arg;
    _cleanup_error_ pd_error *err = NULL;
    if (bs->d.fd >= 0) {
        bs->st.pid = pid;
        bs->st.pid_start = pd_pid_start_time(pid);
        bs->st.status = PD_STATUS_RUNNING;
        if (pd_state_write(&bs->d, &bs->st, &err) < 0)
            pd_warn("sandbox: %s (list, state, status and delete won't see %s)", err->msg,
                    bs->st.id);
        /* let kill, state, status and delete work on it while it runs */
        if (flock(bs->d.fd, LOCK_UN) < 0)
            pd_warn("sandbox: unlock %s: %s", bs->d.path, strerror(errno));
    }
    if (bs->started != NULL)
        bs->started(bs->arg, pid);
}

void pd_boundary_state_finish(struct pd_boundary_state *bs)
{
    _cleanup_error_ pd_error *err = NULL;
    if (bs->d.fd >= 0) {
        if (flock(bs->d.fd, LOCK_EX) < 0)
            pd_warn("sandbox: lock %s: %s", bs->d.path, strerror(errno));
        /* `delete --force` may have removed it already */
        if (faccessat(bs->d.fd, "config.json", F_OK, 0) < 0 && errno == ENOENT)
            pd_state_dir_close(&bs->d);
        else if (pd_state_dir_remove(&bs->d, &err) < 0)
            pd_warn("sandbox: remove its state: %s", err->msg);
    }
    state_clear(&bs->st);
}

/* ---- its processes ---- */

struct proc {
    pid_t pid, ppid, pgrp, sid;
    unsigned long long start;
    bool mark;
};

/* /proc/PID/stat: ppid, pgrp, session (fields 4-6) and starttime (22);
 * false for zombies and vanished processes. */
static bool read_proc(pid_t pid, struct proc *p)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file(path, 4096, &buf, NULL, NULL) < 0)
        return false;
    char *s = strrchr(buf, ')'), state = 0;
    int ppid, pgrp, sid;
    if (s == NULL || sscanf(s + 1, " %c %d %d %d", &state, &ppid, &pgrp, &sid) != 4 ||
        state == 'Z' || state == 'X')
        return false;
    *p = (struct proc){.pid = pid, .ppid = ppid, .pgrp = pgrp, .sid = sid,
                       .start = pd_pid_start_time(pid)};
    return p->start != 0;
}

static struct proc *list_procs(size_t *n)
{
    *n = 0;
    struct proc *v = NULL;
    DIR *d = opendir("/proc");
    if (d == NULL)
        return NULL;
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d)) != NULL) {
        unsigned long long pid;
        if (!pd_parse_u64(de->d_name, &pid) || pid == 0 || pid > (1u << 22) ||
            (pid_t)pid == getpid())
            continue;
        if (*n == cap)
            v = pd_xrealloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));
        if (read_proc((pid_t)pid, &v[*n]))
            (*n)++;
    }
    closedir(d);
    return v;
}

/* Mark the run's processes: the command, its session and group, and the
 * descendants of those (a fixed point: the list is in no particular order). */
static void mark_run(struct proc *v, size_t n, const struct pd_state *st)
{
    for (size_t i = 0; i < n; i++) {
        /* the pid reused: no session or group of the run is left (the kernel
           keeps a pid unused while it names one) */
        if (v[i].pid == st->pid && v[i].start != st->pid_start)
            return;
    }
    for (size_t i = 0; i < n; i++)
        v[i].mark = (v[i].pid == st->pid && v[i].start == st->pid_start) ||
                    ((v[i].sid == st->pid || v[i].pgrp == st->pid) && v[i].start >= st->pid_start);
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; !v[i].mark && j < n; j++)
                if (v[j].mark && v[j].pid == v[i].ppid && v[i].pid > 1)
                    v[i].mark = more = true;
    }
}

static bool signal_proc(const struct proc *p, int sig)
{
    _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    /* opened, then checked: a pid reused since the scan is left alone */
    if (fd < 0 || pd_pid_start_time(p->pid) != p->start)
        return false;
    return syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0;
}

int pd_boundary_kill_tree(const struct pd_state *st, int sig)
{
    if (st->pid <= 1)
        return 0;
    size_t n;
    struct proc *v = list_procs(&n);
    mark_run(v, n, st);
    int count = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].mark && signal_proc(&v[i], sig))
            count++;
    free(v);
    return count;
}
