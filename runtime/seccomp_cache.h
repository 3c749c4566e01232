/* paddock: a cache of compiled seccomp filters (issue #8).
 *
 * libseccomp took almost half the CPU of a sandbox's start to turn the
 * agent-default profile into BPF (building the rules in the init, then
 * generating the program in seccomp_load: sandbox start ~20 ms, ~10 ms
 * with this cache, tests/bench/README.md).  The BPF depends only on
 * what the key below holds, so it is compiled once, exported, and kept in
 * a file; later starts read the file and load it with seccomp(2).
 *
 * Key material, compared byte for byte on every hit (the file name is only
 * a 64-bit hash of it, pd_hash64): a format version; the build id of the running paddock
 * binary (any change to how a profile is translated changes it; without a
 * build id nothing is cached); the libseccomp version in use; the native
 * architecture; the kernel release and machine; whether the nested-userns
 * rules are added; and every field of the parsed profile (default action
 * and errno, architectures, flags, each rule's names, action, errno and
 * conditions), length-prefixed.  A built-in profile given by name (a
 * sandbox's, pd_create_opts.seccomp_builtin) is keyed by its name instead:
 * its text is part of the binary, which the build id names; it is parsed
 * only on a miss.
 *
 * Where, and why there: $XDG_STATE_HOME/paddock/seccomp (pd_state_home(),
 * ~/.local/state/paddock/seccomp), for root too.  A cached filter is
 * trusted by every later container of its user, so nothing a sandbox can
 * write may be able to change it.  A sandbox runs as the caller's uid
 * (root's as uid 0 without capabilities, which still owns root's 0700
 * directories), so ownership alone does not keep it out of a cache that
 * lies inside one of its writable roots: /var/cache/paddock would be
 * writable from `cd /var && paddock sandbox`.  The state home is the one
 * directory that sandbox_protect.c binds read-only into every sandbox whose
 * writable roots contain it (guard_own_dirs), so a cache under it can be
 * read from a nested paddock but written by none.  danger-full-access
 * sandboxes can write it, as they can write the caller's ~/.bashrc and
 * everything else the caller owns: that mode protects nothing.
 *
 * An entry is used only when the directory is a real directory owned by
 * the caller with no group or other permission bits, the entry a regular
 * file owned by the caller, mode 0600, one link, and its key material equal
 * to the key; anything else is a miss: the profile is compiled again and
 * the entry replaced (rename, in the caller's own 0700 directory).  A cache
 * that can't be read or written (read-only inside a sandbox, a full disk)
 * only costs the compile.  No fsync: a torn entry fails the size check.
 * PADDOCK_SECCOMP_CACHE=off turns the cache off. */
#ifndef PADDOCK_SECCOMP_CACHE_H
#define PADDOCK_SECCOMP_CACHE_H
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"
#include "seccomp.h"

enum pd_seccomp_cache_result {
    PD_SECCOMP_CACHE_OFF,      /* no cache: compiled */
    PD_SECCOMP_CACHE_HIT,      /* loaded from the cache */
    PD_SECCOMP_CACHE_MISS,     /* no entry: compiled and stored */
    PD_SECCOMP_CACHE_REJECTED, /* an entry failed a check: compiled and replaced */
};

/* The default cache directory, NULL when PADDOCK_SECCOMP_CACHE=off. */
char *pd_seccomp_cache_dir(void);
/* The key material for sc (NULL when this binary has no build id). */
char *pd_seccomp_cache_key(const struct pd_seccomp *sc, bool nested_userns, size_t *len);
/* The key material for the built-in profile name (seccomp_profile.h). */
char *pd_seccomp_cache_key_builtin(const char *name, bool nested_userns, size_t *len);
/* Compile sc, through the cache in dir (NULL: none).  *res (may be NULL)
 * says how; only a compile error fails. */
int pd_seccomp_cache_get(const char *dir, const struct pd_seccomp *sc, bool nested_userns,
                         struct pd_seccomp_bpf **out, enum pd_seccomp_cache_result *res,
                         pd_error **err);
/* The same for the built-in profile name, parsed only on a miss. */
int pd_seccomp_cache_get_builtin(const char *dir, const char *name, bool nested_userns,
                                 struct pd_seccomp_bpf **out, enum pd_seccomp_cache_result *res,
                                 pd_error **err);
/* The same with the default directory: what create and exec use. */
int pd_seccomp_prepare(const struct pd_seccomp *sc, bool nested_userns,
                       struct pd_seccomp_bpf **out, pd_error **err);
int pd_seccomp_prepare_builtin(const char *name, bool nested_userns, struct pd_seccomp_bpf **out,
                               pd_error **err);

/* The filter a container's init got, kept by create in the container's
 * state directory DFD (PD_SECCOMP_STATE_FILE: an entry as above with an
 * empty key, checked the same way), so that `exec` loads the very same
 * filter without parsing the profile, building its key or looking in the
 * cache.  The state directory is the runtime's own, like the config.json
 * copy beside it.  Save: 0, or -1 with errno (exec then parses the
 * profile).  Load: 1 with *out, 0 when there is none, -1 when the file is
 * not a valid entry (the caller goes the long way). */
#define PD_SECCOMP_STATE_FILE "seccomp.bpf"
int pd_seccomp_state_save(int dfd, const struct pd_seccomp_bpf *b);
int pd_seccomp_state_load(int dfd, struct pd_seccomp_bpf **out);
#endif
