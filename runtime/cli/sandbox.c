/* paddock sandbox: flags only; the work is in runtime/sandbox.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent_policy.h"
#include "cli/cli.h"
#include "error.h"
#include "sandbox.h"
#include "util.h"

static const char help[] =
    "Usage: paddock sandbox [OPTIONS] -- CMD [ARGS...]\n\n"
    "Run CMD on the host's own root filesystem, contained: new user, mount, PID,\n"
    "IPC and UTS namespaces (and network, unless --network host), no capabilities,\n"
    "no_new_privs, the built-in agent-default seccomp profile, a fresh /proc, a\n"
    "minimal /dev, /proc/sys read-only.  CMD runs in the current directory as the\n"
    "caller's own uid/gid (only that uid and gid are mapped; other owners show up\n"
    "as nobody).  When stdin is a terminal, CMD gets a pty of its own, relayed to\n"
    "it (raw mode, window size followed; CMD runs under a minimal init as pid 2 so\n"
    "that Ctrl-C and job control work; the caller's terminal is out of its reach,\n"
    "TIOCSTI included); otherwise stdin/stdout/stderr are passed as they are.\n\n"
    "Options:\n"
    "  --sandbox MODE        read-only: nothing writable but a private /tmp (default\n"
    "                        workspace-write: also the current directory and each\n"
    "                        --writable DIR); danger-full-access: no filesystem\n"
    "                        restriction, host network\n"
    "  -w, --writable DIR    another writable root (workspace-write; repeatable)\n"
    "  --network none|host   default: none (host for danger-full-access)\n"
    "  --audit-log FILE      append sandbox.start and sandbox.exit JSON lines to FILE\n"
    "  --protect PATH        another protected path (relative: in every writable\n"
    "                        root; repeatable)\n"
    "  --allow-nested-userns let the command make user namespaces (and mounts in\n"
    "                        them), for tools that sandbox themselves (bwrap)\n"
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
    "  --json-status-fd N    write JSON lines to fd N (3 or more; not passed into\n"
    "                        the sandbox)\n"
    "  -h, --help            print this help\n\n"
    "Limits use a cgroup (/paddock/ID as root; rootless, a child of the caller's\n"
    "own cgroup, which only a delegated cgroup v2 allows).  Without one, --memory\n"
    "becomes RLIMIT_AS (each process's address space, not the tree's total),\n"
    "--pids RLIMIT_NPROC (counted in the sandbox's own user namespace: its\n"
    "processes only; Linux 5.14 or later, not for uid 0), and --cpus is not\n"
    "enforced.  --timeout is enforced by paddock itself, always.\n\n"
    "--json-status-fd lines (one JSON object each):\n"
    "  {\"event\":\"start\",\"time\":RFC3339,\"id\":ID,\"pid\":HOST_PID,\"terminal\":BOOL,\n"
    "   \"limits\":{\"memory\":{\"value\":BYTES,\"enforced_by\":HOW},\"pids\":{\"value\":N,...},\n"
    "   \"cpus\":{\"value_milli\":N,...},\"timeout\":{\"value\":SECONDS,...}}}\n"
    "      once CMD runs; pid is the sandbox's init (CMD, or its init with a\n"
    "      terminal); limits lists those given; HOW is cgroup, RLIMIT_AS,\n"
    "      RLIMIT_NPROC, watchdog (timeout) or none\n"
    "  {\"event\":\"exit\",\"time\":RFC3339,\"id\":ID,\"status\":N,\"signal\":N|null,\n"
    "   \"timed_out\":BOOL,\"duration_ms\":N}\n"
    "      at the end: status as paddock exits, signal the one that ended the init\n"
    "      (null if it exited), duration_ms since paddock began\n\n"
    "Killing paddock (even with SIGKILL) kills the sandbox; the next sandbox run\n"
    "removes what a killed one left behind (state, cgroup, temporary bundle).\n\n"
    "Every host mount is read-only inside, submounts too.  Landlock is a second\n"
    "wall: writes only to the writable roots, /tmp and /dev; with network none no\n"
    "TCP bind/connect; no signals or abstract unix sockets outside the sandbox.\n"
    "Inside writable roots the protected paths stay read-only: .git/hooks,\n"
    ".git/config, .git/info, .paddock, .codex, .claude, .agents, shell rc files,\n"
    ".gitconfig, .gitmodules, .mcp.json, and the files .git/config includes;\n"
    ".git itself can't be renamed or replaced and .git/commondir can't be\n"
    "planted (commits and `git worktree add` still work: objects, refs, index and\n"
    "logs stay writable).  A missing protected directory gets an empty placeholder\n"
    "on the host for the run (removed at the end, swept by the next run after a\n"
    "kill -9; journal in $XDG_STATE_HOME/paddock/placeholders).  Host unix\n"
    "sockets outside the writable roots are unreachable (ECONNREFUSED).\n"
    "The environment is passed on without credentials: names starting with AWS_, ending in _TOKEN,\n"
    "_SECRET(S), _PASSWORD, _PASSWD, _KEY(S) or _CREDENTIALS, and SSH_AUTH_SOCK,\n"
    "GPG_AGENT_INFO are removed.\n\n"
    "Exit status: CMD's own (128+N when killed by signal N); 126 CMD can't be run;\n"
    "127 CMD not found; 125 paddock itself failed; 2 bad usage.\n";

static int positive(const char *flag, const char *arg, uint64_t max, uint64_t *out)
{
    unsigned long long v = 0;
    if (!pd_parse_u64(arg, &v) || v == 0 || v > max)
        return pd_usage_error("sandbox", "%s: expected a positive integer, got \"%s\"", flag, arg);
    *out = v;
    return 0;
}

/* --memory, --pids, --cpus, --timeout, --fallback, --json-status-fd */
static int limit_flag(int c, const char *arg, struct pd_sandbox_opts *o)
{
    uint64_t v = 0;
    int r = 0;
    switch (c) {
    case 'M':
        if (!pd_parse_size(arg, &o->memory) || o->memory > INT64_MAX)
            return pd_usage_error("sandbox", "--memory: expected %s, got \"%s\"",
                                  PD_SIZE_EXPECTED, arg);
        o->has_memory = true;
        return 0;
    case 'p':
        o->has_pids = true;
        return positive("--pids", arg, INT64_MAX, &o->pids);
    case 'c':
        if (!pd_parse_cpus_milli(arg, &o->cpus_milli) || o->cpus_milli < 10)
            return pd_usage_error("sandbox", "--cpus: expected %s, at least 0.01, got \"%s\"",
                                  PD_CPUS_EXPECTED, arg);
        o->has_cpus = true;
        return 0;
    case 't':
        return positive("--timeout", arg, INT32_MAX, &o->timeout);
    case 'f':
        if (strcmp(arg, "refuse") == 0) o->fallback = PD_FALLBACK_REFUSE;
        else if (strcmp(arg, "auto") == 0) o->fallback = PD_FALLBACK_AUTO;
        else return pd_usage_error("sandbox", "--fallback: expected refuse or auto, got \"%s\"", arg);
        return 0;
    default: /* 'j' */
        if ((r = positive("--json-status-fd", arg, INT32_MAX, &v)) != 0)
            return r;
        if (v < 3)
            return pd_usage_error("sandbox", "--json-status-fd %s: 0, 1 and 2 are the command's "
                                  "stdio; use another fd (e.g. 3>&2 --json-status-fd 3)", arg);
        if (fcntl((int)v, F_GETFD) < 0)
            return pd_usage_error("sandbox", "--json-status-fd %s: not an open file descriptor", arg);
        o->json_status_fd = (int)v;
        return 0;
    }
}

int pd_cmd_sandbox(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"sandbox", required_argument, 0, 's'}, {"writable", required_argument, 0, 'w'},
        {"network", required_argument, 0, 'n'}, {"audit-log", required_argument, 0, 'a'},
        {"protect", required_argument, 0, 'P'}, {"allow-unix-socket", required_argument, 0, 'U'},
        {"memory", required_argument, 0, 'M'},  {"pids", required_argument, 0, 'p'},
        {"cpus", required_argument, 0, 'c'},    {"timeout", required_argument, 0, 't'},
        {"fallback", required_argument, 0, 'f'}, {"json-status-fd", required_argument, 0, 'j'},
        {"allow-nested-userns", no_argument, 0, 'N'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    struct pd_sandbox_opts o = {.root = g->root, .rootless = g->rootless,
                                .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup,
                                .mode = PD_SANDBOX_WORKSPACE_WRITE, .network = -1,
                                .json_status_fd = -1};
    _cleanup_free_ const char **writable = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ const char **protect = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ const char **sockets = pd_xcalloc((size_t)argc + 1, sizeof(char *));
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+w:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (strcmp(optarg, "read-only") == 0) o.mode = PD_SANDBOX_READ_ONLY;
            else if (strcmp(optarg, "workspace-write") == 0) o.mode = PD_SANDBOX_WORKSPACE_WRITE;
            else if (strcmp(optarg, "danger-full-access") == 0) o.mode = PD_SANDBOX_DANGER_FULL_ACCESS;
            else return pd_usage_error("sandbox", "--sandbox: expected read-only, workspace-write "
                                       "or danger-full-access, got \"%s\"", optarg);
            break;
        case 'w': writable[o.n_writable++] = optarg; break;
        case 'n':
            if (strcmp(optarg, "none") == 0) o.network = PD_NETWORK_NONE;
            else if (strcmp(optarg, "host") == 0) o.network = PD_NETWORK_HOST;
            else return pd_usage_error("sandbox", "--network: expected none or host, got \"%s\"", optarg);
            break;
        case 'a': o.audit_log = optarg; break;
        case 'P':
            if (optarg[0] == '\0' || strstr(optarg, "..") != NULL)
                return pd_usage_error("sandbox", "--protect: expected a path without \"..\" "
                                      "(relative: in every writable root), got \"%s\"", optarg);
            protect[o.n_protect++] = optarg;
            break;
        case 'N': o.nested_userns = true; break;
        case 'U':
            if (optarg[0] != '/')
                return pd_usage_error("sandbox", "--allow-unix-socket: expected an absolute "
                                      "path, got \"%s\"", optarg);
            sockets[o.n_allow_unix_socket++] = optarg;
            break;
        case 'M': case 'p': case 'c': case 't': case 'f': case 'j':
            if ((c = limit_flag(c, optarg, &o)) != 0)
                return c;
            break;
        case 'h': fputs(help, stdout); return 0;
        default:
            return pd_usage_error("sandbox", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return pd_usage_error("sandbox", "no command given (paddock sandbox [OPTIONS] -- CMD [ARGS...])");
    if (o.n_writable > 0 && o.mode != PD_SANDBOX_WORKSPACE_WRITE)
        return pd_usage_error("sandbox", "--writable needs --sandbox workspace-write");
    o.writable = writable;
    o.protect = protect;
    o.allow_unix_socket = sockets;
    o.argv = argv + optind;
    if ((c = pd_cli_check_global(g, "sandbox")) != 0)
        return c;
    return pd_sandbox_run(&o);
}
