/* paddock: Myers' diff, printed as a unified diff.  See udiff.h.
 *
 * E. Myers, "An O(ND) Difference Algorithm and Its Variations" (1986): the
 * greedy forward search, keeping each round's V array so that the path can
 * be traced back.  Common prefix and suffix lines are taken off first. */
#define _GNU_SOURCE
#include "udiff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CONTEXT 3

struct line {
    const char *p;
    size_t len;      /* without the '\n' */
    bool nl;         /* ends with '\n' */
    uint64_t hash;
};

enum op { EQ, DEL, INS };

struct edit {
    enum op op;
    size_t a, b;     /* line indexes (a for EQ/DEL, b for EQ/INS) */
};

struct script {
    struct edit *v;
    size_t n, cap;
};

static void push(struct script *s, enum op op, size_t a, size_t b)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = pd_xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = (struct edit){op, a, b};
}

static struct line *split(const char *s, size_t len, size_t *n)
{
    size_t cap = 16, k = 0;
    struct line *v = pd_xmalloc(cap * sizeof(*v));
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t l = nl ? (size_t)(nl - (s + i)) : len - i;
        if (k == cap)
            v = pd_xrealloc(v, (cap *= 2) * sizeof(*v));
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (size_t j = 0; j < l; j++)
            h = (h ^ (unsigned char)s[i + j]) * 1099511628211ULL;
        v[k++] = (struct line){s + i, l, nl != NULL, h};
        i += l + (nl ? 1 : 0);
    }
    *n = k;
    return v;
}

static bool same(const struct line *x, const struct line *y)
{
    return x->hash == y->hash && x->len == y->len && x->nl == y->nl &&
           memcmp(x->p, y->p, x->len) == 0;
}

/* The middle part a[0..n) vs b[0..m) (offsets ao, bo): Myers, traced back. */
static void myers(const struct line *a, size_t n, const struct line *b, size_t m, size_t ao,
                  size_t bo, struct script *out)
{
    long N = (long)n, M = (long)m, max = N + M;
    if (max > PD_UDIFF_MAX_D)
        max = PD_UDIFF_MAX_D; /* past this: one replacement */
    long *v = pd_xcalloc((size_t)(2 * max + 3), sizeof(long));
    long off = max + 1, D = -1;
    long **trace = pd_xcalloc((size_t)max + 2, sizeof(long *));
    v[off + 1] = 0;
    for (long d = 0; d <= max && D < 0; d++) {
        trace[d] = pd_xmalloc((size_t)(2 * d + 3) * sizeof(long));
        memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof(long));
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                              : v[off + k - 1] + 1;
            long y = x - k;
            while (x < N && y < M && same(&a[x], &b[y]))
                x++, y++;
            v[off + k] = x;
            if (x >= N && y >= M) {
                D = d;
                break;
            }
        }
    }
    struct script rev = {0};
    if (D < 0) { /* too different: delete all, insert all */
        for (long y = M; y > 0; y--)
            push(&rev, INS, (size_t)N + ao, (size_t)y - 1 + bo);
        for (long x = N; x > 0; x--)
            push(&rev, DEL, (size_t)x - 1 + ao, bo);
    }
    long x = N, y = M;
    for (long d = D; d >= 0; d--) {
        const long *t = trace[d] + d + 1; /* t[k] = V[k] at the start of round d */
        long k = x - y;
        long pk = (k == -d || (k != d && t[k - 1] < t[k + 1])) ? k + 1 : k - 1;
        long px = t[pk], py = px - pk;
        while (x > px && y > py) {
            push(&rev, EQ, (size_t)(x - 1) + ao, (size_t)(y - 1) + bo);
            x--, y--;
        }
        if (d > 0) {
            if (x == px)
                push(&rev, INS, (size_t)px + ao, (size_t)py + bo);
            else
                push(&rev, DEL, (size_t)px + ao, (size_t)py + bo);
        }
        x = px, y = py;
    }
    for (size_t i = rev.n; i > 0; i--)
        push(out, rev.v[i - 1].op, rev.v[i - 1].a, rev.v[i - 1].b);
    free(rev.v);
    for (long d = 0; d < max + 2; d++)
        free(trace[d]);
    free(trace);
    free(v);
}

static void print_line(FILE *f, char c, const struct line *l)
{
    fputc(c, f);
    fwrite(l->p, 1, l->len, f);
    fputc('\n', f);
    if (!l->nl)
        fputs("\\ No newline at end of file\n", f);
}

static void range(FILE *f, char c, size_t start, size_t count)
{
    if (count == 1)
        fprintf(f, "%c%zu", c, start + 1);
    else
        fprintf(f, "%c%zu,%zu", c, count ? start + 1 : start, count);
}

/* One hunk: edits [i, j). */
static void hunk(FILE *f, const struct script *s, size_t i, size_t j, const struct line *a,
                 const struct line *b)
{
    size_t as = SIZE_MAX, bs = SIZE_MAX, ac = 0, bc = 0;
    for (size_t k = i; k < j; k++) {
        const struct edit *e = &s->v[k];
        if (e->op != INS && as == SIZE_MAX)
            as = e->a;
        if (e->op != DEL && bs == SIZE_MAX)
            bs = e->b;
        ac += e->op != INS;
        bc += e->op != DEL;
    }
    if (as == SIZE_MAX)
        as = s->v[i].a;
    if (bs == SIZE_MAX)
        bs = s->v[i].b;
    fputs("@@ ", f);
    range(f, '-', as, ac);
    fputc(' ', f);
    range(f, '+', bs, bc);
    fputs(" @@\n", f);
    for (size_t k = i; k < j; k++) {
        const struct edit *e = &s->v[k];
        if (e->op == EQ)
            print_line(f, ' ', &a[e->a]);
        else if (e->op == DEL)
            print_line(f, '-', &a[e->a]);
        else
            print_line(f, '+', &b[e->b]);
    }
}

static void print_hunks(FILE *f, const struct script *s, const struct line *a, const struct line *b)
{
    size_t k = 0;
    while (k < s->n) {
        while (k < s->n && s->v[k].op == EQ)
            k++;
        if (k == s->n)
            break;
        size_t start = k > CONTEXT ? k - CONTEXT : 0, last = k;
        for (size_t t = k; t < s->n; t++) {
            if (s->v[t].op == EQ)
                continue;
            if (t - last > 2 * CONTEXT)
                break;
            last = t;
        }
        size_t end = last + CONTEXT + 1 < s->n ? last + CONTEXT + 1 : s->n;
        hunk(f, s, start, end, a, b);
        k = end;
    }
}

void pd_udiff(FILE *f, const char *a, size_t alen, const char *b, size_t blen, const char *la,
              const char *lb, struct pd_udiff_stats *st)
{
    size_t n = 0, m = 0;
    struct line *x = split(a, alen, &n), *y = split(b, blen, &m);
    size_t pre = 0, suf = 0;
    while (pre < n && pre < m && same(&x[pre], &y[pre]))
        pre++;
    while (suf < n - pre && suf < m - pre && same(&x[n - 1 - suf], &y[m - 1 - suf]))
        suf++;
    struct script s = {0};
    for (size_t i = 0; i < pre; i++)
        push(&s, EQ, i, i);
    myers(x + pre, n - pre - suf, y + pre, m - pre - suf, pre, pre, &s);
    for (size_t i = 0; i < suf; i++)
        push(&s, EQ, n - suf + i, m - suf + i);
    struct pd_udiff_stats c = {0, 0};
    for (size_t i = 0; i < s.n; i++) {
        c.added += s.v[i].op == INS;
        c.removed += s.v[i].op == DEL;
    }
    if (f != NULL && c.added + c.removed > 0) {
        fprintf(f, "--- %s\n+++ %s\n", la, lb);
        print_hunks(f, &s, x, y);
    }
    if (st != NULL)
        *st = c;
    free(s.v);
    free(x);
    free(y);
}

bool pd_udiff_is_text(const char *s, size_t len)
{
    return memchr(s, '\0', len < 8000 ? len : 8000) == NULL;
}
