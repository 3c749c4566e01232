/* paddock resume */
#include "cli/cli.h"

int pd_cmd_resume(struct pd_global *g, int argc, char **argv)
{
    return pd_cli_freeze(g, argc, argv, false,
                         "Usage: paddock resume ID\n\nThaw a paused container.\n");
}
