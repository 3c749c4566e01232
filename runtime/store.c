/* paddock store: see store.h. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"
#include "util.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#define FUSE_SUPER_MAGIC 0x65735546
#define OVL_MAX_STACK 500
#define JSON_MAX (1u << 20)

char *pd_store_path(const char *dir)
{
    if (dir != NULL && dir[0] != '\0')
        return pd_xstrdup(dir);
    const char *env = getenv("PADDOCK_STORE");
    if (env != NULL && env[0] != '\0')
        return pd_xstrdup(env);
    if (geteuid() == 0 && pd_in_initial_userns())
        return pd_xstrdup("/var/lib/paddock/store");
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg != NULL && xdg[0] == '/')
        return pd_xasprintf("%s/paddock/store", xdg);
    const char *home = getenv("HOME");
    if (home != NULL && home[0] == '/')
        return pd_xasprintf("%s/.local/share/paddock/store", home);
    return pd_xasprintf("/var/tmp/paddock-store-%u", (unsigned)geteuid());
}

int pd_store_check_name(const char *what, const char *name, pd_error **err)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= 128 &&
              ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
               (name[0] >= '0' && name[0] <= '9'));
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    }
    if (!ok)
        return pd_failx(err, "%s \"%s\": expected a letter or digit, then letters, digits, "
                        "'_', '.' or '-' (at most 128)", what, name);
    return 0;
}

int pd_store_missing(pd_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    pd_failx(err, "%s", msg ? msg : "not found");
    if (err != NULL && *err != NULL)
        (*err)->errnum = ENOENT;
    return -1;
}

int pd_store_fsync(int fd, const char *what, pd_error **err)
{
    if (fsync(fd) < 0)
        return pd_fail_errno(err, "fsync %s", what);
    return 0;
}

int pd_store_write(int dirfd, const char *name, const char *data, size_t len, pd_error **err)
{
    char tmp[300];
    if (snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid()) >= (int)sizeof(tmp))
        return pd_fail(err, ENAMETOOLONG, "write %s", name);
    _cleanup_close_ int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return pd_fail_errno(err, "create %s", tmp);
    if (pd_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        pd_fail_errno(err, "write %s", tmp);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        pd_fail_errno(err, "rename %s to %s", tmp, name);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return pd_store_fsync(dirfd, name, err);
}

int pd_store_read(int dirfd, const char *name, char **out, pd_error **err)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return pd_fail_errno(err, "open %s", name);
    if (pd_read_fd(fd, JSON_MAX, out, NULL, err) < 0)
        return pd_wrap(err, "%s", name);
    return 0;
}

void pd_store_token(char buf[17])
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid();
    }
    snprintf(buf, 17, "%016llx", (unsigned long long)v);
}

void pd_store_fault(const char *point)
{
    const char *f = getenv("PADDOCK_FAULT");
    if (f != NULL && strcmp(f, point) == 0)
        kill(getpid(), SIGKILL);
}

int pd_openat_beneath(int dirfd, const char *rel, int flags, int mode)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? (unsigned long long)mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, dirfd, rel[0] ? rel : ".", &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if ((errno != EAGAIN && errno != EINTR) || tries >= 32)
            return -1;
    }
}

size_t pd_overlay_max_lowers(void)
{
    unsigned long long v = 0;
    const char *e = getenv("PADDOCK_OVERLAY_MAX_LAYERS");
    if (e != NULL && pd_parse_u64(e, &v) && v >= 1 && v < OVL_MAX_STACK)
        return (size_t)v;
    return OVL_MAX_STACK;
}

int pd_overlay_check_path(const char *what, const char *path, pd_error **err)
{
    if (path[0] != '/')
        return pd_failx(err, "%s %s: not an absolute path", what, path);
    if (strpbrk(path, ":,\\\n") != NULL)
        return pd_failx(err, "%s %s: overlayfs can't take a layer path with ':', ',', '\\' or "
                        "a newline", what, path);
    return 0;
}

/* ---- open ---- */

/* Refuse a filesystem overlayfs can't use for upper layers, saying why. */
static int check_fs(int fd, const char *path, pd_error **err)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return pd_fail_errno(err, "statfs %s", path);
    if (sfs.f_type == OVERLAYFS_SUPER_MAGIC || sfs.f_type == FUSE_SUPER_MAGIC)
        return pd_failx(err, "store %s is on %s, which can't hold an overlayfs upper layer: "
                        "choose a store on ext4, xfs, btrfs or tmpfs (paddock --store DIR, or "
                        "PADDOCK_STORE)", path,
                        sfs.f_type == FUSE_SUPER_MAGIC ? "a FUSE filesystem" : "overlayfs");
    if (fsetxattr(fd, "user.paddock.probe", "1", 1, 0) < 0) {
        if (errno == ENOTSUP || errno == EOPNOTSUPP)
            return pd_failx(err, "store %s: its filesystem has no user.* extended attributes, "
                            "which rootless overlayfs (userxattr) needs: choose another store "
                            "(paddock --store DIR, or PADDOCK_STORE)", path);
        if (errno != EPERM && errno != EACCES)
            return pd_fail_errno(err, "store %s: set a user.* extended attribute", path);
    }
    fremovexattr(fd, "user.paddock.probe");
    return 0;
}

static int open_sub(struct pd_store *s, const char *name, bool create, int *out, pd_error **err)
{
    if (create && mkdirat(s->fd, name, 0700) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "create %s/%s", s->path, name);
    *out = openat(s->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*out < 0)
        return pd_fail_errno(err, "open %s/%s", s->path, name);
    return 0;
}

static int open_locked(struct pd_store *s, bool create, pd_error **err)
{
    if (create && pd_mkdir_p(s->path, 0700, err) < 0)
        return pd_wrap(err, "store");
    s->fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->fd < 0) {
        if (errno == ENOENT)
            return pd_store_missing(err, "store %s: no workspace or snapshot yet", s->path);
        return pd_fail_errno(err, "open the store %s", s->path);
    }
    if (create && check_fs(s->fd, s->path, err) < 0)
        return -1;
    s->lock = openat(s->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lock < 0)
        return pd_fail_errno(err, "open %s/lock", s->path);
    if (flock(s->lock, LOCK_EX) < 0)
        return pd_fail_errno(err, "lock the store %s", s->path);
    /* a store made by an older run may lack a directory: create it even
     * when not asked to create the store */
    if (open_sub(s, "workspaces", true, &s->ws_fd, err) < 0 ||
        open_sub(s, "snapshots", true, &s->snap_fd, err) < 0)
        return -1;
    return 0;
}

int pd_store_open(const char *dir, bool create, struct pd_store **out, pd_error **err)
{
    struct pd_store *s = pd_xcalloc(1, sizeof(*s));
    s->path = pd_store_path(dir);
    s->fd = s->lock = s->ws_fd = s->snap_fd = -1;
    if (s->path[0] != '/') {
        pd_failx(err, "store %s: not an absolute path", s->path);
        pd_store_close(s);
        return -1;
    }
    if (open_locked(s, create, err) < 0 || pd_snapshot_recover(s, err) < 0) {
        pd_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void pd_store_unlock(struct pd_store *s)
{
    if (s != NULL && s->lock >= 0) {
        close(s->lock); /* releases the flock */
        s->lock = -1;
    }
}

void pd_store_close(struct pd_store *s)
{
    if (s == NULL)
        return;
    pd_store_unlock(s);
    if (s->fd >= 0)
        close(s->fd);
    if (s->ws_fd >= 0)
        close(s->ws_fd);
    if (s->snap_fd >= 0)
        close(s->snap_fd);
    free(s->path);
    free(s);
}

int pd_store_journal_begin(struct pd_store *s, const char *json, pd_error **err)
{
    return pd_store_write(s->fd, "journal.json", json, strlen(json), err);
}

int pd_store_journal_end(struct pd_store *s, pd_error **err)
{
    if (unlinkat(s->fd, "journal.json", 0) < 0 && errno != ENOENT)
        return pd_fail_errno(err, "remove %s/journal.json", s->path);
    return pd_store_fsync(s->fd, "the store", err);
}
