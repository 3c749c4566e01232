#define _GNU_SOURCE
/* paddock cgroups v1 (and hybrid hosts), plus the cgroup file helpers that
 * every cgroups_*.c uses.  v1: one directory per mounted hierarchy; each OCI
 * value is written to its controller's file.  On a hybrid host what v1
 * lacks (hugetlb on this VM) goes to the cgroup2 mount.  Zeros are "unset"
 * (the list is in cgroups.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups_internal.h"
#include "log.h"
#include "util.h"

/* ------------------------------------------------------------------------
 * File helpers (shared with cgroups.c and cgroups_v2.c). */

bool pd_cg_exists(const char *dir, const char *file)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, file);
    return access(p, F_OK) == 0;
}

int pd_cg_set(const char *dir, const char *file, const char *val, const char *field,
              pd_error **err)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT)
        return pd_fail(err, ENOENT, ".linux.resources.%s: write %s to %s (not supported by "
                                    "this kernel, or the controller is not enabled)",
                       field, val, p);
    if (fd < 0 || pd_write_all(fd, val, strlen(val)) < 0)
        return pd_fail_errno(err, ".linux.resources.%s: write %s to %s", field, val, p);
    pd_debug("cgroup: %s = %s", p, val);
    return 0;
}

int pd_cg_setf(const char *dir, const char *file, const char *field, pd_error **err,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *val = NULL;
    int r = vasprintf(&val, fmt, ap);
    va_end(ap);
    if (r < 0)
        return pd_failx(err, "out of memory");
    r = pd_cg_set(dir, file, val, field, err);
    free(val);
    return r;
}

char *pd_cg_read_line(const char *dir, const char *file)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, file);
    char *buf = NULL;
    if (pd_read_file(p, 1 << 20, &buf, NULL, NULL) < 0)
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

bool pd_cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    _cleanup_free_ char *l = pd_cg_read_line(dir, file);
    unsigned long long v;
    if (l != NULL && strcmp(l, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    if (l == NULL || !pd_parse_u64(l, &v))
        return false;
    *out = v;
    return true;
}

bool pd_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out)
{
    _cleanup_free_ char *p = pd_xasprintf("%s/%s", dir, file);
    _cleanup_free_ char *buf = NULL;
    if (pd_read_file(p, 1 << 20, &buf, NULL, NULL) < 0)
        return false;
    size_t kl = strlen(key);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        unsigned long long v;
        char num[32];
        if (strncmp(l, key, kl) != 0 || l[kl] != ' ')
            continue;
        size_t nl = strcspn(l + kl + 1, "\n");
        if (nl == 0 || nl >= sizeof(num))
            return false;
        memcpy(num, l + kl + 1, nl);
        num[nl] = '\0';
        if (!pd_parse_u64(num, &v))
            return false;
        *out = v;
        return true;
    }
    return false;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int pd_cg_wait_line(const char *dir, const char *file, const char *want, pd_error **err)
{
    _cleanup_free_ char *last = NULL;
    for (int i = 0; i < 400; i++) {
        free(last);
        last = pd_cg_read_line(dir, file);
        if (last != NULL && strcmp(last, want) == 0)
            return 0;
        sleep_ms(5);
    }
    return pd_failx(err, "cgroup: %s/%s is still \"%s\" after 2s (waiting for \"%s\")", dir,
                    file, last ? last : "(unreadable)", want);
}

bool pd_cg_unified_key_ok(const char *key)
{
    return key[0] != '\0' && strchr(key, '/') == NULL && strcmp(key, ".") != 0 &&
           strcmp(key, "..") != 0;
}

/* ------------------------------------------------------------------------
 * v1 hierarchies and values. */

/* v1 cpuset: a new cgroup starts with empty cpus and mems and no task can
 * join it until they are set, so copy them down from the parent, level by
 * level (the parents may be new too). */
static int cpuset_init(const char *mount, const char *path, pd_error **err)
{
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    _cleanup_free_ char *cur = pd_xstrdup(mount);
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (len == 0)
            break;
        char *child = pd_xasprintf("%s/%.*s", cur, (int)len, s);
        for (size_t i = 0; i < PD_ARRAY_SIZE(files); i++) {
            _cleanup_free_ char *mine = pd_cg_read_line(child, files[i]);
            _cleanup_free_ char *parent = mine && !mine[0] ? pd_cg_read_line(cur, files[i]) : NULL;
            if (parent != NULL && parent[0] != '\0' &&
                pd_cg_set(child, files[i], parent, i ? "cpu.mems" : "cpu.cpus", err) < 0) {
                free(child);
                return -1;
            }
        }
        free(cur);
        cur = child;
        s += len;
    }
    return 0;
}

int pd_cgv1_mkdirs(const struct pd_cgroup *cg, pd_error **err)
{
    for (size_t i = 0; i < cg->nh; i++) {
        _cleanup_free_ char *dir = pd_xasprintf("%s%s", cg->h[i].mount, pd_cg_hpath(cg, i));
        if (pd_mkdir_p(dir, 0755, err) < 0)
            return pd_wrap(err, "cgroup");
        if (pd_cg_hier_has(&cg->h[i], "cpuset") &&
            cpuset_init(cg->h[i].mount, pd_cg_hpath(cg, i), err) < 0)
            return -1;
    }
    return 0;
}

/* The controller's directory, or an error naming the field. */
static char *need_dir(const struct pd_cgroup *cg, const char *ctrl, const char *field,
                      pd_error **err)
{
    char *d = pd_cg_dir(cg, ctrl);
    if (d == NULL)
        pd_failx(err, ".linux.resources.%s: the %s cgroup controller is not mounted", field, ctrl);
    return d;
}

#define I64(o) ((o).set ? (o).v : 0)
#define U64(o) ((o).set ? (o).v : 0)

/* Write memory limit and memsw (limit + swap) in the order the kernel
 * accepts (memsw >= limit at every step), as runc does. */
static int memory_limits(const char *d, int64_t limit, int64_t swap, pd_error **err)
{
    uint64_t cur = 0;
    bool swap_first = limit != 0 && swap != 0 &&
                      (swap == -1 || (pd_cg_read_u64(d, "memory.limit_in_bytes", &cur) &&
                                      cur < (uint64_t)swap));
    for (int i = 0; i < 2; i++) {
        bool do_swap = (i == 0) == swap_first;
        if (do_swap && swap != 0 &&
            pd_cg_setf(d, "memory.memsw.limit_in_bytes", "memory.swap", err, "%lld",
                       (long long)swap) < 0)
            return -1;
        if (!do_swap && limit != 0 &&
            pd_cg_setf(d, "memory.limit_in_bytes", "memory.limit", err, "%lld",
                       (long long)limit) < 0)
            return -1;
    }
    return 0;
}

static int v1_memory(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->memory) *m = &r->memory;
    int64_t limit = I64(m->limit), swap = I64(m->swap), resv = I64(m->reservation);
    bool oom = m->has_disable_oom_killer && m->disable_oom_killer;
    if (I64(m->kernel) || I64(m->kernel_tcp))
        pd_warn("cgroup: .linux.resources.memory.kernel and kernelTCP are deprecated; ignored");
    if (!limit && !swap && !resv && !m->swappiness.set && !oom)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "memory", "memory", err);
    if (d == NULL)
        return -1;
    bool memsw = pd_cg_exists(d, "memory.memsw.limit_in_bytes");
    if (swap != 0 && !memsw)
        return pd_failx(err, ".linux.resources.memory.swap: %s/memory.memsw.limit_in_bytes does "
                             "not exist (the kernel does not account swap)", d);
    if (limit == -1 && swap == 0 && memsw)
        swap = -1; /* unlimited memory: unlimited memory+swap too */
    if (memory_limits(d, limit, swap, err) < 0)
        return -1;
    if (resv && pd_cg_setf(d, "memory.soft_limit_in_bytes", "memory.reservation", err, "%lld",
                           (long long)resv) < 0)
        return -1;
    if (m->swappiness.set && m->swappiness.v > 100)
        return pd_failx(err, ".linux.resources.memory.swappiness: %llu is not in 0..100",
                        (unsigned long long)m->swappiness.v);
    if (m->swappiness.set && pd_cg_setf(d, "memory.swappiness", "memory.swappiness", err, "%llu",
                                        (unsigned long long)m->swappiness.v) < 0)
        return -1;
    if (oom && pd_cg_set(d, "memory.oom_control", "1", "memory.disableOOMKiller", err) < 0)
        return -1;
    return 0;
}

static int v1_pids(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    int64_t limit = I64(r->pids.limit);
    if (limit == 0)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "pids", "pids.limit", err);
    if (d == NULL)
        return -1;
    if (limit < 0)
        return pd_cg_set(d, "pids.max", "max", "pids.limit", err);
    return pd_cg_setf(d, "pids.max", "pids.limit", err, "%lld", (long long)limit);
}

/* cfs period then quota; if the kernel refuses the period against the old
 * quota (EINVAL), write the quota first (as runc). */
static int cfs(const char *d, uint64_t period, int64_t quota, pd_error **err)
{
    if (period) {
        pd_error *e = NULL;
        if (pd_cg_setf(d, "cpu.cfs_period_us", "cpu.period", &e, "%llu",
                       (unsigned long long)period) < 0) {
            if (e->errnum != EINVAL || quota == 0) {
                pd_error_move(err, &e);
                return -1;
            }
            pd_error_free(e);
            if (pd_cg_setf(d, "cpu.cfs_quota_us", "cpu.quota", err, "%lld", (long long)quota) < 0 ||
                pd_cg_setf(d, "cpu.cfs_period_us", "cpu.period", err, "%llu",
                           (unsigned long long)period) < 0)
                return -1;
        }
    }
    if (quota && pd_cg_setf(d, "cpu.cfs_quota_us", "cpu.quota", err, "%lld", (long long)quota) < 0)
        return -1;
    return 0;
}

static int v1_cpu(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;
    uint64_t shares = U64(c->shares), period = U64(c->period), rtp = U64(c->realtime_period);
    int64_t quota = I64(c->quota), rtr = I64(c->realtime_runtime);
    if (!shares && !period && !quota && !rtp && !rtr && !c->idle.set)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "cpu", "cpu", err);
    if (d == NULL)
        return -1;
    if (shares && pd_cg_setf(d, "cpu.shares", "cpu.shares", err, "%llu",
                             (unsigned long long)shares) < 0)
        return -1;
    if (cfs(d, period, quota, err) < 0)
        return -1;
    if (rtp && pd_cg_setf(d, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%llu",
                          (unsigned long long)rtp) < 0)
        return -1;
    if (rtr && pd_cg_setf(d, "cpu.rt_runtime_us", "cpu.realtimeRuntime", err, "%lld",
                          (long long)rtr) < 0)
        return -1;
    if (c->idle.set && pd_cg_setf(d, "cpu.idle", "cpu.idle", err, "%lld", (long long)c->idle.v) < 0)
        return -1;
    return 0;
}

static int v1_cpuset(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    const char *cpus = r->cpu.cpus, *mems = r->cpu.mems;
    bool has_cpus = cpus && cpus[0], has_mems = mems && mems[0];
    if (!has_cpus && !has_mems)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "cpuset", has_cpus ? "cpu.cpus" : "cpu.mems", err);
    if (d == NULL)
        return -1;
    if (has_cpus && pd_cg_set(d, "cpuset.cpus", cpus, "cpu.cpus", err) < 0)
        return -1;
    if (has_mems && pd_cg_set(d, "cpuset.mems", mems, "cpu.mems", err) < 0)
        return -1;
    return 0;
}

/* blkio.X, or blkio.bfq.X on kernels where only BFQ has weights. */
static const char *blkio_file(const char *d, const char *plain, const char *bfq)
{
    return pd_cg_exists(d, plain) || !pd_cg_exists(d, bfq) ? plain : bfq;
}

static int blkio_weights(const char *d, const typeof(((struct pd_resources *)0)->block_io) *b,
                         pd_error **err)
{
    if (U64(b->weight) && pd_cg_setf(d, blkio_file(d, "blkio.weight", "blkio.bfq.weight"),
                                     "blockIO.weight", err, "%llu",
                                     (unsigned long long)b->weight.v) < 0)
        return -1;
    if (U64(b->leaf_weight) && pd_cg_setf(d, "blkio.leaf_weight", "blockIO.leafWeight", err,
                                          "%llu", (unsigned long long)b->leaf_weight.v) < 0)
        return -1;
    const char *wfile = blkio_file(d, "blkio.weight_device", "blkio.bfq.weight_device");
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct pd_blkio_device *w = &b->weight_device[i];
        if (w->weight.set && pd_cg_setf(d, wfile, "blockIO.weightDevice", err, "%lld:%lld %llu",
                                        (long long)w->major, (long long)w->minor,
                                        (unsigned long long)w->weight.v) < 0)
            return -1;
        if (w->leaf_weight.set &&
            pd_cg_setf(d, "blkio.leaf_weight_device", "blockIO.weightDevice", err,
                       "%lld:%lld %llu", (long long)w->major, (long long)w->minor,
                       (unsigned long long)w->leaf_weight.v) < 0)
            return -1;
    }
    return 0;
}

static int v1_blkio(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    const struct {
        const struct pd_blkio_device *v;
        size_t n;
        const char *file, *field;
    } thr[] = {
        { b->throttle_read_bps, b->n_throttle_read_bps, "blkio.throttle.read_bps_device",
          "blockIO.throttleReadBpsDevice" },
        { b->throttle_write_bps, b->n_throttle_write_bps, "blkio.throttle.write_bps_device",
          "blockIO.throttleWriteBpsDevice" },
        { b->throttle_read_iops, b->n_throttle_read_iops, "blkio.throttle.read_iops_device",
          "blockIO.throttleReadIOPSDevice" },
        { b->throttle_write_iops, b->n_throttle_write_iops, "blkio.throttle.write_iops_device",
          "blockIO.throttleWriteIOPSDevice" },
    };
    size_t nthr = 0;
    for (size_t i = 0; i < PD_ARRAY_SIZE(thr); i++)
        nthr += thr[i].n;
    if (!U64(b->weight) && !U64(b->leaf_weight) && !b->n_weight_device && !nthr)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "blkio", "blockIO", err);
    if (d == NULL || blkio_weights(d, b, err) < 0)
        return -1;
    for (size_t t = 0; t < PD_ARRAY_SIZE(thr); t++)
        for (size_t i = 0; i < thr[t].n; i++)
            if (pd_cg_setf(d, thr[t].file, thr[t].field, err, "%lld:%lld %llu",
                           (long long)thr[t].v[i].major, (long long)thr[t].v[i].minor,
                           (unsigned long long)thr[t].v[i].rate) < 0)
                return -1;
    return 0;
}

/* hugetlb: the v1 controller when mounted, else the hybrid's cgroup2 part. */
static int v1_hugetlb(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    if (r->n_hugepage_limits == 0)
        return 0;
    _cleanup_free_ char *d = pd_cg_dir(cg, "hugetlb");
    _cleanup_free_ char *u = d ? NULL : pd_cg_udir(cg);
    if (d == NULL && (u == NULL || !pd_cg_unified_has(cg, "hugetlb")))
        return pd_failx(err, ".linux.resources.hugepageLimits: the hugetlb cgroup controller is "
                             "not available (neither cgroup v1 nor the cgroup2 mount has it)");
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct pd_hugepage_limit *h = &r->hugepage_limits[i];
        if (strchr(h->page_size, '/') != NULL)
            return pd_failx(err, ".linux.resources.hugepageLimits[%zu].pageSize: invalid \"%s\"",
                            i, h->page_size);
        _cleanup_free_ char *file = pd_xasprintf(d ? "hugetlb.%s.limit_in_bytes" : "hugetlb.%s.max",
                                                 h->page_size);
        if (pd_cg_setf(d ? d : u, file, "hugepageLimits", err, "%llu",
                       (unsigned long long)h->limit) < 0)
            return -1;
    }
    return 0;
}

static int v1_net(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    if (U64(r->network.class_id)) {
        _cleanup_free_ char *d = need_dir(cg, "net_cls", "network.classID", err);
        if (d == NULL || pd_cg_setf(d, "net_cls.classid", "network.classID", err, "%llu",
                                    (unsigned long long)r->network.class_id.v) < 0)
            return -1;
    }
    if (r->network.n_priorities == 0)
        return 0;
    _cleanup_free_ char *d = need_dir(cg, "net_prio", "network.priorities", err);
    if (d == NULL)
        return -1;
    for (size_t i = 0; i < r->network.n_priorities; i++)
        if (pd_cg_setf(d, "net_prio.ifpriomap", "network.priorities", err, "%s %s",
                       r->network.priorities[i].key, r->network.priorities[i].value) < 0)
            return -1;
    return 0;
}

/* `unified` on a v1 host: only files of the hybrid's cgroup2 part. */
static int v1_unified(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    if (r->n_unified == 0)
        return 0;
    _cleanup_free_ char *u = pd_cg_udir(cg);
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *k = r->unified[i].key;
        if (!pd_cg_unified_key_ok(k))
            return pd_failx(err, ".linux.resources.unified: invalid key \"%s\"", k);
        if (u == NULL || !pd_cg_exists(u, k))
            return pd_failx(err, ".linux.resources.unified.%s: only supported on cgroup v2 (this "
                                 "host has cgroup v1)", k);
        _cleanup_free_ char *field = pd_xasprintf("unified.%s", k);
        if (pd_cg_set(u, k, r->unified[i].value, field, err) < 0)
            return -1;
    }
    return 0;
}

/* "c 1:3 rwm"; unset (or negative) numbers are "*", access ""/absent "rwm". */
static char *rule_str(const struct pd_device_rule *d)
{
    char maj[24] = "*", min[24] = "*";
    if (d->major.set && d->major.v >= 0)
        snprintf(maj, sizeof(maj), "%lld", (long long)d->major.v);
    if (d->minor.set && d->minor.v >= 0)
        snprintf(min, sizeof(min), "%lld", (long long)d->minor.v);
    return pd_xasprintf("%c %s:%s %s", d->type, maj, min,
                        d->access && d->access[0] ? d->access : "rwm");
}

/* Rules in order: a deny-all ("a") first makes the cgroup default-deny. */
static int v1_devices(const struct pd_cgroup *cg, const struct pd_resources *r, pd_error **err)
{
    if (r->n_devices == 0)
        return 0;
    if (cg->rootless) {
        pd_debug("cgroup: rootless: .linux.resources.devices left to the device bind mounts");
        return 0;
    }
    _cleanup_free_ char *d = pd_cg_dir(cg, "devices");
    if (d == NULL) {
        _cleanup_free_ char *u = pd_cg_udir(cg);
        if (u == NULL)
            return pd_failx(err, ".linux.resources.devices: no devices cgroup controller and no "
                                 "cgroup2 mount for a device program");
        return pd_cgv2_devices(u, r->devices, r->n_devices, err);
    }
    for (size_t i = 0; i < r->n_devices; i++) {
        _cleanup_free_ char *s = rule_str(&r->devices[i]);
        _cleanup_free_ char *field = pd_xasprintf("devices[%zu]", i);
        if (pd_cg_set(d, r->devices[i].allow ? "devices.allow" : "devices.deny", s, field, err) < 0)
            return -1;
    }
    return 0;
}

int pd_cgv1_apply(const struct pd_cgroup *cg, const struct pd_resources *r, bool update,
                  pd_error **err)
{
    (void)update; /* v1 files are independent: nothing to merge */
    if (r == NULL)
        return 0;
    if (v1_memory(cg, r, err) < 0 || v1_pids(cg, r, err) < 0 || v1_cpu(cg, r, err) < 0 ||
        v1_cpuset(cg, r, err) < 0 || v1_blkio(cg, r, err) < 0 || v1_hugetlb(cg, r, err) < 0 ||
        v1_net(cg, r, err) < 0 || v1_unified(cg, r, err) < 0 || v1_devices(cg, r, err) < 0)
        return -1;
    return 0;
}

static void v1_memory_stats(const char *d, struct pd_cgroup_stats *st)
{
    uint64_t sw = 0;
    pd_cg_read_u64(d, "memory.usage_in_bytes", &st->memory_usage);
    pd_cg_read_u64(d, "memory.limit_in_bytes", &st->memory_limit);
    pd_cg_read_u64(d, "memory.max_usage_in_bytes", &st->memory_max_usage);
    pd_cg_read_key(d, "memory.stat", "cache", &st->memory_cache);
    if (pd_cg_read_u64(d, "memory.memsw.usage_in_bytes", &sw) && sw >= st->memory_usage)
        st->memory_swap_usage = sw - st->memory_usage;
    pd_cg_read_u64(d, "memory.memsw.limit_in_bytes", &st->memory_swap_limit);
    pd_cg_read_key(d, "memory.oom_control", "oom_kill", &st->oom_kills);
}

int pd_cgv1_stats(const struct pd_cgroup *cg, struct pd_cgroup_stats *st, pd_error **err)
{
    _cleanup_free_ char *cpu = pd_cg_dir(cg, "cpuacct");
    _cleanup_free_ char *mem = pd_cg_dir(cg, "memory");
    _cleanup_free_ char *pids = pd_cg_dir(cg, "pids");
    const char *any = mem ? mem : pids ? pids : cpu;
    if (any != NULL && access(any, F_OK) < 0)
        return pd_fail_errno(err, "cgroup: stats: %s", any);
    if (cpu != NULL) {
        uint64_t user = 0, sys = 0;
        long hz = sysconf(_SC_CLK_TCK);
        pd_cg_read_u64(cpu, "cpuacct.usage", &st->cpu_usage_ns);
        if (hz > 0 && pd_cg_read_key(cpu, "cpuacct.stat", "user", &user) &&
            pd_cg_read_key(cpu, "cpuacct.stat", "system", &sys)) {
            st->cpu_user_ns = user * (1000000000ULL / (uint64_t)hz);
            st->cpu_system_ns = sys * (1000000000ULL / (uint64_t)hz);
        }
    }
    if (mem != NULL)
        v1_memory_stats(mem, st);
    if (pids != NULL) {
        pd_cg_read_u64(pids, "pids.current", &st->pids_current);
        if (pd_cg_read_u64(pids, "pids.max", &st->pids_limit) && st->pids_limit == UINT64_MAX)
            st->pids_limit = 0;
    }
    return 0;
}
