/* paddock probe: why a check failed, and what fixes it.  See envprobe.h. */
#define _GNU_SOURCE
#include "envprobe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "sys_compat.h"

#define CAP_SETGID_BIT 6
#define CAP_SETUID_BIT 7
#define CAP_SETFCAP_BIT 31

static bool has_cap(const struct pd_envprobe *p, int cap)
{
    return (p->cap_eff >> cap) & 1;
}

static bool userns_by_seccomp(const struct pd_envprobe *p)
{
    int e = p->r[PD_ENV_USERNS].errnum;
    return p->unshare_filtered != 0 && (e == EPERM || e == ENOSYS || e == EACCES);
}

static char *userns_cause(const struct pd_envprobe *p)
{
    int e = p->r[PD_ENV_USERNS].errnum;
    if (e == ENOSPC && p->max_user_namespaces == 0)
        return pd_xstrdup("user.max_user_namespaces is 0 in this user namespace");
    if (e == ENOSPC)
        return pd_xasprintf("the limit of user namespaces (user.max_user_namespaces = %ld) is "
                            "reached", p->max_user_namespaces);
    if (userns_by_seccomp(p))
        return pd_xasprintf("a seccomp filter on this process (%d filter(s)) blocks unshare(2) "
                            "(it answers %s even to an invalid flag, which the kernel would "
                            "refuse with EINVAL): an outer engine's profile, such as Docker's "
                            "default, which blocks unshare, clone with namespace flags, mount, "
                            "setns and keyctl", p->seccomp_filters,
                            pd_errno_name(p->unshare_filtered));
    if (p->uid != 0 && p->unprivileged_userns_clone == 0)
        return pd_xstrdup("kernel.unprivileged_userns_clone is 0");
    if (p->uid != 0 && p->apparmor_restrict == 1)
        return pd_xstrdup("AppArmor restricts unprivileged user namespaces "
                          "(kernel.apparmor_restrict_unprivileged_userns is 1)");
    return pd_xstrdup("the kernel refused (in a chroot, or an LSM)");
}

static char *maps_cause(const struct pd_envprobe *p, enum pd_env_check c)
{
    const struct pd_env_result *r = &p->r[c];
    if (c == PD_ENV_ID_RANGES && p->uid != 0)
        return pd_xstrdup(r->detail ? r->detail : "newuidmap/newgidmap refused the ranges");
    if (p->uid == 0 && !p->initial_userns && c == PD_ENV_ID_RANGES)
        return pd_xstrdup("paddock runs as root of a user namespace that maps only part of the "
                          "ids (e.g. rootless podman): not every id can be mapped");
    if (p->uid == 0) {
        const char *missing[3];
        size_t n = 0;
        if (!has_cap(p, CAP_SETUID_BIT))
            missing[n++] = "CAP_SETUID";
        if (!has_cap(p, CAP_SETGID_BIT))
            missing[n++] = "CAP_SETGID";
        if (!has_cap(p, CAP_SETFCAP_BIT))
            missing[n++] = "CAP_SETFCAP";
        if (n > 0)
            return pd_xasprintf("paddock runs as root without %s%s%s%s%s (mapping uid 0 needs "
                                "CAP_SETFCAP since Linux 5.12, ranges CAP_SETUID and CAP_SETGID)",
                                missing[0], n > 1 ? ", " : "", n > 1 ? missing[1] : "",
                                n > 2 ? ", " : "", n > 2 ? missing[2] : "");
    }
    return pd_xasprintf("the kernel refused the write (%s)", pd_errno_name(r->errnum));
}

static char *mount_cause(const struct pd_envprobe *p, enum pd_env_check c)
{
    int e = p->r[c].errnum;
    if (c == PD_ENV_MOUNT_PROC && e == EPERM && p->proc_covered > 0)
        return pd_xasprintf("%d mounts cover parts of this /proc (an engine's masked paths): the "
                            "kernel refuses a new proc mount unless the existing one is fully "
                            "visible", p->proc_covered);
    if (c == PD_ENV_MOUNT_SYSFS && e == EPERM && p->sys_covered > 0)
        return pd_xasprintf("%d mounts cover parts of this /sys (an engine's masked paths): the "
                            "kernel refuses a new sysfs mount unless the existing one is fully "
                            "visible", p->sys_covered);
    if (c == PD_ENV_PIVOT_ROOT && e == EINVAL)
        return pd_xstrdup("/ is not a mount point paddock can pivot from (an initramfs root?)");
    if ((e == EPERM || e == ENOSYS) && p->seccomp_mode == 2)
        return pd_xasprintf("probably the seccomp filter on this process (%d filter(s)) blocks "
                            "mount(2)", p->seccomp_filters);
    return pd_xasprintf("the kernel refused (%s)", pd_errno_name(e));
}

char *pd_envprobe_cause(const struct pd_envprobe *p, enum pd_env_check c)
{
    const struct pd_env_result *r = &p->r[c];
    if (r->state != PD_ENV_FAILED)
        return NULL;
    switch (c) {
    case PD_ENV_USERNS:
        return userns_cause(p);
    case PD_ENV_SETGROUPS: case PD_ENV_UID_MAP: case PD_ENV_GID_MAP: case PD_ENV_ID_RANGES:
        return maps_cause(p, c);
    case PD_ENV_NEWUIDMAP: case PD_ENV_NEWGIDMAP: case PD_ENV_CGROUP:
        return pd_xstrdup(r->detail ? r->detail : "not usable");
    case PD_ENV_MOUNT_TMPFS: case PD_ENV_MOUNT_PROC: case PD_ENV_MOUNT_SYSFS:
    case PD_ENV_MOUNT_OVERLAY: case PD_ENV_PIVOT_ROOT:
        return mount_cause(p, c);
    case PD_ENV_SECCOMP:
        if (r->errnum == EINVAL)
            return pd_xstrdup("the kernel has no seccomp filters (CONFIG_SECCOMP_FILTER)");
        return pd_xasprintf("the seccomp filter already on this process blocks seccomp(2) (%s)",
                            pd_errno_name(r->errnum));
    case PD_ENV_LANDLOCK:
        if (r->errnum == EOPNOTSUPP)
            return pd_xstrdup("landlock is built in but not enabled (the lsm= boot parameter)");
        if (r->errnum == ENOSYS && p->seccomp_mode == 2)
            return pd_xstrdup("landlock_create_ruleset(2) is missing: the kernel has no landlock, "
                              "or a seccomp filter hides it");
        return pd_xstrdup("the kernel has no landlock (CONFIG_SECURITY_LANDLOCK)");
    default:
        if ((r->errnum == EPERM || r->errnum == ENOSYS) && p->seccomp_mode == 2)
            return pd_xasprintf("probably the seccomp filter on this process (%d filter(s))",
                                p->seccomp_filters);
        return pd_xasprintf("the kernel refused (%s)", pd_errno_name(r->errnum));
    }
}

char *pd_envprobe_describe(const struct pd_envprobe *p, enum pd_env_check c)
{
    const struct pd_env_result *r = &p->r[c];
    _cleanup_free_ char *cause = pd_envprobe_cause(p, c);
    return pd_xasprintf("%s: %s: %s (%s)%s%s", pd_env_check_name(c),
                        r->step ? r->step : pd_env_check_name(c), strerror(r->errnum),
                        pd_errno_name(r->errnum) ? pd_errno_name(r->errnum) : "?",
                        cause ? ": " : "", cause ? cause : "");
}

static void add(char ***v, const char *s)
{
    size_t n = pd_strv_len(*v);
    *v = pd_xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = pd_xstrdup(s);
    (*v)[n + 1] = NULL;
}

static void seccomp_fixes(char ***v)
{
    add(v, "run the outer container with a seccomp profile that allows unshare(2), clone(2) and "
           "clone3(2) with namespace flags, mount(2), umount2(2), pivot_root(2) and setns(2): "
           "docker/podman run --security-opt seccomp=PROFILE.json (or seccomp=unconfined); "
           "Kubernetes: securityContext.seccompProfile (Localhost or Unconfined)");
    add(v, "Docker's default profile allows them with --cap-add SYS_ADMIN, which also grants "
           "much more: prefer a profile");
}

static void userns_fixes(const struct pd_envprobe *p, char ***v)
{
    int e = p->r[PD_ENV_USERNS].errnum;
    if (e == ENOSPC)
        add(v, "sysctl -w user.max_user_namespaces=15000 (as root of the user namespace where "
               "it is 0; on the host: /etc/sysctl.d/)");
    else if (userns_by_seccomp(p))
        seccomp_fixes(v);
    else if (p->uid != 0 && p->unprivileged_userns_clone == 0)
        add(v, "sysctl -w kernel.unprivileged_userns_clone=1");
    else if (p->uid != 0 && p->apparmor_restrict == 1) {
        add(v, "let paddock make user namespaces with an AppArmor profile: /etc/apparmor.d/paddock "
               "holding `abi <abi/4.0>, include <tunables/global> profile paddock "
               "/usr/local/bin/paddock flags=(unconfined) { userns, }`, then "
               "apparmor_parser -r /etc/apparmor.d/paddock");
        add(v, "or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (for every program)");
    }
}

char **pd_envprobe_fixes(const struct pd_envprobe *p, enum pd_env_check c)
{
    char **v = pd_xcalloc(1, sizeof(char *));
    const struct pd_env_result *r = &p->r[c];
    if (r->state != PD_ENV_FAILED)
        return v;
    switch (c) {
    case PD_ENV_USERNS:
        userns_fixes(p, &v);
        break;
    case PD_ENV_SETGROUPS: case PD_ENV_UID_MAP: case PD_ENV_GID_MAP: case PD_ENV_ID_RANGES:
        if (p->uid == 0 && p->initial_userns) {
            add(&v, "give paddock CAP_SETUID, CAP_SETGID and CAP_SETFCAP (docker/podman: "
                    "--cap-add SETUID --cap-add SETGID --cap-add SETFCAP)");
            add(&v, "or run paddock as an unprivileged user: it maps only its own ids, which "
                    "needs no capability");
        } else if (p->uid == 0) {
            add(&v, "paddock maps the own id only (a partial degradation)");
        } else {
            add(&v, "make newuidmap/newgidmap usable and give the user /etc/subuid and "
                    "/etc/subgid ranges; without them paddock maps the own ids only");
        }
        break;
    case PD_ENV_NEWUIDMAP: case PD_ENV_NEWGIDMAP:
        if (r->errnum == ENOENT)
            add(&v, "apt-get install uidmap");
        else if (p->nnp)
            add(&v, "run paddock without no_new_privs (docker: without --security-opt "
                    "no-new-privileges; setpriv: without --no-new-privs; systemd: "
                    "NoNewPrivileges=no)");
        else if (r->detail != NULL && strstr(r->detail, "nosuid") != NULL)
            add(&v, "mount the filesystem holding newuidmap and newgidmap without nosuid");
        else
            add(&v, "chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap (or setcap "
                    "cap_setuid+ep / cap_setgid+ep)");
        add(&v, "without them paddock maps the caller's own uid and gid only");
        break;
    case PD_ENV_MOUNT_PROC:
        add(&v, "paddock binds the existing /proc (with its masks) instead; for a fresh /proc, "
                "run the outer container without masked paths (docker: --security-opt "
                "systempaths=unconfined; podman: --security-opt unmask=ALL)");
        break;
    case PD_ENV_MOUNT_SYSFS:
        add(&v, "paddock binds the host's /sys read-only instead where a sandbox needs one");
        break;
    case PD_ENV_LANDLOCK:
        add(&v, "boot with landlock in the lsm= list (e.g. lsm=landlock,lockdown,yama,integrity,"
                "apparmor) on a kernel built with CONFIG_SECURITY_LANDLOCK");
        break;
    case PD_ENV_SECCOMP:
        add(&v, "let the outer engine's seccomp profile allow seccomp(2) and prctl(2)");
        break;
    case PD_ENV_CGROUP:
        add(&v, "run as root, or in a delegated cgroup v2 subtree (systemd-run --user --scope "
                "-p Delegate=yes ...)");
        break;
    default:
        if (p->seccomp_mode == 2)
            seccomp_fixes(&v);
        break;
    }
    return v;
}
