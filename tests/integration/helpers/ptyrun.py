#!/usr/bin/python3
"""Run a command on a new pty, as a user at a terminal would, and script it.

    ptyrun.py [--size ROWSxCOLS] [--status-fd N] [--status-out FILE]
              [--info FILE] [--deadline SECONDS] [ACTION...] -- CMD [ARGS...]

The command is the session leader of the pty (its controlling terminal, its
process group in the foreground), with the pty as stdin, stdout and stderr.
ACTIONs run in order:
    --expect TEXT     wait until TEXT has appeared in the output
    --expect-start    wait for a line with "event":"start" on the status fd
    --send TEXT       write TEXT (Python escapes: \\x03 is Ctrl-C) to the master
    --resize RxC      set the window size (the kernel sends SIGWINCH)
    --signal SIG      send SIG (INT, QUIT, ...) to the command itself, as the
                      caller's terminal does for a Ctrl-C typed before the
                      command made it raw
Then it waits for the command to end.  The output (as read from the
master, CRs kept) goes to stdout; the exit status is the command's (128+N
when killed by signal N).  --status-fd N gives the command a pipe as fd N;
what it writes there goes to --status-out.  --info writes "DEV RDEV TTYNAME"
of the pty's slave.  --deadline (default 60) only guards against a hang:
the command is then killed and the status is 124.
"""
import codecs
import errno
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def parse(argv):
    opts = {"size": None, "status_fd": None, "status_out": None, "info": None,
            "deadline": 60.0, "actions": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return opts, argv[i + 1:]
        if a == "--expect-start":
            opts["actions"].append(("expect-start", None))
            i += 1
            continue
        if i + 1 >= len(argv):
            sys.exit("ptyrun: %s needs a value" % a)
        v = argv[i + 1]
        if a == "--size":
            opts["size"] = tuple(int(x) for x in v.split("x"))
        elif a == "--status-fd":
            opts["status_fd"] = int(v)
        elif a == "--status-out":
            opts["status_out"] = v
        elif a == "--info":
            opts["info"] = v
        elif a == "--deadline":
            opts["deadline"] = float(v)
        elif a in ("--expect", "--send", "--resize", "--signal"):
            opts["actions"].append((a[2:], v))
        else:
            sys.exit("ptyrun: unknown option %s" % a)
        i += 2
    sys.exit("ptyrun: no -- CMD")


def process_tree(root):
    """The processes under ROOT (by parent pid): "pid ppid state wchan
    argv" a line each, for a hang's report."""
    procs = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            try:
                with open("/proc/%s/wchan" % d) as f:
                    wchan = f.read().strip() or "-"
            except OSError:
                wchan = "?"
        except OSError:
            continue
        rest = st[st.rindex(")") + 2:].split()
        procs[int(d)] = (int(rest[1]), rest[0], wchan, argv[:120])
    out, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        if pid in procs:
            ppid, state, wchan, argv = procs[pid]
            out.append("ptyrun: process %d (parent %d) %s %s: %s\n" % (pid, ppid, state, wchan, argv))
        todo.extend(sorted(p for p, v in procs.items() if v[0] == pid))
    return "".join(out) or "ptyrun: process %d is gone\n" % root


def set_size(fd, size):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))


def spawn(opts, cmd, master, slave, status_w):
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        keep = 2
        if status_w is not None:
            keep = opts["status_fd"]
            os.dup2(status_w, keep)
            os.set_inheritable(keep, True)
            os.closerange(3, keep)
        os.closerange(keep + 1, 1024)
        os.execvp(cmd[0], cmd)
    except Exception as e:  # noqa: BLE001 -- report anything, then die
        os.write(2, ("ptyrun: exec %s: %s\n" % (cmd[0], e)).encode())
    os._exit(127)


class Run:
    def __init__(self, opts, master, status_r, pid):
        self.opts, self.master, self.status_r, self.pid = opts, master, status_r, pid
        self.out, self.status = b"", b""
        self.end = time.monotonic() + opts["deadline"]
        self.exit = None

    def pump(self, timeout):
        fds = [fd for fd in (self.master, self.status_r) if fd is not None]
        if not fds:
            time.sleep(timeout)
            return
        ready, _, _ = select.select(fds, [], [], timeout)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if fd == self.master:
                self.out += data
                if not data:
                    self.master = None
            else:
                self.status += data
                if not data:
                    self.status_r = None

    def reap(self):
        if self.exit is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.exit = os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)
        return self.exit is not None

    def until(self, cond, what):
        while not cond():
            if time.monotonic() > self.end:
                self.fail("deadline passed waiting for %s" % what)
            # Ended (reaped, all output read): cond may have turned true
            # since it was asked (the command exiting in between), so ask
            # it again before calling this a failure.
            if self.reap() and self.master is None and self.status_r is None:
                if cond():
                    return
                self.fail("command ended while waiting for %s" % what)
            self.pump(0.1)

    def fail(self, msg):
        if self.exit is None:
            sys.stderr.write(process_tree(self.pid))
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        sys.stdout.buffer.write(self.out)
        sys.stdout.flush()
        sys.stderr.write("ptyrun: %s\n" % msg)
        sys.exit(124)


def main():
    opts, cmd = parse(sys.argv[1:])
    master, slave = os.openpty()
    if opts["size"]:
        set_size(slave, opts["size"])
    if opts["info"]:
        st = os.fstat(slave)
        with open(opts["info"], "w") as f:
            f.write("%d %d %s\n" % (st.st_dev, st.st_rdev, os.ttyname(slave)))
    status_r = status_w = None
    if opts["status_fd"] is not None:
        status_r, status_w = os.pipe()
    pid = spawn(opts, cmd, master, slave, status_w)
    os.close(slave)
    if status_w is not None:
        os.close(status_w)
    run = Run(opts, master, status_r, pid)
    for kind, val in opts["actions"]:
        if kind == "expect":
            run.until(lambda: val.encode() in run.out, repr(val))
        elif kind == "expect-start":
            run.until(lambda: b'"event":"start"' in run.status, "the start event")
        elif kind == "send":
            os.write(master, codecs.decode(val, "unicode_escape").encode("latin-1"))
        elif kind == "signal":
            os.kill(pid, getattr(signal, "SIG" + val))
        elif kind == "resize":
            set_size(master, tuple(int(x) for x in val.split("x")))
    run.until(lambda: run.reap() and run.master is None and run.status_r is None, "the end")
    sys.stdout.buffer.write(run.out)
    sys.stdout.flush()
    if opts["status_out"]:
        with open(opts["status_out"], "wb") as f:
            f.write(run.status)
    sys.exit(run.exit)


if __name__ == "__main__":
    main()
