/* io_uring: a large kernel surface whose operations bypass seccomp's view
 * of the calls they perform.  Attempts io_uring_setup(2). */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <sys/syscall.h>

#include "escape.h"

int main(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    if (fd < 0) {
        esc_blocked_errno("io_uring_setup", "io_uring_setup(4)");
    } else {
        esc_result("io_uring_setup", 1, "io_uring_setup(4) = fd %ld", fd);
        close((int)fd);
    }
    return esc_finish();
}
