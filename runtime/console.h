/* paddock apply: the container's terminal.  The pty is created inside the
 * container (its own devpts instance), its slave becomes the process's
 * controlling terminal and stdio, and the master goes to the engine over
 * the --console-socket (SCM_RIGHTS), or to `paddock run` for relaying. */
#ifndef PADDOCK_CONSOLE_H
#define PADDOCK_CONSOLE_H
#include "config.h"
/* Connect to the engine's console socket (a unix stream socket path). */
int pd_console_connect(const char *path, int *sock, pd_error **err);
/* In the container, after pivot_root: open /dev/ptmx, make the slave the
 * controlling terminal and fds 0-2, return the master. */
int pd_console_setup(const struct pd_process *proc, int *master, pd_error **err);
/* Send the master over a console socket, with the pty name as payload. */
int pd_console_send(int sock, int master, pd_error **err);
/* Copy the window size of fd `from` to the pty master `to`. */
void pd_console_copy_winsize(int from, int to);
#endif
