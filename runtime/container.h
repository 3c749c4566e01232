/* paddock: container lifecycle operations (runtime.md), used by the CLI.
 *
 * create handshake (runtime R, stage-1 child C1, container init C2):
 *
 *   R   state dir ROOT/ID (locked), config.json copy, state "creating",
 *       start.sock listening, console socket connected, socketpair; fork C1
 *       (or, when no namespace is joined by path and there is no time
 *       namespace, clone C2 directly with all its namespaces: see "direct")
 *   C1  waits for GO (R may first place it in a cgroup)
 *   C1  setns() into every namespace given by path (user first)
 *   C1  unshare(CLONE_NEWUSER), asks R for the id maps; R writes them
 *       (directly, or with newuidmap/newgidmap) and answers; C1 becomes root
 *   C1  non-dumpable; unshare() the other namespaces; time offsets
 *   C1  clone(CLONE_PARENT) C2 -- pid 1 of the new pid namespace and a
 *       child of R, so `run` can wait for it; C1 reports C2's pid and exits
 *   C2  waits for R's second GO (sent after INIT_PID), so that its messages
 *       never overtake C1's on the shared socket
 *   C2  setsid, session keyring, rootfs: propagation, rootfs bind, mounts,
 *       devices; hostname; asks R to run prestart + createRuntime hooks
 *       (HOOKS, HOOKS_DONE with its host pid: only when the config has
 *       hooks, pd_container_hooks_sync; without, no round trip)
 *   C2  createContainer hooks; pivot_root; sysctl, masked/readonly paths;
 *       terminal; finds the executable; READY.  (The seccomp filter was
 *       compiled by R before the fork, through seccomp_cache.h: C2 only
 *       loads it right before execve.)
 *   R   state "created", pid file; COMMIT; C2 drops its parent-death
 *       signal and says COMMITTED; R exits.  Attached (`run` in the
 *       foreground, `sandbox`) there is no COMMIT: C2 keeps the signal, so
 *       that R's death takes the container down, and R starts it next
 *   C2  blocks in accept() on start.sock.  `start` connects; C2 runs the
 *       startContainer hooks, says EXEC, and execs.  The CLOEXEC connection
 *       then closes, so `start` knows the exec happened (poststart next),
 *       or C2 sends the exec error instead.
 *
 * direct: R clones C2 with CLONE_NEWUSER and the other new namespaces at
 * once (the kernel makes the user namespace first and the others owned by
 * it), but not the cgroup namespace, and into the cgroup's cgroup2
 * directory (clone3 CLONE_INTO_CGROUP, when there is one).  C2 makes itself
 * dumpable and says USERMAP; R puts it in the cgroup (when C2 will be the
 * host's root, it joins the v1 hierarchies itself after GO: cgroups.h says
 * why), writes the id maps and says GO; C2 becomes root, non-dumpable,
 * unshares the cgroup namespace (rooted at the cgroup it is in now, as in
 * two stages) and goes on as above from setsid.
 * One fork, one exit and two round trips fewer.  If that clone fails, the
 * two stages run instead (they name the namespace that failed).
 *
 * direct, R root, or rootless with a new user namespace: R writes the id
 * maps right after the clone, unasked (no USERMAP; rootless, C2 starts
 * dumpable, as R is for the clone, and turns non-dumpable after GO), and
 * the clone leaves out the network namespace.  R opens C2's user namespace
 * before GO; after it, R makes the network namespace beside C2 (namespaces.h,
 * pd_ns_make_net: in C2's user namespace, lo up) and sends it as NETNS, or
 * NETNS without an fd when it could not (C2 then makes its own).  C2 joins it right after GO when
 * something before READY needs it (hooks, the network supervisor, a sysfs
 * mount, a sysctl), else just before READY: meanwhile it builds its rootfs
 * (~0.4 ms of the kernel's network namespace setup off the critical path).
 *
 * Attached (`run` in the foreground, `sandbox`): R starts the init itself,
 * so there is no start.sock: after READY the init waits for GO on the
 * handshake socket, which R keeps (pd_created.sync) for
 * pd_container_start_created.  Without an overlay workspace, R writes
 * state "created" right after that GO, while the init execs (only R could
 * have started it before; a state.json written ahead, with the cgroup, is
 * there from the start).
 *
 * Pipelined start: attached, with nothing between READY and GO that could
 * fail or be seen (no hooks, no network supervisor, no pid file, state
 * "created" written after GO), R queues the start's GO (with pid 1's
 * report pipe) right after the setup's GO and NETNS, direct clone only.
 * The init finds it waiting once it said READY and goes on to exec at
 * once: the round trip READY, GO (~0.13 ms, two wakeups of a sleeping
 * vCPU) is gone; R still takes READY, then the start's READY and the EOF.
 * The process can't run before the setup said READY (the init reads GO
 * only after it), and R fails only if the init did, after READY only by
 * a kill of the init, which takes the process with it.
 *
 * Any failure kills C1/C2 and removes the state directory: every mount was
 * made in the container's own mount namespace, so nothing remains. */
#ifndef PADDOCK_CONTAINER_H
#define PADDOCK_CONTAINER_H
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>
#include "cgroups.h"
#include "plan.h"
#include "seccomp.h"
#include "state.h"

struct pd_create_opts {
    const char *root;
    enum pd_rootless_mode rootless;
    const char *id;
    const char *bundle;
    /* `sandbox`: the config.json text, handed over in memory (no file is
     * written or read); bundle (absolute) then only names it */
    const char *config_text;
    /* with config_text: its .linux.seccomp is PD_SECCOMP_PROFILE_REF, this
     * built-in profile (seccomp_profile.h).  The profile is not parsed: its
     * filter comes from the cache under its name, and its text goes into
     * the state directory's config.json. */
    const char *seccomp_builtin;
    const char *pid_file;
    const char *console_socket;
    int preserve_fds;
    bool no_pivot;
    bool no_new_keyring;
    bool foreground; /* `run` without --detach: relay the terminal ourselves */
    bool systemd_cgroup; /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
    bool no_cgroup;      /* --cgroup-manager disabled */
    bool sandbox_root;   /* `paddock sandbox` only: the rootfs may be the host's "/", and with
                            root.readonly every submount is read-only too (pd_plan.rootfs_clone) */
    bool init_reaper;    /* `sandbox`: see pd_init_args.init_reaper */
    const char *audit_log; /* `sandbox --audit-log`: the network supervisor's log (netsup.h);
                              NULL: dev.paddock.audit-log or the default */
    /* overlays (container_overlay.h, issue #6) */
    const char *from_snapshot; /* --from-snapshot SNAP */
    bool strict_base;          /* --strict-base */
    const char *store;         /* paddock --store DIR (NULL: the default) */
    /* Called once by the runtime while the init sets itself up (after GO,
     * before READY) with the parsed config: the caller's own work that
     * can overlap it (`sandbox`: its audit record, held until create
     * succeeds).  NULL: none. */
    void (*during_setup)(void *arg, const struct pd_config *cfg);
    void *setup_arg;
};

struct pd_created {
    pid_t pid;
    int console_master; /* foreground terminal without a console socket, else -1 */
    int sync;           /* foreground: the handshake socket the init is started over, else -1 */
    struct pd_container_dir dir; /* still locked */
    struct pd_config *cfg;
    struct pd_state *state;
    struct pd_cgroup *cgroup;
    bool init_reaper;   /* pd_create_opts.init_reaper */
    bool state_after_go; /* attached, and nothing reads state.json before the start (no
                            overlay workspace, whose cleanup asks whether its container
                            lives): state "created" is written right after GO */
    bool go_sent;       /* the start is pipelined: its GO was queued right after the
                           setup's (see "Pipelined start" above) */
    int exit_report;    /* after an attached start with init_reaper: the read end of pid 1's
                           report pipe (init_reaper.h), else -1 */
};

/* Whether the create handshake has the HOOKS round trip: the config has
 * hooks (both sides decide alike from the same config). */
bool pd_container_hooks_sync(const struct pd_config *cfg);

int pd_container_create(const struct pd_create_opts *o, struct pd_created *out, pd_error **err);
void pd_created_release(struct pd_created *c);

/* Start a created container; runs the poststart hooks (failures warn). */
int pd_container_start(struct pd_container_dir *d, struct pd_state *st,
                       const struct pd_config *cfg, pd_error **err);
/* The same for a container this process just created (over c->sync when attached). */
int pd_container_start_created(struct pd_created *c, pd_error **err);
/* Signal the init, or with `all` every process in the container. */
int pd_container_kill(const struct pd_state *st, int sig, bool all, pd_error **err);
/* Stop (with force), run poststop hooks, remove the state. Closes d. */
int pd_container_delete(struct pd_container_dir *d, struct pd_state *st,
                        const struct pd_config *cfg, bool force, pd_error **err);
/* `run` without --detach (and `sandbox`): start, wait forwarding signals
 * (the lock released meanwhile), then delete; *exit_code as `run` returns it. */
int pd_container_run_attached(struct pd_created *c, int *exit_code, pd_error **err);
/* The same, with what `sandbox` adds: a timeout (the init is SIGKILLed when
 * it expires; timed_out says so) and a call once the process has exec'd. */
struct pd_attach_opts {
    unsigned long long timeout;  /* seconds from the exec; 0: none */
    bool tty_signals;            /* see pd_supervise_opts */
    void (*started)(void *arg, const struct pd_created *c);
    void *arg;
    /* The caller reaps the init (pd_container_reap) when it reported the
     * process's status before its end (init_reaper.h; no cgroup): its
     * cleanup then overlaps the kernel's teardown of the init.  false: it
     * is reaped here. */
    bool defer_reap;
    /* out */
    bool timed_out;
    int wait_status;             /* the init's wait status, when it was reaped */
    pid_t exiting;               /* defer_reap: the init, every other process of it reaped,
                                    still to be reaped by the caller; else 0 */
};
int pd_container_run_attached_with(struct pd_created *c, struct pd_attach_opts *ao, int *exit_code,
                                   pd_error **err);
/* Reap ao->exiting; a failure (not our child any more) is a warning. */
void pd_container_reap(pid_t pid);
/* The config copy in the state directory. */
int pd_container_config(const struct pd_container_dir *d, const struct pd_state *st,
                        struct pd_config **cfg, pd_error **err);
/* The same for `exec`: when the state directory keeps the init's compiled
 * seccomp filter, *bpf gets it and .linux.seccomp is left out of the parse
 * (seccomp_cache.h); otherwise *bpf is NULL and the config is whole. */
struct pd_seccomp_bpf;
int pd_container_config_for_exec(const struct pd_container_dir *d, const struct pd_state *st,
                                 struct pd_seccomp_bpf **bpf, struct pd_config **cfg,
                                 pd_error **err);
/* The state JSON hooks get on stdin. */
char *pd_container_hook_state(const struct pd_config *cfg, const char *id,
                              enum pd_status status, pid_t pid);
/* poststart/poststop: every hook runs; each failure is only a warning (runtime.md). */
void pd_container_run_hooks_warn(const struct pd_config *cfg, const char *id, enum pd_hook_kind kind,
                                 enum pd_status status, pid_t pid);
int pd_container_run_hooks(const struct pd_config *cfg, const char *id, enum pd_hook_kind kind,
                           enum pd_status status, pid_t pid, pd_error **err);

/* --- the init side (container_init.c) --- */
struct pd_init_args {
    const struct pd_plan *plan;
    bool restore_cpus;   /* direct: the runtime moved the init off its CPU right after the
                            clone (container.c, spawn); after GO the init sets cpus, the
                            runtime's set, again: the container inherits that */
    cpu_set_t cpus;
    const char *id;
    pid_t runtime_pid;
    int sync_fd;
    int start_fd;        /* listening start.sock; -1: attached, started over sync_fd */
    int console_fd;      /* connected console socket, or -1 */
    int state_dir_fd;    /* the runtime's locked state dir: closed first, so the lock dies with the runtime */
    bool console_to_runtime;
    int preserve_fds;
    int listen_fds;      /* socket-activation fds, the first of preserve_fds */
    bool foreground;     /* `run`/`sandbox` attached: no COMMIT, PR_SET_PDEATHSIG kept, so
                            that the runtime's death (kill -9) takes the container down */
    const struct pd_seccomp_bpf *seccomp; /* compiled by the runtime before the fork (the
                                           init can't reach the cache after pivot_root); NULL: none */
    bool maps_unasked;   /* direct: the runtime writes the id maps right after the clone,
                            unasked (no USERMAP round trip; rootless, we start dumpable) */
    bool netns_deferred; /* direct: cloned without its new network namespace;
                            PD_SYNC_NETNS brings it (namespaces.h) */
    bool netns_early;    /* ... joined right after GO (hooks, the network supervisor, a
                            sysfs mount or a sysctl need it), else just before READY */
    bool init_reaper;    /* pid 1 stays a minimal init (reaps, forwards signals) and the
                            process runs as its child: the kernel ignores default-action
                            signals to a PID namespace's init, so Ctrl-C on a terminal
                            would not reach a process that is pid 1 itself */
    /* direct clone, and the init is the host's root after become_root (no
     * new user namespace, or one mapping 0 to 0): it joins the cgroup's v1
     * hierarchies (and its cgroup2 one unless cloned into it) itself, after
     * GO and before its cgroup namespace, without the kernel's global lock
     * (pd_cgroup_enter_self); NULL: the runtime placed it */
    const struct pd_cgroup *cgroup_self;
    bool in_unified;     /* cloned into the cgroup2 directory (CLONE_INTO_CGROUP) */
};
_Noreturn void pd_init_stage1(const struct pd_init_args *a);
/* The child of the direct clone (see "direct" above). */
_Noreturn void pd_init_direct(const struct pd_init_args *a);
#endif
