/* paddock: command-line entry point.  Global flags, then one command; each
 * command lives in runtime/cli/NAME.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "cli/cli.h"
#include "exe_seal.h"
#include "log.h"
#include "state.h"
#include "util.h"

static const struct pd_command commands[] = {
    {"create", pd_cmd_create, "create a container from a bundle (it waits for start)"},
    {"start", pd_cmd_start, "start the user process of a created container"},
    {"run", pd_cmd_run, "create and start a container, and wait for it"},
    {"sandbox", pd_cmd_sandbox, "run one command contained on the host root (agent sandbox)"},
    {"status", pd_cmd_status, "say which protection layers a sandbox or container gets"},
    {"check", pd_cmd_check, "probe from inside a sandbox that its walls hold"},
    {"probe", pd_cmd_envprobe, "report what this environment lets a sandbox have"},
    {"__probe", pd_cmd_probe, "internal: the probes `check` runs inside the sandbox"},
    {"workspace", pd_cmd_workspace, "review, apply or discard an overlay workspace's changes"},
    {"snapshot", pd_cmd_snapshot, "keep, list, remove and check workspace snapshots"},
    {"exec", pd_cmd_exec, "run a new process inside a running container"},
    {"state", pd_cmd_state, "print the state of a container as JSON"},
    {"kill", pd_cmd_kill, "send a signal to the container's init (or all its processes)"},
    {"delete", pd_cmd_delete, "delete a container and its state"},
    {"list", pd_cmd_list, "list containers"},
    {"spec", pd_cmd_spec, "write a default config.json"},
    {"features", pd_cmd_features, "print the features of this build as JSON"},
    {"ps", pd_cmd_ps, "list the processes of a container"},
    {"pause", pd_cmd_pause, "freeze every process of a container"},
    {"resume", pd_cmd_resume, "thaw a paused container"},
    {"update", pd_cmd_update, "change the resource limits of a container"},
    {"events", pd_cmd_events, "print stats and OOM events of a container as JSON"},
    {"checkpoint", pd_cmd_checkpoint, "not supported (CRIU is out of scope)"},
    {"restore", pd_cmd_checkpoint, "not supported (CRIU is out of scope)"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: paddock [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
            "paddock is an OCI container runtime for containing AI coding agents.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < PD_ARRAY_SIZE(commands); i++)
        if (commands[i].name[0] != '_') /* internal commands */
            fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\nGlobal options:\n"
            "  --root DIR               state directory (default /run/paddock as root,\n"
            "                           $XDG_RUNTIME_DIR/paddock otherwise)\n"
            "  --log FILE               write errors (also on stderr), warnings and debug\n"
            "                           messages to FILE\n"
            "  --log-format text|json   format of the --log file (json: one object per line)\n"
            "  --debug                  write debug messages\n"
            "  --systemd-cgroup         accept systemd's slice:prefix:name cgroupsPath; it is\n"
            "                           mapped to the same path on cgroupfs (no systemd driver)\n"
            "  --cgroup-manager cgroupfs|systemd|disabled  as crun: systemd = --systemd-cgroup;\n"
            "                           disabled = no cgroup (limits are ignored, with a warning)\n"
            "  --rootless auto|true|false  treat the caller as unprivileged (default auto)\n"
            "  --store DIR              overlay workspaces and snapshots (default\n"
            "                           $PADDOCK_STORE, else /var/lib/paddock/store as root,\n"
            "                           $XDG_DATA_HOME/paddock/store otherwise)\n"
            "  -v, --version            print the version\n"
            "  -h, --help               print this help\n\n"
            "Exit codes: 0 success; 1 the operation failed; 2 bad usage; `run` returns the\n"
            "container's exit code (128+N when killed by signal N); 126/127 when the\n"
            "container's executable can't be run / isn't found.\n"
            "Run 'paddock COMMAND --help' for a command's options.\n");
}

int pd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    pd_log(PD_LOG_ERROR, "%s%s%s", cmd ? cmd : "", cmd ? ": " : "", msg ? msg : "usage error");
    fprintf(stderr, "Try 'paddock %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return PD_EXIT_USAGE;
}

static int parse_global(int argc, char **argv, struct pd_global *g)
{
    static const struct option opts[] = {
        {"root", required_argument, 0, 'r'},     {"log", required_argument, 0, 'l'},
        {"log-format", required_argument, 0, 'f'}, {"debug", no_argument, 0, 'd'},
        {"systemd-cgroup", no_argument, 0, 's'}, {"rootless", required_argument, 0, 'R'},
        {"cgroup-manager", required_argument, 0, 'c'}, {"store", required_argument, 0, 'S'},
        {"version", no_argument, 0, 'v'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (optarg[0] == '\0')
                return pd_usage_error(NULL, "--root: expected a directory, got \"\"");
            free(g->root);
            g->root = pd_xstrdup(optarg);
            break;
        case 'l': g->log_path = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return pd_usage_error(NULL, "--log-format: expected text or json, got \"%s\"", optarg);
            g->log_json = strcmp(optarg, "json") == 0;
            break;
        case 'd': g->debug = true; break;
        case 'S': g->store = optarg; break;
        case 's': g->systemd_cgroup = true; break;
        case 'c':
            if (strcmp(optarg, "cgroupfs") == 0) g->systemd_cgroup = false, g->no_cgroup = false;
            else if (strcmp(optarg, "systemd") == 0) g->systemd_cgroup = true;
            else if (strcmp(optarg, "disabled") == 0) g->no_cgroup = true;
            else return pd_usage_error(NULL, "--cgroup-manager: expected cgroupfs, systemd or disabled, got \"%s\"", optarg);
            break;
        case 'R':
            if (strcmp(optarg, "auto") == 0) g->rootless = PD_ROOTLESS_AUTO;
            else if (strcmp(optarg, "true") == 0) g->rootless = PD_ROOTLESS_TRUE;
            else if (strcmp(optarg, "false") == 0) g->rootless = PD_ROOTLESS_FALSE;
            else return pd_usage_error(NULL, "--rootless: expected auto, true or false, got \"%s\"", optarg);
            break;
        case 'v': printf("paddock version %s\nspec: 1.2.0\n", PADDOCK_VERSION); return -2;
        case 'h': usage(stdout); return -2;
        default:
            return pd_usage_error(NULL, "unknown or incomplete global option \"%s\"", argv[optind - 1]);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* CVE-2019-5736: a container that can see our pid must not be able to
     * open /proc/PID/exe (the paddock binary) to overwrite it later.
     * Non-dumpable processes' /proc files need CAP_SYS_PTRACE in our user
     * namespace; the setup children inherit this until they exec. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        perror("paddock: prctl(PR_SET_DUMPABLE)");
        return PD_EXIT_FAIL;
    }
    struct pd_global g = {0};
    int r = parse_global(argc, argv, &g);
    if (pd_log_init(g.log_path, g.log_json, g.debug) < 0 && r == 0) {
        /* as runc: a log an engine asked for and cannot get is an error */
        fprintf(stderr, "paddock: --log %s: %s\n", g.log_path, strerror(errno));
        free(g.root);
        return PD_EXIT_FAIL;
    }
    if (r != 0) {
        free(g.root);
        return r == -2 ? 0 : r;
    }
    if (optind >= argc) {
        usage(stderr);
        return PD_EXIT_USAGE;
    }
    if (g.root == NULL)
        g.root = pd_state_default_root();
    const char *name = argv[optind];
    for (size_t i = 0; i < PD_ARRAY_SIZE(commands); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            /* CVE-2019-5736: the commands that start processes inside a
             * container get a sealed /proc/self/exe (exe_seal.h). */
#ifndef PADDOCK_NO_EXE_SEAL /* build/escape/paddock-noseal: a test's control only */
            if (strcmp(name, "create") == 0 || strcmp(name, "run") == 0 || strcmp(name, "exec") == 0) {
                _cleanup_error_ pd_error *err = NULL;
                if (pd_exe_seal(argv, &err) < 0) {
                    free(g.root);
                    return pd_report(err);
                }
            }
#endif
            int idx = optind;
            optind = 0; /* reset getopt for the command */
            r = commands[i].fn(&g, argc - idx, argv + idx);
            free(g.root);
            return r;
        }
    }
    free(g.root);
    return pd_usage_error(NULL, "unknown command \"%s\"", name);
}
