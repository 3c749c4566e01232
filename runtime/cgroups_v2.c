#define _GNU_SOURCE
/* paddock cgroups v2 (unified): values translated as runc and crun do, and
 * the device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program.  Zeros are
 * "unset" (the list is in cgroups.c).
 *
 * Translations:
 *   cpu.shares        -> cpu.weight = 1 + ((shares - 2) * 9999) / 262142
 *                        (shares clamped to 2..262144, so weight is 1..10000)
 *   cpu.quota/period  -> cpu.max "QUOTA PERIOD" ("max" for quota <= 0; the
 *                        part not given keeps its current value)
 *   blockIO.weight    -> io.bfq.weight as is when BFQ is there, else
 *                        io.weight = 1 + ((weight - 10) * 9999) / 990 (10..1000 -> 1..10000)
 *   memory.limit      -> memory.max, reservation -> memory.low (-1 = "max")
 *   memory.swap       -> memory.swap.max = swap - limit (OCI's swap is v1's
 *                        memory+swap); -1 = "max"; limit -1 with no swap: "max"
 *   throttle*Device   -> io.max "MAJ:MIN rbps=N" / wbps / riops / wiops
 *   hugepageLimits    -> hugetlb.<size>.max
 *   unified           -> written verbatim (key: a plain file name)
 * Not on v2 (warned, not applied): memory.disableOOMKiller, memory.swappiness,
 * blockIO.leafWeight.  Errors: cpu.realtime*, network (no such controllers). */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroups_internal.h"
#include "log.h"
#include "util.h"

#define I64(o) ((o).set ? (o).v : 0)
#define U64(o) ((o).set ? (o).v : 0)

uint64_t pd_cgroup_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0; /* unset */
    shares = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t pd_cgroup_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0; /* unset */
    weight = weight < 10 ? 10 : weight > 1000 ? 1000 : weight;
    return 1 + ((weight - 10) * 9999) / 990;
}

int pd_cgv2_swap(int64_t swap, int64_t limit, int64_t *out, pd_error **err)
{
    if (limit == -1 && swap == 0) {
        *out = -1; /* unlimited memory, swap not given: unlimited swap too */
        return 1;
    }
    if (swap == 0)
        return 0;
    if (swap == -1) {
        *out = -1;
        return 1;
    }
    if (limit == 0 || limit == -1)
        return pd_failx(err, ".linux.resources.memory.swap: a swap limit needs a memory limit");
    if (swap < limit)
        return pd_failx(err, ".linux.resources.memory.swap: %lld is less than memory.limit %lld "
                             "(swap is the memory+swap total)", (long long)swap, (long long)limit);
    *out = swap - limit;
    return 1;
}

/* ------------------------------------------------------------ hierarchy */

static void enable_ctrls(const char *dir)
{
    static const char *const want[] = { "cpu", "cpuset", "io", "memory", "pids", "hugetlb" };
    _cleanup_free_ char *avail = pd_cg_read_line(dir, "cgroup.controllers");
    _cleanup_free_ char *on = pd_cg_read_line(dir, "cgroup.subtree_control");
    if (avail == NULL)
        return;
    for (char *c = avail; *c; c++)
        *c = *c == ' ' ? ',' : *c;
    for (char *c = on; c && *c; c++)
        *c = *c == ' ' ? ',' : *c;
    for (size_t i = 0; i < PD_ARRAY_SIZE(want); i++) {
        if (!pd_cg_hier_has(&(struct pd_cg_hier){ .ctrls = avail }, want[i]) ||
            (on && pd_cg_hier_has(&(struct pd_cg_hier){ .ctrls = on }, want[i])))
            continue;
        _cleanup_free_ char *p = pd_xasprintf("%s/cgroup.subtree_control", dir);
        _cleanup_free_ char *v = pd_xasprintf("+%s", want[i]);
        pd_error *e = NULL;
        if (pd_write_string(p, v, &e) < 0) {
            pd_debug("cgroup: enable %s: %s", want[i], e->msg);
            pd_error_free(e);
        }
    }
}

int pd_cgv2_mkdirs(const char *mount, const char *path, pd_error **err)
{
    _cleanup_free_ char *cur = pd_xstrdup(mount);
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (len == 0)
            break;
        enable_ctrls(cur);
        char *child = pd_xasprintf("%s/%.*s", cur, (int)len, s);
        free(cur);
        cur = child;
        if (mkdir(cur, 0755) < 0 && errno != EEXIST)
            return pd_fail_errno(err, "cgroup: mkdir %s", cur);
        s += len;
    }
    return 0;
}

/* ---------------------------------------------------------------- values */

static int set_i64_max(const char *dir, const char *file, const char *field, int64_t v,
                       pd_error **err)
{
    if (v < 0)
        return pd_cg_set(dir, file, "max", field, err);
    return pd_cg_setf(dir, file, field, err, "%lld", (long long)v);
}

static int v2_memory(const char *dir, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->memory) *m = &r->memory;
    int64_t limit = I64(m->limit), resv = I64(m->reservation), swap = 0;
    if (I64(m->kernel) || I64(m->kernel_tcp))
        pd_warn("cgroup: .linux.resources.memory.kernel and kernelTCP are deprecated; ignored");
    if (m->has_disable_oom_killer && m->disable_oom_killer)
        pd_warn("cgroup: .linux.resources.memory.disableOOMKiller is not supported on cgroup v2; "
                "ignored");
    if (m->swappiness.set)
        pd_warn("cgroup: .linux.resources.memory.swappiness is not supported on cgroup v2; "
                "ignored");
    int has_swap = pd_cgv2_swap(I64(m->swap), limit, &swap, err);
    if (has_swap < 0)
        return -1;
    if (has_swap) {
        pd_error *e = NULL;
        if (set_i64_max(dir, "memory.swap.max", "memory.swap", swap, &e) < 0) {
            /* no swap accounting: "max" and 0 ask for nothing it could enforce */
            if (e->errnum != ENOENT || swap > 0) {
                pd_error_move(err, &e);
                return -1;
            }
            pd_error_free(e);
        }
    }
    if (limit && set_i64_max(dir, "memory.max", "memory.limit", limit, err) < 0)
        return -1;
    if (resv && set_i64_max(dir, "memory.low", "memory.reservation", resv, err) < 0)
        return -1;
    return 0;
}

/* cpu.max: the quota and period given; the other keeps its current value. */
static int v2_cpu_max(const char *dir, int64_t quota, uint64_t period, pd_error **err)
{
    _cleanup_free_ char *cur = pd_cg_read_line(dir, "cpu.max");
    char q[32] = "max";
    if (quota > 0)
        snprintf(q, sizeof(q), "%lld", (long long)quota);
    else if (quota == 0 && cur != NULL)
        snprintf(q, sizeof(q), "%.*s", (int)strcspn(cur, " "), cur);
    if (period == 0)
        return pd_cg_set(dir, "cpu.max", q, quota ? "cpu.quota" : "cpu.period", err);
    return pd_cg_setf(dir, "cpu.max", quota ? "cpu.quota" : "cpu.period", err, "%s %llu", q,
                      (unsigned long long)period);
}

static int v2_cpu(const char *dir, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;
    if (I64(c->realtime_runtime) || U64(c->realtime_period))
        return pd_failx(err, ".linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported "
                             "on cgroup v2");
    uint64_t w = pd_cgroup_shares_to_weight(U64(c->shares));
    if (w && pd_cg_setf(dir, "cpu.weight", "cpu.shares", err, "%llu", (unsigned long long)w) < 0)
        return -1;
    if ((I64(c->quota) || U64(c->period)) &&
        v2_cpu_max(dir, I64(c->quota), U64(c->period), err) < 0)
        return -1;
    if (c->idle.set && pd_cg_setf(dir, "cpu.idle", "cpu.idle", err, "%lld",
                                  (long long)c->idle.v) < 0)
        return -1;
    if (c->cpus && c->cpus[0] && pd_cg_set(dir, "cpuset.cpus", c->cpus, "cpu.cpus", err) < 0)
        return -1;
    if (c->mems && c->mems[0] && pd_cg_set(dir, "cpuset.mems", c->mems, "cpu.mems", err) < 0)
        return -1;
    return 0;
}

static int v2_io_weights(const char *dir, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    bool bfq = pd_cg_exists(dir, "io.bfq.weight");
    const char *file = bfq ? "io.bfq.weight" : "io.weight";
    if (U64(b->leaf_weight))
        pd_warn("cgroup: .linux.resources.blockIO.leafWeight is not supported on cgroup v2; "
                "ignored");
    if (U64(b->weight) &&
        pd_cg_setf(dir, file, "blockIO.weight", err, "%llu",
                   (unsigned long long)(bfq ? b->weight.v
                                            : pd_cgroup_blkio_to_io_weight(b->weight.v))) < 0)
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct pd_blkio_device *d = &b->weight_device[i];
        if (!d->weight.set)
            continue;
        uint64_t w = bfq ? d->weight.v : pd_cgroup_blkio_to_io_weight(d->weight.v);
        if (pd_cg_setf(dir, file, "blockIO.weightDevice", err, "%lld:%lld %llu",
                       (long long)d->major, (long long)d->minor, (unsigned long long)w) < 0)
            return -1;
    }
    return 0;
}

static int v2_io(const char *dir, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    const struct {
        const struct pd_blkio_device *v;
        size_t n;
        const char *key, *field;
    } thr[] = {
        { b->throttle_read_bps, b->n_throttle_read_bps, "rbps", "blockIO.throttleReadBpsDevice" },
        { b->throttle_write_bps, b->n_throttle_write_bps, "wbps",
          "blockIO.throttleWriteBpsDevice" },
        { b->throttle_read_iops, b->n_throttle_read_iops, "riops",
          "blockIO.throttleReadIOPSDevice" },
        { b->throttle_write_iops, b->n_throttle_write_iops, "wiops",
          "blockIO.throttleWriteIOPSDevice" },
    };
    if (v2_io_weights(dir, r, err) < 0)
        return -1;
    for (size_t t = 0; t < PD_ARRAY_SIZE(thr); t++)
        for (size_t i = 0; i < thr[t].n; i++)
            if (pd_cg_setf(dir, "io.max", thr[t].field, err, "%lld:%lld %s=%llu",
                           (long long)thr[t].v[i].major, (long long)thr[t].v[i].minor,
                           thr[t].key, (unsigned long long)thr[t].v[i].rate) < 0)
                return -1;
    return 0;
}

static int v2_misc(const char *dir, const struct pd_resources *r, pd_error **err)
{
    if (I64(r->pids.limit) && set_i64_max(dir, "pids.max", "pids.limit", r->pids.limit.v, err) < 0)
        return -1;
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct pd_hugepage_limit *h = &r->hugepage_limits[i];
        if (strchr(h->page_size, '/') != NULL)
            return pd_failx(err, ".linux.resources.hugepageLimits[%zu].pageSize: invalid \"%s\"",
                            i, h->page_size);
        _cleanup_free_ char *file = pd_xasprintf("hugetlb.%s.max", h->page_size);
        if (pd_cg_setf(dir, file, "hugepageLimits", err, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
    }
    if (U64(r->network.class_id) || r->network.n_priorities)
        return pd_failx(err, ".linux.resources.network: not supported on cgroup v2 (no net_cls "
                             "or net_prio controller)");
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *k = r->unified[i].key;
        if (!pd_cg_unified_key_ok(k))
            return pd_failx(err, ".linux.resources.unified: invalid key \"%s\"", k);
        _cleanup_free_ char *field = pd_xasprintf("unified.%s", k);
        if (pd_cg_set(dir, k, r->unified[i].value, field, err) < 0)
            return -1;
    }
    return 0;
}

int pd_cgv2_apply(const struct pd_cgroup *cg, const char *dir, const struct pd_resources *r,
                  bool update, pd_error **err)
{
    (void)update; /* cpu.max merges with the current value either way */
    if (r == NULL)
        return 0;
    if (v2_memory(dir, r, err) < 0 || v2_cpu(dir, r, err) < 0 || v2_io(dir, r, err) < 0 ||
        v2_misc(dir, r, err) < 0)
        return -1;
    if (r->n_devices == 0)
        return 0;
    if (cg->rootless) {
        pd_debug("cgroup: rootless: .linux.resources.devices left to the device bind mounts");
        return 0;
    }
    return pd_cgv2_devices(dir, r->devices, r->n_devices, err);
}

/* ----------------------------------------------------------------- state */

int pd_cgv2_freeze(const char *dir, bool frozen, pd_error **err)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/cgroup.freeze", dir);
    if (pd_write_string(p, frozen ? "1" : "0", err) < 0)
        return pd_wrap(err, "cgroup: %s", frozen ? "pause" : "resume");
    uint64_t v = 2;
    for (int i = 0; i < 400; i++) {
        if (pd_cg_read_key(dir, "cgroup.events", "frozen", &v) && v == (frozen ? 1 : 0))
            return 0;
        struct timespec ts = { 0, 5000000L };
        nanosleep(&ts, NULL);
    }
    if (frozen)
        pd_write_string(p, "0", NULL); /* do not leave it half frozen */
    return pd_failx(err, "cgroup: %s: %s/cgroup.events still says \"frozen %llu\" after 2s",
                    frozen ? "pause" : "resume", dir, (unsigned long long)v);
}

int pd_cgv2_stats(const char *dir, struct pd_cgroup_stats *st, pd_error **err)
{
    uint64_t v;
    if (access(dir, F_OK) < 0)
        return pd_fail_errno(err, "cgroup: stats: %s", dir);
    if (pd_cg_read_key(dir, "cpu.stat", "usage_usec", &v))
        st->cpu_usage_ns = v * 1000;
    if (pd_cg_read_key(dir, "cpu.stat", "user_usec", &v))
        st->cpu_user_ns = v * 1000;
    if (pd_cg_read_key(dir, "cpu.stat", "system_usec", &v))
        st->cpu_system_ns = v * 1000;
    pd_cg_read_u64(dir, "memory.current", &st->memory_usage);
    pd_cg_read_u64(dir, "memory.max", &st->memory_limit);
    pd_cg_read_u64(dir, "memory.peak", &st->memory_max_usage);
    pd_cg_read_key(dir, "memory.stat", "file", &st->memory_cache);
    pd_cg_read_u64(dir, "memory.swap.current", &st->memory_swap_usage);
    pd_cg_read_u64(dir, "memory.swap.max", &st->memory_swap_limit);
    pd_cg_read_u64(dir, "pids.current", &st->pids_current);
    if (pd_cg_read_u64(dir, "pids.max", &st->pids_limit) && st->pids_limit == UINT64_MAX)
        st->pids_limit = 0;
    pd_cg_read_key(dir, "memory.events", "oom_kill", &st->oom_kills);
    return 0;
}

/* --------------------------------------------------------------- devices
 *
 * The program, for ctx = struct bpf_cgroup_dev_ctx { access_type, major, minor }:
 *   r2 = type (access_type & 0xffff), r3 = access (access_type >> 16),
 *   r4 = major, r5 = minor;
 *   then one block per rule, the last rule first (the first match decides,
 *   so a later rule overrides an earlier one, as writes to v1's devices.allow
 *   and devices.deny do): "if the type, numbers and access match, return
 *   allow/deny"; then return the default.
 * A deny-all or allow-all rule ("a", wildcard numbers) resets: the rules
 * before it are dropped and it sets the default.  Without one the default
 * is allow, as a fresh v1 devices cgroup.  Access: an allow rule matches
 * when the request is a subset of its access, a deny rule when they share
 * any bit (so "deny w" also stops an open for read+write). */

struct prog {
    struct bpf_insn *v;
    size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    p->v = pd_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
    p->v[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
                                      .imm = imm };
}

static bool num(struct pd_opt_i64 o)
{
    return o.set && o.v >= 0;
}

static int access_mask(const char *a)
{
    if (a == NULL || a[0] == '\0')
        return 7;
    return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
           (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

static void emit_rule(struct prog *p, const struct pd_device_rule *d)
{
    int acc = access_mask(d->access);
    bool ck_type = d->type != 'a', ck_acc = acc != 7, ck_maj = num(d->major),
         ck_min = num(d->minor);
    size_t end = p->n + ck_type + (ck_acc ? 3 : 0) + ck_maj + ck_min + 2;
#define NEXT ((int16_t)(end - (p->n + 1)))
    if (ck_type)
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, NEXT,
             d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    if (ck_acc) {
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, d->allow ? (~acc & 7) : acc);
        emit(p, BPF_JMP | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_1, 0, NEXT, 0);
    }
    if (ck_maj)
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, NEXT, (int32_t)d->major.v);
    if (ck_min)
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, NEXT, (int32_t)d->minor.v);
#undef NEXT
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static void build_prog(struct prog *p, const struct pd_device_rule *rules, size_t n)
{
    size_t start = 0;
    bool deflt = true;
    for (size_t i = 0; i < n; i++)
        if (rules[i].type == 'a' && !num(rules[i].major) && !num(rules[i].minor)) {
            start = i + 1;
            deflt = rules[i].allow;
        }
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
    emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
    emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
    for (size_t i = n; i > start; i--)
        emit_rule(p, &rules[i - 1]);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, deflt);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

size_t pd_cgv2_devices_prog_len(const struct pd_device_rule *rules, size_t n)
{
    struct prog p = { 0 };
    build_prog(&p, rules, n);
    free(p.v);
    return p.n;
}

static int bpf_sys(int cmd, union bpf_attr *a)
{
    return (int)syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int load_prog(const struct prog *p, pd_error **err)
{
    static char log[8192];
    union bpf_attr a = { 0 };
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uintptr_t)p->v;
    a.insn_cnt = (uint32_t)p->n;
    a.license = (uintptr_t) "GPL";
    int fd = bpf_sys(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        return fd;
    int e = errno;
    log[0] = '\0';
    a.log_buf = (uintptr_t)log; /* again, for the verifier's words */
    a.log_size = sizeof(log);
    a.log_level = 1;
    fd = bpf_sys(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        return fd;
    log[strcspn(log, "\n")] = '\0';
    return pd_fail(err, e, ".linux.resources.devices: load the device program (BPF_PROG_LOAD%s%s)",
                   log[0] ? ": " : "", log);
}

static int bpf_attach(int cgfd, int prog, const char *dir, pd_error **err)
{
    union bpf_attr a = { 0 };
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf_sys(BPF_PROG_ATTACH, &a) < 0)
        return pd_fail_errno(err, ".linux.resources.devices: attach the device program to %s",
                             dir);
    return 0;
}

/* Detach the programs that were attached before ours (an update). */
static int detach_old(int cgfd, const uint32_t *ids, uint32_t n, const char *dir, pd_error **err)
{
    for (uint32_t i = 0; i < n; i++) {
        union bpf_attr g = { 0 };
        g.prog_id = ids[i];
        _cleanup_close_ int fd = bpf_sys(BPF_PROG_GET_FD_BY_ID, &g);
        if (fd < 0 && errno == ENOENT)
            continue;
        union bpf_attr d = { 0 };
        d.target_fd = (uint32_t)cgfd;
        d.attach_bpf_fd = (uint32_t)fd;
        d.attach_type = BPF_CGROUP_DEVICE;
        if (fd < 0 || (bpf_sys(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT))
            return pd_fail_errno(err, ".linux.resources.devices: detach the old device program "
                                      "%u from %s", ids[i], dir);
    }
    return 0;
}

int pd_cgv2_devices(const char *dir, const struct pd_device_rule *rules, size_t n,
                    pd_error **err)
{
    for (size_t i = 0; i < n; i++)
        if ((rules[i].major.set && rules[i].major.v > INT32_MAX) ||
            (rules[i].minor.set && rules[i].minor.v > INT32_MAX))
            return pd_failx(err, ".linux.resources.devices[%zu]: device number out of range", i);
    _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return pd_fail_errno(err, ".linux.resources.devices: open %s", dir);
    uint32_t ids[64];
    union bpf_attr q = { 0 };
    q.query.target_fd = (uint32_t)cgfd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uintptr_t)ids;
    q.query.prog_cnt = PD_ARRAY_SIZE(ids);
    if (bpf_sys(BPF_PROG_QUERY, &q) < 0)
        q.query.prog_cnt = 0; /* nothing attached that we could see */
    struct prog p = { 0 };
    build_prog(&p, rules, n);
    _cleanup_close_ int fd = load_prog(&p, err);
    free(p.v);
    if (fd < 0 || bpf_attach(cgfd, fd, dir, err) < 0)
        return -1;
    pd_debug("cgroup: device program (%zu rules) attached to %s", n, dir);
    return detach_old(cgfd, ids, q.query.prog_cnt, dir, err);
}
