/* paddock sandbox: the mode of a sandbox in this environment.  See sandbox_env.h. */
#define _GNU_SOURCE
#include "sandbox_env.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_audit.h"
#include "util.h"

static void add(char ***v, char *s) /* takes s */
{
    size_t n = pd_strv_len(*v);
    *v = pd_xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

/* The checks a full sandbox of o can't do without, in the order its setup
 * needs them. */
static size_t needed(const struct pd_sandbox_opts *o, enum pd_env_check *out)
{
    static const enum pd_env_check base[] = {
        PD_ENV_USERNS, PD_ENV_GID_MAP, PD_ENV_UID_MAP, PD_ENV_MOUNT_NS, PD_ENV_PID_NS,
        PD_ENV_IPC_NS, PD_ENV_UTS_NS, PD_ENV_MOUNT_TMPFS, PD_ENV_PIVOT_ROOT,
    };
    size_t n = 0;
    for (size_t i = 0; i < PD_ARRAY_SIZE(base); i++) {
        out[n++] = base[i];
        if (base[i] == PD_ENV_UTS_NS && pd_sandbox_network_none(o))
            out[n++] = PD_ENV_NET_NS;
    }
    return n;
}

static char *not_done(const struct pd_envprobe *p, enum pd_env_check c)
{
    const struct pd_env_result *r = &p->r[c];
    if (r->state == PD_ENV_FAILED)
        return pd_envprobe_describe(p, c);
    return pd_xasprintf("%s: %s", pd_env_check_name(c),
                        r->detail ? r->detail : "the probe did not get there");
}

/* The first step the probe could not do is the one that failed: a skipped
 * check was skipped because of it. */
static enum pd_env_check first_failure(const struct pd_envprobe *p, enum pd_env_check c)
{
    for (int i = 0; i <= (int)c; i++)
        if (p->r[i].state == PD_ENV_FAILED && i != PD_ENV_NEWUIDMAP && i != PD_ENV_NEWGIDMAP &&
            i != PD_ENV_ID_RANGES && i != PD_ENV_LOOPBACK && i != PD_ENV_MOUNT_SYSFS &&
            i != PD_ENV_MOUNT_OVERLAY && i != PD_ENV_MOUNT_PROC && i != PD_ENV_SETGROUPS)
            return (enum pd_env_check)i;
    return c;
}

/* subids: --map-subids (a caller other than root maps its ranges only then) */
static void partial(const struct pd_envprobe *p, bool subids, struct pd_sandbox_env *e)
{
    if (p->r[PD_ENV_MOUNT_PROC].state != PD_ENV_OK) {
        _cleanup_free_ char *why = not_done(p, PD_ENV_MOUNT_PROC);
        e->proc_bind = true;
        e->proc_why = pd_xasprintf("a new /proc can't be mounted here (%s); binding the "
                                   "existing one would show the sandbox the processes around "
                                   "it", why);
        pd_strv_free(e->fixes);
        e->fixes = pd_envprobe_fixes(p, PD_ENV_MOUNT_PROC);
        add(&e->degraded, pd_xasprintf("proc-masking: a new /proc can't be mounted (%s); the "
                                       "existing one is bound, its masks applied, so the "
                                       "sandbox sees the processes around it", why));
    }
    /* /etc/passwd, /etc/subuid and /etc/subgid are read only when asked for */
    unsigned long long sub[4] = {0, 0, 0, 0};
    if (p->uid != 0 && subids)
        pd_envprobe_subids(p, sub);
    bool ranges_wanted = p->uid == 0 || (subids && sub[1] > 0 && sub[3] > 0);
    bool ranges_ok = pd_env_ok(p, PD_ENV_ID_RANGES);
    if (ranges_wanted && !ranges_ok) {
        enum pd_env_check c = p->uid != 0 && !pd_env_ok(p, PD_ENV_NEWUIDMAP) ? PD_ENV_NEWUIDMAP
                              : p->uid != 0 && !pd_env_ok(p, PD_ENV_NEWGIDMAP) ? PD_ENV_NEWGIDMAP
                              : PD_ENV_ID_RANGES;
        _cleanup_free_ char *why = not_done(p, c);
        e->single_ids = true;
        add(&e->degraded, pd_xasprintf("user-ns: id ranges can't be mapped (%s); only uid %u "
                                       "and gid %u are mapped", why, (unsigned)p->uid,
                                       (unsigned)p->gid));
    } else if (!ranges_ok) {
        e->single_ids = true; /* nothing more to map: not a degradation */
    }
}

void pd_sandbox_env_decide(const struct pd_sandbox_opts *o, const struct pd_envprobe *p,
                           struct pd_sandbox_env *e)
{
    memset(e, 0, sizeof(*e));
    e->probed = true;
    e->fixes = pd_xcalloc(1, sizeof(char *));
    e->degraded = pd_xcalloc(1, sizeof(char *));
    e->container = p->container ? pd_xstrdup(p->container) : NULL;
    e->landlock_abi = p->landlock_abi;
    e->seccomp = pd_env_ok(p, PD_ENV_SECCOMP);
    e->keyring_blocked = p->seccomp_mode == 2 && p->unshare_filtered != 0;
    e->accept_host_network = o->accept_host_network;
    enum pd_env_check need[16];
    size_t n = needed(o, need);
    for (size_t i = 0; i < n; i++) {
        if (pd_env_ok(p, need[i]))
            continue;
        e->boundary = true;
        e->failed = first_failure(p, need[i]);
        e->why = not_done(p, e->failed);
        pd_strv_free(e->fixes);
        e->fixes = pd_envprobe_fixes(p, e->failed);
        return;
    }
    partial(p, o->map_subids, e);
}

int pd_sandbox_env_get(const struct pd_sandbox_opts *o, struct pd_sandbox_env *e, pd_error **err)
{
    struct pd_envprobe p;
    if (pd_envprobe_get(&p, false, err) < 0)
        return -1;
    pd_sandbox_env_decide(o, &p, e);
    pd_envprobe_free(&p);
    return 0;
}

void pd_sandbox_env_free(struct pd_sandbox_env *e)
{
    if (e == NULL)
        return;
    free(e->why);
    free(e->proc_why);
    pd_strv_free(e->fixes);
    pd_strv_free(e->degraded);
    free(e->container);
    memset(e, 0, sizeof(*e));
}

static int refuse(pd_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(pd_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    pd_failx(err, "%s", msg);
    free(msg);
    if (err != NULL && *err != NULL)
        (*err)->exit_code = PD_EXIT_RUNTIME;
    return -1;
}

static char *fixes_text(const struct pd_sandbox_env *e)
{
    char *s = pd_xstrdup("");
    for (size_t i = 0; e->fixes[i] != NULL; i++) {
        char *t = pd_xasprintf("%s\n  fix: %s", s, e->fixes[i]);
        free(s);
        s = t;
    }
    return s;
}

int pd_sandbox_env_allowed(const struct pd_sandbox_opts *o, const struct pd_sandbox_env *e,
                           pd_error **err)
{
    if (e == NULL)
        return 0;
    if (!e->boundary && e->proc_bind && o->fallback == PD_FALLBACK_REFUSE) {
        _cleanup_free_ char *fixes = fixes_text(e);
        return refuse(err, "sandbox: %s%s\n  or: --fallback auto (dev.paddock.fallback=auto) "
                      "accepts binding the existing /proc", e->proc_why, fixes);
    }
    if (!e->boundary)
        return 0;
    _cleanup_free_ char *fixes = fixes_text(e);
    bool allow = o->network == PD_NETWORK_ALLOW;
    if (o->fallback == PD_FALLBACK_REFUSE)
        return refuse(err, "sandbox: the namespaces a sandbox needs can't be made here: %s%s%s"
                      "\n  or: --fallback auto (dev.paddock.fallback=auto) runs it in "
                      "container-boundary mode: no namespaces, but landlock, seccomp, "
                      "no_new_privs and no capabilities%s (`paddock status --fallback auto` says "
                      "what is lost)", e->why,
                      allow ? "; network allow needs a network namespace for its egress proxy, "
                              "so it can't be enforced here either" : "",
                      fixes, allow ? "; network allow runs as network none there (no TCP)" : "");
    const char *why = pd_sandbox_env_unconfined(e, o->mode == PD_SANDBOX_DANGER_FULL_ACCESS,
                                                pd_sandbox_network_none(o));
    if (why != NULL)
        return refuse(err, "sandbox: %s (%s)%s", why, e->why, fixes);
    return 0;
}

void pd_sandbox_env_warn_degraded(const struct pd_sandbox_env *e)
{
    for (size_t i = 0; e != NULL && e->degraded != NULL && e->degraded[i] != NULL; i++)
        pd_warn("sandbox: degraded %s", e->degraded[i]);
}

void pd_sandbox_env_audit_degraded(const struct pd_sandbox_env *e, struct pd_audit *audit,
                                   const char *id)
{
    for (size_t i = 0; e != NULL && e->degraded != NULL && e->degraded[i] != NULL; i++) {
        const char *d = e->degraded[i], *colon = strchr(d, ':');
        _cleanup_free_ char *layer = colon ? pd_xasprintf("%.*s", (int)(colon - d), d)
                                           : pd_xstrdup("degraded");
        pd_sandbox_audit_fallback(audit, id, layer, colon ? colon + 2 : d);
    }
}

const char *pd_sandbox_env_unconfined(const struct pd_sandbox_env *e, bool danger,
                                      bool network_none)
{
    if (!e->boundary)
        return NULL;
    if (e->landlock_abi == 0 && !danger)
        return "container-boundary mode needs landlock to limit writes, and this kernel has "
               "none: it would run unconfined";
    if (network_none && e->landlock_abi < 4 && !e->accept_host_network)
        return "network none needs a network namespace or landlock TCP rules (ABI 4), and "
               "neither is there: it would get the host's network (the system policy can "
               "accept that: \"host_network_without_netns\": true)";
    return NULL;
}

char *pd_sandbox_env_lost_line(const struct pd_sandbox_opts *o, const struct pd_sandbox_env *e)
{
    bool none = pd_sandbox_network_none(o);
    bool ww = o->mode == PD_SANDBOX_WORKSPACE_WRITE;
    return pd_xasprintf(
        "sandbox: container-boundary mode (%s): lost: the user, mount, PID, IPC, UTS%s "
        "namespaces, the read-only mounts (landlock limits writes instead)%s, the masking of "
        "host unix sockets and of /proc, the private /tmp (a private TMPDIR instead)%s; "
        "processes it leaves behind are killed when it ends (if paddock is SIGKILLed, by the "
        "next sandbox run, but for those that made a session of their own); "
        "kept: landlock%s, %s, no_new_privs, no capabilities, setsid, closed fds, the "
        "environment deny-list",
        e->why, none ? " and network" : "", ww ? ", the protected paths" : "",
        !none ? ""
        : o->network == PD_NETWORK_ALLOW ? "; network allow (" PD_SANDBOX_ENV_ALLOW_LOST ")"
                                         : "; the host's network, TCP denied by landlock and "
                                           "other IP sockets by seccomp",
        e->landlock_abi >= 6 ? " (with scoping)" : "",
        e->seccomp ? "the agent seccomp profile" : "NO seccomp (filters can't be installed)");
}
