#!/usr/bin/env python3
# Each syscall the agent-default seccomp profile denies, called with
# arguments that make the kernel itself answer with something other than
# EPERM (success, EFAULT, EBADF ...), so that "EPERM" means "seccomp said
# no".  Prints "NAME ERRNO-NAME" (or "NAME ok") per line.  x86_64 numbers.
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
me = os.getpid()
CALLS = [
    ("io_uring_setup", 425, (1, None)),
    ("perf_event_open", 298, (None, 0, -1, -1, 0)),
    ("userfaultfd", 323, (1,)),                    # UFFD_USER_MODE_ONLY
    ("keyctl", 250, (0, -3, 0)),                   # KEYCTL_GET_KEYRING_ID @s
    ("add_key", 248, (None, None, None, 0, 0)),
    ("request_key", 249, (None, None, None, 0)),
    ("mount", 165, (None, None, None, 0, None)),
    ("process_vm_readv", 310, (me, None, 0, None, 0, 0)),
    ("kcmp", 312, (me, me, 0, 0, 0)),              # KCMP_FILE fd 0 vs 0
    ("personality", 135, (0x0040000,)),            # ADDR_NO_RANDOMIZE
    ("unshare_newuser", 272, (0x10000000,)),
    ("setns", 308, (-1, 0)),
]
for name, nr, args in CALLS:
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    e = ctypes.get_errno()
    print(name, "ok" if r >= 0 else errno.errorcode.get(e, str(e)), flush=True)
