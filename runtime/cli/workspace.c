/* paddock workspace diff|apply|discard|list: flags only; the work is in
 * runtime/workspace*.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "sandbox_audit.h"
#include "util.h"
#include "workspace.h"
#include "workspace_diff.h"

static const char help[] =
    "Usage: paddock workspace COMMAND [OPTIONS] [ID|NAME]\n\n"
    "Review, apply or drop what a sandbox or container changed in an overlay\n"
    "workspace (paddock sandbox --workspace-overlay, --name NAME, --from-snapshot;\n"
    "dev.paddock.workspace.kind=overlay).  ID|NAME is the sandbox's --name, or the\n"
    "id of the sandbox or container.\n\n"
    "Commands:\n"
    "  diff ID|NAME [--stat] [--json]\n"
    "        the changes over the base: a unified diff (`diff --paddock a/P b/P`\n"
    "        headers; new/deleted entries with their mode; \"Binary files ...\n"
    "        differ\"); --stat: one line per change (A added, M modified, D\n"
    "        deleted; line counts) and a total; --json: {\"workspace\",\"kind\",\n"
    "        \"base\",\"parent\",\"changes\":[{\"path\",\"change\",\"type\",\"mode\",\n"
    "        \"layer\",\"old_type\",\"old_mode\",\"whiteout\",\"opaque\",\"binary\",\n"
    "        \"added_lines\",\"removed_lines\"}],\"added\",\"modified\",\"deleted\"}.\n"
    "        Deletions come from whiteouts, or from an opaque directory (one that\n"
    "        replaced the base's: what only the base has under it is deleted).\n"
    "  apply ID|NAME [--dry-run] [--force] [--allow-protected]\n"
    "        write the changes into the base, file by file (a temporary file\n"
    "        renamed over the target: every file old or new, never torn), with\n"
    "        modes, symlinks and deletions; then the workspace starts over, empty.\n"
    "        Refused, listing them, when the host changed a path since the\n"
    "        workspace started (conflict; --force applies anyway) or a change\n"
    "        touches a protected path or git's hooks/config (--allow-protected).\n"
    "        --dry-run lists what would happen and changes nothing.\n"
    "  discard ID|NAME\n"
    "        drop the workspace (its upper layer); the base is untouched\n"
    "  list [--json]\n"
    "        every workspace: name, kind, base, snapshot it started from, user\n\n"
    "A workspace in use by a running sandbox or container can be diffed, not\n"
    "applied or discarded.  The store: paddock --store DIR, $PADDOCK_STORE, else\n"
    "/var/lib/paddock/store (root) or $XDG_DATA_HOME/paddock/store.\n"
    "Exit status: 0 done; 1 failed or refused; 2 bad usage.\n";

struct flags {
    bool stat, json, dry_run, force, allow_protected;
};

static int parse(int argc, char **argv, struct flags *fl, int want, const char **arg)
{
    static const struct option opts[] = {
        {"stat", no_argument, 0, 's'},     {"json", no_argument, 0, 'j'},
        {"dry-run", no_argument, 0, 'n'},  {"force", no_argument, 0, 'f'},
        {"allow-protected", no_argument, 0, 'p'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *allowed[] = {[0] = "j", [1] = "sj", [2] = "nfp", [3] = ""};
    const char *sub = argv[0];
    int kind = strcmp(sub, "list") == 0 ? 0 : strcmp(sub, "diff") == 0 ? 1
             : strcmp(sub, "apply") == 0 ? 2 : 3;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || strchr(allowed[kind], c) == NULL)
            return pd_usage_error("workspace", "%s: unknown option \"%s\"", sub, argv[optind - 1]);
        fl->stat |= c == 's', fl->json |= c == 'j', fl->dry_run |= c == 'n';
        fl->force |= c == 'f', fl->allow_protected |= c == 'p';
    }
    if (argc - optind != want)
        return pd_usage_error("workspace", "%s: expected %s", sub,
                              want ? "one workspace (ID or NAME)" : "no argument");
    *arg = want ? argv[optind] : NULL;
    if (fl->stat && fl->json)
        return pd_usage_error("workspace", "diff: --stat and --json exclude each other");
    return 0;
}

static int diff(struct pd_store *s, struct pd_workspace *w, const struct flags *fl, pd_error **err)
{
    struct pd_ws_view v;
    struct pd_changes c = {0};
    int r = pd_ws_view_open(s, w, &v, err);
    pd_store_unlock(s); /* reading only: let others in */
    if (r == 0)
        r = pd_ws_changes(&v, &c, err);
    if (r == 0)
        r = pd_ws_diff_print(stdout, w, &v, &c,
                             fl->json ? PD_DIFF_JSON : fl->stat ? PD_DIFF_STAT : PD_DIFF_UNIFIED, err);
    pd_changes_free(&c);
    pd_ws_view_close(&v);
    return r;
}

static int list(struct pd_store *s, bool json, pd_error **err)
{
    _cleanup_strv_ char **names = NULL;
    if (pd_workspace_names(s, &names, err) < 0)
        return -1;
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_array_open(g);
    if (!json)
        printf("%-32s %-6s %-20s %-10s %s\n", "NAME", "KIND", "SNAPSHOT", "IN USE", "BASE");
    for (size_t i = 0; names[i]; i++) {
        _cleanup_workspace_ struct pd_workspace *w = NULL;
        _cleanup_free_ char *why = NULL;
        if (pd_workspace_open(s, names[i], &w, NULL) < 0)
            continue;
        bool used = pd_workspace_in_use(w, &why);
        if (!json) {
            printf("%-32s %-6s %-20s %-10s %s\n", w->name, pd_ws_kind_name(w->meta.kind),
                   w->meta.parent ? w->meta.parent : "-", used ? "yes" : "no", w->meta.base.path);
            continue;
        }
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "name", w->name);
        pd_jgen_kv_string(g, "kind", pd_ws_kind_name(w->meta.kind));
        pd_jgen_kv_bool(g, "named", w->meta.named);
        pd_jgen_kv_string(g, "base", w->meta.base.path);
        pd_jgen_kv_string(g, "parent", w->meta.parent);
        pd_jgen_kv_string(g, "created", w->meta.created);
        pd_jgen_kv_string(g, "container", w->meta.container_id);
        pd_jgen_kv_bool(g, "in_use", used);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
    size_t len = 0;
    _cleanup_free_ char *doc = pd_jgen_finish(g, &len);
    if (json)
        printf("%s\n", doc);
    return 0;
}

static int discard(struct pd_store *s, struct pd_workspace *w, pd_error **err)
{
    if (pd_workspace_lock(w, err) < 0 || pd_workspace_remove(s, w->name, err) < 0)
        return -1;
    printf("discarded workspace %s\n", w->name);
    return 0;
}

static int run(struct pd_global *g, char **argv, const struct flags *fl, const char *name)
{
    _cleanup_error_ pd_error *err = NULL;
    _cleanup_store_ struct pd_store *s = NULL;
    if (pd_store_open(g->store, false, &s, &err) < 0) {
        if (err->errnum == ENOENT && strcmp(argv[0], "list") == 0)
            return 0;
        return pd_report(err);
    }
    if (strcmp(argv[0], "list") == 0)
        return list(s, fl->json, &err) < 0 ? pd_report(err) : 0;
    _cleanup_workspace_ struct pd_workspace *w = NULL;
    if (pd_workspace_open(s, name, &w, &err) < 0)
        return pd_report(err);
    int r;
    if (strcmp(argv[0], "diff") == 0) {
        r = diff(s, w, fl, &err);
    } else if (strcmp(argv[0], "discard") == 0) {
        r = discard(s, w, &err);
        if (r == 0)
            pd_store_audit("workspace.discard", name, NULL);
    } else {
        struct pd_apply_opts o = {.dry_run = fl->dry_run, .force = fl->force,
                                  .allow_protected = fl->allow_protected};
        r = pd_ws_apply(s, w, &o, stdout, &err);
        fflush(stdout);
        if (r == 0 && !o.dry_run)
            pd_store_audit("workspace.apply", name, w->meta.base.path);
        /* an applied workspace without a name has nothing left to offer */
        if (r == 0 && !o.dry_run && !w->meta.named && pd_workspace_remove(s, w->name, &err) < 0)
            r = -1;
    }
    if (r < 0)
        return pd_report(err);
    return r > 0 ? PD_EXIT_FAIL : 0;
}

int pd_cmd_workspace(struct pd_global *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? PD_EXIT_USAGE : 0;
    }
    static const char *const subs[] = {"diff", "apply", "discard", "list"};
    bool known = false;
    for (size_t i = 0; i < PD_ARRAY_SIZE(subs); i++)
        known |= strcmp(argv[1], subs[i]) == 0;
    if (!known)
        return pd_usage_error("workspace", "unknown command \"%s\" (diff, apply, discard or list)",
                              argv[1]);
    struct flags fl = {0};
    const char *name = NULL;
    int r = parse(argc - 1, argv + 1, &fl, strcmp(argv[1], "list") == 0 ? 0 : 1, &name);
    if (r != 0)
        return r < 0 ? 0 : r;
    return run(g, argv + 1, &fl, name);
}
