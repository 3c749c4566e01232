/* paddock: the OCI defaults runc and crun put in a generated config, shared
 * by `paddock spec` and `paddock sandbox`. */
#ifndef PADDOCK_OCI_DEFAULTS_H
#define PADDOCK_OCI_DEFAULTS_H
/* linux.maskedPaths and linux.readonlyPaths (NULL-terminated). */
extern const char *const pd_oci_masked_paths[];
extern const char *const pd_oci_readonly_paths[];
#endif
