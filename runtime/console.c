#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

int pd_console_connect(const char *path, int *sock, pd_error **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        return pd_failx(err, "console socket %s: path too long", path);
    strcpy(addr.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pd_fail_errno(err, "console socket: socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return pd_fail_errno(err, "connect to console socket %s", path);
    *sock = pd_steal_fd(&fd);
    return 0;
}

int pd_console_setup(const struct pd_process *proc, int *master, pd_error **err)
{
    _cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return pd_fail_errno(err, "terminal: open /dev/ptmx (is devpts mounted at /dev/pts?)");
    if (unlockpt(m) < 0)
        return pd_fail_errno(err, "terminal: unlockpt");
    /* TIOCGPTPEER opens the slave through the master: no path lookup. */
    _cleanup_close_ int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0)
        return pd_fail_errno(err, "terminal: open pty slave");
    if (proc->has_console_size) {
        struct winsize ws = {.ws_row = (unsigned short)proc->console_height,
                             .ws_col = (unsigned short)proc->console_width};
        if (ioctl(s, TIOCSWINSZ, &ws) < 0)
            return pd_fail_errno(err, "terminal: set window size");
    }
    if (ioctl(s, TIOCSCTTY, 0) < 0)
        return pd_fail_errno(err, "terminal: make controlling terminal");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(s, fd) < 0)
            return pd_fail_errno(err, "terminal: dup2 to fd %d", fd);
    *master = pd_steal_fd(&m);
    return 0;
}

int pd_console_send(int sock, int master, pd_error **err)
{
    char name[64] = "";
    if (ptsname_r(master, name, sizeof(name)) != 0)
        strcpy(name, "/dev/ptmx");
    struct iovec iov = {name, strlen(name)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    ssize_t r;
    do
        r = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return pd_fail_errno(err, "terminal: send the pty master to the console socket");
    return 0;
}

void pd_console_copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        (void)ioctl(to, TIOCSWINSZ, &ws);
}
