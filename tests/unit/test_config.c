/* Unit tests for runtime/config*.c: real engine configs, hand-written
 * configs and the exact error messages for bad input.
 * Fixtures: $PADDOCK_FIXTURES, else tests/fixtures (run from the repo root). */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/ioprio.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "config.h"
#include "unit.h"
#include "util.h"

static const char *fixtures(void)
{
    const char *e = getenv("PADDOCK_FIXTURES");
    return e && *e ? e : "tests/fixtures";
}

static char *read_fixture(const char *rel, size_t *len)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/%s", fixtures(), rel);
    char *text = NULL;
    pd_error *err = NULL;
    if (pd_read_file(path, 16 << 20, &text, len, &err) < 0) {
        printf("    cannot read fixture: %s\n", err->msg);
        pd_error_free(err);
        return NULL;
    }
    return text;
}

static struct pd_config *load_fixture(const char *rel)
{
    size_t len = 0;
    _cleanup_free_ char *text = read_fixture(rel, &len);
    if (text == NULL)
        return NULL;
    struct pd_config *cfg = NULL;
    pd_error *err = NULL;
    if (pd_config_parse(text, len, "/bundle", rel, &cfg, &err) < 0) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
        return NULL;
    }
    return cfg;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Parse every fixture in DIR by its name; returns the count per kind. */
static void parse_dir(const char *dir, int *n_cfg, int *n_proc, int *n_res)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/%s", fixtures(), dir);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (d == NULL) {
        printf("    cannot open %s (set PADDOCK_FIXTURES or run from the repo root)\n", path);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!has_suffix(de->d_name, ".json"))
            continue;
        _cleanup_free_ char *rel = pd_xasprintf("%s/%s", dir, de->d_name);
        size_t len = 0;
        _cleanup_free_ char *text = read_fixture(rel, &len);
        CHECK(text != NULL);
        if (text == NULL)
            continue;
        pd_error *err = NULL;
        int r = 0;
        if (has_suffix(de->d_name, ".config.json")) {
            struct pd_config *cfg = NULL;
            r = pd_config_parse(text, len, "/bundle", "config.json", &cfg, &err);
            if (r == 0) {
                CHECK(cfg->root.path != NULL && cfg->oci_version != NULL);
                CHECK(!cfg->has_process || (cfg->process.n_args > 0 && cfg->process.cwd[0] == '/'));
            }
            pd_config_free(cfg);
            (*n_cfg)++;
        } else if (has_suffix(de->d_name, "process.json")) {
            struct pd_process *p = NULL;
            r = pd_process_parse(text, len, de->d_name, &p, &err);
            if (r == 0)
                CHECK(p->n_args > 0 && p->args[p->n_args] == NULL);
            pd_process_free(p);
            (*n_proc)++;
        } else if (strstr(de->d_name, "resources") != NULL) {
            struct pd_resources *res = NULL;
            r = pd_resources_parse(text, len, de->d_name, &res, &err);
            pd_resources_free(res);
            (*n_res)++;
        } else {
            continue;
        }
        if (r < 0)
            printf("    %s: %s\n", rel, err->msg);
        CHECK(r == 0);
        pd_error_free(err);
    }
    closedir(d);
}

static void test_all_engine_configs_parse(void)
{
    int c = 0, p = 0, r = 0;
    parse_dir("engine-configs", &c, &p, &r);
    CHECK(c >= 11);
    CHECK(p >= 3);
    CHECK(r >= 2);
}

static void test_all_handwritten_configs_parse(void)
{
    int c = 0, p = 0, r = 0;
    parse_dir("configs", &c, &p, &r);
    CHECK(c >= 3);
}

static void test_podman_uidmap(void)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture("engine-configs/podman-run-uidmap.config.json");
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    CHECK_STR(cfg->oci_version, "1.0.2-dev");
    CHECK_STR(cfg->bundle, "/bundle");
    CHECK(cfg->has_linux);
    CHECK(cfg->linux_.n_uid_mappings == 1);
    CHECK(cfg->linux_.uid_mappings[0].container_id == 0);
    CHECK(cfg->linux_.uid_mappings[0].host_id == 200000);
    CHECK(cfg->linux_.uid_mappings[0].size == 65536);
    CHECK(cfg->linux_.n_gid_mappings >= 1);
    bool user_ns = false;
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        user_ns |= cfg->linux_.namespaces[i].type == PD_NS_USER;
    CHECK(user_ns);
    CHECK(cfg->linux_.has_resources && cfg->linux_.resources.pids.limit.set &&
          cfg->linux_.resources.pids.limit.v == 2048);
}

static void test_ctr_seccomp(void)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture("engine-configs/ctr-run-seccomp.config.json");
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    const struct pd_seccomp *sc = cfg->linux_.seccomp;
    CHECK(sc != NULL);
    if (sc == NULL)
        return;
    CHECK(sc->default_action == PD_SECCOMP_ERRNO);
    CHECK(sc->n_syscalls == 11);
    CHECK(sc->n_architectures == 3);
    CHECK_STR(sc->architectures[0], "SCMP_ARCH_X86_64");
    CHECK(sc->architectures[3] == NULL);
    size_t n_args = 0;
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        CHECK(sc->syscalls[i].n_names > 0);
        n_args += sc->syscalls[i].n_args;
    }
    CHECK(n_args > 0);
    CHECK(sc->syscalls[0].action == PD_SECCOMP_ALLOW);
    /* cgroup device rules: first one denies all */
    const struct pd_resources *r = &cfg->linux_.resources;
    CHECK(r->n_devices == 10);
    CHECK(!r->devices[0].allow && r->devices[0].type == 'a' && !r->devices[0].major.set);
    CHECK(r->devices[8].major.set && r->devices[8].major.v == 136 && !r->devices[8].minor.set);
    CHECK(r->cpu.shares.set && r->cpu.shares.v == 1024);
}

static void test_podman_hooks(void)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture("engine-configs/podman-run-with-hooks.config.json");
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    for (int k = PD_HOOK_PRESTART; k <= PD_HOOK_POSTSTART; k++) {
        CHECK(cfg->hooks[k].n == 1);
        if (cfg->hooks[k].n == 1) {
            CHECK_STR(cfg->hooks[k].v[0].path, "/bin/sh");
            CHECK(cfg->hooks[k].v[0].n_args == 3);
            CHECK_STR(cfg->hooks[k].v[0].args[0], "sh");
            CHECK(cfg->hooks[k].v[0].env != NULL && cfg->hooks[k].v[0].n_env == 0);
            CHECK(!cfg->hooks[k].v[0].has_timeout);
        }
    }
    CHECK(cfg->hooks[PD_HOOK_POSTSTOP].n == 0);
    CHECK_STR(pd_config_annotation(cfg, "io.container.manager"), "libpod");
    CHECK(pd_config_annotation(cfg, "nope") == NULL);
    CHECK(cfg->process.user.has_umask && cfg->process.user.umask == 18);
    CHECK(cfg->process.n_rlimits == 2);
    CHECK(cfg->process.rlimits[1].resource == RLIMIT_NPROC);
    CHECK(cfg->process.rlimits[1].soft == 32768);
    CHECK(cfg->process.caps.present);
    CHECK(cfg->process.caps.bounding & (1ULL << CAP_CHOWN));
    CHECK(!(cfg->process.caps.bounding & (1ULL << CAP_SYS_ADMIN)));
    CHECK(cfg->process.caps.inheritable == 0 && cfg->process.caps.ambient == 0);
    CHECK(cfg->n_mounts == 10);
    CHECK_STR(cfg->mounts[0].destination, "/proc");
    CHECK_STR(cfg->mounts[0].options[2], "nodev");
    CHECK(cfg->mounts[0].options[3] == NULL);
    CHECK(cfg->linux_.n_sysctl == 1);
    CHECK_STR(cfg->linux_.sysctl[0].key, "net.ipv4.ping_group_range");
    CHECK(cfg->linux_.n_masked_paths > 5 && cfg->linux_.masked_paths[cfg->linux_.n_masked_paths] == NULL);
}

static void test_other_engine_values(void)
{
    _cleanup_config_ struct pd_config *tty = load_fixture("engine-configs/podman-run-tty.config.json");
    CHECK(tty != NULL && tty->process.terminal);
    _cleanup_config_ struct pd_config *ro = load_fixture("engine-configs/podman-run-read-only.config.json");
    CHECK(ro != NULL && ro->root.readonly);
    _cleanup_config_ struct pd_config *ns = load_fixture("engine-configs/podman-run-bridge-netns-path.config.json");
    CHECK(ns != NULL);
    if (ns != NULL) {
        CHECK(ns->linux_.namespaces[1].type == PD_NS_NET);
        CHECK_CONTAINS(ns->linux_.namespaces[1].path, "/run/netns/netns-");
        CHECK(ns->linux_.namespaces[0].path == NULL);
        CHECK(ns->linux_.seccomp && ns->linux_.seccomp->has_default_errno_ret &&
              ns->linux_.seccomp->default_errno_ret == 38);
    }
    _cleanup_config_ struct pd_config *dk = load_fixture("engine-configs/docker-run-network-none-setkey-hook.config.json");
    CHECK(dk != NULL);
    if (dk != NULL) {
        CHECK(dk->hooks[PD_HOOK_PRESTART].n == 1);
        CHECK(dk->linux_.resources.memory.has_disable_oom_killer &&
              !dk->linux_.resources.memory.disable_oom_killer);
        CHECK(dk->linux_.resources.block_io.weight.set && dk->linux_.resources.block_io.weight.v == 0);
    }
}

static void test_exec_process_and_update_resources(void)
{
    size_t len = 0;
    _cleanup_free_ char *text = read_fixture("engine-configs/docker-exec.process.json", &len);
    CHECK(text != NULL);
    struct pd_process *p = NULL;
    pd_error *err = NULL;
    CHECK(text && pd_process_parse(text, len, "process.json", &p, &err) == 0);
    if (p != NULL) {
        CHECK(p->n_args > 0 && p->env != NULL && p->cwd != NULL);
    }
    pd_process_free(p);
    pd_error_free(err);

    _cleanup_free_ char *res = read_fixture("engine-configs/docker-update.resources-stdin.json", &len);
    struct pd_resources *r = NULL;
    err = NULL;
    CHECK(res && pd_resources_parse(res, len, NULL, &r, &err) == 0);
    if (r != NULL) {
        CHECK(r->memory.limit.set && r->memory.limit.v == 100663296);
        CHECK(r->memory.reservation.set && r->memory.reservation.v == 0);
        CHECK(r->memory.kernel.set && !r->memory.kernel_tcp.set);
        CHECK(r->cpu.shares.set && r->cpu.shares.v == 0);
        CHECK(r->cpu.quota.v == 50000 && r->cpu.period.v == 100000);
        CHECK(r->pids.limit.set && r->pids.limit.v == 77);
        CHECK(r->block_io.weight.set && r->block_io.weight.v == 0);
        CHECK(!r->memory.swappiness.set);
    }
    pd_resources_free(r);
    pd_error_free(err);
}

static void check_full_process(const struct pd_process *p)
{
    CHECK(p->terminal && p->has_console_size && p->console_height == 25 && p->console_width == 80);
    CHECK(p->user.uid == 1000 && p->user.gid == 1000 && p->user.umask == 18);
    CHECK(p->user.n_additional_gids == 2 && p->user.additional_gids[1] == UINT32_MAX);
    CHECK(p->n_args == 3 && p->n_env == 2);
    CHECK_STR(p->cwd, "/home/user");
    CHECK(p->caps.bounding == ((1ULL << CAP_CHOWN) | (1ULL << CAP_NET_BIND_SERVICE) |
                               (1ULL << CAP_SYS_ADMIN)));
    CHECK(p->caps.effective == (1ULL << CAP_CHOWN));
    CHECK(p->caps.ambient == (1ULL << CAP_NET_BIND_SERVICE));
    CHECK(p->caps.permitted == ((1ULL << CAP_CHOWN) | (1ULL << CAP_KILL)));
    CHECK(p->n_rlimits == 2 && p->rlimits[0].resource == RLIMIT_NOFILE);
    CHECK(p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096);
    CHECK_STR(p->rlimits[1].type, "RLIMIT_CORE");
    CHECK(p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
    CHECK(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -500);
    CHECK_STR(p->apparmor_profile, "unconfined");
    CHECK(p->has_io_priority && p->io_priority_class == IOPRIO_CLASS_BE && p->io_priority == 4);
    CHECK_STR(p->scheduler_policy, "SCHED_BATCH");
}

static void check_full_linux(const struct pd_linux *l)
{
    CHECK(l->n_namespaces == 8);
    CHECK(l->namespaces[7].type == PD_NS_TIME && l->namespaces[7].path == NULL);
    CHECK_STR(l->namespaces[1].path, "/run/netns/x");
    CHECK(l->time_monotonic.set && l->time_monotonic.secs == -10 && l->time_monotonic.nanosecs == 500);
    CHECK(l->time_boottime.set && l->time_boottime.secs == 3600);
    CHECK(l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10);
    CHECK(l->devices[0].minor == 229 && l->devices[0].has_file_mode && l->devices[0].file_mode == 438);
    CHECK(l->devices[1].type == 'p' && !l->devices[1].has_uid);
    CHECK_STR(l->cgroups_path, "/paddock/box");
    CHECK_STR(l->rootfs_propagation, "rslave");
    CHECK_STR(l->personality_domain, "LINUX32");
    CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
    const struct pd_resources *r = &l->resources;
    CHECK(r->n_devices == 2 && r->devices[1].type == 'c' && r->devices[0].type == 'a');
    CHECK_STR(r->devices[1].access, "rw");
    CHECK(r->memory.limit.v == 536870912 && r->memory.swap.v == -1);
    CHECK(r->memory.swappiness.set && r->memory.swappiness.v == UINT64_MAX);
    CHECK(r->memory.disable_oom_killer && r->memory.has_use_hierarchy && r->memory.has_check_before_update);
    CHECK_STR(r->cpu.cpus, "0-1");
    CHECK(r->cpu.idle.set && r->cpu.idle.v == 1);
    CHECK(r->pids.limit.v == -1);
    CHECK(r->block_io.weight.v == 500 && r->block_io.leaf_weight.v == 300);
    CHECK(r->block_io.n_weight_device == 1 && r->block_io.weight_device[0].weight.v == 200);
    CHECK(!r->block_io.weight_device[0].leaf_weight.set);
    CHECK(r->block_io.n_throttle_read_bps == 1 && r->block_io.throttle_read_bps[0].rate == 1048576);
    CHECK(r->block_io.n_throttle_write_iops == 1 && r->block_io.throttle_write_iops[0].minor == 16);
    CHECK(r->n_hugepage_limits == 1);
    CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
    CHECK(r->network.class_id.v == 1048577 && r->network.n_priorities == 1);
    CHECK_STR(r->network.priorities[0].value, "500");
    CHECK(r->n_unified == 2);
    const struct pd_seccomp *sc = l->seccomp;
    CHECK(sc && sc->n_syscalls == 4 && sc->n_flags == 1);
    if (sc) {
        CHECK_STR(sc->listener_path, "/run/seccomp.sock");
        CHECK(sc->syscalls[1].args[0].op == PD_SCMP_MASKED_EQ);
        CHECK(sc->syscalls[1].args[0].value == 4294967295u);
        CHECK(sc->syscalls[2].action == PD_SECCOMP_NOTIFY);
        CHECK(sc->syscalls[3].action == PD_SECCOMP_KILL_PROCESS && sc->syscalls[3].errno_ret == 5);
    }
}

static void test_full_handwritten(void)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture("configs/full-1.2.config.json");
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    CHECK_STR(cfg->root.path, "rootfs");
    CHECK(cfg->root.readonly);
    CHECK_STR(cfg->hostname, "box");
    CHECK_STR(cfg->domainname, "example.org");
    check_full_process(&cfg->process);
    CHECK(cfg->n_mounts == 3);
    CHECK_STR(cfg->mounts[1].destination, "/dev/shm"); /* relative made absolute */
    CHECK(cfg->mounts[0].options != NULL && cfg->mounts[0].n_options == 0);
    CHECK(cfg->mounts[2].n_uid_mappings == 1 && cfg->mounts[2].gid_mappings[0].host_id == 100000);
    CHECK(cfg->hooks[PD_HOOK_PRESTART].n == 1 && cfg->hooks[PD_HOOK_PRESTART].v[0].timeout == 5);
    CHECK_STR(cfg->hooks[PD_HOOK_PRESTART].v[0].env[0], "A=b");
    CHECK(cfg->hooks[PD_HOOK_POSTSTOP].n == 1 && cfg->hooks[PD_HOOK_POSTSTOP].v[0].n_args == 0);
    CHECK_STR(pd_config_annotation(cfg, "org.example.key"), "value");
    check_full_linux(&cfg->linux_);
}

static void test_minimal_and_no_process(void)
{
    _cleanup_config_ struct pd_config *m = load_fixture("configs/minimal.config.json");
    CHECK(m != NULL);
    if (m != NULL) {
        CHECK(m->has_process && !m->has_linux && !m->process.caps.present);
        CHECK(m->process.env != NULL && m->process.n_env == 0);
        CHECK(m->process.user.uid == 0 && !m->process.has_oom_score_adj);
    }
    _cleanup_config_ struct pd_config *n = load_fixture("configs/no-process.config.json");
    CHECK(n != NULL);
    if (n != NULL) {
        CHECK(!n->has_process && n->n_mounts == 0 && n->root.readonly);
        CHECK(n->n_annotations == 1);
        CHECK_STR(pd_config_annotation(n, "a"), "2"); /* last one wins */
    }
}

static void test_names(void)
{
    CHECK_STR(pd_ns_type_name(PD_NS_NET), "network");
    CHECK_STR(pd_ns_type_name(PD_NS_TIME), "time");
    CHECK_STR(pd_ns_type_name(PD_NS__COUNT), "unknown");
    CHECK_STR(pd_hook_kind_name(PD_HOOK_CREATE_RUNTIME), "createRuntime");
    CHECK_STR(pd_hook_kind_name(PD_HOOK_POSTSTOP), "poststop");
    CHECK_STR(pd_hook_kind_name(PD_HOOK__COUNT), "unknown");
}

/* ---- negative tests ---- */

#define HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
#define PROC(extra) "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"" extra "}"

/* Parse json as bundle /b; return the error message (caller frees) or NULL. */
static char *cfg_error(const char *json, const char *bundle)
{
    struct pd_config *cfg = NULL;
    pd_error *err = NULL;
    if (pd_config_parse(json, strlen(json), bundle, "config.json", &cfg, &err) == 0) {
        pd_config_free(cfg);
        return NULL;
    }
    CHECK(cfg == NULL);
    char *m = pd_xstrdup(err->msg);
    pd_error_free(err);
    return m;
}

#define EXPECT_ERR(json, msg)                                                    \
    do {                                                                         \
        char *m_ = cfg_error((json), "/b");                                      \
        CHECK_STR(m_, "bundle /b: config.json: " msg);                           \
        free(m_);                                                                \
    } while (0)

static void test_err_malformed_json(void)
{
    char *m = cfg_error("{\"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": \"r\"", "/b");
    CHECK_CONTAINS(m, "bundle /b: config.json: line 2, column ");
    CHECK_CONTAINS(m, "premature EOF");
    free(m);
    m = cfg_error("{\"ociVersion\": 1.0.0}", NULL);
    CHECK_CONTAINS(m, "config.json: line 1, column ");
    CHECK(strncmp(m, "config.json: ", 13) == 0);
    free(m);
    EXPECT_ERR("[1, 2]", "expected a JSON object, got array");
}

static void test_err_wrong_types(void)
{
    EXPECT_ERR(HEAD "\"hostname\": 5}", ".hostname: expected a string");
    EXPECT_ERR(HEAD PROC(", \"terminal\": \"yes\"") "}", ".process.terminal: expected a boolean");
    EXPECT_ERR(HEAD PROC(", \"user\": {\"uid\": -1}") "}",
               ".process.user.uid: expected an unsigned 32-bit integer");
    EXPECT_ERR(HEAD PROC(", \"user\": {\"uid\": 4294967296}") "}",
               ".process.user.uid: expected an unsigned 32-bit integer");
    EXPECT_ERR(HEAD PROC(", \"user\": {\"gid\": 1.5}") "}",
               ".process.user.gid: expected an unsigned 32-bit integer");
    EXPECT_ERR(HEAD PROC(", \"user\": {\"additionalGids\": [1, \"2\"]}") "}",
               ".process.user.additionalGids[1]: expected an unsigned 32-bit integer");
    EXPECT_ERR(HEAD PROC(", \"env\": [\"A=1\", 2]") "}", ".process.env[1]: expected a string");
    EXPECT_ERR(HEAD "\"process\": []}", ".process: expected an object");
    EXPECT_ERR(HEAD "\"mounts\": {}}", ".mounts: expected an array");
    EXPECT_ERR(HEAD "\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"/b\", \"options\": [\"ro\", 1]}]}",
               ".mounts[1].options[1]: expected a string");
    EXPECT_ERR(HEAD "\"mounts\": [{\"type\": \"tmpfs\"}]}", ".mounts[0].destination: required");
    EXPECT_ERR(HEAD "\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}",
               ".linux.resources.memory.limit: expected a 64-bit integer");
    EXPECT_ERR(HEAD "\"linux\": {\"resources\": {\"cpu\": {\"shares\": -2}}}}",
               ".linux.resources.cpu.shares: expected an unsigned 64-bit integer");
    EXPECT_ERR(HEAD "\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
               ".linux.resources.devices[0].access: expected a subset of \"rwm\", got \"rwx\"");
    EXPECT_ERR(HEAD "\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1}]}}",
               ".linux.uidMappings[0].size: required");
    EXPECT_ERR(HEAD "\"linux\": {\"sysctl\": [\"a\"]}}", ".linux.sysctl: expected an object of strings");
    EXPECT_ERR(HEAD "\"linux\": {\"sysctl\": {\"net.x\": 1}}}", ".linux.sysctl[\"net.x\"]: expected a string");
    EXPECT_ERR(HEAD "\"linux\": {\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\", \"major\": 1}]}}",
               ".linux.devices[0].minor: required for type \"c\"");
    EXPECT_ERR(HEAD "\"linux\": {\"devices\": [{\"type\": \"x\", \"path\": \"/dev/x\"}]}}",
               ".linux.devices[0].type: expected one of \"c\", \"b\", \"u\", \"p\", got \"x\"");
    EXPECT_ERR(HEAD "\"linux\": {\"devices\": [{\"type\": \"b\", \"path\": \"dev/x\"}]}}",
               ".linux.devices[0].path: expected an absolute path, got \"dev/x\"");
    EXPECT_ERR(HEAD "\"linux\": {\"rootfsPropagation\": \"sideways\"}}",
               ".linux.rootfsPropagation: unknown propagation \"sideways\"");
    EXPECT_ERR(HEAD PROC(", \"oomScoreAdj\": 1001") "}",
               ".process.oomScoreAdj: expected an integer between -1000 and 1000");
}

static void test_err_version_and_root(void)
{
    EXPECT_ERR("{\"root\": {\"path\": \"r\"}}", ".ociVersion: required");
    EXPECT_ERR("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
               ".ociVersion: unsupported version \"2.0.0\": paddock supports runtime-spec 1.x");
    EXPECT_ERR("{\"ociVersion\": \"10.0.0\", \"root\": {\"path\": \"r\"}}",
               ".ociVersion: unsupported version \"10.0.0\": paddock supports runtime-spec 1.x");
    EXPECT_ERR("{\"ociVersion\": 1}", ".ociVersion: expected a string");
    EXPECT_ERR("{\"ociVersion\": \"1.0.0\"}", ".root.path: required");
    EXPECT_ERR("{\"ociVersion\": \"1.0.0\", \"root\": {}}", ".root.path: required");
    EXPECT_ERR("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"\"}}",
               ".root.path: expected a non-empty path");
    /* without a bundle the prefix is omitted */
    char *m = cfg_error("{\"root\": {\"path\": \"r\"}}", NULL);
    CHECK_STR(m, "config.json: .ociVersion: required");
    free(m);
}

static void test_err_args_and_cwd(void)
{
    EXPECT_ERR(HEAD "\"process\": {\"args\": [], \"cwd\": \"/\"}}",
               ".process.args: expected a non-empty array of strings");
    EXPECT_ERR(HEAD "\"process\": {\"cwd\": \"/\"}}",
               ".process.args: expected a non-empty array of strings");
    EXPECT_ERR(HEAD "\"process\": {\"args\": \"sh\", \"cwd\": \"/\"}}",
               ".process.args: expected a non-empty array of strings");
    EXPECT_ERR(HEAD "\"process\": {\"args\": [\"sh\", null], \"cwd\": \"/\"}}",
               ".process.args[1]: expected a string");
    EXPECT_ERR(HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}}",
               ".process.cwd: expected an absolute path, got \"tmp\"");
    EXPECT_ERR(HEAD "\"process\": {\"args\": [\"sh\"]}}", ".process.cwd: required");
}

static void test_err_capabilities(void)
{
    EXPECT_ERR(HEAD PROC(", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_FOO\"]}") "}",
               ".process.capabilities.bounding[2]: unknown capability \"CAP_FOO\"");
    EXPECT_ERR(HEAD PROC(", \"capabilities\": {\"ambient\": [\"CHOWN\"]}") "}",
               ".process.capabilities.ambient[0]: unknown capability \"CHOWN\"");
    EXPECT_ERR(HEAD PROC(", \"capabilities\": {\"effective\": [\"cap_chown\"]}") "}",
               ".process.capabilities.effective[0]: unknown capability \"cap_chown\"");
    EXPECT_ERR(HEAD PROC(", \"capabilities\": {\"permitted\": \"CAP_CHOWN\"}") "}",
               ".process.capabilities.permitted: expected an array of strings");
}

static void test_err_namespaces(void)
{
    EXPECT_ERR(HEAD "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"foo\"}]}}",
               ".linux.namespaces[1].type: unknown namespace type \"foo\"");
    EXPECT_ERR(HEAD "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"pid\"}]}}",
               ".linux.namespaces[2].type: duplicate namespace type \"pid\"");
    EXPECT_ERR(HEAD "\"linux\": {\"namespaces\": [{\"path\": \"/proc/1/ns/pid\"}]}}",
               ".linux.namespaces[0].type: required");
    EXPECT_ERR(HEAD "\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}}",
               ".linux.namespaces[0].type: unknown namespace type \"net\"");
    EXPECT_ERR(HEAD "\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"netns\"}]}}",
               ".linux.namespaces[0].path: expected an absolute path, got \"netns\"");
}

static void test_err_rlimits(void)
{
    EXPECT_ERR(HEAD PROC(", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]") "}",
               ".process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"");
    EXPECT_ERR(HEAD PROC(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 1},"
                         " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 5}]") "}",
               ".process.rlimits[1]: soft limit 10 is greater than hard limit 5");
    EXPECT_ERR(HEAD PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1e3, \"hard\": 5}]") "}",
               ".process.rlimits[0].soft: expected an unsigned 64-bit integer");
    EXPECT_ERR(HEAD PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]") "}",
               ".process.rlimits[0].hard: required");
    EXPECT_ERR(HEAD PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
                         " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]") "}",
               ".process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\"");
}

static void test_err_seccomp(void)
{
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
                    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                    "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_FOO\"}]}}}",
               ".linux.seccomp.syscalls[1].action: unknown seccomp action \"SCMP_ACT_FOO\"");
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": \"ALLOW\"}}}",
               ".linux.seccomp.defaultAction: unknown seccomp action \"ALLOW\"");
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"architectures\": []}}}",
               ".linux.seccomp.defaultAction: required");
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                    "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}}}",
               ".linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"");
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": ["
                    "{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
               ".linux.seccomp.syscalls[0].args[0].index: expected an integer between 0 and 5");
    EXPECT_ERR(HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                    "{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}}}",
               ".linux.seccomp.syscalls[0].names: expected a non-empty array of strings");
}

static void test_err_annotations(void)
{
    EXPECT_ERR(HEAD "\"annotations\": {\"ok\": \"x\", \"foo\": 1}}", ".annotations[\"foo\"]: expected a string");
    EXPECT_ERR(HEAD "\"annotations\": {\"we\\\"ird\": true}}", ".annotations[\"we\\\"ird\"]: expected a string");
    EXPECT_ERR(HEAD "\"annotations\": [\"a\"]}", ".annotations: expected an object of strings");
}

static void test_err_hooks(void)
{
    EXPECT_ERR(HEAD "\"hooks\": {\"prestart\": [{\"path\": \"hook.sh\"}]}}",
               ".hooks.prestart[0].path: expected an absolute path, got \"hook.sh\"");
    EXPECT_ERR(HEAD "\"hooks\": {\"poststop\": [{\"path\": \"/a\"}, {\"path\": \"/b\", \"timeout\": 0}]}}",
               ".hooks.poststop[1].timeout: expected a positive integer");
    EXPECT_ERR(HEAD "\"hooks\": {\"createRuntime\": {\"path\": \"/a\"}}}",
               ".hooks.createRuntime: expected an array");
    EXPECT_ERR(HEAD "\"hooks\": {\"startContainer\": [{\"args\": [\"x\"]}]}}",
               ".hooks.startContainer[0].path: required");
}

static void test_process_and_resources_errors(void)
{
    struct pd_process *p = NULL;
    pd_error *err = NULL;
    const char *pj = "{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": \"root\"}}";
    CHECK(pd_process_parse(pj, strlen(pj), "process.json", &p, &err) < 0 && p == NULL);
    CHECK_STR(err ? err->msg : NULL, "process.json: .user.uid: expected an unsigned 32-bit integer");
    pd_error_free(err);
    err = NULL;
    CHECK(pd_process_parse("[]", 2, "p.json", &p, &err) < 0);
    CHECK_STR(err ? err->msg : NULL, "p.json: .: expected an object");
    pd_error_free(err);
    err = NULL;
    CHECK(pd_process_parse("{", 1, "p.json", &p, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "p.json: line 1, column 2: ");
    pd_error_free(err);

    struct pd_resources *r = NULL;
    err = NULL;
    const char *rj = "{\"memory\": {\"limit\": -1, \"swap\": 18446744073709551615}, \"pids\": {\"limit\": 1.5}}";
    CHECK(pd_resources_parse(rj, strlen(rj), "resources.json", &r, &err) < 0 && r == NULL);
    CHECK_STR(err ? err->msg : NULL, "resources.json: .pids.limit: expected a 64-bit integer");
    pd_error_free(err);
    err = NULL;
    rj = "{\"memory\": {\"limit\": -1, \"swap\": 18446744073709551615}, \"unified\": {\"a\": \"b\"}}";
    CHECK(pd_resources_parse(rj, strlen(rj), "resources.json", &r, &err) == 0);
    if (r != NULL) {
        CHECK(r->memory.limit.set && r->memory.limit.v == -1);
        CHECK(r->memory.swap.set && r->memory.swap.v == -1);
        CHECK(r->n_unified == 1);
    }
    pd_resources_free(r);
    pd_error_free(err);
}

/* Oversized values and paths that leave the bundle (issue #9, bad input). */
static void test_err_oversized_and_outside(void)
{
    char big[70];
    memset(big, 'h', 65);
    big[65] = '\0';
    char *json = pd_xasprintf(HEAD "\"hostname\": \"%s\"}", big);
    EXPECT_ERR(json, ".hostname: 65 bytes long: at most 64");
    free(json);
    json = pd_xasprintf(HEAD "\"domainname\": \"%s\"}", big);
    EXPECT_ERR(json, ".domainname: 65 bytes long: at most 64");
    free(json);
    char *arg = pd_xcalloc(1, 131073);
    memset(arg, 'a', 131072);
    json = pd_xasprintf(HEAD PROC(", \"env\": [\"A=1\", \"%s\"]") "}", arg);
    EXPECT_ERR(json, ".process.env[1]: 131072 bytes long: the kernel takes at most 131071 bytes in one "
                     "argument or environment string");
    free(json);
    free(arg);
    EXPECT_ERR("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"a/../../r\"}}",
               ".root.path: \"a/../../r\" leaves the bundle (a relative path is in the bundle; give an "
               "absolute path for a root filesystem elsewhere)");
    CHECK(pd_path_leaves_bundle(".."));
    CHECK(pd_path_leaves_bundle("./x/../../y"));
    CHECK(!pd_path_leaves_bundle("x/../y"));
    CHECK(!pd_path_leaves_bundle("/../etc")); /* absolute: elsewhere on purpose */
    CHECK(!pd_path_leaves_bundle("x/..../y"));
}

static void test_load(void)
{
    char dir[] = "/tmp/paddock-test-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    _cleanup_free_ char *path = pd_xasprintf("%s/config.json", dir);
    struct pd_config *cfg = NULL;
    pd_error *err = NULL;

    CHECK(pd_config_load(dir, &cfg, &err) < 0 && cfg == NULL);
    _cleanup_free_ char *want = pd_xasprintf("bundle %s: config.json: No such file or directory", dir);
    CHECK_STR(err ? err->msg : NULL, want);
    pd_error_free(err);
    err = NULL;

    const char *json = HEAD PROC("") "}";
    pd_error *werr = NULL;
    CHECK(pd_write_file_atomic(path, json, strlen(json), 0644, &werr) == 0);
    pd_error_free(werr);
    _cleanup_free_ char *messy = pd_xasprintf("%s/./", dir);
    CHECK(pd_config_load(messy, &cfg, &err) == 0);
    if (cfg != NULL) {
        CHECK_STR(cfg->bundle, dir);
        CHECK_STR(cfg->file, "config.json");
        CHECK_STR(cfg->process.args[0], "sh");
    }
    pd_config_free(cfg);
    pd_error_free(err);
    err = NULL;

    const char *bad = HEAD "\"hostname\": []}";
    CHECK(pd_write_file_atomic(path, bad, strlen(bad), 0644, &werr) == 0);
    pd_error_free(werr);
    CHECK(pd_config_load(dir, &cfg, &err) < 0);
    _cleanup_free_ char *want2 = pd_xasprintf("bundle %s: config.json: .hostname: expected a string", dir);
    CHECK_STR(err ? err->msg : NULL, want2);
    pd_error_free(err);
    err = NULL;

    unlink(path);
    CHECK(mkdir(path, 0755) == 0);
    CHECK(pd_config_load(dir, &cfg, &err) < 0);
    CHECK_CONTAINS(err ? err->msg : NULL, "config.json: not a regular file");
    pd_error_free(err);
    err = NULL;
    rmdir(path);
    rmdir(dir);

    CHECK(pd_config_load("/nonexistent/paddock/bundle", &cfg, &err) < 0);
    CHECK_STR(err ? err->msg : NULL, "bundle /nonexistent/paddock/bundle: No such file or directory");
    pd_error_free(err);
}

int main(void)
{
    RUN(test_all_engine_configs_parse);
    RUN(test_all_handwritten_configs_parse);
    RUN(test_podman_uidmap);
    RUN(test_ctr_seccomp);
    RUN(test_podman_hooks);
    RUN(test_other_engine_values);
    RUN(test_exec_process_and_update_resources);
    RUN(test_full_handwritten);
    RUN(test_minimal_and_no_process);
    RUN(test_names);
    RUN(test_err_malformed_json);
    RUN(test_err_wrong_types);
    RUN(test_err_version_and_root);
    RUN(test_err_args_and_cwd);
    RUN(test_err_capabilities);
    RUN(test_err_namespaces);
    RUN(test_err_rlimits);
    RUN(test_err_seccomp);
    RUN(test_err_annotations);
    RUN(test_err_hooks);
    RUN(test_process_and_resources_errors);
    RUN(test_err_oversized_and_outside);
    RUN(test_load);
    UNIT_EXIT();
}
