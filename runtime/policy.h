/* paddock: the system policy (issue #7; spec/policy.md,
 * spec/policy.schema.json).  A root-owned JSON file, /etc/paddock/policy.json,
 * sets ceilings that no flag, annotation or agent can widen:
 *   "max_sandbox": "read-only" | "workspace-write" | "danger-full-access"
 *                  the most permissive sandbox mode allowed;
 *   "fallback": "refuse" | "auto"
 *                  the most permissive fallback: "refuse" forbids
 *                  container-boundary mode and every degraded layer;
 *   "max_network": "none" | "allow" | "host"
 *                  the most permissive network;
 *   "host_network_without_netns": true | false (default false)
 *                  whether network none/allow may run on the host's network
 *                  when neither a network namespace nor landlock TCP rules
 *                  are there;
 *   "allow_nested_userns": true | false (default true)
 *                  whether --allow-nested-userns (dev.paddock.nested-userns)
 *                  may be used;
 *   "audit_log": "/abs/path"
 *                  a mandatory audit log: every sandbox and agent bundle
 *                  writes its events there too (audit.c); failing to open it
 *                  fails the run.
 * Flags and annotations can only narrow these.  A mode or network left at
 * its default is narrowed to the ceiling; one asked for beyond a ceiling
 * fails with exit status 125 and the message names the policy line.
 * The file must be a regular file owned by root and not writable by group
 * or others, in a directory of the same kind; anything else (and any parse
 * error, unknown key or wrong type) fails closed: nothing runs.  No file,
 * no ceilings.  Plain OCI bundles (no dev.paddock.* annotation) are not
 * sandboxes and are not bound by it. */
#ifndef PADDOCK_POLICY_H
#define PADDOCK_POLICY_H
#include <stdbool.h>

#include "agent_policy.h"
#include "error.h"

#define PD_POLICY_PATH "/etc/paddock/policy.json"

struct pd_policy_item {
    bool set;
    int line;          /* 1-based line of the key in the file */
    char *text;        /* that line, trimmed, for messages */
};

struct pd_policy {
    bool present;      /* the file exists */
    char *path;
    struct pd_policy_item max_sandbox, fallback, max_network, host_network, nested, audit;
    enum pd_sandbox_mode max_sandbox_v;
    enum pd_fallback fallback_v;
    enum pd_network_mode max_network_v;
    bool host_network_v;
    bool nested_v;
    char *audit_log_v;
};

/* Parse text (the file path for messages); pure. */
int pd_policy_parse(const char *text, size_t len, const char *path, struct pd_policy *p,
                    pd_error **err);
/* The system policy, loaded once per process (path NULL: PD_POLICY_PATH).
 * Errors carry exit code 125. */
int pd_policy_get(const struct pd_policy **out, pd_error **err);
int pd_policy_load(const char *path, struct pd_policy *p, pd_error **err);
void pd_policy_free(struct pd_policy *p);

/* Ceilings for `paddock sandbox`/`status`/`check` options: narrow what was
 * left at its default, refuse what was asked beyond (exit 125, naming the
 * line).  Also sets o->accept_host_network. */
struct pd_sandbox_opts;
int pd_policy_apply_sandbox(const struct pd_policy *p, struct pd_sandbox_opts *o, pd_error **err);
/* The same for an agent bundle's policy (its annotations): refuse only. */
int pd_policy_check_agent(const struct pd_policy *p, const struct pd_agent_policy *a,
                          pd_error **err);
#endif
