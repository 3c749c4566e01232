/* paddock sandbox: placeholders for missing protected paths
 * (sandbox_protect.h says which and why), their journal and their spares.
 *
 * Journal.  Before a placeholder is made, $XDG_STATE_HOME/paddock/
 * placeholders/PID-STARTTIME lists it ("d PATH", "f PATH"; "u PATH" for a
 * protected path that exists), under a lock on that directory.  Undoing a
 * journal removes what it lists, unless another live sandbox's journal
 * lists it too (it is then handed over to that one), and then the journal;
 * each run first undoes the journals of dead owners (a kill -9).
 *
 * Spares.  An empty directory placeholder is not removed but moved into
 * placeholders/.spare/INODE-MODE, and the next one comes from there (a
 * rename each way, RENAME_NOREPLACE in): on a filesystem mounted `discard`
 * (this VM's ext4) an rmdir waits for a synchronous discard of the
 * directory's block (~80 us, 4 per sandbox), a rename frees no block.  A
 * spare stands in only where mkdir would make the same mode, only on the
 * spares' own filesystem (EXDEV: mkdir and rmdir as before), and only
 * while it is an empty directory of the caller's, checked after the move
 * so that what the host wrote into a placeholder stays.  At most 64. */
#ifndef PADDOCK_SANDBOX_PLACEHOLDERS_H
#define PADDOCK_SANDBOX_PLACEHOLDERS_H
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* What a placeholder .git/commondir holds: git's "this directory". */
#define PD_COMMONDIR_PLACEHOLDER ".\n"

struct pd_placeholders {
    char *dir;       /* .../paddock/placeholders */
    int journal_fd;  /* -1 until the first entry */
    char *journal;   /* its path, once made */
    char **spares;   /* names in dir/.spare, listed at the first directory placeholder */
    size_t n_spares, next_spare;
    bool spares_listed;
};

/* home/placeholders made and locked (the lock's fd, or -1 and err), the
 * journals of dead sandboxes undone. */
int pd_placeholders_begin(struct pd_placeholders *ph, const char *home, pd_error **err);
/* One journal entry (kind 'd', 'f' or 'u'). */
int pd_placeholders_journal(struct pd_placeholders *ph, char kind, const char *path,
                            pd_error **err);
/* A placeholder at path (a directory, or an empty file; .git/commondir
 * holds PD_COMMONDIR_PLACEHOLDER), journaled first: 0 made, 1 not (the
 * caller can't create it, so neither can the sandbox), -1 err. */
int pd_placeholders_make(struct pd_placeholders *ph, const char *path, bool dir, pd_error **err);
/* The journal's fd closed, everything freed (the journal file stays). */
void pd_placeholders_end(struct pd_placeholders *ph);
/* The lock on dir (an fd to close), or -1 and err. */
int pd_placeholders_lock(const char *dir, pd_error **err);
/* Undo the journal dir/name (the lock held): its entries in reverse order. */
void pd_placeholders_undo(const char *dir, const char *name);
#endif
