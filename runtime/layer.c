/* paddock store: overlayfs layer trees.  See layer.h. */
#define _GNU_SOURCE
#include "layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define MAX_DEPTH 400

bool pd_layer_is_whiteout(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool fd_opaque(int fd)
{
    char v[4];
    ssize_t n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
    if (n <= 0)
        n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
    return n > 0 && v[0] == 'y';
}

bool pd_layer_is_opaque(int dirfd, const char *name)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd >= 0 && fd_opaque(fd);
}

int pd_copy_data(int src, int dst, const char *what, pd_error **err)
{
    if (ioctl(dst, FICLONE, src) == 0)
        return 0;
    bool kernel = true;
    for (;;) {
        ssize_t n;
        if (kernel) {
            n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                kernel = false;
                continue;
            }
        } else {
            char buf[65536];
            n = read(src, buf, sizeof(buf));
            if (n > 0 && pd_write_all(dst, buf, (size_t)n) < 0)
                return pd_fail_errno(err, "write %s", what);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return pd_fail_errno(err, "copy %s", what);
        if (n == 0)
            return 0;
    }
}

int pd_copy_xattrs(int src, int dst, const char *what, pd_error **err)
{
    char names[8192];
    ssize_t len = flistxattr(src, names, sizeof(names));
    if (len < 0)
        return errno == ENOTSUP || errno == EOPNOTSUPP ? 0 : pd_fail_errno(err, "list xattrs of %s", what);
    for (char *n = names; n < names + len; n += strlen(n) + 1) {
        if (strncmp(n, "user.", 5) != 0 && strncmp(n, "trusted.overlay.", 16) != 0)
            continue;
        char value[65536];
        ssize_t vl = fgetxattr(src, n, value, sizeof(value));
        if (vl < 0) {
            if (errno == ENODATA || errno == EPERM)
                continue;
            return pd_fail_errno(err, "read xattr %s of %s", n, what);
        }
        /* EPERM: trusted.* without the capability; ENOTSUP: the destination
         * (a tmpfs without user xattrs) cannot hold it */
        if (fsetxattr(dst, n, value, (size_t)vl, 0) < 0 && errno != EPERM && errno != ENOTSUP &&
            errno != EOPNOTSUPP)
            return pd_fail_errno(err, "set xattr %s on %s", n, what);
    }
    return 0;
}

/* Owner (root only: anyone else owns what they create), mode and times. */
static int set_meta(int dst, const char *name, const struct stat *st, pd_error **err)
{
    if (geteuid() == 0 &&
        fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
        errno != EINVAL)
        return pd_fail_errno(err, "chown %s", name);
    if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
        return pd_fail_errno(err, "chmod %s", name);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return pd_fail_errno(err, "set the times of %s", name);
    return 0;
}

static int copy_tree(int src, int dst, struct pd_layer_stats *st, int depth, pd_error **err);

static int copy_dir(int src, int dst, const char *name, const struct stat *sst,
                    struct pd_layer_stats *st, int depth, pd_error **err)
{
    if (mkdirat(dst, name, 0700) < 0)
        return pd_fail_errno(err, "mkdir %s", name);
    _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || d < 0)
        return pd_fail_errno(err, "open %s", name);
    if (pd_copy_xattrs(s, d, name, err) < 0 || copy_tree(s, d, st, depth + 1, err) < 0)
        return pd_wrap(err, "%s", name);
    return set_meta(dst, name, sst, err);
}

static int copy_file(int src, int dst, const char *name, const struct stat *sst, pd_error **err)
{
    _cleanup_close_ int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0)
        return pd_fail_errno(err, "open %s", name);
    _cleanup_close_ int d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (d < 0)
        return pd_fail_errno(err, "create %s", name);
    if (pd_copy_data(s, d, name, err) < 0 || pd_copy_xattrs(s, d, name, err) < 0)
        return -1;
    (void)sst;
    return 0;
}

/* One entry (not a directory) of src into dst, as it is. */
static int copy_leaf(int src, int dst, const char *name, const struct stat *sst, pd_error **err)
{
    if (S_ISREG(sst->st_mode)) {
        if (copy_file(src, dst, name, sst, err) < 0)
            return -1;
    } else if (S_ISLNK(sst->st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
        if (n < 0)
            return pd_fail_errno(err, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0)
            return pd_fail_errno(err, "symlink %s", name);
    } else if (S_ISFIFO(sst->st_mode) || pd_layer_is_whiteout(sst)) {
        if (mknodat(dst, name, sst->st_mode & (S_IFMT | 07777), sst->st_rdev) < 0)
            return pd_fail_errno(err, "mknod %s", name);
    } else if (S_ISSOCK(sst->st_mode)) {
        return 0; /* a socket is nothing without its process */
    } else if (mknodat(dst, name, sst->st_mode, sst->st_rdev) < 0) {
        return pd_fail_errno(err, "mknod %s (a device node)", name);
    }
    return set_meta(dst, name, sst, err);
}

static int copy_entry(int src, int dst, const char *name, const struct stat *sst,
                      struct pd_layer_stats *st, int depth, pd_error **err)
{
    if (S_ISDIR(sst->st_mode))
        return copy_dir(src, dst, name, sst, st, depth, err);
    if (S_ISSOCK(sst->st_mode))
        return 0;
    if (st != NULL) {
        st->files++;
        if (S_ISREG(sst->st_mode))
            st->bytes += (uint64_t)sst->st_size;
    }
    return copy_leaf(src, dst, name, sst, err);
}

/* Call fn for each entry of dir (but . and ..). */
typedef int (*entry_fn)(int dir, const char *name, const struct stat *st, void *arg, pd_error **err);

static int each_entry(int dir, entry_fn fn, void *arg, pd_error **err)
{
    int dfd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return pd_fail_errno(err, "open a directory");
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return pd_fail_errno(err, "opendir");
    }
    int r = 0;
    struct dirent *e;
    while (r == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            r = errno == ENOENT ? 0 : pd_fail_errno(err, "stat %s", e->d_name);
        else
            r = fn(dir, e->d_name, &st, arg, err);
    }
    if (r == 0 && errno != 0)
        r = pd_fail_errno(err, "readdir");
    closedir(d);
    return r;
}

struct copy_arg {
    int dst;
    struct pd_layer_stats *st;
    int depth;
};

static int copy_one(int dir, const char *name, const struct stat *st, void *arg, pd_error **err)
{
    struct copy_arg *a = arg;
    return copy_entry(dir, a->dst, name, st, a->st, a->depth, err);
}

static int copy_tree(int src, int dst, struct pd_layer_stats *st, int depth, pd_error **err)
{
    if (depth > MAX_DEPTH)
        return pd_fail(err, ELOOP, "directory tree deeper than %d", MAX_DEPTH);
    struct copy_arg a = {dst, st, depth};
    return each_entry(src, copy_one, &a, err);
}

int pd_layer_copy(int src, int dst, struct pd_layer_stats *st, pd_error **err)
{
    if (st != NULL)
        *st = (struct pd_layer_stats){0, 0};
    if (pd_copy_xattrs(src, dst, "the layer", err) < 0)
        return -1;
    return copy_tree(src, dst, st, 0, err);
}

/* ---- count, empty, remove ---- */

static int count_one(int dir, const char *name, const struct stat *st, void *arg, pd_error **err)
{
    struct pd_layer_stats *s = arg;
    if (!S_ISDIR(st->st_mode)) {
        s->files++;
        if (S_ISREG(st->st_mode))
            s->bytes += (uint64_t)st->st_size;
        return 0;
    }
    _cleanup_close_ int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return pd_fail_errno(err, "open %s", name);
    return each_entry(sub, count_one, s, err) < 0 ? pd_wrap(err, "%s", name) : 0;
}

int pd_layer_count(int dir, struct pd_layer_stats *st, pd_error **err)
{
    *st = (struct pd_layer_stats){0, 0};
    return each_entry(dir, count_one, st, err);
}

static int not_empty(int dir, const char *name, const struct stat *st, void *arg, pd_error **err)
{
    (void)dir, (void)name, (void)st, (void)err;
    *(bool *)arg = false;
    return 1; /* stop */
}

int pd_layer_empty(int dir, bool *empty, pd_error **err)
{
    *empty = true;
    return each_entry(dir, not_empty, empty, err) < 0 ? -1 : 0;
}

static int remove_one(int dir, const char *name, const struct stat *st, void *arg, pd_error **err)
{
    int depth = *(int *)arg;
    if (!S_ISDIR(st->st_mode)) {
        if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
            return pd_fail_errno(err, "remove %s", name);
        return 0;
    }
    if (depth > MAX_DEPTH)
        return pd_fail(err, ELOOP, "remove %s: directory tree too deep", name);
    if ((st->st_mode & 0700) != 0700 && fchmodat(dir, name, 0700, 0) < 0 && errno != ENOENT)
        return pd_fail_errno(err, "chmod %s", name);
    _cleanup_close_ int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return errno == ENOENT ? 0 : pd_fail_errno(err, "open %s", name);
    int d = depth + 1;
    if (each_entry(sub, remove_one, &d, err) < 0)
        return pd_wrap(err, "%s", name);
    if (unlinkat(dir, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return pd_fail_errno(err, "remove %s", name);
    return 0;
}

int pd_layer_remove(int dirfd, const char *name, pd_error **err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : pd_fail_errno(err, "stat %s", name);
    int depth = 0;
    return remove_one(dirfd, name, &st, &depth, err);
}

/* ---- merge (flatten) ---- */

static int merge_tree(int src, int dst, int depth, pd_error **err);

struct merge_arg {
    int dst;
    int depth;
};

/* Mark the directory name in dst opaque. */
static int set_opaque(int dst, const char *name, pd_error **err)
{
    _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0 || fsetxattr(d, "user.overlay.opaque", "y", 1, 0) < 0)
        return pd_fail_errno(err, "mark %s opaque", name);
    return 0;
}

/* src's directory name over what dst holds there (dst_has, dstat). */
static int merge_dir(int src, int dst, const char *name, const struct stat *sst, bool dst_has,
                     const struct stat *dstat, int depth, pd_error **err)
{
    bool opaque = pd_layer_is_opaque(src, name);
    if (!opaque && dst_has && S_ISDIR(dstat->st_mode)) {
        _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return pd_fail_errno(err, "open %s", name);
        if (merge_tree(s, d, depth + 1, err) < 0)
            return pd_wrap(err, "%s", name);
        return set_meta(dst, name, sst, err);
    }
    /* a whiteout or a non-directory below hides the base: the directory
     * now stands alone, i.e. it is opaque */
    bool hides = opaque || (dst_has && !S_ISDIR(dstat->st_mode));
    if (dst_has && pd_layer_remove(dst, name, err) < 0)
        return -1;
    if (copy_dir(src, dst, name, sst, NULL, depth, err) < 0)
        return -1;
    return hides ? set_opaque(dst, name, err) : 0;
}

static int merge_one(int src, const char *name, const struct stat *sst, void *arg, pd_error **err)
{
    struct merge_arg *a = arg;
    struct stat dstat;
    bool dst_has = fstatat(a->dst, name, &dstat, AT_SYMLINK_NOFOLLOW) == 0;
    if (!dst_has && errno != ENOENT)
        return pd_fail_errno(err, "stat %s", name);
    if (S_ISDIR(sst->st_mode))
        return merge_dir(src, a->dst, name, sst, dst_has, &dstat, a->depth, err);
    if (S_ISSOCK(sst->st_mode))
        return 0;
    if (dst_has && pd_layer_remove(a->dst, name, err) < 0)
        return -1;
    return copy_leaf(src, a->dst, name, sst, err);
}

static int merge_tree(int src, int dst, int depth, pd_error **err)
{
    if (depth > MAX_DEPTH)
        return pd_fail(err, ELOOP, "directory tree deeper than %d", MAX_DEPTH);
    struct merge_arg a = {dst, depth};
    return each_entry(src, merge_one, &a, err);
}

int pd_layer_merge(const int *layers, size_t n, int dst, pd_error **err)
{
    for (size_t i = 0; i < n; i++)
        if (merge_tree(layers[i], dst, 0, err) < 0)
            return pd_wrap(err, "layer %zu of %zu", n - i, n);
    return 0;
}
