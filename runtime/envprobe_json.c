/* paddock probe: the probe as JSON, and back (the cache).  See envprobe.h. */
#define _GNU_SOURCE
#include "envprobe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"
#include "sys_compat.h"

#define CACHE_VERSION 1

static void kv_long_or_null(pd_jgen *g, const char *key, long v)
{
    pd_jgen_key(g, key);
    if (v < 0)
        pd_jgen_null(g);
    else
        pd_jgen_int(g, v);
}

static void kv_hex(pd_jgen *g, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)v);
    pd_jgen_kv_string(g, key, buf);
}

static void gen_check(const struct pd_envprobe *p, enum pd_env_check c, pd_jgen *g, bool full)
{
    const struct pd_env_result *r = &p->r[c];
    pd_jgen_key(g, pd_env_check_name(c));
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "state", pd_env_state_name(r->state));
    pd_jgen_kv_int(g, "errno", r->errnum);
    if (full)
        pd_jgen_kv_string(g, "error", r->errnum ? pd_errno_name(r->errnum) : NULL);
    pd_jgen_kv_string(g, "step", r->step);
    pd_jgen_kv_string(g, "detail", r->detail);
    if (full) {
        _cleanup_free_ char *cause = pd_envprobe_cause(p, c);
        _cleanup_strv_ char **fixes = pd_envprobe_fixes(p, c);
        pd_jgen_kv_string(g, "cause", cause);
        pd_jgen_kv_strv(g, "fixes", (const char *const *)fixes);
    }
    pd_jgen_map_close(g);
}

void pd_envprobe_jgen(const struct pd_envprobe *p, pd_jgen *g, bool full)
{
    pd_jgen_kv_int(g, "version", CACHE_VERSION);
    pd_jgen_kv_string(g, "key", p->key);
    if (full)
        pd_jgen_kv_bool(g, "cached", p->cached);
    pd_jgen_kv_int(g, "uid", p->uid);
    pd_jgen_kv_int(g, "gid", p->gid);
    pd_jgen_kv_bool(g, "initial_user_namespace", p->initial_userns);
    pd_jgen_kv_int(g, "landlock_abi", p->landlock_abi);
    pd_jgen_key(g, "process");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "seccomp", p->seccomp_mode);
    pd_jgen_kv_int(g, "seccomp_filters", p->seccomp_filters);
    pd_jgen_kv_int(g, "unshare_filtered", p->unshare_filtered);
    pd_jgen_kv_bool(g, "no_new_privs", p->nnp);
    kv_hex(g, "cap_eff", p->cap_eff);
    kv_hex(g, "cap_bnd", p->cap_bnd);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "sysctls");
    pd_jgen_map_open(g);
    kv_long_or_null(g, "user.max_user_namespaces", p->max_user_namespaces);
    kv_long_or_null(g, "kernel.unprivileged_userns_clone", p->unprivileged_userns_clone);
    kv_long_or_null(g, "kernel.apparmor_restrict_unprivileged_userns", p->apparmor_restrict);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "covered");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "proc", p->proc_covered);
    pd_jgen_kv_int(g, "sys", p->sys_covered);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "cgroup_hierarchy");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "version", p->cgroup_version);
    pd_jgen_kv_bool(g, "hybrid", p->cgroup_hybrid);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "container");
    pd_jgen_map_open(g);
    pd_jgen_kv_bool(g, "inside", p->container != NULL);
    pd_jgen_kv_string(g, "kind", p->container);
    pd_jgen_kv_strv(g, "evidence", (const char *const *)p->evidence);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "checks");
    pd_jgen_map_open(g);
    for (int c = 0; c < PD_ENV__COUNT; c++)
        gen_check(p, (enum pd_env_check)c, g, full);
    pd_jgen_map_close(g);
}

/* ---- reading the cache ---- */

static bool get_int(const pd_json *o, const char *key, long *out)
{
    int64_t v;
    const pd_json *j = pd_json_get(o, key);
    if (j != NULL && pd_json_type(j) == PD_JSON_NULL) {
        *out = -1;
        return true;
    }
    if (j == NULL || !pd_json_int64(j, &v))
        return false;
    *out = (long)v;
    return true;
}

static bool get_bool(const pd_json *o, const char *key, bool *out)
{
    return pd_json_bool(pd_json_get(o, key), out);
}

static bool get_hex(const pd_json *o, const char *key, uint64_t *out)
{
    const char *s = pd_json_string(pd_json_get(o, key));
    char *end = NULL;
    if (s == NULL)
        return false;
    errno = 0;
    *out = strtoull(s, &end, 16);
    return errno == 0 && end != s && *end == '\0';
}

static char *get_str(const pd_json *o, const char *key)
{
    const char *s = pd_json_string(pd_json_get(o, key));
    return s ? pd_xstrdup(s) : NULL;
}

static bool read_checks(const pd_json *checks, struct pd_envprobe *p)
{
    for (int c = 0; c < PD_ENV__COUNT; c++) {
        const pd_json *o = pd_json_get(checks, pd_env_check_name((enum pd_env_check)c));
        const char *state = pd_json_string(pd_json_get(o, "state"));
        long e = 0;
        if (state == NULL || !get_int(o, "errno", &e))
            return false;
        struct pd_env_result *r = &p->r[c];
        r->state = strcmp(state, "ok") == 0 ? PD_ENV_OK : strcmp(state, "failed") == 0
                   ? PD_ENV_FAILED : strcmp(state, "skipped") == 0 ? PD_ENV_SKIPPED
                   : PD_ENV_NOT_RUN;
        r->errnum = (int)e;
        r->step = get_str(o, "step");
        r->detail = get_str(o, "detail");
    }
    return true;
}

static bool read_facts(const pd_json *root, struct pd_envprobe *p)
{
    long v[12];
    const pd_json *proc = pd_json_get(root, "process"), *sys = pd_json_get(root, "sysctls");
    const pd_json *cov = pd_json_get(root, "covered"), *cg = pd_json_get(root, "cgroup_hierarchy");
    if (!get_int(root, "uid", &v[0]) || !get_int(root, "gid", &v[1]) ||
        !get_bool(root, "initial_user_namespace", &p->initial_userns) ||
        !get_int(root, "landlock_abi", &v[2]) || !get_int(proc, "seccomp", &v[3]) ||
        !get_int(proc, "seccomp_filters", &v[4]) || !get_int(proc, "unshare_filtered", &v[5]) ||
        !get_bool(proc, "no_new_privs", &p->nnp) || !get_hex(proc, "cap_eff", &p->cap_eff) ||
        !get_hex(proc, "cap_bnd", &p->cap_bnd) ||
        !get_int(sys, "user.max_user_namespaces", &p->max_user_namespaces) ||
        !get_int(sys, "kernel.unprivileged_userns_clone", &p->unprivileged_userns_clone) ||
        !get_int(sys, "kernel.apparmor_restrict_unprivileged_userns", &p->apparmor_restrict) ||
        !get_int(cov, "proc", &v[6]) || !get_int(cov, "sys", &v[7]) ||
        !get_int(cg, "version", &v[8]) || !get_bool(cg, "hybrid", &p->cgroup_hybrid))
        return false;
    p->uid = (uid_t)v[0], p->gid = (gid_t)v[1], p->landlock_abi = (int)v[2];
    p->seccomp_mode = (int)v[3], p->seccomp_filters = (int)v[4], p->unshare_filtered = (int)v[5];
    p->proc_covered = (int)v[6], p->sys_covered = (int)v[7], p->cgroup_version = (int)v[8];
    return true;
}

int pd_envprobe_from_json(const char *text, size_t len, struct pd_envprobe *p, pd_error **err)
{
    memset(p, 0, sizeof(*p));
    pd_json *root = NULL;
    if (pd_json_parse(text, len, &root, err) < 0)
        return -1;
    long version = 0;
    const pd_json *ct = pd_json_get(root, "container");
    const pd_json *ev = pd_json_get(ct, "evidence");
    bool ok = get_int(root, "version", &version) && version == CACHE_VERSION &&
              read_facts(root, p) && read_checks(pd_json_get(root, "checks"), p) &&
              pd_json_type(ev) == PD_JSON_ARRAY;
    if (ok) {
        p->key = get_str(root, "key");
        p->container = get_str(ct, "kind");
        p->evidence = pd_xcalloc(pd_json_len(ev) + 1, sizeof(char *));
        for (size_t i = 0; i < pd_json_len(ev); i++)
            p->evidence[i] = pd_xstrdup(pd_json_string(pd_json_at(ev, i)) ?: "");
    }
    pd_json_free(root);
    if (!ok)
        return pd_failx(err, "not a paddock probe of version %d", CACHE_VERSION);
    return 0;
}
