/* paddock: shared helpers of the config parser (config*.c only).
 *
 * A JSON path is a chain of stack-allocated segments (struct jp) that is
 * rendered only when an error is reported:
 *   JP_M(p, "args")  ->  <p>.args
 *   JP_I(p, 3)       ->  <p>[3]
 *   JP_K(p, "foo")   ->  <p>["foo"]     (map keys: annotations, sysctl, ...)
 * The root renders as "" (so ".process.args"), or "." when it is the whole path.
 *
 * Member helpers pc_m_*(c, obj, objpath, key, ...) return 1 when the member
 * is present and valid, 0 when it is absent or JSON null (out untouched), -1
 * on error.  Value helpers pc_v_*(c, v, path, ...) return 0 or -1.
 *
 * Ownership: parse functions store allocations into the output struct as
 * they go; on error the caller frees the whole (partially filled) struct.
 */
#ifndef PADDOCK_CONFIG_INTERNAL_H
#define PADDOCK_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "json.h"

struct pc {
    const char *bundle; /* NULL: no "bundle X: " prefix */
    const char *file;
    pd_error **err;
};

enum jp_kind { JP_ROOT, JP_MEMBER, JP_INDEX, JP_MAPKEY };

struct jp {
    const struct jp *up;
    enum jp_kind kind;
    const char *key;
    size_t idx;
};

#define JP_ROOT_INIT { NULL, JP_ROOT, NULL, 0 }
#define JP_M(parent, k) (&(const struct jp){ (parent), JP_MEMBER, (k), 0 })
#define JP_I(parent, i) (&(const struct jp){ (parent), JP_INDEX, NULL, (i) })
#define JP_K(parent, k) (&(const struct jp){ (parent), JP_MAPKEY, (k), 0 })

/* "bundle B: FILE: PATH: <fmt>"; returns -1. */
int pc_fail(const struct pc *c, const struct jp *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same without a JSON path: "bundle B: FILE: <fmt>". */
int pc_fail_doc(const struct pc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Member of obj, NULL when missing or JSON null. */
pd_json *pc_get(const pd_json *obj, const char *key);

/* ---- values ---- */
int pc_v_object(const struct pc *c, const pd_json *v, const struct jp *p);
int pc_v_array(const struct pc *c, const pd_json *v, const struct jp *p);
int pc_v_str(const struct pc *c, const pd_json *v, const struct jp *p, char **out);
int pc_v_bool(const struct pc *c, const pd_json *v, const struct jp *p, bool *out);
int pc_v_u32(const struct pc *c, const pd_json *v, const struct jp *p, uint32_t *out);
int pc_v_int(const struct pc *c, const pd_json *v, const struct jp *p, int *out);
int pc_v_i64(const struct pc *c, const pd_json *v, const struct jp *p, int64_t *out);
int pc_v_u64(const struct pc *c, const pd_json *v, const struct jp *p, uint64_t *out);
/* Array of strings -> NULL-terminated vector. */
int pc_v_strv(const struct pc *c, const pd_json *v, const struct jp *p, char ***out, size_t *n);
/* Object of string -> string; a key given twice keeps the last value. */
int pc_v_kvmap(const struct pc *c, const pd_json *v, const struct jp *p, struct pd_kv **out,
               size_t *n);
/* Array of {containerID, hostID, size}. */
int pc_v_idmaps(const struct pc *c, const pd_json *v, const struct jp *p,
                struct pd_idmap **out, size_t *n);

/* ---- members (1 present, 0 absent, -1 error) ---- */
int pc_m_object(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                pd_json **out);
int pc_m_array(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
               pd_json **out);
int pc_m_str(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
             char **out);
int pc_m_bool(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
              bool *out);
int pc_m_u32(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
             uint32_t *out);
int pc_m_int(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
             int *out);
int pc_m_i64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
             int64_t *out);
int pc_m_u64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
             uint64_t *out);
int pc_m_opt_i64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                 struct pd_opt_i64 *out);
int pc_m_opt_u64(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                 struct pd_opt_u64 *out);
int pc_m_strv(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
              char ***out, size_t *n);
int pc_m_kvmap(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
               struct pd_kv **out, size_t *n);
int pc_m_idmaps(const struct pc *c, const pd_json *obj, const struct jp *p, const char *key,
                struct pd_idmap **out, size_t *n);
/* A required member: "required" when absent. */
int pc_need(const struct pc *c, int r, const struct jp *p, const char *key);

/* "\"abc\"" with quotes and control characters escaped, for messages. */
char *pc_quote(const char *s);

void pc_kv_free(struct pd_kv *kv, size_t n);

/* ---- sections (config_process.c, config_linux.c, config_resources.c) ---- */
int pc_parse_process(const struct pc *c, const pd_json *v, const struct jp *p,
                     struct pd_process *out);
void pc_process_clear(struct pd_process *p);
int pc_parse_linux(const struct pc *c, const pd_json *v, const struct jp *p,
                   struct pd_linux *out);
void pc_linux_clear(struct pd_linux *l);
int pc_parse_resources(const struct pc *c, const pd_json *v, const struct jp *p,
                       struct pd_resources *out);
void pc_resources_clear(struct pd_resources *r);

#endif
