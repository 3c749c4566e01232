/* paddock CLI: sandbox flags shared by status and check.  See sandbox_flags.h. */
#define _GNU_SOURCE
#include "cli/sandbox_flags.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char pd_sandbox_flags_help[] =
    "  --sandbox MODE        read-only, workspace-write (default) or danger-full-access\n"
    "  -w, --writable DIR    another writable root (workspace-write; repeatable)\n"
    "  --network none|host   default: none (host for danger-full-access)\n"
    "  --protect PATH        another protected path (repeatable)\n"
    "  --allow-unix-socket PATH  a host unix socket to leave reachable (repeatable)\n"
    "  --memory N[k|m|g]     memory limit\n"
    "  --pids N              process limit\n"
    "  --cpus N.NNN          CPU limit\n"
    "  --timeout SECONDS     wall-clock limit\n"
    "  --fallback auto|refuse  when the kernel lacks a layer: run without it, or refuse\n"
    "                        (default refuse)\n"
    "  --audit-log FILE      as for paddock sandbox\n";

/* Validate VAL as the annotation KEY would be, into *out. */
static int policy_value(const char *cmd, const char *flag, const char *key, const char *val,
                        struct pd_agent_policy **out)
{
    struct pd_kv kv = {.key = (char *)key, .value = (char *)val};
    struct pd_config cfg = {.file = (char *)flag, .annotations = &kv, .n_annotations = 1};
    pd_error *err = NULL;
    pd_agent_policy_free(*out);
    *out = NULL;
    if (pd_agent_policy_parse(&cfg, out, &err) == 0)
        return 0;
    const char *m = strstr(err->msg, "]: ");
    int r = pd_usage_error(cmd, "%s: %s", flag, m != NULL ? m + 3 : err->msg);
    pd_error_free(err);
    return r;
}

static int limit_flag(const char *cmd, int c, const char *val, struct pd_sandbox_opts *o)
{
    _cleanup_agent_policy_ struct pd_agent_policy *p = NULL;
    static const struct { int c; const char *flag, *key; } t[] = {
        {'M', "--memory", PD_AGENT_PREFIX "limits.memory"},
        {'p', "--pids", PD_AGENT_PREFIX "limits.pids"},
        {'c', "--cpus", PD_AGENT_PREFIX "limits.cpus"},
        {'t', "--timeout", PD_AGENT_PREFIX "limits.timeout"},
        {'f', "--fallback", PD_AGENT_PREFIX "fallback"},
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(t); i++) {
        if (t[i].c != c)
            continue;
        int r = policy_value(cmd, t[i].flag, t[i].key, val, &p);
        if (r != 0)
            return r;
        if (p->has_memory)
            o->has_memory = true, o->memory = p->memory;
        if (p->has_pids)
            o->has_pids = true, o->pids = p->pids;
        if (p->has_cpus)
            o->has_cpus = true, o->cpus_milli = p->cpus_milli;
        if (p->has_timeout)
            o->timeout = p->timeout;
        if (c == 'f')
            o->fallback = p->fallback;
        return 0;
    }
    return pd_usage_error(cmd, "internal: unknown flag");
}

static int one_flag(const char *cmd, int c, struct pd_sandbox_flags *f)
{
    struct pd_sandbox_opts *o = &f->o;
    f->any = true;
    switch (c) {
    case 's':
        if (!pd_sandbox_mode_from_name(optarg, &o->mode))
            return pd_usage_error(cmd, "--sandbox: expected read-only, workspace-write or "
                                  "danger-full-access, got \"%s\"", optarg);
        return 0;
    case 'w': f->writable[o->n_writable++] = optarg; return 0;
    case 'P': f->protect[o->n_protect++] = optarg; return 0;
    case 'U': f->allow[o->n_allow_unix_socket++] = optarg; return 0;
    case 'a': o->audit_log = optarg; return 0;
    case 'n':
        if (strcmp(optarg, "none") == 0)
            o->network = PD_NETWORK_NONE;
        else if (strcmp(optarg, "host") == 0)
            o->network = PD_NETWORK_HOST;
        else
            return pd_usage_error(cmd, "--network: expected none or host, got \"%s\"", optarg);
        return 0;
    default:
        return limit_flag(cmd, c, optarg, o);
    }
}

int pd_cli_sandbox_flags(const char *cmd, const char *help, int argc, char **argv,
                         const struct pd_global *g, struct pd_sandbox_flags *f)
{
    static const struct option opts[] = {
        {"sandbox", required_argument, 0, 's'}, {"writable", required_argument, 0, 'w'},
        {"network", required_argument, 0, 'n'}, {"protect", required_argument, 0, 'P'},
        {"allow-unix-socket", required_argument, 0, 'U'},
        {"memory", required_argument, 0, 'M'},  {"pids", required_argument, 0, 'p'},
        {"cpus", required_argument, 0, 'c'},    {"timeout", required_argument, 0, 't'},
        {"fallback", required_argument, 0, 'f'}, {"audit-log", required_argument, 0, 'a'},
        {"json", no_argument, 0, 'j'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(f, 0, sizeof(*f));
    f->o = (struct pd_sandbox_opts){.root = g->root, .rootless = g->rootless,
                                    .systemd_cgroup = g->systemd_cgroup,
                                    .no_cgroup = g->no_cgroup, .network = -1,
                                    .mode = PD_SANDBOX_WORKSPACE_WRITE,
                                    .fallback = PD_FALLBACK_REFUSE, .json_status_fd = -1};
    f->writable = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    f->protect = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    f->allow = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    f->o.writable = f->writable;
    f->o.protect = f->protect;
    f->o.allow_unix_socket = f->allow;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+w:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c == 'j') {
            f->json = true;
            continue;
        }
        if (c == '?' || c == ':')
            return pd_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        int r = one_flag(cmd, c, f);
        if (r != 0)
            return r;
    }
    if (f->o.n_writable > 0 && f->o.mode != PD_SANDBOX_WORKSPACE_WRITE)
        return pd_usage_error(cmd, "--writable needs --sandbox workspace-write");
    return 0;
}

void pd_cli_sandbox_flags_free(struct pd_sandbox_flags *f)
{
    free(f->writable);
    free(f->protect);
    free(f->allow);
    f->writable = f->protect = f->allow = NULL;
}

struct pd_agent_policy *pd_cli_sandbox_policy(const struct pd_sandbox_opts *o, const char *ws)
{
    struct pd_agent_policy *p = NULL;
    if (pd_agent_policy_parse(NULL, &p, NULL) < 0)
        abort(); /* the defaults always parse */
    p->present = true;
    p->sandbox = o->mode;
    p->workspace = pd_xstrdup(ws);
    p->network = pd_sandbox_network_none(o) ? PD_NETWORK_NONE : PD_NETWORK_HOST;
    p->fallback = o->fallback;
    for (size_t i = 0; i < o->n_writable; i++) {
        char *r = realpath(o->writable[i], NULL);
        p->writable_roots = pd_xrealloc(p->writable_roots, (p->n_writable_roots + 2) * sizeof(char *));
        p->writable_roots[p->n_writable_roots++] = r != NULL ? r : pd_xstrdup(o->writable[i]);
        p->writable_roots[p->n_writable_roots] = NULL;
    }
    for (size_t i = 0; i < o->n_protect; i++) {
        p->protected_paths = pd_xrealloc(p->protected_paths,
                                         (p->n_protected_paths + 2) * sizeof(char *));
        p->protected_paths[p->n_protected_paths++] = pd_xstrdup(o->protect[i]);
        p->protected_paths[p->n_protected_paths] = NULL;
    }
    p->has_memory = o->has_memory, p->memory = o->memory;
    p->has_pids = o->has_pids, p->pids = o->pids;
    p->has_cpus = o->has_cpus, p->cpus_milli = o->cpus_milli;
    p->has_timeout = o->timeout > 0, p->timeout = o->timeout;
    return p;
}
