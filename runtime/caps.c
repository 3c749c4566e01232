/* paddock apply: capabilities through libcap.
 *
 * Capability numbers at or above the running kernel's cap_max_bits() are
 * ignored without error (a profile may name capabilities a newer kernel
 * has).  When .process.capabilities is absent (caps->present false) every
 * set is treated as empty: the process runs with no capabilities at all,
 * bounding set included.  This is paddock's documented choice.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "log.h"
#include "util.h"

/* Number of capabilities the running kernel knows (<= 64). */
static int kernel_caps(void)
{
    int n = (int)cap_max_bits();
    if (n < 0)
        n = 0;
    return n > 64 ? 64 : n;
}

static bool has(uint64_t mask, int cap)
{
    return (mask >> cap) & 1;
}

char *pd_cap_name(int cap)
{
    if (cap < 0 || cap >= 64)
        return NULL;
    char *n = cap_to_name((cap_value_t)cap);
    if (n == NULL)
        return NULL;
    /* libcap prints unknown numbers as decimal: no name for them. */
    if (isdigit((unsigned char)n[0])) {
        cap_free(n);
        return NULL;
    }
    char *r = pd_xstrdup(n);
    cap_free(n);
    for (char *p = r; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return r;
}

/* "CAP_CHOWN" or "capability 42" for messages. */
static char *cap_label(int cap)
{
    char *n = pd_cap_name(cap);
    return n != NULL ? n : pd_xasprintf("capability %d", cap);
}

int pd_caps_drop_bounding(const struct pd_caps *caps, pd_error **err)
{
    uint64_t keep = caps->present ? caps->bounding : 0;
    int max = kernel_caps();
    for (int cap = 0; cap < max; cap++) {
        if (has(keep, cap))
            continue;
        if (cap_drop_bound((cap_value_t)cap) == 0 || errno == EINVAL)
            continue; /* EINVAL: not a capability of this kernel */
        _cleanup_free_ char *name = cap_label(cap);
        return pd_fail_errno(err, "capabilities: drop %s from the bounding set", name);
    }
    return 0;
}

static void set_flag(cap_t c, cap_flag_t flag, uint64_t mask, int max)
{
    cap_value_t list[64];
    int n = 0;
    for (int cap = 0; cap < max; cap++)
        if (has(mask, cap))
            list[n++] = (cap_value_t)cap;
    if (n > 0)
        cap_set_flag(c, flag, n, list, CAP_SET);
}

/* The kernel refuses effective outside permitted and ambient outside
 * permitted or inheritable with a bare EPERM: say which cap it is. */
static int check_subset(uint64_t sub, const char *sub_name, uint64_t super,
                        const char *super_name, int max, pd_error **err)
{
    for (int cap = 0; cap < max; cap++) {
        if (!has(sub, cap) || has(super, cap))
            continue;
        _cleanup_free_ char *name = cap_label(cap);
        return pd_failx(err, "capabilities: %s %s is not in the %s set",
                        sub_name, name, super_name);
    }
    return 0;
}

/* One PR_CAP_AMBIENT_CLEAR_ALL: libcap's cap_reset_ambient() first asks
 * the kernel about every capability (41 more prctl calls on this path of
 * every container process). */
static int set_ambient(uint64_t ambient, int max, pd_error **err)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        /* Kernels without ambient capabilities: fine when none are wanted. */
        if (errno == EINVAL && ambient == 0)
            return 0;
        return pd_fail_errno(err, "capabilities: clear the ambient set");
    }
    for (int cap = 0; cap < max; cap++) {
        if (!has(ambient, cap) || cap_set_ambient((cap_value_t)cap, CAP_SET) == 0)
            continue;
        _cleanup_free_ char *name = cap_label(cap);
        return pd_fail_errno(err, "capabilities: raise ambient %s", name);
    }
    return 0;
}

int pd_caps_apply(const struct pd_caps *caps, pd_error **err)
{
    struct pd_caps none = {0};
    if (!caps->present)
        caps = &none;
    int max = kernel_caps();
    uint64_t known = max >= 64 ? ~0ULL : (1ULL << max) - 1;
    if (check_subset(caps->effective, "effective", caps->permitted, "permitted", max, err) < 0)
        return -1;
    /* The kernel only raises an ambient capability that is permitted and
     * inheritable.  `runc spec` writes ambient sets without inheritable ones
     * and runc goes on without them: so do we, and say so under --debug. */
    uint64_t ambient = caps->ambient & caps->permitted & caps->inheritable;
    if (ambient != caps->ambient)
        pd_debug("capabilities: ambient 0x%llx not raised: not in both permitted and inheritable",
                 (unsigned long long)(caps->ambient & ~ambient));
    cap_t c = cap_init();
    if (c == NULL)
        return pd_fail_errno(err, "capabilities: cap_init");
    set_flag(c, CAP_EFFECTIVE, caps->effective, max);
    set_flag(c, CAP_PERMITTED, caps->permitted, max);
    set_flag(c, CAP_INHERITABLE, caps->inheritable, max);
    int r = cap_set_proc(c);
    int saved = errno;
    cap_free(c);
    if (r < 0)
        return pd_fail(err, saved, "capabilities: set effective/permitted/inheritable");
    return set_ambient(ambient & known, max, err);
}
