/* docker-seccomp CMD [ARGS...]: run CMD under a seccomp filter like the
 * one Docker's default profile gives a container without CAP_SYS_ADMIN:
 * unshare(2), clone(2) with a namespace flag, setns(2), mount(2) and the
 * new mount API, umount2(2), pivot_root(2), keyctl(2), add_key(2) and
 * request_key(2) fail with EPERM, clone3(2) with ENOSYS (so that libc falls
 * back to clone, as Docker's profile makes it).  Everything else is
 * allowed.  Used by tests/integration/test_fallback.sh to make the
 * environment of an agent inside a default Docker container for real. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

static const char *const denied[] = {
    "unshare", "setns", "mount", "umount2", "pivot_root", "keyctl", "add_key", "request_key",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: docker-seccomp CMD [ARGS...]\n");
        return 2;
    }
    scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
    if (c == NULL) {
        fprintf(stderr, "docker-seccomp: seccomp_init failed\n");
        return 1;
    }
    int r = 0;
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]) && r == 0; i++) {
        int nr = seccomp_syscall_resolve_name(denied[i]);
        if (nr != __NR_SCMP_ERROR)
            r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), nr, 0);
    }
    for (unsigned long bit = 1; bit != 0 && r == 0; bit <<= 1)
        if (bit & NS_FLAGS) /* one rule per flag: any namespace flag set is refused */
            r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                 SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit));
    if (r == 0)
        r = seccomp_rule_add(c, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (r == 0)
        r = seccomp_load(c);
    seccomp_release(c);
    if (r < 0) {
        fprintf(stderr, "docker-seccomp: install the filter: %s\n", strerror(-r));
        return 1;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "docker-seccomp: exec %s: %s\n", argv[1], strerror(errno));
    return 127;
}
