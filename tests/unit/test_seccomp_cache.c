/* Unit tests for runtime/seccomp_cache.c and pd_hash64: a hit gives
 * the same BPF as a compile, a changed profile misses, and entries that
 * fail a check (corrupted, foreign-owned, wrong mode) are rejected and
 * rebuilt; a filter loaded from the cache still denies what it should. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp_cache.h"
#include "seccomp_profile.h"
#include "unit.h"
#include "util.h"

#define NAMES(...) ((char *[]){__VA_ARGS__, NULL})
#define NNAMES(...) (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define RULE(action_, ...) \
    {.names = NAMES(__VA_ARGS__), .n_names = NNAMES(__VA_ARGS__), .action = (action_)}

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/pd-sc-cache-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

/* The one entry in dir (there is exactly one in these tests). */
static char *entry_path(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ls %s/*.bpf 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    char line[256] = "";
    if (p != NULL) {
        if (fgets(line, sizeof(line), p) == NULL)
            line[0] = '\0';
        pclose(p);
    }
    line[strcspn(line, "\n")] = '\0';
    return line[0] ? pd_xstrdup(line) : NULL;
}

static size_t count_entries(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    unsigned n = 0;
    if (p != NULL) {
        if (fscanf(p, "%u", &n) != 1)
            n = 0;
        pclose(p);
    }
    return n;
}

static struct pd_seccomp_syscall rules_a[] = {RULE(PD_SECCOMP_ERRNO, "mkdir", "mkdirat"),
                                              RULE(PD_SECCOMP_ERRNO, "acct")};
static struct pd_seccomp_syscall rules_b[] = {RULE(PD_SECCOMP_ERRNO, "mkdir", "mkdirat"),
                                              RULE(PD_SECCOMP_ERRNO, "chroot")};

static char *arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL};

static struct pd_seccomp profile(struct pd_seccomp_syscall *r, size_t n)
{
    return (struct pd_seccomp){.default_action = PD_SECCOMP_ALLOW, .syscalls = r, .n_syscalls = n,
                               .architectures = arches, .n_architectures = 2};
}

static enum pd_seccomp_cache_result get(const struct pd_seccomp *sc, bool nested,
                                        struct pd_seccomp_bpf **out)
{
    enum pd_seccomp_cache_result res = PD_SECCOMP_CACHE_OFF;
    pd_error *err = NULL;
    if (pd_seccomp_cache_get(dir, sc, nested, out, &res, &err) < 0) {
        printf("    cache_get: %s\n", err->msg);
        pd_error_free(err);
        *out = NULL;
        return (enum pd_seccomp_cache_result)-1;
    }
    return res;
}

static bool same_bpf(const struct pd_seccomp_bpf *a, const struct pd_seccomp_bpf *b)
{
    return a != NULL && b != NULL && a->flags == b->flags && a->len == b->len &&
           memcmp(a->insns, b->insns, a->len * sizeof(struct sock_filter)) == 0;
}

static void cleanup_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", dir);
}

static void test_hash64(void)
{
    /* the same bytes, the same hash (it names cache entries) */
    CHECK(pd_hash64("", 0) == pd_hash64("", 0));
    char a[64] = "paddock seccomp cache key", b[64];
    memcpy(b, a, sizeof(a));
    uint64_t h = pd_hash64(a, sizeof(a));
    CHECK(h == pd_hash64(b, sizeof(b)));
    /* any one bit of any byte, and the length, changes it */
    for (size_t i = 0; i < sizeof(a); i++)
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (char)(1 << bit);
            CHECK(pd_hash64(b, sizeof(b)) != h);
            b[i] ^= (char)(1 << bit);
        }
    CHECK(pd_hash64(a, sizeof(a) - 1) != h);
    CHECK(pd_hash64("\0", 1) != pd_hash64("", 0));
    CHECK(pd_hash64("\0\0\0\0\0\0\0\0", 8) != pd_hash64("\0\0\0\0\0\0\0", 7));
}

static void test_key_covers_inputs(void)
{
    struct pd_seccomp a = profile(rules_a, 2), b = profile(rules_b, 2);
    size_t la = 0, lb = 0, ln = 0;
    _cleanup_free_ char *ka = pd_seccomp_cache_key(&a, false, &la);
    _cleanup_free_ char *kb = pd_seccomp_cache_key(&b, false, &lb);
    _cleanup_free_ char *kn = pd_seccomp_cache_key(&a, true, &ln);
    CHECK(ka != NULL && kb != NULL && kn != NULL); /* the test binary has a build id */
    CHECK(ka && kb && (la != lb || memcmp(ka, kb, la) != 0));
    CHECK(ka && kn && (la != ln || memcmp(ka, kn, la) != 0));
    CHECK_CONTAINS(ka, "libseccomp=");
    CHECK_CONTAINS(ka, "nested=0;");
    CHECK_CONTAINS(kn, "nested=1;");
}

static void test_miss_then_hit(void)
{
    make_dir();
    struct pd_seccomp sc = profile(rules_a, 2);
    struct pd_seccomp_bpf *compiled = NULL, *first = NULL, *second = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_compile(&sc, false, &compiled, &err) == 0);
    CHECK(get(&sc, false, &first) == PD_SECCOMP_CACHE_MISS);
    CHECK(get(&sc, false, &second) == PD_SECCOMP_CACHE_HIT);
    CHECK(same_bpf(compiled, first));
    CHECK(same_bpf(compiled, second));
    _cleanup_free_ char *path = entry_path();
    struct stat st;
    CHECK(path != NULL && stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 &&
          st.st_uid == geteuid());
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    pd_seccomp_bpf_free(compiled);
    pd_seccomp_bpf_free(first);
    pd_seccomp_bpf_free(second);
    cleanup_dir();
}

/* A built-in profile by name: keyed by its name (not its parsed rules),
 * nested or not apart; a miss parses and compiles it, the hit gives the
 * same BPF as compiling the parsed profile; an unknown name fails. */
static void test_builtin_by_name(void)
{
    make_dir();
    size_t lb = 0, ln = 0, lt = 0;
    struct pd_seccomp *typed = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_profile_builtin(PD_SECCOMP_PROFILE_DEFAULT, &typed, &err) == 0);
    _cleanup_free_ char *kb = pd_seccomp_cache_key_builtin(PD_SECCOMP_PROFILE_DEFAULT, false, &lb);
    _cleanup_free_ char *kn = pd_seccomp_cache_key_builtin(PD_SECCOMP_PROFILE_DEFAULT, true, &ln);
    _cleanup_free_ char *kt = typed ? pd_seccomp_cache_key(typed, false, &lt) : NULL;
    CHECK(kb != NULL && kn != NULL && kt != NULL);
    CHECK(kb && kn && (lb != ln || memcmp(kb, kn, lb) != 0));
    CHECK(kb && kt && (lb != lt || memcmp(kb, kt, lb) != 0));
    CHECK(kb && lb < 400); /* not the rules: those make a key of several KiB */
    struct pd_seccomp_bpf *compiled = NULL, *first = NULL, *second = NULL, *nested = NULL;
    enum pd_seccomp_cache_result r1 = PD_SECCOMP_CACHE_OFF, r2 = r1, r3 = r1;
    CHECK(typed && pd_seccomp_compile(typed, false, &compiled, &err) == 0);
    CHECK(pd_seccomp_cache_get_builtin(dir, PD_SECCOMP_PROFILE_DEFAULT, false, &first, &r1,
                                       &err) == 0 && r1 == PD_SECCOMP_CACHE_MISS);
    CHECK(pd_seccomp_cache_get_builtin(dir, PD_SECCOMP_PROFILE_DEFAULT, false, &second, &r2,
                                       &err) == 0 && r2 == PD_SECCOMP_CACHE_HIT);
    CHECK(pd_seccomp_cache_get_builtin(dir, PD_SECCOMP_PROFILE_DEFAULT, true, &nested, &r3,
                                       &err) == 0 && r3 == PD_SECCOMP_CACHE_MISS);
    CHECK(same_bpf(compiled, first));
    CHECK(same_bpf(compiled, second));
    CHECK(nested != NULL && !same_bpf(compiled, nested));
    struct pd_seccomp_bpf *none = NULL;
    CHECK(pd_seccomp_cache_get_builtin(dir, "no-such-profile", false, &none, NULL, &err) < 0);
    CHECK(err != NULL && none == NULL);
    if (err)
        CHECK_CONTAINS(err->msg, "no-such-profile");
    pd_error_free(err);
    pd_seccomp_profile_free(typed);
    pd_seccomp_bpf_free(compiled);
    pd_seccomp_bpf_free(first);
    pd_seccomp_bpf_free(second);
    pd_seccomp_bpf_free(nested);
    cleanup_dir();
}

static void test_changed_profile_misses(void)
{
    make_dir();
    struct pd_seccomp a = profile(rules_a, 2), b = profile(rules_b, 2);
    struct pd_seccomp_bpf *x = NULL;
    CHECK(get(&a, false, &x) == PD_SECCOMP_CACHE_MISS);
    pd_seccomp_bpf_free(x);
    CHECK(get(&b, false, &x) == PD_SECCOMP_CACHE_MISS);
    pd_seccomp_bpf_free(x);
    /* the nested-userns rules are part of the key (they need a deny default) */
    struct pd_seccomp_syscall allow[] = {RULE(PD_SECCOMP_ALLOW, "read", "write")};
    struct pd_seccomp deny = profile(allow, 1);
    deny.default_action = PD_SECCOMP_ERRNO;
    CHECK(get(&deny, false, &x) == PD_SECCOMP_CACHE_MISS);
    struct pd_seccomp_bpf *nested = NULL;
    CHECK(get(&deny, true, &nested) == PD_SECCOMP_CACHE_MISS);
    CHECK(x != NULL && nested != NULL && !same_bpf(x, nested));
    pd_seccomp_bpf_free(x);
    pd_seccomp_bpf_free(nested);
    /* so is the errno of a rule */
    struct pd_seccomp_syscall r[] = {RULE(PD_SECCOMP_ERRNO, "mkdir", "mkdirat"),
                                     RULE(PD_SECCOMP_ERRNO, "acct")};
    r[1].has_errno_ret = true;
    r[1].errno_ret = ENOENT;
    struct pd_seccomp c = profile(r, 2);
    CHECK(get(&c, false, &x) == PD_SECCOMP_CACHE_MISS);
    pd_seccomp_bpf_free(x);
    CHECK(get(&a, false, &x) == PD_SECCOMP_CACHE_HIT);
    pd_seccomp_bpf_free(x);
    CHECK(count_entries() == 5);
    cleanup_dir();
}

/* Change the entry with fn, then expect REJECTED, a rebuilt entry, and a HIT. */
static void expect_rejected_and_rebuilt(void (*fn)(const char *path), const char *what)
{
    make_dir();
    struct pd_seccomp sc = profile(rules_a, 2);
    struct pd_seccomp_bpf *good = NULL, *x = NULL;
    CHECK(get(&sc, false, &good) == PD_SECCOMP_CACHE_MISS);
    _cleanup_free_ char *path = entry_path();
    CHECK(path != NULL);
    if (path != NULL)
        fn(path);
    enum pd_seccomp_cache_result r = get(&sc, false, &x);
    if (r != PD_SECCOMP_CACHE_REJECTED)
        printf("    %s: result %d, not rejected\n", what, (int)r);
    CHECK(r == PD_SECCOMP_CACHE_REJECTED);
    CHECK(same_bpf(good, x));
    pd_seccomp_bpf_free(x);
    CHECK(get(&sc, false, &x) == PD_SECCOMP_CACHE_HIT);
    CHECK(same_bpf(good, x));
    pd_seccomp_bpf_free(x);
    pd_seccomp_bpf_free(good);
    cleanup_dir();
}

/* Flip one byte at off (negative: from the end). */
static void flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    unsigned char c;
    if (fd < 0 || fstat(fd, &st) < 0 || pread(fd, &c, 1, off < 0 ? st.st_size + off : off) != 1) {
        perror("flip_byte");
        if (fd >= 0)
            close(fd);
        return;
    }
    c ^= 0x40;
    if (pwrite(fd, &c, 1, off < 0 ? st.st_size + off : off) != 1)
        perror("flip_byte");
    close(fd);
}

static void flip_in_bpf(const char *path) { flip_byte(path, -3); }
/* the header is 56 bytes; the key material follows */
static void flip_in_key(const char *path) { flip_byte(path, 56 + 10); }
static void flip_in_header(const char *path) { flip_byte(path, 30); }
static void truncate_entry(const char *path)
{
    if (truncate(path, 100) < 0)
        perror("truncate");
}
static void foreign_owner(const char *path)
{
    if (chown(path, 65534, 65534) < 0)
        perror("chown");
}
static void group_writable(const char *path)
{
    if (chmod(path, 0620) < 0)
        perror("chmod");
}
static void hard_linked(const char *path)
{
    _cleanup_free_ char *other = pd_xasprintf("%s/extra-link", dir);
    if (link(path, other) < 0)
        perror("link");
}
static void replaced_by_symlink(const char *path)
{
    _cleanup_free_ char *target = pd_xasprintf("%s/real", dir);
    if (rename(path, target) < 0 || symlink(target, path) < 0)
        perror("symlink");
}

static void test_corrupted_bpf_rejected(void) { expect_rejected_and_rebuilt(flip_in_bpf, "bpf byte"); }
static void test_corrupted_key_rejected(void) { expect_rejected_and_rebuilt(flip_in_key, "key byte"); }
static void test_truncated_rejected(void) { expect_rejected_and_rebuilt(truncate_entry, "truncated"); }
static void test_mode_rejected(void) { expect_rejected_and_rebuilt(group_writable, "mode 0620"); }
static void test_hard_link_rejected(void) { expect_rejected_and_rebuilt(hard_linked, "nlink 2"); }
static void test_header_rejected(void) { expect_rejected_and_rebuilt(flip_in_header, "header"); }
static void test_symlink_rejected(void) { expect_rejected_and_rebuilt(replaced_by_symlink, "symlink"); }

static void test_foreign_owner_rejected(void)
{
    if (geteuid() != 0) {
        printf("    skipped: chown needs root\n");
        return;
    }
    expect_rejected_and_rebuilt(foreign_owner, "owner 65534");
}

/* A directory others may write is not used at all (but still compiles). */
static void test_open_dir_not_used(void)
{
    make_dir();
    CHECK(chmod(dir, 0777) == 0);
    struct pd_seccomp sc = profile(rules_a, 2);
    struct pd_seccomp_bpf *x = NULL;
    CHECK(get(&sc, false, &x) == PD_SECCOMP_CACHE_OFF);
    CHECK(x != NULL && x->len > 0);
    pd_seccomp_bpf_free(x);
    CHECK(count_entries() == 0);
    cleanup_dir();
    /* missing directories are made, 0700 */
    make_dir();
    cleanup_dir();
    _cleanup_free_ char *deep = pd_xasprintf("%s/a/b", dir);
    enum pd_seccomp_cache_result res;
    pd_error *err = NULL;
    CHECK(pd_seccomp_cache_get(deep, &sc, false, &x, &res, &err) == 0 &&
          res == PD_SECCOMP_CACHE_MISS);
    pd_seccomp_bpf_free(x);
    struct stat st;
    CHECK(stat(deep, &st) == 0 && (st.st_mode & 0777) == 0700);
    cleanup_dir();
}

static void test_compile_error_is_an_error(void)
{
    make_dir();
    struct pd_seccomp sc = profile(rules_a, 2);
    sc.architectures = NAMES("SCMP_ARCH_NOPE");
    sc.n_architectures = 1;
    struct pd_seccomp_bpf *x = NULL;
    pd_error *err = NULL;
    CHECK(pd_seccomp_cache_get(dir, &sc, false, &x, NULL, &err) == -1);
    CHECK(err != NULL && strstr(err->msg, "SCMP_ARCH_NOPE") != NULL);
    pd_error_free(err);
    CHECK(x == NULL);
    CHECK(count_entries() == 0);
    cleanup_dir();
}

/* A filter that came from the cache, loaded with seccomp(2), denies. */
static void test_cached_filter_denies(void)
{
    make_dir();
    struct pd_seccomp sc = profile(rules_a, 2);
    struct pd_seccomp_bpf *x = NULL;
    CHECK(get(&sc, false, &x) == PD_SECCOMP_CACHE_MISS);
    pd_seccomp_bpf_free(x);
    x = NULL;
    CHECK(get(&sc, false, &x) == PD_SECCOMP_CACHE_HIT);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pd_error *err = NULL;
        /* no_new_privs: the unit tests may run unprivileged */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || pd_seccomp_bpf_load(x, &err) < 0)
            _exit(99);
        _cleanup_free_ char *d = pd_xasprintf("%s/sub", dir);
        if (mkdir(d, 0700) == 0 || errno != EPERM)
            _exit(1);
        if (syscall(SYS_acct, NULL) == 0 || errno != EPERM)
            _exit(2);
        if (getpid() <= 0) /* allowed */
            _exit(3);
        _exit(0);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        printf("    child status %#x\n", status);
    pd_seccomp_bpf_free(x);
    cleanup_dir();
}

static void test_cache_off_by_env(void)
{
    setenv("PADDOCK_SECCOMP_CACHE", "off", 1);
    char *d = pd_seccomp_cache_dir();
    CHECK(d == NULL);
    free(d);
    unsetenv("PADDOCK_SECCOMP_CACHE");
    setenv("XDG_STATE_HOME", "/some/state", 1);
    d = pd_seccomp_cache_dir();
    CHECK_STR(d, "/some/state/paddock/seccomp");
    free(d);
}

int main(void)
{
    RUN(test_hash64);
    RUN(test_key_covers_inputs);
    RUN(test_miss_then_hit);
    RUN(test_changed_profile_misses);
    RUN(test_builtin_by_name);
    RUN(test_corrupted_bpf_rejected);
    RUN(test_corrupted_key_rejected);
    RUN(test_truncated_rejected);
    RUN(test_mode_rejected);
    RUN(test_hard_link_rejected);
    RUN(test_header_rejected);
    RUN(test_symlink_rejected);
    RUN(test_foreign_owner_rejected);
    RUN(test_open_dir_not_used);
    RUN(test_compile_error_is_an_error);
    RUN(test_cached_filter_denies);
    RUN(test_cache_off_by_env);
    UNIT_EXIT();
}
