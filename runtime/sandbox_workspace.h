/* paddock sandbox: an overlay workspace (issue #6; spec/workspaces.md).
 *
 * With --workspace-overlay the current directory (the workspace) is the
 * lowest layer of an overlayfs mounted at its own path; the upper layer is
 * the workspace W (workspace.h) named --name NAME, else the sandbox's id.
 * W is opened (or made) and locked before the config is written, and the
 * config mounts the overlay instead of binding the directory; when the
 * sandbox has ended W is unlocked, and a W without a name, snapshot or
 * change is removed (otherwise one line says how to review it). */
#ifndef PADDOCK_SANDBOX_WORKSPACE_H
#define PADDOCK_SANDBOX_WORKSPACE_H
#include <stdbool.h>

#include "error.h"
#include "sandbox.h"

struct pd_ws_started;

struct pd_sandbox_ws {
    struct pd_sandbox_opts *o;
    struct pd_ws_started *ws;
};

/* An overlay needs the sandbox's own mount namespace: refused in
 * container-boundary mode (issue #7), which has none. */
int pd_sandbox_workspace_check(const struct pd_sandbox_opts *o, bool boundary, pd_error **err);
/* Open W for sw->o (nothing without --workspace-overlay) and set
 * sw->o->ws_mount_options. */
int pd_sandbox_workspace_start(struct pd_sandbox_ws *sw, const char *cwd, const char *id,
                               pd_error **err);
void pd_sandbox_workspace_finish(struct pd_sandbox_ws *sw);
#define _cleanup_sandbox_ws_ __attribute__((cleanup(pd_sandbox_workspace_finish)))
#endif
