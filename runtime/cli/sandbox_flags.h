/* paddock CLI: the sandbox flags (`paddock sandbox`'s), shared by `status`
 * and `check`.  Values are validated as the agent-bundle annotations are
 * (pd_agent_policy_parse), so a flag and its annotation mean the same. */
#ifndef PADDOCK_CLI_SANDBOX_FLAGS_H
#define PADDOCK_CLI_SANDBOX_FLAGS_H
#include <stdbool.h>

#include "agent_policy.h"
#include "cli/cli.h"
#include "sandbox.h"

struct pd_sandbox_flags {
    struct pd_sandbox_opts o;  /* o.writable etc. point into the vectors below */
    const char **writable, **protect, **allow; /* NULL-terminated */
    bool json;                 /* --json */
    bool any;                  /* some sandbox flag was given */
};

/* The help text of the flags, for the commands' --help. */
extern const char pd_sandbox_flags_help[];

/* Parse argv[1..] up to the first operand (left at optind).  Returns 0, -1
 * after printing help (exit 0), or a usage exit code (message printed). */
int pd_cli_sandbox_flags(const char *cmd, const char *help, int argc, char **argv,
                         const struct pd_global *g, struct pd_sandbox_flags *f);
void pd_cli_sandbox_flags_free(struct pd_sandbox_flags *f);

#endif
