/* paddock: .linux of config.json: namespaces, id mappings, time offsets,
 * devices, sysctl, seccomp, masked/readonly paths, personality.
 * .linux.resources is in config_resources.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "seccomp.h"
#include "util.h"

static const char *const ns_names[PD_NS__COUNT] = {
    [PD_NS_PID] = "pid",     [PD_NS_NET] = "network", [PD_NS_IPC] = "ipc",
    [PD_NS_UTS] = "uts",     [PD_NS_MOUNT] = "mount", [PD_NS_USER] = "user",
    [PD_NS_CGROUP] = "cgroup", [PD_NS_TIME] = "time",
};

const char *pd_ns_type_name(enum pd_ns_type t)
{
    if ((unsigned)t >= PD_NS__COUNT)
        return "unknown";
    return ns_names[t];
}

static const char *const seccomp_actions[] = {
    [PD_SECCOMP_KILL] = "SCMP_ACT_KILL",
    [PD_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [PD_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [PD_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
    [PD_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
    [PD_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
    [PD_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW",
    [PD_SECCOMP_LOG] = "SCMP_ACT_LOG",
    [PD_SECCOMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_ops[] = {
    [PD_SCMP_NE] = "SCMP_CMP_NE", [PD_SCMP_LT] = "SCMP_CMP_LT",
    [PD_SCMP_LE] = "SCMP_CMP_LE", [PD_SCMP_EQ] = "SCMP_CMP_EQ",
    [PD_SCMP_GE] = "SCMP_CMP_GE", [PD_SCMP_GT] = "SCMP_CMP_GT",
    [PD_SCMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const propagations[] = {
    "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
};

/* Index of s in names[0..n), or -1. */
static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i] != NULL && strcmp(names[i], s) == 0)
            return (int)i;
    }
    return -1;
}

/* A required string member that must be one of names: its index. */
static int need_enum(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                     const char *const *names, size_t n, const char *what, int *out)
{
    _cleanup_free_ char *s = NULL;
    if (pc_need(c, pc_m_str(c, obj, p, key, &s), p, key) < 0)
        return -1;
    int i = name_index(names, n, s);
    if (i < 0) {
        _cleanup_free_ char *q = pc_quote(s);
        return pc_fail(c, JP_M(p, key), "unknown %s %s", what, q);
    }
    *out = i;
    return 0;
}

static int parse_namespace(const struct pc *c, const pd_json *v, const struct jp *p,
                           struct pd_namespace *ns, const bool *seen)
{
    int t;
    if (pc_v_object(c, v, p) < 0 ||
        need_enum(c, v, p, "type", ns_names, PD_NS__COUNT, "namespace type", &t) < 0)
        return -1;
    ns->type = (enum pd_ns_type)t;
    if (seen[t])
        return pc_fail(c, JP_M(p, "type"), "duplicate namespace type \"%s\"", ns_names[t]);
    if (pc_m_str(c, v, p, "path", &ns->path) < 0)
        return -1;
    if (ns->path != NULL && ns->path[0] == '\0') { /* "" means: create one (as runc) */
        free(ns->path);
        ns->path = NULL;
    }
    if (ns->path != NULL && ns->path[0] != '/') {
        _cleanup_free_ char *q = pc_quote(ns->path);
        return pc_fail(c, JP_M(p, "path"), "expected an absolute path, got %s", q);
    }
    return 0;
}

static int parse_namespaces(const struct pc *c, const pd_json *lx, const struct jp *lp,
                            struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, lx, lp, "namespaces", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(lp, "namespaces");
    bool seen[PD_NS__COUNT] = { false };
    size_t n = pd_json_len(v);
    out->namespaces = pd_xcalloc(n ? n : 1, sizeof(struct pd_namespace));
    for (size_t i = 0; i < n; i++) {
        struct pd_namespace *ns = &out->namespaces[i];
        out->n_namespaces = i + 1;
        if (parse_namespace(c, pd_json_at(v, i), JP_I(p, i), ns, seen) < 0)
            return -1;
        seen[ns->type] = true;
    }
    return 0;
}

static int parse_time_offset(const struct pc *c, const pd_json *to, const struct jp *tp,
                             const char *key, struct pd_time_offset *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, to, tp, key, &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(tp, key);
    if (pc_m_i64(c, v, p, "secs", &out->secs) < 0 ||
        pc_m_u32(c, v, p, "nanosecs", &out->nanosecs) < 0)
        return -1;
    if (out->nanosecs >= 1000000000u)
        return pc_fail(c, JP_M(p, "nanosecs"), "expected an integer below 1000000000");
    out->set = true;
    return 0;
}

static int parse_time_offsets(const struct pc *c, const pd_json *lx, const struct jp *lp,
                              struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, lx, lp, "timeOffsets", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(lp, "timeOffsets");
    if (parse_time_offset(c, v, p, "monotonic", &out->time_monotonic) < 0 ||
        parse_time_offset(c, v, p, "boottime", &out->time_boottime) < 0)
        return -1;
    return 0;
}

static int parse_device(const struct pc *c, const pd_json *v, const struct jp *p,
                        struct pd_device *d)
{
    _cleanup_free_ char *type = NULL;
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_str(c, v, p, "type", &type), p, "type") < 0)
        return -1;
    if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
        _cleanup_free_ char *q = pc_quote(type);
        return pc_fail(c, JP_M(p, "type"), "expected one of \"c\", \"b\", \"u\", \"p\", got %s", q);
    }
    d->type = type[0];
    if (pc_need(c, pc_m_str(c, v, p, "path", &d->path), p, "path") < 0)
        return -1;
    if (d->path[0] != '/') {
        _cleanup_free_ char *q = pc_quote(d->path);
        return pc_fail(c, JP_M(p, "path"), "expected an absolute path, got %s", q);
    }
    int r1 = pc_m_i64(c, v, p, "major", &d->major);
    int r2 = r1 < 0 ? -1 : pc_m_i64(c, v, p, "minor", &d->minor);
    if (r1 < 0 || r2 < 0)
        return -1;
    if (d->type != 'p' && (r1 == 0 || r2 == 0))
        return pc_fail(c, JP_M(p, r1 == 0 ? "major" : "minor"), "required for type \"%c\"",
                       d->type);
    /* The kernel's dev_t: 12 bits of major, 20 of minor. */
    if (r1 > 0 && (d->major < 0 || d->major > 4095))
        return pc_fail(c, JP_M(p, "major"), "expected an integer between 0 and 4095, got %lld",
                       (long long)d->major);
    if (r2 > 0 && (d->minor < 0 || d->minor > 1048575))
        return pc_fail(c, JP_M(p, "minor"), "expected an integer between 0 and 1048575, got %lld",
                       (long long)d->minor);
    int r = pc_m_u32(c, v, p, "fileMode", &d->file_mode);
    if (r < 0)
        return -1;
    d->has_file_mode = r > 0;
    if ((r = pc_m_u32(c, v, p, "uid", &d->uid)) < 0)
        return -1;
    d->has_uid = r > 0;
    if ((r = pc_m_u32(c, v, p, "gid", &d->gid)) < 0)
        return -1;
    d->has_gid = r > 0;
    return 0;
}

static int parse_devices(const struct pc *c, const pd_json *lx, const struct jp *lp,
                         struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, lx, lp, "devices", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(lp, "devices");
    size_t n = pd_json_len(v);
    out->devices = pd_xcalloc(n ? n : 1, sizeof(struct pd_device));
    for (size_t i = 0; i < n; i++) {
        out->n_devices = i + 1;
        if (parse_device(c, pd_json_at(v, i), JP_I(p, i), &out->devices[i]) < 0)
            return -1;
    }
    return 0;
}

static int parse_seccomp_arg(const struct pc *c, const pd_json *v, const struct jp *p,
                             struct pd_seccomp_arg *a)
{
    uint64_t index = 0;
    int op;
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_u64(c, v, p, "index", &index), p, "index") < 0)
        return -1;
    if (index > 5)
        return pc_fail(c, JP_M(p, "index"), "expected an integer between 0 and 5");
    a->index = (unsigned)index;
    if (pc_need(c, pc_m_u64(c, v, p, "value", &a->value), p, "value") < 0 ||
        pc_m_u64(c, v, p, "valueTwo", &a->value_two) < 0 ||
        need_enum(c, v, p, "op", seccomp_ops, PD_ARRAY_SIZE(seccomp_ops), "seccomp operator",
                  &op) < 0)
        return -1;
    a->op = (enum pd_seccomp_op)op;
    return 0;
}

static int parse_seccomp_syscall(const struct pc *c, const pd_json *v, const struct jp *p,
                                 struct pd_seccomp_syscall *s)
{
    int act;
    if (pc_v_object(c, v, p) < 0)
        return -1;
    pd_json *names = pc_get(v, "names");
    if (pd_json_type(names) != PD_JSON_ARRAY || pd_json_len(names) == 0)
        return pc_fail(c, JP_M(p, "names"), "expected a non-empty array of strings");
    if (pc_v_strv(c, names, JP_M(p, "names"), &s->names, &s->n_names) < 0 ||
        need_enum(c, v, p, "action", seccomp_actions, PD_ARRAY_SIZE(seccomp_actions),
                  "seccomp action", &act) < 0)
        return -1;
    s->action = (enum pd_seccomp_action)act;
    int r = pc_m_u32(c, v, p, "errnoRet", &s->errno_ret);
    if (r < 0)
        return -1;
    s->has_errno_ret = r > 0;
    pd_json *args = NULL;
    if ((r = pc_m_array(c, v, p, "args", &args)) <= 0)
        return r;
    const struct jp *ap = JP_M(p, "args");
    size_t n = pd_json_len(args);
    s->args = pd_xcalloc(n ? n : 1, sizeof(struct pd_seccomp_arg));
    for (size_t i = 0; i < n; i++) {
        s->n_args = i + 1;
        if (parse_seccomp_arg(c, pd_json_at(args, i), JP_I(ap, i), &s->args[i]) < 0)
            return -1;
    }
    return 0;
}

/* Each architecture known to libseccomp and each flag known to paddock,
 * named by its index when not. */
static int check_seccomp_names(const struct pc *c, const struct jp *p, const struct pd_seccomp *sc)
{
    const struct jp *ap = JP_M(p, "architectures");
    for (size_t i = 0; i < sc->n_architectures; i++)
        if (pd_seccomp_arch(sc->architectures[i]) == 0)
            return pc_fail(c, JP_I(ap, i), "unknown architecture \"%s\" (SCMP_ARCH_X86_64, "
                           "SCMP_ARCH_AARCH64, ...)", sc->architectures[i]);
    const struct jp *fp = JP_M(p, "flags");
    for (size_t i = 0; i < sc->n_flags; i++)
        if (!pd_seccomp_flag_known(sc->flags[i]))
            return pc_fail(c, JP_I(fp, i), "unknown seccomp flag \"%s\" (SECCOMP_FILTER_FLAG_LOG, "
                           "..._TSYNC, ..._SPEC_ALLOW, ..._WAIT_KILLABLE_RECV)", sc->flags[i]);
    return 0;
}

static int parse_seccomp(const struct pc *c, const pd_json *lx, const struct jp *lp,
                         struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, lx, lp, "seccomp", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(lp, "seccomp");
    struct pd_seccomp *sc = out->seccomp = pd_xcalloc(1, sizeof(*sc));
    int act;
    if (need_enum(c, v, p, "defaultAction", seccomp_actions, PD_ARRAY_SIZE(seccomp_actions),
                  "seccomp action", &act) < 0)
        return -1;
    sc->default_action = (enum pd_seccomp_action)act;
    if ((r = pc_m_u32(c, v, p, "defaultErrnoRet", &sc->default_errno_ret)) < 0)
        return -1;
    sc->has_default_errno_ret = r > 0;
    if (pc_m_strv(c, v, p, "architectures", &sc->architectures, &sc->n_architectures) < 0 ||
        pc_m_strv(c, v, p, "flags", &sc->flags, &sc->n_flags) < 0 ||
        check_seccomp_names(c, p, sc) < 0 ||
        pc_m_str(c, v, p, "listenerPath", &sc->listener_path) < 0 ||
        pc_m_str(c, v, p, "listenerMetadata", &sc->listener_metadata) < 0)
        return -1;
    pd_json *sys = NULL;
    if ((r = pc_m_array(c, v, p, "syscalls", &sys)) <= 0)
        return r;
    const struct jp *sp = JP_M(p, "syscalls");
    size_t n = pd_json_len(sys);
    sc->syscalls = pd_xcalloc(n ? n : 1, sizeof(struct pd_seccomp_syscall));
    for (size_t i = 0; i < n; i++) {
        sc->n_syscalls = i + 1;
        if (parse_seccomp_syscall(c, pd_json_at(sys, i), JP_I(sp, i), &sc->syscalls[i]) < 0)
            return -1;
    }
    return 0;
}

static int parse_propagation(const struct pc *c, const pd_json *lx, const struct jp *lp,
                             struct pd_linux *out)
{
    int r = pc_m_str(c, lx, lp, "rootfsPropagation", &out->rootfs_propagation);
    if (r <= 0)
        return r;
    if (out->rootfs_propagation[0] == '\0') {
        free(out->rootfs_propagation);
        out->rootfs_propagation = NULL;
        return 0;
    }
    if (name_index(propagations, PD_ARRAY_SIZE(propagations), out->rootfs_propagation) < 0) {
        _cleanup_free_ char *q = pc_quote(out->rootfs_propagation);
        return pc_fail(c, JP_M(lp, "rootfsPropagation"), "unknown propagation %s", q);
    }
    return 0;
}

static int parse_personality(const struct pc *c, const pd_json *lx, const struct jp *lp,
                             struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, lx, lp, "personality", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(lp, "personality");
    static const char *const domains[] = { "LINUX", "LINUX32" };
    int d;
    if (need_enum(c, v, p, "domain", domains, PD_ARRAY_SIZE(domains), "personality domain",
                  &d) < 0)
        return -1;
    out->personality_domain = pd_xstrdup(domains[d]);
    return 0;
}

static int parse_resources_member(const struct pc *c, const pd_json *lx, const struct jp *lp,
                                  struct pd_linux *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, lx, lp, "resources", &v);
    if (r <= 0)
        return r;
    out->has_resources = true;
    return pc_parse_resources(c, v, JP_M(lp, "resources"), &out->resources);
}

int pc_parse_linux(const struct pc *c, const pd_json *v, const struct jp *p,
                   struct pd_linux *out)
{
    if (pc_v_object(c, v, p) < 0 || parse_namespaces(c, v, p, out) < 0 ||
        pc_m_idmaps(c, v, p, "uidMappings", &out->uid_mappings, &out->n_uid_mappings) < 0 ||
        pc_m_idmaps(c, v, p, "gidMappings", &out->gid_mappings, &out->n_gid_mappings) < 0 ||
        parse_time_offsets(c, v, p, out) < 0 || parse_devices(c, v, p, out) < 0 ||
        pc_m_str(c, v, p, "cgroupsPath", &out->cgroups_path) < 0 ||
        parse_resources_member(c, v, p, out) < 0 || parse_propagation(c, v, p, out) < 0 ||
        pc_m_strv(c, v, p, "maskedPaths", &out->masked_paths, &out->n_masked_paths) < 0 ||
        pc_m_strv(c, v, p, "readonlyPaths", &out->readonly_paths, &out->n_readonly_paths) < 0 ||
        pc_m_kvmap(c, v, p, "sysctl", &out->sysctl, &out->n_sysctl) < 0 ||
        parse_seccomp(c, v, p, out) < 0 ||
        pc_m_str(c, v, p, "mountLabel", &out->mount_label) < 0 ||
        parse_personality(c, v, p, out) < 0)
        return -1;
    return 0;
}

static void seccomp_free(struct pd_seccomp *sc)
{
    if (sc == NULL)
        return;
    pd_strv_free(sc->architectures);
    pd_strv_free(sc->flags);
    free(sc->listener_path);
    free(sc->listener_metadata);
    for (size_t i = 0; sc->syscalls != NULL && i < sc->n_syscalls; i++) {
        pd_strv_free(sc->syscalls[i].names);
        free(sc->syscalls[i].args);
    }
    free(sc->syscalls);
    free(sc);
}

void pc_linux_clear(struct pd_linux *l)
{
    for (size_t i = 0; l->namespaces != NULL && i < l->n_namespaces; i++)
        free(l->namespaces[i].path);
    free(l->namespaces);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; l->devices != NULL && i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(l->cgroups_path);
    pc_resources_clear(&l->resources);
    free(l->rootfs_propagation);
    pd_strv_free(l->masked_paths);
    pd_strv_free(l->readonly_paths);
    pc_kv_free(l->sysctl, l->n_sysctl);
    seccomp_free(l->seccomp);
    free(l->seccomp_builtin);
    free(l->mount_label);
    free(l->personality_domain);
    memset(l, 0, sizeof(*l));
}
