/* paddock: OCI mount options -> mount(2)/mount_setattr(2) flags.
 * Standard options are looked up in libmount's built-in Linux option map;
 * only OCI's own additions have a table here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mount_opts.h"

#include <libmount/libmount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"
#include "sys_compat.h"

#define PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* OCI recursive attributes (runtime-spec "rro" ...), unknown to libmount.
 * clear: the attribute is cleared instead of set.  atime: one of the
 * MOUNT_ATTR__ATIME group, which mount_setattr(2) sets as a value. */
struct rec_attr {
    const char *name;
    uint64_t attr;
    bool clear;
    bool atime;
};

static const struct rec_attr rec_attrs[] = {
    {"rro", MOUNT_ATTR_RDONLY, false, false},
    {"rrw", MOUNT_ATTR_RDONLY, true, false},
    {"rnosuid", MOUNT_ATTR_NOSUID, false, false},
    {"rsuid", MOUNT_ATTR_NOSUID, true, false},
    {"rnodev", MOUNT_ATTR_NODEV, false, false},
    {"rdev", MOUNT_ATTR_NODEV, true, false},
    {"rnoexec", MOUNT_ATTR_NOEXEC, false, false},
    {"rexec", MOUNT_ATTR_NOEXEC, true, false},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, false, false},
    {"rdiratime", MOUNT_ATTR_NODIRATIME, true, false},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false, false},
    {"rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, true, false},
    /* atime group: the kernel only accepts a whole value, so the negative
     * forms select the value they fall back to (relatime is the default). */
    {"rrelatime", MOUNT_ATTR_RELATIME, false, true},
    {"rnorelatime", MOUNT_ATTR_STRICTATIME, false, true},
    {"rnoatime", MOUNT_ATTR_NOATIME, false, true},
    {"ratime", MOUNT_ATTR_RELATIME, false, true},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, false, true},
    {"rnostrictatime", MOUNT_ATTR_RELATIME, false, true},
};

static bool apply_rec_attr(const char *opt, struct pd_mount_flags *out)
{
    for (size_t i = 0; i < PD_ARRAY_SIZE(rec_attrs); i++) {
        const struct rec_attr *a = &rec_attrs[i];
        if (strcmp(opt, a->name) != 0)
            continue;
        if (a->atime) {
            out->rec_attr_set = (out->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | a->attr;
            out->rec_attr_clr |= MOUNT_ATTR__ATIME;
        } else if (a->clear) {
            out->rec_attr_clr |= a->attr;
            out->rec_attr_set &= ~a->attr;
        } else {
            out->rec_attr_set |= a->attr;
            out->rec_attr_clr &= ~a->attr;
        }
        return true;
    }
    return false;
}

/* libmount's Linux option map: a table inside libmount itself, which the
 * runtime links (statically with the default LIBC=musl, Makefile), so
 * looking it up reads no file.  No map, no translation: an error, never
 * options passed through as data. */
const struct libmnt_optmap *pd_mount_linux_map(pd_error **err)
{
    const struct libmnt_optmap *map = mnt_get_builtin_optmap(MNT_LINUX_MAP);
    if (map == NULL)
        pd_failx(err, "libmount has no Linux mount option map");
    return map;
}

/* Entries of the Linux map that are flags (no "=" or "[=]" value forms). */
static const struct libmnt_optmap *find_builtin(const struct libmnt_optmap *m, const char *opt)
{
    for (; m->name != NULL; m++) {
        if (strchr(m->name, '=') != NULL || strchr(m->name, '[') != NULL)
            continue;
        if (strcmp(m->name, opt) == 0)
            return m;
    }
    return NULL;
}

static void apply_builtin(const struct libmnt_optmap *m, struct pd_mount_flags *out)
{
    unsigned long id = (unsigned long)m->id;
    if (id & PROPAGATION_MASK) {
        out->propagation = id; /* includes MS_REC for the r-forms */
        return;
    }
    if (id & MS_BIND) {
        out->bind = true;
        if (id & MS_REC)
            out->recursive_bind = true;
        out->flags |= id;
        return;
    }
    if (m->mask & MNT_INVERT) {
        out->flags &= ~id;
        out->clear |= id;
    } else {
        out->flags |= id;
        out->clear &= ~id;
    }
}

static void append_data(struct pd_mount_flags *out, const char *opt)
{
    if (out->data == NULL) {
        out->data = pd_xstrdup(opt);
        return;
    }
    char *joined = pd_xasprintf("%s,%s", out->data, opt);
    free(out->data);
    out->data = joined;
}

static int parse_one(const char *opt, size_t index, struct pd_mount_flags *out, pd_error **err)
{
    if (opt[0] == '\0')
        return pd_failx(err, "empty mount option \"\" (index %zu)", index);
    if (opt[0] == '=' || strchr(opt, ',') != NULL)
        return pd_failx(err, "malformed mount option \"%s\" (index %zu)", opt, index);
    const struct libmnt_optmap *map = pd_mount_linux_map(err);
    if (map == NULL)
        return -1;
    const struct libmnt_optmap *m = find_builtin(map, opt);
    if (m != NULL) {
        apply_builtin(m, out);
        return 0;
    }
    if (apply_rec_attr(opt, out))
        return 0;
    if (strcmp(opt, "defaults") == 0) /* fstab's no-op, accepted by runc too */
        return 0;
    if (strcmp(opt, "tmpcopyup") == 0) {
        out->tmpcopyup = true;
        return 0;
    }
    if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
        out->idmap = true;
        return 0;
    }
    append_data(out, opt); /* fs-specific: mode=755, size=..., newinstance ... */
    return 0;
}

int pd_mount_opts_parse(char *const *options, struct pd_mount_flags *out, pd_error **err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; options != NULL && options[i] != NULL; i++) {
        if (parse_one(options[i], i, out, err) < 0) {
            pd_mount_flags_free(out);
            return -1;
        }
    }
    return 0;
}

void pd_mount_flags_free(struct pd_mount_flags *f)
{
    if (f == NULL)
        return;
    free(f->data);
    f->data = NULL;
}
