/* Unit tests: running from a sealed copy of the binary (runtime/exe_seal.c,
 * CVE-2019-5736).  The test binary re-executes itself through
 * pd_exe_seal_reexec() in a child and reports from there what its
 * /proc/self/exe is: a memfd, sealed, that nobody can write. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "exe_seal.h"
#include "unit.h"

/* In the re-executed child: one line of facts about /proc/self/exe. */
static int report(void)
{
    char link[256] = "";
    ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    if (n > 0)
        link[n] = '\0';
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
    /* Writing fails: ETXTBSY while we run it, EPERM (F_SEAL_WRITE) after
     * (test_escape.sh's exe_overwrite cases show the latter). */
    int wr = -1, werr = 0;
    int w = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
        wr = (int)write(w, "x", 1);
        werr = errno;
        close(w);
    } else {
        werr = errno;
    }
    /* a second call is a no-op: already sealed */
    pd_error *err = NULL;
    char *argv[] = { "/proc/self/exe", NULL };
    int again = pd_exe_seal_reexec(argv, &err);
    pd_error_free(err);
    printf("sealed=%d memfd=%d seals=%#x write=%d errno=%d again=%d\n", pd_exe_is_sealed(),
           strncmp(link, "/memfd:paddock", 14) == 0, seals, wr, werr, again);
    return 0;
}

static char self_out[512];

static void test_reexec_sealed(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        char *argv[] = { "/proc/self/exe", "--sealed-child", NULL };
        pd_error *err = NULL;
        pd_exe_seal_reexec(argv, &err);
        printf("reexec failed: %s\n", err ? err->msg : "(no error)");
        fflush(stdout);
        _exit(1);
    }
    close(p[1]);
    ssize_t n = read(p[0], self_out, sizeof(self_out) - 1);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    self_out[n > 0 ? n : 0] = '\0';
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_CONTAINS(self_out, "sealed=1 memfd=1");
    CHECK_CONTAINS(self_out, "write=-1 errno=");
    CHECK_CONTAINS(self_out, "again=0");
    CHECK_CONTAINS(self_out, "seals=0xf"); /* SEAL | SHRINK | GROW | WRITE */
}

static void test_not_sealed_here(void)
{
    CHECK(!pd_exe_is_sealed()); /* the test binary itself is a plain file */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--sealed-child") == 0)
        return report();
    RUN(test_not_sealed_here);
    RUN(test_reexec_sealed);
    if (unit_case_failed)
        printf("    child said: %s", self_out);
    UNIT_EXIT();
}
