#!/usr/bin/env python3
# A nested sandbox as bwrap makes one: a new user namespace mapping the
# caller's uid to 1000, a new mount namespace, a tmpfs mounted in it.
# Prints "nested ok" or what failed.  With a PATH argument (a read-only
# protected directory), it then tries to get under that wall from inside
# the nested namespaces: unmount it, remount it read-write, write into it;
# each prints "PATH-STEP refused" or "PATH-STEP done".
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
uid = os.getuid()
if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
    print("unshare", os.strerror(ctypes.get_errno()))
    raise SystemExit(0)
try:
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write("1000 %d 1" % uid)
except OSError as e:
    print("map", e.strerror)
    raise SystemExit(0)
if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) != 0:
    print("mount", os.strerror(ctypes.get_errno()))
    raise SystemExit(0)
print("nested ok")
if len(sys.argv) > 1:
    p = sys.argv[1].encode()
    MNT_DETACH, MS_REMOUNT, MS_BIND = 2, 32, 4096
    print("umount", "done" if libc.umount2(p, MNT_DETACH) == 0 else "refused")
    print("remount-rw", "done" if libc.mount(None, p, None, MS_REMOUNT | MS_BIND, None) == 0 else "refused")
    try:
        with open(os.path.join(sys.argv[1], "pre-commit"), "w") as f:
            f.write("#!/bin/sh\n")
        print("write done")
    except OSError:
        print("write refused")
