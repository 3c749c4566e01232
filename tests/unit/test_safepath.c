/* Unit tests: paths resolved inside a rootfs (runtime/safepath.c).
 * A temp tree with symlinks that try to leave the root; everything must
 * land inside it and nothing may appear next to it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "safepath.h"
#include "unit.h"
#include "util.h"

static char tmp[PATH_MAX];
static char root[PATH_MAX + 16];
static int rootfd = -1;

static char *at(const char *base, const char *rel)
{
    static char buf[4][PATH_MAX * 2];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, PATH_MAX * 2, "%s/%s", base, rel);
    return b;
}

static bool exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static bool same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/pd-safepath.XXXXXX");
    if (mkdtemp(tmp) == NULL)
        abort();
    snprintf(root, sizeof(root), "%s/root", tmp);
    char outside[PATH_MAX * 2];
    snprintf(outside, sizeof(outside), "%s/outside", tmp);
    if (mkdir(root, 0755) < 0 || mkdir(outside, 0755) < 0 || mkdir(at(root, "etc"), 0755) < 0)
        abort();
    /* escapes: "..", absolute host path, relative "../", dangling, loops */
    if (symlink("/../../..", at(root, "up")) < 0 || symlink(outside, at(root, "abs")) < 0 ||
        symlink("../outside", at(root, "rel")) < 0 ||
        symlink("/../../newdir", at(root, "dangling")) < 0 ||
        symlink("/../../../tmp", at(root, "etc/evil")) < 0 ||
        symlink("../../../outside/reldangle", at(root, "etc/reldangle")) < 0 ||
        symlink("b", at(root, "a")) < 0 || symlink("a", at(root, "b")) < 0)
        abort();
    int fd = open(at(root, "etc/file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        abort();
    close(fd);
    rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        abort();
}

static void test_fd_path(void)
{
    char b[32];
    CHECK_STR(pd_fd_path(7, b, sizeof(b)), "/proc/self/fd/7");
}

static void test_open_dotdot_clamped(void)
{
    pd_error *err = NULL;
    int fd = pd_open_in_root(rootfd, "/up/created", O_CREAT | O_WRONLY, 0600, &err);
    CHECK(fd >= 0);
    CHECK(exists(at(root, "created")));
    CHECK(!exists("/created"));
    CHECK(!exists(at(tmp, "created")));
    if (fd >= 0) {
        CHECK(same_file(fd, at(root, "created")));
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        close(fd);
    }
    pd_error_free(err);
}

static void test_open_relative_and_root(void)
{
    pd_error *err = NULL;
    int fd = pd_open_in_root(rootfd, "etc/file", O_RDONLY, 0, &err);
    CHECK(fd >= 0 && same_file(fd, at(root, "etc/file")));
    if (fd >= 0)
        close(fd);
    fd = pd_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, &err);
    CHECK(fd >= 0 && same_file(fd, root));
    if (fd >= 0)
        close(fd);
    fd = pd_open_in_root(rootfd, "/../../..", O_PATH | O_DIRECTORY, 0, &err);
    CHECK(fd >= 0 && same_file(fd, root));
    if (fd >= 0)
        close(fd);
    CHECK(err == NULL);
    pd_error_free(err);
}

static void test_open_absolute_host_link(void)
{
    /* abs -> TMP/outside: resolved inside the root, where it does not exist */
    pd_error *err = NULL;
    int fd = pd_open_in_root(rootfd, "/abs", O_PATH, 0, &err);
    CHECK(fd < 0);
    CHECK(err != NULL && err->errnum == ENOENT);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "/abs");
    pd_error_free(err);
}

static void test_open_no_magiclinks(void)
{
    pd_error *err = NULL;
    int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = pd_open_in_root(slash, "/proc/self/root/etc", O_PATH, 0, &err);
    CHECK(fd < 0);
    CHECK(err != NULL);
    if (fd >= 0)
        close(fd);
    close(slash);
    pd_error_free(err);
}

static void test_mkpath_through_absolute_link(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/abs/sub", false, &err);
    CHECK(fd >= 0);
    char *inside = at(root, tmp + 1); /* ROOT/tmp/pd-safepath.X */
    char want[PATH_MAX * 3];
    snprintf(want, sizeof(want), "%s/outside/sub", inside);
    CHECK(exists(want));
    CHECK(!exists(at(tmp, "outside/sub")));
    if (fd >= 0) {
        CHECK(same_file(fd, want));
        int fl = fcntl(fd, F_GETFL);
        CHECK(fl >= 0 && (fl & O_PATH));
        close(fd);
    }
    pd_error_free(err);
}

static void test_mkpath_through_relative_link(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/rel/x/y", false, &err);
    CHECK(fd >= 0);
    CHECK(exists(at(root, "outside/x/y")));
    CHECK(!exists(at(tmp, "outside/x")));
    if (fd >= 0) {
        CHECK(same_file(fd, at(root, "outside/x/y")));
        close(fd);
    }
    pd_error_free(err);
}

static void test_mkpath_dangling_links(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/dangling/f", true, &err);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(lstat(at(root, "newdir/f"), &st) == 0 && S_ISREG(st.st_mode));
    CHECK(!exists("/newdir") && !exists(at(tmp, "newdir")));
    if (fd >= 0)
        close(fd);

    /* etc/evil -> /../../../tmp: ROOT/tmp is created, not the host's /tmp */
    fd = pd_mkpath_in_root(rootfd, "/etc/evil/pd-marker-dir", false, &err);
    CHECK(fd >= 0);
    CHECK(exists(at(root, "tmp/pd-marker-dir")));
    CHECK(!exists("/tmp/pd-marker-dir"));
    if (fd >= 0)
        close(fd);

    /* relative dangling link whose target climbs out */
    fd = pd_mkpath_in_root(rootfd, "/etc/reldangle", true, &err);
    CHECK(fd >= 0);
    CHECK(lstat(at(root, "outside/reldangle"), &st) == 0 && S_ISREG(st.st_mode));
    CHECK(!exists(at(tmp, "outside/reldangle")));
    if (fd >= 0)
        close(fd);
    CHECK(err == NULL);
    pd_error_free(err);
}

static void test_mkpath_dotdot_path(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/../../etc/./new//deep/", false, &err);
    CHECK(fd >= 0);
    CHECK(exists(at(root, "etc/new/deep")));
    if (fd >= 0)
        close(fd);
    pd_error_free(err);
}

static void test_mkpath_existing(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/etc/file", true, &err);
    CHECK(fd >= 0 && same_file(fd, at(root, "etc/file")));
    if (fd >= 0)
        close(fd);
    fd = pd_mkpath_in_root(rootfd, "/etc", false, &err);
    CHECK(fd >= 0 && same_file(fd, at(root, "etc")));
    if (fd >= 0)
        close(fd);
    fd = pd_mkpath_in_root(rootfd, "/", false, &err);
    CHECK(fd >= 0 && same_file(fd, root));
    if (fd >= 0)
        close(fd);
    CHECK(err == NULL);
    pd_error_free(err);
}

static void test_mkpath_errors(void)
{
    pd_error *err = NULL;
    int fd = pd_mkpath_in_root(rootfd, "/etc/file/below", false, &err);
    CHECK(fd < 0);
    CHECK(err != NULL && err->errnum == ENOTDIR);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "/etc/file/below");
    pd_error_free(err);
    err = NULL;

    fd = pd_mkpath_in_root(rootfd, "/a/x", false, &err);
    CHECK(fd < 0);
    CHECK(err != NULL && err->errnum == ELOOP);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "/a/x");
    pd_error_free(err);
    err = NULL;

    fd = pd_mkpath_in_root(rootfd, "/", true, &err);
    CHECK(fd < 0 && err != NULL);
    pd_error_free(err);
}

int main(void)
{
    setup();
    RUN(test_fd_path);
    RUN(test_open_dotdot_clamped);
    RUN(test_open_relative_and_root);
    RUN(test_open_absolute_host_link);
    RUN(test_open_no_magiclinks);
    RUN(test_mkpath_through_absolute_link);
    RUN(test_mkpath_through_relative_link);
    RUN(test_mkpath_dangling_links);
    RUN(test_mkpath_dotdot_path);
    RUN(test_mkpath_existing);
    RUN(test_mkpath_errors);
    close(rootfd);
    pd_error *err = NULL;
    if (pd_rm_rf(tmp, &err) < 0) {
        printf("# cleanup: %s\n", err->msg);
        pd_error_free(err);
    }
    UNIT_EXIT();
}
