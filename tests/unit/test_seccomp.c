/* Unit tests for runtime/seccomp.c: filters are built from hand-made
 * config structs and loaded in fork()ed children, which report through
 * their exit status. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h> /* libseccomp: the attribute the tree test reads */

#include "seccomp.h"
#include "unit.h"
#include "util.h"

#define NAMES(...) ((char *[]){__VA_ARGS__, NULL})
#define NNAMES(...) (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define RULE(action_, ...) \
    {.names = NAMES(__VA_ARGS__), .n_names = NNAMES(__VA_ARGS__), .action = (action_)}

static struct pd_seccomp allow_default(struct pd_seccomp_syscall *rules, size_t n)
{
    return (struct pd_seccomp){.default_action = PD_SECCOMP_ALLOW, .syscalls = rules,
                               .n_syscalls = n};
}

/* Build sc, fork, load it in the child, run fn there; returns the wait status. */
static int run_filtered(const struct pd_seccomp *sc, int (*fn)(void))
{
    void *ctx = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_build(sc, &ctx, &err) < 0) {
        printf("    build: %s\n", err->msg);
        pd_error_free(err);
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        if (pd_seccomp_load(ctx, &err) < 0) {
            printf("    load: %s\n", err->msg);
            fflush(stdout);
            _exit(99);
        }
        _exit(fn());
    }
    pd_seccomp_release(ctx);
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static int exited_zero(int status)
{
    if (status == -1)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    printf("    child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

/* True when a syscall failed with errno e. */
static int blocked(long r, int e)
{
    return r == -1 && errno == e;
}

static void expect_build_error(const struct pd_seccomp *sc, const char *needle)
{
    void *ctx = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_build(sc, &ctx, &err) == -1);
    CHECK(ctx == NULL);
    CHECK(err != NULL);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, needle);
    pd_error_free(err);
    pd_seccomp_release(ctx);
}

static void expect_build_ok(const struct pd_seccomp *sc)
{
    void *ctx = NULL;
    pd_error *err = NULL;
    int r = pd_seccomp_build(sc, &ctx, &err);
    CHECK(r == 0);
    if (err != NULL)
        printf("    unexpected error: %s\n", err->msg);
    pd_error_free(err);
    pd_seccomp_release(ctx);
}

/* ---- children ---- */

static int child_getcwd_38(void)
{
    char buf[256];
    if (!blocked(syscall(SYS_getcwd, buf, sizeof(buf)), 38))
        return 1;
    return syscall(SYS_getpid) > 0 ? 0 : 2;
}

static int child_getppid_eperm(void)
{
    return blocked(syscall(SYS_getppid), EPERM) ? 0 : 1;
}

static int child_personality(void)
{
    if (!blocked(syscall(SYS_personality, 0xffffffffUL), 77))
        return 1;
    return syscall(SYS_personality, 0UL) >= 0 ? 0 : 2; /* PER_LINUX: allowed */
}

static int child_getpgid_or(void)
{
    if (!blocked(syscall(SYS_getpgid, 1000001L), 77) ||
        !blocked(syscall(SYS_getpgid, 1000002L), 77))
        return 1;
    if (syscall(SYS_getpgid, 0L) < 0)
        return 2;
    errno = 0;
    return blocked(syscall(SYS_getpgid, 1000003L), 77) ? 3 : 0;
}

static int child_setpgid_and(void)
{
    if (!blocked(syscall(SYS_setpgid, 999991L, 999992L), 77))
        return 1;
    errno = 0;
    if (blocked(syscall(SYS_setpgid, 999991L, 5L), 77) ||
        blocked(syscall(SYS_setpgid, 5L, 999992L), 77))
        return 2;
    return 0;
}

static int child_masked(void)
{
    if (!blocked(syscall(SYS_getpgid, 0x771234L), 77))
        return 1;
    errno = 0;
    return blocked(syscall(SYS_getpgid, 0x771334L), 77) ? 2 : 0;
}

static int child_ge(void)
{
    if (!blocked(syscall(SYS_getpgid, 5000000001L), 77))
        return 1;
    return syscall(SYS_getpgid, 0L) >= 0 ? 0 : 2;
}

static int child_call_getppid(void)
{
    syscall(SYS_getppid);
    return 0;
}

static int child_getppid_55(void)
{
    /* only raw syscalls from here: the default action fails the rest
     * (sanitizer runtimes call mmap/sigaltstack in _exit) */
    syscall(SYS_exit_group, blocked(syscall(SYS_getppid), 55) ? 0 : 1);
    return 2;
}

static int child_getppid_33(void)
{
    return blocked(syscall(SYS_getppid), 33) ? 0 : 1;
}

static int child_nnp_unset(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 1;
    char line[256];
    int rc = 2;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strcmp(line, "NoNewPrivs:\t0\n") == 0 && rc == 2)
            rc = 3;
        if (strcmp(line, "Seccomp:\t2\n") == 0 && rc == 3)
            rc = 0;
    }
    fclose(f);
    return rc;
}

/* ---- tests ---- */

static void test_errno_rule(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getcwd")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 38;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_getcwd_38)));
}

static void test_errno_default_eperm(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getppid")};
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_getppid_eperm)));
}

static void test_arg_eq(void)
{
    struct pd_seccomp_arg a[] = {{.index = 0, .value = 0xffffffffULL, .op = PD_SCMP_EQ}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "personality")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 77;
    r[0].args = a;
    r[0].n_args = 1;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_personality)));
}

static void test_same_arg_is_or(void)
{
    struct pd_seccomp_arg a[] = {{.index = 0, .value = 1000001, .op = PD_SCMP_EQ},
                                 {.index = 0, .value = 1000002, .op = PD_SCMP_EQ}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getpgid")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 77;
    r[0].args = a;
    r[0].n_args = 2;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_getpgid_or)));
}

static void test_different_args_are_and(void)
{
    struct pd_seccomp_arg a[] = {{.index = 0, .value = 999991, .op = PD_SCMP_EQ},
                                 {.index = 1, .value = 999992, .op = PD_SCMP_EQ}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "setpgid")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 77;
    r[0].args = a;
    r[0].n_args = 2;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_setpgid_and)));
}

/* MASKED_EQ: value is the mask, valueTwo the datum: (arg & value) == valueTwo */
static void test_masked_eq(void)
{
    struct pd_seccomp_arg a[] = {
        {.index = 0, .value = 0xff00, .value_two = 0x1200, .op = PD_SCMP_MASKED_EQ}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getpgid")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 77;
    r[0].args = a;
    r[0].n_args = 1;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_masked)));
}

static void test_ge_64bit(void)
{
    struct pd_seccomp_arg a[] = {{.index = 0, .value = 5000000000ULL, .op = PD_SCMP_GE}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getpgid")};
    r[0].has_errno_ret = true;
    r[0].errno_ret = 77;
    r[0].args = a;
    r[0].n_args = 1;
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_ge)));
}

static void test_kill_process(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_KILL_PROCESS, "getppid")};
    struct pd_seccomp sc = allow_default(r, 1);
    int st = run_filtered(&sc, child_call_getppid);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

static void test_trap(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_TRAP, "getppid")};
    struct pd_seccomp sc = allow_default(r, 1);
    int st = run_filtered(&sc, child_call_getppid);
    CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

static void test_default_errno_ret(void)
{
    /* Default ERRNO(55); allow only what the child needs to exit. The ERRNO(55)
     * rule on "read" equals the default action and must be skipped. */
    struct pd_seccomp_syscall r[] = {
        RULE(PD_SECCOMP_ALLOW, "exit_group", "exit", "rt_sigreturn", "write"),
        RULE(PD_SECCOMP_ERRNO, "read"),
    };
    r[1].has_errno_ret = true;
    r[1].errno_ret = 55;
    struct pd_seccomp sc = {.default_action = PD_SECCOMP_ERRNO, .has_default_errno_ret = true,
                            .default_errno_ret = 55, .syscalls = r, .n_syscalls = 2};
    CHECK(exited_zero(run_filtered(&sc, child_getppid_55)));
}

static void test_unknown_syscall_skipped(void)
{
    struct pd_seccomp_syscall r[] = {
        RULE(PD_SECCOMP_ERRNO, "paddock_no_such_syscall", "getppid"),
        RULE(PD_SECCOMP_ALLOW, "read"), /* same as default: skipped */
    };
    r[0].has_errno_ret = true;
    r[0].errno_ret = 33;
    struct pd_seccomp sc = allow_default(r, 2);
    CHECK(exited_zero(run_filtered(&sc, child_getppid_33)));
}

static void test_no_new_privs_left_alone(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "paddock_no_such_syscall")};
    struct pd_seccomp sc = allow_default(r, 1);
    CHECK(exited_zero(run_filtered(&sc, child_nnp_unset)));
}

static void test_architectures(void)
{
    struct pd_seccomp sc = allow_default(NULL, 0);
    sc.architectures = NAMES("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                             "SCMP_ARCH_AARCH64");
    sc.n_architectures = 4;
    expect_build_ok(&sc);
    sc.architectures = NAMES("SCMP_ARCH_X86", "SCMP_ARCH_FOO");
    sc.n_architectures = 2;
    expect_build_error(&sc, "seccomp: unknown architecture \"SCMP_ARCH_FOO\"");
    sc.architectures = NAMES("x86_64");
    sc.n_architectures = 1;
    expect_build_error(&sc, "unknown architecture \"x86_64\"");
}

static int child_ok(void) { return 0; }

static void test_flags(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getppid")};
    struct pd_seccomp sc = allow_default(r, 1);
    sc.flags = NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                     "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    sc.n_flags = 3;
    CHECK(exited_zero(run_filtered(&sc, child_ok)));
    sc.flags = NAMES("SECCOMP_FILTER_FLAG_BOGUS");
    sc.n_flags = 1;
    expect_build_error(&sc, "seccomp: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
    /* supported with libseccomp >= 2.6, else an error naming it */
    sc.flags = NAMES("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    void *ctx = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_build(&sc, &ctx, &err) < 0)
        CHECK_CONTAINS(err->msg, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    pd_error_free(err);
    pd_seccomp_release(ctx);
}

static void test_bad_actions(void)
{
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_NOTIFY, "getppid")};
    struct pd_seccomp sc = allow_default(r, 1);
    expect_build_error(&sc, "seccomp: syscall \"getppid\": action SCMP_ACT_NOTIFY is not supported yet");
    r[0].action = (enum pd_seccomp_action)99;
    expect_build_error(&sc, "unknown action 99");
    r[0].action = PD_SECCOMP_ERRNO;
    r[0].has_errno_ret = true;
    r[0].errno_ret = 70000;
    expect_build_error(&sc, "errnoRet 70000 out of range");
    struct pd_seccomp d = {.default_action = PD_SECCOMP_NOTIFY};
    expect_build_error(&d, "seccomp: default action: action SCMP_ACT_NOTIFY is not supported");
    /* TRACE with and without errnoRet builds */
    r[0].action = PD_SECCOMP_TRACE;
    r[0].errno_ret = 5;
    expect_build_ok(&sc);
    r[0].has_errno_ret = false;
    expect_build_ok(&sc);
}

static void test_bad_args(void)
{
    struct pd_seccomp_arg a[] = {{.index = 6, .value = 1, .op = PD_SCMP_EQ}};
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "getpgid")};
    r[0].args = a;
    r[0].n_args = 1;
    struct pd_seccomp sc = allow_default(r, 1);
    expect_build_error(&sc, "seccomp: syscall \"getpgid\": argument index 6 out of range");
    a[0].index = 0;
    a[0].op = (enum pd_seccomp_op)42;
    expect_build_error(&sc, "unknown operator 42");
    /* every operator is accepted */
    for (int op = PD_SCMP_NE; op <= PD_SCMP_MASKED_EQ; op++) {
        a[0].op = (enum pd_seccomp_op)op;
        expect_build_ok(&sc);
    }
}

static void test_all_actions_build(void)
{
    enum pd_seccomp_action acts[] = {PD_SECCOMP_KILL, PD_SECCOMP_KILL_PROCESS,
                                     PD_SECCOMP_KILL_THREAD, PD_SECCOMP_TRAP,
                                     PD_SECCOMP_ERRNO, PD_SECCOMP_TRACE, PD_SECCOMP_LOG};
    for (size_t i = 0; i < PD_ARRAY_SIZE(acts); i++) {
        struct pd_seccomp_syscall r[] = {RULE(acts[i], "getppid")};
        struct pd_seccomp sc = allow_default(r, 1);
        expect_build_ok(&sc);
        sc.default_action = acts[i]; /* as default, with an ALLOW rule */
        r[0].action = PD_SECCOMP_ALLOW;
        expect_build_ok(&sc);
    }
}

/* The binary tree is chosen by the number of syscall names, not of rules:
 * Docker's profile names ~360 syscalls in 11 rules, and without the tree
 * its filter costs the kernel ~0.7 ms to load (0.2 ms with it). */
static uint32_t optimize_level(const struct pd_seccomp *sc)
{
    void *ctx = NULL;
    pd_error *err = NULL;
    uint32_t v = 0;
    if (pd_seccomp_build(sc, &ctx, &err) < 0) {
        printf("    build: %s\n", err->msg);
        pd_error_free(err);
        return 0;
    }
    if (seccomp_attr_get(ctx, SCMP_FLTATR_CTL_OPTIMIZE, &v) < 0)
        v = 0;
    pd_seccomp_release(ctx);
    return v;
}

static int denied_getppid_allowed_getpid(void)
{
    errno = 0;
    if (syscall(SYS_getppid) != -1 || errno != EPERM)
        return 1;
    return syscall(SYS_getpid) > 0 && syscall(SYS_gettid) > 0 ? 0 : 2;
}

static void test_tree_by_names(void)
{
    /* 40 syscalls nothing here calls (ASan's runtime included), denied */
    char *many[] = {"getppid", "acct", "swapon", "swapoff", "reboot", "sethostname",
                    "setdomainname", "iopl", "ioperm", "init_module", "delete_module",
                    "finit_module", "quotactl", "syslog", "vhangup", "pivot_root", "chroot",
                    "settimeofday", "adjtimex", "clock_adjtime", "kexec_load", "kexec_file_load",
                    "lookup_dcookie", "perf_event_open", "fanotify_init", "name_to_handle_at",
                    "open_by_handle_at", "setns", "unshare", "userfaultfd", "bpf", "add_key",
                    "request_key", "keyctl", "uselib", "ustat", "sysfs", "mount", "umount2",
                    "pkey_alloc", NULL};
    struct pd_seccomp_syscall few[] = {
        {.names = many, .n_names = 40, .action = PD_SECCOMP_ERRNO},
        RULE(PD_SECCOMP_ERRNO, "getuid")};
    struct pd_seccomp sc = allow_default(few, 2);
    sc.architectures = NAMES("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
    sc.n_architectures = 2;
    CHECK(optimize_level(&sc) == 2); /* 2 rules, 41 names */
    /* the tree filters as the list does: denied by name, the rest allowed */
    CHECK(exited_zero(run_filtered(&sc, denied_getppid_allowed_getpid)));
    struct pd_seccomp_syscall short_list[] = {RULE(PD_SECCOMP_ERRNO, "getppid", "getuid")};
    struct pd_seccomp small = allow_default(short_list, 1);
    CHECK(optimize_level(&small) != 2);
}

int main(void)
{
    RUN(test_errno_rule);
    RUN(test_errno_default_eperm);
    RUN(test_arg_eq);
    RUN(test_same_arg_is_or);
    RUN(test_different_args_are_and);
    RUN(test_masked_eq);
    RUN(test_ge_64bit);
    RUN(test_kill_process);
    RUN(test_trap);
    RUN(test_default_errno_ret);
    RUN(test_unknown_syscall_skipped);
    RUN(test_no_new_privs_left_alone);
    RUN(test_architectures);
    RUN(test_flags);
    RUN(test_bad_actions);
    RUN(test_bad_args);
    RUN(test_all_actions_build);
    RUN(test_tree_by_names);
    UNIT_EXIT();
}
