/* paddock sandbox: run one command on the host's own root, read-only but
 * for the writable roots (issue #4, "`paddock sandbox`").  It builds an
 * ordinary OCI config and runs it with the same create/start/supervise/
 * delete path as `paddock run`; the config text goes to create in memory
 * (pd_create_opts.config_text), not through a bundle on disk.
 *
 * Identity: a user namespace maps only the caller's uid and gid, each to
 * itself, and the command runs as that uid/gid with no capabilities, so
 * files it creates are the caller's (the setup keeps the capabilities
 * unshare(CLONE_NEWUSER) grants; see become_root in container_init.c). */
#ifndef PADDOCK_SANDBOX_H
#define PADDOCK_SANDBOX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_policy.h"
#include "error.h"
#include "plan.h"

struct pd_sandbox_env;

struct pd_sandbox_opts {
    /* global options, as for `run` */
    const char *root;
    enum pd_rootless_mode rootless;
    bool systemd_cgroup, no_cgroup;

    enum pd_sandbox_mode mode;
    const char *const *writable; /* absolute or relative to cwd */
    size_t n_writable;
    int network;                 /* -1 default for the mode, else PD_NETWORK_NONE/HOST/ALLOW */
    /* network allow (issue #5): comma-separated lists, as the annotations */
    const char *net_allow, *net_deny, *net_resolve; /* allow:LIST, --network-deny, --resolve */
    const char *net_approver;    /* --network-approver PROG (absolute) */
    unsigned net_approver_timeout; /* seconds; 0: the default */
    const char *audit_log;       /* NULL: the default, $XDG_STATE_HOME/paddock/audit.jsonl */
    char *const *argv;           /* the command, NULL-terminated */

    /* protections (sandbox_config.c, sandbox_protect.c) */
    const char *const *protect;  /* --protect PATH: more protected paths */
    size_t n_protect;
    bool nested_userns;          /* --allow-nested-userns */
    bool map_subids;             /* --map-subids: the caller's subordinate ranges too */
    const char *const *ro_binds; /* internal (check): host files bound read-only over
                                    themselves, after /tmp, so they stay reachable */
    const char *const *allow_unix_socket; /* --allow-unix-socket PATH */
    size_t n_allow_unix_socket;

    /* limits and supervision (sandbox.c) */
    bool has_memory, has_pids, has_cpus;
    uint64_t memory;             /* bytes */
    uint64_t pids;
    uint64_t cpus_milli;         /* CPUs x 1000 */
    uint64_t timeout;            /* wall-clock seconds, 0 = none */
    enum pd_fallback fallback;   /* --fallback auto|refuse */
    int json_status_fd;          /* -1: none */

    /* decided by pd_sandbox_run (sandbox_limits.c) before the config is made */
    struct pd_sandbox_enforce {
        bool cgroup;             /* limits in linux.resources, at linux.cgroupsPath */
        char *cgroups_path;      /* NULL: the default place */
        bool swap;               /* memory.swap = memory too (the host has swap) */
        bool rlimit_as;          /* --memory as RLIMIT_AS */
        bool rlimit_nproc;       /* --pids as RLIMIT_NPROC */
    } enforce;
    /* overlay workspace (issue #6; sandbox_workspace.c, spec/workspaces.md) */
    bool workspace_overlay;      /* --workspace-overlay (implied by --from-snapshot) */
    const char *name;            /* --name: the workspace outlives the run under this name */
    const char *from_snapshot;   /* --from-snapshot SNAP */
    bool strict_base;            /* --strict-base */
    const char *store;           /* paddock --store DIR (NULL: the default) */
    char **ws_mount_options;     /* decided by pd_sandbox_run: the overlay's OCI mount options */
    bool terminal;               /* process.terminal: stdin is a terminal */
    /* the environment (sandbox_env.h), decided before the config is made:
     * container-boundary mode, or the partial degradations of full mode;
     * NULL: full mode, nothing degraded */
    const struct pd_sandbox_env *env;
    bool mode_given;             /* --sandbox was given (a policy narrows only defaults) */
    bool accept_host_network;    /* the system policy accepts host networking when network
                                    none can't get a namespace nor landlock TCP rules */
    unsigned short term_rows, term_cols; /* its size (consoleSize); 0: unknown */
};

/* The agent policy o means, with ws as the workspace (pd_agent_policy
 * defaults for the rest; --protect adds to the default protected paths). */
struct pd_agent_policy *pd_sandbox_policy(const struct pd_sandbox_opts *o, const char *ws);

/* Is the sandbox's network "none" (its own network namespace with only lo)? */
bool pd_sandbox_network_none(const struct pd_sandbox_opts *o);

/* Names kept out of the command's environment: see pd_sandbox_env_denied. */
bool pd_sandbox_env_denied(const char *name, size_t len);

/* The OCI config for o, run in cwd as uid/gid with environment env. */
char *pd_sandbox_config(const struct pd_sandbox_opts *o, const char *cwd, uid_t uid, gid_t gid,
                        char *const *env, pd_error **err);

/* The same, with the protections of sandbox_protect.h: with id NULL it only
 * looks; with an id it creates the placeholders (*prot: give it to
 * pd_protect_finish when the sandbox has ended, also on failure).  Its
 * .linux.seccomp is PD_SECCOMP_PROFILE_REF, for the built-in agent-default
 * profile (pd_create_opts.seccomp_builtin; pd_seccomp_profile_splice). */
struct pd_protect;
char *pd_sandbox_config_with(const struct pd_sandbox_opts *o, const char *cwd, uid_t uid,
                             gid_t gid, char *const *env, const char *id,
                             struct pd_protect **prot, pd_error **err);

/* Run it; returns the exit status (the command's, 128+N if killed by
 * signal N, 125 when paddock failed, 126/127 when CMD can't run / isn't
 * found).  Errors are reported before returning. */
int pd_sandbox_run(const struct pd_sandbox_opts *o);
#endif
