/* paddock kill */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "util.h"
#include "sys_compat.h"

/* "TERM", "SIGTERM", "sigterm" or "15" -> 15; -1 when unknown. */
static int parse_signal(const char *s)
{
    unsigned long long n;
    if (pd_parse_u64(s, &n))
        return n > 0 && n < (unsigned long long)NSIG ? (int)n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *name = pd_signal_abbrev(sig);
        if (name != NULL && strcasecmp(name, s) == 0)
            return sig;
    }
    return -1;
}

int pd_cmd_kill(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool all = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a': all = true; break;
        case 'h':
            fputs("Usage: paddock kill [--all] ID [SIGNAL]\n\n"
                  "Send SIGNAL (default SIGTERM) to the container's init.  SIGNAL is a name\n"
                  "with or without SIG (KILL, SIGKILL) or a number (9).\n\n"
                  "  -a, --all    signal every process in the container\n", stdout);
            return 0;
        default:
            return pd_usage_error("kill", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc || argc - optind > 2)
        return pd_usage_error("kill", "expected ID [SIGNAL]");
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
        return pd_usage_error("kill", "unknown signal \"%s\"", argv[optind + 1]);
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d = {.fd = -1};
    _cleanup_state_ struct pd_state *st = NULL;
    int r = 0;
    if (pd_state_dir_open(g->root, id, &d, &err) < 0 || pd_state_read(d.path, &st, &err) < 0 ||
        pd_container_kill(st, sig, all, &err) < 0)
        r = pd_report(err);
    pd_state_dir_close(&d);
    return r;
}
