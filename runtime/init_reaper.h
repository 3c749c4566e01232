/* paddock: a minimal init for pid 1 of a container (`sandbox`).
 *
 * The kernel ignores every signal whose action is the default one when it
 * is sent to the init of a PID namespace (only SIGKILL and SIGSTOP from an
 * ancestor namespace get through).  A process that is pid 1 itself, say
 * `sleep`, therefore survives the SIGINT of Ctrl-C on its terminal.  With
 * init_reaper the container's init starts a child once `start` came: it
 * goes on to exec the process (pid 2, in the init's session and foreground
 * process group, so the terminal's signals reach it), and pid 1 stays
 * behind as a reaper that
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
#include <stdbool.h>
#include "error.h"

/* Pid 1 after `start` (GO with the report pipe, the startContainer hooks,
 * READY: the caller's): runs fn(arg) in a child, the process, which must
 * end in execve or _exit; pid 1 then becomes the reaper and never returns
 * (conn, the `start` connection, is closed in it; report, the write end of
 * the report pipe or -1, kept in it and closed in the child).  -1 with err
 * when the child could not be started.
 *
 * share: the child shares pid 1's memory until its execve (clone_vm.h),
 * while pid 1 waits for that in the kernel.  Only without a terminal: a
 * stop (Ctrl-Z, SIGTTOU) that reached the child before its execve would
 * then hold both, as pid 1 could not resume it; a process without a
 * controlling terminal gets no stop signal but one sent to it on purpose.
 * Otherwise a fork, which pid 1 resumes like the process itself. */
int pd_init_reaper_spawn(int conn, int report, int (*fn)(void *), void *arg, bool share,
                         pd_error **err);
#endif
