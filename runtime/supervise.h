/* paddock supervise: `run` in the foreground.  Forwards SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the container's init,
 * relays a terminal when the runtime holds the pty master (the caller's
 * terminal in raw mode, window size changes followed), reaps the init,
 * and turns its wait status into an exit code (128+N for signal N).
 * With a timeout (`sandbox --timeout`), a timerfd in the same poll loop
 * SIGKILLs the init when it expires: as pid 1 of its PID namespace, its
 * death takes every process of the namespace with it.  A minimal init that
 * reports its process's status over a pipe (init_reaper.h) ends the
 * supervision before its own end. */
#ifndef PADDOCK_SUPERVISE_H
#define PADDOCK_SUPERVISE_H
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
/* The signals `run` handles; block them before creating the container. */
void pd_supervise_signals(sigset_t *set);
int pd_supervise(pid_t pid, int master, int *exit_code, pd_error **err);

struct pd_supervise_opts {
    int master;                 /* pty master to relay, or -1 */
    unsigned long long timeout; /* seconds from the call; 0: none */
    /* With a master: SIGINT and SIGQUIT go to the terminal's foreground
     * process group (TIOCSIG), not to the init (`sandbox`). */
    bool tty_signals;
    /* The read end of pid 1's report pipe (init_reaper.h), or -1.  The
     * status read from it ends the supervision without reaping the init
     * (reaped false): every other process of it is gone, and it is exiting. */
    int exit_report;
    /* out */
    bool timed_out;             /* the timeout expired and the init was SIGKILLed */
    int wait_status;            /* the init's wait status (waitpid), or the reported status as
                                   an exit status */
    bool reaped;                /* false: the status was reported, the init is the caller's to reap */
};
int pd_supervise_with(pid_t pid, struct pd_supervise_opts *so, int *exit_code, pd_error **err);
#endif
