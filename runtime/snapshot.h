/* paddock snapshots: read-only layers kept in the store (issue #6;
 * spec/workspaces.md).
 *
 *   STORE/snapshots/S/meta.json  the record below
 *   STORE/snapshots/S/layer      the layer: what changed over S's parent
 *
 * A snapshot stores only what changed over its parent (or, without one,
 * over its base), and records that base (workspace.h, pd_ws_base).  A chain
 * S -> parent -> ... ends at the base; a workspace started from S has the
 * chain's layers as its lower layers and a fresh upper layer.
 *
 * Every multi-step change is journaled (STORE/journal.json) and finished or
 * undone by the next command that opens the store (snapshot_journal.c):
 * a kill -9 at any point leaves the old or the new state. */
#ifndef PADDOCK_SNAPSHOT_H
#define PADDOCK_SNAPSHOT_H
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "workspace.h"

struct pd_snap_meta {
    char *name;
    enum pd_ws_kind kind;
    char *parent;        /* NULL: the chain ends at the base */
    char *created;
    struct pd_ws_base base;
    char *from;          /* the workspace it was taken of */
    char *token;         /* the operation that wrote it */
    bool running;        /* taken of a running container (a copy) */
    bool flattened;
    bool has_stats;      /* files/bytes counted (lazily: creating is O(1)) */
    uint64_t files, bytes;
};

char *pd_snap_meta_json(const struct pd_snap_meta *m);
int pd_snap_meta_parse(const char *text, struct pd_snap_meta *m, pd_error **err);
void pd_snap_meta_clear(struct pd_snap_meta *m);
/* Read S's record (ENOENT: "no snapshot S"). */
int pd_snapshot_read(struct pd_store *s, const char *name, struct pd_snap_meta *m, pd_error **err);
/* S and its ancestors, S first (NULL-terminated); a missing parent or a
 * cycle is an error. */
int pd_snapshot_chain(struct pd_store *s, const char *name, char ***out, pd_error **err);
char *pd_snapshot_layer(const struct pd_store *s, const char *name);
/* Every snapshot name, sorted. */
int pd_snapshot_names(struct pd_store *s, char ***out, pd_error **err);
/* Who uses S (a child snapshot or a workspace), or NULL. */
char *pd_snapshot_user(struct pd_store *s, const char *name, pd_error **err);

/* Finish or undo what a killed paddock left (journal, staging). */
int pd_snapshot_recover(struct pd_store *s, pd_error **err);

/* snapshot create W S: O(1) for a workspace not in use (its upper layer
 * moves into S; W goes on from S with an empty upper layer); a copy with
 * the container frozen when it runs. */
int pd_snapshot_create(struct pd_store *s, const char *ws, const char *name, pd_error **err);
int pd_snapshot_rm(struct pd_store *s, const char *name, pd_error **err);
/* Count files and bytes where they are missing (and record them). */
int pd_snapshot_stats(struct pd_store *s, struct pd_snap_meta *m, pd_error **err);
/* Merge S's chain into one layer (same content, no parent). */
int pd_snapshot_flatten(struct pd_store *s, const char *name, pd_error **err);
/* Remove what interrupted operations left; *n how many. */
int pd_snapshot_gc(struct pd_store *s, size_t *n, pd_error **err);
/* Check the store; problems are printed; returns their count (-1: error). */
int pd_snapshot_verify(struct pd_store *s, bool quiet, pd_error **err);

/* Freeze a running container's processes (freeze.c): its cgroup's freezer,
 * else SIGSTOP to every process of its PID namespace. */
struct pd_frozen;
int pd_freeze(const char *root, const char *id, struct pd_frozen **out, pd_error **err);
void pd_thaw(struct pd_frozen *f);
#endif
