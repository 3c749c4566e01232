/* paddock list */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "util.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Container ids under root, sorted. */
static char **list_ids(const char *root, size_t *n)
{
    *n = 0;
    char **ids = pd_xcalloc(1, sizeof(char *));
    DIR *d = opendir(root);
    if (d == NULL)
        return ids;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        ids = pd_xrealloc(ids, (*n + 2) * sizeof(char *));
        ids[(*n)++] = pd_xstrdup(de->d_name);
        ids[*n] = NULL;
    }
    closedir(d);
    qsort(ids, *n, sizeof(char *), cmp_names);
    return ids;
}

static void print_one(pd_jgen *g, const struct pd_state *st, enum pd_status s, bool quiet)
{
    if (quiet) {
        printf("%s\n", st->id);
    } else if (g == NULL) {
        printf("%-20s %-8d %-10s %-40s %-30s\n", st->id, s == PD_STATUS_STOPPED ? 0 : (int)st->pid,
               pd_status_name(s), st->bundle, st->created);
    } else {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "ociVersion", st->oci_version);
        pd_jgen_kv_string(g, "id", st->id);
        pd_jgen_kv_int(g, "pid", s == PD_STATUS_STOPPED ? 0 : st->pid);
        pd_jgen_kv_string(g, "status", pd_status_name(s));
        pd_jgen_kv_string(g, "bundle", st->bundle);
        pd_jgen_kv_string(g, "rootfs", "");
        pd_jgen_kv_string(g, "created", st->created);
        pd_jgen_kv_string(g, "owner", "");
        pd_jgen_map_close(g);
    }
}

int pd_cmd_list(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false, quiet = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return pd_usage_error("list", "--format: expected table or json, got \"%s\"", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'q': quiet = true; break;
        case 'h':
            fputs("Usage: paddock list [--format table|json] [-q]\n\nList containers.\n\n"
                  "  -f, --format table|json  output format (default table)\n"
                  "  -q, --quiet              print only the ids\n", stdout);
            return 0;
        default:
            return pd_usage_error("list", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return pd_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
    size_t n;
    _cleanup_strv_ char **ids = list_ids(g->root, &n);
    pd_jgen *gen = json && !quiet ? pd_jgen_new(false) : NULL;
    if (gen)
        pd_jgen_array_open(gen);
    else if (!quiet)
        printf("%-20s %-8s %-10s %-40s %-30s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *dir = pd_xasprintf("%s/%s", g->root, ids[i]);
        _cleanup_state_ struct pd_state *st = NULL;
        if (pd_state_read(dir, &st, NULL) == 0)
            print_one(gen, st, pd_state_status(st, dir), quiet);
    }
    if (gen) {
        pd_jgen_array_close(gen);
        _cleanup_free_ char *doc = pd_jgen_finish(gen, NULL);
        printf("%s\n", doc);
    }
    return 0;
}
