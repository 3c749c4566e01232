/* paddock store: where overlay workspaces and snapshots live (issue #6).
 *
 *   STORE/lock             flock()ed by every command that changes the store
 *   STORE/journal.json     the one multi-step operation in progress (see
 *                          snapshot_journal.c); present only when its owner died
 *   STORE/workspaces/W/    meta.json, upper/, work/, lock (workspace.h)
 *   STORE/snapshots/S/     meta.json, layer/ (snapshot.h)
 *
 * Names starting with '.' are work in progress (staging, trash) and are
 * never listed.  The store is /var/lib/paddock/store for root,
 * $XDG_DATA_HOME/paddock/store (~/.local/share/paddock/store) otherwise;
 * `paddock --store DIR` or $PADDOCK_STORE choose another.  It must be on a
 * filesystem that can hold an overlayfs upper layer: not overlayfs itself,
 * with user.* extended attributes (ext4, xfs, btrfs, tmpfs >= 6.6).
 *
 * Metadata is written atomically: a temporary file, fsync, rename, fsync of
 * the directory (pd_store_write). */
#ifndef PADDOCK_STORE_H
#define PADDOCK_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct pd_store {
    char *path;
    int fd;      /* O_DIRECTORY of the store */
    int lock;    /* STORE/lock, LOCK_EX while open; -1 after pd_store_unlock */
    int ws_fd;   /* STORE/workspaces */
    int snap_fd; /* STORE/snapshots */
};

/* The store path: dir, else $PADDOCK_STORE, else the default above. */
char *pd_store_path(const char *dir);
/* Open (creating it when `create`), lock, and finish or undo an operation
 * a killed paddock left (the journal).  Without `create`, a missing store
 * is ENOENT ("no workspace or snapshot yet"). */
int pd_store_open(const char *dir, bool create, struct pd_store **out, pd_error **err);
/* Let other commands in (the store stays open). */
void pd_store_unlock(struct pd_store *s);
void pd_store_close(struct pd_store *s);
static inline void pd_store_closep(struct pd_store **s)
{
    pd_store_close(*s);
    *s = 0;
}
#define _cleanup_store_ __attribute__((cleanup(pd_store_closep)))

/* A workspace or snapshot name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128
 * bytes.  what names it in the message ("snapshot", "--name"). */
int pd_store_check_name(const char *what, const char *name, pd_error **err);

/* pd_failx with errnum ENOENT (a name that is not there, said without
 * strerror); returns -1. */
int pd_store_missing(pd_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write name in dirfd atomically and durably (temp, fsync, rename, fsync dir). */
int pd_store_write(int dirfd, const char *name, const char *data, size_t len, pd_error **err);
/* Read a JSON file in dirfd (at most 1 MiB). */
int pd_store_read(int dirfd, const char *name, char **out, pd_error **err);
int pd_store_fsync(int fd, const char *what, pd_error **err);
/* A random token (16 hex digits), to tell one operation's files from another's. */
void pd_store_token(char buf[17]);

/* The journal: what a multi-step operation is doing, written before its
 * first step and removed after its last, under the store lock. */
int pd_store_journal_begin(struct pd_store *s, const char *json, pd_error **err);
int pd_store_journal_end(struct pd_store *s, pd_error **err);

/* Names of the directories in dirfd that don't start with '.', sorted. */
int pd_store_list_dir(int dirfd, char ***out, pd_error **err);

/* PADDOCK_FAULT=POINT: kill -9 ourselves at POINT (the crash tests). */
void pd_store_fault(const char *point);

/* Open rel under dirfd without following any symlink and without leaving
 * dirfd (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); -1 with errno. */
int pd_openat_beneath(int dirfd, const char *rel, int flags, int mode);

/* The most lower layers overlayfs stacks (OVL_MAX_STACK, 500);
 * $PADDOCK_OVERLAY_MAX_LAYERS may lower it (tests). */
size_t pd_overlay_max_lowers(void);

/* A path overlayfs can take as a layer: absolute, without ':' ',' '\\' or
 * newlines (its option syntax).  what names it in the message. */
int pd_overlay_check_path(const char *what, const char *path, pd_error **err);
#endif
