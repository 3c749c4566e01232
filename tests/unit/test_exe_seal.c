/* Unit tests: running from a sealed copy of the binary (runtime/exe_seal.c,
 * CVE-2019-5736).  The test binary re-executes itself through
 * pd_exe_seal_reexec() in a child and reports from there what its
 * /proc/self/exe is: a memfd, sealed, that nobody can write. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "exe_seal.h"
#include "unit.h"

/* Facts about the bytes of /proc/self/exe: its size, its ELF header's
 * section header count, an FNV-1a hash of what follows the ELF header up
 * to LIMIT bytes into the file. */
static void exe_bytes(long long limit, long long *size, unsigned *shnum, unsigned long long *hash)
{
    *size = -1;
    *shnum = 9999;
    *hash = 14695981039346656037ULL;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ElfW(Ehdr) eh;
    if (read(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh))
        *shnum = eh.e_shnum;
    char buf[65536];
    ssize_t n;
    long long total = sizeof(eh);
    while (total < limit && (n = read(fd, buf, (size_t)(limit - total < (long long)sizeof(buf) ?
                                                         limit - total : (long long)sizeof(buf)))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            *hash = (*hash ^ (unsigned char)buf[i]) * 1099511628211ULL;
        total += n;
    }
    close(fd);
    *size = total;
}

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
    long long size;
    unsigned shnum;
    unsigned long long hash;
    exe_bytes(1LL << 40, &size, &shnum, &hash);
    printf("sealed=%d memfd=%d seals=%#x write=%d errno=%d again=%d size=%lld shnum=%u hash=%llx\n",
           pd_exe_is_sealed(), strncmp(link, "/memfd:paddock", 14) == 0, seals, wr, werr, again,
           size, shnum, hash);
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
    /* The copy holds what the kernel and ld.so read, byte for byte, and
     * leaves out the debug information and section headers (this test
     * binary is built with -g, so there are some). */
    const char *sz = strstr(self_out, " size=");
    long long csize = -1, osize, osize_all;
    unsigned cshnum = 9999, oshnum;
    unsigned long long chash = 0, ohash, ohash_all;
    CHECK(sz != NULL && sscanf(sz, " size=%lld shnum=%u hash=%llx", &csize, &cshnum, &chash) == 3);
    exe_bytes(1LL << 40, &osize_all, &oshnum, &ohash_all);
    exe_bytes(csize, &osize, &oshnum, &ohash);
    CHECK(oshnum > 0 && cshnum == 0);
    CHECK(csize > 4096 && csize < osize_all);
    CHECK(osize == csize && ohash == chash);
    CHECK(ohash_all != chash); /* the hash sees the difference */
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
