/* paddock: the layers of a sandbox, computed (pure).  See sandbox_report.h. */
#define _GNU_SOURCE
#include "sandbox_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "caps.h"
#include "seccomp_profile.h"
#include "util.h"

static const char *const layer_names[PD_LAYER__COUNT] = {
    [PD_LAYER_USER_NS] = "user-ns",
    [PD_LAYER_MOUNT_NS] = "mount-ns",
    [PD_LAYER_PID_NS] = "pid-ns",
    [PD_LAYER_IPC_NS] = "ipc-ns",
    [PD_LAYER_UTS_NS] = "uts-ns",
    [PD_LAYER_NET_NS] = "network-ns",
    [PD_LAYER_RO_ROOT] = "read-only-root",
    [PD_LAYER_PROTECTED] = "protected-paths",
    [PD_LAYER_CAPS] = "capabilities",
    [PD_LAYER_NNP] = "no-new-privs",
    [PD_LAYER_SECCOMP] = "seccomp",
    [PD_LAYER_LANDLOCK_FS] = "landlock-fs",
    [PD_LAYER_LANDLOCK_NET] = "landlock-net",
    [PD_LAYER_LANDLOCK_SCOPE] = "landlock-scope",
    [PD_LAYER_UNIX_SOCKETS] = "unix-sockets",
    [PD_LAYER_SETSID] = "setsid",
    [PD_LAYER_KEYRING] = "session-keyring",
    [PD_LAYER_PROC] = "proc-masking",
    [PD_LAYER_LIMITS] = "limits",
};

const char *pd_layer_name(enum pd_layer l)
{
    return (unsigned)l < PD_LAYER__COUNT ? layer_names[l] : "?";
}

const char *pd_layer_state_name(enum pd_layer_state s)
{
    return s == PD_LAYER_ACTIVE ? "active" : s == PD_LAYER_DEGRADED ? "degraded" : "absent";
}

/* ---- small helpers ---- */

static void strv_add(char ***v, char *s) /* takes s */
{
    size_t n = pd_strv_len(*v);
    *v = pd_xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

static bool strv_has(char *const *v, const char *s)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* "a, b, c" of at most 4 entries, then ", ... (N in all)". */
static char *strv_join_short(char *const *v)
{
    size_t n = pd_strv_len(v);
    char *s = pd_xstrdup("");
    for (size_t i = 0; i < n && i < 4; i++) {
        char *t = pd_xasprintf("%s%s%s", s, i ? ", " : "", v[i]);
        free(s);
        s = t;
    }
    if (n > 4) {
        char *t = pd_xasprintf("%s, ... (%zu in all)", s, n);
        free(s);
        s = t;
    }
    return s;
}

static void set_layer(struct pd_sandbox_report *r, enum pd_layer l, enum pd_layer_state st,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_layer(struct pd_sandbox_report *r, enum pd_layer l, enum pd_layer_state st,
                      const char *fmt, ...)
{
    free(r->layers[l].reason);
    r->layers[l].reason = NULL;
    r->layers[l].state = st;
    if (fmt == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r->layers[l].reason, fmt, ap) < 0)
        abort();
    va_end(ap);
}

static bool has_option(const struct pd_mount *m, const char *opt)
{
    return strv_has(m->options, opt);
}

static bool is_bind(const struct pd_mount *m)
{
    return (m->type != NULL && strcmp(m->type, "bind") == 0) || has_option(m, "bind") ||
           has_option(m, "rbind");
}

/* path is dir or below it (dir "/" holds everything). */
static bool path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The mount that decides what is at path: the last one at path or above. */
static const struct pd_mount *effective_mount(const struct pd_config *cfg, const char *path)
{
    const struct pd_mount *m = NULL;
    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (cfg->mounts[i].destination != NULL && path_under(path, cfg->mounts[i].destination))
            m = &cfg->mounts[i];
    return m;
}

static bool root_is_host(const struct pd_config *cfg)
{
    return cfg->root.path != NULL && strcmp(cfg->root.path, "/") == 0;
}

/* Is path read-only (or masked) inside? */
static bool read_only_inside(const struct pd_config *cfg, const char *path)
{
    const struct pd_mount *m = effective_mount(cfg, path);
    if (m == NULL)
        return cfg->root.readonly;
    if (has_option(m, "ro"))
        return true;
    return is_bind(m) && m->source != NULL && strcmp(m->source, "/dev/null") == 0;
}

/* ---- namespaces ---- */

static const struct pd_namespace *find_ns(const struct pd_config *cfg, enum pd_ns_type t)
{
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        if (cfg->linux_.namespaces[i].type == t)
            return &cfg->linux_.namespaces[i];
    return NULL;
}

static void ns_layers(const struct pd_report_input *in, const struct pd_host_facts *h,
                      struct pd_sandbox_report *r)
{
    static const struct { enum pd_layer l; enum pd_ns_type t; } map[] = {
        {PD_LAYER_USER_NS, PD_NS_USER}, {PD_LAYER_MOUNT_NS, PD_NS_MOUNT},
        {PD_LAYER_PID_NS, PD_NS_PID},   {PD_LAYER_IPC_NS, PD_NS_IPC},
        {PD_LAYER_UTS_NS, PD_NS_UTS},   {PD_LAYER_NET_NS, PD_NS_NET},
    };
    const struct pd_observed *o = in->observed;
    for (size_t i = 0; i < PD_ARRAY_SIZE(map); i++) {
        const struct pd_namespace *ns = find_ns(in->cfg, map[i].t);
        if (ns == NULL)
            set_layer(r, map[i].l, PD_LAYER_ABSENT, "%s",
                      map[i].t == PD_NS_NET ? "host network" : "shares the host's");
        else if (ns->path != NULL)
            set_layer(r, map[i].l, PD_LAYER_DEGRADED, "joins %s", ns->path);
        else if (map[i].t == PD_NS_USER && !h->userns)
            set_layer(r, map[i].l, PD_LAYER_ABSENT, "kernel: %s",
                      h->userns_reason ? h->userns_reason : "no user namespaces");
        else
            set_layer(r, map[i].l, PD_LAYER_ACTIVE, map[i].t == PD_NS_NET && in->policy != NULL
                      && in->policy->network == PD_NETWORK_NONE ? "only lo" : NULL);
        if (ns != NULL && o != NULL && o->valid && o->ns_known[map[i].t] && !o->ns_own[map[i].t])
            set_layer(r, map[i].l, PD_LAYER_DEGRADED, "the config asks for one, but pid %d "
                      "shares the caller's", (int)o->pid);
    }
}

/* ---- filesystem ---- */

static void writable_roots(const struct pd_config *cfg, struct pd_sandbox_report *r)
{
    r->writable = pd_xcalloc(1, sizeof(char *));
    if (!cfg->root.readonly)
        strv_add(&r->writable, pd_xstrdup("/"));
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct pd_mount *m = &cfg->mounts[i];
        if (!is_bind(m) || has_option(m, "ro") || m->destination == NULL ||
            effective_mount(cfg, m->destination) != m ||
            (m->source != NULL && strncmp(m->source, "/dev/", 5) == 0))
            continue;
        bool inside = false;
        for (size_t j = 0; r->writable[j] != NULL; j++)
            inside |= path_under(m->destination, r->writable[j]);
        if (!inside)
            strv_add(&r->writable, pd_xstrdup(m->destination));
    }
}

static void check_protected(const struct pd_config *cfg, const struct pd_host_facts *h,
                            const char *path, struct pd_sandbox_report *r)
{
    if (strv_has(r->protected_, path) || strv_has(r->unprotected, path) ||
        strv_has(r->missing, path))
        return;
    if (read_only_inside(cfg, path))
        strv_add(&r->protected_, pd_xstrdup(path));
    else if (h->exists != NULL && h->exists(path))
        strv_add(&r->unprotected, pd_xstrdup(path));
    else
        strv_add(&r->missing, pd_xstrdup(path));
}

static void protected_layer(const struct pd_report_input *in, const struct pd_host_facts *h,
                            struct pd_sandbox_report *r)
{
    r->protected_ = pd_xcalloc(1, sizeof(char *));
    r->unprotected = pd_xcalloc(1, sizeof(char *));
    r->missing = pd_xcalloc(1, sizeof(char *));
    const struct pd_agent_policy *p = in->policy;
    if (p == NULL) {
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_ABSENT, "no agent policy");
        return;
    }
    if (p->sandbox == PD_SANDBOX_DANGER_FULL_ACCESS) {
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_ABSENT, "danger-full-access protects nothing");
        return;
    }
    for (size_t i = 0; r->writable[i] != NULL; i++) {
        const char *root = r->writable[i];
        for (size_t j = 0; j < p->n_protected_paths; j++) {
            const char *pp = p->protected_paths[j];
            if (pp[0] == '/') {
                if (path_under(pp, root))
                    check_protected(in->cfg, h, pp, r);
                continue;
            }
            _cleanup_free_ char *path = pd_xasprintf("%s/%s", strcmp(root, "/") ? root : "", pp);
            check_protected(in->cfg, h, path, r);
        }
    }
    _cleanup_free_ char *miss = strv_join_short(r->missing);
    if (r->unprotected[0] != NULL) {
        _cleanup_free_ char *s = strv_join_short(r->unprotected);
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_DEGRADED, "writable inside: %s", s);
    } else if (r->writable[0] == NULL) {
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_ACTIVE, "no writable root");
    } else if (r->missing[0] != NULL) {
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_ACTIVE, "%zu read-only; not there (so not "
                  "covered): %s", pd_strv_len(r->protected_), miss);
    } else {
        set_layer(r, PD_LAYER_PROTECTED, PD_LAYER_ACTIVE, "%zu read-only",
                  pd_strv_len(r->protected_));
    }
}

/* Can a connect() inside reach the host socket at path? */
static bool socket_reachable(const struct pd_config *cfg, const char *path)
{
    const struct pd_mount *m = effective_mount(cfg, path);
    if (m == NULL)
        return root_is_host(cfg);
    if (!is_bind(m) || m->source == NULL)
        return false;
    const char *rest = path + strlen(m->destination);
    while (*rest == '/')
        rest++;
    const char *src = m->source;
    _cleanup_free_ char *host = pd_xasprintf("%s%s%s", src, *rest && src[strlen(src) - 1] != '/'
                                             ? "/" : "", rest);
    return strcmp(host, path) == 0;
}

static void sockets_layer(const struct pd_report_input *in, const struct pd_host_facts *h,
                          struct pd_sandbox_report *r)
{
    r->reachable_sockets = pd_xcalloc(1, sizeof(char *));
    for (size_t i = 0; h->host_sockets != NULL && h->host_sockets[i] != NULL; i++) {
        const char *s = h->host_sockets[i];
        if (strv_has((char *const *)in->allow_unix_socket, s))
            continue;
        r->n_sockets++;
        if (socket_reachable(in->cfg, s))
            strv_add(&r->reachable_sockets, pd_xstrdup(s));
    }
    size_t n = pd_strv_len(r->reachable_sockets);
    _cleanup_free_ char *list = strv_join_short(r->reachable_sockets);
    size_t allowed = pd_strv_len((char *const *)in->allow_unix_socket);
    if (n == 0)
        set_layer(r, PD_LAYER_UNIX_SOCKETS, PD_LAYER_ACTIVE, "%zu host sockets, none reachable"
                  "%s", r->n_sockets, allowed ? " but the allowed ones" : "");
    else if (in->policy != NULL && in->policy->sandbox == PD_SANDBOX_DANGER_FULL_ACCESS)
        set_layer(r, PD_LAYER_UNIX_SOCKETS, PD_LAYER_ABSENT, "danger-full-access masks nothing");
    else if (n == r->n_sockets)
        set_layer(r, PD_LAYER_UNIX_SOCKETS, PD_LAYER_ABSENT, "all %zu reachable: %s", n, list);
    else
        set_layer(r, PD_LAYER_UNIX_SOCKETS, PD_LAYER_DEGRADED, "%zu of %zu reachable: %s", n,
                  r->n_sockets, list);
}

static void proc_layer(const struct pd_config *cfg, struct pd_sandbox_report *r)
{
    bool masked = strv_has(cfg->linux_.masked_paths, "/proc/kcore");
    bool sys_ro = strv_has(cfg->linux_.readonly_paths, "/proc/sys");
    size_t nm = cfg->linux_.n_masked_paths, nr = cfg->linux_.n_readonly_paths;
    const struct pd_mount *proc = effective_mount(cfg, "/proc");
    if (masked && sys_ro && proc != NULL && is_bind(proc))
        set_layer(r, PD_LAYER_PROC, PD_LAYER_DEGRADED, "/proc is bound from outside, not a new "
                  "one (the processes around it are visible); %zu masked, %zu read-only paths",
                  nm, nr);
    else if (masked && sys_ro)
        set_layer(r, PD_LAYER_PROC, PD_LAYER_ACTIVE, "%zu masked, %zu read-only paths", nm, nr);
    else if (nm + nr > 0)
        set_layer(r, PD_LAYER_PROC, PD_LAYER_DEGRADED, "%s", masked ? "/proc/sys is writable"
                  : "/proc/kcore is not masked");
    else
        set_layer(r, PD_LAYER_PROC, PD_LAYER_ABSENT, "no masked or read-only paths");
}

/* ---- process ---- */

static bool seccomp_equal(const struct pd_seccomp *a, const struct pd_seccomp *b)
{
    if (a->default_action != b->default_action || a->n_syscalls != b->n_syscalls ||
        a->has_default_errno_ret != b->has_default_errno_ret ||
        a->default_errno_ret != b->default_errno_ret)
        return false;
    for (size_t i = 0; i < a->n_syscalls; i++) {
        const struct pd_seccomp_syscall *x = &a->syscalls[i], *y = &b->syscalls[i];
        if (x->action != y->action || x->n_names != y->n_names || x->n_args != y->n_args ||
            x->has_errno_ret != y->has_errno_ret || x->errno_ret != y->errno_ret)
            return false;
        for (size_t j = 0; j < x->n_names; j++)
            if (strcmp(x->names[j], y->names[j]) != 0)
                return false;
        for (size_t j = 0; j < x->n_args; j++)
            if (x->args[j].index != y->args[j].index || x->args[j].value != y->args[j].value ||
                x->args[j].value_two != y->args[j].value_two || x->args[j].op != y->args[j].op)
                return false;
    }
    return true;
}

static int seccomp_layer(const struct pd_report_input *in, const struct pd_host_facts *h,
                         struct pd_sandbox_report *r, pd_error **err)
{
    const struct pd_seccomp *sc = in->cfg->linux_.seccomp;
    const char *builtin = in->cfg->linux_.seccomp_builtin;
    if (sc == NULL && builtin == NULL) {
        r->seccomp = pd_xstrdup("none");
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_ABSENT, "the config has no linux.seccomp");
        return 0;
    }
    bool agent_default = builtin != NULL ? strcmp(builtin, PD_SECCOMP_PROFILE_DEFAULT) == 0
                                         : in->seccomp_builtin;
    if (!agent_default && sc != NULL) {
        struct pd_seccomp *def = NULL;
        if (pd_seccomp_profile_builtin(PD_SECCOMP_PROFILE_DEFAULT, &def, err) < 0)
            return -1;
        agent_default = seccomp_equal(sc, def);
        pd_seccomp_profile_free(def);
    }
    r->seccomp = pd_xstrdup(agent_default ? PD_SECCOMP_PROFILE_DEFAULT : "custom");
    if (!h->seccomp)
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_ABSENT, "kernel: no seccomp");
    else if (agent_default && in->policy != NULL && in->policy->nested_userns)
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_ACTIVE, "%s, but new user namespaces and the "
                  "mount family allowed (nested-userns=allow)", PD_SECCOMP_PROFILE_DEFAULT);
    else if (agent_default)
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_ACTIVE, "%s", PD_SECCOMP_PROFILE_DEFAULT);
    else if (in->policy != NULL)
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_DEGRADED, "a custom profile (%zu rules), not "
                  "%s", sc != NULL ? sc->n_syscalls : 0, PD_SECCOMP_PROFILE_DEFAULT);
    else
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_ACTIVE, "custom profile, %zu rules",
                  sc != NULL ? sc->n_syscalls : 0);
    const struct pd_observed *o = in->observed;
    if (o != NULL && o->valid && o->seccomp != 2)
        set_layer(r, PD_LAYER_SECCOMP, PD_LAYER_DEGRADED, "the config has a filter, but pid %d "
                  "runs without one", (int)o->pid);
    return 0;
}

static char *cap_names(uint64_t mask)
{
    char **v = pd_xcalloc(1, sizeof(char *));
    for (int i = 0; i < 64; i++) {
        if (!(mask & (1ULL << i)))
            continue;
        char *n = pd_cap_name(i);
        strv_add(&v, n != NULL ? n : pd_xasprintf("cap %d", i));
    }
    char *s = strv_join_short(v);
    pd_strv_free(v);
    return s;
}

static void process_layers(const struct pd_report_input *in, const struct pd_host_facts *h,
                           struct pd_sandbox_report *r)
{
    const struct pd_process *p = &in->cfg->process;
    const struct pd_observed *o = in->observed;
    bool obs = o != NULL && o->valid;
    const struct pd_caps *c = &p->caps;
    uint64_t kept = c->bounding | c->effective | c->permitted | c->inheritable | c->ambient;
    if (!c->present || kept == 0) {
        set_layer(r, PD_LAYER_CAPS, PD_LAYER_ACTIVE, "none kept");
    } else {
        _cleanup_free_ char *names = cap_names(kept);
        set_layer(r, PD_LAYER_CAPS, PD_LAYER_DEGRADED, "kept: %s", names);
    }
    if (obs && o->cap_eff != (c->present ? c->effective : 0))
        set_layer(r, PD_LAYER_CAPS, PD_LAYER_DEGRADED, "pid %d has effective capabilities %#llx",
                  (int)o->pid, (unsigned long long)o->cap_eff);
    if (!p->no_new_privileges)
        set_layer(r, PD_LAYER_NNP, PD_LAYER_ABSENT, "process.noNewPrivileges is false");
    else if (obs && !o->nnp)
        set_layer(r, PD_LAYER_NNP, PD_LAYER_DEGRADED, "pid %d runs without it", (int)o->pid);
    else
        set_layer(r, PD_LAYER_NNP, PD_LAYER_ACTIVE, NULL);
    set_layer(r, PD_LAYER_SETSID, PD_LAYER_ACTIVE, "its own session, no controlling terminal "
              "of the caller's");
    if (obs && !o->own_session)
        set_layer(r, PD_LAYER_SETSID, PD_LAYER_DEGRADED, "pid %d is in the session of the "
                  "paddock that started it", (int)o->pid);
    if (!h->keyring)
        set_layer(r, PD_LAYER_KEYRING, PD_LAYER_ABSENT, "kernel: no keyctl(2)");
    else if (in->keyring_unknown)
        set_layer(r, PD_LAYER_KEYRING, PD_LAYER_ACTIVE, "unless created with --no-new-keyring "
                  "(not recorded)");
    else
        set_layer(r, PD_LAYER_KEYRING, PD_LAYER_ACTIVE, NULL);
    r->uid = p->user.uid;
    r->gid = p->user.gid;
}

/* ---- landlock ---- */

static void landlock_absent_all(struct pd_sandbox_report *r, const char *why, const char *tail)
{
    for (int l = PD_LAYER_LANDLOCK_FS; l <= PD_LAYER_LANDLOCK_SCOPE; l++)
        set_layer(r, (enum pd_layer)l, PD_LAYER_ABSENT, "%s%s", why, tail);
}

static void landlock_layers(const struct pd_report_input *in, const struct pd_host_facts *h,
                            struct pd_sandbox_report *r)
{
    const struct pd_agent_policy *p = in->policy;
    if (p == NULL)
        return landlock_absent_all(r, "no agent policy", "");
    if (p->sandbox == PD_SANDBOX_DANGER_FULL_ACCESS)
        return landlock_absent_all(r, "danger-full-access", "");
    if (!in->policy_in_config)
        return landlock_absent_all(r, "the config carries no dev.paddock.* policy, which the "
                                   "container applies landlock from", "");
    int abi = h->landlock_abi;
    const char *tail = p->fallback == PD_FALLBACK_REFUSE
                           ? " (fallback refuse: it would not start)"
                           : " (fallback auto: it runs without)";
    if (abi == 0) {
        landlock_absent_all(r, "kernel: no landlock", tail);
        strv_add(&r->fallback_lost, pd_xstrdup("landlock-fs"));
        if (p->network == PD_NETWORK_NONE)
            strv_add(&r->fallback_lost, pd_xstrdup("landlock-net"));
        strv_add(&r->fallback_lost, pd_xstrdup("landlock-scope"));
        return;
    }
    r->landlock_in_use = abi;
    if (p->nested_userns)
        set_layer(r, PD_LAYER_LANDLOCK_FS, PD_LAYER_ABSENT, "nested-userns=allow: a domain with "
                  "filesystem rules forbids the mounts nested sandboxes make (the read-only "
                  "binds stay)");
    else
        set_layer(r, PD_LAYER_LANDLOCK_FS, PD_LAYER_ACTIVE, "ABI %d: writes only under the "
                  "writable roots, /tmp and /dev", abi);
    if (p->network == PD_NETWORK_ALLOW && abi >= 4) {
        set_layer(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ACTIVE, "TCP bind denied; connect only to "
                  "ports 3128, 1080, 80, 443 and 53, which lead to paddock's egress proxy and DNS");
    } else if (p->network != PD_NETWORK_NONE) {
        set_layer(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ABSENT, "network %s: TCP is not restricted",
                  pd_network_mode_name(p->network));
    } else if (abi < 4) {
        set_layer(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ABSENT, "landlock ABI %d < 4 has no TCP "
                  "rules%s", abi, tail);
        strv_add(&r->fallback_lost, pd_xstrdup("landlock-net"));
    } else {
        set_layer(r, PD_LAYER_LANDLOCK_NET, PD_LAYER_ACTIVE, "TCP bind and connect denied");
    }
    if (abi < 6) {
        set_layer(r, PD_LAYER_LANDLOCK_SCOPE, PD_LAYER_ABSENT, "landlock ABI %d < 6 has no "
                  "scoping%s", abi, tail);
        strv_add(&r->fallback_lost, pd_xstrdup("landlock-scope"));
    } else {
        set_layer(r, PD_LAYER_LANDLOCK_SCOPE, PD_LAYER_ACTIVE, "no signals to, nor abstract "
                  "unix sockets of, processes outside");
    }
}

/* ---- limits ---- */

static void limits_values(const struct pd_report_input *in, struct pd_sandbox_report *r)
{
    const struct pd_agent_policy *p = in->policy;
    const struct pd_resources *res = in->cfg->linux_.has_resources ? &in->cfg->linux_.resources
                                                                     : NULL;
    if (p != NULL) {
        r->has_memory = p->has_memory, r->memory = p->memory;
        r->has_pids = p->has_pids, r->pids = p->pids;
        r->has_cpus = p->has_cpus, r->cpus_milli = p->cpus_milli;
        r->has_timeout = p->has_timeout, r->timeout = p->timeout;
    }
    if (res == NULL)
        return;
    if (!r->has_memory && res->memory.limit.set && res->memory.limit.v > 0)
        r->has_memory = true, r->memory = (uint64_t)res->memory.limit.v;
    if (!r->has_pids && res->pids.limit.set && res->pids.limit.v > 0)
        r->has_pids = true, r->pids = (uint64_t)res->pids.limit.v;
    if (!r->has_cpus && res->cpu.quota.set && res->cpu.quota.v > 0) {
        uint64_t period = res->cpu.period.set && res->cpu.period.v ? res->cpu.period.v : 100000;
        r->has_cpus = true, r->cpus_milli = (uint64_t)res->cpu.quota.v * 1000 / period;
    }
}

/* rlimits that bound memory, processes or CPU (not RLIMIT_NOFILE and the like). */
static size_t resource_rlimits(const struct pd_process *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_rlimits; i++) {
        int res = p->rlimits[i].resource;
        n += res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_RSS ||
             res == RLIMIT_NPROC || res == RLIMIT_CPU;
    }
    return n;
}

static void limits_layer(const struct pd_report_input *in, const struct pd_host_facts *h,
                         struct pd_sandbox_report *r)
{
    limits_values(in, r);
    const struct pd_resources *res = in->cfg->linux_.has_resources ? &in->cfg->linux_.resources
                                                                     : NULL;
    bool in_cfg = res != NULL && ((res->memory.limit.set && res->memory.limit.v > 0) ||
                                  (res->pids.limit.set && res->pids.limit.v > 0) ||
                                  (res->cpu.quota.set && res->cpu.quota.v > 0));
    size_t nrl = resource_rlimits(&in->cfg->process);
    bool rl = nrl > 0;
    int cg = in->cgroup >= 0 ? in->cgroup : h->cgroup;
    bool asked = r->has_memory || r->has_pids || r->has_cpus;
    const char *timeout = r->has_timeout ? "; timeout by the supervisor" : "";
    if (in_cfg && cg > 0) {
        r->limits_by = pd_xasprintf("cgroup v%d", cg);
        set_layer(r, PD_LAYER_LIMITS, PD_LAYER_ACTIVE, "cgroup v%d%s", cg, timeout);
    } else if ((in_cfg || asked) && rl) {
        r->limits_by = pd_xstrdup("rlimits");
        set_layer(r, PD_LAYER_LIMITS, PD_LAYER_DEGRADED, "no usable cgroup (%s): %zu rlimits "
                  "instead%s", h->cgroup_reason ? h->cgroup_reason : "none for this container",
                  nrl, timeout);
    } else if (in_cfg) {
        r->limits_by = pd_xstrdup("none");
        set_layer(r, PD_LAYER_LIMITS, PD_LAYER_ABSENT, "asked for, but no usable cgroup (%s)",
                  in->cgroup == 0 ? "none for this container" :
                  h->cgroup_reason ? h->cgroup_reason : "none");
    } else if (asked) {
        r->limits_by = pd_xstrdup("none");
        set_layer(r, PD_LAYER_LIMITS, PD_LAYER_ABSENT, "asked for, but the config carries "
                  "neither cgroup limits nor rlimits%s", timeout);
    } else {
        r->limits_by = pd_xstrdup(rl ? "rlimits" : "none");
        set_layer(r, PD_LAYER_LIMITS, r->has_timeout || rl ? PD_LAYER_ACTIVE : PD_LAYER_ABSENT,
                  "%s", r->has_timeout ? "timeout by the supervisor"
                  : rl ? "rlimits only" : "no limits asked for");
    }
}

/* ---- fallback ---- */

static void fallback_state(const struct pd_report_input *in, const struct pd_host_facts *h,
                           struct pd_sandbox_report *r)
{
    const struct pd_namespace *user = find_ns(in->cfg, PD_NS_USER);
    if (user != NULL && user->path == NULL && !h->userns && in->env == NULL)
        strv_add(&r->refused, pd_xasprintf("no user namespace: %s", h->userns_reason
                                           ? h->userns_reason : "the kernel refuses"));
    if (in->cfg->linux_.seccomp != NULL && !h->seccomp)
        strv_add(&r->refused, pd_xstrdup("the kernel has no seccomp"));
    if (in->limits_refused != NULL)
        strv_add(&r->refused, pd_xstrdup(in->limits_refused));
    r->has_fallback = in->policy != NULL;
    if (in->policy != NULL) {
        r->fallback = in->policy->fallback;
        if (r->fallback_lost[0] != NULL && r->fallback == PD_FALLBACK_REFUSE) {
            _cleanup_free_ char *s = strv_join_short(r->fallback_lost);
            strv_add(&r->refused, pd_xasprintf("the kernel can't give %s and the fallback is "
                                               "refuse", s));
        }
    }
    r->starts = r->refused[0] == NULL;
}

static void copy_host(const struct pd_host_facts *h, struct pd_host_facts *c)
{
    *c = *h;
    c->userns_reason = h->userns_reason ? pd_xstrdup(h->userns_reason) : NULL;
    c->cgroup_reason = h->cgroup_reason ? pd_xstrdup(h->cgroup_reason) : NULL;
    c->host_sockets = h->host_sockets ? pd_strv_dup(h->host_sockets) : NULL;
}

int pd_sandbox_report_compute(const struct pd_report_input *in, const struct pd_host_facts *h,
                              struct pd_sandbox_report *r, pd_error **err)
{
    memset(r, 0, sizeof(*r));
    const struct pd_config *cfg = in->cfg;
    const struct pd_agent_policy *p = in->policy;
    copy_host(h, &r->host);
    r->agent = p != NULL;
    r->mode = p != NULL ? p->sandbox : PD_SANDBOX_DANGER_FULL_ACCESS;
    r->workspace = in->workspace ? pd_xstrdup(in->workspace) : NULL;
    const struct pd_namespace *net = find_ns(cfg, PD_NS_NET);
    r->network = pd_xstrdup(p != NULL ? pd_network_mode_name(p->network)
                            : net == NULL ? "host" : net->path ? "joined" : "namespace");
    r->landlock_abi = h->landlock_abi;
    if (in->observed != NULL && in->observed->valid)
        r->observed_pid = in->observed->pid, r->observed_init = in->observed->init_pid;
    r->fallback_lost = pd_xcalloc(1, sizeof(char *));
    r->refused = pd_xcalloc(1, sizeof(char *));
    r->n_uid_map = cfg->linux_.n_uid_mappings;
    r->n_gid_map = cfg->linux_.n_gid_mappings;
    r->uid_map = pd_xcalloc(r->n_uid_map + 1, sizeof(struct pd_idmap));
    r->gid_map = pd_xcalloc(r->n_gid_map + 1, sizeof(struct pd_idmap));
    if (r->n_uid_map)
        memcpy(r->uid_map, cfg->linux_.uid_mappings, r->n_uid_map * sizeof(struct pd_idmap));
    if (r->n_gid_map)
        memcpy(r->gid_map, cfg->linux_.gid_mappings, r->n_gid_map * sizeof(struct pd_idmap));

    ns_layers(in, h, r);
    if (cfg->root.readonly)
        set_layer(r, PD_LAYER_RO_ROOT, PD_LAYER_ACTIVE, NULL);
    else
        set_layer(r, PD_LAYER_RO_ROOT, PD_LAYER_ABSENT, "root.readonly is false");
    writable_roots(cfg, r);
    protected_layer(in, h, r);
    process_layers(in, h, r);
    if (seccomp_layer(in, h, r, err) < 0) {
        pd_sandbox_report_free(r);
        return -1;
    }
    landlock_layers(in, h, r);
    sockets_layer(in, h, r);
    proc_layer(cfg, r);
    limits_layer(in, h, r);
    fallback_state(in, h, r);
    if (in->env != NULL)
        pd_sandbox_env_report(in, h, r);
    return 0;
}

void pd_host_facts_free(struct pd_host_facts *h)
{
    free(h->userns_reason);
    free(h->cgroup_reason);
    pd_strv_free(h->host_sockets);
    memset(h, 0, sizeof(*h));
}

void pd_sandbox_report_free(struct pd_sandbox_report *r)
{
    free(r->network);
    free(r->workspace);
    pd_strv_free(r->writable);
    pd_strv_free(r->protected_);
    pd_strv_free(r->unprotected);
    pd_strv_free(r->missing);
    pd_strv_free(r->reachable_sockets);
    free(r->seccomp);
    free(r->uid_map);
    free(r->gid_map);
    free(r->limits_by);
    pd_strv_free(r->fallback_lost);
    pd_strv_free(r->refused);
    for (int l = 0; l < PD_LAYER__COUNT; l++)
        free(r->layers[l].reason);
    pd_host_facts_free(&r->host);
    pd_sandbox_env_report_free(r);
    memset(r, 0, sizeof(*r));
}
