/* paddock stage 2, plan: decide once, from the typed config and the CLI
 * options, everything the apply stage will build.  Plain data; building a
 * plan performs no syscalls that change anything, so it is unit-testable
 * without root. */
#ifndef PADDOCK_PLAN_H
#define PADDOCK_PLAN_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent_plan.h"
#include "config.h"
#include "mount_opts.h"

enum pd_rootless_mode { PD_ROOTLESS_AUTO = 0, PD_ROOTLESS_TRUE, PD_ROOTLESS_FALSE };

struct pd_plan_opts {
    bool no_pivot;
    bool no_new_keyring;
    enum pd_rootless_mode rootless;
    uid_t euid; /* the caller's ids (geteuid()/getegid() by default) */
    gid_t egid;
    bool in_userns; /* the caller is not in the initial user namespace (pd_in_initial_userns) */
    bool sandbox_root; /* see pd_plan.rootfs_clone (set by `paddock sandbox` only) */
};

enum pd_idmap_method {
    PD_IDMAP_NONE = 0, /* no new user namespace */
    PD_IDMAP_DIRECT,   /* write /proc/PID/{uid,gid}_map ourselves */
    PD_IDMAP_HELPER,   /* exec newuidmap/newgidmap (rootless ranges) */
};

struct pd_ns_join {
    enum pd_ns_type type;
    int nstype; /* CLONE_NEW* */
    const char *path;
    size_t index; /* in .linux.namespaces, for the messages */
};

struct pd_ns_plan {
    int unshare_flags;                  /* CLONE_NEW* to create, CLONE_NEWUSER excluded */
    bool new_user;                      /* create a user namespace first */
    struct pd_ns_join join[PD_NS__COUNT]; /* user namespace first, if joined */
    size_t n_join;
    enum pd_idmap_method idmap;
    struct pd_idmap *uid_map;           /* owned by the plan */
    size_t n_uid_map;
    struct pd_idmap *gid_map;
    size_t n_gid_map;
    bool deny_setgroups;                /* write "deny" to /proc/PID/setgroups */
    bool new_pid;                       /* container init is pid 1 of a new pid namespace */
    bool new_time;
};

enum pd_mount_kind {
    PD_MOUNT_BIND = 0, /* bind/rbind of a host path (source resolved on the host) */
    PD_MOUNT_FS,       /* a new filesystem instance: tmpfs, proc, sysfs, devpts, mqueue, overlay ... */
    PD_MOUNT_CGROUP,   /* type cgroup/cgroup2: v2 -> cgroup2; v1 -> tmpfs + one mount per hierarchy */
};

struct pd_mount_op {
    size_t index;      /* index in .mounts, for messages (".mounts[3]") */
    enum pd_mount_kind kind;
    char *source;      /* BIND: absolute host path (relative ones resolved against the bundle) */
    char *dest;        /* absolute path inside the rootfs */
    char *fstype;      /* FS: "tmpfs", "proc", ... */
    struct pd_mount_flags fl;
    bool sysfs_fallback_bind; /* sysfs in a user namespace without a new netns: rbind /sys instead */
    bool if_exists;    /* option "x-paddock-if-exists" (paddock's own configs): a destination
                          that is gone by the time it is mounted is skipped, not created */
    bool nofollow;     /* "x-paddock-nofollow" (the sandbox's protected paths): a bind of a
                          path onto itself, resolved without following any symlink */
    bool symlink;      /* "x-paddock-symlink": and the path is a symlink, pinned */
};

struct pd_plan {
    const struct pd_config *cfg; /* borrowed; must outlive the plan */
    char *rootfs;                /* absolute host path of root.path */
    bool rootfs_readonly;
    /* `paddock sandbox`: the rootfs tree is attached from a clone (works for
     * the host's "/" itself, see pd_rootfs_prepare) and, with rootfs_rro,
     * made read-only recursively before the config's mounts: the rootfs bind
     * is recursive, so its submounts (/run, /home, ...) would stay writable
     * otherwise.  The config's own mounts then go on top, writable as asked. */
    bool rootfs_clone;
    bool rootfs_rro;
    unsigned long rootfs_propagation; /* applied to "/" before anything is mounted: always
                                         MS_SLAVE|MS_REC, so no container mount reaches the host */
    unsigned long rootfs_mount_propagation; /* linux.rootfsPropagation, applied to the new root
                                               after pivot_root; 0 = none */
    bool no_pivot;
    bool new_keyring;
    bool rootless;               /* not real root in the initial user namespace: euid != 0, or
                                    any uid inside a user namespace (e.g. under rootless podman) */
    struct pd_ns_plan ns;
    struct pd_mount_op *mounts;
    size_t n_mounts;
    struct pd_device *devices;   /* the default devices plus linux.devices (config wins by path) */
    size_t n_devices;
    bool bind_devices;           /* mknod is impossible (user namespace): bind the host's nodes */
    uid_t root_host_uid;         /* host uid of container uid 0 (for messages) */
    struct pd_agent_plan *agent; /* the dev.paddock.* policy's additions; NULL: plain OCI */
    char *rootfs_overlay;        /* overlayfs options: the rootfs is an overlay over root.path
                                    (container_overlay.c, issue #6); NULL: a bind */
};

int pd_plan_build(const struct pd_config *cfg, const struct pd_plan_opts *opts,
                  struct pd_plan **out, pd_error **err);
void pd_plan_free(struct pd_plan *plan);
/* CLONE_NEW* for a namespace type. */
int pd_ns_clone_flag(enum pd_ns_type t);

static inline void pd_plan_freep(struct pd_plan **p) { pd_plan_free(*p); *p = 0; }
#define _cleanup_plan_ __attribute__((cleanup(pd_plan_freep)))

#endif
