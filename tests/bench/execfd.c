/* tests/bench/execfd: `drive execfd` without a C library, for cases 4 and
 * 5.4 (x86_64; elsewhere the bench uses drive's).
 *
 *   execfd [--as UID:GID:HOME:RUNDIR] FILE FD CMD...
 *
 * Opens FILE read-only as fd FD (bwrap --seccomp FD) and execs CMD in place
 * (no fork); --as first drops the supplementary groups, sets the gid and the
 * uid, and sets HOME and XDG_RUNTIME_DIR, as drive's --as does.
 *
 * Why: every command of cases 4 and 5.4 starts through this wrapper, so its
 * own start is added to each of them.  drive, a glibc program, costs a whole
 * glibc start-up, ~0.6 ms on a VM where each cpuid instruction exits to the
 * hypervisor (glibc's start runs dozens of them; tests/bench/README.md);
 * without a C library the wrapper adds ~0.04 ms, and the ratios are the
 * runtimes' own.  Built with -nostdlib -static: only raw system calls. */
#include <fcntl.h>
#include <sys/syscall.h>

#if !defined(__x86_64__)
#error "execfd: x86_64 only (tests/bench/run falls back to drive execfd)"
#endif

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static long len(const char *s)
{
    long n = 0;
    while (s[n])
        n++;
    return n;
}

static __attribute__((noreturn)) void die(const char *what)
{
    sys3(SYS_write, 2, (long)"execfd: ", 8);
    sys3(SYS_write, 2, (long)what, len(what));
    sys3(SYS_write, 2, (long)"\n", 1);
    sys3(SYS_exit_group, 127, 0, 0);
    __builtin_unreachable();
}

/* A decimal number ending at *end (':' or '\0'); -1 if there is none. */
static long number(const char **s)
{
    long v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
    *s = p;
    return v;
}

static char env_home[512], env_run[512];

/* "NAME=" followed by the field of spec up to ':' or the end. */
static const char *field(char *dst, const char *name, const char *spec)
{
    long i = 0, n = len(name), max = (long)sizeof(env_home) - 1;
    for (; i < n; i++)
        dst[i] = name[i];
    while (*spec && *spec != ':' && i < max)
        dst[i++] = *spec++;
    dst[i] = '\0';
    return spec;
}

static int starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

/* --as UID:GID:HOME:RUNDIR: envp rewritten in place (HOME and
 * XDG_RUNTIME_DIR dropped, ours appended in the two slots kept free). */
static void become(const char *spec, char **envp, char **newenv, long max)
{
    long uid = number(&spec);
    if (uid < 0 || *spec++ != ':')
        die("--as UID:GID:HOME:RUNDIR");
    long gid = number(&spec);
    if (gid < 0 || *spec++ != ':')
        die("--as UID:GID:HOME:RUNDIR");
    spec = field(env_home, "HOME=", spec);
    if (*spec++ != ':')
        die("--as UID:GID:HOME:RUNDIR");
    field(env_run, "XDG_RUNTIME_DIR=", spec);
    if (sys3(SYS_setgroups, 0, 0, 0) < 0 || sys3(SYS_setresgid, gid, gid, gid) < 0 ||
        sys3(SYS_setresuid, uid, uid, uid) < 0)
        die("--as: setgroups/setresgid/setresuid failed");
    long n = 0;
    for (long i = 0; envp[i] && n < max - 3; i++)
        if (!starts(envp[i], "HOME=") && !starts(envp[i], "XDG_RUNTIME_DIR="))
            newenv[n++] = envp[i];
    newenv[n++] = env_home;
    newenv[n++] = env_run;
    newenv[n] = 0;
}

static char *newenv[4096];

__attribute__((used)) void execfd_main(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
    long a = 1;
    if (argc > 2 && argv[1][0] == '-' && len(argv[1]) == 4 && starts(argv[1], "--as")) {
        become(argv[2], envp, newenv, (long)(sizeof(newenv) / sizeof(newenv[0])));
        envp = newenv;
        a = 3;
    }
    if (argc - a < 3)
        die("usage: execfd [--as UID:GID:HOME:RUNDIR] FILE FD CMD...");
    const char *s = argv[a + 1];
    long want = number(&s);
    if (want < 3 || *s)
        die("FD must be a number of 3 or more");
    long fd = sys3(SYS_openat, AT_FDCWD, (long)argv[a], O_RDONLY);
    if (fd < 0)
        die("cannot open FILE");
    if (fd != want && (sys3(SYS_dup2, fd, want, 0) < 0 || sys3(SYS_close, fd, 0, 0) < 0))
        die("dup2 failed");
    sys3(SYS_execve, (long)argv[a + 2], (long)(argv + a + 2), (long)envp);
    die("cannot exec CMD");
}

/* The kernel's entry: rsp points at argc, argv..., NULL, envp..., NULL. */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call execfd_main\n"
        "  hlt\n");
