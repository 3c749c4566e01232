/* paddock sandbox: flags only; the work is in runtime/sandbox.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
    "as nobody).  stdin/stdout/stderr are passed through as they are (no pty).\n\n"
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
    "  --allow-unix-socket PATH\n"
    "                        keep this host unix socket reachable (repeatable)\n"
    "  -h, --help            print this help\n\n"
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

int pd_cmd_sandbox(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"sandbox", required_argument, 0, 's'}, {"writable", required_argument, 0, 'w'},
        {"network", required_argument, 0, 'n'}, {"audit-log", required_argument, 0, 'a'},
        {"protect", required_argument, 0, 'P'}, {"allow-unix-socket", required_argument, 0, 'U'},
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
        case 'U':
            if (optarg[0] != '/')
                return pd_usage_error("sandbox", "--allow-unix-socket: expected an absolute "
                                      "path, got \"%s\"", optarg);
            sockets[o.n_allow_unix_socket++] = optarg;
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
