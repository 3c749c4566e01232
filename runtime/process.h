/* paddock apply: the last steps of a container process before execve:
 * rlimits, oom_score_adj, user and groups, umask, cwd, capabilities,
 * no_new_privs, seccomp, fd hygiene, then exec. */
#ifndef PADDOCK_PROCESS_H
#define PADDOCK_PROCESS_H
#include <stdbool.h>
#include "agent_plan.h"
#include "config.h"
#include "seccomp.h"

struct pd_exec_opts {
    int preserve_fds;   /* fds 3 .. 3+N-1 are passed on */
    const struct pd_seccomp_bpf *seccomp; /* compiled filter (pd_seccomp_prepare) or NULL */
    const struct pd_agent_plan *agent; /* landlock etc., applied first (NULL: none) */
    int listen_fds;      /* > 0: fds 3..3+N-1 are socket-activation fds: export
                            LISTEN_FDS=N and LISTEN_PID=<our pid> (preserve_fds includes them) */
};

/* Find the executable for args[0] using PATH from proc->env (the container's
 * environment, not ours), inside the current root.  On failure the message
 * contains "executable file not found in $PATH" or "no such file or directory"
 * (engines match these) and err->exit_code is 127 (126 when not executable). */
int pd_process_find_exe(const struct pd_process *proc, char **exe, pd_error **err);
/* Apply everything and execve(exe). Returns only on failure. */
int pd_process_exec(const struct pd_process *proc, const char *exe,
                    const struct pd_exec_opts *opts, pd_error **err);
#endif
