/* paddock probe: facts read without child processes (this process, the
 * sysctls, the container around us, the cgroup, newuidmap), the cache key.
 * See envprobe.h. */
#define _GNU_SOURCE
#include "envprobe.h"

#include <errno.h>
#include <linux/magic.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "landlock.h"
#include "nss.h"
#include "util.h"

static long sysctl_num(const char *path)
{
    _cleanup_free_ char *buf = NULL;
    unsigned long long v = 0;
    if (pd_read_file(path, 64, &buf, NULL, NULL) < 0)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return pd_parse_u64(buf, &v) ? (long)v : -1;
}

static void add_ev(struct pd_envprobe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_ev(struct pd_envprobe *p, const char *fmt, ...)
{
    size_t n = pd_strv_len(p->evidence);
    p->evidence = pd_xrealloc(p->evidence, (n + 2) * sizeof(char *));
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&p->evidence[n], fmt, ap) < 0)
        abort();
    va_end(ap);
    p->evidence[n + 1] = NULL;
}

/* Mounts on top of something below /proc or /sys (binfmt_misc, an empty
 * directory of procfs, does not count: the kernel ignores it too). */
static void count_covered(struct pd_envprobe *p, bool *overlay_root)
{
    _cleanup_free_ char *mi = NULL;
    if (pd_read_file("/proc/self/mountinfo", 16 << 20, &mi, NULL, NULL) < 0)
        return;
    char *save = NULL;
    for (char *l = strtok_r(mi, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char mp[512], fstype[64];
        const char *sep = strstr(l, " - ");
        if (sscanf(l, "%*s %*s %*s %*s %511s", mp) != 1 || sep == NULL ||
            sscanf(sep + 3, "%63s", fstype) != 1)
            continue;
        if (strcmp(mp, "/") == 0)
            *overlay_root = strcmp(fstype, "overlay") == 0;
        if (strcmp(mp, "/proc/sys/fs/binfmt_misc") == 0)
            continue;
        if (strncmp(mp, "/proc/", 6) == 0)
            p->proc_covered++;
        else if (strncmp(mp, "/sys/", 5) == 0 && strncmp(mp, "/sys/fs/cgroup", 14) != 0)
            p->sys_covered++;
    }
}

/* The file's text (NULs, as in /proc/PID/environ, turned into newlines),
 * or "" when it can't be read: read once, searched for several needles. */
static char *file_text(const char *path, size_t max)
{
    char *s = NULL;
    size_t len = 0;
    if (pd_read_file(path, max, &s, &len, NULL) < 0)
        return pd_xstrdup("");
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0')
            s[i] = '\n';
    return s;
}

/* What suggests a container, and of which kind.  A marker file alone
 * (/.dockerenv in a VM image made from a container image) is not enough:
 * it needs something else that only a container has. */
struct seen {
    const char *marker;    /* kind named by a marker file */
    const char *strong;    /* kind named by the environment or pid 1 */
    const char *hint;      /* kind named by the cgroup path */
    int corroborations;    /* overlay root, masked /proc, a cgroup hint */
};

static void take(const char **slot, const char *kind)
{
    if (*slot == NULL)
        *slot = kind;
}

static void markers(struct pd_envprobe *p, struct seen *s)
{
    if (getenv("KUBERNETES_SERVICE_HOST") != NULL)
        add_ev(p, "KUBERNETES_SERVICE_HOST is set"), take(&s->strong, "kubernetes");
    if (access("/var/run/secrets/kubernetes.io/serviceaccount", F_OK) == 0)
        add_ev(p, "/var/run/secrets/kubernetes.io/serviceaccount exists"),
            take(&s->strong, "kubernetes");
    if (access("/run/.containerenv", F_OK) == 0)
        add_ev(p, "/run/.containerenv exists"), take(&s->marker, "podman");
    if (access("/.dockerenv", F_OK) == 0)
        add_ev(p, "/.dockerenv exists"), take(&s->marker, "docker");
    const char *env = getenv("container");
    if (env != NULL && env[0] != '\0') {
        add_ev(p, "container=%s in the environment", env);
        take(&s->strong, strcmp(env, "podman") == 0 || strcmp(env, "lxc") == 0 ||
                         strcmp(env, "docker") == 0 ? env : "unknown");
    }
    _cleanup_free_ char *environ1 = file_text("/proc/1/environ", 1 << 16);
    if (strstr(environ1, "\ncontainer=lxc") != NULL || strncmp(environ1, "container=lxc", 13) == 0)
        add_ev(p, "pid 1 has container=lxc"), take(&s->strong, "lxc");
    if (getenv("WSL_DISTRO_NAME") != NULL)
        add_ev(p, "WSL_DISTRO_NAME is set"), take(&s->strong, "wsl");
    _cleanup_free_ char *osrelease = file_text("/proc/sys/kernel/osrelease", 256);
    if (strstr(osrelease, "microsoft") != NULL || strstr(osrelease, "WSL") != NULL)
        add_ev(p, "the kernel release names Microsoft/WSL"), take(&s->strong, "wsl");
}

void pd_envprobe_container(struct pd_envprobe *p)
{
    bool overlay_root = p->overlay_root;
    struct seen s = {0};
    markers(p, &s);
    static const struct { const char *needle, *kind; } cg[] = {
        {"kubepods", "kubernetes"}, {"libpod", "podman"}, {"/docker", "docker"},
        {"/lxc", "lxc"}};
    _cleanup_free_ char *cgroup = file_text("/proc/self/cgroup", 1 << 16);
    for (size_t i = 0; i < PD_ARRAY_SIZE(cg); i++)
        if (strstr(cgroup, cg[i].needle) != NULL) {
            add_ev(p, "/proc/self/cgroup mentions %s", cg[i].needle);
            take(&s.hint, cg[i].kind);
        }
    if (overlay_root)
        add_ev(p, "/ is an overlay mount"), s.corroborations++;
    if (!p->initial_userns)
        add_ev(p, "not in the initial user namespace (/proc/self/uid_map maps part of the ids)");
    if (p->proc_covered > 0)
        add_ev(p, "%d mounts cover parts of /proc (an engine's masked paths)", p->proc_covered),
            s.corroborations++;
    s.corroborations += s.hint != NULL;
    const char *kind = s.strong;
    if (kind == NULL && s.marker != NULL && s.corroborations > 0)
        kind = s.marker;
    if (kind == NULL && s.hint != NULL)
        kind = s.hint;
    if (kind == NULL && s.marker != NULL)
        add_ev(p, "but nothing else suggests a container (%s): a leftover of the image this "
               "system was made from?", s.marker);
    else if (kind == NULL && overlay_root && p->proc_covered > 0)
        kind = "unknown";
    p->container = kind ? pd_xstrdup(kind) : NULL;
}

/* unshare(2) with an invalid flag, in a child (a filter may kill): the
 * kernel says EINVAL before doing anything; another errno (EPERM, ENOSYS)
 * or a signal means a seccomp filter answered first. */
static int unshare_child(void *arg)
{
    (void)arg;
    long r = syscall(SYS_unshare, CLONE_NEWUSER | 0x1);
    return r < 0 && errno != EINVAL ? (errno & 0xff) : 0;
}

static int unshare_filtered(void)
{
    /* The child shares our memory and we wait until it exits (CLONE_VM |
     * CLONE_VFORK, as posix_spawn does): no copy of the page tables as a
     * fork makes (~0.2 ms of every sandbox start), and the same seccomp
     * filters and the same answer. */
    char stack[16384] __attribute__((aligned(16)));
    pid_t pid = clone(unshare_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (pid < 0)
        return 0;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : EPERM;
}

void pd_envprobe_key_facts(struct pd_envprobe *p)
{
    p->uid = geteuid();
    p->gid = getegid();
    p->initial_userns = pd_in_initial_userns();
    p->landlock_abi = pd_landlock_abi();
    p->seccomp_mode = p->seccomp_filters = -1;
    _cleanup_free_ char *st = NULL;
    uint64_t v;
    if (pd_read_file("/proc/self/status", 1 << 16, &st, NULL, NULL) == 0) {
        if (pd_proc_status_u64(st, "Seccomp:", 10, &v))
            p->seccomp_mode = (int)v;
        if (pd_proc_status_u64(st, "Seccomp_filters:", 10, &v))
            p->seccomp_filters = (int)v;
        if (pd_proc_status_u64(st, "NoNewPrivs:", 10, &v))
            p->nnp = v != 0;
        pd_proc_status_u64(st, "CapEff:", 16, &p->cap_eff);
        pd_proc_status_u64(st, "CapBnd:", 16, &p->cap_bnd);
    }
    p->max_user_namespaces = sysctl_num("/proc/sys/user/max_user_namespaces");
    p->unprivileged_userns_clone = sysctl_num("/proc/sys/kernel/unprivileged_userns_clone");
    p->apparmor_restrict = sysctl_num("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    /* Seccomp: 0 in our status: no filter of ours can answer unshare, so
     * the answer is known without the child (~0.05 ms) */
    p->unshare_filtered = p->seccomp_mode == 0 ? 0 : unshare_filtered();
    count_covered(p, &p->overlay_root);
}

void pd_envprobe_facts(struct pd_envprobe *p)
{
    pd_envprobe_key_facts(p);
    p->evidence = pd_xcalloc(1, sizeof(char *));
    pd_envprobe_container(p);
}

/* ---- cgroup ---- */

static bool own_v2_dir_writable(char **dir)
{
    _cleanup_free_ char *self = NULL;
    if (pd_read_file("/proc/self/cgroup", 1 << 16, &self, NULL, NULL) < 0)
        return false;
    char *line = strstr(self, "0::");
    if (line == NULL || (line != self && line[-1] != '\n'))
        return false;
    line[3 + strcspn(line + 3, "\n")] = '\0';
    *dir = pd_xasprintf("/sys/fs/cgroup%s", line + 3);
    return access(*dir, W_OK) == 0;
}

void pd_envprobe_cgroup(struct pd_envprobe *p)
{
    struct statfs fs, un;
    if (statfs("/sys/fs/cgroup", &fs) < 0) {
        pd_env_set(p, PD_ENV_CGROUP, PD_ENV_FAILED, errno, "statfs /sys/fs/cgroup", NULL);
        return;
    }
    bool v2 = fs.f_type == CGROUP2_SUPER_MAGIC;
    p->cgroup_version = v2 ? 2 : fs.f_type == TMPFS_MAGIC ? 1 : 0;
    p->cgroup_hybrid = !v2 && statfs("/sys/fs/cgroup/unified", &un) == 0 &&
                       un.f_type == CGROUP2_SUPER_MAGIC;
    const char *ver = v2 ? "v2" : p->cgroup_hybrid ? "v1 (hybrid)" : "v1";
    if (p->cgroup_version == 0) {
        pd_env_set(p, PD_ENV_CGROUP, PD_ENV_FAILED, ENOENT, "statfs /sys/fs/cgroup",
                   "no cgroup hierarchy mounted");
        return;
    }
    _cleanup_free_ char *detail = NULL, *dir = NULL;
    if (p->uid == 0 && p->initial_userns) {
        const char *top = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids";
        bool w = access(top, W_OK) == 0;
        detail = pd_xasprintf("%s, %s %s", ver, top, w ? "writable" : "not writable");
        pd_env_set(p, PD_ENV_CGROUP, w ? PD_ENV_OK : PD_ENV_FAILED, w ? 0 : errno,
                   "access(W_OK)", detail);
    } else if (!v2) {
        detail = pd_xasprintf("%s: cgroup v1 is not delegated to unprivileged users", ver);
        pd_env_set(p, PD_ENV_CGROUP, PD_ENV_FAILED, EACCES, "cgroup delegation", detail);
    } else {
        bool w = own_v2_dir_writable(&dir);
        detail = pd_xasprintf("v2, own cgroup %s %s", dir ? dir : "(unknown)",
                              w ? "delegated (writable)" : "not delegated");
        pd_env_set(p, PD_ENV_CGROUP, w ? PD_ENV_OK : PD_ENV_FAILED, w ? 0 : EACCES,
                   "cgroup delegation", detail);
    }
}

/* ---- newuidmap / newgidmap ---- */

static void helper(struct pd_envprobe *p, enum pd_env_check c, const char *path)
{
    struct stat st;
    struct statvfs vfs;
    if (stat(path, &st) < 0) {
        int e = errno;
        pd_env_set(p, c, PD_ENV_FAILED, e, path, "not installed (Debian package uidmap)");
        return;
    }
    bool setuid = (st.st_mode & S_ISUID) && st.st_uid == 0;
    bool fcaps = getxattr(path, "security.capability", NULL, 0) > 0;
    const char *how = setuid ? "setuid root" : "file capabilities";
    _cleanup_free_ char *d = NULL;
    if (!setuid && !fcaps)
        pd_env_set(p, c, PD_ENV_FAILED, EPERM, path, "neither setuid root nor with file capabilities");
    else if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
        pd_env_set(p, c, PD_ENV_FAILED, EPERM, path, (d = pd_xasprintf("%s, but on a nosuid mount: "
                   "the kernel ignores the bit", how)));
    else if (p->nnp)
        pd_env_set(p, c, PD_ENV_FAILED, EPERM, path, (d = pd_xasprintf("%s, but no_new_privs is set "
                   "on this process: the kernel ignores it", how)));
    else
        pd_env_set(p, c, PD_ENV_OK, 0, path, how);
}

void pd_envprobe_helpers(struct pd_envprobe *p)
{
    helper(p, PD_ENV_NEWUIDMAP, "/usr/bin/newuidmap");
    helper(p, PD_ENV_NEWGIDMAP, "/usr/bin/newgidmap");
    for (int c = PD_ENV_NEWUIDMAP; c <= PD_ENV_NEWGIDMAP && p->uid == 0; c++) {
        const struct pd_env_result *r = &p->r[c];
        _cleanup_free_ char *d = pd_xasprintf("not used by root, which writes its maps itself "
                                              "(%s: %s)", r->step, r->state == PD_ENV_OK
                                              ? r->detail : r->errnum == ENOENT
                                              ? "not installed" : r->detail);
        pd_env_set(p, (enum pd_env_check)c, PD_ENV_SKIPPED, 0, r->step, d);
    }
}

/* "name:start:count" or "uid:start:count", not holding the own id. */
static void sub_range(const char *file, uid_t uid, unsigned own, unsigned long long *start,
                      unsigned long long *count)
{
    struct passwd *pw = pd_getpwuid(uid);
    _cleanup_fclose_ FILE *f = fopen(file, "re");
    char line[512], num[32];
    snprintf(num, sizeof(num), "%u", (unsigned)uid);
    while (f != NULL && fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        unsigned long long s = 0, n = 0;
        if (c2 == NULL)
            continue;
        *c1 = '\0';
        if ((strcmp(line, num) != 0 && (pw == NULL || strcmp(line, pw->pw_name) != 0)) ||
            sscanf(c1 + 1, "%llu", &s) != 1 || sscanf(c2 + 1, "%llu", &n) != 1)
            continue;
        if (n > 0 && (own < s || own >= s + n)) {
            *start = s;
            *count = n;
            return;
        }
    }
}

void pd_envprobe_subids(const struct pd_envprobe *p, unsigned long long sub[4])
{
    sub[0] = sub[1] = sub[2] = sub[3] = 0;
    if (p->uid == 0)
        return;
    sub_range("/etc/subuid", p->uid, (unsigned)p->uid, &sub[0], &sub[1]);
    sub_range("/etc/subgid", p->uid, (unsigned)p->gid, &sub[2], &sub[3]);
}

/* ---- the cache key ---- */

static void ns_id(char *buf, size_t len, const char *ns)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
    if (stat(path, &st) == 0)
        snprintf(buf, len, "%llx:%llx", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
    else
        snprintf(buf, len, "-");
}

static void file_id(char *buf, size_t len, const char *path)
{
    struct stat st;
    struct statvfs vfs;
    if (stat(path, &st) == 0 && statvfs(path, &vfs) == 0)
        snprintf(buf, len, "%o/%lx/%lld/%lld", (unsigned)st.st_mode, (unsigned long)vfs.f_flag,
                 (long long)st.st_size, (long long)st.st_mtime);
    else
        snprintf(buf, len, "-");
}

char *pd_envprobe_key(const struct pd_envprobe *p)
{
    _cleanup_free_ char *boot = NULL;
    if (pd_read_file("/proc/sys/kernel/random/boot_id", 64, &boot, NULL, NULL) < 0)
        boot = pd_xstrdup("-");
    boot[strcspn(boot, "\n")] = '\0';
    char user[48], mnt[48], pid[48], net[48], exe[96], nu[96], ng[96];
    ns_id(user, sizeof(user), "user");
    ns_id(mnt, sizeof(mnt), "mnt");
    ns_id(pid, sizeof(pid), "pid");
    ns_id(net, sizeof(net), "net");
    file_id(exe, sizeof(exe), "/proc/self/exe");
    file_id(nu, sizeof(nu), "/usr/bin/newuidmap");
    file_id(ng, sizeof(ng), "/usr/bin/newgidmap");
    return pd_xasprintf("v1 boot=%s uid=%u gid=%u userns=%s mntns=%s pidns=%s netns=%s "
                        "seccomp=%d/%d/%d nnp=%d cap=%llx/%llx sysctl=%ld/%ld/%ld "
                        "covered=%d/%d landlock=%d exe=%s newuidmap=%s newgidmap=%s",
                        boot, (unsigned)p->uid, (unsigned)p->gid, user, mnt, pid, net,
                        p->seccomp_mode, p->seccomp_filters, p->unshare_filtered, p->nnp,
                        (unsigned long long)p->cap_eff, (unsigned long long)p->cap_bnd,
                        p->max_user_namespaces, p->unprivileged_userns_clone,
                        p->apparmor_restrict, p->proc_covered, p->sys_covered, p->landlock_abi,
                        exe, nu, ng);
}
