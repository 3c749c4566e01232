/* Unit tests for runtime/landlock.c: real rulesets, each enforced in a
 * fork()ed child that reports through its exit status (0 = as expected,
 * otherwise the number of the step that misbehaved).  Children _exit() so
 * that sanitizer exit hooks never run under the ruleset. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "unit.h"
#include "util.h"

#define PATHS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Fork, run fn(arg) in the child, return its exit code (-1 if it did not exit). */
static int run_child(int (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(fn(arg));
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Apply req in the child; 100 if that failed (message printed). */
static int apply_or_report(const struct pd_landlock_req *req, struct pd_landlock_result *res)
{
    pd_error *err = NULL;
    if (pd_landlock_apply(req, res, &err) < 0) {
        printf("    apply: %s\n", err->msg);
        fflush(stdout);
        pd_error_free(err);
        return 100;
    }
    return 0;
}

static int try_create(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/file", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    bool ok = write(fd, "x", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

static void test_abi(void)
{
    CHECK(pd_landlock_abi() >= 1);
}

struct fs_args { const char *in, *out; };

static int child_fs(void *arg)
{
    struct fs_args *a = arg;
    struct pd_landlock_req req = {.writable = PATHS(a->in), .readable = PATHS("/")};
    struct pd_landlock_result res;
    int rc = apply_or_report(&req, &res);
    if (rc)
        return rc;
    if (!res.fs || res.abi < 1)
        return 1;
    if (try_create(a->in) < 0)
        return 2;
    if (try_create(a->out) == 0 || errno != EACCES)
        return 3;
    char buf[64];
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
        return 4;
    close(fd);
    /* Read-only beneath "/": no write even to a file that exists. */
    if (open("/etc/hostname", O_WRONLY | O_CLOEXEC) >= 0 || errno != EACCES)
        return 5;
    return 0;
}

static void test_fs_writable_only(void)
{
    char in[] = "/tmp/pd-ll-in-XXXXXX", out[] = "/tmp/pd-ll-out-XXXXXX";
    CHECK(mkdtemp(in) != NULL);
    CHECK(mkdtemp(out) != NULL);
    struct fs_args a = {in, out};
    CHECK(run_child(child_fs, &a) == 0);
    /* The write inside landed on the host; the one outside did not. */
    char p[256];
    snprintf(p, sizeof(p), "%s/file", in);
    CHECK(access(p, F_OK) == 0);
    snprintf(p, sizeof(p), "%s/file", out);
    CHECK(access(p, F_OK) < 0);
    pd_rm_rf(in, NULL);
    pd_rm_rf(out, NULL);
}

static int child_missing(void *arg)
{
    const char *dir = arg;
    struct pd_landlock_req req = {.writable = PATHS("/nonexistent/pd-ll-missing", dir),
                                  .readable = PATHS("/nonexistent-too", "/")};
    int rc = apply_or_report(&req, NULL);
    if (rc)
        return rc;
    return try_create(dir) == 0 ? 0 : 1;
}

static void test_missing_writable_skipped(void)
{
    char dir[] = "/tmp/pd-ll-miss-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(run_child(child_missing, dir) == 0);
    pd_rm_rf(dir, NULL);
}

struct net_args { int port, allow; };

static int child_net(void *arg)
{
    struct net_args *a = arg;
    struct pd_landlock_req req = {.readable = PATHS("/"), .deny_tcp = true,
                                  .allow_connect_port = a->allow};
    struct pd_landlock_result res;
    int rc = apply_or_report(&req, &res);
    if (rc)
        return rc;
    if (!res.net)
        return 1;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return 2;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    close(s);
    if (a->allow == a->port)
        return r == 0 ? 0 : 3;
    return r < 0 && e == EACCES ? 0 : 4;
}

static void test_net_deny_tcp(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(l >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(l, 8) == 0);
    CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
    int port = ntohs(sa.sin_port);
    struct net_args denied = {port, 0}, allowed = {port, port};
    CHECK(run_child(child_net, &denied) == 0);
    CHECK(run_child(child_net, &allowed) == 0);
    /* Control: the listener is reachable from an unrestricted process. */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    close(s);
    close(l);
}

struct scope_args { pid_t parent; bool scoped; };

static int child_scope(void *arg)
{
    struct scope_args *a = arg;
    struct pd_landlock_req req = {.readable = PATHS("/"), .writable = PATHS("/tmp"),
                                  .scope_signals_and_abstract_unix = a->scoped,
                                  .log_denials = true};
    struct pd_landlock_result res;
    int rc = apply_or_report(&req, &res);
    if (rc)
        return rc;
    if (res.scoped != a->scoped)
        return 1;
    if (res.lost[0]) {
        printf("    lost on ABI %d: %s\n", res.abi, res.lost);
        fflush(stdout);
        return 2;
    }
    /* The child itself is inside the domain: signalling it still works. */
    if (kill(getpid(), 0) < 0)
        return 3;
    int r = kill(a->parent, 0);
    if (a->scoped)
        return r < 0 && errno == EPERM ? 0 : 4;
    return r == 0 ? 0 : 5;
}

static void test_scope_signals(void)
{
    struct scope_args on = {getpid(), true}, off = {getpid(), false};
    CHECK(run_child(child_scope, &on) == 0);
    CHECK(run_child(child_scope, &off) == 0);
}

int main(void)
{
    if (pd_landlock_abi() < 1) {
        printf("not ok landlock unavailable on this kernel\n");
        return 1;
    }
    RUN(test_abi);
    RUN(test_fs_writable_only);
    RUN(test_missing_writable_skipped);
    RUN(test_net_deny_tcp);
    RUN(test_scope_signals);
    UNIT_EXIT();
}
