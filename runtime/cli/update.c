/* paddock update */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cgroups.h"
#include "log.h"
#include "state.h"
#include "util.h"

static const char update_help[] =
    "Usage: paddock update [OPTIONS] ID\n\n"
    "Change the resource limits of a running container.\n\n"
    "  -r, --resources FILE|-     a linux.resources JSON object (\"-\": standard input);\n"
    "                             zeros mean \"unchanged\", as docker sends them\n"
    "  --memory N[kmg]            memory limit in bytes (-1: unlimited)\n"
    "  --memory-reservation N     soft limit\n"
    "  --memory-swap N            memory + swap limit\n"
    "  --pids-limit N             maximum number of processes (-1 or 0: unlimited)\n"
    "  --cpu-shares N             relative weight (v2: translated to cpu.weight)\n"
    "  --cpu-quota N              microseconds per period (-1: unlimited)\n"
    "  --cpu-period N             period in microseconds\n"
    "  --cpuset-cpus LIST         CPUs allowed (e.g. 0-1)\n"
    "  --cpuset-mems LIST         memory nodes allowed\n"
    "  --blkio-weight N           block I/O weight (10-1000)\n"
    "  -h, --help                 print this help\n";

/* "512", "512k", "64m", "1g" (binary units), "-1". */
static bool parse_bytes(const char *s, int64_t *out)
{
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return true;
    }
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *s == '-')
        return false;
    int shift = 0;
    switch (tolower((unsigned char)*end)) {
    case '\0': break;
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    default: return false;
    }
    if (*end != '\0' && end[1] != '\0' && strcasecmp(end + 1, "b") != 0)
        return false;
    if (v > (unsigned long long)INT64_MAX >> shift)
        return false;
    *out = (int64_t)(v << shift);
    return true;
}

static int read_resources(const char *file, struct pd_resources **r, pd_error **err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (strcmp(file, "-") == 0 ? pd_read_fd(STDIN_FILENO, 16u << 20, &text, &len, err)
                               : pd_read_file(file, 16u << 20, &text, &len, err))
        return pd_wrap(err, "update --resources");
    return pd_resources_parse(text, len, strcmp(file, "-") == 0 ? "<stdin>" : file, r, err);
}

enum { O_MEM = 256, O_MEMRES, O_SWAP, O_PIDS, O_SHARES, O_QUOTA, O_PERIOD, O_CPUS, O_MEMS, O_BLKIO };

static bool set_i64(struct pd_opt_i64 *o, const char *v)
{
    return parse_bytes(v, &o->v) && (o->set = true);
}

static bool set_u64(struct pd_opt_u64 *o, const char *v)
{
    unsigned long long n;
    return pd_parse_u64(v, &n) && (o->v = n, o->set = true);
}

/* One flag into r; false when its value is malformed. */
static bool apply_flag(struct pd_resources *r, int c, const char *v)
{
    switch (c) {
    case O_MEM: return set_i64(&r->memory.limit, v);
    case O_MEMRES: return set_i64(&r->memory.reservation, v);
    case O_SWAP: return set_i64(&r->memory.swap, v);
    case O_PIDS: return set_i64(&r->pids.limit, v);
    case O_SHARES: return set_u64(&r->cpu.shares, v);
    case O_QUOTA: return set_i64(&r->cpu.quota, v);
    case O_PERIOD: return set_u64(&r->cpu.period, v);
    case O_CPUS: free(r->cpu.cpus); r->cpu.cpus = pd_xstrdup(v); return true;
    case O_MEMS: free(r->cpu.mems); r->cpu.mems = pd_xstrdup(v); return true;
    case O_BLKIO: return set_u64(&r->block_io.weight, v);
    }
    return false;
}

int pd_cmd_update(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"resources", required_argument, 0, 'r'}, {"memory", required_argument, 0, O_MEM},
        {"memory-reservation", required_argument, 0, O_MEMRES},
        {"memory-swap", required_argument, 0, O_SWAP}, {"pids-limit", required_argument, 0, O_PIDS},
        {"cpu-shares", required_argument, 0, O_SHARES}, {"cpu-quota", required_argument, 0, O_QUOTA},
        {"cpu-period", required_argument, 0, O_PERIOD}, {"cpuset-cpus", required_argument, 0, O_CPUS},
        {"cpuset-mems", required_argument, 0, O_MEMS}, {"blkio-weight", required_argument, 0, O_BLKIO},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    struct { int c; const char *v; } flags[32];
    size_t nflags = 0;
    const char *file = NULL;
    int c, idx;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+r:h", opts, &idx)) != -1) {
        if (c == 'h') {
            fputs(update_help, stdout);
            return 0;
        } else if (c == 'r') {
            file = optarg;
        } else if (c >= O_MEM && nflags < PD_ARRAY_SIZE(flags)) {
            flags[nflags].c = c;
            flags[nflags++].v = optarg;
        } else {
            return pd_usage_error("update", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return pd_usage_error("update", "expected exactly one container ID");
    _cleanup_error_ pd_error *err = NULL;
    struct pd_resources *r = NULL;
    if (file != NULL && read_resources(file, &r, &err) < 0)
        return pd_report(err);
    if (r == NULL)
        r = pd_xcalloc(1, sizeof(*r));
    for (size_t i = 0; i < nflags; i++) {
        if (!apply_flag(r, flags[i].c, flags[i].v)) {
            pd_resources_free(r);
            return pd_usage_error("update", "--%s: invalid value \"%s\"",
                                  opts[flags[i].c - O_MEM + 1].name, flags[i].v);
        }
    }
    struct pd_container_dir d;
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    if (pd_cli_open(g, argv[optind], &d, &st, &cg, &err) == 0) {
        enum pd_status s = pd_state_status(st, d.path);
        if (s == PD_STATUS_STOPPED)
            pd_failx(&err, "cannot update container \"%s\": it is stopped", st->id);
        else
            pd_cgroup_update(cg, r, &err);
    }
    pd_state_dir_close(&d);
    pd_resources_free(r);
    return err ? pd_report(err) : 0;
}
