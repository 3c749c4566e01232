/* paddock delete */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "sandbox_audit.h"
#include "util.h"

int pd_cmd_delete(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool force = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'h':
            fputs("Usage: paddock delete [--force] ID\n\n"
                  "Delete a stopped (or created) container: run its poststop hooks and remove\n"
                  "its state.\n\n"
                  "  -f, --force  kill a running container first; succeed if it does not exist\n",
                  stdout);
            return 0;
        default:
            return pd_usage_error("delete", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return pd_usage_error("delete", "expected exactly one container ID");
    const char *id = argv[optind];
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d = {.fd = -1};
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_config_ struct pd_config *cfg = NULL;
    if (pd_state_dir_open(g->root, id, &d, &err) < 0) {
        /* A `create` killed between making the directory and writing
         * state.json leaves a directory without it, which would block the id
         * forever.  Its lock is ours now (a live create holds it): --force
         * removes it. */
        if (force && err->errnum == ENOENT && d.fd >= 0) {
            pd_error_free(err);
            err = NULL;
            return pd_state_dir_remove(&d, &err) < 0 ? pd_report(err) : 0;
        }
        pd_state_dir_close(&d);
        if (force && err->errnum == ENOENT)
            return 0;
        return pd_report(err);
    }
    /* A state directory left by a killed `create` may lack state.json or config.json:
     * --force still removes it. */
    if (pd_state_read(d.path, &st, &err) < 0) {
        if (!force) {
            pd_state_dir_close(&d);
            return pd_report(err);
        }
        pd_error_free(err);
        err = NULL;
        return pd_state_dir_remove(&d, &err) < 0 ? pd_report(err) : 0;
    }
    if (pd_container_config(&d, st, &cfg, &err) < 0) {
        pd_warn("delete %s: %s (poststop hooks not run)", id, err->msg);
        pd_error_free(err);
        err = NULL;
    }
    if (pd_container_delete(&d, st, cfg, force, &err) < 0) {
        pd_state_dir_close(&d);
        return pd_report(err);
    }
    /* the status of a detached container is not known here */
    pd_agent_audit(cfg, id, "sandbox.exit", 0, -1);
    return 0;
}
