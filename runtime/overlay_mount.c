/* paddock apply: overlayfs mounts.  See overlay_mount.h. */
#define _GNU_SOURCE
#include "overlay_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "util.h"
#include "sys_compat.h"

/* The kernel's messages on fsfd ("e overlayfs: ..."), joined. */
static char *kernel_says(int fsfd)
{
    char all[1024] = "", buf[512];
    for (;;) {
        ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
        if (n <= 0)
            break;
        buf[n] = '\0';
        if (buf[n - 1] == '\n')
            buf[n - 1] = '\0';
        size_t used = strlen(all);
        snprintf(all + used, sizeof(all) - used, "%s%s", used ? "; " : "", buf + (buf[1] == ' ' ? 2 : 0));
    }
    return pd_xstrdup(all);
}

/* EPERM in a user namespace: the kernel does not let it mount overlayfs. */
static const char *hint(int e)
{
    return e == EPERM ? "; overlayfs in a user namespace needs Linux 5.11 or later, and no "
                        "security module forbidding it (spec/workspaces.md)" : "";
}

static int fail_fs(int fsfd, pd_error **err, const char *what)
{
    int e = errno;
    _cleanup_free_ char *k = kernel_says(fsfd);
    if (k[0] != '\0')
        return pd_failx(err, "overlayfs: %s: %s (%s)%s", what, strerror(e), k, hint(e));
    return pd_failx(err, "overlayfs: %s: %s%s", what, strerror(e), hint(e));
}

/* Each layer of "A:B:C" as its own lowerdir+ (top first, as in lowerdir). */
static int set_lowers(int fsfd, const char *value, pd_error **err)
{
    _cleanup_free_ char *copy = pd_xstrdup(value);
    char *save = NULL;
    bool first = true;
    for (char *l = strtok_r(copy, ":", &save); l; l = strtok_r(NULL, ":", &save)) {
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", l, 0) == 0) {
            first = false;
            continue;
        }
        if (first && errno == EINVAL) /* before Linux 6.8: one string */
            return fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir", value, 0) < 0
                       ? fail_fs(fsfd, err, "lowerdir") : 0;
        _cleanup_free_ char *what = pd_xasprintf("lower layer %s", l);
        return fail_fs(fsfd, err, what);
    }
    return 0;
}

static int configure(int fsfd, const char *data, pd_error **err)
{
    _cleanup_free_ char *copy = pd_xstrdup(data ? data : "");
    char *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(o, '=');
        int r;
        if (eq == NULL) {
            r = fsconfig(fsfd, FSCONFIG_SET_FLAG, o, NULL, 0);
        } else {
            *eq = '\0';
            if (strcmp(o, "lowerdir") == 0) {
                if (set_lowers(fsfd, eq + 1, err) < 0)
                    return -1;
                continue;
            }
            r = fsconfig(fsfd, FSCONFIG_SET_STRING, o, eq + 1, 0);
        }
        if (r < 0)
            return fail_fs(fsfd, err, o);
    }
    return 0;
}

int pd_overlay_mount(int dest_fd, unsigned long flags, const char *data, pd_error **err)
{
    _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fsfd < 0) {
        int e = errno;
        return pd_failx(err, "overlayfs: fsopen: %s%s", strerror(e),
                        e == ENODEV ? " (the overlay module is not loaded: modprobe overlay)"
                                    : hint(e));
    }
    if (configure(fsfd, data, err) < 0)
        return -1;
    if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fail_fs(fsfd, err, "create");
    unsigned int attr = 0;
    attr |= (flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0;
    attr |= (flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0;
    attr |= (flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0;
    attr |= (flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0;
    _cleanup_close_ int mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
    if (mnt < 0)
        return fail_fs(fsfd, err, "fsmount");
    if (move_mount(mnt, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return pd_fail_errno(err, "overlayfs: attach");
    return 0;
}
