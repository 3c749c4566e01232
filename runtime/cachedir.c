/* paddock: the cache directories (see cachedir.h). */
#define _GNU_SOURCE
#include "cachedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

int pd_cachedir_open(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno == ENOENT && pd_mkdir_p(dir, 0700, NULL) < 0)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int pd_cachedir_open_entry(int dfd, const char *name, struct stat *st)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
        (st->st_mode & 07777) != 0600 || st->st_nlink != 1) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int pd_cachedir_store(int dfd, const char *name, const struct iovec *iov, size_t n)
{
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
        rnd = (uint32_t)getpid();
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".tmp-%d-%08x", (int)getpid(), rnd);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int r = fchmod(fd, 0600);
    for (size_t i = 0; i < n && r == 0; i++)
        r = pd_write_all(fd, iov[i].iov_base, iov[i].iov_len);
    if (close(fd) < 0)
        r = -1;
    if (r == 0 && renameat(dfd, tmp, dfd, name) == 0)
        return 0;
    int saved = errno;
    unlinkat(dfd, tmp, 0);
    errno = saved;
    return -1;
}

void pd_cachedir_prune(int dfd, const char *keep, size_t max)
{
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    if (n > max) {
        rewinddir(d);
        while ((de = readdir(d)) != NULL)
            if (de->d_name[0] != '.' && strcmp(de->d_name, keep) != 0)
                unlinkat(dfd, de->d_name, 0);
    }
    closedir(d);
}
