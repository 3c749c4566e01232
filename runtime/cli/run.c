/* paddock run */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "supervise.h"
#include "util.h"

/* Start, wait (forwarding signals), then delete, as `runc run` does. */
static int run_foreground(struct pd_created *c, pd_error **err)
{
    int code = 0;
    if (pd_container_start(&c->dir, c->state, c->cfg, err) < 0) {
        pd_container_delete(&c->dir, c->state, c->cfg, true, NULL);
        return -1;
    }
    /* Let kill, state and delete work on the container while it runs. */
    flock(c->dir.fd, LOCK_UN);
    int r = pd_supervise(c->pid, c->console_master, &code, err);
    flock(c->dir.fd, LOCK_EX);
    if (r < 0) {
        pd_container_delete(&c->dir, c->state, c->cfg, true, NULL);
        return -1;
    }
    /* `delete --force` from elsewhere may have removed it already. */
    if (faccessat(c->dir.fd, "state.json", F_OK, 0) == 0 &&
        pd_container_delete(&c->dir, c->state, c->cfg, true, err) < 0)
        return -1;
    return code;
}

int pd_cmd_run(struct pd_global *g, int argc, char **argv)
{
    struct pd_create_opts o = {.root = g->root, .rootless = g->rootless,
                               .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup};
    bool detach = false;
    int r = pd_cli_parse_create(argc, argv, true, &o, &detach);
    if (r != 0)
        return r < 0 ? 0 : r;
    if ((r = pd_cli_check_global(g, "run")) != 0)
        return r;
    o.foreground = !detach;
    sigset_t set, old;
    pd_supervise_signals(&set);
    if (!detach)
        sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_error_ pd_error *err = NULL;
    struct pd_created c;
    if (pd_container_create(&o, &c, &err) < 0)
        return pd_report(err);
    if (detach) {
        r = pd_container_start(&c.dir, c.state, c.cfg, &err) < 0 ? -1 : 0;
        if (r < 0)
            pd_container_delete(&c.dir, c.state, c.cfg, true, NULL);
    } else {
        r = run_foreground(&c, &err);
    }
    pd_created_release(&c);
    return r < 0 ? pd_report(err) : r;
}
