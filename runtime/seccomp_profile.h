/* paddock: seccomp profiles kept in files (a bare OCI linux.seccomp object)
 * and the profiles compiled into the binary (spec/profiles/). */
#ifndef PADDOCK_SECCOMP_PROFILE_H
#define PADDOCK_SECCOMP_PROFILE_H

#include <stddef.h>

#include "config.h"
#include "error.h"

/* Name of the profile agent sandboxes use unless told otherwise. */
#define PD_SECCOMP_PROFILE_DEFAULT "agent-default"

/* Parse the file at path, which holds one OCI linux.seccomp object, into a
 * new struct (free it with pd_seccomp_profile_free).  Errors name the file
 * and the JSON path inside it ("p.json: .syscalls[3].action: ..."). */
int pd_seccomp_profile_load(const char *path, struct pd_seccomp **out, pd_error **err);
/* Same for a profile given as text; name is used in messages. */
int pd_seccomp_profile_parse(const char *json, size_t len, const char *name,
                             struct pd_seccomp **out, pd_error **err);
/* A built-in profile by name ("agent-default"). */
int pd_seccomp_profile_builtin(const char *name, struct pd_seccomp **out, pd_error **err);
/* The JSON text of a built-in profile (NUL-terminated), NULL if unknown. */
const char *pd_seccomp_profile_builtin_text(const char *name, size_t *len);
/* A config's text may hold this JSON string where a built-in profile goes
 * (a sandbox's config: pd_create_opts.seccomp_builtin). */
#define PD_SECCOMP_PROFILE_REF_TEXT "@@paddock-seccomp-profile@@"
#define PD_SECCOMP_PROFILE_REF "\"" PD_SECCOMP_PROFILE_REF_TEXT "\""
/* text with its PD_SECCOMP_PROFILE_REF replaced by the text of the
 * built-in profile name; NULL (and err) when either is missing. */
char *pd_seccomp_profile_splice(const char *text, const char *name, pd_error **err);
void pd_seccomp_profile_free(struct pd_seccomp *sc);

#endif
