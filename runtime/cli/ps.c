/* paddock ps */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cgroups.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "util.h"

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Run ps(1) directly (no shell) with the user's options and keep the header
 * and the lines whose PID column is one of the container's, as runc does. */
static int ps_table(char **opts, size_t nopts, const pid_t *pids, size_t n, pd_error **err)
{
    _cleanup_strv_ char **argv = pd_xcalloc(nopts + 3, sizeof(char *));
    argv[0] = pd_xstrdup("ps");
    for (size_t i = 0; i < nopts; i++)
        argv[i + 1] = pd_xstrdup(opts[i]);
    if (nopts == 0)
        argv[1] = pd_xstrdup("-ef");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return pd_fail_errno(err, "ps: pipe");
    pid_t child = fork();
    if (child < 0)
        return pd_fail_errno(err, "ps: fork");
    if (child == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execvp("ps", argv);
        _exit(127);
    }
    close(fds[1]);
    _cleanup_free_ char *out = NULL;
    int r = pd_read_fd(fds[0], 16u << 20, &out, NULL, err);
    close(fds[0]);
    int status;
    waitpid(child, &status, 0);
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return r < 0 ? -1 : pd_failx(err, "ps: ps(1) failed (status %d): check the ps options", status);
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    if (line == NULL)
        return 0;
    /* The PID column: its index among the header's whitespace-separated words. */
    int col = -1, i = 0;
    _cleanup_free_ char *hdr = pd_xstrdup(line);
    for (char *s2 = NULL, *w = strtok_r(hdr, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2), i++)
        if (strcmp(w, "PID") == 0)
            col = i;
    if (col < 0)
        return pd_failx(err, "ps: no PID column in the output of ps %s", argv[1]);
    printf("%s\n", line);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        _cleanup_free_ char *copy = pd_xstrdup(line);
        char *s2 = NULL, *w = strtok_r(copy, " \t", &s2);
        for (int k = 0; w != NULL && k < col; k++)
            w = strtok_r(NULL, " \t", &s2);
        if (w != NULL && has_pid(pids, n, strtol(w, NULL, 10)))
            printf("%s\n", line);
    }
    return 0;
}

int pd_cmd_ps(struct pd_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return pd_usage_error("ps", "--format: expected table or json, got \"%s\"", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            fputs("Usage: paddock ps [--format table|json] ID [PS OPTIONS...]\n\n"
                  "List the processes in the container's cgroup (host pids).  The table is\n"
                  "ps(1)'s output (default options -ef) limited to them; json is an array of pids.\n",
                  stdout);
            return 0;
        default:
            return pd_usage_error("ps", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return pd_usage_error("ps", "expected a container ID");
    _cleanup_error_ pd_error *err = NULL;
    struct pd_container_dir d;
    _cleanup_state_ struct pd_state *st = NULL;
    _cleanup_cgroup_ struct pd_cgroup *cg = NULL;
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int r = pd_cli_open(g, argv[optind], &d, &st, &cg, &err);
    pd_state_dir_close(&d);
    if (r < 0 || pd_cgroup_pids(cg, &pids, &n, &err) < 0)
        return pd_report(err);
    if (!json)
        return ps_table(argv + optind + 1, (size_t)(argc - optind - 1), pids, n, &err) < 0 ? pd_report(err) : 0;
    pd_jgen *gen = pd_jgen_new(false);
    pd_jgen_array_open(gen);
    for (size_t i = 0; i < n; i++)
        pd_jgen_int(gen, pids[i]);
    pd_jgen_array_close(gen);
    _cleanup_free_ char *doc = pd_jgen_finish(gen, NULL);
    printf("%s\n", doc);
    return 0;
}
