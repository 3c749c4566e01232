/* paddock sandbox in container-boundary mode, recorded like any sandbox
 * (issue #7): ROOT/ID (the --root, ID the sandbox's "sandbox-PID-RANDOM")
 * holds config.json, the config the sandbox generated, and state.json:
 * status running, pid and start time of the command itself (no PID
 * namespace: it is in the caller's), and paddock.environment naming the
 * mode, why, and what status needs to say what is lost (state.h); the
 * annotation dev.paddock.environment=container-boundary shows it in `state`.
 * So `list`, `state ID`, `status ID`, `kill [--all] ID` and `delete --force
 * ID` see it.  The directory is made locked; state.json is written once
 * the command has exec'd, then the lock is released; when the run ends,
 * paddock removes the directory (unless `delete --force` did).  When
 * paddock itself was killed (kill -9), the next sandbox run sweeps it
 * (sandbox.c: the owner's pid is in the id), and with it what the command
 * left behind (pd_boundary_kill_tree). */
#ifndef PADDOCK_BOUNDARY_STATE_H
#define PADDOCK_BOUNDARY_STATE_H
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "state.h"

struct pd_sandbox_opts;

struct pd_boundary_state {
    struct pd_container_dir d;  /* fd -1: nothing recorded */
    struct pd_state st;
    void (*started)(void *arg, pid_t pid); /* the caller's callback, called after */
    void *arg;
};

/* Make ROOT/ID, locked, with config (cfg parsed from it) as config.json. */
int pd_boundary_state_create(const struct pd_sandbox_opts *o, const char *id,
                             const char *config, const struct pd_config *cfg,
                             struct pd_boundary_state *bs, pd_error **err);
/* pd_boundary_run.started (arg: the pd_boundary_state): write state.json,
 * running with the command's pid, and unlock; then bs->started. */
void pd_boundary_state_started(void *arg, pid_t pid);
/* The run has ended: remove the directory (if still there) and free bs. */
void pd_boundary_state_finish(struct pd_boundary_state *bs);

/* Send sig to the processes of a container-boundary run: its command
 * (st->pid, if still the same process), every process of its session and
 * process group (the command called setsid: both are its pid) started
 * since, and every descendant of any of those.  Never paddock itself.
 * Without a PID namespace, a process that left the session and whose
 * ancestors in the run are gone (it was reparented out of the tree) can't
 * be found.  Returns how many processes were signalled. */
int pd_boundary_kill_tree(const struct pd_state *st, int sig);
#endif
