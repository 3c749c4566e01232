/* Unit tests for runtime/netstats.c: counting, the top hosts' order, the
 * last denial, and a write/parse round trip of network.json. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "netstats.h"
#include "unit.h"
#include "util.h"

static void counting_and_order(void)
{
    static struct pd_netstats s;
    memset(&s, 0, sizeof(s));
    pd_netstats_allow(&s, "a.test", 10, 100);
    pd_netstats_allow(&s, "B.test", 1, 2);
    pd_netstats_allow(&s, "b.test", 1, 2); /* names compare without case */
    pd_netstats_deny(&s, "b.test", 443, "transparent-tls", "not on the allow list");
    pd_netstats_deny(&s, "", 80, "http-proxy", "timeout");
    CHECK(s.allowed == 3 && s.denied == 2);
    CHECK(s.done_out == 12 && s.done_in == 104);
    CHECK(s.n_hosts == 3);
    size_t len = 0;
    char *text = pd_netstats_json(&s, &len);
    CHECK(text != NULL && strlen(text) == len);
    /* b.test first (3 connections), then a.test (1, more bytes) and "?" (1) */
    CHECK_STR(s.hosts[0].host, "B.test");
    CHECK_STR(s.hosts[1].host, "a.test");
    CHECK_STR(s.hosts[2].host, "?");
    CHECK_CONTAINS(text, "\"last_denial\":{\"time\":");
    CHECK_CONTAINS(text, "\"host\":\"?\",\"port\":80,\"via\":\"http-proxy\",\"reason\":\"timeout\"");
    free(text);
}

static void round_trip(void)
{
    static struct pd_netstats s, r;
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < PD_NETSTATS_HOSTS + 10; i++) { /* more hosts than are tracked */
        char h[32];
        snprintf(h, sizeof(h), "h%d.test", i);
        pd_netstats_allow(&s, h, (uint64_t)i, 1);
    }
    CHECK(s.n_hosts == PD_NETSTATS_HOSTS && s.allowed == PD_NETSTATS_HOSTS + 10);
    s.bytes_in = 5ULL << 32;
    s.open = 3;
    s.final = true;
    size_t len = 0;
    char *text = pd_netstats_json(&s, &len);
    pd_error *err = NULL;
    CHECK(pd_netstats_parse(text, len, &r, &err) == 0);
    CHECK(r.allowed == s.allowed && r.bytes_in == 5ULL << 32 && r.open == 3 && r.final);
    CHECK(r.n_hosts == PD_NETSTATS_TOP);
    CHECK(!r.has_denial);
    CHECK_STR(r.hosts[0].host, "h63.test"); /* equal counts: most bytes first */
    free(text);
    CHECK(pd_netstats_parse("[1]", 3, &r, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "not an object");
    pd_error_free(err);
    err = NULL;
    CHECK(pd_netstats_read("/nonexistent-paddock-dir", &r, &err) == 0);
    CHECK(err == NULL);
}

int main(void)
{
    RUN(counting_and_order);
    RUN(round_trip);
    UNIT_EXIT();
}
