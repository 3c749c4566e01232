/* paddock sandbox: resource limits and the terminal (issue #4).
 *
 * --memory, --pids and --cpus go into a cgroup when one can be used: the
 * generated config gets linux.resources and a linux.cgroupsPath
 * ("/paddock/ID" as root, "ID" -- under the caller's own cgroup, where a
 * delegation puts it -- when rootless), and the ordinary cgroup code makes
 * it.  Rootless, whether a cgroup can be used is found out by making one
 * (and removing it again).  When none can be used (rootless on cgroup v1,
 * no delegated v2 subtree, --cgroup-manager disabled), the fallback is:
 *   --memory  RLIMIT_AS = N: the address space of each process (not the
 *             sum over the tree, and mappings count, not only memory used);
 *   --pids    RLIMIT_NPROC = N: the kernel (5.14 and later) counts it per
 *             user namespace, and the sandbox has its own, so it counts the
 *             sandbox's processes only; not for uid 0, which it exempts, nor
 *             on older kernels, which count every process of the uid;
 *   --cpus    nothing can enforce it.
 * --fallback refuse (the default) refuses such a run (exit 125, saying what
 * is missing and how to fix it); auto runs with one warning line saying
 * which limit is enforced how.  --timeout needs neither: the supervising
 * paddock enforces it (supervise.c). */
#ifndef PADDOCK_SANDBOX_LIMITS_H
#define PADDOCK_SANDBOX_LIMITS_H
#include "json.h"
#include "sandbox.h"

/* Decide o->enforce for the sandbox id (warn, or refuse with err). */
int pd_sandbox_plan_limits(struct pd_sandbox_opts *o, const char *id, pd_error **err);
void pd_sandbox_enforce_free(struct pd_sandbox_opts *o);

/* How each requested limit is enforced: "cgroup", "RLIMIT_AS", "RLIMIT_NPROC",
 * "watchdog" (--timeout) or "none"; NULL when that limit was not asked for. */
const char *pd_sandbox_enforced_by(const struct pd_sandbox_opts *o, const char *limit);

/* Config generation (called by gen_config in sandbox_config.c). */
void pd_sandbox_gen_terminal(pd_jgen *g, const struct pd_sandbox_opts *o);  /* in .process */
void pd_sandbox_gen_rlimits(pd_jgen *g, const struct pd_sandbox_opts *o);   /* in .process */
void pd_sandbox_gen_resources(pd_jgen *g, const struct pd_sandbox_opts *o); /* in .linux */
#endif
