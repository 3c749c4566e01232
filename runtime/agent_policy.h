/* paddock: the agent policy of an agent bundle (spec/agent-bundle.md).
 *
 * An agent bundle is an OCI bundle whose config.json carries annotations
 * under the prefix "dev.paddock.".  pd_agent_policy_parse() reads them into
 * a typed struct with every default filled in for the sandbox mode, and
 * refuses invalid values and unknown dev.paddock.* keys, so that a typo can
 * never silently weaken a sandbox.  Pure: no syscalls, no filesystem access.
 *
 * Errors name the bundle, the file and the key:
 *   bundle /b: config.json: .annotations["dev.paddock.sandbox"]: unknown value
 *   "rw" (expected read-only, workspace-write or danger-full-access)
 */
#ifndef PADDOCK_AGENT_POLICY_H
#define PADDOCK_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"

#define PD_AGENT_PREFIX "dev.paddock."

enum pd_sandbox_mode {
    PD_SANDBOX_READ_ONLY,
    PD_SANDBOX_WORKSPACE_WRITE,
    PD_SANDBOX_DANGER_FULL_ACCESS,
};

enum pd_workspace_kind { PD_WORKSPACE_BIND, PD_WORKSPACE_OVERLAY };

enum pd_network_mode { PD_NETWORK_NONE, PD_NETWORK_HOST, PD_NETWORK_ALLOW };

enum pd_fallback { PD_FALLBACK_REFUSE, PD_FALLBACK_AUTO };

struct pd_agent_policy {
    bool present;                 /* some dev.paddock.* annotation exists */
    enum pd_sandbox_mode sandbox; /* default workspace-write */
    char *workspace;              /* absolute; NULL: the caller's cwd */
    enum pd_workspace_kind workspace_kind; /* default bind */
    enum pd_workspace_kind rootfs_kind;    /* default bind; overlay: root.path as the lower
                                              layer of an overlay whose upper is in the store */
    /* String vectors are NULL-terminated, with their count alongside. */
    char **writable_roots;        /* absolute paths; default none */
    size_t n_writable_roots;
    char **protected_paths;       /* relative (to each writable root) or absolute */
    size_t n_protected_paths;
    enum pd_network_mode network; /* default none, host for danger-full-access */
    char **network_allow;         /* host[:port] patterns, only with network allow */
    size_t n_network_allow;
    char **network_deny;
    size_t n_network_deny;
    bool force_wildcards;         /* allow "*" and "*.tld" in network.allow */
    char **network_resolve;       /* "name=ip" (network.resolve), only with network allow */
    size_t n_network_resolve;
    char *network_approver;       /* absolute path of the approver program; NULL: none */
    uint64_t approver_timeout;    /* seconds; default 30 */
    bool nested_userns;           /* nested-userns=allow: new user namespaces (and the mount
                                     family, for their own mount namespaces) inside */
    enum pd_fallback fallback;    /* default refuse */
    char *audit_log;              /* absolute; NULL: under $XDG_STATE_HOME/paddock/ */
    bool has_memory;
    uint64_t memory;              /* bytes */
    bool has_pids;
    uint64_t pids;
    bool has_cpus;
    uint64_t cpus_milli;          /* CPUs x 1000 ("1.5" -> 1500) */
    bool has_timeout;
    uint64_t timeout;             /* wall-clock seconds */
    char *snapshot_on_stop;       /* snapshot name ("{id}": the container id) that
                                     hooks/paddock-hook-snapshot makes at poststop; NULL: none */
};

/* Read cfg's dev.paddock.* annotations.  On success *out is always set; with
 * no such annotation it holds the workspace-write defaults and present=false. */
int pd_agent_policy_parse(const struct pd_config *cfg, struct pd_agent_policy **out,
                          pd_error **err);
void pd_agent_policy_free(struct pd_agent_policy *p);

/* Names as written in the annotations ("read-only", "bind", "none", ...). */
const char *pd_sandbox_mode_name(enum pd_sandbox_mode m);
const char *pd_workspace_kind_name(enum pd_workspace_kind k);
const char *pd_network_mode_name(enum pd_network_mode n);
const char *pd_fallback_name(enum pd_fallback f);
/* Mode by name; false when s names no mode. */
bool pd_sandbox_mode_from_name(const char *s, enum pd_sandbox_mode *out);
/* The default network mode of a sandbox mode. */
enum pd_network_mode pd_sandbox_default_network(enum pd_sandbox_mode m);
/* "512m", "2g", "1048576": a positive number of bytes, optional suffix k, m
 * or g (powers of 1024, either case); false when invalid or out of range. */
bool pd_parse_size(const char *s, uint64_t *out);
#define PD_SIZE_EXPECTED "a positive number of bytes, optionally with a k, m or g suffix"
/* "1.5" -> 1500: a positive decimal number of CPUs, at most 3 decimals. */
bool pd_parse_cpus_milli(const char *s, uint64_t *out);
#define PD_CPUS_EXPECTED "a positive decimal number of CPUs with at most 3 decimals, e.g. 1.5"
/* The default protected paths (NULL-terminated, relative to each writable root). */
extern const char *const pd_agent_default_protected[];

static inline void pd_agent_policy_freep(struct pd_agent_policy **p)
{
    pd_agent_policy_free(*p);
    *p = 0;
}
#define _cleanup_agent_policy_ __attribute__((cleanup(pd_agent_policy_freep)))

#endif
