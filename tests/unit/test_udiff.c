/* Unit tests: the Myers line diff and its unified output (runtime/udiff.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "udiff.h"
#include "unit.h"

/* The unified diff of a and b as a string (memstream). */
static char *udiff(const char *a, const char *b, struct pd_udiff_stats *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pd_udiff(f, a, strlen(a), b, strlen(b), "a/f", "b/f", st);
    fclose(f);
    return buf;
}

static void test_identical(void)
{
    struct pd_udiff_stats st;
    char *d = udiff("x\ny\n", "x\ny\n", &st);
    CHECK_STR(d, "");
    CHECK(st.added == 0 && st.removed == 0);
    free(d);
}

static void test_append(void)
{
    struct pd_udiff_stats st;
    char *d = udiff("hello\n", "hello\nworld\n", &st);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n hello\n+world\n");
    CHECK(st.added == 1 && st.removed == 0);
    free(d);
}

static void test_from_empty_and_to_empty(void)
{
    char *d = udiff("", "a\nb\n", NULL);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n");
    free(d);
    d = udiff("a\nb\n", "", NULL);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    free(d);
}

static void test_replace_middle(void)
{
    struct pd_udiff_stats st;
    char *d = udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", &st);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    CHECK(st.added == 1 && st.removed == 1);
    free(d);
}

/* Two changes more than 6 lines apart: two hunks. */
static void test_two_hunks(void)
{
    const char *a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
    const char *b = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\n";
    char *d = udiff(a, b, NULL);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
                 "@@ -9,4 +9,4 @@\n i\n j\n k\n-l\n+L\n");
    free(d);
}

static void test_no_newline_at_end(void)
{
    char *d = udiff("x\n", "x\ny", NULL);
    CHECK_STR(d, "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n x\n+y\n\\ No newline at end of file\n");
    free(d);
}

/* A minimal edit: the LCS of abcabba and cbabac is 4 long (Myers' example). */
static void test_minimal(void)
{
    struct pd_udiff_stats st;
    char *d = udiff("a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n", &st);
    CHECK(st.added + st.removed == 5);
    free(d);
}

/* Past the edit budget the diff is still a correct (if not minimal) one. */
static void test_large(void)
{
    size_t n = 3 * PD_UDIFF_MAX_D;
    char *a = malloc(n * 8 + 1), *b = malloc(n * 8 + 1);
    char *pa = a, *pb = b;
    for (size_t i = 0; i < n; i++) {
        pa += sprintf(pa, "a%zu\n", i);
        pb += sprintf(pb, "b%zu\n", i);
    }
    struct pd_udiff_stats st;
    pd_udiff(NULL, a, strlen(a), b, strlen(b), "", "", &st);
    CHECK(st.added == n && st.removed == n);
    free(a);
    free(b);
}

static void test_is_text(void)
{
    CHECK(pd_udiff_is_text("abc\n", 4));
    CHECK(!pd_udiff_is_text("a\0c", 3));
}

int main(void)
{
    RUN(test_identical);
    RUN(test_append);
    RUN(test_from_empty_and_to_empty);
    RUN(test_replace_middle);
    RUN(test_two_hunks);
    RUN(test_no_newline_at_end);
    RUN(test_minimal);
    RUN(test_large);
    RUN(test_is_text);
    UNIT_EXIT();
}
