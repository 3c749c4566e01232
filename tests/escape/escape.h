/* Shared helpers of the escape programs (tests/escape/esc_*.c, issue #9).
 *
 * Each program is built static (gcc -static) and run inside a container or
 * a sandbox by tests/integration/test_escape.sh.  It tries one escape, in
 * one or more ways ("attempts"), and prints one line per attempt and a
 * verdict:
 *
 *     attempt NAME blocked|succeeded|info DETAIL
 *     verdict blocked|succeeded
 *
 * "succeeded" means the escape worked (the test then fails, unless it is a
 * control run with the protection removed, where it must say succeeded);
 * "blocked" means every attempt failed; "info" lines do not count.  A usage
 * or setup error prints "error DETAIL" and exits 2.  The exit status is 0
 * whenever a verdict was printed. */
#ifndef PADDOCK_ESCAPE_H
#define PADDOCK_ESCAPE_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int esc_n_succeeded, esc_n_blocked;

static void esc_vline(const char *name, const char *verdict, const char *fmt, va_list ap)
{
    printf("attempt %s %s ", name, verdict);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
}

/* esc_result(NAME, SUCCEEDED, FMT...): one attempt's outcome. */
__attribute__((format(printf, 3, 4), unused))
static void esc_result(const char *name, int succeeded, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    esc_vline(name, succeeded ? "succeeded" : "blocked", fmt, ap);
    va_end(ap);
    if (succeeded)
        esc_n_succeeded++;
    else
        esc_n_blocked++;
}

/* esc_info(NAME, FMT...): an observation that is not an escape. */
__attribute__((format(printf, 2, 3), unused))
static void esc_info(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    esc_vline(name, "info", fmt, ap);
    va_end(ap);
}

/* esc_blocked_errno(NAME, WHAT): the call WHAT failed with errno. */
__attribute__((unused))
static void esc_blocked_errno(const char *name, const char *what)
{
    int e = errno;
    esc_result(name, 0, "%s: %s (errno %d)", what, strerror(e), e);
}

__attribute__((format(printf, 1, 2), noreturn, unused))
static void esc_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("error ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    exit(2);
}

/* esc_finish(): print the verdict; the program's exit status. */
__attribute__((unused))
static int esc_finish(void)
{
    if (esc_n_succeeded + esc_n_blocked == 0)
        esc_error("no attempt was made");
    printf("verdict %s\n", esc_n_succeeded > 0 ? "succeeded" : "blocked");
    fflush(stdout);
    return 0;
}

/* esc_path_visible(PATH): a host file the test created is reachable by
 * this path from here (the marker of an escaped root). */
__attribute__((unused))
static int esc_path_visible(const char *path)
{
    return path != NULL && path[0] != '\0' && access(path, F_OK) == 0;
}

#endif
