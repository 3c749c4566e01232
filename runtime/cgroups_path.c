/* paddock cgroups: where a container's cgroup goes.  cgroupsPath as an
 * absolute path, a relative one (under the caller's cgroup, per v1
 * hierarchy), the systemd "slice:prefix:name" form mapped to cgroupfs, and
 * the caller's own cgroup from /proc/self/cgroup. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "cgroups_internal.h"
#include "util.h"

/* ---------------------------------------------------------------- paths */

/* "/a//b/" -> "/a/b"; "." dropped; ".." refused. */
static char *norm_path(const char *in, pd_error **err)
{
    size_t n = strlen(in);
    char *out = pd_xmalloc(n + 2), *o = out;
    for (const char *s = in; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (len == 0)
            break;
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            free(out);
            pd_failx(err, ".linux.cgroupsPath: \"..\" is not allowed in %s", in);
            return NULL;
        }
        if (len > NAME_MAX) { /* each component is a directory's name */
            free(out);
            pd_failx(err, ".linux.cgroupsPath: a component is %zu bytes long, at most %d", len,
                     NAME_MAX);
            return NULL;
        }
        if (!(len == 1 && s[0] == '.')) {
            *o++ = '/';
            memcpy(o, s, len);
            o += len;
        }
        s += len;
    }
    *o = '\0';
    return out;
}

/* systemd's slice expansion: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "". */
static char *expand_slice(const char *slice, pd_error **err)
{
    size_t n = strlen(slice);
    if (strcmp(slice, "-.slice") == 0)
        return pd_xstrdup("");
    if (n <= 6 || strcmp(slice + n - 6, ".slice") != 0 || strchr(slice, '/') != NULL ||
        slice[0] == '-' || slice[n - 7] == '-' || strstr(slice, "--") != NULL) {
        pd_failx(err, ".linux.cgroupsPath: invalid systemd slice \"%s\"", slice);
        return NULL;
    }
    char *out = pd_xstrdup("");
    for (size_t i = 0; i < n - 6; i++) {
        if (slice[i] != '-')
            continue;
        char *t = pd_xasprintf("%s/%.*s.slice", out, (int)i, slice);
        free(out);
        out = t;
    }
    char *t = pd_xasprintf("%s/%s", out, slice);
    free(out);
    return t;
}

/* "slice:prefix:name" -> "/<slice path>/<prefix>-<name>.scope" ("" slice:
 * system.slice; a name ending in .slice is that slice itself). */
static char *systemd_path(const char *cp, pd_error **err)
{
    const char *c1 = strchr(cp, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || strchr(c2 + 1, ':') != NULL || c2[1] == '\0') {
        pd_failx(err, ".linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, "
                      "got \"%s\"", cp);
        return NULL;
    }
    _cleanup_free_ char *slice = c1 == cp ? pd_xstrdup("system.slice") : strndup(cp, c1 - cp);
    _cleanup_free_ char *prefix = strndup(c1 + 1, c2 - c1 - 1);
    const char *name = c2 + 1;
    if (strchr(name, '/') != NULL || strchr(prefix, '/') != NULL || strcmp(name, "..") == 0) {
        pd_failx(err, ".linux.cgroupsPath: \"/\" is not allowed in the prefix or name of \"%s\"",
                 cp);
        return NULL;
    }
    size_t nl = strlen(name);
    if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
        return expand_slice(name, err);
    _cleanup_free_ char *base = expand_slice(slice, err);
    if (base == NULL)
        return NULL;
    if (prefix[0] == '\0')
        return pd_xasprintf("%s/%s.scope", base, name);
    return pd_xasprintf("%s/%s-%s.scope", base, prefix, name);
}

char *pd_cgroup_path_for(const char *cgroups_path, const char *id, bool systemd,
                         const char *caller_cgroup, pd_error **err)
{
    if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL || strcmp(id, ".") == 0 ||
        strcmp(id, "..") == 0) {
        pd_failx(err, "cgroup: invalid container id \"%s\"", id ? id : "");
        return NULL;
    }
    if (cgroups_path == NULL || cgroups_path[0] == '\0')
        return pd_xasprintf("/paddock/%s", id);
    char *p = NULL;
    if (systemd) {
        p = systemd_path(cgroups_path, err);
    } else if (cgroups_path[0] == '/') {
        p = norm_path(cgroups_path, err);
    } else {
        _cleanup_free_ char *joined = pd_xasprintf("%s/%s", caller_cgroup ? caller_cgroup : "",
                                                   cgroups_path);
        p = norm_path(joined, err);
    }
    if (p != NULL && p[0] == '\0') {
        free(p);
        pd_failx(err, ".linux.cgroupsPath: \"%s\" is the root cgroup", cgroups_path);
        return NULL;
    }
    return p;
}

/* The caller's cgroup (for relative cgroupsPath): the "0::" line on v2, the
 * pids (else memory) line on v1. */
char *pd_cg_own_cgroup(enum pd_cgroup_mode mode, pd_error **err)
{
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/self/cgroup", 1 << 20, &buf, NULL, err) < 0)
        return NULL;
    const char *want[] = { mode == PD_CGROUP_V2 ? NULL : "pids",
                           mode == PD_CGROUP_V2 ? NULL : "memory", NULL };
    for (size_t w = 0; w < PD_ARRAY_SIZE(want); w++) {
        for (const char *l = buf, *eol; *l; l = *eol ? eol + 1 : eol) {
            eol = strchrnul(l, '\n');
            const char *c1 = memchr(l, ':', eol - l);
            const char *c2 = c1 ? memchr(c1 + 1, ':', eol - c1 - 1) : NULL;
            if (c2 == NULL)
                continue;
            bool hit = c1 - l == 1 && l[0] == '0' && c2 == c1 + 1; /* "0::" */
            if (want[w] != NULL) {
                _cleanup_free_ char *ctrls = strndup(c1 + 1, c2 - c1 - 1);
                hit = pd_cg_hier_has(&(struct pd_cg_hier){ .ctrls = ctrls }, want[w]);
            }
            if (hit)
                return strndup(c2 + 1, eol - c2 - 1);
        }
    }
    return pd_xstrdup("/");
}

/* The caller's cgroup in hierarchy h (NULL: the cgroup2 "0::" line), or NULL. */
static char *own_cgroup_in(const char *buf, const struct pd_cg_hier *h)
{
    for (const char *l = buf, *eol; *l; l = *eol ? eol + 1 : eol) {
        eol = strchrnul(l, '\n');
        const char *c1 = memchr(l, ':', eol - l);
        const char *c2 = c1 ? memchr(c1 + 1, ':', eol - c1 - 1) : NULL;
        if (c2 == NULL)
            continue;
        _cleanup_free_ char *ctrls = strndup(c1 + 1, c2 - c1 - 1);
        bool hit = h == NULL ? ctrls[0] == '\0' && c1 - l == 1 && l[0] == '0'
                             : strcmp(ctrls, h->ctrls) == 0;
        if (hit)
            return strndup(c2 + 1, eol - c2 - 1);
    }
    return NULL;
}

/* A relative cgroupsPath on v1 lives under the caller's cgroup of *each*
 * hierarchy, and these differ (as runc resolves it). */
int pd_cg_resolve_relative(struct pd_cgroup *cg, const char *cp, const char *id, pd_error **err)
{
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/self/cgroup", 1 << 20, &buf, NULL, err) < 0)
        return pd_wrap(err, "cgroup");
    for (size_t i = 0; i < cg->nh; i++) {
        _cleanup_free_ char *base = own_cgroup_in(buf, &cg->h[i]);
        if (base != NULL && (cg->h[i].path = pd_cgroup_path_for(cp, id, false, base, err)) == NULL)
            return -1;
    }
    _cleanup_free_ char *ubase = cg->unified ? own_cgroup_in(buf, NULL) : NULL;
    if (ubase != NULL && (cg->upath = pd_cgroup_path_for(cp, id, false, ubase, err)) == NULL)
        return -1;
    return 0;
}

