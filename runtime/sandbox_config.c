/* paddock sandbox: the OCI config of a sandbox (see sandbox.h). */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "nss.h"
#include "oci_defaults.h"
#include "sandbox_limits.h"
#include "sandbox_protect.h"
#include "sandbox_env.h"
#include "sandbox_report.h"
#include "seccomp_profile.h"
#include "util.h"

/* ---- environment deny-list ----
 * Credentials are commonly passed in the environment.  Removed: names with
 * the prefix AWS_ (access keys, session tokens); names ending in _TOKEN,
 * _SECRET, _SECRETS, _PASSWORD, _PASSWD, _KEY, _KEYS, _CREDENTIALS (this
 * covers GITHUB_TOKEN, GH_TOKEN, NPM_TOKEN, OPENAI_API_KEY, ...); and
 * SSH_AUTH_SOCK and GPG_AGENT_INFO (agents holding keys). */
static const char *const deny_prefix[] = {"AWS_"};
static const char *const deny_suffix[] = {"_TOKEN", "_SECRET", "_SECRETS", "_PASSWORD", "_PASSWD",
                                          "_KEY", "_KEYS", "_CREDENTIALS"};
static const char *const deny_exact[] = {"SSH_AUTH_SOCK", "GPG_AGENT_INFO"};

bool pd_sandbox_env_denied(const char *name, size_t len)
{
    for (size_t i = 0; i < PD_ARRAY_SIZE(deny_prefix); i++)
        if (len >= strlen(deny_prefix[i]) && strncmp(name, deny_prefix[i], strlen(deny_prefix[i])) == 0)
            return true;
    for (size_t i = 0; i < PD_ARRAY_SIZE(deny_suffix); i++) {
        size_t n = strlen(deny_suffix[i]);
        if (len >= n && strncmp(name + len - n, deny_suffix[i], n) == 0)
            return true;
    }
    for (size_t i = 0; i < PD_ARRAY_SIZE(deny_exact); i++)
        if (len == strlen(deny_exact[i]) && strncmp(name, deny_exact[i], len) == 0)
            return true;
    return false;
}

/* ---- config ---- */

static void gen_mount(pd_jgen *g, const char *dest, const char *type, const char *source,
                      const char *const *options)
{
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "destination", dest);
    pd_jgen_kv_string(g, "type", type);
    pd_jgen_kv_string(g, "source", source);
    pd_jgen_kv_strv(g, "options", options);
    pd_jgen_map_close(g);
}

static void gen_range(pd_jgen *g, unsigned long long first, unsigned long long size)
{
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "containerID", (long long)first);
    pd_jgen_kv_int(g, "hostID", (long long)first);
    pd_jgen_kv_int(g, "size", (long long)size);
    pd_jgen_map_close(g);
}

/* The caller's range in /etc/subuid or /etc/subgid ("name:start:count" or
 * "uid:start:count"), when newuidmap/newgidmap can map it. */
static bool sub_range(const char *file, const char *helper, unsigned id,
                      unsigned long long *start, unsigned long long *count)
{
    if (access(helper, X_OK) < 0)
        return false;
    struct passwd *pw = pd_getpwuid(getuid());
    _cleanup_fclose_ FILE *f = fopen(file, "re");
    char line[512], num[32];
    snprintf(num, sizeof(num), "%u", getuid());
    while (f != NULL && fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = '\0';
        if ((strcmp(line, num) != 0 && (pw == NULL || strcmp(line, pw->pw_name) != 0)) ||
            sscanf(c1 + 1, "%llu", start) != 1 || sscanf(c2 + 1, "%llu", count) != 1)
            continue;
        /* identity-mapped, so it must not hold the caller's own id */
        if (*count > 0 && (id < *start || id >= *start + *count))
            return true;
    }
    return false;
}

/* Identity maps: root maps every id (a write of its own, free); anyone else
 * the own id, as bubblewrap and `unshare -r` do, and with --map-subids
 * (subids) also, through newuidmap/newgidmap (two setuid helpers, ~2 ms), the
 * subordinate range, so files owned by those ids show their owners instead
 * of nobody.  Those ids are of no other use inside: no capability to switch
 * to them, no_new_privs against the setuid helpers. */
static void gen_idmap(pd_jgen *g, const char *key, unsigned id, bool gids, bool single,
                      bool subids)
{
    unsigned long long start, count;
    pd_jgen_key(g, key);
    pd_jgen_array_open(g);
    if (single) { /* sandbox_env.h: ranges can't be mapped here */
        gen_range(g, id, 1);
    } else if (id == 0 && getuid() == 0) {
        gen_range(g, 0, 4294967295ULL);
    } else {
        gen_range(g, id, 1);
        if (subids && sub_range(gids ? "/etc/subgid" : "/etc/subuid",
                      gids ? "/usr/bin/newgidmap" : "/usr/bin/newuidmap", id, &start, &count))
            gen_range(g, start, count);
    }
    pd_jgen_array_close(g);
}

static int by_length(const void *a, const void *b)
{
    const struct pd_protect_mount *x = a, *y = b;
    size_t lx = strlen(x->path), ly = strlen(y->path);
    return lx < ly ? -1 : lx > ly;
}

/* The protections' mounts, after the writable roots: gitdirs over
 * themselves (writable), then the read-only protected paths, then the
 * masked host sockets; parents before children. */
static bool in_overlay(const struct pd_sandbox_opts *o, const char *ws, const char *path)
{
    size_t n = strlen(ws);
    return o->ws_mount_options != NULL && strncmp(path, ws, n) == 0 &&
           (path[n] == '/' || path[n] == '\0');
}

static void gen_protect_mounts(pd_jgen *g, const struct pd_sandbox_opts *o, const char *ws,
                               const struct pd_protect *prot)
{
    if (prot == NULL)
        return;
    _cleanup_free_ struct pd_protect_mount *m = pd_xcalloc(prot->n_mounts + 1, sizeof(*m));
    if (prot->n_mounts > 0) /* mounts is NULL when there are none */
        memcpy(m, prot->mounts, prot->n_mounts * sizeof(*m));
    qsort(m, prot->n_mounts, sizeof(*m), by_length);
    /* x-paddock-nofollow: no symlink swapped in since the scan is followed */
    static const char *const rw[] = {"rbind", "rw", "nodev", "nosuid", "x-paddock-nofollow", NULL};
    static const char *const ro[] = {"rbind", "ro", "nodev", "nosuid", "x-paddock-nofollow", NULL};
    static const char *const link[] = {"bind", "ro", "x-paddock-symlink", NULL};
    static const char *const mask[] = {"bind", "ro", "x-paddock-if-exists", NULL};
    /* in an overlay workspace .git is the overlay's: a writable bind of the
     * host's would let commits bypass it (apply guards .git instead) */
    for (size_t i = 0; i < prot->n_mounts; i++)
        if (m[i].kind == PD_PROTECT_SELF_RW && !in_overlay(o, ws, m[i].path))
            gen_mount(g, m[i].path, "bind", m[i].path, rw);
    for (size_t i = 0; i < prot->n_mounts; i++)
        if (m[i].kind == PD_PROTECT_RO || m[i].kind == PD_PROTECT_LINK)
            gen_mount(g, m[i].path, "bind", m[i].path, m[i].kind == PD_PROTECT_RO ? ro : link);
    for (size_t i = 0; i < prot->n_mounts; i++)
        if (m[i].kind == PD_PROTECT_MASK)
            gen_mount(g, m[i].path, "bind", "/dev/null", mask);
}

bool pd_sandbox_network_none(const struct pd_sandbox_opts *o)
{
    if (o->network >= 0) /* allow: a namespace with only lo too, and the proxy's sockets */
        return o->network == PD_NETWORK_NONE || o->network == PD_NETWORK_ALLOW;
    return o->mode != PD_SANDBOX_DANGER_FULL_ACCESS;
}

/* The writable roots, absolute and resolved: the workspace (cwd) first. */
static int writable_roots(const struct pd_sandbox_opts *o, const char *cwd, char ***out,
                          pd_error **err)
{
    *out = pd_xcalloc(o->n_writable + 2, sizeof(char *));
    if (o->mode != PD_SANDBOX_WORKSPACE_WRITE)
        return 0;
    size_t n = 0;
    /* "/" writable is no root among others but the whole filesystem (and it
     * can't be bound over itself below the read-only root) */
    if (strcmp(cwd, "/") == 0)
        return pd_failx(err, "sandbox: the workspace (the current directory) is /: run from a "
                        "project directory, or use --sandbox danger-full-access");
    (*out)[n++] = pd_xstrdup(cwd);
    for (size_t i = 0; i < o->n_writable; i++) {
        char *p = realpath(o->writable[i], NULL);
        struct stat st;
        if (p == NULL || stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
            int e = p ? ENOTDIR : errno;
            free(p);
            errno = e;
            return pd_fail_errno(err, "--writable %s", o->writable[i]);
        }
        (*out)[n++] = p;
        if (strcmp(p, "/") == 0)
            return pd_failx(err, "sandbox: --writable %s is the whole filesystem: use --sandbox "
                            "danger-full-access for that", o->writable[i]);
    }
    return 0;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* The protected paths and the limits, for `paddock status ID`. */
static void gen_policy_extras(pd_jgen *g, const struct pd_sandbox_opts *o)
{
    size_t len = 1;
    for (size_t i = 0; pd_agent_default_protected[i]; i++)
        len += strlen(pd_agent_default_protected[i]) + 1;
    for (size_t i = 0; i < o->n_protect; i++)
        len += strlen(o->protect[i]) + 1;
    _cleanup_free_ char *v = pd_xcalloc(len, 1);
    for (size_t i = 0; pd_agent_default_protected[i]; i++)
        strcat(strcat(v, v[0] ? ":" : ""), pd_agent_default_protected[i]);
    for (size_t i = 0; i < o->n_protect; i++)
        strcat(strcat(v, v[0] ? ":" : ""), o->protect[i]);
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "protected-paths", v);
    char buf[64];
    if (o->has_memory) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->memory);
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "limits.memory", buf);
    }
    if (o->has_pids) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->pids);
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "limits.pids", buf);
    }
    if (o->has_cpus)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "limits.cpus", pd_cpus_string(o->cpus_milli, buf, sizeof(buf)));
    if (o->timeout > 0) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->timeout);
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "limits.timeout", buf);
    }
}

/* dev.paddock.network*: with allow, the lists, for the network supervisor
 * that the container path starts (netsup.h; the audit log is --audit-log's,
 * through pd_create_opts.audit_log). */
static void gen_network(pd_jgen *g, const struct pd_sandbox_opts *o)
{
    bool allow = o->network == PD_NETWORK_ALLOW;
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "network",
                      allow ? "allow" : pd_sandbox_network_none(o) ? "none" : "host");
    if (!allow)
        return;
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "network.allow", o->net_allow);
    if (o->net_deny)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "network.deny", o->net_deny);
    if (o->net_resolve)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "network.resolve", o->net_resolve);
    if (o->net_approver)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "network.approver", o->net_approver);
    char buf[32];
    snprintf(buf, sizeof(buf), "%u", o->net_approver_timeout);
    if (o->net_approver_timeout)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "network.approver-timeout", buf);
}

/* The agent policy, as annotations: the container path applies it (the
 * landlock wall, agent_plan.h) and `paddock status ID` reads it back. */
static void gen_annotations(pd_jgen *g, const struct pd_sandbox_opts *o, const char *cwd,
                            char *const *roots, const struct pd_protect *prot)
{
    pd_jgen_key(g, "annotations");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "sandbox", pd_sandbox_mode_name(o->mode));
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "workspace", cwd);
    if (o->ws_mount_options != NULL)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "workspace.kind", "overlay");
    /* roots[0] is the workspace; gitdirs outside the roots are writable too */
    size_t len = 1;
    for (size_t i = 1; roots[0] && roots[i]; i++)
        len += strlen(roots[i]) + 1;
    for (size_t i = 0; prot && i < prot->n_extra_roots; i++)
        len += strlen(prot->extra_roots[i]) + 1;
    _cleanup_free_ char *v = pd_xcalloc(len, 1);
    for (size_t i = 1; roots[0] && roots[i]; i++)
        strcat(strcat(v, v[0] ? ":" : ""), roots[i]);
    for (size_t i = 0; prot && i < prot->n_extra_roots; i++)
        strcat(strcat(v, v[0] ? ":" : ""), prot->extra_roots[i]);
    if (v[0] != '\0')
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "writable-roots", v);
    gen_network(g, o);
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "fallback", pd_fallback_name(o->fallback));
    if (o->nested_userns)
        pd_jgen_kv_string(g, PD_AGENT_PREFIX "nested-userns", "allow");
    gen_policy_extras(g, o);
    pd_jgen_map_close(g);
}

/* .process: the command as the caller, no capabilities, no_new_privs. */
static void gen_process(pd_jgen *g, const struct pd_sandbox_opts *o, const char *cwd, uid_t uid,
                        gid_t gid, char *const *env)
{
    pd_jgen_key(g, "process");
    pd_jgen_map_open(g);
    pd_sandbox_gen_terminal(g, o);
    pd_jgen_key(g, "user");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "uid", uid);
    pd_jgen_kv_int(g, "gid", gid);
    pd_jgen_map_close(g);
    pd_jgen_kv_strv(g, "args", (const char *const *)o->argv);
    pd_jgen_key(g, "env");
    pd_jgen_array_open(g);
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (eq != NULL && eq != env[i] && !pd_sandbox_env_denied(env[i], (size_t)(eq - env[i])) &&
            strncmp(env[i], "PADDOCK_MODE=", 13) != 0)
            pd_jgen_string(g, env[i]);
    }
    pd_jgen_string(g, "PADDOCK_MODE=full"); /* container-boundary: boundary.c */
    pd_jgen_array_close(g);
    pd_jgen_kv_string(g, "cwd", cwd);
    pd_jgen_key(g, "capabilities"); /* none, in every set */
    pd_jgen_map_open(g);
    static const char *const none[] = {NULL};
    pd_jgen_kv_strv(g, "bounding", none);
    pd_jgen_kv_strv(g, "effective", none);
    pd_jgen_kv_strv(g, "permitted", none);
    pd_jgen_map_close(g);
    pd_jgen_kv_bool(g, "noNewPrivileges", true);
    pd_sandbox_gen_rlimits(g, o);
    pd_jgen_map_close(g);
}

/* .mounts: /proc, a minimal /dev, a private /tmp, the writable roots and
 * the protections on top. */
static void gen_mounts(pd_jgen *g, const struct pd_sandbox_opts *o, const char *cwd,
                       char *const *roots, const struct pd_protect *prot)
{
    bool full = o->mode == PD_SANDBOX_DANGER_FULL_ACCESS;
    pd_jgen_key(g, "mounts");
    pd_jgen_array_open(g);
    if (o->env != NULL && o->env->proc_bind) /* sandbox_env.h: no new /proc here */
        gen_mount(g, "/proc", "bind", "/proc",
                  (const char *const[]){"rbind", "nosuid", "noexec", "nodev", NULL});
    else
        gen_mount(g, "/proc", "proc", "proc", (const char *const[]){"nosuid", "noexec", "nodev", NULL});
    gen_mount(g, "/dev", "tmpfs", "tmpfs",
              (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
    gen_mount(g, "/dev/pts", "devpts", "devpts",
              (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL});
    gen_mount(g, "/dev/shm", "tmpfs", "shm",
              (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
    if (!full) /* a private /tmp; danger-full-access keeps the host's */
        gen_mount(g, "/tmp", "tmpfs", "tmpfs",
                  (const char *const[]){"nosuid", "nodev", "mode=1777", NULL});
    for (size_t i = 0; roots[i]; i++) {
        if (i == 0 && o->ws_mount_options != NULL) /* the workspace as an overlay */
            gen_mount(g, roots[0], "overlay", "overlay", (const char *const *)o->ws_mount_options);
        else
            gen_mount(g, roots[i], "bind", roots[i],
                      (const char *const[]){"rbind", "rw", "nodev", "nosuid", NULL});
    }
    gen_protect_mounts(g, o, roots[0] ? roots[0] : "", prot);
    for (size_t i = 0; o->ro_binds && o->ro_binds[i]; i++)
        gen_mount(g, o->ro_binds[i], "bind", o->ro_binds[i], (const char *const[]){"bind", "ro", NULL});
    /* read-only: cwd still bound (read-only), so that it exists even under
     * the private /tmp; / is there anyway (and can't be bound over itself) */
    if (o->mode == PD_SANDBOX_READ_ONLY && strcmp(cwd, "/") != 0)
        gen_mount(g, cwd, "bind", cwd, (const char *const[]){"rbind", "ro", NULL});
    pd_jgen_array_close(g);
}

/* .linux: id maps, namespaces, masks, the seccomp placeholder, limits. */
static void gen_linux(pd_jgen *g, const struct pd_sandbox_opts *o, uid_t uid, gid_t gid)
{
    pd_jgen_key(g, "linux");
    pd_jgen_map_open(g);
    bool single = o->env != NULL && o->env->single_ids;
    gen_idmap(g, "uidMappings", uid, false, single, o->map_subids);
    gen_idmap(g, "gidMappings", gid, true, single, o->map_subids);
    pd_jgen_key(g, "namespaces");
    pd_jgen_array_open(g);
    const char *ns[] = {"user", "mount", "pid", "ipc", "uts", pd_sandbox_network_none(o) ? "network" : NULL};
    for (size_t i = 0; i < PD_ARRAY_SIZE(ns) && ns[i]; i++) {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "type", ns[i]);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
    pd_jgen_kv_strv(g, "maskedPaths", pd_oci_masked_paths);
    pd_jgen_kv_strv(g, "readonlyPaths", pd_oci_readonly_paths);
    /* the built-in profile's text goes there (pd_jgen has no raw values) */
    pd_jgen_kv_string(g, "seccomp", PD_SECCOMP_PROFILE_REF_TEXT);
    pd_sandbox_gen_resources(g, o);
    pd_jgen_map_close(g);
}

static char *gen_config(const struct pd_sandbox_opts *o, const char *cwd, uid_t uid, gid_t gid,
                        char *const *env, char *const *roots, const struct pd_protect *prot)
{
    bool full = o->mode == PD_SANDBOX_DANGER_FULL_ACCESS;
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersion", "1.2.0");
    gen_process(g, o, cwd, uid, gid, env);
    pd_jgen_key(g, "root");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "path", "/");
    pd_jgen_kv_bool(g, "readonly", !full);
    pd_jgen_map_close(g);
    gen_mounts(g, o, cwd, roots, prot);
    gen_linux(g, o, uid, gid);
    gen_annotations(g, o, cwd, roots, prot);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

char *pd_sandbox_config(const struct pd_sandbox_opts *o, const char *cwd, uid_t uid, gid_t gid,
                        char *const *env, pd_error **err)
{
    struct pd_protect *prot = NULL;
    _cleanup_free_ char *config = pd_sandbox_config_with(o, cwd, uid, gid, env, NULL, &prot, err);
    pd_protect_finish(prot);
    return config == NULL ? NULL : pd_seccomp_profile_splice(config, PD_SECCOMP_PROFILE_DEFAULT, err);
}

char *pd_sandbox_config_with(const struct pd_sandbox_opts *o, const char *cwd, uid_t uid,
                             gid_t gid, char *const *env, const char *id,
                             struct pd_protect **prot, pd_error **err)
{
    char **roots = NULL;
    *prot = NULL;
    if (writable_roots(o, cwd, &roots, err) < 0 || pd_protect_prepare(o, roots, id, prot, err) < 0) {
        strv_free(roots);
        return NULL;
    }
    char *text = gen_config(o, cwd, uid, gid, env, roots, *prot);
    strv_free(roots);
    return text;
}

struct pd_agent_policy *pd_sandbox_policy(const struct pd_sandbox_opts *o, const char *ws)
{
    struct pd_agent_policy *p = NULL;
    if (pd_agent_policy_parse(NULL, &p, NULL) < 0)
        abort(); /* the defaults always parse */
    p->present = true;
    p->sandbox = o->mode;
    p->workspace = pd_xstrdup(ws);
    p->network = o->network == PD_NETWORK_ALLOW ? PD_NETWORK_ALLOW
                 : pd_sandbox_network_none(o)     ? PD_NETWORK_NONE
                                                  : PD_NETWORK_HOST;
    p->fallback = o->fallback;
    p->nested_userns = o->nested_userns;
    for (size_t i = 0; i < o->n_writable; i++) {
        char *r = realpath(o->writable[i], NULL);
        p->writable_roots = pd_xrealloc(p->writable_roots, (p->n_writable_roots + 2) * sizeof(char *));
        p->writable_roots[p->n_writable_roots++] = r != NULL ? r : pd_xstrdup(o->writable[i]);
        p->writable_roots[p->n_writable_roots] = NULL;
    }
    for (size_t i = 0; i < o->n_protect; i++) {
        p->protected_paths = pd_xrealloc(p->protected_paths,
                                         (p->n_protected_paths + 2) * sizeof(char *));
        p->protected_paths[p->n_protected_paths++] = pd_xstrdup(o->protect[i]);
        p->protected_paths[p->n_protected_paths] = NULL;
    }
    p->has_memory = o->has_memory, p->memory = o->memory;
    p->has_pids = o->has_pids, p->pids = o->pids;
    p->has_cpus = o->has_cpus, p->cpus_milli = o->cpus_milli;
    p->has_timeout = o->timeout > 0, p->timeout = o->timeout;
    return p;
}
