/* paddock: a minimal init for pid 1 of a container (`sandbox`).
 *
 * The kernel ignores every signal whose action is the default one when it
 * is sent to the init of a PID namespace (only SIGKILL and SIGSTOP from an
 * ancestor namespace get through).  A process that is pid 1 itself, say
 * `sleep`, therefore survives the SIGINT of Ctrl-C on its terminal.  With
 * init_reaper the container's init forks once more: the child goes on to
 * exec the process (pid 2, in the init's session and foreground process
 * group, so the terminal's signals reach it; attached, the fork comes
 * before `start` and the child waits for it), and pid 1 stays behind as a
 * reaper that
 *   - drops every capability and sets no_new_privs, and closes every fd;
 *   - reaps every child, and when the process ends exits with its status
 *     (128+N when it was killed by signal N), which ends the namespace;
 *     with a report pipe (`sandbox`) it first SIGKILLs and reaps every
 *     other process of the namespace itself and, when none is left, writes
 *     the status (one byte) to the pipe: the runtime then does its cleanup
 *     while the kernel tears pid 1 and its namespaces down (~0.25 ms),
 *     and reaps pid 1 last;
 *   - forwards the signals sent to it from outside (the runtime's forwarding,
 *     `paddock kill`) to the process; signals of the terminal (SI_KERNEL)
 *     are not forwarded: the process got them directly; but the signals
 *     queued on pid 1 before the fork, the terminal's too, are forwarded
 *     once the process exists (a Ctrl-C typed while the init set up);
 *   - resumes the process when a terminal stop (Ctrl-Z) stops it: there is
 *     no shell outside the sandbox to resume it, and a stopped sandbox
 *     would hang its caller. */
#ifndef PADDOCK_INIT_REAPER_H
#define PADDOCK_INIT_REAPER_H
#include "error.h"

/* Fork.  Returns 0 in the child, which goes on to exec (report closed); the
 * parent becomes the reaper and never returns (conn, the `start`
 * connection, is closed in it; report, the write end of the report pipe or
 * -1, kept).  -1 with err when fork fails. */
int pd_init_reaper_split(int conn, int report, pd_error **err);

/* The same before `start`, when it comes over conn (attached): the fork
 * overlaps the runtime's turn between READY and GO.  Pid 1 then calls
 * start(arg, &report) -- GO (with the report pipe), the startContainer
 * hooks, READY -- and lets the child go on only after it returned; if it
 * fails (or does not return), the child exits without going on.  Returns
 * 0 in the child; -1 with err when fork fails. */
int pd_init_reaper_split_early(int conn, void (*start)(void *arg, int *report), void *arg,
                               pd_error **err);
#endif
