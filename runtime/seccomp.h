/* paddock apply: seccomp filters through libseccomp. */
#ifndef PADDOCK_SECCOMP_H
#define PADDOCK_SECCOMP_H
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
#endif
