/* paddock: the only module that talks to yajl.  A read-only tree for
 * parsing and a generator for writing.  Everything else uses this API. */
#ifndef PADDOCK_JSON_H
#define PADDOCK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct pd_json pd_json; /* a node of a parsed document (opaque) */

enum pd_json_type {
    PD_JSON_NULL, PD_JSON_BOOL, PD_JSON_NUMBER, PD_JSON_STRING, PD_JSON_ARRAY, PD_JSON_OBJECT
};

/* Parse a whole document.  On error the message says where ("line 3, column 7: ...").
 * The returned root owns every node below it. */
int pd_json_parse(const char *text, size_t len, pd_json **out, pd_error **err);
/* The same, but the member at WITHOUT (object keys from the root,
 * NULL-terminated: {"linux", "seccomp", NULL}) gets no nodes: it is read
 * and must be valid JSON, and the tree then has no such key. */
int pd_json_parse_without(const char *text, size_t len, const char *const *without, pd_json **out,
                          pd_error **err);
void pd_json_free(pd_json *root);

enum pd_json_type pd_json_type(const pd_json *v);
const char *pd_json_type_name(const pd_json *v); /* "string", "object", ... for messages */
/* Object member by key; NULL when v is not an object or has no such key. */
pd_json *pd_json_get(const pd_json *v, const char *key);
size_t pd_json_len(const pd_json *v);                  /* array/object size, else 0 */
pd_json *pd_json_at(const pd_json *v, size_t i);       /* array element or object value */
const char *pd_json_key_at(const pd_json *v, size_t i); /* object key */
const char *pd_json_string(const pd_json *v);          /* NULL unless a string */
bool pd_json_bool(const pd_json *v, bool *out);        /* false unless a bool */
/* Integers: false unless v is a number that is an integer in range. */
bool pd_json_int64(const pd_json *v, int64_t *out);
bool pd_json_uint64(const pd_json *v, uint64_t *out);

/* ---- generator ---- */
typedef struct pd_jgen pd_jgen;
pd_jgen *pd_jgen_new(bool pretty);
void pd_jgen_map_open(pd_jgen *g);
void pd_jgen_map_close(pd_jgen *g);
void pd_jgen_array_open(pd_jgen *g);
void pd_jgen_array_close(pd_jgen *g);
void pd_jgen_key(pd_jgen *g, const char *key);
void pd_jgen_string(pd_jgen *g, const char *s); /* NULL writes null */
void pd_jgen_int(pd_jgen *g, long long v);
void pd_jgen_uint(pd_jgen *g, unsigned long long v);
void pd_jgen_bool(pd_jgen *g, bool v);
void pd_jgen_null(pd_jgen *g);
/* Convenience: key + value. */
void pd_jgen_kv_string(pd_jgen *g, const char *key, const char *s);
void pd_jgen_kv_int(pd_jgen *g, const char *key, long long v);
void pd_jgen_kv_bool(pd_jgen *g, const char *key, bool v);
/* key + an array of the strings of a NULL-terminated vector. */
void pd_jgen_kv_strv(pd_jgen *g, const char *key, const char *const *v);
/* Finish: return the malloc'd document (NUL-terminated) and free g. */
char *pd_jgen_finish(pd_jgen *g, size_t *len);
void pd_jgen_free(pd_jgen *g);

#endif
