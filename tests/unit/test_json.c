/* Unit tests for runtime/json.c (yajl wrapper). */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "unit.h"
#include "util.h"

static pd_json *parse_ok(const char *text)
{
    pd_json *j = NULL;
    pd_error *err = NULL;
    if (pd_json_parse(text, strlen(text), &j, &err) < 0) {
        printf("    unexpected parse error: %s\n", err->msg);
        pd_error_free(err);
        return NULL;
    }
    return j;
}

/* The error message for text, or NULL if it parsed (caller frees). */
static char *parse_err(const char *text, size_t len)
{
    pd_json *j = NULL;
    pd_error *err = NULL;
    if (pd_json_parse(text, len, &j, &err) == 0) {
        pd_json_free(j);
        return NULL;
    }
    CHECK(j == NULL);
    char *m = pd_xstrdup(err->msg);
    pd_error_free(err);
    return m;
}

static void test_types_and_access(void)
{
    pd_json *j = parse_ok("{\"s\": \"x\", \"n\": 5, \"b\": true, \"a\": [1, \"two\", null],"
                          " \"o\": {\"k\": false}, \"z\": null}");
    CHECK(j != NULL);
    if (j == NULL)
        return;
    CHECK(pd_json_type(j) == PD_JSON_OBJECT);
    CHECK(pd_json_len(j) == 6);
    CHECK_STR(pd_json_key_at(j, 0), "s");
    CHECK_STR(pd_json_string(pd_json_get(j, "s")), "x");
    CHECK(pd_json_type(pd_json_get(j, "n")) == PD_JSON_NUMBER);
    bool b = false;
    CHECK(pd_json_bool(pd_json_get(j, "b"), &b) && b);
    CHECK(!pd_json_bool(pd_json_get(j, "s"), &b));
    pd_json *a = pd_json_get(j, "a");
    CHECK(pd_json_type(a) == PD_JSON_ARRAY && pd_json_len(a) == 3);
    CHECK_STR(pd_json_string(pd_json_at(a, 1)), "two");
    CHECK(pd_json_type(pd_json_at(a, 2)) == PD_JSON_NULL);
    CHECK(pd_json_at(a, 3) == NULL);
    CHECK(pd_json_key_at(a, 0) == NULL);
    CHECK(pd_json_get(a, "x") == NULL);
    CHECK(pd_json_type(pd_json_get(j, "z")) == PD_JSON_NULL);
    CHECK(pd_json_get(j, "missing") == NULL);
    CHECK(pd_json_bool(pd_json_get(pd_json_get(j, "o"), "k"), &b) && !b);
    CHECK_STR(pd_json_type_name(pd_json_get(j, "o")), "object");
    CHECK_STR(pd_json_type_name(a), "array");
    CHECK_STR(pd_json_type_name(pd_json_get(j, "s")), "string");
    CHECK_STR(pd_json_type_name(pd_json_get(j, "n")), "number");
    CHECK_STR(pd_json_type_name(pd_json_get(j, "b")), "boolean");
    CHECK_STR(pd_json_type_name(pd_json_get(j, "z")), "null");
    CHECK(pd_json_string(NULL) == NULL && pd_json_len(NULL) == 0);
    pd_json_free(j);
}

static void test_duplicate_key_last_wins(void)
{
    pd_json *j = parse_ok("{\"k\": \"first\", \"k\": \"second\"}");
    CHECK(j != NULL);
    CHECK_STR(pd_json_string(pd_json_get(j, "k")), "second");
    pd_json_free(j);
}

static void test_integers(void)
{
    pd_json *j = parse_ok("[0, -1, 1e3, 1.5, 18446744073709551615, 18446744073709551616,"
                          " 9223372036854775807, 9223372036854775808, -9223372036854775808,"
                          " -9223372036854775809, \"7\", -0, 4294967296]");
    CHECK(j != NULL);
    if (j == NULL)
        return;
    int64_t i = 0;
    uint64_t u = 0;
    CHECK(pd_json_int64(pd_json_at(j, 0), &i) && i == 0);
    CHECK(pd_json_uint64(pd_json_at(j, 0), &u) && u == 0);
    CHECK(pd_json_int64(pd_json_at(j, 1), &i) && i == -1);
    CHECK(!pd_json_uint64(pd_json_at(j, 1), &u));
    CHECK(!pd_json_int64(pd_json_at(j, 2), &i));  /* 1e3 is not an integer */
    CHECK(!pd_json_uint64(pd_json_at(j, 2), &u));
    CHECK(!pd_json_int64(pd_json_at(j, 3), &i));  /* 1.5 */
    CHECK(!pd_json_uint64(pd_json_at(j, 3), &u));
    CHECK(pd_json_uint64(pd_json_at(j, 4), &u) && u == UINT64_MAX);
    CHECK(!pd_json_int64(pd_json_at(j, 4), &i));
    CHECK(!pd_json_uint64(pd_json_at(j, 5), &u)); /* 2^64 */
    CHECK(pd_json_int64(pd_json_at(j, 6), &i) && i == INT64_MAX);
    CHECK(!pd_json_int64(pd_json_at(j, 7), &i));  /* 2^63 */
    CHECK(pd_json_uint64(pd_json_at(j, 7), &u) && u == 9223372036854775808ULL);
    CHECK(pd_json_int64(pd_json_at(j, 8), &i) && i == INT64_MIN);
    CHECK(!pd_json_int64(pd_json_at(j, 9), &i));
    CHECK(!pd_json_int64(pd_json_at(j, 10), &i)); /* a string */
    CHECK(pd_json_uint64(pd_json_at(j, 11), &u) && u == 0);
    CHECK(pd_json_uint64(pd_json_at(j, 12), &u) && u == 4294967296ULL);
    pd_json_free(j);
}

static void test_parse_errors(void)
{
    char *m = parse_err("{\n  \"a\": tru\n}", 14);
    CHECK_CONTAINS(m, "line 2, column ");
    CHECK_CONTAINS(m, "lexical error");
    free(m);

    m = parse_err("{\"a\": [1, 2", 11);
    CHECK_CONTAINS(m, "line 1, column 12: parse error: premature EOF");
    free(m);

    m = parse_err("{} x", 4);
    CHECK_CONTAINS(m, "trailing garbage");
    free(m);

    m = parse_err("", 0);
    CHECK(m != NULL);
    free(m);

    m = parse_err("{\"a\": 1}\0 junk", 14);
    CHECK_CONTAINS(m, "NUL byte");
    free(m);

    m = parse_err("{\"a\": \"x\\u0000y\"}", 17);
    CHECK_CONTAINS(m, "\\u0000");
    free(m);

    m = parse_err("[\"\\xff\"]", 8); /* invalid escape */
    CHECK(m != NULL);
    free(m);

    m = parse_err("[\"\xff\"]", 5); /* invalid UTF-8 */
    CHECK(m != NULL);
    free(m);

    /* parsing is bounded by len, not by a NUL terminator */
    pd_json *j = NULL;
    pd_error *err = NULL;
    CHECK(pd_json_parse("[1]garbage", 3, &j, &err) == 0);
    CHECK(pd_json_len(j) == 1);
    pd_json_free(j);
    pd_error_free(err);
}

static void test_escaped_backslash_u0000_is_fine(void)
{
    pd_json *j = parse_ok("[\"a\\\\u0000\"]");
    CHECK(j != NULL);
    CHECK_STR(pd_json_string(pd_json_at(j, 0)), "a\\u0000");
    pd_json_free(j);
}

static void test_deep_nesting_rejected(void)
{
    size_t n = 100000;
    char *s = pd_xmalloc(2 * n);
    memset(s, '[', n);
    memset(s + n, ']', n);
    char *m = parse_err(s, 2 * n);
    CHECK_CONTAINS(m, "line 1, column 1001: JSON nested too deeply");
    free(m);
    /* 500 levels are fine */
    pd_json *j = NULL;
    pd_error *err = NULL;
    CHECK(pd_json_parse(s + n - 500, 1000, &j, &err) == 0);
    pd_json_free(j);
    pd_error_free(err);
    free(s);
}

static void test_comments_accepted(void)
{
    pd_json *j = parse_ok("/* c */ {\"a\": 1 // x\n}");
    CHECK(j != NULL && pd_json_len(j) == 1);
    pd_json_free(j);
    /* a quote inside a comment does not hide a \u0000 from the check */
    const char *t = "/* \" */ [\"a\\u0000b\"] // \"";
    char *m = parse_err(t, strlen(t));
    CHECK_CONTAINS(m, "line 1, column 12: \\u0000 in a JSON string is not supported");
    free(m);
    /* brackets in comments and strings do not count towards the depth */
    size_t n = 3000;
    char *s = pd_xmalloc(n + 16);
    memcpy(s, "[\"", 2);
    memset(s + 2, '[', n);
    memcpy(s + 2 + n, "\"] /* ", 6);
    memset(s + 8 + n, '{', 4);
    memcpy(s + 12 + n, " */", 3);
    j = NULL;
    pd_error *err = NULL;
    CHECK(pd_json_parse(s, n + 15, &j, &err) == 0);
    CHECK(pd_json_len(j) == 1);
    pd_json_free(j);
    pd_error_free(err);
    free(s);
}

static void test_generator_roundtrip(void)
{
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "s", "quote\" back\\ nl\n tab\t");
    pd_jgen_kv_string(g, "null", NULL);
    pd_jgen_kv_int(g, "i", -42);
    pd_jgen_kv_bool(g, "b", true);
    pd_jgen_key(g, "u");
    pd_jgen_uint(g, UINT64_MAX);
    pd_jgen_key(g, "a");
    pd_jgen_array_open(g);
    pd_jgen_int(g, 1);
    pd_jgen_bool(g, false);
    pd_jgen_null(g);
    pd_jgen_string(g, "bad\xff utf8");
    pd_jgen_array_close(g);
    pd_jgen_map_close(g);
    size_t len = 0;
    char *doc = pd_jgen_finish(g, &len);
    CHECK(doc != NULL && strlen(doc) == len);

    pd_json *j = parse_ok(doc);
    CHECK(j != NULL);
    if (j != NULL) {
        CHECK_STR(pd_json_string(pd_json_get(j, "s")), "quote\" back\\ nl\n tab\t");
        CHECK(pd_json_type(pd_json_get(j, "null")) == PD_JSON_NULL);
        int64_t i = 0;
        uint64_t u = 0;
        CHECK(pd_json_int64(pd_json_get(j, "i"), &i) && i == -42);
        CHECK(pd_json_uint64(pd_json_get(j, "u"), &u) && u == UINT64_MAX);
        bool b = false;
        CHECK(pd_json_bool(pd_json_get(j, "b"), &b) && b);
        pd_json *a = pd_json_get(j, "a");
        CHECK(pd_json_len(a) == 4);
        CHECK_STR(pd_json_string(pd_json_at(a, 3)), "bad\xef\xbf\xbd utf8");
    }
    pd_json_free(j);
    free(doc);
}

static void test_generator_pretty(void)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "k", "v");
    pd_jgen_map_close(g);
    char *doc = pd_jgen_finish(g, NULL);
    CHECK_CONTAINS(doc, "\n");
    CHECK_CONTAINS(doc, "\"k\": \"v\"");
    free(doc);

    g = pd_jgen_new(false); /* freeing an unfinished generator */
    pd_jgen_array_open(g);
    pd_jgen_free(g);
    pd_jgen_free(NULL);
}

/* pd_json_parse_without: the member at the path gets no node (containers
 * and scalars, however deep), everything else is as parsed; what is left
 * out must still be valid JSON, and its \u0000 and depth are still checked. */
static const char *const no_seccomp[] = {"linux", "seccomp", NULL};

static pd_json *parse_without(const char *text, char **msg)
{
    pd_json *j = NULL;
    pd_error *err = NULL;
    *msg = NULL;
    if (pd_json_parse_without(text, strlen(text), no_seccomp, &j, &err) < 0) {
        *msg = pd_xstrdup(err->msg);
        pd_error_free(err);
    }
    return j;
}

static void test_parse_without(void)
{
    char *msg;
    pd_json *j = parse_without("{\"a\": 1, \"linux\": {\"x\": 1, \"seccomp\": {\"deep\": [1, {\"y\": \"z\"}],"
                               " \"s\": \"t\"}, \"y\": [2, {\"seccomp\": 4}]}, \"seccomp\": 3}", &msg);
    CHECK(j != NULL && msg == NULL);
    pd_json *linux_ = pd_json_get(j, "linux");
    CHECK(pd_json_len(linux_) == 2);
    CHECK_STR(pd_json_key_at(linux_, 0), "x");
    CHECK_STR(pd_json_key_at(linux_, 1), "y");
    CHECK(pd_json_get(linux_, "seccomp") == NULL);
    int64_t v = 0;
    /* the same key elsewhere stays: at the top, and inside linux.y[1] */
    CHECK(pd_json_int64(pd_json_get(j, "seccomp"), &v) && v == 3);
    CHECK(pd_json_int64(pd_json_get(pd_json_at(pd_json_get(linux_, "y"), 1), "seccomp"), &v) && v == 4);
    CHECK(pd_json_int64(pd_json_get(j, "a"), &v) && v == 1);
    pd_json_free(j);
    /* a scalar member, and a document without the member */
    j = parse_without("{\"linux\": {\"seccomp\": null, \"z\": true}}", &msg);
    CHECK(j != NULL && pd_json_len(pd_json_get(j, "linux")) == 1);
    pd_json_free(j);
    j = parse_without("[{\"linux\": {\"seccomp\": 1}}]", &msg);
    CHECK(j != NULL && pd_json_len(pd_json_get(pd_json_at(j, 0), "linux")) == 1); /* not at the root */
    pd_json_free(j);
    /* left out, but still read */
    j = parse_without("{\"linux\": {\"seccomp\": {\"a\": [1,]}}}", &msg);
    CHECK(j == NULL && msg != NULL);
    free(msg);
    j = parse_without("{\"linux\": {\"seccomp\": {\"a\": \"x\\u0000\"}}}", &msg);
    CHECK(j == NULL);
    CHECK_CONTAINS(msg, "\\u0000 in a JSON string is not supported");
    free(msg);
}

int main(void)
{
    RUN(test_types_and_access);
    RUN(test_duplicate_key_last_wins);
    RUN(test_integers);
    RUN(test_parse_errors);
    RUN(test_escaped_backslash_u0000_is_fine);
    RUN(test_deep_nesting_rejected);
    RUN(test_comments_accepted);
    RUN(test_generator_roundtrip);
    RUN(test_generator_pretty);
    RUN(test_parse_without);
    UNIT_EXIT();
}
