/* paddock apply: OCI hooks.  Each hook is run directly (never through a
 * shell) with the container state JSON on stdin, its own args and env, and
 * an optional timeout. */
#ifndef PADDOCK_HOOKS_H
#define PADDOCK_HOOKS_H
#include "config.h"
/* Run every hook of a list in order; stop at the first failure.  A hook
 * fails when it can't be started, exits non-zero, dies of a signal, or
 * outlives its timeout (it is then killed with SIGKILL).  The error names
 * its JSON path and its path: ".hooks.createRuntime[0] (/usr/bin/x): exited with status 3".
 * The hook's stderr passes through to ours; its stdout goes to our stderr
 * (stdout may be the container's). */
int pd_hooks_run(const struct pd_hook_list *list, enum pd_hook_kind kind,
                 const char *state_json, pd_error **err);
#endif
