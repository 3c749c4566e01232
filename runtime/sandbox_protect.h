/* paddock sandbox: protected paths, git repositories and host unix sockets
 * (issue #4).  Decides, on the host and before the sandbox starts, which
 * extra mounts `paddock sandbox` needs; sandbox_config.c turns them into
 * the OCI config's mounts.
 *
 * Protected paths.  In every writable root, each protected path (default
 * list: pd_agent_default_protected; more with --protect) that exists is
 * bound read-only over itself.  A symlink there is followed and its target
 * protected; a dangling one is refused.  A protected regular file with
 * other hard links is refused (another name could change it).  A missing
 * protected *directory* (.git/hooks, .git/info, .paddock, .codex, .claude,
 * .agents) whose parent exists gets an empty placeholder directory on the
 * host, bound read-only, so the agent can't create it; missing protected
 * files are not created (an empty .mcp.json or .gitmodules would change
 * what tools see) and are reported as such.
 *
 * Git.  A `.git` directory is bound over itself (writable), so it is a
 * mount point: it can't be renamed away or replaced by a new one.  Its
 * hooks, config, info, config.worktree and, for submodules,
 * modules/NAME/{hooks,config} are read-only; objects, refs, index and logs
 * stay writable, so commits and `git worktree add` work.  Its `commondir`
 * (which would send git to another config and hooks) gets a read-only
 * placeholder holding "." (git's own meaning: the common dir is this dir)
 * when absent.  The files that .git/config includes ([include] and
 * [includeIf] path=) are read-only too (an empty placeholder when missing
 * inside a writable root), so no core.hooksPath or core.fsmonitor can be
 * planted through them.  A `.git` *file* (a worktree or submodule) is
 * bound read-only, and the gitdir it names and that gitdir's commondir
 * get the same treatment; when they lie outside the writable roots they
 * become writable roots themselves (commits need them).  A repository that
 * an agent creates inside a run (`git init`) is protected from the next
 * run on.
 *
 * Host unix sockets.  connect(2) on a pathname socket ignores read-only
 * mounts and network namespaces, so every bound pathname socket of the
 * host's network namespace (/proc/net/unix) outside the writable roots and
 * the private /tmp is covered by a bind of /dev/null: connect() then fails
 * with ECONNREFUSED.  --allow-unix-socket PATH keeps one reachable.
 * Sockets bound after the sandbox starts are not covered (documented).
 * danger-full-access masks nothing.
 *
 * Placeholders and kill -9.  Before creating a placeholder, the journal
 * $XDG_STATE_HOME/paddock/placeholders/PID-STARTTIME lists it ("write
 * ahead"), under a lock on that directory.  When the sandbox ends each
 * placeholder is removed if it is still what paddock made (an empty
 * directory; a file holding what paddock wrote) and no other live sandbox
 * uses it; then the journal goes.  An empty directory placeholder goes
 * back among the spares in placeholders/.spare, where the next one comes
 * from (a rename each way, on the spares' filesystem only).  Each run
 * first sweeps the journals of dead owners the same way
 * (sandbox_placeholders.h).  The journal directory itself is protected
 * when it lies inside a writable root. */
#ifndef PADDOCK_SANDBOX_PROTECT_H
#define PADDOCK_SANDBOX_PROTECT_H
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "sandbox.h"

enum pd_protect_kind {
    PD_PROTECT_SELF_RW, /* bind path over itself, writable (a mount point can't be renamed) */
    PD_PROTECT_RO,      /* bind path over itself, read-only */
    PD_PROTECT_MASK,    /* bind /dev/null over a host unix socket */
    PD_PROTECT_LINK,    /* a symlink at a protected path, pinned: bound over itself */
};

struct pd_protect_mount {
    enum pd_protect_kind kind;
    char *path;
};

struct pd_protect {
    char **extra_roots;            /* gitdirs outside the writable roots: writable too */
    size_t n_extra_roots;
    struct pd_protect_mount *mounts; /* in mount order */
    size_t n_mounts;
    char **missing;                /* protected files that don't exist (not covered) */
    size_t n_missing;
    char *journal;                 /* NULL: nothing created */
    char **created;                /* placeholders made for this run */
    size_t n_created;
    size_t n_masked;               /* host unix sockets masked */
};

/* Decide the protections for roots (NULL-terminated, absolute, resolved;
 * empty for read-only).  With id NULL it only looks (nothing is created:
 * `paddock status`); with an id it sweeps stale journals, creates the
 * placeholders and journals them. */
int pd_protect_prepare(const struct pd_sandbox_opts *o, char *const *roots, const char *id,
                       struct pd_protect **out, pd_error **err);
/* Remove this run's placeholders and journal; free p. */
void pd_protect_finish(struct pd_protect *p);
static inline void pd_protect_finishp(struct pd_protect **p)
{
    pd_protect_finish(*p);
    *p = 0;
}
#define _cleanup_protect_ __attribute__((cleanup(pd_protect_finishp)))
/* $XDG_STATE_HOME/paddock (or ~/.local/state/paddock). */
char *pd_state_home(void);
#endif
