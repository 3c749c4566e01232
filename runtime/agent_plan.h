/* paddock plan: what an agent bundle's policy (agent_policy.h) adds to the
 * container, decided once at create (and again at exec, from the same
 * config): today the landlock wall behind the mounts.
 *
 * Landlock (issue #4, "Layers"): in read-only and workspace-write mode the
 * process may write only under the workspace, the writable roots, /tmp and
 * /dev; everything else is readable and executable.  With network "none"
 * it may not bind or connect TCP sockets either (ABI >= 4), and it can't
 * signal processes or reach abstract unix sockets outside its own domain
 * (ABI >= 6).  danger-full-access adds nothing.  The mounts (read-only root,
 * protected paths) stay the first wall; landlock is the second, so a
 * mistake in one does not open the host.
 *
 * Plain data, built without syscalls; applied by pd_agent_apply() in the
 * container process right before the execve (process.c). */
#ifndef PADDOCK_AGENT_PLAN_H
#define PADDOCK_AGENT_PLAN_H
#include <stdbool.h>
#include <sys/types.h>

#include "agent_policy.h"
#include "config.h"
#include "error.h"

struct pd_agent_plan {
    bool landlock;          /* apply a landlock domain */
    char **ll_writable;     /* NULL-terminated, container paths */
    bool ll_deny_tcp;
    bool ll_net_allow;      /* network=allow: TCP connect to 3128, 1080, 80 and 443 only */
    bool ll_scope;
    bool ll_skip_fs;        /* nested-userns=allow: no filesystem rules (they forbid mounts) */
    bool refuse_degraded;   /* fallback=refuse: a layer the kernel lacks is an error */
    bool nested_userns;     /* seccomp lets new user namespaces and the mount family through */
    struct pd_seccomp *default_seccomp; /* the agent-default profile, for a config without
                                           linux.seccomp (owned; NULL: the config has one) */
};

/* NULL in *out when cfg has no dev.paddock.* annotation (a plain OCI bundle). */
/* Also refuses what can't be honoured: for euid 0, an audit log outside
 * PD_AUDIT_BUNDLE_DIR.  FILTER: the caller still needs a filter (not
 * `exec` with the init's kept one): only then is default_seccomp built. */
int pd_agent_plan_build(const struct pd_config *cfg, uid_t euid, bool filter,
                        struct pd_agent_plan **out, pd_error **err);
void pd_agent_plan_free(struct pd_agent_plan *p);

/* Apply p (NULL: nothing) to the calling thread; irreversible.  A layer the
 * kernel can't give fails when p->refuse_degraded, else warns. */
int pd_agent_apply(const struct pd_agent_plan *p, pd_error **err);

static inline void pd_agent_plan_freep(struct pd_agent_plan **p)
{
    pd_agent_plan_free(*p);
    *p = 0;
}
#define _cleanup_agent_plan_ __attribute__((cleanup(pd_agent_plan_freep)))
#endif
