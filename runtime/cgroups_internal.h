/* paddock cgroups: what cgroups.c, cgroups_v1.c and cgroups_v2.c share.
 * Not part of the public contract (cgroups.h); the unit tests use it to run
 * the v2 code against the hybrid host's cgroup2 mount. */
#ifndef PADDOCK_CGROUPS_INTERNAL_H
#define PADDOCK_CGROUPS_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>

#include "cgroups.h"

#define PD_CG_ROOT "/sys/fs/cgroup"

/* One mounted v1 hierarchy: its mount point and its controllers as a
 * comma-separated list ("cpu,cpuacct", "memory", "name=systemd"). */
struct pd_cg_hier {
    char *mount;
    char *ctrls;
    char *path;  /* this hierarchy's own path (a relative cgroupsPath), or NULL: cg->path */
};

struct pd_cgroup {
    enum pd_cgroup_mode mode;
    char *path;            /* "/paddock/ID": the same path inside every hierarchy */
    struct pd_cg_hier *h;  /* v1 hierarchies (empty on v2) */
    size_t nh;
    char *unified;         /* cgroup2 mount: the root on v2, the hybrid's one on v1, or NULL */
    char *upath;           /* the path in the hybrid's cgroup2 mount, or NULL: cg->path */
    bool rootless;
};

/* ---- cgroups.c: layout and file helpers ---- */

/* A handle for mode/unified/path without looking at the mounts (tests). */
struct pd_cgroup *pd_cg_new(enum pd_cgroup_mode mode, const char *unified, const char *path);
/* Fill cg->mode, cg->h and cg->unified from statfs(/sys/fs/cgroup) and mountinfo. */
int pd_cg_detect(struct pd_cgroup *cg, pd_error **err);
/* Make the directories of cg (every hierarchy) and apply r (may be NULL). */
int pd_cg_realize(struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err);
bool pd_cg_hier_has(const struct pd_cg_hier *h, const char *ctrl);
/* cg's path in v1 hierarchy i (its own one, else cg->path). */
const char *pd_cg_hpath(const struct pd_cgroup *cg, size_t i);
/* The directory of cg in the v1 hierarchy holding ctrl, or NULL (caller frees). */
char *pd_cg_dir(const struct pd_cgroup *cg, const char *ctrl);
/* The directory of cg in the cgroup2 mount, or NULL when there is none. */
char *pd_cg_udir(const struct pd_cgroup *cg);
/* Whether the cgroup2 mount's root lists ctrl in cgroup.controllers. */
bool pd_cg_unified_has(const struct pd_cgroup *cg, const char *ctrl);
bool pd_cg_exists(const char *dir, const char *file);
/* Write val to dir/file; on failure the error names the OCI field:
 * ".linux.resources.memory.limit: write 1024 to DIR/memory.max: ..." */
int pd_cg_set(const char *dir, const char *file, const char *val, const char *field,
              pd_error **err);
/* pd_cg_set with a printf-formatted value. */
int pd_cg_setf(const char *dir, const char *file, const char *field, pd_error **err,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Read dir/file as one number ("max" -> UINT64_MAX); false when absent/junk. */
bool pd_cg_read_u64(const char *dir, const char *file, uint64_t *out);
/* Read "key N" from a flat-keyed file (memory.stat, cpu.stat, ...). */
bool pd_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out);
/* dir/file's first line, without the newline; NULL when unreadable. */
char *pd_cg_read_line(const char *dir, const char *file);
/* Poll dir/file until its first line equals want (every 5 ms, up to ~2 s). */
int pd_cg_wait_line(const char *dir, const char *file, const char *want, pd_error **err);
/* Key names usable in linux.resources.unified: a plain file name. */
bool pd_cg_unified_key_ok(const char *key);

/* ---- cgroups_path.c ---- */
/* The caller's cgroup (v2: the "0::" line; v1: pids, else memory), "/" if none. */
char *pd_cg_own_cgroup(enum pd_cgroup_mode mode, pd_error **err);
/* A relative cgroupsPath on v1: set each hierarchy's own path under the
 * caller's cgroup there (and the hybrid cgroup2 one). */
int pd_cg_resolve_relative(struct pd_cgroup *cg, const char *cp, const char *id, pd_error **err);

/* ---- cgroups_v1.c ---- */
int pd_cgv1_mkdirs(const struct pd_cgroup *cg, pd_error **err);
int pd_cgv1_apply(const struct pd_cgroup *cg, const struct pd_resources *r, bool update,
                  pd_error **err);
int pd_cgv1_stats(const struct pd_cgroup *cg, struct pd_cgroup_stats *st, pd_error **err);

/* ---- cgroups_v2.c ---- */
/* Create mount+path, enabling the controllers in each ancestor's
 * cgroup.subtree_control on the way (failures there are only logged). */
int pd_cgv2_mkdirs(const char *mount, const char *path, pd_error **err);
int pd_cgv2_apply(const struct pd_cgroup *cg, const char *dir, const struct pd_resources *r,
                  bool update, pd_error **err);
int pd_cgv2_stats(const char *dir, struct pd_cgroup_stats *st, pd_error **err);
int pd_cgv2_freeze(const char *dir, bool frozen, pd_error **err);
/* memory.swap.max from OCI swap (v1 memsw: memory + swap) and limit, as runc:
 * swap 0 = unset (0 out), -1 = max (-1 out), else swap - limit. */
int pd_cgv2_swap(int64_t swap, int64_t limit, int64_t *out, pd_error **err);
/* Build and attach (BPF_CGROUP_DEVICE) the device program for rules to the
 * cgroup2 directory dir, replacing what was attached there before. */
int pd_cgv2_devices(const char *dir, const struct pd_device_rule *rules, size_t n,
                    pd_error **err);
/* The instruction count of the program for rules (for tests). */
size_t pd_cgv2_devices_prog_len(const struct pd_device_rule *rules, size_t n);

#endif
