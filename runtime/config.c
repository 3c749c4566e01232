/* paddock stage 1, parse: config.json top level (ociVersion, root, mounts,
 * hooks, annotations, ...) and pd_config_load.  .process is parsed in
 * config_process.c, .linux in config_linux.c / config_resources.c.
 *
 * Decisions:
 *  - Unknown fields are ignored everywhere; JSON null is the same as absent.
 *  - ociVersion must be "1.<digits>..." (any 1.x release, -rc and -dev forms).
 *  - root.path is required (Linux).  process is optional at parse time.
 *  - A relative mount destination is accepted and made absolute by
 *    prefixing "/": runc resolves it against the rootfs the same way, and
 *    old configs (and some tools) still write "dev/shm"-style destinations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"
#include "util.h"

#define CONFIG_MAX_SIZE (16u * 1024 * 1024)

static const char *const hook_names[PD_HOOK__COUNT] = {
    [PD_HOOK_PRESTART] = "prestart",
    [PD_HOOK_CREATE_RUNTIME] = "createRuntime",
    [PD_HOOK_CREATE_CONTAINER] = "createContainer",
    [PD_HOOK_START_CONTAINER] = "startContainer",
    [PD_HOOK_POSTSTART] = "poststart",
    [PD_HOOK_POSTSTOP] = "poststop",
};

const char *pd_hook_kind_name(enum pd_hook_kind k)
{
    if ((unsigned)k >= PD_HOOK__COUNT)
        return "unknown";
    return hook_names[k];
}

const char *pd_config_annotation(const struct pd_config *cfg, const char *key)
{
    if (cfg == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        if (strcmp(cfg->annotations[i].key, key) == 0)
            return cfg->annotations[i].value;
    }
    return NULL;
}

static int parse_version(const struct pc *c, const pd_json *v, const struct jp *p,
                         struct pd_config *cfg)
{
    if (pc_need(c, pc_m_str(c, v, p, "ociVersion", &cfg->oci_version), p, "ociVersion") < 0)
        return -1;
    const char *s = cfg->oci_version;
    if (s[0] == '1' && s[1] == '.' && s[2] >= '0' && s[2] <= '9')
        return 0;
    _cleanup_free_ char *q = pc_quote(s);
    return pc_fail(c, JP_M(p, "ociVersion"),
                   "unsupported version %s: paddock supports runtime-spec 1.x", q);
}

static int parse_root(const struct pc *c, const pd_json *v, const struct jp *p,
                      struct pd_config *cfg)
{
    pd_json *root = NULL;
    int r = pc_m_object(c, v, p, "root", &root);
    if (r < 0)
        return -1;
    const struct jp *rp = JP_M(p, "root");
    if (r == 0)
        return pc_fail(c, JP_M(rp, "path"), "required");
    if (pc_need(c, pc_m_str(c, root, rp, "path", &cfg->root.path), rp, "path") < 0 ||
        pc_m_bool(c, root, rp, "readonly", &cfg->root.readonly) < 0)
        return -1;
    if (cfg->root.path[0] == '\0')
        return pc_fail(c, JP_M(rp, "path"), "expected a non-empty path");
    if (pd_path_leaves_bundle(cfg->root.path)) {
        _cleanup_free_ char *q = pc_quote(cfg->root.path);
        return pc_fail(c, JP_M(rp, "path"), "%s leaves the bundle (a relative path is in the bundle; "
                       "give an absolute path for a root filesystem elsewhere)", q);
    }
    return 0;
}

static int parse_mount(const struct pc *c, const pd_json *v, const struct jp *p,
                       struct pd_mount *m)
{
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_str(c, v, p, "destination", &m->destination), p, "destination") < 0)
        return -1;
    if (m->destination[0] == '\0')
        return pc_fail(c, JP_M(p, "destination"), "expected a non-empty path");
    if (m->destination[0] != '/') {
        char *abs = pd_xasprintf("/%s", m->destination);
        free(m->destination);
        m->destination = abs;
    }
    if (pc_m_str(c, v, p, "source", &m->source) < 0 ||
        pc_m_str(c, v, p, "type", &m->type) < 0 ||
        pc_m_strv(c, v, p, "options", &m->options, &m->n_options) < 0 ||
        pc_m_idmaps(c, v, p, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
        pc_m_idmaps(c, v, p, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
        return -1;
    if (m->options == NULL)
        m->options = pd_xcalloc(1, sizeof(char *));
    return 0;
}

static int parse_mounts(const struct pc *c, const pd_json *v, const struct jp *p,
                        struct pd_config *cfg)
{
    pd_json *arr = NULL;
    int r = pc_m_array(c, v, p, "mounts", &arr);
    if (r <= 0)
        return r;
    const struct jp *mp = JP_M(p, "mounts");
    size_t n = pd_json_len(arr);
    cfg->mounts = pd_xcalloc(n ? n : 1, sizeof(struct pd_mount));
    for (size_t i = 0; i < n; i++) {
        cfg->n_mounts = i + 1;
        if (parse_mount(c, pd_json_at(arr, i), JP_I(mp, i), &cfg->mounts[i]) < 0)
            return -1;
    }
    return 0;
}

static int parse_hook(const struct pc *c, const pd_json *v, const struct jp *p,
                      struct pd_hook *h)
{
    if (pc_v_object(c, v, p) < 0 ||
        pc_need(c, pc_m_str(c, v, p, "path", &h->path), p, "path") < 0)
        return -1;
    if (h->path[0] != '/') {
        _cleanup_free_ char *q = pc_quote(h->path);
        return pc_fail(c, JP_M(p, "path"), "expected an absolute path, got %s", q);
    }
    if (pc_m_strv(c, v, p, "args", &h->args, &h->n_args) < 0 ||
        pc_m_strv(c, v, p, "env", &h->env, &h->n_env) < 0)
        return -1;
    if (h->args == NULL)
        h->args = pd_xcalloc(1, sizeof(char *));
    if (h->env == NULL)
        h->env = pd_xcalloc(1, sizeof(char *));
    pd_json *t = pc_get(v, "timeout");
    if (t == NULL)
        return 0;
    int64_t secs;
    if (!pd_json_int64(t, &secs) || secs <= 0 || secs > INT_MAX)
        return pc_fail(c, JP_M(p, "timeout"), "expected a positive integer");
    h->has_timeout = true;
    h->timeout = (int)secs;
    return 0;
}

static int parse_hooks(const struct pc *c, const pd_json *v, const struct jp *p,
                       struct pd_config *cfg)
{
    pd_json *hooks = NULL;
    int r = pc_m_object(c, v, p, "hooks", &hooks);
    if (r <= 0)
        return r;
    const struct jp *hp = JP_M(p, "hooks");
    for (int k = 0; k < PD_HOOK__COUNT; k++) {
        pd_json *arr = NULL;
        if ((r = pc_m_array(c, hooks, hp, hook_names[k], &arr)) < 0)
            return -1;
        if (r == 0)
            continue;
        const struct jp *kp = JP_M(hp, hook_names[k]);
        struct pd_hook_list *l = &cfg->hooks[k];
        size_t n = pd_json_len(arr);
        l->v = pd_xcalloc(n ? n : 1, sizeof(struct pd_hook));
        for (size_t i = 0; i < n; i++) {
            l->n = i + 1;
            if (parse_hook(c, pd_json_at(arr, i), JP_I(kp, i), &l->v[i]) < 0)
                return -1;
        }
    }
    return 0;
}

static int parse_process_member(const struct pc *c, const pd_json *v, const struct jp *p,
                                struct pd_config *cfg)
{
    pd_json *proc = pc_get(v, "process");
    if (proc == NULL)
        return 0;
    cfg->has_process = true;
    return pc_parse_process(c, proc, JP_M(p, "process"), &cfg->process);
}

static int parse_linux_member(const struct pc *c, const pd_json *v, const struct jp *p,
                              struct pd_config *cfg)
{
    pd_json *lx = pc_get(v, "linux");
    if (lx == NULL)
        return 0;
    cfg->has_linux = true;
    return pc_parse_linux(c, lx, JP_M(p, "linux"), &cfg->linux_);
}

/* hostname, domainname: what sethostname(2)/setdomainname(2) take. */
static int parse_name(const struct pc *c, const pd_json *v, const struct jp *p, const char *key,
                      char **out)
{
    if (pc_m_str(c, v, p, key, out) < 0)
        return -1;
    if (*out != NULL && strlen(*out) > 64) /* HOST_NAME_MAX, __NEW_UTS_LEN */
        return pc_fail(c, JP_M(p, key), "%zu bytes long: at most 64", strlen(*out));
    return 0;
}

bool pd_path_leaves_bundle(const char *path)
{
    if (path[0] == '/')
        return false;
    long depth = 0;
    for (const char *s = path; *s != '\0';) {
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--depth < 0)
                return true;
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            depth++;
        }
        s += n;
        s += strspn(s, "/");
    }
    return false;
}

static int parse_document(const struct pc *c, const pd_json *v, struct pd_config *cfg)
{
    const struct jp root = JP_ROOT_INIT;
    const struct jp *p = &root;
    if (pd_json_type(v) != PD_JSON_OBJECT)
        return pc_fail_doc(c, "expected a JSON object, got %s", pd_json_type_name(v));
    if (parse_version(c, v, p, cfg) < 0 || parse_root(c, v, p, cfg) < 0 ||
        parse_process_member(c, v, p, cfg) < 0 ||
        parse_name(c, v, p, "hostname", &cfg->hostname) < 0 ||
        parse_name(c, v, p, "domainname", &cfg->domainname) < 0 ||
        parse_mounts(c, v, p, cfg) < 0 || parse_hooks(c, v, p, cfg) < 0 ||
        pc_m_kvmap(c, v, p, "annotations", &cfg->annotations, &cfg->n_annotations) < 0 ||
        parse_linux_member(c, v, p, cfg) < 0)
        return -1;
    return 0;
}

int pd_config_parse(const char *json, size_t len, const char *bundle, const char *file,
                    struct pd_config **out, pd_error **err)
{
    return pd_config_parse_without_seccomp(json, len, bundle, file, false, out, err);
}

int pd_config_parse_without_seccomp(const char *json, size_t len, const char *bundle,
                                    const char *file, bool without, struct pd_config **out,
                                    pd_error **err)
{
    static const char *const seccomp[] = {"linux", "seccomp", NULL};
    *out = NULL;
    struct pc c = { bundle, file ? file : "config.json", err };
    pd_json *root = NULL;
    if (pd_json_parse_without(json, len, without ? seccomp : NULL, &root, err) < 0) {
        if (bundle != NULL)
            return pd_wrap(err, "bundle %s: %s", bundle, c.file);
        return pd_wrap(err, "%s", c.file);
    }
    struct pd_config *cfg = pd_xcalloc(1, sizeof(*cfg));
    cfg->bundle = pd_xstrdup(bundle);
    cfg->file = pd_xstrdup(c.file);
    int r = parse_document(&c, root, cfg);
    pd_json_free(root);
    if (r < 0) {
        pd_config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int pd_config_load(const char *bundle, struct pd_config **out, pd_error **err)
{
    *out = NULL;
    _cleanup_free_ char *abs = realpath(bundle, NULL);
    if (abs == NULL)
        return pd_fail_errno(err, "bundle %s", bundle);
    _cleanup_free_ char *path = pd_xasprintf("%s/config.json", abs);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return pd_fail_errno(err, "bundle %s: config.json", abs);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return pd_fail_errno(err, "bundle %s: config.json", abs);
    if (!S_ISREG(st.st_mode))
        return pd_failx(err, "bundle %s: config.json: not a regular file", abs);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (pd_read_fd(fd, CONFIG_MAX_SIZE, &text, &len, err) < 0)
        return pd_wrap(err, "bundle %s: config.json", abs);
    return pd_config_parse(text, len, abs, "config.json", out, err);
}

static void hook_list_clear(struct pd_hook_list *l)
{
    for (size_t i = 0; l->v != NULL && i < l->n; i++) {
        free(l->v[i].path);
        pd_strv_free(l->v[i].args);
        pd_strv_free(l->v[i].env);
    }
    free(l->v);
}

void pd_config_free(struct pd_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->bundle);
    free(cfg->file);
    free(cfg->oci_version);
    free(cfg->root.path);
    pc_process_clear(&cfg->process);
    free(cfg->hostname);
    free(cfg->domainname);
    for (size_t i = 0; cfg->mounts != NULL && i < cfg->n_mounts; i++) {
        struct pd_mount *m = &cfg->mounts[i];
        free(m->destination);
        free(m->source);
        free(m->type);
        pd_strv_free(m->options);
        free(m->uid_mappings);
        free(m->gid_mappings);
    }
    free(cfg->mounts);
    for (int k = 0; k < PD_HOOK__COUNT; k++)
        hook_list_clear(&cfg->hooks[k]);
    pc_kv_free(cfg->annotations, cfg->n_annotations);
    pc_linux_clear(&cfg->linux_);
    free(cfg);
}
