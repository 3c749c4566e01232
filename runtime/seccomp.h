/* paddock apply: seccomp filters through libseccomp. */
#ifndef PADDOCK_SECCOMP_H
#define PADDOCK_SECCOMP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
/* Build the filter (unknown syscall names are skipped, as runc does;
 * unknown actions, architectures, flags or ops are errors) without loading it.
 * *ctx is a scmp_filter_ctx; release it with pd_seccomp_release(). */
int pd_seccomp_build(const struct pd_seccomp *sc, void **ctx, pd_error **err);
void pd_seccomp_release(void *ctx);
/* Load a built filter.  Called right before execve. */
int pd_seccomp_load(void *ctx, pd_error **err);
/* dev.paddock.nested-userns=allow: let clone/unshare make user namespaces
 * and let the mount family through, for the nested sandbox's own mount
 * namespaces (the kernel still wants CAP_SYS_ADMIN in the namespace that
 * owns a mount, so the sandbox's own mounts stay out of reach). */
int pd_seccomp_allow_nested_userns(void *ctx, pd_error **err);
/* libseccomp's token for an OCI architecture name ("SCMP_ARCH_X86_64"), 0 if unknown. */
uint32_t pd_seccomp_arch(const char *oci_name);
/* A flag of .linux.seccomp.flags paddock knows ("SECCOMP_FILTER_FLAG_LOG"). */
bool pd_seccomp_flag_known(const char *flag);

/* ---- compiled BPF ----
 * The filter as libseccomp generates it (seccomp_export_bpf), to be loaded
 * later with seccomp(2): compiled in the runtime before it forks (through
 * the cache of seccomp_cache.h), so the container's init never runs
 * libseccomp, and loaded by the init right before execve (process.c). */
struct sock_filter;
struct pd_seccomp_bpf {
    unsigned flags;             /* SECCOMP_FILTER_FLAG_* for seccomp(2), from .flags */
    size_t len;                 /* instructions, 1..BPF_MAXINSNS */
    struct sock_filter *insns;
};
/* Build sc with libseccomp (plus the nested-userns rules when asked) and
 * export it.  Same errors as pd_seccomp_build. */
int pd_seccomp_compile(const struct pd_seccomp *sc, bool nested_userns,
                       struct pd_seccomp_bpf **out, pd_error **err);
/* The seccomp(2) flags of sc's .flags (they must be valid: pd_seccomp_build checks). */
unsigned pd_seccomp_kernel_flags(const struct pd_seccomp *sc);
/* Load as seccomp_load() would (no no_new_privs of its own, the same flags). */
int pd_seccomp_bpf_load(const struct pd_seccomp_bpf *b, pd_error **err);
void pd_seccomp_bpf_free(struct pd_seccomp_bpf *b);
static inline void pd_seccomp_bpf_freep(struct pd_seccomp_bpf **b)
{
    pd_seccomp_bpf_free(*b);
    *b = 0;
}
#define _cleanup_seccomp_bpf_ __attribute__((cleanup(pd_seccomp_bpf_freep)))
#endif
