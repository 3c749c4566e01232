/* paddock apply: /dev nodes and the standard /dev symlinks, created through
 * fds resolved inside the rootfs (never by a host path string). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mounts.h"
#include "safepath.h"
#include "util.h"
#include "sys_compat.h"

#define FD_PATH_LEN 64

/* A bind mount of a whole /dev from the host: its nodes are used as is. */
static bool host_dev_bound(const struct pd_plan *plan)
{
    for (size_t i = 0; i < plan->n_mounts; i++) {
        const struct pd_mount_op *op = &plan->mounts[i];
        if (op->kind == PD_MOUNT_BIND && op->dest != NULL &&
            (strcmp(op->dest, "/dev") == 0 || strcmp(op->dest, "/dev/") == 0))
            return true;
    }
    return false;
}

static int node_type(char type, mode_t *out)
{
    switch (type) {
    case 'c':
    case 'u':
        *out = S_IFCHR;
        return 0;
    case 'b':
        *out = S_IFBLK;
        return 0;
    case 'p':
        *out = S_IFIFO;
        return 0;
    }
    return -1;
}

/* Make room for name in parent: 1 = keep what is there (a mount point,
 * e.g. a config mount of that node), 0 = free, -1 = error. */
static int clear_existing(int parent, const char *name, pd_error **err)
{
    struct statx sx;
    if (statx(parent, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) < 0) {
        if (errno == ENOENT)
            return 0;
        return pd_fail_errno(err, "stat");
    }
    if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return 1;
    if (S_ISDIR(sx.stx_mode))
        return pd_failx(err, "a directory is in the way");
    if (unlinkat(parent, name, 0) < 0)
        return pd_fail_errno(err, "remove the existing file");
    return 0;
}

/* The node's name made free when something is there (clear_existing):
 * 1 = keep it, 0 = made free, -1 = error.  Called only after a create
 * found the name taken (EEXIST): a fresh /dev has none, so no lookup. */
static int bind_host_node(const struct pd_device *dev, int parent, const char *name,
                          pd_error **err)
{
    /* the fd that created the file is the mount target: the very inode
     * made here, no second lookup of the name */
    int fl = O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, r = 0;
    _cleanup_close_ int target = openat(parent, name, fl, 0600);
    if (target < 0 && errno == EEXIST && (r = clear_existing(parent, name, err)) == 0)
        target = openat(parent, name, fl, 0600);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (target < 0)
        return pd_fail_errno(err, "create bind target");
    _cleanup_close_ int tree = pd_bind_onto(AT_FDCWD, dev->path, false, 0, 0, false, target, err);
    if (tree < 0)
        return pd_wrap(err, "bind the host's node");
    return 0;
}

static int make_node(const struct pd_device *dev, int parent, const char *name, pd_error **err)
{
    mode_t type = 0;
    if (node_type(dev->type, &type) < 0)
        return pd_failx(err, "unknown device type '%c'", dev->type);
    mode_t perm = dev->has_file_mode ? (mode_t)(dev->file_mode & 07777) : 0666;
    dev_t rdev = type == S_IFIFO ? 0 : makedev((unsigned)dev->major, (unsigned)dev->minor);
    int r = 0;
    if (mknodat(parent, name, type | perm, rdev) < 0 &&
        (errno != EEXIST || (r = clear_existing(parent, name, err)) != 0 ||
         mknodat(parent, name, type | perm, rdev) < 0))
        return r > 0 ? 0 : r < 0 ? -1 : pd_fail_errno(err, "mknod");
    /* mknod applied the umask: set the exact mode through an fd of the node */
    _cleanup_close_ int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    char p[FD_PATH_LEN];
    if (fd < 0 || chmod(pd_fd_path(fd, p, sizeof(p)), perm) < 0)
        return pd_fail_errno(err, "chmod");
    if ((dev->has_uid || dev->has_gid) &&
        fchownat(parent, name, dev->has_uid ? dev->uid : (uid_t)-1,
                 dev->has_gid ? dev->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
        return pd_fail_errno(err, "chown");
    return 0;
}

/* The directory of the nodes (all in /dev but for a config's own):
 * opened once for all that share it. */
struct parent {
    char *dir;
    int fd;
};

static int create_device(const struct pd_plan *plan, const struct pd_device *dev, int rootfd,
                         struct parent *pa, pd_error **err)
{
    if (dev->path == NULL || dev->path[0] != '/')
        return pd_failx(err, "path must be absolute");
    const char *slash = strrchr(dev->path, '/');
    const char *name = slash + 1;
    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return pd_failx(err, "path must name a file");
    _cleanup_free_ char *dir = slash == dev->path ? pd_xstrdup("/")
                                                  : strndup(dev->path, (size_t)(slash - dev->path));
    if (dir == NULL)
        abort();
    if (pa->dir == NULL || strcmp(pa->dir, dir) != 0) {
        if (pa->fd >= 0)
            close(pa->fd);
        free(pa->dir);
        pa->dir = NULL;
        if ((pa->fd = pd_mkpath_in_root(rootfd, dir, false, err)) < 0)
            return -1;
        pa->dir = pd_steal_ptr(&dir);
    }
    if (plan->bind_devices)
        return bind_host_node(dev, pa->fd, name, err);
    return make_node(dev, pa->fd, name, err);
}

static int dev_symlinks(int rootfd, pd_error **err)
{
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"},
        {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"},
    };
    _cleanup_close_ int dev = pd_mkpath_in_root(rootfd, "/dev", false, err);
    if (dev < 0)
        return -1;
    int r = clear_existing(dev, "ptmx", err);
    if (r < 0)
        return pd_wrap(err, "/dev/ptmx");
    if (r == 0 && symlinkat("pts/ptmx", dev, "ptmx") < 0)
        return pd_fail_errno(err, "symlink /dev/ptmx");
    for (size_t i = 0; i < PD_ARRAY_SIZE(links); i++) {
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
            return pd_fail_errno(err, "symlink /dev/%s", links[i][1]);
    }
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
        errno != EEXIST)
        return pd_fail_errno(err, "symlink /dev/core");
    return 0;
}

int pd_devices_apply(const struct pd_plan *plan, int rootfd, pd_error **err)
{
    if (host_dev_bound(plan))
        return 0;
    struct parent pa = {.fd = -1};
    int r = 0;
    for (size_t i = 0; i < plan->n_devices && r == 0; i++) {
        const struct pd_device *dev = &plan->devices[i];
        if ((r = create_device(plan, dev, rootfd, &pa, err)) < 0)
            pd_wrap(err, "device %s", dev->path ? dev->path : "(null)");
    }
    if (pa.fd >= 0)
        close(pa.fd);
    free(pa.dir);
    return r < 0 ? -1 : dev_symlinks(rootfd, err);
}
