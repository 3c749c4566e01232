/* paddock workspaces: overlay workspaces and their records (issue #6;
 * spec/workspaces.md).
 *
 * An overlay workspace is a directory of the host (the base: a sandbox's
 * workspace, or a bundle's rootfs) seen through overlayfs: the base is the
 * lowest, read-only layer; the layers of the snapshot it started from (if
 * any) lie above it; the upper layer on top takes every change.  The upper
 * and work directories live in the store (store.h):
 *
 *   STORE/workspaces/W/meta.json   the record below
 *   STORE/workspaces/W/upper       the upper layer
 *   STORE/workspaces/W/work        overlayfs' work directory
 *   STORE/workspaces/W/lock        flock()ed while a sandbox uses W
 *
 * W is the --name of a sandbox, else the id of the sandbox or container.
 * A workspace outlives its sandbox or container: `paddock workspace
 * diff|apply|discard W` reviews it, applies it to the base, or drops it, and
 * the next sandbox with the same --name (container with the same id)
 * continues it. */
#ifndef PADDOCK_WORKSPACE_H
#define PADDOCK_WORKSPACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum pd_ws_kind { PD_WS_DIR, PD_WS_ROOTFS };

/* The base as it was when the workspace (or the snapshot chain under it)
 * started: changes on the host after t0 are conflicts for `apply`. */
struct pd_ws_base {
    char *path;
    int64_t t0_sec;
    long t0_nsec;
    bool git;          /* path/.git exists */
    char *git_head;    /* HEAD's commit; NULL: none or unknown (git_error) */
    bool git_clean;    /* `git status --untracked-files=no` printed nothing */
    char *git_error;   /* why the git state is unknown */
};

struct pd_ws_meta {
    char *name;
    enum pd_ws_kind kind;
    bool named;              /* --name: kept even when empty */
    char *parent;            /* the snapshot it started from, or NULL */
    char *created;           /* RFC 3339 */
    struct pd_ws_base base;
    char *container_id;      /* the last sandbox or container that used it */
    char *container_root;    /* its state root */
    char **protected_paths;  /* relative to the base, NULL-terminated (apply refuses them) */
};

struct pd_workspace {
    char *name;
    char *path;              /* STORE/workspaces/W */
    int fd;                  /* its directory */
    int lock;                /* W/lock while we hold it, else -1 */
    struct pd_ws_meta meta;
};

const char *pd_ws_kind_name(enum pd_ws_kind k);

/* ---- records (workspace_meta.c) ---- */
char *pd_ws_meta_json(const struct pd_ws_meta *m);
int pd_ws_meta_parse(const char *text, struct pd_ws_meta *m, pd_error **err);
void pd_ws_meta_clear(struct pd_ws_meta *m);
/* The base as JSON (shared with the snapshot records) and back. */
struct pd_jgen;
void pd_ws_base_gen(struct pd_jgen *g, const struct pd_ws_base *b);
struct pd_json;
int pd_ws_base_parse(const struct pd_json *o, struct pd_ws_base *b, pd_error **err);
void pd_ws_base_clear(struct pd_ws_base *b);
void pd_ws_base_copy(struct pd_ws_base *dst, const struct pd_ws_base *src);

/* ---- the base (workspace_base.c) ---- */
/* Record path now: t0, and for a git work tree HEAD and whether it is clean
 * (git runs without a shell, with fsmonitor off and no optional locks). */
void pd_ws_base_record(const char *path, enum pd_ws_kind kind, struct pd_ws_base *b);
/* Has the base moved since `then` (a snapshot's record)?  Prints what
 * changed as warnings, or fails with it when strict. */
int pd_ws_base_check(const struct pd_ws_base *then, const char *path, enum pd_ws_kind kind,
                     const char *snapshot, bool strict, pd_error **err);

/* ---- workspaces (workspace.c) ---- */
/* Open W (ENOENT: "no workspace W").  The store must be open. */
int pd_workspace_open(struct pd_store *s, const char *name, struct pd_workspace **out,
                      pd_error **err);
void pd_workspace_close(struct pd_workspace *w);
static inline void pd_workspace_closep(struct pd_workspace **w)
{
    pd_workspace_close(*w);
    *w = 0;
}
#define _cleanup_workspace_ __attribute__((cleanup(pd_workspace_closep)))
int pd_workspace_write_meta(struct pd_workspace *w, pd_error **err);
/* Is W in use: its lock held by a sandbox, or its container alive?  *why
 * says by whom (free it). */
bool pd_workspace_in_use(struct pd_workspace *w, char **why);
/* Is the container recorded in W (its last user) alive? */
bool pd_workspace_container_alive(const struct pd_workspace *w);
/* Take W's lock (fails, saying by whom, when it is in use). */
int pd_workspace_lock(struct pd_workspace *w, pd_error **err);
/* The lower layers, top first: the snapshot chain's layers, then the base. */
int pd_workspace_lowers(struct pd_store *s, const struct pd_workspace *w, char ***out,
                        pd_error **err);
/* Replace the upper and work directories with empty ones (discard, apply). */
int pd_workspace_clear_upper(struct pd_workspace *w, pd_error **err);
/* Make sure upper/ and work/ exist (a crash may have left one missing). */
int pd_workspace_ensure_upper(struct pd_workspace *w, pd_error **err);
/* Remove W entirely (store locked, W not in use). */
int pd_workspace_remove(struct pd_store *s, const char *name, pd_error **err);
/* Every workspace name, sorted (NULL-terminated). */
int pd_workspace_names(struct pd_store *s, char ***out, pd_error **err);

/* ---- starting a sandbox or container on one (workspace_start.c) ---- */
struct pd_ws_request {
    const char *store;        /* --store (NULL: the default) */
    const char *name;         /* W */
    bool named;
    enum pd_ws_kind kind;
    const char *base;         /* absolute host path */
    const char *from_snapshot;/* NULL: none */
    bool strict_base;
    const char *container_id;
    const char *container_root;
    char *const *protected_paths; /* relative, NULL-terminated */
};

struct pd_ws_started {
    struct pd_workspace *ws;  /* locked */
    char *store_path;
    char *lowerdir;           /* "L1:L2:...:BASE", top first */
    char *upperdir, *workdir;
    bool created;             /* a new workspace */
};

int pd_workspace_start(const struct pd_ws_request *rq, struct pd_ws_started **out, pd_error **err);
/* The OCI mount options of the overlay (NULL-terminated; free with pd_strv_free). */
char **pd_workspace_mount_options(const struct pd_ws_started *s);
/* The sandbox or container has ended: unlock; a workspace without a name,
 * snapshot or change is removed (true in *removed). */
void pd_workspace_finish(struct pd_ws_started *s, bool *removed);
#endif
