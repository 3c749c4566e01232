/* Unit tests for runtime/mount_opts_cache.c: a miss stores libmount's
 * Linux option map, a hit gives the very same map without loading
 * libmount, and an entry that fails a check (corrupted, truncated, another
 * build's, a changed libmount file, bad lines under a valid digest, wrong
 * mode) is not used: libmount is loaded and the entry replaced.  The first
 * case runs before anything in this process loads libmount. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount_opts.h"
#include "mount_opts_cache.h"
#include "unit.h"
#include "util.h"

#define CACHE_ERR ((enum pd_mountopt_cache_result)-1)

static char dir[64], entry[256];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/pd-mo-cache-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    chmod(dir, 0700);
    entry[0] = '\0';
}

static void cleanup_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", dir);
}

/* The one entry in dir, into entry[] ("" when there is none). */
static const char *entry_path(void)
{
    char cmd[160], line[256] = "";
    snprintf(cmd, sizeof(cmd), "ls %s/*.map 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    if (p != NULL) {
        if (fgets(line, sizeof(line), p) == NULL)
            line[0] = '\0';
        pclose(p);
    }
    line[strcspn(line, "\n")] = '\0';
    snprintf(entry, sizeof(entry), "%s", line);
    return entry;
}

static bool libmount_loaded(void)
{
    void *h = dlopen("libmount.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (h != NULL)
        dlclose(h);
    return h != NULL;
}

/* libmount's own map, loaded by the test itself. */
static const struct libmnt_optmap *libmount_map(void)
{
    void *h = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
    const struct libmnt_optmap *(*get)(int) =
        h ? (const struct libmnt_optmap *(*)(int))dlsym(h, "mnt_get_builtin_optmap") : NULL;
    return get ? get(MNT_LINUX_MAP) : NULL;
}

static bool same_map(const struct libmnt_optmap *a, const struct libmnt_optmap *b)
{
    if (a == NULL || b == NULL)
        return false;
    for (; a->name != NULL && b->name != NULL; a++, b++)
        if (strcmp(a->name, b->name) != 0 || a->id != b->id || a->mask != b->mask)
            return false;
    return a->name == NULL && b->name == NULL;
}

/* One lookup through the cache in dir; *map the result (freed by the caller via *owned). */
static enum pd_mountopt_cache_result get(const struct libmnt_optmap **map, void **owned)
{
    enum pd_mountopt_cache_result res = PD_MOUNTOPT_CACHE_OFF;
    pd_error *err = NULL;
    *map = pd_mountopt_cache_get(dir, owned, &res, &err);
    if (*map == NULL) {
        printf("    cache_get: %s\n", err ? err->msg : "?");
        pd_error_free(err);
        return CACHE_ERR;
    }
    return res;
}

/* A lookup that must say want and give exactly libmount's map. */
static void expect(enum pd_mountopt_cache_result want, const char *what)
{
    const struct libmnt_optmap *map;
    void *owned = NULL;
    enum pd_mountopt_cache_result r = get(&map, &owned);
    if (r != want)
        printf("    %s: result %d, expected %d\n", what, (int)r, (int)want);
    CHECK(r == want);
    CHECK(same_map(map, libmount_map()));
    CHECK((owned != NULL) == (want == PD_MOUNTOPT_CACHE_HIT));
    free(owned);
}

static char *read_all(const char *path, size_t *len)
{
    char *buf = NULL;
    pd_error *err = NULL;
    if (pd_read_file(path, 1 << 20, &buf, len, &err) < 0) {
        printf("    read %s: %s\n", path, err->msg);
        pd_error_free(err);
        return NULL;
    }
    return buf;
}

static void write_all(const char *path, const char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    CHECK(fd >= 0 && pd_write_all(fd, buf, len) == 0);
    if (fd >= 0)
        close(fd);
}

/* Replace the first "from" in the entry with "to", then seal it again with
 * a digest that matches: the entry then fails only on what was changed. */
static void edit_and_reseal(const char *from, const char *to)
{
    size_t len = 0;
    _cleanup_free_ char *text = read_all(entry, &len);
    char *at = text ? strstr(text, from) : NULL;
    CHECK(at != NULL);
    if (at == NULL)
        return;
    char *last = text + len - 1; /* the "hash64 ..." line starts after the '\n' before it */
    while (last > text && last[-1] != '\n')
        last--;
    *last = '\0';
    *at = '\0';
    _cleanup_free_ char *body = pd_xasprintf("%s%s%s", text, to, at + strlen(from));
    _cleanup_free_ char *out = pd_xasprintf("%shash64 %016llx\n", body,
                                            (unsigned long long)pd_hash64(body, strlen(body)));
    write_all(entry, out, strlen(out));
}

/* ---- a hit, end to end, in processes of their own ---- */

static char *const probe_opts[] = {
    "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "async",
    "dirsync", "remount", "bind", "rbind", "silent", "loud", "mand", "nomand", "atime",
    "noatime", "iversion", "noiversion", "diratime", "nodiratime", "relatime", "norelatime",
    "strictatime", "nostrictatime", "lazytime", "nolazytime", "unbindable", "runbindable",
    "private", "rprivate", "slave", "rslave", "shared", "rshared", "symfollow", "nosymfollow",
    "rro", "mode=755", "defaults", "newinstance", NULL};

struct probe {
    unsigned long flags[64], clear[64], prop[64];
    bool bind[64], loaded;
};

/* In a child with XDG_STATE_HOME=xdg (and PADDOCK_MOUNTOPT_CACHE=off when
 * off): every option of probe_opts through pd_mount_opts_parse, one at a
 * time, and whether libmount is loaded afterwards. */
static bool run_probe(const char *xdg, bool off, struct probe *out)
{
    int fds[2];
    if (pipe(fds) < 0)
        return false;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        setenv("XDG_STATE_HOME", xdg, 1);
        if (off)
            setenv("PADDOCK_MOUNTOPT_CACHE", "off", 1);
        struct probe p;
        memset(&p, 0, sizeof(p));
        for (size_t i = 0; probe_opts[i] != NULL; i++) {
            char *one[] = {probe_opts[i], NULL};
            struct pd_mount_flags f;
            if (pd_mount_opts_parse(one, &f, NULL) < 0)
                _exit(2);
            p.flags[i] = f.flags, p.clear[i] = f.clear, p.prop[i] = f.propagation;
            p.bind[i] = f.bind;
            pd_mount_flags_free(&f);
        }
        p.loaded = libmount_loaded();
        _exit(pd_write_all(fds[1], &p, sizeof(p)) == 0 ? 0 : 3);
    }
    close(fds[1]);
    ssize_t n = pid > 0 ? read(fds[0], out, sizeof(*out)) : -1;
    close(fds[0]);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    return n == (ssize_t)sizeof(*out) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_hit_does_not_load_libmount(void)
{
    if (libmount_loaded()) {
        printf("    libmount is loaded already: this case must run first\n");
        CHECK(false);
        return;
    }
    make_dir();
    struct probe first, second, off;
    CHECK(run_probe(dir, false, &first)); /* a miss: loads libmount, stores */
    CHECK(first.loaded);
    _cleanup_free_ char *d = pd_xasprintf("%s/paddock/mountopts", dir);
    struct stat st;
    CHECK(stat(d, &st) == 0 && (st.st_mode & 07777) == 0700);
    CHECK(run_probe(dir, false, &second)); /* a hit */
    CHECK(!second.loaded);
    CHECK(run_probe(dir, true, &off)); /* libmount's own answers */
    CHECK(off.loaded);
    for (size_t i = 0; probe_opts[i] != NULL; i++) {
        bool same = first.flags[i] == off.flags[i] && second.flags[i] == off.flags[i] &&
                    second.clear[i] == off.clear[i] && second.prop[i] == off.prop[i] &&
                    second.bind[i] == off.bind[i] && first.clear[i] == off.clear[i];
        if (!same)
            printf("    %s: flags %#lx/%#lx clear %#lx/%#lx from the cache/libmount\n",
                   probe_opts[i], second.flags[i], off.flags[i], second.clear[i], off.clear[i]);
        CHECK(same);
    }
    CHECK(off.flags[2] == MS_NOSUID && off.clear[1] == MS_RDONLY); /* the probe means something */
    CHECK(!libmount_loaded());
    cleanup_dir();
}

/* ---- the cache in this process ---- */

static void test_miss_then_hit(void)
{
    make_dir();
    expect(PD_MOUNTOPT_CACHE_MISS, "empty directory");
    struct stat st;
    CHECK(entry_path()[0] != '\0' && stat(entry, &st) == 0);
    CHECK((st.st_mode & 07777) == 0600 && st.st_uid == geteuid());
    size_t len = 0;
    _cleanup_free_ char *text = read_all(entry, &len);
    CHECK_CONTAINS(text, "\nlibmount /");
    CHECK_CONTAINS(text, "\nmap MNT_LINUX_MAP ");
    CHECK_CONTAINS(text, " nosuid\n");
    expect(PD_MOUNTOPT_CACHE_HIT, "second lookup");
    expect(PD_MOUNTOPT_CACHE_HIT, "third lookup");
    cleanup_dir();
}

/* A changed entry is rejected, libmount's map used, the entry rewritten. */
static void rejected_then_rebuilt(const char *what)
{
    expect(PD_MOUNTOPT_CACHE_REJECTED, what);
    expect(PD_MOUNTOPT_CACHE_HIT, "after the rewrite");
}

/* A fresh directory with its first entry (a miss stored it); its text. */
static char *first_entry(size_t *len)
{
    make_dir();
    expect(PD_MOUNTOPT_CACHE_MISS, "first");
    *len = 0;
    return read_all(entry_path(), len);
}

static void test_corrupted_rejected(void)
{
    size_t len = 0;
    _cleanup_free_ char *text = first_entry(&len);
    char *ns = text ? strstr(text, " nosuid\n") : NULL;
    CHECK(ns != NULL);
    if (ns != NULL) {
        ns[-1] = ns[-1] == '0' ? '1' : '0'; /* nosuid's mask */
        write_all(entry, text, len);
    }
    rejected_then_rebuilt("a flipped digit");
    cleanup_dir();
}

static void test_truncated_rejected(void)
{
    size_t len = 0;
    _cleanup_free_ char *text = first_entry(&len);
    CHECK(text != NULL && len > 100);
    /* the rewritten entry is the same text each time */
    CHECK(truncate(entry, (off_t)len / 2) == 0);
    rejected_then_rebuilt("half an entry");
    CHECK(truncate(entry, 0) == 0);
    rejected_then_rebuilt("an empty entry");
    CHECK(truncate(entry, (off_t)len - 24) == 0); /* "hash64 " + 16 + '\n' */
    rejected_then_rebuilt("no digest line");
    CHECK(truncate(entry, (off_t)len - 1) == 0);
    rejected_then_rebuilt("no final newline");
    cleanup_dir();
}

static void test_other_build_rejected(void)
{
    size_t len = 0;
    _cleanup_free_ char *text = first_entry(&len);
    char *b = text ? strstr(text, "\nbuild-id ") : NULL;
    CHECK(b != NULL && strlen(b) > 20);
    if (b == NULL)
        return;
    char from[32], to[32]; /* the id's first 8 digits, the 8th changed */
    snprintf(from, sizeof(from), "build-id %.8s", b + 10);
    snprintf(to, sizeof(to), "build-id %.7s%c", b + 10, b[17] == '0' ? '1' : '0');
    edit_and_reseal(from, to);
    rejected_then_rebuilt("another build id");
    cleanup_dir();
}

/* Lines that must not parse, each under a valid digest. */
static void test_bad_lines_rejected(void)
{
    static const char *const edits[][2] = {
        {"map MNT_LINUX_MAP ", "map MNT_USERSPACE_MAP "},
        {"\n1 0 ro\n", "\n1 0 ro\n2 0 extra\n"},   /* one line more than the count */
        {"\n1 0 ro\n", "\n"},                      /* one fewer */
        {"\n1 0 ro\n", "\nx 0 ro\n"},
        {"\n1 0 ro\n", "\n1 0 r o\n"},
        {"\n1 0 ro\n", "\n 1 0 ro\n"},
        {"\n1 0 ro\n", "\n1 0 \n"},
        {"\n1 0 ro\n", "\n99999999999 0 ro\n"},
        {"\n1 0 ro\n", "\n1 0 ro\x01\n"},
        {"\n1 0 ro\n",
         "\n1 0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"}, /* 65 */
        {"\nlibmount /", "\nlibmount relative/"},
        {"ld.so.preload ", "ld.so.preload x"},
        {"paddock mount option cache 1", "paddock mount option cache 2"},
    };
    for (size_t i = 0; i < PD_ARRAY_SIZE(edits); i++) {
        make_dir();
        expect(PD_MOUNTOPT_CACHE_MISS, "first");
        entry_path();
        edit_and_reseal(edits[i][0], edits[i][1]);
        rejected_then_rebuilt(edits[i][1]);
        cleanup_dir();
    }
    /* and the resealing itself makes a good entry */
    make_dir();
    expect(PD_MOUNTOPT_CACHE_MISS, "first");
    entry_path();
    edit_and_reseal("\n1 0 ro\n", "\n1 0 ro\n");
    expect(PD_MOUNTOPT_CACHE_HIT, "resealed unchanged");
    cleanup_dir();
}

static bool copy_file(const char *from, const char *to)
{
    size_t len = 0;
    _cleanup_free_ char *buf = read_all(from, &len);
    int fd = buf ? open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    bool ok = fd >= 0 && pd_write_all(fd, buf, len) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* An entry recorded for a copy of libmount (the test hook): used while the
 * copy is unchanged, rejected once it is touched, replaced, or gone. */
static void test_changed_libmount_rejected(void)
{
    const struct libmnt_optmap *map = libmount_map();
    Dl_info info;
    CHECK(map != NULL && dladdr(map, &info) != 0 && info.dli_fname != NULL);
    if (map == NULL || info.dli_fname == NULL)
        return;
    make_dir();
    _cleanup_free_ char *copy = pd_xasprintf("%s/libmount.so.1", dir);
    _cleanup_free_ char *other = pd_xasprintf("%s/other.so.1", dir);
    CHECK(copy_file(info.dli_fname, copy) && copy_file(info.dli_fname, other));

    CHECK(pd_mountopt_cache_store(dir, map, copy) == 0);
    expect(PD_MOUNTOPT_CACHE_HIT, "stored for the copy");
    struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1000000000}};
    CHECK(utimensat(AT_FDCWD, copy, ts, 0) == 0);
    rejected_then_rebuilt("the copy touched");

    CHECK(pd_mountopt_cache_store(dir, map, copy) == 0);
    expect(PD_MOUNTOPT_CACHE_HIT, "stored for the copy again");
    CHECK(rename(other, copy) == 0); /* same bytes, another inode */
    rejected_then_rebuilt("the copy replaced");

    CHECK(pd_mountopt_cache_store(dir, map, copy) == 0);
    expect(PD_MOUNTOPT_CACHE_HIT, "stored for the copy once more");
    CHECK(unlink(copy) == 0);
    rejected_then_rebuilt("the copy gone");
    CHECK(pd_mountopt_cache_store(dir, map, copy) < 0); /* nothing to describe */
    cleanup_dir();
}

static void test_mode_rejected(void)
{
    make_dir();
    expect(PD_MOUNTOPT_CACHE_MISS, "first");
    CHECK(chmod(entry_path(), 0644) == 0);
    rejected_then_rebuilt("mode 0644");
    struct stat st;
    CHECK(stat(entry_path(), &st) == 0 && (st.st_mode & 07777) == 0600);
    cleanup_dir();
}

static void test_open_dir_not_used(void)
{
    make_dir();
    CHECK(chmod(dir, 0755) == 0);
    expect(PD_MOUNTOPT_CACHE_OFF, "a 0755 directory");
    CHECK(entry_path()[0] == '\0');
    cleanup_dir();
}

static void test_loader_env_skips_cache(void)
{
    make_dir();
    expect(PD_MOUNTOPT_CACHE_MISS, "first");
    static const char *const vars[] = {"LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(vars); i++) {
        setenv(vars[i], "/nonexistent", 1);
        expect(PD_MOUNTOPT_CACHE_OFF, vars[i]);
        unsetenv(vars[i]);
    }
    expect(PD_MOUNTOPT_CACHE_HIT, "without them");
    cleanup_dir();
}

static void test_cache_off_by_env(void)
{
    make_dir();
    setenv("XDG_STATE_HOME", dir, 1);
    _cleanup_free_ char *d = pd_mountopt_cache_dir();
    _cleanup_free_ char *want = pd_xasprintf("%s/paddock/mountopts", dir);
    CHECK_STR(d, want);
    setenv("PADDOCK_MOUNTOPT_CACHE", "off", 1);
    CHECK(pd_mountopt_cache_dir() == NULL);
    void *owned = NULL;
    enum pd_mountopt_cache_result res = PD_MOUNTOPT_CACHE_HIT;
    CHECK(same_map(pd_mountopt_cache_get(NULL, &owned, &res, NULL), libmount_map()));
    CHECK(res == PD_MOUNTOPT_CACHE_OFF && owned == NULL);
    struct probe p;
    CHECK(run_probe(dir, true, &p) && p.loaded); /* with the switch: nothing stored */
    struct stat st;
    CHECK(stat(want, &st) < 0 && errno == ENOENT);
    unsetenv("PADDOCK_MOUNTOPT_CACHE");
    unsetenv("XDG_STATE_HOME");
    cleanup_dir();
}

int main(void)
{
    RUN(test_hit_does_not_load_libmount); /* first: nothing has loaded libmount yet */
    RUN(test_miss_then_hit);
    RUN(test_corrupted_rejected);
    RUN(test_truncated_rejected);
    RUN(test_other_build_rejected);
    RUN(test_bad_lines_rejected);
    RUN(test_changed_libmount_rejected);
    RUN(test_mode_rejected);
    RUN(test_open_dir_not_used);
    RUN(test_loader_env_skips_cache);
    RUN(test_cache_off_by_env);
    UNIT_EXIT();
}
