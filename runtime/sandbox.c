/* paddock sandbox: see sandbox.h. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_audit.h"
#include "container.h"
#include "log.h"
#include "supervise.h"
#include "sandbox_protect.h"
#include "util.h"

extern char **environ;

/* ---- run ---- */

/* $XDG_RUNTIME_DIR/paddock-sandbox (root: /run/paddock-sandbox). */
static char *bundle_base(void)
{
    if (geteuid() == 0)
        return pd_xstrdup("/run/paddock-sandbox");
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x != NULL && x[0] == '/')
        return pd_xasprintf("%s/paddock-sandbox", x);
    return pd_xasprintf("/tmp/paddock-sandbox-%u", (unsigned)geteuid());
}

static int write_bundle(const char *dir, const char *config, pd_error **err)
{
    if (mkdir(dir, 0700) < 0)
        return pd_fail_errno(err, "sandbox: create the bundle %s", dir);
    _cleanup_free_ char *path = pd_xasprintf("%s/config.json", dir);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || pd_write_all(fd, config, strlen(config)) < 0)
        return pd_fail_errno(err, "sandbox: write %s", path);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 126/127 (the command can't run / isn't found) stay; anything else is 125. */
static int fail_code(pd_error *err)
{
    int code = pd_report(err);
    return code == PD_EXIT_CANNOT_EXEC || code == PD_EXIT_NOT_FOUND ? code : PD_EXIT_RUNTIME;
}

int pd_sandbox_run(const struct pd_sandbox_opts *o)
{
    _cleanup_error_ pd_error *err = NULL;
    char cwdbuf[PATH_MAX];
    if (getcwd(cwdbuf, sizeof(cwdbuf)) == NULL) {
        pd_fail_errno(&err, "sandbox: getcwd");
        return fail_code(err);
    }
    _cleanup_free_ char *cwd = realpath(cwdbuf, NULL);
    if (cwd == NULL)
        cwd = pd_xstrdup(cwdbuf);
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
        rnd = (uint32_t)now_ms();
    _cleanup_free_ char *id = pd_xasprintf("sandbox-%d-%08x", (int)getpid(), rnd);
    /* placeholders for protected paths are made now and removed when it ends */
    _cleanup_protect_ struct pd_protect *prot = NULL;
    _cleanup_free_ char *config =
        pd_sandbox_config_with(o, cwd, getuid(), getgid(), environ, id, &prot, &err);
    if (config == NULL)
        return fail_code(err);
    _cleanup_free_ char *base = bundle_base();
    _cleanup_free_ char *bundle = pd_xasprintf("%s/%s", base, id);
    if (pd_mkdir_p(base, 0700, &err) < 0)
        return fail_code(err);
    if (write_bundle(bundle, config, &err) < 0) {
        pd_rm_rf(bundle, NULL);
        return fail_code(err);
    }

    /* always audited: --audit-log, or the default (audit.h) */
    struct pd_audit *audit = NULL;
    if (pd_audit_open(o->audit_log, &audit, &err) < 0) {
        pd_rm_rf(bundle, NULL);
        return fail_code(err);
    }

    struct pd_create_opts co = {.root = o->root, .rootless = o->rootless, .id = id,
                                .bundle = bundle, .foreground = true,
                                .systemd_cgroup = o->systemd_cgroup,
                                .sandbox_root = true,
                                /* no resource limits yet, so no cgroup: the PID namespace
                                   already takes every process down with the command */
                                .no_cgroup = true};
    sigset_t set, old;
    pd_supervise_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    int64_t t0 = now_ms();
    struct pd_created c;
    int r = pd_container_create(&co, &c, &err);
    /* the state directory has its own copy of the config now */
    pd_rm_rf(bundle, NULL);
    int code = PD_EXIT_RUNTIME;
    if (r == 0) {
        pd_sandbox_audit_start(audit, id, o, cwd, prot, NULL);
        r = pd_container_run_attached(&c, &code, &err);
        pd_created_release(&c);
    }
    if (r < 0)
        code = fail_code(err);
    pd_sandbox_audit_exit(audit, id, code, now_ms() - t0);
    pd_audit_close(audit);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return code;
}
