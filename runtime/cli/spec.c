#define _GNU_SOURCE
/* paddock spec: write a starter config.json, like `runc spec`.
 *
 * The document mirrors runc's libcontainer/specconv Example(), with
 * ociVersion 1.0.2 (nothing in it is newer, and older runtimes such as crun
 * 1.8.1 refuse a later version) and hostname "paddock"; the cgroup namespace is always
 * included.  --rootless applies runc's ToRootless(): the network namespace
 * is dropped, a user namespace mapping only the caller's euid/egid to 0 is
 * added, /sys becomes a read-only rbind of the host's /sys, uid=/gid= mount
 * options are removed and linux.resources is left out.
 *
 * Unlike runc's, the default (not --agent: agent bundles get the agent
 * profile from their policy) carries linux.seccomp: a short denylist of
 * the calls an unprivileged container process can make that reach the
 * host or widen the kernel's surface (spec/profiles/README.md, "The
 * default of paddock spec"). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_policy.h"
#include "cli.h"
#include "config.h"
#include "json.h"
#include "oci_defaults.h"
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

/* The seccomp denylist of `paddock spec` (spec/profiles/README.md):
 * without a user namespace the keyrings are the host's (a container's root
 * reads the host root's user keyring); the others can be called without a
 * capability and are attack surface (bpf with a socket filter, perf
 * counters on oneself, userfaultfd's user mode, io_uring, which also
 * escapes seccomp's view of the calls it performs, and new user
 * namespaces, which hand namespaced-root kernel code to the container), or
 * reach the host when a capability is added (open_by_handle_at: the
 * "shocker" escape; kernel modules; kexec). */
static const char *const seccomp_denied[] = {
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", NULL
};

static void gen_seccomp_rule(pd_jgen *g, const char *const *names, int errno_ret, bool newuser_arg0)
{
    pd_jgen_map_open(g);
    pd_jgen_kv_strv(g, "names", names);
    pd_jgen_kv_string(g, "action", "SCMP_ACT_ERRNO");
    pd_jgen_kv_int(g, "errnoRet", errno_ret);
    if (newuser_arg0) {
        /* arg0 & CLONE_NEWUSER == CLONE_NEWUSER (OCI: value = mask, valueTwo = datum) */
        pd_jgen_key(g, "args");
        pd_jgen_array_open(g);
        pd_jgen_map_open(g);
        pd_jgen_kv_int(g, "index", 0);
        pd_jgen_kv_int(g, "value", 0x10000000);
        pd_jgen_kv_int(g, "valueTwo", 0x10000000);
        pd_jgen_kv_string(g, "op", "SCMP_CMP_MASKED_EQ");
        pd_jgen_map_close(g);
        pd_jgen_array_close(g);
    }
    pd_jgen_map_close(g);
}

static void gen_seccomp(pd_jgen *g)
{
    pd_jgen_key(g, "seccomp");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "defaultAction", "SCMP_ACT_ALLOW");
    pd_jgen_kv_strv(g, "architectures", OPTS("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                             "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
    pd_jgen_key(g, "syscalls");
    pd_jgen_array_open(g);
    gen_seccomp_rule(g, seccomp_denied, 1, false);
    gen_seccomp_rule(g, OPTS("unshare"), 1, true);
    gen_seccomp_rule(g, OPTS("clone"), 1, true);
    /* clone3's flags are behind a pointer seccomp can't read: ENOSYS makes
     * libc fall back to clone (as Docker's profile does). */
    gen_seccomp_rule(g, OPTS("clone3"), 38, false);
    pd_jgen_array_close(g);
    pd_jgen_map_close(g);
}

static void gen_linux(pd_jgen *g, bool rootless, bool seccomp)
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
    pd_jgen_kv_strv(g, "maskedPaths", pd_oci_masked_paths);
    pd_jgen_kv_strv(g, "readonlyPaths", pd_oci_readonly_paths);
    if (seccomp)
        gen_seccomp(g);
    pd_jgen_map_close(g);
}

/* What to write: the default spec, or an agent bundle (--agent). */
struct spec_opts {
    bool rootless;
    bool agent;
    enum pd_sandbox_mode sandbox;
    const char *workspace; /* absolute */
    const char *rootfs;    /* "host", a directory, or NULL for "rootfs" */
};

/* The agent policy annotations (spec/agent-bundle.md). */
static void gen_agent_annotations(pd_jgen *g, const struct spec_opts *o)
{
    pd_jgen_key(g, "annotations");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "sandbox", pd_sandbox_mode_name(o->sandbox));
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "workspace", o->workspace);
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "workspace.kind", pd_workspace_kind_name(PD_WORKSPACE_BIND));
    pd_jgen_kv_string(g, PD_AGENT_PREFIX "network",
                      pd_network_mode_name(pd_sandbox_default_network(o->sandbox)));
    pd_jgen_map_close(g);
}

static char *spec_document(const struct spec_opts *o, size_t *len)
{
    bool host = o->rootfs != NULL && strcmp(o->rootfs, "host") == 0;
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersion", "1.0.2");
    gen_process(g);
    pd_jgen_key(g, "root");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "path", host ? "/" : o->rootfs != NULL ? o->rootfs : "rootfs");
    pd_jgen_kv_bool(g, "readonly", true);
    pd_jgen_map_close(g);
    pd_jgen_kv_string(g, "hostname", "paddock");
    gen_mounts(g, o->rootless);
    gen_linux(g, o->rootless, !o->agent);
    if (o->agent)
        gen_agent_annotations(g, o);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, len);
}

/* Never write an agent bundle paddock itself would refuse. */
static int check_document(const char *doc, size_t len, const char *path, pd_error **err)
{
    _cleanup_config_ struct pd_config *cfg = NULL;
    if (pd_config_parse(doc, len, NULL, path, &cfg, err) < 0)
        return pd_wrap(err, "spec: generated an invalid document");
    struct pd_agent_policy *p = NULL;
    if (pd_agent_policy_parse(cfg, &p, err) < 0)
        return pd_wrap(err, "spec");
    pd_agent_policy_free(p);
    return 0;
}

static void spec_usage(void)
{
    fputs("Usage: paddock spec [--rootless] [--rootfs host|DIR] [--bundle DIR]\n"
          "       paddock spec --agent [--sandbox MODE] [--workspace DIR] [--rootfs host|DIR]\n"
          "                    [--rootless] [--bundle DIR]\n"
          "\n"
          "Write a starter config.json into the bundle directory (default: the\n"
          "current directory).  An existing config.json is never overwritten.\n"
          "\n"
          "Options:\n"
          "  -b, --bundle DIR     bundle directory to write config.json into\n"
          "      --rootless       generate a config for a rootless container (a user\n"
          "                       namespace mapping your uid and gid to root)\n"
          "      --agent          write an agent bundle: the dev.paddock.* annotations of\n"
          "                       spec/agent-bundle.md (sandbox, workspace, network)\n"
          "      --sandbox MODE   with --agent: read-only, workspace-write (default) or\n"
          "                       danger-full-access\n"
          "      --workspace DIR  with --agent: the workspace (default: the current\n"
          "                       directory); made absolute\n"
          "      --rootfs host|DIR\n"
          "                       root.path DIR (default \"rootfs\"), or \"host\" for\n"
          "                       the host's own / (read-only)\n"
          "  -h, --help           show this help\n",
          stdout);
}

static int fail_report(pd_error *e)
{
    int rc = pd_report(e);
    pd_error_free(e);
    return rc;
}

static int write_spec(const char *bundle, const struct spec_opts *o)
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
    _cleanup_free_ char *doc = spec_document(o, &len);
    if (o->agent && check_document(doc, len, path, &e) < 0)
        return fail_report(e);
    _cleanup_free_ char *text = pd_xasprintf("%s\n", doc);
    if (pd_write_file_atomic(path, text, len + 1, 0644, &e) < 0) {
        pd_wrap(&e, "spec");
        return fail_report(e);
    }
    return 0;
}

/* An option's value: "--opt V" or "--opt=V"; 1 when a matches opt, 0 when
 * not, -1 when the value is missing. */
static int opt_value(int argc, char **argv, int *i, const char *opt, const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return 0;
    if (a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (*i + 1 >= argc)
        return -1;
    *out = argv[++*i];
    return 1;
}

/* The agent options, once parsed: mode and workspace resolved and checked. */
static int agent_opts(const char *cmd, const char *sandbox, const char *ws, const char *rootfs,
                      struct spec_opts *o, char **ws_abs)
{
    if (!o->agent && (sandbox != NULL || ws != NULL))
        return pd_usage_error(cmd, "--sandbox and --workspace need --agent");
    if (rootfs != NULL && rootfs[0] == '\0')
        return pd_usage_error(cmd, "--rootfs needs \"host\" or a non-empty directory");
    o->rootfs = rootfs;
    if (!o->agent)
        return 0;
    o->sandbox = PD_SANDBOX_WORKSPACE_WRITE;
    if (sandbox != NULL && !pd_sandbox_mode_from_name(sandbox, &o->sandbox))
        return pd_usage_error(cmd, "--sandbox: unknown mode \"%s\" (expected read-only, "
                              "workspace-write or danger-full-access)", sandbox);
    if (ws != NULL && ws[0] == '\0')
        return pd_usage_error(cmd, "--workspace needs a non-empty directory");
    if (ws != NULL && ws[0] == '/') {
        *ws_abs = pd_xstrdup(ws);
    } else {
        *ws_abs = realpath(ws != NULL ? ws : ".", NULL);
        if (*ws_abs == NULL) {
            pd_error *e = NULL;
            pd_fail_errno(&e, "spec: workspace %s", ws != NULL ? ws : ".");
            return fail_report(e);
        }
    }
    o->workspace = *ws_abs;
    return 0;
}

int pd_cmd_spec(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    const char *cmd = argv[0];
    const char *bundle = NULL, *sandbox = NULL, *ws = NULL, *rootfs = NULL;
    struct spec_opts o = { 0 };
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        int r = 0;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            spec_usage();
            return 0;
        }
        if (strcmp(a, "--rootless") == 0) {
            o.rootless = true;
        } else if (strcmp(a, "--agent") == 0) {
            o.agent = true;
        } else if (strcmp(a, "-b") == 0) {
            if (i + 1 >= argc)
                return pd_usage_error(cmd, "option %s needs a directory", a);
            bundle = argv[++i];
        } else if ((r = opt_value(argc, argv, &i, "--bundle", &bundle)) != 0 ||
                   (r = opt_value(argc, argv, &i, "--sandbox", &sandbox)) != 0 ||
                   (r = opt_value(argc, argv, &i, "--workspace", &ws)) != 0 ||
                   (r = opt_value(argc, argv, &i, "--rootfs", &rootfs)) != 0) {
            if (r < 0)
                return pd_usage_error(cmd, "option %s needs a value", a);
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
    _cleanup_free_ char *ws_abs = NULL;
    int rc = agent_opts(cmd, sandbox, ws, rootfs, &o, &ws_abs);
    if (rc != 0)
        return rc;
    return write_spec(bundle, &o);
}
