#define _GNU_SOURCE
/* paddock features: the runtime-spec "Features structure" (features.md)
 * describing what this build implements.  Everything listed here must be
 * true: the lists are derived from the same sources the runtime uses
 * (libmount's option map for mount options, libcap for capability names,
 * libseccomp for architectures) or mirror what the parser and apply code
 * accept. */
#include <libmount/libmount.h>
/* libseccomp's header: plain <seccomp.h> would find runtime/seccomp.h (-Iruntime). */
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cli.h"
#include "envprobe.h"
#include "json.h"
#include "sandbox.h"
#include "sandbox_env.h"
#include "seccomp.h"
#include "log.h"
#include "mount_opts.h"
#include "util.h"

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* OCI's own mount options that runtime/mount_opts.c accepts on top of
 * libmount's map.  idmap/ridmap are parsed but the plan refuses them,
 * so they are not advertised (see mountExtensions.idmap). */
static const char *const oci_mount_options[] = {
    "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec",
    "rnodiratime", "rdiratime", "rnosymfollow", "rsymfollow", "rrelatime",
    "rnorelatime", "rnoatime", "ratime", "rstrictatime", "rnostrictatime",
    "tmpcopyup", NULL,
};

/* Every SCMP_ARCH_* name some libseccomp release knows; only those the
 * linked libseccomp resolves are listed. */
static const char *const seccomp_archs[] = {
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", NULL,
};

static void kv_enabled(pd_jgen *g, const char *key, bool enabled)
{
    pd_jgen_key(g, key);
    pd_jgen_map_open(g);
    pd_jgen_kv_bool(g, "enabled", enabled);
    pd_jgen_map_close(g);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Flag options of libmount's Linux map (as mount_opts.c looks them up)
 * plus OCI's additions, sorted. */
static void gen_mount_options(pd_jgen *g)
{
    _cleanup_error_ pd_error *err = NULL;
    const struct libmnt_optmap *map = pd_mount_linux_map(&err);
    if (map == NULL)
        pd_warn("features: mountOptions lists only OCI's own: %s", err->msg);
    size_t n = 0, cap = PD_ARRAY_SIZE(oci_mount_options);
    for (const struct libmnt_optmap *m = map; m != NULL && m->name != NULL; m++)
        cap++;
    _cleanup_free_ const char **names = pd_xcalloc(cap, sizeof(*names));
    for (const struct libmnt_optmap *m = map; m != NULL && m->name != NULL; m++)
        if (strchr(m->name, '=') == NULL && strchr(m->name, '[') == NULL)
            names[n++] = m->name;
    for (const char *const *o = oci_mount_options; *o != NULL; o++)
        names[n++] = *o;
    qsort(names, n, sizeof(*names), cmp_str);
    pd_jgen_key(g, "mountOptions");
    pd_jgen_array_open(g);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            pd_jgen_string(g, names[i]);
    pd_jgen_array_close(g);
}

static void gen_capabilities(pd_jgen *g)
{
    pd_jgen_key(g, "capabilities");
    pd_jgen_array_open(g);
    for (int cap = 0; cap < 64; cap++) {
        _cleanup_free_ char *name = pd_cap_name(cap);
        if (name != NULL)
            pd_jgen_string(g, name);
    }
    pd_jgen_array_close(g);
}

static void gen_seccomp_archs(pd_jgen *g)
{
    pd_jgen_key(g, "archs");
    pd_jgen_array_open(g);
    for (const char *const *a = seccomp_archs; *a != NULL; a++)
        if (pd_seccomp_arch(*a) != 0)
            pd_jgen_string(g, *a);
    pd_jgen_array_close(g);
}

static void gen_seccomp(pd_jgen *g)
{
    pd_jgen_key(g, "seccomp");
    pd_jgen_map_open(g);
    pd_jgen_kv_bool(g, "enabled", true);
    /* SCMP_ACT_NOTIFY is parsed but refused when applied: not listed. */
    pd_jgen_kv_strv(g, "actions", NAMES("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                   "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                   "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"));
    pd_jgen_kv_strv(g, "operators", NAMES("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                     "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"));
    gen_seccomp_archs(g);
    pd_jgen_kv_strv(g, "knownFlags", NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                      "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                      "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    /* WAIT_KILLABLE_RECV needs libseccomp >= 2.6 (see seccomp.c). */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
    pd_jgen_kv_strv(g, "supportedFlags", NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
#else
    pd_jgen_kv_strv(g, "supportedFlags", NAMES("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
#endif
    pd_jgen_map_close(g);
}

static void gen_linux(pd_jgen *g)
{
    pd_jgen_key(g, "linux");
    pd_jgen_map_open(g);
    pd_jgen_kv_strv(g, "namespaces", NAMES("cgroup", "ipc", "mount", "network", "pid", "time",
                                      "user", "uts"));
    gen_capabilities(g);
    pd_jgen_key(g, "cgroup");
    pd_jgen_map_open(g);
    pd_jgen_kv_bool(g, "v1", true);
    pd_jgen_kv_bool(g, "v2", true);
    pd_jgen_kv_bool(g, "systemd", false);
    pd_jgen_kv_bool(g, "systemdUser", false);
    pd_jgen_kv_bool(g, "rdma", false);
    pd_jgen_map_close(g);
    gen_seccomp(g);
    kv_enabled(g, "apparmor", false);
    kv_enabled(g, "selinux", false);
    kv_enabled(g, "intelRdt", false);
    pd_jgen_key(g, "mountExtensions");
    pd_jgen_map_open(g);
    kv_enabled(g, "idmap", false);
    pd_jgen_map_close(g);
    pd_jgen_map_close(g);
}

/* What a sandbox gets in this environment (the cached probe, envprobe.h):
 * annotations are the runtime's own information. */
static void gen_probe_annotations(pd_jgen *g)
{
    struct pd_envprobe p;
    if (pd_envprobe_get(&p, false, NULL) < 0)
        return;
    struct pd_sandbox_opts o = {.mode = PD_SANDBOX_WORKSPACE_WRITE, .network = -1,
                                .fallback = PD_FALLBACK_AUTO};
    struct pd_sandbox_env e;
    pd_sandbox_env_decide(&o, &p, &e);
    char abi[16];
    snprintf(abi, sizeof(abi), "%d", p.landlock_abi);
    pd_jgen_kv_string(g, "dev.paddock.sandbox.modes", "full,container-boundary");
    pd_jgen_kv_string(g, "dev.paddock.probe.sandbox-mode", pd_sandbox_env_mode(&e));
    pd_jgen_kv_string(g, "dev.paddock.probe.container", p.container ? p.container : "none");
    pd_jgen_kv_string(g, "dev.paddock.probe.user-namespace",
                      pd_env_ok(&p, PD_ENV_USERNS) ? "true" : "false");
    pd_jgen_kv_string(g, "dev.paddock.probe.seccomp-filter",
                      pd_env_ok(&p, PD_ENV_SECCOMP) ? "true" : "false");
    pd_jgen_kv_string(g, "dev.paddock.probe.landlock-abi", abi);
    pd_sandbox_env_free(&e);
    pd_envprobe_free(&p);
}

static void gen_annotations(pd_jgen *g)
{
    const struct scmp_version *v = seccomp_version();
    _cleanup_free_ char *scmp = v != NULL ? pd_xasprintf("%u.%u.%u", v->major, v->minor, v->micro)
                                          : NULL;
    pd_jgen_key(g, "annotations");
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "dev.paddock.version", PADDOCK_VERSION);
    if (scmp != NULL)
        pd_jgen_kv_string(g, "io.github.seccomp.libseccomp.version", scmp);
    pd_jgen_kv_string(g, "org.opencontainers.runc.checkpoint.enabled", "false");
    gen_probe_annotations(g);
    pd_jgen_map_close(g);
}

static char *features_document(size_t *len)
{
    pd_jgen *g = pd_jgen_new(true);
    pd_jgen_map_open(g);
    pd_jgen_kv_string(g, "ociVersionMin", "1.0.0");
    pd_jgen_kv_string(g, "ociVersionMax", "1.2.0");
    pd_jgen_kv_strv(g, "hooks", NAMES("prestart", "createRuntime", "createContainer", "startContainer",
                                 "poststart", "poststop"));
    gen_mount_options(g);
    gen_linux(g);
    gen_annotations(g);
    pd_jgen_map_close(g);
    return pd_jgen_finish(g, len);
}

static void features_usage(void)
{
    fputs("Usage: paddock features\n"
          "\n"
          "Print the features this build of paddock implements, as the JSON\n"
          "\"Features structure\" of the OCI runtime specification (features.md).\n"
          "Its annotations also say what a sandbox gets here, from the cached\n"
          "environment probe (`paddock probe`): dev.paddock.probe.sandbox-mode (full\n"
          "or container-boundary), .container (the kind paddock runs in, or none),\n"
          ".user-namespace and .seccomp-filter (true|false), .landlock-abi.\n"
          "\n"
          "Options:\n"
          "  -h, --help   show this help\n",
          stdout);
}

int pd_cmd_features(struct pd_global *g, int argc, char **argv)
{
    (void)g;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            features_usage();
            return 0;
        }
    }
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0')
        return pd_usage_error(argv[0], "unknown option %s", argv[1]);
    if (argc > 1)
        return pd_usage_error(argv[0], "unexpected argument %s", argv[1]);

    size_t len = 0;
    _cleanup_free_ char *doc = features_document(&len);
    if (fwrite(doc, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
        fflush(stdout) == EOF) {
        pd_error *e = NULL;
        pd_fail_errno(&e, "features: write to stdout");
        int rc = pd_report(e);
        pd_error_free(e);
        return rc;
    }
    return 0;
}
