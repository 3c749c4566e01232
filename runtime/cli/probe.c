/* paddock __probe: internal, run by `paddock check` inside the sandbox it
 * checks.  Flags only; the probes are runtime/probe.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "probe.h"
#include "util.h"

static const char help[] =
    "Usage: paddock __probe [--workspace DIR] [--outside DIR] [--port N] [--unix PATH]\n"
    "                       [--abstract NAME] [--pid PID --pid-start N]\n"
    "                       [--tty-dev N --tty-rdev N]\n\n"
    "Internal: the escape probes `paddock check` runs inside a sandbox.  Prints one\n"
    "line per probe: probe NAME blocked|allowed|n/a ERRNO [DETAIL].\n";

static int number(const char *flag, const char *s, unsigned long long max, unsigned long long *out)
{
    if (!pd_parse_u64(s, out) || *out > max)
        return pd_usage_error("__probe", "%s: expected a number, got \"%s\"", flag, s);
    return 0;
}

int pd_cmd_probe(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    static const struct option opts[] = {
        {"workspace", required_argument, 0, 'w'}, {"outside", required_argument, 0, 'o'},
        {"port", required_argument, 0, 'p'},      {"unix", required_argument, 0, 'u'},
        {"abstract", required_argument, 0, 'a'},  {"pid", required_argument, 0, 'P'},
        {"pid-start", required_argument, 0, 'S'}, {"tty-dev", required_argument, 0, 'D'},
        {"tty-rdev", required_argument, 0, 'R'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct pd_probe_args a = {.workspace = ".", .outside = "/var/tmp"};
    unsigned long long v = 0;
    int c, r = 0;
    opterr = 0;
    while (r == 0 && (c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': a.workspace = optarg; break;
        case 'o': a.outside = optarg; break;
        case 'u': a.unix_path = optarg; break;
        case 'a': a.abstract = optarg; break;
        case 'p': r = number("--port", optarg, 65535, &v); a.tcp_port = (int)v; break;
        case 'P': r = number("--pid", optarg, 1u << 30, &v); a.host_pid = (pid_t)v; break;
        case 'S': r = number("--pid-start", optarg, ~0ULL, &a.host_pid_start); break;
        case 'D': r = number("--tty-dev", optarg, ~0ULL, &a.tty_dev); a.has_tty = true; break;
        case 'R': r = number("--tty-rdev", optarg, ~0ULL, &a.tty_rdev); a.has_tty = true; break;
        case 'h': fputs(help, stdout); return 0;
        default:
            return pd_usage_error("__probe", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (r != 0)
        return r;
    if (optind < argc)
        return pd_usage_error("__probe", "unexpected argument \"%s\"", argv[optind]);
    r = pd_probe_run_all(&a);
    /* _exit: the probes run inside the sandbox, where a sanitizer build's
     * leak check at exit can't work (LeakSanitizer stops the process with
     * ptrace, which the sandbox denies) and would fail the run; nothing is
     * left to free here. */
    if (fflush(stdout) != 0)
        _exit(1);
    _exit(r);
}
