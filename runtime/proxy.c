/* paddock: the egress proxy's event loop and byte pump.  See proxy.h. */
#define _GNU_SOURCE
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "util.h"

#define TAG_LISTEN (1ULL << 32)
#define TAG_DNS (2ULL << 32)
#define TAG_PIDFD (3ULL << 32)
#define TAG_CONN (4ULL << 32)
#define TAG_RES (5ULL << 32)
#define TAG_MASK (0xffULL << 32)
#define TAG_V6 0x100ULL /* with TAG_LISTEN, TAG_DNS: the IPv6 socket */

int64_t pd_proxy_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *via_name(enum proxy_listener k)
{
    static const char *const n[] = {"http-proxy", "socks5", "transparent-http",
                                    "transparent-tls", "dns-tcp"};
    return n[k];
}

/* network.json (netstats.h), when something changed and the period is
 * over, or at the end (final). */
static void stats_flush(struct pd_proxy *px, int64_t now, bool final)
{
    if (px->state_fd < 0)
        return;
    if (!final && (!px->stats_dirty || now - px->stats_at < PD_NETSTATS_PERIOD_MS))
        return;
    /* the bytes of the ended connections, and of those open now */
    uint64_t out = px->stats.done_out, in = px->stats.done_in;
    for (size_t i = 0; i < PROXY_MAX_CONNS; i++)
        if (px->conns[i] != NULL)
            out += px->conns[i]->bytes_up, in += px->conns[i]->bytes_down;
    px->stats.bytes_out = out;
    px->stats.bytes_in = in;
    px->stats.open = px->n_conns;
    px->stats.final = final;
    size_t len = 0;
    _cleanup_free_ char *text = pd_netstats_json(&px->stats, &len);
    pd_error *err = NULL;
    if (pd_state_write_atomic(px->state_fd, "network.json", "network.json", text, len, 0600,
                              &err) < 0) {
        pd_warn("network: counters: %s", err->msg);
        pd_error_free(err);
    }
    px->stats_at = now;
    px->stats_dirty = false;
}

void pd_proxy_audit(struct proxy_conn *c, const char *event, const char *reason)
{
    if (strcmp(event, "network.deny") == 0)
        pd_netstats_deny(&c->px->stats, c->host, c->port, via_name(c->kind), reason);
    else
        pd_netstats_allow(&c->px->stats, c->host, c->bytes_up, c->bytes_down);
    c->px->stats_dirty = true;
    if (c->px->audit == NULL)
        return;
    struct pd_audit_field f[] = {
        {.key = "host", .type = PD_AF_STR, .s = c->host[0] ? c->host : NULL},
        {.key = "port", .type = PD_AF_INT, .i = c->port},
        {.key = "rule", .type = PD_AF_STR, .s = reason},
        {.key = "via", .type = PD_AF_STR, .s = via_name(c->kind)},
        {.key = "address", .type = PD_AF_STR, .s = c->addr[0] ? c->addr : NULL},
        {.key = "bytes_out", .type = PD_AF_INT, .i = (long long)c->bytes_up},
        {.key = "bytes_in", .type = PD_AF_INT, .i = (long long)c->bytes_down},
    };
    pd_error *err = NULL;
    if (pd_audit_event(c->px->audit, event, c->px->id, f, PD_ARRAY_SIZE(f), &err) < 0) {
        pd_warn("network: audit: %s", err->msg);
        pd_error_free(err);
    }
}

static void ep_set(struct proxy_conn *c, int fd, int which, uint32_t ev, uint32_t *cur)
{
    if (fd < 0) { /* closed: the kernel dropped it from the set */
        *cur = 0;
        return;
    }
    if (ev == *cur)
        return;
    struct epoll_event e = {.events = ev,
                            .data.u64 = TAG_CONN | ((uint64_t)c->slot << 2) | (uint64_t)which};
    int op = *cur == 0 ? EPOLL_CTL_ADD : ev == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (epoll_ctl(c->px->epfd, op, fd, &e) < 0)
        pd_warn("network: epoll_ctl: %s", strerror(errno));
    *cur = ev;
}

/* Per-fd registered events live after the conn (see conn_ev). */
struct conn_ev {
    uint32_t c, u, a;
};
static struct conn_ev evs[PROXY_MAX_CONNS];

void pd_proxy_update(struct proxy_conn *c)
{
    uint32_t ce = 0, ue = 0, ae = 0;
    bool head = c->state == CS_HEAD || c->state == CS_SOCKS_REQ;
    if (head && c->in_len < sizeof(c->in))
        ce |= EPOLLIN;
    if (c->state == CS_SPLICE && c->in_off == c->in_len && c->pup_n == 0 && !c->c_eof)
        ce |= EPOLLIN;
    if (c->out_off < c->out_len || c->pdown_n > 0)
        ce |= EPOLLOUT;
    if (c->state == CS_CONNECTING)
        ue |= EPOLLOUT;
    if (c->state == CS_SPLICE) {
        if (c->out_off == c->out_len && c->pdown_n == 0 && !c->u_eof)
            ue |= EPOLLIN;
        if (c->in_off < c->in_len || c->pup_n > 0)
            ue |= EPOLLOUT;
    }
    if (c->state == CS_APPROVE && c->apid_fd >= 0)
        ae = EPOLLIN;
    struct conn_ev *e = &evs[c->slot];
    ep_set(c, c->cfd, 0, ce, &e->c);
    ep_set(c, c->ufd, 1, ue, &e->u);
    ep_set(c, c->apid_fd, 2, ae, &e->a);
}

void pd_proxy_close(struct proxy_conn *c)
{
    struct pd_proxy *px = c->px;
    struct conn_ev *e = &evs[c->slot];
    pd_proxy_approve_kill(c);
    if (c->res_id >= 0)
        pd_resolver_cancel(px->res, c->res_id);
    if (c->cfd >= 0)
        close(c->cfd);
    if (c->ufd >= 0)
        close(c->ufd);
    for (int i = 0; i < 2; i++) {
        if (c->pup[i] >= 0)
            close(c->pup[i]);
        if (c->pdown[i] >= 0)
            close(c->pdown[i]);
    }
    *e = (struct conn_ev){0};
    px->conns[c->slot] = NULL;
    px->n_conns--;
    free(c);
}

static void on_accept(struct pd_proxy *px, enum proxy_listener kind, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    size_t slot = 0;
    while (slot < PROXY_MAX_CONNS && px->conns[slot] != NULL)
        slot++;
    if (slot == PROXY_MAX_CONNS) { /* the limit: refused at once */
        pd_debug("network: %d connections already, one refused", PROXY_MAX_CONNS);
        close(fd);
        return;
    }
    struct proxy_conn *c = pd_xcalloc(1, sizeof(*c));
    *c = (struct proxy_conn){.px = px, .slot = slot, .kind = kind, .cfd = fd, .ufd = -1,
                             .apid_fd = -1, .apid = -1, .res_id = -1, .pup = {-1, -1},
                             .pdown = {-1, -1},
                             .deadline = pd_proxy_now() + PROXY_HEAD_TIMEOUT_MS};
    c->state = CS_HEAD;
    if (kind == PL_T80 || kind == PL_T443) {
        socklen_t len = sizeof(c->odst);
        if (getsockname(fd, (struct sockaddr *)&c->odst, &len) < 0) {
            close(fd);
            free(c);
            return;
        }
        c->port = kind == PL_T80 ? 80 : 443;
    }
    px->conns[slot] = c;
    px->n_conns++;
    pd_proxy_update(c);
}

/* Read from the client: more head, or splice data. */
static void client_read(struct proxy_conn *c)
{
    if (c->in_off == c->in_len && c->state == CS_SPLICE)
        c->in_off = c->in_len = 0;
    ssize_t n = recv(c->cfd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n == 0 && c->kind == PL_DNS && c->out_off < c->out_len) { /* answers pending */
        c->state = CS_DRAIN;
        return;
    }
    if (n <= 0 && c->state != CS_SPLICE) { /* gone before deciding */
        pd_proxy_close(c);
        return;
    }
    if (n <= 0) {
        c->c_eof = true;
        if (n < 0) /* reset: nothing more will flow either way */
            c->u_eof = true, c->out_off = c->out_len;
        return;
    }
    c->in_len += (size_t)n;
    if (c->state == CS_SPLICE) {
        c->bytes_up += (uint64_t)n;
        c->px->stats_dirty = true;
    } else
        pd_proxy_head(c);
}

static bool pump_out(int fd, uint8_t *buf, size_t *off, size_t len)
{
    while (*off < len) {
        ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0)
            return false;
        *off += (size_t)n;
    }
    return true;
}

static void upstream_read(struct proxy_conn *c)
{
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    ssize_t n = recv(c->ufd, c->out + c->out_len, sizeof(c->out) - c->out_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        c->u_eof = true;
        if (n < 0)
            c->c_eof = true, c->in_off = c->in_len;
        return;
    }
    c->out_len += (size_t)n;
    c->bytes_down += (uint64_t)n;
    c->px->stats_dirty = true;
}

/* The two pipes of a spliced connection, made when first needed; false:
 * none (EMFILE and the like), the buffers carry the data instead. */
static bool pipes(struct proxy_conn *c)
{
    if (c->pup[0] >= 0)
        return true;
    if (c->no_pipes)
        return false;
    if (pipe2(c->pup, O_NONBLOCK | O_CLOEXEC) < 0) {
        c->no_pipes = true;
        return false;
    }
    if (pipe2(c->pdown, O_NONBLOCK | O_CLOEXEC) < 0) {
        close(c->pup[0]);
        close(c->pup[1]);
        c->pup[0] = c->pup[1] = -1;
        c->no_pipes = true;
        return false;
    }
    int a = fcntl(c->pup[1], F_GETPIPE_SZ), b = fcntl(c->pdown[1], F_GETPIPE_SZ);
    c->pup_cap = a > 0 ? (size_t)a : 4096;
    c->pdown_cap = b > 0 ? (size_t)b : 4096;
    return true;
}

/* Nothing more flows either way (a reset): what is pending is dropped. */
static void splice_reset(struct proxy_conn *c)
{
    c->c_eof = c->u_eof = true;
    c->in_off = c->in_len;
    c->out_off = c->out_len;
    c->pup_n = c->pdown_n = 0;
}

/* Move what the pipe of direction up holds on to its destination; false:
 * the destination is gone (up: the connection is reset; down: the client
 * is gone, the caller closes). */
static bool pipe_write(struct proxy_conn *c, bool up)
{
    size_t *pn = up ? &c->pup_n : &c->pdown_n;
    while (*pn > 0) {
        ssize_t n = splice(up ? c->pup[0] : c->pdown[0], NULL, up ? c->ufd : c->cfd, NULL, *pn,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0) { /* up: the connection is reset; down: the client is gone */
            if (up)
                splice_reset(c);
            return up;
        }
        *pn -= (size_t)n;
    }
    return true;
}

/* Read from the source of direction up into its (empty) pipe, and pass it
 * on at once; false as pipe_write. */
static bool pipe_read(struct proxy_conn *c, bool up)
{
    int p = up ? c->pup[1] : c->pdown[1];
    size_t *cap = up ? &c->pup_cap : &c->pdown_cap;
    ssize_t n = splice(up ? c->cfd : c->ufd, NULL, p, NULL, *cap,
                       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0 && (size_t)n == *cap && *cap < PROXY_PIPE) { /* bulk: a bigger pipe */
        int r = fcntl(p, F_SETPIPE_SZ, PROXY_PIPE);
        *cap = r > 0 ? (size_t)r : PROXY_PIPE; /* refused: never asked again */
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n < 0) { /* reset: nothing more will flow either way */
        splice_reset(c);
        return true;
    }
    if (n == 0) {
        *(up ? &c->c_eof : &c->u_eof) = true;
        return true;
    }
    *(up ? &c->pup_n : &c->pdown_n) += (size_t)n;
    *(up ? &c->bytes_up : &c->bytes_down) += (uint64_t)n;
    c->px->stats_dirty = true;
    return pipe_write(c, up);
}

/* Half-closes, and the end: both directions finished. */
static bool splice_progress(struct proxy_conn *c)
{
    if (c->c_eof && c->in_off == c->in_len && c->pup_n == 0 && !c->u_shut) {
        shutdown(c->ufd, SHUT_WR);
        c->u_shut = true;
    }
    if (c->u_eof && c->out_off == c->out_len && c->pdown_n == 0 && !c->c_shut) {
        shutdown(c->cfd, SHUT_WR);
        c->c_shut = true;
    }
    if (c->u_shut && c->c_shut) {
        pd_proxy_audit(c, "network.allow", c->rule);
        pd_proxy_close(c);
        return false;
    }
    return true;
}

static void on_conn(struct pd_proxy *px, uint64_t tag, uint32_t ev)
{
    size_t slot = (size_t)((tag & 0xffffffffULL) >> 2);
    struct proxy_conn *c = slot < PROXY_MAX_CONNS ? px->conns[slot] : NULL;
    int which = (int)(tag & 3);
    if (c == NULL)
        return;
    if (which == 2) {
        pd_proxy_approve_read(c);
        return;
    }
    if (which == 1 && c->state == CS_CONNECTING) {
        pd_proxy_connected(c);
        return;
    }
    if (which == 0 && (ev & EPOLLOUT) &&
        (!pump_out(c->cfd, c->out, &c->out_off, c->out_len) ||
         (c->state == CS_SPLICE && !pipe_write(c, false)))) {
        if (c->state == CS_SPLICE)
            pd_proxy_audit(c, "network.allow", c->rule);
        pd_proxy_close(c);
        return;
    }
    if (c->state == CS_DRAIN) {
        if (c->out_off == c->out_len)
            pd_proxy_close(c);
        return;
    }
    if (c->kind == PL_DNS && which == 0 && (ev & EPOLLOUT) && c->state == CS_HEAD) {
        pd_dnsd_tcp(c); /* room for more answers */
        if (px->conns[slot] != c)
            return;
    }
    if (which == 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        if (c->state == CS_SPLICE && c->in_off == c->in_len && pipes(c))
            (void)pipe_read(c, true);
        else
            client_read(c);
        if (px->conns[slot] != c)
            return; /* closed */
    }
    if (c->state != CS_SPLICE) {
        if (px->conns[slot] == c)
            pd_proxy_update(c);
        return;
    }
    if (which == 1 && (ev & EPOLLOUT) && !pump_out(c->ufd, c->in, &c->in_off, c->in_len))
        splice_reset(c);
    if (which == 1 && (ev & EPOLLOUT))
        (void)pipe_write(c, true);
    if (which == 1 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        if (c->out_off == c->out_len && pipes(c)) {
            if (!pipe_read(c, false)) { /* the client is gone */
                pd_proxy_audit(c, "network.allow", c->rule);
                pd_proxy_close(c);
                return;
            }
        } else {
            upstream_read(c);
        }
    }
    if (splice_progress(c))
        pd_proxy_update(c);
}

static void timeouts(struct pd_proxy *px, int64_t now)
{
    for (size_t i = 0; i < PROXY_MAX_CONNS; i++) {
        struct proxy_conn *c = px->conns[i];
        if (c == NULL || c->deadline == 0 || now < c->deadline)
            continue;
        c->deadline = 0;
        if (c->state == CS_HEAD || c->state == CS_SOCKS_REQ)
            pd_proxy_deny(c, 408, 1, "timeout: the client sent no complete request");
        else if (c->state == CS_APPROVE)
            pd_proxy_deny(c, 403, 2, "the approver did not answer in time");
        else if (c->state == CS_RESOLVING)
            pd_proxy_deny(c, 504, 4, "name resolution timed out");
        else if (c->state == CS_CONNECTING)
            pd_proxy_connect_timeout(c); /* the next address, or 504 */
        else if (c->state == CS_DRAIN)
            pd_proxy_close(c);
    }
    pd_dnsd_timeouts(px, now);
}

/* The container is gone: its connections end now, the allowed ones with
 * their network.allow line (bytes so far), as if both sides had closed. */
static void close_all(struct pd_proxy *px)
{
    for (size_t i = 0; i < PROXY_MAX_CONNS; i++) {
        struct proxy_conn *c = px->conns[i];
        if (c == NULL)
            continue;
        if (c->state == CS_SPLICE)
            pd_proxy_audit(c, "network.allow", c->rule);
        pd_proxy_close(c);
    }
}

static int ep_add(int epfd, int fd, uint64_t tag, pd_error **err)
{
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = tag};
    if (fd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0)
        return pd_fail_errno(err, "network: epoll_ctl");
    return 0;
}

static int next_timeout(const struct pd_proxy *px, int64_t now)
{
    int64_t t = 1000;
    for (size_t i = 0; i < PROXY_MAX_CONNS; i++) {
        const struct proxy_conn *c = px->conns[i];
        if (c != NULL && c->deadline != 0 && c->deadline - now < t)
            t = c->deadline - now;
    }
    if (px->stats_dirty && px->state_fd >= 0 && px->stats_at + PD_NETSTATS_PERIOD_MS - now < t)
        t = px->stats_at + PD_NETSTATS_PERIOD_MS - now;
    return t < 0 ? 0 : (int)t;
}

int pd_proxy_serve(struct pd_proxy *px, pd_error **err)
{
    /* PROXY_MAX_CONNS connections of 2 sockets and 2 pipes each: raise the
     * soft fd limit toward the hard one (short of it, pipes() falls back) */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8 * PROXY_MAX_CONNS) {
        rl.rlim_cur = rl.rlim_max < 8 * PROXY_MAX_CONNS ? rl.rlim_max : 8 * PROXY_MAX_CONNS;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    px->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (px->epfd < 0)
        return pd_fail_errno(err, "network: epoll_create1");
    px->stats_dirty = true; /* zeros at once: status shows the counters from the start */
    stats_flush(px, pd_proxy_now(), false);
    if (pd_resolver_new(NULL, &px->res, err) < 0 ||
        ep_add(px->epfd, pd_resolver_fd(px->res), TAG_RES, err) < 0)
        return -1;
    for (int k = 0; k < PL_N; k++)
        if (ep_add(px->epfd, px->lfd[k], TAG_LISTEN | (uint64_t)k, err) < 0 ||
            ep_add(px->epfd, px->lfd6[k], TAG_LISTEN | TAG_V6 | (uint64_t)k, err) < 0)
            return -1;
    if (ep_add(px->epfd, px->dns_fd, TAG_DNS, err) < 0 ||
        ep_add(px->epfd, px->dns6_fd, TAG_DNS | TAG_V6, err) < 0 ||
        ep_add(px->epfd, px->pidfd, TAG_PIDFD, err) < 0)
        return -1;
    for (;;) {
        struct epoll_event ev[64];
        int n = epoll_wait(px->epfd, ev, 64, next_timeout(px, pd_proxy_now()));
        if (n < 0 && errno != EINTR)
            return pd_fail_errno(err, "network: epoll_wait");
        for (int i = 0; i < n; i++) {
            uint64_t tag = ev[i].data.u64;
            if ((tag & TAG_MASK) == TAG_PIDFD) { /* the container has exited */
                close_all(px);
                stats_flush(px, pd_proxy_now(), true);
                return 0;
            }
            bool v6 = (tag & TAG_V6) != 0;
            if ((tag & TAG_MASK) == TAG_LISTEN)
                on_accept(px, (enum proxy_listener)(tag & 0xff),
                          v6 ? px->lfd6[tag & 0xff] : px->lfd[tag & 0xff]);
            else if ((tag & TAG_MASK) == TAG_RES)
                pd_proxy_resolved(px);
            else if ((tag & TAG_MASK) == TAG_DNS)
                pd_dnsd_serve_one(px, v6 ? px->dns6_fd : px->dns_fd);
            else
                on_conn(px, tag, ev[i].events);
        }
        timeouts(px, pd_proxy_now());
        stats_flush(px, pd_proxy_now(), false);
    }
}
