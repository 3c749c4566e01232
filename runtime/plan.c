/* paddock stage 2, plan: decide once what to build.  See plan.h. */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int pd_ns_clone_flag(enum pd_ns_type t)
{
    switch (t) {
    case PD_NS_PID: return CLONE_NEWPID;
    case PD_NS_NET: return CLONE_NEWNET;
    case PD_NS_IPC: return CLONE_NEWIPC;
    case PD_NS_UTS: return CLONE_NEWUTS;
    case PD_NS_MOUNT: return CLONE_NEWNS;
    case PD_NS_USER: return CLONE_NEWUSER;
    case PD_NS_CGROUP: return CLONE_NEWCGROUP;
    case PD_NS_TIME: return CLONE_NEWTIME;
    default: return 0;
    }
}

/* Prefix every plan error with the bundle, as the parser does. */
static int plan_fail(const struct pd_config *cfg, pd_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int plan_fail(const struct pd_config *cfg, pd_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (cfg->bundle != NULL)
        return pd_failx(err, "bundle %s: %s: %s", cfg->bundle, cfg->file ? cfg->file : "config.json",
                        msg ? msg : "");
    return pd_failx(err, "%s: %s", cfg->file ? cfg->file : "config.json", msg ? msg : "");
}

static struct pd_idmap *copy_maps(const struct pd_idmap *m, size_t n)
{
    struct pd_idmap *r = pd_xcalloc(n, sizeof(*r));
    if (n > 0)
        memcpy(r, m, n * sizeof(*r));
    return r;
}

/* A single mapping of exactly the caller's own id: the kernel lets an
 * unprivileged process write that itself (with setgroups denied). */
static bool is_self_map(const struct pd_idmap *m, size_t n, uint32_t id)
{
    return n == 1 && m[0].host_id == id && m[0].size == 1;
}

static void plan_idmaps(const struct pd_config *cfg, const struct pd_plan_opts *o, struct pd_plan *p)
{
    struct pd_ns_plan *ns = &p->ns;
    const struct pd_linux *l = &cfg->linux_;
    if (l->n_uid_mappings == 0 && l->n_gid_mappings == 0) {
        /* No maps given: map the caller to root, as crun does when rootless. */
        struct pd_idmap u = {0, o->euid, 1}, g = {0, o->egid, 1};
        ns->uid_map = copy_maps(&u, 1);
        ns->gid_map = copy_maps(&g, 1);
        ns->n_uid_map = ns->n_gid_map = 1;
    } else {
        ns->uid_map = copy_maps(l->uid_mappings, l->n_uid_mappings);
        ns->n_uid_map = l->n_uid_mappings;
        ns->gid_map = copy_maps(l->gid_mappings, l->n_gid_mappings);
        ns->n_gid_map = l->n_gid_mappings;
    }
    if (o->euid == 0) {
        /* Root (in its own namespace, too) writes any mapping of its ids. */
        ns->idmap = PD_IDMAP_DIRECT;
    } else if (is_self_map(ns->uid_map, ns->n_uid_map, o->euid) &&
               is_self_map(ns->gid_map, ns->n_gid_map, o->egid)) {
        ns->idmap = PD_IDMAP_DIRECT;
        ns->deny_setgroups = true;
    } else {
        ns->idmap = PD_IDMAP_HELPER;
    }
    for (size_t i = 0; i < ns->n_uid_map; i++)
        if (ns->uid_map[i].container_id == 0)
            p->root_host_uid = ns->uid_map[i].host_id;
}

static int plan_namespaces(const struct pd_config *cfg, const struct pd_plan_opts *o,
                           struct pd_plan *p, pd_error **err)
{
    struct pd_ns_plan *ns = &p->ns;
    bool has_user = false, has_mount = false, has_uts = false, has_time = false;
    const struct pd_linux *l = &cfg->linux_;
    /* The user namespace is joined first: the others may be owned by it. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->n_namespaces; i++) {
            const struct pd_namespace *n = &l->namespaces[i];
            if ((n->type == PD_NS_USER) != (pass == 0))
                continue;
            int flag = pd_ns_clone_flag(n->type);
            has_user |= n->type == PD_NS_USER;
            has_mount |= n->type == PD_NS_MOUNT;
            has_uts |= n->type == PD_NS_UTS;
            has_time |= n->type == PD_NS_TIME && n->path == NULL;
            if (n->path != NULL) {
                ns->join[ns->n_join++] = (struct pd_ns_join){n->type, flag, n->path, i};
            } else if (n->type == PD_NS_USER) {
                ns->new_user = true;
            } else {
                ns->unshare_flags |= flag;
            }
        }
    }
    if (p->rootless && o->euid != 0 && !has_user)
        ns->new_user = true; /* as crun: an unprivileged caller always gets a user namespace */
    if (!has_mount)
        return plan_fail(cfg, err, ".linux.namespaces: a mount namespace is required "
                         "(add {\"type\": \"mount\"})");
    if (ns->new_user)
        plan_idmaps(cfg, o, p);
    else if (l->n_uid_mappings > 0 || l->n_gid_mappings > 0)
        return plan_fail(cfg, err, ".linux.uidMappings: id mappings need a new user namespace "
                         "(add {\"type\": \"user\"} to .linux.namespaces)");
    if (cfg->hostname != NULL && !has_uts)
        return plan_fail(cfg, err, ".hostname: setting a hostname needs a uts namespace");
    if (cfg->domainname != NULL && !has_uts)
        return plan_fail(cfg, err, ".domainname: setting a domainname needs a uts namespace");
    if ((l->time_monotonic.set || l->time_boottime.set) && !has_time)
        return plan_fail(cfg, err, ".linux.timeOffsets: time offsets need a new time namespace");
    ns->new_pid = (ns->unshare_flags & CLONE_NEWPID) != 0;
    ns->new_time = has_time;
    return 0;
}

/* Destination and source of a mount, made absolute. */
static char *mount_source(const struct pd_config *cfg, const char *src)
{
    if (src[0] == '/' || cfg->bundle == NULL)
        return pd_xstrdup(src);
    return pd_xasprintf("%s/%s", cfg->bundle, src);
}

static int plan_one_mount(const struct pd_config *cfg, struct pd_plan *p, size_t i,
                          struct pd_mount_op *op, pd_error **err)
{
    const struct pd_mount *m = &cfg->mounts[i];
    op->index = i;
    op->dest = m->destination[0] == '/' ? pd_xstrdup(m->destination)
                                        : pd_xasprintf("/%s", m->destination);
    /* paddock's own options, not mount options: x-paddock-if-exists,
     * x-paddock-nofollow, x-paddock-symlink */
    size_t n = 0;
    while (m->options && m->options[n])
        n++;
    _cleanup_free_ char **opts = pd_xcalloc(n + 1, sizeof(char *));
    for (size_t k = 0, j = 0; k < n; k++) {
        if (strcmp(m->options[k], "x-paddock-if-exists") == 0)
            op->if_exists = true;
        else if (strcmp(m->options[k], "x-paddock-nofollow") == 0)
            op->nofollow = true;
        else if (strcmp(m->options[k], "x-paddock-symlink") == 0)
            op->symlink = op->nofollow = true;
        else
            opts[j++] = m->options[k];
    }
    if (pd_mount_opts_parse(opts, &op->fl, err) < 0) {
        if (cfg->bundle != NULL)
            return pd_wrap(err, "bundle %s: %s: .mounts[%zu] (%s).options", cfg->bundle,
                           cfg->file ? cfg->file : "config.json", i, m->destination);
        return pd_wrap(err, "%s: .mounts[%zu] (%s).options", cfg->file ? cfg->file : "config.json",
                       i, m->destination);
    }
    if (op->fl.idmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0)
        return plan_fail(cfg, err, ".mounts[%zu] (%s): idmapped mounts are not supported yet", i,
                         m->destination);
    const char *type = m->type;
    if (op->fl.bind || (type != NULL && strcmp(type, "bind") == 0)) {
        op->kind = PD_MOUNT_BIND;
        if (m->source == NULL)
            return plan_fail(cfg, err, ".mounts[%zu].source: a bind mount needs a source", i);
        if (pd_path_leaves_bundle(m->source))
            return plan_fail(cfg, err, ".mounts[%zu].source: \"%s\" leaves the bundle (a relative "
                             "source is in the bundle; give an absolute path for one elsewhere)",
                             i, m->source);
        op->source = mount_source(cfg, m->source);
        return 0;
    }
    if (type == NULL)
        return plan_fail(cfg, err, ".mounts[%zu].type: required unless the options contain "
                         "\"bind\" or \"rbind\"", i);
    op->fstype = pd_xstrdup(type);
    op->source = pd_xstrdup(m->source != NULL ? m->source : type);
    if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
        op->kind = PD_MOUNT_CGROUP;
    } else {
        op->kind = PD_MOUNT_FS;
        /* sysfs can only be mounted by the owner of the network namespace. */
        if (strcmp(type, "sysfs") == 0 && (p->ns.new_user || p->rootless) &&
            !(p->ns.unshare_flags & CLONE_NEWNET))
            op->sysfs_fallback_bind = true;
    }
    return 0;
}

static const struct pd_device default_devices[] = {
    {'c', "/dev/null", 1, 3, true, 0666, true, 0, true, 0},
    {'c', "/dev/zero", 1, 5, true, 0666, true, 0, true, 0},
    {'c', "/dev/full", 1, 7, true, 0666, true, 0, true, 0},
    {'c', "/dev/random", 1, 8, true, 0666, true, 0, true, 0},
    {'c', "/dev/urandom", 1, 9, true, 0666, true, 0, true, 0},
    {'c', "/dev/tty", 5, 0, true, 0666, true, 0, true, 0},
};

static void plan_devices(const struct pd_config *cfg, struct pd_plan *p)
{
    const struct pd_linux *l = &cfg->linux_;
    size_t n = PD_ARRAY_SIZE(default_devices) + l->n_devices;
    p->devices = pd_xcalloc(n, sizeof(struct pd_device));
    for (size_t i = 0; i < PD_ARRAY_SIZE(default_devices); i++) {
        bool overridden = false;
        for (size_t j = 0; j < l->n_devices; j++)
            overridden |= strcmp(l->devices[j].path, default_devices[i].path) == 0;
        if (!overridden)
            p->devices[p->n_devices++] = default_devices[i];
    }
    for (size_t j = 0; j < l->n_devices; j++)
        p->devices[p->n_devices++] = l->devices[j];
    /* Paths are borrowed from the config or the static table. */
    p->bind_devices = p->ns.new_user || p->rootless;
    for (size_t i = 0; i < p->ns.n_join; i++)
        p->bind_devices |= p->ns.join[i].type == PD_NS_USER;
}

static int plan_rootfs(const struct pd_config *cfg, const struct pd_plan_opts *o,
                       struct pd_plan *p, pd_error **err)
{
    p->rootfs = mount_source(cfg, cfg->root.path);
    p->rootfs_readonly = cfg->root.readonly;
    /* The host's own "/" (`paddock spec --rootfs host`) can only be entered
     * as a clone, as `paddock sandbox` does; read-only means every submount. */
    p->rootfs_clone = o->sandbox_root || (p->rootfs != NULL && strcmp(p->rootfs, "/") == 0);
    p->rootfs_rro = cfg->root.readonly && p->rootfs_clone;
    p->no_pivot = o->no_pivot;
    p->rootfs_propagation = MS_SLAVE | MS_REC;
    const char *prop = cfg->linux_.rootfs_propagation;
    if (prop != NULL) {
        char *opts[] = {(char *)prop, NULL};
        struct pd_mount_flags fl = {0};
        int r = pd_mount_opts_parse(opts, &fl, err);
        unsigned long value = fl.propagation;
        pd_mount_flags_free(&fl);
        if (r < 0 || value == 0) {
            pd_error_free(err ? *err : NULL);
            if (err)
                *err = NULL;
            return plan_fail(cfg, err, ".linux.rootfsPropagation: unknown value \"%s\" "
                             "(expected shared, slave, private, unbindable or an r-form)", prop);
        }
        p->rootfs_mount_propagation = value;
    }
    return 0;
}

int pd_plan_build(const struct pd_config *cfg, const struct pd_plan_opts *o,
                  struct pd_plan **out, pd_error **err)
{
    _cleanup_plan_ struct pd_plan *p = pd_xcalloc(1, sizeof(*p));
    p->cfg = cfg;
    p->new_keyring = !o->no_new_keyring;
    p->rootless = o->rootless == PD_ROOTLESS_TRUE ||
                  (o->rootless == PD_ROOTLESS_AUTO && (o->euid != 0 || o->in_userns));
    if (!cfg->has_process)
        return plan_fail(cfg, err, ".process: required to create a container");
    if (plan_rootfs(cfg, o, p, err) < 0 || plan_namespaces(cfg, o, p, err) < 0)
        return -1;
    p->mounts = pd_xcalloc(cfg->n_mounts, sizeof(*p->mounts));
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        p->n_mounts = i + 1;
        if (plan_one_mount(cfg, p, i, &p->mounts[i], err) < 0)
            return -1;
    }
    plan_devices(cfg, p);
    if (pd_agent_plan_build(cfg, o->euid, true, &p->agent, err) < 0)
        return -1;
    *out = pd_steal_ptr(&p);
    return 0;
}

void pd_plan_free(struct pd_plan *p)
{
    if (p == NULL)
        return;
    free(p->rootfs);
    free(p->ns.uid_map);
    free(p->ns.gid_map);
    for (size_t i = 0; i < p->n_mounts; i++) {
        free(p->mounts[i].source);
        free(p->mounts[i].dest);
        free(p->mounts[i].fstype);
        pd_mount_flags_free(&p->mounts[i].fl);
    }
    free(p->mounts);
    free(p->devices);
    pd_agent_plan_free(p->agent);
    free(p->rootfs_overlay);
    free(p);
}
