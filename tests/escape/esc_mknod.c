/* mknod and raw devices: reading the host's disk.
 *
 *   esc_mknod [--dev MAJOR:MINOR] [PATH...]
 *
 * mknod: make a block device node in /dev or /tmp: MAJOR:MINOR (the test
 * passes a loop device of its own), by default the device of the
 * filesystem that holds "/" (the host's disk, when the root is a
 * directory on it); the attempt succeeded when the node was made.
 * raw_read: open that node, or a raw device already present (/dev/mem,
 * /dev/kmem, /dev/port and the PATHs given: device nodes the test left on
 * the host's filesystem) and read from it; succeeded when the read worked
 * (the first bytes read are shown, printable ones as they are).
 * raw_write: the same bytes written back where they were read (nothing
 * changes); succeeded when the write worked.  A read-only mount does not
 * stop writes to a device node: only nodev, the device cgroup and the
 * node's mode do. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "escape.h"

static void raw_read(const char *name, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char what[160];
        snprintf(what, sizeof(what), "open %s", path);
        return esc_blocked_errno(name, what);
    }
    unsigned char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        char what[160];
        snprintf(what, sizeof(what), "read %s", path);
        return esc_blocked_errno(name, what);
    }
    char shown[sizeof(buf) + 1];
    for (ssize_t i = 0; i < n; i++)
        shown[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
    shown[n] = '\0';
    esc_result(name, 1, "read %zd bytes from %s: \"%s\"", n, path, shown);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t w = fd < 0 ? -1 : pwrite(fd, buf, (size_t)n, 0);
    e = errno;
    if (fd >= 0)
        close(fd);
    if (w != n) {
        char what[160];
        snprintf(what, sizeof(what), "%s %s", fd < 0 ? "open for writing" : "write", path);
        errno = w < 0 ? e : EIO;
        return esc_blocked_errno("raw_write", what);
    }
    esc_result("raw_write", 1, "wrote %zd bytes (the same) to %s", w, path);
}

int main(int argc, char **argv)
{
    struct stat root;
    if (stat("/", &root) < 0)
        esc_error("stat /: %s", strerror(errno));
    dev_t dev = root.st_dev;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--dev") == 0) {
        unsigned maj, min;
        if (sscanf(argv[2], "%u:%u", &maj, &min) != 2)
            esc_error("--dev: expected MAJOR:MINOR, got \"%s\"", argv[2]);
        dev = makedev(maj, min);
        first = 3;
    }
    char node[64] = "";
    const char *dirs[] = { "/dev", "/tmp" };
    int made = 0, err = 0;
    for (size_t i = 0; i < 2 && !made; i++) {
        snprintf(node, sizeof(node), "%s/esc-disk-%d", dirs[i], (int)getpid());
        if (mknod(node, S_IFBLK | 0600, dev) == 0)
            made = 1;
        else if (err == 0 || errno == EPERM)
            err = errno;
    }
    if (!made) {
        errno = err;
        esc_blocked_errno("mknod", "mknod of a block device");
    } else {
        esc_result("mknod", 1, "made %s (block %u:%u)", node, major(dev), minor(dev));
        raw_read("raw_read", node);
        unlink(node);
    }
    const char *raw[] = { "/dev/mem", "/dev/kmem", "/dev/port" };
    for (size_t i = 0; i < 3; i++)
        if (access(raw[i], F_OK) == 0)
            raw_read("raw_read", raw[i]);
    for (int i = first; i < argc; i++) {
        if (access(argv[i], F_OK) == 0)
            raw_read("raw_read", argv[i]);
        else
            esc_info("raw_read", "%s is not visible here", argv[i]);
    }
    return esc_finish();
}
