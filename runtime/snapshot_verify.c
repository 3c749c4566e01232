/* paddock snapshots: verify the store.  See snapshot.h.
 *
 * For every snapshot: its record parses and names it, its layer is a
 * directory, its chain resolves (no missing parent, no loop) and fits
 * overlayfs' stack, and its counted files and bytes (when recorded) are
 * still what the layer holds.  For every workspace: its record parses, the
 * snapshot it started from exists, upper/ and work/ are there.  Leftovers of
 * interrupted commands ('.'-names) are notes, not problems: `snapshot gc`
 * removes them; they are never listed as snapshots. */
#define _GNU_SOURCE
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"
#include "util.h"

struct verify {
    struct pd_store *s;
    int problems;
    bool quiet;
};

static void problem(struct verify *v, const char *fmt, const char *a, const char *b)
{
    v->problems++;
    printf("problem: ");
    printf(fmt, a, b ? b : "");
    putchar('\n');
}

static void check_layer(struct verify *v, const struct pd_snap_meta *m)
{
    _cleanup_free_ char *rel = pd_xasprintf("%s/layer", m->name);
    _cleanup_close_ int fd = openat(v->s->snap_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        problem(v, "snapshot %s: its layer is missing (%s)", m->name, strerror(errno));
        return;
    }
    if (!m->has_stats)
        return;
    struct pd_layer_stats st;
    _cleanup_error_ pd_error *e = NULL;
    if (pd_layer_count(fd, &st, &e) < 0) {
        problem(v, "snapshot %s: its layer can't be read: %s", m->name, e->msg);
        return;
    }
    if (st.files != m->files || st.bytes != m->bytes) {
        char buf[160];
        snprintf(buf, sizeof(buf), "%" PRIu64 " files and %" PRIu64 " bytes recorded, %" PRIu64
                 " and %" PRIu64 " found", m->files, m->bytes, st.files, st.bytes);
        problem(v, "snapshot %s: its layer changed: %s", m->name, buf);
    }
}

static void check_snapshot(struct verify *v, const char *name)
{
    struct pd_snap_meta m;
    _cleanup_error_ pd_error *e = NULL;
    if (pd_snapshot_read(v->s, name, &m, &e) < 0) {
        problem(v, "%s%s", e->msg, NULL);
        return;
    }
    check_layer(v, &m);
    _cleanup_strv_ char **chain = NULL;
    pd_error_freep(&e);
    if (pd_snapshot_chain(v->s, name, &chain, &e) < 0) {
        problem(v, "snapshot %s: %s", name, e->msg);
    } else if (pd_strv_len(chain) + 1 > pd_overlay_max_lowers()) {
        char buf[96];
        snprintf(buf, sizeof(buf), "%zu layers, overlayfs stacks %zu", pd_strv_len(chain) + 1,
                 pd_overlay_max_lowers());
        if (!v->quiet)
            printf("note: snapshot %s: its chain is too deep to start from (%s): paddock snapshot "
                   "flatten %s\n", name, buf, name);
    }
    pd_snap_meta_clear(&m);
}

static void check_workspace(struct verify *v, const char *name)
{
    _cleanup_workspace_ struct pd_workspace *w = NULL;
    _cleanup_error_ pd_error *e = NULL;
    if (pd_workspace_open(v->s, name, &w, &e) < 0) {
        problem(v, "%s%s", e->msg, NULL);
        return;
    }
    struct stat st;
    if (fstatat(w->fd, "upper", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
        problem(v, "workspace %s: its upper layer is missing%s", name, NULL);
    if (w->meta.parent == NULL)
        return;
    struct pd_snap_meta m;
    pd_error_freep(&e);
    if (pd_snapshot_read(v->s, w->meta.parent, &m, &e) < 0)
        problem(v, "workspace %s: %s", name, e->msg);
    else
        pd_snap_meta_clear(&m);
}

static void notes(struct verify *v, int dirfd, const char *what)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        problem(v, "%s can't be listed%s", what, NULL);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            !v->quiet)
            printf("note: %s/%s: left by an interrupted command (paddock snapshot gc removes "
                   "it)\n", what, e->d_name);
    closedir(d);
}

int pd_snapshot_verify(struct pd_store *s, bool quiet, pd_error **err)
{
    struct verify v = {.s = s, .quiet = quiet};
    _cleanup_strv_ char **snaps = NULL, **wss = NULL;
    if (pd_snapshot_names(s, &snaps, err) < 0 || pd_workspace_names(s, &wss, err) < 0)
        return -1;
    for (size_t i = 0; snaps[i]; i++)
        check_snapshot(&v, snaps[i]);
    for (size_t i = 0; wss[i]; i++)
        check_workspace(&v, wss[i]);
    notes(&v, s->snap_fd, "snapshots");
    notes(&v, s->ws_fd, "workspaces");
    if (!quiet)
        printf("%s: %zu snapshot(s), %zu workspace(s), %d problem(s)\n",
               v.problems ? "damaged" : "ok", pd_strv_len(snaps), pd_strv_len(wss), v.problems);
    return v.problems;
}
