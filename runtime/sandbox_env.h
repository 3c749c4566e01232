/* paddock sandbox: which mode a sandbox gets in this environment (issue #7),
 * decided from the environment probe (envprobe.h).
 *
 *   full                 the namespaces of sandbox.h, when every one the
 *                        configuration needs can be made (user, mount, PID,
 *                        IPC, UTS; network with network none; the maps; a
 *                        tmpfs; pivot_root).  Partial degradations, each
 *                        taken alone and reported:
 *                          /proc can't be mounted: the existing /proc is
 *                          bound, with the masks applied (it shows the
 *                          processes around the sandbox, so only with
 *                          --fallback auto; refuse fails as below);
 *                          ranges can't be mapped: the own uid and gid only.
 *                        (sysfs: a sandbox keeps the host's /sys, read-only;
 *                        agent bundles bind it read-only when it can't be
 *                        mounted, mounts.c.)
 *   container-boundary   a namespace it needs can't be made: no new
 *                        namespaces at all, but landlock, the agent seccomp
 *                        profile, no_new_privs, no capabilities, rlimits,
 *                        setsid, closed fds and the environment deny-list
 *                        (boundary.h).  Only with --fallback auto (or
 *                        dev.paddock.fallback=auto); refuse (the default)
 *                        fails with exit 125, the failing step, its errno
 *                        and the fixes.
 * Container-boundary mode also refuses when it would be nearly unconfined:
 * without landlock (nothing would limit writes), and with network none
 * when landlock can't limit TCP (ABI < 4), unless the system policy
 * accepts host networking (policy.h). */
#ifndef PADDOCK_SANDBOX_ENV_H
#define PADDOCK_SANDBOX_ENV_H
#include <stdbool.h>
#include <stddef.h>

#include "envprobe.h"
#include "error.h"

struct pd_sandbox_opts;

struct pd_sandbox_env {
    bool probed;                /* false: nothing known (full, nothing degraded) */
    bool boundary;              /* container-boundary mode */
    enum pd_env_check failed;   /* boundary: the first needed check that failed */
    char *why;                  /* boundary: "user-namespace: unshare(...): ... (EPERM): cause" */
    char **fixes;               /* boundary (or proc_bind): concrete fixes (NULL-terminated) */
    bool proc_bind;             /* full: bind the existing /proc, masks applied (it shows the
                                   processes around it: refused under --fallback refuse) */
    char *proc_why;             /* full: why, when proc_bind */
    bool single_ids;            /* full: map only the own uid and gid */
    char **degraded;            /* full: each partial degradation, one line each */
    char *container;            /* the container paddock runs in (kind), NULL: none seen */
    int landlock_abi;
    bool seccomp;               /* a filter can be installed */
    bool keyring_blocked;       /* keyctl(2) is blocked here (an outer filter) */
    bool accept_host_network;   /* from the options (the system policy) */
};

/* Container-boundary mode would be nearly unconfined: why, or NULL. */
const char *pd_sandbox_env_unconfined(const struct pd_sandbox_env *e, bool danger,
                                      bool network_none);

/* Pure: the mode a sandbox of o gets with probe p. */
void pd_sandbox_env_decide(const struct pd_sandbox_opts *o, const struct pd_envprobe *p,
                           struct pd_sandbox_env *e);
/* The probe (cached), then pd_sandbox_env_decide. */
int pd_sandbox_env_get(const struct pd_sandbox_opts *o, struct pd_sandbox_env *e, pd_error **err);
void pd_sandbox_env_free(struct pd_sandbox_env *e);

/* Whether o may run in e: fails (exit code 125) for container-boundary mode
 * under --fallback refuse, or when it would be nearly unconfined (see
 * above).  The message names the step, its errno, the cause and the fixes. */
int pd_sandbox_env_allowed(const struct pd_sandbox_opts *o, const struct pd_sandbox_env *e,
                           pd_error **err);

/* Full mode's partial degradations: one warning line each (stderr), and
 * one `fallback` audit event each (layer: the part before ':'). */
struct pd_audit;
void pd_sandbox_env_warn_degraded(const struct pd_sandbox_env *e);
void pd_sandbox_env_audit_degraded(const struct pd_sandbox_env *e, struct pd_audit *audit,
                                   const char *id);

/* network allow in container-boundary mode: what becomes of it. */
#define PD_SANDBOX_ENV_ALLOW_LOST                                                          \
    "its egress proxy needs a network namespace and can't be enforced without one: it "     \
    "runs as network none, the host's network with TCP denied by landlock and other IP "    \
    "sockets by seccomp, no proxy"
/* The layers container-boundary mode loses, as one line for stderr. */
char *pd_sandbox_env_lost_line(const struct pd_sandbox_opts *o, const struct pd_sandbox_env *e);

static inline void pd_sandbox_env_freep(struct pd_sandbox_env *e)
{
    pd_sandbox_env_free(e);
}
#define _cleanup_sandbox_env_ __attribute__((cleanup(pd_sandbox_env_freep)))

static inline const char *pd_sandbox_env_mode(const struct pd_sandbox_env *e)
{
    return e != NULL && e->boundary ? "container-boundary" : "full";
}
#endif
