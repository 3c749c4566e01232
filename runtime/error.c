#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

static int set_error(pd_error **err, int errnum, char *msg)
{
    if (err == NULL || *err != NULL) {
        free(msg);
        return -1;
    }
    pd_error *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        free(msg);
        return -1;
    }
    e->errnum = errnum;
    if (msg != NULL && errnum != 0) {
        char *full = NULL;
        if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
            free(msg);
            msg = full;
        }
    }
    e->msg = msg != NULL ? msg : strdup("out of memory");
    *err = e;
    return -1;
}

int pd_fail(pd_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    return set_error(err, errnum, msg);
}

int pd_fail_errno(pd_error **err, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    return set_error(err, saved, msg);
}

int pd_failx(pd_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    return set_error(err, 0, msg);
}

int pd_wrap(pd_error **err, const char *fmt, ...)
{
    if (err == NULL || *err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *ctx = vformat(fmt, ap);
    va_end(ap);
    char *full = NULL;
    if (ctx != NULL && asprintf(&full, "%s: %s", ctx, (*err)->msg) >= 0) {
        free((*err)->msg);
        (*err)->msg = full;
    }
    free(ctx);
    return -1;
}

void pd_error_free(pd_error *e)
{
    if (e == NULL)
        return;
    free(e->msg);
    free(e);
}

void pd_error_move(pd_error **dst, pd_error **src)
{
    pd_error_free(*dst);
    *dst = *src;
    *src = NULL;
}
