/* Signalling a process outside the container.
 *
 *   esc_signal MARKER                 send SIGUSR1 to each visible process
 *                                     whose command line carries MARKER
 *   esc_signal --target MARKER FILE   be that target: on SIGUSR1, append a
 *                                     line to FILE (on the host)
 *
 * The attempt succeeded when kill() was accepted; the test also checks
 * that FILE stayed empty.  No target visible is blocked.  kill(-1) is never
 * tried: in a control run without a PID namespace it would reach the host. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>

#include "target.h"

static const char *sig_file;

static void on_usr1(int sig)
{
    (void)sig;
    int fd = open(sig_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t r = write(fd, "SIGUSR1\n", 8);
        (void)r;
        close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--target") == 0) {
        sig_file = argv[3];
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        for (;;)
            pause();
    }
    if (argc != 2)
        esc_error("usage: esc_signal MARKER | esc_signal --target MARKER FILE");
    pid_t pids[16];
    int n = esc_find_targets(argv[1], pids, 16);
    if (n == 0)
        esc_result("kill", 0, "no process carrying the marker is visible from here");
    for (int i = 0; i < n; i++) {
        if (kill(pids[i], SIGUSR1) < 0) {
            char what[64];
            snprintf(what, sizeof(what), "kill(%d, SIGUSR1)", (int)pids[i]);
            esc_blocked_errno("kill", what);
            continue;
        }
        esc_result("kill", 1, "sent SIGUSR1 to the outside process %d", (int)pids[i]);
    }
    return esc_finish();
}
