/* paddock CLI: helpers shared by the commands that act on one container. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cgroups.h"
#include "state.h"
#include "log.h"
#include "util.h"

int pd_cli_one_id(int argc, char **argv, const char *help, const char **id)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(help, stdout);
        return -1;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return pd_usage_error(argv[0], "unknown option \"%s\"", argv[i]);
    if (argc != 2)
        return pd_usage_error(argv[0], "expected exactly one container ID");
    *id = argv[1];
    return 0;
}

int pd_cli_open(const struct pd_global *g, const char *id, struct pd_container_dir *d,
                struct pd_state **st, struct pd_cgroup **cg, pd_error **err)
{
    d->fd = -1;
    if (pd_state_dir_open(g->root, id, d, err) < 0 || pd_state_read(d->path, st, err) < 0)
        return -1;
    if (cg == NULL)
        return 0;
    const char *s = (*st)->cgroup ? (*st)->cgroup : "";
    if (pd_cgroup_load(s, cg, err) < 0)
        return -1;
    if (pd_cgroup_mode(*cg) == PD_CGROUP_NONE)
        return pd_failx(err, "container \"%s\" has no cgroup (rootless without a writable "
                        "cgroup): this command needs one", id);
    return 0;
}

int pd_cli_freeze(const struct pd_global *g, int argc, char **argv, bool freeze, const char *help)
{
    const char *id = NULL;
    int r = pd_cli_one_id(argc, argv, help, &id);
    if (r != 0)
        return r < 0 ? 0 : r;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d;
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (pd_cli_open(g, id, &d, &st, &cg, &err) == 0) {
        enum pd_status s = pd_state_status(st, d.path);
        enum pd_status want = freeze ? PD_STATUS_RUNNING : PD_STATUS_PAUSED;
        if (s != want)
            pd_failx(&err, "cannot %s container \"%s\": it is %s, not %s", argv[0], id,
                     pd_status_name(s), pd_status_name(want));
        else
            pd_cgroup_freeze(cg, freeze, &err);
    }
    pd_state_dir_close(&d);
    return err ? pd_report(err) : 0;
}
