/* paddock probe: flags and printing; the checks are runtime/envprobe*.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "envprobe.h"
#include "json.h"
#include "log.h"
#include "util.h"

static const char help[] =
    "Usage: paddock probe [--json] [--refresh]\n\n"
    "Report what this environment lets a sandbox have, each check tried for real\n"
    "in child processes (never longer than a few seconds), with the errno and its\n"
    "cause when one fails:\n"
    "  user-namespace      unshare(CLONE_NEWUSER)\n"
    "  setgroups, uid-map, gid-map  the maps paddock writes (root: every id; others:\n"
    "                      their own ids)\n"
    "  id-ranges           root: all ids; others: their /etc/subuid and /etc/subgid\n"
    "                      ranges, through newuidmap/newgidmap\n"
    "  newuidmap, newgidmap  present, setuid root or with file capabilities, not on a\n"
    "                      nosuid mount, not defeated by no_new_privs\n"
    "  mount-, pid-, ipc-, uts-, network-namespace  unshare(2) inside the user one\n"
    "  loopback            lo up over netlink in the new network namespace\n"
    "  mount-tmpfs, mount-proc, mount-sysfs, mount-overlay, pivot-root\n"
    "                      in those namespaces\n"
    "  seccomp-filter      a filter can be installed (and whether one already is)\n"
    "  landlock            the ABI\n"
    "  cgroup              the version, and whether limits can go into one\n"
    "It also reports this process's seccomp mode, no_new_privs and capabilities, the\n"
    "sysctls that explain a refusal, and whether paddock runs inside a container,\n"
    "of which kind (docker, podman, kubernetes, lxc, wsl), with the evidence.\n\n"
    "The result is cached per boot and uid in the runtime directory\n"
    "(/run/paddock-probe as root, else $XDG_RUNTIME_DIR/paddock-probe), keyed by\n"
    "everything that decides it; `paddock status`, `features` and `sandbox` use it.\n\n"
    "Options:\n"
    "  --json                one JSON object (fields below)\n"
    "  --refresh             probe again, ignoring the cache\n"
    "  -h, --help            print this help\n\n"
    "JSON fields: version, key (the cache key), cached (bool), uid, gid,\n"
    "initial_user_namespace, landlock_abi, process {seccomp (0|1|2), seccomp_filters,\n"
    "unshare_filtered (errno of unshare with an invalid flag, 0: the kernel's EINVAL),\n"
    "no_new_privs, cap_eff, cap_bnd (hex)}, sysctls {NAME: number or null},\n"
    "covered {proc, sys: mounts on top of them}, cgroup_hierarchy {version, hybrid},\n"
    "container {inside, kind, evidence}, checks {NAME: {state (ok|failed|skipped|\n"
    "not-run), errno, error (EPERM, ...), step, detail, cause, fixes}}.\n\n"
    "Exit status: 0 the report was printed (whatever it says); 2 bad usage.\n";

static void print_text(const struct pd_envprobe *p)
{
    printf("%-19s %s\n", "environment", p->container ? p->container : "no container seen");
    for (size_t i = 0; p->evidence[i] != NULL; i++)
        printf("%-19s %s\n", i == 0 ? "evidence" : "", p->evidence[i]);
    printf("%-19s uid %u, seccomp %d (%d filters), no_new_privs %d, CapEff %016llx\n",
           "this process", (unsigned)p->uid, p->seccomp_mode, p->seccomp_filters, p->nnp,
           (unsigned long long)p->cap_eff);
    printf("%-19s %s\n\n", "probed", p->cached ? "cached (same boot, uid and environment)" : "now");
    printf("%-19s %-8s %s\n", "CHECK", "STATE", "DETAIL");
    for (int c = 0; c < PD_ENV__COUNT; c++) {
        const struct pd_env_result *r = &p->r[c];
        _cleanup_free_ char *why = NULL;
        if (r->state == PD_ENV_FAILED)
            why = pd_envprobe_describe(p, (enum pd_env_check)c);
        printf("%-19s %-8s %s\n", pd_env_check_name((enum pd_env_check)c),
               pd_env_state_name(r->state),
               why ? strchr(why, ' ') + 1 : r->detail ? r->detail : r->step ? r->step : "");
        _cleanup_strv_ char **fixes = pd_envprobe_fixes(p, (enum pd_env_check)c);
        for (size_t i = 0; fixes[i] != NULL; i++)
            printf("%-19s %-8s fix: %s\n", "", "", fixes[i]);
    }
}

int pd_cmd_envprobe(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"refresh", no_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    bool json = false, refresh = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return 0;
        }
        if (c == 'j')
            json = true;
        else if (c == 'r')
            refresh = true;
        else
            return pd_usage_error("probe", "unknown or incomplete option \"%s\"", argv[optind - 1]);
    }
    if (optind < argc)
        return pd_usage_error("probe", "unexpected argument \"%s\"", argv[optind]);
    struct pd_envprobe p;
    _cleanup_error_ pd_error *err = NULL;
    if (pd_envprobe_get(&p, refresh, &err) < 0)
        return pd_report(err);
    if (json) {
        pd_jgen *j = pd_jgen_new(true);
        pd_jgen_map_open(j);
        pd_envprobe_jgen(&p, j, true);
        pd_jgen_map_close(j);
        _cleanup_free_ char *s = pd_jgen_finish(j, NULL);
        printf("%s\n", s);
    } else {
        print_text(&p);
    }
    pd_envprobe_free(&p);
    return 0;
}
