/* paddock events */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cgroups.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "util.h"

/* Go-style durations as runc takes them: "5s", "100ms", "1m", "2h"; a bare number is seconds. */
static bool parse_interval(const char *s, long long *ms)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || v <= 0)
        return false;
    double mult = strcmp(end, "ms") == 0 ? 1 : (strcmp(end, "s") == 0 || *end == '\0') ? 1000
                : strcmp(end, "m") == 0 ? 60000 : strcmp(end, "h") == 0 ? 3600000 : -1;
    if (mult < 0)
        return false;
    *ms = (long long)(v * mult);
    return *ms > 0;
}

/* The shape containerd's runc shim decodes (runc's types.Stats). */
static void print_stats(const char *id, const struct pd_cgroup_stats *s)
{
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "type", "stats");
    pd_jgen_kv_string(g, "id", id);
    pd_jgen_key(g, "data");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "cpu");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "usage");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "total"); pd_jgen_uint(g, s->cpu_usage_ns);
    pd_jgen_key(g, "kernel"); pd_jgen_uint(g, s->cpu_system_ns);
    pd_jgen_key(g, "user"); pd_jgen_uint(g, s->cpu_user_ns);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "throttling");
    pd_jgen_map_open(g);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "memory");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "cache"); pd_jgen_uint(g, s->memory_cache);
    pd_jgen_key(g, "usage");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "limit"); pd_jgen_uint(g, s->memory_limit);
    pd_jgen_key(g, "usage"); pd_jgen_uint(g, s->memory_usage);
    pd_jgen_key(g, "max"); pd_jgen_uint(g, s->memory_max_usage);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "swap");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "limit"); pd_jgen_uint(g, s->memory_swap_limit);
    pd_jgen_key(g, "usage"); pd_jgen_uint(g, s->memory_swap_usage);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "pids");
    pd_jgen_map_open(g);
    pd_jgen_key(g, "current"); pd_jgen_uint(g, s->pids_current);
    pd_jgen_key(g, "limit"); pd_jgen_uint(g, s->pids_limit);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
    _cleanup_free_ char *doc = pd_jgen_finish(g, NULL);
    printf("%s\n", doc);
    fflush(stdout);
}

static void print_oom(const char *id)
{
    printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id); /* ids hold no quotes or controls */
    fflush(stdout);
}

/* Until the container stops: stats every interval, an oom event when one happened. */
static int watch(const struct pd_global *g, const char *id, bool once, long long ms, pd_error **err)
{
    uint64_t ooms = 0;
    for (bool first = true;; first = false) {
        struct pd_container_dir d;
        _cleanup_state_ struct pd_state *st = NULL;
        _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
        int r = pd_cli_open(g, id, &d, &st, &cg, err);
        bool stopped = r == 0 && pd_state_status(st, d.path) == PD_STATUS_STOPPED;
        pd_state_dir_close(&d);
        if (r < 0)
            return first ? -1 : 0; /* deleted while we watched: done */
        struct pd_cgroup_stats s;
        if (pd_cgroup_stats(cg, &s, err) < 0)
            return first ? -1 : 0;
        if (!first && s.oom_kills > ooms)
            print_oom(id);
        ooms = s.oom_kills;
        if (once || !stopped)
            print_stats(id, &s);
        if (once || stopped)
            return 0;
        nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000}, NULL);
    }
}

int pd_cmd_events(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"stats", no_argument, 0, 's'},
                                         {"interval", required_argument, 0, 'i'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool once = false;
    long long ms = 5000;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 's': once = true; break;
        case 'i':
            if (!parse_interval(optarg, &ms))
                return pd_usage_error("events", "--interval: expected a duration like 5s or 500ms, got \"%s\"", optarg);
            break;
        case 'h':
            fputs("Usage: paddock events [--stats] [--interval D] ID\n\n"
                  "Print JSON events of a container, one per line, until it stops:\n"
                  "{\"type\":\"stats\",...} every interval (default 5s) and {\"type\":\"oom\",...}\n"
                  "after an OOM kill.  --stats prints the stats once and exits.\n", stdout);
            return 0;
        default:
            return pd_usage_error("events", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return pd_usage_error("events", "expected exactly one container ID");
    _cleanup_error_ pd_error *err = NULL;
    return watch(g, argv[optind], once, ms, &err) < 0 ? pd_report(err) : 0;
}
