/* A fork bomb under a pids limit.
 *
 *   esc_forkbomb LIMIT CAP
 *
 * Forks children that wait, until fork fails or CAP children exist (the
 * bound that keeps the control run, without a limit, harmless).  The
 * attempt succeeded when CAP was reached, or more than LIMIT processes
 * were made; blocked when fork failed (EAGAIN) at or below LIMIT.  The
 * children are killed before the verdict. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "escape.h"

int main(int argc, char **argv)
{
    if (argc != 3)
        esc_error("usage: esc_forkbomb LIMIT CAP");
    long limit = atol(argv[1]), cap = atol(argv[2]);
    if (limit <= 0 || cap <= limit || cap > 20000)
        esc_error("need 0 < LIMIT < CAP <= 20000");
    pid_t *kids = calloc((size_t)cap, sizeof(*kids));
    if (kids == NULL)
        esc_error("calloc");
    long n = 0;
    int err = 0;
    fflush(stdout);
    while (n < cap) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            for (;;)
                pause();
        }
        kids[n++] = p;
    }
    for (long i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < n; i++)
        waitpid(kids[i], NULL, 0);
    if (n >= cap)
        esc_result("fork_bomb", 1, "forked %ld processes (the bound) without a failure", n);
    else if (n >= limit)
        esc_result("fork_bomb", 1, "forked %ld processes, more than the limit %ld, then: %s", n, limit, strerror(err));
    else
        esc_result("fork_bomb", 0, "fork failed after %ld processes: %s (errno %d)", n, strerror(err), err);
    free(kids);
    return esc_finish();
}
