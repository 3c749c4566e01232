/* paddock: the live counters of a network supervisor (issue #5, "paddock
 * status shows the live counters").  The supervisor (proxy.c) counts, and
 * publishes them as ROOT/ID/network.json, replaced atomically (a temp file
 * and a rename) at most every PD_NETSTATS_PERIOD_MS while something
 * changes, and once more when the container's init exits.  `paddock status
 * ID` reads that file:
 *   {"updated": RFC 3339, "final": bool (the supervisor has ended),
 *    "open": N, "allowed": N, "denied": N, "bytes_out": N, "bytes_in": N,
 *    "top_hosts": [{"host", "allowed", "denied", "bytes"}] (up to
 *    PD_NETSTATS_TOP, most connections first),
 *    "last_denial": {"time", "host", "port", "via", "reason"} or null}
 * allowed counts a connection when it ends (as its network.allow audit
 * line; the init's exit ends those still open), denied when it is refused; bytes_out (to the server) and bytes_in
 * grow while data flows; open is the connections open now. */
#ifndef PADDOCK_NETSTATS_H
#define PADDOCK_NETSTATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

#define PD_NETSTATS_PERIOD_MS 250
#define PD_NETSTATS_TOP 5
#define PD_NETSTATS_HOSTS 64 /* distinct hosts counted; later ones are not listed */
#define PD_NETSTATS_HOST_MAX 253

struct pd_netstats_host {
    char host[PD_NETSTATS_HOST_MAX + 1];
    uint64_t allowed, denied, bytes;
};

struct pd_netstats {
    char updated[40];
    bool final;
    uint64_t open, allowed, denied, bytes_out, bytes_in;
    uint64_t done_out, done_in; /* the supervisor's: of the connections that ended */
    struct pd_netstats_host hosts[PD_NETSTATS_HOSTS];
    size_t n_hosts;
    bool has_denial;
    struct {
        char time[40];
        char host[PD_NETSTATS_HOST_MAX + 1];
        int port;
        char via[24];
        char reason[200];
    } denial;
};

/* A connection ended (allowed) or was refused (denied, with why). */
void pd_netstats_allow(struct pd_netstats *s, const char *host, uint64_t out, uint64_t in);
void pd_netstats_deny(struct pd_netstats *s, const char *host, int port, const char *via,
                      const char *reason);
/* The document (sorted top hosts, updated = now); free() it. */
char *pd_netstats_json(struct pd_netstats *s, size_t *len);
/* Parse a document of pd_netstats_json(). */
int pd_netstats_parse(const char *text, size_t len, struct pd_netstats *s, pd_error **err);
/* Read ROOT/ID/network.json: 1 read, 0 none (no supervisor has written one), -1 error. */
int pd_netstats_read(const char *dir, struct pd_netstats *s, pd_error **err);
/* As the "network_counters" value of status --json (s NULL: null). */
void pd_netstats_jgen(const struct pd_netstats *s, pd_jgen *g);
/* A few lines for status's table, each label padded to 16. */
void pd_netstats_print(const struct pd_netstats *s);
#endif
