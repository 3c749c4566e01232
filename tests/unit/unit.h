/* paddock unit tests: a tiny harness.  Each test case prints one line,
 * "ok NAME" or "not ok NAME: why"; tests/run-all counts them. */
#ifndef PADDOCK_UNIT_H
#define PADDOCK_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

/* UNIT_UNDER_ASAN: built with AddressSanitizer.  UNIT_NO_CLONE_VM: then,
 * and on architectures without its trampoline, pd_clone_vm refuses with
 * ENOSYS (clone_vm.h) and its callers take their other way. */
#if defined(__SANITIZE_ADDRESS__)
#define UNIT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_UNDER_ASAN 1
#endif
#endif
#if defined(UNIT_UNDER_ASAN) || (!defined(__x86_64__) && !defined(__aarch64__))
#define UNIT_NO_CLONE_VM 1
#endif

/* A child's exit status, 128+N when signal N killed it; -1 when it can't
 * be waited for. */
static inline int unit_wait_code(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int unit_failed_total;
static int unit_case_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
            unit_case_failed = 1;                                                \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                   \
            printf("    %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,           \
                   a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
            unit_case_failed = 1;                                                \
        }                                                                        \
    } while (0)

/* CHECK_CONTAINS(haystack, needle) */
#define CHECK_CONTAINS(h, n)                                                     \
    do {                                                                         \
        const char *h_ = (h), *n_ = (n);                                         \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                              \
            printf("    %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
                   __LINE__, h_ ? h_ : "(null)", n_);                            \
            unit_case_failed = 1;                                                \
        }                                                                        \
    } while (0)

#define RUN(fn)                                                                  \
    do {                                                                         \
        unit_case_failed = 0;                                                    \
        fn();                                                                    \
        printf("%s %s\n", unit_case_failed ? "not ok" : "ok", #fn);             \
        unit_failed_total += unit_case_failed;                                   \
        fflush(stdout);                                                          \
    } while (0)

#define UNIT_EXIT() return unit_failed_total ? 1 : 0

#endif
