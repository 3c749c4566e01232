/* Unit tests: running sealed (runtime/exe_seal.c, CVE-2019-5736).  The
 * test binary seals itself in a child -- re-executing from a sealed copy
 * through pd_exe_seal_reexec(), or in place through pd_exe_seal() -- and
 * reports from there what its /proc/self/exe is: a memfd, sealed, that
 * nobody can write (the copy, or in place as root an empty stub); that no
 * mapping of the binary by its path on disk is left; and that whatever
 * still maps the binary's inode (in place: a private read-only clone of
 * its mount) refuses to be opened for writing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
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

/* Mappings of /proc/self/maps whose file is PATH. */
static int maps_of(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[4096];
    int n = 0;
    size_t len = strlen(path);
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t l = strlen(line);
        n += l >= len && strcmp(line + l - len, path) == 0;
    }
    if (f != NULL)
        fclose(f);
    return n;
}

/* Mappings of the inode of PATH in /proc/self/map_files, in *N; returns
 * how many of them are on a read-only mount (O_RDWR would fail with
 * EROFS, or first ETXTBSY while the test's parent runs the binary). */
static int inode_maps(const char *path, int *n)
{
    struct stat want, st;
    int rofs = 0;
    *n = 0;
    DIR *d = opendir("/proc/self/map_files");
    if (d == NULL || stat(path, &want) < 0) {
        if (d != NULL)
            closedir(d);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
            st.st_dev != want.st_dev || st.st_ino != want.st_ino)
            continue;
        (*n)++;
        struct statvfs vfs;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
        rofs += fd >= 0 && fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    return rofs;
}

/* Data, RELRO data and code of the binary, checked after a swap in place. */
static int data_word = 42;
static int answer(void) { return data_word; }
static int (*const relro_fn)(void) = answer;

/* In the sealed child: one line of facts about /proc/self/exe.  ORIG is
 * the path of the binary on disk; INPLACE says how it got sealed. */
static int report(const char *orig, int inplace)
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
    struct stat st;
    long long bytes = fd >= 0 && fstat(fd, &st) == 0 ? (long long)st.st_size : -1;
    int nmaps, rofs = inode_maps(orig, &nmaps);
    data_word++;
    printf("inplace=%d hostmaps=%d works=%d sealed=%d memfd=%d seals=%#x write=%d errno=%d "
           "again=%d bytes=%lld inode_maps=%d rofs=%d size=%lld shnum=%u hash=%llx\n", inplace,
           maps_of(orig), relro_fn() == 43, pd_exe_is_sealed(), strncmp(link, "/memfd:paddock", 14) == 0,
           seals, wr, werr, again, bytes, nmaps, rofs, size, shnum, hash);
    if (fd >= 0)
        close(fd);
    return 0;
}

static char self_out[512];

/* Drop CAP_SYS_RESOURCE from the effective set: the in-place seal then
 * changes the exe link with PR_SET_MM_MAP (CAP_SYS_ADMIN), not
 * PR_SET_MM_EXE_FILE. */
static bool no_sys_resource;
static void drop_sys_resource(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) == 0) {
        d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
        if (syscall(SYS_capset, &h, d) != 0)
            printf("capset failed\n");
    }
}

/* Fork a child that seals itself -- re-executing, or with pd_exe_seal(),
 * in place when it can -- and collect its report in self_out. */
static void run_sealed(bool in_place)
{
    char orig[4096];
    ssize_t len = readlink("/proc/self/exe", orig, sizeof(orig) - 1);
    CHECK(len > 0);
    orig[len > 0 ? len : 0] = '\0';
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        char *argv[] = { "/proc/self/exe", "--sealed-child", orig, NULL };
        pd_error *err = NULL;
        if (no_sys_resource)
            drop_sys_resource();
        if (in_place ? pd_exe_seal(argv, &err) == 0 : pd_exe_seal_reexec(argv, &err) == 0) {
            int r = report(orig, 1); /* sealed without an exec */
            fflush(stdout);
            _exit(r);
        }
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
}

/* What a container could reach, either way: a sealed memfd as
 * /proc/self/exe, no mapping of the binary by its own path. */
static void check_sealed(void)
{
    CHECK_CONTAINS(self_out, "sealed=1 memfd=1");
    CHECK_CONTAINS(self_out, "write=-1 errno=");
    CHECK_CONTAINS(self_out, "again=0");
    CHECK_CONTAINS(self_out, "seals=0xf"); /* SEAL | SHRINK | GROW | WRITE */
    CHECK_CONTAINS(self_out, "hostmaps=0 works=1");
}

/* The copy holds what the kernel and ld.so read, byte for byte, and leaves
 * out the debug information and section headers (this test binary is
 * built with -g, so there are some); nothing maps the binary's inode. */
static void check_sealed_copy(void)
{
    check_sealed();
    CHECK_CONTAINS(self_out, "inode_maps=0 rofs=0");
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

/* In place as root: /proc/self/exe is an empty sealed stub (executing it
 * fails), and the code still mapped from the binary's inode comes through
 * a read-only mount, every mapping of it. */
static void check_sealed_stub(void)
{
    check_sealed();
    CHECK_CONTAINS(self_out, " bytes=0 ");
    const char *m = strstr(self_out, " inode_maps=");
    int n = -1, rofs = -2;
    CHECK(m != NULL && sscanf(m, " inode_maps=%d rofs=%d", &n, &rofs) == 2);
    CHECK(n >= 2 && rofs == n); /* code and read-only data at least */
}

static void test_reexec_sealed(void)
{
    run_sealed(false);
    CHECK_CONTAINS(self_out, "inplace=0");
    check_sealed_copy();
}

/* As root (CAP_SYS_ADMIN: open_tree and PR_SET_MM_MAP), pd_exe_seal()
 * seals without an exec or a copy: the stub above; data, RELRO and code
 * still work.  Elsewhere (or under ASan) it re-executes from the copy. */
static bool can_swap(void)
{
#ifdef UNIT_UNDER_ASAN
    return false;
#else
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    return syscall(SYS_capget, &h, d) == 0 && (d[0].effective & (1u << CAP_SYS_ADMIN)) != 0;
#endif
}

static void test_seal_in_place(void)
{
    run_sealed(true);
    CHECK_CONTAINS(self_out, can_swap() ? "inplace=1" : "inplace=0");
    if (can_swap())
        check_sealed_stub();
    else
        check_sealed_copy();
}

static void test_seal_in_place_without_sys_resource(void)
{
    no_sys_resource = true;
    run_sealed(true);
    no_sys_resource = false;
    CHECK_CONTAINS(self_out, can_swap() ? "inplace=1" : "inplace=0");
    if (can_swap())
        check_sealed_stub();
    else
        check_sealed_copy();
}

static void test_not_sealed_here(void)
{
    CHECK(!pd_exe_is_sealed()); /* the test binary itself is a plain file */
    char orig[4096];
    ssize_t len = readlink("/proc/self/exe", orig, sizeof(orig) - 1);
    orig[len > 0 ? len : 0] = '\0';
    CHECK(maps_of(orig) > 0); /* what hostmaps= counts, seen here */
}

static void *unmap_soon(void *map)
{
    struct timespec ts = {.tv_nsec = 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    munmap(map, 4096);
    return NULL;
}

/* pd_memfd_seal: while the memfd is mapped writable F_SEAL_WRITE is EBUSY;
 * the seal goes on once a thread unmaps it, and a mapping that stays is
 * still EBUSY after the tries. */
static void test_memfd_seal_waits_for_ebusy(void)
{
    for (int stays = 0; stays <= 1; stays++) {
        int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
        void *map = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(map != MAP_FAILED);
        if (fd < 0 || map == MAP_FAILED)
            return;
        CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EBUSY); /* the premise */
        pthread_t th;
        CHECK(stays || pthread_create(&th, NULL, unmap_soon, map) == 0);
        int r = pd_memfd_seal(fd, F_SEAL_WRITE), e = errno;
        if (stays) {
            CHECK(r < 0 && e == EBUSY);
            munmap(map, 4096);
        } else {
            pthread_join(th, NULL);
            CHECK(r == 0 && (fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE));
        }
        close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--sealed-child") == 0)
        return report(argv[2], 0);
    RUN(test_not_sealed_here);
    RUN(test_memfd_seal_waits_for_ebusy);
    RUN(test_reexec_sealed);
    RUN(test_seal_in_place);
    RUN(test_seal_in_place_without_sys_resource);
    if (unit_case_failed)
        printf("    child said: %s", self_out);
    UNIT_EXIT();
}
