#define _GNU_SOURCE
/* paddock-hook-audit: an OCI poststart/poststop hook that appends one
 * audit event per call to the container's audit log (hooks/README.md):
 *
 *   {"time","event":"container.poststart"|"container.poststop","id",
 *    "stage","status","pid","bundle","command","engine","mode","network",
 *    "policy":{dev.paddock.* annotations},"policy_error","hook"}
 *
 * The log is --audit-log FILE (the administrator's choice, in the hooks.d
 * descriptor), else the container's dev.paddock.audit-log, else paddock's
 * default (/var/log/paddock/audit.log as root): the same file and format
 * (runtime/audit.h, one write(2) per line) as paddock's own sandbox.start
 * and sandbox.exit events. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_policy.h"
#include "audit.h"
#include "hook_common.h"
#include "util.h"

#define PROG "paddock-hook-audit"

static void usage(FILE *f)
{
    fputs("Usage: " PROG " [--stage poststart|poststop] [--audit-log FILE]\n"
          "\n"
          "An OCI hook: reads the container state JSON on stdin and appends a\n"
          "container.poststart or container.poststop event to the audit log.\n"
          "Installed with hooks.d descriptors, podman (and CRI-O) run it for every\n"
          "container carrying a dev.paddock.* annotation.\n"
          "\n"
          "Options:\n"
          "  --stage STAGE     poststart or poststop (default: poststop when the state's\n"
          "                    status is \"stopped\", else poststart)\n"
          "  --audit-log FILE  the log to append to (default: the container's\n"
          "                    dev.paddock.audit-log annotation, else\n"
          "                    $XDG_STATE_HOME/paddock/audit.log, as root\n"
          "                    /var/log/paddock/audit.log)\n"
          "  -h, --help        print this help\n"
          "  -v, --version     print the version\n"
          "\n"
          "Exit status: 0 when the event was written, 1 otherwise (engines log a\n"
          "failing poststart or poststop hook and go on), 2 on a usage error.\n",
          f);
}

/* The options into *stage and *log_path: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **stage, const char **log_path)
{
    static const struct option opts[] = {
        {"stage", required_argument, NULL, 's'},
        {"audit-log", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 's': *stage = optarg; break;
        case 'a': *log_path = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'v': printf(PROG " version %s\n", PADDOCK_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument %s\n", argv[optind]);
        return 2;
    }
    if (*stage != NULL && strcmp(*stage, "poststart") != 0 && strcmp(*stage, "poststop") != 0) {
        fprintf(stderr, PROG ": --stage: expected poststart or poststop, got \"%s\"\n", *stage);
        return 2;
    }
    if (*log_path != NULL && (*log_path)[0] != '/') {
        fprintf(stderr, PROG ": --audit-log: expected an absolute path, got \"%s\"\n", *log_path);
        return 2;
    }
    return -1;
}

/* The event for the container in ST into the log at LOG_PATH (NULL: the
 * agent policy's, else the default); POL and POLICY_ERROR: its policy. */
static int record(const struct pd_hook_state *st, const char *stage, const char *log_path,
                  const struct pd_agent_policy *pol, const char *policy_error)
{
    pd_error *err = NULL;
    bool agent = pol != NULL && pol->present;
    if (log_path == NULL && agent) {
        log_path = pol->audit_log;
        /* the bundle's choice, written by root: only under /var/log/paddock */
        if (pd_audit_bundle_path_check(log_path, geteuid(), &err) < 0) {
            int rc = pd_hook_fail(PROG, err);
            pd_error_free(err);
            return rc;
        }
    }
    struct pd_audit *a = NULL;
    if (pd_audit_open(log_path, &a, &err) < 0) {
        int rc = pd_hook_fail(PROG, err);
        pd_error_free(err);
        return rc;
    }
    _cleanup_free_ char *event = pd_xasprintf("container.%s", stage);
    _cleanup_free_ char *policy = pd_hook_policy_json(st);
    const char *const *command =
        st->cfg_loaded && st->cfg->has_process ? (const char *const *)st->cfg->process.args : NULL;
    struct pd_audit_field f[] = {
        {.key = "stage", .type = PD_AF_STR, .s = stage},
        {.key = "status", .type = PD_AF_STR, .s = st->status},
        {.key = "pid", .type = st->has_pid ? PD_AF_INT : PD_AF_STR, .i = st->pid, .s = NULL},
        {.key = "bundle", .type = PD_AF_STR, .s = st->bundle},
        {.key = "command", .type = command ? PD_AF_STRV : PD_AF_STR, .v = command, .s = NULL},
        {.key = "engine", .type = PD_AF_STR, .s = pd_hook_engine(st)},
        {.key = "mode", .type = PD_AF_STR, .s = agent ? pd_sandbox_mode_name(pol->sandbox) : NULL},
        {.key = "network", .type = PD_AF_STR, .s = agent ? pd_network_mode_name(pol->network) : NULL},
        {.key = "policy", .type = PD_AF_RAW_JSON, .s = policy},
        {.key = "policy_error", .type = PD_AF_STR, .s = policy_error},
        {.key = "hook", .type = PD_AF_STR, .s = PROG},
    };
    int rc = 0;
    if (pd_audit_event(a, event, st->id, f, sizeof(f) / sizeof(f[0]), &err) < 0) {
        rc = pd_hook_fail(PROG, err);
        pd_error_free(err);
    }
    pd_audit_close(a);
    return rc;
}

int main(int argc, char **argv)
{
    const char *stage = NULL, *log_path = NULL;
    int rc = parse_args(argc, argv, &stage, &log_path);
    if (rc >= 0)
        return rc;
    pd_error *err = NULL;
    struct pd_hook_state *st = pd_hook_state_stdin(PROG);
    if (st == NULL)
        return 1;
    if (stage == NULL)
        stage = st->status != NULL && strcmp(st->status, "stopped") == 0 ? "poststop" : "poststart";
    /* The policy: a container that paddock would refuse still gets its event,
     * with the reason, in the log the hook would use without a policy. */
    struct pd_agent_policy *pol = NULL;
    _cleanup_free_ char *policy_error = NULL;
    if (pd_agent_policy_parse(st->cfg, &pol, &err) < 0) {
        policy_error = pd_xstrdup(err->msg);
        pd_error_free(err);
        pol = NULL;
    }
    rc = record(st, stage, log_path, pol, policy_error);
    pd_agent_policy_free(pol);
    pd_hook_state_free(st);
    return rc;
}
