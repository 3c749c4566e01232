#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;

int pd_log_init(const char *path, bool json, bool debug)
{
    log_json = json;
    log_debug = debug;
    if (path == NULL || *path == '\0')
        return 0;
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    return log_fd < 0 ? -1 : 0;
}

bool pd_log_debug_enabled(void) { return log_debug; }

static const char *level_name(enum pd_log_level lvl)
{
    switch (lvl) {
    case PD_LOG_DEBUG: return "debug";
    case PD_LOG_INFO: return "info";
    case PD_LOG_WARN: return "warning";
    default: return "error";
    }
}

static void write_log_file(enum pd_log_level lvl, const char *msg)
{
    if (log_fd < 0)
        return;
    char ts[64];
    pd_time_rfc3339(ts, sizeof(ts));
    _cleanup_free_ char *line = NULL;
    if (log_json) {
        pd_jgen *g = pd_jgen_new(false);
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "level", level_name(lvl));
        pd_jgen_kv_string(g, "msg", msg);
        pd_jgen_kv_string(g, "time", ts);
        pd_jgen_map_close(g);
        _cleanup_free_ char *doc = pd_jgen_finish(g, NULL);
        line = pd_xasprintf("%s\n", doc);
    } else {
        line = pd_xasprintf("%s %s: %s\n", ts, level_name(lvl), msg);
    }
    /* One write per line, so concurrent writers never interleave. */
    (void)!write(log_fd, line, strlen(line));
}

void pd_log(enum pd_log_level lvl, const char *fmt, ...)
{
    if (lvl == PD_LOG_DEBUG && !log_debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg == NULL)
        return;
    /* With --log (engines), only errors also go to stderr: engines show the
     * first stderr line, which must be the error, not a warning (as runc). */
    if (log_fd < 0 || lvl == PD_LOG_ERROR)
        fprintf(stderr, "paddock: %s%s\n", lvl == PD_LOG_WARN ? "warning: " :
                lvl == PD_LOG_DEBUG ? "debug: " : "", msg);
    write_log_file(lvl, msg);
}

int pd_report(const pd_error *err)
{
    if (err == NULL)
        return PD_EXIT_FAIL;
    pd_log(PD_LOG_ERROR, "%s", err->msg);
    return err->exit_code ? err->exit_code : PD_EXIT_FAIL;
}
