/* paddock: the system policy.  See policy.h. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "sandbox.h"
#include "util.h"

/* ---- where each top-level key is ----
 * A small scanner over the text: strings (with escapes), depth, and the
 * string that starts a member at depth 1. */

/* The member that starts at the key's quote: up to the ',' or '}' that ends
 * it, or the end of the line. */
static char *member_text(const char *text, size_t len, size_t at)
{
    size_t e = at;
    int depth = 0;
    bool in_str = false;
    for (; e < len && text[e] != '\n'; e++) {
        char c = text[e];
        if (in_str) {
            e += c == '\\';
            in_str = c != '"';
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth-- == 0) {
            break;
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    while (e > at && (text[e - 1] == ' ' || text[e - 1] == '\r' || text[e - 1] == '\t'))
        e--;
    return pd_xasprintf("%.*s", (int)(e - at), text + at);
}

static bool key_line(const char *text, size_t len, const char *key, int *line, char **linetext)
{
    int depth = 0, ln = 1;
    bool expect_key = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n')
            ln++;
        else if (c == '{' || c == '[')
            depth++, expect_key = c == '{' && depth == 1;
        else if (c == '}' || c == ']')
            depth--;
        else if (c == ',' && depth == 1)
            expect_key = true;
        else if (c == '"') {
            size_t start = i + 1, j = start;
            while (j < len && text[j] != '"')
                j += text[j] == '\\' ? 2 : 1;
            bool match = expect_key && depth == 1 && j - start == strlen(key) &&
                         strncmp(text + start, key, j - start) == 0;
            expect_key = false;
            if (match) {
                *line = ln;
                *linetext = member_text(text, len, i);
                return true;
            }
            i = j;
        }
    }
    return false;
}

/* ---- parsing ---- */

static int bad(pd_error **err, const char *path, const struct pd_policy_item *it, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));
static int bad(pd_error **err, const char *path, const struct pd_policy_item *it, const char *fmt,
               ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    pd_failx(err, "system policy %s line %d: %s", path, it->line, msg);
    if (err != NULL && *err != NULL)
        (*err)->exit_code = PD_EXIT_RUNTIME;
    return -1;
}

static bool is_mode(const char *s, enum pd_sandbox_mode *m)
{
    return s != NULL && pd_sandbox_mode_from_name(s, m);
}

static bool is_network(const char *s, enum pd_network_mode *n)
{
    static const enum pd_network_mode all[] = {PD_NETWORK_NONE, PD_NETWORK_ALLOW, PD_NETWORK_HOST};
    for (size_t i = 0; s != NULL && i < PD_ARRAY_SIZE(all); i++)
        if (strcmp(s, pd_network_mode_name(all[i])) == 0) {
            *n = all[i];
            return true;
        }
    return false;
}

static struct pd_policy_item *slot(struct pd_policy *p, const char *key)
{
    static const char *const keys[] = {"max_sandbox", "fallback", "max_network",
                                       "host_network_without_netns", "allow_nested_userns",
                                       "audit_log"};
    struct pd_policy_item *items[] = {&p->max_sandbox, &p->fallback, &p->max_network,
                                      &p->host_network, &p->nested, &p->audit};
    for (size_t i = 0; i < PD_ARRAY_SIZE(keys); i++)
        if (strcmp(key, keys[i]) == 0)
            return items[i];
    return NULL;
}

static int value(struct pd_policy *p, const char *key, const pd_json *v,
                 const struct pd_policy_item *it, pd_error **err)
{
    const char *s = pd_json_string(v);
    bool b;
    if (strcmp(key, "max_sandbox") == 0 && !is_mode(s, &p->max_sandbox_v))
        return bad(err, p->path, it, "\"max_sandbox\": expected read-only, workspace-write "
                   "or danger-full-access");
    if (strcmp(key, "fallback") == 0) {
        if (s == NULL || (strcmp(s, "refuse") != 0 && strcmp(s, "auto") != 0))
            return bad(err, p->path, it, "\"fallback\": expected refuse or auto");
        p->fallback_v = strcmp(s, "auto") == 0 ? PD_FALLBACK_AUTO : PD_FALLBACK_REFUSE;
    }
    if (strcmp(key, "max_network") == 0 && !is_network(s, &p->max_network_v))
        return bad(err, p->path, it, "\"max_network\": expected none, allow or host");
    if (strcmp(key, "host_network_without_netns") == 0 || strcmp(key, "allow_nested_userns") == 0) {
        if (!pd_json_bool(v, &b))
            return bad(err, p->path, it, "\"%s\": expected true or false", key);
        *(key[0] == 'h' ? &p->host_network_v : &p->nested_v) = b;
    }
    if (strcmp(key, "audit_log") == 0) {
        if (s == NULL || s[0] != '/' || strstr(s, "/../") != NULL)
            return bad(err, p->path, it, "\"audit_log\": expected an absolute path");
        p->audit_log_v = pd_xstrdup(s);
    }
    return 0;
}

/* One member; it->text is taken when the member is stored. */
static int member(struct pd_policy *p, const char *key, const pd_json *v, struct pd_policy_item *it,
                  pd_error **err)
{
    if (strcmp(key, "$schema") == 0 || strcmp(key, "comment") == 0)
        return 0;
    struct pd_policy_item *dst = slot(p, key);
    if (dst == NULL)
        return bad(err, p->path, it, "unknown key \"%s\" (known: max_sandbox, fallback, "
                   "max_network, host_network_without_netns, allow_nested_userns, audit_log, "
                   "comment, $schema)", key);
    if (dst->set)
        return bad(err, p->path, it, "\"%s\" is already set on line %d", key, dst->line);
    if (value(p, key, v, it, err) < 0)
        return -1;
    *dst = *it;
    it->text = NULL;
    return 0;
}

int pd_policy_parse(const char *text, size_t len, const char *path, struct pd_policy *p,
                    pd_error **err)
{
    memset(p, 0, sizeof(*p));
    p->present = true;
    p->path = pd_xstrdup(path);
    p->nested_v = true;
    pd_json *root = NULL;
    if (pd_json_parse(text, len, &root, err) < 0) {
        pd_wrap(err, "system policy %s", path);
        (*err)->exit_code = PD_EXIT_RUNTIME;
        return -1;
    }
    int r = 0;
    if (pd_json_type(root) != PD_JSON_OBJECT) {
        struct pd_policy_item top = {.line = 1};
        r = bad(err, path, &top, "expected a JSON object");
    }
    for (size_t i = 0; r == 0 && i < pd_json_len(root); i++) {
        const char *key = pd_json_key_at(root, i);
        struct pd_policy_item it = {.set = true};
        if (!key_line(text, len, key, &it.line, &it.text))
            it.line = 1, it.text = pd_xasprintf("\"%s\"", key);
        r = member(p, key, pd_json_at(root, i), &it, err);
        free(it.text);
    }
    pd_json_free(root);
    return r;
}

void pd_policy_free(struct pd_policy *p)
{
    struct pd_policy_item *items[] = {&p->max_sandbox, &p->fallback, &p->max_network,
                                      &p->host_network, &p->nested, &p->audit};
    for (size_t i = 0; i < PD_ARRAY_SIZE(items); i++)
        free(items[i]->text);
    free(p->path);
    free(p->audit_log_v);
    memset(p, 0, sizeof(*p));
}
