/* paddock: the escape probes run inside a sandbox.  See probe.h. */
#define _GNU_SOURCE
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "util.h"
#include "sys_compat.h"

enum verdict { V_BLOCKED, V_ALLOWED, V_NA };

struct result {
    enum verdict v;
    int err;           /* errno of the failing call, 0 = none */
    char detail[200];
};

typedef void (*probe_fn)(const struct pd_probe_args *a, struct result *r);

static void say(struct result *r, enum verdict v, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(struct result *r, enum verdict v, int err, const char *fmt, ...)
{
    r->v = v;
    r->err = err;
    r->detail[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
        va_end(ap);
    }
}

/* ---- filesystem ---- */

static void try_create(const char *dir, const char *rel, struct result *r)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/%s", dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return say(r, V_BLOCKED, errno, "create %s", path);
    bool ok = pd_write_all(fd, "paddock check\n", 14) == 0;
    close(fd);
    say(r, V_ALLOWED, 0, "created %s%s", path, ok ? "" : " (write failed)");
}

static void p_write_workspace(const struct pd_probe_args *a, struct result *r)
{
    try_create(a->workspace, PD_PROBE_FILE, r);
}

static void p_write_outside(const struct pd_probe_args *a, struct result *r)
{
    try_create(a->outside, PD_PROBE_FILE, r);
}

static void p_write_git_hooks(const struct pd_probe_args *a, struct result *r)
{
    try_create(a->workspace, PD_PROBE_HOOK, r);
}

/* A protected directory that does not exist yet: can the agent create it? */
static void p_create_protected(const struct pd_probe_args *a, struct result *r)
{
    _cleanup_free_ char *dir = pd_xasprintf("%s/%s", a->workspace, PD_PROBE_AGENT_DIR);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return say(r, V_BLOCKED, errno, "mkdir %s", dir);
    try_create(a->workspace, PD_PROBE_AGENT_FILE, r);
}

static void p_read_kcore(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return say(r, V_BLOCKED, errno, "open /proc/kcore");
    char buf[64];
    ssize_t n = read(fd, buf, sizeof(buf));
    int e = errno;
    close(fd);
    if (n < 0)
        return say(r, V_BLOCKED, e, "read /proc/kcore");
    if (n == 0)
        return say(r, V_BLOCKED, 0, "/proc/kcore is masked (reads nothing)");
    say(r, V_ALLOWED, 0, "read %zd bytes of /proc/kcore", n);
}

/* ---- network ---- */

static void try_connect(int domain, const struct sockaddr *sa, socklen_t len, const char *what,
                        struct result *r)
{
    int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return say(r, V_BLOCKED, errno, "socket for %s", what);
    struct timeval tv = {.tv_sec = 3};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        int e = errno;
        close(fd);
        return say(r, V_NA, e, "setsockopt SO_SNDTIMEO");
    }
    int rc = connect(fd, sa, len);
    int e = errno;
    close(fd);
    if (rc < 0)
        return say(r, V_BLOCKED, e, "connect %s", what);
    say(r, V_ALLOWED, 0, "connected to %s", what);
}

static void p_tcp_connect_host(const struct pd_probe_args *a, struct result *r)
{
    if (a->tcp_port <= 0)
        return say(r, V_NA, 0, "no port given");
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->tcp_port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char what[64];
    snprintf(what, sizeof(what), "127.0.0.1:%d", a->tcp_port);
    try_connect(AF_INET, (struct sockaddr *)&sin, sizeof(sin), what, r);
}

static void p_unix_socket_host(const struct pd_probe_args *a, struct result *r)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (a->unix_path == NULL || strlen(a->unix_path) >= sizeof(sun.sun_path))
        return say(r, V_NA, 0, "no usable socket path given");
    memcpy(sun.sun_path, a->unix_path, strlen(a->unix_path) + 1);
    try_connect(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun), a->unix_path, r);
}

static void p_abstract_unix_host(const struct pd_probe_args *a, struct result *r)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t n = a->abstract ? strlen(a->abstract) : 0;
    if (n == 0 || n + 1 > sizeof(sun.sun_path))
        return say(r, V_NA, 0, "no usable abstract name given");
    memcpy(sun.sun_path + 1, a->abstract, n);
    char what[128];
    snprintf(what, sizeof(what), "@%s", a->abstract);
    try_connect(AF_UNIX, (struct sockaddr *)&sun,
                (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n), what, r);
}

/* ---- other processes ---- */

/* After a call on pid succeeded: was it the host's process?  Inside a PID
 * namespace the number names another process, if any. */
static void host_or_not(const struct pd_probe_args *a, const char *what, struct result *r)
{
    unsigned long long start = pd_pid_start_time(a->host_pid);
    if (start == a->host_pid_start)
        return say(r, V_ALLOWED, 0, "%s the host's pid %d", what, (int)a->host_pid);
    say(r, V_BLOCKED, 0, "pid %d inside is not the host's process (%s it nonetheless)",
        (int)a->host_pid, what);
}

static void p_ptrace_host(const struct pd_probe_args *a, struct result *r)
{
    if (a->host_pid <= 0)
        return say(r, V_NA, 0, "no pid given");
    if (ptrace(PTRACE_SEIZE, a->host_pid, 0, 0) < 0)
        return say(r, V_BLOCKED, errno, "PTRACE_SEIZE %d", (int)a->host_pid);
    host_or_not(a, "seized", r);
}

static void p_kill_host(const struct pd_probe_args *a, struct result *r)
{
    if (a->host_pid <= 0)
        return say(r, V_NA, 0, "no pid given");
    if (kill(a->host_pid, SIGCONT) < 0)
        return say(r, V_BLOCKED, errno, "kill(%d, SIGCONT)", (int)a->host_pid);
    host_or_not(a, "signalled", r);
}

static void p_tiocsti(const struct pd_probe_args *a, struct result *r)
{
    struct stat st;
    if (!isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) < 0)
        return say(r, V_NA, 0, "stdin is not a terminal");
    bool host = !a->has_tty || (st.st_dev == a->tty_dev && st.st_rdev == a->tty_rdev);
    char c = PD_PROBE_TIOCSTI_BYTE;
    if (ioctl(STDIN_FILENO, TIOCSTI, &c) < 0)
        return say(r, V_BLOCKED, errno, "ioctl(0, TIOCSTI) on %s terminal",
                   host ? "the host's" : "the sandbox's own");
    if (!host)
        return say(r, V_BLOCKED, 0, "stdin is the sandbox's own terminal, not the host's: "
                   "TIOCSTI only reached that one");
    say(r, V_ALLOWED, 0, "pushed a byte into the host terminal's input");
}

/* ---- kernel surfaces ---- */

static void fd_result(long fd, const char *what, struct result *r)
{
    if (fd < 0)
        return say(r, V_BLOCKED, errno, "%s", what);
    close((int)fd);
    say(r, V_ALLOWED, 0, "%s returned an fd", what);
}

static void p_mount(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    if (mount("paddock-probe", "/tmp", "tmpfs", 0, "size=64k") < 0)
        return say(r, V_BLOCKED, errno, "mount tmpfs on /tmp");
    int e = umount2("/tmp", MNT_DETACH) < 0 ? errno : 0;
    say(r, V_ALLOWED, 0, "mounted a tmpfs on /tmp%s%s", e ? "; umount: " : "", e ? strerror(e) : "");
}

static void p_userns(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    if (unshare(CLONE_NEWUSER) < 0)
        return say(r, V_BLOCKED, errno, "unshare(CLONE_NEWUSER)");
    say(r, V_ALLOWED, 0, "made a nested user namespace");
}

static void p_io_uring(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    fd_result(syscall(SYS_io_uring_setup, 4, &p), "io_uring_setup", r);
}

static void p_bpf(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    fd_result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)), "bpf(BPF_MAP_CREATE)", r);
}

static void p_keyctl(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1);
    if (id < 0)
        return say(r, V_BLOCKED, errno, "keyctl(KEYCTL_GET_KEYRING_ID)");
    say(r, V_ALLOWED, 0, "keyctl works (session keyring %ld)", id);
}

/* ---- setuid under no_new_privs (see probe.h for why LD_SHOW_AUXV) ---- */

/* A setuid program of root's.  Inside a user namespace that does not map
 * root, its owner shows as the overflow uid (nobody): any setuid owner that
 * isn't the caller counts (and root's own, for a caller that is root). */
static const char *find_setuid_root(uid_t *owner)
{
    static const char *const progs[] = {"/usr/bin/passwd", "/usr/bin/su", "/bin/su",
                                        "/usr/bin/mount", "/bin/mount", "/usr/bin/chsh"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(progs); i++) {
        struct stat st;
        if (stat(progs[i], &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_ISUID) &&
            (st.st_uid == 0 || st.st_uid != geteuid())) {
            *owner = st.st_uid;
            return progs[i];
        }
    }
    return NULL;
}

/* The number after "KEY:" (spaces or a tab between), -1 when absent. */
static long long text_field(const char *text, const char *key, int base)
{
    const char *p = text ? strstr(text, key) : NULL;
    if (p == NULL)
        return -1;
    char *end = NULL;
    long long v = strtoll(p + strlen(key), &end, base);
    return end == p + strlen(key) ? -1 : v;
}

static long long cap_eff_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    _cleanup_free_ char *st = NULL;
    if (pd_read_file(path, 1 << 16, &st, NULL, NULL) < 0)
        return -1;
    return text_field(st, "\nCapEff:", 16);
}

static void exec_setuid(const char *prog, int out)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0)
        _exit(126);
    char *argv[] = {(char *)prog, "--help", NULL};
    char *envp[] = {"LD_SHOW_AUXV=1", "LC_ALL=C", "PATH=/usr/bin:/bin", NULL};
    execve(prog, argv, envp);
    _exit(127);
}

static void p_setuid(const struct pd_probe_args *a, struct result *r)
{
    (void)a;
    uid_t owner = 0;
    const char *prog = find_setuid_root(&owner);
    if (prog == NULL)
        return say(r, V_NA, 0, "no setuid-root program found");
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    long long own_caps = cap_eff_of(getpid());
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return say(r, V_NA, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return say(r, V_NA, errno, "fork");
    if (pid == 0)
        exec_setuid(prog, p[1]);
    close(p[1]);
    _cleanup_free_ char *out = NULL;
    if (pd_read_fd(p[0], 1 << 20, &out, NULL, NULL) < 0)
        out = NULL;
    close(p[0]);
    siginfo_t si = {0};
    /* wait without reaping: a zombie keeps its credentials for /proc to show */
    bool waited = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0;
    long long caps = waited ? cap_eff_of(pid) : -1;
    if (waitpid(pid, NULL, 0) < 0 && !waited)
        return say(r, V_NA, errno, "wait for %s", prog);
    long long euid = text_field(out, "AT_EUID:", 10), secure = text_field(out, "AT_SECURE:", 10);
    if (euid < 0 && si.si_code == CLD_EXITED && si.si_status >= 126)
        return say(r, V_BLOCKED, 0, "could not execute %s", prog);
    if (euid < 0)
        return say(r, V_ALLOWED, 0, "%s ran as a secure exec (the setuid bit was honoured); "
                    "no_new_privs=%d", prog, nnp);
    bool gained = euid != (long long)geteuid() || secure != 0 ||
                  (caps > 0 && (own_caps < 0 || (caps & ~own_caps) != 0));
    say(r, gained ? V_ALLOWED : V_BLOCKED, 0, "%s (owner %u inside): AT_EUID=%lld AT_SECURE=%lld "
        "CapEff=%llx no_new_privs=%d", prog, (unsigned)owner, euid, secure, caps, nnp);
}

const struct pd_probe_info pd_probes[] = {
    {"write_workspace", "create a file in the workspace"},
    {"write_outside", "create a file in a host directory outside the writable roots"},
    {"write_git_hooks", "plant .git/hooks/pre-commit in the workspace"},
    {"create_protected", "create .claude/settings.json (a protected dir not there yet)"},
    {"read_kcore", "read /proc/kcore"},
    {"tcp_connect_host", "TCP connect to a listener on the host's 127.0.0.1"},
    {"unix_socket_host", "connect to a pathname unix socket listening on the host"},
    {"abstract_unix_host", "connect to an abstract unix socket listening on the host"},
    {"ptrace_host", "PTRACE_SEIZE a process on the host"},
    {"kill_host", "send SIGCONT to a process on the host"},
    {"tiocsti", "push input into the terminal with TIOCSTI"},
    {"mount", "mount a tmpfs"},
    {"userns", "unshare(CLONE_NEWUSER): a nested user namespace"},
    {"setuid", "gain privileges by executing a setuid-root program"},
    {"io_uring", "io_uring_setup(2)"},
    {"bpf", "bpf(2) BPF_MAP_CREATE"},
    {"keyctl", "keyctl(2)"},
};
const size_t pd_n_probes = PD_ARRAY_SIZE(pd_probes);

static const probe_fn probe_fns[] = {
    p_write_workspace, p_write_outside, p_write_git_hooks, p_create_protected, p_read_kcore,
    p_tcp_connect_host, p_unix_socket_host, p_abstract_unix_host, p_ptrace_host, p_kill_host,
    p_tiocsti, p_mount, p_userns, p_setuid, p_io_uring, p_bpf, p_keyctl,
};
_Static_assert(PD_ARRAY_SIZE(probe_fns) == PD_ARRAY_SIZE(pd_probes), "one function per probe");

/* ---- running them ---- */

static void run_one(size_t i, const struct pd_probe_args *a)
{
    struct result r = {V_NA, 0, "the probe did not report"};
    int p[2];
    fflush(stdout);
    if (pipe2(p, O_CLOEXEC) < 0) {
        say(&r, V_NA, errno, "pipe");
    } else {
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            alarm(10);
            probe_fns[i](a, &r);
            _exit(pd_write_all(p[1], &r, sizeof(r)) == 0 ? 0 : 1);
        }
        close(p[1]);
        ssize_t n = pid < 0 ? -1 : read(p[0], &r, sizeof(r));
        close(p[0]);
        int st = 0;
        if (pid < 0)
            say(&r, V_NA, errno, "fork");
        else if (waitpid(pid, &st, 0) == pid && n != (ssize_t)sizeof(r) && WIFSIGNALED(st))
            say(&r, WTERMSIG(st) == SIGALRM ? V_NA : V_BLOCKED, 0, "%s by %s",
                WTERMSIG(st) == SIGALRM ? "timed out, killed" : "killed",
                pd_signal_abbrev(WTERMSIG(st)) ? pd_signal_abbrev(WTERMSIG(st)) : "a signal");
    }
    static const char *const vn[] = {"blocked", "allowed", "n/a"};
    const char *en = r.err ? pd_errno_name(r.err) : NULL;
    r.detail[sizeof(r.detail) - 1] = '\0';
    for (char *c = r.detail; *c; c++)
        if (*c == '\n')
            *c = ' ';
    printf("probe %s %s %s %s\n", pd_probes[i].name, vn[r.v], en ? en : "-", r.detail);
    fflush(stdout);
}

int pd_probe_run_all(const struct pd_probe_args *a)
{
    for (size_t i = 0; i < pd_n_probes; i++)
        run_one(i, a);
    return 0;
}

const char *pd_probe_expected(const char *name, enum pd_sandbox_mode mode, bool network_none)
{
    bool full = mode == PD_SANDBOX_DANGER_FULL_ACCESS;
    bool allowed = false;
    if (strcmp(name, "write_workspace") == 0)
        allowed = mode != PD_SANDBOX_READ_ONLY;
    else if (strcmp(name, "write_outside") == 0 || strcmp(name, "write_git_hooks") == 0 ||
             strcmp(name, "create_protected") == 0 || strcmp(name, "unix_socket_host") == 0)
        allowed = full; /* danger-full-access: no filesystem restriction */
    else if (strcmp(name, "tcp_connect_host") == 0)
        allowed = !network_none;
    else if (strcmp(name, "abstract_unix_host") == 0)
        allowed = full && !network_none; /* else netns, or landlock scoping (ABI >= 6) */
    return allowed ? "allowed" : "blocked";
}

const char *pd_probe_lost(const char *name, enum pd_sandbox_mode mode, bool network_none,
                          int landlock_abi, bool seccomp)
{
    if (strcmp(pd_probe_expected(name, mode, network_none), "blocked") != 0)
        return NULL;
    bool danger = mode == PD_SANDBOX_DANGER_FULL_ACCESS;
    if (mode == PD_SANDBOX_WORKSPACE_WRITE &&
        (strcmp(name, "write_git_hooks") == 0 || strcmp(name, "create_protected") == 0))
        return "protected-paths"; /* read-only binds need a mount namespace */
    if (!danger && strcmp(name, "unix_socket_host") == 0)
        return "unix-sockets";
    if (landlock_abi < 6 && (strcmp(name, "abstract_unix_host") == 0 ||
                             strcmp(name, "kill_host") == 0))
        return "landlock-scope";
    if (landlock_abi < 4 && strcmp(name, "tcp_connect_host") == 0)
        return "landlock-net";
    if (!seccomp && (strcmp(name, "userns") == 0 || strcmp(name, "io_uring") == 0 ||
                     strcmp(name, "bpf") == 0 || strcmp(name, "keyctl") == 0))
        return "seccomp";
    return NULL;
}
