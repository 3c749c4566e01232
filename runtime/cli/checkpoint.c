/* paddock checkpoint / restore: out of scope, refused clearly. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "log.h"

int pd_cmd_checkpoint(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("Usage: paddock %s ...\n\nNot supported: paddock does not checkpoint or restore "
               "containers (CRIU is out of scope).\n", argv[0]);
        return 0;
    }
    pd_log(PD_LOG_ERROR, "%s: not supported: paddock does not checkpoint or restore containers "
           "(CRIU is out of scope)", argv[0]);
    return PD_EXIT_FAIL;
}
