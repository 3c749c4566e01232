/* paddock: a line diff (Myers' O(ND) algorithm) printed as a unified diff
 * with three lines of context, as `diff -u` prints it.  Pure, no syscalls
 * but the writes to f. */
#ifndef PADDOCK_UDIFF_H
#define PADDOCK_UDIFF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pd_udiff_stats {
    size_t added, removed; /* lines */
};

/* Diff a against b; the hunks go to f (NULL: only count), after the
 * "--- la" and "+++ lb" lines when there is any difference.  Past
 * PD_UDIFF_MAX_D differing lines the edit is no longer minimal (the rest
 * is one replacement hunk), to bound time and memory. */
#define PD_UDIFF_MAX_D 2000
void pd_udiff(FILE *f, const char *a, size_t alen, const char *b, size_t blen, const char *la,
              const char *lb, struct pd_udiff_stats *st);
/* Text, as git decides: no NUL byte in the first 8000 bytes. */
bool pd_udiff_is_text(const char *s, size_t len);
#endif
