/* Unit tests for the system policy (policy.c, policy_apply.c): parsing with
 * line numbers, failing closed on anything unexpected, the ceilings on
 * sandbox options (defaults narrowed, requests refused) and on agent
 * bundles, and the file's ownership. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "sandbox.h"
#include "unit.h"
#include "util.h"

static const char good[] =
    "{\n"
    "  \"comment\": \"a, \\\"quoted\\\" max_sandbox\",\n"
    "  \"max_sandbox\": \"workspace-write\",\n"
    "  \"fallback\": \"refuse\",\n"
    "  \"max_network\": \"none\",\n"
    "  \"allow_nested_userns\": false,\n"
    "  \"audit_log\": \"/var/log/x.log\"\n"
    "}\n";

static int parse(const char *text, struct pd_policy *p, pd_error **err)
{
    return pd_policy_parse(text, strlen(text), "/etc/paddock/policy.json", p, err);
}

static void test_parse(void)
{
    struct pd_policy p;
    pd_error *err = NULL;
    CHECK(parse(good, &p, &err) == 0);
    CHECK(p.present && p.max_sandbox.set && p.max_sandbox_v == PD_SANDBOX_WORKSPACE_WRITE);
    CHECK(p.max_sandbox.line == 3); /* not line 2, where the comment mentions it */
    CHECK_STR(p.max_sandbox.text, "\"max_sandbox\": \"workspace-write\"");
    CHECK(p.fallback.line == 4 && p.fallback_v == PD_FALLBACK_REFUSE);
    CHECK(p.max_network.line == 5 && p.max_network_v == PD_NETWORK_NONE);
    CHECK(p.nested.set && !p.nested_v && !p.host_network.set && !p.host_network_v);
    CHECK_STR(p.audit_log_v, "/var/log/x.log");
    pd_policy_free(&p);
    CHECK(parse("{}", &p, &err) == 0 && p.present && !p.max_sandbox.set && p.nested_v);
    pd_policy_free(&p);
}

static void expect_error(const char *text, const char *needle)
{
    struct pd_policy p;
    pd_error *err = NULL;
    CHECK(parse(text, &p, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, needle);
    CHECK(err != NULL && err->exit_code == PD_EXIT_RUNTIME);
    pd_error_free(err);
    pd_policy_free(&p);
}

static void test_fails_closed(void)
{
    expect_error("{\n\"max_sandbox\": \"workspace-write\",\n\"max_sandox\": \"read-only\"}",
                 "line 3: unknown key \"max_sandox\"");
    expect_error("{\"fallback\": \"maybe\"}", "\"fallback\": expected refuse or auto");
    expect_error("{\"max_network\": true}", "\"max_network\": expected none, allow or host");
    expect_error("{\"allow_nested_userns\": \"no\"}", "expected true or false");
    expect_error("{\"audit_log\": \"relative.log\"}", "expected an absolute path");
    expect_error("[1]", "expected a JSON object");
    expect_error("{\"max_sandbox\": ", "system policy /etc/paddock/policy.json");
    expect_error("{\"fallback\": \"refuse\",\n \"fallback\": \"auto\"}", "already set");
}

static struct pd_sandbox_opts opts(void)
{
    return (struct pd_sandbox_opts){.mode = PD_SANDBOX_WORKSPACE_WRITE, .network = -1,
                                    .fallback = PD_FALLBACK_REFUSE, .json_status_fd = -1};
}

static void test_sandbox_ceilings(void)
{
    struct pd_policy p;
    pd_error *err = NULL;
    CHECK(parse("{\"max_sandbox\": \"read-only\", \"max_network\": \"none\",\n"
                "\"fallback\": \"refuse\", \"allow_nested_userns\": false,\n"
                "\"host_network_without_netns\": true}", &p, &err) == 0);
    struct pd_sandbox_opts o = opts();
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) == 0);
    CHECK(o.mode == PD_SANDBOX_READ_ONLY); /* the default, narrowed */
    CHECK(o.accept_host_network);
    o = opts();
    o.mode_given = true;
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "--sandbox workspace-write is beyond the system "
                   "policy: /etc/paddock/policy.json line 1: \"max_sandbox\": \"read-only\"");
    pd_error_free(err);
    err = NULL;
    o = opts();
    o.mode = PD_SANDBOX_READ_ONLY, o.network = PD_NETWORK_HOST;
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "--network host is beyond");
    pd_error_free(err);
    err = NULL;
    o = opts();
    o.fallback = PD_FALLBACK_AUTO;
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "--fallback auto is beyond");
    CHECK_CONTAINS(err ? err->msg : NULL, "line 2");
    pd_error_free(err);
    err = NULL;
    o = opts();
    o.nested_userns = true;
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) < 0);
    pd_error_free(err);
    err = NULL;
    pd_policy_free(&p);
    /* danger-full-access's default network (host) narrowed to none */
    CHECK(parse("{\"max_network\": \"none\"}", &p, &err) == 0);
    o = opts();
    o.mode = PD_SANDBOX_DANGER_FULL_ACCESS, o.mode_given = true;
    CHECK(pd_policy_apply_sandbox(&p, &o, &err) == 0);
    CHECK(o.network == PD_NETWORK_NONE && pd_sandbox_network_none(&o));
    pd_policy_free(&p);
    /* no policy: nothing changes */
    struct pd_policy none = {0};
    o = opts();
    o.mode = PD_SANDBOX_DANGER_FULL_ACCESS, o.fallback = PD_FALLBACK_AUTO;
    CHECK(pd_policy_apply_sandbox(&none, &o, &err) == 0 && o.mode == PD_SANDBOX_DANGER_FULL_ACCESS);
}

static void test_agent_ceilings(void)
{
    struct pd_policy p;
    pd_error *err = NULL;
    CHECK(parse("{\"max_sandbox\": \"workspace-write\"}", &p, &err) == 0);
    struct pd_agent_policy a = {.present = true, .sandbox = PD_SANDBOX_DANGER_FULL_ACCESS,
                                .network = PD_NETWORK_HOST};
    CHECK(pd_policy_check_agent(&p, &a, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "dev.paddock.sandbox=danger-full-access is beyond");
    pd_error_free(err);
    err = NULL;
    a.sandbox = PD_SANDBOX_READ_ONLY;
    CHECK(pd_policy_check_agent(&p, &a, &err) == 0);
    a.present = false; /* a plain OCI bundle */
    a.sandbox = PD_SANDBOX_DANGER_FULL_ACCESS;
    CHECK(pd_policy_check_agent(&p, &a, &err) == 0);
    pd_policy_free(&p);
}

/* The file must be root's and writable by nobody else; no file: no policy. */
static void test_load(void)
{
    char dir[] = "/tmp/paddock-policy-test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    _cleanup_free_ char *path = pd_xasprintf("%s/policy.json", dir);
    struct pd_policy p;
    pd_error *err = NULL;
    CHECK(pd_policy_load(path, &p, &err) == 0 && !p.present);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    CHECK(fd >= 0 && write(fd, good, strlen(good)) == (ssize_t)strlen(good));
    close(fd);
    CHECK(chmod(dir, 0755) == 0);
    bool root = geteuid() == 0;
    int r = pd_policy_load(path, &p, &err);
    if (root) {
        CHECK(r == 0 && p.present && p.max_sandbox.line == 3);
        pd_policy_free(&p);
        CHECK(chmod(path, 0666) == 0);
        CHECK(pd_policy_load(path, &p, &err) < 0);
    } else {
        CHECK(r < 0); /* owned by a user: not trusted */
    }
    CHECK_CONTAINS(err ? err->msg : NULL, "must be owned by root and not writable");
    pd_error_free(err);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_fails_closed);
    RUN(test_sandbox_ceilings);
    RUN(test_agent_ceilings);
    RUN(test_load);
    UNIT_EXIT();
}
