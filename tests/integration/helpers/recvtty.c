/* recvtty: the receiving end of an OCI --console-socket, for tests.
 *
 *   recvtty [-i INPUT] [-t SECONDS] SOCKET
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the
 * pty master through SCM_RIGHTS, writes INPUT (if any) to it, then copies
 * everything read from the master to stdout until EOF/EIO (the container's
 * side closed).  Diagnostics go to stderr; exits 0 when a pty master was
 * received, 1 otherwise.  SIGALRM after SECONDS (default 30) ends it, so a
 * broken runtime cannot hang a test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "recvtty: timed out\n";
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(3);
}

int main(int argc, char **argv)
{
    const char *input = NULL;
    unsigned secs = 30;
    int opt;
    while ((opt = getopt(argc, argv, "i:t:")) != -1) {
        switch (opt) {
        case 'i': input = optarg; break;
        case 't': secs = (unsigned)atoi(optarg); break;
        default:
            fprintf(stderr, "usage: recvtty [-i INPUT] [-t SECONDS] SOCKET\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: recvtty [-i INPUT] [-t SECONDS] SOCKET\n");
        return 2;
    }
    const char *path = argv[optind];
    signal(SIGALRM, on_alarm);
    alarm(secs);

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "recvtty: socket path too long: %s\n", path);
        return 1;
    }
    strcpy(addr.sun_path, path);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0) {
        fprintf(stderr, "recvtty: listen on %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* The socket file appears at bind; tests wait for it. */
    int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        fprintf(stderr, "recvtty: accept: %s\n", strerror(errno));
        return 1;
    }
    char name[4096] = {0};
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
        fprintf(stderr, "recvtty: recvmsg: %s\n", strerror(errno));
        return 1;
    }
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(sizeof(int))) {
        fprintf(stderr, "recvtty: no SCM_RIGHTS fd in the message (%zd bytes: %s)\n", n, name);
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof(int));
    close(c);
    close(ls);
    struct stat st;
    if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(master)) {
        fprintf(stderr, "recvtty: received fd is not a terminal\n");
        return 1;
    }
    fprintf(stderr, "recvtty: received pty master (message '%s')\n", name);
    if (input != NULL) {
        size_t len = strlen(input);
        if (write(master, input, len) != (ssize_t)len)
            fprintf(stderr, "recvtty: write input: %s\n", strerror(errno));
    }
    char buf[4096];
    for (;;) {
        n = read(master, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EIO: every slave fd is closed */
        if (write(1, buf, (size_t)n) != n)
            break;
    }
    return 0;
}
