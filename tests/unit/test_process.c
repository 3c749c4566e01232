/* Unit tests for runtime/process.c: executable lookup, and the full
 * pd_process_exec sequence in fork()ed children that exec /bin/cat,
 * /bin/ls or /usr/bin/env with stdout on a pipe back to the test. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"
#include "seccomp.h"
#include "unit.h"
#include "util.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define BIT(c) (1ULL << (c))

static char tmp[64] = "/tmp/pd-test-process-XXXXXX";

static void touch(const char *rel, int mode)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", tmp, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd >= 0) {
        (void)!write(fd, "x\n", 2);
        close(fd);
    }
    chmod(p, mode);
}

static void setup(void)
{
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    char *dirs[] = {"bin", "bin2", "bin/sub", NULL};
    for (char **d = dirs; *d; d++) {
        _cleanup_free_ char *p = pd_xasprintf("%s/%s", tmp, *d);
        mkdir(p, 0755);
    }
    touch("bin/foo", 0755);
    touch("bin/noexec", 0644);
    touch("bin2/foo", 0644); /* earlier in PATH but not executable: skipped */
}

/* ---- pd_process_find_exe ---- */

static void find_ok(struct pd_process *p, const char *want)
{
    char *exe = NULL;
    pd_error *err = NULL;
    CHECK(pd_process_find_exe(p, &exe, &err) == 0);
    if (err != NULL)
        printf("    error: %s\n", err->msg);
    CHECK_STR(exe, want);
    free(exe);
    pd_error_free(err);
}

static void find_fails(struct pd_process *p, const char *msg, int code)
{
    char *exe = NULL;
    pd_error *err = NULL;
    CHECK(pd_process_find_exe(p, &exe, &err) == -1);
    CHECK(exe == NULL);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR(err->msg, msg);
        CHECK(err->exit_code == code);
    }
    pd_error_free(err);
}

static void test_find_in_env_path(void)
{
    _cleanup_free_ char *path = pd_xasprintf("PATH=/nonexistent:%s/bin2:%s/bin", tmp, tmp);
    _cleanup_free_ char *want = pd_xasprintf("%s/bin/foo", tmp);
    struct pd_process p = {.args = ARGS("foo"), .n_args = 1, .env = ARGS("A=1", path),
                           .n_env = 2, .cwd = "/"};
    find_ok(&p, want);
    p.args = ARGS("nope");
    find_fails(&p, "exec: \"nope\": executable file not found in $PATH", 127);
    p.args = ARGS("noexec"); /* on PATH but not executable: not found */
    find_fails(&p, "exec: \"noexec\": executable file not found in $PATH", 127);
    p.args = ARGS("sub"); /* a directory */
    find_fails(&p, "exec: \"sub\": executable file not found in $PATH", 127);
}

static void test_find_default_path_not_ours(void)
{
    _cleanup_free_ char *ours = pd_xasprintf("%s/bin", tmp);
    setenv("PATH", ours, 1); /* must not be used */
    struct pd_process p = {.args = ARGS("foo"), .n_args = 1, .env = ARGS("HOME=/"),
                           .n_env = 1, .cwd = "/"};
    find_fails(&p, "exec: \"foo\": executable file not found in $PATH", 127);
    p.args = ARGS("ls"); /* found through the default PATH */
    char *exe = NULL;
    pd_error *err = NULL;
    CHECK(pd_process_find_exe(&p, &exe, &err) == 0);
    CHECK(exe != NULL && exe[0] == '/' && strcmp(strrchr(exe, '/'), "/ls") == 0);
    CHECK(exe != NULL && access(exe, X_OK) == 0);
    free(exe);
    pd_error_free(err);
    p.env = ARGS("PATH=");
    p.args = ARGS("foo");
    p.cwd = ours; /* an empty PATH entry is the cwd */
    _cleanup_free_ char *want = pd_xasprintf("%s/foo", ours);
    find_ok(&p, want);
    setenv("PATH", "/usr/bin:/bin", 1);
}

static void test_find_with_slash(void)
{
    _cleanup_free_ char *abs = pd_xasprintf("%s/bin/foo", tmp);
    _cleanup_free_ char *noexec = pd_xasprintf("%s/bin/noexec", tmp);
    _cleanup_free_ char *dir = pd_xasprintf("%s/bin/sub", tmp);
    _cleanup_free_ char *missing = pd_xasprintf("%s/nope/foo", tmp);
    struct pd_process p = {.args = ARGS(abs), .n_args = 1, .env = ARGS("PATH=/nonexistent"),
                           .n_env = 1, .cwd = tmp};
    find_ok(&p, abs);
    p.args = ARGS("bin/foo"); /* relative to cwd */
    _cleanup_free_ char *rel = pd_xasprintf("%s/bin/foo", tmp);
    find_ok(&p, rel);
    p.args = ARGS("./bin/foo");
    _cleanup_free_ char *dot = pd_xasprintf("%s/./bin/foo", tmp); /* as written */
    find_ok(&p, dot);

    _cleanup_free_ char *m1 = pd_xasprintf("exec: \"%s\": no such file or directory", missing);
    p.args = ARGS(missing);
    find_fails(&p, m1, 127);
    p.args = ARGS("./nope/foo");
    find_fails(&p, "exec: \"./nope/foo\": no such file or directory", 127);
    _cleanup_free_ char *m2 = pd_xasprintf("exec: \"%s\": permission denied", noexec);
    p.args = ARGS(noexec);
    find_fails(&p, m2, 126);
    p.args = ARGS("./bin/noexec");
    find_fails(&p, "exec: \"./bin/noexec\": permission denied", 126);
    _cleanup_free_ char *m3 = pd_xasprintf("exec: \"%s\": permission denied", dir);
    p.args = ARGS(dir);
    find_fails(&p, m3, 126);
}

/* ---- pd_process_exec ---- */

struct run {
    const struct pd_process *proc;
    struct pd_exec_opts opts;
    const char *exe;        /* NULL: pd_process_find_exe */
    void (*hook)(void);     /* runs in the child before pd_process_exec */
    char *out;              /* child's stdout */
    int status;
    pid_t pid;
};

/* In the child: stdout is the pipe; an error is written there, and the
 * child exits with err->exit_code (1 if unset). */
static void child(struct run *r, int wfd)
{
    if (dup2(wfd, 1) < 0)
        _exit(90);
    if (wfd != 1)
        close(wfd);
    if (r->hook != NULL)
        r->hook();
    pd_error *err = NULL;
    char *exe = (char *)r->exe;
    if (exe == NULL && pd_process_find_exe(r->proc, &exe, &err) < 0)
        goto fail;
    pd_process_exec(r->proc, exe, &r->opts, &err);
fail:
    printf("%s", err != NULL ? err->msg : "no error set");
    fflush(stdout);
    _exit(err != NULL && err->exit_code ? err->exit_code : 1);
}

static void run(struct run *r)
{
    int p[2];
    r->out = NULL;
    r->status = -1;
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    fflush(stdout);
    r->pid = fork();
    if (r->pid == 0) {
        close(p[0]);
        child(r, p[1]);
    }
    close(p[1]);
    pd_error *err = NULL;
    if (pd_read_fd(p[0], 1 << 20, &r->out, NULL, &err) < 0)
        pd_error_free(err);
    close(p[0]);
    if (r->pid > 0)
        waitpid(r->pid, &r->status, 0);
}

static bool exited(const struct run *r, int code)
{
    if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == code)
        return true;
    printf("    child status %#x, output:\n%s\n", r->status, r->out ? r->out : "");
    return false;
}

static struct pd_seccomp_bpf *build_filter(void)
{
    struct pd_seccomp_syscall rules[] = {
        {.names = ARGS("acct"), .n_names = 1, .action = PD_SECCOMP_ERRNO}};
    struct pd_seccomp sc = {.default_action = PD_SECCOMP_ALLOW, .syscalls = rules,
                            .n_syscalls = 1};
    struct pd_seccomp_bpf *b = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_compile(&sc, false, &b, &err) < 0) {
        printf("    seccomp: %s\n", err->msg);
        pd_error_free(err);
    }
    return b;
}

/* "Max open files  123  456  files" in /proc/self/limits output */
static bool has_nofile(const char *out, unsigned long long soft, unsigned long long hard)
{
    const char *l = out != NULL ? strstr(out, "Max open files") : NULL;
    unsigned long long s, h;
    return l != NULL && sscanf(l, "Max open files %llu %llu", &s, &h) == 2 && s == soft &&
           h == hard;
}

static void test_exec_as_user_nnp(void)
{
    uint32_t gids[] = {1000, 2000};
    struct pd_rlimit rl[] = {{.resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE",
                              .soft = 123, .hard = 456}};
    uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
    struct pd_process p = {
        .args = ARGS("cat", "/proc/self/status", "/proc/self/limits"), .n_args = 3,
        .env = ARGS("PATH=/usr/bin:/bin"), .n_env = 1, .cwd = "/tmp",
        .user = {.uid = 65534, .gid = 65534, .has_umask = true, .umask = 027,
                 .additional_gids = gids, .n_additional_gids = 2},
        .caps = {.present = true, .bounding = nbs | BIT(CAP_CHOWN), .effective = nbs,
                 .permitted = nbs, .inheritable = nbs, .ambient = nbs},
        .rlimits = rl, .n_rlimits = 1, .no_new_privileges = true};
    struct run r = {.proc = &p, .opts = {.seccomp = build_filter()}};
    CHECK(r.opts.seccomp != NULL);
    run(&r);
    pd_seccomp_bpf_free((struct pd_seccomp_bpf *)r.opts.seccomp);
    CHECK(exited(&r, 0));
    CHECK_CONTAINS(r.out, "\nUid:\t65534\t65534\t65534\t65534\n");
    CHECK_CONTAINS(r.out, "\nGid:\t65534\t65534\t65534\t65534\n");
    CHECK_CONTAINS(r.out, "\nGroups:\t1000 2000");
    CHECK_CONTAINS(r.out, "\nUmask:\t0027\n");
    CHECK_CONTAINS(r.out, "\nNoNewPrivs:\t1\n");
    CHECK_CONTAINS(r.out, "\nSeccomp:\t2\n");
    CHECK_CONTAINS(r.out, "\nCapInh:\t0000000000000400\n");
    CHECK_CONTAINS(r.out, "\nCapPrm:\t0000000000000400\n");
    CHECK_CONTAINS(r.out, "\nCapEff:\t0000000000000400\n");
    CHECK_CONTAINS(r.out, "\nCapBnd:\t0000000000000401\n");
    CHECK_CONTAINS(r.out, "\nCapAmb:\t0000000000000400\n");
    CHECK(has_nofile(r.out, 123, 456));
    free(r.out);
}

static void test_exec_early_seccomp_defaults(void)
{
    /* no NNP: seccomp is loaded while privileged; caps absent: none at all */
    struct pd_process p = {
        .args = ARGS("/bin/cat", "/proc/self/status", "/proc/self/oom_score_adj"),
        .n_args = 3, .env = ARGS("PATH=/usr/bin:/bin"), .n_env = 1, .cwd = "/",
        .user = {.uid = 65534, .gid = 65534}, .has_oom_score_adj = true,
        .oom_score_adj = 500};
    struct run r = {.proc = &p, .opts = {.seccomp = build_filter()}};
    run(&r);
    pd_seccomp_bpf_free((struct pd_seccomp_bpf *)r.opts.seccomp);
    CHECK(exited(&r, 0));
    CHECK_CONTAINS(r.out, "\nUid:\t65534\t65534\t65534\t65534\n");
    const char *g = r.out != NULL ? strstr(r.out, "\nGroups:\t") : NULL;
    CHECK(g != NULL && strspn(g + 9, " ") == strcspn(g + 9, "\n")); /* no groups */
    CHECK_CONTAINS(r.out, "\nUmask:\t0022\n");
    CHECK_CONTAINS(r.out, "\nNoNewPrivs:\t0\n");
    CHECK_CONTAINS(r.out, "\nSeccomp:\t2\n");
    CHECK_CONTAINS(r.out, "\nCapPrm:\t0000000000000000\n");
    CHECK_CONTAINS(r.out, "\nCapBnd:\t0000000000000000\n");
    CHECK(r.out != NULL && strlen(r.out) > 4 && strcmp(r.out + strlen(r.out) - 4, "500\n") == 0);
    free(r.out);
}

/* fds 3..6 and 20 without O_CLOEXEC, each on a different device so
 * `ls -l /proc/self/fd` shows which ones survived exec. */
static void open_extra_fds(void)
{
    static const struct { int fd; const char *path; } fds[] = {
        {3, "/dev/null"}, {4, "/dev/zero"}, {5, "/dev/full"}, {6, "/dev/random"},
        {20, "/dev/urandom"}};
    for (size_t i = 0; i < PD_ARRAY_SIZE(fds); i++) {
        int fd = open(fds[i].path, O_RDONLY); /* no O_CLOEXEC on purpose */
        if (fd < 0 || (fd != fds[i].fd && (dup2(fd, fds[i].fd) < 0 || close(fd) < 0)))
            _exit(91);
    }
}

static void open_extra_fds_quiet(void)
{
    open_extra_fds();
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 2) != 2) /* the expected ls error stays out of the log */
        _exit(93);
    close(fd);
}

static void test_exec_fds(void)
{
    struct pd_process p = {.args = ARGS("/bin/ls", "-l", "/proc/self/fd"), .n_args = 3,
                           .env = ARGS("PATH=/bin"), .n_env = 1, .cwd = "/"};
    struct run r = {.proc = &p, .opts = {.preserve_fds = 2}, .hook = open_extra_fds};
    run(&r);
    CHECK(exited(&r, 0));
    CHECK_CONTAINS(r.out, " 3 -> /dev/null\n"); /* preserved */
    CHECK_CONTAINS(r.out, " 4 -> /dev/zero\n");
    CHECK(r.out != NULL && strstr(r.out, "/dev/full") == NULL); /* not inherited */
    CHECK(r.out != NULL && strstr(r.out, "/dev/random") == NULL);
    CHECK(r.out != NULL && strstr(r.out, "/dev/urandom") == NULL);
    free(r.out);
    p.args = ARGS("/bin/ls", "/proc/self/fd/3"); /* preserve_fds 0: nothing above 2 */
    r.opts.preserve_fds = 0;
    r.hook = open_extra_fds_quiet;
    run(&r);
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0);
    free(r.out);
}

static void test_exec_listen_fds(void)
{
    struct pd_process p = {.args = ARGS("/usr/bin/env"), .n_args = 1,
                           .env = ARGS("A=1", "LISTEN_FDS=9", "LISTEN_PID=1"), .n_env = 3,
                           .cwd = "/"};
    struct run r = {.proc = &p, .opts = {.preserve_fds = 2, .listen_fds = 1},
                    .hook = open_extra_fds};
    run(&r);
    CHECK(exited(&r, 0));
    _cleanup_free_ char *want = pd_xasprintf("A=1\nLISTEN_FDS=1\nLISTEN_PID=%d\n", (int)r.pid);
    CHECK_STR(r.out, want);
    free(r.out);
    r.opts.listen_fds = 0; /* env passed through untouched */
    run(&r);
    CHECK(exited(&r, 0));
    CHECK_STR(r.out, "A=1\nLISTEN_FDS=9\nLISTEN_PID=1\n");
    free(r.out);
}

static void test_exec_errors(void)
{
    struct pd_process p = {.args = ARGS("foo"), .n_args = 1, .env = ARGS("PATH=/bin"),
                           .n_env = 1, .cwd = "/"};
    struct run r = {.proc = &p, .exe = "/nonexistent/foo"};
    run(&r);
    CHECK(exited(&r, 127));
    CHECK_STR(r.out, "exec: \"/nonexistent/foo\": no such file or directory");
    free(r.out);

    /* root without CAP_DAC_OVERRIDE cannot exec a 0644 file */
    _cleanup_free_ char *noexec = pd_xasprintf("%s/bin/noexec", tmp);
    _cleanup_free_ char *msg = pd_xasprintf("exec: \"%s\": permission denied", noexec);
    r.exe = noexec;
    run(&r);
    CHECK(exited(&r, 126));
    CHECK_STR(r.out, msg);
    free(r.out);

    struct pd_rlimit rl[] = {{.resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE",
                              .soft = 100, .hard = 10}};
    p.rlimits = rl;
    p.n_rlimits = 1;
    r.exe = "/bin/true";
    run(&r);
    CHECK(exited(&r, 1));
    CHECK_CONTAINS(r.out, "setrlimit RLIMIT_NOFILE");
    CHECK_CONTAINS(r.out, "Invalid argument");
    free(r.out);

    p.n_rlimits = 0;
    p.cwd = "/nonexistent-dir";
    run(&r);
    CHECK(exited(&r, 1));
    CHECK_STR(r.out, "chdir /nonexistent-dir: No such file or directory");
    free(r.out);
}

/* CVE-2024-21626: a cwd reached through a leaked fd to a directory outside
 * the root must be refused. The child chroots into tmp (with /proc mounted
 * there) while holding an fd to the host's /. */
static void breakout_setup(void)
{
    _cleanup_free_ char *procdir = pd_xasprintf("%s/proc", tmp);
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mkdir(procdir, 0755) < 0 || mount("proc", procdir, "proc", 0, NULL) < 0) {
        printf("SKIP");
        fflush(stdout);
        _exit(77);
    }
    int fd = open("/", O_RDONLY | O_DIRECTORY); /* leaked, no O_CLOEXEC */
    if (fd < 0 || dup2(fd, 7) != 7 || chroot(tmp) < 0)
        _exit(92);
}

static void test_exec_cwd_outside_root(void)
{
    struct pd_process p = {.args = ARGS("foo"), .n_args = 1, .env = ARGS("PATH=/bin"),
                           .n_env = 1, .cwd = "/proc/self/fd/7"};
    struct run r = {.proc = &p, .exe = "/bin/foo", .hook = breakout_setup};
    run(&r);
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 77) {
        printf("    skipped: cannot unshare/mount proc\n");
    } else {
        CHECK(exited(&r, 1));
        CHECK_CONTAINS(r.out, "chdir /proc/self/fd/7: current working directory is outside "
                              "of the container root");
    }
    free(r.out);
    _cleanup_free_ char *procdir = pd_xasprintf("%s/proc", tmp);
    rmdir(procdir);
}

int main(void)
{
    setup();
    RUN(test_find_in_env_path);
    RUN(test_find_default_path_not_ours);
    RUN(test_find_with_slash);
    if (geteuid() == 0) {
        RUN(test_exec_as_user_nnp);
        RUN(test_exec_early_seccomp_defaults);
        RUN(test_exec_fds);
        RUN(test_exec_listen_fds);
        RUN(test_exec_errors);
        RUN(test_exec_cwd_outside_root);
    } else {
        printf("ok test_exec # SKIP needs root\n");
    }
    pd_error *err = NULL;
    pd_rm_rf(tmp, &err);
    pd_error_free(err);
    UNIT_EXIT();
}
