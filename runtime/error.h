/* paddock: one error type carried up the stack.
 *
 * Convention: a function that can fail returns int (0 on success, -1 on
 * failure) and takes `pd_error **err` as its last argument.  On failure it
 * sets *err with pd_fail()/pd_failx(); callers add context with pd_wrap()
 * on the way up ("create: mount /proc: Operation not permitted").
 */
#ifndef PADDOCK_ERROR_H
#define PADDOCK_ERROR_H

#include <stdarg.h>

typedef struct pd_error {
    int errnum;   /* errno of the failing syscall, 0 when none */
    int exit_code; /* exit status the CLI should use, 0 = default (PD_EXIT_FAIL) */
    char *msg;    /* full message, context prefixes included */
} pd_error;

/* Exit codes of paddock's own failures (documented in README and --help). */
enum {
    PD_EXIT_FAIL = 1,      /* generic failure of the requested operation */
    PD_EXIT_USAGE = 2,     /* bad flag or argument */
    PD_EXIT_RUNTIME = 125, /* sandbox: paddock itself failed */
    PD_EXIT_CANNOT_EXEC = 126,
    PD_EXIT_NOT_FOUND = 127,
};

/* Set *err to a new error with strerror(errnum) appended; returns -1.
 * If err is NULL or *err is already set, the new message is dropped. */
int pd_fail(pd_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same as pd_fail(err, errno, ...). */
int pd_fail_errno(pd_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error without errno; returns -1. */
int pd_failx(pd_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix context to an existing error: "context: old message"; returns -1. */
int pd_wrap(pd_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pd_error_free(pd_error *e);
/* Move an error: *dst = *src, *src = NULL (frees *dst first). */
void pd_error_move(pd_error **dst, pd_error **src);

static inline void pd_error_freep(pd_error **e) { pd_error_free(*e); *e = 0; }
#define _cleanup_error_ __attribute__((cleanup(pd_error_freep)))

#endif
