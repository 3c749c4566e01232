/* paddock apply: the root filesystem: propagation, the rootfs bind,
 * pivot_root (or MS_MOVE + chroot), sysctls, read-only and masked paths,
 * the root's propagation, a read-only root. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "mounts.h"
#include "overlay_mount.h"
#include "safepath.h"
#include "util.h"
#include "sys_compat.h"

#define FD_PATH_LEN 64

/* ---- prepare ---- */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
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
}

/* Mount point of mount id `id` and whether it is shared, from mountinfo. */
static int find_mount(uint64_t id, char **mountpoint, bool *shared, pd_error **err)
{
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file("/proc/self/mountinfo", 16 << 20, &buf, NULL, err) < 0)
        return -1;
    char *save = NULL;
    for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        unsigned long long mid;
        char mp[4096];
        int off = 0;
        /* id parent maj:min root mountpoint opts [optional...] - ... */
        if (sscanf(l, "%llu %*u %*s %*s %4095s %*s%n", &mid, mp, &off) != 2 || mid != id)
            continue;
        char *end = strstr(l + off, " - ");
        if (end != NULL)
            *end = '\0';
        *shared = strstr(l + off, "shared:") != NULL;
        *mountpoint = pd_xstrdup(mp);
        return 0;
    }
    return pd_failx(err, "mount %llu not found in /proc/self/mountinfo", (unsigned long long)id);
}

/* pivot_root(2) and MS_MOVE refuse a shared parent mount: make the mount
 * the rootfs lives on private when the propagation made it shared (runc's
 * rootfsParentMountPrivate). */
static int rootfs_parent_private(const char *rootfs, pd_error **err)
{
    struct statx sx;
    if (statx(AT_FDCWD, rootfs, 0, STATX_MNT_ID, &sx) < 0)
        return pd_fail_errno(err, "statx %s", rootfs);
    _cleanup_free_ char *mp = NULL;
    bool shared = false;
    if (find_mount(sx.stx_mnt_id, &mp, &shared, err) < 0)
        return -1;
    if (!shared)
        return 0;
    unescape(mp);
    if (mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0)
        return pd_fail_errno(err, "make the parent mount %s private", mp);
    return 0;
}

/* The rootfs as an overlay over itself (root.path is its lowest layer:
 * the path is resolved when the layers are given, before the overlay
 * covers it); *fd the overlay's root. */
static int overlay_rootfs(const struct pd_plan *plan, int *fd, pd_error **err)
{
    _cleanup_close_ int dest = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dest < 0)
        return pd_fail_errno(err, "rootfs: open %s", plan->rootfs);
    if (pd_overlay_mount(dest, 0, plan->rootfs_overlay, err) < 0)
        return pd_wrap(err, "rootfs %s", plan->rootfs);
    *fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return pd_fail_errno(err, "rootfs: open the overlay at %s", plan->rootfs);
    return 0;
}

int pd_rootfs_prepare(const struct pd_plan *plan, int *rootfd, pd_error **err)
{
    *rootfd = -1;
    if (plan->rootfs == NULL || plan->rootfs[0] != '/')
        return pd_failx(err, "rootfs: path must be absolute");
    unsigned long prop = plan->rootfs_propagation ? plan->rootfs_propagation : MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return pd_fail_errno(err, "rootfs: set the propagation of / (%#lx)", prop);
    /* rslave, rprivate or runbindable on "/" leaves no mount under it
     * shared (each takes a mount out of its peer group), and the rootfs is
     * a path under "/": its parent mount can only still be shared after a
     * non-recursive or a shared propagation, so mountinfo is read only then */
    bool none_shared = (prop & MS_REC) && (prop & (MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE));
    if (!none_shared && rootfs_parent_private(plan->rootfs, err) < 0)
        return pd_wrap(err, "rootfs");
    _cleanup_close_ int fd = -1;
    if (plan->rootfs_clone) {
        /* `paddock sandbox` (plan->rootfs_clone): a recursive clone of the
         * rootfs, with rootfs_rro made read-only as a whole before it is
         * attached, so that the config's mounts, applied next, are the only
         * writable places.
         * The fd is the clone itself: with the host's "/" as rootfs, a path
         * lookup of "/" would not see a mount stacked on the current root,
         * and bind sources keep resolving in the (untouched) original tree. */
        fd = open_tree(AT_FDCWD, plan->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd < 0)
            return pd_fail_errno(err, "rootfs: clone %s", plan->rootfs);
        /* nodev and nosuid always: a device node or a setuid file anywhere
         * on the host's filesystems (outside the fresh /dev) must not open a
         * disk to a sandbox that runs as root, nor raise anyone's ids. */
        struct mount_attr a = {.attr_set = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID |
                                           (plan->rootfs_rro ? MOUNT_ATTR_RDONLY : 0)};
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
            return pd_fail_errno(err, "rootfs: make %s nodev, nosuid%s recursively", plan->rootfs,
                                 plan->rootfs_rro ? ", read-only" : "");
        if (move_mount(fd, "", AT_FDCWD, plan->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            return pd_fail_errno(err, "rootfs: attach the read-only %s", plan->rootfs);
    } else if (plan->rootfs_overlay != NULL) {
        if (overlay_rootfs(plan, &fd, err) < 0)
            return -1;
    } else {
        if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
            return pd_fail_errno(err, "rootfs: bind %s onto itself", plan->rootfs);
        fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return pd_fail_errno(err, "rootfs: open %s", plan->rootfs);
    }
    if (pd_mounts_apply(plan, fd, err) < 0 || pd_devices_apply(plan, fd, err) < 0)
        return -1;
    *rootfd = pd_steal_fd(&fd);
    return 0;
}

/* ---- enter ---- */

static int pivot(int rootfd, pd_error **err)
{
    _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0)
        return pd_fail_errno(err, "open /");
    if (fchdir(rootfd) < 0)
        return pd_fail_errno(err, "chdir to the rootfs");
    /* new and old root at the same place: the old one ends up on top */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return pd_fail_errno(err, "pivot_root");
    if (fchdir(oldroot) < 0)
        return pd_fail_errno(err, "chdir to the old root");
    /* slave first, so the detach does not propagate to the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return pd_fail_errno(err, "make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
        return pd_fail_errno(err, "detach the old root");
    if (chdir("/") < 0)
        return pd_fail_errno(err, "chdir /");
    return 0;
}

static int move_root(int rootfd, pd_error **err)
{
    if (fchdir(rootfd) < 0)
        return pd_fail_errno(err, "chdir to the rootfs");
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
        return pd_fail_errno(err, "move the rootfs to /");
    if (chroot(".") < 0)
        return pd_fail_errno(err, "chroot");
    if (chdir("/") < 0)
        return pd_fail_errno(err, "chdir /");
    return 0;
}

/* Open path in root; 1 = it does not exist (skip), 0 = *fd set, -1 = error. */
static int open_optional(int root, const char *path, int flags, int *fd, pd_error **err)
{
    *fd = pd_open_in_root(root, path, flags, 0, err);
    if (*fd >= 0)
        return 0;
    if ((*err)->errnum == ENOENT) {
        pd_error_freep(err);
        return 1;
    }
    return -1;
}

static int write_sysctl(int root, const struct pd_kv *kv, pd_error **err)
{
    const char *key = kv->key;
    if (key == NULL || key[0] == '\0' || strchr(key, '/') != NULL || strstr(key, "..") != NULL ||
        key[0] == '.')
        return pd_failx(err, "invalid sysctl name");
    _cleanup_free_ char *path = pd_xasprintf("/proc/sys/%s", key);
    for (char *p = path + strlen("/proc/sys/"); *p; p++)
        if (*p == '.')
            *p = '/';
    _cleanup_close_ int fd = pd_open_in_root(root, path, O_WRONLY | O_TRUNC | O_NOFOLLOW, 0, err);
    if (fd < 0)
        return -1;
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        return pd_fail_errno(err, "statfs %s", path);
    if (sfs.f_type != PROC_SUPER_MAGIC)
        return pd_failx(err, "%s is not on procfs", path);
    const char *v = kv->value ? kv->value : "";
    if (pd_write_all(fd, v, strlen(v)) < 0)
        return pd_fail_errno(err, "write %s", path);
    return 0;
}

static int readonly_path(int root, const char *path, pd_error **err)
{
    _cleanup_close_ int fd = -1;
    int r = open_optional(root, path, O_PATH, &fd, err);
    if (r != 0)
        return r < 0 ? -1 : 0;
    /* rbind onto itself, the top mount read-only; whatever nosuid/nodev/
     * noexec it had (locked or not) is kept, as runc's remount does */
    _cleanup_close_ int tree =
        pd_bind_onto(fd, "", true, MOUNT_ATTR_RDONLY, 0, false, fd, err);
    return tree < 0 ? -1 : 0;
}

/* The container's /dev/null, checked to be the real 1:3 character device. */
static int open_dev_null(int root, pd_error **err)
{
    _cleanup_close_ int fd = pd_open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return pd_fail_errno(err, "stat /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return pd_failx(err, "/dev/null is not the null device");
    return pd_steal_fd(&fd);
}

static int mask_path(int root, const char *path, int *devnull, pd_error **err)
{
    _cleanup_close_ int fd = -1;
    int r = open_optional(root, path, O_PATH, &fd, err);
    if (r != 0)
        return r < 0 ? -1 : 0;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return pd_fail_errno(err, "stat");
    if (S_ISDIR(st.st_mode)) {
        char p[FD_PATH_LEN];
        unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (mount("tmpfs", pd_fd_path(fd, p, sizeof(p)), "tmpfs", fl, NULL) < 0)
            return pd_fail_errno(err, "mount an empty tmpfs");
        return 0;
    }
    if (*devnull < 0 && (*devnull = open_dev_null(root, err)) < 0)
        return -1;
    _cleanup_close_ int tree = pd_bind_onto(*devnull, "", false, 0, 0, false, fd, err);
    if (tree < 0)
        return pd_wrap(err, "bind /dev/null");
    return 0;
}

/* MS_* flags of the mount at path that a bind remount must keep (the
 * kernel locks them in a user namespace). */
static int locked_flags(const char *path, unsigned long *out, pd_error **err)
{
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
        return pd_fail_errno(err, "statvfs %s", path);
    static const struct {
        unsigned long st, ms;
    } map[] = {
        {ST_NOSUID, MS_NOSUID},     {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
        {ST_RDONLY, MS_RDONLY},
    };
    *out = 0;
    for (size_t i = 0; i < PD_ARRAY_SIZE(map); i++)
        if (sv.f_flag & map[i].st)
            *out |= map[i].ms;
    return 0;
}

static int apply_paths(const struct pd_plan *plan, int root, pd_error **err)
{
    const struct pd_linux *lx = &plan->cfg->linux_;
    for (size_t i = 0; i < lx->n_sysctl; i++)
        if (write_sysctl(root, &lx->sysctl[i], err) < 0)
            return pd_wrap(err, ".linux.sysctl[\"%s\"]", lx->sysctl[i].key ? lx->sysctl[i].key : "");
    for (size_t i = 0; i < lx->n_readonly_paths; i++)
        if (readonly_path(root, lx->readonly_paths[i], err) < 0)
            return pd_wrap(err, "readonly path %s", lx->readonly_paths[i]);
    _cleanup_close_ int devnull = -1;
    for (size_t i = 0; i < lx->n_masked_paths; i++)
        if (mask_path(root, lx->masked_paths[i], &devnull, err) < 0)
            return pd_wrap(err, "masked path %s", lx->masked_paths[i]);
    return 0;
}

int pd_rootfs_enter(const struct pd_plan *plan, int rootfd, pd_error **err)
{
    if ((plan->no_pivot ? move_root(rootfd, err) : pivot(rootfd, err)) < 0)
        return pd_wrap(err, "rootfs %s", plan->rootfs ? plan->rootfs : "");
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return pd_fail_errno(err, "open /");
    if (plan->cfg != NULL && apply_paths(plan, root, err) < 0)
        return -1;
    if (plan->rootfs_mount_propagation != 0 &&
        mount(NULL, "/", NULL, plan->rootfs_mount_propagation, NULL) < 0)
        return pd_fail_errno(err, "rootfs: set the propagation of / (%#lx)",
                             plan->rootfs_mount_propagation);
    if (plan->rootfs_readonly) {
        unsigned long keep = 0;
        if (locked_flags("/", &keep, err) < 0)
            return pd_wrap(err, "rootfs");
        /* already read-only (a sandbox's clone was made so as a whole
         * before it was attached): the remount would change nothing */
        if (!(keep & MS_RDONLY) &&
            mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
            return pd_fail_errno(err, "rootfs: remount / read-only");
    }
    return 0;
}
