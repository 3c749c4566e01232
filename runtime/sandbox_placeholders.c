/* paddock sandbox: placeholders, their journal and their spares (see
 * sandbox_placeholders.h). */
#define _GNU_SOURCE
#include "sandbox_placeholders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "sys_compat.h"

/* ---- journal ---- */

/* path as a DIR (close-on-exec), NULL when it can't be opened. */
static DIR *dir_open(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL && fd >= 0)
        close(fd);
    return d;
}

static bool read_starttime(pid_t pid, unsigned long long *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *s = strrchr(buf, ')'); /* comm may hold spaces */
    if (s == NULL)
        return false;
    /* field 22 (starttime) is the 20th after ") " */
    for (int i = 0; i < 20 && s; i++)
        s = strchr(s + 1, ' ');
    return s != NULL && sscanf(s + 1, "%llu", out) == 1;
}

static char *journal_name(pid_t pid)
{
    unsigned long long st = 0;
    if (!read_starttime(pid, &st))
        return NULL;
    return pd_xasprintf("%d-%llu", (int)pid, st);
}

static bool journal_alive(const char *name)
{
    int pid;
    unsigned long long st, now;
    if (sscanf(name, "%d-%llu", &pid, &st) != 2 || pid <= 0)
        return false;
    return read_starttime(pid, &now) && now == st;
}

/* The other live sandboxes' journals (their texts), read once per undo: the
 * lock on their directory is held, so none of them changes meanwhile. */
struct others {
    char **names;
    char **texts;
    size_t n;
};

static void others_free(struct others *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->names[i]);
        free(o->texts[i]);
    }
    free(o->names);
    free(o->texts);
}

static void others_read(const char *dir, const char *self, struct others *o)
{
    *o = (struct others){0};
    DIR *d = dir_open(dir, 0);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0 || !journal_alive(e->d_name))
            continue;
        _cleanup_free_ char *jp = pd_xasprintf("%s/%s", dir, e->d_name);
        char *text = NULL;
        if (pd_read_file(jp, 1 << 20, &text, NULL, NULL) < 0)
            continue;
        o->names = pd_xrealloc(o->names, (o->n + 1) * sizeof(char *));
        o->texts = pd_xrealloc(o->texts, (o->n + 1) * sizeof(char *));
        o->names[o->n] = pd_xstrdup(e->d_name);
        o->texts[o->n++] = text;
    }
    closedir(d);
}

static bool journal_lists(const char *text, const char *path)
{
    size_t n = strlen(path);
    for (const char *l = text; *l != '\0';) {
        const char *end = strchrnul(l, '\n');
        if ((size_t)(end - l) == n + 2 && n > 0 && memcmp(l + 2, path, n) == 0)
            return true;
        l = *end == '\n' ? end + 1 : end;
    }
    return false;
}

/* The live journal (not the one undone) that lists path, or NULL. */
static const char *used_elsewhere(const struct others *o, const char *path)
{
    for (size_t i = 0; i < o->n; i++)
        if (journal_lists(o->texts[i], path))
            return o->names[i];
    return NULL;
}

/* A placeholder another live sandbox still uses becomes that one's to remove. */
static void hand_over(const char *dir, const char *to, char kind, const char *path)
{
    _cleanup_free_ char *jp = pd_xasprintf("%s/%s", dir, to);
    _cleanup_free_ char *line = pd_xasprintf("%c %s\n", kind, path);
    _cleanup_close_ int fd = open(jp, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || pd_write_all(fd, line, strlen(line)) < 0)
        pd_warn("sandbox: hand placeholder %s over to %s: %s", path, jp, strerror(errno));
}

/* ---- spare placeholders (sandbox_placeholders.h says why) ---- */
#define SPARES_MAX 64

/* The mode mkdir(0755) gives now: a spare is named "<inode>-<mode>" and
 * only stands in where mkdir would have made the same mode. */
static mode_t placeholder_mode(void)
{
    static mode_t mode = 01; /* not asked yet (paddock never changes its umask) */
    if (mode == 01) {
        mode_t m = umask(0);
        umask(m);
        mode = 0755 & ~m;
    }
    return mode;
}

static void list_spares(struct pd_placeholders *c)
{
    c->spares_listed = true;
    _cleanup_free_ char *sd = pd_xasprintf("%s/.spare", c->dir);
    DIR *d = dir_open(sd, O_NOFOLLOW);
    if (d == NULL)
        return;
    char suffix[16];
    snprintf(suffix, sizeof(suffix), "-%o", (unsigned)placeholder_mode());
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), k = strlen(suffix);
        if (e->d_name[0] == '.' || n <= k || strcmp(e->d_name + n - k, suffix) != 0)
            continue;
        if (c->n_spares >= SPARES_MAX) { /* more than any run needs: trim */
            (void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
            continue;
        }
        c->spares = pd_xrealloc(c->spares, (c->n_spares + 1) * sizeof(char *));
        c->spares[c->n_spares++] = pd_xstrdup(e->d_name);
    }
    closedir(d);
}

/* A spare renamed to path (which must not exist); -1: none, mkdir instead. */
static int take_spare(struct pd_placeholders *c, const char *path)
{
    if (!c->spares_listed)
        list_spares(c);
    if (c->next_spare >= c->n_spares)
        return -1;
    _cleanup_free_ char *from = pd_xasprintf("%s/.spare/%s", c->dir, c->spares[c->next_spare++]);
    if (renameat2(AT_FDCWD, from, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno == EXDEV) /* another filesystem: no spare will do */
        c->next_spare = c->n_spares;
    return -1;
}

/* The placeholder dir at path back among the spares, while it is still an
 * empty directory of ours with the mode mkdir gives; false: not
 * moved (the caller removes it, or keeps what it holds).  Emptiness is
 * checked after the move, so that nothing made meanwhile goes with it. */
static bool return_spare(const char *dir, const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    mode_t mode = placeholder_mode();
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 07777) != mode)
        return false;
    _cleanup_free_ char *sd = pd_xasprintf("%s/.spare", dir);
    _cleanup_free_ char *to = pd_xasprintf("%s/%ju-%o", sd, (uintmax_t)st.st_ino, (unsigned)mode);
    if (renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) < 0 &&
        (errno != ENOENT || mkdir(sd, 0700) < 0 ||
         renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) < 0))
        return false;
    if (pd_dir_empty(fd))
        return true;
    if (renameat2(AT_FDCWD, to, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
        pd_warn("sandbox: placeholder %s was written to and is now %s: %s", path, to,
                strerror(errno));
    return true;
}

static void remove_placeholder(const char *dir, char kind, const char *path)
{
    if (kind == 'd') {
        if (!return_spare(dir, path) && rmdir(path) < 0 && errno != ENOENT)
            pd_debug("placeholder %s kept: %s", path, strerror(errno));
        return;
    }
    /* a file: only while it still holds what paddock wrote */
    const char *want = strcmp(strrchr(path, '/'), "/commondir") == 0 ? PD_COMMONDIR_PLACEHOLDER : "";
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
        pd_read_file(path, 4096, &text, &len, NULL) == 0 && len == strlen(want) &&
        memcmp(text, want, len) == 0 && unlink(path) < 0)
        pd_debug("placeholder %s kept: %s", path, strerror(errno));
}

void pd_placeholders_undo(const char *dir, const char *name)
{
    _cleanup_free_ char *jp = pd_xasprintf("%s/%s", dir, name);
    _cleanup_free_ char *text = NULL;
    if (pd_read_file(jp, 1 << 20, &text, NULL, NULL) == 0) {
        struct others o = {0};
        bool read = false; /* the others, at the first placeholder (none: only "u" lines) */
        char *lines[4096];
        size_t n = 0;
        for (char *l = strtok(text, "\n"); l && n < PD_ARRAY_SIZE(lines); l = strtok(NULL, "\n"))
            lines[n++] = l;
        while (n-- > 0) {
            if ((lines[n][0] != 'd' && lines[n][0] != 'f') || lines[n][1] != ' ' ||
                lines[n][2] != '/')
                continue;
            if (!read) {
                others_read(dir, name, &o);
                read = true;
            }
            const char *user = used_elsewhere(&o, lines[n] + 2);
            if (user != NULL)
                hand_over(dir, user, lines[n][0], lines[n] + 2);
            else
                remove_placeholder(dir, lines[n][0], lines[n] + 2);
        }
        others_free(&o);
    }
    if (unlink(jp) < 0 && errno != ENOENT)
        pd_warn("sandbox: remove the placeholder journal %s: %s", jp, strerror(errno));
}

int pd_placeholders_lock(const char *dir, pd_error **err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return pd_fail_errno(err, "sandbox: open %s", dir);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            close(fd);
            return pd_fail_errno(err, "sandbox: lock %s", dir);
        }
    }
    return fd;
}

/* Sweep the journals of dead sandboxes (a kill -9 left them). */
static void sweep(const char *dir)
{
    DIR *d = dir_open(dir, 0);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && !journal_alive(e->d_name)) {
            pd_debug("sandbox: sweeping placeholders of dead sandbox %s", e->d_name);
            pd_placeholders_undo(dir, e->d_name);
        }
    closedir(d);
}

int pd_placeholders_journal(struct pd_placeholders *c, char kind, const char *path, pd_error **err)
{
    if (c->journal_fd < 0) {
        _cleanup_free_ char *name = journal_name(getpid());
        if (name == NULL)
            return pd_failx(err, "sandbox: read /proc/self/stat");
        c->journal = pd_xasprintf("%s/%s", c->dir, name);
        c->journal_fd = open(c->journal, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                             0600);
        if (c->journal_fd < 0)
            return pd_fail_errno(err, "sandbox: create %s", c->journal);
    }
    _cleanup_free_ char *line = pd_xasprintf("%c %s\n", kind, path);
    /* no fsync: the journal has to outlive a killed paddock, not a power loss
     * (which takes the placeholders' own directory entries with it as well) */
    if (pd_write_all(c->journal_fd, line, strlen(line)) < 0)
        return pd_fail_errno(err, "sandbox: write %s", c->journal);
    return 0;
}

int pd_placeholders_make(struct pd_placeholders *c, const char *path, bool dir, pd_error **err)
{
    if (pd_placeholders_journal(c, dir ? 'd' : 'f', path, err) < 0)
        return -1;
    int r;
    if (dir) {
        r = take_spare(c, path) == 0 ? 0 : mkdir(path, 0755);
    } else {
        const char *text = strcmp(strrchr(path, '/'), "/commondir") == 0 ? PD_COMMONDIR_PLACEHOLDER
                                                                           : "";
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        r = fd < 0 || pd_write_all(fd, text, strlen(text)) < 0 ? -1 : 0;
    }
    if (r < 0) {
        /* the caller can't create it here, so neither can the sandbox (same uid) */
        pd_debug("sandbox: no placeholder %s: %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

int pd_placeholders_begin(struct pd_placeholders *c, const char *home, pd_error **err)
{
    *c = (struct pd_placeholders){.journal_fd = -1};
    c->dir = pd_xasprintf("%s/placeholders", home);
    int fd = pd_mkdir_p(c->dir, 0700, err) < 0 ? -1 : pd_placeholders_lock(c->dir, err);
    if (fd >= 0)
        sweep(c->dir);
    return fd;
}

void pd_placeholders_end(struct pd_placeholders *c)
{
    if (c->journal_fd >= 0)
        close(c->journal_fd);
    free(c->dir);
    free(c->journal);
    for (size_t i = 0; i < c->n_spares; i++)
        free(c->spares[i]);
    free(c->spares);
    *c = (struct pd_placeholders){.journal_fd = -1};
}
