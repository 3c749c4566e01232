/* paddock pause */
#include "cli/cli.h"

int pd_cmd_pause(struct pd_global *g, int argc, char **argv)
{
    return pd_cli_freeze(g, argc, argv, true,
                         "Usage: paddock pause ID\n\nFreeze every process of a running container "
                         "(v1 freezer, v2 cgroup.freeze).\n`state` then reports \"paused\".\n");
}
