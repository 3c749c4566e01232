/* paddock workspaces: printing the changes (`paddock workspace diff`).
 * See workspace_diff.h and `paddock workspace --help`. */
#define _GNU_SOURCE
#include "workspace_diff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "udiff.h"
#include "util.h"

#define DIFF_MAX (64u << 20) /* larger files are not diffed line by line */

const char *pd_change_kind_name(enum pd_change_kind k)
{
    static const char *const n[] = {"added", "modified", "deleted"};
    return n[k];
}

const char *pd_file_type_name(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    case S_IFCHR: return "char-device";
    case S_IFBLK: return "block-device";
    }
    return "unknown";
}

/* The content to diff of one side: a file's data or a symlink's target.
 * *out NULL when there is nothing to diff (another type, too large). */
static void load(int dirfd, const char *path, mode_t mode, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (S_ISLNK(mode)) {
        _cleanup_free_ char *dir = pd_xstrdup(path);
        char *slash = strrchr(dir, '/');
        const char *name = slash ? slash + 1 : path;
        if (slash)
            *slash = '\0';
        _cleanup_close_ int d = slash ? pd_openat_beneath(dirfd, dir, O_RDONLY | O_DIRECTORY, 0)
                                      : dup(dirfd);
        char buf[PATH_MAX];
        ssize_t n = d >= 0 ? readlinkat(d, name, buf, sizeof(buf)) : -1;
        if (n >= 0) {
            *out = pd_xasprintf("%.*s", (int)n, buf);
            *len = (size_t)n;
        }
        return;
    }
    if (!S_ISREG(mode))
        return;
    _cleanup_close_ int fd = pd_openat_beneath(dirfd, path, O_RDONLY, 0);
    if (fd < 0 || pd_read_fd(fd, DIFF_MAX, out, len, NULL) < 0)
        *out = NULL;
}

struct sides {
    char *a, *b;
    size_t alen, blen;
    bool binary;   /* or too large, or not a file/symlink */
    struct pd_udiff_stats st;
};

static void sides_load(const struct pd_ws_view *v, const struct pd_change *c, struct sides *s)
{
    memset(s, 0, sizeof(*s));
    bool has_a = c->kind != PD_CHANGE_ADDED, has_b = c->kind != PD_CHANGE_DELETED;
    if (has_a)
        load(v->base, c->path, c->old_mode, &s->a, &s->alen);
    if (has_b)
        load(v->layers[c->layer], c->path, c->mode, &s->b, &s->blen);
    bool text = (!has_a || (s->a && pd_udiff_is_text(s->a, s->alen))) &&
                (!has_b || (s->b && pd_udiff_is_text(s->b, s->blen)));
    bool types = (!has_a || S_ISREG(c->old_mode) || S_ISLNK(c->old_mode)) &&
                 (!has_b || S_ISREG(c->mode) || S_ISLNK(c->mode));
    s->binary = !text || !types;
    if (!s->binary)
        pd_udiff(NULL, s->a ? s->a : "", s->alen, s->b ? s->b : "", s->blen, "", "", &s->st);
}

static void sides_free(struct sides *s)
{
    free(s->a);
    free(s->b);
}

static void header(FILE *f, const struct pd_change *c)
{
    fprintf(f, "diff --paddock a/%s b/%s\n", c->path, c->path);
    if (c->kind == PD_CHANGE_ADDED)
        fprintf(f, "new %s mode %06o\n", pd_file_type_name(c->mode), (unsigned)c->mode);
    else if (c->kind == PD_CHANGE_DELETED)
        fprintf(f, "deleted %s mode %06o%s\n", pd_file_type_name(c->old_mode),
                (unsigned)c->old_mode, c->whiteout ? "" : " (under an opaque directory)");
    else if (c->mode != c->old_mode)
        fprintf(f, "old mode %06o\nnew mode %06o\n", (unsigned)c->old_mode, (unsigned)c->mode);
    if (S_ISDIR(c->mode) && c->opaque)
        fputs("opaque directory: the base's entries not listed here are deleted\n", f);
}

static void print_unified(FILE *f, const struct pd_ws_view *v, const struct pd_change *c)
{
    header(f, c);
    if (S_ISDIR(c->kind == PD_CHANGE_DELETED ? c->old_mode : c->mode) &&
        (c->kind != PD_CHANGE_MODIFIED || S_ISDIR(c->old_mode)))
        return;
    struct sides s;
    sides_load(v, c, &s);
    _cleanup_free_ char *la = c->kind == PD_CHANGE_ADDED ? pd_xstrdup("/dev/null")
                                                          : pd_xasprintf("a/%s", c->path);
    _cleanup_free_ char *lb = c->kind == PD_CHANGE_DELETED ? pd_xstrdup("/dev/null")
                                                            : pd_xasprintf("b/%s", c->path);
    if (s.binary)
        fprintf(f, "Binary files %s and %s differ\n", la, lb);
    else
        pd_udiff(f, s.a ? s.a : "", s.alen, s.b ? s.b : "", s.blen, la, lb, NULL);
    sides_free(&s);
}

static void print_stat(FILE *f, const struct pd_ws_view *v, const struct pd_change *c)
{
    static const char letter[] = {'A', 'M', 'D'};
    mode_t m = c->kind == PD_CHANGE_DELETED ? c->old_mode : c->mode;
    fprintf(f, "%c  %s%s", letter[c->kind], c->path, S_ISDIR(m) ? "/" : "");
    if (c->kind == PD_CHANGE_DELETED && !c->whiteout)
        fputs("  (opaque directory)", f);
    if (c->kind == PD_CHANGE_MODIFIED && (c->mode & S_IFMT) != (c->old_mode & S_IFMT))
        fprintf(f, "  (%s -> %s)", pd_file_type_name(c->old_mode), pd_file_type_name(c->mode));
    else if (c->kind == PD_CHANGE_MODIFIED && c->mode != c->old_mode)
        fprintf(f, "  (mode %04o -> %04o)", (unsigned)(c->old_mode & 07777),
                (unsigned)(c->mode & 07777));
    if (!S_ISDIR(m)) {
        struct sides s;
        sides_load(v, c, &s);
        if (s.binary)
            fputs("  (binary)", f);
        else if (s.st.added + s.st.removed > 0)
            fprintf(f, "  (+%zu -%zu)", s.st.added, s.st.removed);
        sides_free(&s);
    }
    fputc('\n', f);
}

static void json_change(pd_jgen *g, const struct pd_ws_view *v, const struct pd_change *c)
{
    char buf[16];
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "path", c->path);
    pd_jgen_kv_string(g, "change", pd_change_kind_name(c->kind));
    pd_jgen_kv_string(g, "type", pd_file_type_name(c->kind == PD_CHANGE_DELETED ? c->old_mode : c->mode));
    if (c->kind != PD_CHANGE_DELETED) {
        snprintf(buf, sizeof(buf), "%04o", (unsigned)(c->mode & 07777));
        pd_jgen_kv_string(g, "mode", buf);
        pd_jgen_kv_string(g, "layer", v->layer_names[c->layer]);
    }
    if (c->kind != PD_CHANGE_ADDED) {
        pd_jgen_kv_string(g, "old_type", pd_file_type_name(c->old_mode));
        snprintf(buf, sizeof(buf), "%04o", (unsigned)(c->old_mode & 07777));
        pd_jgen_kv_string(g, "old_mode", buf);
    }
    if (c->kind == PD_CHANGE_DELETED)
        pd_jgen_kv_bool(g, "whiteout", c->whiteout);
    if (S_ISDIR(c->mode))
        pd_jgen_kv_bool(g, "opaque", c->opaque);
    mode_t m = c->kind == PD_CHANGE_DELETED ? c->old_mode : c->mode;
    if (!S_ISDIR(m)) {
        struct sides s;
        sides_load(v, c, &s);
        pd_jgen_kv_bool(g, "binary", s.binary);
        if (!s.binary) {
            pd_jgen_kv_int(g, "added_lines", (long long)s.st.added);
            pd_jgen_kv_int(g, "removed_lines", (long long)s.st.removed);
        }
        sides_free(&s);
    }
    pd_jgen_map_close(g);
}

static void print_json(FILE *f, const struct pd_workspace *w, const struct pd_ws_view *v,
                       const struct pd_changes *c)
{
    size_t n[3] = {0, 0, 0};
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "workspace", w->name);
    pd_jgen_kv_string(g, "kind", pd_ws_kind_name(w->meta.kind));
    pd_jgen_kv_string(g, "base", w->meta.base.path);
    pd_jgen_kv_string(g, "parent", w->meta.parent);
    pd_jgen_key(g, "changes");
    pd_jgen_array_open(g);
    for (size_t i = 0; i < c->n; i++) {
        json_change(g, v, &c->v[i]);
        n[c->v[i].kind]++;
    }
    pd_jgen_array_close(g);
    pd_jgen_kv_int(g, "added", (long long)n[0]);
    pd_jgen_kv_int(g, "modified", (long long)n[1]);
    pd_jgen_kv_int(g, "deleted", (long long)n[2]);
    pd_jgen_map_close(g);
    size_t len = 0;
    _cleanup_free_ char *doc = pd_jgen_finish(g, &len);
    fwrite(doc, 1, len, f);
    fputc('\n', f);
}

int pd_ws_diff_print(FILE *f, const struct pd_workspace *w, const struct pd_ws_view *v,
                     const struct pd_changes *c, enum pd_diff_format fmt, pd_error **err)
{
    if (fmt == PD_DIFF_JSON) {
        print_json(f, w, v, c);
    } else {
        size_t n[3] = {0, 0, 0};
        for (size_t i = 0; i < c->n; i++) {
            n[c->v[i].kind]++;
            if (fmt == PD_DIFF_STAT)
                print_stat(f, v, &c->v[i]);
            else
                print_unified(f, v, &c->v[i]);
        }
        if (fmt == PD_DIFF_STAT)
            fprintf(f, "%zu added, %zu modified, %zu deleted\n", n[0], n[1], n[2]);
    }
    if (fflush(f) != 0 || ferror(f))
        return pd_fail_errno(err, "write the diff");
    return 0;
}
