/* paddock snapshots: freeze a running container for a consistent copy.
 * See snapshot.h (pd_freeze).
 *
 * With a cgroup: its freezer (v1 freezer.state, v2 cgroup.freeze).
 * Without one (a sandbox without limits, rootless without delegation):
 * SIGSTOP to the container's init and to every descendant of it, which is
 * every process of its PID namespace (an orphan is re-parented to the
 * namespace's init or a subreaper inside it), repeated until a pass finds no
 * new process and every thread shows stopped; SIGCONT afterwards, only to
 * the processes paddock stopped.  The init is stopped first, so that it
 * can't resume the others while they are being stopped. */
#define _GNU_SOURCE
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define STOP_WAIT_MS 10000

struct pd_frozen {
    struct pd_cgroup *cg;  /* frozen through the cgroup */
    pid_t *pids;           /* stopped by us, in order */
    size_t n;
};

/* State letter of pid (or of one of its threads, when any is not stopped). */
static char proc_state(pid_t pid)
{
    char path[320], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return 'X';
    char st = 'T';
    struct dirent *e;
    while ((e = readdir(d)) != NULL && st == 'T') {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        if (n <= 0)
            continue;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (p != NULL && p[1] == ' ')
            st = p[2] == 't' ? 'T' : p[2];
    }
    closedir(d);
    return st;
}

static pid_t proc_ppid(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int ppid = 0;
    if (p == NULL || sscanf(p + 2, "%*c %d", &ppid) != 1)
        return 0;
    return (pid_t)ppid;
}

static bool has(const pid_t *v, size_t n, pid_t p)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == p)
            return true;
    return false;
}

/* Stop the descendants of the stopped set not stopped yet; how many new. */
static size_t stop_pass(struct pd_frozen *f)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    size_t added = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end = NULL;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || has(f->pids, f->n, (pid_t)pid))
            continue;
        pid_t pp = proc_ppid((pid_t)pid);
        if (!has(f->pids, f->n, pp))
            continue;
        if (proc_state((pid_t)pid) == 'T')
            continue; /* stopped by someone else: not ours to resume */
        if (kill((pid_t)pid, SIGSTOP) < 0)
            continue;
        f->pids = pd_xrealloc(f->pids, (f->n + 1) * sizeof(pid_t));
        f->pids[f->n++] = (pid_t)pid;
        added++;
    }
    closedir(d);
    return added;
}

static bool all_stopped(const struct pd_frozen *f)
{
    for (size_t i = 0; i < f->n; i++) {
        char st = proc_state(f->pids[i]);
        if (st != 'T' && st != 'X' && st != 'Z')
            return false;
    }
    return true;
}

static int stop_tree(pid_t init, struct pd_frozen *f, pd_error **err)
{
    if (kill(init, SIGSTOP) < 0)
        return pd_fail_errno(err, "stop the container's init (%d)", (int)init);
    f->pids = pd_xcalloc(1, sizeof(pid_t));
    f->pids[f->n++] = init;
    /* Only once the init is stopped, the others: SIGSTOP takes effect when
     * the init next runs, and the sandbox's init, running meanwhile, would
     * resume a child it saw stopped (init_reaper.h).  Under load that child
     * stayed running: "did not all stop". */
    int ms = 0;
    for (; ms < STOP_WAIT_MS && !all_stopped(f); ms++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    for (; ms < STOP_WAIT_MS; ms++) {
        size_t added = stop_pass(f);
        if (added == 0 && all_stopped(f) && stop_pass(f) == 0)
            return 0;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return pd_failx(err, "its processes did not all stop within %d s", STOP_WAIT_MS / 1000);
}

int pd_freeze(const char *root, const char *id, struct pd_frozen **out, pd_error **err)
{
    *out = NULL;
    if (root == NULL || id == NULL)
        return pd_failx(err, "no container recorded");
    _cleanup_free_ char *dir = pd_xasprintf("%s/%s", root, id);
    _cleanup_state_ struct pd_state *st = NULL;
    if (pd_state_read(dir, &st, err) < 0)
        return pd_wrap(err, "container %s", id);
    if (st->pid <= 0 || !pd_pid_alive(st->pid, st->pid_start))
        return pd_failx(err, "container %s is not running (try again: it has just ended)", id);
    struct pd_frozen *f = pd_xcalloc(1, sizeof(*f));
    struct pd_cgroup *cg = NULL;
    if (st->cgroup != NULL && st->cgroup[0] != '\0' && pd_cgroup_load(st->cgroup, &cg, NULL) == 0 &&
        pd_cgroup_mode(cg) != PD_CGROUP_NONE && pd_cgroup_freeze(cg, true, NULL) == 0) {
        pd_debug("freeze: container %s frozen through its cgroup", id);
        f->cg = cg;
        *out = f;
        return 0;
    }
    pd_cgroup_free(cg);
    if (stop_tree(st->pid, f, err) < 0) {
        pd_thaw(f);
        return pd_wrap(err, "freeze container %s", id);
    }
    pd_debug("freeze: container %s: %zu process(es) stopped", id, f->n);
    *out = f;
    return 0;
}

void pd_thaw(struct pd_frozen *f)
{
    if (f == NULL)
        return;
    if (f->cg != NULL) {
        _cleanup_error_ pd_error *e = NULL;
        if (pd_cgroup_freeze(f->cg, false, &e) < 0)
            pd_warn("thaw: %s", e->msg);
        pd_cgroup_free(f->cg);
    }
    /* the others first, the init last (it would resume stopped children) */
    for (size_t i = f->n; i > 0; i--)
        kill(f->pids[i - 1], SIGCONT);
    free(f->pids);
    free(f);
}
