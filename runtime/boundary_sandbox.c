/* paddock sandbox in container-boundary mode: what surrounds the run.
 * See boundary.h. */
#define _GNU_SOURCE
#include "boundary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boundary_state.h"
#include "log.h"
#include "sandbox_audit.h"
#include "sandbox_env.h"
#include "sandbox_limits.h"
#include "util.h"

extern char **environ;

/* Without a cgroup (and without a user namespace of its own, which
 * RLIMIT_NPROC would need to count only its processes): --memory as
 * RLIMIT_AS, --pids and --cpus not enforced. */
static void plan_limits(struct pd_sandbox_opts *o)
{
    memset(&o->enforce, 0, sizeof(o->enforce));
    o->enforce.rlimit_as = o->has_memory;
    if (!o->has_memory && !o->has_pids && !o->has_cpus)
        return;
    pd_warn("sandbox: container-boundary mode has no cgroup: %s%s%s",
            o->has_memory ? "--memory enforced with RLIMIT_AS (per process: address space, "
                            "not the tree's total)" : "",
            o->has_pids ? (o->has_memory ? "; --pids not enforced (RLIMIT_NPROC would count "
                                           "every process of the uid)"
                                         : "--pids not enforced (RLIMIT_NPROC would count "
                                           "every process of the uid)") : "",
            o->has_cpus ? (o->has_memory || o->has_pids ? "; --cpus not enforced"
                                                        : "--cpus not enforced") : "");
}

static void audit_start(struct pd_audit *audit, const struct pd_sandbox_opts *o,
                        const struct pd_boundary_run *run, const struct pd_config *cfg)
{
    /* the layers, and a fallback event for each one lost */
    pd_sandbox_audit_start(audit, run->id, o, run->cwd, NULL, cfg);
    _cleanup_free_ char *why = pd_xasprintf("container-boundary: %s", o->env->why);
    pd_sandbox_audit_fallback(audit, run->id, "mode", why);
    if (o->network == PD_NETWORK_ALLOW)
        pd_sandbox_audit_fallback(audit, run->id, "network",
                                  "container-boundary: network allow: " PD_SANDBOX_ENV_ALLOW_LOST);
    static const char *const limits[] = {"memory", "pids", "cpus"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(limits); i++) {
        const char *how = pd_sandbox_enforced_by(o, limits[i]);
        if (how != NULL) {
            _cleanup_free_ char *reason = pd_xasprintf("container-boundary, no cgroup: "
                                                       "enforced by %s", how);
            pd_sandbox_audit_fallback(audit, run->id, limits[i], reason);
        }
    }
}

int pd_boundary_sandbox(struct pd_sandbox_opts *o, struct pd_boundary_run *run,
                        struct pd_audit *audit)
{
    plan_limits(o);
    _cleanup_free_ char *line = pd_sandbox_env_lost_line(o, o->env);
    pd_warn("%s", line);
    /* the config a full-mode sandbox would run: its layers for the audit
     * log, its copy in the state directory for status (boundary_state.h) */
    _cleanup_error_ pd_error *err = NULL;
    _cleanup_free_ char *text = pd_sandbox_config(o, run->cwd, getuid(), getgid(), environ, &err);
    _cleanup_config_ struct pd_config *cfg = NULL;
    struct pd_boundary_state bs;
    if (text == NULL ||
        pd_config_parse(text, strlen(text), NULL, "the sandbox's config", &cfg, &err) < 0 ||
        pd_boundary_state_create(o, run->id, text, cfg, &bs, &err) < 0)
        return pd_report(err), PD_EXIT_RUNTIME;
    audit_start(audit, o, run, cfg);
    bs.started = run->started;
    bs.arg = run->arg;
    run->started = pd_boundary_state_started;
    run->arg = &bs;
    int code = pd_boundary_exec(o, run);
    run->started = bs.started;
    run->arg = bs.arg;
    pd_boundary_state_finish(&bs);
    return code;
}
