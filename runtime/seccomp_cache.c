/* paddock: the seccomp filter cache (see seccomp_cache.h). */
#define _GNU_SOURCE
#include "seccomp_cache.h"

#include <errno.h>
#include <linux/filter.h>
/* libseccomp's header, not runtime/seccomp.h (see seccomp.c) */
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cachedir.h"
#include "log.h"
#include "sandbox_protect.h"
#include "seccomp_profile.h"
#include "util.h"

#define FORMAT "paddock seccomp cache 1"
#define MAGIC "PDSCBPF3"
#define MAX_ENTRIES 64          /* more, and a store clears the rest */
#define MAX_KEY (8u << 20)

/* An entry: this header, the key material, the instructions.  sum is a
 * hash of flags, n_insns and the instructions: a bit flipped on disk is a
 * miss, not a different filter (the key is compared whole anyway).  Not a
 * cryptographic one: whoever can write the entry can write its sum. */
struct entry_hdr {
    char magic[8];
    uint32_t key_len;
    uint32_t flags;
    uint32_t n_insns;
    uint32_t reserved;
    uint64_t sum;
};

static uint64_t bpf_sum(uint32_t flags, uint32_t n, const void *insns)
{
    uint32_t head[2] = {flags, n};
    return pd_hash64(head, sizeof(head)) ^ pd_hash64(insns, n * sizeof(struct sock_filter));
}

/* ---- key material ---- */

struct kbuf {
    char *p;
    size_t n, cap;
};

static void kb_add(struct kbuf *k, const void *data, size_t len)
{
    if (k->n + len + 1 > k->cap) {
        while (k->n + len + 1 > k->cap)
            k->cap = k->cap ? 2 * k->cap : 4096;
        k->p = pd_xrealloc(k->p, k->cap);
    }
    memcpy(k->p + k->n, data, len);
    k->n += len;
    k->p[k->n] = '\0';
}

static void kb_fmt(struct kbuf *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kb_fmt(struct kbuf *k, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        kb_add(k, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length-prefixed, so no string can pass for another field: "N:s;" (the
 * decimal written here, not by printf: a key holds ~400 of them). */
static void kb_str(struct kbuf *k, const char *s)
{
    if (s == NULL) {
        kb_add(k, "-;", 2);
        return;
    }
    size_t n = strlen(s), len = n;
    char num[24];
    char *d = num + sizeof(num);
    *--d = ':';
    do
        *--d = (char)('0' + len % 10);
    while ((len /= 10) > 0);
    kb_add(k, d, (size_t)(num + sizeof(num) - d));
    kb_add(k, s, n);
    kb_add(k, ";", 1);
}

static void kb_strv(struct kbuf *k, char *const *v, size_t n)
{
    kb_fmt(k, "[%zu]", n);
    for (size_t i = 0; i < n; i++)
        kb_str(k, v[i]);
}


static void key_profile(struct kbuf *k, const struct pd_seccomp *sc)
{
    kb_fmt(k, "default=%d,%d,%u;", (int)sc->default_action, (int)sc->has_default_errno_ret,
           (unsigned)sc->default_errno_ret);
    kb_strv(k, sc->architectures, sc->n_architectures);
    kb_strv(k, sc->flags, sc->n_flags);
    kb_str(k, sc->listener_path);
    kb_str(k, sc->listener_metadata);
    kb_fmt(k, "syscalls[%zu]", sc->n_syscalls);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct pd_seccomp_syscall *s = &sc->syscalls[i];
        kb_strv(k, s->names, s->n_names);
        kb_fmt(k, "a=%d,%d,%u;args[%zu]", (int)s->action, (int)s->has_errno_ret,
               (unsigned)s->errno_ret, s->n_args);
        for (size_t j = 0; j < s->n_args; j++)
            kb_fmt(k, "%u,%d,%llu,%llu;", s->args[j].index, (int)s->args[j].op,
                   (unsigned long long)s->args[j].value, (unsigned long long)s->args[j].value_two);
    }
}

/* The profile: sc, or the built-in one named builtin (whose text the
 * build id covers). */
static char *cache_key(const struct pd_seccomp *sc, const char *builtin, bool nested_userns,
                       size_t *len)
{
    char hex[PD_BUILD_ID_HEX];
    if (pd_self_build_id(hex) == 0)
        return NULL;
    struct kbuf k = {0};
    kb_str(&k, FORMAT);
    kb_str(&k, hex);
    const struct scmp_version *v = seccomp_version();
    kb_fmt(&k, "libseccomp=%u.%u.%u;native=%u;", v->major, v->minor, v->micro,
           (unsigned)seccomp_arch_native());
    struct utsname u;
    if (uname(&u) == 0) {
        kb_str(&k, u.release);
        kb_str(&k, u.machine);
    }
    kb_fmt(&k, "nested=%d;", (int)nested_userns);
    if (sc != NULL) {
        key_profile(&k, sc);
    } else {
        kb_add(&k, "builtin=", strlen("builtin="));
        kb_str(&k, builtin);
    }
    *len = k.n;
    return k.p;
}

char *pd_seccomp_cache_key(const struct pd_seccomp *sc, bool nested_userns, size_t *len)
{
    return cache_key(sc, NULL, nested_userns, len);
}

char *pd_seccomp_cache_key_builtin(const char *name, bool nested_userns, size_t *len)
{
    return cache_key(NULL, name, nested_userns, len);
}

/* ---- the directory and its entries ---- */

char *pd_seccomp_cache_dir(void)
{
    const char *off = getenv("PADDOCK_SECCOMP_CACHE");
    if (off != NULL && strcmp(off, "off") == 0)
        return NULL;
    _cleanup_free_ char *home = pd_state_home();
    return pd_xasprintf("%s/seccomp", home);
}

/* 1: a good entry for key in *out; 0: none; -1: one that failed a check. */
static int read_entry(int dfd, const char *name, const char *key, size_t key_len,
                      struct pd_seccomp_bpf **out)
{
    struct stat st;
    _cleanup_close_ int fd = pd_cachedir_open_entry(dfd, name, &st);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct entry_hdr h;
    size_t want = sizeof(h) + key_len;
    if ((size_t)st.st_size < want || (size_t)st.st_size > want + BPF_MAXINSNS * 8)
        return -1;
    _cleanup_free_ char *buf = pd_xmalloc((size_t)st.st_size);
    if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
        return -1;
    memcpy(&h, buf, sizeof(h));
    size_t n = h.n_insns;
    if (memcmp(h.magic, MAGIC, sizeof(h.magic)) != 0 || h.key_len != key_len || n == 0 ||
        n > BPF_MAXINSNS || (size_t)st.st_size != want + n * sizeof(struct sock_filter) ||
        memcmp(buf + sizeof(h), key, key_len) != 0)
        return -1;
    if (bpf_sum(h.flags, h.n_insns, buf + want) != h.sum)
        return -1;
    struct pd_seccomp_bpf *b = pd_xcalloc(1, sizeof(*b));
    b->flags = h.flags;
    b->len = n;
    b->insns = pd_xcalloc(n, sizeof(struct sock_filter));
    memcpy(b->insns, buf + want, n * sizeof(struct sock_filter));
    *out = b;
    return 1;
}

static int write_entry(int dfd, const char *name, const char *key, size_t key_len,
                       const struct pd_seccomp_bpf *b)
{
    struct entry_hdr h = {.key_len = (uint32_t)key_len, .flags = b->flags,
                          .n_insns = (uint32_t)b->len};
    memcpy(h.magic, MAGIC, sizeof(h.magic));
    h.sum = bpf_sum(h.flags, h.n_insns, b->insns);
    const struct iovec iov[] = {
        {&h, sizeof(h)},
        {(void *)key, key_len},
        {b->insns, b->len * sizeof(struct sock_filter)},
    };
    return pd_cachedir_store(dfd, name, iov, PD_ARRAY_SIZE(iov));
}

/* sc, or else the built-in profile named builtin, parsed only now. */
static int compile(const struct pd_seccomp *sc, const char *builtin, bool nested_userns,
                   struct pd_seccomp_bpf **out, pd_error **err)
{
    if (sc != NULL)
        return pd_seccomp_compile(sc, nested_userns, out, err);
    struct pd_seccomp *b = NULL;
    if (pd_seccomp_profile_builtin(builtin, &b, err) < 0)
        return -1;
    int r = pd_seccomp_compile(b, nested_userns, out, err);
    pd_seccomp_profile_free(b);
    return r;
}

static int cache_get(const char *dir, const struct pd_seccomp *sc, const char *builtin,
                     bool nested_userns, struct pd_seccomp_bpf **out,
                     enum pd_seccomp_cache_result *res, pd_error **err)
{
    enum pd_seccomp_cache_result dummy = PD_SECCOMP_CACHE_OFF;
    res = res ? res : &dummy;
    *res = PD_SECCOMP_CACHE_OFF;
    *out = NULL;
    size_t key_len = 0;
    _cleanup_free_ char *key = dir ? cache_key(sc, builtin, nested_userns, &key_len) : NULL;
    _cleanup_close_ int dfd = key && key_len <= MAX_KEY ? pd_cachedir_open(dir) : -1;
    if (dfd < 0) {
        if (dir != NULL)
            pd_debug("seccomp cache %s not used: %s", dir,
                     key == NULL ? "no build id" : strerror(errno));
        return compile(sc, builtin, nested_userns, out, err);
    }
    char name[32];
    snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)pd_hash64(key, key_len));
    int r = read_entry(dfd, name, key, key_len, out);
    if (r == 1) {
        *res = PD_SECCOMP_CACHE_HIT;
        return 0;
    }
    *res = r == 0 ? PD_SECCOMP_CACHE_MISS : PD_SECCOMP_CACHE_REJECTED;
    if (r < 0)
        pd_debug("seccomp cache: entry %s/%s rejected, compiling again", dir, name);
    if (compile(sc, builtin, nested_userns, out, err) < 0)
        return -1;
    if (write_entry(dfd, name, key, key_len, *out) < 0)
        pd_debug("seccomp cache: store %s/%s: %s", dir, name, strerror(errno));
    else
        pd_cachedir_prune(dfd, name, MAX_ENTRIES);
    return 0;
}

int pd_seccomp_cache_get(const char *dir, const struct pd_seccomp *sc, bool nested_userns,
                         struct pd_seccomp_bpf **out, enum pd_seccomp_cache_result *res,
                         pd_error **err)
{
    return cache_get(dir, sc, NULL, nested_userns, out, res, err);
}

int pd_seccomp_cache_get_builtin(const char *dir, const char *name, bool nested_userns,
                                 struct pd_seccomp_bpf **out, enum pd_seccomp_cache_result *res,
                                 pd_error **err)
{
    return cache_get(dir, NULL, name, nested_userns, out, res, err);
}

int pd_seccomp_state_save(int dfd, const struct pd_seccomp_bpf *b)
{
    return write_entry(dfd, PD_SECCOMP_STATE_FILE, "", 0, b);
}

int pd_seccomp_state_load(int dfd, struct pd_seccomp_bpf **out)
{
    *out = NULL;
    return read_entry(dfd, PD_SECCOMP_STATE_FILE, "", 0, out);
}

int pd_seccomp_prepare(const struct pd_seccomp *sc, bool nested_userns,
                       struct pd_seccomp_bpf **out, pd_error **err)
{
    _cleanup_free_ char *dir = pd_seccomp_cache_dir();
    return pd_seccomp_cache_get(dir, sc, nested_userns, out, NULL, err);
}

int pd_seccomp_prepare_builtin(const char *name, bool nested_userns, struct pd_seccomp_bpf **out,
                               pd_error **err)
{
    _cleanup_free_ char *dir = pd_seccomp_cache_dir();
    return pd_seccomp_cache_get_builtin(dir, name, nested_userns, out, NULL, err);
}
