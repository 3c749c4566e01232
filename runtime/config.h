/* paddock stage 1, parse: an OCI runtime-spec config.json (1.0 - 1.3) as
 * typed structs.  Only config.c / config_*.c and json.c know about JSON;
 * everything after this point works on these structs.
 *
 * Optional scalars use the `has_` flag next to them.  Arrays are a pointer
 * plus a count; string vectors (char **) are also NULL-terminated.
 * Every error names the file and the JSON path:
 *   "bundle /b: config.json: .process.args: expected a non-empty array of strings"
 */
#ifndef PADDOCK_CONFIG_H
#define PADDOCK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct pd_kv {
    char *key;
    char *value;
};

struct pd_opt_i64 {
    bool set;
    int64_t v;
};
struct pd_opt_u64 {
    bool set;
    uint64_t v;
};

/* ---- process ---- */

struct pd_rlimit {
    int resource;  /* RLIMIT_* resolved from "type" (e.g. RLIMIT_NOFILE) */
    char *type;    /* as written, e.g. "RLIMIT_NOFILE" */
    uint64_t soft;
    uint64_t hard;
};

struct pd_user {
    uint32_t uid;
    uint32_t gid;
    bool has_umask;
    uint32_t umask;
    uint32_t *additional_gids;
    size_t n_additional_gids;
    char *username; /* windows-only in the spec; kept, unused */
};

/* Capability sets as bit masks of CAP_* values (libcap's numbering).
 * Names are resolved with libcap's cap_from_name() at parse time;
 * an unknown name is a parse error naming the set and the index. */
struct pd_caps {
    bool present; /* .process.capabilities was given */
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct pd_process {
    bool terminal;
    bool has_console_size;
    uint32_t console_height, console_width;
    struct pd_user user;
    char **args;  /* NULL-terminated, n_args > 0 */
    size_t n_args;
    char *command_line; /* windows-only, ignored */
    char **env;   /* NULL-terminated, may be empty */
    size_t n_env;
    char *cwd;    /* absolute path inside the container */
    struct pd_caps caps;
    struct pd_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    char *apparmor_profile; /* parsed; applying it is not supported */
    char *selinux_label;    /* parsed; applying it is not supported */
    /* .process.ioPriority (1.1+) */
    bool has_io_priority;
    int io_priority_class; /* IOPRIO_CLASS_* */
    int io_priority;
    /* .process.scheduler (1.1+): parsed, policy as written */
    char *scheduler_policy;
};

/* ---- root, mounts, hooks ---- */

struct pd_root {
    char *path;   /* as written (relative paths are relative to the bundle) */
    bool readonly;
};

struct pd_idmap {
    uint32_t container_id;
    uint32_t host_id;
    uint32_t size;
};

struct pd_mount {
    char *destination; /* absolute path inside the container */
    char *source;      /* may be NULL (e.g. tmpfs) */
    char *type;        /* may be NULL: then bind if options contain bind/rbind */
    char **options;    /* NULL-terminated */
    size_t n_options;
    struct pd_idmap *uid_mappings; /* idmapped mounts (1.1+) */
    size_t n_uid_mappings;
    struct pd_idmap *gid_mappings;
    size_t n_gid_mappings;
};

enum pd_hook_kind {
    PD_HOOK_PRESTART = 0,
    PD_HOOK_CREATE_RUNTIME,
    PD_HOOK_CREATE_CONTAINER,
    PD_HOOK_START_CONTAINER,
    PD_HOOK_POSTSTART,
    PD_HOOK_POSTSTOP,
    PD_HOOK__COUNT
};

struct pd_hook {
    char *path;  /* absolute */
    char **args; /* NULL-terminated; may be empty (then argv[0] = path) */
    size_t n_args;
    char **env;  /* NULL-terminated */
    size_t n_env;
    bool has_timeout;
    int timeout; /* seconds, > 0 */
};

struct pd_hook_list {
    struct pd_hook *v;
    size_t n;
};

/* ---- linux ---- */

enum pd_ns_type {
    PD_NS_PID = 0,
    PD_NS_NET,
    PD_NS_IPC,
    PD_NS_UTS,
    PD_NS_MOUNT,
    PD_NS_USER,
    PD_NS_CGROUP,
    PD_NS_TIME,
    PD_NS__COUNT
};

struct pd_namespace {
    enum pd_ns_type type;
    char *path; /* NULL: create a new one; else join this one */
};

struct pd_device {
    char type;  /* 'c', 'b', 'u' or 'p' */
    char *path; /* absolute, inside the container */
    int64_t major, minor; /* meaningful for c/b/u */
    bool has_file_mode;
    uint32_t file_mode;
    bool has_uid;
    uint32_t uid;
    bool has_gid;
    uint32_t gid;
};

enum pd_seccomp_action {
    PD_SECCOMP_KILL = 0,      /* SCMP_ACT_KILL (thread) */
    PD_SECCOMP_KILL_PROCESS,
    PD_SECCOMP_KILL_THREAD,
    PD_SECCOMP_TRAP,
    PD_SECCOMP_ERRNO,
    PD_SECCOMP_TRACE,
    PD_SECCOMP_ALLOW,
    PD_SECCOMP_LOG,
    PD_SECCOMP_NOTIFY,
};

enum pd_seccomp_op {
    PD_SCMP_NE = 0,
    PD_SCMP_LT,
    PD_SCMP_LE,
    PD_SCMP_EQ,
    PD_SCMP_GE,
    PD_SCMP_GT,
    PD_SCMP_MASKED_EQ,
};

struct pd_seccomp_arg {
    unsigned index;
    uint64_t value;
    uint64_t value_two;
    enum pd_seccomp_op op;
};

struct pd_seccomp_syscall {
    char **names; /* NULL-terminated, n_names > 0 */
    size_t n_names;
    enum pd_seccomp_action action;
    bool has_errno_ret;
    uint32_t errno_ret;
    struct pd_seccomp_arg *args;
    size_t n_args;
};

struct pd_seccomp {
    enum pd_seccomp_action default_action;
    bool has_default_errno_ret;
    uint32_t default_errno_ret;
    char **architectures; /* as written: "SCMP_ARCH_X86_64", ... */
    size_t n_architectures;
    char **flags;         /* as written: "SECCOMP_FILTER_FLAG_LOG", ... */
    size_t n_flags;
    char *listener_path;  /* parsed; SCMP_ACT_NOTIFY support is later work */
    char *listener_metadata;
    struct pd_seccomp_syscall *syscalls;
    size_t n_syscalls;
};

/* linux.resources: parsed and validated here, applied by cgroups.c (#3). */
struct pd_device_rule {
    bool allow;
    char type;   /* 'a', 'c' or 'b' ('a' when absent) */
    struct pd_opt_i64 major, minor; /* unset = wildcard */
    char *access; /* subset of "rwm"; NULL = "rwm" */
};

struct pd_blkio_device {
    int64_t major, minor;
    struct pd_opt_u64 weight, leaf_weight; /* weightDevice */
    uint64_t rate;                          /* throttle*Device */
};

struct pd_hugepage_limit {
    char *page_size; /* "2MB", "1GB", ... */
    uint64_t limit;
};

struct pd_resources {
    struct pd_device_rule *devices;
    size_t n_devices;
    struct {
        struct pd_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
        struct pd_opt_u64 swappiness;
        bool has_disable_oom_killer;
        bool disable_oom_killer;
        bool has_use_hierarchy;
        bool use_hierarchy;
        bool has_check_before_update;
        bool check_before_update;
    } memory;
    struct {
        struct pd_opt_u64 shares, period, realtime_period;
        struct pd_opt_i64 quota, realtime_runtime, idle;
        char *cpus;
        char *mems;
    } cpu;
    struct {
        struct pd_opt_i64 limit;
    } pids;
    struct {
        struct pd_opt_u64 weight, leaf_weight;
        struct pd_blkio_device *weight_device;
        size_t n_weight_device;
        struct pd_blkio_device *throttle_read_bps, *throttle_write_bps;
        struct pd_blkio_device *throttle_read_iops, *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps;
        size_t n_throttle_read_iops, n_throttle_write_iops;
    } block_io;
    struct pd_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    struct {
        struct pd_opt_u64 class_id;
        struct pd_kv *priorities; /* value is the decimal priority */
        size_t n_priorities;
    } network;
    struct pd_kv *unified;
    size_t n_unified;
};

struct pd_time_offset {
    bool set;
    int64_t secs;
    uint32_t nanosecs;
};

struct pd_linux {
    struct pd_namespace *namespaces;
    size_t n_namespaces;
    struct pd_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct pd_idmap *gid_mappings;
    size_t n_gid_mappings;
    struct pd_time_offset time_monotonic, time_boottime;
    struct pd_device *devices;
    size_t n_devices;
    char *cgroups_path;
    bool has_resources;
    struct pd_resources resources;
    char *rootfs_propagation; /* "private", "rslave", ... or NULL */
    char **masked_paths;      /* NULL-terminated */
    size_t n_masked_paths;
    char **readonly_paths;    /* NULL-terminated */
    size_t n_readonly_paths;
    struct pd_kv *sysctl;
    size_t n_sysctl;
    struct pd_seccomp *seccomp; /* NULL when absent */
    char *seccomp_builtin;      /* set by its caller, not by a parse: .seccomp is this
                                   built-in profile, left out of the parse (a sandbox's
                                   config, pd_create_opts.seccomp_builtin) */
    char *mount_label;          /* parsed; SELinux is not supported */
    char *personality_domain;   /* "LINUX" or "LINUX32" or NULL */
};

struct pd_config {
    char *bundle;      /* absolute bundle directory (for messages and paths) */
    char *file;        /* file name for messages, e.g. "config.json" */
    char *oci_version;
    struct pd_root root;
    bool has_process;
    struct pd_process process;
    char *hostname;
    char *domainname;
    struct pd_mount *mounts;
    size_t n_mounts;
    struct pd_hook_list hooks[PD_HOOK__COUNT];
    struct pd_kv *annotations;
    size_t n_annotations;
    bool has_linux;
    struct pd_linux linux_;
};

/* Parse a config from a buffer.  `bundle` and `file` only label messages
 * ("bundle B: FILE: .path: ...") and fill cfg->bundle / cfg->file.
 * Tolerates unknown fields; accepts ociVersion 1.x only. */
/* The same, and WITHOUT: leave .linux.seccomp out (read, not converted:
 * cfg->linux_.seccomp is NULL), for `exec` when the container's state
 * keeps the compiled filter (seccomp_cache.h). */
int pd_config_parse_without_seccomp(const char *json, size_t len, const char *bundle,
                                    const char *file, bool without, struct pd_config **out,
                                    pd_error **err);
int pd_config_parse(const char *json, size_t len, const char *bundle, const char *file,
                    struct pd_config **out, pd_error **err);
/* Read BUNDLE/config.json (bundle is made absolute) and parse it. */
int pd_config_load(const char *bundle, struct pd_config **out, pd_error **err);
void pd_config_free(struct pd_config *cfg);

/* Parse a process JSON object alone (`exec --process FILE`).  The same
 * field rules as .process in config.json; paths in messages start at ".". */
int pd_process_parse(const char *json, size_t len, const char *file,
                     struct pd_process **out, pd_error **err);
void pd_process_free(struct pd_process *p);

/* Parse a linux.resources object alone (`update --resources FILE`). */
int pd_resources_parse(const char *json, size_t len, const char *file,
                       struct pd_resources **out, pd_error **err);
void pd_resources_free(struct pd_resources *r);

const char *pd_ns_type_name(enum pd_ns_type t);     /* "pid", "network", ... */
const char *pd_hook_kind_name(enum pd_hook_kind k); /* "prestart", "createRuntime", ... */
/* The annotation value for key, or NULL. */
const char *pd_config_annotation(const struct pd_config *cfg, const char *key);

static inline void pd_config_freep(struct pd_config **c) { pd_config_free(*c); *c = 0; }
#define _cleanup_config_ __attribute__((cleanup(pd_config_freep)))

/* A path relative to the bundle (root.path, a bind mount's source) that
 * climbs out of it with "..": refused, naming the field (an absolute path
 * names a place elsewhere on purpose). */
bool pd_path_leaves_bundle(const char *path);

#endif
