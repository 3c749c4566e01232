/* A leaked host fd or host cwd (CVE-2024-21626).
 *
 *   esc_fd_cwd [--fchdir N]
 *
 * leaked_fd: every fd above 2 is a leak (the runtime passes only stdio,
 * unless told otherwise); a leaked directory fd that climbs ("..") to a
 * top other than this root reaches the host's filesystem.
 * host_cwd: the working directory climbs to a top other than this root,
 * or getcwd() says it is unreachable.  --fchdir N first changes into fd N
 * (the control: a directory fd passed on purpose). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "escape.h"

/* top_of(FD): climb ".." from the directory FD to where it stops; the
 * device and inode there. */
static void top_of(int fd, struct stat *top)
{
    int cur = dup(fd);
    if (cur < 0 || fstat(cur, top) < 0)
        esc_error("dup/fstat: %s", strerror(errno));
    for (int i = 0; i < 4096; i++) {
        int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        if (up < 0 || fstat(up, &st) < 0) {
            if (up >= 0)
                close(up);
            break;
        }
        close(cur);
        cur = up;
        if (st.st_dev == top->st_dev && st.st_ino == top->st_ino)
            break;
        *top = st;
    }
    close(cur);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--fchdir") == 0) {
        if (fchdir(atoi(argv[2])) < 0)
            esc_error("fchdir(%s): %s", argv[2], strerror(errno));
    } else if (argc != 1) {
        esc_error("usage: esc_fd_cwd [--fchdir N]");
    }
    struct stat root;
    int rfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0 || fstat(rfd, &root) < 0)
        esc_error("open /: %s", strerror(errno));

    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        esc_error("opendir /proc/self/fd: %s", strerror(errno));
    int leaks = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end != '\0' || e->d_name[0] == '\0' || fd <= 2 || fd == dirfd(d) || fd == rfd)
            continue;
        leaks++;
        char link[128] = "", path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
        ssize_t n = readlink(path, link, sizeof(link) - 1);
        if (n > 0)
            link[n] = '\0';
        struct stat st;
        if (fstat((int)fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            struct stat top;
            top_of((int)fd, &top);
            if (top.st_dev != root.st_dev || top.st_ino != root.st_ino) {
                esc_result("leaked_fd", 1, "fd %ld (%s) is a directory that climbs out of this root", fd, link);
                continue;
            }
        }
        esc_result("leaked_fd", 1, "fd %ld is open: %s", fd, link);
    }
    closedir(d);
    if (leaks == 0)
        esc_result("leaked_fd", 0, "no fd above 2 is open");

    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        esc_result("host_cwd", 1, "getcwd: %s: the working directory is outside this root", strerror(errno));
    } else {
        int cfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
            esc_error("open .: %s", strerror(errno));
        struct stat top;
        top_of(cfd, &top);
        close(cfd);
        if (cwd[0] != '/' || top.st_dev != root.st_dev || top.st_ino != root.st_ino)
            esc_result("host_cwd", 1, "the working directory %s climbs out of this root", cwd);
        else
            esc_result("host_cwd", 0, "the working directory %s is inside this root", cwd);
    }
    return esc_finish();
}
