#define _GNU_SOURCE
/* paddock-hook-snapshot: an OCI poststop hook.  When the container carries
 * dev.paddock.snapshot.on-stop=NAME (spec/agent-bundle.md), it runs
 *
 *     paddock [--root DIR] [--store DIR] snapshot create ID NAME
 *
 * (directly, never through a shell), so that the container's overlay
 * workspace is kept as the snapshot NAME ("{id}" in NAME: the first 12
 * characters of the container id), and appends a container.snapshot event
 * to the container's audit log.  Without the annotation it does nothing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_policy.h"
#include "audit.h"
#include "hook_common.h"
#include "util.h"

#define PROG "paddock-hook-snapshot"
#define KEY PD_AGENT_PREFIX "snapshot.on-stop"

extern char **environ;

static void usage(FILE *f)
{
    fputs("Usage: " PROG " [--paddock PATH] [--root DIR] [--store DIR] [--audit-log FILE]\n"
          "\n"
          "An OCI poststop hook: reads the container state JSON on stdin and, when the\n"
          "container carries " KEY "=NAME, runs\n"
          "'paddock snapshot create ID NAME' to keep its overlay workspace as the\n"
          "snapshot NAME (\"{id}\" in NAME: the first 12 characters of the container\n"
          "id), then appends a container.snapshot event to its audit log.\n"
          "\n"
          "Options:\n"
          "  --paddock PATH    the paddock binary (default: paddock next to this hook,\n"
          "                    else /usr/local/bin/paddock, else /usr/bin/paddock)\n"
          "  --root DIR        paddock's --root for the engine's containers\n"
          "  --store DIR       paddock's --store (default: paddock's own default)\n"
          "  --audit-log FILE  where the event goes (default: the container's\n"
          "                    dev.paddock.audit-log, else paddock's default log)\n"
          "  -h, --help        print this help\n"
          "  -v, --version     print the version\n"
          "\n"
          "Exit status: 0 done (or nothing asked), 1 the snapshot failed (paddock's\n"
          "message is on stderr), 2 on a usage error.\n",
          f);
}

/* NAME with each "{id}" replaced by id's first 12 characters; NULL when
 * the result is not a snapshot name. */
static char *expand_name(const char *tmpl, const char *id)
{
    char short_id[13];
    snprintf(short_id, sizeof(short_id), "%s", id);
    size_t cap = strlen(tmpl) * 4 + 16, n = 0;
    char *out = pd_xmalloc(cap);
    for (const char *s = tmpl; *s != '\0';) {
        const char *add = s;
        size_t len = 1;
        if (strncmp(s, "{id}", 4) == 0) {
            add = short_id;
            len = strlen(short_id);
            s += 4;
        } else {
            s++;
        }
        if (n + len + 1 > cap) {
            free(out);
            return NULL;
        }
        memcpy(out + n, add, len);
        n += len;
    }
    out[n] = '\0';
    bool ok = n > 0 && n <= 128;
    for (size_t i = 0; ok && i < n; i++) {
        char c = out[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (i > 0 && (c == '_' || c == '.' || c == '-'));
    }
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

/* The default paddock: next to this program (a build tree's hooks sit in
 * build/hooks, an install's in libexec/paddock), else the usual places. */
static char *default_paddock(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            const char *rel[] = {"/paddock", "/../../runtime/paddock", "/../../bin/paddock"};
            for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
                char *c = pd_xasprintf("%s%s", self, rel[i]);
                if (access(c, X_OK) == 0)
                    return c;
                free(c);
            }
        }
    }
    const char *fixed[] = {"/usr/local/bin/paddock", "/usr/bin/paddock"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (access(fixed[i], X_OK) == 0)
            return pd_xstrdup(fixed[i]);
    }
    return NULL;
}

/* Run argv (no shell), stdout to our stderr (an engine's hook stdout is
 * not a terminal anyone reads); its exit status, or -1 when it could not
 * run or died of a signal. */
static int run(char *const argv[], pd_error **err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return pd_fail(err, rc, "run %s", argv[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return pd_fail_errno(err, "wait for %s", argv[0]);
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return pd_failx(err, "%s killed by signal %d", argv[0], WTERMSIG(st));
}

struct args {
    const char *paddock, *root, *store, *log_path;
};

/* The options into *o: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct args *o)
{
    static const struct option opts[] = {
        {"paddock", required_argument, NULL, 'p'},
        {"root", required_argument, NULL, 'r'},
        {"store", required_argument, NULL, 's'},
        {"audit-log", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o->paddock = optarg; break;
        case 'r': o->root = optarg; break;
        case 's': o->store = optarg; break;
        case 'a': o->log_path = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'v': printf(PROG " version %s\n", PADDOCK_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument %s\n", argv[optind]);
        return 2;
    }
    const char *paths[] = {o->paddock, o->root, o->store, o->log_path};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (paths[i] != NULL && paths[i][0] != '/') {
            fprintf(stderr, PROG ": expected absolute paths, got \"%s\"\n", paths[i]);
            return 2;
        }
    }
    return -1;
}

/* BIN [--root R] [--store S] snapshot create ID NAME: its exit status, or
 * -1 (reported) when it could not run. */
static int snapshot(const char *bin, const struct args *o, const char *id, const char *name)
{
    const char *av[12];
    size_t n = 0;
    av[n++] = bin;
    if (o->root != NULL) {
        av[n++] = "--root";
        av[n++] = o->root;
    }
    if (o->store != NULL) {
        av[n++] = "--store";
        av[n++] = o->store;
    }
    av[n++] = "snapshot";
    av[n++] = "create";
    av[n++] = id;
    av[n++] = name;
    av[n] = NULL;
    pd_error *err = NULL;
    int status = run((char *const *)av, &err);
    if (status < 0) {
        pd_hook_fail(PROG, err);
        pd_error_free(err);
    } else if (status != 0) {
        fprintf(stderr, PROG ": %s snapshot create %s %s: exit status %d\n", bin, id, name, status);
    }
    return status;
}

/* The event, success or not (a failure to log is a warning: the snapshot
 * is what was asked for). */
static void log_event(const struct args *o, const struct pd_agent_policy *pol,
                      const struct pd_hook_state *st, const char *name, int status)
{
    pd_error *err = NULL;
    struct pd_audit *a = NULL;
    if ((o->log_path != NULL || pd_audit_bundle_path_check(pol->audit_log, geteuid(), &err) == 0) &&
        pd_audit_open(o->log_path != NULL ? o->log_path : pol->audit_log, &a, &err) == 0) {
        struct pd_audit_field f[] = {
            {.key = "stage", .type = PD_AF_STR, .s = "poststop"},
            {.key = "snapshot", .type = PD_AF_STR, .s = name},
            {.key = "ok", .type = PD_AF_BOOL, .b = status == 0},
            {.key = "exit_status", .type = status >= 0 ? PD_AF_INT : PD_AF_STR, .i = status, .s = NULL},
            {.key = "engine", .type = PD_AF_STR, .s = pd_hook_engine(st)},
            {.key = "hook", .type = PD_AF_STR, .s = PROG},
        };
        (void)pd_audit_event(a, "container.snapshot", st->id, f, sizeof(f) / sizeof(f[0]), &err);
    }
    if (err != NULL) {
        fprintf(stderr, PROG ": warning: %s\n", err->msg);
        pd_error_free(err);
    }
    pd_audit_close(a);
}

int main(int argc, char **argv)
{
    struct args o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    pd_error *err = NULL;
    struct pd_hook_state *st = pd_hook_state_stdin(PROG);
    if (st == NULL)
        return 1;
    const char *tmpl = pd_hook_annotation(st, KEY);
    if (tmpl == NULL) {
        pd_hook_state_free(st);
        return 0; /* nothing asked */
    }
    rc = 1;
    struct pd_agent_policy *pol = NULL;
    char *name = NULL, *bin = NULL;
    if (pd_agent_policy_parse(st->cfg, &pol, &err) < 0) {
        pd_hook_fail(PROG, err);
        pd_error_free(err);
        goto out;
    }
    name = expand_name(tmpl, st->id);
    if (name == NULL) {
        fprintf(stderr, PROG ": %s=\"%s\" for %s is not a snapshot name "
                "([A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 bytes)\n", KEY, tmpl, st->id);
        goto out;
    }
    bin = o.paddock != NULL ? pd_xstrdup(o.paddock) : default_paddock();
    if (bin == NULL) {
        fprintf(stderr, PROG ": paddock not found (pass --paddock PATH in the hook's args)\n");
        goto out;
    }
    int status = snapshot(bin, &o, st->id, name);
    rc = status == 0 ? 0 : 1;
    log_event(&o, pol, st, name, status);
out:
    free(name);
    free(bin);
    pd_agent_policy_free(pol);
    pd_hook_state_free(st);
    return rc;
}
