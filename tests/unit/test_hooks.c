#define _GNU_SOURCE
/* Unit tests for runtime/hooks.c: real hook processes, no shell. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "unit.h"
#include "util.h"

static char tmpdir[] = "/tmp/pd-test-hooks-XXXXXX";

static char *tmp_path(const char *name)
{
    return pd_xasprintf("%s/%s", tmpdir, name);
}

static char *slurp(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    pd_error *e = NULL;
    if (pd_read_file(path, 1 << 24, &buf, &len, &e) < 0) {
        pd_error_free(e);
        return NULL;
    }
    return buf;
}

/* Run the hooks with our fd 2 redirected to a file; return what landed there. */
static int run_capture(const struct pd_hook_list *l, enum pd_hook_kind k, const char *json,
                       pd_error **err, char **out)
{
    _cleanup_free_ char *path = tmp_path("stderr");
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, 2) < 0) {
        printf("    capture setup failed: %s\n", strerror(errno));
        exit(2);
    }
    close(fd);
    int r = pd_hooks_run(l, k, json, err);
    dup2(saved, 2);
    close(saved);
    *out = slurp(path);
    return r;
}

#define HOOK(p, ...) { .path = (char *)(p), .args = (char *[]){ __VA_ARGS__, NULL }, \
                       .n_args = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) }

static void test_empty_list(void)
{
    pd_error *e = NULL;
    struct pd_hook_list l = { NULL, 0 };
    CHECK(pd_hooks_run(&l, PD_HOOK_PRESTART, "{}", &e) == 0);
    CHECK(pd_hooks_run(NULL, PD_HOOK_PRESTART, "{}", &e) == 0);
    CHECK(e == NULL);
}

static void test_state_on_stdin(void)
{
    _cleanup_free_ char *file = tmp_path("state");
    const char *json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}";
    struct pd_hook h = HOOK("/usr/bin/tee", "tee", file);
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    _cleanup_free_ char *err_out = NULL;
    CHECK(run_capture(&l, PD_HOOK_CREATE_RUNTIME, json, &e, &err_out) == 0);
    CHECK(e == NULL);
    _cleanup_free_ char *got = slurp(file);
    CHECK_STR(got, json);
    /* tee's stdout went to our stderr, not our stdout. */
    CHECK_STR(err_out, json);
    pd_error_free(e);
}

/* A state bigger than a pipe buffer arrives whole. */
static void test_big_state(void)
{
    _cleanup_free_ char *file = tmp_path("big");
    size_t n = 1 << 20;
    _cleanup_free_ char *json = pd_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        json[i] = (char)('a' + i % 26);
    json[n] = '\0';
    struct pd_hook h = HOOK("/usr/bin/tee", "tee", file);
    h.has_timeout = true;
    h.timeout = 30;
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    _cleanup_free_ char *err_out = NULL;
    CHECK(run_capture(&l, PD_HOOK_PRESTART, json, &e, &err_out) == 0);
    _cleanup_free_ char *got = slurp(file);
    CHECK(got != NULL && strcmp(got, json) == 0);
    pd_error_free(e);
}

/* A hook that never reads a big state: no hang, no SIGPIPE death. */
static void test_hook_ignores_stdin(void)
{
    size_t n = 1 << 20;
    _cleanup_free_ char *json = pd_xmalloc(n + 1);
    memset(json, 'x', n);
    json[n] = '\0';
    struct pd_hook h = { .path = "/bin/true" };
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_POSTSTOP, json, &e) == 0);
    CHECK(e == NULL);
    sigset_t pending;
    sigpending(&pending);
    CHECK(sigismember(&pending, SIGPIPE) == 0);
    pd_error_free(e);
}

static void test_exit_status(void)
{
    struct pd_hook h = { .path = "/bin/false" };
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_PRESTART, "{}", &e) == -1);
    CHECK(e != NULL);
    if (e)
        CHECK_STR(e->msg, ".hooks.prestart[0] (/bin/false): exited with status 1");
    pd_error_free(e);
}

static void test_killed_by_signal(void)
{
    struct pd_hook h = HOOK("/usr/bin/perl", "perl", "-e", "kill 9, $$");
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_START_CONTAINER, "{}", &e) == -1);
    if (e)
        CHECK_STR(e->msg, ".hooks.startContainer[0] (/usr/bin/perl): killed by signal 9");
    pd_error_free(e);
}

/* Is any process running with exactly this argv? */
static bool argv_running(const char *a0, const char *a1)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char path[300], buf[256] = { 0 };
        snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0 && strcmp(buf, a0) == 0 && strlen(a0) + 1 < (size_t)n &&
            strcmp(buf + strlen(a0) + 1, a1) == 0)
            found = true;
    }
    closedir(d);
    return found;
}

static void test_timeout(void)
{
    struct pd_hook hs[2] = {
        { .path = "/bin/true" },
        HOOK("/bin/sleep", "sleep", "7.654"),
    };
    hs[1].has_timeout = true;
    hs[1].timeout = 1;
    struct pd_hook_list l = { hs, 2 };
    pd_error *e = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(pd_hooks_run(&l, PD_HOOK_POSTSTART, "{}", &e) == -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (e)
        CHECK_STR(e->msg, ".hooks.poststart[1] (/bin/sleep): timed out after 1s");
    /* Killed, not waited out, and reaped: no child of ours is left. */
    CHECK(t1.tv_sec - t0.tv_sec < 7);
    CHECK(!argv_running("sleep", "7.654"));
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
    pd_error_free(e);
}

/* The timeout holds even while the state is still being written. */
static void test_timeout_while_feeding(void)
{
    size_t n = 1 << 20;
    _cleanup_free_ char *json = pd_xmalloc(n + 1);
    memset(json, 'y', n);
    json[n] = '\0';
    struct pd_hook h = HOOK("/bin/sleep", "sleep", "6.543");
    h.has_timeout = true;
    h.timeout = 1;
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_CREATE_CONTAINER, json, &e) == -1);
    if (e)
        CHECK_STR(e->msg, ".hooks.createContainer[0] (/bin/sleep): timed out after 1s");
    CHECK(!argv_running("sleep", "6.543"));
    pd_error_free(e);
}

static void test_exec_error(void)
{
    struct pd_hook h = { .path = "/nonexistent/hook" };
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_CREATE_RUNTIME, "{}", &e) == -1);
    if (e) {
        CHECK_STR(e->msg, ".hooks.createRuntime[0] (/nonexistent/hook): exec: No such file or directory");
        CHECK(e->errnum == ENOENT);
    }
    pd_error_free(e);
}

static void test_stops_at_first_failure(void)
{
    _cleanup_free_ char *file = tmp_path("never");
    struct pd_hook hs[2] = { { .path = "/bin/false" }, HOOK("/usr/bin/tee", "tee", file) };
    struct pd_hook_list l = { hs, 2 };
    pd_error *e = NULL;
    CHECK(pd_hooks_run(&l, PD_HOOK_POSTSTOP, "{}", &e) == -1);
    if (e)
        CHECK_STR(e->msg, ".hooks.poststop[0] (/bin/false): exited with status 1");
    CHECK(access(file, F_OK) == -1 && errno == ENOENT);
    pd_error_free(e);
}

static void test_args_and_env(void)
{
    char *env[] = { "FOO=bar", "X=1", NULL };
    struct pd_hook hs[3] = {
        HOOK("/usr/bin/env", "env"),
        HOOK("/bin/echo", "ignored-argv0", "a b", "c"),
        { .path = "/usr/bin/env" }, /* no args, no env: argv = {path}, empty env */
    };
    hs[0].env = env;
    hs[0].n_env = 2;
    struct pd_hook_list l = { hs, 3 };
    pd_error *e = NULL;
    _cleanup_free_ char *out = NULL;
    CHECK(run_capture(&l, PD_HOOK_PRESTART, "{}", &e, &out) == 0);
    CHECK_STR(out, "FOO=bar\nX=1\na b c\n");
    pd_error_free(e);
}

/* The hook gets a clean signal state and no fds beyond 0-2. */
static void test_clean_process(void)
{
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_term;
    sigaction(SIGTERM, &ign, &old_term);
    int leak = open("/dev/null", O_RDONLY); /* deliberately not O_CLOEXEC */
    int leak_hi = dup2(leak, 77);

    struct pd_hook hs[2] = {
        HOOK("/bin/grep", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"),
        HOOK("/bin/ls", "ls", "/proc/self/fd"),
    };
    struct pd_hook_list l = { hs, 2 };
    pd_error *e = NULL;
    _cleanup_free_ char *out = NULL;
    CHECK(run_capture(&l, PD_HOOK_PRESTART, "{}", &e, &out) == 0);
    /* ls's own directory fd is the 3. */
    CHECK_STR(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n0\n1\n2\n3\n");

    close(leak);
    close(leak_hi);
    sigaction(SIGTERM, &old_term, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    pd_error_free(e);
}

/* Our own stdout is not the hook's. */
static void test_stdout_untouched(void)
{
    _cleanup_free_ char *path = tmp_path("stdout");
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    dup2(fd, 1);
    close(fd);
    struct pd_hook h = HOOK("/bin/echo", "echo", "to-stderr");
    struct pd_hook_list l = { &h, 1 };
    pd_error *e = NULL;
    _cleanup_free_ char *err_out = NULL;
    int r = run_capture(&l, PD_HOOK_PRESTART, "{}", &e, &err_out);
    dup2(saved, 1);
    close(saved);
    CHECK(r == 0);
    CHECK_STR(err_out, "to-stderr\n");
    _cleanup_free_ char *got = slurp(path);
    CHECK_STR(got, "");
    pd_error_free(e);
}

static void cleanup_tmpdir(void)
{
    pd_error *e = NULL;
    pd_rm_rf(tmpdir, &e);
    pd_error_free(e);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_empty_list);
    RUN(test_state_on_stdin);
    RUN(test_big_state);
    RUN(test_hook_ignores_stdin);
    RUN(test_exit_status);
    RUN(test_killed_by_signal);
    RUN(test_timeout);
    RUN(test_timeout_while_feeding);
    RUN(test_exec_error);
    RUN(test_stops_at_first_failure);
    RUN(test_args_and_env);
    RUN(test_clean_process);
    RUN(test_stdout_untouched);
    cleanup_tmpdir();
    UNIT_EXIT();
}
