/* paddock sandbox: an overlay workspace.  See sandbox_workspace.h. */
#define _GNU_SOURCE
#include "sandbox_workspace.h"

#include <stdlib.h>
#include <string.h>

#include "agent_policy.h"
#include "log.h"
#include "state.h"
#include "util.h"
#include "workspace.h"

/* The protected paths apply refuses: the defaults and --protect. */
static char **protected_list(const struct pd_sandbox_opts *o)
{
    size_t n = 0;
    while (pd_agent_default_protected[n])
        n++;
    char **v = pd_xcalloc(n + o->n_protect + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        v[i] = pd_xstrdup(pd_agent_default_protected[i]);
    for (size_t i = 0; i < o->n_protect; i++)
        v[n + i] = pd_xstrdup(o->protect[i]);
    return v;
}

int pd_sandbox_workspace_check(const struct pd_sandbox_opts *o, bool boundary, pd_error **err)
{
    if (o->workspace_overlay && boundary)
        return pd_failx(err, "sandbox: --workspace-overlay needs a mount namespace of the "
                        "sandbox's own, which container-boundary mode does not make");
    return 0;
}

int pd_sandbox_workspace_start(struct pd_sandbox_ws *sw, const char *cwd, const char *id,
                               pd_error **err)
{
    struct pd_sandbox_opts *o = sw->o;
    sw->ws = NULL;
    if (!o->workspace_overlay)
        return 0;
    _cleanup_strv_ char **prot = protected_list(o);
    _cleanup_free_ char *root = o->root ? pd_xstrdup(o->root) : pd_state_default_root();
    struct pd_ws_request rq = {
        .store = o->store, .name = o->name ? o->name : id, .named = o->name != NULL,
        .kind = PD_WS_DIR, .base = cwd, .from_snapshot = o->from_snapshot,
        .strict_base = o->strict_base, .container_id = id, .container_root = root,
        .protected_paths = prot,
    };
    if (pd_workspace_start(&rq, &sw->ws, err) < 0)
        return pd_wrap(err, "sandbox: overlay workspace");
    o->ws_mount_options = pd_workspace_mount_options(sw->ws);
    return 0;
}

void pd_sandbox_workspace_finish(struct pd_sandbox_ws *sw)
{
    if (sw->ws == NULL)
        return;
    _cleanup_free_ char *name = pd_xstrdup(sw->ws->ws->name);
    bool named = sw->ws->ws->meta.named, removed = false;
    pd_workspace_finish(sw->ws, &removed);
    sw->ws = NULL;
    pd_strv_free(sw->o->ws_mount_options);
    sw->o->ws_mount_options = NULL;
    if (!removed && !named)
        pd_log(PD_LOG_INFO, "sandbox: the workspace's changes are kept as %s: paddock workspace "
               "diff %s (then apply or discard)", name, name);
}
