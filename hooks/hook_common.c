#define _GNU_SOURCE
/* paddock's OCI hooks: reading the container state (hook_common.h). */
#include "hook_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "util.h"

#define STATE_MAX (1024 * 1024)

void pd_hook_state_free(struct pd_hook_state *s)
{
    if (s == NULL)
        return;
    free(s->id);
    free(s->status);
    free(s->bundle);
    pd_config_free(s->cfg);
    free(s->cfg_error);
    free(s);
}

static void freep_state(struct pd_hook_state **s) { pd_hook_state_free(*s); }

/* The state's annotations object into a pd_kv array (strings only). */
static int state_annotations(const pd_json *a, struct pd_kv **out, size_t *n, pd_error **err)
{
    *out = NULL;
    *n = 0;
    if (a == NULL || pd_json_type(a) == PD_JSON_NULL)
        return 0;
    if (pd_json_type(a) != PD_JSON_OBJECT)
        return pd_failx(err, "state: .annotations: expected an object, got %s", pd_json_type_name(a));
    size_t len = pd_json_len(a);
    struct pd_kv *kv = pd_xcalloc(len + 1, sizeof(*kv));
    for (size_t i = 0; i < len; i++) {
        const char *v = pd_json_string(pd_json_at(a, i));
        if (v == NULL) {
            for (size_t j = 0; j < i; j++) {
                free(kv[j].key);
                free(kv[j].value);
            }
            free(kv);
            return pd_failx(err, "state: .annotations[\"%s\"]: expected a string",
                            pd_json_key_at(a, i));
        }
        kv[i].key = pd_xstrdup(pd_json_key_at(a, i));
        kv[i].value = pd_xstrdup(v);
    }
    *out = kv;
    *n = len;
    return 0;
}

static void free_kv(struct pd_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static char *opt_string(const pd_json *doc, const char *key, bool *bad)
{
    const pd_json *v = pd_json_get(doc, key);
    if (v == NULL || pd_json_type(v) == PD_JSON_NULL)
        return NULL;
    const char *s = pd_json_string(v);
    if (s == NULL) {
        *bad = true;
        return NULL;
    }
    return pd_xstrdup(s);
}

int pd_hook_state_read(int fd, struct pd_hook_state **out, pd_error **err)
{
    *out = NULL;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (pd_read_fd(fd, STATE_MAX, &text, &len, err) < 0)
        return pd_wrap(err, "read the container state from stdin");
    if (len == 0)
        return pd_failx(err, "no container state on stdin (a hook gets the runtime-spec state JSON there)");
    pd_json *doc = NULL;
    if (pd_json_parse(text, len, &doc, err) < 0)
        return pd_wrap(err, "container state on stdin");
    __attribute__((cleanup(freep_state))) struct pd_hook_state *s = pd_xcalloc(1, sizeof(*s));
    int rc = -1;
    bool bad = false;
    if (pd_json_type(doc) != PD_JSON_OBJECT) {
        pd_failx(err, "container state: expected a JSON object, got %s", pd_json_type_name(doc));
        goto out;
    }
    s->id = opt_string(doc, "id", &bad);
    if (bad || s->id == NULL || s->id[0] == '\0') {
        pd_failx(err, "container state: .id: expected a non-empty string");
        goto out;
    }
    s->status = opt_string(doc, "status", &bad);
    s->bundle = opt_string(doc, "bundle", &bad);
    if (bad) {
        pd_failx(err, "container state: .status and .bundle must be strings");
        goto out;
    }
    if (s->bundle != NULL && s->bundle[0] != '/') {
        pd_failx(err, "container state: .bundle: expected an absolute path, got \"%s\"", s->bundle);
        goto out;
    }
    const pd_json *pid = pd_json_get(doc, "pid");
    if (pid != NULL && pd_json_type(pid) != PD_JSON_NULL) {
        int64_t p;
        if (!pd_json_int64(pid, &p) || p < 0) {
            pd_failx(err, "container state: .pid: expected a non-negative integer");
            goto out;
        }
        /* 0 is what a runtime writes for "no process" (a stopped container). */
        s->has_pid = p > 0;
        s->pid = p;
    }
    struct pd_kv *ann = NULL;
    size_t n_ann = 0;
    bool has_ann = pd_json_get(doc, "annotations") != NULL;
    if (state_annotations(pd_json_get(doc, "annotations"), &ann, &n_ann, err) < 0)
        goto out;

    pd_error *cerr = NULL;
    if (s->bundle != NULL && pd_config_load(s->bundle, &s->cfg, &cerr) == 0) {
        s->cfg_loaded = true;
    } else {
        if (cerr != NULL)
            s->cfg_error = pd_xstrdup(cerr->msg);
        else
            s->cfg_error = pd_xstrdup("the state names no bundle");
        pd_error_free(cerr);
        s->cfg = pd_xcalloc(1, sizeof(*s->cfg));
        s->cfg->bundle = s->bundle ? pd_xstrdup(s->bundle) : NULL;
        s->cfg->file = pd_xstrdup("state");
    }
    if (has_ann) {
        free_kv(s->cfg->annotations, s->cfg->n_annotations);
        s->cfg->annotations = ann;
        s->cfg->n_annotations = n_ann;
    }
    *out = pd_steal_ptr(&s);
    rc = 0;
out:
    pd_json_free(doc);
    return rc;
}

const char *pd_hook_annotation(const struct pd_hook_state *s, const char *key)
{
    for (size_t i = 0; s->cfg != NULL && i < s->cfg->n_annotations; i++) {
        if (strcmp(s->cfg->annotations[i].key, key) == 0)
            return s->cfg->annotations[i].value;
    }
    return NULL;
}

char *pd_hook_policy_json(const struct pd_hook_state *s)
{
    pd_jgen *g = pd_jgen_new(false);
    pd_jgen_map_open(g);
    for (size_t i = 0; s->cfg != NULL && i < s->cfg->n_annotations; i++) {
        const struct pd_kv *kv = &s->cfg->annotations[i];
        if (strncasecmp(kv->key, PD_AGENT_PREFIX, strlen(PD_AGENT_PREFIX)) == 0)
            pd_jgen_kv_string(g, kv->key, kv->value);
    }
    pd_jgen_map_close(g);
    size_t len;
    return pd_jgen_finish(g, &len);
}

const char *pd_hook_engine(const struct pd_hook_state *s)
{
    const char *m = pd_hook_annotation(s, "io.container.manager");
    if (m != NULL && strcmp(m, "libpod") == 0)
        return "podman";
    /* podman also writes io.kubernetes.cri-o.* keys, and its poststop state
     * lacks io.container.manager: its own keys first. */
    for (size_t i = 0; s->cfg != NULL && i < s->cfg->n_annotations; i++) {
        if (strncmp(s->cfg->annotations[i].key, "io.podman.annotations.", 22) == 0)
            return "podman";
    }
    for (size_t i = 0; s->cfg != NULL && i < s->cfg->n_annotations; i++) {
        const char *k = s->cfg->annotations[i].key;
        if (strncmp(k, "io.kubernetes.cri-o.", 20) == 0)
            return "cri-o";
        if (strncmp(k, "io.kubernetes.cri.", 18) == 0)
            return "containerd-cri";
    }
    return NULL;
}

int pd_hook_fail(const char *prog, const pd_error *err)
{
    fprintf(stderr, "%s: %s\n", prog, err && err->msg ? err->msg : "unknown error");
    return 1;
}

struct pd_hook_state *pd_hook_state_stdin(const char *prog)
{
    pd_error *err = NULL;
    struct pd_hook_state *st = NULL;
    if (pd_hook_state_read(STDIN_FILENO, &st, &err) < 0) {
        pd_hook_fail(prog, err);
        pd_error_free(err);
        return NULL;
    }
    return st;
}
