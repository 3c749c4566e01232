/* Masked paths, /proc/sys and /proc/sysrq-trigger.
 *
 *   esc_proc ITEM...     ITEM: r:PATH  read a masked path
 *                              w:PATH  write a read-only path
 *
 * r: the attempt succeeded when PATH gives content: a file yields bytes, a
 * directory lists entries (a masked file reads as /dev/null, a masked
 * directory is an empty read-only tmpfs).  w: PATH's current content is
 * written back to it (the value does not change, so the control run
 * harms nothing); the attempt succeeded when the write was accepted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"

static void try_read(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return esc_blocked_errno(path, "stat");
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d == NULL)
            return esc_blocked_errno(path, "opendir");
        int n = 0;
        struct dirent *e;
        char first[256] = "";
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (n++ == 0)
                snprintf(first, sizeof(first), "%s", e->d_name);
        }
        closedir(d);
        esc_result(path, n > 0, "directory lists %d entries%s%s", n, n ? ", first " : "", first);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return esc_blocked_errno(path, "open for reading");
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return esc_blocked_errno(path, "read");
    }
    esc_result(path, n > 0, "read %zd bytes", n);
}

static void try_write(const char *path)
{
    char buf[4096];
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, buf, sizeof(buf));
        close(fd);
    }
    if (n < 0)
        n = 0;
    if (n == 0) { /* write-only files (sysrq-trigger): a harmless no-op value */
        buf[0] = '\n';
        n = 1;
    }
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return esc_blocked_errno(path, "open for writing");
    ssize_t w = write(fd, buf, (size_t)n);
    int e = errno;
    close(fd);
    if (w < 0) {
        errno = e;
        return esc_blocked_errno(path, "write");
    }
    esc_result(path, 1, "wrote %zd bytes (its current value)", w);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        esc_error("usage: esc_proc r:PATH|w:PATH...");
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "r:", 2) == 0)
            try_read(argv[i] + 2);
        else if (strncmp(argv[i], "w:", 2) == 0)
            try_write(argv[i] + 2);
        else
            esc_error("bad item \"%s\" (expected r:PATH or w:PATH)", argv[i]);
    }
    return esc_finish();
}
