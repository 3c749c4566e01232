/* paddock create: overlay workspaces and rootfs of bundles.  See
 * container_overlay.h. */
#define _GNU_SOURCE
#include "container_overlay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent_policy.h"
#include "snapshot.h"
#include "util.h"
#include "workspace.h"

/* The options as one fs-data string ("lowerdir=...,upperdir=...,..."). */
static char *options_data(const struct pd_ws_started *st)
{
    _cleanup_strv_ char **v = pd_workspace_mount_options(st);
    size_t len = 1;
    for (size_t i = 0; v[i]; i++)
        len += strlen(v[i]) + 1;
    char *s = pd_xcalloc(len, 1);
    for (size_t i = 0; v[i]; i++)
        strcat(strcat(s, i ? "," : ""), v[i]);
    return s;
}

/* The workspace overlay as the last mount of the plan. */
static void add_mount(struct pd_plan *plan, const char *dest, const struct pd_ws_started *st)
{
    plan->mounts = pd_xrealloc(plan->mounts, (plan->n_mounts + 1) * sizeof(*plan->mounts));
    struct pd_mount_op *op = &plan->mounts[plan->n_mounts];
    *op = (struct pd_mount_op){.index = plan->n_mounts, .kind = PD_MOUNT_FS,
                               .source = pd_xstrdup("overlay"), .dest = pd_xstrdup(dest),
                               .fstype = pd_xstrdup("overlay")};
    op->fl.data = options_data(st);
    plan->n_mounts++;
}

/* The kind of snapshot name (rootfs or directory). */
static int snapshot_kind(const char *store, const char *name, enum pd_ws_kind *kind, pd_error **err)
{
    _cleanup_store_ struct pd_store *s = NULL;
    struct pd_snap_meta m;
    if (pd_store_check_name("--from-snapshot", name, err) < 0 ||
        pd_store_open(store, false, &s, err) < 0 || pd_snapshot_read(s, name, &m, err) < 0)
        return pd_wrap(err, "--from-snapshot %s", name);
    *kind = m.kind;
    pd_snap_meta_clear(&m);
    return 0;
}

static int start(const struct pd_create_opts *o, enum pd_ws_kind kind, const char *base,
                 const char *from, char *const *protected_paths, struct pd_ws_started **out,
                 pd_error **err)
{
    _cleanup_free_ char *name = kind == PD_WS_ROOTFS ? pd_xasprintf("%s.rootfs", o->id)
                                                     : pd_xstrdup(o->id);
    struct pd_ws_request rq = {.store = o->store, .name = name, .kind = kind, .base = base,
                               .from_snapshot = from, .strict_base = o->strict_base,
                               .container_id = o->id, .container_root = o->root,
                               .protected_paths = kind == PD_WS_DIR ? protected_paths : NULL};
    if (pd_workspace_start(&rq, out, err) < 0)
        return pd_wrap(err, "%s overlay", kind == PD_WS_ROOTFS ? "rootfs" : "workspace");
    return 0;
}

int pd_container_overlays(const struct pd_create_opts *o, const struct pd_config *cfg,
                          struct pd_plan *plan, struct pd_container_overlays *ov, pd_error **err)
{
    if (o->sandbox_root || (o->from_snapshot == NULL && cfg->n_annotations == 0))
        return 0; /* a sandbox makes its own; a plain OCI bundle has none */
    _cleanup_agent_policy_ struct pd_agent_policy *pol = NULL;
    if (pd_agent_policy_parse(cfg, &pol, err) < 0)
        return -1;
    bool ws = pol->workspace_kind == PD_WORKSPACE_OVERLAY;
    bool rootfs = pol->rootfs_kind == PD_WORKSPACE_OVERLAY;
    enum pd_ws_kind snap = PD_WS_DIR;
    if (o->from_snapshot != NULL && snapshot_kind(o->store, o->from_snapshot, &snap, err) < 0)
        return -1;
    if (o->from_snapshot != NULL)
        *(snap == PD_WS_ROOTFS ? &rootfs : &ws) = true;
    if (ws && pol->workspace == NULL)
        return pd_failx(err, "bundle %s: an overlay workspace needs " PD_AGENT_PREFIX
                        "workspace (the host directory under it)", cfg->bundle);
    if (rootfs && strcmp(plan->rootfs, "/") == 0)
        return pd_failx(err, "bundle %s: the host's / can't be the lower layer of an overlay "
                        "rootfs (paddock sandbox --workspace-overlay overlays a directory)",
                        cfg->bundle);
    const char *from_ws = o->from_snapshot && snap == PD_WS_DIR ? o->from_snapshot : NULL;
    const char *from_rootfs = o->from_snapshot && snap == PD_WS_ROOTFS ? o->from_snapshot : NULL;
    if (ws && start(o, PD_WS_DIR, pol->workspace, from_ws, pol->protected_paths, &ov->ws, err) < 0)
        return -1;
    if (rootfs && start(o, PD_WS_ROOTFS, plan->rootfs, from_rootfs, NULL, &ov->rootfs, err) < 0)
        return -1;
    if (ws)
        add_mount(plan, pol->workspace, ov->ws);
    if (rootfs)
        plan->rootfs_overlay = options_data(ov->rootfs);
    return 0;
}

void pd_container_overlays_done(struct pd_container_overlays *ov)
{
    bool removed;
    pd_workspace_finish(ov->ws, &removed);
    pd_workspace_finish(ov->rootfs, &removed);
    ov->ws = ov->rootfs = NULL;
}
