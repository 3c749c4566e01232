/* paddock apply: seccomp filters through libseccomp (never hand-written BPF).
 *
 * Semantics follow runc:
 *  - unknown syscall names are skipped (the profile may name syscalls this
 *    libseccomp/kernel does not know);
 *  - a rule whose action equals the default action is skipped (libseccomp
 *    rejects it);
 *  - SCMP_ACT_ERRNO and SCMP_ACT_TRACE default to EPERM when errnoRet is
 *    absent (runc: actErrno/actTrace = ...SetReturnCode(EPERM));
 *  - SCMP_CMP_MASKED_EQ: "value" is the mask and "valueTwo" the datum, i.e.
 *    the rule matches when (arg & value) == valueTwo.  runc passes
 *    (value, valueTwo) to libseccomp's (datum_a, datum_b), and libseccomp
 *    defines MASKED_EQ as SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, datum);
 *  - conditions naming the same argument index twice cannot be combined in
 *    one libseccomp rule, so they become one rule each (OR); otherwise all
 *    conditions go into one rule (AND);
 *  - the filter does not set no_new_privs by itself (SCMP_FLTATR_CTL_NNP=0):
 *    process.c decides, and loads early (privileged) when NNP is off.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
/* With -Iruntime, <seccomp.h> resolves to runtime/seccomp.h (same name).
 * Reach libseccomp's header through a path that only matches inside an
 * include directory literally named "include" (/usr/include, ...). */
#include <seccomp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define ARCH_PREFIX "SCMP_ARCH_"
#define MAX_SYSCALL_ARGS 6

static const char *action_name(enum pd_seccomp_action a)
{
    switch (a) {
    case PD_SECCOMP_KILL: return "SCMP_ACT_KILL";
    case PD_SECCOMP_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
    case PD_SECCOMP_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
    case PD_SECCOMP_TRAP: return "SCMP_ACT_TRAP";
    case PD_SECCOMP_ERRNO: return "SCMP_ACT_ERRNO";
    case PD_SECCOMP_TRACE: return "SCMP_ACT_TRACE";
    case PD_SECCOMP_ALLOW: return "SCMP_ACT_ALLOW";
    case PD_SECCOMP_LOG: return "SCMP_ACT_LOG";
    case PD_SECCOMP_NOTIFY: return "SCMP_ACT_NOTIFY";
    }
    return NULL;
}

/* Translate an action (+ optional errnoRet) to libseccomp's uint32 action. */
static int resolve_action(enum pd_seccomp_action a, bool has_ret, uint32_t ret,
                          uint32_t *out, pd_error **err)
{
    uint32_t data = has_ret ? ret : EPERM;
    if ((a == PD_SECCOMP_ERRNO || a == PD_SECCOMP_TRACE) && data > 0xffff)
        return pd_failx(err, "%s: errnoRet %u out of range (0-65535)",
                        action_name(a), data);
    switch (a) {
    case PD_SECCOMP_KILL:
    case PD_SECCOMP_KILL_THREAD: *out = SCMP_ACT_KILL_THREAD; return 0;
    case PD_SECCOMP_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
    case PD_SECCOMP_TRAP: *out = SCMP_ACT_TRAP; return 0;
    case PD_SECCOMP_ERRNO: *out = SCMP_ACT_ERRNO(data); return 0;
    case PD_SECCOMP_TRACE: *out = SCMP_ACT_TRACE(data); return 0;
    case PD_SECCOMP_ALLOW: *out = SCMP_ACT_ALLOW; return 0;
    case PD_SECCOMP_LOG: *out = SCMP_ACT_LOG; return 0;
    case PD_SECCOMP_NOTIFY:
        return pd_failx(err, "action SCMP_ACT_NOTIFY is not supported yet");
    }
    return pd_failx(err, "unknown action %d", (int)a);
}

static int resolve_op(enum pd_seccomp_op op, enum scmp_compare *out)
{
    switch (op) {
    case PD_SCMP_NE: *out = SCMP_CMP_NE; return 0;
    case PD_SCMP_LT: *out = SCMP_CMP_LT; return 0;
    case PD_SCMP_LE: *out = SCMP_CMP_LE; return 0;
    case PD_SCMP_EQ: *out = SCMP_CMP_EQ; return 0;
    case PD_SCMP_GE: *out = SCMP_CMP_GE; return 0;
    case PD_SCMP_GT: *out = SCMP_CMP_GT; return 0;
    case PD_SCMP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
    }
    return -1;
}

uint32_t pd_seccomp_arch(const char *name)
{
    size_t plen = strlen(ARCH_PREFIX);
    if (strncmp(name, ARCH_PREFIX, plen) != 0 || name[plen] == '\0')
        return 0;
    _cleanup_free_ char *lower = pd_xstrdup(name + plen);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return seccomp_arch_resolve_name(lower);
}

/* Can a process on this machine make syscalls with arch's ABI?  x86_64
 * runs x86_64, x86 (int 0x80) and x32; aarch64 runs aarch64 and arm.  The
 * kernel never presents another arch to the filter, so rules for it only
 * cost time to build (a profile listing five arches compiles in half the
 * time with the two that can't occur left out). */
static bool arch_runs_here(uint32_t arch)
{
    uint32_t native = seccomp_arch_native();
    if (native == SCMP_ARCH_X86_64)
        return arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32;
    if (native == SCMP_ARCH_AARCH64)
        return arch == SCMP_ARCH_AARCH64 || arch == SCMP_ARCH_ARM;
    return true;
}

static int add_arch(scmp_filter_ctx ctx, const char *name, pd_error **err)
{
    uint32_t arch = pd_seccomp_arch(name);
    if (arch == 0)
        return pd_failx(err, "seccomp: unknown architecture \"%s\"", name);
    if (!arch_runs_here(arch))
        return 0;
    int r = seccomp_arch_add(ctx, arch);
    if (r < 0 && r != -EEXIST)
        return pd_fail(err, -r, "seccomp: add architecture \"%s\"", name);
    return 0;
}

/* The profile's flags: libseccomp's attribute, and the seccomp(2) flag that
 * seccomp_load() passes for it (which pd_seccomp_bpf_load passes too). */
static int flag_attr(const char *flag, enum scmp_filter_attr *attr, unsigned *kflag, pd_error **err)
{
    if (strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0) {
        *attr = SCMP_FLTATR_CTL_TSYNC;
        *kflag = SECCOMP_FILTER_FLAG_TSYNC;
    } else if (strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0) {
        *attr = SCMP_FLTATR_CTL_LOG;
        *kflag = SECCOMP_FILTER_FLAG_LOG;
    } else if (strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0) {
        *attr = SCMP_FLTATR_CTL_SSB;
        *kflag = SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    } else if (strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0) {
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
        *attr = SCMP_FLTATR_CTL_WAITKILL;
        *kflag = 1U << 5; /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
#else
        return pd_failx(err, "seccomp: flag \"%s\" is not supported by libseccomp %d.%d.%d",
                        flag, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
    } else
        return pd_failx(err, "seccomp: unknown flag \"%s\"", flag);
    return 0;
}

bool pd_seccomp_flag_known(const char *flag)
{
    static const char *const known[] = {
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    for (size_t i = 0; i < PD_ARRAY_SIZE(known); i++)
        if (strcmp(flag, known[i]) == 0)
            return true;
    return false;
}

static int set_flag(scmp_filter_ctx ctx, const char *flag, pd_error **err)
{
    enum scmp_filter_attr attr;
    unsigned kflag;
    if (flag_attr(flag, &attr, &kflag, err) < 0)
        return -1;
    int r = seccomp_attr_set(ctx, attr, 1);
    if (r < 0)
        return pd_fail(err, -r, "seccomp: flag \"%s\"", flag);
    return 0;
}

/* Translate a rule's conditions; *split is set when an argument index
 * appears more than once (then each condition becomes its own rule). */
static int build_conds(const struct pd_seccomp_syscall *s, struct scmp_arg_cmp *cmps,
                       bool *split, pd_error **err)
{
    unsigned seen[MAX_SYSCALL_ARGS] = {0};
    *split = false;
    for (size_t i = 0; i < s->n_args; i++) {
        const struct pd_seccomp_arg *a = &s->args[i];
        enum scmp_compare op;
        if (a->index >= MAX_SYSCALL_ARGS)
            return pd_failx(err, "seccomp: syscall \"%s\": argument index %u out of range (0-5)",
                            s->names[0], a->index);
        if (resolve_op(a->op, &op) < 0)
            return pd_failx(err, "seccomp: syscall \"%s\": unknown operator %d",
                            s->names[0], (int)a->op);
        if (++seen[a->index] > 1)
            *split = true;
        cmps[i] = (struct scmp_arg_cmp){
            .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two};
    }
    return 0;
}

static int add_rule(scmp_filter_ctx ctx, const char *name, uint32_t action,
                    const struct scmp_arg_cmp *cmps, size_t n, bool split, pd_error **err)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* unknown to this libseccomp: skipped, as runc does */
    int r = 0;
    if (!split) {
        r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmps);
    } else {
        for (size_t i = 0; i < n && r == 0; i++)
            r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
    }
    if (r < 0)
        return pd_fail(err, -r, "seccomp: syscall \"%s\": add rule", name);
    return 0;
}

static int add_syscall(scmp_filter_ctx ctx, const struct pd_seccomp_syscall *s,
                       uint32_t default_action, pd_error **err)
{
    if (s->n_names == 0)
        return 0;
    uint32_t action;
    if (resolve_action(s->action, s->has_errno_ret, s->errno_ret, &action, err) < 0)
        return pd_wrap(err, "seccomp: syscall \"%s\"", s->names[0]);
    if (action == default_action)
        return 0; /* redundant; libseccomp would reject it */
    _cleanup_free_ struct scmp_arg_cmp *cmps = pd_xcalloc(s->n_args, sizeof(*cmps));
    bool split;
    if (build_conds(s, cmps, &split, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n_names; i++)
        if (add_rule(ctx, s->names[i], action, cmps, s->n_args, split, err) < 0)
            return -1;
    return 0;
}

static int configure(scmp_filter_ctx ctx, const struct pd_seccomp *sc,
                     uint32_t default_action, pd_error **err)
{
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (r < 0)
        return pd_fail(err, -r, "seccomp: clear no_new_privs attribute");
    for (size_t i = 0; i < sc->n_architectures; i++)
        if (add_arch(ctx, sc->architectures[i], err) < 0)
            return -1;
    for (size_t i = 0; i < sc->n_flags; i++)
        if (set_flag(ctx, sc->flags[i], err) < 0)
            return -1;
    /* Binary-tree optimisation for long profiles, like runc; optional.
     * Counted in syscall names, not rules: Docker's profile is 11 rules
     * naming ~360 syscalls.  The tree makes the kernel's load ~3x cheaper
     * (the action cache emulates the filter once per syscall number: a
     * linear filter makes that quadratic), 0.68 -> 0.20 ms for Docker's
     * profile on 3 architectures here, and each syscall's check O(log n). */
    size_t names = 0;
    for (size_t i = 0; i < sc->n_syscalls; i++)
        names += sc->syscalls[i].n_names;
    if (names > 32)
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (size_t i = 0; i < sc->n_syscalls; i++)
        if (add_syscall(ctx, &sc->syscalls[i], default_action, err) < 0)
            return -1;
    return 0;
}

int pd_seccomp_build(const struct pd_seccomp *sc, void **ctx, pd_error **err)
{
    *ctx = NULL;
    uint32_t def;
    if (resolve_action(sc->default_action, sc->has_default_errno_ret,
                       sc->default_errno_ret, &def, err) < 0)
        return pd_wrap(err, "seccomp: default action");
    scmp_filter_ctx c = seccomp_init(def);
    if (c == NULL)
        return pd_failx(err, "seccomp: init filter with default action %s failed",
                        action_name(sc->default_action));
    if (configure(c, sc, def, err) < 0) {
        seccomp_release(c);
        return -1;
    }
    *ctx = c;
    return 0;
}

void pd_seccomp_release(void *ctx)
{
    if (ctx != NULL)
        seccomp_release(ctx);
}

int pd_seccomp_load(void *ctx, pd_error **err)
{
    if (ctx == NULL)
        return pd_failx(err, "seccomp: load: no filter");
    int r = seccomp_load(ctx);
    if (r < 0)
        return pd_fail(err, -r, "seccomp: load filter");
    return 0;
}

int pd_seccomp_allow_nested_userns(void *ctx, pd_error **err)
{
    static const char *const names[] = {"clone", "unshare", "mount", "umount2", "pivot_root",
                                        "move_mount", "open_tree", "fsopen", "fsmount",
                                        "fsconfig", "fspick", "mount_setattr"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall of this libseccomp/arch */
        int r = seccomp_rule_add((scmp_filter_ctx)ctx, SCMP_ACT_ALLOW, nr, 0);
        if (r < 0 && r != -EEXIST)
            return pd_fail(err, -r, "seccomp: allow %s (dev.paddock.nested-userns=allow)", names[i]);
    }
    return 0;
}

/* ---- BPF: compiled once, loaded with seccomp(2) (see seccomp.h) ---- */

unsigned pd_seccomp_kernel_flags(const struct pd_seccomp *sc)
{
    unsigned flags = 0;
    for (size_t i = 0; i < sc->n_flags; i++) {
        enum scmp_filter_attr attr;
        unsigned kflag = 0;
        if (flag_attr(sc->flags[i], &attr, &kflag, NULL) == 0)
            flags |= kflag;
    }
    return flags;
}

/* libseccomp 2.5 exports only to an fd: a memfd, read back whole. */
static int export_bpf(scmp_filter_ctx ctx, struct pd_seccomp_bpf *b, pd_error **err)
{
    _cleanup_close_ int fd = memfd_create("paddock-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return pd_fail_errno(err, "seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return pd_fail(err, -r, "seccomp: export the filter");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return pd_fail_errno(err, "seccomp: fstat the exported filter");
    size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
    if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0 ||
        n > BPF_MAXINSNS)
        return pd_failx(err, "seccomp: exported filter has a bad size (%lld bytes)",
                        (long long)st.st_size);
    b->insns = pd_xcalloc(n, sizeof(struct sock_filter));
    b->len = n;
    if (pread(fd, b->insns, (size_t)st.st_size, 0) != st.st_size)
        return pd_fail_errno(err, "seccomp: read the exported filter");
    return 0;
}

int pd_seccomp_compile(const struct pd_seccomp *sc, bool nested_userns,
                       struct pd_seccomp_bpf **out, pd_error **err)
{
    *out = NULL;
    void *ctx = NULL;
    if (pd_seccomp_build(sc, &ctx, err) < 0)
        return -1;
    struct pd_seccomp_bpf *b = pd_xcalloc(1, sizeof(*b));
    b->flags = pd_seccomp_kernel_flags(sc);
    int r = nested_userns ? pd_seccomp_allow_nested_userns(ctx, err) : 0;
    if (r == 0)
        r = export_bpf(ctx, b, err);
    seccomp_release(ctx);
    if (r < 0) {
        pd_seccomp_bpf_free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void pd_seccomp_bpf_free(struct pd_seccomp_bpf *b)
{
    if (b == NULL)
        return;
    free(b->insns);
    free(b);
}

/* What seccomp_load() does with a filter whose no_new_privs attribute is
 * off (pd_seccomp_build): no prctl(PR_SET_NO_NEW_PRIVS) here (process.c
 * decides), seccomp(2) with the profile's flags, prctl(PR_SET_SECCOMP) on a
 * kernel without seccomp(2), and a TSYNC that names a thread is ESRCH. */
int pd_seccomp_bpf_load(const struct pd_seccomp_bpf *b, pd_error **err)
{
    if (b == NULL || b->len == 0)
        return pd_failx(err, "seccomp: load: no filter");
    struct sock_fprog prog = {.len = (unsigned short)b->len, .filter = b->insns};
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, b->flags, &prog);
    if (r < 0 && errno == ENOSYS && b->flags == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
    if (r < 0)
        return pd_fail_errno(err, "seccomp: load filter");
    if (r > 0) /* TSYNC: thread r could not be synchronised */
        return pd_fail(err, ESRCH, "seccomp: load filter (TSYNC failed for thread %ld)", r);
    return 0;
}
