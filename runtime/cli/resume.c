/* paddock resume */
#include "cli/cli.h"
#include "cgroups.h"
#include "log.h"
#include "state.h"
#include "util.h"

int pd_cmd_resume(struct pd_global *g, int argc, char **argv)
{
    const char *id = NULL;
    int r = pd_cli_one_id(argc, argv, "Usage: paddock resume ID\n\nThaw a paused container.\n", &id);
    if (r != 0)
        return r < 0 ? 0 : r;
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d;
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (pd_cli_open(g, id, &d, &st, &cg, &err) == 0) {
        enum pd_status s = pd_state_status(st, d.path);
        if (s != PD_STATUS_PAUSED)
            pd_failx(&err, "cannot resume container \"%s\": it is %s, not paused", id, pd_status_name(s));
        else
            pd_cgroup_freeze(cg, false, &err);
    }
    pd_state_dir_close(&d);
    return err ? pd_report(err) : 0;
}
