/* Unit tests for runtime/sandbox_report.c: the layer states computed from a
 * config, an agent policy, the host's facts and what a process shows. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent_policy.h"
#include "config.h"
#include "json.h"
#include "sandbox_report.h"
#include "seccomp_profile.h"
#include "unit.h"
#include "util.h"

/* A config like `paddock sandbox`'s: the host's / read-only, a private /tmp,
 * the workspace /ws writable with its .git/hooks read-only.  Pieces:
 * extra mounts, namespaces, seccomp ("agent", "custom", "none"), annotations,
 * capabilities, root.readonly, linux.resources, process.rlimits. */
struct cfg_parts {
    const char *mounts;      /* appended to the mounts array, starting with "," */
    const char *namespaces;  /* NULL: all six */
    const char *seccomp;     /* NULL: agent */
    const char *annotations; /* NULL: a workspace-write agent policy */
    const char *caps;        /* NULL: none in every set */
    bool root_rw;
    const char *resources;   /* NULL: none */
    const char *rlimits;     /* NULL: none */
};

static struct pd_config *make_cfg(const struct cfg_parts *p)
{
    size_t plen = 0;
    const char *agent = pd_seccomp_profile_builtin_text(PD_SECCOMP_PROFILE_DEFAULT, &plen);
    const char *custom = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                         "[\"bpf\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
    _cleanup_free_ char *sc = NULL;
    if (p->seccomp == NULL || strcmp(p->seccomp, "agent") == 0)
        sc = pd_xasprintf(",\"seccomp\":%.*s", (int)plen, agent);
    else if (strcmp(p->seccomp, "custom") == 0)
        sc = pd_xasprintf(",\"seccomp\":%s", custom);
    else
        sc = pd_xstrdup("");
    _cleanup_free_ char *json = pd_xasprintf(
        "{\"ociVersion\":\"1.2.0\","
        "\"process\":{\"args\":[\"true\"],\"cwd\":\"/ws\",\"user\":{\"uid\":1000,\"gid\":1000},"
        "\"noNewPrivileges\":true,\"capabilities\":%s%s%s},"
        "\"root\":{\"path\":\"/\",\"readonly\":%s},"
        "\"annotations\":%s,"
        "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
        "{\"destination\":\"/ws\",\"type\":\"bind\",\"source\":\"/ws\",\"options\":[\"rbind\",\"rw\"]},"
        "{\"destination\":\"/ws/.git/hooks\",\"type\":\"bind\",\"source\":\"/ws/.git/hooks\","
        "\"options\":[\"rbind\",\"ro\"]}%s],"
        "\"linux\":{\"uidMappings\":[{\"containerID\":1000,\"hostID\":1000,\"size\":1}],"
        "\"gidMappings\":[{\"containerID\":1000,\"hostID\":1000,\"size\":1}],"
        "\"namespaces\":%s,\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],"
        "\"readonlyPaths\":[\"/proc/sys\"]%s%s%s}}",
        p->caps ? p->caps : "{\"bounding\":[],\"effective\":[],\"permitted\":[]}",
        p->rlimits ? ",\"rlimits\":" : "", p->rlimits ? p->rlimits : "",
        p->root_rw ? "false" : "true",
        p->annotations ? p->annotations : "{\"dev.paddock.sandbox\":\"workspace-write\","
                                          "\"dev.paddock.workspace\":\"/ws\"}",
        p->mounts ? p->mounts : "",
        p->namespaces ? p->namespaces : "[{\"type\":\"user\"},{\"type\":\"mount\"},"
                                        "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
                                        "{\"type\":\"network\"}]",
        sc, p->resources ? ",\"resources\":" : "", p->resources ? p->resources : "");
    struct pd_config *cfg = NULL;
    pd_error *err = NULL;
    if (pd_config_parse(json, strlen(json), NULL, "test.json", &cfg, &err) < 0) {
        printf("    config: %s\n", err->msg);
        pd_error_free(err);
    }
    return cfg;
}

static bool fake_exists(const char *path)
{
    return strcmp(path, "/ws/.bashrc") == 0 || strcmp(path, "/ws/.git/hooks") == 0;
}

static char *sockets[] = {"/run/dbus/system_bus_socket", "/ws/agent.sock", "/tmp/.X11-unix/X0",
                          NULL};

static struct pd_host_facts good_host(void)
{
    struct pd_host_facts h = {.landlock_abi = 7, .userns = true, .seccomp = true,
                              .keyring = true, .cgroup = 2, .host_sockets = sockets,
                              .exists = fake_exists};
    return h;
}

/* Compute the report of cfg with its own annotations as the policy. */
static bool report(const struct pd_config *cfg, const struct pd_host_facts *h,
                   const struct pd_observed *o, struct pd_sandbox_report *r)
{
    struct pd_agent_policy *pol = NULL;
    pd_error *err = NULL;
    bool ok = cfg != NULL && pd_agent_policy_parse(cfg, &pol, &err) == 0;
    if (ok) {
        struct pd_report_input in = {.cfg = cfg, .policy = pol->present ? pol : NULL,
                                     .policy_in_config = pol->present, .cgroup = -1,
                                     .workspace = "/ws", .observed = o};
        ok = pd_sandbox_report_compute(&in, h, r, &err) == 0;
    }
    if (err != NULL)
        printf("    %s\n", err->msg);
    pd_error_free(err);
    pd_agent_policy_free(pol);
    return ok;
}

#define STATE(r, l) ((r).layers[l].state)
#define REASON(r, l) ((r).layers[l].reason ? (r).layers[l].reason : "")

static void test_workspace_write(void)
{
    struct cfg_parts parts = {0};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    if (!report(cfg, &h, NULL, &r)) {
        CHECK(false);
        pd_config_free(cfg);
        return;
    }
    CHECK(r.agent && r.mode == PD_SANDBOX_WORKSPACE_WRITE);
    for (int l = PD_LAYER_USER_NS; l <= PD_LAYER_NET_NS; l++)
        CHECK(STATE(r, l) == PD_LAYER_ACTIVE);
    CHECK_STR(REASON(r, PD_LAYER_NET_NS), "only lo");
    CHECK_STR(r.network, "none");
    CHECK(STATE(r, PD_LAYER_RO_ROOT) == PD_LAYER_ACTIVE);
    CHECK(pd_strv_len(r.writable) == 1);
    CHECK_STR(r.writable[0], "/ws");
    /* .git/hooks is bound read-only; .bashrc exists and is writable; the rest isn't there */
    CHECK(pd_strv_len(r.protected_) == 1);
    CHECK_STR(r.protected_[0], "/ws/.git/hooks");
    CHECK(pd_strv_len(r.unprotected) == 1);
    CHECK_STR(r.unprotected[0], "/ws/.bashrc");
    CHECK(pd_strv_len(r.missing) == pd_strv_len((char *const *)pd_agent_default_protected) - 2);
    CHECK(STATE(r, PD_LAYER_PROTECTED) == PD_LAYER_DEGRADED);
    CHECK_CONTAINS(REASON(r, PD_LAYER_PROTECTED), "/ws/.bashrc");
    CHECK(STATE(r, PD_LAYER_CAPS) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_NNP) == PD_LAYER_ACTIVE);
    CHECK_STR(r.seccomp, "agent-default");
    CHECK(STATE(r, PD_LAYER_SECCOMP) == PD_LAYER_ACTIVE);
    CHECK(r.landlock_abi == 7 && r.landlock_in_use == 7);
    for (int l = PD_LAYER_LANDLOCK_FS; l <= PD_LAYER_LANDLOCK_SCOPE; l++)
        CHECK(STATE(r, l) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_PROC) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_SETSID) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_KEYRING) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_LIMITS) == PD_LAYER_ABSENT);
    CHECK(r.uid == 1000 && r.n_uid_map == 1 && r.uid_map[0].host_id == 1000);
    CHECK(r.has_fallback && r.fallback == PD_FALLBACK_REFUSE && r.starts);
    /* the bus on the host's root and the socket in the workspace are reachable, /tmp is private */
    CHECK(r.n_sockets == 3);
    CHECK(pd_strv_len(r.reachable_sockets) == 2);
    CHECK(STATE(r, PD_LAYER_UNIX_SOCKETS) == PD_LAYER_DEGRADED);
    CHECK_CONTAINS(REASON(r, PD_LAYER_UNIX_SOCKETS), "2 of 3 reachable");
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

/* /dev/null bound over a socket, and --allow-unix-socket. */
static void test_sockets_masked(void)
{
    struct cfg_parts parts = {.mounts = ",{\"destination\":\"/run/dbus/system_bus_socket\","
                                        "\"type\":\"bind\",\"source\":\"/dev/null\","
                                        "\"options\":[\"bind\"]}"};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    if (!report(cfg, &h, NULL, &r)) {
        CHECK(false);
        pd_config_free(cfg);
        return;
    }
    CHECK(pd_strv_len(r.reachable_sockets) == 1);
    CHECK_STR(r.reachable_sockets[0], "/ws/agent.sock");
    pd_sandbox_report_free(&r);

    static const char *const allow[] = {"/ws/agent.sock", NULL};
    struct pd_agent_policy *pol = NULL;
    CHECK(pd_agent_policy_parse(cfg, &pol, NULL) == 0);
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = true,
                                 .allow_unix_socket = allow, .cgroup = -1};
    CHECK(pd_sandbox_report_compute(&in, &h, &r, NULL) == 0);
    CHECK(r.n_sockets == 2 && pd_strv_len(r.reachable_sockets) == 0);
    CHECK(STATE(r, PD_LAYER_UNIX_SOCKETS) == PD_LAYER_ACTIVE);
    pd_sandbox_report_free(&r);
    pd_agent_policy_free(pol);
    pd_config_free(cfg);
}

static void test_landlock_abi(void)
{
    struct cfg_parts parts = {0};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    h.landlock_abi = 3; /* fs only: no TCP rules (4), no scoping (6) */
    CHECK(report(cfg, &h, NULL, &r));
    CHECK(STATE(r, PD_LAYER_LANDLOCK_FS) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_LANDLOCK_NET) == PD_LAYER_ABSENT);
    CHECK(STATE(r, PD_LAYER_LANDLOCK_SCOPE) == PD_LAYER_ABSENT);
    CHECK_CONTAINS(REASON(r, PD_LAYER_LANDLOCK_NET), "ABI 3 < 4");
    CHECK_CONTAINS(REASON(r, PD_LAYER_LANDLOCK_NET), "fallback refuse");
    CHECK(pd_strv_len(r.fallback_lost) == 2);
    CHECK(!r.starts && pd_strv_len(r.refused) == 1);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);

    parts.annotations = "{\"dev.paddock.sandbox\":\"workspace-write\","
                        "\"dev.paddock.fallback\":\"auto\"}";
    cfg = make_cfg(&parts);
    h.landlock_abi = 0;
    CHECK(report(cfg, &h, NULL, &r));
    for (int l = PD_LAYER_LANDLOCK_FS; l <= PD_LAYER_LANDLOCK_SCOPE; l++) {
        CHECK(STATE(r, l) == PD_LAYER_ABSENT);
        CHECK_CONTAINS(REASON(r, l), "kernel: no landlock (fallback auto");
    }
    CHECK(r.landlock_in_use == 0 && pd_strv_len(r.fallback_lost) == 3);
    CHECK(r.starts && r.fallback == PD_FALLBACK_AUTO);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

/* A policy that the config does not carry: the container won't apply landlock. */
static void test_policy_not_in_config(void)
{
    struct cfg_parts parts = {.annotations = "{}"};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_agent_policy *pol = NULL;
    CHECK(pd_agent_policy_parse(NULL, &pol, NULL) == 0);
    struct pd_host_facts h = good_host();
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = false,
                                 .cgroup = -1};
    struct pd_sandbox_report r;
    CHECK(cfg != NULL && pd_sandbox_report_compute(&in, &h, &r, NULL) == 0);
    CHECK(STATE(r, PD_LAYER_LANDLOCK_FS) == PD_LAYER_ABSENT);
    CHECK_CONTAINS(REASON(r, PD_LAYER_LANDLOCK_FS), "carries no dev.paddock");
    CHECK(r.landlock_in_use == 0);
    pd_sandbox_report_free(&r);
    pd_agent_policy_free(pol);
    pd_config_free(cfg);
}

static void test_danger_full_access(void)
{
    struct cfg_parts parts = {.root_rw = true,
                              .annotations = "{\"dev.paddock.sandbox\":\"danger-full-access\"}",
                              .namespaces = "[{\"type\":\"user\"},{\"type\":\"mount\"},"
                                            "{\"type\":\"pid\"},{\"type\":\"ipc\"},"
                                            "{\"type\":\"uts\"}]"};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    if (!report(cfg, &h, NULL, &r)) {
        CHECK(false);
        pd_config_free(cfg);
        return;
    }
    CHECK_STR(r.network, "host");
    CHECK(STATE(r, PD_LAYER_NET_NS) == PD_LAYER_ABSENT);
    CHECK(STATE(r, PD_LAYER_RO_ROOT) == PD_LAYER_ABSENT);
    CHECK(pd_strv_len(r.writable) == 1);
    CHECK_STR(r.writable[0], "/");
    CHECK(STATE(r, PD_LAYER_PROTECTED) == PD_LAYER_ABSENT);
    CHECK_CONTAINS(REASON(r, PD_LAYER_LANDLOCK_FS), "danger-full-access");
    CHECK(STATE(r, PD_LAYER_UNIX_SOCKETS) == PD_LAYER_ABSENT);
    CHECK(STATE(r, PD_LAYER_SECCOMP) == PD_LAYER_ACTIVE);
    CHECK(r.starts);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

/* A plain OCI container: no policy, its own seccomp profile, some capabilities. */
static void test_plain_container(void)
{
    struct cfg_parts parts = {.annotations = "{\"org.example\":\"x\"}", .seccomp = "custom",
                              .caps = "{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]}"};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    if (!report(cfg, &h, NULL, &r)) {
        CHECK(false);
        pd_config_free(cfg);
        return;
    }
    CHECK(!r.agent && !r.has_fallback);
    CHECK_STR(r.network, "namespace");
    CHECK_STR(r.seccomp, "custom");
    CHECK(STATE(r, PD_LAYER_SECCOMP) == PD_LAYER_ACTIVE);
    CHECK(STATE(r, PD_LAYER_CAPS) == PD_LAYER_DEGRADED);
    CHECK_CONTAINS(REASON(r, PD_LAYER_CAPS), "CAP_KILL");
    CHECK(STATE(r, PD_LAYER_PROTECTED) == PD_LAYER_ABSENT);
    CHECK_STR(REASON(r, PD_LAYER_LANDLOCK_NET), "no agent policy");
    CHECK_STR(REASON(r, PD_LAYER_NET_NS), "");
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);

    parts.seccomp = "none";
    cfg = make_cfg(&parts);
    CHECK(report(cfg, &h, NULL, &r));
    CHECK_STR(r.seccomp, "none");
    CHECK(STATE(r, PD_LAYER_SECCOMP) == PD_LAYER_ABSENT);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

static void test_kernel_refuses(void)
{
    struct cfg_parts parts = {0};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    h.userns = false;
    h.userns_reason = "unshare(CLONE_NEWUSER): EPERM: kernel.unprivileged_userns_clone is 0";
    h.seccomp = false;
    struct pd_sandbox_report r;
    CHECK(report(cfg, &h, NULL, &r));
    CHECK(STATE(r, PD_LAYER_USER_NS) == PD_LAYER_ABSENT);
    CHECK_CONTAINS(REASON(r, PD_LAYER_USER_NS), "unprivileged_userns_clone");
    CHECK(STATE(r, PD_LAYER_SECCOMP) == PD_LAYER_ABSENT);
    CHECK(!r.starts && pd_strv_len(r.refused) == 2);
    CHECK_STR(r.host.userns_reason, h.userns_reason);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

/* What the running process shows overrides what the config asks for. */
static void test_observed(void)
{
    struct cfg_parts parts = {0};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_observed o = {.valid = true, .pid = 42, .nnp = true, .seccomp = 2,
                            .own_session = true};
    for (int t = 0; t < PD_NS__COUNT; t++)
        o.ns_known[t] = o.ns_own[t] = true;
    struct pd_sandbox_report r;
    CHECK(report(cfg, &h, &o, &r));
    for (int l = 0; l < PD_LAYER__COUNT; l++)
        CHECK(STATE(r, l) != PD_LAYER_DEGRADED || l == PD_LAYER_PROTECTED ||
              l == PD_LAYER_UNIX_SOCKETS);
    pd_sandbox_report_free(&r);
    o.ns_own[PD_NS_PID] = false;
    o.nnp = false;
    o.seccomp = 0;
    o.cap_eff = 1;
    o.own_session = false;
    CHECK(report(cfg, &h, &o, &r));
    static const enum pd_layer bad[] = {PD_LAYER_PID_NS, PD_LAYER_NNP, PD_LAYER_SECCOMP,
                                        PD_LAYER_CAPS, PD_LAYER_SETSID};
    for (size_t i = 0; i < PD_ARRAY_SIZE(bad); i++) {
        CHECK(STATE(r, bad[i]) == PD_LAYER_DEGRADED);
        CHECK_CONTAINS(REASON(r, bad[i]), "pid 42");
    }
    CHECK(STATE(r, PD_LAYER_MOUNT_NS) == PD_LAYER_ACTIVE);
    CHECK(r.observed_pid == 42 && r.observed_init == 0);
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
}

static void test_limits(void)
{
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    /* cgroup limits in the config, a cgroup the caller can use */
    struct cfg_parts parts = {.resources = "{\"memory\":{\"limit\":536870912},\"pids\":"
                                           "{\"limit\":64},\"cpu\":{\"quota\":150000,"
                                           "\"period\":100000}}"};
    struct pd_config *cfg = make_cfg(&parts);
    CHECK(report(cfg, &h, NULL, &r));
    CHECK(STATE(r, PD_LAYER_LIMITS) == PD_LAYER_ACTIVE);
    CHECK(r.has_memory && r.memory == 536870912 && r.has_pids && r.pids == 64);
    CHECK(r.has_cpus && r.cpus_milli == 1500);
    CHECK_STR(r.limits_by, "cgroup v2");
    pd_sandbox_report_free(&r);
    /* ... and no cgroup */
    h.cgroup = 0;
    h.cgroup_reason = "cgroup v1 is not delegated to unprivileged users";
    CHECK(report(cfg, &h, NULL, &r));
    CHECK(STATE(r, PD_LAYER_LIMITS) == PD_LAYER_ABSENT);
    CHECK_CONTAINS(REASON(r, PD_LAYER_LIMITS), "not delegated");
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
    /* the policy asks; rlimits instead of a cgroup */
    parts = (struct cfg_parts){.annotations = "{\"dev.paddock.limits.memory\":\"1g\","
                                              "\"dev.paddock.limits.timeout\":\"60\"}",
                               .rlimits = "[{\"type\":\"RLIMIT_AS\",\"soft\":1073741824,"
                                          "\"hard\":1073741824},{\"type\":\"RLIMIT_NOFILE\","
                                          "\"soft\":1024,\"hard\":1024}]"};
    cfg = make_cfg(&parts);
    CHECK(report(cfg, &h, NULL, &r));
    CHECK(STATE(r, PD_LAYER_LIMITS) == PD_LAYER_DEGRADED);
    CHECK_CONTAINS(REASON(r, PD_LAYER_LIMITS), "1 rlimits instead");
    CHECK(r.has_memory && r.memory == 1ULL << 30 && r.has_timeout && r.timeout == 60);
    CHECK_STR(r.limits_by, "rlimits");
    CHECK(r.starts);
    pd_sandbox_report_free(&r);
    /* the sandbox's limits planner would refuse (fallback refuse, no cgroup) */
    struct pd_agent_policy *pol = NULL;
    CHECK(pd_agent_policy_parse(cfg, &pol, NULL) == 0);
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = true,
                                 .cgroup = 0, .limits_refused = "sandbox: --memory needs a cgroup"};
    CHECK(pd_sandbox_report_compute(&in, &h, &r, NULL) == 0);
    CHECK(!r.starts && pd_strv_len(r.refused) == 1);
    CHECK_STR(r.refused[0], "sandbox: --memory needs a cgroup");
    pd_sandbox_report_free(&r);
    pd_agent_policy_free(pol);
    pd_config_free(cfg);
}

static void test_json(void)
{
    struct cfg_parts parts = {0};
    struct pd_config *cfg = make_cfg(&parts);
    struct pd_host_facts h = good_host();
    struct pd_sandbox_report r;
    if (!report(cfg, &h, NULL, &r)) {
        CHECK(false);
        pd_config_free(cfg);
        return;
    }
    _cleanup_free_ char *s = pd_sandbox_report_json(&r, false);
    pd_json *j = NULL;
    CHECK(pd_json_parse(s, strlen(s), &j, NULL) == 0);
    CHECK_STR(pd_json_string(pd_json_get(j, "mode")), "workspace-write");
    CHECK_STR(pd_json_string(pd_json_get(j, "seccomp")), "agent-default");
    int64_t abi = 0;
    CHECK(pd_json_int64(pd_json_get(pd_json_get(j, "landlock"), "abi_in_use"), &abi) && abi == 7);
    const pd_json *layers = pd_json_get(j, "layers");
    CHECK(pd_json_len(layers) == PD_LAYER__COUNT);
    CHECK_STR(pd_json_string(pd_json_get(pd_json_get(layers, "landlock-net"), "state")), "active");
    CHECK_STR(pd_json_string(pd_json_get(pd_json_get(layers, "protected-paths"), "state")),
              "degraded");
    CHECK(pd_json_type(pd_json_get(pd_json_get(j, "limits"), "memory")) == PD_JSON_NULL);
    pd_json_free(j);
    _cleanup_free_ char *l = pd_sandbox_report_layers_json(&r);
    CHECK(l != NULL && l[0] == '{');
    CHECK_CONTAINS(l, "\"user-ns\":{\"state\":\"active\"");
    pd_sandbox_report_free(&r);
    pd_config_free(cfg);
    char buf[32];
    CHECK_STR(pd_cpus_string(1500, buf, sizeof(buf)), "1.5");
    CHECK_STR(pd_cpus_string(2000, buf, sizeof(buf)), "2");
    CHECK_STR(pd_cpus_string(125, buf, sizeof(buf)), "0.125");
}

static void test_names(void)
{
    for (int l = 0; l < PD_LAYER__COUNT; l++)
        CHECK(strcmp(pd_layer_name((enum pd_layer)l), "?") != 0);
    CHECK_STR(pd_layer_name(PD_LAYER_LANDLOCK_SCOPE), "landlock-scope");
    CHECK_STR(pd_layer_state_name(PD_LAYER_DEGRADED), "degraded");
}

int main(void)
{
    RUN(test_workspace_write);
    RUN(test_sockets_masked);
    RUN(test_landlock_abi);
    RUN(test_policy_not_in_config);
    RUN(test_danger_full_access);
    RUN(test_plain_container);
    RUN(test_kernel_refuses);
    RUN(test_observed);
    RUN(test_limits);
    RUN(test_json);
    RUN(test_names);
    UNIT_EXIT();
}
