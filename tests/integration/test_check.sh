#!/usr/bin/env bash
# paddock check (issue #4): the escape probes run inside a sandbox of each
# mode, as root and as the unprivileged test user, must all come out as the
# mode promises (exit 0, "passed": true); --network host and -w DIR; the
# JSON fields; usage errors; nothing left behind (temporary directories,
# state, mounts, processes).  A control case runs the probes *outside* any
# sandbox, to show that they do see an escape when there is one.
# paddock's own command: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

N_PROBES=17

c_setup() {
    is_paddock || { note "check is paddock's own"; exit 0; }
    need_cmd jq
    CHECK_DIRS_BEFORE=$(ls -d /var/tmp/paddock-check.* 2>/dev/null | sort)
    cd "$T" || fail "cd $T"
}

# c_no_leaks: no_leaks, no state and no temporary check directory left.
c_no_leaks() {
    no_leaks
    [ -z "$(state_left "$STATE_ROOT")" ] || fail "state left: $(state_left "$STATE_ROOT")"
    [ "$(ls -d /var/tmp/paddock-check.* 2>/dev/null | sort)" = "$CHECK_DIRS_BEFORE" ] ||
        fail "temporary check directory left: $(ls -d /var/tmp/paddock-check.* 2>/dev/null)"
}

# assert_passed WHAT: the last check --json run passed; on failure name the
# probes that were not as promised.
assert_passed() {
    local bad
    bad=$(printf '%s' "$OUT" | jq -r '.probes[] | select(.ok | not) |
        "\(.name): expected \(.expected), observed \(.observed) \(.errno) (\(.detail))"' 2>/dev/null)
    [ "$RC" = 0 ] || fail "$1: exit $RC; not as promised: $(oneline "$bad"); stderr: $(oneline "$ERR")"
    assert_eq "$(printf '%s' "$OUT" | jq -r '[.passed, .failed, .sandbox_status, (.probes | length)] | @tsv')" \
        "true	0	0	$N_PROBES" "$1: passed, failed, sandbox_status, probes"
}

# has_line ERE WHAT: a line of $OUT matches ERE (anchored at the line's start)
has_line() { printf '%s\n' "$OUT" | grep -Eq "^$1" || fail "$2: no line /^$1/ in: $(oneline "$OUT")"; }

# observed NAME: what the probe NAME observed in the last --json run
observed() { printf '%s' "$OUT" | jq -r --arg n "$1" '.probes[] | select(.name == $n) | .observed'; }

t_check_root() {
    c_setup
    local m
    for m in workspace-write read-only danger-full-access; do
        rtc check --sandbox "$m" --json
        assert_passed "check --sandbox $m (root)"
        assert_eq "$(printf '%s' "$OUT" | jq -r .mode)" "$m" "mode"
    done
    c_no_leaks
}

# What the modes promise, as observed (not only "as expected").
t_check_observations() {
    c_setup
    rtc check --json
    assert_passed "check"
    assert_eq "$(observed write_workspace) $(observed write_outside) $(observed write_git_hooks)" \
        "allowed blocked blocked" "workspace-write: workspace, outside, .git/hooks"
    assert_eq "$(observed tcp_connect_host) $(observed unix_socket_host)" "blocked blocked" \
        "workspace-write: host TCP and unix socket"
    rtc check --sandbox read-only --json
    assert_passed "check --sandbox read-only"
    assert_eq "$(observed write_workspace)" blocked "read-only: workspace"
    rtc check --sandbox danger-full-access --json
    assert_passed "check --sandbox danger-full-access"
    assert_eq "$(observed write_outside) $(observed tcp_connect_host) $(observed ptrace_host) $(observed kill_host)" \
        "allowed allowed blocked blocked" "danger-full-access: outside, TCP, ptrace, kill"
    c_no_leaks
}

t_check_network_host() {
    c_setup
    rtc check --network host --json
    assert_passed "check --network host"
    assert_eq "$(observed tcp_connect_host) $(observed abstract_unix_host)" "allowed blocked" \
        "host TCP allowed, host abstract socket still blocked (landlock scoping)"
    rtc check --sandbox danger-full-access --network none --json
    assert_passed "check --sandbox danger-full-access --network none"
    assert_eq "$(observed tcp_connect_host)" blocked "danger-full-access --network none: TCP"
    c_no_leaks
}

t_check_writable() {
    c_setup
    local extra=$T/extra.$BASHPID
    mkdir -p "$extra"
    rtc check -w "$extra" --protect .notes --memory 256m --pids 200 --timeout 60 --json
    assert_passed "check -w DIR with limits"
    c_no_leaks
}

t_check_text() {
    c_setup
    rtc check
    assert_ok
    assert_contains "$OUT" "PROBE"
    assert_contains "$OUT" "$N_PROBES probes: $N_PROBES as promised, 0 not"
    local p
    for p in write_workspace write_outside write_git_hooks create_protected read_kcore \
        tcp_connect_host unix_socket_host abstract_unix_host ptrace_host kill_host tiocsti mount \
        userns setuid io_uring bpf keyctl; do
        has_line "$p +(allowed|blocked) +(allowed|blocked) +ok " "line of $p"
    done
    c_no_leaks
}

t_check_usage() {
    c_setup
    rtc check --sandbox bogus
    assert_rc 2
    assert_err_contains "--sandbox: expected read-only, workspace-write or danger-full-access"
    rtc check extra-arg
    assert_rc 2
    assert_err_contains "unexpected argument"
    rtc check -w "$T/does-not-exist"
    assert_rc 2
    assert_err_contains "--writable $T/does-not-exist"
    rtc check --sandbox read-only -w "$T"
    assert_rc 2
    assert_err_contains "--writable needs --sandbox workspace-write"
    rtc check --memory lots
    assert_rc 2
    assert_err_contains "--memory: invalid value \"lots\""
    rtc check --help
    assert_ok
    assert_contains "$OUT" "Usage: paddock check"
    rtc --help
    assert_not_contains "$OUT" "__probe" "paddock --help"
    c_no_leaks
}

t_check_user() {
    c_setup
    rootless_setup
    local m
    for m in workspace-write read-only danger-full-access; do
        urtc check --sandbox "$m" --json
        assert_passed "check --sandbox $m (as $TEST_USER)"
        assert_eq "$(printf '%s' "$OUT" | jq -r .uid)" "$USER_UID" "uid"
    done
    assert_eq "$(observed setuid)" blocked "setuid as $TEST_USER"
    c_no_leaks
}

# Control: the probes, run as the test user outside any sandbox, see the
# escapes (a file outside, a signal to its own sleeper, a setuid exec, a
# nested user namespace, a TCP connection to a local listener).
t_probe_control() {
    c_setup
    rootless_setup
    local d=$T/control.$BASHPID
    mkdir -p "$d/ws/.git/hooks" "$d/out"
    chown -R "$TEST_USER:" "$d"
    as_user sh -c 'echo $$ >"$1"; exec sleep 60' sh "$d/out/pid" &
    wait_file "$d/out/pid" || fail "the test user's sleeper did not start"
    local sleeper
    sleeper=$(cat "$d/out/pid")
    track_pid "$sleeper"
    sleep 0.1
    [ "$(ps -o comm= -p "$sleeper")" = sleep ] || fail "the test user's sleeper is not running"
    local start
    start=$(sed 's/.*) //' "/proc/$sleeper/stat" | cut -d' ' -f20)
    OUT=$(cd "$d" && as_user "$UR" __probe --workspace "$d/ws" --outside "$d/out" \
        --pid "$sleeper" --pid-start "$start" 2>&1)
    kill "$sleeper" 2>/dev/null
    local p
    for p in write_workspace write_outside write_git_hooks kill_host setuid keyctl; do
        has_line "probe $p allowed " "unconfined probe $p"
    done
    [ -e "$d/out/paddock-check-probe" ] || fail "the unconfined probe wrote no file outside"
    has_line "probe mount blocked EPERM" "mount as an unprivileged user"
    c_no_leaks
}

run_case check_root t_check_root
run_case check_observations t_check_observations
run_case check_network_host t_check_network_host
run_case check_writable t_check_writable
run_case check_text t_check_text
run_case check_usage t_check_usage
run_case check_user t_check_user
run_case probe_control t_probe_control
finish
