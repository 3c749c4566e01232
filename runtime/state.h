/* paddock supervise: container state on disk.
 *
 * ROOT/ID/ holds state.json (written atomically), config.json (the copy
 * the container was created from, for the hooks of later commands) and
 * start.sock (the container init waits on it until `start`).  Mutating
 * commands hold flock(LOCK_EX) on the directory; `state` and `list` read
 * without locking, which atomic renames make safe. */
#ifndef PADDOCK_STATE_H
#define PADDOCK_STATE_H
#include <stdbool.h>
#include <sys/types.h>
#include "config.h"

enum pd_status {
    PD_STATUS_CREATING,
    PD_STATUS_CREATED,
    PD_STATUS_RUNNING,
    PD_STATUS_STOPPED,
    PD_STATUS_PAUSED,
};

struct pd_state {
    char *id;
    char *bundle;
    char *oci_version;
    enum pd_status status;      /* as stored; see pd_state_status() for the live one */
    pid_t pid;
    unsigned long long pid_start; /* /proc/PID/stat starttime, guards against pid reuse */
    char *created;              /* RFC 3339 */
    bool rootless;
    char *cgroup;               /* pd_cgroup_serialize(); "" when the container has none */
    struct pd_kv *annotations;
    size_t n_annotations;
    /* A sandbox run in container-boundary mode (boundary.h): no namespaces
     * of its own, pid is the command itself (in the caller's PID namespace).
     * What `status ID` needs to say what it lost (sandbox_env.h).  mode
     * NULL: an ordinary container (or a sandbox in full mode). */
    struct pd_state_env {
        char *mode;             /* "container-boundary" */
        char *reason;           /* the step that failed, and why */
        char *container;        /* the kind of container paddock runs in, NULL: none seen */
        int landlock_abi;
        bool seccomp;           /* a filter could be installed */
        bool keyring_blocked;   /* keyctl(2) is blocked here */
    } env;
};

/* A locked container directory. */
struct pd_container_dir {
    char *root;
    char *id;
    char *path;  /* ROOT/ID */
    int fd;      /* O_DIRECTORY, flock()ed */
};

/* ROOT's spare state directories (state.c): not a container id. */
#define PD_STATE_SPARES ".paddock-spares"

/* Reject "", "/", "..", PD_STATE_SPARES, control characters and ids over
 * NAME_MAX bytes. */
int pd_state_check_id(const char *id, pd_error **err);
/* The default state root: /run/paddock for root of the initial user namespace,
 * $XDG_RUNTIME_DIR/paddock otherwise (rootless podman runs us as uid 0 of its
 * user namespace with XDG_RUNTIME_DIR set and no --root). */
char *pd_state_default_root(void);
/* Make ROOT/ID (fails if it exists: "container ID already exists"), or
 * rename a spare there, and lock it. */
int pd_state_dir_create(const char *root, const char *id, struct pd_container_dir *d, pd_error **err);
/* Open and lock an existing ROOT/ID ("container ID does not exist", errno ENOENT). */
int pd_state_dir_open(const char *root, const char *id, struct pd_container_dir *d, pd_error **err);
void pd_state_dir_close(struct pd_container_dir *d);
/* Remove ROOT/ID with everything in it (it may become a spare), then
 * close d. */
int pd_state_dir_remove(struct pd_container_dir *d, pd_error **err);

int pd_state_write(const struct pd_container_dir *d, const struct pd_state *st, pd_error **err);
/* Write name (relative to dirfd, or AT_FDCWD) atomically: a temp file and a
 * rename, without fsync (see state.c).  shown names it in errors. */
int pd_state_write_atomic(int dirfd, const char *name, const char *shown, const char *data,
                          size_t len, int mode, pd_error **err);
int pd_state_read(const char *dir, struct pd_state **out, pd_error **err);
void pd_state_free(struct pd_state *st);
/* The live status: stopped when the pid is gone (or reused), created while
 * start.sock exists, paused while its cgroup is frozen, else running. */
enum pd_status pd_state_status(const struct pd_state *st, const char *dir);
/* The same, and the container's cgroup as it loaded it for the paused check
 * (*cg: NULL when it loaded none), for a caller that needs it too. */
struct pd_cgroup;
enum pd_status pd_state_status_cg(const struct pd_state *st, const char *dir,
                                  struct pd_cgroup **cg);
const char *pd_status_name(enum pd_status s);
/* The OCI state document (runtime.md): ociVersion, id, status, pid, bundle, annotations. */
char *pd_state_oci_json(const struct pd_state *st, enum pd_status status, bool pretty);

/* starttime of a live (non-zombie) pid, or 0 when it is gone. */
unsigned long long pd_pid_start_time(pid_t pid);
bool pd_pid_alive(pid_t pid, unsigned long long start);

/* A container-boundary sandbox run (st->env.mode). */
bool pd_state_is_boundary(const struct pd_state *st);

static inline void pd_state_freep(struct pd_state **s) { pd_state_free(*s); *s = 0; }
#define _cleanup_state_ __attribute__((cleanup(pd_state_freep)))
#endif
