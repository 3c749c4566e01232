/* paddock CLI: sandbox flags shared by status and check.  See sandbox_flags.h. */
#define _GNU_SOURCE
#include "cli/sandbox_flags.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "util.h"

const char pd_sandbox_flags_help[] =
    "  --sandbox MODE        read-only: nothing writable but a private /tmp (default\n"
    "                        workspace-write: also the current directory and each\n"
    "                        --writable DIR); danger-full-access: no filesystem\n"
    "                        restriction, host network\n"
    "  -w, --writable DIR    another writable root (workspace-write; repeatable)\n"
    "  --network none|host|allow:LIST\n"
    "                        default: none (host for danger-full-access).  allow:\n"
    "                        a namespace whose only way out is paddock's egress proxy\n"
    "                        (HTTP 127.0.0.1:3128, SOCKS5 127.0.0.1:1080, TCP 80/443\n"
    "                        to any IPv4/IPv6 address captured transparently, DNS on\n"
    "                        port 53 answering allowed names only); LIST: host[:port],\n"
    "                        *.domain[:port], IP, comma-separated (no port: 80 and 443)\n"
    "  --network-deny LIST   never these, even when allowed (no port: every port)\n"
    "  --resolve NAME=IP     the proxy resolves NAME to IP (repeatable; like curl's)\n"
    "  --network-approver PROG\n"
    "                        ask PROG (absolute path, run without a shell; JSON request\n"
    "                        on stdin) for a host on no list: allow-once, allow-session\n"
    "                        or deny on stdout\n"
    "  --network-approver-timeout SECONDS\n"
    "                        no answer in time is deny (default 30)\n"
    "  --audit-log FILE      append sandbox.start and sandbox.exit JSON lines to FILE\n"
    "  --protect PATH        another protected path (relative: in every writable\n"
    "                        root; repeatable)\n"
    "  --allow-nested-userns\n"
    "                        let the command make user namespaces (and mounts in\n"
    "                        them), for tools that sandbox themselves (bwrap)\n"
    "  --map-subids          also map the caller's /etc/subuid and /etc/subgid ranges\n"
    "                        (newuidmap/newgidmap, ~2 ms a start) so that files owned\n"
    "                        by those ids show their owners, not nobody (no use of\n"
    "                        those ids is possible inside: no capabilities)\n"
    "  --allow-unix-socket PATH\n"
    "                        keep this host unix socket reachable (repeatable)\n"
    "  --memory SIZE         memory limit: bytes, or with a k, m or g suffix (1024s)\n"
    "  --pids N              at most N processes (threads too), its init included\n"
    "  --cpus N[.NNN]        CPU time: N CPUs' worth per 100 ms period (at least 0.01)\n"
    "  --timeout SECONDS     SIGKILL the whole sandbox after SECONDS of wall-clock time\n"
    "                        (exit status 137, \"timeout after N s, killed\" on stderr)\n"
    "  --fallback refuse|auto  when a limit can't be enforced by a cgroup: refuse to\n"
    "                        run (refuse, the default, exit 125) or enforce what\n"
    "                        rlimits can and say so in one warning line (auto)\n"
    "  --workspace-overlay   the current directory as the read-only lower layer of an\n"
    "                        overlay: changes go to an upper layer in the store, to\n"
    "                        review with paddock workspace diff|apply|discard\n"
    "  --name NAME           the overlay workspace's name: kept after the run and\n"
    "                        continued by the next sandbox --name NAME\n"
    "  --from-snapshot SNAP  start on snapshot SNAP's layers (implies\n"
    "                        --workspace-overlay); warns when its base has moved\n"
    "  --strict-base         with --from-snapshot: refuse when the base has moved (or\n"
    "                        can't be checked: not a git work tree)\n";

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
        if (p->has_cpus && p->cpus_milli < 10)
            return pd_usage_error(cmd, "--cpus: at least 0.01 (a cgroup can't give less), got "
                                  "\"%s\"", val);
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

/* The policy's error on an annotation the network flags set, told as the
 * flag: "--resolve: expected NAME=IP ...".  Static: lives as long as the
 * command. */
static const char *network_flag_error(const char *msg)
{
    static const char *const keys[][2] = {
        {"network.allow", "--network allow:LIST"}, {"network.deny", "--network-deny"},
        {"network.resolve", "--resolve"}, {"network.approver-timeout", "--network-approver-timeout"},
        {"network.approver", "--network-approver"}, {"network", "--network"}};
    static char *out;
    for (size_t i = 0; i < PD_ARRAY_SIZE(keys); i++) {
        _cleanup_free_ char *k = pd_xasprintf("[\"" PD_AGENT_PREFIX "%s\"]: ", keys[i][0]);
        const char *m = strstr(msg, k);
        if (m != NULL) {
            free(out);
            out = pd_xasprintf("%s: %s", keys[i][1], m + strlen(k));
            return out;
        }
    }
    return msg;
}

/* --network allow:LIST and the other network flags: checked as their
 * annotations (dev.paddock.network.*) are, all together at the end. */
static int network_check(const char *cmd, struct pd_sandbox_opts *o)
{
    char tmo[32];
    snprintf(tmo, sizeof(tmo), "%u", o->net_approver_timeout);
    struct pd_kv kv[6] = {{.key = PD_AGENT_PREFIX "network", .value = "allow"},
                          {.key = PD_AGENT_PREFIX "network.allow", .value = (char *)o->net_allow}};
    size_t n = 2;
    if (o->network != PD_NETWORK_ALLOW) {
        if (o->net_deny || o->net_resolve || o->net_approver || o->net_approver_timeout)
            return pd_usage_error(cmd, "--network-deny, --resolve and --network-approver need "
                                  "--network allow:LIST");
        return 0;
    }
    if (o->net_deny)
        kv[n++] = (struct pd_kv){.key = PD_AGENT_PREFIX "network.deny", .value = (char *)o->net_deny};
    if (o->net_resolve)
        kv[n++] = (struct pd_kv){.key = PD_AGENT_PREFIX "network.resolve",
                                 .value = (char *)o->net_resolve};
    if (o->net_approver)
        kv[n++] = (struct pd_kv){.key = PD_AGENT_PREFIX "network.approver",
                                 .value = (char *)o->net_approver};
    if (o->net_approver_timeout)
        kv[n++] = (struct pd_kv){.key = PD_AGENT_PREFIX "network.approver-timeout", .value = tmo};
    struct pd_config cfg = {.file = "--network", .annotations = kv, .n_annotations = n};
    _cleanup_agent_policy_ struct pd_agent_policy *p = NULL;
    pd_error *err = NULL;
    if (pd_agent_policy_parse(&cfg, &p, &err) == 0)
        return 0;
    int r = pd_usage_error(cmd, "%s", network_flag_error(err->msg));
    pd_error_free(err);
    return r;
}

/* --resolve NAME=IP, repeatable: joined with ',' */
static void add_resolve(struct pd_sandbox_opts *o, const char *v)
{
    static char *joined; /* lives as long as the command */
    char *n = o->net_resolve ? pd_xasprintf("%s,%s", o->net_resolve, v) : pd_xstrdup(v);
    free(joined);
    o->net_resolve = joined = n;
}

static int approver_timeout(const char *cmd, const char *v, struct pd_sandbox_opts *o)
{
    unsigned long long t = 0;
    if (!pd_parse_u64(v, &t) || t < 1 || t > 3600)
        return pd_usage_error(cmd, "--network-approver-timeout: expected seconds from 1 to "
                              "3600, got \"%s\"", v);
    o->net_approver_timeout = (unsigned)t;
    return 0;
}

/* --json-status-fd N: an open fd past the command's stdio */
static int status_fd(const char *cmd, const char *arg, struct pd_sandbox_opts *o)
{
    unsigned long long v = 0;
    if (!pd_parse_u64(arg, &v) || v > INT32_MAX)
        return pd_usage_error(cmd, "--json-status-fd: expected a file descriptor number, got "
                              "\"%s\"", arg);
    if (v < 3)
        return pd_usage_error(cmd, "--json-status-fd %s: 0, 1 and 2 are the command's stdio; "
                              "use another fd (e.g. 3>&2 --json-status-fd 3)", arg);
    if (fcntl((int)v, F_GETFD) < 0)
        return pd_usage_error(cmd, "--json-status-fd %s: not an open file descriptor", arg);
    o->json_status_fd = (int)v;
    return 0;
}

/* --workspace-overlay, --name, --from-snapshot, --strict-base go together. */
static int overlay_flags(const char *cmd, struct pd_sandbox_opts *o)
{
    if (o->name != NULL && !o->workspace_overlay)
        return pd_usage_error(cmd, "--name names an overlay workspace: add --workspace-overlay "
                              "(or --from-snapshot)");
    if (o->strict_base && o->from_snapshot == NULL)
        return pd_usage_error(cmd, "--strict-base needs --from-snapshot");
    if (o->workspace_overlay && o->mode != PD_SANDBOX_WORKSPACE_WRITE)
        return pd_usage_error(cmd, "--workspace-overlay needs --sandbox workspace-write");
    return 0;
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
        o->mode_given = true;
        return 0;
    case 'w': f->writable[o->n_writable++] = optarg; return 0;
    case 'P':
        if (optarg[0] == '\0' || strstr(optarg, "..") != NULL)
            return pd_usage_error(cmd, "--protect: expected a path without \"..\" (relative: "
                                  "in every writable root), got \"%s\"", optarg);
        f->protect[o->n_protect++] = optarg;
        return 0;
    case 'U':
        if (optarg[0] != '/')
            return pd_usage_error(cmd, "--allow-unix-socket: expected an absolute path, got "
                                  "\"%s\"", optarg);
        f->allow[o->n_allow_unix_socket++] = optarg;
        return 0;
    case 'N': o->nested_userns = true; return 0;
    case 'I': o->map_subids = true; return 0;
    case 'O': o->workspace_overlay = true; return 0;
    case 'm': o->name = optarg; return 0;
    case 'S': o->from_snapshot = optarg, o->workspace_overlay = true; return 0;
    case 'B': o->strict_base = true; return 0;
    case 'J': return status_fd(cmd, optarg, o);
    case 'a': o->audit_log = optarg; return 0;
    case 'D': o->net_deny = optarg; return 0;
    case 'R': add_resolve(o, optarg); return 0;
    case 'A': o->net_approver = optarg; return 0;
    case 'T': return approver_timeout(cmd, optarg, o);
    case 'n':
        if (strcmp(optarg, "none") == 0)
            o->network = PD_NETWORK_NONE;
        else if (strcmp(optarg, "host") == 0)
            o->network = PD_NETWORK_HOST;
        else if (strncmp(optarg, "allow:", 6) == 0)
            o->network = PD_NETWORK_ALLOW, o->net_allow = optarg + 6;
        else
            return pd_usage_error(cmd, "--network: expected none, host or allow:LIST, got \"%s\"",
                                  optarg);
        return 0;
    default:
        return limit_flag(cmd, c, optarg, o);
    }
}

/* The system policy's ceilings (policy.h): defaults narrowed, a request
 * beyond one refused with exit status 125. */
static int system_policy(const char *cmd, struct pd_sandbox_opts *o)
{
    const struct pd_policy *pol = NULL;
    _cleanup_error_ pd_error *err = NULL;
    if (pd_policy_get(&pol, &err) == 0 && pd_policy_apply_sandbox(pol, o, &err) == 0)
        return 0;
    pd_wrap(&err, "%s", cmd);
    return pd_report(err);
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
        {"allow-nested-userns", no_argument, 0, 'N'}, {"map-subids", no_argument, 0, 'I'},
        {"workspace-overlay", no_argument, 0, 'O'}, {"name", required_argument, 0, 'm'},
        {"from-snapshot", required_argument, 0, 'S'}, {"strict-base", no_argument, 0, 'B'},
        {"network-deny", required_argument, 0, 'D'}, {"resolve", required_argument, 0, 'R'},
        {"network-approver", required_argument, 0, 'A'},
        {"network-approver-timeout", required_argument, 0, 'T'},
        {"json", no_argument, 0, 'j'},          {"json-status-fd", required_argument, 0, 'J'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    bool sandbox = strcmp(cmd, "sandbox") == 0;
    memset(f, 0, sizeof(*f));
    f->o = (struct pd_sandbox_opts){.root = g->root, .rootless = g->rootless,
                                    .systemd_cgroup = g->systemd_cgroup,
                                    .no_cgroup = g->no_cgroup, .network = -1,
                                    .mode = PD_SANDBOX_WORKSPACE_WRITE,
                                    .fallback = PD_FALLBACK_REFUSE, .json_status_fd = -1,
                                    .store = g->store};
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
        if (c == 'j' && !sandbox) {
            f->json = true;
            continue;
        }
        if (c == '?' || c == ':' || (c == 'j' && sandbox) || (c == 'J' && !sandbox))
            return pd_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        int r = one_flag(cmd, c, f);
        if (r != 0)
            return r;
    }
    if (f->o.n_writable > 0 && f->o.mode != PD_SANDBOX_WORKSPACE_WRITE)
        return pd_usage_error(cmd, "--writable needs --sandbox workspace-write");
    int r = overlay_flags(cmd, &f->o);
    if (r == 0)
        r = network_check(cmd, &f->o);
    return r != 0 ? r : system_policy(cmd, &f->o);
}

void pd_cli_sandbox_flags_free(struct pd_sandbox_flags *f)
{
    free(f->writable);
    free(f->protect);
    free(f->allow);
    f->writable = f->protect = f->allow = NULL;
}
