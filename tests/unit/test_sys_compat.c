/* Unit tests: runtime/sys_compat.{c,h}, the same under glibc and musl
 * (make check runs this binary built against each: test_sys_compat and
 * musl:test_sys_compat). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys_compat.h"
#include "unit.h"

/* The names paddock prints (envprobe's "error", probe lines, kill's
 * signal names) are the constants' own; unknown numbers have none. */
#define NAMED(x, name) {x, name}
static const struct {
    int n;
    const char *name;
} errnos[] = {NAMED(ENOENT, "ENOENT"), NAMED(EPERM, "EPERM"),   NAMED(EACCES, "EACCES"),
              NAMED(EINVAL, "EINVAL"), NAMED(ENOSYS, "ENOSYS"), NAMED(EUSERS, "EUSERS"),
              NAMED(ENOSPC, "ENOSPC"), NAMED(EBUSY, "EBUSY"),   NAMED(0, NULL),
              NAMED(-1, NULL),         NAMED(100000, NULL)},
  signals[] = {NAMED(SIGTERM, "TERM"), NAMED(SIGKILL, "KILL"),   NAMED(SIGHUP, "HUP"),
               NAMED(SIGSYS, "SYS"),   NAMED(SIGWINCH, "WINCH"), NAMED(0, NULL),
               NAMED(100, NULL)};

static void test_names(void)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
        const char *got = pd_errno_name(errnos[i].n);
        CHECK(errnos[i].name == NULL ? got == NULL : got != NULL && strcmp(got, errnos[i].name) == 0);
    }
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        const char *got = pd_signal_abbrev(signals[i].n);
        CHECK(signals[i].name == NULL ? got == NULL : got != NULL && strcmp(got, signals[i].name) == 0);
    }
}

/* The kernel's limit, which musl's NGROUPS_MAX (32) is not. */
static void test_ngroups_max(void)
{
    FILE *f = fopen("/proc/sys/kernel/ngroups_max", "re");
    CHECK(f != NULL);
    int n = -1;
    CHECK(f != NULL && fscanf(f, "%d", &n) == 1);
    if (f != NULL)
        fclose(f);
    CHECK(n == PD_NGROUPS_MAX);
}

/* The system calls musl does not wrap, through sys_compat.h's wrappers
 * there and glibc's here. */
static void test_statx_renameat2(void)
{
    char dir[] = "/tmp/pd-unit-compat.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(d >= 0);
    int a = openat(d, "a", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    int b = openat(d, "b", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CHECK(a >= 0 && b >= 0 && write(a, "aa", 2) == 2);
    close(a);
    close(b);
    struct statx sx;
    CHECK(statx(d, "a", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE, &sx) == 0);
    CHECK(S_ISREG(sx.stx_mode) && sx.stx_size == 2);
    CHECK(renameat2(d, "a", d, "b", RENAME_NOREPLACE) < 0 && errno == EEXIST);
    CHECK(renameat2(d, "a", d, "b", RENAME_EXCHANGE) == 0);
    CHECK(statx(d, "b", 0, STATX_SIZE, &sx) == 0 && sx.stx_size == 2);
    CHECK(unlinkat(d, "a", 0) == 0 && unlinkat(d, "b", 0) == 0);
    close(d);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    RUN(test_names);
    RUN(test_ngroups_max);
    RUN(test_statx_renameat2);
    UNIT_EXIT();
}
