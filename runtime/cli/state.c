/* paddock state */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "log.h"
#include "state.h"
#include "util.h"

int pd_cmd_state(struct pd_global *g, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs("Usage: paddock state ID\n\nPrint the state of a container (runtime-spec runtime.md):\n"
              "ociVersion, id, status (creating, created, running, stopped), pid, bundle, annotations.\n",
              stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return pd_usage_error("state", "unknown option \"%s\"", argv[i]);
    if (argc != 2)
        return pd_usage_error("state", "expected exactly one container ID");
    _cleanup_error_ pd_error *err = NULL;
    _cleanup_state_ struct pd_state *st = NULL;
    if (pd_state_check_id(argv[1], &err) < 0)
        return pd_report(err);
    _cleanup_free_ char *dir = pd_xasprintf("%s/%s", g->root, argv[1]);
    if (pd_state_read(dir, &st, &err) < 0) {
        pd_error_free(err);
        err = NULL;
        pd_failx(&err, "container \"%s\" does not exist", argv[1]);
        return pd_report(err);
    }
    _cleanup_free_ char *json = pd_state_oci_json(st, pd_state_status(st, dir), true);
    printf("%s\n", json);
    return 0;
}
