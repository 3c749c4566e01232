/* paddock: the network approver (issue #5, "Approvals and audit").  For a
 * host on no list, PROG (--network-approver, dev.paddock.network.approver)
 * runs directly (no shell) with a JSON request on stdin:
 *   {"id":ID,"host":H,"port":N,"via":V,"command":[...]}
 * and answers on stdout allow-once, allow-session or deny.  Anything else,
 * an exit without an answer, or no answer within the timeout (default
 * 30 s) is deny.  allow-session and deny are remembered for the session
 * (host:port); allow-once is not. */
#define _GNU_SOURCE
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "util.h"

static char *request_json(const struct proxy_conn *c)
{
    static const char *const via[] = {"http-proxy", "socks5", "transparent-http",
                                      "transparent-tls", "dns-tcp"};
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "id", c->px->id);
    pd_jgen_kv_string(g, "host", c->host);
    pd_jgen_kv_int(g, "port", c->port);
    pd_jgen_kv_string(g, "via", via[c->kind]);
    pd_jgen_kv_strv(g, "command", (const char *const *)c->px->command);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, NULL);
}

void pd_proxy_approve_start(struct proxy_conn *c)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        pd_proxy_deny(c, 403, 2, "the approver could not be run (pipe)");
        return;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        pd_proxy_deny(c, 403, 2, "the approver could not be run (pipe)");
        return;
    }
    _cleanup_free_ char *req = request_json(c);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        char *const argv[] = {(char *)c->px->approver, NULL};
        execv(c->px->approver, argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        pd_proxy_deny(c, 403, 2, "the approver could not be run (fork)");
        return;
    }
    /* a short request: the pipe takes it whole; an approver that doesn't
     * read gets EPIPE for us, not a signal (SIGPIPE is ignored) */
    if (pd_write_all(in[1], req, strlen(req)) < 0)
        pd_debug("network: approver stdin: %s", strerror(errno));
    close(in[1]);
    if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0)
        pd_debug("network: approver stdout: %s", strerror(errno));
    c->apid = pid;
    c->apid_fd = out[0];
    c->ans_len = 0;
    c->state = CS_APPROVE;
    c->deadline = pd_proxy_now() + (int64_t)c->px->approver_timeout * 1000;
    pd_proxy_update(c);
}

void pd_proxy_approve_kill(struct proxy_conn *c)
{
    if (c->apid > 0) {
        kill(c->apid, SIGKILL);
        while (waitpid(c->apid, NULL, 0) < 0 && errno == EINTR)
            ;
        c->apid = -1;
    }
    if (c->apid_fd >= 0) {
        close(c->apid_fd);
        c->apid_fd = -1;
    }
}

static void remember_deny(struct pd_proxy *px, const char *host, int port)
{
    size_t n = pd_strv_len(px->denied);
    px->denied = pd_xrealloc(px->denied, (n + 2) * sizeof(char *));
    px->denied[n] = pd_xasprintf("%s:%d", host, port);
    px->denied[n + 1] = NULL;
}

static void answer(struct proxy_conn *c)
{
    c->ans[c->ans_len] = '\0';
    char *a = c->ans;
    while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
        a++;
    size_t l = strlen(a);
    while (l > 0 && (a[l - 1] == ' ' || a[l - 1] == '\t' || a[l - 1] == '\n' || a[l - 1] == '\r'))
        a[--l] = '\0';
    pd_proxy_approve_kill(c);
    if (strcmp(a, "allow-once") == 0 || strcmp(a, "allow-session") == 0) {
        /* an approval names the host exactly: as an exact allow pattern, for
           the session or (allow-once) for this connection's decision only */
        snprintf(c->rule, sizeof(c->rule), "approver: %s", a);
        _cleanup_free_ char *pat = pd_xasprintf(strchr(c->host, ':') ? "[%s]:%d" : "%s:%d",
                                                c->host, c->port);
        pd_error *err = NULL;
        bool added = pd_netpolicy_add_allow(c->px->pol, pat, &err) == 0;
        if (!added) {
            pd_warn("network: approver: %s", err->msg);
            pd_error_free(err);
        }
        struct pd_netpolicy *pol = c->px->pol;
        bool once = a[6] == 'o';
        pd_proxy_connect(c); /* decides on the address before it returns */
        if (added && once)
            pd_netpolicy_pop_allow(pol);
        return;
    }
    if (strcmp(a, "deny") == 0) {
        remember_deny(c->px, c->host, c->port);
        pd_proxy_deny(c, 403, 2, "denied by the approver");
        return;
    }
    pd_proxy_deny(c, 403, 2, "the approver gave no valid answer (allow-once, allow-session "
                             "or deny)");
}

void pd_proxy_approve_read(struct proxy_conn *c)
{
    char buf[256];
    ssize_t n = read(c->apid_fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n > 0) {
        size_t room = sizeof(c->ans) - 1 - c->ans_len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(c->ans + c->ans_len, buf, take);
        c->ans_len += take;
        return;
    }
    answer(c);
}
