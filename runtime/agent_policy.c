#define _GNU_SOURCE
/* paddock: parse and validate the dev.paddock.* annotations of an agent
 * bundle (spec/agent-bundle.md).  Pure: no syscalls.  Enforcement is later
 * work (#4 sandbox runtime, #5 network proxy, #6 overlay, #7 fallback). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent_policy.h"
#include "util.h"

const char *const pd_agent_default_protected[] = {
    ".git/hooks", ".git/config", ".git/info", ".paddock", ".codex", ".claude", ".agents",
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc",
    ".zshenv", ".zprofile", ".zlogin", ".gitconfig", ".gitmodules", ".mcp.json", NULL,
};

struct name_val {
    const char *name;
    int val;
};

static const struct name_val sandbox_names[] = {
    { "read-only", PD_SANDBOX_READ_ONLY },
    { "workspace-write", PD_SANDBOX_WORKSPACE_WRITE },
    { "danger-full-access", PD_SANDBOX_DANGER_FULL_ACCESS },
    { NULL, 0 },
};
static const struct name_val kind_names[] = {
    { "bind", PD_WORKSPACE_BIND }, { "overlay", PD_WORKSPACE_OVERLAY }, { NULL, 0 },
};
static const struct name_val network_names[] = {
    { "none", PD_NETWORK_NONE }, { "host", PD_NETWORK_HOST }, { "allow", PD_NETWORK_ALLOW },
    { NULL, 0 },
};
static const struct name_val fallback_names[] = {
    { "auto", PD_FALLBACK_AUTO }, { "refuse", PD_FALLBACK_REFUSE }, { NULL, 0 },
};
static const struct name_val bool_names[] = { { "true", 1 }, { "false", 0 }, { NULL, 0 } };

static const char *name_of(const struct name_val *t, int v)
{
    for (; t->name != NULL; t++) {
        if (t->val == v)
            return t->name;
    }
    return "?";
}

const char *pd_sandbox_mode_name(enum pd_sandbox_mode m) { return name_of(sandbox_names, (int)m); }
const char *pd_workspace_kind_name(enum pd_workspace_kind k) { return name_of(kind_names, (int)k); }
const char *pd_network_mode_name(enum pd_network_mode n) { return name_of(network_names, (int)n); }
const char *pd_fallback_name(enum pd_fallback f) { return name_of(fallback_names, (int)f); }

bool pd_sandbox_mode_from_name(const char *s, enum pd_sandbox_mode *out)
{
    for (const struct name_val *t = sandbox_names; t->name != NULL; t++) {
        if (s != NULL && strcmp(s, t->name) == 0) {
            *out = (enum pd_sandbox_mode)t->val;
            return true;
        }
    }
    return false;
}

enum pd_network_mode pd_sandbox_default_network(enum pd_sandbox_mode m)
{
    return m == PD_SANDBOX_DANGER_FULL_ACCESS ? PD_NETWORK_HOST : PD_NETWORK_NONE;
}

/* ------------------------------------------------------------ errors */

struct ap {
    const struct pd_config *cfg;
    struct pd_agent_policy *p;
    pd_error **err;
};

static int key_fail(const struct ap *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int key_fail(const struct ap *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    const char *file = c->cfg->file != NULL ? c->cfg->file : "config.json";
    if (c->cfg->bundle != NULL)
        pd_failx(c->err, "bundle %s: %s: .annotations[\"%s\"]: %s", c->cfg->bundle, file, key, msg);
    else
        pd_failx(c->err, "%s: .annotations[\"%s\"]: %s", file, key, msg);
    free(msg);
    return -1;
}

/* "a, b or c" */
static char *expected_list(const struct name_val *t)
{
    char *s = pd_xstrdup("");
    for (size_t i = 0; t[i].name != NULL; i++) {
        const char *sep = i == 0 ? "" : t[i + 1].name == NULL ? " or " : ", ";
        char *n = pd_xasprintf("%s%s%s", s, sep, t[i].name);
        free(s);
        s = n;
    }
    return s;
}

static int parse_enum(const struct ap *c, const char *key, const char *val,
                      const struct name_val *t, int *out)
{
    for (const struct name_val *e = t; e->name != NULL; e++) {
        if (strcmp(val, e->name) == 0) {
            *out = e->val;
            return 0;
        }
    }
    _cleanup_free_ char *exp = expected_list(t);
    return key_fail(c, key, "unknown value \"%s\" (expected %s)", val, exp);
}

/* ------------------------------------------------------------ values */

/* Split s at sep into a NULL-terminated vector; "" gives an empty vector. */
static char **split(const char *s, char sep, bool trim, size_t *n)
{
    size_t cap = 1;
    for (const char *q = s; *q; q++)
        cap += *q == sep;
    char **v = pd_xcalloc(cap + 1, sizeof(*v));
    *n = 0;
    if (*s == '\0')
        return v;
    for (const char *q = s;;) {
        const char *end = strchr(q, sep);
        size_t len = end ? (size_t)(end - q) : strlen(q);
        while (trim && len > 0 && isspace((unsigned char)*q)) {
            q++;
            len--;
        }
        while (trim && len > 0 && isspace((unsigned char)q[len - 1]))
            len--;
        v[(*n)++] = strndup(q, len);
        if (v[*n - 1] == NULL)
            abort();
        if (end == NULL)
            break;
        q = end + 1;
    }
    return v;
}

static bool has_dotdot(const char *path)
{
    for (const char *q = path; *q;) {
        size_t len = strcspn(q, "/");
        if (len == 2 && q[0] == '.' && q[1] == '.')
            return true;
        q += len;
        q += *q == '/';
    }
    return false;
}

static int check_abs(const struct ap *c, const char *key, const char *path)
{
    if (path[0] != '/')
        return key_fail(c, key, "\"%s\" is not an absolute path", path);
    if (has_dotdot(path))
        return key_fail(c, key, "\"%s\" contains a \"..\" component", path);
    return 0;
}

static int parse_abs_path(const struct ap *c, const char *key, const char *val, char **out)
{
    if (val[0] == '\0')
        return key_fail(c, key, "empty value (expected an absolute path)");
    if (check_abs(c, key, val) < 0)
        return -1;
    free(*out);
    *out = pd_xstrdup(val);
    return 0;
}

/* A colon-separated list of paths; absolute ones only unless allow_rel. */
static int parse_path_list(const struct ap *c, const char *key, const char *val, bool allow_rel,
                           char ***out, size_t *n)
{
    size_t cnt = 0;
    _cleanup_strv_ char **v = split(val, ':', false, &cnt);
    for (size_t i = 0; i < cnt; i++) {
        if (v[i][0] == '\0')
            return key_fail(c, key, "empty entry %zu in \"%s\" (expected %s paths separated by ':')",
                            i + 1, val, allow_rel ? "non-empty" : "absolute");
        if (!allow_rel && check_abs(c, key, v[i]) < 0)
            return -1;
        if (allow_rel && has_dotdot(v[i]))
            return key_fail(c, key, "\"%s\" contains a \"..\" component", v[i]);
    }
    pd_strv_free(*out);
    *out = pd_steal_ptr(&v);
    *n = cnt;
    return 0;
}

static int parse_count(const struct ap *c, const char *key, const char *val, const char *what,
                       uint64_t *out, bool *has)
{
    unsigned long long x = 0;
    if (!isdigit((unsigned char)val[0]) || !pd_parse_u64(val, &x) || x == 0)
        return key_fail(c, key, "invalid value \"%s\" (expected %s)", val, what);
    *out = x;
    *has = true;
    return 0;
}

bool pd_parse_size(const char *val, uint64_t *out)
{
    _cleanup_free_ char *num = pd_xstrdup(val);
    size_t len = strlen(num);
    unsigned shift = 0;
    if (len > 0) {
        const char *sfx = strchr("kKmMgG", num[len - 1]);
        if (sfx != NULL && num[len - 1] != '\0') {
            shift = 10 * (1 + (unsigned)(sfx - "kKmMgG") / 2);
            num[len - 1] = '\0';
        }
    }
    unsigned long long x = 0;
    if (!isdigit((unsigned char)num[0]) || !pd_parse_u64(num, &x) || x == 0 ||
        (shift > 0 && x > (UINT64_MAX >> shift)))
        return false;
    *out = (uint64_t)x << shift;
    return true;
}

bool pd_parse_cpus_milli(const char *val, uint64_t *out)
{
    uint64_t whole = 0, frac = 0;
    const char *q = val;
    int nd = 0, nf = 0;
    for (; isdigit((unsigned char)*q) && nd < 7; q++, nd++)
        whole = whole * 10 + (uint64_t)(*q - '0');
    if (*q == '.') {
        for (q++; isdigit((unsigned char)*q) && nf < 3; q++, nf++)
            frac = frac * 10 + (uint64_t)(*q - '0');
        if (nf == 0)
            nd = 0;
    }
    for (int i = nf; i < 3; i++)
        frac *= 10;
    if (nd == 0 || *q != '\0' || whole * 1000 + frac == 0)
        return false;
    *out = whole * 1000 + frac;
    return true;
}

static int parse_memory(const struct ap *c, const char *key, const char *val)
{
    if (!pd_parse_size(val, &c->p->memory))
        return key_fail(c, key, "invalid value \"%s\" (expected %s)", val, PD_SIZE_EXPECTED);
    c->p->has_memory = true;
    return 0;
}

static int parse_cpus(const struct ap *c, const char *key, const char *val)
{
    if (!pd_parse_cpus_milli(val, &c->p->cpus_milli))
        return key_fail(c, key, "invalid value \"%s\" (expected %s)", val, PD_CPUS_EXPECTED);
    c->p->has_cpus = true;
    return 0;
}

/* ------------------------------------------------------------ network patterns */

static bool valid_hostname(const char *h, size_t len)
{
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = h[i];
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_')
            return false;
        if (ch == '-' && label == 0)
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && h[len - 1] != '-';
}

static bool valid_port(const char *s)
{
    unsigned long long x = 0;
    return isdigit((unsigned char)s[0]) && pd_parse_u64(s, &x) && x >= 1 && x <= 65535;
}

/* host[:port], *.domain[:port], *[:port] or [ipv6][:port].  *broad: the host
 * part is "*" (every host) or "*.tld" (a whole top-level domain). */
static bool valid_pattern(const char *pat, int *broad)
{
    const char *host = pat, *port = NULL;
    size_t hlen;
    *broad = 0;
    if (pat[0] == '[') {
        const char *close = strchr(pat, ']');
        if (close == NULL || close == pat + 1)
            return false;
        for (const char *q = pat + 1; q < close; q++) {
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
                return false;
        }
        if (close[1] != '\0' && close[1] != ':')
            return false;
        return close[1] == '\0' || valid_port(close + 2);
    }
    const char *colon = strchr(pat, ':');
    hlen = colon ? (size_t)(colon - pat) : strlen(pat);
    port = colon ? colon + 1 : NULL;
    if (port != NULL && !valid_port(port))
        return false;
    if (hlen == 1 && host[0] == '*') {
        *broad = 1;
        return true;
    }
    if (hlen > 2 && host[0] == '*' && host[1] == '.') {
        host += 2;
        hlen -= 2;
        if (memchr(host, '.', hlen) == NULL)
            *broad = 2;
    }
    return valid_hostname(host, hlen);
}

static int parse_hosts(const struct ap *c, const char *key, const char *val, bool is_allow,
                       char ***out, size_t *n)
{
    size_t cnt = 0;
    _cleanup_strv_ char **v = split(val, ',', true, &cnt);
    if (cnt == 0)
        return key_fail(c, key, "empty list (expected comma-separated host[:port] patterns)");
    for (size_t i = 0; i < cnt; i++) {
        int broad = 0;
        if (!valid_pattern(v[i], &broad))
            return key_fail(c, key, "invalid pattern \"%s\" (expected host[:port], "
                            "*.domain[:port] or [ipv6][:port], separated by ',')", v[i]);
        if (is_allow && broad && !c->p->force_wildcards)
            return key_fail(c, key, "pattern \"%s\" matches %s; refused unless "
                            PD_AGENT_PREFIX "network.force-wildcards=true", v[i],
                            broad == 1 ? "every host" : "a whole top-level domain");
    }
    pd_strv_free(*out);
    *out = pd_steal_ptr(&v);
    *n = cnt;
    return 0;
}

/* ------------------------------------------------------------ keys */

typedef int (*key_fn)(const struct ap *c, const char *key, const char *val);

static int k_sandbox(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, sandbox_names, &v) < 0)
        return -1;
    c->p->sandbox = (enum pd_sandbox_mode)v;
    c->p->network = pd_sandbox_default_network(c->p->sandbox);
    return 0;
}

static int k_force(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, bool_names, &v) < 0)
        return -1;
    c->p->force_wildcards = v != 0;
    return 0;
}

static int k_workspace(const struct ap *c, const char *key, const char *val)
{
    return parse_abs_path(c, key, val, &c->p->workspace);
}

static int k_kind(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, kind_names, &v) < 0)
        return -1;
    c->p->workspace_kind = (enum pd_workspace_kind)v;
    return 0;
}

static int k_rootfs_kind(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, kind_names, &v) < 0)
        return -1;
    c->p->rootfs_kind = (enum pd_workspace_kind)v;
    return 0;
}

static int k_writable(const struct ap *c, const char *key, const char *val)
{
    if (c->p->sandbox == PD_SANDBOX_READ_ONLY && val[0] != '\0')
        return key_fail(c, key, "not allowed with " PD_AGENT_PREFIX "sandbox=read-only "
                        "(use workspace-write)");
    return parse_path_list(c, key, val, false, &c->p->writable_roots, &c->p->n_writable_roots);
}

static int k_protected(const struct ap *c, const char *key, const char *val)
{
    return parse_path_list(c, key, val, true, &c->p->protected_paths, &c->p->n_protected_paths);
}

static int k_network(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, network_names, &v) < 0)
        return -1;
    c->p->network = (enum pd_network_mode)v;
    return 0;
}

static int k_allow(const struct ap *c, const char *key, const char *val)
{
    return parse_hosts(c, key, val, true, &c->p->network_allow, &c->p->n_network_allow);
}

static int k_deny(const struct ap *c, const char *key, const char *val)
{
    return parse_hosts(c, key, val, false, &c->p->network_deny, &c->p->n_network_deny);
}

/* name=ip,...: fixed answers for the proxy's resolver (like curl's --resolve) */
static int k_resolve(const struct ap *c, const char *key, const char *val)
{
    size_t cnt = 0;
    _cleanup_strv_ char **v = split(val, ',', true, &cnt);
    if (cnt == 0)
        return key_fail(c, key, "empty list (expected comma-separated name=ip)");
    for (size_t i = 0; i < cnt; i++) {
        char *eq = strchr(v[i], '=');
        unsigned char buf[16];
        int broad = 0;
        if (eq == NULL || eq == v[i])
            return key_fail(c, key, "invalid entry \"%s\" (expected name=ip)", v[i]);
        *eq = '\0';
        bool ok = valid_pattern(v[i], &broad) && broad == 0 && strchr(v[i], ':') == NULL &&
                  v[i][0] != '*' && (inet_pton(AF_INET, eq + 1, buf) == 1 ||
                                     inet_pton(AF_INET6, eq + 1, buf) == 1);
        *eq = '=';
        if (!ok)
            return key_fail(c, key, "invalid entry \"%s\" (expected name=ip, an IPv4 or IPv6 "
                            "address)", v[i]);
    }
    pd_strv_free(c->p->network_resolve);
    c->p->network_resolve = pd_steal_ptr(&v);
    c->p->n_network_resolve = cnt;
    return 0;
}

static int k_approver(const struct ap *c, const char *key, const char *val)
{
    return parse_abs_path(c, key, val, &c->p->network_approver);
}

static int k_approver_timeout(const struct ap *c, const char *key, const char *val)
{
    unsigned long long v = 0;
    if (!isdigit((unsigned char)val[0]) || !pd_parse_u64(val, &v) || v < 1 || v > 3600)
        return key_fail(c, key, "expected seconds from 1 to 3600, got \"%s\"", val);
    c->p->approver_timeout = v;
    return 0;
}

static int k_nested(const struct ap *c, const char *key, const char *val)
{
    static const struct name_val names[] = { { "deny", 0 }, { "allow", 1 }, { NULL, 0 } };
    int v = 0;
    if (parse_enum(c, key, val, names, &v) < 0)
        return -1;
    c->p->nested_userns = v != 0;
    return 0;
}

static int k_fallback(const struct ap *c, const char *key, const char *val)
{
    int v = 0;
    if (parse_enum(c, key, val, fallback_names, &v) < 0)
        return -1;
    c->p->fallback = (enum pd_fallback)v;
    return 0;
}

static int k_audit(const struct ap *c, const char *key, const char *val)
{
    return parse_abs_path(c, key, val, &c->p->audit_log);
}

static int k_memory(const struct ap *c, const char *key, const char *val)
{
    return parse_memory(c, key, val);
}

static int k_pids(const struct ap *c, const char *key, const char *val)
{
    return parse_count(c, key, val, "a positive integer", &c->p->pids, &c->p->has_pids);
}

static int k_cpus(const struct ap *c, const char *key, const char *val)
{
    return parse_cpus(c, key, val);
}

static int k_timeout(const struct ap *c, const char *key, const char *val)
{
    return parse_count(c, key, val, "a positive integer number of seconds", &c->p->timeout,
                       &c->p->has_timeout);
}

/* dev.paddock.snapshot.on-stop: a snapshot name ([A-Za-z0-9][A-Za-z0-9_.-]*,
 * at most 128 bytes) in which "{id}" stands for the container's id; read by
 * hooks/paddock-hook-snapshot, which snapshots the workspace at poststop. */
static int k_snapshot_on_stop(const struct ap *c, const char *key, const char *val)
{
    size_t n = 0;
    for (const char *s = val; *s != '\0'; n++) {
        bool id = strncmp(s, "{id}", 4) == 0;
        char ch = id ? 'i' : *s;
        if (!(isalnum((unsigned char)ch) || (n > 0 && (ch == '_' || ch == '.' || ch == '-'))))
            return key_fail(c, key, "\"%s\" is not a snapshot name ([A-Za-z0-9][A-Za-z0-9_.-]*, "
                            "\"{id}\" for the container's id)", val);
        s += id ? 4 : 1;
    }
    if (n == 0 || strlen(val) > 128)
        return key_fail(c, key, "expected a snapshot name of 1 to 128 bytes");
    free(c->p->snapshot_on_stop);
    c->p->snapshot_on_stop = pd_xstrdup(val);
    return 0;
}

/* Phase 0 keys are read first: the others' defaults and checks depend on them. */
static const struct {
    const char *key;
    int phase;
    key_fn fn;
} keys[] = {
    { PD_AGENT_PREFIX "sandbox", 0, k_sandbox },
    { PD_AGENT_PREFIX "network.force-wildcards", 0, k_force },
    { PD_AGENT_PREFIX "workspace", 1, k_workspace },
    { PD_AGENT_PREFIX "workspace.kind", 1, k_kind },
    { PD_AGENT_PREFIX "rootfs.kind", 1, k_rootfs_kind },
    { PD_AGENT_PREFIX "writable-roots", 1, k_writable },
    { PD_AGENT_PREFIX "protected-paths", 1, k_protected },
    { PD_AGENT_PREFIX "network", 1, k_network },
    { PD_AGENT_PREFIX "network.allow", 1, k_allow },
    { PD_AGENT_PREFIX "network.deny", 1, k_deny },
    { PD_AGENT_PREFIX "network.resolve", 1, k_resolve },
    { PD_AGENT_PREFIX "network.approver", 1, k_approver },
    { PD_AGENT_PREFIX "network.approver-timeout", 1, k_approver_timeout },
    { PD_AGENT_PREFIX "fallback", 1, k_fallback },
    { PD_AGENT_PREFIX "nested-userns", 1, k_nested },
    { PD_AGENT_PREFIX "audit-log", 1, k_audit },
    { PD_AGENT_PREFIX "limits.memory", 1, k_memory },
    { PD_AGENT_PREFIX "limits.pids", 1, k_pids },
    { PD_AGENT_PREFIX "limits.cpus", 1, k_cpus },
    { PD_AGENT_PREFIX "limits.timeout", 1, k_timeout },
    { PD_AGENT_PREFIX "snapshot.on-stop", 1, k_snapshot_on_stop },
};

/* ------------------------------------------------------------ unknown keys */

/* Levenshtein distance, capped: strings over 128 bytes count as far apart. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 128 || lb > 128)
        return (size_t)-1;
    size_t row[129];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int key_index(const char *key)
{
    for (size_t i = 0; i < PD_ARRAY_SIZE(keys); i++) {
        if (strcmp(keys[i].key, key) == 0)
            return (int)i;
    }
    return -1;
}

static const char *nearest_key(const char *key)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < PD_ARRAY_SIZE(keys); i++) {
        size_t d = edit_distance(key, keys[i].key);
        if (d < best_d) {
            best_d = d;
            best = keys[i].key;
        }
    }
    return best;
}

/* An annotation under the prefix (in any case) that is no known key, or one
 * outside it that is a near miss of a known key ("dev.padock.sandbox"). */
static int check_unknown(const struct ap *c, const char *key)
{
    const size_t plen = strlen(PD_AGENT_PREFIX);
    if (key_index(key) >= 0)
        return 0;
    const char *near = nearest_key(key);
    bool ours = strncasecmp(key, PD_AGENT_PREFIX, plen) == 0;
    if (near != NULL)
        return key_fail(c, key, "unknown key (did you mean \"%s\"?)", near);
    if (ours)
        return key_fail(c, key, "unknown key (the " PD_AGENT_PREFIX "* keys are listed in "
                        "spec/agent-bundle.md)");
    return 0;
}

/* ------------------------------------------------------------ policy */

static void set_defaults(struct pd_agent_policy *p)
{
    p->sandbox = PD_SANDBOX_WORKSPACE_WRITE;
    p->network = pd_sandbox_default_network(p->sandbox);
    p->workspace_kind = PD_WORKSPACE_BIND;
    p->rootfs_kind = PD_WORKSPACE_BIND;
    p->fallback = PD_FALLBACK_REFUSE;
    p->writable_roots = pd_xcalloc(1, sizeof(char *));
    p->network_allow = pd_xcalloc(1, sizeof(char *));
    p->network_deny = pd_xcalloc(1, sizeof(char *));
    p->network_resolve = pd_xcalloc(1, sizeof(char *));
    p->approver_timeout = 30;
    p->protected_paths = pd_strv_dup((char *const *)pd_agent_default_protected);
    p->n_protected_paths = pd_strv_len(p->protected_paths);
}

/* Rules between keys, once every key is read. */
static int check_cross(const struct ap *c)
{
    const struct pd_agent_policy *p = c->p;
    const char *net = pd_network_mode_name(p->network);
    if (p->network == PD_NETWORK_ALLOW && p->n_network_allow == 0)
        return key_fail(c, PD_AGENT_PREFIX "network", "\"allow\" needs a non-empty "
                        PD_AGENT_PREFIX "network.allow");
    if (p->network != PD_NETWORK_ALLOW && p->n_network_allow > 0)
        return key_fail(c, PD_AGENT_PREFIX "network.allow", "only allowed with "
                        PD_AGENT_PREFIX "network=allow (the network is \"%s\")", net);
    if (p->network != PD_NETWORK_ALLOW && (p->n_network_resolve > 0 || p->network_approver))
        return key_fail(c, PD_AGENT_PREFIX "network", "network.resolve and network.approver "
                        "need " PD_AGENT_PREFIX "network=allow (the network is \"%s\")", net);
    if (p->network != PD_NETWORK_ALLOW && p->n_network_deny > 0)
        return key_fail(c, PD_AGENT_PREFIX "network.deny", "only allowed with "
                        PD_AGENT_PREFIX "network=allow (the network is \"%s\")", net);
    return 0;
}

static int read_keys(const struct ap *c)
{
    const struct pd_config *cfg = c->cfg;
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        if (check_unknown(c, cfg->annotations[i].key) < 0)
            return -1;
        if (key_index(cfg->annotations[i].key) >= 0)
            c->p->present = true;
    }
    for (int phase = 0; phase < 2; phase++) {
        for (size_t i = 0; i < cfg->n_annotations; i++) {
            const struct pd_kv *kv = &cfg->annotations[i];
            int k = key_index(kv->key);
            if (k < 0 || keys[k].phase != phase)
                continue;
            if (keys[k].fn(c, kv->key, kv->value != NULL ? kv->value : "") < 0)
                return -1;
        }
    }
    return check_cross(c);
}

int pd_agent_policy_parse(const struct pd_config *cfg, struct pd_agent_policy **out,
                          pd_error **err)
{
    *out = NULL;
    struct pd_agent_policy *p = pd_xcalloc(1, sizeof(*p));
    set_defaults(p);
    struct pd_config empty = { 0 };
    struct ap c = { cfg != NULL ? cfg : &empty, p, err };
    if (read_keys(&c) < 0) {
        pd_agent_policy_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void pd_agent_policy_free(struct pd_agent_policy *p)
{
    if (p == NULL)
        return;
    free(p->workspace);
    pd_strv_free(p->writable_roots);
    pd_strv_free(p->protected_paths);
    pd_strv_free(p->network_allow);
    pd_strv_free(p->network_deny);
    pd_strv_free(p->network_resolve);
    free(p->network_approver);
    free(p->audit_log);
    free(p->snapshot_on_stop);
    free(p);
}
