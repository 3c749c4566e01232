/* paddock sandbox: resource limits and the terminal (see sandbox_limits.h). */
#define _GNU_SOURCE
#include "sandbox_limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "util.h"

#define CPU_PERIOD 100000 /* us; the quota is cpus x period */

static bool any_limit(const struct pd_sandbox_opts *o)
{
    return o->has_memory || o->has_pids || o->has_cpus;
}

/* Rootless as plan.c decides it (pd_plan.rootless). */
static bool is_rootless(const struct pd_sandbox_opts *o)
{
    return o->rootless == PD_ROOTLESS_TRUE ||
           (o->rootless == PD_ROOTLESS_AUTO && (geteuid() != 0 || !pd_in_initial_userns()));
}

/* Swap in use: then memory.swap = memory, or the limit could be exceeded in swap. */
static bool host_has_swap(void)
{
    _cleanup_free_ char *s = NULL;
    if (pd_read_file("/proc/swaps", 1 << 20, &s, NULL, NULL) < 0)
        return false;
    const char *nl = strchr(s, '\n'); /* a header line, then one line per device */
    return nl != NULL && nl[1] != '\0';
}

/* RLIMIT_NPROC is counted per user namespace since Linux 5.14 (ucounts). */
static bool nproc_per_userns(void)
{
    struct utsname u;
    unsigned major = 0, minor = 0;
    if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
        return false;
    return major > 5 || (major == 5 && minor >= 14);
}

static void fill_resources(const struct pd_sandbox_opts *o, struct pd_resources *r)
{
    if (o->has_memory) {
        r->memory.limit = (struct pd_opt_i64){.set = true, .v = (int64_t)o->memory};
        if (o->enforce.swap)
            r->memory.swap = r->memory.limit;
    }
    if (o->has_pids)
        r->pids.limit = (struct pd_opt_i64){.set = true, .v = (int64_t)o->pids};
    if (o->has_cpus) {
        r->cpu.quota = (struct pd_opt_i64){.set = true, .v = (int64_t)(o->cpus_milli * CPU_PERIOD / 1000)};
        r->cpu.period = (struct pd_opt_u64){.set = true, .v = CPU_PERIOD};
    }
}

/* Rootless: can the sandbox's cgroup be made, with its limits?  Found out
 * by making it and removing it again.  *why says why not. */
static bool probe_cgroup(const struct pd_sandbox_opts *o, const char *id, char **why)
{
    struct pd_config cfg = {.has_linux = true};
    cfg.linux_.cgroups_path = o->enforce.cgroups_path;
    cfg.linux_.has_resources = true;
    fill_resources(o, &cfg.linux_.resources);
    struct pd_cgroup_opts co = {.rootless = true, .systemd = o->systemd_cgroup};
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    _cleanup_error_ pd_error *e = NULL;
    if (pd_cgroup_locate(&cfg, id, &co, &cg, &e) == 0 && pd_cgroup_make(cg, &cfg, &e) == 0) {
        if (pd_cgroup_destroy(cg, &e) < 0)
            pd_warn("sandbox: remove the probe cgroup: %s", e->msg);
        return true;
    }
    pd_debug("sandbox: no cgroup: %s", e->msg);
    const char *err = strerror(e->errnum ? e->errnum : EPERM);
    if (pd_cgroup_mode(cg) == PD_CGROUP_V1)
        *why = pd_xasprintf("cgroup v1 is not delegated to unprivileged users: %s", err);
    else
        *why = pd_xasprintf("no delegated cgroup v2 subtree is writable for uid %u: %s",
                            (unsigned)geteuid(), err);
    return false;
}

/* The cgroup, or NULL and *why. */
static bool cgroup_usable(struct pd_sandbox_opts *o, const char *id, char **why)
{
    if (o->no_cgroup) {
        *why = pd_xstrdup("--cgroup-manager disabled");
        return false;
    }
    bool rootless = is_rootless(o);
    if (!o->systemd_cgroup)
        o->enforce.cgroups_path = rootless ? pd_xstrdup(id) : pd_xasprintf("/paddock/%s", id);
    /* Root: a cgroup that can't be made is an error of the run, not a fallback. */
    return !rootless || probe_cgroup(o, id, why);
}

const char *pd_sandbox_enforced_by(const struct pd_sandbox_opts *o, const char *limit)
{
    const struct pd_sandbox_enforce *e = &o->enforce;
    if (strcmp(limit, "timeout") == 0)
        return o->timeout > 0 ? "watchdog" : NULL;
    if (strcmp(limit, "memory") == 0)
        return !o->has_memory ? NULL : e->cgroup ? "cgroup" : e->rlimit_as ? "RLIMIT_AS" : "none";
    if (strcmp(limit, "pids") == 0)
        return !o->has_pids ? NULL : e->cgroup ? "cgroup" : e->rlimit_nproc ? "RLIMIT_NPROC" : "none";
    if (strcmp(limit, "cpus") == 0)
        return !o->has_cpus ? NULL : e->cgroup ? "cgroup" : "none";
    return NULL;
}

/* "--memory enforced with RLIMIT_AS (...), --pids not enforced (...)" */
static char *describe_fallback(const struct pd_sandbox_opts *o)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (f == NULL)
        abort();
    const char *sep = "";
    if (o->has_memory) {
        fprintf(f, "--memory enforced with RLIMIT_AS (per process: address space, not the "
                "tree's total)");
        sep = "; ";
    }
    if (o->has_pids && o->enforce.rlimit_nproc)
        fprintf(f, "%s--pids enforced with RLIMIT_NPROC (counted in the sandbox's own user "
                "namespace)", sep);
    else if (o->has_pids)
        fprintf(f, "%s--pids not enforced (RLIMIT_NPROC %s)", sep,
                getuid() == 0 ? "does not apply to uid 0"
                              : "counts every process of the uid before Linux 5.14");
    if (o->has_pids)
        sep = "; ";
    if (o->has_cpus)
        fprintf(f, "%s--cpus not enforced (no rlimit can)", sep);
    if (fclose(f) != 0)
        abort();
    return s;
}

static const char *requested_list(const struct pd_sandbox_opts *o)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s%s%s%s%s", o->has_memory ? "--memory" : "",
             o->has_memory && (o->has_pids || o->has_cpus) ? ", " : "",
             o->has_pids ? "--pids" : "", o->has_pids && o->has_cpus ? ", " : "",
             o->has_cpus ? "--cpus" : "");
    return buf;
}

int pd_sandbox_plan_limits(struct pd_sandbox_opts *o, const char *id, pd_error **err)
{
    memset(&o->enforce, 0, sizeof(o->enforce));
    if (!any_limit(o))
        return 0;
    o->enforce.swap = o->has_memory && host_has_swap();
    _cleanup_free_ char *why = NULL;
    if (cgroup_usable(o, id, &why)) {
        o->enforce.cgroup = true;
        return 0;
    }
    free(o->enforce.cgroups_path);
    o->enforce.cgroups_path = NULL;
    o->enforce.rlimit_as = o->has_memory;
    o->enforce.rlimit_nproc = o->has_pids && getuid() != 0 && nproc_per_userns();
    _cleanup_free_ char *how = describe_fallback(o);
    if (o->fallback == PD_FALLBACK_AUTO) {
        pd_warn("sandbox: %s (no cgroup: %s)", how, why);
        return 0;
    }
    int n = o->has_memory + o->has_pids + o->has_cpus;
    pd_failx(err, "sandbox: %s need%s a cgroup and none can be used (%s); run as root or with a "
             "delegated cgroup v2, or pass --fallback auto to accept: %s",
             requested_list(o), n == 1 ? "s" : "", why, how);
    if (err != NULL && *err != NULL)
        (*err)->exit_code = PD_EXIT_RUNTIME;
    return -1;
}

void pd_sandbox_enforce_free(struct pd_sandbox_opts *o)
{
    free(o->enforce.cgroups_path);
    o->enforce.cgroups_path = NULL;
}

/* ---- config ---- */

void pd_sandbox_gen_terminal(pd_jgen *g, const struct pd_sandbox_opts *o)
{
    pd_jgen_kv_bool(g, "terminal", o->terminal);
    if (!o->terminal || o->term_rows == 0 || o->term_cols == 0)
        return;
    pd_jgen_key(g, "consoleSize");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "height", o->term_rows);
    pd_jgen_kv_int(g, "width", o->term_cols);
    pd_jgen_map_close(g);
}

static void gen_rlimit(pd_jgen *g, const char *type, uint64_t v)
{
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "type", type);
    pd_jgen_key(g, "hard");
    pd_jgen_uint(g, v);
    pd_jgen_key(g, "soft");
    pd_jgen_uint(g, v);
    pd_jgen_map_close(g);
}

void pd_sandbox_gen_rlimits(pd_jgen *g, const struct pd_sandbox_opts *o)
{
    if (!o->enforce.rlimit_as && !o->enforce.rlimit_nproc)
        return;
    pd_jgen_key(g, "rlimits");
    pd_jgen_array_open(g);
    if (o->enforce.rlimit_as)
        gen_rlimit(g, "RLIMIT_AS", o->memory);
    if (o->enforce.rlimit_nproc)
        gen_rlimit(g, "RLIMIT_NPROC", o->pids);
    pd_jgen_array_close(g);
}

void pd_sandbox_gen_resources(pd_jgen *g, const struct pd_sandbox_opts *o)
{
    if (!o->enforce.cgroup)
        return;
    if (o->enforce.cgroups_path != NULL)
        pd_jgen_kv_string(g, "cgroupsPath", o->enforce.cgroups_path);
    struct pd_resources r = {0};
    fill_resources(o, &r);
    pd_jgen_key(g, "resources");
    pd_jgen_map_open(g);
    if (r.memory.limit.set) {
        pd_jgen_key(g, "memory");
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "limit", r.memory.limit.v);
        if (r.memory.swap.set)
            pd_jgen_kv_int(g, "swap", r.memory.swap.v);
        pd_jgen_map_close(g);
    }
    if (r.pids.limit.set) {
        pd_jgen_key(g, "pids");
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "limit", r.pids.limit.v);
        pd_jgen_map_close(g);
    }
    if (r.cpu.quota.set) {
        pd_jgen_key(g, "cpu");
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "quota", r.cpu.quota.v);
        pd_jgen_kv_int(g, "period", (long long)r.cpu.period.v);
        pd_jgen_map_close(g);
    }
    pd_jgen_map_close(g);
}
