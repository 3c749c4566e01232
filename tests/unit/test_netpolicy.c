/* Unit tests for runtime/netpolicy.c: patterns, wildcards, ports, deny
 * beats allow, address classes and their exact-allow override. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netpolicy.h"
#include "unit.h"
#include "util.h"

static struct pd_netpolicy *mk(const char *const *allow, const char *const *deny)
{
    struct pd_netpolicy *p = NULL;
    pd_error *err = NULL;
    if (pd_netpolicy_new((char *const *)allow, (char *const *)deny, &p, &err) < 0) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        return NULL;
    }
    return p;
}
#define V(...) ((const char *const[]){__VA_ARGS__, NULL})

static void exact_and_ports(void)
{
    struct pd_netpolicy *p = mk(V("pypi.org", "api.example.com:8443"), NULL);
    const char *rule = NULL;
    CHECK(p != NULL);
    CHECK(pd_netpolicy_decide(p, "pypi.org", 443, &rule) == PD_NP_ALLOW);
    CHECK_STR(rule, "pypi.org");
    CHECK(pd_netpolicy_decide(p, "PyPI.org.", 80, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "pypi.org", 22, &rule) == PD_NP_UNKNOWN);
    CHECK(rule == NULL);
    CHECK(pd_netpolicy_decide(p, "files.pypi.org", 443, NULL) == PD_NP_UNKNOWN);
    CHECK(pd_netpolicy_decide(p, "api.example.com", 8443, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "api.example.com", 443, NULL) == PD_NP_UNKNOWN);
    CHECK(pd_netpolicy_decide(p, "evil.org", 443, NULL) == PD_NP_UNKNOWN);
    pd_netpolicy_free(p);
}

static void wildcards(void)
{
    struct pd_netpolicy *p = mk(V("*.githubusercontent.com"), NULL);
    CHECK(pd_netpolicy_decide(p, "raw.githubusercontent.com", 443, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "a.b.githubusercontent.com", 443, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "githubusercontent.com", 443, NULL) == PD_NP_UNKNOWN);
    CHECK(pd_netpolicy_decide(p, "evilgithubusercontent.com", 443, NULL) == PD_NP_UNKNOWN);
    pd_netpolicy_free(p);
    p = mk(V("*:8080"), NULL);
    CHECK(pd_netpolicy_decide(p, "anything.example", 8080, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "anything.example", 443, NULL) == PD_NP_UNKNOWN);
    pd_netpolicy_free(p);
}

static void deny_beats_allow(void)
{
    struct pd_netpolicy *p = mk(V("*.example.com", "*:9000"), V("bad.example.com", "x.test"));
    const char *rule = NULL;
    CHECK(pd_netpolicy_decide(p, "good.example.com", 443, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "bad.example.com", 443, &rule) == PD_NP_DENY);
    CHECK_STR(rule, "bad.example.com");
    /* a deny pattern without a port covers every port */
    CHECK(pd_netpolicy_decide(p, "x.test", 9000, &rule) == PD_NP_DENY);
    CHECK(pd_netpolicy_decide(p, "", 443, &rule) == PD_NP_DENY);
    CHECK(pd_netpolicy_decide(p, "a b", 443, NULL) == PD_NP_DENY);
    CHECK(pd_netpolicy_decide(p, "good.example.com", 0, NULL) == PD_NP_DENY);
    pd_netpolicy_free(p);
}

static socklen_t sa_of(const char *ip, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        return sizeof(*s4);
    }
    if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        return sizeof(*s6);
    }
    return 0;
}

static const char *cls(const char *ip)
{
    struct sockaddr_storage ss;
    socklen_t len = sa_of(ip, &ss);
    return pd_netpolicy_addr_class((struct sockaddr *)&ss, len);
}

static void classes(void)
{
    CHECK_STR(cls("127.0.0.1"), "loopback");
    CHECK_STR(cls("10.1.2.3"), "private");
    CHECK_STR(cls("172.31.255.255"), "private");
    CHECK(cls("172.32.0.1") == NULL);
    CHECK_STR(cls("192.168.1.1"), "private");
    CHECK_STR(cls("169.254.169.254"), "metadata");
    CHECK_STR(cls("169.254.1.1"), "link-local");
    CHECK_STR(cls("0.0.0.0"), "unspecified");
    CHECK_STR(cls("224.0.0.1"), "multicast");
    CHECK(cls("93.184.216.34") == NULL);
    CHECK_STR(cls("::1"), "loopback");
    CHECK_STR(cls("::"), "unspecified");
    CHECK_STR(cls("fe80::1"), "link-local");
    CHECK_STR(cls("fd12::1"), "private");
    CHECK_STR(cls("fd00:ec2::254"), "metadata");
    CHECK_STR(cls("::ffff:127.0.0.1"), "loopback");
    CHECK_STR(cls("::ffff:169.254.169.254"), "metadata");
    CHECK(cls("2606:4700::1111") == NULL);
    CHECK_STR(cls("fec0::1"), "private");
    CHECK_STR(cls("2001:db8::1"), "reserved");
    CHECK_STR(cls("100::1"), "reserved");
    CHECK_STR(cls("ff02::1"), "multicast");
    CHECK_STR(cls("64:ff9b::a00:1"), "private");        /* NAT64 of 10.0.0.1 */
    CHECK_STR(cls("64:ff9b:1::a9fe:a9fe"), "metadata"); /* local-use NAT64 */
    CHECK_STR(cls("2002:7f00:1::1"), "loopback");       /* 6to4 of 127.0.0.1 */
    CHECK_STR(cls("2002:c0a8:101::1"), "private");      /* 6to4 of 192.168.1.1 */
    CHECK(cls("2002:808:808::1") == NULL);              /* 6to4 of 8.8.8.8 */
    CHECK(cls("2001:db9::1") == NULL);                  /* just past documentation */
}

static void blocked_and_override(void)
{
    struct pd_netpolicy *p = mk(V("*.test.example", "exact.test.example", "10.9.8.7:8080"),
                                V("6.6.6.6"));
    struct sockaddr_storage ss;
    socklen_t len = sa_of("127.0.0.1", &ss);
    const char *why = NULL;
    /* matched only through a wildcard: loopback stays blocked */
    CHECK(!pd_netpolicy_addr_ok(p, "a.test.example", 443, (struct sockaddr *)&ss, len, &why));
    CHECK_STR(why, "loopback");
    /* named exactly: allowed */
    CHECK(pd_netpolicy_addr_ok(p, "exact.test.example", 443, (struct sockaddr *)&ss, len, NULL));
    len = sa_of("10.9.8.7", &ss);
    CHECK(pd_netpolicy_addr_ok(p, "10.9.8.7", 8080, (struct sockaddr *)&ss, len, NULL));
    CHECK(pd_netpolicy_addr_ok(p, "a.test.example", 8080, (struct sockaddr *)&ss, len, NULL));
    CHECK(!pd_netpolicy_addr_ok(p, "a.test.example", 443, (struct sockaddr *)&ss, len, &why));
    CHECK_STR(why, "private");
    len = sa_of("8.8.8.8", &ss);
    CHECK(pd_netpolicy_addr_ok(p, "a.test.example", 443, (struct sockaddr *)&ss, len, &why));
    CHECK(why == NULL);
    len = sa_of("6.6.6.6", &ss);
    CHECK(!pd_netpolicy_addr_ok(p, "a.test.example", 443, (struct sockaddr *)&ss, len, &why));
    CHECK_STR(why, "denied address");
    pd_netpolicy_free(p);
}

static void session_allow_and_bad_patterns(void)
{
    struct pd_netpolicy *p = mk(V("a.example"), NULL);
    pd_error *err = NULL;
    CHECK(pd_netpolicy_decide(p, "b.example", 443, NULL) == PD_NP_UNKNOWN);
    CHECK(pd_netpolicy_add_allow(p, "b.example:443", &err) == 0);
    CHECK(pd_netpolicy_decide(p, "b.example", 443, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_add_allow(p, "b.example:99999", &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "invalid port");
    pd_error_free(err);
    err = NULL;
    CHECK(pd_netpolicy_add_allow(p, "b ad", &err) < 0);
    pd_error_free(err);
    pd_netpolicy_free(p);
    p = mk(V("[::1]:8080"), NULL);
    CHECK(pd_netpolicy_decide(p, "::1", 8080, NULL) == PD_NP_ALLOW);
    CHECK(pd_netpolicy_decide(p, "[::1]", 8080, NULL) == PD_NP_ALLOW);
    pd_netpolicy_free(p);
}

/* What the DNS responder asks: may it answer, is the name denied outright? */
static void dns_names(void)
{
    struct pd_netpolicy *p = mk(V("*.example.com", "pypi.org:8443"), V("bad.example.com", "x.org:22"));
    CHECK(p != NULL);
    CHECK(pd_netpolicy_name_allowed(p, "a.example.com"));
    CHECK(pd_netpolicy_name_allowed(p, "pypi.org")); /* any port */
    CHECK(!pd_netpolicy_name_allowed(p, "bad.example.com"));
    CHECK(!pd_netpolicy_name_allowed(p, "other.org"));
    CHECK(pd_netpolicy_name_denied(p, "bad.example.com"));
    CHECK(pd_netpolicy_name_denied(p, "BAD.example.com."));
    CHECK(!pd_netpolicy_name_denied(p, "x.org")); /* denied on port 22 only */
    CHECK(!pd_netpolicy_name_denied(p, "other.org"));
    CHECK(pd_netpolicy_name_denied(p, "bad name")); /* not a host name at all */
    pd_netpolicy_free(p);
}

int main(void)
{
    RUN(exact_and_ports);
    RUN(wildcards);
    RUN(deny_beats_allow);
    RUN(classes);
    RUN(blocked_and_override);
    RUN(session_allow_and_bad_patterns);
    RUN(dns_names);
    UNIT_EXIT();
}
