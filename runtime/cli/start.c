/* paddock start */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "sandbox_audit.h"
#include "util.h"

int pd_cmd_start(struct pd_global *g, int argc, char **argv)
{
    const char *id = NULL;
    int r = pd_cli_one_id(argc, argv,
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
    pd_agent_audit(cfg, id, "sandbox.start", st->pid, -1);
    pd_state_dir_close(&d);
    return 0;
}
