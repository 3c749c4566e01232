/* paddock sandbox: audit events.  See sandbox_audit.h. */
#define _GNU_SOURCE
#include "sandbox_audit.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "sandbox_env.h"
#include "sandbox_report.h"
#include "util.h"

static void emit(struct pd_audit *a, const char *event, const char *id,
                 const struct pd_audit_field *f, size_t n)
{
    pd_error *err = NULL;
    if (a != NULL && pd_audit_event(a, event, id, f, n, &err) < 0) {
        pd_warn("audit log: %s", err->msg);
        pd_error_free(err);
    }
}

static void push(const char ***v, size_t *n, const char *s)
{
    *v = pd_xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The layer states of the sandbox that has just been created from cfg
 * (sandbox_report.h), from cheap facts: the sandbox exists, so its
 * namespaces and seccomp do; landlock's ABI is one syscall away.  Every
 * layer the kernel can't give is also a `fallback` event. */
static char *layers(struct pd_audit *a, const char *id, const struct pd_agent_policy *pol,
                    const char *const *allow, bool cgroup_limits, const char *cwd,
                    char **masked, const struct pd_config *cfg, const struct pd_sandbox_env *env,
                    bool seccomp_builtin)
{
    int cgroup = cgroup_limits ? (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? 2 : 1) : 0;
    struct pd_host_facts h = {.landlock_abi = pd_landlock_abi(), .userns = true, .seccomp = true,
                              .keyring = true, .cgroup = cgroup, .host_sockets = masked,
                              .exists = exists};
    struct pd_report_input in = {.cfg = cfg, .policy = pol, .policy_in_config = true,
                                 .allow_unix_socket = allow, .cgroup = cgroup, .workspace = cwd,
                                 .env = env, .seccomp_builtin = seccomp_builtin};
    struct pd_sandbox_report r;
    pd_error *err = NULL;
    if (pd_sandbox_report_compute(&in, &h, &r, &err) < 0) {
        pd_warn("audit log: layers: %s", err->msg);
        pd_error_free(err);
        return NULL;
    }
    for (size_t i = 0; r.fallback_lost && r.fallback_lost[i]; i++) {
        const char *reason = "not available on this kernel";
        for (int l = 0; l < PD_LAYER__COUNT; l++)
            if (strcmp(pd_layer_name((enum pd_layer)l), r.fallback_lost[i]) == 0 && r.layers[l].reason)
                reason = r.layers[l].reason;
        pd_sandbox_audit_fallback(a, id, r.fallback_lost[i], reason);
    }
    char *json = pd_sandbox_report_layers_json(&r);
    pd_sandbox_report_free(&r);
    return json;
}

void pd_sandbox_audit_start(struct pd_audit *a, const char *id, const struct pd_sandbox_opts *o,
                            const char *cwd, const struct pd_protect *prot,
                            const struct pd_config *cfg)
{
    _cleanup_free_ char *layers_json = NULL;
    if (cfg != NULL) {
        _cleanup_agent_policy_ struct pd_agent_policy *pol = pd_sandbox_policy(o, cwd);
        _cleanup_strv_ char **masked = pd_xcalloc((prot ? prot->n_mounts : 0) + 1, sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; prot && i < prot->n_mounts; i++)
            if (prot->mounts[i].kind == PD_PROTECT_MASK)
                masked[n++] = pd_xstrdup(prot->mounts[i].path);
        /* cfg is pd_sandbox_config's: the built-in profile is its seccomp */
        layers_json = layers(a, id, pol, o->allow_unix_socket, o->enforce.cgroup, cwd, masked, cfg,
                             o->env, true);
    }
    _cleanup_free_ const char **writable = pd_xcalloc(1, sizeof(char *));
    _cleanup_free_ const char **protected = pd_xcalloc(1, sizeof(char *));
    size_t nw = 0, np = 0;
    if (o->mode == PD_SANDBOX_WORKSPACE_WRITE) {
        push(&writable, &nw, cwd);
        for (size_t i = 0; i < o->n_writable; i++)
            push(&writable, &nw, o->writable[i]);
    } else if (o->mode == PD_SANDBOX_DANGER_FULL_ACCESS) {
        push(&writable, &nw, "/");
    }
    for (size_t i = 0; prot && i < prot->n_extra_roots; i++)
        push(&writable, &nw, prot->extra_roots[i]);
    for (size_t i = 0; prot && i < prot->n_mounts; i++)
        if (prot->mounts[i].kind == PD_PROTECT_RO || prot->mounts[i].kind == PD_PROTECT_LINK)
            push(&protected, &np, prot->mounts[i].path);
    _cleanup_free_ char *uid_map = pd_xasprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid());
    struct pd_audit_field f[] = {
        {.key = "mode", .type = PD_AF_STR, .s = pd_sandbox_mode_name(o->mode)},
        {.key = "environment", .type = PD_AF_STR, .s = pd_sandbox_env_mode(o->env)},
        {.key = "command", .type = PD_AF_STRV, .v = (const char *const *)o->argv},
        {.key = "cwd", .type = PD_AF_STR, .s = cwd},
        {.key = "writable", .type = PD_AF_STRV, .v = writable},
        {.key = "protected", .type = PD_AF_STRV, .v = protected},
        {.key = "unprotected_missing", .type = PD_AF_STRV,
         .v = prot ? (const char *const *)prot->missing : NULL},
        {.key = "masked_unix_sockets", .type = PD_AF_INT, .i = prot ? (long long)prot->n_masked : 0},
        {.key = "network", .type = PD_AF_STR,
         .s = o->network == PD_NETWORK_ALLOW ? "allow" : pd_sandbox_network_none(o) ? "none" : "host"},
        {.key = "uid", .type = PD_AF_STR, .s = uid_map},
        {.key = "layers", .type = PD_AF_RAW_JSON, .s = layers_json ? layers_json : "{}"},
    };
    emit(a, "sandbox.start", id, f, PD_ARRAY_SIZE(f));
}

void pd_sandbox_audit_exit(struct pd_audit *a, const char *id, int status, int64_t duration_ms)
{
    struct pd_audit_field f[] = {
        {.key = "status", .type = PD_AF_INT, .i = status},
        {.key = "duration_ms", .type = PD_AF_INT, .i = duration_ms},
    };
    emit(a, "sandbox.exit", id, f, PD_ARRAY_SIZE(f));
}

void pd_sandbox_audit_fallback(struct pd_audit *a, const char *id, const char *layer,
                               const char *reason)
{
    struct pd_audit_field f[] = {
        {.key = "layer", .type = PD_AF_STR, .s = layer},
        {.key = "reason", .type = PD_AF_STR, .s = reason},
    };
    emit(a, "fallback", id, f, PD_ARRAY_SIZE(f));
}

/* An agent bundle under create/start/run/delete (not `paddock sandbox`,
 * which writes its own richer events): the policy's audit log, or the
 * default one. */
void pd_agent_audit(const struct pd_config *cfg, const char *id, const char *event, pid_t pid,
                    int status)
{
    _cleanup_agent_policy_ struct pd_agent_policy *pol = NULL;
    if (cfg == NULL || pd_agent_policy_parse(cfg, &pol, NULL) < 0 || !pol->present)
        return;
    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    if (pd_audit_bundle_path_check(pol->audit_log, geteuid(), &err) < 0 ||
        pd_audit_open(pol->audit_log, &a, &err) < 0) {
        pd_warn("audit log: %s", err->msg);
        pd_error_free(err);
        return;
    }
    if (strcmp(event, "sandbox.exit") == 0) {
        struct pd_audit_field f[] = {{.key = "status", .type = status >= 0 ? PD_AF_INT : PD_AF_STR,
                                      .i = status, .s = NULL}};
        emit(a, event, id, f, PD_ARRAY_SIZE(f));
        pd_audit_close(a);
        return;
    }
    const char *ws = pol->workspace ? pol->workspace : cfg->process.cwd;
    _cleanup_free_ const char **writable = pd_xcalloc(pol->n_writable_roots + 2, sizeof(char *));
    size_t nw = 0;
    if (pol->sandbox == PD_SANDBOX_WORKSPACE_WRITE && ws != NULL)
        writable[nw++] = ws;
    for (size_t i = 0; i < pol->n_writable_roots; i++)
        writable[nw++] = pol->writable_roots[i];
    _cleanup_free_ char *lj = layers(a, id, pol, NULL, cfg->linux_.cgroups_path != NULL, ws, NULL, cfg,
                                     NULL, false);
    struct pd_audit_field f[] = {
        {.key = "mode", .type = PD_AF_STR, .s = pd_sandbox_mode_name(pol->sandbox)},
        {.key = "command", .type = PD_AF_STRV, .v = (const char *const *)cfg->process.args},
        {.key = "bundle", .type = PD_AF_STR, .s = cfg->bundle},
        {.key = "cwd", .type = PD_AF_STR, .s = cfg->process.cwd},
        {.key = "writable", .type = PD_AF_STRV, .v = writable},
        {.key = "network", .type = PD_AF_STR, .s = pd_network_mode_name(pol->network)},
        {.key = "pid", .type = PD_AF_INT, .i = pid},
        {.key = "layers", .type = PD_AF_RAW_JSON, .s = lj ? lj : "{}"},
    };
    emit(a, event, id, f, PD_ARRAY_SIZE(f));
    pd_audit_close(a);
}

void pd_store_audit(const char *event, const char *name, const char *from)
{
    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    if (pd_audit_open(NULL, &a, &err) < 0) {
        pd_warn("audit log: %s", err->msg);
        pd_error_free(err);
        return;
    }
    struct pd_audit_field f[] = {
        {.key = "name", .type = PD_AF_STR, .s = name},
        {.key = "from", .type = PD_AF_STR, .s = from},
        {.key = "uid", .type = PD_AF_INT, .i = (long long)getuid()},
    };
    emit(a, event, NULL, f, from != NULL ? PD_ARRAY_SIZE(f) : 1);
    pd_audit_close(a);
}
