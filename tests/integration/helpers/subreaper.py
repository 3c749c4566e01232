#!/usr/bin/python3
"""Run a command as the child of a subreaper and say what outlived it.

    subreaper.py CMD [ARGS...]

We become a child subreaper (PR_SET_CHILD_SUBREAPER) and run CMD as our
child.  Any process of CMD that is still there when CMD has exited, alive
or a zombie nobody reaped (a sandbox's init the runtime left to init, a
background process), is reparented to us.  Right after CMD has been reaped
we look, before anything could be reaped by someone else, and print

    status N          CMD's exit status (128+N when killed by signal N)
    left PID... | -   the processes that were reparented to us
    pid N             CMD's pid

then kill and reap what was left, so that nothing outlives the test either.
The exit status is 0 unless this helper itself failed.
"""
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def children():
    """Our children, alive or zombies (/proc/self/task/*/children)."""
    pids = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except FileNotFoundError:
            pass
    return pids


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(ctypes.get_errno()), file=sys.stderr)
        return 1
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    _, st = os.waitpid(pid, 0)
    left = children()
    code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)
    print(f"status {code}")
    print("left " + (" ".join(str(p) for p in left) if left else "-"))
    print(f"pid {pid}")
    sys.stdout.flush()
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
