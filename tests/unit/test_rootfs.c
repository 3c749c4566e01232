/* Unit tests: the root filesystem apply steps, for real (needs root).
 * Each scenario forks a child that unshares a mount namespace, builds a
 * hand-made plan over a temp rootfs, runs pd_rootfs_prepare() and
 * pd_rootfs_enter(), then checks the result from inside.  The parent
 * checks that nothing leaked into the host's mount table. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "mount_opts.h"
#include "plan.h"
#include "rootfs.h"
#include "unit.h"
#include "util.h"

#define OPTS(...) ((char *[]){__VA_ARGS__, NULL})
#define NO_OPTS ((char *[]){NULL})
#define MQUEUE_MAGIC 0x19800202 /* not in linux/magic.h */

static char tmp[PATH_MAX];
static char rootfs[PATH_MAX + 32];
static dev_t host_sys_dev;

static char *in(const char *base, const char *rel)
{
    static char buf[8][PATH_MAX * 2];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, PATH_MAX * 2, "%s/%s", base, rel);
    return b;
}

static void write_file(const char *path, const char *s, mode_t mode)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 || pd_write_all(fd, s, strlen(s)) < 0 || fchmod(fd, mode) < 0)
        abort();
    close(fd);
}

static void mk(const char *path)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        abort();
}

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/pd-rootfs.XXXXXX");
    if (mkdtemp(tmp) == NULL)
        abort();
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmp);
    mk(rootfs);
    mk(in(tmp, "outside"));
    mk(in(tmp, "hostdir"));
    mk(in(tmp, "rosrc"));
    write_file(in(tmp, "hostdir/hello"), "hello\n", 0644);
    write_file(in(tmp, "hostname"), "pd-bound-hostname\n", 0644);
    static const char *const dirs[] = {"proc", "dev", "sys", "etc", "secret", "rodir", "copyup",
                                       "copyup/sub", "mnt"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(dirs); i++)
        mk(in(rootfs, dirs[i]));
    write_file(in(rootfs, "secret/key"), "s3cret\n", 0600);
    write_file(in(rootfs, "rodir/file"), "ro\n", 0644);
    write_file(in(rootfs, "etc/marker"), "marker\n", 0644);
    write_file(in(rootfs, "etc/hostname"), "image\n", 0644);
    write_file(in(rootfs, "etc/masked-file"), "hidden\n", 0644);
    write_file(in(rootfs, "etc/ro-file"), "ro\n", 0644);
    write_file(in(rootfs, "copyup/script"), "#!/bin/sh\n", 0750);
    write_file(in(rootfs, "copyup/sub/data"), "data\n", 0640);
    if (chmod(in(rootfs, "copyup/sub"), 0711) < 0 || chown(in(rootfs, "copyup/sub/data"), 1234, 5678) < 0 ||
        symlink("sub/data", in(rootfs, "copyup/link")) < 0 ||
        /* destinations through symlinks that try to leave the rootfs */
        symlink("../outside", in(rootfs, "evil1")) < 0 ||
        symlink("/../../outside", in(rootfs, "evil2")) < 0)
        abort();
}

/* ---- plan building ---- */

struct fixture {
    struct pd_config cfg;
    struct pd_plan plan;
    struct pd_mount_op ops[24];
    struct pd_device devs[8];
};

static void add_op(struct fixture *f, enum pd_mount_kind kind, const char *src, const char *dest,
                   const char *fstype, char **opts)
{
    struct pd_mount_op *op = &f->ops[f->plan.n_mounts];
    memset(op, 0, sizeof(*op));
    op->index = f->plan.n_mounts++;
    op->kind = kind;
    op->source = pd_xstrdup(src);
    op->dest = pd_xstrdup(dest);
    op->fstype = pd_xstrdup(fstype);
    pd_error *err = NULL;
    if (pd_mount_opts_parse(opts, &op->fl, &err) < 0) {
        printf("# opts: %s\n", err->msg);
        abort();
    }
}

static void add_dev(struct fixture *f, const char *path, int major, int minor, int mode, int uid)
{
    struct pd_device *d = &f->devs[f->plan.n_devices++];
    memset(d, 0, sizeof(*d));
    d->type = 'c';
    d->path = (char *)path;
    d->major = major;
    d->minor = minor;
    d->has_file_mode = mode >= 0;
    d->file_mode = mode >= 0 ? (uint32_t)mode : 0;
    d->has_uid = d->has_gid = uid >= 0;
    d->uid = d->gid = uid >= 0 ? (uint32_t)uid : 0;
}

static void base_fixture(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->plan.cfg = &f->cfg;
    f->plan.rootfs = rootfs;
    f->plan.rootfs_propagation = MS_SLAVE | MS_REC;
    f->plan.mounts = f->ops;
    f->plan.devices = f->devs;
    add_op(f, PD_MOUNT_FS, "proc", "/proc", "proc", OPTS("nosuid", "noexec", "nodev"));
    add_op(f, PD_MOUNT_FS, "tmpfs", "/dev", "tmpfs",
           OPTS("nosuid", "strictatime", "mode=755", "size=65536k"));
    add_op(f, PD_MOUNT_FS, "devpts", "/dev/pts", "devpts",
           OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
    add_dev(f, "/dev/null", 1, 3, -1, -1);
    add_dev(f, "/dev/zero", 1, 5, -1, -1);
}

static void full_fixture(struct fixture *f)
{
    base_fixture(f);
    add_op(f, PD_MOUNT_FS, "shm", "/dev/shm", "tmpfs",
           OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    add_op(f, PD_MOUNT_FS, "mqueue", "/dev/mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev"));
    add_op(f, PD_MOUNT_FS, "sysfs", "/sys", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro"));
    add_op(f, PD_MOUNT_CGROUP, "cgroup", "/sys/fs/cgroup", "cgroup",
           OPTS("ro", "nosuid", "noexec", "nodev"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "hostdir"), "/mnt/ro", NULL, OPTS("rbind", "ro"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "hostdir"), "/mnt/rro", NULL, OPTS("rbind", "rro", "rprivate"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "hostdir"), "/mnt/rw", NULL, OPTS("bind", "rw"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "hostname"), "/etc/hostname", NULL, OPTS("rbind", "rprivate"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "rosrc"), "/mnt/ro-src-rw", NULL, OPTS("rbind", "rw", "suid"));
    add_op(f, PD_MOUNT_BIND, in(tmp, "rosrc"), "/mnt/ro-src-rrw", NULL, OPTS("rbind", "rrw"));
    add_op(f, PD_MOUNT_FS, "tmpfs", "/evil1", "tmpfs", OPTS("size=1m"));
    add_op(f, PD_MOUNT_FS, "tmpfs", "/evil2/sub", "tmpfs", OPTS("size=1m"));
    add_op(f, PD_MOUNT_FS, "tmpfs", "/copyup", "tmpfs", OPTS("tmpcopyup", "ro", "nodev"));
    add_dev(f, "/dev/mydev", 1, 7, 0600, 1000);
    add_dev(f, "/dev/sub/null", 1, 3, 0640, -1);
    /* docker's lists (some entries do not exist on every kernel: skipped) */
    static char *masked[] = {"/proc/kcore", "/proc/acpi", "/proc/keys", "/proc/timer_list",
                             "/secret", "/etc/masked-file", "/proc/nonexistent",
                             "/sys/firmware", NULL};
    static char *readonly[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/rodir",
                               "/etc/ro-file", "/missing", NULL};
    f->cfg.linux_.masked_paths = masked;
    f->cfg.linux_.n_masked_paths = pd_strv_len(masked);
    f->cfg.linux_.readonly_paths = readonly;
    f->cfg.linux_.n_readonly_paths = pd_strv_len(readonly);
    static struct pd_kv sysctl[] = {{"kernel.hostname", "pd-test-host"}};
    f->cfg.linux_.sysctl = sysctl;
    f->cfg.linux_.n_sysctl = 1;
    f->plan.rootfs_readonly = true;
}

static void userns_fixture(struct fixture *f)
{
    full_fixture(f);
    f->plan.n_devices = 2; /* keep /dev/null and /dev/zero */
    add_dev(f, "/dev/full", 1, 7, -1, -1);
    f->plan.bind_devices = true;
    for (size_t i = 0; i < f->plan.n_mounts; i++)
        if (f->ops[i].fstype && strcmp(f->ops[i].fstype, "sysfs") == 0)
            f->ops[i].sysfs_fallback_bind = true;
}

static void free_fixture(struct fixture *f)
{
    for (size_t i = 0; i < f->plan.n_mounts; i++) {
        free(f->ops[i].source);
        free(f->ops[i].dest);
        free(f->ops[i].fstype);
        pd_mount_flags_free(&f->ops[i].fl);
    }
}

/* ---- running a scenario ---- */

typedef void (*check_fn)(void);

/* Expected failure message of prepare/enter (NULL: none expected). */
static const char *want_error;

/* In the child's new mount namespace, before prepare: TMP/rosrc becomes a
 * read-only, nosuid bind of TMP/hostdir (invisible to the host). */
static void make_ro_source(void)
{
    if (mount(in(tmp, "hostdir"), in(tmp, "rosrc"), NULL, MS_BIND, NULL) < 0 ||
        mount(NULL, in(tmp, "rosrc"), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) < 0) {
        printf("    ro source: %s\n", strerror(errno));
        exit(2);
    }
}

/* In the container's namespaces: prepare + enter, then the checks.
 * Exit status: 0 all passed, 1 a check failed, 3 prepare/enter failed. */
static void enter_and_check(struct fixture *f, check_fn checks)
{
    pd_error *err = NULL;
    int rootfd = -1;
    if (pd_rootfs_prepare(&f->plan, &rootfd, &err) < 0 ||
        pd_rootfs_enter(&f->plan, rootfd, &err) < 0) {
        const char *msg = err ? err->msg : "(none)";
        if (want_error == NULL || strstr(msg, want_error) == NULL)
            printf("    error: %s\n", msg);
        pd_error_free(err);
        exit(3);
    }
    close(rootfd);
    unit_case_failed = 0;
    checks();
    fflush(stdout);
    free_fixture(f);
    exit(unit_case_failed ? 1 : 0);
}

static int wait_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        abort();
    if (!WIFEXITED(status))
        printf("    child killed by signal %d\n", WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Child in new mount/uts/ipc namespaces; returns its exit status. */
static int run_child_ns(struct fixture *f, check_fn checks, int extra_ns)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | extra_ns) < 0) {
            printf("    unshare: %s\n", strerror(errno));
            exit(2);
        }
        make_ro_source();
        enter_and_check(f, checks);
    }
    return wait_status(pid);
}

static int run_child(struct fixture *f, check_fn checks)
{
    return run_child_ns(f, checks, 0);
}

static void write_map(pid_t pid, const char *file, const char *map)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    pd_error *err = NULL;
    if (pd_write_string(path, map, &err) < 0) {
        printf("    %s\n", err->msg);
        abort();
    }
}

/* Like a rootless-ish container: a new user namespace (ids 0-65535 mapped
 * to the same host ids, so every host mount is locked), plus new mount,
 * pid, uts and ipc namespaces but the host's network namespace. */
static int run_userns_child(struct fixture *f, check_fn checks)
{
    int up[2], down[2];
    char c = 0;
    if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
        abort();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        if (unshare(CLONE_NEWUSER) < 0 || write(up[1], "u", 1) != 1 || read(down[0], &c, 1) != 1)
            exit(2);
        if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC) < 0) {
            printf("    unshare: %s\n", strerror(errno));
            exit(2);
        }
        make_ro_source();
        pid_t init = fork(); /* pid 1 of the new pid namespace, so proc can be mounted */
        if (init == 0)
            enter_and_check(f, checks);
        int st = init < 0 ? 2 : wait_status(init);
        fflush(stdout);
        _exit(st); /* no LeakSanitizer here: it cannot stop the world across the pid namespace */
    }
    if (read(up[0], &c, 1) != 1)
        abort();
    write_map(pid, "uid_map", "0 0 65536\n");
    write_map(pid, "gid_map", "0 0 65536\n");
    if (write(down[1], "g", 1) != 1)
        abort();
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
    return wait_status(pid);
}

static bool fs_is(const char *path, unsigned long magic)
{
    struct statfs s;
    return statfs(path, &s) == 0 && (unsigned long)s.f_type == magic;
}

static int create_errno(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
        close(fd);
        unlink(path);
        return 0;
    }
    return errno;
}

static bool is_chr(const char *path, unsigned maj, unsigned min, mode_t perm)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(maj, min) &&
           (perm == 0 || (st.st_mode & 07777) == perm);
}

static bool link_is(const char *path, const char *want)
{
    char b[PATH_MAX];
    ssize_t n = readlink(path, b, sizeof(b) - 1);
    if (n < 0)
        return false;
    b[n] = '\0';
    return strcmp(b, want) == 0;
}

static bool dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n == 0;
}

static char *slurp(const char *path)
{
    char *s = NULL;
    if (pd_read_file(path, 1 << 20, &s, NULL, NULL) < 0)
        return NULL;
    return s;
}

static bool same_mount(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev;
}

/* Entries of /proc/self/mountinfo whose mount point starts with prefix
 * ("/" counts exact matches only). */
static int count_mountpoints(const char *prefix)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return -1;
    char line[8192], mp[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1)
            continue;
        if (strcmp(prefix, "/") == 0 ? strcmp(mp, "/") == 0 : strncmp(mp, prefix, strlen(prefix)) == 0)
            n++;
    }
    fclose(f);
    return n;
}

/* Our pid is listed in that cgroup.procs: the bind is our own cgroup. */
static bool in_cgroup_procs(const char *path)
{
    char *s = slurp(path), want[32];
    snprintf(want, sizeof(want), "%d", (int)getpid());
    bool found = false;
    char *save = NULL;
    for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l && !found; l = strtok_r(NULL, "\n", &save))
        found = strcmp(l, want) == 0;
    free(s);
    return found;
}

/* ---- checks, run inside the container ---- */

static void check_dev(void)
{
    CHECK(fs_is("/dev", TMPFS_MAGIC));
    CHECK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC));
    CHECK(is_chr("/dev/null", 1, 3, 0666));
    CHECK(is_chr("/dev/zero", 1, 5, 0666));
    CHECK(link_is("/dev/ptmx", "pts/ptmx"));
    CHECK(link_is("/dev/fd", "/proc/self/fd"));
    CHECK(link_is("/dev/stdin", "/proc/self/fd/0"));
    CHECK(link_is("/dev/stdout", "/proc/self/fd/1"));
    CHECK(link_is("/dev/stderr", "/proc/self/fd/2"));
    CHECK(access("/proc/kcore", F_OK) != 0 || link_is("/dev/core", "/proc/kcore"));
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1);
    if (fd >= 0)
        close(fd);
    fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC); /* the new devpts instance */
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
}

/* What full_fixture() and userns_fixture() share. */
static void check_common(void)
{
    CHECK(fs_is("/proc", PROC_SUPER_MAGIC));
    check_dev();
    struct stat st;
    CHECK(fs_is("/dev/shm", TMPFS_MAGIC));
    CHECK(stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777);
    CHECK(fs_is("/dev/mqueue", MQUEUE_MAGIC));
    /* sysfs and cgroups, read-only */
    CHECK(fs_is("/sys", SYSFS_MAGIC));
    CHECK(create_errno("/sys/pd-test") == EROFS);
    CHECK(fs_is("/sys/fs/cgroup", TMPFS_MAGIC));
    CHECK(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC));
    CHECK(fs_is("/sys/fs/cgroup/systemd", CGROUP_SUPER_MAGIC));
    CHECK(fs_is("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC));
    CHECK(access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0);
    CHECK(mkdir("/sys/fs/cgroup/memory/pd-test", 0755) < 0 && errno == EROFS);
    CHECK(in_cgroup_procs("/sys/fs/cgroup/memory/cgroup.procs"));
    CHECK(in_cgroup_procs("/sys/fs/cgroup/pids/cgroup.procs"));
    CHECK(in_cgroup_procs("/sys/fs/cgroup/unified/cgroup.procs"));
    CHECK(mkdir("/sys/fs/cgroup/pd-test", 0755) < 0 && errno == EROFS);
    /* masked paths */
    CHECK(access("/proc/kcore", F_OK) < 0 || is_chr("/proc/kcore", 1, 3, 0));
    CHECK(is_chr("/proc/keys", 1, 3, 0));
    CHECK(is_chr("/etc/masked-file", 1, 3, 0));
    char *s = slurp("/etc/masked-file");
    CHECK(s != NULL && s[0] == '\0');
    free(s);
    CHECK(dir_empty("/secret") && fs_is("/secret", TMPFS_MAGIC));
    CHECK(access("/secret/key", F_OK) < 0);
    CHECK(dir_empty("/sys/firmware"));
    /* read-only paths, sysctl written before */
    CHECK(create_errno("/rodir/new") == EROFS);
    int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
    CHECK(fd < 0 && errno == EROFS);
    if (fd >= 0)
        close(fd);
    struct utsname u;
    CHECK(uname(&u) == 0 && strcmp(u.nodename, "pd-test-host") == 0);
    /* read-only root */
    CHECK(create_errno("/pd-new-file") == EROFS);
    fd = open("/etc/ro-file", O_WRONLY | O_CLOEXEC);
    CHECK(fd < 0 && errno == EROFS);
    if (fd >= 0)
        close(fd);
    /* binds */
    s = slurp("/mnt/ro/hello");
    CHECK(s != NULL && strcmp(s, "hello\n") == 0);
    free(s);
    CHECK(create_errno("/mnt/ro/new") == EROFS);
    CHECK(create_errno("/mnt/rro/new") == EROFS);
    CHECK(create_errno("/mnt/rw/new") == 0);
    /* plain "rw"/"suid" keep the source's restrictions; "rrw" lifts ro */
    struct statvfs sv;
    CHECK(create_errno("/mnt/ro-src-rw/new") == EROFS);
    CHECK(statvfs("/mnt/ro-src-rw", &sv) == 0 && (sv.f_flag & ST_NOSUID));
    CHECK(create_errno("/mnt/ro-src-rrw/new") == 0);
    s = slurp("/etc/hostname");
    CHECK(s != NULL && strcmp(s, "pd-bound-hostname\n") == 0);
    free(s);
    /* symlinked destinations stayed inside */
    CHECK(fs_is("/outside", TMPFS_MAGIC));
    CHECK(fs_is("/outside/sub", TMPFS_MAGIC) && !same_mount("/outside", "/outside/sub"));
    CHECK(link_is("/evil1", "../outside"));
    /* tmpcopyup */
    CHECK(fs_is("/copyup", TMPFS_MAGIC));
    CHECK(stat("/copyup/script", &st) == 0 && (st.st_mode & 07777) == 0750);
    CHECK(stat("/copyup/sub", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0711);
    CHECK(stat("/copyup/sub/data", &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678 &&
          (st.st_mode & 07777) == 0640);
    s = slurp("/copyup/link");
    CHECK(s != NULL && strcmp(s, "data\n") == 0);
    free(s);
    CHECK(create_errno("/copyup/new") == EROFS);
    /* the old root is gone: one mount at "/", nothing mounted below our tmp */
    CHECK(count_mountpoints("/") == 1);
    CHECK(count_mountpoints(tmp) == 0);
}

static void check_full(void)
{
    check_common();
    struct stat st;
    CHECK(is_chr("/dev/mydev", 1, 7, 0600));
    CHECK(stat("/dev/mydev", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
    CHECK(is_chr("/dev/sub/null", 1, 3, 0640));
}

static void check_userns(void)
{
    check_common();
    CHECK(is_chr("/dev/full", 1, 7, 0));
    CHECK(count_mountpoints("/dev/null") == 1); /* bound from the host */
    struct stat st;
    CHECK(stat("/sys", &st) == 0 && st.st_dev == host_sys_dev); /* the host's, rbound */
    CHECK(getpid() == 1);
}

static void check_no_pivot(void)
{
    CHECK(fs_is("/proc", PROC_SUPER_MAGIC));
    check_dev();
    char *s = slurp("/etc/marker");
    CHECK(s != NULL && strcmp(s, "marker\n") == 0);
    free(s);
    CHECK(create_errno("/pd-new-file") == 0);
    /* bind_devices: the host's node mounted on an empty file */
    s = slurp("/proc/self/mountinfo");
    CHECK(s != NULL && strstr(s, " /dev/null ") != NULL);
    free(s);
}

static void check_nothing(void) {}

/* ---- test cases ---- */

static void test_full_pivot(void)
{
    struct fixture f;
    full_fixture(&f);
    CHECK(run_child(&f, check_full) == 0);
    /* again in a new cgroup namespace: hierarchies whose host mount root
     * lies above the namespace root get a fresh mount instead of a bind */
    CHECK(run_child_ns(&f, check_full, CLONE_NEWCGROUP) == 0);
    free_fixture(&f);
    CHECK(dir_empty(in(tmp, "outside")));
    CHECK(access("/outside", F_OK) < 0);
}

static void test_user_namespace(void)
{
    struct fixture f;
    userns_fixture(&f);
    CHECK(run_userns_child(&f, check_userns) == 0);
    free_fixture(&f);
    CHECK(dir_empty(in(tmp, "outside")));
}

static void test_no_pivot_bind_devices(void)
{
    struct fixture f;
    base_fixture(&f);
    f.plan.no_pivot = true;
    f.plan.bind_devices = true;
    f.plan.rootfs_propagation = MS_PRIVATE | MS_REC;
    CHECK(run_child(&f, check_no_pivot) == 0);
    free_fixture(&f);
}

static void test_shared_propagation(void)
{
    struct fixture f;
    base_fixture(&f);
    f.plan.rootfs_propagation = MS_SHARED | MS_REC;
    f.plan.rootfs_mount_propagation = MS_SLAVE | MS_REC;
    CHECK(run_child(&f, check_dev) == 0);
    free_fixture(&f);
}

/* prepare fails: the message names the mount; exit 3 from the child */
static void expect_error(struct fixture *f, const char *want)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pd_error *err = NULL;
        int rootfd = -1;
        if (unshare(CLONE_NEWNS) < 0)
            exit(2);
        int r = pd_rootfs_prepare(&f->plan, &rootfd, &err);
        int ok = r < 0 && err != NULL && strstr(err->msg, want) != NULL;
        if (!ok)
            printf("    got: %s\n    want: %s\n", err ? err->msg : "(success)", want);
        pd_error_free(err);
        free_fixture(f);
        exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_errors_name_the_mount(void)
{
    struct fixture f;
    base_fixture(&f);
    add_op(&f, PD_MOUNT_FS, "x", "/bad", "pd-no-such-fs", NO_OPTS);
    expect_error(&f, ".mounts[3] (/bad): mount pd-no-such-fs: No such device");
    free_fixture(&f);

    base_fixture(&f);
    add_op(&f, PD_MOUNT_BIND, in(tmp, "hostdir"), "/idm", NULL, OPTS("rbind", "idmap"));
    expect_error(&f, ".mounts[3] (/idm): idmapped mounts are not supported yet");
    free_fixture(&f);

    base_fixture(&f);
    add_op(&f, PD_MOUNT_BIND, in(tmp, "no-such-source"), "/x", NULL, OPTS("rbind"));
    expect_error(&f, ".mounts[3] (/x): bind source");
    free_fixture(&f);

    base_fixture(&f);
    add_op(&f, PD_MOUNT_FS, "tmpfs", "/etc/marker/below", "tmpfs", NO_OPTS);
    expect_error(&f, ".mounts[3] (/etc/marker/below): create directory /etc/marker/below");
    free_fixture(&f);
    (void)check_nothing;
}

static void test_bad_sysctl(void)
{
    struct fixture f;
    base_fixture(&f);
    static struct pd_kv bad[] = {{"kernel..hostname", "x"}};
    f.cfg.linux_.sysctl = bad;
    f.cfg.linux_.n_sysctl = 1;
    want_error = ".linux.sysctl[\"kernel..hostname\"]: invalid sysctl name";
    CHECK(run_child(&f, check_nothing) == 3);
    want_error = NULL;
    free_fixture(&f);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("ok test_rootfs # SKIP needs root\n");
        return 0;
    }
    setup();
    struct stat st;
    if (stat("/sys", &st) == 0)
        host_sys_dev = st.st_dev;
    char *before = slurp("/proc/self/mountinfo");
    RUN(test_full_pivot);
    RUN(test_user_namespace);
    RUN(test_no_pivot_bind_devices);
    RUN(test_shared_propagation);
    RUN(test_errors_name_the_mount);
    RUN(test_bad_sysctl);
    char *after = slurp("/proc/self/mountinfo");
    unit_case_failed = 0;
    CHECK(count_mountpoints(tmp) == 0);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    printf("%s test_host_mounts_unchanged\n", unit_case_failed ? "not ok" : "ok");
    unit_failed_total += unit_case_failed;
    free(before);
    free(after);
    pd_error *err = NULL;
    if (pd_rm_rf(tmp, &err) < 0) {
        printf("# cleanup: %s\n", err->msg);
        pd_error_free(err);
    }
    UNIT_EXIT();
}
