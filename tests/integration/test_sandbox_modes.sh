#!/usr/bin/env bash
# paddock sandbox (issue #4, "Tests"): for each mode, as root and as the
# unprivileged test user: a write to a writable root lands on the host,
# owned by the caller; a write elsewhere fails; egress to a listener on the
# host's loopback fails unless the network is the host's; and every denial
# of the agent-default seccomp profile holds (helpers/syscall-probe.py calls
# each denied syscall with arguments the kernel itself would answer with
# something other than EPERM; the host control run proves that).
source "$(dirname "$0")/lib.sh"

PROBE_SRC=$REPO/tests/integration/helpers/syscall-probe.py
MODES="read-only workspace-write danger-full-access"

m_setup() {
    is_paddock || { note "sandbox is paddock's own"; exit 0; }
    need_cmd python3
    WS=$T/ws.$BASHPID
    mkdir -p "$WS" "$T/bin"
    chmod 0755 "$WS" "$T/bin"
    PROBE=$T/bin/syscall-probe.py
    install -m 0755 "$PROBE_SRC" "$PROBE"
    OUTSIDE=$T/outside.$BASHPID
    mkdir -p "$OUTSIDE"
    chmod 0777 "$OUTSIDE"
    cd "$WS" || fail "cd $WS"
}

# run_as WHO ARGS...: rtc (root) or urtc (test user)
run_as() {
    local who=$1
    shift
    if [ "$who" = root ]; then rtc "$@"; else urtc "$@"; fi
}

# m_listener: a TCP listener on the host's 127.0.0.1; PORT
m_listener() {
    local pf=$T/port.$BASHPID
    python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
with open("'"$pf"'", "w") as f: f.write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); c.close()' &
    LISTENER=$!
    track_pid "$LISTENER"
    wait_file "$pf" || fail "no listener"
    PORT=$(cat "$pf")
}

CONNECT='import socket,sys
s=socket.socket(); s.settimeout(5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1]))); print("connected")
except OSError as e:
    print("failed")'

# m_mode WHO MODE: the checks of one mode for one caller.
m_mode() {
    local who=$1 mode=$2 uid=0 f=f.$1.$2
    [ "$who" = root ] || uid=$USER_UID
    run_as "$who" sandbox --sandbox "$mode" -- sh -c "echo x > ./$f"
    if [ "$mode" = read-only ]; then
        assert_ne "$RC" 0 "$who $mode: workspace write"
        [ ! -e "$WS/$f" ] || fail "$who $mode: workspace file created"
    else
        assert_ok "$who $mode: workspace write"
        assert_eq "$(stat -c %u "$WS/$f" 2>/dev/null)" "$uid" "$who $mode: owner on the host"
    fi
    run_as "$who" sandbox --sandbox "$mode" -- sh -c "echo x > $OUTSIDE/$f"
    if [ "$mode" = danger-full-access ]; then
        assert_ok "$who $mode: write outside"
    else
        assert_ne "$RC" 0 "$who $mode: write outside"
        assert_match "$ERR" "Read-only file system|Permission denied" "$who $mode: error"
        [ ! -e "$OUTSIDE/$f" ] || fail "$who $mode: file outside created"
    fi
    run_as "$who" sandbox --sandbox "$mode" -- python3 -c "$CONNECT" "$PORT"
    if [ "$mode" = danger-full-access ]; then
        assert_eq "$OUT" connected "$who $mode: host loopback (host network)"
    else
        assert_eq "$OUT" failed "$who $mode: host loopback with network none"
    fi
    run_as "$who" sandbox --sandbox "$mode" -- python3 "$PROBE"
    assert_ok "$who $mode: probe ran"
    local bad
    bad=$(printf '%s\n' "$OUT" | awk '$2 != "EPERM"')
    [ -n "$OUT" ] && [ -z "$bad" ] || fail "$who $mode: seccomp denials that did not hold: $(oneline "$bad")"
}

# Control: on the host, no call of the probe is refused with EPERM.
t_probe_control() {
    m_setup
    python3 "$PROBE" >"$T/control.$BASHPID" || fail "probe failed on the host"
    local eperm
    eperm=$(awk '$2 == "EPERM"' "$T/control.$BASHPID")
    [ -z "$eperm" ] || fail "the probe can't tell seccomp from the kernel for: $(oneline "$eperm")"
}

t_modes_root() {
    m_setup
    m_listener
    local mode
    for mode in $MODES; do m_mode root "$mode"; done
    kill "$LISTENER" 2>/dev/null
    no_leaks "$WS"
}

t_modes_user() {
    m_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    m_listener
    local mode
    for mode in $MODES; do m_mode user "$mode"; done
    kill "$LISTENER" 2>/dev/null
    no_leaks "$WS"
}

# The filesystem's root as a writable root is danger-full-access, not a
# root among others: refused with the mode to use, from -w / and from a
# workspace that is /; read-only and danger-full-access run from / work.
t_root_dir() {
    m_setup
    rtc sandbox -w / -- true
    assert_failed "sandbox -w /"
    assert_contains "$ERR" "--writable / is the whole filesystem" "the error for -w /"
    assert_contains "$ERR" "danger-full-access" "the error's fix"
    cd / || fail "cd /"
    rtc sandbox -- true
    assert_failed "workspace-write from /"
    assert_contains "$ERR" "the workspace (the current directory) is /" "the error from /"
    rtc sandbox --sandbox read-only -- sh -c 'pwd; touch /x 2>&1 || true'
    assert_ok "read-only from /"
    assert_contains "$OUT" "Read-only file system" "writing / from a read-only sandbox"
    rtc sandbox --sandbox danger-full-access -- pwd
    assert_ok "danger-full-access from /"
    assert_eq "$OUT" / "its working directory"
    [ ! -e /x ] || fail "a read-only sandbox wrote /x"
    cd "$WS" || fail "cd $WS"
    no_leaks "$WS"
}

run_case modes_probe_control t_probe_control
run_case modes_root t_modes_root
run_case modes_user t_modes_user
run_case modes_root_dir t_root_dir
finish
