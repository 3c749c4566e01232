/* paddock: OCI mount options -> mount(2)/mount_setattr(2) flags.
 * Pure translation, no syscalls: used by the plan and unit-tested alone.
 * Standard options come from libmount's built-in Linux option map;
 * only OCI's own additions (recursive r* attributes, tmpcopyup, idmap)
 * are handled here. */
#ifndef PADDOCK_MOUNT_OPTS_H
#define PADDOCK_MOUNT_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct pd_mount_flags {
    unsigned long flags;       /* MS_* to pass to mount(2) (MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...) */
    unsigned long clear;       /* MS_* explicitly turned off ("rw", "suid", "dev", "exec", "atime"...) */
    unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, | MS_REC for r-forms; 0 = none */
    uint64_t rec_attr_set;     /* MOUNT_ATTR_* to set recursively ("rro", "rnosuid", ...) */
    uint64_t rec_attr_clr;     /* MOUNT_ATTR_* to clear recursively ("rrw", "rsuid", ...) */
    char *data;                /* fs-specific options, comma-joined ("mode=755,size=65536k"), or NULL */
    bool bind;                 /* "bind" or "rbind" given */
    bool recursive_bind;       /* "rbind" */
    bool tmpcopyup;            /* OCI tmpfs copy-up */
    bool idmap;                /* "idmap" / "ridmap" */
};

/* Translate NULL-terminated options.  An unknown option that looks like a
 * flag (no '=') and is not a known fs option is passed through in data for
 * the filesystem to judge; a malformed one ("", "=x") is an error naming it. */
int pd_mount_opts_parse(char *const *options, struct pd_mount_flags *out, pd_error **err);
void pd_mount_flags_free(struct pd_mount_flags *f);

/* libmount's built-in Linux option map (MNT_LINUX_MAP). */
struct libmnt_optmap;
const struct libmnt_optmap *pd_mount_linux_map(pd_error **err);

#endif
