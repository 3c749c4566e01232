/* paddock CLI: global options and the command table.  Each command lives in
 * its own file runtime/cli/NAME.c and only parses flags, then calls into the
 * runtime library. */
#ifndef PADDOCK_CLI_H
#define PADDOCK_CLI_H
#include <stdbool.h>
#include "plan.h"

struct pd_global {
    char *root;          /* state root: --root, else /run/paddock or $XDG_RUNTIME_DIR/paddock */
    const char *log_path;
    bool log_json;
    bool debug;
    bool systemd_cgroup; /* --systemd-cgroup or --cgroup-manager systemd */
    bool no_cgroup;      /* --cgroup-manager disabled (podman --cgroups=disabled) */
    enum pd_rootless_mode rootless;
    const char *store;   /* --store: workspaces and snapshots (store.h); NULL: the default */
};

/* A command: argv[0] is the command name; returns the process exit code.
 * Errors are reported with pd_report() before returning. */
typedef int (*pd_cmd_fn)(struct pd_global *g, int argc, char **argv);

struct pd_command {
    const char *name;
    pd_cmd_fn fn;
    const char *summary;
};

int pd_cmd_create(struct pd_global *g, int argc, char **argv);
int pd_cmd_start(struct pd_global *g, int argc, char **argv);
int pd_cmd_run(struct pd_global *g, int argc, char **argv);
int pd_cmd_state(struct pd_global *g, int argc, char **argv);
int pd_cmd_kill(struct pd_global *g, int argc, char **argv);
int pd_cmd_delete(struct pd_global *g, int argc, char **argv);
int pd_cmd_list(struct pd_global *g, int argc, char **argv);
int pd_cmd_spec(struct pd_global *g, int argc, char **argv);
int pd_cmd_features(struct pd_global *g, int argc, char **argv);
int pd_cmd_exec(struct pd_global *g, int argc, char **argv);
int pd_cmd_pause(struct pd_global *g, int argc, char **argv);
int pd_cmd_resume(struct pd_global *g, int argc, char **argv);
int pd_cmd_ps(struct pd_global *g, int argc, char **argv);
int pd_cmd_update(struct pd_global *g, int argc, char **argv);
int pd_cmd_events(struct pd_global *g, int argc, char **argv);
int pd_cmd_checkpoint(struct pd_global *g, int argc, char **argv);
int pd_cmd_sandbox(struct pd_global *g, int argc, char **argv);
int pd_cmd_status(struct pd_global *g, int argc, char **argv);
int pd_cmd_check(struct pd_global *g, int argc, char **argv);
int pd_cmd_probe(struct pd_global *g, int argc, char **argv); /* __probe: inside `check` */
int pd_cmd_workspace(struct pd_global *g, int argc, char **argv);
int pd_cmd_snapshot(struct pd_global *g, int argc, char **argv);

int pd_cmd_envprobe(struct pd_global *g, int argc, char **argv); /* probe (cli/envprobe.c) */
/* Usage error: print "paddock CMD: msg" and "Try 'paddock CMD --help'"; returns PD_EXIT_USAGE. */
int pd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* Shared by create and run: parse create's flags into o (and run's --detach).
 * Returns 0, a usage exit code, or -1 after printing --help (exit 0). */
struct pd_create_opts;
int pd_cli_parse_create(int argc, char **argv, bool is_run, struct pd_create_opts *o,
                        bool *detach);
/* "CMD [-h|--help] ID": 0 with *id, -1 after printing help, or a usage exit code. */
int pd_cli_one_id(int argc, char **argv, const char *help, const char **id);
/* Open and lock ID, read its state and (when cg != NULL) its cgroup, which
 * must exist.  The caller closes d (pd_state_dir_close) on every path. */
struct pd_container_dir;
struct pd_state;
struct pd_cgroup;
int pd_cli_open(const struct pd_global *g, const char *id, struct pd_container_dir *d,
                struct pd_state **st, struct pd_cgroup **cg, pd_error **err);
/* pause (freeze) and resume (!freeze) ID. */
int pd_cli_freeze(const struct pd_global *g, int argc, char **argv, bool freeze, const char *help);
/* Say what --systemd-cgroup means for this build (in --debug). */
int pd_cli_check_global(const struct pd_global *g, const char *cmd);
#endif
