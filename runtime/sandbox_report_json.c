/* paddock: a sandbox report as JSON (`paddock status --json`, and the
 * layers for the audit log).  See sandbox_report.h. */
#define _GNU_SOURCE
#include "sandbox_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "util.h"

const char *pd_cpus_string(uint64_t milli, char *buf, size_t len)
{
    snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, milli / 1000, milli % 1000);
    char *end = buf + strlen(buf) - 1;
    while (*end == '0')
        *end-- = '\0';
    if (*end == '.')
        *end = '\0';
    return buf;
}

static void kv_opt_uint(pd_jgen *g, const char *key, bool has, uint64_t v)
{
    pd_jgen_key(g, key);
    if (has)
        pd_jgen_uint(g, v);
    else
        pd_jgen_null(g);
}

static void kv_strv(pd_jgen *g, const char *key, char *const *v)
{
    static const char *const empty[] = {NULL};
    pd_jgen_kv_strv(g, key, v ? (const char *const *)v : empty);
}

static void gen_idmap(pd_jgen *g, const char *key, const struct pd_idmap *m, size_t n)
{
    pd_jgen_key(g, key);
    pd_jgen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "container_id", m[i].container_id);
        pd_jgen_kv_int(g, "host_id", m[i].host_id);
        pd_jgen_kv_int(g, "size", m[i].size);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
}

static void gen_layers(const struct pd_sandbox_report *r, pd_jgen *g)
{
    pd_jgen_map_open(g);
    for (int l = 0; l < PD_LAYER__COUNT; l++) {
        pd_jgen_key(g, pd_layer_name((enum pd_layer)l));
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "state", pd_layer_state_name(r->layers[l].state));
        pd_jgen_kv_string(g, "reason", r->layers[l].reason);
        pd_jgen_map_close(g);
    }
    pd_jgen_map_close(g);
}

static void gen_limits(const struct pd_sandbox_report *r, pd_jgen *g)
{
    char cpus[32];
    pd_jgen_key(g, "limits");
    pd_jgen_map_open(g);
    kv_opt_uint(g, "memory", r->has_memory, r->memory);
    kv_opt_uint(g, "pids", r->has_pids, r->pids);
    pd_jgen_kv_string(g, "cpus", r->has_cpus ? pd_cpus_string(r->cpus_milli, cpus, sizeof(cpus))
                                             : NULL);
    kv_opt_uint(g, "timeout", r->has_timeout, r->timeout);
    pd_jgen_kv_string(g, "enforced_by", r->limits_by);
    pd_jgen_map_close(g);
}

static void gen_kernel(const struct pd_host_facts *h, pd_jgen *g)
{
    pd_jgen_key(g, "kernel");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "landlock_abi", h->landlock_abi);
    pd_jgen_kv_bool(g, "user_namespaces", h->userns);
    pd_jgen_kv_string(g, "user_namespaces_reason", h->userns_reason);
    pd_jgen_kv_bool(g, "seccomp", h->seccomp);
    pd_jgen_kv_bool(g, "keyrings", h->keyring);
    pd_jgen_kv_int(g, "cgroup", h->cgroup);
    pd_jgen_kv_string(g, "cgroup_reason", h->cgroup_reason);
    pd_jgen_map_close(g);
}

void pd_sandbox_report_jgen(const struct pd_sandbox_report *r, struct pd_jgen *g)
{
    pd_jgen_kv_bool(g, "agent_policy", r->agent);
    pd_jgen_kv_string(g, "mode", r->agent ? pd_sandbox_mode_name(r->mode) : NULL);
    pd_jgen_kv_string(g, "workspace", r->workspace);
    kv_strv(g, "writable_roots", r->writable);
    kv_strv(g, "protected_paths", r->protected_);
    kv_strv(g, "unprotected_paths", r->unprotected);
    kv_strv(g, "missing_protected_paths", r->missing);
    pd_jgen_kv_string(g, "network", r->network);
    pd_jgen_kv_string(g, "seccomp", r->seccomp);
    pd_jgen_key(g, "landlock");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "kernel_abi", r->landlock_abi);
    pd_jgen_kv_int(g, "abi_in_use", r->landlock_in_use);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "observed");
    if (r->observed_pid > 0) {
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "pid", r->observed_pid);
        pd_jgen_key(g, "init_pid");
        if (r->observed_init > 0)
            pd_jgen_int(g, r->observed_init);
        else
            pd_jgen_null(g);
        pd_jgen_map_close(g);
    } else {
        pd_jgen_null(g);
    }
    pd_jgen_key(g, "user");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "uid", r->uid);
    pd_jgen_kv_int(g, "gid", r->gid);
    pd_jgen_map_close(g);
    gen_idmap(g, "uid_map", r->uid_map, r->n_uid_map);
    gen_idmap(g, "gid_map", r->gid_map, r->n_gid_map);
    gen_limits(r, g);
    pd_jgen_key(g, "environment");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "mode", r->env_mode);
    pd_jgen_kv_string(g, "reason", r->env_reason);
    kv_strv(g, "fixes", r->env_fixes);
    kv_strv(g, "degraded", r->env_degraded);
    pd_jgen_kv_string(g, "container", r->env_container);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "fallback");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "mode", r->has_fallback ? pd_fallback_name(r->fallback) : NULL);
    pd_jgen_kv_bool(g, "starts", r->starts);
    kv_strv(g, "lost", r->fallback_lost);
    kv_strv(g, "refused", r->refused);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "unix_sockets");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "host", (long long)r->n_sockets);
    kv_strv(g, "reachable", r->reachable_sockets);
    pd_jgen_map_close(g);
    gen_kernel(&r->host, g);
    pd_jgen_key(g, "layers");
    gen_layers(r, g);
}

char *pd_sandbox_report_json(const struct pd_sandbox_report *r, bool pretty)
{
    pd_jgen *g = pd_jgen_new(pretty);
    pd_jgen_map_open(g);
    pd_sandbox_report_jgen(r, g);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

char *pd_sandbox_report_layers_json(const struct pd_sandbox_report *r)
{
    pd_jgen *g = pd_jgen_new(false);
    gen_layers(r, g);
    return pd_jgen_finish(g, NULL);
}
