#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

void *pd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

void *pd_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        abort();
    return p;
}

void *pd_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

char *pd_xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *r = strdup(s);
    if (r == NULL)
        abort();
    return r;
}

char *pd_xasprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        abort();
    return s;
}

void pd_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void pd_strv_freep(char ***v)
{
    pd_strv_free(*v);
    *v = NULL;
}

size_t pd_strv_len(char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

char **pd_strv_dup(char *const *v)
{
    size_t n = pd_strv_len(v);
    char **r = pd_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = pd_xstrdup(v[i]);
    return r;
}

int pd_read_fd(int fd, size_t max, char **out, size_t *len, pd_error **err)
{
    size_t cap = 4096, n = 0;
    char *buf = pd_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                free(buf);
                return pd_failx(err, "file larger than %zu bytes", max);
            }
            cap *= 2;
            buf = pd_xrealloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return pd_fail(err, e, "read");
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return pd_failx(err, "file larger than %zu bytes", max);
    }
    buf[n] = '\0';
    *out = buf;
    if (len != NULL)
        *len = n;
    return 0;
}

int pd_read_file(const char *path, size_t max, char **out, size_t *len, pd_error **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return pd_fail_errno(err, "open %s", path);
    if (pd_read_fd(fd, max, out, len, err) < 0)
        return pd_wrap(err, "%s", path);
    return 0;
}

int pd_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

int pd_write_file_atomic(const char *path, const char *data, size_t len, int mode,
                         pd_error **err)
{
    _cleanup_free_ char *tmp = pd_xasprintf("%s.tmp.%d", path, (int)getpid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return pd_fail_errno(err, "create %s", tmp);
    if (pd_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        pd_fail_errno(err, "write %s", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        pd_fail_errno(err, "rename %s to %s", tmp, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int pd_write_string(const char *path, const char *s, pd_error **err)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return pd_fail_errno(err, "open %s", path);
    if (pd_write_all(fd, s, strlen(s)) < 0)
        return pd_fail_errno(err, "write %s", path);
    return 0;
}

int pd_mkdir_p(const char *path, int mode, pd_error **err)
{
    /* The leaf first: its parents usually exist (one syscall, not one per component). */
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return pd_fail_errno(err, "mkdir %s", path);
    _cleanup_free_ char *parent = pd_xstrdup(path);
    char *slash = strrchr(parent, '/');
    while (slash != NULL && slash > parent && slash[1] == '\0') { /* trailing slashes */
        *slash = '\0';
        slash = strrchr(parent, '/');
    }
    if (slash == NULL || slash == parent)
        return pd_fail(err, ENOENT, "mkdir %s", path);
    *slash = '\0';
    if (pd_mkdir_p(parent, mode, err) < 0)
        return -1;
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return pd_fail_errno(err, "mkdir %s", path);
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = (flag == FTW_DP) ? rmdir(path) : unlink(path);
    return (r < 0 && errno != ENOENT) ? -1 : 0;
}

int pd_rm_rf(const char *path, pd_error **err)
{
    if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
        return pd_fail_errno(err, "remove %s", path);
    return 0;
}

bool pd_dir_each(int fd, bool (*fn)(const char *name, void *arg), void *arg)
{
    union {
        struct dirent64 e;
        char b[2048];
    } u;
    ssize_t n;
    while ((n = getdents64(fd, &u.e, sizeof(u.b))) > 0) {
        for (ssize_t off = 0; off < n;) {
            const struct dirent64 *e = (const struct dirent64 *)(void *)(u.b + off);
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && !fn(e->d_name, arg))
                return false;
            off += e->d_reclen;
        }
    }
    return n == 0;
}

static bool no_entry(const char *name, void *arg)
{
    (void)name, (void)arg;
    return false;
}

bool pd_dir_empty(int fd)
{
    return pd_dir_each(fd, no_entry, NULL);
}

bool pd_cpu_here(int *cpu, cpu_set_t *all)
{
    *cpu = sched_getcpu();
    return *cpu >= 0 && *cpu < CPU_SETSIZE && sched_getaffinity(0, sizeof(*all), all) == 0 &&
           CPU_COUNT(all) > 1 && CPU_ISSET(*cpu, all);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian): glibc's
 * gmtime_r calls tzset, which reads /etc/localtime (7 syscalls) for a UTC
 * time. */
void pd_time_format_utc(int64_t secs, long nsec, char *buf, size_t len)
{
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    days += 719468; /* from 0000-03-01 */
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;    /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                       /* March = 0 */
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", (long long)year,
             (long long)month, (long long)day, (long long)(rem / 3600),
             (long long)(rem % 3600 / 60), (long long)(rem % 60), nsec);
}

void pd_time_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pd_time_format_utc((int64_t)ts.tv_sec, ts.tv_nsec, buf, len);
}

bool pd_parse_u64(const char *s, unsigned long long *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* The kernel's struct sigaction (not glibc's). */
struct pd_kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

void pd_reset_signals(void)
{
    struct pd_kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Asked up to five times per start: the answer is kept for this pid.  A
 * process of paddock's that gets a user namespace is a new one (clone,
 * fork, a CLONE_VM helper) and asks again; none unshares or joins a user
 * namespace in place after asking. */
bool pd_in_initial_userns(void)
{
    static pid_t asked;
    static bool initial;
    if (asked != 0 && asked == getpid())
        return initial;
    _cleanup_free_ char *map = NULL;
    if (pd_read_file("/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
        return true;
    unsigned long a, b, c;
    int n = 0;
    initial = sscanf(map, "%lu %lu %lu %n", &a, &b, &c, &n) == 3 && map[n] == '\0' && a == 0 &&
              b == 0 && c == 4294967295UL;
    asked = getpid();
    return initial;
}

bool pd_proc_status_u64(const char *status, const char *key, int base, uint64_t *out)
{
    const char *p = strstr(status, key);
    if (p == NULL || (p != status && p[-1] != '\n'))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(p + strlen(key), &end, base);
    if (errno != 0 || end == p + strlen(key))
        return false;
    *out = v;
    return true;
}

struct build_id {
    unsigned char id[64];
    size_t len;
};

/* The NT_GNU_BUILD_ID note of the main program (the first object). */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct build_id *b = arg;
    (void)size;
    for (size_t i = 0; i < info->dlpi_phnum && b->len == 0; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        size_t align = ph->p_align == 8 ? 8 : 4, off = 0;
        const unsigned char *base = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        while (off + sizeof(ElfW(Nhdr)) <= ph->p_memsz) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(base + off);
            size_t name_off = off + sizeof(*nh);
            size_t desc_off = name_off + ((nh->n_namesz + align - 1) & ~(align - 1));
            size_t next = desc_off + ((nh->n_descsz + align - 1) & ~(align - 1));
            if (next > ph->p_memsz)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(base + name_off, "GNU", 4) == 0 && nh->n_descsz > 0 &&
                nh->n_descsz <= sizeof(b->id)) {
                memcpy(b->id, base + desc_off, nh->n_descsz);
                b->len = nh->n_descsz;
                break;
            }
            off = next;
        }
    }
    return 1; /* only the first object: the executable */
}

size_t pd_self_build_id(char hex[PD_BUILD_ID_HEX])
{
    /* the program's own note does not change: found once (three callers a start) */
    static char once[PD_BUILD_ID_HEX];
    static size_t len = (size_t)-1;
    if (len == (size_t)-1) {
        struct build_id b = {.len = 0};
        dl_iterate_phdr(find_build_id, &b);
        for (size_t i = 0; i < b.len; i++)
            snprintf(once + 2 * i, 3, "%02x", b.id[i]);
        once[2 * b.len] = '\0';
        len = 2 * b.len;
    }
    memcpy(hex, once, len + 1);
    return len;
}

/* MurmurHash3's 64-bit finaliser: every input bit moves every output bit. */
static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

uint64_t pd_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, v;
    for (; len >= 8; p += 8, len -= 8) { /* 8 bytes a step: ~1 ns each */
        memcpy(&v, p, 8);
        h = (h ^ v) * 0x87c37b91114253d5ULL;
        h ^= h >> 31;
    }
    v = 0;
    memcpy(&v, p, len);
    return fmix64((h ^ v) * 0x4cf5ad432745937fULL);
}
