/* tests/bench/drive: one benchmark iteration against one OCI runtime, the
 * way an engine drives it, with a fresh container id each time.  A tiny C
 * program rather than a shell wrapper, so that the fixed cost it adds to
 * every runtime is ~0.1 ms and the ratios stay honest.
 *
 *   drive run       RUNTIME ROOT BUNDLE   run --bundle BUNDLE <fresh id>
 *   drive lifecycle RUNTIME ROOT BUNDLE   create, start, wait for init, delete
 *   drive exec      RUNTIME ROOT CID      exec CID /bin/true
 *   drive rss       RUNTIME ROOT BUNDLE   like run; prints the peak RSS (KiB)
 *                                         of the runtime process tree (wait4)
 *   drive execfd FILE FD CMD...           open FILE as fd FD and exec CMD (no
 *                                         fork): bwrap's --seccomp FD, and the
 *                                         same one exec for every command of
 *                                         a case (4, 5), so that it costs all
 *                                         of them the same
 *   drive --as UID:GID:HOME:RUNDIR MODE ...
 *                                         the same as that user (case 5): no
 *                                         groups, HOME and XDG_RUNTIME_DIR set
 *
 * It is a child subreaper (like containerd-shim and conmon), so the
 * container init of `create` is reparented to it and waited for.  Whatever
 * it creates it deletes, also on failure.  Exit status: 0, or 1 if the
 * runtime failed (its stderr passes through). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *rt, *root;
static long maxrss;

/* Run RUNTIME --root ROOT ARGS..., stdin/stdout on /dev/null; 0 if it exited 0. */
#define rtrun(...) rtrunv((const char *[]){ rt, "--root", root, __VA_ARGS__, NULL })
static int rtrunv(const char **argv)
{
    pid_t pid = fork();
    if (pid < 0) { perror("drive: fork"); return -1; }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) { dup2(fd, 0); dup2(fd, 1); if (fd > 2) close(fd); }
        execv(rt, (char *const *)argv);
        perror("drive: exec runtime");
        _exit(127);
    }
    int st; struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR) { perror("drive: wait4"); return -1; }
    if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void reap_all_nohang(void) { while (waitpid(-1, NULL, WNOHANG) > 0) ; }

/* --as UID:GID:HOME:RUNDIR */
static int become(const char *spec)
{
    unsigned uid, gid;
    char home[256], rundir[256];
    if (sscanf(spec, "%u:%u:%255[^:]:%255s", &uid, &gid, home, rundir) != 4) {
        fprintf(stderr, "drive: --as UID:GID:HOME:RUNDIR, not %s\n", spec);
        return -1;
    }
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
        perror("drive: --as");
        return -1;
    }
    setenv("HOME", home, 1);
    setenv("XDG_RUNTIME_DIR", rundir, 1);
    return 0;
}

static int execfd(char **argv)
{
    int fd = open(argv[0], O_RDONLY), want = atoi(argv[1]);
    if (fd < 0 || want < 3 || (fd != want && (dup2(fd, want) < 0 || close(fd) < 0))) {
        perror("drive: execfd");
        return 1;
    }
    execv(argv[2], argv + 2);
    perror("drive: exec");
    return 127;
}

int main(int argc, char **argv)
{
    if (argc > 3 && !strcmp(argv[1], "--as")) {
        if (become(argv[2]) < 0)
            return 1;
        argv += 2;
        argc -= 2;
    }
    if (argc > 4 && !strcmp(argv[1], "execfd"))
        return execfd(argv + 2);
    if (argc != 5) {
        fprintf(stderr, "usage: drive [--as UID:GID:HOME:RUNDIR] run|lifecycle|exec|rss RUNTIME ROOT BUNDLE|CID\n"
                        "       drive [--as ...] execfd FILE FD CMD...\n");
        return 2;
    }
    const char *mode = argv[1], *arg = argv[4];
    rt = argv[2]; root = argv[3];
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    char id[64];
    snprintf(id, sizeof id, "bench-%d-%ld", (int)getpid(), (long)(ts.tv_nsec % 1000000));
    int rc = 0;

    if (!strcmp(mode, "run") || !strcmp(mode, "rss")) {
        if (rtrun("run", "--bundle", arg, id)) { rtrun("delete", "-f", id); rc = 1; }
        if (!strcmp(mode, "rss") && rc == 0) printf("%ld\n", maxrss);
    } else if (!strcmp(mode, "lifecycle")) {
        char pidf[128];
        snprintf(pidf, sizeof pidf, "/tmp/%s.pid", id);
        pid_t init = 0;
        if (rtrun("create", "--bundle", arg, "--pid-file", pidf, id) == 0) {
            FILE *f = fopen(pidf, "r");
            if (!f || fscanf(f, "%d", &init) != 1) init = 0;
            if (f) fclose(f);
        }
        unlink(pidf);
        if (init <= 0 || rtrun("start", id)) {
            rc = 1;
            rtrun("delete", "-f", id);
        } else {
            /* Wait for the init: ours once reparented (we are a subreaper);
             * if the runtime keeps it as its own child, poll. */
            if (waitpid(init, NULL, 0) < 0) {
                struct timespec d = { 0, 50000 };
                for (int i = 0; i < 200000 && kill(init, 0) == 0; i++) nanosleep(&d, NULL);
            }
            if (rtrun("delete", id)) { rtrun("delete", "-f", id); rc = 1; }
        }
    } else if (!strcmp(mode, "exec")) {
        rc = rtrun("exec", arg, "/bin/true") ? 1 : 0;
    } else {
        fprintf(stderr, "drive: unknown mode %s\n", mode);
        return 2;
    }
    reap_all_nohang();
    return rc;
}
