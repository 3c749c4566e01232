/* paddock: libmount's option map, loaded or cached (see mount_opts_cache.h). */
#define _GNU_SOURCE
#include "mount_opts_cache.h"

#include <dlfcn.h>
#include <errno.h>
#include <libmount/libmount.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cachedir.h"
#include "log.h"
#include "sandbox_protect.h"
#include "util.h"

#define FORMAT "paddock mount option cache 1"
#define MAP_LINE "map MNT_LINUX_MAP "
#define SEAL_PREFIX "hash64 "
#define SEAL_HEX 16
#define SEAL_LEN (sizeof(SEAL_PREFIX) - 1 + SEAL_HEX + 1) /* with its '\n' */
#define MAX_FILE (64u << 10)
#define MAX_OPTS 512u /* util-linux 2.38's Linux map has 40 */
#define MAX_NAME 64u
#define MAX_ENTRIES 16 /* one per paddock build; more, and a store clears the rest */
#define LD_CACHE "/etc/ld.so.cache"
#define LD_PRELOAD_FILE "/etc/ld.so.preload"

/* ---- libmount itself ---- */

static void *libmount; /* kept once loaded: the map lives in it */

#define LOAD_FAILED 3 /* the child's dlopen() or dlsym() failed: ours reports it */

/* The Linux map of the libmount at handle h, NULL when it has none. */
static const struct libmnt_optmap *builtin_map(void *h)
{
    const struct libmnt_optmap *(*get)(int) =
        (const struct libmnt_optmap *(*)(int))dlsym(h, "mnt_get_builtin_optmap");
    return get != NULL ? get(MNT_LINUX_MAP) : NULL;
}

/* libmount loaded first in a child that then exits: one that can't be
 * loaded into this process kills the child, and the runtime says so
 * instead of dying mid-start.  That is a static paddock's risk (Makefile:
 * STATIC_PIE): its dlopen() brings in the system's libc.so.6, which must be
 * of the glibc it was built with (README, Dependencies).  Only before this
 * process's first load (a cache miss, or no cache): ~1 ms then.  0 when the
 * load may go ahead (a plain failure is our own dlopen()'s to report). */
static int load_in_child_first(pd_error **err)
{
    pid_t pid = fork();
    if (pid < 0)
        return pd_fail_errno(err, "load libmount: fork");
    if (pid == 0) {
        void *h = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
        _exit(h != NULL && builtin_map(h) != NULL ? 0 : LOAD_FAILED);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "load libmount: wait for the loading process");
    if (WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == LOAD_FAILED))
        return 0;
    /* no ELF interpreter: this paddock is the static build */
    bool static_build = getauxval(AT_BASE) == 0;
    char how[64];
    if (WIFSIGNALED(st)) /* (a sanitizer's handler exits instead) */
        snprintf(how, sizeof(how), "signal %d, %s", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(st));
    return pd_failx(err, "load libmount: loading libmount.so.1 killed the process that tried "
                    "(%s); %s", how,
                    static_build ? "this paddock is linked statically and loads it with the "
                                   "system's libc.so.6, which must be of the glibc paddock was "
                                   "built with: rebuild paddock"
                                 : "check the libmount.so.1 that ld.so finds (ldconfig -p, "
                                   "LD_LIBRARY_PATH)");
}

/* The map, and in *path where ld.so loaded libmount from (NULL: unknown).
 * A failed load is tried again by the next call. */
static const struct libmnt_optmap *load_libmount(const char **path, pd_error **err)
{
    *path = NULL;
    if (libmount == NULL && load_in_child_first(err) < 0)
        return NULL;
    if (libmount == NULL)
        libmount = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
    if (libmount == NULL) {
        pd_failx(err, "load libmount: %s", dlerror());
        return NULL;
    }
    const struct libmnt_optmap *map = builtin_map(libmount);
    if (map == NULL) { /* the handle stays: a second attempt would find the same */
        pd_failx(err, "libmount.so.1: no mnt_get_builtin_optmap(MNT_LINUX_MAP)");
        return NULL;
    }
    struct link_map *lm = NULL;
    if (dlinfo(libmount, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL && lm->l_name != NULL &&
        lm->l_name[0] == '/')
        *path = lm->l_name;
    return map;
}

/* Whether the memory at addr is mapped from the file at path (its inode:
 * the device /proc/self/maps shows is the superblock's, which stat() does
 * not report on btrfs subvolumes).  A miss stores the map only then. */
static bool mapped_from(const void *addr, const char *path)
{
    struct stat st;
    _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
    if (f == NULL || stat(path, &st) < 0)
        return false;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    uintptr_t a = (uintptr_t)addr;
    while (getline(&line, &cap, f) > 0) {
        unsigned long lo, hi;
        unsigned long long ino;
        if (sscanf(line, "%lx-%lx %*s %*x %*x:%*x %llu", &lo, &hi, &ino) != 3)
            continue;
        if (a >= lo && a < hi)
            return ino != 0 && ino == (unsigned long long)st.st_ino;
    }
    return false;
}

/* ---- the header: what must hold now for an entry to be used ---- */

/* The identity of the file at path (stat(): through symlinks, as ld.so
 * opens it); "absent" when absent_ok and it does not exist. */
static int identity(const char *path, bool absent_ok, char *buf, size_t len)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT || !absent_ok)
            return -1;
        snprintf(buf, len, "absent");
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    int n = snprintf(buf, len, "dev=%llu ino=%llu size=%lld mtime=%lld.%09ld ctime=%lld.%09ld",
                     (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* An absolute path that fits on its line. */
static bool path_ok(const char *p, size_t len)
{
    if (len < 2 || len >= PATH_MAX || p[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return false;
    return true;
}

/* The lines every entry for libpath begins with, as things are now; NULL
 * (errno) when they can't be known. */
static char *header(const char *libpath)
{
    char hex[PD_BUILD_ID_HEX], lib[160], cache[160], preload[160];
    if (pd_self_build_id(hex) == 0 || !path_ok(libpath, strlen(libpath))) {
        errno = EINVAL;
        return NULL;
    }
    if (identity(libpath, false, lib, sizeof(lib)) < 0 ||
        identity(LD_CACHE, true, cache, sizeof(cache)) < 0 ||
        identity(LD_PRELOAD_FILE, true, preload, sizeof(preload)) < 0)
        return NULL;
    return pd_xasprintf("%s\nbuild-id %s\nlibmount %s\nlibmount-file %s\n"
                        "ld.so.cache %s\nld.so.preload %s\n",
                        FORMAT, hex, libpath, lib, cache, preload);
}

/* ---- reading an entry ---- */

/* The hash line closing text[0..len) checks out (against a torn or damaged
 * entry: whoever could write the entry could write its hash), and there is
 * no NUL. */
static bool sealed(const char *text, size_t len)
{
    if (len <= SEAL_LEN || memchr(text, '\0', len) != NULL || text[len - 1] != '\n')
        return false;
    size_t body = len - SEAL_LEN;
    const char *seal = text + body;
    if (text[body - 1] != '\n' || memcmp(seal, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1) != 0)
        return false;
    char hex[SEAL_HEX + 1];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)pd_hash64(text, body));
    return memcmp(seal + sizeof(SEAL_PREFIX) - 1, hex, SEAL_HEX) == 0;
}

/* The recorded libmount path (the third line), if it is one. */
static char *recorded_path(const char *text)
{
    const char *p = strchr(text, '\n');
    p = p != NULL ? strchr(p + 1, '\n') : NULL;
    if (p == NULL || strncmp(p + 1, "libmount /", 10) != 0)
        return NULL;
    p += 1 + strlen("libmount ");
    size_t n = strcspn(p, "\n");
    if (p[n] != '\n' || !path_ok(p, n))
        return NULL;
    return strndup(p, n);
}

/* A decimal int at *p ending in sep; *p moves past sep. */
static bool parse_int(const char **p, char sep, long long lo, long long hi, long long *out)
{
    const char *s = *p;
    if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != sep || v < lo || v > hi)
        return false;
    *out = v;
    *p = end + 1;
    return true;
}

/* A name of up to MAX_NAME visible ASCII characters ending in '\n'. */
static size_t name_len(const char *p)
{
    size_t n = 0;
    while (n <= MAX_NAME && p[n] > ' ' && p[n] < 0x7f)
        n++;
    return n > 0 && n <= MAX_NAME && p[n] == '\n' ? n : 0;
}

/* A name as an entry holds it: what name_len() reads back. */
static bool name_ok(const char *s)
{
    size_t n = 0;
    while (s[n] > ' ' && s[n] < 0x7f)
        n++;
    return n > 0 && n <= MAX_NAME && s[n] == '\0';
}

/* The map lines p..end: "map MNT_LINUX_MAP N", then N lines "ID MASK NAME".
 * One block: the entries, the terminating {NULL}, the names. */
static struct libmnt_optmap *parse_map(const char *p, const char *end)
{
    long long n, id, mask;
    if (strncmp(p, MAP_LINE, strlen(MAP_LINE)) != 0)
        return NULL;
    p += strlen(MAP_LINE);
    if (!parse_int(&p, '\n', 1, MAX_OPTS, &n))
        return NULL;
    size_t head = ((size_t)n + 1) * sizeof(struct libmnt_optmap);
    struct libmnt_optmap *map = pd_xcalloc(1, head + (size_t)(end - p));
    char *names = (char *)map + head;
    for (long long i = 0; i < n; i++) {
        size_t len;
        if (p >= end || !parse_int(&p, ' ', INT_MIN, INT_MAX, &id) ||
            !parse_int(&p, ' ', INT_MIN, INT_MAX, &mask) || (len = name_len(p)) == 0 ||
            p + len >= end) {
            free(map);
            return NULL;
        }
        memcpy(names, p, len); /* the block is zeroed: names[len] is the NUL */
        map[i] = (struct libmnt_optmap){.name = names, .id = (int)id, .mask = (int)mask};
        names += len + 1;
        p += len + 1;
    }
    if (p != end) {
        free(map);
        return NULL;
    }
    return map;
}

/* 1: a good entry in *out; 0: none; -1: one that failed a check. */
static int read_entry(int dfd, const char *name, struct libmnt_optmap **out)
{
    struct stat st;
    _cleanup_close_ int fd = pd_cachedir_open_entry(dfd, name, &st);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (st.st_size <= 0 || (uintmax_t)st.st_size > MAX_FILE)
        return -1;
    size_t len = (size_t)st.st_size;
    _cleanup_free_ char *text = pd_xmalloc(len + 1);
    if (pread(fd, text, len, 0) != (ssize_t)len)
        return -1;
    text[len] = '\0';
    if (!sealed(text, len))
        return -1;
    _cleanup_free_ char *lib = recorded_path(text);
    _cleanup_free_ char *want = lib != NULL ? header(lib) : NULL;
    size_t body = len - SEAL_LEN, hlen = want != NULL ? strlen(want) : 0;
    if (want == NULL || hlen >= body || memcmp(text, want, hlen) != 0)
        return -1;
    text[body] = '\0';
    *out = parse_map(text + hlen, text + body);
    return *out != NULL ? 1 : -1;
}

/* ---- writing one ---- */

/* The entry's text for map as libpath's, NULL (errno) when the map has
 * something an entry can't hold (then it is not cached). */
static char *entry_text(const char *libpath, const struct libmnt_optmap *map, size_t *len)
{
    size_t n = 0;
    for (const struct libmnt_optmap *m = map; m->name != NULL; m++, n++)
        if (n >= MAX_OPTS || !name_ok(m->name)) {
            errno = EINVAL;
            return NULL;
        }
    if (n == 0) {
        errno = EINVAL;
        return NULL;
    }
    _cleanup_free_ char *hdr = header(libpath);
    if (hdr == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return NULL;
    fprintf(f, "%s%s%zu\n", hdr, MAP_LINE, n);
    for (const struct libmnt_optmap *m = map; m->name != NULL; m++)
        fprintf(f, "%d %d %s\n", m->id, m->mask, m->name);
    if (fclose(f) != 0 || text == NULL) {
        free(text);
        return NULL;
    }
    char *sealed_text = pd_xasprintf("%s%s%016llx\n", text, SEAL_PREFIX,
                                     (unsigned long long)pd_hash64(text, size));
    free(text);
    *len = size + SEAL_LEN;
    return sealed_text;
}

static int store_at(int dfd, const char *name, const struct libmnt_optmap *map,
                    const char *libpath)
{
    size_t len = 0;
    _cleanup_free_ char *text = entry_text(libpath, map, &len);
    if (text == NULL)
        return -1;
    const struct iovec iov = {text, len};
    return pd_cachedir_store(dfd, name, &iov, 1);
}

#define ENTRY_NAME (PD_BUILD_ID_HEX + 4)

/* The entry's name: the binary's build id (none: no cache). */
static bool entry_name(char name[ENTRY_NAME])
{
    if (pd_self_build_id(name) == 0)
        return false;
    strcat(name, ".map");
    return true;
}

int pd_mountopt_cache_store(const char *dir, const struct libmnt_optmap *map, const char *libpath)
{
    char name[ENTRY_NAME];
    if (!entry_name(name)) {
        errno = ENOEXEC;
        return -1;
    }
    _cleanup_close_ int dfd = pd_cachedir_open(dir);
    return dfd < 0 ? -1 : store_at(dfd, name, map, libpath);
}

/* ---- the entry point ---- */

char *pd_mountopt_cache_dir(void)
{
    const char *off = getenv("PADDOCK_MOUNTOPT_CACHE");
    if (off != NULL && strcmp(off, "off") == 0)
        return NULL;
    _cleanup_free_ char *home = pd_state_home();
    return pd_xasprintf("%s/mountopts", home);
}

/* Why dlopen() might not find the libmount an entry describes. */
static const char *loader_env(void)
{
    static const char *const vars[] = {"LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return vars[i];
    }
    return NULL;
}

/* A miss: libmount's map, stored when it provably came from the file an
 * entry would name. */
static const struct libmnt_optmap *load_and_store(int dfd, const char *name, pd_error **err)
{
    const char *lib;
    const struct libmnt_optmap *map = load_libmount(&lib, err);
    if (map == NULL)
        return NULL;
    if (lib == NULL || !mapped_from(map, lib))
        pd_debug("mount option cache: libmount's map is not from %s: not stored",
                 lib != NULL ? lib : "a known path");
    else if (store_at(dfd, name, map, lib) < 0)
        pd_debug("mount option cache: store %s: %s", name, strerror(errno));
    else
        pd_cachedir_prune(dfd, name, MAX_ENTRIES);
    return map;
}

const struct libmnt_optmap *pd_mountopt_cache_get(const char *dir, void **owned,
                                                  enum pd_mountopt_cache_result *res,
                                                  pd_error **err)
{
    enum pd_mountopt_cache_result dummy = PD_MOUNTOPT_CACHE_OFF;
    res = res != NULL ? res : &dummy;
    *res = PD_MOUNTOPT_CACHE_OFF;
    *owned = NULL;
    const char *lib, *env = dir != NULL ? loader_env() : NULL;
    char name[ENTRY_NAME];
    bool named = dir != NULL && env == NULL && entry_name(name);
    _cleanup_close_ int dfd = named ? pd_cachedir_open(dir) : -1;
    if (dfd < 0) {
        if (dir != NULL)
            pd_debug("mount option cache %s not used: %s", dir,
                     env != NULL ? env : !named ? "no build id" : strerror(errno));
        return load_libmount(&lib, err);
    }
    struct libmnt_optmap *cached = NULL;
    int r = read_entry(dfd, name, &cached);
    if (r == 1) {
        *res = PD_MOUNTOPT_CACHE_HIT;
        *owned = cached;
        return cached;
    }
    *res = r == 0 ? PD_MOUNTOPT_CACHE_MISS : PD_MOUNTOPT_CACHE_REJECTED;
    if (r < 0)
        pd_debug("mount option cache: entry %s/%s rejected, loading libmount", dir, name);
    return load_and_store(dfd, name, err);
}
