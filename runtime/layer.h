/* paddock store: overlayfs layer trees on the host (issue #6).
 *
 * A layer is a directory as overlayfs leaves an upper layer: a deletion
 * is a whiteout (a 0:0 character device), a directory that hides what is
 * below it is opaque (xattr user.overlay.opaque = "y" with userxattr, which
 * paddock always uses; trusted.overlay.opaque is read too).  Copies keep
 * modes, owners (as far as the caller may), times, symlinks, whiteouts and
 * the user.* / trusted.overlay.* xattrs; file data is cloned (FICLONE) where
 * the filesystem can, else copied in the kernel (copy_file_range).  Hard
 * links inside a layer become separate files. */
#ifndef PADDOCK_LAYER_H
#define PADDOCK_LAYER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"

struct pd_layer_stats {
    uint64_t files;  /* every entry but directories: files, symlinks, whiteouts */
    uint64_t bytes;  /* apparent size of regular files */
};

bool pd_layer_is_whiteout(const struct stat *st);
/* Is the directory name in dirfd opaque? */
bool pd_layer_is_opaque(int dirfd, const char *name);
/* Copy the tree under src into the empty directory dst. */
int pd_layer_copy(int src, int dst, struct pd_layer_stats *st, pd_error **err);
/* Flatten: apply layers[0] (the lowest) .. layers[n-1] (the top) onto the
 * empty directory dst, as overlayfs would stack them, so that dst alone
 * over the base shows what the n layers showed. */
int pd_layer_merge(const int *layers, size_t n, int dst, pd_error **err);
int pd_layer_count(int dir, struct pd_layer_stats *st, pd_error **err);
/* Is the directory empty? */
int pd_layer_empty(int dir, bool *empty, pd_error **err);
/* rm -rf name in dirfd, without following symlinks, making unreadable
 * directories (overlayfs' work/work is mode 0) readable first. */
int pd_layer_remove(int dirfd, const char *name, pd_error **err);
/* Copy a regular file's data: FICLONE, else copy_file_range, else read/write. */
int pd_copy_data(int src, int dst, const char *what, pd_error **err);
/* Copy the user.* and trusted.overlay.* xattrs of src to dst (open fds). */
int pd_copy_xattrs(int src, int dst, const char *what, pd_error **err);
#endif
