/* mount, umount, pivot_root and chroot escapes.
 *
 *   esc_mount [--only ATTEMPT] MARKER...
 *
 * Each MARKER is the absolute path of a file that exists on the host but
 * must not be visible from here: a file outside the container's root, in
 * the host's /tmp (a sandbox has its own), or under a masked path
 * (/sys/firmware/...).  Seeing one means the root was escaped or a mask
 * removed.  Each attempt runs in a child (they change the root or the
 * mount table); --only runs just one of them (the chroot control).
 *   mount_tmpfs         mount a tmpfs (reshaping the filesystem view)
 *   remount_proc_sys    remount /proc/sys read-write
 *   umount_masked       unmount the mask over /proc/keys
 *   chroot_breakout     chroot into a subdirectory, climb out with "..",
 *                       chroot there: the classic breakout, which reaches
 *                       the host when the root was not pivoted
 *   pivot_root          pivot_root(".", ".") and detach the old root
 *   umount_root         detach the mount at /
 * and, inside a new user and mount namespace (where a process is root of
 * its own namespaces), userns_umount_masked and userns_remount_proc_sys:
 * the masks and read-only mounts must stay locked there.
 * userns_mount (info) says whether a nested namespace could mount at all. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "escape.h"

static char **markers;
static int n_markers;

/* visible(): the first marker visible from here, or NULL. */
static const char *visible(void)
{
    for (int i = 0; i < n_markers; i++)
        if (esc_path_visible(markers[i]))
            return markers[i];
    return NULL;
}
static char scratch[64];

/* in_child(FN): run FN in a child; it exits 1 = succeeded, 0 = blocked,
 * 3 = n/a (info only). */
static void in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        esc_error("fork: %s", strerror(errno));
    if (pid == 0) {
        esc_n_succeeded = esc_n_blocked = 0;
        fn();
        fflush(stdout);
        _exit(esc_n_succeeded ? 1 : esc_n_blocked ? 0 : 3);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        esc_error("waitpid: %s", strerror(errno));
    if (!WIFEXITED(st) || WEXITSTATUS(st) > 3 || WEXITSTATUS(st) == 2)
        esc_error("attempt child ended with status %#x", st);
    if (WEXITSTATUS(st) == 1)
        esc_n_succeeded++;
    else if (WEXITSTATUS(st) == 0)
        esc_n_blocked++;
}

static void mount_tmpfs(void)
{
    if (mount("esc", scratch, "tmpfs", 0, "size=16k") < 0)
        return esc_blocked_errno("mount_tmpfs", "mount tmpfs");
    esc_result("mount_tmpfs", 1, "mounted a tmpfs on %s", scratch);
    umount2(scratch, MNT_DETACH);
}

static void remount_proc_sys(void)
{
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
        return esc_blocked_errno("remount_proc_sys", "remount /proc/sys read-write");
    esc_result("remount_proc_sys", 1, "remounted /proc/sys read-write");
}

static void umount_masked(void)
{
    if (umount2("/proc/keys", MNT_DETACH) < 0)
        return esc_blocked_errno("umount_masked", "umount /proc/keys");
    esc_result("umount_masked", 1, "unmounted the mask over /proc/keys");
}

static void chroot_breakout(void)
{
    char sub[96];
    snprintf(sub, sizeof(sub), "%s/c", scratch);
    if (mkdir(sub, 0700) < 0 && errno != EEXIST)
        esc_error("mkdir %s: %s", sub, strerror(errno));
    if (chdir("/") < 0 || chroot(sub) < 0)
        return esc_blocked_errno("chroot_breakout", "chroot");
    for (int i = 0; i < 64; i++)
        if (chdir("..") < 0)
            break;
    if (chroot(".") < 0)
        return esc_blocked_errno("chroot_breakout", "chroot(.) after climbing");
    if (visible() != NULL)
        return esc_result("chroot_breakout", 1, "broke out of the chroot: the host's %s is visible", visible());
    esc_result("chroot_breakout", 0, "chroot allowed, but climbing out reaches only this root");
}

static void pivot(void)
{
    if (chdir("/") < 0)
        esc_error("chdir /: %s", strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return esc_blocked_errno("pivot_root", "pivot_root(., .)");
    umount2(".", MNT_DETACH);
    esc_result("pivot_root", 1, "pivot_root(., .) worked%s", visible() != NULL ? "; a marker is visible" : "");
}

static void umount_root(void)
{
    if (umount2("/", MNT_DETACH) < 0)
        return esc_blocked_errno("umount_root", "umount /");
    if (chdir("/") == 0 && visible() != NULL)
        return esc_result("umount_root", 1, "detached /: the host's %s is visible", visible());
    esc_result("umount_root", 1, "detached the mount at /");
}

static void nested(void)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
        esc_info("userns_mount", "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s: no nested namespace", strerror(errno));
        return;
    }
    if (mount("esc", scratch, "tmpfs", 0, "size=16k") < 0) {
        esc_info("userns_mount", "denied: mount tmpfs in a nested namespace: %s", strerror(errno));
    } else {
        esc_info("userns_mount", "allowed: mounted a tmpfs in a nested namespace");
        umount2(scratch, MNT_DETACH);
    }
    if (umount2("/proc/keys", MNT_DETACH) < 0)
        esc_blocked_errno("userns_umount_masked", "umount /proc/keys in a nested namespace");
    else
        esc_result("userns_umount_masked", 1, "unmounted the mask over /proc/keys in a nested namespace");
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
        esc_blocked_errno("userns_remount_proc_sys", "remount /proc/sys read-write in a nested namespace");
    else
        esc_result("userns_remount_proc_sys", 1, "remounted /proc/sys read-write in a nested namespace");
}

static const struct {
    const char *name;
    void (*fn)(void);
} attempts[] = {
    /* nested first: umount_root detaches the root of the shared mount table */
    { "mount_tmpfs", mount_tmpfs },         { "remount_proc_sys", remount_proc_sys },
    { "umount_masked", umount_masked },     { "userns", nested },
    { "chroot_breakout", chroot_breakout }, { "pivot_root", pivot },
    { "umount_root", umount_root },
};

int main(int argc, char **argv)
{
    const char *only = NULL;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--only") == 0) {
        only = argv[2];
        i = 3;
    }
    markers = argv + i;
    n_markers = argc - i;
    if (n_markers == 0)
        esc_error("usage: esc_mount [--only ATTEMPT] MARKER... (absolute paths)");
    for (int m = 0; m < n_markers; m++)
        if (markers[m][0] != '/')
            esc_error("marker %s: not an absolute path", markers[m]);
    if (visible() != NULL)
        esc_error("the marker %s is visible before any attempt: not a useful test", visible());
    const char *dirs[] = { "/tmp", "/dev", "/dev/shm" };
    scratch[0] = '\0';
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        snprintf(scratch, sizeof(scratch), "%s/esc-mount.XXXXXX", dirs[d]);
        if (mkdtemp(scratch) != NULL)
            break;
        scratch[0] = '\0';
    }
    if (scratch[0] == '\0')
        esc_error("no writable scratch directory (tried /tmp, /dev, /dev/shm)");
    int ran = 0;
    for (size_t a = 0; a < sizeof(attempts) / sizeof(attempts[0]); a++) {
        if (only != NULL && strcmp(only, attempts[a].name) != 0)
            continue;
        in_child(attempts[a].fn);
        ran++;
    }
    if (ran == 0)
        esc_error("--only %s: no such attempt", only);
    char sub[96];
    snprintf(sub, sizeof(sub), "%s/c", scratch);
    rmdir(sub);
    rmdir(scratch);
    return esc_finish();
}
