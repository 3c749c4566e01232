/* paddock: what a sandbox (or any container) gets, layer by layer (issue #4,
 * `paddock status`).  Each protection layer is active, degraded (with the
 * reason) or absent, decided from three things:
 *   - the OCI config the runtime applies (for `paddock status` with sandbox
 *     flags, the one `paddock sandbox` would generate: pd_sandbox_config);
 *   - the agent policy (dev.paddock.* annotations, or the sandbox flags),
 *     NULL for a plain OCI container;
 *   - what the kernel and host give (pd_host_probe: landlock ABI, user
 *     namespaces, seccomp, keyrings, a usable cgroup, the host's pathname
 *     unix sockets) and, for a running container, what its process shows in
 *     /proc (pd_observe: namespaces, no_new_privs, seccomp, capabilities,
 *     session).
 * pd_sandbox_report_compute() is pure (unit-tested); pd_sandbox_report_fill()
 * is the one entry point: it probes the host and computes, so that `paddock
 * sandbox` can put the same layer states in its audit `sandbox.start` event
 * (pd_sandbox_report_json). */
#ifndef PADDOCK_SANDBOX_REPORT_H
#define PADDOCK_SANDBOX_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_policy.h"
#include "config.h"
#include "error.h"

enum pd_layer {
    PD_LAYER_USER_NS, PD_LAYER_MOUNT_NS, PD_LAYER_PID_NS, PD_LAYER_IPC_NS, PD_LAYER_UTS_NS,
    PD_LAYER_NET_NS, PD_LAYER_RO_ROOT, PD_LAYER_PROTECTED, PD_LAYER_CAPS, PD_LAYER_NNP,
    PD_LAYER_SECCOMP, PD_LAYER_LANDLOCK_FS, PD_LAYER_LANDLOCK_NET, PD_LAYER_LANDLOCK_SCOPE,
    PD_LAYER_UNIX_SOCKETS, PD_LAYER_SETSID, PD_LAYER_KEYRING, PD_LAYER_PROC, PD_LAYER_LIMITS,
    PD_LAYER__COUNT
};

enum pd_layer_state { PD_LAYER_ABSENT, PD_LAYER_DEGRADED, PD_LAYER_ACTIVE };

struct pd_layer_status {
    enum pd_layer_state state;
    char *reason; /* why degraded/absent, or a detail of an active layer; may be NULL */
};

/* What the kernel and host give the caller (pd_host_probe). */
struct pd_host_facts {
    int landlock_abi;        /* 0: no landlock */
    bool userns;             /* an unprivileged-or-not unshare(CLONE_NEWUSER) worked */
    char *userns_reason;     /* why not (sysctls, errno), NULL when it works */
    bool seccomp;            /* prctl(PR_GET_SECCOMP) works */
    bool keyring;            /* keyctl(2) is there */
    int cgroup;              /* cgroup version the caller can make limits in, 0: none */
    char *cgroup_reason;     /* why none */
    char **host_sockets;     /* pathname unix sockets bound on the host (/proc/net/unix) */
    /* Whether a host path exists (lstat); NULL: nothing exists.  Indirect so
     * that the computation stays pure. */
    bool (*exists)(const char *path);
};

/* What a running container's process shows (pd_observe).  When the
 * container's pid is paddock's own minimal init (a sandbox with a terminal)
 * with one child, the child -- the command -- is what is observed. */
struct pd_observed {
    bool valid;
    pid_t pid;                   /* the process observed */
    pid_t init_pid;              /* paddock's init above it, 0 when pid is the init */
    bool ns_known[PD_NS__COUNT]; /* /proc/PID/ns/X was readable */
    bool ns_own[PD_NS__COUNT];   /* ... and differs from the caller's */
    bool nnp;
    int seccomp;                 /* Seccomp: 0 off, 1 strict, 2 filter */
    uint64_t cap_eff, cap_bnd;
    bool own_session;            /* not in the session of the paddock that started it */
};

struct pd_report_input {
    const struct pd_config *cfg;          /* required */
    const struct pd_agent_policy *policy; /* NULL: no agent policy (plain OCI) */
    bool policy_in_config;  /* cfg's own dev.paddock.* annotations carry it (landlock is
                               applied from them by the container process) */
    const char *const *allow_unix_socket; /* host sockets kept reachable on purpose */
    bool keyring_unknown;   /* a container: --no-new-keyring is not recorded */
    int cgroup;             /* -1: use the host probe; else the container's own (0 none, 1, 2) */
    const char *workspace;  /* the workspace (cwd of a sandbox), for the report only */
    const char *limits_refused; /* why the sandbox's limits planner would refuse, or NULL */
    const struct pd_observed *observed; /* NULL: not running */
    const struct pd_sandbox_env *env; /* the mode in this environment (sandbox_env.h), NULL:
                                         full mode, not probed */
    bool seccomp_builtin;   /* the caller put the built-in agent-default profile into cfg's
                               linux.seccomp itself (pd_sandbox_config): it is not parsed
                               again to be compared */
};

struct pd_sandbox_report {
    bool agent;                   /* has an agent policy */
    enum pd_sandbox_mode mode;    /* meaningful when agent */
    char *network;                /* "none", "host", "allow" (agent); "namespace", "host" else */
    char *workspace;
    char **writable;              /* host-backed writable mounts (and "/" for a writable root) */
    char **protected_;            /* protected paths that are read-only inside */
    char **unprotected;           /* protected paths that exist and are writable inside */
    char **missing;               /* protected paths that don't exist (not covered) */
    char **reachable_sockets;     /* host unix sockets a connect() inside can reach */
    size_t n_sockets;             /* host unix sockets considered */
    char *seccomp;                /* "agent-default", "custom", "none" */
    int landlock_abi;             /* the kernel's */
    int landlock_in_use;          /* the ABI the sandbox's landlock domain uses, 0: none */
    pid_t observed_pid, observed_init; /* pd_observed's pid and init_pid, 0: not observed */
    uint32_t uid, gid;            /* process.user */
    struct pd_idmap *uid_map, *gid_map;
    size_t n_uid_map, n_gid_map;
    bool has_memory, has_pids, has_cpus, has_timeout;
    uint64_t memory, pids, cpus_milli, timeout;
    char *limits_by;              /* "cgroup v2", "cgroup v1", "rlimits", "none" */
    bool has_fallback;            /* agent: the fallback setting applies */
    enum pd_fallback fallback;
    bool starts;                  /* false: paddock would refuse to start it */
    char **fallback_lost;         /* layers the kernel can't give (names), run without them */
    char **refused;               /* why it would not start */
    struct pd_layer_status layers[PD_LAYER__COUNT];
    struct pd_host_facts host;    /* a copy (strings owned by the report) */
    /* the environment (sandbox_env_report.c), NULL/empty when not probed */
    char *env_mode;               /* "full" or "container-boundary" */
    char *env_reason;             /* container-boundary: the step that failed, and why */
    char **env_fixes;             /* container-boundary: the fixes */
    char **env_degraded;          /* full: the partial degradations */
    char *env_container;          /* the container paddock runs in (kind) */
};

struct pd_sandbox_env;
/* Pure: compute r from in and h.  Returns 0, or -1 when the built-in seccomp
 * profile can't be read (a build error). */
int pd_sandbox_report_compute(const struct pd_report_input *in, const struct pd_host_facts *h,
                              struct pd_sandbox_report *r, pd_error **err);
/* Probe the kernel and host (forks once for the user namespace test). */
int pd_host_probe(struct pd_host_facts *h, pd_error **err);
void pd_host_facts_free(struct pd_host_facts *h);
/* What pid shows in /proc; o->valid=false when it is gone. */
void pd_observe(pid_t pid, struct pd_observed *o);
/* The entry point: pd_host_probe, then pd_sandbox_report_compute. */
int pd_sandbox_report_fill(const struct pd_report_input *in, struct pd_sandbox_report *r,
                           pd_error **err);
void pd_sandbox_report_free(struct pd_sandbox_report *r);

/* The report as one JSON object (fields: see `paddock status --help`). */
char *pd_sandbox_report_json(const struct pd_sandbox_report *r, bool pretty);
/* The same members, written into an object g has open (to add others). */
struct pd_jgen;
void pd_sandbox_report_jgen(const struct pd_sandbox_report *r, struct pd_jgen *g);
/* CPUs x 1000 as a decimal string ("1.5"), into buf (>= 32 bytes). */
const char *pd_cpus_string(uint64_t milli, char *buf, size_t len);
/* Just the layers: {"user-ns":{"state":"active","reason":null},...}. */
char *pd_sandbox_report_layers_json(const struct pd_sandbox_report *r);

/* sandbox_env_report.c: what in->env changes in r (called by compute). */
void pd_sandbox_env_report(const struct pd_report_input *in, const struct pd_host_facts *h,
                           struct pd_sandbox_report *r);
void pd_sandbox_env_report_free(struct pd_sandbox_report *r);

const char *pd_layer_name(enum pd_layer l);              /* "user-ns", "landlock-net", ... */
const char *pd_layer_state_name(enum pd_layer_state s);  /* "active", "degraded", "absent" */
#endif
