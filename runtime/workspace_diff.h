/* paddock workspaces: what a workspace changed over its base, and applying
 * it (issue #6; spec/workspaces.md, "Review").
 *
 * The view of a workspace is its layers, top first (the upper layer, then
 * the layers of the snapshot chain it started from), over the base.  A
 * change is a path whose merged entry differs from the base's: added (the
 * base has none), modified (other content, type, mode or symlink target;
 * times are ignored), deleted (a whiteout, or hidden by an opaque
 * directory).  Paths are relative to the base, in depth-first order,
 * parents before children. */
#ifndef PADDOCK_WORKSPACE_DIFF_H
#define PADDOCK_WORKSPACE_DIFF_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "store.h"
#include "workspace.h"

enum pd_change_kind { PD_CHANGE_ADDED, PD_CHANGE_MODIFIED, PD_CHANGE_DELETED };

struct pd_change {
    enum pd_change_kind kind;
    char *path;
    mode_t mode;       /* the merged entry's (0 when deleted) */
    mode_t old_mode;   /* the base's (0 when added) */
    int layer;         /* index of the layer holding the merged entry, -1 when deleted */
    bool whiteout;     /* deleted by a whiteout; else hidden by an opaque directory */
    bool opaque;       /* a directory that hides the base's (its other entries are deleted) */
};

struct pd_changes {
    struct pd_change *v;
    size_t n;
};

struct pd_ws_view {
    int *layers;       /* top first */
    char **layer_names; /* "upper", then snapshot names */
    size_t n;
    int base;          /* the base directory */
    char *base_path;
};

int pd_ws_view_open(struct pd_store *s, const struct pd_workspace *w, struct pd_ws_view *v,
                    pd_error **err);
void pd_ws_view_close(struct pd_ws_view *v);
int pd_ws_changes(const struct pd_ws_view *v, struct pd_changes *out, pd_error **err);
void pd_changes_free(struct pd_changes *c);

/* Output (workspace_diff_print.c). */
enum pd_diff_format { PD_DIFF_UNIFIED, PD_DIFF_STAT, PD_DIFF_JSON };
int pd_ws_diff_print(FILE *f, const struct pd_workspace *w, const struct pd_ws_view *v,
                     const struct pd_changes *c, enum pd_diff_format fmt, pd_error **err);
const char *pd_change_kind_name(enum pd_change_kind k);
const char *pd_file_type_name(mode_t m);

/* Apply (workspace_apply.c). */
struct pd_apply_opts {
    bool dry_run;
    bool force;            /* apply over host changes made since the start */
    bool allow_protected;  /* apply changes to protected paths */
};
/* Returns 0 when applied (or, dry run, when it would apply), 1 when refused
 * (conflicts or protected paths, listed on f), -1 on error. */
int pd_ws_apply(struct pd_store *s, struct pd_workspace *w, const struct pd_apply_opts *o,
                FILE *f, pd_error **err);
#endif
