/* paddock supervise: kill and delete (runtime.md operations on an
 * existing container). */
#define _GNU_SOURCE
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "boundary_state.h"
#include "log.h"
#include "netsup.h"
#include "seccomp_cache.h"
#include "supervise.h"
#include "util.h"

int pd_container_config(const struct pd_container_dir *d, const struct pd_state *st,
                        struct pd_config **cfg, pd_error **err)
{
    return pd_container_config_for_exec(d, st, NULL, cfg, err);
}

int pd_container_config_for_exec(const struct pd_container_dir *d, const struct pd_state *st,
                                 struct pd_seccomp_bpf **bpf, struct pd_config **cfg,
                                 pd_error **err)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/config.json", d->path);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (pd_read_file(path, 64u << 20, &text, &len, err) < 0)
        return -1;
    /* The init's compiled filter, kept by create: then the profile is not
     * needed; none (an older create, a sandbox) or a bad one: parsed. */
    bool have = bpf != NULL && pd_seccomp_state_load(d->fd, bpf) == 1;
    int r = pd_config_parse_without_seccomp(text, len, st->bundle, "config.json", have, cfg, err);
    if (r < 0 && have) {
        pd_seccomp_bpf_free(*bpf);
        *bpf = NULL;
    }
    return r;
}

static int pidfd_for(pid_t pid, unsigned long long start)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    /* Opened after the start-time check, so a reused pid is caught below. */
    if (fd >= 0 && !pd_pid_alive(pid, start)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int signal_pid(pid_t pid, unsigned long long start, int sig)
{
    _cleanup_close_ int fd = pidfd_for(pid, start);
    if (fd < 0)
        return -1;
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

static bool same_pid_ns(pid_t pid, const struct stat *ns)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
    return stat(path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* Signal every process in the container's pid namespace (the init last). */
static int kill_all(const struct pd_state *st, int sig, pd_error **err)
{
    char path[64];
    struct stat ns, host;
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)st->pid);
    if (stat(path, &ns) < 0)
        return pd_fail_errno(err, "kill --all: %s", path);
    if (stat("/proc/self/ns/pid", &host) == 0 && host.st_ino == ns.st_ino)
        return pd_failx(err, "kill --all: the container shares the host pid namespace; "
                        "only its init can be signalled");
    DIR *dir = opendir("/proc");
    if (dir == NULL)
        return pd_fail_errno(err, "kill --all: open /proc");
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        unsigned long long pid;
        if (!pd_parse_u64(de->d_name, &pid) || (pid_t)pid == st->pid)
            continue;
        if (same_pid_ns((pid_t)pid, &ns))
            signal_pid((pid_t)pid, pd_pid_start_time((pid_t)pid), sig);
    }
    closedir(dir);
    signal_pid(st->pid, st->pid_start, sig);
    return 0;
}

/* Every process of the container: through its cgroup when it has one; a
 * container-boundary sandbox has neither cgroup nor PID namespace: its
 * command's session, group and descendants. */
static int signal_all(const struct pd_state *st, int sig, pd_error **err)
{
    if (pd_state_is_boundary(st)) {
        pd_boundary_kill_tree(st, sig);
        return 0;
    }
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (st->cgroup != NULL && st->cgroup[0] != '\0' && pd_cgroup_load(st->cgroup, &cg, NULL) == 0 &&
        pd_cgroup_mode(cg) != PD_CGROUP_NONE) {
        if (pd_cgroup_kill(cg, sig, err) < 0)
            return -1;
        /* A paused container must be thawed for the signal to be acted on. */
        return sig == SIGKILL && pd_cgroup_is_frozen(cg) ? pd_cgroup_freeze(cg, false, err) : 0;
    }
    return kill_all(st, sig, err);
}

int pd_container_kill(const struct pd_state *st, int sig, bool all, pd_error **err)
{
    if (st->pid <= 0 || !pd_pid_alive(st->pid, st->pid_start))
        return pd_failx(err, "container \"%s\" is not running", st->id);
    if (all)
        return signal_all(st, sig, err);
    if (signal_pid(st->pid, st->pid_start, sig) < 0)
        return pd_fail_errno(err, "kill container \"%s\"", st->id);
    return 0;
}

/* SIGKILL the container and wait (bounded) until its init is gone. */
static int stop_container(const struct pd_state *st, pd_error **err)
{
    _cleanup_close_ int fd = pidfd_for(st->pid, st->pid_start);
    if (fd < 0)
        return 0;
    _cleanup_error_ pd_error *e = NULL;
    if (signal_all(st, SIGKILL, &e) < 0)
        syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
    struct pollfd p = {fd, POLLIN, 0};
    for (int i = 0; i < 100; i++) {
        int r = poll(&p, 1, 100);
        if (r > 0)
            break;
        if (r < 0 && errno != EINTR)
            return pd_fail_errno(err, "wait for container \"%s\"", st->id);
    }
    /* Reap it if it is our child (`run`). */
    waitpid(st->pid, NULL, WNOHANG);
    for (int i = 0; i < 50 && pd_pid_alive(st->pid, st->pid_start); i++)
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    if (pd_pid_alive(st->pid, st->pid_start))
        return pd_failx(err, "container \"%s\": init %d did not die", st->id, (int)st->pid);
    return 0;
}

/* ended: the container is known to have ended (its init reported it and
 * is exiting, init_reaper.h): nothing to stop, so nothing waits for it. */
static int delete_container(struct pd_container_dir *d, struct pd_state *st,
                            const struct pd_config *cfg, bool force, bool ended, pd_error **err)
{
    enum pd_status s = ended ? PD_STATUS_STOPPED : pd_state_status(st, d->path);
    if (s == PD_STATUS_RUNNING && !force)
        return pd_failx(err, "cannot delete container \"%s\": it is running (use --force)", st->id);
    /* what a container-boundary command left behind, also once it has ended */
    if (pd_state_is_boundary(st))
        pd_boundary_kill_tree(st, SIGKILL);
    if (s != PD_STATUS_STOPPED && stop_container(st, err) < 0)
        return -1;
    pd_netsup_stop(d->fd); /* network=allow: its proxy (it also ends with the init) */
    /* Also after an OOM kill or `kill --all`: whatever is left goes with it. */
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    _cleanup_error_ pd_error *cge = NULL;
    if (st->cgroup != NULL && st->cgroup[0] != '\0' &&
        (pd_cgroup_load(st->cgroup, &cg, &cge) < 0 || pd_cgroup_destroy(cg, &cge) < 0)) {
        pd_wrap(&cge, "delete container \"%s\": remove its cgroup", st->id);
        if (!force) {
            if (err != NULL)
                pd_error_move(err, &cge);
            return -1;
        }
        pd_warn("%s (--force: the state is removed anyway)", cge->msg);
    }
    if (cfg != NULL)
        pd_container_run_hooks_warn(cfg, st->id, PD_HOOK_POSTSTOP, PD_STATUS_STOPPED, 0);
    return pd_state_dir_remove(d, err);
}

int pd_container_delete(struct pd_container_dir *d, struct pd_state *st,
                        const struct pd_config *cfg, bool force, pd_error **err)
{
    return delete_container(d, st, cfg, force, false, err);
}

void pd_container_reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0) {
        if (errno != EINTR) {
            pd_warn("reap the container's init %d: %s", (int)pid, strerror(errno));
            return;
        }
    }
}

int pd_container_run_attached_with(struct pd_created *c, struct pd_attach_opts *ao, int *exit_code,
                                   pd_error **err)
{
    ao->exiting = 0;
    if (pd_container_start_created(c, err) < 0) {
        pd_container_delete(&c->dir, c->state, c->cfg, true, NULL);
        return -1;
    }
    if (ao->started != NULL)
        ao->started(ao->arg, c);
    /* Let kill, state and delete work on the container while it runs. */
    flock(c->dir.fd, LOCK_UN);
    struct pd_supervise_opts so = {.master = c->console_master, .timeout = ao->timeout,
                                   .tty_signals = ao->tty_signals, .exit_report = c->exit_report};
    int r = pd_supervise_with(c->pid, &so, exit_code, err);
    ao->timed_out = so.timed_out;
    ao->wait_status = so.wait_status;
    flock(c->dir.fd, LOCK_EX);
    if (r < 0) {
        pd_container_delete(&c->dir, c->state, c->cfg, true, NULL);
        return -1;
    }
    /* Reported (init_reaper.h): the init is exiting, nothing else of it is
     * left.  Its cgroup can go only once it is gone; without one the state
     * goes now, and the caller's cleanup, while the kernel tears the init
     * down. */
    bool ended = !so.reaped;
    if (ended && (!ao->defer_reap || pd_cgroup_mode(c->cgroup) != PD_CGROUP_NONE)) {
        pd_container_reap(c->pid);
        ended = false;
    }
    if (ended)
        ao->exiting = c->pid;
    /* `delete --force` from elsewhere may have removed it already. */
    if (faccessat(c->dir.fd, "state.json", F_OK, 0) == 0 &&
        delete_container(&c->dir, c->state, c->cfg, true, ended, err) < 0)
        return -1;
    return 0;
}

int pd_container_run_attached(struct pd_created *c, int *exit_code, pd_error **err)
{
    struct pd_attach_opts ao = {0};
    return pd_container_run_attached_with(c, &ao, exit_code, err);
}
