/* paddock: the audit log.  One event is one JSON object on one line,
 * appended with a single write(2) so that concurrent writers (several
 * sandboxes sharing a log) never interleave:
 *   {"time":"RFC3339","event":NAME,"id":SANDBOX_ID, ...fields}
 */
#ifndef PADDOCK_AUDIT_H
#define PADDOCK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct pd_audit; /* opaque: an open log */

/* path NULL: $XDG_STATE_HOME/paddock/audit.log (default
 * ~/.local/state/paddock/audit.log; root: /var/log/paddock/audit.log).
 * Creates parent dirs 0700, opens O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC 0600.
 * When the system policy (policy.h) names a mandatory audit log, that one
 * is opened too and gets every event; failing to open it is an error. */
int pd_audit_open(const char *path, struct pd_audit **out, pd_error **err);

/* Extra members of an event, in order.  PD_AF_STR: s (NULL writes null);
 * PD_AF_INT: i; PD_AF_BOOL: b; PD_AF_STRV: v, a NULL-terminated vector
 * (NULL writes []); PD_AF_RAW_JSON: s, an already-serialized JSON value,
 * validated with pd_json_parse and embedded on one line.  The keys "time",
 * "event" and "id" are reserved. */
struct pd_audit_field {
    const char *key;
    enum { PD_AF_STR, PD_AF_INT, PD_AF_BOOL, PD_AF_STRV, PD_AF_RAW_JSON } type;
    const char *s;
    long long i;
    bool b;
    const char *const *v;
};

/* Append one event.  id may be NULL (written as null). */
int pd_audit_event(struct pd_audit *a, const char *event, const char *id,
                   const struct pd_audit_field *f, size_t n, pd_error **err);
void pd_audit_close(struct pd_audit *a);

/* Hold the next events in memory (each line built, with its time, as
 * pd_audit_event is called) instead of appending them:
 * pd_audit_release appends them in order, each with its own write(2), and
 * pd_audit_drop forgets them; either ends the hold (close drops them).
 * For an event prepared while other work runs and written only once that
 * work succeeded (sandbox.start while the init sets itself up). */
void pd_audit_hold(struct pd_audit *a);
int pd_audit_release(struct pd_audit *a, pd_error **err);
void pd_audit_drop(struct pd_audit *a);
const char *pd_audit_path(const struct pd_audit *a);

/* A bundle's dev.paddock.audit-log is chosen by whoever wrote the bundle
 * (under an engine: a pod's author), but root opens it: for euid 0 it
 * must lie under PD_AUDIT_BUNDLE_DIR, so that no annotation makes root
 * create or append to /etc/... .  Any path is fine for other callers (it
 * is theirs to write anyway).  Fails naming the key and the rule. */
#define PD_AUDIT_BUNDLE_DIR "/var/log/paddock/"
int pd_audit_bundle_path_check(const char *path, uid_t euid, pd_error **err);

/* The path pd_audit_open(NULL, ...) uses (malloc'd). */
int pd_audit_default_path(char **out, pd_error **err);

#endif
