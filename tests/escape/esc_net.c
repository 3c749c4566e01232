/* Reaching the host's loopback and abstract unix sockets with the network
 * off.
 *
 *   esc_net PORT NAME      connect to 127.0.0.1:PORT and to the abstract
 *                          unix socket "@NAME" (listeners the test runs on
 *                          the host); each succeeded when connect() did
 *   esc_net --listen PORT-FILE NAME COUNT-FILE
 *                          be those listeners on the host: a TCP socket on
 *                          127.0.0.1 (its port written to PORT-FILE) and
 *                          @NAME; each accepted connection appends a line
 *                          to COUNT-FILE */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "escape.h"

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    if (n + 1 > sizeof(a->sun_path))
        esc_error("abstract socket name too long");
    memcpy(a->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void note(const char *file, const char *what)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t r = write(fd, what, strlen(what));
        (void)r;
        close(fd);
    }
}

static int listen_mode(const char *port_file, const char *name, const char *count_file)
{
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(in);
    if (t < 0 || bind(t, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(t, 64) < 0 ||
        getsockname(t, (struct sockaddr *)&in, &len) < 0)
        esc_error("tcp listener: %s", strerror(errno));
    struct sockaddr_un un;
    socklen_t ulen = abstract_addr(&un, name);
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (u < 0 || bind(u, (struct sockaddr *)&un, ulen) < 0 || listen(u, 64) < 0)
        esc_error("abstract listener @%s: %s", name, strerror(errno));
    char port[32];
    snprintf(port, sizeof(port), "%u\n", (unsigned)ntohs(in.sin_port));
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    note(tmp, port);
    if (rename(tmp, port_file) < 0)
        esc_error("rename %s: %s", tmp, strerror(errno));
    struct pollfd p[2] = { { .fd = t, .events = POLLIN }, { .fd = u, .events = POLLIN } };
    for (;;) {
        if (poll(p, 2, -1) < 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                note(count_file, i == 0 ? "tcp\n" : "abstract\n");
                close(c);
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--listen") == 0)
        return listen_mode(argv[2], argv[3], argv[4]);
    if (argc != 3)
        esc_error("usage: esc_net PORT NAME | esc_net --listen PORT-FILE NAME COUNT-FILE");

    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (s < 0)
        esc_blocked_errno("loopback_tcp", "socket(AF_INET)");
    else if (connect(s, (struct sockaddr *)&in, sizeof(in)) < 0)
        esc_blocked_errno("loopback_tcp", "connect 127.0.0.1");
    else
        esc_result("loopback_tcp", 1, "connected to the host's 127.0.0.1:%s", argv[1]);
    if (s >= 0)
        close(s);

    struct sockaddr_un un;
    socklen_t ulen = abstract_addr(&un, argv[2]);
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        esc_blocked_errno("abstract_unix", "socket(AF_UNIX)");
    else if (connect(s, (struct sockaddr *)&un, ulen) < 0)
        esc_blocked_errno("abstract_unix", "connect @name");
    else
        esc_result("abstract_unix", 1, "connected to the host's abstract socket @%s", argv[2]);
    if (s >= 0)
        close(s);
    return esc_finish();
}
