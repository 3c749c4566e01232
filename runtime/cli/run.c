/* paddock run */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "container.h"
#include "log.h"
#include "sandbox_audit.h"
#include "supervise.h"
#include "util.h"

static void audit_started(void *arg, const struct pd_created *c)
{
    pd_agent_audit(c->cfg, (const char *)arg, "sandbox.start", c->pid, -1);
}

int pd_cmd_run(struct pd_global *g, int argc, char **argv)
{
    struct pd_create_opts o = {.root = g->root, .rootless = g->rootless,
                               .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup,
                               .store = g->store};
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
        else
            pd_agent_audit(c.cfg, o.id, "sandbox.start", c.pid, -1);
    } else {
        int code = 0;
        struct pd_attach_opts ao = {.started = audit_started, .arg = (void *)o.id};
        r = pd_container_run_attached_with(&c, &ao, &code, &err) < 0 ? -1 : code;
        if (r >= 0)
            pd_agent_audit(c.cfg, o.id, "sandbox.exit", 0, code);
    }
    pd_created_release(&c);
    return r < 0 ? pd_report(err) : r;
}
