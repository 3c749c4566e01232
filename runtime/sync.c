#define _GNU_SOURCE
#include "sync.h"

#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pd_sync_send(int sock, int type, int value, const char *text, int fd, pd_error **err)
{
    struct pd_sync_msg m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    m.value = value;
    if (text != NULL)
        strncpy(m.text, text, sizeof(m.text) - 1);
    struct iovec iov = {&m, sizeof(m)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&u, 0, sizeof(u));
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t r;
    do
        r = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return pd_fail_errno(err, "sync: send");
    return 0;
}

int pd_sync_recv(int sock, struct pd_sync_msg *m, int *fd, pd_error **err)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(m, 0, sizeof(*m));
    struct iovec iov = {m, sizeof(*m)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf)};
    if (fd != NULL)
        *fd = -1;
    /* ECONNRESET: the peer closed with a message of ours unread (an init
     * that failed before it read NETNS, say).  The kernel reports that
     * once, before what the peer sent first (its PD_SYNC_ERROR): read on. */
    ssize_t r;
    bool reset = false;
    for (;;) {
        r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (r < 0 && (errno == EINTR || (errno == ECONNRESET && !reset))) {
            reset = reset || errno == ECONNRESET;
            continue;
        }
        break;
    }
    if (r < 0)
        return pd_fail_errno(err, "sync: receive");
    if (r == 0)
        return pd_failx(err, "container setup process exited unexpectedly");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof(int));
            if (fd != NULL)
                *fd = got;
            else
                close(got);
        }
    }
    m->text[sizeof(m->text) - 1] = '\0';
    return 0;
}

int pd_sync_expect(int sock, int type, struct pd_sync_msg *m, int *fd, pd_error **err)
{
    if (pd_sync_recv(sock, m, fd, err) < 0)
        return -1;
    if (m->type == PD_SYNC_ERROR) {
        pd_failx(err, "%s", m->text);
        (*err)->errnum = m->value;
        (*err)->exit_code = m->value2;
        return -1;
    }
    if (m->type != type)
        return pd_failx(err, "sync: expected message %d, got %d", type, m->type);
    return 0;
}

void pd_sync_send_error(int sock, const pd_error *e)
{
    struct pd_sync_msg m;
    memset(&m, 0, sizeof(m));
    m.type = PD_SYNC_ERROR;
    m.value = e ? e->errnum : 0;
    m.value2 = e ? e->exit_code : 0;
    strncpy(m.text, e && e->msg ? e->msg : "unknown error", sizeof(m.text) - 1);
    (void)!send(sock, &m, sizeof(m), MSG_NOSIGNAL);
}
