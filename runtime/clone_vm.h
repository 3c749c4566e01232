/* paddock: a child that shares the caller's memory until it execs
 * (clone3 with CLONE_VM | CLONE_VFORK, as posix_spawn makes one), with the
 * rest of clone3's arguments (CLONE_INTO_CGROUP).
 *
 * A fork copies the caller's page tables, takes a copy-on-write fault for
 * every page the child then writes, and frees the copy again in the
 * child's execve: ~0.2 ms of each `exec` on a 2-vCPU VM
 * (tests/bench/README.md).  This child runs FN(ARG) on a stack of its own
 * while the caller waits in the kernel; the caller resumes once the child
 * has exec'd or exited.  glibc's clone() can't pass clone3's arguments and
 * its clone3 is internal, so a few lines of assembly per architecture make
 * the call (x86-64 and aarch64; elsewhere, and under AddressSanitizer,
 * whose stack bookkeeping would not know the child's stack, it fails with
 * ENOSYS and the caller forks).
 *
 * What FN may do: everything it does to memory is the caller's memory.  It
 * must not return into the caller's frames (it can't: it has its own
 * stack), should work on copies of what it changes, and must end with
 * execve or _exit.  It must never wait for the caller, which waits for it.
 * File descriptors, signal handlers, credentials, namespaces, rlimits, the
 * seccomp filter and the landlock domain are its own (no CLONE_FILES,
 * CLONE_SIGHAND or CLONE_THREAD); the dumpable flag is the memory's, so
 * shared. */
#ifndef PADDOCK_CLONE_VM_H
#define PADDOCK_CLONE_VM_H
#include <sys/types.h>

#include "cgroups.h" /* struct pd_clone_args */

/* clone3(ARGS with CLONE_VM | CLONE_VFORK and a stack of its own added)
 * running FN(ARG) in the child; returns the child's pid once it exec'd or
 * exited, or -1 with errno (ENOSYS: not on this architecture or build). */
pid_t pd_clone_vm(const struct pd_clone_args *args, int (*fn)(void *), void *arg);

#endif
