/* Unit tests for the pure parts of `paddock check`: what each mode promises
 * (probe.c) and reading the probes' lines (check.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "probe.h"
#include "unit.h"
#include "util.h"

static const char *expect(const char *name, enum pd_sandbox_mode m, bool none)
{
    return pd_probe_expected(name, m, none);
}

static void test_expectations(void)
{
    const enum pd_sandbox_mode ro = PD_SANDBOX_READ_ONLY, ww = PD_SANDBOX_WORKSPACE_WRITE,
                               full = PD_SANDBOX_DANGER_FULL_ACCESS;
    CHECK_STR(expect("write_workspace", ro, true), "blocked");
    CHECK_STR(expect("write_workspace", ww, true), "allowed");
    CHECK_STR(expect("write_workspace", full, false), "allowed");
    CHECK_STR(expect("write_outside", ww, true), "blocked");
    CHECK_STR(expect("write_outside", full, false), "allowed");
    CHECK_STR(expect("write_git_hooks", ww, false), "blocked");
    CHECK_STR(expect("create_protected", ro, true), "blocked");
    CHECK_STR(expect("tcp_connect_host", ww, true), "blocked");
    CHECK_STR(expect("tcp_connect_host", ww, false), "allowed");
    CHECK_STR(expect("tcp_connect_host", full, true), "blocked");
    CHECK_STR(expect("unix_socket_host", ww, false), "blocked");
    CHECK_STR(expect("unix_socket_host", full, true), "allowed");
    CHECK_STR(expect("abstract_unix_host", ww, false), "blocked"); /* landlock scoping */
    CHECK_STR(expect("abstract_unix_host", full, true), "blocked"); /* network namespace */
    CHECK_STR(expect("abstract_unix_host", full, false), "allowed");
    /* every mode denies these */
    static const char *const always[] = {"read_kcore", "ptrace_host", "kill_host", "tiocsti",
                                         "mount", "userns", "setuid", "io_uring", "bpf",
                                         "keyctl"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(always); i++)
        for (int m = (int)ro; m <= (int)full; m++)
            for (int n = 0; n < 2; n++)
                CHECK_STR(expect(always[i], (enum pd_sandbox_mode)m, n), "blocked");
    /* every probe has a description and a unique name */
    for (size_t i = 0; i < pd_n_probes; i++) {
        CHECK(pd_probes[i].what != NULL && pd_probes[i].what[0] != '\0');
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(pd_probes[i].name, pd_probes[j].name) != 0);
    }
}

/* Lines for every probe as mode promises, but for the names in `wrong`. */
static char *all_as_promised(enum pd_sandbox_mode m, bool none, const char *skip)
{
    char *out = pd_xstrdup("");
    for (size_t i = 0; i < pd_n_probes; i++) {
        if (skip != NULL && strcmp(pd_probes[i].name, skip) == 0)
            continue;
        const char *e = pd_probe_expected(pd_probes[i].name, m, none);
        char *n = pd_xasprintf("%sprobe %s %s %s some detail here\r\n", out, pd_probes[i].name,
                               e, strcmp(e, "blocked") == 0 ? "EPERM" : "-");
        free(out);
        out = n;
    }
    return out;
}

static void test_parse(void)
{
    _cleanup_free_ char *out = all_as_promised(PD_SANDBOX_WORKSPACE_WRITE, true, NULL);
    struct pd_check_result res = {0};
    pd_check_parse(out, PD_SANDBOX_WORKSPACE_WRITE, true, &res);
    CHECK(res.n == pd_n_probes);
    CHECK(res.passed && res.n_failed == 0 && res.n_na == 0);
    CHECK_STR(res.probes[1].name, "write_outside");
    CHECK_STR(res.probes[1].observed, "blocked");
    CHECK_STR(res.probes[1].errname, "EPERM");
    CHECK_STR(res.probes[1].detail, "some detail here");
    /* the same output against another mode's promises */
    pd_check_result_free(&res);
    pd_check_parse(out, PD_SANDBOX_READ_ONLY, true, &res);
    CHECK(!res.passed && res.n_failed == 1 && !res.probes[0].ok);
    pd_check_result_free(&res);
}

static void test_parse_odd_lines(void)
{
    /* a probe missing, a terminal's echo before a line, n/a, junk, an unknown probe */
    _cleanup_free_ char *base = all_as_promised(PD_SANDBOX_READ_ONLY, true, "tiocsti");
    _cleanup_free_ char *out = pd_xasprintf("paddock: warning\n%s\x1dprobe setuid n/a - none\n"
                                            "probe nosuch allowed -\nprobe bpf maybe -\n", base);
    struct pd_check_result res = {0};
    pd_check_parse(out, PD_SANDBOX_READ_ONLY, true, &res);
    const struct pd_check_probe *tiocsti = NULL, *setuid = NULL, *bpf = NULL;
    for (size_t i = 0; i < res.n; i++) {
        if (strcmp(res.probes[i].name, "tiocsti") == 0)
            tiocsti = &res.probes[i];
        if (strcmp(res.probes[i].name, "setuid") == 0)
            setuid = &res.probes[i];
        if (strcmp(res.probes[i].name, "bpf") == 0)
            bpf = &res.probes[i];
    }
    CHECK(tiocsti != NULL && strcmp(tiocsti->observed, "missing") == 0 && !tiocsti->ok);
    CHECK(setuid != NULL && strcmp(setuid->observed, "n/a") == 0 && setuid->ok);
    CHECK(bpf != NULL && strcmp(bpf->observed, "blocked") == 0 && bpf->ok); /* "maybe" ignored */
    CHECK(res.n_failed == 1 && res.n_na == 1 && !res.passed);
    pd_check_result_free(&res);
}

static void test_host_saw(void)
{
    _cleanup_free_ char *out = all_as_promised(PD_SANDBOX_WORKSPACE_WRITE, true, NULL);
    struct pd_check_result res = {0};
    pd_check_parse(out, PD_SANDBOX_WORKSPACE_WRITE, true, &res);
    pd_check_host_saw(&res, "kill_host", "the host process got SIGCONT");
    pd_check_host_saw(&res, "write_workspace", "the file is in the workspace");
    pd_check_evaluate(&res);
    CHECK(res.n_failed == 1 && !res.passed);
    for (size_t i = 0; i < res.n; i++) {
        const struct pd_check_probe *p = &res.probes[i];
        if (strcmp(p->name, "kill_host") == 0) {
            CHECK(p->host_saw && !p->ok);
            CHECK_STR(p->observed, "allowed");
            CHECK_CONTAINS(p->detail, "the host saw it: the host process got SIGCONT");
            CHECK_CONTAINS(p->detail, "the probe said: blocked EPERM");
        }
        if (strcmp(p->name, "write_workspace") == 0)
            CHECK(p->host_saw && p->ok && strcmp(p->detail, "some detail here") == 0);
    }
    pd_check_host_saw(&res, "nosuch", "-"); /* ignored */
    pd_check_result_free(&res);
    /* a sandbox that failed is a failed check, whatever the lines say */
    pd_check_parse(out, PD_SANDBOX_WORKSPACE_WRITE, true, &res);
    res.sandbox_status = 125;
    pd_check_evaluate(&res);
    CHECK(res.n_failed == 0 && !res.passed);
    pd_check_result_free(&res);
}

static void test_empty_output(void)
{
    struct pd_check_result res = {0};
    pd_check_parse(NULL, PD_SANDBOX_WORKSPACE_WRITE, true, &res);
    CHECK(res.n == pd_n_probes && res.n_failed == pd_n_probes && !res.passed);
    CHECK_STR(res.probes[0].observed, "missing");
    pd_check_result_free(&res);
}

int main(void)
{
    RUN(test_expectations);
    RUN(test_parse);
    RUN(test_parse_odd_lines);
    RUN(test_host_saw);
    RUN(test_empty_output);
    UNIT_EXIT();
}
