/* paddock: the probes `paddock check` runs inside a sandbox (as the hidden
 * command `paddock __probe`), and what each sandbox mode promises for them.
 *
 * Each probe tries one escape in a child process of its own (so that one
 * probe's effects, or a seccomp kill, can't change the next) and prints one
 * line on stdout:
 *     probe NAME blocked|allowed|n/a ERRNO [DETAIL...]
 * ERRNO is the errno name of the failing call ("EROFS"), the signal that
 * killed the probe ("SIGSYS"), or "-".  `check` compares these lines with
 * pd_probe_expected(), and double-checks on the host what it can see there
 * (files written, connections accepted, a signal or a terminal input
 * received).
 *
 * The setuid probe: no Debian package ships a setuid-root program that
 * prints its effective uid, so the probe executes the first setuid-root
 * program it finds (passwd, su, mount, chsh; with --help) with LD_SHOW_AUXV=1
 * in its environment: the dynamic loader then prints the auxiliary vector
 * the kernel built for the new program (AT_EUID, AT_SECURE) before main()
 * runs, unless the exec was a secure one (setuid honoured), in which case
 * glibc drops LD_SHOW_AUXV and prints nothing.  The probe also reads the
 * program's capabilities from /proc once it has exited (WNOWAIT).  Blocked:
 * AT_EUID is the caller's euid, AT_SECURE is 0 and no capability was gained.
 *
 * The TIOCSTI probe: `check` gives the sandbox a pty of its own as stdin and
 * passes its device numbers.  TIOCSTI succeeding on that terminal is an
 * escape (the pushed input would reach the host's shell); succeeding on a
 * terminal the sandbox made for itself (paddock relaying the host's
 * terminal through a pty of the sandbox's) reaches nothing outside. */
#ifndef PADDOCK_PROBE_H
#define PADDOCK_PROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_policy.h"

struct pd_probe_args {
    const char *workspace;   /* the sandbox's workspace, with .git/hooks in it */
    const char *outside;     /* a host directory outside the writable roots */
    int tcp_port;            /* a TCP listener on the host's 127.0.0.1 (0: none) */
    const char *unix_path;   /* a pathname unix socket listening on the host */
    const char *abstract;    /* an abstract unix socket name listening on the host */
    pid_t host_pid;          /* a process on the host (a sleeper `check` started) */
    unsigned long long host_pid_start; /* its start time, /proc/PID/stat field 22 */
    bool has_tty;            /* the host terminal given as stdin: */
    unsigned long long tty_dev, tty_rdev; /* its st_dev and st_rdev */
};

struct pd_probe_info {
    const char *name;
    const char *what; /* one line, for --help and the table */
};
extern const struct pd_probe_info pd_probes[];
extern const size_t pd_n_probes;

/* Files the probes create, relative to the workspace / outside dir. */
#define PD_PROBE_FILE "paddock-check-probe"
#define PD_PROBE_HOOK ".git/hooks/pre-commit"
#define PD_PROBE_AGENT_DIR ".claude"
#define PD_PROBE_AGENT_FILE ".claude/settings.json"
/* The byte the TIOCSTI probe tries to push into the terminal's input. */
#define PD_PROBE_TIOCSTI_BYTE '\x1d'

/* Run every probe (stdout: one line each); returns 0. */
int pd_probe_run_all(const struct pd_probe_args *a);

/* "allowed" or "blocked": what mode (with its network none or not) promises. */
const char *pd_probe_expected(const char *name, enum pd_sandbox_mode mode, bool network_none);
/* In container-boundary mode (sandbox_env.h): the layer whose loss lets the
 * probe through (protected-paths, unix-sockets, landlock-scope, landlock-net,
 * seccomp), NULL when the mode still blocks it.  landlock_abi is the
 * kernel's; seccomp whether a filter can be installed there. */
const char *pd_probe_lost(const char *name, enum pd_sandbox_mode mode, bool network_none,
                          int landlock_abi, bool seccomp);
#endif
