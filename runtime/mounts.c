/* paddock apply: the config's .mounts, in order, inside the new rootfs.
 *
 * Every destination is resolved with openat2(RESOLVE_IN_ROOT) and mounted
 * on through its /proc/self/fd path or by fd (move_mount), never through a
 * path string a container could swap for a symlink (CVE-2021-30465).
 * Bind mounts use the new mount API: open_tree(OPEN_TREE_CLONE), then
 * mount_setattr() on the detached clone, then move_mount(), so a read-only
 * bind is never visible read-write and flags the kernel locks in a user
 * namespace are left alone (only what the options ask for changes). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "layer.h"
#include "log.h"
#include "overlay_mount.h"
#include "safepath.h"
#include "util.h"
#include "sys_compat.h"

#define FD_PATH_LEN 64
#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* ---- flags -> MOUNT_ATTR_* ---- */

struct attr_pair {
    uint64_t set, clr;
};

static struct attr_pair flags_to_attr(unsigned long flags)
{
    static const struct {
        unsigned long ms;
        uint64_t attr;
    } map[] = {
        {MS_RDONLY, MOUNT_ATTR_RDONLY},   {MS_NOSUID, MOUNT_ATTR_NOSUID},
        {MS_NODEV, MOUNT_ATTR_NODEV},     {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
        {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
    };
    struct attr_pair a = {0, 0};
    for (size_t i = 0; i < PD_ARRAY_SIZE(map); i++)
        if (flags & map[i].ms)
            a.set |= map[i].attr;
    /* atime is one value for mount_setattr: set it with all of _ATIME cleared */
    if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
        a.clr |= MOUNT_ATTR__ATIME;
        if (flags & MS_NOATIME)
            a.set |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
            a.set |= MOUNT_ATTR_STRICTATIME;
    }
    return a;
}

/* mount_setattr on fd itself.  Clearing a flag the kernel locked (a user
 * namespace's view of a nosuid/ro host mount) fails with EPERM: then keep
 * the locked state, as runc does, and only set what was asked. */
static int set_attr(int fd, bool recursive, uint64_t set, uint64_t clr, pd_error **err)
{
    if (set == 0 && clr == 0)
        return 0;
    unsigned int at = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    struct mount_attr a = {.attr_set = set, .attr_clr = clr};
    if (mount_setattr(fd, "", at, &a, sizeof(a)) == 0)
        return 0;
    if (errno == EPERM && clr != 0) {
        struct mount_attr b = {.attr_set = set & ~(uint64_t)MOUNT_ATTR__ATIME};
        if (b.attr_set == 0 || mount_setattr(fd, "", at, &b, sizeof(b)) == 0)
            return 0;
    }
    return pd_fail_errno(err, "mount_setattr%s (set %#llx, clear %#llx)",
                         recursive ? " recursive" : "", (unsigned long long)set,
                         (unsigned long long)clr);
}

int pd_bind_onto(int dirfd, const char *path, bool recursive, uint64_t set, uint64_t clr,
                 bool attr_rec, int dest_fd, pd_error **err)
{
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (path[0] == '\0')
        flags |= AT_EMPTY_PATH;
    _cleanup_close_ int tree = open_tree(dirfd, path, flags);
    if (tree < 0)
        return pd_fail_errno(err, "open_tree %s", path[0] ? path : "(fd)");
    if (set_attr(tree, attr_rec, set, clr, err) < 0)
        return -1;
    if (move_mount(tree, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return pd_fail_errno(err, "move_mount");
    return pd_steal_fd(&tree);
}

/* ---- destination checks ---- */

static int mount_id(int fd, uint64_t *id, bool *is_root)
{
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0)
        return -1;
    *id = sx.stx_mnt_id;
    if (is_root != NULL)
        *is_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                   (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    return 0;
}

/* After mounting on dest_fd: resolve the destination again (it now leads to
 * the new mount) and make sure it is a new mount root, i.e. the path was
 * not swapped under us.  Returns an O_PATH fd of the new mount. */
static int reopen_top(int rootfd, const char *dest, int dest_fd, pd_error **err)
{
    _cleanup_close_ int fd = pd_open_in_root(rootfd, dest, O_PATH, 0, err);
    if (fd < 0)
        return -1;
    uint64_t before, after;
    bool root = false;
    if (mount_id(dest_fd, &before, NULL) < 0 || mount_id(fd, &after, &root) < 0)
        return pd_fail_errno(err, "statx %s", dest);
    if (before == after || !root)
        return pd_failx(err, "%s changed while it was being mounted on", dest);
    return pd_steal_fd(&fd);
}

static int set_propagation(int fd, unsigned long propagation, pd_error **err)
{
    if (propagation == 0)
        return 0;
    char p[FD_PATH_LEN];
    if (mount(NULL, pd_fd_path(fd, p, sizeof(p)), NULL, propagation, NULL) < 0)
        return pd_fail_errno(err, "set propagation %#lx", propagation);
    return 0;
}

/* ---- bind ---- */

/* A detached copy of the tree at (at, path) ("" with at: at itself),
 * op's attributes set on it (the top mount's, then the recursive ones),
 * moved onto dest. */
static int bind_tree(const struct pd_mount_op *op, int at, const char *path, int dest,
                     pd_error **err)
{
    struct attr_pair top = flags_to_attr(op->fl.flags);
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (*path == '\0' ? AT_EMPTY_PATH : 0);
    if (op->fl.recursive_bind)
        flags |= AT_RECURSIVE;
    _cleanup_close_ int tree = open_tree(at, path, flags);
    if (tree < 0)
        return pd_fail_errno(err, "open_tree %s", op->source);
    if (set_attr(tree, false, top.set, top.clr, err) < 0 ||
        set_attr(tree, true, op->fl.rec_attr_set, op->fl.rec_attr_clr, err) < 0)
        return -1;
    if (move_mount(tree, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return pd_fail_errno(err, "bind %s", op->source);
    return 0;
}

static int apply_bind(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    struct stat st;
    if (op->source == NULL)
        return pd_failx(err, "bind mount without a source");
    if (stat(op->source, &st) < 0)
        return pd_fail_errno(err, "bind source %s", op->source);
    _cleanup_close_ int dest = pd_mkpath_in_root(rootfd, op->dest, !S_ISDIR(st.st_mode), err);
    if (dest < 0)
        return -1;
    /* attributes of the top mount first, then the recursive ones.  Like a
     * runc bind, the plain options only add restrictions: "rw" does not make
     * a read-only source writable (the explicit "rrw" ... forms do). */
    if (bind_tree(op, AT_FDCWD, op->source, dest, err) < 0)
        return -1;
    _cleanup_close_ int now = reopen_top(rootfd, op->dest, dest, err);
    if (now < 0)
        return -1;
    return set_propagation(now, op->fl.propagation, err);
}

/* x-paddock-nofollow: the sandbox's protected path bound onto itself, with
 * no symlink followed on either side, from the very inode its scan saw
 * (source and destination must be one file), fd to fd: a symlink swapped
 * into the path since the scan (CVE-2021-30465 class) can neither lead the
 * bind elsewhere nor leave the path unprotected; the start fails instead.
 * x-paddock-symlink: the path is a symlink, pinned by the bind (a mount
 * point can't be removed or renamed). */
static int apply_bind_nofollow(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    /* the source from our root, as apply_bind's open_tree has it */
    _cleanup_close_ int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (slash < 0)
        return pd_fail_errno(err, "open /");
    _cleanup_close_ int src = pd_open_nosymlinks(slash, op->source);
    _cleanup_close_ int dest = src < 0 ? -1 : pd_open_nosymlinks(rootfd, op->dest);
    if (src < 0 || dest < 0) {
        if (errno == ELOOP)
            return pd_failx(err, "protected path %s: a symlink appeared in its path while the "
                            "sandbox started; not started", op->dest);
        return pd_fail_errno(err, "protected path %s", op->dest);
    }
    struct stat ss, ds;
    struct statfs dfs;
    if (fstat(src, &ss) < 0 || fstat(dest, &ds) < 0 || fstatfs(dest, &dfs) < 0)
        return pd_fail_errno(err, "stat %s", op->dest);
    /* The same file, resolved twice; in an overlay workspace the
     * destination is the merged view of the source (another inode): there,
     * the same type of file */
    bool same = dfs.f_type == OVERLAYFS_SUPER_MAGIC
                    ? (ss.st_mode & S_IFMT) == (ds.st_mode & S_IFMT)
                    : ss.st_dev == ds.st_dev && ss.st_ino == ds.st_ino;
    if (!same || S_ISLNK(ds.st_mode) != op->symlink)
        return pd_failx(err, "protected path %s changed while the sandbox started (%s); not "
                        "started", op->dest, S_ISLNK(ds.st_mode) && !op->symlink ? "now a symlink"
                        : !S_ISLNK(ds.st_mode) && op->symlink ? "no longer a symlink"
                                                              : "another file");
    if (bind_tree(op, src, "", dest, err) < 0)
        return -1;
    _cleanup_close_ int now = pd_open_nosymlinks(rootfd, op->dest);
    uint64_t before, after;
    bool root = false;
    if (now < 0 || mount_id(dest, &before, NULL) < 0 || mount_id(now, &after, &root) < 0)
        return pd_fail_errno(err, "protected path %s after the bind", op->dest);
    if (before == after || !root)
        return pd_failx(err, "protected path %s changed while the sandbox started (while it was "
                        "being mounted on); not started", op->dest);
    return set_propagation(now, op->fl.propagation, err);
}

/* ---- filesystems ---- */

/* After a new filesystem is mounted on dest_fd: check the destination,
 * copy up, propagation, recursive attributes, and a deferred ro. */
static int finish_fs(const struct pd_mount_op *op, int rootfd, int dest_fd, int copy_from,
                     pd_error **err)
{
    _cleanup_close_ int top = reopen_top(rootfd, op->dest, dest_fd, err);
    if (top < 0)
        return -1;
    if (copy_from >= 0) {
        _cleanup_close_ int dir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return pd_fail_errno(err, "open %s", op->dest);
        /* the same copy as a workspace layer's: owners, modes, times, user.* xattrs */
        if (pd_layer_copy(copy_from, dir, NULL, err) < 0)
            return pd_wrap(err, "tmpcopyup");
        if ((op->fl.flags & MS_RDONLY) && set_attr(top, false, MOUNT_ATTR_RDONLY, 0, err) < 0)
            return -1;
    }
    if (set_propagation(top, op->fl.propagation, err) < 0)
        return -1;
    return set_attr(top, true, op->fl.rec_attr_set, op->fl.rec_attr_clr, err);
}

static int apply_fs(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    if (op->fstype == NULL)
        return pd_failx(err, "no filesystem type");
    _cleanup_close_ int dest = pd_mkpath_in_root(rootfd, op->dest, false, err);
    if (dest < 0)
        return -1;
    unsigned long flags = op->fl.flags & ~(MS_BIND | MS_REC | PROPAGATION_MASK);
    _cleanup_close_ int copy_from = -1;
    if (op->fl.tmpcopyup) {
        copy_from = openat(dest, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (copy_from < 0)
            return pd_fail_errno(err, "tmpcopyup: open %s", op->dest);
        flags &= ~(unsigned long)MS_RDONLY; /* made read-only after the copy */
    }
    char p[FD_PATH_LEN];
    const char *source = op->source != NULL ? op->source : op->fstype;
    if (strcmp(op->fstype, "overlay") == 0) { /* a layer per fsconfig (overlay_mount.h) */
        if (pd_overlay_mount(dest, flags, op->fl.data, err) < 0)
            return -1;
        return finish_fs(op, rootfd, dest, copy_from, err);
    }
    if (mount(source, pd_fd_path(dest, p, sizeof(p)), op->fstype, flags, op->fl.data) < 0)
        return op->fl.data ? pd_fail_errno(err, "mount %s with options \"%s\"", op->fstype, op->fl.data)
                           : pd_fail_errno(err, "mount %s", op->fstype);
    return finish_fs(op, rootfd, dest, copy_from, err);
}

/* sysfs in a user namespace that does not own the network namespace:
 * rbind the host's /sys read-only instead. */
static int apply_sysfs_bind(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    _cleanup_close_ int dest = pd_mkpath_in_root(rootfd, op->dest, false, err);
    if (dest < 0)
        return -1;
    uint64_t set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    _cleanup_close_ int tree = pd_bind_onto(AT_FDCWD, "/sys", true, set, 0, true, dest, err);
    if (tree < 0)
        return pd_wrap(err, "bind /sys");
    return finish_fs(op, rootfd, dest, -1, err);
}

/* A new proc or sysfs refused in a user namespace (issue #7, "partial
 * degradations"): an engine around us masks parts of /proc or /sys, and the
 * kernel only mounts them where the existing ones are fully visible.  Bind
 * the existing ones instead -- /sys read-only, /proc with its masks (the
 * config's maskedPaths and readonlyPaths still follow) -- and say so. */
static int apply_fs_degraded(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    bool proc = strcmp(op->fstype, "proc") == 0, sys = strcmp(op->fstype, "sysfs") == 0;
    if ((!proc && !sys) || (*err)->errnum != EPERM || pd_in_initial_userns())
        return -1;
    pd_warn("%s: %s; binding the existing %s instead%s", op->dest, (*err)->msg,
            proc ? "/proc" : "/sys", proc ? " (its masks kept): the container sees the "
            "processes around it" : ", read-only");
    pd_error_free(*err);
    *err = NULL;
    if (sys)
        return apply_sysfs_bind(op, rootfd, err);
    _cleanup_close_ int dest = pd_mkpath_in_root(rootfd, op->dest, false, err);
    if (dest < 0)
        return -1;
    uint64_t set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    _cleanup_close_ int tree = pd_bind_onto(AT_FDCWD, "/proc", true, set, 0, true, dest, err);
    if (tree < 0)
        return pd_wrap(err, "bind /proc");
    return finish_fs(op, rootfd, dest, -1, err);
}

/* ---- cgroups ---- */

struct cg_mount {
    char *root, *mountpoint, *fstype, *super;
};

static void cg_mounts_free(struct cg_mount *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].root);
        free(v[i].mountpoint);
        free(v[i].fstype);
        free(v[i].super);
    }
    free(v);
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static char *unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++, w++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w = *r;
        }
    }
    *w = '\0';
    return s;
}

/* cgroup and cgroup2 entries of /proc/self/mountinfo. */
static int read_cg_mounts(struct cg_mount **out, size_t *n, pd_error **err)
{
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/self/mountinfo", 16 << 20, &buf, NULL, err) < 0)
        return -1;
    struct cg_mount *v = NULL;
    size_t k = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6] = {0}, *sep = strstr(line, " - "), *s2 = NULL;
        if (sep == NULL)
            continue;
        *sep = '\0';
        /* id parent maj:min root mountpoint ... */
        char *t = strtok_r(line, " ", &s2);
        for (int i = 0; i < 5 && t; i++, t = strtok_r(NULL, " ", &s2))
            f[i] = t;
        char *fstype = strtok_r(sep + 3, " ", &s2), *src = strtok_r(NULL, " ", &s2);
        char *super = strtok_r(NULL, " ", &s2);
        if (!f[4] || !fstype || !src || !super ||
            (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
            continue;
        v = pd_xrealloc(v, (k + 1) * sizeof(*v));
        v[k++] = (struct cg_mount){pd_xstrdup(unescape(f[3])), pd_xstrdup(unescape(f[4])),
                                   pd_xstrdup(fstype), pd_xstrdup(super)};
    }
    *out = v;
    *n = k;
    return 0;
}

static bool has_opt(const char *opts, const char *want, size_t len)
{
    for (const char *p = opts; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, want, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    }
    return false;
}

/* The host mount of a /proc/self/cgroup controller list ("" = cgroup2);
 * mounts under /sys/fs/cgroup win over other bind mounts of it. */
static const struct cg_mount *find_cg_mount(const struct cg_mount *v, size_t n,
                                            const char *controllers)
{
    const struct cg_mount *best = NULL;
    for (size_t i = 0; i < n; i++) {
        bool v2 = strcmp(v[i].fstype, "cgroup2") == 0;
        if (v2 != (controllers[0] == '\0'))
            continue;
        bool all = true;
        for (const char *c = controllers; *c != '\0' && all;) {
            size_t len = strcspn(c, ",");
            all = has_opt(v[i].super, c, len);
            c += len + (c[len] == ',' ? 1 : 0);
        }
        if (!all)
            continue;
        if (strncmp(v[i].mountpoint, "/sys/fs/cgroup/", 15) == 0)
            return &v[i];
        if (best == NULL)
            best = &v[i];
    }
    return best;
}

/* For comounted controllers ("cpu,cpuacct" mounted at cpu,cpuacct), a
 * symlink per controller, as runc and systemd hosts have. */
static int cg_symlinks(int top, const char *dir, const char *controllers, pd_error **err)
{
    if (strchr(controllers, ',') == NULL)
        return 0;
    _cleanup_free_ char *copy = pd_xstrdup(controllers);
    char *save = NULL;
    for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        if (strchr(c, '=') != NULL || strcmp(c, dir) == 0)
            continue;
        if (symlinkat(dir, top, c) < 0 && errno != EEXIST)
            return pd_fail_errno(err, "symlink cgroup %s", c);
    }
    return 0;
}

/* In a cgroup namespace the host's mount root may lie above ours: then a
 * new mount of the hierarchy, whose root is our namespace's root. */
static int cg_fresh_mount(int d, const char *controllers, unsigned long flags, pd_error **err)
{
    char p[FD_PATH_LEN];
    bool v2 = controllers[0] == '\0';
    _cleanup_free_ char *data =
        v2 ? NULL : pd_xasprintf("%s%s", strncmp(controllers, "name=", 5) == 0 ? "none," : "",
                                 controllers);
    if (mount("cgroup", pd_fd_path(d, p, sizeof(p)), v2 ? "cgroup2" : "cgroup", flags, data) < 0)
        return pd_fail_errno(err, "mount cgroup %s", v2 ? "(v2)" : controllers);
    return 0;
}

/* One /proc/self/cgroup line "ID:CONTROLLERS:PATH": bind the host's
 * directory of this process's cgroup to top/<dir>, named after the host's
 * mount point ("memory", "cpu,cpuacct", "systemd", "unified").  A
 * hierarchy the host does not mount is skipped. */
static int cg_bind_one(int top, char *line, const struct cg_mount *v, size_t n,
                       unsigned long flags, pd_error **err)
{
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
        return 0;
    *c2 = '\0';
    const char *controllers = c1 + 1, *path = c2 + 1;
    const struct cg_mount *m = find_cg_mount(v, n, controllers);
    if (m == NULL)
        return 0;
    const char *dir = strrchr(m->mountpoint, '/') ? strrchr(m->mountpoint, '/') + 1 : "";
    if (*dir == '\0' || strcmp(dir, "..") == 0 || strcmp(dir, ".") == 0)
        return 0;
    if (mkdirat(top, dir, 0755) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "mkdir cgroup %s", dir);
    _cleanup_close_ int d = openat(top, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0)
        return pd_fail_errno(err, "open cgroup %s", dir);
    size_t rl = strcmp(m->root, "/") == 0 ? 0 : strlen(m->root);
    if (strncmp(path, m->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')) {
        if (cg_fresh_mount(d, controllers, flags, err) < 0)
            return -1;
        return cg_symlinks(top, dir, controllers, err);
    }
    _cleanup_free_ char *host = pd_xasprintf("%s%s", m->mountpoint, path + rl);
    struct attr_pair a = flags_to_attr(flags);
    _cleanup_close_ int tree = pd_bind_onto(AT_FDCWD, host, true, a.set, 0, true, d, err);
    if (tree < 0) {
        if ((*err)->errnum == ENOENT) { /* hierarchy gone: skip it */
            pd_error_freep(err);
            return unlinkat(top, dir, AT_REMOVEDIR) < 0 ? pd_fail_errno(err, "rmdir %s", dir) : 0;
        }
        return pd_wrap(err, "cgroup %s", controllers);
    }
    return cg_symlinks(top, dir, controllers, err);
}

/* cgroup v1 / hybrid host: a tmpfs with one bind per hierarchy. */
static int apply_cgroup_v1(const struct pd_mount_op *op, int rootfd, int dest, pd_error **err)
{
    char p[FD_PATH_LEN];
    unsigned long keep = op->fl.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (mount("tmpfs", pd_fd_path(dest, p, sizeof(p)), "tmpfs", keep, "mode=755") < 0)
        return pd_fail_errno(err, "mount tmpfs for cgroup v1");
    _cleanup_close_ int top = reopen_top(rootfd, op->dest, dest, err);
    if (top < 0)
        return -1;
    _cleanup_free_ char *cgroups = NULL;
    if (pd_read_file("/proc/self/cgroup", 1 << 20, &cgroups, NULL, err) < 0)
        return -1;
    struct cg_mount *v = NULL;
    size_t n = 0;
    if (read_cg_mounts(&v, &n, err) < 0)
        return -1;
    unsigned long fl = op->fl.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    int r = 0;
    char *save = NULL;
    for (char *l = strtok_r(cgroups, "\n", &save); l && r == 0; l = strtok_r(NULL, "\n", &save))
        r = cg_bind_one(top, l, v, n, fl, err);
    cg_mounts_free(v, n);
    if (r < 0)
        return -1;
    if ((op->fl.flags & MS_RDONLY) && set_attr(top, false, MOUNT_ATTR_RDONLY, 0, err) < 0)
        return -1;
    if (set_propagation(top, op->fl.propagation, err) < 0)
        return -1;
    return set_attr(top, true, op->fl.rec_attr_set, op->fl.rec_attr_clr, err);
}

static int apply_cgroup(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    struct statfs sfs;
    if (statfs("/sys/fs/cgroup", &sfs) < 0)
        return pd_fail_errno(err, "statfs /sys/fs/cgroup");
    _cleanup_close_ int dest = pd_mkpath_in_root(rootfd, op->dest, false, err);
    if (dest < 0)
        return -1;
    if (sfs.f_type != CGROUP2_SUPER_MAGIC)
        return apply_cgroup_v1(op, rootfd, dest, err);
    char p[FD_PATH_LEN];
    unsigned long flags = op->fl.flags & ~(MS_BIND | MS_REC | PROPAGATION_MASK);
    if (mount("cgroup2", pd_fd_path(dest, p, sizeof(p)), "cgroup2", flags, NULL) == 0)
        return finish_fs(op, rootfd, dest, -1, err);
    if (errno != EPERM && errno != EBUSY)
        return pd_fail_errno(err, "mount cgroup2");
    /* no cgroup namespace of our own in a user namespace: bind the host's */
    struct attr_pair a = flags_to_attr(flags);
    _cleanup_close_ int tree =
        pd_bind_onto(AT_FDCWD, "/sys/fs/cgroup", true, a.set, a.clr, true, dest, err);
    if (tree < 0)
        return pd_wrap(err, "bind /sys/fs/cgroup");
    return finish_fs(op, rootfd, dest, -1, err);
}

/* ---- entry point ---- */

static int apply_one(const struct pd_mount_op *op, int rootfd, pd_error **err)
{
    if (op->fl.idmap)
        return pd_failx(err, "idmapped mounts are not supported yet");
    if (op->dest == NULL || op->dest[0] != '/')
        return pd_failx(err, "destination must be an absolute path");
    if (op->if_exists) { /* e.g. a host socket that went away since the sandbox's scan */
        _cleanup_close_ int fd = pd_open_in_root(rootfd, op->dest, O_PATH | O_CLOEXEC, 0, NULL);
        if (fd < 0)
            return 0;
    }
    switch (op->kind) {
    case PD_MOUNT_BIND:
        return op->nofollow ? apply_bind_nofollow(op, rootfd, err) : apply_bind(op, rootfd, err);
    case PD_MOUNT_FS:
        if (op->sysfs_fallback_bind)
            return apply_sysfs_bind(op, rootfd, err);
        if (apply_fs(op, rootfd, err) == 0)
            return 0;
        return apply_fs_degraded(op, rootfd, err);
    case PD_MOUNT_CGROUP:
        return apply_cgroup(op, rootfd, err);
    }
    return pd_failx(err, "unknown mount kind %d", (int)op->kind);
}

int pd_mounts_apply(const struct pd_plan *plan, int rootfd, pd_error **err)
{
    for (size_t i = 0; i < plan->n_mounts; i++) {
        const struct pd_mount_op *op = &plan->mounts[i];
        if (apply_one(op, rootfd, err) < 0)
            return pd_wrap(err, ".mounts[%zu] (%s)", op->index, op->dest ? op->dest : "");
    }
    return 0;
}
