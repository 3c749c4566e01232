/* paddock apply: the last steps of a container process before execve.
 *
 * Order (pd_process_exec), following runc:
 *   fds >= 3+preserve_fds close-on-exec; rlimits (RLIMIT_AS last, before
 *   the late seccomp load, when it only lowers and no filter came early:
 *   set_limits); oom_score_adj;
 *   seccomp (early, while privileged, when noNewPrivileges is off);
 *   bounding set; chdir attempt as root; groups, gid, uid (PR_SET_KEEPCAPS
 *   around the switch); chdir again as the user if it was refused as root,
 *   then check the cwd is inside the root (CVE-2024-21626); capabilities;
 *   umask (0022 when not given); no_new_privs; seccomp (late, when
 *   noNewPrivileges is on); execve.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "seccomp.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int fail_code(pd_error **err, int errnum, int code, const char *name, const char *what)
{
    pd_failx(err, "exec: \"%s\": %s", name, what);
    if (err != NULL && *err != NULL) {
        (*err)->errnum = errnum;
        (*err)->exit_code = code;
    }
    return -1;
}

/* An execve/stat errno as engines expect it. */
static int fail_exec_errno(pd_error **err, int e, const char *name)
{
    if (e == ENOENT || e == ENOTDIR)
        return fail_code(err, e, PD_EXIT_NOT_FOUND, name, "no such file or directory");
    if (e == EACCES || e == EPERM)
        return fail_code(err, e, PD_EXIT_CANNOT_EXEC, name, "permission denied");
    pd_fail(err, e, "exec: \"%s\"", name);
    if (err != NULL && *err != NULL)
        (*err)->exit_code = PD_EXIT_CANNOT_EXEC;
    return -1;
}

static const char *env_get(char *const *env, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
            return env[i] + klen + 1;
    return NULL;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a);
    return pd_xasprintf("%s%s%s", a, n > 0 && a[n - 1] == '/' ? "" : "/", b);
}

/* dir/name, with a relative dir taken relative to cwd ("" means "."). */
static char *join_path(const char *cwd, const char *dir, const char *name)
{
    if (dir[0] == '/')
        return path_join(dir, name);
    if (cwd == NULL || cwd[0] == '\0')
        cwd = "/";
    _cleanup_free_ char *d = dir[0] != '\0' ? path_join(cwd, dir) : pd_xstrdup(cwd);
    return path_join(d, name);
}

/* 0 when path is an executable regular file; else -1 with errno set. */
static int check_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
        errno = EACCES;
        return -1;
    }
    return access(path, X_OK);
}

static int search_path(const struct pd_process *proc, const char *name, char **exe,
                       pd_error **err)
{
    const char *path = env_get(proc->env, "PATH");
    _cleanup_free_ char *copy = pd_xstrdup(path != NULL ? path : DEFAULT_PATH);
    char *save = NULL;
    /* strtok_r would skip empty entries, which mean "." */
    for (char *dir = copy; dir != NULL; dir = save) {
        save = strchr(dir, ':');
        if (save != NULL)
            *save++ = '\0';
        _cleanup_free_ char *cand = join_path(proc->cwd, dir, name);
        if (check_executable(cand) == 0) {
            *exe = pd_steal_ptr(&cand);
            return 0;
        }
    }
    return fail_code(err, ENOENT, PD_EXIT_NOT_FOUND, name,
                     "executable file not found in $PATH");
}

int pd_process_find_exe(const struct pd_process *proc, char **exe, pd_error **err)
{
    *exe = NULL;
    const char *name = proc->args != NULL ? proc->args[0] : NULL;
    if (name == NULL || name[0] == '\0')
        return fail_code(err, ENOENT, PD_EXIT_NOT_FOUND, "",
                         "executable file not found in $PATH");
    if (strchr(name, '/') == NULL)
        return search_path(proc, name, exe, err);
    _cleanup_free_ char *path = name[0] == '/' ? pd_xstrdup(name)
                                               : join_path(proc->cwd, "", name);
    if (check_executable(path) < 0)
        return fail_exec_errno(err, errno, name);
    *exe = pd_steal_ptr(&path);
    return 0;
}

/* ---- pd_process_exec steps ---- */

static int cloexec_from_proc(unsigned first, pd_error **err)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return pd_fail_errno(err, "open /proc/self/fd");
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        unsigned long long fd;
        if (!pd_parse_u64(de->d_name, &fd) || fd < first || (int)fd == dfd)
            continue;
        int fl = fcntl((int)fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
            pd_fail_errno(err, "set close-on-exec on fd %llu", fd);
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

static int mark_cloexec(int preserve_fds, pd_error **err)
{
    unsigned first = 3 + (unsigned)(preserve_fds > 0 ? preserve_fds : 0);
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return pd_fail_errno(err, "close_range(%u, ~0, CLOSE_RANGE_CLOEXEC)", first);
    return cloexec_from_proc(first, err);
}

static int set_limit(const struct pd_rlimit *rl, pd_error **err)
{
    struct rlimit r = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
    if (setrlimit(rl->resource, &r) < 0)
        return pd_fail_errno(err, "setrlimit %s (soft %llu, hard %llu)",
                             rl->type != NULL ? rl->type : "?", (unsigned long long)rl->soft,
                             (unsigned long long)rl->hard);
    return 0;
}

/* RLIMIT_AS limits every later mapping of ours too, and the steps after
 * the rlimits allocate (libcap, the environment): a low one (a sandbox's
 * --memory without a cgroup) is for the program, not for them.  It waits
 * until just before the late seccomp load and execve when it only lowers
 * the limit (no privilege needed then) and no filter comes first (one
 * loaded early could refuse setrlimit). */
static bool as_deferred(const struct pd_rlimit *rl, bool early_filter)
{
    struct rlimit cur;
    return rl->resource == RLIMIT_AS && !early_filter && getrlimit(RLIMIT_AS, &cur) == 0 &&
           rl->hard <= cur.rlim_max;
}

/* *deferred: RLIMIT_AS when as_deferred, for the caller to set last. */
static int set_limits(const struct pd_process *proc, bool early_filter,
                      const struct pd_rlimit **deferred, pd_error **err)
{
    *deferred = NULL;
    for (size_t i = 0; i < proc->n_rlimits; i++) {
        const struct pd_rlimit *rl = &proc->rlimits[i];
        if (as_deferred(rl, early_filter))
            *deferred = rl;
        else if (set_limit(rl, err) < 0)
            return -1;
    }
    if (proc->has_oom_score_adj) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", proc->oom_score_adj);
        if (pd_write_string("/proc/self/oom_score_adj", buf, err) < 0)
            return pd_wrap(err, "set oom_score_adj %d", proc->oom_score_adj);
    }
    return 0;
}

static bool setgroups_denied(void)
{
    _cleanup_free_ char *s = NULL;
    pd_error *e = NULL;
    if (pd_read_file("/proc/self/setgroups", 64, &s, NULL, &e) < 0) {
        pd_error_free(e);
        return false;
    }
    return strncmp(s, "deny", 4) == 0;
}

static int switch_user(const struct pd_user *u, pd_error **err)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return pd_fail_errno(err, "prctl(PR_SET_KEEPCAPS, 1)");
    if (u->n_additional_gids > 0) {
        _cleanup_free_ gid_t *g = pd_xcalloc(u->n_additional_gids, sizeof(gid_t));
        for (size_t i = 0; i < u->n_additional_gids; i++)
            g[i] = (gid_t)u->additional_gids[i];
        if (setgroups(u->n_additional_gids, g) < 0)
            return pd_fail_errno(err, "setgroups (%zu additional gids)", u->n_additional_gids);
    } else if (setgroups(0, NULL) < 0 && !(errno == EPERM && setgroups_denied())) {
        return pd_fail_errno(err, "setgroups (no additional gids)");
    }
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return pd_fail_errno(err, "setresgid %u", u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return pd_fail_errno(err, "setresuid %u", u->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return pd_fail_errno(err, "prctl(PR_SET_KEEPCAPS, 0)");
    return 0;
}

/* The cwd must be reachable from the root: a leaked fd to a host directory
 * makes getcwd() fail with ENOENT or report "(unreachable)/..."
 * (CVE-2024-21626). */
static int check_cwd(const char *cwd, pd_error **err)
{
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        if (errno != ENOENT)
            return pd_fail_errno(err, "getcwd after chdir %s", cwd);
    } else if (buf[0] == '/') {
        return 0;
    }
    return pd_failx(err, "chdir %s: current working directory is outside of the container "
                    "root -- possible container breakout detected", cwd);
}

/* envp: proc->env plus LISTEN_FDS/LISTEN_PID when asked (replacing any). */
static char **build_env(const struct pd_process *proc, const struct pd_exec_opts *opts)
{
    bool listen = opts->listen_fds > 0;
    char **env = pd_xcalloc(proc->n_env + 3, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; proc->env != NULL && proc->env[i] != NULL; i++) {
        if (listen && (strncmp(proc->env[i], "LISTEN_FDS=", 11) == 0 ||
                       strncmp(proc->env[i], "LISTEN_PID=", 11) == 0))
            continue;
        env[n++] = pd_xstrdup(proc->env[i]);
    }
    if (listen) {
        env[n++] = pd_xasprintf("LISTEN_FDS=%d", opts->listen_fds);
        env[n++] = pd_xasprintf("LISTEN_PID=%d", (int)getpid());
    }
    env[n] = NULL;
    return env;
}

/* Credentials, cwd, capabilities, umask: steps 4-8. */
static int apply_identity(const struct pd_process *proc, pd_error **err)
{
    const char *cwd = proc->cwd != NULL && proc->cwd[0] != '\0' ? proc->cwd : "/";
    if (pd_caps_drop_bounding(&proc->caps, err) < 0)
        return -1;
    /* As runc: chdir as root first (the cwd may be unreachable for the
     * user); retry as the user only when root was refused. */
    bool chdir_later = false;
    if (chdir(cwd) < 0) {
        if (errno != EACCES && errno != EPERM)
            return pd_fail_errno(err, "chdir %s", cwd);
        chdir_later = true;
    }
    if (switch_user(&proc->user, err) < 0)
        return -1;
    if (chdir_later && chdir(cwd) < 0)
        return pd_fail_errno(err, "chdir %s", cwd);
    if (check_cwd(cwd, err) < 0)
        return -1;
    if (pd_caps_apply(&proc->caps, err) < 0)
        return -1;
    umask(proc->user.has_umask ? (mode_t)proc->user.umask : 022);
    return 0;
}

int pd_process_exec(const struct pd_process *proc, const char *exe,
                    const struct pd_exec_opts *opts, pd_error **err)
{
    static const struct pd_exec_opts no_opts = {0};
    if (opts == NULL)
        opts = &no_opts;
    if (proc->args == NULL || proc->args[0] == NULL)
        return pd_failx(err, "exec: no process args");
    bool late_seccomp = proc->no_new_privileges;
    bool early_filter = !late_seccomp && opts->seccomp != NULL;
    const struct pd_rlimit *as = NULL;
    if (mark_cloexec(opts->preserve_fds, err) < 0 || set_limits(proc, early_filter, &as, err) < 0 ||
        pd_agent_apply(opts->agent, err) < 0)
        return -1;
    if (early_filter && pd_seccomp_bpf_load(opts->seccomp, err) < 0)
        return -1;
    /* The kernel clears the parent-death signal when the uid changes: keep
     * it armed (a foreground `run` must die with its runtime). */
    int pdeathsig = 0;
    if (prctl(PR_GET_PDEATHSIG, &pdeathsig) < 0)
        return pd_fail_errno(err, "prctl(PR_GET_PDEATHSIG)");
    if (apply_identity(proc, err) < 0)
        return -1;
    if (pdeathsig != 0 && prctl(PR_SET_PDEATHSIG, pdeathsig) < 0)
        return pd_fail_errno(err, "prctl(PR_SET_PDEATHSIG)");
    _cleanup_strv_ char **env = build_env(proc, opts);
    if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return pd_fail_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");
    if (as != NULL && set_limit(as, err) < 0)
        return -1;
    if (late_seccomp && opts->seccomp != NULL && pd_seccomp_bpf_load(opts->seccomp, err) < 0)
        return -1;
    execve(exe, proc->args, env);
    return fail_exec_errno(err, errno, exe);
}
