/* paddock sandbox in container-boundary mode (issue #7, sandbox_env.h):
 * where the namespaces a sandbox needs can't be made (inside a default
 * Docker or podman container, a Kubernetes pod, under AppArmor's userns
 * restriction), the command runs without new namespaces, with every
 * protection the kernel still allows, in this order in the child:
 *   the caller's signals reset; a parent-death signal; setsid (and a pty of
 *   its own as controlling terminal when stdin is a terminal, relayed as in
 *   full mode); the workspace as cwd; rlimits (--memory as RLIMIT_AS);
 *   a new session keyring; every capability dropped (bounding, ambient,
 *   effective, permitted, inheritable); landlock -- writes only under the
 *   writable roots, a private TMPDIR and /dev/null, /dev/zero, /dev/full,
 *   /dev/tty, /dev/ptmx (none but those in read-only), with network none no
 *   TCP bind or connect (ABI >= 4), scoped signals and abstract unix
 *   sockets (ABI >= 6), denials logged to the audit log (ABI >= 7);
 *   no_new_privs; every inherited fd closed on exec; the agent seccomp
 *   profile and, with network none, a second filter refusing every IP
 *   socket but TCP (landlock only knows TCP); execve with the environment
 *   deny-list applied, PADDOCK_MODE=container-boundary and TMPDIR set.
 * A protection the mode claims that fails to apply fails the run (125).
 * paddock is the command's subreaper: when the command ends (or the
 * timeout expires), its process group and every process it left behind
 * are SIGKILLed.  Without a PID namespace, a SIGKILL of paddock itself
 * leaves them running: the command dies (its parent-death signal), what it
 * started is reparented out of reach; the next sandbox run sweeps the run's
 * state and kills those still in the command's session or process group
 * (boundary_state.h), but not one that made a session of its own (setsid),
 * which nothing links to the run any more. */
#ifndef PADDOCK_BOUNDARY_H
#define PADDOCK_BOUNDARY_H
#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

struct pd_boundary_run {
    const char *id;
    const char *cwd;        /* the workspace */
    const char *tmpdir;     /* a private directory (TMPDIR), made by the caller */
    void (*started)(void *arg, pid_t pid); /* the command has exec'd */
    void *arg;
    /* out */
    int wait_status;
    bool timed_out;
};

/* Run o->argv in container-boundary mode (o->env).  Returns the exit status
 * as pd_sandbox_run does; errors are reported before returning. */
int pd_boundary_exec(const struct pd_sandbox_opts *o, struct pd_boundary_run *run);

/* The same, with what surrounds it (boundary_sandbox.c): the limits as
 * rlimits (o->enforce), the one stderr line naming the mode and what is
 * lost, and the audit events (sandbox.start with each layer's state, a
 * `fallback` event for the mode and for each layer lost). */
struct pd_audit;
int pd_boundary_sandbox(struct pd_sandbox_opts *o, struct pd_boundary_run *run,
                        struct pd_audit *audit);
#endif
