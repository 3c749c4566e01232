/* paddock's OCI hooks (hooks/README.md): what they share.
 *
 * A hook is run by an engine (podman and CRI-O through hooks.d descriptors)
 * or by the runtime (config.json "hooks"), as root or as the rootless user,
 * with the container's state (runtime-spec runtime.md "State") as JSON on
 * stdin:
 *   {"ociVersion", "id", "status", "pid"?, "bundle", "annotations"?}
 * podman's poststop hooks get no "pid" (podman runs them itself, after the
 * container is gone).  The hooks never run a shell and never trust the state
 * beyond what they check here. */
#ifndef PADDOCK_HOOK_COMMON_H
#define PADDOCK_HOOK_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "agent_policy.h"
#include "config.h"
#include "error.h"

struct pd_hook_state {
    char *id;     /* never NULL */
    char *status; /* "running", "stopped", ...; NULL when absent */
    char *bundle; /* absolute; NULL when absent */
    bool has_pid;
    long long pid;
    /* The bundle's config.json when it could be read (then cfg_loaded), else
     * a config holding only the bundle and the state's annotations.  The
     * state's annotations, when given, replace the config's (they are what
     * the engine ran the container with). */
    struct pd_config *cfg;
    bool cfg_loaded;
    char *cfg_error; /* why config.json was not read, or NULL */
};

/* Read and check the state JSON on fd (at most 1 MiB). */
int pd_hook_state_read(int fd, struct pd_hook_state **out, pd_error **err);
void pd_hook_state_free(struct pd_hook_state *s);

/* The value of annotation key, or NULL. */
const char *pd_hook_annotation(const struct pd_hook_state *s, const char *key);

/* The dev.paddock.* annotations as a JSON object (malloc'd, one line). */
char *pd_hook_policy_json(const struct pd_hook_state *s);

/* The engine that ran the container, from its annotations: "podman"
 * (io.container.manager=libpod), "cri-o", "containerd-cri", or NULL. */
const char *pd_hook_engine(const struct pd_hook_state *s);

/* "prog: message" on stderr; returns 1 (the hooks' failure status). */
int pd_hook_fail(const char *prog, const pd_error *err);

/* The state on stdin (pd_hook_state_read); NULL, said on stderr, when it
 * can't be read. */
struct pd_hook_state *pd_hook_state_stdin(const char *prog);

#endif
