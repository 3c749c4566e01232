/* paddock: seccomp profiles from files and built-in profiles.
 *
 * A profile file holds a bare OCI linux.seccomp object.  It is parsed by the
 * config parser's own .linux code (pc_parse_linux) so that a profile and a
 * config.json's .linux.seccomp accept exactly the same input: the text is
 * wrapped as {"seccomp": <text>} and the ".seccomp" prefix is then dropped
 * from error paths, so they are relative to the file's document.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "seccomp_profile.h"

#include <string.h>

#include "config_internal.h"
#include "util.h"

/* Built-in profiles are embedded with the GNU assembler's .incbin directive:
 * no generated sources and no extra build step.  The path is relative to the
 * directory the compiler runs in, which is the repository root (the Makefile
 * compiles "runtime/x.c" from there).  A NUL byte follows the text so it can
 * be used as a C string.  Note: the object must be rebuilt when the JSON
 * changes; make only knows that if the rule lists the file as a prerequisite. */
__asm__(".pushsection .rodata\n"
        ".balign 16\n"
        "pd_profile_agent_default_start:\n"
        ".incbin \"spec/profiles/agent-default.json\"\n"
        "pd_profile_agent_default_end:\n"
        ".byte 0\n"
        ".popsection\n");
extern const char pd_profile_agent_default_start[];
extern const char pd_profile_agent_default_end[];

#define MAX_PROFILE_SIZE (4u << 20)
#define WRAP_HEAD "{\"seccomp\":\n"
#define WRAP_TAIL "\n}"

static const struct {
    const char *name;
    const char *start;
    const char *end;
} builtins[] = {
    { "agent-default", pd_profile_agent_default_start, pd_profile_agent_default_end },
};

const char *pd_seccomp_profile_builtin_text(const char *name, size_t *len)
{
    for (size_t i = 0; name != NULL && i < PD_ARRAY_SIZE(builtins); i++) {
        if (strcmp(builtins[i].name, name) == 0) {
            if (len != NULL)
                *len = (size_t)(builtins[i].end - builtins[i].start);
            return builtins[i].start;
        }
    }
    return NULL;
}

void pd_seccomp_profile_free(struct pd_seccomp *sc)
{
    struct pd_linux lx;
    memset(&lx, 0, sizeof(lx));
    lx.seccomp = sc;
    pc_linux_clear(&lx);
}

/* "NAME: .seccomp.syscalls[3]: msg" -> "NAME: .syscalls[3]: msg" and
 * "NAME: .seccomp: msg" -> "NAME: .: msg". */
static void strip_wrapper_path(pd_error *e, const char *name)
{
    if (e == NULL || e->msg == NULL)
        return;
    _cleanup_free_ char *prefix = pd_xasprintf("%s: .seccomp", name);
    size_t pl = strlen(prefix);
    if (strncmp(e->msg, prefix, pl) != 0)
        return;
    const char *rest = e->msg + pl;
    char *msg;
    if (rest[0] == '.' || rest[0] == '[')
        msg = pd_xasprintf("%s: %s", name, rest);
    else if (rest[0] == ':')
        msg = pd_xasprintf("%s: .%s", name, rest);
    else
        return;
    free(e->msg);
    e->msg = msg;
}

int pd_seccomp_profile_parse(const char *json, size_t len, const char *name,
                             struct pd_seccomp **out, pd_error **err)
{
    *out = NULL;
    if (name == NULL)
        name = "seccomp profile";
    /* Parse the text alone first: syntax errors then report the file's own
     * line and column.  After that the wrapped text cannot fail to parse. */
    pd_json *root = NULL;
    if (pd_json_parse(json, len, &root, err) < 0)
        return pd_wrap(err, "%s", name);
    pd_json_free(root);
    root = NULL;

    size_t hl = strlen(WRAP_HEAD), tl = strlen(WRAP_TAIL);
    _cleanup_free_ char *wrapped = pd_xmalloc(hl + len + tl + 1);
    memcpy(wrapped, WRAP_HEAD, hl);
    memcpy(wrapped + hl, json, len);
    memcpy(wrapped + hl + len, WRAP_TAIL, tl + 1);
    if (pd_json_parse(wrapped, hl + len + tl, &root, err) < 0)
        return pd_wrap(err, "%s", name);

    struct pc c = { NULL, name, err };
    const struct jp rp = JP_ROOT_INIT;
    struct pd_linux lx;
    memset(&lx, 0, sizeof(lx));
    int rc = pc_parse_linux(&c, root, &rp, &lx);
    if (rc == 0 && lx.seccomp == NULL)
        rc = pc_fail(&c, NULL, "expected a seccomp object, got null");
    pd_json_free(root);
    if (rc < 0) {
        pc_linux_clear(&lx);
        strip_wrapper_path(err ? *err : NULL, name);
        return -1;
    }
    *out = lx.seccomp;
    lx.seccomp = NULL;
    pc_linux_clear(&lx);
    return 0;
}

int pd_seccomp_profile_load(const char *path, struct pd_seccomp **out, pd_error **err)
{
    *out = NULL;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (pd_read_file(path, MAX_PROFILE_SIZE, &text, &len, err) < 0)
        return pd_wrap(err, "seccomp profile");
    return pd_seccomp_profile_parse(text, len, path, out, err);
}

int pd_seccomp_profile_builtin(const char *name, struct pd_seccomp **out, pd_error **err)
{
    *out = NULL;
    size_t len = 0;
    const char *text = pd_seccomp_profile_builtin_text(name, &len);
    if (text == NULL)
        return pd_failx(err, "unknown built-in seccomp profile \"%s\" (known: agent-default)",
                        name ? name : "(null)");
    _cleanup_free_ char *label = pd_xasprintf("built-in seccomp profile %s", name);
    return pd_seccomp_profile_parse(text, len, label, out, err);
}

char *pd_seccomp_profile_splice(const char *text, const char *name, pd_error **err)
{
    size_t plen = 0;
    const char *profile = pd_seccomp_profile_builtin_text(name, &plen);
    const char *at = strstr(text, PD_SECCOMP_PROFILE_REF);
    if (profile == NULL || at == NULL) {
        pd_failx(err, "built-in seccomp profile %s: %s", name,
                 profile == NULL ? "unknown" : "no place for it in the config");
        return NULL;
    }
    return pd_xasprintf("%.*s%.*s%s", (int)(at - text), text, (int)plen, profile,
                        at + strlen(PD_SECCOMP_PROFILE_REF));
}
