/* paddock workspaces: recording the base and checking whether it moved.
 * See workspace.h and spec/workspaces.md ("Bases").
 *
 * git is the authority on a work tree's state, so it is asked, but never
 * through a shell: execve of the git found in PATH, with fsmonitor off (it
 * would run a hook), no optional locks (status must not write the index),
 * stdin /dev/null and its output in memfds. */
#define _GNU_SOURCE
#include "workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

extern char **environ;

/* git in PATH (or /usr/bin/git); NULL when there is none. */
static char *find_git(void)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = pd_xstrdup(path != NULL && path[0] ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        if (d[0] != '/')
            continue;
        char *p = pd_xasprintf("%s/git", d);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

static char *read_memfd(int fd)
{
    char *out = NULL;
    if (lseek(fd, 0, SEEK_SET) < 0 || pd_read_fd(fd, 1 << 20, &out, NULL, NULL) < 0)
        return pd_xstrdup("");
    return out;
}

/* Run git -C dir ARGS; its exit status, stdout in *out, stderr in *errout. */
static int run_git(const char *git, const char *dir, const char *const *args, char **out,
                   char **errout)
{
    const char *argv[16] = {"git", "-C", dir, "-c", "core.fsmonitor=false",
                            "--no-optional-locks"};
    size_t n = 6;
    for (size_t i = 0; args[i] && n < PD_ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    _cleanup_close_ int o = memfd_create("paddock-git-out", MFD_CLOEXEC);
    _cleanup_close_ int e = memfd_create("paddock-git-err", MFD_CLOEXEC);
    _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (o < 0 || e < 0 || null < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (dup2(null, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        setenv("GIT_OPTIONAL_LOCKS", "0", 1);
        setenv("GIT_TERMINAL_PROMPT", "0", 1);
        setenv("LC_ALL", "C", 1);
        execve(git, (char *const *)argv, environ);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    *out = read_memfd(o);
    *errout = read_memfd(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *first_line(const char *s)
{
    size_t n = strcspn(s, "\n");
    return n > 0 ? pd_xasprintf("%.*s", (int)n, s) : pd_xstrdup("git failed");
}

static void record_git(const char *path, struct pd_ws_base *b)
{
    _cleanup_free_ char *dotgit = pd_xasprintf("%s/.git", path);
    struct stat st;
    if (lstat(dotgit, &st) < 0)
        return;
    b->git = true;
    _cleanup_free_ char *git = find_git();
    if (git == NULL) {
        b->git_error = pd_xstrdup("git is not installed");
        return;
    }
    _cleanup_free_ char *out = NULL, *errs = NULL;
    static const char *const head[] = {"rev-parse", "--verify", "-q", "HEAD", NULL};
    int r = run_git(git, path, head, &out, &errs);
    if (r == 0)
        b->git_head = pd_xasprintf("%.*s", (int)strcspn(out, "\n"), out);
    else if (r != 1) /* 1: no commit yet */
        b->git_error = r < 0 ? pd_xstrdup(strerror(errno)) : first_line(errs);
    free(out);
    free(errs);
    out = errs = NULL;
    if (b->git_error != NULL)
        return;
    static const char *const status[] = {"status", "--porcelain", "--untracked-files=no", NULL};
    r = run_git(git, path, status, &out, &errs);
    if (r == 0)
        b->git_clean = out[0] == '\0';
    else
        b->git_error = r < 0 ? pd_xstrdup(strerror(errno)) : first_line(errs);
}

void pd_ws_base_record(const char *path, enum pd_ws_kind kind, struct pd_ws_base *b)
{
    memset(b, 0, sizeof(*b));
    struct timespec ts;
    /* the clock the kernel stamps ctime with: a change after this moment
     * has a ctime >= t0 */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    b->path = pd_xstrdup(path);
    b->t0_sec = ts.tv_sec;
    b->t0_nsec = ts.tv_nsec;
    if (kind == PD_WS_DIR)
        record_git(path, b);
}

static void add(char **list, const char *fmt, const char *a, const char *b)
{
    char *line = pd_xasprintf(fmt, a, b);
    char *joined = pd_xasprintf("%s%s%s", *list ? *list : "", *list ? "; " : "", line);
    free(line);
    free(*list);
    *list = joined;
}

/* What differs between then and now, or NULL; *unknown: it can't be told. */
static char *differences(const struct pd_ws_base *then, const struct pd_ws_base *now, bool *unknown)
{
    char *d = NULL;
    *unknown = false;
    if (strcmp(then->path, now->path) != 0)
        add(&d, "it was %s, now %s", then->path, now->path);
    if (!then->git || then->git_error != NULL) {
        *unknown = true;
        add(&d, "%s%s", then->git ? "its git state was not recorded: " : "it is not a git work "
            "tree, so whether it changed is unknown", then->git ? then->git_error : "");
        return d;
    }
    if (!now->git) {
        add(&d, "%s%s", "it is not a git work tree any more", "");
    } else if (now->git_error != NULL) {
        *unknown = true;
        add(&d, "%s%s", "git: ", now->git_error);
    } else {
        const char *h0 = then->git_head ? then->git_head : "(none)";
        const char *h1 = now->git_head ? now->git_head : "(none)";
        if (strcmp(h0, h1) != 0)
            add(&d, "HEAD moved from %s to %s", h0, h1);
        if (!then->git_clean)
            add(&d, "%s%s", "its work tree had uncommitted changes then, which can't be compared", "");
        else if (!now->git_clean)
            add(&d, "%s%s", "its work tree has uncommitted changes now (it was clean)", "");
    }
    return d;
}

int pd_ws_base_check(const struct pd_ws_base *then, const char *path, enum pd_ws_kind kind,
                     const char *snapshot, bool strict, pd_error **err)
{
    struct pd_ws_base now;
    pd_ws_base_record(path, kind, &now);
    bool unknown = false;
    _cleanup_free_ char *d = NULL;
    if (kind == PD_WS_ROOTFS)
        d = strcmp(then->path, now.path) != 0
                ? pd_xasprintf("it was %s, now %s", then->path, now.path) : NULL;
    else
        d = differences(then, &now, &unknown);
    bool path_moved = strcmp(then->path, now.path) != 0;
    pd_ws_base_clear(&now);
    if (d == NULL)
        return 0;
    if (strict)
        return pd_failx(err, "snapshot %s: its base %s: %s (--strict-base refuses to start "
                        "from it)", snapshot, unknown ? "can't be checked" : "has moved", d);
    /* a base that can't be checked is the normal case outside git: quiet */
    if (!unknown || path_moved)
        pd_warn("snapshot %s: its base has moved since it was recorded: %s", snapshot, d);
    else
        pd_debug("snapshot %s: %s", snapshot, d);
    return 0;
}
