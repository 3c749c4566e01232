#define _GNU_SOURCE
/* paddock spec: write a starter config.json, like `runc spec`.
 *
 * The document mirrors runc's libcontainer/specconv Example(), with
 * ociVersion 1.2.0 and hostname "paddock"; the cgroup namespace is always
 * included.  --rootless applies runc's ToRootless(): the network namespace
 * is dropped, a user namespace mapping only the caller's euid/egid to 0 is
 * added, /sys becomes a read-only rbind of the host's /sys, uid=/gid= mount
 * options are removed and linux.resources is left out. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "log.h"
#include "util.h"

#define OPTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct spec_mount {
    const char *dest, *type, *source;
    const char *const *options; /* NULL-terminated, or NULL for none */
};

static const struct spec_mount default_mounts[] = {
    { "/proc", "proc", "proc", NULL },
    { "/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k") },
    { "/dev/pts", "devpts", "devpts",
      OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5") },
    { "/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k") },
    { "/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev") },
    { "/sys", "sysfs", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro") },
    { "/sys/fs/cgroup", "cgroup", "cgroup", OPTS("nosuid", "noexec", "nodev", "relatime", "ro") },
};

/* Without a network namespace of its own a rootless container cannot mount sysfs. */
static const struct spec_mount rootless_sys = {
    "/sys", "none", "/sys", OPTS("rbind", "nosuid", "noexec", "nodev", "ro")
};

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
    "/proc/scsi", "/sys/devices/virtual/tpm", NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static void gen_process(pd_jgen *g)
{
    pd_jgen_key(g, "process");
    pd_jgen_map_open(g);
    pd_jgen_kv_bool(g, "terminal", true);
    pd_jgen_key(g, "user");
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "uid", 0);
    pd_jgen_kv_int(g, "gid", 0);
    pd_jgen_map_close(g);
    pd_jgen_kv_strv(g, "args", OPTS("sh"));
    pd_jgen_kv_strv(g, "env", OPTS("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              "TERM=xterm"));
    pd_jgen_kv_string(g, "cwd", "/");
    pd_jgen_key(g, "capabilities");
    pd_jgen_map_open(g);
    pd_jgen_kv_strv(g, "bounding", default_caps);
    pd_jgen_kv_strv(g, "effective", default_caps);
    pd_jgen_kv_strv(g, "permitted", default_caps);
    pd_jgen_map_close(g);
    pd_jgen_key(g, "rlimits");
    pd_jgen_array_open(g);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "type", "RLIMIT_NOFILE");
    pd_jgen_kv_int(g, "hard", 1024);
    pd_jgen_kv_int(g, "soft", 1024);
    pd_jgen_map_close(g);
    pd_jgen_array_close(g);
    pd_jgen_kv_bool(g, "noNewPrivileges", true);
    pd_jgen_map_close(g);
}

static void gen_mount(pd_jgen *g, const struct spec_mount *m, bool rootless)
{
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "destination", m->dest);
    pd_jgen_kv_string(g, "type", m->type);
    pd_jgen_kv_string(g, "source", m->source);
    if (m->options != NULL) {
        pd_jgen_key(g, "options");
        pd_jgen_array_open(g);
        for (const char *const *o = m->options; *o != NULL; o++) {
            /* Rootless: the container has only one uid and gid. */
            if (rootless && (strncmp(*o, "uid=", 4) == 0 || strncmp(*o, "gid=", 4) == 0))
                continue;
            pd_jgen_string(g, *o);
        }
        pd_jgen_array_close(g);
    }
    pd_jgen_map_close(g);
}

static void gen_mounts(pd_jgen *g, bool rootless)
{
    pd_jgen_key(g, "mounts");
    pd_jgen_array_open(g);
    for (size_t i = 0; i < PD_ARRAY_SIZE(default_mounts); i++) {
        const struct spec_mount *m = &default_mounts[i];
        if (rootless && strcmp(m->dest, "/sys") == 0)
            m = &rootless_sys;
        gen_mount(g, m, rootless);
    }
    pd_jgen_array_close(g);
}

static void gen_id_mapping(pd_jgen *g, const char *key, unsigned long host_id)
{
    pd_jgen_key(g, key);
    pd_jgen_array_open(g);
    pd_jgen_map_open(g);
    pd_jgen_kv_int(g, "containerID", 0);
    pd_jgen_kv_int(g, "hostID", (long long)host_id);
    pd_jgen_kv_int(g, "size", 1);
    pd_jgen_map_close(g);
    pd_jgen_array_close(g);
}

static void gen_namespaces(pd_jgen *g, bool rootless)
{
    static const char *const rootful[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
    static const char *const rootless_ns[] = { "pid", "ipc", "uts", "mount", "cgroup", "user", NULL };
    pd_jgen_key(g, "namespaces");
    pd_jgen_array_open(g);
    for (const char *const *t = rootless ? rootless_ns : rootful; *t != NULL; t++) {
        pd_jgen_map_open(g);
        pd_jgen_kv_string(g, "type", *t);
        pd_jgen_map_close(g);
    }
    pd_jgen_array_close(g);
}

static void gen_linux(pd_jgen *g, bool rootless)
{
    pd_jgen_key(g, "linux");
    pd_jgen_map_open(g);
    if (rootless) {
        gen_id_mapping(g, "uidMappings", (unsigned long)geteuid());
        gen_id_mapping(g, "gidMappings", (unsigned long)getegid());
    } else {
        pd_jgen_key(g, "resources");
        pd_jgen_map_open(g);
        pd_jgen_key(g, "devices");
        pd_jgen_array_open(g);
        pd_jgen_map_open(g);
        pd_jgen_kv_bool(g, "allow", false);
        pd_jgen_kv_string(g, "access", "rwm");
        pd_jgen_map_close(g);
        pd_jgen_array_close(g);
        pd_jgen_map_close(g);
    }
    gen_namespaces(g, rootless);
    pd_jgen_kv_strv(g, "maskedPaths", masked_paths);
    pd_jgen_kv_strv(g, "readonlyPaths", readonly_paths);
    pd_jgen_map_close(g);
}

static char *spec_document(bool rootless, size_t *len)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersion", "1.2.0");
    gen_process(g);
    pd_jgen_key(g, "root");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "path", "rootfs");
    pd_jgen_kv_bool(g, "readonly", true);
    pd_jgen_map_close(g);
    pd_jgen_kv_string(g, "hostname", "paddock");
    gen_mounts(g, rootless);
    gen_linux(g, rootless);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, len);
}

static void spec_usage(void)
{
    fputs("Usage: paddock spec [--rootless] [--bundle DIR]\n"
          "\n"
          "Write a starter config.json into the bundle directory (default: the\n"
          "current directory).  An existing config.json is never overwritten.\n"
          "\n"
          "Options:\n"
          "  -b, --bundle DIR   bundle directory to write config.json into\n"
          "      --rootless     generate a config for a rootless container (a user\n"
          "                     namespace mapping your uid and gid to root)\n"
          "  -h, --help         show this help\n",
          stdout);
}

static int fail_report(pd_error *e)
{
    int rc = pd_report(e);
    pd_error_free(e);
    return rc;
}

static int write_spec(const char *bundle, bool rootless)
{
    pd_error *e = NULL;
    struct stat st;
    if (bundle != NULL && stat(bundle, &st) < 0) {
        pd_fail_errno(&e, "spec: bundle %s", bundle);
        return fail_report(e);
    }
    if (bundle != NULL && !S_ISDIR(st.st_mode)) {
        pd_failx(&e, "spec: bundle %s: not a directory", bundle);
        return fail_report(e);
    }
    size_t blen = bundle != NULL ? strlen(bundle) : 0;
    _cleanup_free_ char *path = bundle == NULL ? pd_xstrdup("config.json")
        : pd_xasprintf("%s%sconfig.json", bundle, blen > 0 && bundle[blen - 1] == '/' ? "" : "/");
    if (lstat(path, &st) == 0) {
        pd_failx(&e, "spec: %s already exists; remove it first", path);
        return fail_report(e);
    }
    if (errno != ENOENT) {
        pd_fail_errno(&e, "spec: %s", path);
        return fail_report(e);
    }
    size_t len = 0;
    _cleanup_free_ char *doc = spec_document(rootless, &len);
    _cleanup_free_ char *text = pd_xasprintf("%s\n", doc);
    if (pd_write_file_atomic(path, text, len + 1, 0644, &e) < 0) {
        pd_wrap(&e, "spec");
        return fail_report(e);
    }
    return 0;
}

int pd_cmd_spec(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    const char *cmd = argv[0];
    const char *bundle = NULL;
    bool rootless = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            spec_usage();
            return 0;
        }
        if (strcmp(a, "--rootless") == 0) {
            rootless = true;
        } else if (strcmp(a, "-b") == 0 || strcmp(a, "--bundle") == 0) {
            if (i + 1 >= argc)
                return pd_usage_error(cmd, "option %s needs a directory", a);
            bundle = argv[++i];
        } else if (strncmp(a, "--bundle=", 9) == 0) {
            bundle = a + 9;
        } else if (a[0] == '-' && a[1] != '\0') {
            return pd_usage_error(cmd, "unknown option %s", a);
        } else {
            break;
        }
    }
    if (i < argc)
        return pd_usage_error(cmd, "unexpected argument %s", argv[i]);
    if (bundle != NULL && bundle[0] == '\0')
        return pd_usage_error(cmd, "--bundle needs a non-empty directory");
    return write_spec(bundle, rootless);
}
