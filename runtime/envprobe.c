/* paddock probe: the checks that need child processes, and the cache.
 * See envprobe.h. */
#define _GNU_SOURCE
#include "envprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "netlink.h"
#include "util.h"

/* A probe never takes longer than this; its children are killed after it. */
#define PROBE_DEADLINE_MS 5000

static const char *const check_names[PD_ENV__COUNT] = {
    [PD_ENV_USERNS] = "user-namespace",   [PD_ENV_SETGROUPS] = "setgroups",
    [PD_ENV_UID_MAP] = "uid-map",         [PD_ENV_GID_MAP] = "gid-map",
    [PD_ENV_ID_RANGES] = "id-ranges",     [PD_ENV_NEWUIDMAP] = "newuidmap",
    [PD_ENV_NEWGIDMAP] = "newgidmap",     [PD_ENV_MOUNT_NS] = "mount-namespace",
    [PD_ENV_PID_NS] = "pid-namespace",    [PD_ENV_IPC_NS] = "ipc-namespace",
    [PD_ENV_UTS_NS] = "uts-namespace",    [PD_ENV_NET_NS] = "network-namespace",
    [PD_ENV_LOOPBACK] = "loopback",       [PD_ENV_MOUNT_TMPFS] = "mount-tmpfs",
    [PD_ENV_MOUNT_PROC] = "mount-proc",   [PD_ENV_MOUNT_SYSFS] = "mount-sysfs",
    [PD_ENV_MOUNT_OVERLAY] = "mount-overlay", [PD_ENV_PIVOT_ROOT] = "pivot-root",
    [PD_ENV_SECCOMP] = "seccomp-filter",  [PD_ENV_LANDLOCK] = "landlock",
    [PD_ENV_CGROUP] = "cgroup",
};

const char *pd_env_check_name(enum pd_env_check c)
{
    return (unsigned)c < PD_ENV__COUNT ? check_names[c] : "?";
}

const char *pd_env_state_name(enum pd_env_state s)
{
    return s == PD_ENV_OK ? "ok" : s == PD_ENV_FAILED ? "failed" : s == PD_ENV_SKIPPED
           ? "skipped" : "not-run";
}

bool pd_env_ok(const struct pd_envprobe *p, enum pd_env_check c)
{
    return p->r[c].state == PD_ENV_OK;
}

void pd_env_set(struct pd_envprobe *p, enum pd_env_check c, enum pd_env_state s, int errnum,
                const char *step, const char *detail)
{
    struct pd_env_result *r = &p->r[c];
    char *new_step = step ? pd_xstrdup(step) : NULL; /* step may be r->step */
    char *new_detail = detail ? pd_xstrdup(detail) : NULL;
    free(r->step);
    free(r->detail);
    r->state = s;
    r->errnum = s == PD_ENV_FAILED ? errnum : 0;
    r->step = new_step;
    r->detail = new_detail;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- inside the children ----
 * Each result is one line on the results pipe: "CHECK ERRNO STEP", ERRNO 0
 * for success and -1 for skipped (STEP then says why). */

static void report(int fd, enum pd_env_check c, int e, const char *step)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "%d %d %s\n", (int)c, e, step);
    if (n > 0 && write(fd, line, (size_t)n) < 0)
        _exit(1);
}

/* parent 0: pid 1 of a new PID namespace, whose parent is outside (getppid() is 0). */
static void arm_pdeathsig(pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(1);
}

static int try_mount(int fd, enum pd_env_check c, const char *src, const char *dst,
                     const char *type, unsigned long flags, const char *data)
{
    char step[160];
    snprintf(step, sizeof(step), "mount(\"%s\", \"%s\", \"%s\")", src, dst, type);
    int r = mount(src, dst, type, flags, data);
    report(fd, c, r == 0 ? 0 : errno, step);
    return r;
}

/* The mounts a sandbox's setup makes, in a child that is pid 1 of the new
 * PID namespace (when there is one). */
static void mount_child(int fd, bool pidns, bool netns)
{
    static const char *const bases[] = {"/tmp", "/run", "/mnt", "/dev"};
    const char *base = NULL;
    struct stat st;
    for (size_t i = 0; i < PD_ARRAY_SIZE(bases) && base == NULL; i++)
        if (stat(bases[i], &st) == 0 && S_ISDIR(st.st_mode))
            base = bases[i];
    if (base == NULL || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        report(fd, PD_ENV_MOUNT_TMPFS, base ? errno : ENOENT,
               base ? "mount(MS_REC|MS_PRIVATE) of /" : "no directory to mount on");
        _exit(0);
    }
    if (try_mount(fd, PD_ENV_MOUNT_TMPFS, "tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV,
                  "mode=0700,size=1m") < 0)
        _exit(0);
    static const char *const sub[] = {"proc", "sys", "l", "u", "w", "o", "old"};
    char p[6][64];
    for (size_t i = 0; i < PD_ARRAY_SIZE(sub); i++) {
        snprintf(p[0], sizeof(p[0]), "%s/%s", base, sub[i]);
        if (mkdir(p[0], 0700) < 0)
            _exit(1);
    }
    unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    snprintf(p[0], sizeof(p[0]), "%s/proc", base);
    if (pidns)
        try_mount(fd, PD_ENV_MOUNT_PROC, "proc", p[0], "proc", fl, NULL);
    else
        report(fd, PD_ENV_MOUNT_PROC, -1, "needs a PID namespace");
    snprintf(p[1], sizeof(p[1]), "%s/sys", base);
    if (netns)
        try_mount(fd, PD_ENV_MOUNT_SYSFS, "sysfs", p[1], "sysfs", fl | MS_RDONLY, NULL);
    else
        report(fd, PD_ENV_MOUNT_SYSFS, -1, "needs a network namespace");
    char data[256];
    snprintf(data, sizeof(data), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", base, base, base);
    snprintf(p[2], sizeof(p[2]), "%s/o", base);
    try_mount(fd, PD_ENV_MOUNT_OVERLAY, "overlay", p[2], "overlay", 0, data);
    if (chdir(base) < 0)
        _exit(1);
    int r = (int)syscall(SYS_pivot_root, ".", "old");
    report(fd, PD_ENV_PIVOT_ROOT, r == 0 ? 0 : errno, "pivot_root(2)");
    _exit(0);
}

static void ns_child_rest(int fd, pid_t self)
{
    static const struct { enum pd_env_check c; int flag; const char *step; } ns[] = {
        {PD_ENV_MOUNT_NS, CLONE_NEWNS, "unshare(CLONE_NEWNS)"},
        {PD_ENV_PID_NS, CLONE_NEWPID, "unshare(CLONE_NEWPID)"},
        {PD_ENV_IPC_NS, CLONE_NEWIPC, "unshare(CLONE_NEWIPC)"},
        {PD_ENV_UTS_NS, CLONE_NEWUTS, "unshare(CLONE_NEWUTS)"},
        {PD_ENV_NET_NS, CLONE_NEWNET, "unshare(CLONE_NEWNET)"},
    };
    bool ok[PD_ARRAY_SIZE(ns)];
    for (size_t i = 0; i < PD_ARRAY_SIZE(ns); i++) {
        ok[i] = unshare(ns[i].flag) == 0;
        report(fd, ns[i].c, ok[i] ? 0 : errno, ns[i].step);
    }
    if (ok[4]) {
        pd_error *e = NULL;
        int r = pd_netlink_link_up("lo", &e);
        report(fd, PD_ENV_LOOPBACK, r == 0 ? 0 : e->errnum ? e->errnum : EIO,
               "RTM_NEWLINK lo up (netlink)");
        pd_error_free(e);
    } else {
        report(fd, PD_ENV_LOOPBACK, -1, "needs a network namespace");
    }
    if (!ok[0]) {
        static const enum pd_env_check m[] = {PD_ENV_MOUNT_TMPFS, PD_ENV_MOUNT_PROC,
                                              PD_ENV_MOUNT_SYSFS, PD_ENV_MOUNT_OVERLAY,
                                              PD_ENV_PIVOT_ROOT};
        for (size_t i = 0; i < PD_ARRAY_SIZE(m); i++)
            report(fd, m[i], -1, "needs a mount namespace");
        _exit(0);
    }
    pid_t pid = fork();
    if (pid < 0)
        _exit(1);
    if (pid == 0) {
        arm_pdeathsig(ok[1] ? 0 : self);
        mount_child(fd, ok[1], ok[4]);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    _exit(0);
}

/* The first child: the user namespace, then (once the parent has written
 * its maps) the rest. */
static void ns_child(int fd, int go, pid_t parent)
{
    arm_pdeathsig(parent);
    /* paddock is not dumpable (main.c), so its children's /proc files are
     * root's: the parent could not write our maps. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        _exit(1);
    if (unshare(CLONE_NEWUSER) < 0) {
        report(fd, PD_ENV_USERNS, errno, "unshare(CLONE_NEWUSER)");
        _exit(0);
    }
    report(fd, PD_ENV_USERNS, 0, "unshare(CLONE_NEWUSER)");
    char c = 0;
    ssize_t n;
    while ((n = read(go, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        _exit(0);
    ns_child_rest(fd, getpid());
}

/* ---- the parent's side ---- */

static int write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t n = write(fd, text, strlen(text));
    return n == (ssize_t)strlen(text) ? 0 : n < 0 ? errno : EIO;
}

/* newuidmap/newgidmap PID ID HOST SIZE...; 0 or why not. */
static int run_helper(const char *helper, pid_t pid, unsigned own, unsigned long long start,
                      unsigned long long count, char **why)
{
    char a[5][32];
    snprintf(a[0], sizeof(a[0]), "%d", (int)pid);
    snprintf(a[1], sizeof(a[1]), "%u", own);
    snprintf(a[2], sizeof(a[2]), "%llu", start);
    snprintf(a[3], sizeof(a[3]), "%llu", count);
    char *argv[] = {(char *)helper, a[0], a[1], a[1], "1", a[2], a[2], a[3], NULL};
    pid_t child = fork();
    if (child < 0)
        return errno;
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        execv(helper, argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(child, &st, 0) < 0)
        if (errno != EINTR)
            return errno;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    *why = pd_xasprintf("%s exited with status %d", helper, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return EPERM;
}

/* The maps paddock would write, from outside: ranges first, else the own ids. */
static void write_maps(struct pd_envprobe *p, pid_t pid, unsigned long long sub[4])
{
    char u[64], g[64];
    if (p->uid == 0) {
        int e = write_proc(pid, "gid_map", "0 0 4294967295\n");
        if (e == 0)
            e = write_proc(pid, "uid_map", "0 0 4294967295\n");
        pd_env_set(p, PD_ENV_ID_RANGES, e ? PD_ENV_FAILED : PD_ENV_OK, e,
                   "write uid_map/gid_map \"0 0 4294967295\"", NULL);
        if (e == 0) {
            pd_env_set(p, PD_ENV_SETGROUPS, PD_ENV_SKIPPED, 0, NULL, "not needed: every id is mapped");
            pd_env_set(p, PD_ENV_UID_MAP, PD_ENV_OK, 0, "write uid_map", "with every id");
            pd_env_set(p, PD_ENV_GID_MAP, PD_ENV_OK, 0, "write gid_map", "with every id");
            return;
        }
    } else if (pd_env_ok(p, PD_ENV_NEWUIDMAP) && pd_env_ok(p, PD_ENV_NEWGIDMAP) && sub[1] && sub[3]) {
        _cleanup_free_ char *why = NULL;
        int e = run_helper("/usr/bin/newgidmap", pid, (unsigned)p->gid, sub[2], sub[3], &why);
        if (e == 0)
            e = run_helper("/usr/bin/newuidmap", pid, (unsigned)p->uid, sub[0], sub[1], &why);
        pd_env_set(p, PD_ENV_ID_RANGES, e ? PD_ENV_FAILED : PD_ENV_OK, e,
                   "newgidmap/newuidmap with the /etc/subuid and /etc/subgid ranges", why);
        if (e == 0) {
            pd_env_set(p, PD_ENV_SETGROUPS, PD_ENV_SKIPPED, 0, NULL, "not needed: newgidmap maps");
            pd_env_set(p, PD_ENV_UID_MAP, PD_ENV_OK, 0, "newuidmap", "with the subordinate range");
            pd_env_set(p, PD_ENV_GID_MAP, PD_ENV_OK, 0, "newgidmap", "with the subordinate range");
            return;
        }
    } else {
        pd_env_set(p, PD_ENV_ID_RANGES, PD_ENV_SKIPPED, 0, NULL,
                   !pd_env_ok(p, PD_ENV_NEWUIDMAP) || !pd_env_ok(p, PD_ENV_NEWGIDMAP)
                       ? "newuidmap/newgidmap are not usable"
                       : "no /etc/subuid and /etc/subgid ranges for this user");
    }
    int e = write_proc(pid, "setgroups", "deny");
    pd_env_set(p, PD_ENV_SETGROUPS, e ? PD_ENV_FAILED : PD_ENV_OK, e, "write setgroups \"deny\"", NULL);
    snprintf(g, sizeof(g), "%u %u 1\n", (unsigned)p->gid, (unsigned)p->gid);
    e = write_proc(pid, "gid_map", g);
    pd_env_set(p, PD_ENV_GID_MAP, e ? PD_ENV_FAILED : PD_ENV_OK, e, "write gid_map (own gid)", NULL);
    snprintf(u, sizeof(u), "%u %u 1\n", (unsigned)p->uid, (unsigned)p->uid);
    e = write_proc(pid, "uid_map", u);
    pd_env_set(p, PD_ENV_UID_MAP, e ? PD_ENV_FAILED : PD_ENV_OK, e, "write uid_map (own uid)", NULL);
}

/* One result line from a child. */
static void take_line(struct pd_envprobe *p, char *line)
{
    int c = -1, e = 0, off = 0;
    if (sscanf(line, "%d %d %n", &c, &e, &off) < 2 || c < 0 || c >= PD_ENV__COUNT)
        return;
    const char *text = line + off;
    if (e < 0)
        pd_env_set(p, (enum pd_env_check)c, PD_ENV_SKIPPED, 0, NULL, text);
    else
        pd_env_set(p, (enum pd_env_check)c, e ? PD_ENV_FAILED : PD_ENV_OK, e, text, NULL);
}

/* Read result lines until EOF or the deadline; the user namespace's line
 * makes us write its maps and let the child go on. */
static void collect(struct pd_envprobe *p, int fd, int go, pid_t child, unsigned long long sub[4])
{
    char buf[4096];
    size_t len = 0;
    int64_t deadline = now_ms() + PROBE_DEADLINE_MS;
    for (;;) {
        int64_t left = deadline - now_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* the deadline: the caller kills the child */
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = '\0';
            take_line(p, buf);
            if (strncmp(buf, "0 0 ", 4) == 0) { /* user-namespace ok */
                write_maps(p, child, sub);
                if (write(go, "g", 1) != 1)
                    break;
            }
            len -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len + 1);
        }
        if (len == sizeof(buf) - 1)
            len = 0; /* a line that long is garbage */
    }
}

static void run_ns_checks(struct pd_envprobe *p, unsigned long long sub[4])
{
    int res[2], go[2];
    if (pipe2(res, O_CLOEXEC) < 0)
        return;
    if (pipe2(go, O_CLOEXEC) < 0) {
        close(res[0]);
        close(res[1]);
        return;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        close(res[0]);
        close(go[1]);
        ns_child(res[1], go[0], parent);
    }
    close(res[1]);
    close(go[0]);
    if (child > 0)
        collect(p, res[0], go[1], child, sub);
    close(res[0]);
    close(go[1]);
    if (child < 0)
        return;
    kill(child, SIGKILL); /* done, or past the deadline */
    int st = 0;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
        ;
    if (p->r[PD_ENV_USERNS].state == PD_ENV_NOT_RUN && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
        pd_env_set(p, PD_ENV_USERNS, PD_ENV_FAILED, EPERM, "unshare(CLONE_NEWUSER)",
                   strsignal(WTERMSIG(st)));
}

/* A filter that allows everything, installed in a child with no_new_privs. */
static void check_seccomp(struct pd_envprobe *p)
{
    pid_t child = fork();
    if (child < 0)
        return;
    if (child == 0) {
        struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
        struct sock_fprog prog = {.len = 1, .filter = allow};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(errno & 0xff);
        _exit(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : errno & 0xff);
    }
    int st = 0;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR)
        ;
    int e = WIFEXITED(st) ? WEXITSTATUS(st) : EPERM;
    _cleanup_free_ char *detail = p->seccomp_mode == 2
        ? pd_xasprintf("this process already runs under %d filter(s)", p->seccomp_filters)
        : pd_xstrdup("no filter installed on this process yet");
    pd_env_set(p, PD_ENV_SECCOMP, e ? PD_ENV_FAILED : PD_ENV_OK, e,
               "seccomp(SECCOMP_SET_MODE_FILTER)", detail);
}

static void check_landlock(struct pd_envprobe *p)
{
    if (p->landlock_abi > 0) {
        _cleanup_free_ char *d = pd_xasprintf("ABI %d", p->landlock_abi);
        pd_env_set(p, PD_ENV_LANDLOCK, PD_ENV_OK, 0, "landlock_create_ruleset(VERSION)", d);
        return;
    }
    long r = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* VERSION */);
    pd_env_set(p, PD_ENV_LANDLOCK, PD_ENV_FAILED, r < 0 ? errno : EOPNOTSUPP,
               "landlock_create_ruleset(VERSION)", NULL);
}

int pd_envprobe_run(struct pd_envprobe *p, pd_error **err)
{
    (void)err;
    memset(p, 0, sizeof(*p));
    pd_envprobe_facts(p);
    unsigned long long sub[4] = {0};
    pd_envprobe_helpers(p);
    pd_envprobe_subids(p, sub);
    run_ns_checks(p, sub);
    for (int c = 0; c <= PD_ENV_PIVOT_ROOT; c++)
        if (p->r[c].state == PD_ENV_NOT_RUN && c != PD_ENV_NEWUIDMAP && c != PD_ENV_NEWGIDMAP)
            pd_env_set(p, (enum pd_env_check)c, PD_ENV_SKIPPED, 0, NULL,
                       p->r[PD_ENV_USERNS].state == PD_ENV_OK ? "the probe did not get there"
                                                              : "needs a user namespace");
    check_seccomp(p);
    check_landlock(p);
    pd_envprobe_cgroup(p);
    p->key = pd_envprobe_key(p);
    return 0;
}

void pd_envprobe_free(struct pd_envprobe *p)
{
    for (int c = 0; c < PD_ENV__COUNT; c++) {
        free(p->r[c].step);
        free(p->r[c].detail);
    }
    free(p->container);
    pd_strv_free(p->evidence);
    free(p->key);
    memset(p, 0, sizeof(*p));
}

/* ---- the cache ---- */

char *pd_envprobe_cache_dir(void)
{
    uid_t uid = geteuid();
    if (uid == 0 && pd_in_initial_userns())
        return pd_xstrdup("/run/paddock-probe");
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x != NULL && x[0] == '/')
        return pd_xasprintf("%s/paddock-probe", x);
    return NULL;
}

static char *cache_path(void)
{
    _cleanup_free_ char *dir = pd_envprobe_cache_dir();
    return dir == NULL ? NULL : pd_xasprintf("%s/uid-%u.json", dir, (unsigned)geteuid());
}

/* The cached probe, when it is ours and its key is this environment's. */
static bool cache_read(const char *path, const char *key, struct pd_envprobe *p)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022))
        return false;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    pd_error *e = NULL;
    if (pd_read_fd(fd, 1 << 20, &text, &len, &e) < 0 || pd_envprobe_from_json(text, len, p, &e) < 0) {
        pd_debug("probe cache %s: %s", path, e->msg);
        pd_error_free(e);
        pd_envprobe_free(p);
        return false;
    }
    if (p->key == NULL || strcmp(p->key, key) != 0) {
        pd_envprobe_free(p);
        return false;
    }
    p->cached = true;
    return true;
}

static void cache_write(const char *path, const struct pd_envprobe *p)
{
    _cleanup_free_ char *dir = pd_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    pd_error *e = NULL;
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_envprobe_jgen(p, g, false);
    pd_jgen_map_close(g);
    size_t len = 0;
    _cleanup_free_ char *text = pd_jgen_finish(g, &len);
    struct stat st;
    if (pd_mkdir_p(dir, 0700, &e) < 0 || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || pd_write_file_atomic(path, text, len, 0600, &e) < 0)
        pd_debug("probe cache %s not written: %s", path, e ? e->msg : "not our directory");
    pd_error_free(e);
}

int pd_envprobe_get(struct pd_envprobe *p, bool refresh, pd_error **err)
{
    struct pd_envprobe now;
    memset(&now, 0, sizeof(now));
    pd_envprobe_key_facts(&now);
    _cleanup_free_ char *key = pd_envprobe_key(&now);
    pd_envprobe_free(&now);
    _cleanup_free_ char *path = cache_path();
    if (!refresh && path != NULL && cache_read(path, key, p))
        return 0;
    if (pd_envprobe_run(p, err) < 0)
        return -1;
    if (path != NULL)
        cache_write(path, p);
    return 0;
}
