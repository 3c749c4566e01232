/* Unit tests: overlayfs layers on the host (runtime/layer.c) and the
 * changes of a stack of them over a base (runtime/workspace_diff.c):
 * whiteouts, opaque directories, a snapshot layer below the upper one,
 * flattening, copying. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer.h"
#include "unit.h"
#include "util.h"
#include "workspace_diff.h"

static char root[] = "/tmp/paddock-test-layer.XXXXXX";

static void put(const char *dir, const char *name, const char *data, mode_t mode)
{
    char *p = pd_xasprintf("%s/%s/%s", root, dir, name);
    FILE *f = fopen(p, "we");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(data, f);
        fclose(f);
    }
    CHECK(chmod(p, mode) == 0);
    free(p);
}

static void mk(const char *dir, const char *name)
{
    char *p = pd_xasprintf("%s/%s%s%s", root, dir, name[0] ? "/" : "", name);
    CHECK(mkdir(p, 0755) == 0);
    free(p);
}

static void whiteout(const char *dir, const char *name)
{
    char *p = pd_xasprintf("%s/%s/%s", root, dir, name);
    CHECK(mknod(p, S_IFCHR, makedev(0, 0)) == 0);
    free(p);
}

static void opaque(const char *dir, const char *name)
{
    char *p = pd_xasprintf("%s/%s/%s", root, dir, name);
    CHECK(setxattr(p, "user.overlay.opaque", "y", 1, 0) == 0);
    free(p);
}

static void link_(const char *dir, const char *name, const char *target)
{
    char *p = pd_xasprintf("%s/%s/%s", root, dir, name);
    CHECK(symlink(target, p) == 0);
    free(p);
}

static int opendir_(const char *dir)
{
    char *p = pd_xasprintf("%s/%s", root, dir);
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(fd >= 0);
    free(p);
    return fd;
}

/* base: a, d/{x,y}, e/z, m, s -> a
 * lower (a snapshot's layer): f, d/x changed
 * upper: a deleted, d/y deleted, e replaced (opaque) with e/new, m chmod 755,
 *        s -> f */
static void build(void)
{
    CHECK(mkdtemp(root) != NULL);
    mk("base", ""), mk("lower", ""), mk("upper", "");
    put("base", "a", "A\n", 0644);
    mk("base", "d"), put("base", "d/x", "x\n", 0644), put("base", "d/y", "y\n", 0644);
    mk("base", "e"), put("base", "e/z", "z\n", 0644);
    put("base", "m", "m\n", 0644);
    link_("base", "s", "a");
    put("lower", "f", "F\n", 0644);
    mk("lower", "d"), put("lower", "d/x", "x1\n", 0644);
    whiteout("upper", "a");
    mk("upper", "d"), whiteout("upper", "d/y");
    mk("upper", "e"), opaque("upper", "e"), put("upper", "e/new", "n\n", 0644);
    put("upper", "m", "m\n", 0755);
    link_("upper", "s", "f");
}

static const char *const want[] = {
    "D a whiteout", "M d/x", "D d/y whiteout", "A e/new", "D e/z", "A f", "M m", "M s",
};

static void check_changes(int *layers, size_t n)
{
    char *names[] = {"upper", "lower", NULL};
    struct pd_ws_view v = {.layers = layers, .layer_names = names, .n = n,
                           .base = opendir_("base")};
    struct pd_changes c = {0};
    pd_error *err = NULL;
    CHECK(pd_ws_changes(&v, &c, &err) == 0);
    CHECK(c.n == PD_ARRAY_SIZE(want));
    for (size_t i = 0; i < c.n && i < PD_ARRAY_SIZE(want); i++) {
        char got[128];
        snprintf(got, sizeof(got), "%c %s%s", "AMD"[c.v[i].kind], c.v[i].path,
                 c.v[i].whiteout ? " whiteout" : "");
        CHECK_STR(got, want[i]);
    }
    pd_changes_free(&c);
    pd_error_free(err);
    close(v.base);
}

static void test_changes(void)
{
    build();
    int layers[] = {opendir_("upper"), opendir_("lower")};
    check_changes(layers, 2);
    close(layers[0]);
    close(layers[1]);
}

/* The lower and upper layers merged into one: the same changes. */
static void test_merge(void)
{
    mk("flat", "");
    int layers[] = {opendir_("lower"), opendir_("upper")}, flat = opendir_("flat");
    pd_error *err = NULL;
    CHECK(pd_layer_merge(layers, 2, flat, &err) == 0);
    CHECK(pd_layer_is_opaque(flat, "e"));
    check_changes(&flat, 1);
    struct pd_layer_stats st;
    CHECK(pd_layer_count(flat, &st, &err) == 0);
    CHECK(st.files == 7); /* a, d/x, d/y, e/new, f, m, s */
    close(layers[0]);
    close(layers[1]);
    close(flat);
    pd_error_free(err);
}

/* A copy keeps whiteouts, the opaque mark, modes and symlinks. */
static void test_copy(void)
{
    mk("copy", "");
    int src = opendir_("upper"), dst = opendir_("copy");
    pd_error *err = NULL;
    struct pd_layer_stats st;
    CHECK(pd_layer_copy(src, dst, &st, &err) == 0);
    CHECK(st.files == 5 && st.bytes == 4);
    struct stat s;
    CHECK(fstatat(dst, "a", &s, AT_SYMLINK_NOFOLLOW) == 0 && pd_layer_is_whiteout(&s));
    CHECK(fstatat(dst, "m", &s, AT_SYMLINK_NOFOLLOW) == 0 && (s.st_mode & 07777) == 0755);
    CHECK(pd_layer_is_opaque(dst, "e"));
    char t[16] = "";
    CHECK(readlinkat(dst, "s", t, sizeof(t) - 1) == 1 && t[0] == 'f');
    bool empty = true;
    CHECK(pd_layer_empty(dst, &empty, &err) == 0 && !empty);
    close(src);
    close(dst);
    pd_error_free(err);
}

static void test_remove(void)
{
    char *p = pd_xasprintf("%s/copy/e", root);
    CHECK(chmod(p, 0) == 0); /* unreadable, like overlayfs' work/work */
    free(p);
    int r = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    pd_error *err = NULL;
    CHECK(pd_layer_remove(r, "copy", &err) == 0);
    CHECK(faccessat(r, "copy", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
    int top = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(pd_layer_remove(top, strrchr(root, '/') + 1, &err) == 0);
    close(r);
    close(top);
    pd_error_free(err);
}

int main(void)
{
    RUN(test_changes);
    RUN(test_merge);
    RUN(test_copy);
    RUN(test_remove);
    UNIT_EXIT();
}
