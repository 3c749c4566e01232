/* paddock: resolve and create paths inside a rootfs without leaving it.
 * Every lookup goes through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * from the rootfs fd, so ".." and absolute symlinks are clamped to it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MAX_SYMLINK_FOLLOWS 40

static const char *rel_path(const char *path)
{
    while (*path == '/')
        path++;
    return *path != '\0' ? path : ".";
}

/* openat2(2) with how; -1 with errno set.  EAGAIN (a concurrent rename
 * while resolving "..") and EINTR are retried a few times. */
static int openat2_retry(int rootfd, const char *path, const struct open_how *how)
{
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, rootfd, rel_path(path), how, sizeof(*how));
        if (fd >= 0)
            return (int)fd;
        if ((errno != EAGAIN && errno != EINTR) || tries >= 32)
            return -1;
    }
}

/* openat2 in the root (symlinks resolved inside it). */
static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return openat2_retry(rootfd, path, &how);
}

static int fail_openat2(pd_error **err, const char *what, const char *path)
{
    if (errno == ENOSYS)
        return pd_failx(err, "%s %s: openat2(2) is not available: paddock needs Linux >= 5.6",
                        what, path);
    return pd_fail_errno(err, "%s %s", what, path);
}

int pd_open_in_root(int rootfd, const char *path, int flags, mode_t mode, pd_error **err)
{
    int fd = openat2_in_root(rootfd, path, flags, mode);
    if (fd < 0)
        return fail_openat2(err, "open", path);
    return fd;
}

int pd_open_nosymlinks(int rootfd, const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return openat2_retry(rootfd, path, &how);
}

const char *pd_fd_path(int fd, char *buf, size_t len)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
    return buf;
}

/* Split path into its non-empty, non-"." components (NULL-terminated). */
static char **split_path(const char *path, size_t *n)
{
    _cleanup_free_ char *copy = pd_xstrdup(path);
    char **v = pd_xcalloc(strlen(path) / 2 + 2, sizeof(char *));
    size_t k = 0;
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") != 0)
            v[k++] = pd_xstrdup(c);
    }
    v[k] = NULL;
    *n = k;
    return v;
}

static char *join_components(char **v, size_t from, size_t to)
{
    char *s = pd_xstrdup("");
    for (size_t i = from; i < to; i++) {
        char *t = pd_xasprintf("%s%s%s", s, *s ? "/" : "", v[i]);
        free(s);
        s = t;
    }
    return s;
}

/* Component i of v is a dangling symlink `target`: the path to walk next. */
static char *follow_dangling(char **v, size_t n, size_t i, const char *target)
{
    _cleanup_free_ char *before = join_components(v, 0, i);
    _cleanup_free_ char *after = join_components(v, i + 1, n);
    if (target[0] == '/')
        return pd_xasprintf("%s/%s", target, after);
    return pd_xasprintf("/%s/%s/%s", before, target, after);
}

/* Create component `name` in parentfd.  Returns 0 when created (or when a
 * racing creator won), 1 with *next set when it is a dangling symlink. */
static int create_component(int parentfd, char **v, size_t n, size_t i, bool as_file,
                            char **next)
{
    const char *name = v[i];
    int r;
    if (i == n - 1 && as_file) {
        r = openat(parentfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0)
            close(r);
    } else {
        r = mkdirat(parentfd, name, 0755);
    }
    if (r >= 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    char target[PATH_MAX];
    ssize_t len = readlinkat(parentfd, name, target, sizeof(target) - 1);
    if (len < 0)
        return errno == EINVAL ? 0 : -1; /* not a symlink: created meanwhile */
    target[len] = '\0';
    *next = follow_dangling(v, n, i, target);
    return 1;
}

/* One walk over path.  Returns 0 with *out, 1 with *next (restart there
 * after a dangling symlink), -errno on failure (taken before the cleanups). */
static int walk_once(int rootfd, const char *path, bool as_file, int *out, char **next)
{
    size_t n = 0;
    _cleanup_strv_ char **v = split_path(path, &n);
    if (n == 0) {
        if (as_file)
            return -EISDIR;
        *out = openat2_in_root(rootfd, ".", O_PATH, 0);
        return *out < 0 ? -errno : 0;
    }
    _cleanup_close_ int parent = -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *prefix = join_components(v, 0, i + 1);
        int fd = openat2_in_root(rootfd, prefix, O_PATH, 0);
        if (fd < 0 && errno == ENOENT) {
            int r = create_component(parent >= 0 ? parent : rootfd, v, n, i, as_file, next);
            if (r != 0)
                return r < 0 ? -errno : r;
            fd = openat2_in_root(rootfd, prefix, O_PATH, 0);
        }
        if (fd < 0)
            return -errno;
        pd_closep(&parent);
        parent = fd;
    }
    *out = pd_steal_fd(&parent);
    return 0;
}

int pd_mkpath_in_root(int rootfd, const char *path, bool as_file, pd_error **err)
{
    _cleanup_free_ char *cur = pd_xstrdup(path);
    for (int follows = 0; follows <= MAX_SYMLINK_FOLLOWS; follows++) {
        int fd = -1;
        char *next = NULL;
        int r = walk_once(rootfd, cur, as_file, &fd, &next);
        if (r == 0)
            return fd;
        if (r < 0) {
            errno = -r;
            return fail_openat2(err, as_file ? "create file" : "create directory", path);
        }
        free(cur);
        cur = next;
    }
    return pd_fail(err, ELOOP, "create %s", path);
}
