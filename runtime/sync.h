/* paddock: the messages of the create handshake between the runtime and
 * the container's setup processes, over a SOCK_SEQPACKET socketpair.
 * One message = a fixed header, an optional text payload, and optionally
 * one fd (SCM_RIGHTS).  See container.c for the sequence. */
#ifndef PADDOCK_SYNC_H
#define PADDOCK_SYNC_H
#include <stdint.h>
#include "error.h"

enum pd_sync_type {
    PD_SYNC_GO = 1,          /* runtime -> stage 1: start (after cgroup placement); runtime ->
                                init: start (after stage 1's INIT_PID arrived) */
    PD_SYNC_USERMAP,         /* stage 1 -> runtime: write my id maps */
    PD_SYNC_USERMAP_DONE,    /* runtime -> stage 1 */
    PD_SYNC_INIT_PID,        /* stage 1 -> runtime: value = container init's host pid */
    PD_SYNC_HOOKS,           /* init -> runtime: run prestart + createRuntime hooks */
    PD_SYNC_HOOKS_DONE,      /* runtime -> init: value = init's host pid */
    PD_SYNC_CONSOLE,         /* init -> runtime: the pty master (fd) for `run` without a console socket */
    PD_SYNC_READY,           /* init -> runtime: set up, waiting for start (fd: its network
                                namespace, with network=allow: netsup.h) */
    PD_SYNC_COMMIT,          /* runtime -> init: state written; stop dying with me */
    PD_SYNC_COMMITTED,       /* init -> runtime */
    PD_SYNC_NETNS,           /* runtime -> direct init, after GO: fd: its network namespace
                                (namespaces.h, pd_ns_make_net), or none: make it yourself */
    PD_SYNC_ERROR,           /* either way: value = errno, value2 = exit code, text = message */
};

struct pd_sync_msg {
    int32_t type;
    int32_t value;
    int32_t value2;
    char text[4000];
};

/* Send a message (text may be NULL; fd < 0 for none). */
int pd_sync_send(int sock, int type, int value, const char *text, int fd, pd_error **err);
/* Receive one message; *fd gets a passed fd or -1 (fd may be NULL: any fd is closed).
 * A peer that closed the socket is an error "setup process exited". */
int pd_sync_recv(int sock, struct pd_sync_msg *msg, int *fd, pd_error **err);
/* Receive a message of the expected type.  A PD_SYNC_ERROR message becomes
 * *err (with its errno and exit code). */
int pd_sync_expect(int sock, int type, struct pd_sync_msg *msg, int *fd, pd_error **err);
/* Send err as a PD_SYNC_ERROR message (best effort). */
void pd_sync_send_error(int sock, const pd_error *err);
#endif
