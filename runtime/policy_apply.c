/* paddock: loading the system policy and holding requests to its ceilings.
 * See policy.h. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int fail125(pd_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail125(pd_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (errnum != 0)
        pd_fail(err, errnum, "%s", msg);
    else
        pd_failx(err, "%s", msg);
    if (err != NULL && *err != NULL)
        (*err)->exit_code = PD_EXIT_RUNTIME;
    return -1;
}

/* Owned by root and writable by nobody else: else anyone could widen it. */
static int trusted(const struct stat *st, const char *what, const char *path, pd_error **err)
{
    if (st->st_uid != 0 || (st->st_mode & 022) != 0)
        return fail125(err, 0, "system policy: %s %s must be owned by root and not writable by "
                       "group or others (it is uid %u, mode %04o): refusing to run without the "
                       "policy it may hold", what, path, (unsigned)st->st_uid,
                       (unsigned)(st->st_mode & 07777));
    return 0;
}

int pd_policy_load(const char *path, struct pd_policy *p, pd_error **err)
{
    memset(p, 0, sizeof(*p));
    p->nested_v = true;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0 && errno == ENOENT)
        return 0; /* no policy: no ceilings */
    if (fd < 0)
        return fail125(err, errno, "system policy: open %s%s", path,
                       errno == ELOOP ? " (a symbolic link is not accepted)" : "");
    struct stat st, dst;
    _cleanup_free_ char *dir = pd_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *(slash == dir ? slash + 1 : slash) = '\0';
    if (fstat(fd, &st) < 0 || stat(dir, &dst) < 0)
        return fail125(err, errno, "system policy: stat %s", path);
    if (!S_ISREG(st.st_mode))
        return fail125(err, 0, "system policy: %s is not a regular file", path);
    if (trusted(&st, "the file", path, err) < 0 || trusted(&dst, "the directory", dir, err) < 0)
        return -1;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (pd_read_fd(fd, 1 << 20, &text, &len, err) < 0) {
        pd_wrap(err, "system policy %s", path);
        (*err)->exit_code = PD_EXIT_RUNTIME;
        return -1;
    }
    if (pd_policy_parse(text, len, path, p, err) < 0) {
        pd_policy_free(p);
        return -1;
    }
    return 0;
}

int pd_policy_get(const struct pd_policy **out, pd_error **err)
{
    static struct pd_policy policy;
    static bool loaded;
    if (!loaded) {
        if (pd_policy_load(PD_POLICY_PATH, &policy, err) < 0)
            return -1;
        loaded = true;
    }
    *out = &policy;
    return 0;
}

/* ---- ceilings ---- */

static int net_rank(enum pd_network_mode n)
{
    return n == PD_NETWORK_NONE ? 0 : n == PD_NETWORK_ALLOW ? 1 : 2;
}

static int beyond(const struct pd_policy *p, const struct pd_policy_item *it, pd_error **err,
                  const char *what)
{
    return fail125(err, 0, "%s is beyond the system policy: %s line %d: %s", what, p->path,
                   it->line, it->text ? it->text : "");
}

int pd_policy_apply_sandbox(const struct pd_policy *p, struct pd_sandbox_opts *o, pd_error **err)
{
    if (p == NULL || !p->present)
        return 0;
    o->accept_host_network = p->host_network_v;
    char what[128];
    if (p->max_sandbox.set && o->mode > p->max_sandbox_v) {
        snprintf(what, sizeof(what), "--sandbox %s", pd_sandbox_mode_name(o->mode));
        if (o->mode_given)
            return beyond(p, &p->max_sandbox, err, what);
        o->mode = p->max_sandbox_v; /* the default, narrowed */
        if (o->n_writable > 0 && o->mode != PD_SANDBOX_WORKSPACE_WRITE)
            return beyond(p, &p->max_sandbox, err, "--writable (needs workspace-write)");
    }
    if (p->max_network.set) {
        enum pd_network_mode want = o->network >= 0 ? (enum pd_network_mode)o->network
                                                    : pd_sandbox_default_network(o->mode);
        if (net_rank(want) > net_rank(p->max_network_v)) {
            snprintf(what, sizeof(what), "--network %s", pd_network_mode_name(want));
            if (o->network >= 0)
                return beyond(p, &p->max_network, err, what);
            o->network = PD_NETWORK_NONE; /* the default, narrowed (allow needs a list) */
        }
    }
    if (p->fallback.set && p->fallback_v == PD_FALLBACK_REFUSE && o->fallback == PD_FALLBACK_AUTO)
        return beyond(p, &p->fallback, err, "--fallback auto");
    if (p->nested.set && !p->nested_v && o->nested_userns)
        return beyond(p, &p->nested, err, "--allow-nested-userns");
    return 0;
}

int pd_policy_check_agent(const struct pd_policy *p, const struct pd_agent_policy *a,
                          pd_error **err)
{
    if (p == NULL || !p->present || a == NULL || !a->present)
        return 0;
    char what[128];
    if (p->max_sandbox.set && a->sandbox > p->max_sandbox_v) {
        snprintf(what, sizeof(what), PD_AGENT_PREFIX "sandbox=%s",
                 pd_sandbox_mode_name(a->sandbox));
        return beyond(p, &p->max_sandbox, err, what);
    }
    if (p->max_network.set && net_rank(a->network) > net_rank(p->max_network_v)) {
        snprintf(what, sizeof(what), PD_AGENT_PREFIX "network=%s", pd_network_mode_name(a->network));
        return beyond(p, &p->max_network, err, what);
    }
    if (p->fallback.set && p->fallback_v == PD_FALLBACK_REFUSE && a->fallback == PD_FALLBACK_AUTO)
        return beyond(p, &p->fallback, err, PD_AGENT_PREFIX "fallback=auto");
    if (p->nested.set && !p->nested_v && a->nested_userns)
        return beyond(p, &p->nested, err, PD_AGENT_PREFIX "nested-userns=allow");
    return 0;
}
