/* paddock supervise: `run` in the foreground.  Forwards SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the container's init,
 * relays a terminal when the runtime holds the pty master, reaps the init,
 * and turns its wait status into an exit code (128+N for signal N). */
#ifndef PADDOCK_SUPERVISE_H
#define PADDOCK_SUPERVISE_H
#include <signal.h>
#include <sys/types.h>
#include "error.h"
/* The signals `run` handles; block them before creating the container. */
void pd_supervise_signals(sigset_t *set);
int pd_supervise(pid_t pid, int master, int *exit_code, pd_error **err);
#endif
