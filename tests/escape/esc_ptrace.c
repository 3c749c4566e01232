/* ptrace of a process outside the container.
 *
 *   esc_ptrace MARKER            attach to each visible process whose command
 *                                line carries MARKER (the test's target)
 *   esc_ptrace --target MARKER   be that target: wait to be traced or killed
 *
 * The attempt succeeded when PTRACE_ATTACH to a target worked (it is
 * detached again).  No target visible (another PID namespace) is blocked. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "target.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--target") == 0) {
        for (;;)
            pause();
    }
    if (argc != 2)
        esc_error("usage: esc_ptrace MARKER | esc_ptrace --target MARKER");
    pid_t pids[16];
    int n = esc_find_targets(argv[1], pids, 16);
    if (n == 0)
        esc_result("ptrace", 0, "no process carrying the marker is visible from here");
    for (int i = 0; i < n; i++) {
        if (ptrace(PTRACE_ATTACH, pids[i], NULL, NULL) < 0) {
            char what[64];
            snprintf(what, sizeof(what), "ptrace(PTRACE_ATTACH, %d)", (int)pids[i]);
            esc_blocked_errno("ptrace", what);
            continue;
        }
        int st;
        waitpid(pids[i], &st, __WALL);
        ptrace(PTRACE_DETACH, pids[i], NULL, NULL);
        esc_result("ptrace", 1, "attached to the outside process %d", (int)pids[i]);
    }
    return esc_finish();
}
