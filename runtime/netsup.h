/* paddock: the network supervisor of a container with network=allow
 * (issue #5).  At create, once the init has set up its network namespace
 * (lo up), pd_netsup_start():
 *   1. a short-lived helper child joins the container's network namespace
 *      (and first that namespace's owning user namespace, when it is not
 *      the runtime's) through an fd of it that the init opened on its own
 *      /proc/self/ns/net and sent with READY (the init is not dumpable, so
 *      an unprivileged runtime may not open its namespaces), makes every destination local there (routes "local 0.0.0.0/0
 *      dev lo" and "local ::/0 dev lo", ::1 on lo), creates the listening
 *      sockets of proxy.h (IPv4, and IPv6 unless it is disabled or absent
 *      in the namespace: then `create` warns and the supervisor serves
 *      IPv4 only, answering no AAAA) and passes them back over a
 *      socketpair (SCM_RIGHTS);
 *   2. the supervisor is forked: it stays in the host's namespaces, keeps
 *      only those sockets, a pidfd of the init and the audit log, and
 *      serves them (pd_proxy_serve) until the init exits.  It is in a
 *      session of its own and outlives `create`; it is not the init's
 *      parent, so it learns of its death from the pidfd (also after a
 *      kill -9 of the init);
 *   3. ROOT/ID/network.pid records "PID STARTTIME": `delete` (also
 *      --force) kills it with pd_netsup_stop().
 * No relay process and no unix socket path inside the container. */
#ifndef PADDOCK_NETSUP_H
#define PADDOCK_NETSUP_H
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"

/* Does cfg's agent policy ask for network=allow? */
bool pd_netsup_wanted(const struct pd_config *cfg);

/* The proxy variables for the process (set when wanted; replacing any of
 * the same name).  The list is in spec/agent-bundle.md. */
void pd_netsup_env(struct pd_config *cfg);
/* The same variables for p, a process of the container cfg (exec): replace
 * those p has (the config's own process), or only add the missing ones
 * (a process.json of exec's own). */
void pd_netsup_env_process(const struct pd_config *cfg, struct pd_process *p, bool replace);

/* Start the supervisor for the init `init`, whose network namespace is
 * the fd netns (see above; the caller keeps netns).  attached: the
 * caller stays (run, sandbox): the supervisor keeps its stderr.  audit_log:
 * the log to write (NULL: the policy's dev.paddock.audit-log, or the default). */
int pd_netsup_start(const struct pd_config *cfg, const char *id, pid_t init, int netns,
                    int dirfd, bool attached, const char *audit_log, pd_error **err);

/* Kill the supervisor recorded in dirfd (if alive); quiet when none. */
void pd_netsup_stop(int dirfd);

/* Inside the helper: every destination of family (AF_INET, AF_INET6)
 * local (RTM_NEWROUTE "local 0.0.0.0/0" or "local ::/0" dev lo). */
int pd_netsup_route_local(int family, pd_error **err);
/* Inside the helper: ::1/128 on lo (there already: fine); fails when IPv6
 * is disabled in the namespace (net.ipv6.conf.lo.disable_ipv6=1) or absent. */
int pd_netsup_lo_ipv6(pd_error **err);
#endif
