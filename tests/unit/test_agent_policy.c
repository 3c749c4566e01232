/* Unit tests for runtime/agent_policy.c: every dev.paddock.* key, valid and
 * invalid (exact messages), defaults per mode, unknown keys. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "agent_policy.h"
#include "unit.h"
#include "util.h"

#define PFX "bundle /b: config.json: .annotations[\""

/* Parse annotations given as key, value, ..., NULL.  Returns the policy or
 * NULL with *msg set to the error message (caller frees). */
static struct pd_agent_policy *parse_v(char **msg, const char *const *kv)
{
    struct pd_kv a[32];
    size_t n = 0;
    for (; kv[2 * n] != NULL && n < 32; n++) {
        a[n].key = (char *)kv[2 * n];
        a[n].value = (char *)kv[2 * n + 1];
    }
    struct pd_config cfg = { .bundle = (char *)"/b", .file = (char *)"config.json",
                             .annotations = a, .n_annotations = n };
    struct pd_agent_policy *p = NULL;
    pd_error *err = NULL;
    *msg = NULL;
    if (pd_agent_policy_parse(&cfg, &p, &err) < 0) {
        *msg = pd_xstrdup(err->msg);
        pd_error_free(err);
        return NULL;
    }
    return p;
}
#define PARSE(msg, ...) parse_v(msg, (const char *const[]){ __VA_ARGS__, NULL })

/* Expect an error equal to want. */
static void expect_err(const char *key, const char *val, const char *want)
{
    char *msg = NULL;
    struct pd_agent_policy *p = PARSE(&msg, key, val);
    CHECK(p == NULL);
    CHECK_STR(msg, want);
    pd_agent_policy_free(p);
    free(msg);
}

static struct pd_agent_policy *expect_ok(char **msg, struct pd_agent_policy *p)
{
    if (p == NULL)
        printf("    unexpected error: %s\n", *msg);
    CHECK(p != NULL);
    free(*msg);
    *msg = NULL;
    return p;
}
#define OK(...) expect_ok(&msg, PARSE(&msg, __VA_ARGS__))

static void test_no_annotations(void)
{
    struct pd_config cfg = { .bundle = (char *)"/b", .file = (char *)"config.json" };
    struct pd_agent_policy *p = NULL;
    pd_error *err = NULL;
    CHECK(pd_agent_policy_parse(&cfg, &p, &err) == 0);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(!p->present);
        CHECK(p->sandbox == PD_SANDBOX_WORKSPACE_WRITE);
        CHECK(p->writable_roots != NULL && p->network_allow != NULL && p->network_deny != NULL);
    }
    pd_agent_policy_free(p);
    char *msg = NULL;
    p = OK("org.opencontainers.image.title", "x");
    CHECK(p != NULL && !p->present);
    pd_agent_policy_free(p);
}

static void test_defaults_per_mode(void)
{
    char *msg = NULL;
    static const enum pd_network_mode net[] = { PD_NETWORK_NONE, PD_NETWORK_NONE, PD_NETWORK_HOST };
    static const char *const names[] = { "read-only", "workspace-write", "danger-full-access" };
    for (int m = 0; m < 3; m++) {
        struct pd_agent_policy *p = OK("dev.paddock.sandbox", names[m]);
        if (p == NULL)
            continue;
        CHECK(p->present);
        CHECK((int)p->sandbox == m);
        CHECK_STR(pd_sandbox_mode_name(p->sandbox), names[m]);
        CHECK(p->network == net[m]);
        CHECK(p->workspace == NULL && p->audit_log == NULL);
        CHECK(p->workspace_kind == PD_WORKSPACE_BIND);
        CHECK(p->fallback == PD_FALLBACK_REFUSE);
        CHECK(p->n_writable_roots == 0 && p->n_network_allow == 0 && p->n_network_deny == 0);
        CHECK(p->n_protected_paths == pd_strv_len((char *const *)pd_agent_default_protected));
        CHECK_STR(p->protected_paths[0], ".git/hooks");
        CHECK(!p->has_memory && !p->has_pids && !p->has_cpus && !p->has_timeout);
        CHECK(!p->force_wildcards);
        pd_agent_policy_free(p);
    }
    /* The network default follows the mode whatever the annotation order. */
    struct pd_agent_policy *p = OK("dev.paddock.network", "none", "dev.paddock.sandbox",
                                   "danger-full-access");
    CHECK(p != NULL && p->network == PD_NETWORK_NONE);
    pd_agent_policy_free(p);
}

static void test_sandbox(void)
{
    expect_err("dev.paddock.sandbox", "rw", PFX "dev.paddock.sandbox\"]: unknown value \"rw\" "
               "(expected read-only, workspace-write or danger-full-access)");
    expect_err("dev.paddock.sandbox", "", PFX "dev.paddock.sandbox\"]: unknown value \"\" "
               "(expected read-only, workspace-write or danger-full-access)");
    expect_err("dev.paddock.sandbox", "Read-Only", PFX "dev.paddock.sandbox\"]: unknown value "
               "\"Read-Only\" (expected read-only, workspace-write or danger-full-access)");
}

static void test_workspace(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.workspace", "/home/u/src",
                                   "dev.paddock.workspace.kind", "overlay");
    CHECK(p != NULL && strcmp(p->workspace, "/home/u/src") == 0);
    CHECK(p != NULL && p->workspace_kind == PD_WORKSPACE_OVERLAY);
    CHECK(p != NULL && p->rootfs_kind == PD_WORKSPACE_BIND);
    pd_agent_policy_free(p);
    p = OK("dev.paddock.rootfs.kind", "overlay");
    CHECK(p != NULL && p->rootfs_kind == PD_WORKSPACE_OVERLAY);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.rootfs.kind", "copy", PFX "dev.paddock.rootfs.kind\"]: unknown value "
               "\"copy\" (expected bind or overlay)");
    expect_err("dev.paddock.workspace", "src", PFX "dev.paddock.workspace\"]: \"src\" is not an "
               "absolute path");
    expect_err("dev.paddock.workspace", "/a/../etc", PFX "dev.paddock.workspace\"]: \"/a/../etc\" "
               "contains a \"..\" component");
    expect_err("dev.paddock.workspace", "", PFX "dev.paddock.workspace\"]: empty value "
               "(expected an absolute path)");
    expect_err("dev.paddock.workspace.kind", "copy", PFX "dev.paddock.workspace.kind\"]: unknown "
               "value \"copy\" (expected bind or overlay)");
}

static void test_writable_roots(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.writable-roots", "/a:/b/c");
    CHECK(p != NULL && p->n_writable_roots == 2);
    if (p != NULL) {
        CHECK_STR(p->writable_roots[0], "/a");
        CHECK_STR(p->writable_roots[1], "/b/c");
        CHECK(p->writable_roots[2] == NULL);
    }
    pd_agent_policy_free(p);
    p = OK("dev.paddock.writable-roots", "");
    CHECK(p != NULL && p->n_writable_roots == 0 && p->present);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.writable-roots", "/a:b", PFX "dev.paddock.writable-roots\"]: \"b\" is "
               "not an absolute path");
    expect_err("dev.paddock.writable-roots", "/a::/b", PFX "dev.paddock.writable-roots\"]: empty "
               "entry 2 in \"/a::/b\" (expected absolute paths separated by ':')");
    expect_err("dev.paddock.writable-roots", "/x/..", PFX "dev.paddock.writable-roots\"]: "
               "\"/x/..\" contains a \"..\" component");
    p = PARSE(&msg, "dev.paddock.sandbox", "read-only", "dev.paddock.writable-roots", "/a");
    CHECK(p == NULL);
    CHECK_STR(msg, PFX "dev.paddock.writable-roots\"]: not allowed with "
              "dev.paddock.sandbox=read-only (use workspace-write)");
    free(msg);
}

static void test_protected_paths(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.protected-paths", ".git/hooks:/etc/secret:.env");
    CHECK(p != NULL && p->n_protected_paths == 3);
    if (p != NULL) {
        CHECK_STR(p->protected_paths[1], "/etc/secret");
        CHECK_STR(p->protected_paths[2], ".env");
    }
    pd_agent_policy_free(p);
    p = OK("dev.paddock.protected-paths", "");
    CHECK(p != NULL && p->n_protected_paths == 0);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.protected-paths", ".env:", PFX "dev.paddock.protected-paths\"]: empty "
               "entry 2 in \".env:\" (expected non-empty paths separated by ':')");
    expect_err("dev.paddock.protected-paths", "../x", PFX "dev.paddock.protected-paths\"]: "
               "\"../x\" contains a \"..\" component");
}

static void test_network(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.network", "allow", "dev.paddock.network.allow",
                                   "github.com, *.pypi.org:443,[::1]:8080,10.0.0.1",
                                   "dev.paddock.network.deny", "evil.example.com,*.com");
    CHECK(p != NULL && p->network == PD_NETWORK_ALLOW && p->n_network_allow == 4);
    if (p != NULL) {
        CHECK_STR(p->network_allow[0], "github.com");
        CHECK_STR(p->network_allow[1], "*.pypi.org:443");
        CHECK_STR(p->network_allow[2], "[::1]:8080");
        CHECK(p->n_network_deny == 2);
    }
    pd_agent_policy_free(p);
    p = OK("dev.paddock.network", "host");
    CHECK(p != NULL && p->network == PD_NETWORK_HOST);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.network", "bridge", PFX "dev.paddock.network\"]: unknown value "
               "\"bridge\" (expected none, host or allow)");
    expect_err("dev.paddock.network", "allow", PFX "dev.paddock.network\"]: \"allow\" needs a "
               "non-empty dev.paddock.network.allow");
    expect_err("dev.paddock.network.allow", "a.com", PFX "dev.paddock.network.allow\"]: only "
               "allowed with dev.paddock.network=allow (the network is \"none\")");
    expect_err("dev.paddock.network.deny", "a.com", PFX "dev.paddock.network.deny\"]: only "
               "allowed with dev.paddock.network=allow (the network is \"none\")");
    static const char *const bad[] = { "a..com", "-a.com", "a.com:0", "a.com:70000", "a*.com",
                                       "*.", "[::1", "a.com:", "*.*.com", "[]" };
    for (size_t i = 0; i < PD_ARRAY_SIZE(bad); i++) {
        p = PARSE(&msg, "dev.paddock.network", "allow", "dev.paddock.network.allow", bad[i]);
        CHECK(p == NULL);
        _cleanup_free_ char *want = pd_xasprintf(PFX "dev.paddock.network.allow\"]: invalid "
            "pattern \"%s\" (expected host[:port], *.domain[:port] or [ipv6][:port], "
            "separated by ',')", bad[i]);
        CHECK_STR(msg, want);
        free(msg);
    }
    p = PARSE(&msg, "dev.paddock.network", "allow", "dev.paddock.network.allow", "a.com,,b.com");
    CHECK(p == NULL);
    CHECK_CONTAINS(msg, "invalid pattern \"\"");
    free(msg);
    p = PARSE(&msg, "dev.paddock.network", "allow", "dev.paddock.network.allow", "");
    CHECK(p == NULL);
    CHECK_STR(msg, PFX "dev.paddock.network.allow\"]: empty list (expected comma-separated "
              "host[:port] patterns)");
    free(msg);
}

static void test_wildcards(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = PARSE(&msg, "dev.paddock.network", "allow",
                                      "dev.paddock.network.allow", "*");
    CHECK(p == NULL);
    CHECK_STR(msg, PFX "dev.paddock.network.allow\"]: pattern \"*\" matches every host; refused "
              "unless dev.paddock.network.force-wildcards=true");
    free(msg);
    p = PARSE(&msg, "dev.paddock.network", "allow", "dev.paddock.network.allow", "*.com:443");
    CHECK(p == NULL);
    CHECK_STR(msg, PFX "dev.paddock.network.allow\"]: pattern \"*.com:443\" matches a whole "
              "top-level domain; refused unless dev.paddock.network.force-wildcards=true");
    free(msg);
    /* force-wildcards is honoured wherever it appears. */
    p = OK("dev.paddock.network", "allow", "dev.paddock.network.allow", "*,*.com",
           "dev.paddock.network.force-wildcards", "true");
    CHECK(p != NULL && p->force_wildcards && p->n_network_allow == 2);
    pd_agent_policy_free(p);
    p = PARSE(&msg, "dev.paddock.network", "allow", "dev.paddock.network.allow", "*",
              "dev.paddock.network.force-wildcards", "false");
    CHECK(p == NULL);
    free(msg);
    expect_err("dev.paddock.network.force-wildcards", "yes", PFX "dev.paddock.network."
               "force-wildcards\"]: unknown value \"yes\" (expected true or false)");
}

static void test_fallback_audit(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.fallback", "auto", "dev.paddock.audit-log",
                                   "/var/log/agent.jsonl");
    CHECK(p != NULL && p->fallback == PD_FALLBACK_AUTO);
    CHECK(p != NULL && strcmp(p->audit_log, "/var/log/agent.jsonl") == 0);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.fallback", "maybe", PFX "dev.paddock.fallback\"]: unknown value "
               "\"maybe\" (expected auto or refuse)");
    expect_err("dev.paddock.audit-log", "audit.jsonl", PFX "dev.paddock.audit-log\"]: "
               "\"audit.jsonl\" is not an absolute path");
    p = OK("dev.paddock.nested-userns", "allow", NULL, NULL);
    CHECK(p != NULL && p->nested_userns);
    pd_agent_policy_free(p);
    p = OK("dev.paddock.sandbox", "read-only", NULL, NULL);
    CHECK(p != NULL && !p->nested_userns);
    pd_agent_policy_free(p);
    expect_err("dev.paddock.nested-userns", "yes", PFX "dev.paddock.nested-userns\"]: unknown "
               "value \"yes\" (expected deny or allow)");
}

static void test_limits(void)
{
    char *msg = NULL;
    struct pd_agent_policy *p = OK("dev.paddock.limits.memory", "512m", "dev.paddock.limits.pids",
                                   "256", "dev.paddock.limits.cpus", "1.5",
                                   "dev.paddock.limits.timeout", "600");
    CHECK(p != NULL && p->has_memory && p->memory == 512ULL << 20);
    CHECK(p != NULL && p->has_pids && p->pids == 256);
    CHECK(p != NULL && p->has_cpus && p->cpus_milli == 1500);
    CHECK(p != NULL && p->has_timeout && p->timeout == 600);
    pd_agent_policy_free(p);
    static const struct { const char *v; uint64_t bytes; } mem[] = {
        { "1048576", 1048576 }, { "4k", 4096 }, { "2G", 2ULL << 30 }, { "3M", 3ULL << 20 },
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(mem); i++) {
        p = OK("dev.paddock.limits.memory", mem[i].v);
        CHECK(p != NULL && p->memory == mem[i].bytes);
        pd_agent_policy_free(p);
    }
    p = OK("dev.paddock.limits.cpus", "2");
    CHECK(p != NULL && p->cpus_milli == 2000);
    pd_agent_policy_free(p);
    p = OK("dev.paddock.limits.cpus", "0.125");
    CHECK(p != NULL && p->cpus_milli == 125);
    pd_agent_policy_free(p);
    static const char mem_exp[] = "(expected a positive number of bytes, optionally with a k, m "
                                  "or g suffix)";
    static const char *const bad_mem[] = { "0", "1t", "k", "-1", "1.5g", "99999999999999999g", "" };
    for (size_t i = 0; i < PD_ARRAY_SIZE(bad_mem); i++) {
        _cleanup_free_ char *want = pd_xasprintf(PFX "dev.paddock.limits.memory\"]: invalid value "
                                                 "\"%s\" %s", bad_mem[i], mem_exp);
        expect_err("dev.paddock.limits.memory", bad_mem[i], want);
    }
    expect_err("dev.paddock.limits.pids", "0", PFX "dev.paddock.limits.pids\"]: invalid value "
               "\"0\" (expected a positive integer)");
    expect_err("dev.paddock.limits.pids", "+5", PFX "dev.paddock.limits.pids\"]: invalid value "
               "\"+5\" (expected a positive integer)");
    expect_err("dev.paddock.limits.timeout", "10s", PFX "dev.paddock.limits.timeout\"]: invalid "
               "value \"10s\" (expected a positive integer number of seconds)");
    static const char *const bad_cpus[] = { "0", "0.0", "1.", ".5", "1.2345", "abc", "-1", "" };
    for (size_t i = 0; i < PD_ARRAY_SIZE(bad_cpus); i++) {
        _cleanup_free_ char *want = pd_xasprintf(PFX "dev.paddock.limits.cpus\"]: invalid value "
            "\"%s\" (expected a positive decimal number of CPUs with at most 3 decimals, "
            "e.g. 1.5)", bad_cpus[i]);
        expect_err("dev.paddock.limits.cpus", bad_cpus[i], want);
    }
}

static void test_unknown_keys(void)
{
    expect_err("dev.paddock.sandbx", "read-only", PFX "dev.paddock.sandbx\"]: unknown key "
               "(did you mean \"dev.paddock.sandbox\"?)");
    expect_err("dev.paddock.limits.pid", "5", PFX "dev.paddock.limits.pid\"]: unknown key "
               "(did you mean \"dev.paddock.limits.pids\"?)");
    expect_err("dev.padock.network", "host", PFX "dev.padock.network\"]: unknown key "
               "(did you mean \"dev.paddock.network\"?)");
    expect_err("dev.paddock.seccomp", "x", PFX "dev.paddock.seccomp\"]: unknown key (the "
               "dev.paddock.* keys are listed in spec/agent-bundle.md)");
    expect_err("DEV.PADDOCK.whatever", "x", PFX "DEV.PADDOCK.whatever\"]: unknown key (the "
               "dev.paddock.* keys are listed in spec/agent-bundle.md)");
    /* Unrelated annotations are not ours. */
    char *msg = NULL;
    struct pd_agent_policy *p = OK("io.kubernetes.cri.sandbox-id", "x", "dev.paddock.sandbox",
                                   "read-only");
    CHECK(p != NULL && p->present && p->sandbox == PD_SANDBOX_READ_ONLY);
    pd_agent_policy_free(p);
}

static void test_names(void)
{
    enum pd_sandbox_mode m;
    CHECK(pd_sandbox_mode_from_name("danger-full-access", &m) && m == PD_SANDBOX_DANGER_FULL_ACCESS);
    CHECK(!pd_sandbox_mode_from_name("full", &m));
    CHECK_STR(pd_network_mode_name(PD_NETWORK_ALLOW), "allow");
    CHECK_STR(pd_workspace_kind_name(PD_WORKSPACE_OVERLAY), "overlay");
    CHECK_STR(pd_fallback_name(PD_FALLBACK_AUTO), "auto");
    struct pd_agent_policy *p = NULL;
    pd_error *err = NULL;
    CHECK(pd_agent_policy_parse(NULL, &p, &err) == 0 && p != NULL && !p->present);
    pd_agent_policy_free(p);
}

int main(void)
{
    RUN(test_no_annotations);
    RUN(test_defaults_per_mode);
    RUN(test_sandbox);
    RUN(test_workspace);
    RUN(test_writable_roots);
    RUN(test_protected_paths);
    RUN(test_network);
    RUN(test_wildcards);
    RUN(test_fallback_audit);
    RUN(test_limits);
    RUN(test_unknown_keys);
    RUN(test_names);
    UNIT_EXIT();
}
