/* paddock probe: what this environment lets a sandbox have (issue #7).
 *
 * Each check is tried for real, in child processes that can't outlive the
 * probe (a parent-death signal, and a deadline after which they are
 * killed): it walks no filesystem and touches no network mount.
 *   user-namespace   unshare(CLONE_NEWUSER) in a child
 *   setgroups, uid-map, gid-map  the maps paddock writes (from the parent, as
 *                    idmap.c does): root every id, others their own
 *   id-ranges        root: all ids (0 0 4294967295); others: their
 *                    /etc/subuid and /etc/subgid ranges through newuidmap
 *   newuidmap, newgidmap  present, setuid root or with file capabilities,
 *                    not on a nosuid mount, not defeated by no_new_privs
 *   mount-, pid-, ipc-, uts-, network-namespace  unshare(2) of each inside it
 *   loopback         lo up over netlink in the new network namespace
 *   mount-tmpfs, mount-proc, mount-sysfs, mount-overlay, pivot-root
 *                    in the new namespaces, as a sandbox's setup does them
 *   seccomp-filter   install a filter (and whether one is installed already)
 *   landlock         the ABI
 *   cgroup           the version, and whether limits can go into one
 * and facts that explain failures: this process's seccomp mode, no_new_privs
 * and capabilities, the sysctls (user.max_user_namespaces,
 * kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns),
 * whether /proc or /sys are partly covered (an engine's masks), and whether
 * we run inside a container, of which kind (docker, podman, kubernetes,
 * lxc, wsl), with the evidence.
 *
 * The result is cached per boot and uid in the runtime directory
 * (/run/paddock-probe/uid-UID.json as root, else
 * $XDG_RUNTIME_DIR/paddock-probe.json), keyed by everything that decides it
 * (boot id, uid, namespaces, seccomp, no_new_privs, capabilities, sysctls,
 * the mounts of /proc, /sys and newuidmap): a probe from another
 * environment is never reused. */
#ifndef PADDOCK_ENVPROBE_H
#define PADDOCK_ENVPROBE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum pd_env_check {
    PD_ENV_USERNS, PD_ENV_SETGROUPS, PD_ENV_UID_MAP, PD_ENV_GID_MAP, PD_ENV_ID_RANGES,
    PD_ENV_NEWUIDMAP, PD_ENV_NEWGIDMAP,
    PD_ENV_MOUNT_NS, PD_ENV_PID_NS, PD_ENV_IPC_NS, PD_ENV_UTS_NS, PD_ENV_NET_NS,
    PD_ENV_LOOPBACK, PD_ENV_MOUNT_TMPFS, PD_ENV_MOUNT_PROC, PD_ENV_MOUNT_SYSFS,
    PD_ENV_MOUNT_OVERLAY, PD_ENV_PIVOT_ROOT,
    PD_ENV_SECCOMP, PD_ENV_LANDLOCK, PD_ENV_CGROUP,
    PD_ENV__COUNT
};

enum pd_env_state {
    PD_ENV_NOT_RUN,  /* the probe did not get there (it was killed, timed out) */
    PD_ENV_OK,
    PD_ENV_FAILED,
    PD_ENV_SKIPPED,  /* an earlier step it needs failed, or it does not apply */
};

struct pd_env_result {
    enum pd_env_state state;
    int errnum;      /* errno of the failing call, 0 */
    char *step;      /* the call that failed, or what was done; may be NULL */
    char *detail;    /* a value ("ABI 7") or why it was skipped; may be NULL */
};

struct pd_envprobe {
    struct pd_env_result r[PD_ENV__COUNT];
    uid_t uid;
    gid_t gid;
    bool initial_userns;         /* /proc/self/uid_map is the identity over all ids */
    int landlock_abi;
    int seccomp_mode;            /* this process: 0 off, 1 strict, 2 filter; -1 unknown */
    int seccomp_filters;         /* Seccomp_filters, -1 unknown */
    bool nnp;                    /* no_new_privs is set on this process */
    int unshare_filtered;        /* errno of unshare(CLONE_NEWUSER | an invalid flag) when it
                                    is not the kernel's EINVAL: a seccomp filter answered */
    uint64_t cap_eff, cap_bnd;
    long max_user_namespaces;    /* the sysctls; -1 when absent */
    long unprivileged_userns_clone;
    long apparmor_restrict;
    int proc_covered, sys_covered; /* mounts on top of /proc, /sys (an engine's masks) */
    bool overlay_root;             /* / is an overlay mount (evidence; not in the cache) */
    int cgroup_version;          /* 1, 2, 0 none */
    bool cgroup_hybrid;          /* v1 with a cgroup2 at /sys/fs/cgroup/unified */
    char *container;             /* docker, podman, kubernetes, lxc, wsl, "unknown"; NULL: none seen */
    char **evidence;             /* NULL-terminated, never NULL after a probe */
    char *key;                   /* the cache key (see above) */
    bool cached;                 /* read from the cache */
};

const char *pd_env_check_name(enum pd_env_check c); /* "user-namespace", ... */
const char *pd_env_state_name(enum pd_env_state s); /* "ok", "failed", "skipped", "not-run" */
bool pd_env_ok(const struct pd_envprobe *p, enum pd_env_check c);

/* The probe, from the cache when its key matches this environment (unless
 * refresh), else run now and cached.  A cache that can't be written is
 * only a debug message. */
int pd_envprobe_get(struct pd_envprobe *p, bool refresh, pd_error **err);
/* Where pd_envprobe_get keeps its cache (NULL: none for this user). */
char *pd_envprobe_cache_dir(void);
/* Run every check now (no cache). */
int pd_envprobe_run(struct pd_envprobe *p, pd_error **err);
void pd_envprobe_free(struct pd_envprobe *p);

/* Why check c failed, in words ("a seccomp filter on this process blocks
 * unshare(2)..."); NULL when it did not fail.  Caller frees. */
char *pd_envprobe_cause(const struct pd_envprobe *p, enum pd_env_check c);
/* Concrete fixes for a failed check (NULL-terminated; caller frees). */
char **pd_envprobe_fixes(const struct pd_envprobe *p, enum pd_env_check c);
/* "step: strerror (cause)" of a failed check; caller frees. */
char *pd_envprobe_describe(const struct pd_envprobe *p, enum pd_env_check c);

/* ---- internal to the envprobe*.c files ---- */
void pd_envprobe_facts(struct pd_envprobe *p);     /* envprobe_host.c */
/* Only what pd_envprobe_key is made of: no container evidence (a cached
 * probe's is the one used; ~0.05 ms of /proc reads fewer per sandbox). */
void pd_envprobe_key_facts(struct pd_envprobe *p);
char *pd_envprobe_key(const struct pd_envprobe *p);
void pd_envprobe_container(struct pd_envprobe *p);
void pd_envprobe_cgroup(struct pd_envprobe *p);
void pd_envprobe_helpers(struct pd_envprobe *p);   /* newuidmap, newgidmap */
/* The caller's /etc/subuid and /etc/subgid ranges: start, count (0: none) of each. */
void pd_envprobe_subids(const struct pd_envprobe *p, unsigned long long sub[4]);
void pd_env_set(struct pd_envprobe *p, enum pd_env_check c, enum pd_env_state s, int errnum,
                const char *step, const char *detail);
/* The probe as JSON (envprobe_json.c): the cache's form and `paddock probe
 * --json`'s (with causes and fixes when full). */
struct pd_jgen;
void pd_envprobe_jgen(const struct pd_envprobe *p, struct pd_jgen *g, bool full);
int pd_envprobe_from_json(const char *text, size_t len, struct pd_envprobe *p, pd_error **err);
#endif
