/* Finding the host process a test started as a target: its command line
 * carries a marker (argv[1] == "--target", argv[2] == MARKER). */
#ifndef PADDOCK_ESCAPE_TARGET_H
#define PADDOCK_ESCAPE_TARGET_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/types.h>

#include "escape.h"

/* esc_target_cmdline_has(PID, MARKER): /proc/PID/cmdline is a target's,
 * "PROG --target MARKER ...".  (Only those: a sandbox's init, for one,
 * carries the whole command line it runs, MARKER included.) */
static int esc_target_cmdline_has(pid_t pid, const char *marker)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *arg1 = buf + strlen(buf) + 1;
    if (arg1 >= buf + n || strcmp(arg1, "--target") != 0)
        return 0;
    char *arg2 = arg1 + strlen(arg1) + 1;
    return arg2 < buf + n && strcmp(arg2, marker) == 0;
}

/* esc_find_targets(MARKER, PIDS, MAX): the visible processes other than
 * this one whose command line carries MARKER; returns how many. */
static int esc_find_targets(const char *marker, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        esc_error("opendir /proc: %s", strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == getpid())
            continue;
        if (esc_target_cmdline_has((pid_t)pid, marker))
            pids[n++] = (pid_t)pid;
    }
    closedir(d);
    return n;
}

#endif
