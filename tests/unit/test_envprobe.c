/* Unit tests for the pure parts of issue #7: the environment probe's causes,
 * fixes and JSON (envprobe_*.c), the mode a sandbox gets (sandbox_env.c),
 * what that mode does to the report (sandbox_env_report.c) and to check's
 * expectations (pd_probe_lost). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "envprobe.h"
#include "json.h"
#include "probe.h"
#include "sandbox.h"
#include "sandbox_env.h"
#include "sandbox_report.h"
#include "seccomp_profile.h"
#include "unit.h"
#include "util.h"

/* A probe where everything works, as a non-root user with no ranges. */
static void all_ok(struct pd_envprobe *p, uid_t uid)
{
    memset(p, 0, sizeof(*p));
    p->uid = uid;
    p->gid = uid;
    p->initial_userns = true;
    p->landlock_abi = 7;
    p->max_user_namespaces = p->unprivileged_userns_clone = p->apparmor_restrict = -1;
    p->evidence = pd_xcalloc(1, sizeof(char *));
    for (int c = 0; c < PD_ENV__COUNT; c++)
        pd_env_set(p, (enum pd_env_check)c, PD_ENV_OK, 0, "step", NULL);
}

static void fail(struct pd_envprobe *p, enum pd_env_check c, int e)
{
    pd_env_set(p, c, PD_ENV_FAILED, e, "the step", NULL);
}

static struct pd_sandbox_opts opts(enum pd_fallback fb)
{
    return (struct pd_sandbox_opts){.mode = PD_SANDBOX_WORKSPACE_WRITE, .network = -1,
                                    .fallback = fb, .json_status_fd = -1};
}

static bool has(char *const *v, const char *needle)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strstr(v[i], needle) != NULL)
            return true;
    return false;
}

static void test_causes_and_fixes(void)
{
    struct pd_envprobe p;
    all_ok(&p, 1000);
    p.max_user_namespaces = 0;
    fail(&p, PD_ENV_USERNS, ENOSPC);
    _cleanup_free_ char *c1 = pd_envprobe_cause(&p, PD_ENV_USERNS);
    CHECK_CONTAINS(c1, "user.max_user_namespaces is 0");
    _cleanup_strv_ char **f1 = pd_envprobe_fixes(&p, PD_ENV_USERNS);
    CHECK(has(f1, "sysctl -w user.max_user_namespaces="));
    _cleanup_free_ char *d1 = pd_envprobe_describe(&p, PD_ENV_USERNS);
    CHECK_CONTAINS(d1, "user-namespace: the step: No space left on device (ENOSPC)");

    /* a filter that answers EPERM even to an invalid flag: seccomp */
    p.max_user_namespaces = 15000;
    p.seccomp_mode = 2, p.seccomp_filters = 1, p.unshare_filtered = EPERM;
    fail(&p, PD_ENV_USERNS, EPERM);
    _cleanup_free_ char *c2 = pd_envprobe_cause(&p, PD_ENV_USERNS);
    CHECK_CONTAINS(c2, "seccomp filter");
    _cleanup_strv_ char **f2 = pd_envprobe_fixes(&p, PD_ENV_USERNS);
    CHECK(has(f2, "--security-opt seccomp="));

    /* AppArmor's restriction (an unprivileged caller, no filter) */
    p.seccomp_mode = 0, p.unshare_filtered = 0, p.apparmor_restrict = 1;
    _cleanup_free_ char *c3 = pd_envprobe_cause(&p, PD_ENV_USERNS);
    CHECK_CONTAINS(c3, "apparmor_restrict_unprivileged_userns is 1");
    _cleanup_strv_ char **f3 = pd_envprobe_fixes(&p, PD_ENV_USERNS);
    CHECK(has(f3, "userns,"));

    /* root without the capabilities the maps need */
    pd_envprobe_free(&p);
    all_ok(&p, 0);
    p.cap_eff = 1ULL << 21; /* CAP_SYS_ADMIN only */
    fail(&p, PD_ENV_UID_MAP, EPERM);
    _cleanup_free_ char *c4 = pd_envprobe_cause(&p, PD_ENV_UID_MAP);
    CHECK_CONTAINS(c4, "CAP_SETFCAP");
    _cleanup_strv_ char **f4 = pd_envprobe_fixes(&p, PD_ENV_UID_MAP);
    CHECK(has(f4, "--cap-add SETFCAP"));

    /* /proc covered by an engine's masks */
    p.proc_covered = 7;
    fail(&p, PD_ENV_MOUNT_PROC, EPERM);
    _cleanup_free_ char *c5 = pd_envprobe_cause(&p, PD_ENV_MOUNT_PROC);
    CHECK_CONTAINS(c5, "7 mounts cover parts of this /proc");
    CHECK(pd_envprobe_cause(&p, PD_ENV_PID_NS) == NULL); /* did not fail */
    pd_envprobe_free(&p);
}

static void test_json_round_trip(void)
{
    struct pd_envprobe p, q;
    all_ok(&p, 1000);
    fail(&p, PD_ENV_MOUNT_SYSFS, EPERM);
    pd_env_set(&p, PD_ENV_LOOPBACK, PD_ENV_SKIPPED, 0, NULL, "needs a network namespace");
    p.container = pd_xstrdup("podman");
    p.evidence = pd_xrealloc(p.evidence, 2 * sizeof(char *));
    p.evidence[0] = pd_xstrdup("/run/.containerenv exists");
    p.evidence[1] = NULL;
    p.key = pd_xstrdup("v1 the key");
    p.cap_eff = 0xa80425fbULL, p.seccomp_mode = 2, p.seccomp_filters = 1, p.nnp = true;
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_envprobe_jgen(&p, g, false);
    pd_jgen_map_close(g);
    size_t len = 0;
    _cleanup_free_ char *text = pd_jgen_finish(g, &len);
    pd_error *err = NULL;
    CHECK(pd_envprobe_from_json(text, len, &q, &err) == 0);
    CHECK_STR(q.key, "v1 the key");
    CHECK_STR(q.container, "podman");
    CHECK_STR(q.evidence[0], "/run/.containerenv exists");
    CHECK(q.uid == 1000 && q.cap_eff == 0xa80425fbULL && q.seccomp_mode == 2 && q.nnp);
    CHECK(q.max_user_namespaces == -1 && q.landlock_abi == 7);
    CHECK(q.r[PD_ENV_MOUNT_SYSFS].state == PD_ENV_FAILED && q.r[PD_ENV_MOUNT_SYSFS].errnum == EPERM);
    CHECK(q.r[PD_ENV_LOOPBACK].state == PD_ENV_SKIPPED);
    CHECK_STR(q.r[PD_ENV_LOOPBACK].detail, "needs a network namespace");
    CHECK(q.r[PD_ENV_USERNS].state == PD_ENV_OK);
    pd_envprobe_free(&q);
    /* another version, or garbage, is refused */
    CHECK(pd_envprobe_from_json("{\"version\":2}", 13, &q, &err) < 0);
    pd_error_free(err);
    pd_envprobe_free(&p);
}

static void test_decide(void)
{
    struct pd_envprobe p;
    struct pd_sandbox_env e;
    struct pd_sandbox_opts o = opts(PD_FALLBACK_REFUSE);
    all_ok(&p, 1000);
    pd_sandbox_env_decide(&o, &p, &e);
    CHECK(!e.boundary && !e.proc_bind && e.degraded[0] == NULL);
    pd_sandbox_env_free(&e);

    /* no network namespace: only network none needs one */
    fail(&p, PD_ENV_NET_NS, EPERM);
    o.network = PD_NETWORK_HOST;
    pd_sandbox_env_decide(&o, &p, &e);
    CHECK(!e.boundary);
    pd_sandbox_env_free(&e);
    o.network = PD_NETWORK_NONE;
    pd_sandbox_env_decide(&o, &p, &e);
    CHECK(e.boundary && e.failed == PD_ENV_NET_NS);
    pd_sandbox_env_free(&e);

    /* no user namespace: the rest is skipped, the user namespace is named */
    pd_env_set(&p, PD_ENV_NET_NS, PD_ENV_OK, 0, "step", NULL);
    fail(&p, PD_ENV_USERNS, EPERM);
    for (int c = PD_ENV_SETGROUPS; c <= PD_ENV_PIVOT_ROOT; c++)
        if (c != PD_ENV_NEWUIDMAP && c != PD_ENV_NEWGIDMAP)
            pd_env_set(&p, (enum pd_env_check)c, PD_ENV_SKIPPED, 0, NULL, "needs a user namespace");
    pd_sandbox_env_decide(&o, &p, &e);
    CHECK(e.boundary && e.failed == PD_ENV_USERNS);
    CHECK_CONTAINS(e.why, "user-namespace: the step: Operation not permitted (EPERM)");
    pd_error *err = NULL;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) < 0);
    CHECK(err != NULL && err->exit_code == PD_EXIT_RUNTIME);
    CHECK_CONTAINS(err ? err->msg : NULL, "--fallback auto");
    pd_error_free(err);
    err = NULL;
    o.fallback = PD_FALLBACK_AUTO;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) == 0);
    /* nearly unconfined: no landlock, or network none without TCP rules */
    e.landlock_abi = 3;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "host_network_without_netns");
    pd_error_free(err);
    err = NULL;
    e.accept_host_network = true;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) == 0);
    e.landlock_abi = 0;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "needs landlock");
    pd_error_free(err);
    pd_sandbox_env_free(&e);
    pd_envprobe_free(&p);
}

static void test_partial(void)
{
    struct pd_envprobe p;
    struct pd_sandbox_env e;
    struct pd_sandbox_opts o = opts(PD_FALLBACK_REFUSE);
    all_ok(&p, 0);
    p.proc_covered = 3;
    fail(&p, PD_ENV_MOUNT_PROC, EPERM);
    fail(&p, PD_ENV_ID_RANGES, EPERM);
    pd_sandbox_env_decide(&o, &p, &e);
    CHECK(!e.boundary && e.proc_bind && e.single_ids);
    CHECK(has(e.degraded, "proc-masking: a new /proc can't be mounted"));
    CHECK(has(e.degraded, "user-ns: id ranges can't be mapped"));
    /* the bound /proc shows the processes around: refused under refuse */
    pd_error *err = NULL;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "binding the existing one would show");
    CHECK_CONTAINS(err ? err->msg : NULL, "fix: paddock binds the existing /proc");
    pd_error_free(err);
    err = NULL;
    o.fallback = PD_FALLBACK_AUTO;
    CHECK(pd_sandbox_env_allowed(&o, &e, &err) == 0);
    pd_sandbox_env_free(&e);
    pd_envprobe_free(&p);
}

static void test_probe_lost(void)
{
    const enum pd_sandbox_mode ww = PD_SANDBOX_WORKSPACE_WRITE, ro = PD_SANDBOX_READ_ONLY;
    CHECK_STR(pd_probe_lost("write_git_hooks", ww, true, 7, true), "protected-paths");
    CHECK(pd_probe_lost("write_git_hooks", ro, true, 7, true) == NULL);
    CHECK(pd_probe_lost("write_outside", ww, true, 7, true) == NULL);
    CHECK_STR(pd_probe_lost("unix_socket_host", ro, true, 7, true), "unix-sockets");
    CHECK(pd_probe_lost("kill_host", ww, true, 7, true) == NULL);
    CHECK_STR(pd_probe_lost("kill_host", ww, true, 5, true), "landlock-scope");
    CHECK_STR(pd_probe_lost("keyctl", ww, true, 7, false), "seccomp");
    CHECK(pd_probe_lost("write_workspace", ww, true, 7, true) == NULL); /* allowed anyway */
    /* check: a lost probe is marked, and does not fail the check */
    struct pd_check_result res = {0};
    pd_check_parse("probe write_git_hooks allowed - created it\n", ww, true, &res);
    pd_check_mark_lost(&res, ww, true, 7, true);
    size_t lost = 0;
    for (size_t i = 0; i < res.n; i++)
        if (strcmp(res.probes[i].name, "write_git_hooks") == 0)
            CHECK(res.probes[i].ok && res.probes[i].lost != NULL);
    lost = res.n_lost;
    CHECK(res.boundary && lost == 3);
    pd_check_result_free(&res);
}

/* The report of a sandbox config in container-boundary mode. */
static void test_report(void)
{
    size_t plen = 0;
    const char *agent = pd_seccomp_profile_builtin_text(PD_SECCOMP_PROFILE_DEFAULT, &plen);
    _cleanup_free_ char *json = pd_xasprintf(
        "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"true\"],\"cwd\":\"/ws\","
        "\"user\":{\"uid\":1000,\"gid\":1000},\"noNewPrivileges\":true,"
        "\"capabilities\":{\"bounding\":[]}},\"root\":{\"path\":\"/\",\"readonly\":true},"
        "\"annotations\":{\"dev.paddock.sandbox\":\"workspace-write\",\"dev.paddock.workspace\":"
        "\"/ws\",\"dev.paddock.fallback\":\"auto\"},"
        "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/ws\",\"type\":\"bind\",\"source\":\"/ws\",\"options\":[\"rbind\"]},"
        "{\"destination\":\"/ws/.git/hooks\",\"type\":\"bind\",\"source\":\"/ws/.git/hooks\","
        "\"options\":[\"rbind\",\"ro\"]}],\"linux\":{\"namespaces\":[{\"type\":\"user\"},"
        "{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"network\"}],\"maskedPaths\":"
        "[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],\"seccomp\":%.*s}}",
        (int)plen, agent);
    struct pd_config *cfg = NULL;
    struct pd_agent_policy *pol = NULL;
    pd_error *err = NULL;
    if (pd_config_parse(json, strlen(json), NULL, "t.json", &cfg, &err) < 0 ||
        pd_agent_policy_parse(cfg, &pol, &err) < 0) {
        printf("    %s\n", err->msg);
        CHECK(!"config");
        return;
    }
    struct pd_sandbox_env e = {.probed = true, .boundary = true, .why = pd_xstrdup("no userns"),
                               .fixes = pd_xcalloc(1, sizeof(char *)),
                               .degraded = pd_xcalloc(1, sizeof(char *)), .landlock_abi = 7,
                               .seccomp = true};
    struct pd_host_facts h = {.landlock_abi = 7, .userns = false, .seccomp = true, .keyring = true};
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = true,
                                 .cgroup = -1, .env = &e};
    struct pd_sandbox_report r;
    CHECK(pd_sandbox_report_compute(&in, &h, &r, &err) == 0);
    CHECK_STR(r.env_mode, "container-boundary");
    CHECK(r.starts); /* fallback auto */
    CHECK(r.layers[PD_LAYER_USER_NS].state == PD_LAYER_ABSENT);
    CHECK(r.layers[PD_LAYER_PROTECTED].state == PD_LAYER_ABSENT);
    CHECK(r.layers[PD_LAYER_LANDLOCK_FS].state == PD_LAYER_ACTIVE);
    CHECK(r.layers[PD_LAYER_LANDLOCK_NET].state == PD_LAYER_ACTIVE);
    CHECK(r.layers[PD_LAYER_LANDLOCK_SCOPE].state == PD_LAYER_ACTIVE);
    CHECK(r.layers[PD_LAYER_CAPS].state == PD_LAYER_ACTIVE);
    CHECK(r.layers[PD_LAYER_SECCOMP].state == PD_LAYER_ACTIVE);
    CHECK(has(r.fallback_lost, "protected-paths") && has(r.fallback_lost, "user-ns"));
    CHECK(r.protected_[0] == NULL && r.n_uid_map == 0);
    pd_sandbox_report_free(&r);
    /* the same with refuse: it does not start */
    pol->fallback = PD_FALLBACK_REFUSE;
    CHECK(pd_sandbox_report_compute(&in, &h, &r, &err) == 0);
    CHECK(!r.starts && has(r.refused, "container-boundary mode and the fallback is refuse"));
    pd_sandbox_report_free(&r);
    pd_sandbox_env_free(&e);
    pd_agent_policy_free(pol);
    pd_config_free(cfg);
}

int main(void)
{
    RUN(test_causes_and_fixes);
    RUN(test_json_round_trip);
    RUN(test_decide);
    RUN(test_partial);
    RUN(test_probe_lost);
    RUN(test_report);
    UNIT_EXIT();
}
