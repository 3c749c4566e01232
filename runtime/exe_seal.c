/* paddock: re-execute from a sealed memfd copy of the binary.  See exe_seal.h. */
#define _GNU_SOURCE
#include "exe_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: say that the memfd is executable */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool fd_sealed(int fd)
{
    int s = fcntl(fd, F_GET_SEALS);
    return s >= 0 && (s & SEALS) == SEALS;
}

bool pd_exe_is_sealed(void)
{
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && fd_sealed(fd);
}

int pd_exe_seal_reexec(char **argv, pd_error **err)
{
    _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return pd_fail_errno(err, "open /proc/self/exe");
    if (fd_sealed(exe))
        return 0;
    struct stat st;
    if (fstat(exe, &st) < 0)
        return pd_fail_errno(err, "stat /proc/self/exe");
    _cleanup_close_ int mfd = memfd_create("paddock", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL) /* before Linux 6.3 */
        mfd = memfd_create("paddock", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return pd_fail_errno(err, "memfd_create");
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = sendfile(mfd, exe, NULL, (size_t)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return pd_fail(err, n < 0 ? errno : EIO, "copy /proc/self/exe into a memfd");
        left -= n;
    }
    if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
        return pd_fail_errno(err, "seal the memfd copy of /proc/self/exe");
    syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
    return pd_fail_errno(err, "execute the sealed copy of /proc/self/exe");
}
