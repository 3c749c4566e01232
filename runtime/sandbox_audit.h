/* paddock sandbox: its audit events (issue #4, "Audit log").  JSON lines
 * through audit.h, one write(2) each:
 *   sandbox.start  mode, command, cwd, writable (every writable root),
 *                  protected (read-only paths), unprotected_missing,
 *                  masked_unix_sockets, network, uid_map, layers
 *   sandbox.exit   status, duration_ms
 *   fallback       layer, reason (a protection that runs degraded)
 * A failure to write an event is a warning: the sandbox has started. */
#ifndef PADDOCK_SANDBOX_AUDIT_H
#define PADDOCK_SANDBOX_AUDIT_H
#include <stdint.h>

#include "audit.h"
#include "sandbox.h"
#include "sandbox_protect.h"

/* cfg: the config pd_sandbox_config built (its linux.seccomp is the
 * built-in agent-default profile, which the layer report takes as given). */
void pd_sandbox_audit_start(struct pd_audit *a, const char *id, const struct pd_sandbox_opts *o,
                            const char *cwd, const struct pd_protect *prot,
                            const struct pd_config *cfg);
void pd_sandbox_audit_exit(struct pd_audit *a, const char *id, int status, int64_t duration_ms);
/* Agent bundles under create/start/run/delete: event "sandbox.start" (with
 * mode, command, bundle, cwd, writable, network, pid, layers) or
 * "sandbox.exit" (status, or null when unknown, e.g. at delete of a
 * detached container); nothing for a plain OCI config. */
void pd_agent_audit(const struct pd_config *cfg, const char *id, const char *event, pid_t pid,
                    int status);
/* Snapshots and workspace changes (issue #6), into the default audit log:
 * event "snapshot.create" (name, from), "snapshot.rm", "snapshot.flatten",
 * "workspace.apply", "workspace.discard" (name; from NULL). */
void pd_store_audit(const char *event, const char *name, const char *from);
void pd_sandbox_audit_fallback(struct pd_audit *a, const char *id, const char *layer,
                               const char *reason);
#endif
