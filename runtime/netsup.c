/* paddock: the network supervisor.  See netsup.h. */
#define _GNU_SOURCE
#include "netsup.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_policy.h"
#include "log.h"
#include "netlink.h"
#include "proxy.h"
#include "state.h"
#include "util.h"

#define N_V4 (PL_N + 1)     /* the listeners, then DNS over UDP */
#define N_SOCKS (2 * N_V4)  /* IPv4, then the same for IPv6 */

bool pd_netsup_wanted(const struct pd_config *cfg)
{
    _cleanup_agent_policy_ struct pd_agent_policy *p = NULL;
    return cfg != NULL && pd_agent_policy_parse(cfg, &p, NULL) == 0 && p->present &&
           p->network == PD_NETWORK_ALLOW;
}

static const char *const proxy_env[] = {
    "HTTP_PROXY=http://127.0.0.1:3128",   "http_proxy=http://127.0.0.1:3128",
    "HTTPS_PROXY=http://127.0.0.1:3128",  "https_proxy=http://127.0.0.1:3128",
    "ALL_PROXY=socks5h://127.0.0.1:1080", "all_proxy=socks5h://127.0.0.1:1080",
    "NO_PROXY=localhost,127.0.0.1,::1",   "no_proxy=localhost,127.0.0.1,::1",
    "npm_config_proxy=http://127.0.0.1:3128", "npm_config_https_proxy=http://127.0.0.1:3128",
    "YARN_HTTP_PROXY=http://127.0.0.1:3128",  "YARN_HTTPS_PROXY=http://127.0.0.1:3128",
    "PIP_PROXY=http://127.0.0.1:3128",    "GIT_CONFIG_COUNT=1",
    "GIT_CONFIG_KEY_0=http.proxy",        "GIT_CONFIG_VALUE_0=http://127.0.0.1:3128",
};

void pd_netsup_env_process(const struct pd_config *cfg, struct pd_process *p, bool replace)
{
    if (!pd_netsup_wanted(cfg))
        return;
    for (size_t i = 0; i < PD_ARRAY_SIZE(proxy_env); i++) {
        size_t klen = (size_t)(strchr(proxy_env[i], '=') - proxy_env[i]) + 1;
        size_t j = 0;
        while (j < p->n_env && strncmp(p->env[j], proxy_env[i], klen) != 0)
            j++;
        if (j == p->n_env) {
            p->env = pd_xrealloc(p->env, (j + 2) * sizeof(char *));
            p->env[j + 1] = NULL;
            p->n_env++;
        } else if (!replace) {
            continue; /* the process's own value */
        } else {
            free(p->env[j]);
        }
        p->env[j] = pd_xstrdup(proxy_env[i]);
    }
}

void pd_netsup_env(struct pd_config *cfg)
{
    pd_netsup_env_process(cfg, &cfg->process, true);
}

/* ---- the helper, in the container's namespaces ---- */

static int listener(int family, int type, bool loopback, int port, pd_error **err)
{
    _cleanup_close_ int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(loopback ? INADDR_LOOPBACK : INADDR_ANY)};
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                               .sin6_addr = loopback ? in6addr_loopback : in6addr_any};
    bool v6 = family == AF_INET6;
    const char *fam = v6 ? "IPv6" : "IPv4";
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        return pd_fail_errno(err, "network: %s socket for port %d", fam, port);
    if (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
        return pd_fail_errno(err, "network: IPV6_V6ONLY");
    if (type == SOCK_DGRAM && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                                         v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &one, sizeof(one)) < 0)
        return pd_fail_errno(err, "network: %s packet info", fam);
    /* IPv6 answers from an address that is local by the route only (not on
     * lo): the kernel wants freebind to accept it as the source */
    if (type == SOCK_DGRAM && v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) < 0)
        return pd_fail_errno(err, "network: IPV6_FREEBIND");
    if (bind(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
             v6 ? sizeof(sa6) : sizeof(sa)) < 0)
        return pd_fail_errno(err, "network: bind %s port %d in the container's namespace", fam,
                             port);
    if (type == SOCK_STREAM && listen(fd, 128) < 0)
        return pd_fail_errno(err, "network: listen on port %d", port);
    return pd_steal_fd(&fd);
}

/* Join the network namespace netns (an fd the init opened on its own
 * /proc/self/ns/net: opening another process's namespaces needs ptrace
 * access, which the non-dumpable init denies to an unprivileged runtime),
 * after its owning user namespace when that is not ours (rootless: the
 * capabilities over the namespace come from there). */
static int enter_ns(int netns, pd_error **err)
{
    _cleanup_close_ int user = ioctl(netns, NS_GET_USERNS);
    if (user < 0 && errno != EPERM)
        return pd_fail_errno(err, "network: the user namespace of the container's network namespace");
    /* EINVAL: it is ours already; EPERM (above): it is an ancestor of ours */
    if (user >= 0 && setns(user, CLONE_NEWUSER) < 0 && errno != EINVAL)
        return pd_fail_errno(err, "network: join the container's user namespace");
    if (setns(netns, CLONE_NEWNET) < 0)
        return pd_fail_errno(err, "network: join the container's network namespace");
    return 0;
}

/* The listeners of one family into fds[0 .. N_V4); all or none. */
static int family_sockets(int family, int *fds, pd_error **err)
{
    static const struct { int type; bool loopback; int port; } t[N_V4] = {
        [PL_HTTP] = {SOCK_STREAM, true, PROXY_HTTP_PORT},
        [PL_SOCKS] = {SOCK_STREAM, true, PROXY_SOCKS_PORT},
        [PL_T80] = {SOCK_STREAM, false, 80},
        [PL_T443] = {SOCK_STREAM, false, 443},
        [PL_DNS] = {SOCK_STREAM, false, 53},
        [PL_N] = {SOCK_DGRAM, false, 53},
    };
    for (int i = 0; i < N_V4; i++) {
        if ((fds[i] = listener(family, t[i].type, t[i].loopback, t[i].port, err)) < 0) {
            while (i-- > 0)
                close(fds[i]);
            return -1;
        }
    }
    return 0;
}

/* The sockets into fds: N_SOCKS, or N_V4 (IPv4 only) with why6 saying why. */
static int helper_sockets(int netns, int *fds, char *why6, size_t whylen, pd_error **err)
{
    if (enter_ns(netns, err) < 0 || pd_netsup_route_local(AF_INET, err) < 0 ||
        family_sockets(AF_INET, fds, err) < 0)
        return -1;
    pd_error *e6 = NULL;
    if (pd_netsup_lo_ipv6(&e6) < 0 || pd_netsup_route_local(AF_INET6, &e6) < 0 ||
        family_sockets(AF_INET6, fds + N_V4, &e6) < 0) {
        const char *m = e6->msg;
        snprintf(why6, whylen, "%s", strncmp(m, "network: ", 9) == 0 ? m + 9 : m);
        pd_error_free(e6);
        return N_V4;
    }
    return N_SOCKS;
}

_Noreturn static void helper(int netns, int sock)
{
    int fds[N_SOCKS];
    char msg[400] = "ok";
    pd_error *err = NULL;
    int n = helper_sockets(netns, fds, msg + 2, sizeof(msg) - 2, &err);
    if (n < 0) {
        (void)!send(sock, err->msg, strlen(err->msg), MSG_NOSIGNAL);
        _exit(1);
    }
    char cbuf[CMSG_SPACE(sizeof(fds))];
    memset(cbuf, 0, sizeof(cbuf));
    struct iovec iov = {.iov_base = msg, .iov_len = strlen(msg)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)n);
    _exit(sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

static int make_sockets(int netns, int *fds, pd_error **err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return pd_fail_errno(err, "network: socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        helper(netns, sv[1]);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return pd_fail_errno(err, "network: fork");
    }
    char buf[512], cbuf[CMSG_SPACE(sizeof(int) * N_SOCKS)];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof(cbuf)};
    ssize_t n;
    while ((n = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    int e = errno;
    close(sv[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    struct cmsghdr *h = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
    for (int i = 0; i < N_SOCKS; i++)
        fds[i] = -1;
    if (h != NULL && h->cmsg_type == SCM_RIGHTS &&
        (h->cmsg_len == CMSG_LEN(sizeof(int) * N_SOCKS) ||
         h->cmsg_len == CMSG_LEN(sizeof(int) * N_V4))) {
        memcpy(fds, CMSG_DATA(h), h->cmsg_len - CMSG_LEN(0));
        buf[n] = '\0';
        if (fds[N_V4] < 0) /* IPv4 only: the helper said why */
            pd_warn("network: no IPv6 in the container's namespace (%s): IPv6 destinations "
                    "are unreachable from it and AAAA queries get no answer", buf + 2);
        return 0;
    }
    if (n < 0)
        return pd_fail(err, e, "network: receive the proxy's sockets");
    buf[n > 0 ? n : 0] = '\0';
    return pd_failx(err, "%s", n > 0 ? buf : "network: the namespace helper failed");
}

/* ---- the supervisor ---- */

/* Close every fd above 2 but those in keep (sorted ascending). */
static void close_others(const int *keep, size_t n)
{
    unsigned from = 3;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)keep[i] > from)
            syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
        if ((unsigned)keep[i] + 1 > from)
            from = (unsigned)keep[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void redirect_null(bool attached)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    if (!attached) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    if (fd > 2)
        close(fd);
}

_Noreturn static void supervise(const struct pd_agent_policy *pol, const struct pd_config *cfg,
                                const char *id, int *fds, int pidfd, int state_fd, bool attached)
{
    int keep[N_SOCKS + 2];
    size_t nk = 0;
    for (int i = 0; i < N_SOCKS; i++)
        if (fds[i] >= 0)
            keep[nk++] = fds[i];
    keep[nk++] = pidfd;
    if (state_fd >= 0)
        keep[nk++] = state_fd;
    qsort(keep, nk, sizeof(int), cmp_int);
    close_others(keep, nk);
    redirect_null(attached);
    setsid();
    prctl(PR_SET_NAME, "paddock-net", 0, 0, 0);
    pd_reset_signals();
    signal(SIGPIPE, SIG_IGN);
    pd_error *err = NULL;
    struct pd_proxy px = {.resolve = pol->network_resolve, .approver = pol->network_approver,
                          .approver_timeout = (unsigned)pol->approver_timeout, .id = id,
                          .command = cfg->process.args, .dns_fd = fds[PL_N],
                          .dns6_fd = fds[N_V4 + PL_N], .ipv6 = fds[N_V4] >= 0, .pidfd = pidfd,
                          .state_fd = state_fd};
    memcpy(px.lfd, fds, sizeof(int) * PL_N);
    memcpy(px.lfd6, fds + N_V4, sizeof(int) * PL_N);
    if (pd_audit_open(pol->audit_log, &px.audit, &err) < 0 ||
        pd_netpolicy_new(pol->network_allow, pol->network_deny, &px.pol, &err) < 0 ||
        pd_proxy_serve(&px, &err) < 0) {
        pd_log(PD_LOG_ERROR, "network supervisor of %s: %s", id, err->msg);
        _exit(1);
    }
    _exit(0);
}

static void record(int dirfd, pid_t pid)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%d %llu\n", (int)pid, pd_pid_start_time(pid));
    pd_error *err = NULL;
    if (pd_state_write_atomic(dirfd, "network.pid", "network.pid", buf, (size_t)n, 0600, &err) < 0) {
        pd_warn("%s", err->msg);
        pd_error_free(err);
    }
}

int pd_netsup_start(const struct pd_config *cfg, const char *id, pid_t init, int netns,
                    int dirfd, bool attached, const char *audit_log, pd_error **err)
{
    _cleanup_agent_policy_ struct pd_agent_policy *pol = NULL;
    if (pd_agent_policy_parse(cfg, &pol, err) < 0)
        return -1;
    if (!pol->present || pol->network != PD_NETWORK_ALLOW)
        return 0;
    if (audit_log != NULL) {
        free(pol->audit_log);
        pol->audit_log = pd_xstrdup(audit_log);
    }
    /* fail here, not in the supervisor, when the audit log can't be opened */
    struct pd_audit *a = NULL;
    if (pd_audit_open(pol->audit_log, &a, err) < 0)
        return pd_wrap(err, "network supervisor");
    pd_audit_close(a);
    int fds[N_SOCKS];
    if (netns < 0)
        return pd_failx(err, "network supervisor: the init sent no network namespace");
    if (make_sockets(netns, fds, err) < 0)
        return -1;
    int pidfd = (int)syscall(SYS_pidfd_open, init, 0);
    /* a descriptor of its own for network.json: dirfd holds the state lock */
    int state_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (state_fd < 0)
        pd_warn("network supervisor of %s: open the state dir: %s (no live counters)", id,
                strerror(errno));
    pid_t pid = pidfd < 0 ? -1 : fork();
    if (pid == 0)
        supervise(pol, cfg, id, fds, pidfd, state_fd, attached);
    int e = errno;
    for (int i = 0; i < N_SOCKS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (pidfd >= 0)
        close(pidfd);
    if (state_fd >= 0)
        close(state_fd);
    if (pid < 0)
        return pd_fail(err, e, "network supervisor: %s", pidfd < 0 ? "pidfd_open" : "fork");
    record(dirfd, pid);
    pd_debug("network supervisor of %s: pid %d", id, (int)pid);
    return 0;
}

void pd_netsup_stop(int dirfd)
{
    char buf[64];
    _cleanup_close_ int fd = openat(dirfd, "network.pid", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int pid = 0;
    unsigned long long start = 0;
    if (n <= 0)
        return;
    buf[n] = '\0';
    if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
        return;
    _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0 || !pd_pid_alive(pid, start) || kill(pid, SIGKILL) < 0)
        return;
    /* gone before the caller removes the state dir it writes network.json to */
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    while (poll(&p, 1, 2000) < 0 && errno == EINTR)
        ;
}
