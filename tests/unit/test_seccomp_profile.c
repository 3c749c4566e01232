/* Unit tests for runtime/seccomp_profile.c: the built-in agent-default
 * profile parses, builds, and (loaded in fork()ed children that report
 * through their exit status) denies what spec/profiles/README.md says. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "seccomp_profile.h"
#include "unit.h"
#include "util.h"

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

/* Load the built-in profile in a fork()ed child and run fn there; returns
 * fn's exit code (0 = pass), or 100+ on harness failure. */
static int run_profiled(int (*fn)(void))
{
    struct pd_seccomp *sc = NULL;
    void *ctx = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_profile_builtin("agent-default", &sc, &err) < 0 ||
        pd_seccomp_build(sc, &ctx, &err) < 0) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        pd_seccomp_profile_free(sc);
        return 100;
    }
    pd_seccomp_profile_free(sc);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(101);
        if (pd_seccomp_load(ctx, &err) < 0) {
            printf("    load: %s\n", err->msg);
            fflush(stdout);
            _exit(102);
        }
        _exit(fn());
    }
    pd_seccomp_release(ctx);
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 103;
    if (!WIFEXITED(status)) {
        printf("    child died: status %#x\n", status);
        return 104;
    }
    return WEXITSTATUS(status);
}

/* Report which step failed through the exit code. */
#define STEP(n, cond) do { if (!(cond)) return (n); } while (0)

static int expect_errno(long r, int e) { return r == -1 && errno == e; }

static void test_builtin_parses_and_builds(void)
{
    struct pd_seccomp *sc = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_profile_builtin("agent-default", &sc, &err) == 0);
    CHECK(err == NULL);
    if (sc == NULL) {
        pd_error_free(err);
        return;
    }
    CHECK(sc->default_action == PD_SECCOMP_ERRNO);
    CHECK(sc->has_default_errno_ret && sc->default_errno_ret == EPERM);
    CHECK(sc->n_architectures == 5);
    CHECK(sc->n_syscalls > 3);
    CHECK(sc->syscalls[0].n_names > 300);
    /* Nothing the issue denies is in an allow rule without conditions. */
    static const char *const denied[] = {
        "ptrace", "process_vm_readv", "process_vm_writev", "io_uring_setup", "io_uring_enter",
        "io_uring_register", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
        "request_key", "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
        "fsmount", "fsconfig", "fspick", "mount_setattr", "init_module", "finit_module",
        "delete_module", "kexec_load", "kexec_file_load", "setns", "open_by_handle_at",
        "personality", "unshare", "clone", "clone3",
    };
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct pd_seccomp_syscall *s = &sc->syscalls[i];
        if (s->action != PD_SECCOMP_ALLOW || s->n_args > 0)
            continue;
        for (size_t j = 0; j < s->n_names; j++)
            for (size_t k = 0; k < PD_ARRAY_SIZE(denied); k++)
                if (strcmp(s->names[j], denied[k]) == 0) {
                    printf("    %s is allowed unconditionally\n", denied[k]);
                    unit_case_failed = 1;
                }
    }
    void *ctx = NULL;
    CHECK(pd_seccomp_build(sc, &ctx, &err) == 0);
    if (err != NULL)
        printf("    build: %s\n", err->msg);
    pd_seccomp_release(ctx);
    pd_error_free(err);
    pd_seccomp_profile_free(sc);
}

static int child_basics(void)
{
    STEP(1, getpid() > 0);
    STEP(2, syscall(SYS_getpid) == getpid());
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    STEP(3, fd >= 0);
    STEP(4, write(fd, "x", 1) == 1);
    close(fd);
    int p[2];
    STEP(5, pipe(p) == 0);
    pid_t pid = fork(); /* clone without CLONE_NEWUSER, through glibc */
    if (pid == 0)
        _exit(7);
    int st;
    STEP(6, pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
    return 0;
}

static void test_basics_allowed(void) { CHECK(run_profiled(child_basics) == 0); }

static int child_mount(void)
{
    STEP(1, expect_errno(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM));
    STEP(2, expect_errno(umount2("/tmp", MNT_DETACH), EPERM));
    STEP(3, expect_errno(syscall(SYS_fsopen, "tmpfs", 0), EPERM));
    STEP(4, expect_errno(syscall(SYS_open_tree, AT_FDCWD, "/", 0), EPERM));
    STEP(5, expect_errno(syscall(SYS_pivot_root, "/", "/"), EPERM));
    return 0;
}

static void test_mount_denied(void) { CHECK(run_profiled(child_mount) == 0); }

static int child_userns(void)
{
    STEP(1, expect_errno(unshare(CLONE_NEWUSER), EPERM));
    STEP(2, expect_errno(unshare(CLONE_NEWUSER | CLONE_NEWNS), EPERM));
    /* The raw clone syscall with CLONE_NEWUSER: refused before any fork. */
    STEP(3, expect_errno(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM));
    STEP(4, expect_errno(setns(0, 0), EPERM));
    /* Other namespaces pass the filter; as root the kernel then allows it. */
    long r = unshare(CLONE_NEWUTS);
    if (geteuid() == 0)
        STEP(5, r == 0);
    else
        STEP(6, r == 0 || errno == EPERM); /* kernel's EPERM without CAP_SYS_ADMIN */
    return 0;
}

static void test_user_namespaces_denied(void) { CHECK(run_profiled(child_userns) == 0); }

static int child_clone3(void)
{
    STEP(1, expect_errno(syscall(SYS_clone3, NULL, 0), ENOSYS));
    return 0;
}

static void test_clone3_enosys(void) { CHECK(run_profiled(child_clone3) == 0); }

static int child_denied(void)
{
    STEP(1, expect_errno(syscall(SYS_bpf, 0, NULL, 0), EPERM));
    STEP(2, expect_errno(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0),
                         EPERM));
    STEP(3, expect_errno(syscall(SYS_add_key, "user", "x", "y", 1, KEY_SPEC_PROCESS_KEYRING),
                         EPERM));
    STEP(4, expect_errno(syscall(SYS_io_uring_setup, 1, NULL), EPERM));
    STEP(5, expect_errno(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM));
    STEP(6, expect_errno(syscall(SYS_userfaultfd, 0), EPERM));
    STEP(7, expect_errno(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0), EPERM));
    STEP(8, expect_errno(syscall(SYS_process_vm_readv, getppid(), NULL, 0, NULL, 0, 0), EPERM));
    STEP(9, expect_errno(syscall(SYS_init_module, NULL, 0, ""), EPERM));
    STEP(10, expect_errno(syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM));
    return 0;
}

static void test_dangerous_denied(void) { CHECK(run_profiled(child_denied) == 0); }

static int child_personality(void)
{
    int cur = personality(0xffffffff);
    STEP(1, cur != -1);
    STEP(3, personality(PER_LINUX) != -1);
    /* ADDR_NO_RANDOMIZE weakens ASLR: refused. */
    STEP(4, expect_errno(personality(PER_LINUX | ADDR_NO_RANDOMIZE), EPERM));
    STEP(5, personality(0xffffffff) == PER_LINUX);
    return 0;
}

static void test_personality(void) { CHECK(run_profiled(child_personality) == 0); }

static void test_load_bad_path(void)
{
    struct pd_seccomp *sc = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_profile_load("/nonexistent/paddock-profile.json", &sc, &err) < 0);
    CHECK(sc == NULL);
    CHECK(err != NULL);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "/nonexistent/paddock-profile.json");
    pd_error_free(err);
}

/* Write text to a temp file and load it; returns the error message or NULL. */
static char *load_text(const char *text, struct pd_seccomp **sc, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "/tmp/paddock-profile-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return pd_xstrdup("mkstemp failed");
    (void)!write(fd, text, strlen(text));
    close(fd);
    pd_error *err = NULL;
    char *msg = NULL;
    if (pd_seccomp_profile_load(path, sc, &err) < 0)
        msg = pd_xstrdup(err && err->msg ? err->msg : "(no message)");
    pd_error_free(err);
    unlink(path);
    return msg;
}

static void test_load_errors_name_file_and_path(void)
{
    char path[64];
    struct pd_seccomp *sc = NULL;
    char *msg = load_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                          "[{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_NOPE\"}]}",
                          &sc, path, sizeof(path));
    CHECK(msg != NULL && sc == NULL);
    CHECK_CONTAINS(msg, path);
    CHECK_CONTAINS(msg, ": .syscalls[0].action: ");
    CHECK(msg == NULL || strstr(msg, ".seccomp") == NULL);
    free(msg);

    msg = load_text("[1, 2]", &sc, path, sizeof(path));
    CHECK_CONTAINS(msg, path);
    CHECK_CONTAINS(msg, "expected an object");
    free(msg);

    msg = load_text("{\"defaultAction\": ", &sc, path, sizeof(path));
    CHECK_CONTAINS(msg, path);
    free(msg);

    msg = load_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
                    "\"syscalls\": [{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\","
                    " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                    &sc, path, sizeof(path));
    CHECK(msg == NULL);
    free(msg);
    CHECK(sc != NULL && sc->n_syscalls == 1 && sc->syscalls[0].n_args == 1);
    pd_seccomp_profile_free(sc);
}

static void test_builtin_unknown(void)
{
    struct pd_seccomp *sc = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_profile_builtin("no-such-profile", &sc, &err) < 0);
    CHECK(sc == NULL);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "no-such-profile");
    pd_error_free(err);
    size_t len = 0;
    const char *text = pd_seccomp_profile_builtin_text("agent-default", &len);
    CHECK(text != NULL && len > 100 && text[len] == '\0' && text[0] == '{');
}

int main(void)
{
    RUN(test_builtin_parses_and_builds);
    RUN(test_basics_allowed);
    RUN(test_mount_denied);
    RUN(test_user_namespaces_denied);
    RUN(test_clone3_enosys);
    RUN(test_dangerous_denied);
    RUN(test_personality);
    RUN(test_load_bad_path);
    RUN(test_load_errors_name_file_and_path);
    RUN(test_builtin_unknown);
    UNIT_EXIT();
}
