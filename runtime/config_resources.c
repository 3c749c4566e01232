/* paddock: linux.resources (in config.json, or alone for `update --resources`).
 * Values are parsed and type-checked only: zeros (docker update's "unset")
 * are kept as values and the cgroup code decides what they mean. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "util.h"

static int parse_device_rule(const struct pc *c, const pd_json *v, const struct jp *p,
                             struct pd_device_rule *d)
{
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_bool(c, v, p, "allow", &d->allow), p, "allow") < 0)
        return -1;
    _cleanup_free_ char *type = NULL;
    int r = pc_m_str(c, v, p, "type", &type);
    if (r < 0)
        return -1;
    d->type = 'a';
    if (r > 0 && type[0] != '\0') { /* "" is "all" (Go's zero value) */
        if (strlen(type) != 1 || strchr("acb", type[0]) == NULL) {
            _cleanup_free_ char *q = pc_quote(type);
            return pc_fail(c, JP_M(p, "type"), "expected one of \"a\", \"c\", \"b\", got %s", q);
        }
        d->type = type[0];
    }
    if (pc_m_opt_i64(c, v, p, "major", &d->major) < 0 ||
        pc_m_opt_i64(c, v, p, "minor", &d->minor) < 0 ||
        pc_m_str(c, v, p, "access", &d->access) < 0)
        return -1;
    if (d->access != NULL && strspn(d->access, "rwm") != strlen(d->access)) {
        _cleanup_free_ char *q = pc_quote(d->access);
        return pc_fail(c, JP_M(p, "access"), "expected a subset of \"rwm\", got %s", q);
    }
    return 0;
}

static int parse_devices(const struct pc *c, const pd_json *rs, const struct jp *rp,
                         struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, rs, rp, "devices", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "devices");
    size_t n = pd_json_len(v);
    out->devices = pd_xcalloc(n ? n : 1, sizeof(struct pd_device_rule));
    for (size_t i = 0; i < n; i++) {
        out->n_devices = i + 1;
        if (parse_device_rule(c, pd_json_at(v, i), JP_I(p, i), &out->devices[i]) < 0)
            return -1;
    }
    return 0;
}

/* Memory sizes are int64 (-1 = unlimited); 2^64-1, which some tools write
 * for "unlimited", is read as -1 too. */
static int mem_value(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                     struct pd_opt_i64 *out)
{
    pd_json *v = pc_get(obj, key);
    uint64_t u;
    if (v != NULL && pd_json_uint64(v, &u) && u == UINT64_MAX) {
        out->set = true;
        out->v = -1;
        return 1;
    }
    return pc_m_opt_i64(c, obj, p, key, out);
}

static int parse_memory(const struct pc *c, const pd_json *rs, const struct jp *rp,
                        struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, rs, rp, "memory", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "memory");
    if (mem_value(c, v, p, "limit", &out->memory.limit) < 0 ||
        mem_value(c, v, p, "reservation", &out->memory.reservation) < 0 ||
        mem_value(c, v, p, "swap", &out->memory.swap) < 0 ||
        mem_value(c, v, p, "kernel", &out->memory.kernel) < 0 ||
        mem_value(c, v, p, "kernelTCP", &out->memory.kernel_tcp) < 0 ||
        pc_m_opt_u64(c, v, p, "swappiness", &out->memory.swappiness) < 0)
        return -1;
    if ((r = pc_m_bool(c, v, p, "disableOOMKiller", &out->memory.disable_oom_killer)) < 0)
        return -1;
    out->memory.has_disable_oom_killer = r > 0;
    if ((r = pc_m_bool(c, v, p, "useHierarchy", &out->memory.use_hierarchy)) < 0)
        return -1;
    out->memory.has_use_hierarchy = r > 0;
    if ((r = pc_m_bool(c, v, p, "checkBeforeUpdate", &out->memory.check_before_update)) < 0)
        return -1;
    out->memory.has_check_before_update = r > 0;
    return 0;
}

static int parse_cpu(const struct pc *c, const pd_json *rs, const struct jp *rp,
                     struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, rs, rp, "cpu", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "cpu");
    if (pc_m_opt_u64(c, v, p, "shares", &out->cpu.shares) < 0 ||
        pc_m_opt_i64(c, v, p, "quota", &out->cpu.quota) < 0 ||
        pc_m_opt_u64(c, v, p, "period", &out->cpu.period) < 0 ||
        pc_m_opt_i64(c, v, p, "realtimeRuntime", &out->cpu.realtime_runtime) < 0 ||
        pc_m_opt_u64(c, v, p, "realtimePeriod", &out->cpu.realtime_period) < 0 ||
        pc_m_opt_i64(c, v, p, "idle", &out->cpu.idle) < 0 ||
        pc_m_str(c, v, p, "cpus", &out->cpu.cpus) < 0 ||
        pc_m_str(c, v, p, "mems", &out->cpu.mems) < 0)
        return -1;
    return 0;
}

/* weightDevice (weighted = true) or throttle*Device entries. */
static int parse_blkio_devices(const struct pc *c, const pd_json *bio, const struct jp *bp,
                               const char *key, bool weighted, struct pd_blkio_device **out,
                               size_t *nout)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, bio, bp, key, &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(bp, key);
    size_t n = pd_json_len(v);
    *out = pd_xcalloc(n ? n : 1, sizeof(struct pd_blkio_device));
    for (size_t i = 0; i < n; i++) {
        const pd_json *e = pd_json_at(v, i);
        const struct jp *ep = JP_I(p, i);
        struct pd_blkio_device *d = &(*out)[i];
        *nout = i + 1;
        if (pc_v_object(c, e, ep) < 0 ||
            pc_need(c, pc_m_i64(c, e, ep, "major", &d->major), ep, "major") < 0 ||
            pc_need(c, pc_m_i64(c, e, ep, "minor", &d->minor), ep, "minor") < 0)
            return -1;
        if (weighted) {
            if (pc_m_opt_u64(c, e, ep, "weight", &d->weight) < 0 ||
                pc_m_opt_u64(c, e, ep, "leafWeight", &d->leaf_weight) < 0)
                return -1;
        } else if (pc_need(c, pc_m_u64(c, e, ep, "rate", &d->rate), ep, "rate") < 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_block_io(const struct pc *c, const pd_json *rs, const struct jp *rp,
                          struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, rs, rp, "blockIO", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "blockIO");
    typeof(out->block_io) *b = &out->block_io;
    if (pc_m_opt_u64(c, v, p, "weight", &b->weight) < 0 ||
        pc_m_opt_u64(c, v, p, "leafWeight", &b->leaf_weight) < 0 ||
        parse_blkio_devices(c, v, p, "weightDevice", true, &b->weight_device,
                            &b->n_weight_device) < 0 ||
        parse_blkio_devices(c, v, p, "throttleReadBpsDevice", false, &b->throttle_read_bps,
                            &b->n_throttle_read_bps) < 0 ||
        parse_blkio_devices(c, v, p, "throttleWriteBpsDevice", false, &b->throttle_write_bps,
                            &b->n_throttle_write_bps) < 0 ||
        parse_blkio_devices(c, v, p, "throttleReadIOPSDevice", false, &b->throttle_read_iops,
                            &b->n_throttle_read_iops) < 0 ||
        parse_blkio_devices(c, v, p, "throttleWriteIOPSDevice", false,
                            &b->throttle_write_iops, &b->n_throttle_write_iops) < 0)
        return -1;
    return 0;
}

static int parse_hugepages(const struct pc *c, const pd_json *rs, const struct jp *rp,
                           struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_array(c, rs, rp, "hugepageLimits", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "hugepageLimits");
    size_t n = pd_json_len(v);
    out->hugepage_limits = pd_xcalloc(n ? n : 1, sizeof(struct pd_hugepage_limit));
    for (size_t i = 0; i < n; i++) {
        const pd_json *e = pd_json_at(v, i);
        const struct jp *ep = JP_I(p, i);
        struct pd_hugepage_limit *h = &out->hugepage_limits[i];
        out->n_hugepage_limits = i + 1;
        if (pc_v_object(c, e, ep) < 0 ||
            pc_need(c, pc_m_str(c, e, ep, "pageSize", &h->page_size), ep, "pageSize") < 0 ||
            pc_need(c, pc_m_u64(c, e, ep, "limit", &h->limit), ep, "limit") < 0)
            return -1;
    }
    return 0;
}

static int parse_network(const struct pc *c, const pd_json *rs, const struct jp *rp,
                         struct pd_resources *out)
{
    pd_json *v = NULL;
    int r = pc_m_object(c, rs, rp, "network", &v);
    if (r <= 0)
        return r;
    const struct jp *p = JP_M(rp, "network");
    uint32_t class_id;
    if ((r = pc_m_u32(c, v, p, "classID", &class_id)) < 0)
        return -1;
    if (r > 0) {
        out->network.class_id.set = true;
        out->network.class_id.v = class_id;
    }
    pd_json *prio = NULL;
    if ((r = pc_m_array(c, v, p, "priorities", &prio)) <= 0)
        return r;
    const struct jp *pp = JP_M(p, "priorities");
    size_t n = pd_json_len(prio);
    out->network.priorities = pd_xcalloc(n ? n : 1, sizeof(struct pd_kv));
    for (size_t i = 0; i < n; i++) {
        const pd_json *e = pd_json_at(prio, i);
        const struct jp *ep = JP_I(pp, i);
        struct pd_kv *kv = &out->network.priorities[i];
        uint32_t prio_value;
        out->network.n_priorities = i + 1;
        if (pc_v_object(c, e, ep) < 0 ||
            pc_need(c, pc_m_str(c, e, ep, "name", &kv->key), ep, "name") < 0 ||
            pc_need(c, pc_m_u32(c, e, ep, "priority", &prio_value), ep, "priority") < 0)
            return -1;
        kv->value = pd_xasprintf("%u", prio_value);
    }
    return 0;
}

int pc_parse_resources(const struct pc *c, const pd_json *v, const struct jp *p,
                       struct pd_resources *out)
{
    if (pc_v_object(c, v, p) < 0 || parse_devices(c, v, p, out) < 0 ||
        parse_memory(c, v, p, out) < 0 || parse_cpu(c, v, p, out) < 0)
        return -1;
    pd_json *pids = NULL;
    int r = pc_m_object(c, v, p, "pids", &pids);
    if (r < 0 || (r > 0 && pc_m_opt_i64(c, pids, JP_M(p, "pids"), "limit",
                                        &out->pids.limit) < 0))
        return -1;
    if (parse_block_io(c, v, p, out) < 0 || parse_hugepages(c, v, p, out) < 0 ||
        parse_network(c, v, p, out) < 0 ||
        pc_m_kvmap(c, v, p, "unified", &out->unified, &out->n_unified) < 0)
        return -1;
    return 0;
}

void pc_resources_clear(struct pd_resources *r)
{
    for (size_t i = 0; r->devices != NULL && i < r->n_devices; i++)
        free(r->devices[i].access);
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->block_io.weight_device);
    free(r->block_io.throttle_read_bps);
    free(r->block_io.throttle_write_bps);
    free(r->block_io.throttle_read_iops);
    free(r->block_io.throttle_write_iops);
    for (size_t i = 0; r->hugepage_limits != NULL && i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    pc_kv_free(r->network.priorities, r->network.n_priorities);
    pc_kv_free(r->unified, r->n_unified);
    memset(r, 0, sizeof(*r));
}

int pd_resources_parse(const char *json, size_t len, const char *file,
                       struct pd_resources **out, pd_error **err)
{
    *out = NULL;
    struct pc c = { NULL, file ? file : "resources.json", err };
    pd_json *root = NULL;
    if (pd_json_parse(json, len, &root, err) < 0)
        return pd_wrap(err, "%s", c.file);
    const struct jp rp = JP_ROOT_INIT;
    struct pd_resources *r = pd_xcalloc(1, sizeof(*r));
    int rc = pc_parse_resources(&c, root, &rp, r);
    pd_json_free(root);
    if (rc < 0) {
        pd_resources_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pd_resources_free(struct pd_resources *r)
{
    if (r == NULL)
        return;
    pc_resources_clear(r);
    free(r);
}
