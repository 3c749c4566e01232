/* paddock: what the kernel and host give a sandbox, probed honestly, and
 * what a running container's process shows.  See sandbox_report.h. */
#define _GNU_SOURCE
#include "sandbox_report.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envprobe.h"
#include "landlock.h"
#include "util.h"

#ifndef KEYCTL_GET_KEYRING_ID
#define KEYCTL_GET_KEYRING_ID 0
#endif
#ifndef KEY_SPEC_SESSION_KEYRING
#define KEY_SPEC_SESSION_KEYRING -3
#endif

/* A sysctl as a number; -1 when it isn't there. */
static long sysctl_num(const char *path)
{
    _cleanup_free_ char *buf = NULL;
    unsigned long long v = 0;
    if (pd_read_file(path, 64, &buf, NULL, NULL) < 0)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return pd_parse_u64(buf, &v) ? (long)v : -1;
}

/* unshare(CLONE_NEWUSER) in a child: 0 or the errno. */
static int try_userns(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : (errno & 0x7f));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

static void probe_userns(struct pd_host_facts *h)
{
    struct pd_envprobe p; /* the environment probe (cached), as `paddock probe` says */
    if (pd_envprobe_get(&p, false, NULL) == 0) {
        h->userns = pd_env_ok(&p, PD_ENV_USERNS);
        h->userns_reason = h->userns ? NULL : pd_envprobe_describe(&p, PD_ENV_USERNS);
        pd_envprobe_free(&p);
        return;
    }
    int e = try_userns();
    h->userns = e == 0;
    if (h->userns)
        return;
    const char *why = NULL;
    if (sysctl_num("/proc/sys/user/max_user_namespaces") == 0)
        why = "user.max_user_namespaces is 0";
    else if (geteuid() != 0 && sysctl_num("/proc/sys/kernel/unprivileged_userns_clone") == 0)
        why = "kernel.unprivileged_userns_clone is 0";
    else if (geteuid() != 0 &&
             sysctl_num("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
        why = "kernel.apparmor_restrict_unprivileged_userns is 1";
    h->userns_reason = pd_xasprintf("unshare(CLONE_NEWUSER): %s%s%s", strerror(e),
                                    why ? ": " : "", why ? why : "");
}

/* The cgroup version the caller can put limits in, 0 with a reason if none. */
static void probe_cgroup(struct pd_host_facts *h)
{
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) < 0) {
        h->cgroup_reason = pd_xasprintf("/sys/fs/cgroup: %s", strerror(errno));
        return;
    }
    bool v2 = fs.f_type == CGROUP2_SUPER_MAGIC;
    if (geteuid() == 0 && pd_in_initial_userns()) {
        if (v2 || access("/sys/fs/cgroup/pids", F_OK) == 0 ||
            access("/sys/fs/cgroup/memory", F_OK) == 0)
            h->cgroup = v2 ? 2 : 1;
        else
            h->cgroup_reason = pd_xstrdup("no cgroup hierarchy mounted");
        return;
    }
    if (!v2) {
        h->cgroup_reason = pd_xstrdup("cgroup v1 is not delegated to unprivileged users");
        return;
    }
    _cleanup_free_ char *self = NULL;
    if (pd_read_file("/proc/self/cgroup", 1 << 16, &self, NULL, NULL) < 0 ||
        strncmp(self, "0::", 3) != 0) {
        h->cgroup_reason = pd_xstrdup("can't read the caller's cgroup");
        return;
    }
    self[strcspn(self, "\n")] = '\0';
    _cleanup_free_ char *dir = pd_xasprintf("/sys/fs/cgroup%s", self + 3);
    if (access(dir, W_OK) == 0)
        h->cgroup = 2;
    else
        h->cgroup_reason = pd_xasprintf("the caller's cgroup %s is not delegated to it", self + 3);
}

/* Pathname unix sockets of the caller's network namespace. */
static void probe_sockets(struct pd_host_facts *h)
{
    h->host_sockets = pd_xcalloc(1, sizeof(char *));
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/net/unix", 64u << 20, &buf, NULL, NULL) < 0)
        return;
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* Num RefCount Protocol Flags Type St Inode Path */
        char *f = line, *path = NULL;
        for (int i = 0; i < 7 && f != NULL; i++) {
            f = strchr(f, ' ');
            while (f != NULL && *f == ' ')
                f++;
        }
        path = f;
        if (path == NULL || path[0] != '/')
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(h->host_sockets[i], path) == 0;
        if (dup)
            continue;
        h->host_sockets = pd_xrealloc(h->host_sockets, (n + 2) * sizeof(char *));
        h->host_sockets[n++] = pd_xstrdup(path);
        h->host_sockets[n] = NULL;
    }
}

static bool host_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int pd_host_probe(struct pd_host_facts *h, pd_error **err)
{
    (void)err;
    memset(h, 0, sizeof(*h));
    h->landlock_abi = pd_landlock_abi();
    probe_userns(h);
    h->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 || errno != EINVAL;
    h->keyring = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) >= 0 ||
                 errno != ENOSYS;
    probe_cgroup(h);
    probe_sockets(h);
    h->exists = host_exists;
    return 0;
}

/* ---- a running process ---- */

static const char *const ns_files[PD_NS__COUNT] = {
    [PD_NS_PID] = "pid", [PD_NS_NET] = "net",       [PD_NS_IPC] = "ipc",
    [PD_NS_UTS] = "uts", [PD_NS_MOUNT] = "mnt",     [PD_NS_USER] = "user",
    [PD_NS_CGROUP] = "cgroup", [PD_NS_TIME] = "time",
};

struct proc_info {
    uint64_t nnp, seccomp, cap_eff, cap_bnd;
    int ppid, session;
    char comm[32];
};

static bool read_proc(pid_t pid, struct proc_info *p)
{
    char path[64];
    memset(p, 0, sizeof(*p));
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    _cleanup_free_ char *status = NULL;
    if (pid <= 0 || pd_read_file(path, 1 << 16, &status, NULL, NULL) < 0)
        return false;
    if (!pd_proc_status_u64(status, "NoNewPrivs:", 10, &p->nnp) ||
        !pd_proc_status_u64(status, "Seccomp:", 10, &p->seccomp) ||
        !pd_proc_status_u64(status, "CapEff:", 16, &p->cap_eff) ||
        !pd_proc_status_u64(status, "CapBnd:", 16, &p->cap_bnd))
        return false;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_free_ char *st = NULL;
    if (pd_read_file(path, 4096, &st, NULL, NULL) < 0)
        return false;
    const char *open_ = strchr(st, '('), *close_ = strrchr(st, ')');
    int pgrp = 0;
    char state = 0;
    if (open_ == NULL || close_ == NULL || close_ < open_ ||
        sscanf(close_ + 1, " %c %d %d %d", &state, &p->ppid, &pgrp, &p->session) != 4)
        return false;
    snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_ - open_ - 1), open_ + 1);
    return true;
}

/* The one child of pid, 0 when it has none or several. */
static pid_t only_child(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
    _cleanup_free_ char *buf = NULL;
    int child = 0, n = 0;
    if (pd_read_file(path, 4096, &buf, NULL, NULL) < 0 || sscanf(buf, "%d %n", &child, &n) < 1)
        return 0;
    return buf[n] == '\0' ? (pid_t)child : 0;
}

void pd_observe(pid_t pid, struct pd_observed *o)
{
    memset(o, 0, sizeof(*o));
    o->pid = pid;
    struct proc_info init, p;
    if (!read_proc(pid, &init))
        return;
    p = init;
    pid_t child = strcmp(init.comm, "paddock") == 0 ? only_child(pid) : 0;
    if (child > 0 && read_proc(child, &p)) {
        o->pid = child;
        o->init_pid = pid;
    } else {
        p = init;
    }
    o->nnp = p.nnp != 0;
    o->seccomp = (int)p.seccomp;
    o->cap_eff = p.cap_eff;
    o->cap_bnd = p.cap_bnd;
    for (int t = 0; t < PD_NS__COUNT; t++) {
        char a[64], b[64];
        struct stat sa, sb;
        snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)o->pid, ns_files[t]);
        snprintf(b, sizeof(b), "/proc/self/ns/%s", ns_files[t]);
        if (stat(a, &sa) == 0 && stat(b, &sb) == 0) {
            o->ns_known[t] = true;
            o->ns_own[t] = sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev;
        }
    }
    /* The session of the paddock that started the init (its parent), or ours. */
    struct proc_info parent;
    int theirs = init.ppid > 1 && read_proc(init.ppid, &parent) ? parent.session : (int)getsid(0);
    o->own_session = p.session != theirs;
    o->valid = true;
}

int pd_sandbox_report_fill(const struct pd_report_input *in, struct pd_sandbox_report *r,
                           pd_error **err)
{
    struct pd_host_facts h;
    if (pd_host_probe(&h, err) < 0)
        return -1;
    int ret = pd_sandbox_report_compute(in, &h, r, err);
    pd_host_facts_free(&h);
    return ret;
}
