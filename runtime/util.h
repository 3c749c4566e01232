/* paddock: small helpers shared by every module: cleanup attributes,
 * checked allocation, whole-file I/O, fd helpers. */
#ifndef PADDOCK_UTIL_H
#define PADDOCK_UTIL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"

static inline void pd_freep(void *p) { free(*(void **)p); *(void **)p = NULL; }
static inline void pd_closep(int *fd) { if (*fd >= 0) close(*fd); *fd = -1; }
static inline void pd_fclosep(FILE **f) { if (*f) fclose(*f); *f = NULL; }
void pd_strv_freep(char ***v);

#define _cleanup_free_ __attribute__((cleanup(pd_freep)))
#define _cleanup_close_ __attribute__((cleanup(pd_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(pd_fclosep)))
#define _cleanup_strv_ __attribute__((cleanup(pd_strv_freep)))

/* Return fd and leave -1 behind, to hand an fd out of a _cleanup_close_ scope. */
static inline int pd_steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }
static inline void *pd_steal_ptr(void *p) { void *r = *(void **)p; *(void **)p = NULL; return r; }

#define PD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts on OOM: a runtime cannot do anything useful then. */
void *pd_xmalloc(size_t n);
void *pd_xcalloc(size_t n, size_t size);
void *pd_xrealloc(void *p, size_t n);
char *pd_xstrdup(const char *s);
char *pd_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pd_strv_free(char **v);
size_t pd_strv_len(char *const *v);
char **pd_strv_dup(char *const *v);

/* Read a whole file (at most max bytes) into a NUL-terminated buffer. */
int pd_read_file(const char *path, size_t max, char **out, size_t *len, pd_error **err);
int pd_read_fd(int fd, size_t max, char **out, size_t *len, pd_error **err);
/* Write data to path atomically: temp file in the same dir, fsync, rename. */
int pd_write_file_atomic(const char *path, const char *data, size_t len, int mode,
                         pd_error **err);
/* write(2) all of buf, retrying on EINTR and short writes. */
int pd_write_all(int fd, const void *buf, size_t len);
/* Write a string to an existing file (e.g. /proc/PID/uid_map). */
int pd_write_string(const char *path, const char *s, pd_error **err);
/* mkdir -p with mode for missing components. */
int pd_mkdir_p(const char *path, int mode, pd_error **err);
/* Remove a directory tree (no symlink following); ENOENT is success. */
int pd_rm_rf(const char *path, pd_error **err);
/* Each entry of the directory fd (just opened: at offset 0) but "." and
 * "..": fn(name, arg) until it returns false.  False when fn did, or the
 * directory could not be read. */
bool pd_dir_each(int fd, bool (*fn)(const char *name, void *arg), void *arg);
/* Whether the directory fd (just opened) has no entry but "." and "..". */
bool pd_dir_empty(int fd);
/* The CPU we run on and our CPU set, when that set has more than one: for
 * where a child starts (container.c: the init; namespaces.c: its helper). */
bool pd_cpu_here(int *cpu, cpu_set_t *all);
/* Current time as RFC 3339 with nanoseconds, UTC, into buf (>= 40 bytes). */
void pd_time_rfc3339(char *buf, size_t len);
/* secs (since the epoch, UTC) and nsec as pd_time_rfc3339 writes them. */
void pd_time_format_utc(int64_t secs, long nsec, char *buf, size_t len);
/* The number after KEY ("CapEff:", "Seccomp:", ...) at the start of a line
 * of a /proc/PID/status text, in base; false when absent or malformed. */
bool pd_proc_status_u64(const char *status, const char *key, int base, uint64_t *out);
/* Parse a decimal unsigned integer strictly; returns false on junk/overflow. */
bool pd_parse_u64(const char *s, unsigned long long *out);



/* Whether we run in the initial user namespace (/proc/self/uid_map is the
 * identity over all ids).  Inside one (rootless podman), even uid 0 owns no
 * host resources: no cgroups, no device nodes, no /run. */
bool pd_in_initial_userns(void);

/* Reset every signal disposition to SIG_DFL (including the RT signals glibc
 * reserves, which sigaction() refuses) and clear the signal mask.
 * Async-signal-safe: for use between fork and exec. */
void pd_reset_signals(void);

/* The GNU build id of the running program (its NT_GNU_BUILD_ID note) in
 * lower-case hex into HEX; returns its length, 0 when it has none. */
#define PD_BUILD_ID_HEX 129
size_t pd_self_build_id(char hex[PD_BUILD_ID_HEX]);

/* A fast 64-bit hash of LEN bytes, not a cryptographic one: for names and
 * checksums in a cache whose entries hold their whole key (a collision is
 * a miss) and whose writer could write any checksum anyway. */
uint64_t pd_hash64(const void *data, size_t len);
#endif
