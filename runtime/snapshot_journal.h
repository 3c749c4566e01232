/* paddock snapshots: the journal of the operation in progress.
 *
 *   {"op":"create"|"rm"|"flatten","snapshot":S,"workspace":W|null,
 *    "staging":NAME,"token":T,"move":B}
 *
 * It is written (durably) before an operation's first step and removed
 * after its last, under the store lock; a journal found by the next
 * pd_store_open means its owner died, and pd_snapshot_recover finishes the
 * operation when it had committed (the snapshot's record carries the
 * journal's token) and undoes it otherwise:
 *
 *   create   committed: W goes on from S (parent S, empty upper layer);
 *            not: the moved upper layer goes back to W; staging removed
 *   rm       the snapshot was renamed to its trash name (committed): the
 *            trash is removed; else nothing happened
 *   flatten  the flattened layer was exchanged with S's (committed) or not:
 *            either way the staging name holds what is to be removed */
#ifndef PADDOCK_SNAPSHOT_JOURNAL_H
#define PADDOCK_SNAPSHOT_JOURNAL_H
#include <stdbool.h>

#include "error.h"
#include "workspace.h"

char *pd_snap_journal(const char *op, const char *snapshot, const char *workspace,
                      const char *staging, const char *token, bool move);
/* W goes on from snapshot name: parent name, a fresh upper layer. */
int pd_snapshot_continue_ws(struct pd_workspace *w, const char *name, pd_error **err);
#endif
