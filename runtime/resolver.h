/* paddock: name resolution off the egress proxy's event loop (issue #5).
 * getaddrinfo blocks, for seconds when a resolver does not answer; in the
 * supervisor's one epoll thread that would stall every connection.  So
 * lookups go to PD_RES_THREADS worker threads, and the event loop learns
 * of their results through an eventfd (pd_resolver_fd: readable when one
 * has finished).  Bounded: at most PD_RES_MAX lookups outstanding (queued,
 * running, or finished and not yet collected, cancelled ones included
 * until their thread returns); a submit beyond that fails at once.  The
 * caller bounds the wait with its own deadline and then cancels: the
 * result of a cancelled lookup is dropped.  Only names: the caller answers
 * IP literals and the resolve map itself (proxy.h, pd_proxy_resolve). */
#ifndef PADDOCK_RESOLVER_H
#define PADDOCK_RESOLVER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

#define PD_RES_THREADS 4
#define PD_RES_MAX 64
#define PD_RES_ADDRS 8

struct pd_res_result {
    int n;                       /* addresses; -1: the lookup failed (not "no such name") */
    struct sockaddr_storage ss[PD_RES_ADDRS];
    socklen_t lens[PD_RES_ADDRS];
};

/* A lookup: host, port (for the sockaddrs), family (AF_UNSPEC: both) into
 * res.  Runs in a worker thread.  NULL: getaddrinfo's. */
typedef void (*pd_res_lookup_fn)(const char *host, int port, int family,
                                 struct pd_res_result *res);

struct pd_resolver;

int pd_resolver_new(pd_res_lookup_fn fn, struct pd_resolver **out, pd_error **err);
/* Stop the threads (waiting for running lookups to return) and free. */
void pd_resolver_free(struct pd_resolver *r);
int pd_resolver_fd(const struct pd_resolver *r);
/* Queue a lookup for cookie (the caller's).  Its id, or -1 when
 * PD_RES_MAX lookups are outstanding. */
int pd_resolver_submit(struct pd_resolver *r, const char *host, int port, int family,
                       uint64_t cookie);
/* The caller no longer waits for id: its result is dropped. */
void pd_resolver_cancel(struct pd_resolver *r, int id);
/* Collect one finished lookup: true with its cookie and result; false when
 * none is left (the eventfd is reset first). */
bool pd_resolver_next(struct pd_resolver *r, uint64_t *cookie, struct pd_res_result *res);
#endif
