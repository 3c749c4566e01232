/* paddock: `exec` -- run a new process inside a running container. */
#ifndef PADDOCK_EXEC_H
#define PADDOCK_EXEC_H
#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "state.h"

struct pd_exec_request {
    const struct pd_config *cfg;   /* the container's config (defaults: seccomp, caps, rlimits...) */
    const struct pd_state *st;     /* pid of the container init */
    struct pd_process *proc;       /* the process to run (from --process FILE or the flags), owned by caller */
    const char *cgroup;            /* pd_cgroup_serialize() string of the container, or "" */
    const struct pd_cgroup *cg;    /* that cgroup already loaded (pd_state_status_cg), or NULL */
    const struct pd_seccomp_bpf *seccomp; /* the init's filter from the state (cfg then has no
                                             .linux.seccomp), or NULL: compiled from cfg */
    const char *console_socket;
    const char *pid_file;
    int preserve_fds;
    bool detach;
};

/* Join the container (every namespace of its init, user first; its cgroup),
 * apply the process settings and exec.  Without detach: wait, forward
 * signals, relay the terminal, and set *exit_code (128+N for signal N).
 * With detach: return once the process has exec'd (the pid file written). */
int pd_exec(const struct pd_exec_request *req, int *exit_code, pd_error **err);
#endif
