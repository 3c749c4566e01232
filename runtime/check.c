/* paddock check: the host side of the escape probes.  See check.h. */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "sandbox_env.h"
#include "state.h"
#include "util.h"

#define RUN_TIMEOUT_MS 120000

/* ---- results (pure) ---- */

static struct pd_check_probe *find(struct pd_check_result *res, const char *name)
{
    for (size_t i = 0; i < res->n; i++)
        if (strcmp(res->probes[i].name, name) == 0)
            return &res->probes[i];
    return NULL;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = pd_xstrdup(s);
}

void pd_check_parse(const char *out, enum pd_sandbox_mode mode, bool network_none,
                    struct pd_check_result *res)
{
    res->n = pd_n_probes;
    res->probes = pd_xcalloc(res->n, sizeof(*res->probes));
    for (size_t i = 0; i < res->n; i++) {
        struct pd_check_probe *p = &res->probes[i];
        p->name = pd_probes[i].name;
        p->what = pd_probes[i].what;
        p->expected = pd_probe_expected(p->name, mode, network_none);
        p->observed = pd_xstrdup("missing");
        p->errname = pd_xstrdup("-");
        p->detail = pd_xstrdup("the probe printed no line");
    }
    _cleanup_free_ char *copy = pd_xstrdup(out ? out : "");
    char *save = NULL;
    for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        char name[64], verdict[16], en[32];
        int off = 0;
        /* A terminal relay may put echoed bytes before a line: look for "probe ". */
        l = strstr(l, "probe ");
        if (l == NULL || sscanf(l, "probe %63s %15s %31s %n", name, verdict, en, &off) < 3)
            continue;
        struct pd_check_probe *p = find(res, name);
        if (p == NULL || (strcmp(verdict, "blocked") && strcmp(verdict, "allowed") &&
                          strcmp(verdict, "n/a")))
            continue;
        set_str(&p->observed, verdict);
        set_str(&p->errname, en);
        set_str(&p->detail, off > 0 ? l + off : "");
    }
    pd_check_evaluate(res);
}

void pd_check_host_saw(struct pd_check_result *res, const char *name, const char *what)
{
    struct pd_check_probe *p = find(res, name);
    if (p == NULL)
        return;
    p->host_saw = true;
    if (strcmp(p->observed, "allowed") != 0) {
        char *d = pd_xasprintf("the host saw it: %s (the probe said: %s %s %s)", what,
                               p->observed, p->errname, p->detail);
        set_str(&p->observed, "allowed");
        free(p->detail);
        p->detail = d;
    }
}

void pd_check_mark_lost(struct pd_check_result *res, enum pd_sandbox_mode mode,
                        bool network_none, int landlock_abi, bool seccomp)
{
    res->boundary = true;
    for (size_t i = 0; i < res->n; i++)
        res->probes[i].lost = pd_probe_lost(res->probes[i].name, mode, network_none,
                                            landlock_abi, seccomp);
    pd_check_evaluate(res);
}

void pd_check_evaluate(struct pd_check_result *res)
{
    res->n_failed = res->n_na = res->n_lost = 0;
    for (size_t i = 0; i < res->n; i++) {
        struct pd_check_probe *p = &res->probes[i];
        bool na = strcmp(p->observed, "n/a") == 0;
        p->ok = na || p->lost != NULL || strcmp(p->observed, p->expected) == 0;
        res->n_failed += !p->ok;
        res->n_na += na;
        res->n_lost += p->lost != NULL;
    }
    res->passed = res->n_failed == 0 && res->sandbox_status == 0;
}

void pd_check_result_free(struct pd_check_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        free(res->probes[i].observed);
        free(res->probes[i].errname);
        free(res->probes[i].detail);
    }
    free(res->probes);
    memset(res, 0, sizeof(*res));
}

/* ---- the host side ---- */

struct host_env {
    char *base, *ws, *outside, *sock_path;
    char abstract[64];
    int tcp_fd, unix_fd, abs_fd, port;
    pid_t sleeper;
    unsigned long long sleeper_start;
    int notify_fd;             /* the sleeper writes 'c' here on SIGCONT */
    int pty_master, pty_slave;
};

static int make_dirs(struct host_env *e, pd_error **err)
{
    char tmpl[] = "/var/tmp/paddock-check.XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return pd_fail_errno(err, "check: mkdtemp %s", tmpl);
    e->base = pd_xstrdup(tmpl);
    e->ws = pd_xasprintf("%s/ws", e->base);
    e->outside = pd_xasprintf("%s/outside", e->base);
    e->sock_path = pd_xasprintf("%s/sock", e->outside);
    const char *const sub[] = {"ws", "ws/.git", "ws/.git/hooks", "ws/.git/objects", "outside"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(sub); i++) {
        _cleanup_free_ char *p = pd_xasprintf("%s/%s", e->base, sub[i]);
        if (mkdir(p, 0700) < 0)
            return pd_fail_errno(err, "check: mkdir %s", p);
    }
    _cleanup_free_ char *head = pd_xasprintf("%s/.git/HEAD", e->ws);
    return pd_write_file_atomic(head, "ref: refs/heads/main\n", 21, 0644, err);
}

static int listen_on(int domain, const struct sockaddr *sa, socklen_t len, int *fd,
                     const char *what, pd_error **err)
{
    *fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (*fd < 0 || bind(*fd, sa, len) < 0 || listen(*fd, 8) < 0)
        return pd_fail_errno(err, "check: listen on %s", what);
    return 0;
}

static int make_listeners(struct host_env *e, pd_error **err)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    if (listen_on(AF_INET, (struct sockaddr *)&sin, sizeof(sin), &e->tcp_fd, "127.0.0.1", err) < 0)
        return -1;
    if (getsockname(e->tcp_fd, (struct sockaddr *)&sin, &len) < 0)
        return pd_fail_errno(err, "check: getsockname");
    e->port = ntohs(sin.sin_port);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(e->sock_path) >= sizeof(sun.sun_path))
        return pd_failx(err, "check: socket path %s too long", e->sock_path);
    memcpy(sun.sun_path, e->sock_path, strlen(e->sock_path) + 1);
    if (listen_on(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun), &e->unix_fd, e->sock_path, err) < 0)
        return -1;
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
        rnd = (uint32_t)time(NULL);
    snprintf(e->abstract, sizeof(e->abstract), "paddock-check-%d-%08x", (int)getpid(), rnd);
    struct sockaddr_un abs = {.sun_family = AF_UNIX};
    memcpy(abs.sun_path + 1, e->abstract, strlen(e->abstract));
    return listen_on(AF_UNIX, (struct sockaddr *)&abs,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(e->abstract)),
                     &e->abs_fd, "an abstract unix socket", err);
}

static int sleeper_notify = -1;

static void on_sigcont(int sig)
{
    (void)sig;
    char c = 'c';
    ssize_t n = write(sleeper_notify, &c, 1);
    (void)n;
}

static void sleeper_main(pid_t parent, int notify)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(0);
    sleeper_notify = notify;
    /* Traceable by anyone the kernel lets: only the sandbox's walls may stop the probe.
     * PR_SET_PTRACER fails with EINVAL without Yama, which then restricts nothing. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ||
        (prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0) < 0 && errno != EINVAL))
        _exit(1);
    struct sigaction sa = {.sa_handler = on_sigcont};
    sigemptyset(&sa.sa_mask);
    sigset_t none;
    sigemptyset(&none);
    if (sigaction(SIGCONT, &sa, NULL) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        _exit(1);
    char r = 'r';
    if (write(notify, &r, 1) != 1)
        _exit(1);
    for (;;)
        pause();
}

static int start_sleeper(struct host_env *e, pd_error **err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return pd_fail_errno(err, "check: pipe");
    pid_t parent = getpid();
    e->sleeper = fork();
    if (e->sleeper < 0) {
        close(p[0]);
        close(p[1]);
        return pd_fail_errno(err, "check: fork");
    }
    if (e->sleeper == 0) {
        close(p[0]);
        sleeper_main(parent, p[1]);
    }
    close(p[1]);
    e->notify_fd = p[0];
    char c = 0;
    ssize_t n;
    while ((n = read(e->notify_fd, &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1 || c != 'r')
        return pd_failx(err, "check: the host sleeper process did not start");
    e->sleeper_start = pd_pid_start_time(e->sleeper);
    if (fcntl(e->notify_fd, F_SETFL, O_NONBLOCK) < 0)
        return pd_fail_errno(err, "check: fcntl");
    return 0;
}

static int open_pty(struct host_env *e, pd_error **err)
{
    e->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (e->pty_master < 0 || grantpt(e->pty_master) < 0 || unlockpt(e->pty_master) < 0)
        return pd_fail_errno(err, "check: open a pty");
    char name[64];
    if (ptsname_r(e->pty_master, name, sizeof(name)) != 0)
        return pd_fail_errno(err, "check: ptsname");
    e->pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;
    if (e->pty_slave < 0 || tcgetattr(e->pty_slave, &t) < 0)
        return pd_fail_errno(err, "check: open %s", name);
    cfmakeraw(&t);
    if (tcsetattr(e->pty_slave, TCSANOW, &t) < 0)
        return pd_fail_errno(err, "check: raw mode on %s", name);
    return 0;
}

static void env_free(struct host_env *e)
{
    int *fds[] = {&e->tcp_fd, &e->unix_fd, &e->abs_fd, &e->notify_fd, &e->pty_master,
                  &e->pty_slave};
    for (size_t i = 0; i < PD_ARRAY_SIZE(fds); i++)
        pd_closep(fds[i]);
    if (e->sleeper > 0) {
        kill(e->sleeper, SIGKILL);
        waitpid(e->sleeper, NULL, 0);
    }
    if (e->base != NULL)
        pd_rm_rf(e->base, NULL);
    free(e->base);
    free(e->ws);
    free(e->outside);
    free(e->sock_path);
}

/* ---- the run ---- */

static void runner_main(const struct pd_sandbox_opts *o0, const struct host_env *e,
                        const char *exe, int out)
{
    char port[16], pid[16], start[32], dev[32] = "0", rdev[32] = "0";
    struct stat st;
    if (fstat(e->pty_slave, &st) == 0) {
        snprintf(dev, sizeof(dev), "%llu", (unsigned long long)st.st_dev);
        snprintf(rdev, sizeof(rdev), "%llu", (unsigned long long)st.st_rdev);
    }
    snprintf(port, sizeof(port), "%d", e->port);
    snprintf(pid, sizeof(pid), "%d", (int)e->sleeper);
    snprintf(start, sizeof(start), "%llu", e->sleeper_start);
    char *argv[] = {(char *)exe, "__probe", "--workspace", e->ws, "--outside", e->outside,
                    "--port", port, "--unix", e->sock_path, "--abstract", (char *)e->abstract,
                    "--pid", pid, "--pid-start", start, "--tty-dev", dev, "--tty-rdev", rdev,
                    NULL};
    struct pd_sandbox_opts o = *o0;
    o.argv = argv;
    /* paddock itself may live where the sandbox has its own (/tmp) */
    const char *ro[] = {exe, NULL};
    o.ro_binds = ro;
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || chdir(e->ws) < 0 ||
        dup2(e->pty_slave, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0) {
        perror("paddock check: set up the sandbox's stdio");
        _exit(PD_EXIT_RUNTIME);
    }
    _exit(pd_sandbox_run(&o));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read fd to EOF within the run timeout; TERM then KILL the runner after it. */
static char *collect(int fd, pid_t runner)
{
    size_t len = 0, cap = 4096;
    char *buf = pd_xmalloc(cap);
    int64_t deadline = now_ms() + RUN_TIMEOUT_MS;
    int stage = 0; /* 0 waiting, 1 sent SIGTERM, 2 sent SIGKILL */
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            if (stage == 2)
                break; /* something in the sandbox still holds the pipe: give up on it */
            kill(runner, stage == 0 ? SIGTERM : SIGKILL);
            stage++;
            deadline = now_ms() + 5000;
            continue;
        }
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        if (len + 1024 > cap)
            buf = pd_xrealloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

static int run_probes(const struct pd_sandbox_opts *o, const struct host_env *e, const char *exe,
                      char **out, int *status, pd_error **err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return pd_fail_errno(err, "check: pipe");
    fflush(stdout);
    fflush(stderr);
    pid_t runner = fork();
    if (runner < 0) {
        close(p[0]);
        close(p[1]);
        return pd_fail_errno(err, "check: fork");
    }
    if (runner == 0) {
        close(p[0]);
        runner_main(o, e, exe, p[1]);
    }
    close(p[1]);
    *out = collect(p[0], runner);
    close(p[0]);
    int st = 0;
    while (waitpid(runner, &st, 0) < 0)
        if (errno != EINTR)
            return pd_fail_errno(err, "check: waitpid");
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

static bool accepted(int fd)
{
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return false;
    close(c);
    return true;
}

static bool exists(const char *dir, const char *rel)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, rel);
    struct stat st;
    return lstat(p, &st) == 0;
}

/* What the host can see of the probes' effects. */
static void host_checks(const struct host_env *e, struct pd_check_result *res)
{
    if (exists(e->ws, PD_PROBE_FILE))
        pd_check_host_saw(res, "write_workspace", "the file is in the workspace");
    if (exists(e->outside, PD_PROBE_FILE))
        pd_check_host_saw(res, "write_outside", "the file is on the host");
    if (exists(e->ws, PD_PROBE_HOOK))
        pd_check_host_saw(res, "write_git_hooks", "the hook is on the host");
    if (exists(e->ws, PD_PROBE_AGENT_FILE))
        pd_check_host_saw(res, "create_protected", "the file is on the host");
    if (accepted(e->tcp_fd))
        pd_check_host_saw(res, "tcp_connect_host", "the listener accepted a connection");
    if (accepted(e->unix_fd))
        pd_check_host_saw(res, "unix_socket_host", "the socket accepted a connection");
    if (accepted(e->abs_fd))
        pd_check_host_saw(res, "abstract_unix_host", "the socket accepted a connection");
    char c = 0;
    while (read(e->notify_fd, &c, 1) == 1)
        if (c == 'c')
            pd_check_host_saw(res, "kill_host", "the host process got SIGCONT");
    char buf[64];
    if (fcntl(e->pty_slave, F_SETFL, O_NONBLOCK) == 0) {
        ssize_t n = read(e->pty_slave, buf, sizeof(buf));
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == PD_PROBE_TIOCSTI_BYTE)
                pd_check_host_saw(res, "tiocsti", "the byte arrived in the terminal's input");
    }
}

int pd_check_run(const struct pd_sandbox_opts *o, const char *exe, struct pd_check_result *res,
                 pd_error **err)
{
    memset(res, 0, sizeof(*res));
    struct host_env e = {.tcp_fd = -1, .unix_fd = -1, .abs_fd = -1, .notify_fd = -1,
                         .pty_master = -1, .pty_slave = -1};
    _cleanup_free_ char *out = NULL;
    int status = 0;
    int r = -1;
    if (make_dirs(&e, err) == 0 && start_sleeper(&e, err) == 0 && make_listeners(&e, err) == 0 &&
        open_pty(&e, err) == 0 && run_probes(o, &e, exe, &out, &status, err) == 0) {
        pd_check_parse(out, o->mode, pd_sandbox_network_none(o), res);
        res->sandbox_status = status;
        host_checks(&e, res);
        pd_check_evaluate(res);
        /* the mode the sandbox got here (the probe is cached) */
        struct pd_sandbox_env env = {0};
        if (pd_sandbox_env_get(o, &env, NULL) == 0 && env.boundary)
            pd_check_mark_lost(res, o->mode, pd_sandbox_network_none(o), env.landlock_abi,
                               env.seccomp);
        pd_sandbox_env_free(&env);
        r = 0;
    }
    env_free(&e);
    return r;
}
