/* paddock: landlock rulesets through raw syscalls.  See landlock.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "log.h"
#include "util.h"

/* Syscall numbers are the same on every architecture (generic table). */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

/* Names newer than Debian 12's linux-libc-dev (6.1), with their upstream
 * values from include/uapi/linux/landlock.h. */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)      /* ABI 2, Linux 5.19 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)   /* ABI 3, Linux 6.2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5, Linux 6.10 */
#endif
/* ABI 4, Linux 6.7: struct landlock_ruleset_attr.handled_access_net and
 * LANDLOCK_RULE_NET_PORT with struct landlock_net_port_attr. */
#define PD_LL_RULE_NET_PORT 2
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
/* ABI 6, Linux 6.12: struct landlock_ruleset_attr.scoped. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* ABI 7, Linux 6.15: landlock_restrict_self() flags for audit logging. */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif

/* Our own copies of the growing UAPI structs (the 6.1 header's
 * landlock_ruleset_attr has handled_access_fs only).  Layouts as upstream. */
struct pd_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI >= 4 */
    uint64_t scoped;             /* ABI >= 6 */
};
struct pd_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));
struct pd_ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

#define PD_LL_FS_V1                                                                       \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                         \
     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                         \
     LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                     \
     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                         \
     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                         \
     LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                       \
     LANDLOCK_ACCESS_FS_MAKE_SYM)
#define PD_LL_FS_READ                                                                     \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Rights that apply to a regular file (the rest only make sense on dirs). */
#define PD_LL_FS_FILE                                                                     \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                         \
     LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                         \
     LANDLOCK_ACCESS_FS_IOCTL_DEV)

int pd_landlock_abi(void)
{
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : (int)v;
}

static uint64_t fs_mask_for_abi(int abi)
{
    uint64_t m = PD_LL_FS_V1;
    if (abi >= 2)
        m |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        m |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5)
        m |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return m;
}

static void lost_add(struct pd_landlock_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void lost_add(struct pd_landlock_result *res, const char *fmt, ...)
{
    size_t n = strlen(res->lost);
    if (n && n + 2 < sizeof(res->lost)) {
        memcpy(res->lost + n, "; ", 3);
        n += 2;
    }
    if (n + 1 >= sizeof(res->lost))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->lost + n, sizeof(res->lost) - n, fmt, ap);
    va_end(ap);
}

/* Add a path-beneath rule for each existing path of list. */
static int add_paths(int ruleset_fd, const char *const *list, uint64_t access, const char *what,
                     pd_error **err)
{
    for (size_t i = 0; list && list[i]; i++) {
        const char *p = list[i];
        _cleanup_close_ int fd = open(p, O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                pd_debug("landlock: %s path %s does not exist, skipped", what, p);
                continue;
            }
            return pd_fail_errno(err, "landlock: open %s path %s", what, p);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
            return pd_fail_errno(err, "landlock: stat %s path %s", what, p);
        struct pd_ll_path_beneath_attr pb = {
            .allowed_access = S_ISDIR(st.st_mode) ? access : (access & PD_LL_FS_FILE),
            .parent_fd = fd,
        };
        if (pb.allowed_access == 0)
            continue;
        if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
            return pd_fail_errno(err, "landlock: add rule for %s path %s", what, p);
    }
    return 0;
}

/* What this ABI handles of R, in *attr (*size: the part the kernel
 * knows) and *flags; what it can't is added to res->lost. */
static void ruleset_attr(const struct pd_landlock_req *r, int abi, struct pd_landlock_result *res,
                         struct pd_ll_ruleset_attr *attr, size_t *size, unsigned *flags)
{
    *attr = (struct pd_ll_ruleset_attr){.handled_access_fs = r->skip_fs ? 0 : fs_mask_for_abi(abi)};
    *size = sizeof(attr->handled_access_fs);
    /* ABI 1 has no REFER right: cross-directory renames/links are always
     * denied, which is stricter, not a loss. */
    if (abi < 3 && !r->skip_fs)
        lost_add(res, "truncate not restricted (ABI %d < 3)", abi);
    if (abi < 5 && !r->skip_fs)
        lost_add(res, "device ioctls not restricted (ABI %d < 5)", abi);
    if (r->deny_tcp) {
        if (abi >= 4)
            attr->handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
        else
            lost_add(res, "TCP bind/connect not restricted (ABI %d < 4)", abi);
    }
    if (abi >= 4)
        *size = offsetof(struct pd_ll_ruleset_attr, scoped);
    if (r->scope_signals_and_abstract_unix) {
        if (abi >= 6)
            attr->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
        else
            lost_add(res, "signals and abstract unix sockets not scoped (ABI %d < 6)", abi);
    }
    if (abi >= 6)
        *size = sizeof(*attr);
    *flags = 0;
    if (abi >= 7)
        *flags = r->log_denials ? LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
                                : LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF;
    else if (r->log_denials)
        lost_add(res, "denials not logged (ABI %d < 7)", abi);
}

/* The TCP ports R allows connecting to (allow_connect_port, then the list). */
static int add_ports(int rfd, const struct pd_landlock_req *r, pd_error **err)
{
    for (size_t i = 0; i == 0 || (r->allow_connect_ports && r->allow_connect_ports[i - 1]); i++) {
        int port = i == 0 ? r->allow_connect_port : r->allow_connect_ports[i - 1];
        if (port == 0)
            continue;
        if (port < 0 || port > 65535)
            return pd_failx(err, "landlock: allowed connect port %d out of range", port);
        struct pd_ll_net_port_attr np = {.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP,
                                         .port = (uint64_t)port};
        if (syscall(SYS_landlock_add_rule, rfd, PD_LL_RULE_NET_PORT, &np, 0) < 0)
            return pd_fail_errno(err, "landlock: add rule for TCP connect port %d", port);
    }
    return 0;
}

int pd_landlock_apply(const struct pd_landlock_req *r, struct pd_landlock_result *res,
                      pd_error **err)
{
    struct pd_landlock_result local;
    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));

    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (v < 0) {
        int e = errno;
        snprintf(res->lost, sizeof(res->lost), "landlock unavailable (%s)", strerror(e));
        return pd_fail(err, e == ENOSYS ? EOPNOTSUPP : e,
                       "landlock: query ABI version (%s)",
                       e == ENOSYS ? "not built into this kernel"
                       : e == EOPNOTSUPP ? "disabled at boot" : "unexpected error");
    }
    int abi = (int)v;
    res->abi = abi;
    struct pd_ll_ruleset_attr attr;
    size_t attr_size;
    unsigned restrict_flags;
    ruleset_attr(r, abi, res, &attr, &attr_size, &restrict_flags);
    if (attr.handled_access_fs == 0 && attr.handled_access_net == 0 && attr.scoped == 0)
        return 0; /* nothing left to restrict: the kernel refuses an empty ruleset */
    _cleanup_close_ int rfd =
        (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (rfd < 0)
        return pd_fail_errno(err, "landlock: create ruleset (ABI %d)", abi);

    if (add_paths(rfd, r->readable, PD_LL_FS_READ & attr.handled_access_fs, "readable", err) < 0 ||
        add_paths(rfd, r->writable, attr.handled_access_fs, "writable", err) < 0 ||
        (attr.handled_access_net && add_ports(rfd, r, err) < 0))
        return -1;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return pd_fail_errno(err, "landlock: set no_new_privs");
    if (syscall(SYS_landlock_restrict_self, rfd, restrict_flags) < 0)
        return pd_fail_errno(err, "landlock: restrict self (ABI %d, flags %#x)", abi,
                             restrict_flags);
    res->fs = attr.handled_access_fs != 0;
    res->net = attr.handled_access_net != 0;
    res->scoped = attr.scoped != 0;
    return 0;
}
