/* Unit tests: the create handshake's messages (runtime/sync.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sync.h"
#include "unit.h"

static int pair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static void test_fd_passed(void)
{
    int sv[2];
    CHECK(pair(sv) == 0);
    pd_error *err = NULL;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(pd_sync_send(sv[0], PD_SYNC_NETNS, 3, "x", fd, &err) == 0);
    struct pd_sync_msg m;
    int got = -1;
    CHECK(pd_sync_expect(sv[1], PD_SYNC_NETNS, &m, &got, &err) == 0);
    CHECK(m.value == 3 && got >= 0 && got != fd);
    CHECK(fcntl(got, F_GETFD) == FD_CLOEXEC);
    close(got);
    /* none passed: -1 */
    CHECK(pd_sync_send(sv[0], PD_SYNC_NETNS, 0, NULL, -1, &err) == 0);
    CHECK(pd_sync_expect(sv[1], PD_SYNC_NETNS, &m, &got, &err) == 0 && got == -1);
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

/* The init said why it failed and exited with a message of ours unread:
 * the kernel's ECONNRESET must not hide its error. */
static void test_error_after_reset(void)
{
    int sv[2];
    CHECK(pair(sv) == 0);
    pd_error *err = NULL, *sent = NULL;
    CHECK(pd_sync_send(sv[0], PD_SYNC_NETNS, 0, NULL, -1, &err) == 0); /* never read */
    pd_fail(&sent, EXDEV, "the rootfs changed while the sandbox started");
    pd_sync_send_error(sv[1], sent);
    close(sv[1]);
    struct pd_sync_msg m;
    CHECK(pd_sync_expect(sv[0], PD_SYNC_READY, &m, NULL, &err) < 0);
    CHECK(err != NULL && err->errnum == EXDEV);
    CHECK_CONTAINS(err != NULL ? err->msg : NULL, "changed while the sandbox started");
    pd_error_free(err);
    err = NULL;
    /* and then the end */
    CHECK(pd_sync_recv(sv[0], &m, NULL, &err) < 0);
    CHECK_CONTAINS(err != NULL ? err->msg : NULL, "exited unexpectedly");
    pd_error_free(err);
    pd_error_free(sent);
    close(sv[0]);
}

/* A reset with nothing behind it is still an error, not a hang. */
static void test_reset_alone(void)
{
    int sv[2];
    CHECK(pair(sv) == 0);
    pd_error *err = NULL;
    CHECK(pd_sync_send(sv[0], PD_SYNC_GO, 0, NULL, -1, &err) == 0);
    close(sv[1]);
    struct pd_sync_msg m;
    CHECK(pd_sync_recv(sv[0], &m, NULL, &err) < 0);
    CHECK(err != NULL);
    pd_error_free(err);
    close(sv[0]);
}

int main(void)
{
    RUN(test_fd_passed);
    RUN(test_error_after_reset);
    RUN(test_reset_alone);
    UNIT_EXIT();
}
