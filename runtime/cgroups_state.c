/* paddock cgroups: a container's cgroup as state.json keeps it, and back
 * (cgroups.h: pd_cgroup_serialize, pd_cgroup_load).  On v1 the mounts found
 * at create are kept with it, so that later commands need not read
 * /proc/self/mountinfo again while each is still a cgroup mount. */
#define _GNU_SOURCE
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "cgroups_internal.h"
#include "util.h"

/* "v1:/path", then "\n<controllers>=/path" for hierarchies with their own,
 * then on v1 the mounts as found at create ("\nmount:<controllers>=/mnt",
 * "\nmount:unified=/mnt"), so that a later command need not read
 * mountinfo again (runc keeps its cgroup paths in its state the same way). */
char *pd_cgroup_serialize(const struct pd_cgroup *cg)
{
    if (cg == NULL || cg->mode == PD_CGROUP_NONE)
        return pd_xstrdup("");
    char *s = pd_xasprintf("%s:%s", cg->mode == PD_CGROUP_V2 ? "v2" : "v1", cg->path);
    for (size_t i = 0; i <= cg->nh; i++) {
        const char *key = i < cg->nh ? cg->h[i].ctrls : "unified";
        const char *p = i < cg->nh ? cg->h[i].path : cg->upath;
        if (p == NULL)
            continue;
        char *t = pd_xasprintf("%s\n%s=%s", s, key, p);
        free(s);
        s = t;
    }
    bool plain = cg->mode == PD_CGROUP_V1 && (cg->unified == NULL || !strchr(cg->unified, '\n'));
    for (size_t i = 0; plain && i < cg->nh; i++)
        plain = !strchr(cg->h[i].mount, '\n') && cg->h[i].mount[0] == '/';
    for (size_t i = 0; plain && i <= cg->nh; i++) {
        const char *m = i < cg->nh ? cg->h[i].mount : cg->unified;
        if (m == NULL)
            continue;
        char *t = pd_xasprintf("%s\nmount:%s=%s", s, i < cg->nh ? cg->h[i].ctrls : "unified", m);
        free(s);
        s = t;
    }
    return s;
}

/* The v1 layout from the saved "mount:" lines of S, each still a cgroup
 * (statfs): false, with nothing set, when there are none or one is not. */
static bool saved_layout(struct pd_cgroup *cg, const char *s)
{
    struct statfs sf;
    if (strstr(s, "\nmount:") == NULL || statfs(PD_CG_ROOT, &sf) < 0 || sf.f_type == CGROUP2_SUPER_MAGIC)
        return false;
    struct pd_cgroup *t = pd_cg_new(PD_CGROUP_V1, NULL, NULL);
    bool ok = true;
    for (const char *l = strstr(s, "\nmount:"); ok && l != NULL; l = strstr(l + 1, "\nmount:")) {
        const char *k = l + 7, *nl = strchrnul(k, '\n');
        const char *eq = memmem(k, (size_t)(nl - k), "=/", 2);
        _cleanup_free_ char *m = eq ? strndup(eq + 1, (size_t)(nl - eq - 1)) : NULL;
        bool unified = eq && eq - k == 7 && strncmp(k, "unified", 7) == 0;
        ok = m != NULL && statfs(m, &sf) == 0 &&
             sf.f_type == (unified ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC);
        if (!ok || unified) {
            if (ok)
                t->unified = pd_steal_ptr(&m);
            continue;
        }
        t->h = pd_xrealloc(t->h, (t->nh + 1) * sizeof(*t->h));
        t->h[t->nh++] = (struct pd_cg_hier){.mount = pd_steal_ptr(&m), .ctrls = strndup(k, (size_t)(eq - k))};
    }
    ok = ok && t->nh > 0;
    if (ok) {
        cg->mode = t->mode;
        cg->h = pd_steal_ptr(&t->h);
        cg->nh = t->nh;
        t->nh = 0;
        cg->unified = pd_steal_ptr(&t->unified);
    }
    pd_cgroup_free(t);
    return ok;
}

int pd_cgroup_load(const char *s, struct pd_cgroup **out, pd_error **err)
{
    *out = NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = pd_cg_new(PD_CGROUP_NONE, NULL, NULL);
    if (s == NULL || s[0] == '\0') {
        *out = pd_steal_ptr(&cg);
        return 0;
    }
    enum pd_cgroup_mode want = strncmp(s, "v1:/", 4) == 0   ? PD_CGROUP_V1
                               : strncmp(s, "v2:/", 4) == 0 ? PD_CGROUP_V2
                                                            : PD_CGROUP_NONE;
    if (want == PD_CGROUP_NONE || strstr(s, "/../") || strcmp(s + strlen(s) - 3, "/..") == 0)
        return pd_failx(err, "cgroup: invalid saved cgroup \"%s\"", s);
    if (!(want == PD_CGROUP_V1 && saved_layout(cg, s)) && pd_cg_detect(cg, err) < 0)
        return -1;
    if (cg->mode != want)
        return pd_failx(err, "cgroup: %s was created on cgroup %s, but the host now has cgroup %s",
                        s + 3, want == PD_CGROUP_V2 ? "v2" : "v1",
                        cg->mode == PD_CGROUP_V2 ? "v2" : "v1");
    const char *nl = strchrnul(s, '\n');
    cg->path = strndup(s + 3, (size_t)(nl - s - 3));
    for (const char *l = nl; *l == '\n'; l = nl) {
        nl = strchrnul(l + 1, '\n');
        if (strncmp(l + 1, "mount:", 6) == 0)
            continue; /* saved_layout's */
        /* Keys may hold '=' ("name=systemd"), paths start with '/'. */
        const char *eq = memmem(l + 1, (size_t)(nl - l - 1), "=/", 2);
        if (eq == NULL)
            return pd_failx(err, "cgroup: invalid saved cgroup \"%s\"", s);
        _cleanup_free_ char *key = strndup(l + 1, (size_t)(eq - l - 1));
        char *path = strndup(eq + 1, (size_t)(nl - eq - 1));
        char **slot = strcmp(key, "unified") == 0 ? &cg->upath : NULL;
        for (size_t i = 0; slot == NULL && i < cg->nh; i++)
            if (strcmp(cg->h[i].ctrls, key) == 0)
                slot = &cg->h[i].path;
        if (slot == NULL) {
            free(path);
            continue; /* a hierarchy no longer mounted */
        }
        free(*slot);
        *slot = path;
    }
    *out = pd_steal_ptr(&cg);
    return 0;
}
