/* Unit tests for runtime/caps.c: sets are applied in fork()ed children
 * (running as root) and checked through /proc/self/status. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/capability.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "unit.h"
#include "util.h"

#define BIT(c) (1ULL << (c))

/* Value of a hex field of /proc/self/status ("CapEff"), or ~0 on error. */
static uint64_t status_hex(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return ~0ULL;
    char line[256];
    size_t n = strlen(field);
    uint64_t v = ~0ULL;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long x;
        if (strncmp(line, field, n) == 0 && line[n] == ':' &&
            sscanf(line + n + 1, "%llx", &x) == 1)
            v = x;
    }
    fclose(f);
    return v;
}

#define CHECK_HEX(field, want)                                                   \
    do {                                                                         \
        uint64_t got_ = status_hex(field), want_ = (want);                       \
        if (got_ != want_) {                                                     \
            printf("    %s:%d: %s = %016llx, want %016llx\n", __FILE__, __LINE__, \
                   field, (unsigned long long)got_, (unsigned long long)want_);  \
            unit_case_failed = 1;                                                \
        }                                                                        \
    } while (0)

/* Run fn in a child; the child's CHECK failures make it exit 1. */
static void in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unit_case_failed = 0;
        fn();
        fflush(stdout);
        _exit(unit_case_failed);
    }
    int st = -1;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void apply_ok(const struct pd_caps *caps)
{
    pd_error *err = NULL;
    CHECK(pd_caps_drop_bounding(caps, &err) == 0);
    CHECK(pd_caps_apply(caps, &err) == 0);
    if (err != NULL)
        printf("    error: %s\n", err->msg);
    pd_error_free(err);
}

static void apply_fails(const struct pd_caps *caps, const char *needle)
{
    pd_error *err = NULL;
    CHECK(pd_caps_apply(caps, &err) == -1);
    CHECK(err != NULL);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, needle);
    pd_error_free(err);
}

static void test_cap_name(void)
{
    char *n = pd_cap_name(CAP_CHOWN);
    CHECK_STR(n, "CAP_CHOWN");
    free(n);
    n = pd_cap_name(CAP_SYS_ADMIN);
    CHECK_STR(n, "CAP_SYS_ADMIN");
    free(n);
    n = pd_cap_name(CAP_NET_BIND_SERVICE);
    CHECK_STR(n, "CAP_NET_BIND_SERVICE");
    free(n);
    CHECK(pd_cap_name(-1) == NULL);
    CHECK(pd_cap_name(64) == NULL);
    CHECK(pd_cap_name(63) == NULL); /* libcap has no name for it */
}

static void child_sets(void)
{
    struct pd_caps c = {
        .present = true,
        .bounding = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL),
        .effective = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE),
        .permitted = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE),
        .inheritable = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL),
        .ambient = BIT(CAP_NET_BIND_SERVICE),
    };
    apply_ok(&c);
    CHECK_HEX("CapBnd", 0x421ULL);
    CHECK_HEX("CapEff", 0x401ULL);
    CHECK_HEX("CapPrm", 0x401ULL);
    CHECK_HEX("CapInh", 0x420ULL);
    CHECK_HEX("CapAmb", 0x400ULL);
}

static void test_sets(void) { in_child(child_sets); }

static void child_absent(void)
{
    struct pd_caps c = {.present = false, .bounding = ~0ULL, .effective = ~0ULL,
                        .permitted = ~0ULL, .inheritable = ~0ULL};
    apply_ok(&c);
    CHECK_HEX("CapBnd", 0);
    CHECK_HEX("CapEff", 0);
    CHECK_HEX("CapPrm", 0);
    CHECK_HEX("CapInh", 0);
    CHECK_HEX("CapAmb", 0);
}

static void test_absent_means_none(void) { in_child(child_absent); }

static void child_unknown(void)
{
    uint64_t bnd = status_hex("CapBnd");
    /* bit 63 is beyond every kernel: ignored, no error */
    struct pd_caps c = {.present = true, .bounding = ~0ULL,
                        .effective = BIT(CAP_CHOWN) | BIT(63),
                        .permitted = BIT(CAP_CHOWN) | BIT(63),
                        .inheritable = BIT(63), .ambient = BIT(63)};
    apply_ok(&c);
    CHECK_HEX("CapBnd", bnd);
    CHECK_HEX("CapEff", 1);
    CHECK_HEX("CapPrm", 1);
    CHECK_HEX("CapInh", 0);
    CHECK_HEX("CapAmb", 0);
}

static void test_unknown_caps_ignored(void) { in_child(child_unknown); }

static void child_errors(void)
{
    struct pd_caps c = {.present = true, .bounding = ~0ULL, .effective = BIT(CAP_KILL),
                        .permitted = BIT(CAP_CHOWN), .inheritable = 0, .ambient = 0};
    apply_fails(&c, "effective CAP_KILL is not in the permitted set");
    /* nothing was changed by the failed call */
    CHECK(status_hex("CapEff") != 0);
    CHECK_HEX("CapAmb", 0);
}

/* Ambient caps outside permitted and inheritable are left out, as runc does
 * for `runc spec`'s configs (ambient without inheritable); the rest applies. */
static void child_ambient_not_inheritable(void)
{
    struct pd_caps c = {.present = true, .bounding = ~0ULL,
                        .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
                        .permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
                        .inheritable = BIT(CAP_KILL),
                        .ambient = BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYSLOG)};
    apply_ok(&c);
    CHECK_HEX("CapAmb", 1ULL << CAP_KILL);
    CHECK_HEX("CapEff", (1ULL << CAP_CHOWN) | (1ULL << CAP_KILL));
}

static void test_ambient_not_inheritable(void) { in_child(child_ambient_not_inheritable); }

static void test_errors_name_the_cap(void) { in_child(child_errors); }

static void child_raise_refused(void)
{
    /* once dropped, a cap cannot come back: cap_set_proc fails with EPERM */
    struct pd_caps c = {.present = true, .bounding = ~0ULL,
                        .effective = BIT(CAP_CHOWN), .permitted = BIT(CAP_CHOWN)};
    apply_ok(&c);
    c.effective = c.permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL);
    apply_fails(&c, "capabilities: set effective/permitted/inheritable: Operation not permitted");
}

static void test_raise_refused(void) { in_child(child_raise_refused); }

int main(void)
{
    if (geteuid() != 0) {
        printf("ok test_caps # SKIP needs root\n");
        return 0;
    }
    RUN(test_cap_name);
    RUN(test_sets);
    RUN(test_absent_means_none);
    RUN(test_unknown_caps_ignored);
    RUN(test_errors_name_the_cap);
    RUN(test_ambient_not_inheritable);
    RUN(test_raise_refused);
    UNIT_EXIT();
}
