/* paddock check: run the escape probes (probe.h) inside a sandbox of a given
 * configuration and compare what they observe with what the mode promises.
 *
 * On the host, check makes a temporary directory under /var/tmp holding a
 * workspace (with .git/hooks, .git/objects) and a directory outside it,
 * listens on 127.0.0.1 (an ephemeral port), on a pathname unix socket in the
 * outside directory and on an abstract unix socket, starts a sleeper process
 * (dumpable, any process may ptrace it), and opens a pty.  Then it runs
 * `paddock __probe ...` through pd_sandbox_run in the workspace, with the
 * pty's slave as stdin and a pipe as stdout.  Afterwards it looks on the
 * host for what a probe may have done (files, accepted connections, SIGCONT
 * received, bytes pushed into the terminal): an effect seen on the host
 * counts as "allowed" whatever the probe said.  Everything is removed. */
#ifndef PADDOCK_CHECK_H
#define PADDOCK_CHECK_H
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "sandbox.h"

struct pd_check_probe {
    const char *name;     /* static */
    const char *what;     /* static */
    const char *expected; /* "allowed" or "blocked" */
    char *observed;       /* "allowed", "blocked", "n/a", "missing" (no line) */
    char *errname;        /* "EROFS", "SIGSYS", "-" */
    char *detail;
    bool host_saw;        /* the host saw the effect */
    const char *lost;     /* container-boundary mode: the layer lost that lets it through
                             (pd_probe_lost), NULL */
    bool ok;              /* as promised (n/a counts as ok: not probed; a lost one too) */
};

struct pd_check_result {
    struct pd_check_probe *probes;
    size_t n;
    int sandbox_status;   /* pd_sandbox_run's exit status */
    bool passed;          /* every probe as promised, and the sandbox ran */
    size_t n_failed, n_na, n_lost;
    bool boundary;        /* the sandbox ran in container-boundary mode (sandbox_env.h) */
};

/* Run the check with o (o->argv is ignored; o->writable must be absolute)
 * and exe, the path of the paddock binary.  Returns 0 with *res filled,
 * even when probes fail; -1 when the check itself could not run. */
int pd_check_run(const struct pd_sandbox_opts *o, const char *exe, struct pd_check_result *res,
                 pd_error **err);

/* Pure: read the probes' output into res (every probe of pd_probes, in order),
 * with the expectations of mode / network none. */
void pd_check_parse(const char *out, enum pd_sandbox_mode mode, bool network_none,
                    struct pd_check_result *res);
/* Pure: container-boundary mode: mark the probes whose layer it loses. */
void pd_check_mark_lost(struct pd_check_result *res, enum pd_sandbox_mode mode,
                        bool network_none, int landlock_abi, bool seccomp);
/* Pure: mark probe name as seen on the host (observed becomes "allowed"). */
void pd_check_host_saw(struct pd_check_result *res, const char *name, const char *what);
/* Pure: recompute ok, n_failed, n_na and passed. */
void pd_check_evaluate(struct pd_check_result *res);
void pd_check_result_free(struct pd_check_result *res);
#endif
