/* paddock check: flags and printing; the work is runtime/check.c (host side)
 * and runtime/probe.c (inside the sandbox, as `paddock __probe`). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "cli/sandbox_flags.h"
#include "json.h"
#include "log.h"
#include "probe.h"
#include "util.h"

static const char help_head[] =
    "Usage: paddock check [OPTIONS] [--json]\n\n"
    "Run a battery of escape probes inside a sandbox configured as `paddock sandbox\n"
    "OPTIONS` would be, and compare what they observe with what the mode promises.\n"
    "check makes a temporary workspace (with .git/hooks) and a directory outside it\n"
    "under /var/tmp, a TCP listener on 127.0.0.1, a unix socket (pathname and\n"
    "abstract), a sleeping process and a pty on the host; it runs the probes in the\n"
    "workspace with the pty as stdin, and also looks on the host for what they did.\n"
    "The paddock binary must be reachable inside the sandbox (not under /tmp).\n\n"
    "Options (those of paddock sandbox):\n";
static const char help_tail[] =
    "  --json                one JSON object instead of the table\n"
    "  -h, --help            print this help\n\n"
    "Probes (expected: blocked in every mode unless said otherwise):\n"
    "  write_workspace     create a file in the workspace (allowed but in read-only)\n"
    "  write_outside       create a file outside the writable roots (allowed in\n"
    "                      danger-full-access)\n"
    "  write_git_hooks     plant .git/hooks/pre-commit (allowed in danger-full-access)\n"
    "  create_protected    create .claude/settings.json where .claude is not there yet\n"
    "                      (allowed in danger-full-access)\n"
    "  read_kcore          read /proc/kcore\n"
    "  tcp_connect_host    TCP connect to the host's 127.0.0.1 (allowed with network host)\n"
    "  unix_socket_host    connect to a host pathname unix socket (allowed in\n"
    "                      danger-full-access)\n"
    "  abstract_unix_host  connect to a host abstract unix socket (allowed in\n"
    "                      danger-full-access with network host)\n"
    "  ptrace_host, kill_host  PTRACE_SEIZE / SIGCONT a process on the host\n"
    "  tiocsti             push input into the terminal (TIOCSTI on stdin, a pty)\n"
    "  mount, userns       mount a tmpfs; unshare(CLONE_NEWUSER)\n"
    "  setuid              gain privileges by executing a setuid-root program: its\n"
    "                      auxiliary vector (LD_SHOW_AUXV) and capabilities are read\n"
    "  io_uring, bpf, keyctl  the raw system calls\n"
    "A probe that can't run here (no setuid-root program, ...) is n/a, not a failure.\n"
    "In container-boundary mode (where the namespaces can't be made; paddock probe)\n"
    "a probe whose layer that mode loses is marked lost (RESULT lost, DETAIL names\n"
    "the layer: protected-paths, unix-sockets, ...), whatever it observed.\n\n"
    "JSON fields: mode, network (none|host), uid, sandbox_status (the exit status of\n"
    "the sandbox run), passed (bool), failed, not_probed, lost (counts), environment\n"
    "(full|container-boundary), probes: [{name, what, expected (allowed|blocked),\n"
    "observed (allowed|blocked|n/a|missing), errno (an errno or signal name, or \"-\"),\n"
    "detail, host_saw (bool), lost (the layer, or null), ok (bool)}].\n\n"
    "Exit status: 0 every probe as promised; 1 a probe was not, the sandbox failed,\n"
    "or the check could not run; 2 bad usage.\n";

static void print_json(const struct pd_sandbox_opts *o, const struct pd_check_result *res)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "mode", pd_sandbox_mode_name(o->mode));
    pd_jgen_kv_string(g, "network", pd_sandbox_network_none(o) ? "none" : "host");
    pd_jgen_kv_int(g, "uid", getuid());
    pd_jgen_kv_int(g, "sandbox_status", res->sandbox_status);
    pd_jgen_kv_bool(g, "passed", res->passed);
    pd_jgen_kv_int(g, "failed", (long long)res->n_failed);
    pd_jgen_kv_int(g, "not_probed", (long long)res->n_na);
    pd_jgen_kv_string(g, "environment", res->boundary ? "container-boundary" : "full");
    pd_jgen_kv_int(g, "lost", (long long)res->n_lost);
    pd_jgen_key(g, "probes");
    pd_jgen_array_open(g);
    for (size_t i = 0; i < res->n; i++) {
        const struct pd_check_probe *p = &res->probes[i];
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "name", p->name);
        pd_jgen_kv_string(g, "what", p->what);
        pd_jgen_kv_string(g, "expected", p->expected);
        pd_jgen_kv_string(g, "observed", p->observed);
        pd_jgen_kv_string(g, "errno", p->errname);
        pd_jgen_kv_string(g, "detail", p->detail);
        pd_jgen_kv_bool(g, "host_saw", p->host_saw);
        pd_jgen_kv_string(g, "lost", p->lost);
        pd_jgen_kv_bool(g, "ok", p->ok);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
    pd_jgen_map_close(g);
    _cleanup_free_ char *s = pd_jgen_finish(g, NULL);
    printf("%s\n", s);
}

static void print_table(const struct pd_sandbox_opts *o, const struct pd_check_result *res)
{
    printf("paddock check: %s, network %s, as uid %u%s\n\n", pd_sandbox_mode_name(o->mode),
           pd_sandbox_network_none(o) ? "none" : "host", (unsigned)getuid(),
           res->boundary ? ", container-boundary mode" : "");
    printf("%-19s %-8s %-8s %-6s %-12s %s\n", "PROBE", "EXPECTED", "OBSERVED", "RESULT",
           "ERRNO", "DETAIL");
    for (size_t i = 0; i < res->n; i++) {
        const struct pd_check_probe *p = &res->probes[i];
        printf("%-19s %-8s %-8s %-6s %-12s %s%s%s%s\n", p->name, p->expected, p->observed,
               p->lost ? "lost" : p->ok ? "ok" : "FAIL", p->errname, p->lost ? "(lost: " : "",
               p->lost ? p->lost : "", p->lost ? ") " : "", p->detail);
    }
    printf("\n%zu probes: %zu as promised, %zu not, %zu not probed here", res->n,
           res->n - res->n_failed - res->n_na - res->n_lost, res->n_failed, res->n_na);
    if (res->boundary)
        printf(", %zu lost in container-boundary mode", res->n_lost);
    printf("\n");
    if (res->sandbox_status != 0)
        printf("the sandbox exited with status %d\n", res->sandbox_status);
}

/* -w DIRs become absolute: check runs the sandbox in its own workspace. */
static int absolute_writable(struct pd_sandbox_flags *f, char ***abs)
{
    *abs = pd_xcalloc(f->o.n_writable + 1, sizeof(char *));
    for (size_t i = 0; i < f->o.n_writable; i++) {
        (*abs)[i] = realpath(f->writable[i], NULL);
        if ((*abs)[i] == NULL)
            return pd_usage_error("check", "--writable %s: %m", f->writable[i]);
    }
    f->o.writable = (const char *const *)*abs;
    return 0;
}

int pd_cmd_check(struct pd_global *g, int argc, char **argv)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1); /* before anything else */
    exe[n > 0 ? n : 0] = '\0';
    _cleanup_free_ char *help = pd_xasprintf("%s%s%s", help_head, pd_sandbox_flags_help, help_tail);
    struct pd_sandbox_flags f;
    _cleanup_strv_ char **abs = NULL;
    int r = pd_cli_sandbox_flags("check", help, argc, argv, g, &f);
    if (r == 0 && optind < argc)
        r = pd_usage_error("check", "unexpected argument \"%s\" (check runs its own probes)",
                           argv[optind]);
    if (r == 0)
        r = absolute_writable(&f, &abs);
    if (r == 0)
        r = pd_cli_check_global(g, "check");
    if (r != 0) {
        pd_cli_sandbox_flags_free(&f);
        return r < 0 ? 0 : r;
    }
    _cleanup_error_ pd_error *err = NULL;
    struct pd_check_result res;
    if (n <= 0)
        pd_fail_errno(&err, "check: readlink /proc/self/exe");
    else if (pd_check_run(&f.o, exe, &res, &err) == 0)
        r = 1;
    if (r == 1) {
        if (f.json)
            print_json(&f.o, &res);
        else
            print_table(&f.o, &res);
        r = res.passed ? 0 : 1;
        pd_check_result_free(&res);
    } else {
        r = pd_report(err);
    }
    pd_cli_sandbox_flags_free(&f);
    return r;
}
