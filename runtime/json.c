/* paddock: JSON through yajl.  Parsing uses yajl's event parser to build
 * a read-only tree of pd_json nodes in one arena (yajl_tree grew every
 * array and object one realloc per element and made a malloc per node:
 * 0.11 ms of each `exec` for a config with Docker's seccomp profile).
 * Generating uses yajl_gen.
 *
 * Decisions:
 *  - Comments are accepted (as yajl_tree did), trailing garbage is not.
 *  - Documents nested deeper than PD_JSON_MAX_DEPTH are rejected before
 *    yajl sees them (configs are a few levels deep), and so are strings
 *    containing \u0000 (a node's strings are C strings).
 *  - A key given twice in an object: pd_json_get returns the last one, as
 *    Go's encoding/json (runc, podman, docker) does.
 *  - Integers are read from the number's text, so 2^64-1 fits a uint64 and
 *    1e3, 1.5 or -0.0 are not integers.
 *  - The generator writes invalid UTF-8 bytes as U+FFFD so that every
 *    document it produces parses again; misuse (unbalanced open/close, a
 *    value where a key is due) is a programming error and aborts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "util.h"

#define PD_JSON_MAX_DEPTH 1000

struct pd_json {
    enum pd_json_type type;
    bool b;              /* BOOL */
    size_t len;          /* ARRAY, OBJECT: elements */
    const char *s;       /* STRING; NUMBER: its text as written */
    const char **keys;   /* OBJECT */
    pd_json **vals;      /* ARRAY, OBJECT */
};

/* Line and column (1-based) of byte offset off. */
static void position(const char *text, size_t len, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int fail_at(const char *text, size_t len, size_t off, const char *what, pd_error **err)
{
    size_t line, col;
    position(text, len, off, &line, &col);
    return pd_failx(err, "line %zu, column %zu: %s", line, col, what);
}

/* Offset just past the comment starting at text[i] ('/'), or i when there
 * is none (yajl then reports the stray '/'). */
static size_t skip_comment(const char *text, size_t len, size_t i)
{
    if (i + 1 >= len)
        return i;
    if (text[i + 1] == '/') {
        const char *nl = memchr(text + i, '\n', len - i);
        return nl ? (size_t)(nl - text) : len;
    }
    if (text[i + 1] == '*') {
        const char *e = memmem(text + i + 2, len - i - 2, "*/", 2);
        return e ? (size_t)(e - text) + 2 : len;
    }
    return i;
}

/* Find the first nesting deeper than PD_JSON_MAX_DEPTH or escape \u0000 (a
 * node's strings are C strings) for its message: the tree's callbacks
 * stop the parse at either, and this says exactly where. */
static int prescan(const char *text, size_t len, pd_error **err)
{
    size_t depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_str) {
            if (esc && ch == 'u' && i + 4 < len && memcmp(text + i + 1, "0000", 4) == 0)
                return fail_at(text, len, i - 1, "\\u0000 in a JSON string is not supported",
                               err);
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '/') {
            size_t next = skip_comment(text, len, i);
            if (next > i)
                i = next - 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > PD_JSON_MAX_DEPTH)
                return fail_at(text, len, i, "JSON nested too deeply", err);
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

/* ---- the tree ---- */

/* The arena: chunks of node and string memory, freed together. */
struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

/* A document: its root node first, so that pd_json_free finds the rest. */
struct doc {
    pd_json root;
    struct chunk *chunks;
};

/* A container being parsed: its node, where its elements start on the
 * stack, its own key in the object that holds it, and whether it lies on
 * the path of the member left out (pd_json_parse_without). */
struct frame {
    pd_json *node;
    size_t start;
    const char *key;
    bool on_path;
};

struct build {
    struct chunk *chunks;
    size_t next_cap;
    pd_json **vals;      /* elements of the open containers, in order */
    const char **keys;   /* their keys (NULL in arrays) */
    size_t n, cap;
    struct frame *frames;
    size_t depth, frames_cap;
    const char *key;     /* the key just read */
    pd_json *top;
    bool refused;        /* stopped: too deep, or a \u0000 (prescan says where) */
    const char *const *without; /* object keys from the root: the member left out */
    size_t on_path;      /* open frames below the root that match it */
    size_t skipping;     /* >0: inside the member left out (its open containers) */
};

/* The value about to start is the member left out. */
static bool left_out(const struct build *b)
{
    if (b->without == NULL || b->key == NULL || b->depth == 0 || b->on_path != b->depth - 1)
        return false;
    return b->without[b->depth - 1] != NULL && b->without[b->depth] == NULL &&
           strcmp(b->key, b->without[b->depth - 1]) == 0;
}

static void *arena(struct build *b, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct chunk *c = b->chunks;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > b->next_cap ? size : b->next_cap;
        c = pd_xmalloc(sizeof(*c) + cap);
        c->next = b->chunks;
        c->used = 0;
        c->cap = cap;
        b->chunks = c;
        b->next_cap = cap * 2;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static const char *arena_str(struct build *b, const unsigned char *s, size_t len)
{
    char *d = arena(b, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

static void free_chunks(struct chunk *c)
{
    while (c != NULL) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

static pd_json *node(struct build *b, enum pd_json_type type)
{
    pd_json *v = arena(b, sizeof(*v));
    *v = (pd_json){.type = type};
    return v;
}

/* V is complete: the document, or the next element of the open container. */
static int add(struct build *b, pd_json *v, const char *key)
{
    if (b->depth == 0) {
        b->top = v;
        return 1;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->vals = pd_xrealloc(b->vals, b->cap * sizeof(*b->vals));
        b->keys = pd_xrealloc(b->keys, b->cap * sizeof(*b->keys));
    }
    b->vals[b->n] = v;
    b->keys[b->n++] = key;
    return 1;
}

static int add_scalar(struct build *b, pd_json *v)
{
    const char *key = b->key;
    b->key = NULL;
    return add(b, v, key);
}

/* A scalar that is, or is inside, the member left out: no node. */
static bool skip_scalar(struct build *b)
{
    if (b->skipping == 0 && !left_out(b))
        return false;
    if (b->skipping == 0)
        b->key = NULL;
    return true;
}

static int on_null(void *ctx)
{
    struct build *b = ctx;
    if (skip_scalar(b))
        return 1;
    return add_scalar(b, node(b, PD_JSON_NULL));
}

static int on_bool(void *ctx, int value)
{
    struct build *b = ctx;
    if (skip_scalar(b))
        return 1;
    pd_json *v = node(b, PD_JSON_BOOL);
    v->b = value != 0;
    return add_scalar(b, v);
}

static int on_number(void *ctx, const char *s, size_t len)
{
    struct build *b = ctx;
    if (skip_scalar(b))
        return 1;
    pd_json *v = node(b, PD_JSON_NUMBER);
    v->s = arena_str(b, (const unsigned char *)s, len);
    return add_scalar(b, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    struct build *b = ctx;
    if (memchr(s, '\0', len) != NULL)
        return !(b->refused = true);
    if (skip_scalar(b))
        return 1;
    pd_json *v = node(b, PD_JSON_STRING);
    v->s = arena_str(b, s, len);
    return add_scalar(b, v);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    struct build *b = ctx;
    if (memchr(s, '\0', len) != NULL)
        return !(b->refused = true);
    if (b->skipping == 0)
        b->key = arena_str(b, s, len);
    return 1;
}

static int open_container(struct build *b, enum pd_json_type type)
{
    if (b->depth + b->skipping == PD_JSON_MAX_DEPTH)
        return !(b->refused = true);
    if (b->skipping > 0 || left_out(b)) {
        b->skipping++;
        b->key = NULL;
        return 1;
    }
    bool on_path = b->without != NULL && b->depth > 0 && b->on_path == b->depth - 1 &&
                   b->key != NULL && b->without[b->depth - 1] != NULL &&
                   strcmp(b->key, b->without[b->depth - 1]) == 0;
    b->on_path += on_path;
    if (b->depth == b->frames_cap) {
        b->frames_cap = b->frames_cap ? 2 * b->frames_cap : 16;
        b->frames = pd_xrealloc(b->frames, b->frames_cap * sizeof(*b->frames));
    }
    b->frames[b->depth++] = (struct frame){.node = node(b, type), .start = b->n, .key = b->key,
                                           .on_path = on_path};
    b->key = NULL;
    return 1;
}

/* Its elements move from the stack into the arena, exactly as many. */
static int close_container(void *ctx)
{
    struct build *b = ctx;
    if (b->skipping > 0) {
        b->skipping--;
        return 1;
    }
    struct frame f = b->frames[--b->depth];
    b->on_path -= f.on_path;
    size_t len = b->n - f.start;
    f.node->len = len;
    if (len > 0) {
        f.node->vals = arena(b, len * sizeof(*f.node->vals));
        memcpy(f.node->vals, b->vals + f.start, len * sizeof(*f.node->vals));
        if (f.node->type == PD_JSON_OBJECT) {
            f.node->keys = arena(b, len * sizeof(*f.node->keys));
            memcpy(f.node->keys, b->keys + f.start, len * sizeof(*f.node->keys));
        }
    }
    b->n = f.start;
    return add(b, f.node, f.key);
}

static int on_start_map(void *ctx) { return open_container(ctx, PD_JSON_OBJECT); }
static int on_start_array(void *ctx) { return open_container(ctx, PD_JSON_ARRAY); }

static const yajl_callbacks tree_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_bool,
    .yajl_number = on_number, /* the text as written: integers are read from it */
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = close_container,
    .yajl_start_array = on_start_array,
    .yajl_end_array = close_container,
};

/* Where and why yajl stopped (ST from yajl_parse, or from
 * yajl_complete_parse when COMPLETE: a premature end). */
static int parse_error(yajl_handle h, bool complete, const char *text, size_t len, pd_error **err)
{
    size_t off = len;
    if (!complete) {
        /* yajl has consumed the offending token: point at its last byte */
        off = yajl_get_bytes_consumed(h);
        if (off > 0)
            off--;
    }
    unsigned char *raw = yajl_get_error(h, 0, NULL, 0);
    char *msg = pd_xstrdup(raw ? (const char *)raw : "invalid JSON");
    yajl_free_error(h, raw);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    size_t line, col;
    position(text, len, off, &line, &col);
    int r = pd_failx(err, "line %zu, column %zu: %s", line, col, msg);
    free(msg);
    return r;
}

int pd_json_parse(const char *text, size_t len, pd_json **out, pd_error **err)
{
    return pd_json_parse_without(text, len, NULL, out, err);
}

int pd_json_parse_without(const char *text, size_t len, const char *const *without, pd_json **out,
                          pd_error **err)
{
    *out = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL)
        return fail_at(text, len, (size_t)(nul - text), "NUL byte in JSON text", err);
    struct build b = {.next_cap = len + 1024, .without = without};
    yajl_handle h = yajl_alloc(&tree_callbacks, NULL, &b);
    if (h == NULL)
        abort();
    yajl_config(h, yajl_allow_comments, 1);
    int r = 0;
    if (yajl_parse(h, (const unsigned char *)text, len) != yajl_status_ok)
        r = b.refused && prescan(text, len, err) < 0 ? -1 : parse_error(h, false, text, len, err);
    else if (yajl_complete_parse(h) != yajl_status_ok)
        r = parse_error(h, true, text, len, err);
    yajl_free(h);
    free(b.vals);
    free(b.keys);
    free(b.frames);
    if (r < 0 || b.top == NULL) {
        free_chunks(b.chunks);
        return r < 0 ? r : pd_failx(err, "line 1, column 1: no JSON value");
    }
    struct doc *d = pd_xmalloc(sizeof(*d));
    d->root = *b.top;
    d->chunks = b.chunks;
    *out = &d->root;
    return 0;
}

void pd_json_free(pd_json *root)
{
    if (root == NULL)
        return;
    struct doc *d = (struct doc *)(void *)root; /* root is the first member */
    free_chunks(d->chunks);
    free(d);
}

enum pd_json_type pd_json_type(const pd_json *v)
{
    return v == NULL ? PD_JSON_NULL : v->type;
}

const char *pd_json_type_name(const pd_json *v)
{
    switch (pd_json_type(v)) {
    case PD_JSON_BOOL:
        return "boolean";
    case PD_JSON_NUMBER:
        return "number";
    case PD_JSON_STRING:
        return "string";
    case PD_JSON_ARRAY:
        return "array";
    case PD_JSON_OBJECT:
        return "object";
    case PD_JSON_NULL:
    default:
        return "null";
    }
}

pd_json *pd_json_get(const pd_json *v, const char *key)
{
    if (v == NULL || v->type != PD_JSON_OBJECT || key == NULL)
        return NULL;
    /* last one wins, like Go's encoding/json */
    for (size_t i = v->len; i-- > 0;) {
        if (strcmp(v->keys[i], key) == 0)
            return v->vals[i];
    }
    return NULL;
}

size_t pd_json_len(const pd_json *v)
{
    return v != NULL && (v->type == PD_JSON_ARRAY || v->type == PD_JSON_OBJECT) ? v->len : 0;
}

pd_json *pd_json_at(const pd_json *v, size_t i)
{
    return v != NULL && (v->type == PD_JSON_ARRAY || v->type == PD_JSON_OBJECT) && i < v->len ? v->vals[i] : NULL;
}

const char *pd_json_key_at(const pd_json *v, size_t i)
{
    return v != NULL && v->type == PD_JSON_OBJECT && i < v->len ? v->keys[i] : NULL;
}

const char *pd_json_string(const pd_json *v)
{
    return v != NULL && v->type == PD_JSON_STRING ? v->s : NULL;
}

bool pd_json_bool(const pd_json *v, bool *out)
{
    if (v == NULL || v->type != PD_JSON_BOOL)
        return false;
    *out = v->b;
    return true;
}

/* The number's text when it is written as an integer: [-]digits. */
static const char *integer_text(const pd_json *v)
{
    if (v == NULL || v->type != PD_JSON_NUMBER || v->s == NULL)
        return NULL;
    const char *s = v->s;
    const char *d = s[0] == '-' ? s + 1 : s;
    if (*d == '\0')
        return NULL;
    for (const char *p = d; *p; p++) {
        if (*p < '0' || *p > '9')
            return NULL;
    }
    return s;
}

bool pd_json_int64(const pd_json *v, int64_t *out)
{
    const char *s = integer_text(v);
    if (s == NULL)
        return false;
    errno = 0;
    char *end = NULL;
    long long r = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    *out = (int64_t)r;
    return true;
}

bool pd_json_uint64(const pd_json *v, uint64_t *out)
{
    const char *s = integer_text(v);
    if (s == NULL)
        return false;
    if (s[0] == '-') {
        /* "-0" is zero; any other negative number is out of range */
        for (const char *p = s + 1; *p; p++) {
            if (*p != '0')
                return false;
        }
        *out = 0;
        return true;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long r = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return false;
    *out = (uint64_t)r;
    return true;
}

/* ---- generator ---- */

struct pd_jgen {
    yajl_gen g;
    size_t depth; /* open maps and arrays */
};

static void gen_check(yajl_gen_status st, const char *what)
{
    if (st == yajl_gen_status_ok)
        return;
    fprintf(stderr, "paddock: JSON generator misuse in %s (yajl status %d)\n", what, (int)st);
    abort();
}

pd_jgen *pd_jgen_new(bool pretty)
{
    pd_jgen *g = pd_xcalloc(1, sizeof(*g));
    g->g = yajl_gen_alloc(NULL);
    if (g->g == NULL)
        abort();
    if (pretty) {
        yajl_gen_config(g->g, yajl_gen_beautify, 1);
        yajl_gen_config(g->g, yajl_gen_indent_string, "  ");
    }
    return g;
}

void pd_jgen_map_open(pd_jgen *g)
{
    gen_check(yajl_gen_map_open(g->g), "map_open");
    g->depth++;
}

void pd_jgen_map_close(pd_jgen *g)
{
    gen_check(yajl_gen_map_close(g->g), "map_close");
    g->depth--;
}

void pd_jgen_array_open(pd_jgen *g)
{
    gen_check(yajl_gen_array_open(g->g), "array_open");
    g->depth++;
}

void pd_jgen_array_close(pd_jgen *g)
{
    gen_check(yajl_gen_array_close(g->g), "array_close");
    g->depth--;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* s with each invalid UTF-8 byte replaced by U+FFFD; NULL if s is valid. */
static char *utf8_fix(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    bool valid = true;
    while (i < n) {
        size_t k = utf8_seq(p + i);
        if (k == 0) {
            valid = false;
            break;
        }
        i += k;
    }
    if (valid)
        return NULL;
    char *r = pd_xmalloc(n * 3 + 1);
    size_t o = 0;
    for (i = 0; i < n;) {
        size_t k = utf8_seq(p + i);
        if (k == 0) {
            memcpy(r + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(r + o, p + i, k);
            o += k;
            i += k;
        }
    }
    r[o] = '\0';
    return r;
}

static yajl_gen_status gen_str(yajl_gen g, const char *s)
{
    char *fixed = utf8_fix(s);
    const char *use = fixed ? fixed : s;
    yajl_gen_status st = yajl_gen_string(g, (const unsigned char *)use, strlen(use));
    free(fixed);
    return st;
}

void pd_jgen_key(pd_jgen *g, const char *key) { gen_check(gen_str(g->g, key ? key : ""), "key"); }

void pd_jgen_string(pd_jgen *g, const char *s)
{
    if (s == NULL)
        gen_check(yajl_gen_null(g->g), "null");
    else
        gen_check(gen_str(g->g, s), "string");
}

void pd_jgen_int(pd_jgen *g, long long v) { gen_check(yajl_gen_integer(g->g, v), "int"); }

void pd_jgen_uint(pd_jgen *g, unsigned long long v)
{
    /* yajl_gen_integer takes long long: write larger values as raw digits */
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%llu", v);
    gen_check(yajl_gen_number(g->g, buf, (size_t)n), "uint");
}

void pd_jgen_bool(pd_jgen *g, bool v) { gen_check(yajl_gen_bool(g->g, v), "bool"); }
void pd_jgen_null(pd_jgen *g) { gen_check(yajl_gen_null(g->g), "null"); }

void pd_jgen_kv_string(pd_jgen *g, const char *key, const char *s)
{
    pd_jgen_key(g, key);
    pd_jgen_string(g, s);
}

void pd_jgen_kv_int(pd_jgen *g, const char *key, long long v)
{
    pd_jgen_key(g, key);
    pd_jgen_int(g, v);
}

void pd_jgen_kv_bool(pd_jgen *g, const char *key, bool v)
{
    pd_jgen_key(g, key);
    pd_jgen_bool(g, v);
}

char *pd_jgen_finish(pd_jgen *g, size_t *len)
{
    const unsigned char *buf = NULL;
    size_t n = 0;
    if (g->depth != 0)
        gen_check(yajl_gen_generation_complete, "finish (unclosed map or array)");
    gen_check(yajl_gen_get_buf(g->g, &buf, &n), "finish");
    char *r = pd_xmalloc(n + 1);
    memcpy(r, buf, n);
    r[n] = '\0';
    if (len != NULL)
        *len = n;
    pd_jgen_free(g);
    return r;
}

void pd_jgen_free(pd_jgen *g)
{
    if (g == NULL)
        return;
    yajl_gen_free(g->g);
    free(g);
}

void pd_jgen_kv_strv(pd_jgen *g, const char *key, const char *const *v)
{
    pd_jgen_key(g, key);
    pd_jgen_array_open(g);
    for (; v != NULL && *v != NULL; v++)
        pd_jgen_string(g, *v);
    pd_jgen_array_close(g);
}
