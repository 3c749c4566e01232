/* paddock start */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "util.h"

/* Parse "CMD [-h|--help] ID": returns 0 with *id set, -1 after help, or a usage exit code. */
static int one_id(int argc, char **argv, const char *help, const char **id)
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

int pd_cmd_start(struct pd_global *g, int argc, char **argv)
{
    const char *id = NULL;
    int r = one_id(argc, argv,
                   "Usage: paddock start ID\n\nStart the user process of a created container.\n"
                   "Runs the startContainer hooks in the container and the poststart hooks here.\n",
                   &id);
    if (r != 0)
        return r < 0 ? 0 : r;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d = {.fd = -1};
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_config_ struct pd_config *cfg = NULL;
    if (pd_state_dir_open(g->root, id, &d, &err) < 0 || pd_state_read(d.path, &st, &err) < 0 ||
        pd_container_config(&d, st, &cfg, &err) < 0 || pd_container_start(&d, st, cfg, &err) < 0) {
        pd_state_dir_close(&d);
        return pd_report(err);
    }
    pd_state_dir_close(&d);
    return 0;
}
