/* paddock: .process of config.json, and a process.json alone
 * (`exec --process FILE`): user, args, env, cwd, capabilities, rlimits,
 * ioPriority, scheduler, ... */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <linux/ioprio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "config_internal.h"
#include "util.h"
#include "sys_compat.h"

struct name_value {
    const char *name;
    int value;
};

static const struct name_value rlimit_names[] = {
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
};

static const struct name_value ioprio_classes[] = {
    { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
    { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
    { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
};

static const char *const sched_policies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
    "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};

static const struct name_value *lookup(const struct name_value *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    }
    return NULL;
}

static int parse_user(const struct pc *c, const pd_json *proc, const struct jp *pp,
                      struct pd_user *u)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, proc, pp, "user", &v);
    if (r <= 0)
        return r; /* absent: uid 0, gid 0 (as runc) */
    const struct jp *p = JP_M(pp, "user");
    if (pc_m_u32(c, v, p, "uid", &u->uid) < 0 || pc_m_u32(c, v, p, "gid", &u->gid) < 0)
        return -1;
    r = pc_m_u32(c, v, p, "umask", &u->umask);
    if (r < 0)
        return -1;
    u->has_umask = r > 0;
    if (pc_m_str(c, v, p, "username", &u->username) < 0)
        return -1;
    pd_json *g = NULL;
    r = pc_m_array(c, v, p, "additionalGids", &g);
    if (r <= 0)
        return r;
    const struct jp *gp = JP_M(p, "additionalGids");
    size_t n = pd_json_len(g);
    if (n > PD_NGROUPS_MAX) /* setgroups(2) refuses more */
        return pc_fail(c, gp, "%zu groups: at most %d", n, PD_NGROUPS_MAX);
    u->additional_gids = pd_xcalloc(n ? n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        if (pc_v_u32(c, pd_json_at(g, i), JP_I(gp, i), &u->additional_gids[i]) < 0)
            return -1;
        u->n_additional_gids = i + 1;
    }
    return 0;
}

/* One capability set: names with the CAP_ prefix, resolved by libcap. */
static int parse_cap_set(const struct pc *c, const pd_json *caps, const struct jp *cp,
                         const char *key, uint64_t *mask)
{
    pd_json *v = pc_get(caps, key);
    if (v == NULL)
        return 0;
    const struct jp *p = JP_M(cp, key);
    if (pd_json_type(v) != PD_JSON_ARRAY)
        return pc_fail(c, p, "expected an array of strings");
    for (size_t i = 0; i < pd_json_len(v); i++) {
        const char *name = pd_json_string(pd_json_at(v, i));
        if (name == NULL)
            return pc_fail(c, JP_I(p, i), "expected a string");
        cap_value_t cap;
        bool ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
        for (const char *s = name; ok && *s; s++)
            ok = (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_';
        if (ok)
            ok = cap_from_name(name, &cap) == 0 && cap >= 0 && cap < 64;
        if (!ok) {
            _cleanup_free_ char *q = pc_quote(name);
            return pc_fail(c, JP_I(p, i), "unknown capability %s", q);
        }
        *mask |= 1ULL << cap;
    }
    return 0;
}

static int parse_caps(const struct pc *c, const pd_json *proc, const struct jp *pp,
                      struct pd_caps *caps)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, proc, pp, "capabilities", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(pp, "capabilities");
    caps->present = true;
    if (parse_cap_set(c, v, p, "bounding", &caps->bounding) < 0 ||
        parse_cap_set(c, v, p, "effective", &caps->effective) < 0 ||
        parse_cap_set(c, v, p, "inheritable", &caps->inheritable) < 0 ||
        parse_cap_set(c, v, p, "permitted", &caps->permitted) < 0 ||
        parse_cap_set(c, v, p, "ambient", &caps->ambient) < 0)
        return -1;
    return 0;
}

static int parse_rlimit(const struct pc *c, const pd_json *v, const struct jp *p,
                        struct pd_rlimit *rl)
{
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_str(c, v, p, "type", &rl->type), p, "type") < 0)
        return -1;
    const struct name_value *nv = lookup(rlimit_names, PD_ARRAY_SIZE(rlimit_names), rl->type);
    if (nv == NULL) {
        _cleanup_free_ char *q = pc_quote(rl->type);
        return pc_fail(c, JP_M(p, "type"), "unknown rlimit type %s", q);
    }
    rl->resource = nv->value;
    if (pc_need(c, pc_m_u64(c, v, p, "soft", &rl->soft), p, "soft") < 0 ||
        pc_need(c, pc_m_u64(c, v, p, "hard", &rl->hard), p, "hard") < 0)
        return -1;
    if (rl->soft > rl->hard)
        return pc_fail(c, p, "soft limit %llu is greater than hard limit %llu",
                       (unsigned long long)rl->soft, (unsigned long long)rl->hard);
    return 0;
}

static int parse_rlimits(const struct pc *c, const pd_json *proc, const struct jp *pp,
                         struct pd_process *out)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, proc, pp, "rlimits", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(pp, "rlimits");
    size_t n = pd_json_len(v);
    out->rlimits = pd_xcalloc(n ? n : 1, sizeof(struct pd_rlimit));
    for (size_t i = 0; i < n; i++) {
        const struct jp *ep = JP_I(p, i);
        struct pd_rlimit *rl = &out->rlimits[i];
        out->n_rlimits = i + 1;
        if (parse_rlimit(c, pd_json_at(v, i), ep, rl) < 0)
            return -1;
        for (size_t j = 0; j < i; j++) {
            if (out->rlimits[j].resource == rl->resource) {
                _cleanup_free_ char *q = pc_quote(rl->type);
                return pc_fail(c, JP_M(ep, "type"), "duplicate rlimit type %s", q);
            }
        }
    }
    return 0;
}

static int parse_io_priority(const struct pc *c, const pd_json *proc, const struct jp *pp,
                             struct pd_process *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, proc, pp, "ioPriority", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(pp, "ioPriority");
    _cleanup_free_ char *cls = NULL;
    if (pc_need(c, pc_m_str(c, v, p, "class", &cls), p, "class") < 0)
        return -1;
    const struct name_value *nv = lookup(ioprio_classes, PD_ARRAY_SIZE(ioprio_classes), cls);
    if (nv == NULL) {
        _cleanup_free_ char *q = pc_quote(cls);
        return pc_fail(c, JP_M(p, "class"), "unknown I/O priority class %s", q);
    }
    out->io_priority_class = nv->value;
    r = pc_m_int(c, v, p, "priority", &out->io_priority);
    if (r < 0)
        return -1;
    if (r > 0 && (out->io_priority < 0 || out->io_priority > 7))
        return pc_fail(c, JP_M(p, "priority"), "expected an integer between 0 and 7");
    out->has_io_priority = true;
    return 0;
}

static int parse_scheduler(const struct pc *c, const pd_json *proc, const struct jp *pp,
                           struct pd_process *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, proc, pp, "scheduler", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(pp, "scheduler");
    if (pc_need(c, pc_m_str(c, v, p, "policy", &out->scheduler_policy), p, "policy") < 0)
        return -1;
    for (size_t i = 0; i < PD_ARRAY_SIZE(sched_policies); i++) {
        if (strcmp(sched_policies[i], out->scheduler_policy) == 0)
            return 0;
    }
    _cleanup_free_ char *q = pc_quote(out->scheduler_policy);
    return pc_fail(c, JP_M(p, "policy"), "unknown scheduler policy %s", q);
}

static int parse_console(const struct pc *c, const pd_json *proc, const struct jp *pp,
                         struct pd_process *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, proc, pp, "consoleSize", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(pp, "consoleSize");
    if (pc_need(c, pc_m_u32(c, v, p, "height", &out->console_height), p, "height") < 0 ||
        pc_need(c, pc_m_u32(c, v, p, "width", &out->console_width), p, "width") < 0)
        return -1;
    out->has_console_size = true;
    return 0;
}

/* The kernel's limit for one argument or environment string
 * (MAX_ARG_STRLEN, 32 pages): execve fails with E2BIG beyond it. */
#define PD_MAX_ARG_STRLEN (32 * 4096)

static int check_strv_len(const struct pc *c, const struct jp *p, char *const *v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        size_t n = strlen(v[i]);
        if (n >= PD_MAX_ARG_STRLEN)
            return pc_fail(c, JP_I(p, i), "%zu bytes long: the kernel takes at most %d bytes in one "
                           "argument or environment string", n, PD_MAX_ARG_STRLEN - 1);
    }
    return 0;
}

/* args (non-empty), env, cwd (absolute). */
static int parse_argv_env_cwd(const struct pc *c, const pd_json *v, const struct jp *p,
                              struct pd_process *out)
{
    pd_json *args = pc_get(v, "args");
    const struct jp *ap = JP_M(p, "args");
    if (pd_json_type(args) != PD_JSON_ARRAY || pd_json_len(args) == 0)
        return pc_fail(c, ap, "expected a non-empty array of strings");
    if (pc_v_strv(c, args, ap, &out->args, &out->n_args) < 0 || check_strv_len(c, ap, out->args) < 0)
        return -1;
    if (pc_m_strv(c, v, p, "env", &out->env, &out->n_env) < 0 ||
        check_strv_len(c, JP_M(p, "env"), out->env) < 0)
        return -1;
    if (out->env == NULL)
        out->env = pd_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < out->n_env; i++) /* as runc */
        if (out->env[i][0] == '=' || strchr(out->env[i], '=') == NULL) {
            _cleanup_free_ char *q = pc_quote(out->env[i]);
            return pc_fail(c, JP_I(JP_M(p, "env"), i), "expected NAME=VALUE, got %s", q);
        }
    if (pc_need(c, pc_m_str(c, v, p, "cwd", &out->cwd), p, "cwd") < 0)
        return -1;
    if (out->cwd[0] != '/') {
        _cleanup_free_ char *q = pc_quote(out->cwd);
        return pc_fail(c, JP_M(p, "cwd"), "expected an absolute path, got %s", q);
    }
    if (strlen(out->cwd) >= PATH_MAX)
        return pc_fail(c, JP_M(p, "cwd"), "%zu bytes long: at most %d", strlen(out->cwd),
                       PATH_MAX - 1);
    return 0;
}

int pc_parse_process(const struct pc *c, const pd_json *v, const struct jp *p,
                     struct pd_process *out)
{
    if (pc_v_object(c, v, p) < 0)
        return -1;
    if (pc_m_bool(c, v, p, "terminal", &out->terminal) < 0 ||
        parse_console(c, v, p, out) < 0 || parse_user(c, v, p, &out->user) < 0 ||
        parse_argv_env_cwd(c, v, p, out) < 0 ||
        pc_m_str(c, v, p, "commandLine", &out->command_line) < 0 ||
        parse_caps(c, v, p, &out->caps) < 0 || parse_rlimits(c, v, p, out) < 0 ||
        pc_m_bool(c, v, p, "noNewPrivileges", &out->no_new_privileges) < 0 ||
        pc_m_str(c, v, p, "apparmorProfile", &out->apparmor_profile) < 0 ||
        pc_m_str(c, v, p, "selinuxLabel", &out->selinux_label) < 0 ||
        parse_io_priority(c, v, p, out) < 0 || parse_scheduler(c, v, p, out) < 0)
        return -1;
    int r = pc_m_int(c, v, p, "oomScoreAdj", &out->oom_score_adj);
    if (r < 0)
        return -1;
    if (r > 0 && (out->oom_score_adj < -1000 || out->oom_score_adj > 1000))
        return pc_fail(c, JP_M(p, "oomScoreAdj"), "expected an integer between -1000 and 1000");
    out->has_oom_score_adj = r > 0;
    return 0;
}

void pc_process_clear(struct pd_process *p)
{
    free(p->user.additional_gids);
    free(p->user.username);
    pd_strv_free(p->args);
    free(p->command_line);
    pd_strv_free(p->env);
    free(p->cwd);
    for (size_t i = 0; p->rlimits != NULL && i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    free(p->scheduler_policy);
    memset(p, 0, sizeof(*p));
}

int pd_process_parse(const char *json, size_t len, const char *file,
                     struct pd_process **out, pd_error **err)
{
    *out = NULL;
    struct pc c = { NULL, file ? file : "process.json", err };
    pd_json *root = NULL;
    if (pd_json_parse(json, len, &root, err) < 0)
        return pd_wrap(err, "%s", c.file);
    const struct jp rp = JP_ROOT_INIT;
    struct pd_process *p = pd_xcalloc(1, sizeof(*p));
    int r = pc_parse_process(&c, root, &rp, p);
    pd_json_free(root);
    if (r < 0) {
        pd_process_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void pd_process_free(struct pd_process *p)
{
    if (p == NULL)
        return;
    pc_process_clear(p);
    free(p);
}
