/* paddock exec */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "cgroups.h"
#include "cli/cli.h"
#include "container.h"
#include "exec.h"
#include "log.h"
#include "netsup.h"
#include "util.h"

static const char exec_help[] =
    "Usage: paddock exec [OPTIONS] ID COMMAND [ARG...]\n"
    "       paddock exec [OPTIONS] --process FILE ID\n\n"
    "Run a new process in a created or running container: it joins every\n"
    "namespace and the cgroup of the container's init and gets the container's\n"
    "seccomp filter.  Without --process it is the process of the container's\n"
    "config.json with COMMAND as its args, changed by the options below (no\n"
    "terminal unless --tty).  With --process FILE it is the OCI process JSON in\n"
    "FILE; what FILE leaves out of capabilities and rlimits comes from the config,\n"
    "and the options that change the process are ignored (as runc does).\n\n"
    "Returns the process's exit code (128+N when signal N ends it), or with\n"
    "--detach 0 once it runs; 126/127 when COMMAND can't be run / isn't found.\n\n"
    "Options:\n"
    "  -p, --process FILE       the process, as an OCI process JSON object\n"
    "  -d, --detach             return once the process runs\n"
    "  --pid-file FILE          write the process's host pid to FILE\n"
    "  -t, --tty                give the process a terminal (with --detach, it goes\n"
    "                           to --console-socket; else paddock relays it)\n"
    "  --console-socket PATH    send the terminal's pty master to this socket\n"
    "  --cwd DIR                working directory in the container\n"
    "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]     run as this uid (and gid)\n"
    "  -g, --additional-gids G  add a supplementary group (repeatable)\n"
    "  -c, --cap CAP            add CAP (e.g. CAP_NET_RAW) to the bounding, effective\n"
    "                           and permitted sets, and to the ambient set when it\n"
    "                           is inheritable (repeatable)\n"
    "  --no-new-privs           set no_new_privs\n"
    "  --preserve-fds N         pass N extra fds (3 .. 3+N-1) to the process\n"
    "  --ignore-paused          exec even when the container is paused\n"
    "  --process-label LABEL    not supported: an error unless empty\n"
    "  --apparmor PROFILE       not supported: an error unless empty\n"
    "  -h, --help               print this help\n";

struct exec_flags {
    const char *process_file, *pid_file, *console_socket, *cwd, *label, *apparmor;
    const char *id;
    char **cmd; /* NULL-terminated (the rest of argv) */
    size_t n_cmd;
    const char **env;
    size_t n_env;
    uint32_t *gids;
    size_t n_gids;
    uint64_t caps;
    bool has_user, has_gid;
    uint32_t uid, gid;
    bool tty, detach, nnp, ignore_paused;
    int preserve_fds;
};

static bool parse_u32(const char *s, uint32_t *out)
{
    unsigned long long n;
    if (!pd_parse_u64(s, &n) || n > UINT32_MAX)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* "UID" or "UID:GID", numeric as in runc. */
static int parse_user(struct exec_flags *f, const char *s)
{
    _cleanup_free_ char *copy = pd_xstrdup(s);
    char *colon = strchr(copy, ':');
    if (colon != NULL)
        *colon++ = '\0';
    if (!parse_u32(copy, &f->uid) || (colon != NULL && !parse_u32(colon, &f->gid)))
        return pd_usage_error("exec", "--user: expected UID[:GID] (numbers), got \"%s\"", s);
    f->has_user = true;
    f->has_gid = colon != NULL;
    return 0;
}

static int parse_cap(struct exec_flags *f, const char *name)
{
    cap_value_t cap;
    if (strncasecmp(name, "CAP_", 4) != 0 || cap_from_name(name, &cap) != 0 || cap < 0 || cap >= 64)
        return pd_usage_error("exec", "--cap: unknown capability \"%s\" (expected e.g. CAP_NET_RAW)",
                              name);
    f->caps |= 1ULL << cap;
    return 0;
}

static int one_flag(struct exec_flags *f, int c, const char *arg)
{
    unsigned long long n;
    switch (c) {
    case 'p': f->process_file = arg; return 0;
    case 'd': f->detach = true; return 0;
    case 'P': f->pid_file = arg; return 0;
    case 't': f->tty = true; return 0;
    case 'C': f->console_socket = arg; return 0;
    case 'n': f->nnp = true; return 0;
    case 'i': f->ignore_paused = true; return 0;
    case 'L': f->label = arg; return 0;
    case 'A': f->apparmor = arg; return 0;
    case 'u': return parse_user(f, arg);
    case 'c': return parse_cap(f, arg);
    case 'w':
        if (arg[0] != '/')
            return pd_usage_error("exec", "--cwd: expected an absolute path, got \"%s\"", arg);
        f->cwd = arg;
        return 0;
    case 'e':
        if (strchr(arg, '=') == NULL || arg[0] == '=')
            return pd_usage_error("exec", "--env: expected KEY=VALUE, got \"%s\"", arg);
        f->env[f->n_env++] = arg;
        return 0;
    case 'g':
        if (!parse_u32(arg, &f->gids[f->n_gids]))
            return pd_usage_error("exec", "--additional-gids: expected a gid, got \"%s\"", arg);
        f->n_gids++;
        return 0;
    case 'F':
        if (!pd_parse_u64(arg, &n) || n > 1024)
            return pd_usage_error("exec", "--preserve-fds: expected a number from 0 to 1024, got \"%s\"",
                                  arg);
        f->preserve_fds = (int)n;
        return 0;
    default:
        return pd_usage_error("exec", "unknown or incomplete option \"%s\"", arg);
    }
}

/* Returns 0, a usage exit code, or -1 after printing --help. */
static int parse(int argc, char **argv, struct exec_flags *f)
{
    static const struct option opts[] = {
        {"process", required_argument, 0, 'p'},       {"detach", no_argument, 0, 'd'},
        {"pid-file", required_argument, 0, 'P'},      {"tty", no_argument, 0, 't'},
        {"console-socket", required_argument, 0, 'C'}, {"cwd", required_argument, 0, 'w'},
        {"env", required_argument, 0, 'e'},           {"user", required_argument, 0, 'u'},
        {"additional-gids", required_argument, 0, 'g'}, {"cap", required_argument, 0, 'c'},
        {"no-new-privs", no_argument, 0, 'n'},        {"preserve-fds", required_argument, 0, 'F'},
        {"ignore-paused", no_argument, 0, 'i'},       {"process-label", required_argument, 0, 'L'},
        {"apparmor", required_argument, 0, 'A'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c, r;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(exec_help, stdout);
            return -1;
        }
        if ((r = one_flag(f, c, c == '?' || c == ':' ? argv[optind - 1] : optarg)) != 0)
            return r;
    }
    if (optind >= argc)
        return pd_usage_error("exec", "expected a container ID");
    f->id = argv[optind];
    f->cmd = argv + optind + 1;
    f->n_cmd = (size_t)(argc - optind - 1);
    if (f->process_file == NULL && f->n_cmd == 0)
        return pd_usage_error("exec", "expected a COMMAND after the container ID, or --process FILE");
    return 0;
}

/* The container's serialized cgroup: state.json's "paddock": {"cgroup": ...};
 * "" when absent (no cgroup, or a state written before the field existed). */
struct target {
    struct pd_state *st;
    struct pd_config *cfg;
    char *cgroup;
    struct pd_cgroup *cg; /* loaded by pd_state_status_cg, or NULL */
    bool paused; /* its cgroup is frozen (pd_state_status looked) */
    struct pd_seccomp_bpf *bpf; /* the init's filter kept by create, or NULL */
};

/* Read the state under the lock, then let go of it: kill and delete must
 * work while the process runs. */
static int load_target(const struct pd_global *g, const char *id, struct target *t, pd_error **err)
{
    struct pd_container_dir d = {.fd = -1};
    int r = -1;
    if (pd_state_dir_open(g->root, id, &d, err) < 0 || pd_state_read(d.path, &t->st, err) < 0)
        goto out;
    enum pd_status s = pd_state_status_cg(t->st, d.path, &t->cg);
    if (s == PD_STATUS_STOPPED) {
        pd_failx(err, "exec: cannot exec in a stopped container (\"%s\")", id);
        goto out;
    }
    if (s == PD_STATUS_CREATING) {
        pd_failx(err, "exec: container \"%s\" is still being created", id);
        goto out;
    }
    t->paused = s == PD_STATUS_PAUSED;
    if (pd_container_config_for_exec(&d, t->st, &t->bpf, &t->cfg, err) < 0)
        goto out;
    t->cgroup = pd_xstrdup(t->st->cgroup ? t->st->cgroup : "");
    r = 0;
out:
    pd_state_dir_close(&d);
    return r;
}

static int check_paused(const char *id, const struct target *t, pd_error **err)
{
    if (t->paused)
        return pd_failx(err, "exec: cannot exec in a paused container (\"%s\"); --ignore-paused "
                        "overrides", id);
    return 0;
}

static void set_env(struct pd_process *p, const char *kv)
{
    size_t klen = (size_t)(strchr(kv, '=') - kv) + 1; /* with the '=' */
    size_t n = pd_strv_len(p->env);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(p->env[i], kv, klen) == 0) {
            free(p->env[i]);
            p->env[i] = pd_xstrdup(kv);
            return;
        }
    }
    p->env = pd_xrealloc(p->env, (n + 2) * sizeof(char *));
    p->env[n] = pd_xstrdup(kv);
    p->env[n + 1] = NULL;
    p->n_env = n + 1;
}

/* runc: the config's process, args = COMMAND, changed by the flags. */
static int process_from_flags(const struct exec_flags *f, struct pd_config *cfg, pd_error **err)
{
    struct pd_process *p = &cfg->process;
    if (!cfg->has_process)
        return pd_failx(err, "exec: container \"%s\": its config.json has no .process to start "
                        "from: use --process FILE", f->id);
    pd_strv_free(p->args);
    p->args = pd_strv_dup(f->cmd);
    p->n_args = f->n_cmd;
    if (f->cwd != NULL) {
        free(p->cwd);
        p->cwd = pd_xstrdup(f->cwd);
    }
    pd_netsup_env_process(cfg, p, true); /* network=allow: as the init has them */
    for (size_t i = 0; i < f->n_env; i++)
        set_env(p, f->env[i]);
    if (f->has_user)
        p->user.uid = f->uid;
    if (f->has_gid)
        p->user.gid = f->gid;
    if (f->n_gids > 0) {
        size_t n = p->user.n_additional_gids;
        p->user.additional_gids = pd_xrealloc(p->user.additional_gids, (n + f->n_gids) * sizeof(uint32_t));
        memcpy(p->user.additional_gids + n, f->gids, f->n_gids * sizeof(uint32_t));
        p->user.n_additional_gids = n + f->n_gids;
    }
    if (f->caps != 0) {
        p->caps.present = true;
        p->caps.bounding |= f->caps;
        p->caps.effective |= f->caps;
        p->caps.permitted |= f->caps;
        /* Ambient needs inheritable (runc >= 1.2 adds them only then). */
        p->caps.ambient |= f->caps & p->caps.inheritable;
    }
    p->terminal = f->tty;
    if (f->nnp)
        p->no_new_privileges = true;
    return 0;
}

static int process_from_file(const struct exec_flags *f, struct pd_process **out, pd_error **err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (f->cwd != NULL || f->n_env > 0 || f->has_user || f->n_gids > 0 || f->caps != 0 || f->nnp)
        pd_warn("exec: --cwd, --env, --user, --additional-gids, --cap and --no-new-privs are "
                "ignored with --process");
    if (f->n_cmd > 0)
        pd_warn("exec: the COMMAND after the container ID is ignored with --process");
    if (pd_read_file(f->process_file, 4u << 20, &text, &len, err) < 0)
        return pd_wrap(err, "exec: --process");
    if (pd_process_parse(text, len, f->process_file, out, err) < 0)
        return pd_wrap(err, "exec: --process");
    return 0;
}

static int exec_main(const struct pd_global *g, const struct exec_flags *f, int *code, pd_error **err)
{
    if ((f->label != NULL && f->label[0] != '\0') || (f->apparmor != NULL && f->apparmor[0] != '\0'))
        return pd_failx(err, "exec: %s: not supported (paddock applies no SELinux label or "
                        "AppArmor profile)", f->label != NULL && f->label[0] ? "--process-label"
                                                                            : "--apparmor");
    struct target t = {0};
    struct pd_process *file_proc = NULL;
    int r = -1;
    if (load_target(g, f->id, &t, err) < 0 ||
        (!f->ignore_paused && check_paused(f->id, &t, err) < 0))
        goto out;
    if (f->process_file != NULL ? process_from_file(f, &file_proc, err) < 0
                                : process_from_flags(f, t.cfg, err) < 0)
        goto out;
    if (file_proc != NULL) /* its own values win */
        pd_netsup_env_process(t.cfg, file_proc, false);
    struct pd_exec_request req = {
        .cfg = t.cfg, .st = t.st, .proc = file_proc != NULL ? file_proc : &t.cfg->process,
        .cgroup = t.cgroup, .cg = t.cg, .seccomp = t.bpf,
        .console_socket = f->console_socket, .pid_file = f->pid_file,
        .preserve_fds = f->preserve_fds, .detach = f->detach,
    };
    r = pd_exec(&req, code, err);
out:
    pd_process_free(file_proc);
    pd_config_free(t.cfg);
    pd_seccomp_bpf_free(t.bpf);
    pd_state_free(t.st);
    free(t.cgroup);
    pd_cgroup_free(t.cg);
    return r;
}

int pd_cmd_exec(struct pd_global *g, int argc, char **argv)
{
    struct exec_flags f = {0};
    _cleanup_free_ const char **env = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ uint32_t *gids = pd_xcalloc((size_t)argc + 1, sizeof(uint32_t));
    f.env = env;
    f.gids = gids;
    int r = parse(argc, argv, &f);
    if (r != 0)
        return r < 0 ? 0 : r;
    _cleanup_error_ pd_error *err = NULL;
    int code = 0;
    if (exec_main(g, &f, &code, &err) < 0)
        return pd_report(err);
    return code;
}
