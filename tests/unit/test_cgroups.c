#define _GNU_SOURCE
/* Unit tests for runtime/cgroups*.c: the pure translations, then real
 * cgroups (as root): the v1 hierarchies of a v1/hybrid host through the
 * public API, and the v2 code (device eBPF program, freeze, cgroup.kill,
 * hugetlb) against the hybrid host's cgroup2 mount. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups.h"
#include "cgroups_internal.h"
#include "unit.h"
#include "util.h"

#define OPT(v_) { .set = true, .v = (v_) }
#define RULE(allow_, type_, maj_, min_, acc_)                                                \
    { .allow = (allow_), .type = (type_), .major = { (maj_) >= 0, (maj_) },                 \
      .minor = { (min_) >= 0, (min_) }, .access = (char *)(acc_) }

static char *slurp(const char *dir, const char *file)
{
    char *l = pd_cg_read_line(dir, file);
    return l ? l : pd_xstrdup("(unreadable)");
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ pure */

static void check_path(const char *cp, bool systemd, const char *caller, const char *want)
{
    pd_error *e = NULL;
    _cleanup_free_ char *p = pd_cgroup_path_for(cp, "abc", systemd, caller, &e);
    if (p == NULL)
        printf("    %s: %s\n", cp ? cp : "(null)", e ? e->msg : "?");
    CHECK_STR(p, want);
    pd_error_free(e);
}

static void check_path_err(const char *cp, bool systemd, const char *want_msg)
{
    pd_error *e = NULL;
    _cleanup_free_ char *p = pd_cgroup_path_for(cp, "abc", systemd, "/caller", &e);
    CHECK(p == NULL);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK_CONTAINS(e->msg, ".linux.cgroupsPath");
        CHECK_CONTAINS(e->msg, want_msg);
    }
    pd_error_free(e);
}

static void test_path_for(void)
{
    check_path(NULL, false, "/x", "/paddock/abc");
    check_path("", true, "/x", "/paddock/abc");
    check_path("/a/b", false, "/x", "/a/b");
    check_path("/a//b/./c/", false, NULL, "/a/b/c");
    check_path("x/y", false, "/user.slice/u.scope", "/user.slice/u.scope/x/y");
    check_path("x/y", false, "/", "/x/y");
    check_path("x", false, NULL, "/x");
    check_path("machine.slice:libpod:abc", true, NULL, "/machine.slice/libpod-abc.scope");
    check_path("a-b-c.slice:docker:x", true, NULL,
               "/a.slice/a-b.slice/a-b-c.slice/docker-x.scope");
    check_path(":crio:x", true, NULL, "/system.slice/crio-x.scope");
    check_path("-.slice:p:n", true, NULL, "/p-n.scope");
    check_path("user.slice::n", true, NULL, "/user.slice/n.scope");
    check_path("system.slice:p:my-app.slice", true, NULL, "/my.slice/my-app.slice");
    /* a systemd-looking path without --systemd-cgroup is just a path */
    check_path("/machine.slice:libpod:abc", false, NULL, "/machine.slice:libpod:abc");

    check_path_err("/a/../b", false, "\"..\"");
    check_path_err("../b", false, "\"..\"");
    check_path_err("/", false, "root cgroup");
    check_path_err("/abs/path", true, "slice:prefix:name");
    check_path_err("a.slice:b", true, "slice:prefix:name");
    check_path_err("a.slice:b:c:d", true, "slice:prefix:name");
    check_path_err("a.slice:p:", true, "slice:prefix:name");
    check_path_err("bad:p:n", true, "invalid systemd slice");
    check_path_err("a--b.slice:p:n", true, "invalid systemd slice");
    check_path_err("-a.slice:p:n", true, "invalid systemd slice");
    check_path_err("a-.slice:p:n", true, "invalid systemd slice");
    check_path_err("a.slice:p:x/y", true, "\"/\"");

    pd_error *e = NULL;
    CHECK(pd_cgroup_path_for(NULL, "a/b", false, NULL, &e) == NULL);
    CHECK(e != NULL);
    pd_error_free(e);
}

static void test_weights(void)
{
    CHECK(pd_cgroup_shares_to_weight(2) == 1);
    CHECK(pd_cgroup_shares_to_weight(1024) == 39);
    CHECK(pd_cgroup_shares_to_weight(262144) == 10000);
    CHECK(pd_cgroup_shares_to_weight(1) == 1);           /* clamped */
    CHECK(pd_cgroup_shares_to_weight(1000000) == 10000); /* clamped */
    CHECK(pd_cgroup_shares_to_weight(0) == 0);           /* unset */
    CHECK(pd_cgroup_blkio_to_io_weight(10) == 1);
    CHECK(pd_cgroup_blkio_to_io_weight(500) == 1 + (490 * 9999) / 990);
    CHECK(pd_cgroup_blkio_to_io_weight(500) == 4950);
    CHECK(pd_cgroup_blkio_to_io_weight(1000) == 10000);
    CHECK(pd_cgroup_blkio_to_io_weight(0) == 0);
}

static void test_swap_v2(void)
{
    int64_t out = 12345;
    pd_error *e = NULL;
    CHECK(pd_cgv2_swap(0, 100, &out, &e) == 0);            /* unset */
    CHECK(pd_cgv2_swap(-1, 100, &out, &e) == 1 && out == -1);
    CHECK(pd_cgv2_swap(300, 100, &out, &e) == 1 && out == 200);
    CHECK(pd_cgv2_swap(100, 100, &out, &e) == 1 && out == 0); /* no swap at all */
    CHECK(pd_cgv2_swap(0, -1, &out, &e) == 1 && out == -1);
    CHECK(e == NULL);
    CHECK(pd_cgv2_swap(50, 100, &out, &e) < 0);
    CHECK(e != NULL && strstr(e->msg, ".linux.resources.memory.swap") != NULL);
    pd_error_free(e);
    e = NULL;
    CHECK(pd_cgv2_swap(50, 0, &out, &e) < 0);
    pd_error_free(e);
}

static void test_devices_prog_shape(void)
{
    struct pd_device_rule a[] = { RULE(false, 'a', -1, -1, NULL), RULE(true, 'c', 1, 3, "rwm") };
    /* prologue 6 + (type, major, minor, mov, exit) + default 2 */
    CHECK(pd_cgv2_devices_prog_len(a, 2) == 13);
    struct pd_device_rule b[] = { RULE(false, 'a', -1, -1, NULL), RULE(true, 'c', 1, 5, "r") };
    CHECK(pd_cgv2_devices_prog_len(b, 2) == 16); /* + 3 for the access check */
    struct pd_device_rule c[] = { RULE(true, 'c', 1, 3, "rwm"), RULE(false, 'a', -1, -1, "") };
    CHECK(pd_cgv2_devices_prog_len(c, 2) == 8); /* rules before a reset are dropped */
    CHECK(pd_cgv2_devices_prog_len(NULL, 0) == 8);
}

/* ----------------------------------------------------------------- real */

static bool is_root_on(enum pd_cgroup_mode want, const char *what)
{
    _cleanup_cgroup_ struct pd_cgroup *cg = pd_cg_new(PD_CGROUP_NONE, NULL, NULL);
    pd_error *e = NULL;
    if (geteuid() != 0 || pd_cg_detect(cg, &e) < 0 || cg->mode != want ||
        (want == PD_CGROUP_V1 && strcmp(what, "hybrid") == 0 && cg->unified == NULL)) {
        printf("    skipped: needs root on a %s host\n", what);
        pd_error_free(e);
        return false;
    }
    return true;
}

/* A child that waits for "go" on a pipe, then touches 4 MiB (charged to
 * the cgroup it is in by then), says so, and sleeps. */
struct sleeper {
    pid_t pid;
    int go, ack;
};

static struct sleeper spawn_sleeper(void)
{
    int go[2], ack[2];
    struct sleeper s = { -1, -1, -1 };
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0)
        return s;
    fflush(stdout);
    s.pid = fork();
    if (s.pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        char *mem = malloc(4 << 20);
        if (mem != NULL)
            memset(mem, 1, 4 << 20);
        if (write(ack[1], "k", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(go[0]);
    close(ack[1]);
    s.go = go[1];
    s.ack = ack[0];
    return s;
}

/* Let the sleeper touch its memory (after it was moved) and wait for that. */
static bool sleeper_go(struct sleeper *s)
{
    char c;
    bool ok = write(s->go, "g", 1) == 1 && read(s->ack, &c, 1) == 1;
    close(s->go);
    close(s->ack);
    return ok;
}

static void reap(pid_t pid, int *sig)
{
    int st = 0;
    *sig = 0;
    if (waitpid(pid, &st, 0) == pid && WIFSIGNALED(st))
        *sig = WTERMSIG(st);
}

static const char *const v1_ctrls[] = { "memory", "pids", "cpu", "cpuacct", "cpuset",
                                        "devices", "freezer", "blkio", "systemd" };

static void v1_check_values(const char *id)
{
    _cleanup_free_ char *mem = pd_xasprintf(PD_CG_ROOT "/memory/paddock/%s", id);
    _cleanup_free_ char *pids = pd_xasprintf(PD_CG_ROOT "/pids/paddock/%s", id);
    _cleanup_free_ char *cpu = pd_xasprintf(PD_CG_ROOT "/cpu/paddock/%s", id);
    _cleanup_free_ char *cpuset = pd_xasprintf(PD_CG_ROOT "/cpuset/paddock/%s", id);
    _cleanup_free_ char *dev = pd_xasprintf(PD_CG_ROOT "/devices/paddock/%s", id);
    _cleanup_free_ char *a = slurp(mem, "memory.limit_in_bytes"), *b = slurp(pids, "pids.max"),
                        *c = slurp(cpu, "cpu.shares"), *d = slurp(cpuset, "cpuset.cpus"),
                        *f = slurp(dev, "devices.list");
    CHECK_STR(a, "67108864");
    CHECK_STR(b, "50");
    CHECK_STR(c, "512");
    CHECK_STR(d, "0");
    CHECK_STR(f, "c 1:3 rwm");
}

static void v1_freeze_update_stats(struct pd_cgroup *cg, const char *id)
{
    pd_error *e = NULL;
    _cleanup_free_ char *frz = pd_xasprintf(PD_CG_ROOT "/freezer/paddock/%s", id);
    CHECK(pd_cgroup_freeze(cg, true, &e) == 0);
    _cleanup_free_ char *s1 = slurp(frz, "freezer.state");
    CHECK_STR(s1, "FROZEN");
    CHECK(pd_cgroup_is_frozen(cg));
    CHECK(pd_cgroup_freeze(cg, false, &e) == 0);
    CHECK(!pd_cgroup_is_frozen(cg));

    /* docker's zeros are "unset": memory and shares stay, pids change */
    struct pd_resources up = { 0 };
    up.pids.limit = (struct pd_opt_i64)OPT(100);
    up.memory.limit = (struct pd_opt_i64)OPT(0);
    up.memory.swap = (struct pd_opt_i64)OPT(0);
    up.cpu.shares = (struct pd_opt_u64)OPT(0);
    up.cpu.quota = (struct pd_opt_i64)OPT(0);
    up.cpu.cpus = (char *)"";
    CHECK(pd_cgroup_update(cg, &up, &e) == 0);
    _cleanup_free_ char *pids = pd_xasprintf(PD_CG_ROOT "/pids/paddock/%s", id);
    _cleanup_free_ char *mem = pd_xasprintf(PD_CG_ROOT "/memory/paddock/%s", id);
    _cleanup_free_ char *cpu = pd_xasprintf(PD_CG_ROOT "/cpu/paddock/%s", id);
    _cleanup_free_ char *a = slurp(pids, "pids.max"), *b = slurp(mem, "memory.limit_in_bytes"),
                        *c = slurp(cpu, "cpu.shares");
    CHECK_STR(a, "100");
    CHECK_STR(b, "67108864");
    CHECK_STR(c, "512");

    struct pd_cgroup_stats st;
    CHECK(pd_cgroup_stats(cg, &st, &e) == 0);
    CHECK(st.memory_usage > 0);
    CHECK(st.memory_limit == 64 << 20);
    CHECK(st.pids_current == 1);
    CHECK(st.pids_limit == 100);
    if (e != NULL)
        printf("    %s\n", e->msg);
    pd_error_free(e);
}

/* The v1 test's cgroup: memory 64M, pids 50, shares 512, cpus "0",
 * deny-all + allow /dev/null, and (hybrid) 4M of 2MB hugepages. */
static struct pd_cgroup *v1_create(const char *id, bool *huge)
{
    struct pd_device_rule rules[] = { RULE(false, 'a', -1, -1, NULL),
                                      RULE(true, 'c', 1, 3, "rwm") };
    struct pd_config cfg = { .has_linux = true };
    cfg.linux_.has_resources = true;
    struct pd_resources *r = &cfg.linux_.resources;
    r->memory.limit = (struct pd_opt_i64)OPT(64 << 20);
    r->pids.limit = (struct pd_opt_i64)OPT(50);
    r->cpu.shares = (struct pd_opt_u64)OPT(512);
    r->cpu.cpus = (char *)"0";
    r->devices = rules;
    r->n_devices = PD_ARRAY_SIZE(rules);
    /* hybrid: hugetlb lives in the cgroup2 mount */
    _cleanup_cgroup_ struct pd_cgroup *lay = pd_cg_new(PD_CGROUP_NONE, NULL, NULL);
    pd_cg_detect(lay, NULL);
    struct pd_hugepage_limit hl = { (char *)"2MB", 2 << 21 };
    *huge = pd_cg_unified_has(lay, "hugetlb");
    for (size_t i = 0; i < lay->nh; i++)
        *huge = *huge && !pd_cg_hier_has(&lay->h[i], "hugetlb");
    if (*huge) {
        r->hugepage_limits = &hl;
        r->n_hugepage_limits = 1;
    }
    struct pd_cgroup_opts o = { 0 };
    struct pd_cgroup *cg = NULL;
    pd_error *e = NULL;
    if (pd_cgroup_create(&cfg, id, &o, &cg, &e) < 0) {
        printf("    create: %s\n", e->msg);
        CHECK(!"create");
        pd_error_free(e);
    }
    return cg;
}

static void test_v1_real(void)
{
    if (!is_root_on(PD_CGROUP_V1, "cgroup v1/hybrid"))
        return;
    _cleanup_free_ char *id = pd_xasprintf("pd-unit-%d", (int)getpid());
    bool huge = false;
    struct pd_cgroup *cg = v1_create(id, &huge);
    if (cg == NULL)
        return;
    pd_error *e = NULL;
    CHECK(pd_cgroup_mode(cg) == PD_CGROUP_V1);
    v1_check_values(id);
    _cleanup_free_ char *udir = pd_xasprintf(PD_CG_ROOT "/unified/paddock/%s", id);
    if (huge) {
        _cleanup_free_ char *h = slurp(udir, "hugetlb.2MB.max");
        CHECK_STR(h, "4194304");
    }

    struct sleeper sl = spawn_sleeper();
    pid_t child = sl.pid;
    CHECK(child > 0);
    CHECK(pd_cgroup_enter(cg, child, false, &e) == 0);
    CHECK(sleeper_go(&sl));
    if (cg->unified != NULL) { /* joined the hybrid's cgroup2 part too */
        _cleanup_free_ char *procs = slurp(udir, "cgroup.procs");
        CHECK(atoi(procs) == child);
    }
    pid_t *pids = NULL;
    size_t n = 0;
    CHECK(pd_cgroup_pids(cg, &pids, &n, &e) == 0);
    CHECK(n == 1 && pids[0] == child);
    free(pids);
    v1_freeze_update_stats(cg, id);

    _cleanup_free_ char *ser = pd_cgroup_serialize(cg);
    _cleanup_free_ char *want = pd_xasprintf("v1:/paddock/%s\n", id);
    CHECK(strncmp(ser, want, strlen(want)) == 0);
    CHECK_CONTAINS(ser, "\nmount:memory=" PD_CG_ROOT "/memory"); /* the mounts as found */
    struct pd_cgroup *cg2 = NULL;
    CHECK(pd_cgroup_load(ser, &cg2, &e) == 0);
    _cleanup_free_ char *ser2 = cg2 ? pd_cgroup_serialize(cg2) : NULL;
    CHECK_STR(ser2, ser);
    CHECK(pd_cgroup_kill(cg2, SIGKILL, &e) == 0);
    int sig;
    reap(child, &sig);
    CHECK(sig == SIGKILL);
    CHECK(pd_cgroup_destroy(cg2, &e) == 0);
    for (size_t i = 0; i < PD_ARRAY_SIZE(v1_ctrls); i++) {
        _cleanup_free_ char *d = pd_xasprintf(PD_CG_ROOT "/%s/paddock/%s", v1_ctrls[i], id);
        if (exists(d))
            printf("    left behind: %s\n", d);
        CHECK(!exists(d));
    }
    _cleanup_free_ char *u = pd_xasprintf(PD_CG_ROOT "/unified/paddock/%s", id);
    CHECK(!exists(u));
    CHECK(pd_cgroup_destroy(cg2, &e) == 0); /* again: ENOENT is success */
    if (e != NULL)
        printf("    %s\n", e->msg);
    pd_error_free(e);
    pd_cgroup_free(cg2);
    pd_cgroup_free(cg);
}

/* A child that joins cg itself (pd_cgroup_enter_self), started in its
 * cgroup2 directory with clone3(CLONE_INTO_CGROUP) when into_unified;
 * returns its /proc/self/cgroup. */
static char *self_joined(const struct pd_cgroup *cg, bool into_unified)
{
    int p[2];
    if (pipe(p) < 0)
        return NULL;
    int ufd = into_unified ? pd_cgroup_open_unified(cg) : -1;
    pid_t pid;
    if (into_unified) {
        uint64_t a[11] = {0x200000000ULL /* CLONE_INTO_CGROUP */, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 0,
                          (uint64_t)ufd};
        pid = ufd < 0 ? -1 : (pid_t)syscall(SYS_clone3, a, sizeof(a));
    } else {
        pid = fork();
    }
    if (pid == 0) {
        pd_error *e = NULL;
        char *text = NULL;
        if (pd_cgroup_enter_self(cg, into_unified, &e) < 0)
            dprintf(p[1], "enter_self: %s\n", e->msg);
        else if (pd_read_file("/proc/self/cgroup", 1 << 16, &text, NULL, NULL) == 0)
            dprintf(p[1], "%s", text);
        _exit(0);
    }
    close(p[1]);
    if (ufd >= 0)
        close(ufd);
    char *out = NULL;
    if (pid > 0 && pd_read_fd(p[0], 1 << 16, &out, NULL, NULL) < 0)
        out = NULL;
    close(p[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return out;
}

/* Joining by itself (tasks files for v1, CLONE_INTO_CGROUP or cgroup.procs
 * for the cgroup2 part) puts a process where pd_cgroup_enter puts it. */
static void test_v1_enter_self(void)
{
    if (!is_root_on(PD_CGROUP_V1, "cgroup v1/hybrid"))
        return;
    _cleanup_free_ char *id = pd_xasprintf("pd-unit-self-%d", (int)getpid());
    bool huge = false;
    struct pd_cgroup *cg = v1_create(id, &huge);
    if (cg == NULL)
        return;
    pd_error *e = NULL;
    struct sleeper sl = spawn_sleeper();
    CHECK(sl.pid > 0 && pd_cgroup_enter(cg, sl.pid, false, &e) == 0);
    _cleanup_free_ char *path = pd_xasprintf("/proc/%d/cgroup", (int)sl.pid);
    char *want = NULL;
    CHECK(pd_read_file(path, 1 << 16, &want, NULL, NULL) == 0);
    _cleanup_free_ char *in = pd_xasprintf(":/paddock/%s\n", id);
    CHECK(want != NULL && strstr(want, in) != NULL); /* the reference is in it */
    for (int into = 0; into < 2 && want != NULL; into++) {
        _cleanup_free_ char *got = self_joined(cg, into == 1);
        if (got == NULL || strcmp(got, want) != 0)
            printf("    %s: %s\n    pd_cgroup_enter: %s", into ? "clone3" : "fork",
                   got ? got : "(nothing)", want);
        CHECK(got != NULL && strcmp(got, want) == 0);
    }
    free(want);
    kill(sl.pid, SIGKILL);
    int sig;
    reap(sl.pid, &sig);
    close(sl.go);
    close(sl.ack);
    CHECK(pd_cgroup_destroy(cg, &e) == 0);
    pd_error_free(e);
    pd_cgroup_free(cg);
}

/* A value the kernel refuses: the error names the field and the file, and
 * the half-made cgroup is removed again. */
static void test_v1_error(void)
{
    if (!is_root_on(PD_CGROUP_V1, "cgroup v1/hybrid"))
        return;
    _cleanup_free_ char *id = pd_xasprintf("pd-unit-err-%d", (int)getpid());
    struct pd_config cfg = { .has_linux = true };
    cfg.linux_.has_resources = true;
    cfg.linux_.resources.cpu.cpus = (char *)"4095";
    struct pd_cgroup *cg = NULL;
    pd_error *e = NULL;
    CHECK(pd_cgroup_create(&cfg, id, NULL, &cg, &e) < 0);
    CHECK(cg == NULL);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK_CONTAINS(e->msg, ".linux.resources.cpu.cpus: write 4095 to ");
        CHECK_CONTAINS(e->msg, "/cpuset.cpus: ");
    }
    pd_error_free(e);
    _cleanup_free_ char *d = pd_xasprintf(PD_CG_ROOT "/memory/paddock/%s", id);
    CHECK(!exists(d));
}

/* Rootless without a writable cgroup: a NONE handle, or an error when
 * limits were asked for.  Run as nobody in a child. */
static int rootless_child(void)
{
    if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
        return 100;
    int bad = 0;
    struct pd_config cfg = { .has_linux = true };
    struct pd_cgroup_opts o = { .rootless = true };
    struct pd_cgroup *cg = NULL;
    pd_error *e = NULL;
    if (pd_cgroup_create(&cfg, "pd-unit-rootless", &o, &cg, &e) < 0 ||
        pd_cgroup_mode(cg) != PD_CGROUP_NONE)
        bad |= 1;
    char *s = pd_cgroup_serialize(cg);
    bad |= s[0] != '\0' ? 2 : 0;
    free(s);
    bad |= pd_cgroup_enter(cg, getpid(), false, &e) < 0 || pd_cgroup_destroy(cg, &e) < 0 ? 4 : 0;
    pd_cgroup_free(cg);
    cfg.linux_.has_resources = true;
    cfg.linux_.resources.memory.limit = (struct pd_opt_i64)OPT(1 << 26);
    if (pd_cgroup_create(&cfg, "pd-unit-rootless", &o, &cg, &e) == 0 || e == NULL ||
        strstr(e->msg, "cannot apply .linux.resources.memory: no writable cgroup for uid "
                       "65534") == NULL)
        bad |= 8;
    pd_error_free(e);
    return bad;
}

static void test_rootless(void)
{
    if (geteuid() != 0) {
        printf("    skipped: needs root (to become nobody)\n");
        return;
    }
    /* /paddock must exist and belong to root, as after any rootful run */
    _cleanup_cgroup_ struct pd_cgroup *lay = pd_cg_new(PD_CGROUP_NONE, NULL, "/paddock");
    pd_error *e = NULL;
    CHECK(pd_cg_detect(lay, &e) == 0);
    CHECK(pd_cg_realize(lay, NULL, &e) == 0);
    pd_error_free(e);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2); /* the warning */
        _exit(rootless_child());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        printf("    rootless child: failure bits %d\n", WEXITSTATUS(st));
    CHECK(WEXITSTATUS(st) == 0);
}

/* ---------------------------------------------------- v2 on the hybrid */

/* Move a child into dir; it reports which device opens went wrong:
 * expect[i] is 0 (must work) or an errno (must fail with it). */
struct dev_try {
    const char *path;
    int flags;
    int expect;
};

static int try_devices_in(const char *dir, const struct dev_try *t, size_t n)
{
    int go[2];
    if (pipe(go) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(99);
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            int fd = open(t[i].path, t[i].flags | O_CLOEXEC);
            int got = fd >= 0 ? 0 : errno;
            if (fd >= 0)
                close(fd);
            if (got != t[i].expect)
                bad |= 1 << i;
        }
        _exit(bad);
    }
    close(go[0]);
    _cleanup_free_ char *procs = pd_xasprintf("%s/cgroup.procs", dir);
    _cleanup_free_ char *s = pd_xasprintf("%d", (int)pid);
    pd_error *e = NULL;
    int moved = pd_write_string(procs, s, &e);
    if (moved < 0) {
        printf("    %s\n", e->msg);
        pd_error_free(e);
        kill(pid, SIGKILL);
    }
    if (write(go[1], "x", 1) != 1)
        kill(pid, SIGKILL);
    close(go[1]);
    int st = 0;
    waitpid(pid, &st, 0);
    return moved < 0 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void test_v2_device_program(void)
{
    if (!is_root_on(PD_CGROUP_V1, "hybrid"))
        return;
    _cleanup_free_ char *dir = pd_xasprintf(PD_CG_ROOT "/unified/paddock-test-%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0);
    struct pd_device_rule rules[] = { RULE(false, 'a', -1, -1, NULL),
                                      RULE(true, 'c', 1, 3, "rwm"), RULE(true, 'c', 1, 5, "r") };
    pd_error *e = NULL;
    CHECK(pd_cgv2_devices(dir, rules, PD_ARRAY_SIZE(rules), &e) == 0);
    const struct dev_try t1[] = { { "/dev/null", O_RDWR, 0 }, { "/dev/zero", O_RDONLY, 0 },
                                  { "/dev/zero", O_WRONLY, EPERM }, { "/dev/zero", O_RDWR, EPERM },
                                  { "/dev/full", O_RDONLY, EPERM } };
    int bad = try_devices_in(dir, t1, PD_ARRAY_SIZE(t1));
    if (bad != 0)
        printf("    first program: failure bits %d\n", bad);
    CHECK(bad == 0);

    /* An update replaces the program (the old one is detached). */
    struct pd_device_rule rules2[] = { RULE(false, 'a', -1, -1, NULL),
                                       RULE(true, 'c', 1, -1, "rw"), RULE(false, 'c', 1, 3, "w") };
    CHECK(pd_cgv2_devices(dir, rules2, PD_ARRAY_SIZE(rules2), &e) == 0);
    const struct dev_try t2[] = { { "/dev/full", O_RDONLY, 0 }, { "/dev/zero", O_RDWR, 0 },
                                  { "/dev/null", O_RDONLY, 0 }, { "/dev/null", O_RDWR, EPERM },
                                  { "/dev/tty", O_RDONLY, EPERM } };
    bad = try_devices_in(dir, t2, PD_ARRAY_SIZE(t2));
    if (bad != 0)
        printf("    second program: failure bits %d\n", bad);
    CHECK(bad == 0);
    if (e != NULL)
        printf("    %s\n", e->msg);
    pd_error_free(e);
    CHECK(rmdir(dir) == 0);
}

static void v2_flow_checks(struct pd_cgroup *cg, const char *dir, pid_t child)
{
    pd_error *e = NULL;
    _cleanup_free_ char *sub = pd_xasprintf("%s/sub", dir);
    _cleanup_free_ char *procs = pd_xasprintf("%s/cgroup.procs", sub);
    _cleanup_free_ char *s = pd_xasprintf("%d", (int)child);
    CHECK(pd_cgroup_enter(cg, child, false, &e) == 0);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(pd_write_string(procs, s, &e) == 0);
    pid_t *pids = NULL;
    size_t n = 0;
    CHECK(pd_cgroup_pids(cg, &pids, &n, &e) == 0); /* recursive */
    CHECK(n == 1 && pids[0] == child);
    free(pids);
    CHECK(pd_cgroup_freeze(cg, true, &e) == 0);
    uint64_t fz = 9;
    CHECK(pd_cg_read_key(dir, "cgroup.events", "frozen", &fz) && fz == 1);
    CHECK(pd_cgroup_is_frozen(cg));
    CHECK(pd_cgroup_freeze(cg, false, &e) == 0);
    CHECK(!pd_cgroup_is_frozen(cg));

    struct pd_kv kv = { (char *)"cgroup.max.descendants", (char *)"5" };
    struct pd_resources up = { .unified = &kv, .n_unified = 1 };
    CHECK(pd_cgroup_update(cg, &up, &e) == 0);
    _cleanup_free_ char *md = slurp(dir, "cgroup.max.descendants");
    CHECK_STR(md, "5");
    kv.key = (char *)"../cgroup.procs";
    CHECK(pd_cgroup_update(cg, &up, &e) < 0);
    CHECK(e != NULL && strstr(e->msg, "invalid key") != NULL);
    pd_error_free(e);
    e = NULL;
    /* no pids controller in this cgroup2: the error names field and file */
    struct pd_resources up2 = { .pids.limit = OPT(10) };
    CHECK(pd_cgroup_update(cg, &up2, &e) < 0);
    if (e != NULL)
        CHECK_CONTAINS(e->msg, ".linux.resources.pids.limit: write 10 to ");
    pd_error_free(e);
}

static void test_v2_flow_on_hybrid(void)
{
    if (!is_root_on(PD_CGROUP_V1, "hybrid"))
        return;
    _cleanup_free_ char *path = pd_xasprintf("/paddock-unit-%d", (int)getpid());
    struct pd_cgroup *cg = pd_cg_new(PD_CGROUP_V2, PD_CG_ROOT "/unified", path);
    _cleanup_free_ char *dir = pd_cg_udir(cg);
    struct pd_device_rule rules[] = { RULE(false, 'a', -1, -1, NULL),
                                      RULE(true, 'c', 1, 3, "rwm") };
    struct pd_hugepage_limit hl = { (char *)"2MB", 4 << 21 };
    struct pd_resources r = { .devices = rules, .n_devices = 2 };
    bool huge = pd_cg_unified_has(cg, "hugetlb");
    if (huge) {
        r.hugepage_limits = &hl;
        r.n_hugepage_limits = 1;
    }
    pd_error *e = NULL;
    CHECK(pd_cg_realize(cg, &r, &e) == 0);
    if (e != NULL)
        printf("    %s\n", e->msg);
    pd_error_free(e);
    e = NULL;
    if (huge) {
        _cleanup_free_ char *h = slurp(dir, "hugetlb.2MB.max");
        CHECK_STR(h, "8388608");
    }
    _cleanup_free_ char *ser = pd_cgroup_serialize(cg);
    _cleanup_free_ char *want = pd_xasprintf("v2:%s", path);
    CHECK_STR(ser, want);
    struct sleeper sl = spawn_sleeper();
    pid_t child = sl.pid;
    CHECK(child > 0);
    v2_flow_checks(cg, dir, child);
    CHECK(sleeper_go(&sl));
    CHECK(pd_cgroup_kill(cg, SIGKILL, &e) == 0); /* cgroup.kill */
    int sig;
    reap(child, &sig);
    CHECK(sig == SIGKILL);
    CHECK(pd_cgroup_destroy(cg, &e) == 0);
    CHECK(!exists(dir));
    if (e != NULL)
        printf("    %s\n", e->msg);
    pd_error_free(e);
    pd_cgroup_free(cg);
}

/* v1: a saved cgroup's "mount:" lines are its layout while each is still a
 * cgroup mount (no mountinfo read); otherwise the host's is detected. */
static void test_saved_layout(void)
{
    if (!is_root_on(PD_CGROUP_V1, "cgroup v1/hybrid"))
        return;
    struct pd_cgroup *cg = NULL;
    pd_error *e = NULL;
    CHECK(pd_cgroup_load("v1:/paddock/x\nmount:memory=" PD_CG_ROOT "/memory", &cg, &e) == 0);
    CHECK(cg != NULL && cg->nh == 1 && strcmp(cg->h[0].ctrls, "memory") == 0);
    _cleanup_free_ char *d = cg ? pd_cg_dir(cg, "memory") : NULL;
    CHECK_STR(d, PD_CG_ROOT "/memory/paddock/x");
    pd_cgroup_free(cg);
    static const char *const stale[] = {
        "v1:/paddock/x\nmount:memory=/tmp",
        "v1:/paddock/x\nmount:unified=" PD_CG_ROOT "/memory\nmount:memory=" PD_CG_ROOT "/memory",
        "v1:/paddock/x\nmount:memory",
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(stale); i++) {
        cg = NULL;
        CHECK(pd_cgroup_load(stale[i], &cg, &e) == 0);
        CHECK(cg != NULL && cg->nh > 1); /* detected: every hierarchy of the host */
        pd_cgroup_free(cg);
    }
    pd_error_free(e);
}

static void test_none_handle(void)
{
    struct pd_cgroup *cg = NULL;
    pd_error *e = NULL;
    CHECK(pd_cgroup_load("", &cg, &e) == 0);
    CHECK(pd_cgroup_mode(cg) == PD_CGROUP_NONE);
    CHECK(pd_cgroup_enter(cg, 1, false, &e) == 0);
    CHECK(pd_cgroup_destroy(cg, &e) == 0);
    CHECK(!pd_cgroup_is_frozen(cg));
    pid_t *pids = NULL;
    size_t n = 0;
    CHECK(pd_cgroup_pids(cg, &pids, &n, &e) < 0);
    CHECK(e != NULL && strstr(e->msg, "no cgroup") != NULL);
    pd_error_free(e);
    e = NULL;
    pd_cgroup_free(cg);
    CHECK(pd_cgroup_load("v3:/x", &cg, &e) < 0);
    pd_error_free(e);
    e = NULL;
    CHECK(pd_cgroup_load("v1:/a/../b", &cg, &e) < 0);
    pd_error_free(e);
}

int main(void)
{
    RUN(test_path_for);
    RUN(test_weights);
    RUN(test_swap_v2);
    RUN(test_devices_prog_shape);
    RUN(test_none_handle);
    RUN(test_v1_real);
    RUN(test_v1_enter_self);
    RUN(test_saved_layout);
    RUN(test_v1_error);
    RUN(test_rootless);
    RUN(test_v2_device_program);
    RUN(test_v2_flow_on_hybrid);
    UNIT_EXIT();
}
