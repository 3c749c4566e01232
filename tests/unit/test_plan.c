#define _GNU_SOURCE
/* Unit tests for runtime/plan.c (stage 2): the fixture configs plan, and
 * namespaces, id maps, mounts, devices, rootfs and errors come out as the
 * apply stage expects.  Plain data: no root, no syscalls that change anything.
 * Fixtures: $PADDOCK_FIXTURES, else tests/fixtures (run from the repo root). */
#include <dirent.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>

#include "config.h"
#include "plan.h"
#include "unit.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct pd_plan_opts AS_ROOT = {.rootless = PD_ROOTLESS_AUTO, .euid = 0, .egid = 0};
static const struct pd_plan_opts AS_ROOTLESS = {.rootless = PD_ROOTLESS_TRUE, .euid = 1000, .egid = 1000};

static const char *const default_dev_paths[] = {
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};

static const char *fixtures(void)
{
    const char *e = getenv("PADDOCK_FIXTURES");
    return e && *e ? e : "tests/fixtures";
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static struct pd_config *parse_json(const char *json, const char *bundle, const char *file)
{
    struct pd_config *cfg = NULL;
    pd_error *err = NULL;
    if (pd_config_parse(json, strlen(json), bundle, file, &cfg, &err) < 0) {
        printf("    parse %s: %s\n", file, err->msg);
        pd_error_free(err);
        return NULL;
    }
    return cfg;
}

static struct pd_config *load_fixture(const char *rel)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/%s", fixtures(), rel);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    pd_error *err = NULL;
    if (pd_read_file(path, 16 << 20, &text, &len, &err) < 0) {
        printf("    cannot read fixture: %s\n", err->msg);
        pd_error_free(err);
        return NULL;
    }
    return parse_json(text, "/bundle", rel);
}

/* Plan cfg; print and drop the error on failure. */
static struct pd_plan *plan(const struct pd_config *cfg, const struct pd_plan_opts *o)
{
    if (cfg == NULL)
        return NULL;
    struct pd_plan *p = NULL;
    pd_error *err = NULL;
    if (pd_plan_build(cfg, o, &p, &err) < 0) {
        printf("    plan %s: %s\n", cfg->file, err ? err->msg : "(no error set)");
        pd_error_free(err);
        CHECK(p == NULL);
        return NULL;
    }
    CHECK(err == NULL);
    CHECK(p != NULL && p->cfg == cfg);
    return p;
}

/* Parse json (bundle /b) and plan it; return the plan error (caller frees) or NULL. */
static char *plan_error(const char *json, const struct pd_plan_opts *o)
{
    _cleanup_config_ struct pd_config *cfg = parse_json(json, "/b", "config.json");
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return NULL;
    struct pd_plan *p = NULL;
    pd_error *err = NULL;
    if (pd_plan_build(cfg, o, &p, &err) == 0) {
        printf("    expected a plan error, got none\n");
        pd_plan_free(p);
        return NULL;
    }
    CHECK(p == NULL);
    CHECK(err != NULL);
    if (err == NULL)
        return NULL;
    char *m = pd_xstrdup(err->msg);
    pd_error_free(err);
    return m;
}

static size_t count_dev(const struct pd_plan *p, const char *path)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_devices; i++)
        n += p->devices[i].path != NULL && strcmp(p->devices[i].path, path) == 0;
    return n;
}

static const struct pd_device *find_dev(const struct pd_plan *p, const char *path)
{
    for (size_t i = 0; i < p->n_devices; i++)
        if (p->devices[i].path != NULL && strcmp(p->devices[i].path, path) == 0)
            return &p->devices[i];
    return NULL;
}

static void check_default_devices(const struct pd_plan *p)
{
    for (size_t i = 0; i < PD_ARRAY_SIZE(default_dev_paths); i++) {
        size_t n = count_dev(p, default_dev_paths[i]);
        if (n != 1) {
            printf("    %s: %s present %zu times\n", p->cfg->file, default_dev_paths[i], n);
            unit_case_failed = 1;
        }
    }
}

/* Generic invariants of any successful plan. */
static void check_plan_common(const struct pd_plan *p)
{
    const struct pd_config *cfg = p->cfg;
    CHECK(p->n_mounts == cfg->n_mounts);
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct pd_mount_op *op = &p->mounts[i];
        CHECK(op->index == i);
        CHECK(op->dest != NULL && op->dest[0] == '/');
        CHECK(op->source != NULL);
        if (op->kind == PD_MOUNT_BIND)
            CHECK(op->source != NULL && op->source[0] == '/');
        else
            CHECK(op->fstype != NULL);
    }
    check_default_devices(p);
    CHECK(p->n_devices >= PD_ARRAY_SIZE(default_dev_paths));
    CHECK(p->rootfs != NULL && p->rootfs[0] == '/');
    CHECK((p->ns.unshare_flags & CLONE_NEWUSER) == 0);
    CHECK((p->ns.unshare_flags & CLONE_NEWNS) != 0 || p->ns.n_join > 0);
    CHECK(p->ns.new_pid == ((p->ns.unshare_flags & CLONE_NEWPID) != 0));
    CHECK(p->rootfs_propagation == (MS_SLAVE | MS_REC));
    CHECK(p->new_keyring && !p->no_pivot);
    if (p->ns.new_user)
        CHECK(p->ns.idmap != PD_IDMAP_NONE && p->ns.n_uid_map > 0 && p->bind_devices);
    else
        CHECK(p->ns.idmap == PD_IDMAP_NONE && p->ns.uid_map == NULL);
}

/* ---- 1. every fixture config plans ---- */

/* configs/full-1.2 has an idmapped mount (a 1.2 field the parser must read);
 * the plan refuses idmapped mounts, so drop its mappings before planning. */
static void strip_mount_idmaps(struct pd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        struct pd_mount *m = &cfg->mounts[i];
        if (m->n_uid_mappings == 0 && m->n_gid_mappings == 0)
            continue;
        pd_error *err = NULL;
        struct pd_plan *p = NULL;
        CHECK(pd_plan_build(cfg, &AS_ROOT, &p, &err) < 0 && p == NULL);
        CHECK_CONTAINS(err ? err->msg : NULL, "idmapped mounts are not supported");
        pd_error_free(err);
        free(m->uid_mappings);
        free(m->gid_mappings);
        m->uid_mappings = m->gid_mappings = NULL;
        m->n_uid_mappings = m->n_gid_mappings = 0;
    }
}

static void plan_fixture(const char *rel, int *n_planned)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture(rel);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    strip_mount_idmaps(cfg);
    if (!cfg->has_process) {
        pd_error *err = NULL;
        struct pd_plan *p = NULL;
        CHECK(pd_plan_build(cfg, &AS_ROOT, &p, &err) < 0 && p == NULL);
        CHECK_CONTAINS(err ? err->msg : NULL, ".process: ");
        pd_error_free(err);
        return;
    }
    if (cfg->has_linux == false) {
        /* configs/minimal.config.json: no namespaces at all, so no mount
         * namespace, which the plan requires. */
        pd_error *err = NULL;
        struct pd_plan *p = NULL;
        CHECK(pd_plan_build(cfg, &AS_ROOT, &p, &err) < 0 && p == NULL);
        CHECK_CONTAINS(err ? err->msg : NULL, ".linux.namespaces: ");
        pd_error_free(err);
        return;
    }
    bool has_user_ns = false, ranges = false;
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        has_user_ns |= cfg->linux_.namespaces[i].type == PD_NS_USER;
    for (size_t i = 0; i < cfg->linux_.n_uid_mappings; i++)
        ranges |= cfg->linux_.uid_mappings[i].size > 1;

    _cleanup_plan_ struct pd_plan *root = plan(cfg, &AS_ROOT);
    CHECK(root != NULL);
    if (root != NULL) {
        check_plan_common(root);
        CHECK(!root->rootless);
        CHECK(root->ns.new_user == has_user_ns);
        CHECK(root->ns.idmap == (has_user_ns ? PD_IDMAP_DIRECT : PD_IDMAP_NONE));
        CHECK(!root->ns.deny_setgroups);
        CHECK(root->bind_devices == has_user_ns);
        if (has_user_ns)
            CHECK(root->ns.n_uid_map == cfg->linux_.n_uid_mappings);
    }
    _cleanup_plan_ struct pd_plan *rl = plan(cfg, &AS_ROOTLESS);
    CHECK(rl != NULL);
    if (rl != NULL) {
        check_plan_common(rl);
        CHECK(rl->rootless && rl->ns.new_user && rl->bind_devices);
        if (ranges) {
            CHECK(rl->ns.idmap == PD_IDMAP_HELPER && !rl->ns.deny_setgroups);
        } else if (!has_user_ns) {
            /* rootless gets a user namespace mapping the caller to root */
            CHECK(rl->ns.idmap == PD_IDMAP_DIRECT && rl->ns.deny_setgroups);
            CHECK(rl->root_host_uid == 1000);
        }
    }
    if (root != NULL && rl != NULL)
        (*n_planned)++;
}

static int plan_dir(const char *dir, int *n_planned)
{
    _cleanup_free_ char *path = pd_xasprintf("%s/%s", fixtures(), dir);
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (d == NULL) {
        printf("    cannot open %s (set PADDOCK_FIXTURES or run from the repo root)\n", path);
        return 0;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!has_suffix(de->d_name, ".config.json"))
            continue;
        _cleanup_free_ char *rel = pd_xasprintf("%s/%s", dir, de->d_name);
        plan_fixture(rel, n_planned);
        n++;
    }
    closedir(d);
    return n;
}

static void test_fixtures_plan(void)
{
    int planned = 0;
    int n_engine = plan_dir("engine-configs", &planned);
    int n_hand = plan_dir("configs", &planned);
    CHECK(n_engine >= 10);
    CHECK(n_hand >= 3);
    /* all engine configs, plus configs/full-1.2 (minimal and no-process fail) */
    CHECK(planned == n_engine + n_hand - 2);
}

static void test_fixture_uidmap_helper(void)
{
    _cleanup_config_ struct pd_config *cfg =
        load_fixture("engine-configs/podman-run-uidmap.config.json");
    _cleanup_plan_ struct pd_plan *rl = plan(cfg, &AS_ROOTLESS);
    _cleanup_plan_ struct pd_plan *root = plan(cfg, &AS_ROOT);
    CHECK(rl != NULL && root != NULL);
    if (rl != NULL) {
        CHECK(rl->ns.new_user && rl->ns.idmap == PD_IDMAP_HELPER && !rl->ns.deny_setgroups);
        CHECK(rl->ns.n_uid_map == 1 && rl->ns.uid_map[0].host_id == 200000 &&
              rl->ns.uid_map[0].size == 65536);
        CHECK(rl->ns.n_gid_map == 1 && rl->ns.gid_map[0].host_id == 200000);
        CHECK(rl->root_host_uid == 200000);
    }
    if (root != NULL) {
        CHECK(root->ns.new_user && root->ns.idmap == PD_IDMAP_DIRECT && !root->ns.deny_setgroups);
        CHECK(root->root_host_uid == 200000);
        CHECK(root->bind_devices);
    }
}

static void test_fixture_rootless_podman(void)
{
    _cleanup_config_ struct pd_config *cfg =
        load_fixture("engine-configs/rootless-podman-run.config.json");
    _cleanup_plan_ struct pd_plan *rl = plan(cfg, &AS_ROOTLESS);
    CHECK(rl != NULL);
    if (rl == NULL)
        return;
    /* no user namespace in the config: rootless adds one, mapping 1000 -> 0 */
    CHECK(rl->ns.new_user && rl->ns.idmap == PD_IDMAP_DIRECT && rl->ns.deny_setgroups);
    CHECK(rl->ns.n_uid_map == 1 && rl->ns.uid_map[0].container_id == 0 &&
          rl->ns.uid_map[0].host_id == 1000 && rl->ns.uid_map[0].size == 1);
    /* a new network namespace: sysfs can be mounted */
    for (size_t i = 0; i < rl->n_mounts; i++)
        if (rl->mounts[i].fstype && strcmp(rl->mounts[i].fstype, "sysfs") == 0)
            CHECK(!rl->mounts[i].sysfs_fallback_bind);
}

static void test_fixture_full(void)
{
    _cleanup_config_ struct pd_config *cfg = load_fixture("configs/full-1.2.config.json");
    if (cfg != NULL)
        strip_mount_idmaps(cfg);
    _cleanup_plan_ struct pd_plan *p = plan(cfg, &AS_ROOT);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK_STR(p->rootfs, "/bundle/rootfs");
    CHECK(p->rootfs_readonly);
    CHECK(p->rootfs_mount_propagation == (MS_SLAVE | MS_REC)); /* "rslave" */
    CHECK(p->ns.new_user && p->ns.new_time && p->ns.new_pid);
    CHECK(p->ns.unshare_flags == (CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS |
                                  CLONE_NEWCGROUP | CLONE_NEWTIME));
    CHECK(p->ns.n_join == 1 && p->ns.join[0].type == PD_NS_NET &&
          p->ns.join[0].nstype == CLONE_NEWNET);
    CHECK_STR(p->ns.n_join ? p->ns.join[0].path : NULL, "/run/netns/x");
    CHECK(p->n_mounts == 3);
    if (p->n_mounts == 3) {
        CHECK(p->mounts[0].kind == PD_MOUNT_FS);
        CHECK_STR(p->mounts[0].fstype, "proc");
        CHECK_STR(p->mounts[1].dest, "/dev/shm");
        CHECK_STR(p->mounts[1].fl.data, "size=64m");
        CHECK(p->mounts[1].fl.flags & MS_NOSUID);
        CHECK(p->mounts[2].kind == PD_MOUNT_BIND && p->mounts[2].fl.recursive_bind);
        CHECK_STR(p->mounts[2].source, "/srv/data");
    }
    CHECK(p->n_devices == 8);
    CHECK(find_dev(p, "/dev/fuse") != NULL && find_dev(p, "/dev/myfifo") != NULL);
}

/* ---- config builders ---- */

#define HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
#define PROC "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"
/* A config with a process and the given .linux body (without braces). */
#define CFG(linux_body) HEAD PROC ", \"linux\": {" linux_body "}}"
#define CFG_X(extra, linux_body) HEAD PROC ", " extra ", \"linux\": {" linux_body "}}"
#define NS(...) "\"namespaces\": [" __VA_ARGS__ "]"
#define N(t) "{\"type\": \"" t "\"}"
#define NP(t, p) "{\"type\": \"" t "\", \"path\": \"" p "\"}"

static struct pd_plan *plan_json(const char *json, const struct pd_plan_opts *o,
                                 struct pd_config **cfg_out)
{
    *cfg_out = parse_json(json, "/b", "config.json");
    CHECK(*cfg_out != NULL);
    return plan(*cfg_out, o);
}

/* ---- 2. namespaces ---- */

static void test_ns_new_and_join(void)
{
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p = plan_json(
        CFG(NS(N("pid") "," NP("ipc", "/proc/1/ns/ipc") "," N("mount") "," N("uts") ","
               NP("network", "/run/netns/x") "," NP("user", "/proc/1/ns/user"))),
        &AS_ROOT, &cfg);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK(p->ns.unshare_flags == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
    CHECK(!p->ns.new_user && p->ns.new_pid && !p->ns.new_time);
    CHECK(p->ns.n_join == 3);
    if (p->ns.n_join == 3) {
        /* the user namespace first although listed last; the others in order */
        CHECK(p->ns.join[0].type == PD_NS_USER && p->ns.join[0].nstype == CLONE_NEWUSER);
        CHECK_STR(p->ns.join[0].path, "/proc/1/ns/user");
        CHECK(p->ns.join[1].type == PD_NS_IPC && p->ns.join[1].nstype == CLONE_NEWIPC);
        CHECK_STR(p->ns.join[1].path, "/proc/1/ns/ipc");
        CHECK(p->ns.join[2].type == PD_NS_NET && p->ns.join[2].nstype == CLONE_NEWNET);
        CHECK_STR(p->ns.join[2].path, "/run/netns/x");
    }
    CHECK(p->ns.idmap == PD_IDMAP_NONE && p->ns.uid_map == NULL);
    /* a joined user namespace: mknod is impossible */
    CHECK(p->bind_devices);
}

static void test_ns_new_user(void)
{
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p = plan_json(
        CFG(NS(N("mount") "," N("network") "," N("cgroup") "," N("time") "," N("user"))),
        &AS_ROOT, &cfg);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK(p->ns.new_user);
    CHECK(p->ns.unshare_flags == (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME));
    CHECK((p->ns.unshare_flags & CLONE_NEWUSER) == 0);
    CHECK(!p->ns.new_pid && p->ns.new_time && p->ns.n_join == 0);
    /* root, no maps given: container root is the caller */
    CHECK(p->ns.idmap == PD_IDMAP_DIRECT && !p->ns.deny_setgroups);
    CHECK(p->ns.n_uid_map == 1 && p->ns.uid_map[0].host_id == 0 && p->ns.uid_map[0].size == 1);
    CHECK(p->bind_devices && !p->rootless);
}

static void test_ns_clone_flag(void)
{
    CHECK(pd_ns_clone_flag(PD_NS_PID) == CLONE_NEWPID);
    CHECK(pd_ns_clone_flag(PD_NS_NET) == CLONE_NEWNET);
    CHECK(pd_ns_clone_flag(PD_NS_IPC) == CLONE_NEWIPC);
    CHECK(pd_ns_clone_flag(PD_NS_UTS) == CLONE_NEWUTS);
    CHECK(pd_ns_clone_flag(PD_NS_MOUNT) == CLONE_NEWNS);
    CHECK(pd_ns_clone_flag(PD_NS_USER) == CLONE_NEWUSER);
    CHECK(pd_ns_clone_flag(PD_NS_CGROUP) == CLONE_NEWCGROUP);
    CHECK(pd_ns_clone_flag(PD_NS_TIME) == CLONE_NEWTIME);
    CHECK(pd_ns_clone_flag(PD_NS__COUNT) == 0);
}

/* ---- 3. rootless auto ---- */

static void test_rootless_auto(void)
{
    const char *json = CFG(NS(N("pid") "," N("mount")));
    struct pd_plan_opts o = {.rootless = PD_ROOTLESS_AUTO, .euid = 1000, .egid = 1001};
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p = plan_json(json, &o, &cfg);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(p->rootless && p->ns.new_user);
        CHECK((p->ns.unshare_flags & CLONE_NEWUSER) == 0);
        CHECK(p->ns.n_uid_map == 1 && p->ns.uid_map[0].container_id == 0 &&
              p->ns.uid_map[0].host_id == 1000 && p->ns.uid_map[0].size == 1);
        CHECK(p->ns.n_gid_map == 1 && p->ns.gid_map[0].container_id == 0 &&
              p->ns.gid_map[0].host_id == 1001 && p->ns.gid_map[0].size == 1);
        CHECK(p->ns.idmap == PD_IDMAP_DIRECT && p->ns.deny_setgroups);
        CHECK(p->bind_devices);
        CHECK(p->root_host_uid == 1000);
    }
    o.euid = 0;
    o.egid = 0;
    _cleanup_config_ struct pd_config *cfg0 = NULL;
    _cleanup_plan_ struct pd_plan *p0 = plan_json(json, &o, &cfg0);
    CHECK(p0 != NULL);
    if (p0 != NULL) {
        CHECK(!p0->rootless && !p0->ns.new_user && !p0->bind_devices);
        CHECK(p0->ns.idmap == PD_IDMAP_NONE && p0->ns.n_uid_map == 0);
    }
    /* --rootless=false with a non-root euid: no user namespace forced */
    o.rootless = PD_ROOTLESS_FALSE;
    o.euid = 1000;
    _cleanup_config_ struct pd_config *cfg1 = NULL;
    _cleanup_plan_ struct pd_plan *p1 = plan_json(json, &o, &cfg1);
    CHECK(p1 != NULL && !p1->rootless && !p1->ns.new_user && !p1->bind_devices);
}

/* ---- 4. id-map method ---- */

#define USERNS_MAPS(u, g) NS(N("mount") "," N("user")) ", \"uidMappings\": [" u "], \"gidMappings\": [" g "]"
#define MAP(c, h, s) "{\"containerID\": " #c ", \"hostID\": " #h ", \"size\": " #s "}"

static void test_idmap_method(void)
{
    const char *self = CFG(USERNS_MAPS(MAP(0, 1000, 1), MAP(0, 1000, 1)));
    const char *ranges =
        CFG(USERNS_MAPS(MAP(0, 1000, 1) "," MAP(1, 100000, 65536), MAP(0, 1000, 1) "," MAP(1, 100000, 65536)));
    const char *root_later = CFG(USERNS_MAPS(MAP(1, 100000, 65536) "," MAP(0, 1234, 1), MAP(0, 1234, 1)));
    const char *gid_other = CFG(USERNS_MAPS(MAP(0, 1000, 1), MAP(0, 2000, 1)));

    _cleanup_config_ struct pd_config *c1 = NULL;
    _cleanup_plan_ struct pd_plan *root = plan_json(self, &AS_ROOT, &c1);
    CHECK(root != NULL && root->ns.idmap == PD_IDMAP_DIRECT && !root->ns.deny_setgroups);
    CHECK(root != NULL && root->root_host_uid == 1000);

    _cleanup_config_ struct pd_config *c2 = NULL;
    _cleanup_plan_ struct pd_plan *rl_self = plan_json(self, &AS_ROOTLESS, &c2);
    CHECK(rl_self != NULL && rl_self->ns.idmap == PD_IDMAP_DIRECT && rl_self->ns.deny_setgroups);

    _cleanup_config_ struct pd_config *c3 = NULL;
    _cleanup_plan_ struct pd_plan *rl_ranges = plan_json(ranges, &AS_ROOTLESS, &c3);
    CHECK(rl_ranges != NULL && rl_ranges->ns.idmap == PD_IDMAP_HELPER &&
          !rl_ranges->ns.deny_setgroups);
    CHECK(rl_ranges != NULL && rl_ranges->ns.n_uid_map == 2 && rl_ranges->ns.n_gid_map == 2);
    CHECK(rl_ranges != NULL && rl_ranges->root_host_uid == 1000);

    _cleanup_config_ struct pd_config *c4 = NULL;
    _cleanup_plan_ struct pd_plan *root_ranges = plan_json(ranges, &AS_ROOT, &c4);
    CHECK(root_ranges != NULL && root_ranges->ns.idmap == PD_IDMAP_DIRECT &&
          !root_ranges->ns.deny_setgroups);

    _cleanup_config_ struct pd_config *c5 = NULL;
    _cleanup_plan_ struct pd_plan *later = plan_json(root_later, &AS_ROOTLESS, &c5);
    CHECK(later != NULL && later->root_host_uid == 1234);
    CHECK(later != NULL && later->ns.idmap == PD_IDMAP_HELPER);

    /* the uid maps to self but the gid does not: the helper is needed */
    _cleanup_config_ struct pd_config *c6 = NULL;
    _cleanup_plan_ struct pd_plan *gid = plan_json(gid_other, &AS_ROOTLESS, &c6);
    CHECK(gid != NULL && gid->ns.idmap == PD_IDMAP_HELPER && !gid->ns.deny_setgroups);

    /* the maps are copies owned by the plan */
    CHECK(rl_ranges != NULL && c3 != NULL && rl_ranges->ns.uid_map != c3->linux_.uid_mappings);
}

/* ---- 5. errors ---- */

#define EXPECT_PLAN_ERR(json, opts, path)                                        \
    do {                                                                         \
        char *m_ = plan_error((json), (opts));                                   \
        CHECK_CONTAINS(m_, "bundle /b: config.json: " path);                     \
        free(m_);                                                                \
    } while (0)

static void test_errors(void)
{
    EXPECT_PLAN_ERR(CFG(NS(N("pid") "," N("network"))), &AS_ROOT, ".linux.namespaces: ");
    EXPECT_PLAN_ERR(HEAD PROC "}", &AS_ROOT, ".linux.namespaces: ");
    EXPECT_PLAN_ERR(CFG(NS(N("mount")) ", \"uidMappings\": [" MAP(0, 1000, 1) "]"), &AS_ROOT,
                    ".linux.uidMappings: ");
    EXPECT_PLAN_ERR(CFG(NS(N("mount")) ", \"gidMappings\": [" MAP(0, 1000, 1) "]"), &AS_ROOT,
                    ".linux.uidMappings: ");
    EXPECT_PLAN_ERR(CFG_X("\"hostname\": \"h\"", NS(N("mount"))), &AS_ROOT, ".hostname: ");
    EXPECT_PLAN_ERR(CFG_X("\"domainname\": \"d\"", NS(N("mount"))), &AS_ROOT, ".domainname: ");
    EXPECT_PLAN_ERR(CFG(NS(N("mount")) ", \"timeOffsets\": {\"boottime\": {\"secs\": 1}}"),
                    &AS_ROOT, ".linux.timeOffsets: ");
    EXPECT_PLAN_ERR(CFG_X("\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\"}, "
                          "{\"destination\": \"/x\", \"source\": \"/y\"}]",
                          NS(N("mount"))),
                    &AS_ROOT, ".mounts[1].type: ");
    EXPECT_PLAN_ERR(CFG_X("\"mounts\": [{\"destination\": \"/x\", \"options\": [\"rbind\"]}]",
                          NS(N("mount"))),
                    &AS_ROOT, ".mounts[0].source: ");
    EXPECT_PLAN_ERR(CFG_X("\"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\"}]",
                          NS(N("mount"))),
                    &AS_ROOT, ".mounts[0].source: ");
    EXPECT_PLAN_ERR(CFG_X("\"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\"}, "
                          "{\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": [\"=x\"]}]",
                          NS(N("mount"))),
                    &AS_ROOT, ".mounts[1]");
    EXPECT_PLAN_ERR(CFG_X("\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", "
                          "\"options\": [\"idmap\"]}]",
                          NS(N("mount"))),
                    &AS_ROOT, ".mounts[0] (/t): idmapped mounts are not supported");
    EXPECT_PLAN_ERR(HEAD "\"linux\": {" NS(N("mount")) "}}", &AS_ROOT, ".process: ");

    /* the parser rejects a bad rootfsPropagation already; the plan checks
     * again for configs built by other means ("ro" is a valid mount option
     * but not a propagation) */
    const char *const bad_props[] = {"sideways", "ro", ""};
    for (size_t i = 0; i < PD_ARRAY_SIZE(bad_props); i++) {
        _cleanup_config_ struct pd_config *c =
            parse_json(CFG(NS(N("mount"))), "/b", "config.json");
        CHECK(c != NULL);
        if (c == NULL)
            continue;
        c->linux_.rootfs_propagation = pd_xstrdup(bad_props[i]);
        struct pd_plan *bp = NULL;
        pd_error *err = NULL;
        CHECK(pd_plan_build(c, &AS_ROOT, &bp, &err) < 0 && bp == NULL);
        CHECK_CONTAINS(err ? err->msg : NULL,
                       "bundle /b: config.json: .linux.rootfsPropagation: unknown value");
        pd_error_free(err);
    }

    /* the bad-option message keeps the option parser's reason */
    char *m = plan_error(CFG_X("\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", "
                               "\"options\": [\"=x\"]}]",
                               NS(N("mount"))),
                         &AS_ROOT);
    CHECK_CONTAINS(m, "\"=x\"");
    free(m);

    /* a hostname with a new uts namespace is fine */
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p =
        plan_json(CFG_X("\"hostname\": \"h\"", NS(N("mount") "," N("uts"))), &AS_ROOT, &cfg);
    CHECK(p != NULL);
}

/* ---- 6. mount ops ---- */

#define MOUNTS                                                                              \
    "\"mounts\": ["                                                                          \
    "{\"destination\": \"/data\", \"source\": \"data\", \"options\": [\"rbind\", \"ro\"]},"  \
    "{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\"},"   \
    "{\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\"},"               \
    "{\"destination\": \"tmp\", \"type\": \"tmpfs\", \"options\": [\"mode=1777\"]},"         \
    "{\"destination\": \"/abs\", \"type\": \"bind\", \"source\": \"/host/abs\"},"            \
    "{\"destination\": \"/c2\", \"type\": \"cgroup2\"}]"

static const struct pd_mount_op *sysfs_op(const struct pd_plan *p)
{
    return p != NULL && p->n_mounts > 2 ? &p->mounts[2] : NULL;
}

static void test_mount_ops(void)
{
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p =
        plan_json(CFG_X(MOUNTS, NS(N("mount") "," N("pid"))), &AS_ROOTLESS, &cfg);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK(p->n_mounts == 6);
    if (p->n_mounts != 6)
        return;
    const struct pd_mount_op *m = p->mounts;
    CHECK(m[0].kind == PD_MOUNT_BIND && m[0].fl.bind && m[0].fl.recursive_bind);
    CHECK(m[0].fl.flags & MS_RDONLY);
    CHECK_STR(m[0].source, "/b/data");
    CHECK_STR(m[0].dest, "/data");
    CHECK(m[0].fstype == NULL);
    CHECK(m[1].kind == PD_MOUNT_CGROUP);
    CHECK_STR(m[1].fstype, "cgroup");
    CHECK(m[2].kind == PD_MOUNT_FS && m[2].sysfs_fallback_bind); /* rootless, no new netns */
    CHECK_STR(m[2].fstype, "sysfs");
    CHECK(m[3].kind == PD_MOUNT_FS && !m[3].sysfs_fallback_bind);
    CHECK_STR(m[3].dest, "/tmp");
    CHECK_STR(m[3].fstype, "tmpfs");
    CHECK_STR(m[3].source, "tmpfs"); /* no source: the type */
    CHECK_STR(m[3].fl.data, "mode=1777");
    CHECK(m[4].kind == PD_MOUNT_BIND);
    CHECK_STR(m[4].source, "/host/abs");
    CHECK(m[5].kind == PD_MOUNT_CGROUP);
    CHECK_STR(m[5].fstype, "cgroup2");
    for (size_t i = 0; i < 6; i++)
        CHECK(m[i].index == i);
}

static void test_mount_sysfs_fallback(void)
{
    /* rootless with a new network namespace: sysfs mounts normally */
    _cleanup_config_ struct pd_config *c1 = NULL;
    _cleanup_plan_ struct pd_plan *net =
        plan_json(CFG_X(MOUNTS, NS(N("mount") "," N("network"))), &AS_ROOTLESS, &c1);
    CHECK(sysfs_op(net) != NULL && !sysfs_op(net)->sysfs_fallback_bind);
    /* rootless joining a network namespace: still not its owner */
    _cleanup_config_ struct pd_config *c2 = NULL;
    _cleanup_plan_ struct pd_plan *joined = plan_json(
        CFG_X(MOUNTS, NS(N("mount") "," NP("network", "/run/netns/x"))), &AS_ROOTLESS, &c2);
    CHECK(sysfs_op(joined) != NULL && sysfs_op(joined)->sysfs_fallback_bind);
    /* root without a user namespace: no fallback */
    _cleanup_config_ struct pd_config *c3 = NULL;
    _cleanup_plan_ struct pd_plan *root = plan_json(CFG_X(MOUNTS, NS(N("mount"))), &AS_ROOT, &c3);
    CHECK(sysfs_op(root) != NULL && !sysfs_op(root)->sysfs_fallback_bind);
    /* root with a new user namespace but the host's network namespace */
    _cleanup_config_ struct pd_config *c4 = NULL;
    _cleanup_plan_ struct pd_plan *userns =
        plan_json(CFG_X(MOUNTS, NS(N("mount") "," N("user"))), &AS_ROOT, &c4);
    CHECK(sysfs_op(userns) != NULL && sysfs_op(userns)->sysfs_fallback_bind);
}

/* The parser already makes destinations absolute; the plan does too for a
 * config built by other means. */
static void test_mount_relative_dest(void)
{
    _cleanup_config_ struct pd_config *cfg = parse_json(
        CFG_X("\"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\"}]", NS(N("mount"))),
        "/b", "config.json");
    CHECK(cfg != NULL && cfg->n_mounts == 1);
    if (cfg == NULL || cfg->n_mounts != 1)
        return;
    free(cfg->mounts[0].destination);
    cfg->mounts[0].destination = pd_xstrdup("tmp");
    _cleanup_plan_ struct pd_plan *p = plan(cfg, &AS_ROOT);
    CHECK(p != NULL && p->n_mounts == 1);
    if (p != NULL && p->n_mounts == 1)
        CHECK_STR(p->mounts[0].dest, "/tmp");
}

static void test_devices(void)
{
    _cleanup_config_ struct pd_config *cfg = NULL;
    _cleanup_plan_ struct pd_plan *p = plan_json(
        CFG(NS(N("mount")) ", \"devices\": ["
            "{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3, \"fileMode\": 384},"
            "{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}]"),
        &AS_ROOT, &cfg);
    CHECK(p != NULL);
    if (p == NULL)
        return;
    check_default_devices(p);
    CHECK(p->n_devices == 7);
    CHECK(count_dev(p, "/dev/null") == 1);
    const struct pd_device *null = find_dev(p, "/dev/null");
    CHECK(null != NULL && null->has_file_mode && null->file_mode == 0600); /* the config's */
    const struct pd_device *fuse = find_dev(p, "/dev/fuse");
    CHECK(fuse != NULL && fuse->type == 'c' && fuse->major == 10 && fuse->minor == 229);
    const struct pd_device *tty = find_dev(p, "/dev/tty");
    CHECK(tty != NULL && tty->major == 5 && tty->minor == 0 && tty->file_mode == 0666);
    CHECK(!p->bind_devices);
}

/* ---- 7. rootfs ---- */

static void test_rootfs(void)
{
    struct pd_plan_opts o = AS_ROOT;
    o.no_pivot = true;
    o.no_new_keyring = true;
    _cleanup_config_ struct pd_config *c1 = NULL;
    _cleanup_plan_ struct pd_plan *p = plan_json(
        "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\", \"readonly\": true}, " PROC
        ", \"linux\": {" NS(N("mount")) ", \"rootfsPropagation\": \"rshared\"}}",
        &o, &c1);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->rootfs, "/b/rootfs");
        CHECK(p->rootfs_readonly);
        CHECK(p->rootfs_mount_propagation == (MS_SHARED | MS_REC));
        CHECK(p->no_pivot && !p->new_keyring);
    }

    _cleanup_config_ struct pd_config *c2 = NULL;
    _cleanup_plan_ struct pd_plan *d = plan_json(
        "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/srv/root\"}, " PROC
        ", \"linux\": {" NS(N("mount")) "}}",
        &AS_ROOT, &c2);
    CHECK(d != NULL);
    if (d != NULL) {
        CHECK_STR(d->rootfs, "/srv/root");
        CHECK(!d->rootfs_readonly);
        CHECK(d->rootfs_propagation == (MS_SLAVE | MS_REC));
        CHECK(d->rootfs_mount_propagation == 0);
        CHECK(!d->no_pivot && d->new_keyring);
    }

    _cleanup_config_ struct pd_config *c3 = NULL;
    _cleanup_plan_ struct pd_plan *pr =
        plan_json(CFG(NS(N("mount")) ", \"rootfsPropagation\": \"private\""), &AS_ROOT, &c3);
    CHECK(pr != NULL && pr->rootfs_mount_propagation == MS_PRIVATE);
}

static void test_free_null(void)
{
    pd_plan_free(NULL);
    _cleanup_plan_ struct pd_plan *p = NULL;
    CHECK(p == NULL);
}

int main(void)
{
    RUN(test_fixtures_plan);
    RUN(test_fixture_uidmap_helper);
    RUN(test_fixture_rootless_podman);
    RUN(test_fixture_full);
    RUN(test_ns_new_and_join);
    RUN(test_ns_new_user);
    RUN(test_ns_clone_flag);
    RUN(test_rootless_auto);
    RUN(test_idmap_method);
    RUN(test_errors);
    RUN(test_mount_ops);
    RUN(test_mount_sysfs_fallback);
    RUN(test_mount_relative_dest);
    RUN(test_devices);
    RUN(test_rootfs);
    RUN(test_free_null);
    UNIT_EXIT();
}
