/* Names of errno values and signals (sys_compat.h).  glibc has both; musl
 * has neither, so the names are spelled from the constants themselves. */
#define _GNU_SOURCE
#include "sys_compat.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#ifdef __GLIBC__
const char *pd_errno_name(int e)
{
    return e > 0 ? strerrorname_np(e) : NULL;
}

const char *pd_signal_abbrev(int sig)
{
    return sig > 0 ? sigabbrev_np(sig) : NULL;
}
#else
#define NAME(x) [x] = #x

/* The errors a system call of the runtime's can report.  Unknown ones have
 * no name, and callers print the number or strerror() instead. */
static const char *const errno_names[] = {
    NAME(EPERM),     NAME(ENOENT),    NAME(ESRCH),        NAME(EINTR),     NAME(EIO),
    NAME(ENXIO),     NAME(E2BIG),     NAME(ENOEXEC),      NAME(EBADF),     NAME(ECHILD),
    NAME(EAGAIN),    NAME(ENOMEM),    NAME(EACCES),       NAME(EFAULT),    NAME(ENOTBLK),
    NAME(EBUSY),     NAME(EEXIST),    NAME(EXDEV),        NAME(ENODEV),    NAME(ENOTDIR),
    NAME(EISDIR),    NAME(EINVAL),    NAME(ENFILE),       NAME(EMFILE),    NAME(ENOTTY),
    NAME(ETXTBSY),   NAME(EFBIG),     NAME(ENOSPC),       NAME(ESPIPE),    NAME(EROFS),
    NAME(EMLINK),    NAME(EPIPE),     NAME(EDOM),         NAME(ERANGE),    NAME(EDEADLK),
    NAME(ENAMETOOLONG), NAME(ENOLCK), NAME(ENOSYS),       NAME(ENOTEMPTY), NAME(ELOOP),
    NAME(ENOMSG),    NAME(EIDRM),     NAME(ENODATA),      NAME(ETIME),     NAME(EOVERFLOW),
    NAME(EILSEQ),    NAME(EUSERS),    NAME(ENOTSOCK),     NAME(EDESTADDRREQ), NAME(EMSGSIZE),
    NAME(EPROTOTYPE), NAME(ENOPROTOOPT), NAME(EPROTONOSUPPORT), NAME(EOPNOTSUPP),
    NAME(EAFNOSUPPORT), NAME(EADDRINUSE), NAME(EADDRNOTAVAIL), NAME(ENETDOWN),
    NAME(ENETUNREACH), NAME(ECONNABORTED), NAME(ECONNRESET), NAME(ENOBUFS), NAME(EISCONN),
    NAME(ENOTCONN),  NAME(ETIMEDOUT), NAME(ECONNREFUSED), NAME(EHOSTUNREACH), NAME(EALREADY),
    NAME(EINPROGRESS), NAME(ESTALE),  NAME(EDQUOT),       NAME(ECANCELED), NAME(EOWNERDEAD),
    NAME(ENOTRECOVERABLE), NAME(ERFKILL), NAME(EHWPOISON),
};

static const char *const signal_abbrevs[] = {
    [SIGHUP] = "HUP",       [SIGINT] = "INT",     [SIGQUIT] = "QUIT",     [SIGILL] = "ILL",
    [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT",   [SIGBUS] = "BUS",       [SIGFPE] = "FPE",
    [SIGKILL] = "KILL",     [SIGUSR1] = "USR1",   [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
    [SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM",   [SIGTERM] = "TERM",     [SIGSTKFLT] = "STKFLT",
    [SIGCHLD] = "CHLD",     [SIGCONT] = "CONT",   [SIGSTOP] = "STOP",     [SIGTSTP] = "TSTP",
    [SIGTTIN] = "TTIN",     [SIGTTOU] = "TTOU",   [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
    [SIGXFSZ] = "XFSZ",     [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",   [SIGWINCH] = "WINCH",
    [SIGIO] = "IO",         [SIGPWR] = "PWR",     [SIGSYS] = "SYS",
};

const char *pd_errno_name(int e)
{
    if (e <= 0 || (size_t)e >= sizeof(errno_names) / sizeof(errno_names[0]))
        return NULL;
    return errno_names[e];
}

const char *pd_signal_abbrev(int sig)
{
    if (sig <= 0 || (size_t)sig >= sizeof(signal_abbrevs) / sizeof(signal_abbrevs[0]))
        return NULL;
    return signal_abbrevs[sig];
}
#endif
