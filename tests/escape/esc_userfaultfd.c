/* userfaultfd(2): the usual way to win kernel races in exploits.
 * Attempts it with UFFD_USER_MODE_ONLY (allowed to anyone) and without
 * (kernel-mode faults: CAP_SYS_PTRACE unless vm.unprivileged_userfaultfd). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>

#include "escape.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

int main(void)
{
    long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
    if (fd < 0) {
        esc_blocked_errno("userfaultfd_user", "userfaultfd(UFFD_USER_MODE_ONLY)");
    } else {
        esc_result("userfaultfd_user", 1, "userfaultfd(UFFD_USER_MODE_ONLY) = fd %ld", fd);
        close((int)fd);
    }
    fd = syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd < 0) {
        esc_blocked_errno("userfaultfd_kernel", "userfaultfd(0)");
    } else {
        esc_result("userfaultfd_kernel", 1, "userfaultfd(0) = fd %ld", fd);
        close((int)fd);
    }
    return esc_finish();
}
