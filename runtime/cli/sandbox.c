/* paddock sandbox: flags only; the work is in runtime/sandbox.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/sandbox_flags.h"
#include "error.h"
#include "sandbox.h"
#include "util.h"

static const char help_head[] =
    "Usage: paddock sandbox [OPTIONS] -- CMD [ARGS...]\n\n"
    "Run CMD on the host's own root filesystem, contained: new user, mount, PID,\n"
    "IPC and UTS namespaces (and network, unless --network host), no capabilities,\n"
    "no_new_privs, the built-in agent-default seccomp profile, a fresh /proc, a\n"
    "minimal /dev, /proc/sys read-only.  CMD runs in the current directory as the\n"
    "caller's own uid/gid (root maps every id to itself; others their own id,\n"
    "and with --map-subids their /etc/subuid and /etc/subgid ranges too), as\n"
    "pid 2 under a minimal init that forwards signals.  When stdin is a terminal,\n"
    "CMD gets a pty of its own, relayed to it (raw mode, window size followed,\n"
    "Ctrl-C and job control work; the caller's terminal is out of its reach,\n"
    "TIOCSTI included); otherwise stdin/stdout/stderr are passed as they are.\n\n"
    "Options:\n";
static const char help_tail[] =
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
    "  {\"event\":\"start\",\"time\":RFC3339,\"id\":ID,\"pid\":HOST_PID,\n"
    "   \"environment\":\"full\"|\"container-boundary\",\"terminal\":BOOL,\n"
    "   \"limits\":{\"memory\":{\"value\":BYTES,\"enforced_by\":HOW},\"pids\":{\"value\":N,...},\n"
    "   \"cpus\":{\"value_milli\":N,...},\"timeout\":{\"value\":SECONDS,...}}}\n"
    "      once CMD runs; pid is the sandbox's init (CMD itself in\n"
    "      container-boundary mode); limits lists those given; HOW is cgroup, RLIMIT_AS,\n"
    "      RLIMIT_NPROC, watchdog (timeout) or none\n"
    "  {\"event\":\"exit\",\"time\":RFC3339,\"id\":ID,\"status\":N,\"signal\":N|null,\n"
    "   \"timed_out\":BOOL,\"duration_ms\":N}\n"
    "      at the end: status as paddock exits, signal the one that ended the init\n"
    "      (null if it exited), duration_ms since paddock began\n\n"
    "Killing paddock (even with SIGKILL) kills the sandbox; the next sandbox run\n"
    "removes what a killed one left behind (state, cgroup, placeholders, a\n"
    "container-boundary TMPDIR).\n\n"
    "Where the namespaces can't be made (a default Docker or podman container, a\n"
    "Kubernetes pod, AppArmor's userns restriction; see paddock probe), --fallback\n"
    "refuse (the default) exits 125 naming the failing step, its errno and the\n"
    "fixes; --fallback auto runs CMD in container-boundary mode: no namespaces, but\n"
    "landlock (writes only under the writable roots, a private TMPDIR and\n"
    "/dev/null and the like; with network none no TCP, and seccomp refuses other IP\n"
    "sockets -- network allow runs as none, its proxy needs a network namespace;\n"
    "signals and abstract unix sockets scoped), the agent seccomp profile,\n"
    "no_new_privs, no capabilities, setsid, closed fds, the environment deny-list;\n"
    "one warning line names what is lost (protected paths, read-only mounts, host\n"
    "unix socket and /proc masking, the PID namespace), and CMD gets\n"
    "PADDOCK_MODE=container-boundary (PADDOCK_MODE=full otherwise).  Partial\n"
    "degradations of full mode are reported too: /proc bound instead of mounted\n"
    "(with --fallback auto only: the sandbox then sees the processes around it),\n"
    "only the own uid/gid mapped.\n\n"
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
    "kill -9; journal and empty spares in $XDG_STATE_HOME/paddock/placeholders).\n"
    "Host unix sockets outside the writable roots are unreachable (ECONNREFUSED).\n"
    "The environment is passed on without credentials: names starting with AWS_, ending in _TOKEN,\n"
    "_SECRET(S), _PASSWORD, _PASSWD, _KEY(S) or _CREDENTIALS, and SSH_AUTH_SOCK,\n"
    "GPG_AGENT_INFO are removed.\n\n"
    "Exit status: CMD's own (128+N when killed by signal N); 126 CMD can't be run;\n"
    "127 CMD not found; 125 paddock itself failed; 2 bad usage.\n";

int pd_cmd_sandbox(struct pd_global *g, int argc, char **argv)
{
    _cleanup_free_ char *help = pd_xasprintf("%s%s%s", help_head, pd_sandbox_flags_help, help_tail);
    struct pd_sandbox_flags f;
    int r = pd_cli_sandbox_flags("sandbox", help, argc, argv, g, &f);
    if (r == 0 && optind >= argc)
        r = pd_usage_error("sandbox", "no command given (paddock sandbox [OPTIONS] -- CMD [ARGS...])");
    if (r == 0)
        r = pd_cli_check_global(g, "sandbox");
    if (r == 0) {
        f.o.argv = argv + optind;
        r = pd_sandbox_run(&f.o);
    }
    pd_cli_sandbox_flags_free(&f);
    return r < 0 ? 0 : r;
}
