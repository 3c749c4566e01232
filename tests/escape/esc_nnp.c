/* setuid and file-capability escalation under no_new_privs.
 *
 *   esc_nnp [--setuid SETUID-COPY] [--fcap FCAP-COPY]
 *   esc_nnp --ids        print "ids EUID CAPEFF-HEX" (what the copies run)
 *
 * exec_caps: executing a program must not raise the effective
 * capabilities (for uid 0, execve gives the bounding set unless
 * no_new_privs, or an empty bounding set, holds it back).
 * setuid: SETUID-COPY is a copy of this program, setuid-root; succeeded
 * when it ran with euid 0 while this process is not uid 0.
 * file_caps: FCAP-COPY is a copy with file capabilities; succeeded when it
 * ran with an effective capability this process does not have. */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "escape.h"

static unsigned long long cap_eff(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL)
        esc_error("/proc/self/status: %s", strerror(errno));
    char line[256];
    unsigned long long v = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "CapEff: %llx", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* run(PATH, &EUID, &CAPS): exec PATH --ids in a child and read its line. */
static int run(const char *path, long *euid, unsigned long long *caps)
{
    int p[2];
    if (pipe(p) < 0)
        esc_error("pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        esc_error("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        execl(path, path, "--ids", (char *)NULL);
        printf("exec-failed %d\n", errno);
        fflush(stdout);
        _exit(127);
    }
    close(p[1]);
    char buf[256] = "";
    ssize_t n = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n <= 0)
        esc_error("%s --ids printed nothing (status %#x)", path, st);
    buf[n] = '\0';
    int e;
    if (sscanf(buf, "exec-failed %d", &e) == 1) {
        errno = e;
        return -1;
    }
    if (sscanf(buf, "ids %ld %llx", euid, caps) != 2)
        esc_error("%s --ids printed \"%s\"", path, buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--ids") == 0) {
        printf("ids %ld %llx\n", (long)geteuid(), cap_eff());
        return 0;
    }
    const char *suid = NULL, *fcap = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--setuid") == 0 && i + 1 < argc)
            suid = argv[++i];
        else if (strcmp(argv[i], "--fcap") == 0 && i + 1 < argc)
            fcap = argv[++i];
        else
            esc_error("usage: esc_nnp [--setuid SETUID-COPY] [--fcap FCAP-COPY] | esc_nnp --ids");
    }
    unsigned long long mine = cap_eff();
    long euid;
    unsigned long long caps;
    if (run("/proc/self/exe", &euid, &caps) < 0)
        esc_error("exec of itself: %s", strerror(errno));
    esc_result("exec_caps", (caps & ~mine) != 0, "effective capabilities %llx before execve, %llx after (euid %ld)",
               mine, caps, euid);
    if (suid != NULL) {
        if (geteuid() == 0)
            esc_error("running as uid 0: the setuid attempt needs another uid");
        if (run(suid, &euid, &caps) < 0)
            esc_blocked_errno("setuid", "exec of the setuid-root copy");
        else
            esc_result("setuid", euid == 0, "the setuid-root copy ran with euid %ld", euid);
    }
    if (fcap != NULL) {
        if (run(fcap, &euid, &caps) < 0)
            esc_blocked_errno("file_caps", "exec of the file-capability copy");
        else
            esc_result("file_caps", (caps & ~mine) != 0, "the file-capability copy ran with CapEff %llx (mine %llx)",
                       caps, mine);
    }
    return esc_finish();
}
