/* paddock apply: cgroups.  cgroup v2 (unified) and v1/hybrid, chosen from
 * what is mounted.  One handle per container; its identity is saved in the
 * state (pd_cgroup_serialize) so later commands can find it again. */
#ifndef PADDOCK_CGROUPS_H
#define PADDOCK_CGROUPS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"

enum pd_cgroup_mode {
    PD_CGROUP_NONE = 0, /* no cgroup (rootless without a writable/delegated one) */
    PD_CGROUP_V1,       /* v1 controllers (hybrid hosts too: the v2 mount is used for what it holds) */
    PD_CGROUP_V2,       /* unified */
};

struct pd_cgroup; /* opaque */

struct pd_cgroup_opts {
    bool rootless;       /* not real root: skip (with a warning) when nothing is writable */
    bool systemd;        /* --systemd-cgroup: cgroupsPath is "slice:prefix:name"; mapped to cgroupfs */
    bool disabled;       /* --cgroup-manager disabled: a NONE handle; limits warned about, ignored */
};

struct pd_cgroup_stats {
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
    uint64_t memory_usage, memory_limit, memory_max_usage, memory_cache;
    uint64_t memory_swap_usage, memory_swap_limit;
    uint64_t pids_current, pids_limit; /* limit 0 = max */
    uint64_t oom_kills;
};

/* Where the container's cgroup goes: cgroupsPath absolute ("/a/b") as is,
 * relative ("a/b") under the caller's own cgroup, systemd "slice:prefix:name"
 * mapped to "/<slice path>/<prefix>-<name>.scope" (said in --debug), and
 * "/paddock/<id>" when absent.  Pure: unit-testable. */
char *pd_cgroup_path_for(const char *cgroups_path, const char *id, bool systemd,
                         const char *caller_cgroup, pd_error **err);

/* pd_cgroup_create in two steps, so that the caller can record the cgroup
 * (pd_cgroup_serialize) before it exists, and a runtime killed in between
 * leaves nothing that `delete --force` can't find.  locate changes nothing
 * on disk; make creates and applies (rootless without a writable cgroup:
 * the handle becomes PD_CGROUP_NONE, see below). */
int pd_cgroup_locate(const struct pd_config *cfg, const char *id, const struct pd_cgroup_opts *o,
                     struct pd_cgroup **out, pd_error **err);
int pd_cgroup_make(struct pd_cgroup *cg, const struct pd_config *cfg, pd_error **err);
/* Create the cgroup in every hierarchy and apply cfg->linux_.resources.
 * Rootless without a writable cgroup: returns a PD_CGROUP_NONE handle and a
 * warning, unless resources were asked for: then an error naming the cause. */
int pd_cgroup_create(const struct pd_config *cfg, const char *id, const struct pd_cgroup_opts *o,
                     struct pd_cgroup **out, pd_error **err);
enum pd_cgroup_mode pd_cgroup_mode(const struct pd_cgroup *cg);
/* Move pid into the cgroup (every hierarchy). */
int pd_cgroup_enter(const struct pd_cgroup *cg, pid_t pid, bool unified_joined, pd_error **err);
/* Moving a process into a cgroup through cgroup.procs takes the kernel's
 * global cgroup_threadgroup_rwsem for writing, which first waits for an RCU
 * grace period (5-15 ms on this 2-vCPU VM, for the first of a burst of
 * writes).  Two ways around it, for a new process:
 *  - pd_cgroup_open_unified: cg's cgroup2 directory (O_DIRECTORY), for
 *    clone3(CLONE_INTO_CGROUP) to start the process there (-1 and errno
 *    ENOENT when cg has no cgroup2 part);
 *  - pd_cgroup_enter_self: the calling process, which must be
 *    single-threaded, moves its one thread into cg's v1 hierarchies by
 *    writing "0" to their tasks files (one thread of its own: no global
 *    lock), and into the cgroup2 part, unless unified_joined, through
 *    cgroup.procs (the lock: cgroup2 has no such way). */
int pd_cgroup_open_unified(const struct pd_cgroup *cg);
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
/* struct clone_args of linux/sched.h up to .cgroup (Linux 5.7), for
 * syscall(SYS_clone3, &args, sizeof(args)). */
struct pd_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
int pd_cgroup_enter_self(const struct pd_cgroup *cg, bool unified_joined, pd_error **err);
/* Identity for state.json, and back.  "" stands for PD_CGROUP_NONE. */
char *pd_cgroup_serialize(const struct pd_cgroup *cg);
int pd_cgroup_load(const char *serialized, struct pd_cgroup **out, pd_error **err);
/* Host pids in the cgroup (sorted). */
int pd_cgroup_pids(const struct pd_cgroup *cg, pid_t **pids, size_t *n, pd_error **err);
/* Signal every process in the cgroup (v2 SIGKILL: cgroup.kill when present). */
int pd_cgroup_kill(const struct pd_cgroup *cg, int sig, pd_error **err);
/* v1 freezer / v2 cgroup.freeze; waits until the state is reached. */
int pd_cgroup_freeze(const struct pd_cgroup *cg, bool frozen, pd_error **err);
bool pd_cgroup_is_frozen(const struct pd_cgroup *cg);
/* Apply new limits (`update`).  Values of 0 mean "unset" where docker sends
 * zeros for fields it does not change (see the implementation for the list). */
int pd_cgroup_update(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err);
int pd_cgroup_stats(const struct pd_cgroup *cg, struct pd_cgroup_stats *st, pd_error **err);
/* Kill what is left, wait for it, remove the directories.  ENOENT is success. */
int pd_cgroup_destroy(const struct pd_cgroup *cg, pd_error **err);
void pd_cgroup_free(struct pd_cgroup *cg);

/* v2 translations (documented formulas, as runc/crun):
 *   cpu.weight = 1 + ((shares - 2) * 9999) / 262142      (shares 2..262144 -> 1..10000)
 *   io.weight  = 1 + ((blkio_weight - 10) * 9999) / 990  (10..1000 -> 1..10000)
 *   memory.swap.max = memory.swap (v1 memsw = mem + swap) - memory.limit */
uint64_t pd_cgroup_shares_to_weight(uint64_t shares);
uint64_t pd_cgroup_blkio_to_io_weight(uint64_t weight);

static inline void pd_cgroup_freep(struct pd_cgroup **c) { pd_cgroup_free(*c); *c = 0; }
#define _cleanup_cgroup_ __attribute__((cleanup(pd_cgroup_freep)))
#endif
