/* paddock create */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "util.h"

static const char create_help[] =
    "Usage: paddock %s [OPTIONS] ID\n\n"
    "%s\n\n"
    "Options:\n"
    "  -b, --bundle DIR         bundle directory (default: the current directory)\n"
    "  --pid-file FILE          write the container init's pid to FILE\n"
    "  --console-socket PATH    send the pty master of a terminal container to this socket\n"
    "  --preserve-fds N         pass N extra fds (3 .. 3+N-1) to the container\n"
    "  --no-pivot               use MS_MOVE and chroot instead of pivot_root\n"
    "  --no-new-keyring         keep the caller's session keyring\n"
    "  --from-snapshot SNAP     start on snapshot SNAP's layers: a snapshot of a rootfs\n"
    "                           makes the rootfs an overlay over root.path, one of a\n"
    "                           workspace an overlay over dev.paddock.workspace; the\n"
    "                           changes go to the workspace ID (ID.rootfs), see\n"
    "                           paddock workspace --help\n"
    "  --strict-base            with --from-snapshot: refuse when its base has moved\n"
    "%s"
    "  -h, --help               print this help\n";

int pd_cli_parse_create(int argc, char **argv, bool is_run, struct pd_create_opts *o, bool *detach)
{
    static const struct option opts[] = {
        {"bundle", required_argument, 0, 'b'},  {"pid-file", required_argument, 0, 'p'},
        {"console-socket", required_argument, 0, 'c'}, {"preserve-fds", required_argument, 0, 'P'},
        {"no-pivot", no_argument, 0, 'n'},      {"no-new-keyring", no_argument, 0, 'k'},
        {"detach", no_argument, 0, 'd'},        {"help", no_argument, 0, 'h'},
        {"from-snapshot", required_argument, 0, 'S'}, {"strict-base", no_argument, 0, 'B'},
        {0, 0, 0, 0},
    };
    const char *cmd = is_run ? "run" : "create";
    unsigned long long n;
    int c;
    opterr = 0;
    o->bundle = ".";
    while ((c = getopt_long(argc, argv, is_run ? "+b:dh" : "+b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o->bundle = optarg; break;
        case 'p': o->pid_file = optarg; break;
        case 'c': o->console_socket = optarg; break;
        case 'P':
            if (!pd_parse_u64(optarg, &n) || n > 1024)
                return pd_usage_error(cmd, "--preserve-fds: expected a number from 0 to 1024, got \"%s\"", optarg);
            o->preserve_fds = (int)n;
            break;
        case 'n': o->no_pivot = true; break;
        case 'k': o->no_new_keyring = true; break;
        case 'S': o->from_snapshot = optarg; break;
        case 'B': o->strict_base = true; break;
        case 'd':
            if (!is_run)
                return pd_usage_error(cmd, "unknown option \"--detach\"");
            *detach = true;
            break;
        case 'h':
            printf(create_help, cmd,
                   is_run ? "Create a container from a bundle, start it, and wait for it (unless --detach).\n"
                            "Returns the container's exit code, or 128+N when signal N ends it."
                          : "Create a container from a bundle.  Its init waits until 'paddock start ID'.",
                   is_run ? "  -d, --detach             return after starting the container\n" : "");
            return -1;
        default:
            return pd_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return pd_usage_error(cmd, "expected exactly one container ID");
    if (o->strict_base && o->from_snapshot == NULL)
        return pd_usage_error(cmd, "--strict-base needs --from-snapshot");
    o->id = argv[optind];
    return 0;
}

int pd_cli_check_global(const struct pd_global *g, const char *cmd)
{
    if (g->systemd_cgroup)
        pd_debug("%s: --systemd-cgroup: no systemd driver; the slice:prefix:name path is "
                 "mapped to the same cgroupfs path", cmd);
    return 0;
}

int pd_cmd_create(struct pd_global *g, int argc, char **argv)
{
    struct pd_create_opts o = {.root = g->root, .rootless = g->rootless,
                               .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup,
                               .store = g->store};
    int r = pd_cli_parse_create(argc, argv, false, &o, NULL);
    if (r != 0)
        return r < 0 ? 0 : r;
    if ((r = pd_cli_check_global(g, "create")) != 0)
        return r;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_created created;
    if (pd_container_create(&o, &created, &err) < 0)
        return pd_report(err);
    pd_created_release(&created);
    return 0;
}
