/* Unit tests: state directories (runtime/state.c) and their spares: a
 * removed directory that held only state.json and config.json becomes a
 * spare (ROOT/.paddock-spares), the next create takes it back; anything
 * else is removed as before; at most 64 spares; a command that waited for
 * the lock of a directory that became a spare finds its container gone,
 * never the next one's; a spare that is not an empty 0700 directory of
 * ours (or not a directory) is removed, not used. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "util.h"
#include "unit.h"

static char root[] = "/tmp/pd-test-state-XXXXXX";

static void put(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0 && write(fd, "{}", 2) == 2);
    if (fd >= 0)
        close(fd);
}

static int count_spares(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/" PD_STATE_SPARES, root);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

static ino_t make(const char *id, bool files)
{
    struct pd_container_dir d;
    pd_error *err = NULL;
    struct stat st = {0};
    CHECK(pd_state_dir_create(root, id, &d, &err) == 0);
    if (err != NULL) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        return 0;
    }
    CHECK(fstat(d.fd, &st) == 0 && (st.st_mode & 07777) == 0700);
    CHECK(pd_dir_empty(d.fd)); /* a new one, or an empty spare */
    if (files) {
        put(d.fd, "state.json");
        put(d.fd, "config.json");
    }
    pd_state_dir_close(&d);
    return st.st_ino;
}

static void drop(const char *id)
{
    struct pd_container_dir d;
    pd_error *err = NULL;
    CHECK(pd_state_dir_open(root, id, &d, &err) == 0);
    CHECK(pd_state_dir_remove(&d, &err) == 0);
    pd_error_free(err);
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", root, id);
    CHECK(access(path, F_OK) < 0 && errno == ENOENT);
}

static void test_spare_reused(void)
{
    ino_t a = make("a", true);
    drop("a");
    CHECK(count_spares() == 1);
    ino_t b = make("b", true);
    CHECK(a != 0 && a == b); /* the same directory, renamed back */
    CHECK(count_spares() == 0);
    drop("b");
    CHECK(count_spares() == 1);
}

/* start.sock, network.pid, a directory: not a spare's kind */
static void test_other_entries_removed(void)
{
    int before = count_spares();
    make("c", true);
    char path[256];
    snprintf(path, sizeof(path), "%s/c/network.pid", root);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
    drop("c");
    /* the spare "c" was taken from is not given back */
    CHECK(count_spares() == before - 1);
    make("d", true);
    snprintf(path, sizeof(path), "%s/d/sub", root);
    CHECK(mkdir(path, 0700) == 0);
    drop("d");
    CHECK(count_spares() == before - 1);
}

static void test_spares_capped(void)
{
    char id[32];
    for (int i = 0; i < 70; i++) {
        snprintf(id, sizeof(id), "cap-%d", i);
        make(id, true);
    }
    for (int i = 0; i < 70; i++) {
        snprintf(id, sizeof(id), "cap-%d", i);
        drop(id);
    }
    CHECK(count_spares() == 64);
}

/* A command waiting for the lock of "w" while it becomes a spare, another
 * create takes it as "v" and a third makes a new "w" must find the "w" it
 * waited for gone, and get neither "v" nor the new "w". */
static void test_waiter_sees_it_gone(void)
{
    ino_t w = make("w", true);
    CHECK(count_spares() < 64); /* so that "w" becomes one */
    struct pd_container_dir holder;
    pd_error *err = NULL;
    CHECK(pd_state_dir_open(root, "w", &holder, &err) == 0);
    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    pid_t child = fork();
    if (child == 0) {
        struct pd_container_dir d;
        pd_error *e = NULL;
        close(holder.fd); /* the parent's lock is on that open file */
        (void)!write(p[1], "r", 1);
        int r = pd_state_dir_open(root, "w", &d, &e);
        /* gone, and no fd left of the directory it waited for: `delete
         * --force` removes a directory it holds when state.json is missing */
        _exit(r == 0 ? 1 : e->errnum != ENOENT ? 2 : d.fd >= 0 ? 3 : 0);
    }
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    usleep(100000); /* the child waits in flock */
    /* the lock stays held (the same open file) until "v" has it */
    int keep = dup(holder.fd);
    CHECK(keep >= 0 && pd_state_dir_remove(&holder, &err) == 0);
    char from[256], to[256];
    snprintf(from, sizeof(from), "%s/" PD_STATE_SPARES "/%llu", root, (unsigned long long)w);
    snprintf(to, sizeof(to), "%s/v", root);
    CHECK(rename(from, to) == 0);
    put(keep, "state.json");
    /* and a new "w" meanwhile: not the directory the child waited for */
    make("w", true);
    close(keep);
    CHECK(unit_wait_code(child) == 0);
    close(p[0]);
    close(p[1]);
    drop("v");
    drop("w");
}

static void test_unclean_spare_not_used(void)
{
    ino_t a = make("u", true);
    drop("u");
    char path[256];
    snprintf(path, sizeof(path), "%s/" PD_STATE_SPARES "/%llu/left", root, (unsigned long long)a);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
    /* and a file among the spares */
    snprintf(path, sizeof(path), "%s/" PD_STATE_SPARES "/0-a-file", root);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
    /* every spare but the unclean ones is taken first, or they are next */
    for (int i = 0; i < 70; i++) {
        char id[32];
        snprintf(id, sizeof(id), "t-%d", i);
        make(id, false); /* CHECKs that each is empty */
    }
    snprintf(path, sizeof(path), "%s/" PD_STATE_SPARES "/%llu", root, (unsigned long long)a);
    CHECK(access(path, F_OK) < 0);
    snprintf(path, sizeof(path), "%s/" PD_STATE_SPARES "/0-a-file", root);
    CHECK(access(path, F_OK) < 0);
}

static void test_reserved_id(void)
{
    pd_error *err = NULL;
    CHECK(pd_state_check_id(PD_STATE_SPARES, &err) < 0);
    CHECK(err != NULL && strstr(err->msg, "spare") != NULL);
    pd_error_free(err);
}

int main(void)
{
    if (mkdtemp(root) == NULL) {
        printf("not ok test_state # mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    RUN(test_spare_reused);
    RUN(test_other_entries_removed);
    RUN(test_waiter_sees_it_gone);
    RUN(test_spares_capped);
    RUN(test_unclean_spare_not_used);
    RUN(test_reserved_id);
    pd_rm_rf(root, NULL);
    UNIT_EXIT();
}
