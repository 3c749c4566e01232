/* paddock: landlock, the second wall behind the mounts (#4) and the main
 * filesystem/network wall in container-boundary mode (#7).
 *
 * Uses the kernel UAPI <linux/landlock.h> and raw syscalls.  Debian 12's
 * linux-libc-dev (6.1) lacks the names of ABI >= 3 features; landlock.c
 * defines the missing ones itself with their upstream values.
 *
 * pd_landlock_apply() restricts the CALLING thread (and what it later
 * forks/execs); it is irreversible.  It sets no_new_privs first, as
 * landlock_restrict_self(2) requires it for callers without CAP_SYS_ADMIN
 * (and it is a sandbox layer paddock wants anyway).  Call it in the child,
 * right before exec, after everything that needs the filesystem is done.
 */
#ifndef PADDOCK_LANDLOCK_H
#define PADDOCK_LANDLOCK_H

#include <stdbool.h>

#include "error.h"

struct pd_landlock_req {
    const char *const *writable;   /* NULL-terminated dirs where writes are allowed (may be NULL) */
    const char *const *readable;   /* NULL-terminated dirs that are readable/executable ("/" usually) */
    bool deny_tcp;                 /* ABI >= 4: no TCP bind/connect ... */
    int allow_connect_port;        /* ... except connect to this port (0 = none) */
    const int *allow_connect_ports; /* ... and these (0-terminated; NULL = none) */
    bool scope_signals_and_abstract_unix; /* ABI >= 6: no signals / abstract unix
                                           * connects to processes outside the domain */
    bool log_denials;              /* ABI >= 7: log denials to the audit log, also after exec */
    bool skip_fs;                  /* no filesystem rules at all (a domain that handles
                                    * filesystem access also forbids every mount) */
};

struct pd_landlock_result {
    int abi;          /* landlock ABI in use, 0 = unavailable */
    bool fs;          /* filesystem rules enforced */
    bool net;         /* TCP rules enforced */
    bool scoped;      /* signal / abstract unix scoping enforced */
    char lost[256];   /* what was requested but the ABI could not give, "" = nothing */
};

/* The landlock ABI version of the running kernel; 0 when landlock is not
 * available (ENOSYS: not built in; EOPNOTSUPP: disabled at boot). */
int pd_landlock_abi(void);

/* Build a ruleset from r and enforce it on the calling thread.
 * - handled FS rights are every right the ABI knows (v1 base set, v2 REFER,
 *   v3 TRUNCATE, v5 IOCTL_DEV); `readable` dirs get READ_FILE, READ_DIR and
 *   EXECUTE, `writable` dirs get every handled right.  Anything not listed
 *   is neither readable nor writable.  A listed regular file gets the
 *   file-applicable subset of those rights.
 * - paths that do not exist are skipped (debug log), not an error;
 * - net/scoped/log features the ABI lacks are named in res->lost and the
 *   rest is applied.
 * res is always filled (res may be NULL).  Returns 0, or -1 with *err naming
 * the step and path; when landlock is unavailable it fails with errnum
 * EOPNOTSUPP (res->abi == 0) so that no caller can lose it silently. */
int pd_landlock_apply(const struct pd_landlock_req *r, struct pd_landlock_result *res,
                      pd_error **err);

#endif
