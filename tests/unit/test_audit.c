/* Unit tests for runtime/audit.c (the audit log). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "unit.h"
#include "util.h"

static char tmpdir[] = "/tmp/paddock-audit-test.XXXXXX";

/* Read the whole log and split it into lines; returns the line count
 * (-1 when unreadable or the file does not end with a newline). */
static int read_lines(const char *path, char **buf, char ***lines)
{
    size_t len = 0;
    pd_error *err = NULL;
    *buf = NULL;
    *lines = NULL;
    if (pd_read_file(path, 64 << 20, buf, &len, &err) < 0) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        return -1;
    }
    if (len > 0 && (*buf)[len - 1] != '\n')
        return -1;
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += (*buf)[i] == '\n';
    *lines = pd_xcalloc((size_t)n + 1, sizeof(char *));
    char *p = *buf;
    for (int i = 0; i < n; i++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        (*lines)[i] = p;
        p = nl + 1;
    }
    return n;
}

static pd_json *parse_line(const char *line)
{
    pd_json *j = NULL;
    pd_error *err = NULL;
    if (pd_json_parse(line, strlen(line), &j, &err) < 0) {
        printf("    bad line: %s: %s\n", err->msg, line);
        pd_error_free(err);
        return NULL;
    }
    return j;
}

static void test_event_fields(void)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/a/b/audit.log", tmpdir);
    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    CHECK(pd_audit_open(path, &a, &err) == 0);
    if (a == NULL)
        return;
    CHECK_STR(pd_audit_path(a), path);

    struct stat st;
    _cleanup_free_ char *dir = pd_xasprintf("%s/a/b", tmpdir);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);

    const char *cmd[] = {"git", "commit", "-m", "a \"quoted\"\nnewline", NULL};
    const char *roots[] = {"/work", NULL};
    struct pd_audit_field f[] = {
        {.key = "mode", .type = PD_AF_STR, .s = "workspace-write"},
        {.key = "command", .type = PD_AF_STRV, .v = cmd},
        {.key = "writable_roots", .type = PD_AF_STRV, .v = roots},
        {.key = "network", .type = PD_AF_STR, .s = "none"},
        {.key = "layers", .type = PD_AF_RAW_JSON,
         .s = "{\n  \"landlock\": true, // comment\n  \"seccomp\": \"agent default\",\n"
              "  \"abi\": 4, \"x\": [1.5, -2e3, null] /* c */\n}"},
        {.key = "empty", .type = PD_AF_STRV, .v = NULL},
    };
    CHECK(pd_audit_event(a, "sandbox.start", "sb-1", f, PD_ARRAY_SIZE(f), &err) == 0);
    struct pd_audit_field g[] = {
        {.key = "status", .type = PD_AF_INT, .i = -9},
        {.key = "duration_ms", .type = PD_AF_INT, .i = 1234567890123LL},
        {.key = "timed_out", .type = PD_AF_BOOL, .b = true},
        {.key = "n", .type = PD_AF_RAW_JSON, .s = " 42 "},
    };
    CHECK(pd_audit_event(a, "sandbox.exit", "sb-1", g, PD_ARRAY_SIZE(g), &err) == 0);
    CHECK(pd_audit_event(a, "denied", NULL, NULL, 0, &err) == 0);
    if (err) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        err = NULL;
    }
    pd_audit_close(a);

    char *buf = NULL, **lines = NULL;
    int n = read_lines(path, &buf, &lines);
    CHECK(n == 3);
    if (n == 3) {
        pd_json *j = parse_line(lines[0]);
        CHECK(j != NULL);
        CHECK_STR(pd_json_string(pd_json_get(j, "event")), "sandbox.start");
        CHECK_STR(pd_json_string(pd_json_get(j, "id")), "sb-1");
        const char *t = pd_json_string(pd_json_get(j, "time"));
        CHECK(t != NULL && strlen(t) >= 20 && t[4] == '-' && t[10] == 'T' &&
              t[strlen(t) - 1] == 'Z');
        CHECK_STR(pd_json_string(pd_json_get(j, "mode")), "workspace-write");
        pd_json *c = pd_json_get(j, "command");
        CHECK(pd_json_len(c) == 4);
        CHECK_STR(pd_json_string(pd_json_at(c, 3)), "a \"quoted\"\nnewline");
        CHECK_STR(pd_json_string(pd_json_at(pd_json_get(j, "writable_roots"), 0)), "/work");
        CHECK_STR(pd_json_string(pd_json_get(j, "network")), "none");
        pd_json *l = pd_json_get(j, "layers");
        bool b = false;
        CHECK(pd_json_bool(pd_json_get(l, "landlock"), &b) && b);
        CHECK_STR(pd_json_string(pd_json_get(l, "seccomp")), "agent default");
        int64_t v = 0;
        CHECK(pd_json_int64(pd_json_get(l, "abi"), &v) && v == 4);
        CHECK(pd_json_len(pd_json_get(l, "x")) == 3);
        CHECK(pd_json_type(pd_json_get(j, "empty")) == PD_JSON_ARRAY);
        CHECK(pd_json_len(pd_json_get(j, "empty")) == 0);
        pd_json_free(j);

        j = parse_line(lines[1]);
        CHECK(j != NULL);
        CHECK_STR(pd_json_string(pd_json_get(j, "event")), "sandbox.exit");
        CHECK(pd_json_int64(pd_json_get(j, "status"), &v) && v == -9);
        CHECK(pd_json_int64(pd_json_get(j, "duration_ms"), &v) && v == 1234567890123LL);
        CHECK(pd_json_bool(pd_json_get(j, "timed_out"), &b) && b);
        CHECK(pd_json_int64(pd_json_get(j, "n"), &v) && v == 42);
        pd_json_free(j);

        j = parse_line(lines[2]);
        CHECK(j != NULL);
        CHECK_STR(pd_json_string(pd_json_get(j, "event")), "denied");
        CHECK(pd_json_type(pd_json_get(j, "id")) == PD_JSON_NULL);
        pd_json_free(j);
    }
    free(lines);
    free(buf);
}

static void test_default_path_xdg(void)
{
    _cleanup_free_ char *xdg = pd_xasprintf("%s/xdg-state", tmpdir);
    _cleanup_free_ char *want = pd_xasprintf("%s/paddock/audit.log", xdg);
    char *old = getenv("XDG_STATE_HOME") ? pd_xstrdup(getenv("XDG_STATE_HOME")) : NULL;
    setenv("XDG_STATE_HOME", xdg, 1);

    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    CHECK(pd_audit_open(NULL, &a, &err) == 0);
    if (err) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        err = NULL;
    }
    if (a) {
        CHECK_STR(pd_audit_path(a), want);
        CHECK(pd_audit_event(a, "fallback", "x", NULL, 0, &err) == 0);
        pd_audit_close(a);
        CHECK(access(want, F_OK) == 0);
        struct stat st;
        _cleanup_free_ char *dir = pd_xasprintf("%s/paddock", xdg);
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
    }

    /* A relative XDG_STATE_HOME is ignored (XDG spec). */
    setenv("XDG_STATE_HOME", "relative/dir", 1);
    char *p = NULL;
    CHECK(pd_audit_default_path(&p, &err) == 0);
    CHECK(p != NULL && p[0] == '/' && strstr(p, "relative") == NULL);
    CHECK(p != NULL && strstr(p, "/paddock/audit.log") != NULL);
    free(p);

    if (old) {
        setenv("XDG_STATE_HOME", old, 1);
        free(old);
    } else {
        unsetenv("XDG_STATE_HOME");
    }
}

#define WRITERS 8
#define EVENTS 200

static void test_concurrent_writers(void)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/concurrent.log", tmpdir);
    /* A long value so some lines exceed PIPE_BUF (4096). */
    char *big = pd_xmalloc(6001);
    memset(big, 'x', 6000);
    big[6000] = '\0';

    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            struct pd_audit *a = NULL;
            pd_error *err = NULL;
            if (pd_audit_open(path, &a, &err) < 0)
                _exit(2);
            for (int i = 0; i < EVENTS; i++) {
                char id[32];
                snprintf(id, sizeof(id), "w%d", w);
                struct pd_audit_field f[] = {
                    {.key = "seq", .type = PD_AF_INT, .i = i},
                    {.key = "pad", .type = PD_AF_STR, .s = (i % 10 == 0) ? big : "short"},
                };
                if (pd_audit_event(a, "snapshot", id, f, 2, &err) < 0)
                    _exit(3);
            }
            pd_audit_close(a);
            free(big);
            _exit(0);
        }
        CHECK(pids[w] > 0);
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        CHECK(pids[w] > 0 && waitpid(pids[w], &status, 0) == pids[w]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    free(big);

    char *buf = NULL, **lines = NULL;
    int n = read_lines(path, &buf, &lines);
    CHECK(n == WRITERS * EVENTS);
    int seen[WRITERS] = {0};
    int bad = 0;
    for (int i = 0; i < n; i++) {
        pd_json *j = NULL;
        pd_error *err = NULL;
        if (pd_json_parse(lines[i], strlen(lines[i]), &j, &err) < 0) {
            if (bad++ == 0)
                printf("    line %d: %s\n", i + 1, err->msg);
            pd_error_free(err);
            continue;
        }
        const char *id = pd_json_string(pd_json_get(j, "id"));
        int64_t seq = -1;
        if (id && id[0] == 'w' && id[1] >= '0' && id[1] < '0' + WRITERS &&
            pd_json_int64(pd_json_get(j, "seq"), &seq) && seq == seen[id[1] - '0'])
            seen[id[1] - '0']++; /* each writer's events in its own order */
        else
            bad++;
        pd_json_free(j);
    }
    CHECK(bad == 0);
    for (int w = 0; w < WRITERS; w++)
        CHECK(seen[w] == EVENTS);
    free(lines);
    free(buf);
}

static void test_raw_json_invalid(void)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/raw.log", tmpdir);
    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    CHECK(pd_audit_open(path, &a, &err) == 0);
    if (a == NULL)
        return;
    const char *bad[] = {"{\"a\": ", "[1, 2", "nope", "", "{} {}", NULL};
    for (size_t i = 0; bad[i]; i++) {
        struct pd_audit_field f[] = {{.key = "layers", .type = PD_AF_RAW_JSON, .s = bad[i]}};
        CHECK(pd_audit_event(a, "sandbox.start", "sb", f, 1, &err) < 0);
        CHECK(err != NULL);
        if (err) {
            CHECK_CONTAINS(err->msg, "layers");
            CHECK_CONTAINS(err->msg, "invalid JSON");
        }
        pd_error_free(err);
        err = NULL;
    }
    struct pd_audit_field r[] = {{.key = "time", .type = PD_AF_STR, .s = "x"}};
    CHECK(pd_audit_event(a, "denied", "sb", r, 1, &err) < 0);
    if (err)
        CHECK_CONTAINS(err->msg, "reserved");
    pd_error_free(err);
    err = NULL;
    pd_audit_close(a);

    /* Nothing was written for the failed events. */
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 0);
}

/* pd_audit_hold: nothing is written until pd_audit_release, which
 * appends the held events in order; pd_audit_drop forgets them; either
 * ends the hold; close drops what is still held. */
static void test_hold(void)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/hold.log", tmpdir);
    struct pd_audit *a = NULL;
    pd_error *err = NULL;
    CHECK(pd_audit_open(path, &a, &err) == 0);
    if (a == NULL)
        return;
    struct stat st;
    pd_audit_hold(a);
    CHECK(pd_audit_event(a, "sandbox.start", "sb-1", NULL, 0, &err) == 0);
    CHECK(pd_audit_event(a, "fallback", "sb-1", NULL, 0, &err) == 0);
    CHECK(stat(path, &st) == 0 && st.st_size == 0);
    CHECK(pd_audit_release(a, &err) == 0);
    CHECK(pd_audit_event(a, "sandbox.exit", "sb-1", NULL, 0, &err) == 0); /* not held */
    pd_audit_hold(a);
    CHECK(pd_audit_event(a, "sandbox.start", "sb-2", NULL, 0, &err) == 0);
    pd_audit_drop(a);
    CHECK(pd_audit_event(a, "sandbox.exit", "sb-2", NULL, 0, &err) == 0);
    pd_audit_hold(a);
    CHECK(pd_audit_event(a, "sandbox.start", "sb-3", NULL, 0, &err) == 0);
    CHECK(pd_audit_release(NULL, &err) == 0); /* NULL-safe, like the others */
    pd_audit_hold(NULL);
    pd_audit_drop(NULL);
    pd_audit_close(a); /* sb-3's start is dropped */
    if (err) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
    }

    char *buf = NULL, **lines = NULL;
    int n = read_lines(path, &buf, &lines);
    CHECK(n == 4);
    const char *want[][2] = {{"sandbox.start", "sb-1"}, {"fallback", "sb-1"},
                             {"sandbox.exit", "sb-1"}, {"sandbox.exit", "sb-2"}};
    for (int i = 0; i < n && i < 4; i++) {
        pd_json *j = parse_line(lines[i]);
        CHECK(j != NULL);
        if (j == NULL)
            continue;
        CHECK_STR(pd_json_string(pd_json_get(j, "event")), want[i][0]);
        CHECK_STR(pd_json_string(pd_json_get(j, "id")), want[i][1]);
        pd_json_free(j);
    }
    free(lines);
    free(buf);
}

static void test_unwritable_path(void)
{
    /* A regular file where a directory is needed fails even for root. */
    _cleanup_free_ char *file = pd_xasprintf("%s/plainfile", tmpdir);
    pd_error *err = NULL;
    CHECK(pd_write_file_atomic(file, "x", 1, 0600, &err) == 0);
    _cleanup_free_ char *path = pd_xasprintf("%s/sub/audit.log", file);
    struct pd_audit *a = NULL;
    CHECK(pd_audit_open(path, &a, &err) < 0);
    CHECK(a == NULL);
    CHECK(err != NULL);
    if (err) {
        CHECK_CONTAINS(err->msg, path);
        CHECK(err->errnum == ENOTDIR);
    }
    pd_error_free(err);
    err = NULL;

    /* The log itself a directory. */
    CHECK(pd_audit_open(tmpdir, &a, &err) < 0);
    if (err)
        CHECK_CONTAINS(err->msg, tmpdir);
    pd_error_free(err);
}

/* The audit time's own calendar against glibc's gmtime_r and strftime:
 * leap years (2000 yes, 1900 and 2100 no), month ends, before 1970. */
static void test_time_format_utc(void)
{
    static const int64_t fixed[] = {0, -1, 86399, 86400, 951782399, 951782400, 951868800,
                                    -2203977600LL, 4107542399LL, 4107542400LL, 1798761599,
                                    253402300799LL};
    int bad = 0;
    for (int i = 0; i < 20000 + (int)PD_ARRAY_SIZE(fixed) && bad < 3; i++) {
        /* the fixed ones, then every ~5.7 days from 1900 to 2300 */
        int64_t t = i < (int)PD_ARRAY_SIZE(fixed) ? fixed[i] : -2208988800LL + (int64_t)i * 493211;
        time_t tt = (time_t)t;
        struct tm tm;
        char want[64], base[40], got[64];
        CHECK(gmtime_r(&tt, &tm) != NULL);
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want, sizeof(want), "%s.%09ldZ", base, 123456789L);
        pd_time_format_utc(t, 123456789L, got, sizeof(got));
        if (strcmp(got, want) != 0) {
            printf("    %lld: %s, want %s\n", (long long)t, got, want);
            bad++;
        }
    }
    CHECK(bad == 0);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_event_fields);
    RUN(test_default_path_xdg);
    RUN(test_concurrent_writers);
    RUN(test_raw_json_invalid);
    RUN(test_unwritable_path);
    RUN(test_hold);
    RUN(test_time_format_utc);
    pd_error *err = NULL;
    pd_rm_rf(tmpdir, &err);
    pd_error_free(err);
    UNIT_EXIT();
}
