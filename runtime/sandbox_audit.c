/* paddock sandbox: audit events.  See sandbox_audit.h. */
#define _GNU_SOURCE
#include "sandbox_audit.h"

#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void emit(struct pd_audit *a, const char *event, const char *id,
                 const struct pd_audit_field *f, size_t n)
{
    pd_error *err = NULL;
    if (a != NULL && pd_audit_event(a, event, id, f, n, &err) < 0) {
        pd_warn("audit log: %s", err->msg);
        pd_error_free(err);
    }
}

static void push(const char ***v, size_t *n, const char *s)
{
    *v = pd_xrealloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

void pd_sandbox_audit_start(struct pd_audit *a, const char *id, const struct pd_sandbox_opts *o,
                            const char *cwd, const struct pd_protect *prot,
                            const char *layers_json)
{
    _cleanup_free_ const char **writable = pd_xcalloc(1, sizeof(char *));
    _cleanup_free_ const char **protected = pd_xcalloc(1, sizeof(char *));
    size_t nw = 0, np = 0;
    if (o->mode == PD_SANDBOX_WORKSPACE_WRITE) {
        push(&writable, &nw, cwd);
        for (size_t i = 0; i < o->n_writable; i++)
            push(&writable, &nw, o->writable[i]);
    } else if (o->mode == PD_SANDBOX_DANGER_FULL_ACCESS) {
        push(&writable, &nw, "/");
    }
    for (size_t i = 0; prot && i < prot->n_extra_roots; i++)
        push(&writable, &nw, prot->extra_roots[i]);
    for (size_t i = 0; prot && i < prot->n_mounts; i++)
        if (prot->mounts[i].kind == PD_PROTECT_RO)
            push(&protected, &np, prot->mounts[i].path);
    _cleanup_free_ char *uid_map = pd_xasprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid());
    struct pd_audit_field f[] = {
        {.key = "mode", .type = PD_AF_STR, .s = pd_sandbox_mode_name(o->mode)},
        {.key = "command", .type = PD_AF_STRV, .v = (const char *const *)o->argv},
        {.key = "cwd", .type = PD_AF_STR, .s = cwd},
        {.key = "writable", .type = PD_AF_STRV, .v = writable},
        {.key = "protected", .type = PD_AF_STRV, .v = protected},
        {.key = "unprotected_missing", .type = PD_AF_STRV,
         .v = prot ? (const char *const *)prot->missing : NULL},
        {.key = "masked_unix_sockets", .type = PD_AF_INT, .i = prot ? (long long)prot->n_masked : 0},
        {.key = "network", .type = PD_AF_STR, .s = pd_sandbox_network_none(o) ? "none" : "host"},
        {.key = "uid", .type = PD_AF_STR, .s = uid_map},
        {.key = "layers", .type = PD_AF_RAW_JSON, .s = layers_json ? layers_json : "{}"},
    };
    emit(a, "sandbox.start", id, f, PD_ARRAY_SIZE(f));
}

void pd_sandbox_audit_exit(struct pd_audit *a, const char *id, int status, int64_t duration_ms)
{
    struct pd_audit_field f[] = {
        {.key = "status", .type = PD_AF_INT, .i = status},
        {.key = "duration_ms", .type = PD_AF_INT, .i = duration_ms},
    };
    emit(a, "sandbox.exit", id, f, PD_ARRAY_SIZE(f));
}

void pd_sandbox_audit_fallback(struct pd_audit *a, const char *id, const char *layer,
                               const char *reason)
{
    struct pd_audit_field f[] = {
        {.key = "layer", .type = PD_AF_STR, .s = layer},
        {.key = "reason", .type = PD_AF_STR, .s = reason},
    };
    emit(a, "fallback", id, f, PD_ARRAY_SIZE(f));
}
