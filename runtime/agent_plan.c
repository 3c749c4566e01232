/* paddock plan: the agent policy's landlock wall.  See agent_plan.h. */
#define _GNU_SOURCE
#include "agent_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "landlock.h"
#include "seccomp_profile.h"
#include "log.h"
#include "policy.h"
#include "util.h"

static void add(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = pd_xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = pd_xstrdup(s);
    (*v)[*n] = NULL;
}

int pd_agent_plan_build(const struct pd_config *cfg, uid_t euid, bool filter,
                        struct pd_agent_plan **out, pd_error **err)
{
    *out = NULL;
    _cleanup_agent_policy_ struct pd_agent_policy *pol = NULL;
    if (pd_agent_policy_parse(cfg, &pol, err) < 0)
        return -1;
    if (!pol->present)
        return 0;
    if (pd_audit_bundle_path_check(pol->audit_log, euid, err) < 0)
        return pd_wrap(err, "bundle %s: config.json", cfg->bundle ? cfg->bundle : "?");
    /* the system policy's ceilings (policy.h): an annotation can't widen them */
    const struct pd_policy *sys = NULL;
    if (pd_policy_get(&sys, err) < 0 || pd_policy_check_agent(sys, pol, err) < 0)
        return -1;
    struct pd_agent_plan *p = pd_xcalloc(1, sizeof(*p));
    p->refuse_degraded = pol->fallback == PD_FALLBACK_REFUSE;
    p->nested_userns = pol->nested_userns;
    /* An agent bundle without a seccomp profile of its own gets the agent one. */
    if (filter &&
        (!cfg->has_linux || (cfg->linux_.seccomp == NULL && cfg->linux_.seccomp_builtin == NULL)) &&
        pd_seccomp_profile_builtin(PD_SECCOMP_PROFILE_DEFAULT, &p->default_seccomp, err) < 0) {
        pd_agent_plan_free(p);
        return -1;
    }
    if (pol->sandbox != PD_SANDBOX_DANGER_FULL_ACCESS) {
        size_t n = 0;
        p->landlock = true;
        p->ll_writable = pd_xcalloc(1, sizeof(char *));
        if (pol->sandbox == PD_SANDBOX_WORKSPACE_WRITE) {
            const char *ws = pol->workspace ? pol->workspace : cfg->process.cwd;
            if (ws != NULL)
                add(&p->ll_writable, &n, ws);
            for (size_t i = 0; i < pol->n_writable_roots; i++)
                add(&p->ll_writable, &n, pol->writable_roots[i]);
        }
        add(&p->ll_writable, &n, "/tmp");
        add(&p->ll_writable, &n, "/dev");
        /* Nested sandboxes mount, and a landlock domain with filesystem
         * rules forbids every mount: the read-only binds stay the wall. */
        p->ll_skip_fs = pol->nested_userns;
        p->ll_deny_tcp = pol->network != PD_NETWORK_HOST;
        /* allow: the proxies, and 80/443 anywhere, which the namespace delivers to
           the transparent capture (netsup.h): there is no other way out */
        p->ll_net_allow = pol->network == PD_NETWORK_ALLOW;
        p->ll_scope = true;
    }
    *out = p;
    return 0;
}

void pd_agent_plan_free(struct pd_agent_plan *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; p->ll_writable && p->ll_writable[i]; i++)
        free(p->ll_writable[i]);
    free(p->ll_writable);
    pd_seccomp_profile_free(p->default_seccomp);
    free(p);
}

int pd_agent_apply(const struct pd_agent_plan *p, pd_error **err)
{
    if (p == NULL || !p->landlock)
        return 0;
    static const char *const readable[] = {"/", NULL};
    static const int allow_ports[] = {3128, 1080, 80, 443, 53, 0};
    struct pd_landlock_req req = {.writable = (const char *const *)p->ll_writable,
                                  .readable = readable, .deny_tcp = p->ll_deny_tcp,
                                  .allow_connect_ports = p->ll_net_allow ? allow_ports : NULL,
                                  .scope_signals_and_abstract_unix = p->ll_scope,
                                  .skip_fs = p->ll_skip_fs};
    struct pd_landlock_result res;
    if (pd_landlock_apply(&req, &res, err) < 0) {
        if (p->refuse_degraded || res.abi != 0)
            return pd_wrap(err, "agent policy: landlock (dev.paddock.fallback=auto accepts "
                                "running without it)");
        pd_log(PD_LOG_WARN, "agent policy: landlock unavailable, running without it "
                            "(dev.paddock.fallback=auto)");
        pd_error_free(*err);
        *err = NULL;
        return 0;
    }
    if (res.lost[0] != '\0') {
        if (p->refuse_degraded)
            return pd_failx(err, "agent policy: landlock ABI %d can't give: %s "
                            "(dev.paddock.fallback=auto accepts that)", res.abi, res.lost);
        pd_log(PD_LOG_WARN, "agent policy: landlock ABI %d: %s", res.abi, res.lost);
    }
    return 0;
}
