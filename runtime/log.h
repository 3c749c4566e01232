/* paddock: diagnostics.  Errors always go to stderr; with --log FILE they
 * also go to FILE, as text or (--log-format json) as the JSON lines that
 * container engines read: {"level":"error","msg":"...","time":"..."}.
 * Warnings and debug messages go to FILE when there is one, else to stderr. */
#ifndef PADDOCK_LOG_H
#define PADDOCK_LOG_H
#include <stdbool.h>
#include "error.h"

enum pd_log_level { PD_LOG_DEBUG, PD_LOG_INFO, PD_LOG_WARN, PD_LOG_ERROR };

/* path may be NULL (stderr only).  Failing to open the log is reported on stderr. */
/* -1 (errno set) when --log PATH cannot be opened for appending. */
int pd_log_init(const char *path, bool json, bool debug);
void pd_log(enum pd_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pd_debug(...) pd_log(PD_LOG_DEBUG, __VA_ARGS__)
#define pd_warn(...) pd_log(PD_LOG_WARN, __VA_ARGS__)
/* Report err (stderr + log) and return the exit code it carries. */
int pd_report(const pd_error *err);
bool pd_log_debug_enabled(void);
#endif
