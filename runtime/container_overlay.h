/* paddock create: overlay workspaces and rootfs of bundles (issue #6;
 * spec/workspaces.md, "Bundles").
 *
 *   dev.paddock.workspace.kind=overlay   dev.paddock.workspace (a host
 *       directory, required) is the lower layer of an overlay mounted at
 *       the same path in the container, after the config's mounts; the
 *       workspace is named after the container id.
 *   dev.paddock.rootfs.kind=overlay      root.path is the lower layer of the
 *       container's rootfs, an overlay; the workspace is named ID.rootfs.
 *   create|run --from-snapshot SNAP      SNAP's layers over the base: a
 *       snapshot of a rootfs makes the rootfs an overlay, one of a workspace
 *       directory the workspace (dev.paddock.workspace names it).
 *
 * The workspaces outlive the container, like a sandbox's: `paddock
 * workspace diff|apply|discard ID` (ID.rootfs), `snapshot create ID SNAP`;
 * creating a container with the same id goes on with them.  `paddock
 * sandbox` makes its own (sandbox_workspace.h): nothing is done for it. */
#ifndef PADDOCK_CONTAINER_OVERLAY_H
#define PADDOCK_CONTAINER_OVERLAY_H
#include "container.h"
#include "error.h"
#include "plan.h"

struct pd_ws_started;

struct pd_container_overlays {
    struct pd_ws_started *ws, *rootfs;
};

/* Open (or make) the workspaces o and cfg ask for, locked, and put their
 * overlays into plan. */
int pd_container_overlays(const struct pd_create_opts *o, const struct pd_config *cfg,
                          struct pd_plan *plan, struct pd_container_overlays *ov, pd_error **err);
/* Unlock them (a new one without any change is removed once its container
 * is gone, here when the create failed). */
void pd_container_overlays_done(struct pd_container_overlays *ov);
#define _cleanup_container_overlays_ __attribute__((cleanup(pd_container_overlays_done)))
#endif
