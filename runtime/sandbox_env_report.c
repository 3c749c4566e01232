/* paddock: what the environment (sandbox_env.h) changes in a sandbox's
 * report: every layer container-boundary mode loses or keeps, and the
 * partial degradations of full mode.  Pure.  See sandbox_report.h. */
#define _GNU_SOURCE
#include "sandbox_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_env.h"
#include "util.h"

static void set(struct pd_sandbox_report *r, enum pd_layer l, enum pd_layer_state st,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set(struct pd_sandbox_report *r, enum pd_layer l, enum pd_layer_state st,
                const char *fmt, ...)
{
    free(r->layers[l].reason);
    r->layers[l].state = st;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r->layers[l].reason, fmt, ap) < 0)
        abort();
    va_end(ap);
}

static void lost(struct pd_sandbox_report *r, enum pd_layer l)
{
    size_t n = pd_strv_len(r->fallback_lost);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r->fallback_lost[i], pd_layer_name(l)) == 0)
            return;
    r->fallback_lost = pd_xrealloc(r->fallback_lost, (n + 2) * sizeof(char *));
    r->fallback_lost[n] = pd_xstrdup(pd_layer_name(l));
    r->fallback_lost[n + 1] = NULL;
}

static void absent(struct pd_sandbox_report *r, enum pd_layer l, const char *why)
{
    set(r, l, PD_LAYER_ABSENT, "container-boundary: %s", why);
    lost(r, l);
}

static void landlock(const struct pd_report_input *in, const struct pd_sandbox_env *e,
                     struct pd_sandbox_report *r)
{
    const struct pd_agent_policy *p = in->policy;
    bool danger = p->sandbox == PD_SANDBOX_DANGER_FULL_ACCESS;
    /* allow has no proxy here: it runs as none (PD_SANDBOX_ENV_ALLOW_LOST) */
    bool none = p->network == PD_NETWORK_NONE || p->network == PD_NETWORK_ALLOW;
    int abi = e->landlock_abi;
    r->landlock_in_use = abi > 0 && (!danger || none) ? abi : 0;
    if (abi == 0) {
        for (int l = PD_LAYER_LANDLOCK_FS; l <= PD_LAYER_LANDLOCK_SCOPE; l++)
            absent(r, (enum pd_layer)l, "the kernel has no landlock");
        return;
    }
    if (danger)
        set(r, PD_LAYER_LANDLOCK_FS, PD_LAYER_ABSENT, "danger-full-access");
    else
        set(r, PD_LAYER_LANDLOCK_FS, PD_LAYER_ACTIVE, "ABI %d: writes only under the writable "
            "roots, a private TMPDIR, /dev/null and the like%s", abi,
            abi >= 7 ? "; denials logged to the audit log" : "");
    if (!none)
        set(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ABSENT, "network %s: TCP is not restricted",
            pd_network_mode_name(p->network));
    else if (abi < 4)
        absent(r, PD_LAYER_LANDLOCK_NET, "landlock ABI < 4 has no TCP rules: the host's network");
    else
        set(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ACTIVE, "TCP bind and connect denied (the host's "
            "network namespace); other IP sockets refused by seccomp");
    if (abi < 6)
        absent(r, PD_LAYER_LANDLOCK_SCOPE, "landlock ABI < 6 has no scoping: signals and "
               "abstract unix sockets reach the processes around it");
    else if (danger && !none)
        set(r, PD_LAYER_LANDLOCK_SCOPE, PD_LAYER_ABSENT, "danger-full-access");
    else
        set(r, PD_LAYER_LANDLOCK_SCOPE, PD_LAYER_ACTIVE, "no signals to, nor abstract unix "
            "sockets of, processes outside (in place of the PID and network namespaces)");
}

static void boundary(const struct pd_report_input *in, const struct pd_sandbox_env *e,
                     struct pd_sandbox_report *r)
{
    static const enum pd_layer ns[] = {PD_LAYER_USER_NS, PD_LAYER_MOUNT_NS, PD_LAYER_PID_NS,
                                       PD_LAYER_IPC_NS, PD_LAYER_UTS_NS, PD_LAYER_NET_NS};
    for (size_t i = 0; i < PD_ARRAY_SIZE(ns); i++)
        if (ns[i] != PD_LAYER_NET_NS || in->policy->network == PD_NETWORK_NONE)
            absent(r, ns[i], "no new namespaces");
    if (in->policy->network == PD_NETWORK_ALLOW) { /* what runs is none: say so */
        absent(r, PD_LAYER_NET_NS, "no network namespace: network allow: "
               PD_SANDBOX_ENV_ALLOW_LOST);
        free(r->network);
        r->network = pd_xstrdup("none");
    }
    bool ww = in->policy->sandbox == PD_SANDBOX_WORKSPACE_WRITE;
    bool danger = in->policy->sandbox == PD_SANDBOX_DANGER_FULL_ACCESS;
    if (!danger) {
        absent(r, PD_LAYER_RO_ROOT, "no read-only mounts without a mount namespace (landlock-fs "
               "limits writes instead)");
        absent(r, PD_LAYER_UNIX_SOCKETS, "the host's pathname unix sockets can't be covered "
               "without a mount namespace");
    }
    if (ww) {
        absent(r, PD_LAYER_PROTECTED, "read-only paths inside a writable root need a mount "
               "namespace; landlock can't carve them out");
        /* the read-only binds are not made: every one there is writable */
        size_t n = pd_strv_len(r->unprotected), k = pd_strv_len(r->protected_);
        r->unprotected = pd_xrealloc(r->unprotected, (n + k + 1) * sizeof(char *));
        for (size_t i = 0; i < k; i++)
            r->unprotected[n + i] = r->protected_[i];
        r->unprotected[n + k] = NULL;
        r->protected_[0] = NULL;
    }
    r->n_uid_map = r->n_gid_map = 0; /* no user namespace: the caller's own ids */
    absent(r, PD_LAYER_PROC, "the host's /proc, unmasked (landlock-fs denies writes to it; "
           "no capability to read /proc/kcore)");
    if (in->cfg->process.user.uid == 0)
        set(r, PD_LAYER_CAPS, PD_LAYER_ACTIVE, "every capability dropped (bounding and ambient "
            "too)");
    else
        set(r, PD_LAYER_CAPS, PD_LAYER_ACTIVE, "no capability in the effective, permitted, "
            "inheritable and ambient sets; the bounding set stays (clearing it needs "
            "CAP_SETPCAP), which no_new_privs makes harmless");
    if (!e->seccomp)
        absent(r, PD_LAYER_SECCOMP, "no seccomp filter can be installed here");
    if (e->keyring_blocked)
        set(r, PD_LAYER_KEYRING, PD_LAYER_ACTIVE, "keyctl(2) is blocked here, and by the "
            "agent profile");
    landlock(in, e, r);
    if (r->has_memory || r->has_pids || r->has_cpus) {
        free(r->limits_by);
        r->limits_by = pd_xstrdup(r->has_memory ? "rlimits" : "none");
        set(r, PD_LAYER_LIMITS, PD_LAYER_DEGRADED, "container-boundary: no cgroup; %s%s%s",
            r->has_memory ? "--memory as RLIMIT_AS (per process)" : "",
            r->has_pids ? (r->has_memory ? ", --pids not enforced" : "--pids not enforced") : "",
            r->has_cpus ? ", --cpus not enforced" : "");
        lost(r, PD_LAYER_LIMITS);
    }
}

static void full(const struct pd_report_input *in, const struct pd_sandbox_env *e,
                 struct pd_sandbox_report *r)
{
    if (e->proc_bind && in->policy != NULL && in->policy->fallback == PD_FALLBACK_REFUSE) {
        size_t n = pd_strv_len(r->refused);
        r->refused = pd_xrealloc(r->refused, (n + 2) * sizeof(char *));
        r->refused[n] = pd_xasprintf("%s, and the fallback is refuse", e->proc_why);
        r->refused[n + 1] = NULL;
        r->starts = false;
    }
    if (e->proc_bind) {
        /* the bind of /proc is not a writable root (readonlyPaths, landlock) */
        size_t k = 0;
        for (size_t i = 0; r->writable[i] != NULL; i++) {
            if (strcmp(r->writable[i], "/proc") == 0)
                free(r->writable[i]);
            else
                r->writable[k++] = r->writable[i];
        }
        r->writable[k] = NULL;
        set(r, PD_LAYER_PROC, PD_LAYER_DEGRADED, "no new /proc can be mounted here: the "
            "existing one is bound, masks applied (the sandbox sees the processes around it)");
    }
    if (e->single_ids && r->layers[PD_LAYER_USER_NS].state == PD_LAYER_ACTIVE &&
        e->degraded[0] != NULL)
        for (size_t i = 0; e->degraded[i] != NULL; i++)
            if (strncmp(e->degraded[i], "user-ns:", 8) == 0)
                set(r, PD_LAYER_USER_NS, PD_LAYER_ACTIVE, "%s", e->degraded[i] + 9);
}

void pd_sandbox_env_report(const struct pd_report_input *in, const struct pd_host_facts *h,
                           struct pd_sandbox_report *r)
{
    (void)h;
    const struct pd_sandbox_env *e = in->env;
    if (!e->probed)
        return;
    r->env_mode = pd_xstrdup(pd_sandbox_env_mode(e));
    r->env_reason = e->why ? pd_xstrdup(e->why) : NULL;
    r->env_fixes = pd_strv_dup(e->fixes);
    r->env_degraded = pd_strv_dup(e->degraded);
    r->env_container = e->container ? pd_xstrdup(e->container) : NULL;
    if (!e->boundary || in->policy == NULL) {
        full(in, e, r);
        return;
    }
    boundary(in, e, r);
    /* with refuse, or nearly unconfined, it does not start: say why */
    const char *unconfined = pd_sandbox_env_unconfined(e, in->policy->sandbox ==
                                                       PD_SANDBOX_DANGER_FULL_ACCESS,
                                                       in->policy->network != PD_NETWORK_HOST);
    char *why = in->policy->fallback == PD_FALLBACK_REFUSE
                    ? pd_xasprintf("container-boundary mode and the fallback is refuse: %s", e->why)
                : unconfined ? pd_xstrdup(unconfined) : NULL;
    if (why != NULL) {
        size_t n = pd_strv_len(r->refused);
        r->refused = pd_xrealloc(r->refused, (n + 2) * sizeof(char *));
        r->refused[n] = why;
        r->refused[n + 1] = NULL;
        r->starts = false;
    }
}

void pd_sandbox_env_report_free(struct pd_sandbox_report *r)
{
    free(r->env_mode);
    free(r->env_reason);
    pd_strv_free(r->env_fixes);
    pd_strv_free(r->env_degraded);
    free(r->env_container);
    r->env_mode = r->env_reason = r->env_container = NULL;
    r->env_fixes = r->env_degraded = NULL;
}
