/* paddock status: the layers of a sandbox configuration or of a container.
 * Flags and printing only; the computation is runtime/sandbox_report.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroups.h"
#include "cli/cli.h"
#include "cli/sandbox_flags.h"
#include "container.h"
#include "json.h"
#include "log.h"
#include "netstats.h"
#include "sandbox_env.h"
#include "sandbox_limits.h"
#include "sandbox_report.h"
#include "state.h"
#include "util.h"

extern char **environ;

static const char help_head[] =
    "Usage: paddock status [OPTIONS] [--json]\n"
    "       paddock status [--json] ID\n\n"
    "Say what a sandbox gets, layer by layer: for the sandbox that `paddock sandbox`\n"
    "would run here with the same OPTIONS, or for the container ID (read from its\n"
    "state and config; its dev.paddock.* annotations are its agent policy; a plain\n"
    "OCI container has none, and the report says what its config does).  Nothing\n"
    "is started; the kernel is probed (landlock ABI, an unshare(CLONE_NEWUSER) in a\n"
    "child, seccomp, keyrings, a usable cgroup, the host's unix sockets) and a\n"
    "running container's process is read from /proc.\n\n"
    "Options (those of paddock sandbox):\n";
static const char help_tail[] =
    "  --json                one JSON object instead of the table\n"
    "  -h, --help            print this help\n\n"
    "Each layer is active, degraded (reason) or absent (reason):\n"
    "  user-ns mount-ns pid-ns ipc-ns uts-ns network-ns  namespaces\n"
    "  read-only-root        the root (the host's /, for a sandbox) is read-only\n"
    "  protected-paths       .git/hooks, .git/config, ... read-only in writable roots\n"
    "  capabilities          none kept;  no-new-privs;  seccomp (agent-default)\n"
    "  landlock-fs           writes only under the writable roots, /tmp and /dev\n"
    "  landlock-net          no TCP bind/connect with network none (landlock ABI >= 4)\n"
    "  landlock-scope        no signals / abstract unix sockets outside (ABI >= 6)\n"
    "  unix-sockets          the host's pathname unix sockets are not reachable\n"
    "  setsid, session-keyring  a session and a keyring of its own\n"
    "  proc-masking          /proc/sys read-only, /proc/kcore etc. masked\n"
    "  limits                memory/pids/cpus by a cgroup (else rlimits), timeout\n\n"
    "JSON fields: source (\"flags\" or \"container\"), id, status, pid (containers),\n"
    "observed {pid, init_pid} (the process read from /proc, null when not running),\n"
    "agent_policy (bool), mode (null without a policy), workspace, writable_roots,\n"
    "protected_paths, unprotected_paths, missing_protected_paths (arrays of paths),\n"
    "network (none|host|allow; for a plain container namespace|joined|host),\n"
    "seccomp (agent-default|custom|none), landlock {kernel_abi, abi_in_use},\n"
    "user {uid, gid}, uid_map and gid_map ([{container_id, host_id, size}]),\n"
    "limits {memory, pids, timeout (numbers or null), cpus (string or null),\n"
    "enforced_by}, fallback {mode (auto|refuse|null), starts (bool), lost (layers\n"
    "run without), refused (why it would not start)}, environment {mode (full|\n"
    "container-boundary, from paddock probe), reason (why container-boundary), fixes,\n"
    "degraded (full mode's partial degradations), container (the kind paddock runs\n"
    "in, or null)}, unix_sockets {host (count),\n"
    "reachable (paths)}, kernel {landlock_abi, user_namespaces, user_namespaces_reason,\n"
    "seccomp, keyrings, cgroup (0 none, 1, 2), cgroup_reason}, layers {NAME: {state\n"
    "(active|degraded|absent), reason (string or null)}}, network_counters (network\n"
    "allow: the proxy's counters, else null) {updated, final (the supervisor has\n"
    "ended), open, allowed, denied, bytes_out, bytes_in, top_hosts [{host, allowed,\n"
    "denied, bytes}], last_denial {time, host, port, via, reason} or null}.\n\n"
    "With network allow, the egress proxy's supervisor publishes its counters in\n"
    "ROOT/ID/network.json (at most 4 times a second while traffic flows, and once\n"
    "more when the container ends); `status ID` shows them as \"traffic\", \"top\n"
    "hosts\" and \"last denial\".  A connection is counted allowed when it ends,\n"
    "denied when it is refused; bytes grow while data flows.  `paddock sandbox` runs\n"
    "have an ID too (sandbox-PID-..., in `paddock list` and --json-status-fd).\n\n"
    "Exit status: 0 the report was printed (whatever it says); 1 the container\n"
    "does not exist or the configuration can't be built; 2 bad usage.\n";

static void print_list(const char *label, char *const *v)
{
    if (v == NULL || v[0] == NULL) {
        printf("%-16s -\n", label);
        return;
    }
    for (size_t i = 0; v[i] != NULL; i++)
        printf("%-16s %s\n", i == 0 ? label : "", v[i]);
}

static void print_bytes(uint64_t b)
{
    static const char sfx[] = "kMGT";
    int i = -1;
    while (b >= 1024 && b % 1024 == 0 && i < 3)
        b /= 1024, i++;
    printf("memory %llu%s", (unsigned long long)b, i >= 0 ? (char[]){sfx[i], 0} : "");
}

static void print_limits(const struct pd_sandbox_report *r)
{
    char cpus[32];
    printf("%-16s ", "limits");
    if (!r->has_memory && !r->has_pids && !r->has_cpus && !r->has_timeout)
        printf("none");
    if (r->has_memory)
        print_bytes(r->memory);
    if (r->has_pids)
        printf("%spids %llu", r->has_memory ? ", " : "", (unsigned long long)r->pids);
    if (r->has_cpus)
        printf("%scpus %s", r->has_memory || r->has_pids ? ", " : "",
               pd_cpus_string(r->cpus_milli, cpus, sizeof(cpus)));
    if (r->has_timeout)
        printf("%stimeout %llus", r->has_memory || r->has_pids || r->has_cpus ? ", " : "",
               (unsigned long long)r->timeout);
    printf(" (enforced by: %s)\n", r->limits_by);
}

static void print_ids(const char *what, unsigned id, const struct pd_idmap *m, size_t n)
{
    printf("%-16s %u;", what, id);
    if (n == 0)
        printf(" no map (the caller's)");
    for (size_t i = 0; i < n; i++)
        printf(" %u->%u (%u)", m[i].container_id, m[i].host_id, m[i].size);
    printf("\n");
}

/* The environment's mode (sandbox_env.h) and what it changes. */
static void print_env(const struct pd_sandbox_report *r)
{
    printf("%-16s %s%s%s\n", "environment", r->env_mode,
           r->env_container ? ", inside a container: " : "",
           r->env_container ? r->env_container : "");
    if (r->env_reason != NULL)
        printf("%-16s %s\n", "", r->env_reason);
    for (size_t i = 0; r->env_fixes && r->env_fixes[i] != NULL; i++)
        printf("%-16s fix: %s\n", "", r->env_fixes[i]);
    for (size_t i = 0; r->env_degraded && r->env_degraded[i] != NULL; i++)
        printf("%-16s degraded: %s\n", "", r->env_degraded[i]);
}

static void print_text(const struct pd_sandbox_report *r, const char *title,
                       const struct pd_netstats *ns, bool allow)
{
    const struct pd_host_facts *h = &r->host;
    printf("%-16s %s\n", "report for", title);
    printf("%-16s %s\n", "mode", r->agent ? pd_sandbox_mode_name(r->mode)
                                          : "no agent policy (a plain OCI container)");
    if (r->env_mode != NULL)
        print_env(r);
    printf("%-16s %s\n", "workspace", r->workspace ? r->workspace : "-");
    print_list("writable roots", r->writable);
    print_list("protected", r->protected_);
    if (r->unprotected[0] != NULL)
        print_list("NOT protected", r->unprotected);
    if (r->missing[0] != NULL) {
        size_t n = 0;
        while (r->missing[n] != NULL)
            n++;
        printf("%-16s %zu protected paths are not there (not covered), e.g. %s\n", "not there",
               n, r->missing[0]);
    }
    if (r->observed_pid > 0 && r->observed_init > 0)
        printf("%-16s pid %d, the command (pid %d is paddock's init)\n", "observed",
               (int)r->observed_pid, (int)r->observed_init);
    else if (r->observed_pid > 0)
        printf("%-16s pid %d\n", "observed", (int)r->observed_pid);
    printf("%-16s %s\n", "network", r->network);
    if (ns != NULL)
        pd_netstats_print(ns);
    else if (allow)
        printf("%-16s - (no counters: no network supervisor has published any)\n", "traffic");
    printf("%-16s %s\n", "seccomp", r->seccomp);
    printf("%-16s ABI %d in use (kernel: %d)\n", "landlock", r->landlock_in_use, r->landlock_abi);
    print_ids("uid", r->uid, r->uid_map, r->n_uid_map);
    print_ids("gid", r->gid, r->gid_map, r->n_gid_map);
    print_limits(r);
    printf("%-16s %s, %s\n", "fallback", r->has_fallback ? pd_fallback_name(r->fallback) : "-",
           r->starts ? "it starts" : "it would NOT start");
    for (size_t i = 0; r->refused[i] != NULL; i++)
        printf("%-16s %s\n", "", r->refused[i]);
    printf("%-16s landlock ABI %d, user namespaces %s, seccomp %s, keyrings %s, cgroup %s\n",
           "kernel", h->landlock_abi, h->userns ? "yes" : "no", h->seccomp ? "yes" : "no",
           h->keyring ? "yes" : "no", h->cgroup ? (h->cgroup == 2 ? "v2" : "v1") : "none");
    printf("\n%-16s %-9s %s\n", "LAYER", "STATE", "DETAIL");
    for (int l = 0; l < PD_LAYER__COUNT; l++)
        printf("%-16s %-9s %s\n", pd_layer_name((enum pd_layer)l),
               pd_layer_state_name(r->layers[l].state),
               r->layers[l].reason ? r->layers[l].reason : "");
}

static void print_json(const struct pd_sandbox_report *r, const char *id, const char *status,
                       pid_t pid, const struct pd_netstats *ns)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "source", id ? "container" : "flags");
    pd_jgen_kv_string(g, "id", id);
    pd_jgen_kv_string(g, "status", status);
    pd_jgen_key(g, "pid");
    if (pid > 0)
        pd_jgen_int(g, pid);
    else
        pd_jgen_null(g);
    pd_sandbox_report_jgen(r, g);
    pd_jgen_key(g, "network_counters");
    pd_netstats_jgen(ns, g);
    pd_jgen_map_close(g);
    _cleanup_free_ char *s = pd_jgen_finish(g, NULL);
    printf("%s\n", s);
}

/* Decide how the limits would be enforced, as `paddock sandbox` does (rootless,
 * that makes a cgroup and removes it again).  Returns the cgroup version the
 * limits go to (0: none) and, when the sandbox would refuse, *refused. */
static int plan_limits(struct pd_sandbox_opts *o, char **refused)
{
    _cleanup_error_ pd_error *e = NULL;
    _cleanup_free_ char *id = pd_xasprintf("status-%d", (int)getpid());
    *refused = NULL;
    if (pd_sandbox_plan_limits(o, id, &e) < 0) {
        *refused = pd_xstrdup(e->msg);
        return 0;
    }
    struct statfs fs;
    if (!o->enforce.cgroup || statfs("/sys/fs/cgroup", &fs) < 0)
        return 0;
    return fs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
}

static int status_report(struct pd_sandbox_flags *f, const char *cwd,
                         const struct pd_sandbox_env *env, pd_error **err);

/* The sandbox `paddock sandbox` would run here with these flags. */
static int status_flags(struct pd_sandbox_flags *f, pd_error **err)
{
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) == NULL)
        return pd_fail_errno(err, "getcwd");
    _cleanup_free_ char *cwd = realpath(buf, NULL);
    if (cwd == NULL)
        cwd = pd_xstrdup(buf);
    static char *const placeholder[] = {"true", NULL};
    f->o.argv = placeholder;
    struct pd_sandbox_env env;
    if (pd_sandbox_env_get(&f->o, &env, err) < 0)
        return -1;
    f->o.env = &env;
    int r = status_report(f, cwd, &env, err);
    pd_sandbox_env_free(&env);
    return r;
}

static int status_report(struct pd_sandbox_flags *f, const char *cwd,
                         const struct pd_sandbox_env *env, pd_error **err)
{
    _cleanup_free_ char *refused = NULL;
    int cgroup = plan_limits(&f->o, &refused);
    _cleanup_free_ char *text = pd_sandbox_config(&f->o, cwd, getuid(), getgid(), environ, err);
    pd_sandbox_enforce_free(&f->o);
    if (text == NULL)
        return -1;
    _cleanup_config_ struct pd_config *cfg = NULL;
    if (pd_config_parse(text, strlen(text), NULL, "the sandbox's config", &cfg, err) < 0)
        return pd_wrap(err, "internal error");
    _cleanup_agent_policy_ struct pd_agent_policy *in_cfg = NULL;
    if (pd_agent_policy_parse(cfg, &in_cfg, err) < 0)
        return -1;
    _cleanup_agent_policy_ struct pd_agent_policy *pol = pd_sandbox_policy(&f->o, cwd);
    _cleanup_strv_ char **allow = pd_xcalloc(f->o.n_allow_unix_socket + 1, sizeof(char *));
    for (size_t i = 0; i < f->o.n_allow_unix_socket; i++) {
        allow[i] = realpath(f->o.allow_unix_socket[i], NULL);
        if (allow[i] == NULL)
            allow[i] = pd_xstrdup(f->o.allow_unix_socket[i]);
    }
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = in_cfg->present,
                                 .allow_unix_socket = (const char *const *)allow,
                                 .cgroup = cgroup, .workspace = cwd, .limits_refused = refused,
                                 .env = env};
    struct pd_sandbox_report r;
    if (pd_sandbox_report_fill(&in, &r, err) < 0)
        return -1;
    if (f->json)
        print_json(&r, NULL, NULL, 0, NULL);
    else
        print_text(&r, "the configuration of these flags (not running)", NULL, false);
    pd_sandbox_report_free(&r);
    return 0;
}

static int container_cgroup(const struct pd_state *st)
{
    if (st->cgroup == NULL || st->cgroup[0] == '\0')
        return 0;
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (pd_cgroup_load(st->cgroup, &cg, NULL) < 0)
        return 0;
    enum pd_cgroup_mode m = pd_cgroup_mode(cg);
    return m == PD_CGROUP_V2 ? 2 : m == PD_CGROUP_V1 ? 1 : 0;
}

/* A container-boundary sandbox run: the environment it was started in, as
 * recorded in its state (boundary_state.h); the strings stay st's. */
static const struct pd_sandbox_env *recorded_env(const struct pd_state *st,
                                                 struct pd_sandbox_env *e)
{
    if (!pd_state_is_boundary(st))
        return NULL;
    *e = (struct pd_sandbox_env){.probed = true, .boundary = true, .why = st->env.reason,
                                 .container = st->env.container,
                                 .landlock_abi = st->env.landlock_abi,
                                 .seccomp = st->env.seccomp,
                                 .keyring_blocked = st->env.keyring_blocked};
    return e;
}

static int status_container(const struct pd_global *g, const char *id, bool json, pd_error **err)
{
    if (pd_state_check_id(id, err) < 0)
        return -1;
    _cleanup_free_ char *dir = pd_xasprintf("%s/%s", g->root, id);
    _cleanup_state_ struct pd_state *st = NULL;
    if (pd_state_read(dir, &st, NULL) < 0)
        return pd_failx(err, "container \"%s\" does not exist", id);
    enum pd_status status = pd_state_status(st, dir);
    struct pd_container_dir d = {.path = dir, .fd = -1};
    _cleanup_config_ struct pd_config *cfg = NULL;
    if (pd_container_config(&d, st, &cfg, err) < 0)
        return pd_wrap(err, "container \"%s\"", id);
    _cleanup_agent_policy_ struct pd_agent_policy *pol = NULL;
    if (pd_agent_policy_parse(cfg, &pol, err) < 0)
        return pd_wrap(err, "container \"%s\"", id);
    struct pd_observed obs;
    if (status == PD_STATUS_RUNNING)
        pd_observe(st->pid, &obs);
    const char *ws = !pol->present ? NULL : pol->workspace ? pol->workspace : cfg->process.cwd;
    struct pd_sandbox_env env;
    struct pd_report_input in = {.env = recorded_env(st, &env),
                                 .cfg = cfg, .policy = pol->present ? pol : NULL,
                                 .policy_in_config = pol->present, .keyring_unknown = true,
                                 .cgroup = container_cgroup(st), .workspace = ws,
                                 .observed = status == PD_STATUS_RUNNING ? &obs : NULL};
    struct pd_sandbox_report r;
    if (pd_sandbox_report_fill(&in, &r, err) < 0)
        return -1;
    bool alive = status != PD_STATUS_STOPPED;
    /* network=allow: the supervisor's live counters (netstats.h) */
    bool allow = pol->present && pol->network == PD_NETWORK_ALLOW;
    struct pd_netstats ns;
    _cleanup_error_ pd_error *nse = NULL;
    int has_ns = allow ? pd_netstats_read(dir, &ns, &nse) : 0;
    if (has_ns < 0)
        pd_warn("status: network counters: %s", nse->msg);
    if (json) {
        print_json(&r, id, pd_status_name(status), alive ? st->pid : 0, has_ns > 0 ? &ns : NULL);
    } else {
        _cleanup_free_ char *title = alive ? pd_xasprintf("container %s (%s, pid %d)", id,
                                                          pd_status_name(status), (int)st->pid)
                                           : pd_xasprintf("container %s (%s)", id,
                                                          pd_status_name(status));
        print_text(&r, title, has_ns > 0 ? &ns : NULL, allow);
    }
    pd_sandbox_report_free(&r);
    return 0;
}

int pd_cmd_status(struct pd_global *g, int argc, char **argv)
{
    _cleanup_free_ char *help = pd_xasprintf("%s%s%s", help_head, pd_sandbox_flags_help, help_tail);
    struct pd_sandbox_flags f;
    int r = pd_cli_sandbox_flags("status", help, argc, argv, g, &f);
    const char *id = NULL;
    for (int i = optind; r == 0 && i < argc; i++) { /* ID, and --json after it */
        if (strcmp(argv[i], "--json") == 0)
            f.json = true;
        else if (argv[i][0] == '-')
            r = pd_usage_error("status", "unknown option \"%s\" after the container ID", argv[i]);
        else if (id != NULL)
            r = pd_usage_error("status", "expected at most one container ID, got \"%s\" and "
                               "\"%s\"", id, argv[i]);
        else
            id = argv[i];
    }
    if (r == 0 && id != NULL && f.any)
        r = pd_usage_error("status", "give either a container ID or sandbox flags, not both");
    if (r != 0) {
        pd_cli_sandbox_flags_free(&f);
        return r < 0 ? 0 : r;
    }
    _cleanup_error_ pd_error *err = NULL;
    if (id != NULL)
        r = status_container(g, id, f.json, &err);
    else
        r = status_flags(&f, &err);
    pd_cli_sandbox_flags_free(&f);
    return r < 0 ? pd_report(err) : 0;
}
