/* paddock snapshot create|list|rm|gc|verify|flatten: flags only; the work
 * is in runtime/snapshot*.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "json.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "sandbox_audit.h"
#include "util.h"

static const char help[] =
    "Usage: paddock snapshot COMMAND [OPTIONS] [ARGS]\n\n"
    "Keep an overlay workspace's state as a read-only layer, and start sandboxes\n"
    "and containers from it (paddock sandbox|run|create --from-snapshot SNAP).\n\n"
    "Commands:\n"
    "  create ID|NAME SNAP\n"
    "        snapshot the workspace ID|NAME (a sandbox's --name, or the id of a\n"
    "        sandbox or container).  Not running: O(1), its upper layer moves into\n"
    "        the store as SNAP's layer (no copy) and the workspace goes on from SNAP\n"
    "        with an empty upper layer.  Running: its processes are frozen (cgroup\n"
    "        freezer; without a cgroup, SIGSTOP to every process of its PID\n"
    "        namespace), the upper layer is copied (cloned where the filesystem\n"
    "        can: btrfs, xfs), and they are thawed: the pause lasts as long as the\n"
    "        copy, which grows with the size of the upper layer.\n"
    "  list [--json]\n"
    "        name, parent, created, files, size (--json: name, kind, parent,\n"
    "        created, base {path, t0, git {head, clean}}, from, running,\n"
    "        flattened, files, bytes)\n"
    "  rm SNAP\n"
    "        refused while a child snapshot or a workspace uses it\n"
    "  gc    remove what interrupted commands left, and the workspaces without a\n"
    "        name that hold no change and are not in use\n"
    "  verify\n"
    "        check every record, layer and chain; exit 1 when the store is damaged\n"
    "  flatten SNAP\n"
    "        merge SNAP's chain into one layer (same content, no parent), for chains\n"
    "        deeper than overlayfs stacks (500 lower layers)\n\n"
    "A snapshot stores only what changed over its parent, and records its base:\n"
    "the workspace directory (for a git work tree, HEAD and whether it was clean)\n"
    "or the rootfs.  Starting from it warns when the base has moved since; with\n"
    "--strict-base it refuses.  A kill -9 at any point of create, rm or flatten\n"
    "leaves the old or the new state (the next command finishes or undoes it).\n"
    "Exit status: 0 done; 1 failed (verify: the store is damaged); 2 bad usage.\n";

static int print_list(struct pd_store *s, bool json, pd_error **err)
{
    _cleanup_strv_ char **names = NULL;
    if (pd_snapshot_names(s, &names, err) < 0)
        return -1;
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_array_open(g);
    if (!json)
        printf("%-24s %-24s %-30s %10s %14s\n", "NAME", "PARENT", "CREATED", "FILES", "BYTES");
    for (size_t i = 0; names[i]; i++) {
        struct pd_snap_meta m;
        _cleanup_error_ pd_error *e = NULL;
        if (pd_snapshot_read(s, names[i], &m, &e) < 0 || pd_snapshot_stats(s, &m, &e) < 0) {
            pd_warn("%s", e->msg);
            pd_snap_meta_clear(&m);
            continue;
        }
        if (!json) {
            printf("%-24s %-24s %-30s %10" PRIu64 " %14" PRIu64 "\n", m.name,
                   m.parent ? m.parent : "-", m.created ? m.created : "", m.files, m.bytes);
        } else {
            pd_jgen_map_open(g);
            pd_jgen_kv_string(g, "name", m.name);
            pd_jgen_kv_string(g, "kind", pd_ws_kind_name(m.kind));
            pd_jgen_kv_string(g, "parent", m.parent);
            pd_jgen_kv_string(g, "created", m.created);
            pd_jgen_key(g, "base");
            pd_ws_base_gen(g, &m.base);
            pd_jgen_kv_string(g, "from", m.from);
            pd_jgen_kv_bool(g, "running", m.running);
            pd_jgen_kv_bool(g, "flattened", m.flattened);
            pd_jgen_key(g, "files");
            pd_jgen_uint(g, m.files);
            pd_jgen_key(g, "bytes");
            pd_jgen_uint(g, m.bytes);
            pd_jgen_map_close(g);
        }
        pd_snap_meta_clear(&m);
    }
    pd_jgen_array_close(g);
    _cleanup_free_ char *doc = pd_jgen_finish(g, NULL);
    if (json)
        printf("%s\n", doc);
    return 0;
}

struct sub {
    const char *name;
    int nargs;
    bool json;
};

static const struct sub subs[] = {
    {"create", 2, false}, {"list", 0, true}, {"rm", 1, false},
    {"gc", 0, false},     {"verify", 0, false}, {"flatten", 1, false},
};

static int dispatch(struct pd_store *s, const char *sub, char **args, bool json, pd_error **err)
{
    if (strcmp(sub, "list") == 0)
        return print_list(s, json, err);
    if (strcmp(sub, "create") == 0) {
        if (pd_snapshot_create(s, args[0], args[1], err) < 0)
            return -1;
        printf("snapshot %s created from %s\n", args[1], args[0]);
        pd_store_audit("snapshot.create", args[1], args[0]);
        return 0;
    }
    if (strcmp(sub, "rm") == 0) {
        if (pd_snapshot_rm(s, args[0], err) < 0)
            return -1;
        printf("removed snapshot %s\n", args[0]);
        pd_store_audit("snapshot.rm", args[0], NULL);
        return 0;
    }
    if (strcmp(sub, "flatten") == 0) {
        if (pd_snapshot_flatten(s, args[0], err) < 0)
            return -1;
        printf("snapshot %s is one layer\n", args[0]);
        pd_store_audit("snapshot.flatten", args[0], NULL);
        return 0;
    }
    if (strcmp(sub, "gc") == 0) {
        size_t n = 0;
        if (pd_snapshot_gc(s, &n, err) < 0)
            return -1;
        printf("gc: %zu removed\n", n);
        return 0;
    }
    int problems = pd_snapshot_verify(s, false, err);
    return problems < 0 ? -1 : problems > 0 ? 1 : 0;
}

static int parse(int argc, char **argv, const struct sub *sb, bool *json)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c != 'j' || !sb->json)
            return pd_usage_error("snapshot", "%s: unknown option \"%s\"", sb->name, argv[optind - 1]);
        *json = true;
    }
    if (argc - optind != sb->nargs)
        return pd_usage_error("snapshot", "%s: expected %d argument(s)", sb->name, sb->nargs);
    return 0;
}

int pd_cmd_snapshot(struct pd_global *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? PD_EXIT_USAGE : 0;
    }
    const struct sub *sb = NULL;
    for (size_t i = 0; i < PD_ARRAY_SIZE(subs); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            sb = &subs[i];
    if (sb == NULL)
        return pd_usage_error("snapshot", "unknown command \"%s\" (create, list, rm, gc, verify "
                              "or flatten)", argv[1]);
    bool json = false;
    int r = parse(argc - 1, argv + 1, sb, &json);
    if (r != 0)
        return r < 0 ? 0 : r;
    _cleanup_error_ pd_error *err = NULL;
    _cleanup_store_ struct pd_store *s = NULL;
    bool reads = strcmp(sb->name, "list") == 0 || strcmp(sb->name, "verify") == 0 ||
                 strcmp(sb->name, "gc") == 0;
    if (pd_store_open(g->store, false, &s, &err) < 0) {
        if (err->errnum == ENOENT && reads) {
            if (strcmp(sb->name, "list") == 0 && json)
                printf("[]\n");
            return 0;
        }
        return pd_report(err);
    }
    r = dispatch(s, sb->name, argv + 1 + optind, json, &err);
    fflush(stdout);
    return r < 0 ? pd_report(err) : r > 0 ? PD_EXIT_FAIL : 0;
}
