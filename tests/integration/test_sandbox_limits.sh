#!/usr/bin/env bash
# paddock sandbox (issue #4): resource limits, timeout, --json-status-fd,
# --fallback, the terminal, and dying with paddock.
#   - as root the limits are a cgroup (v1 on this host): an allocation past
#     --memory is OOM-killed, forks past --pids fail with EAGAIN, --cpus is
#     the CFS quota;
#   - as the test user (no cgroup: v1 is never delegated) --fallback refuse
#     (the default) refuses with 125; --fallback auto enforces --memory with
#     RLIMIT_AS and --pids with RLIMIT_NPROC and says so in one warning line;
#   - --timeout kills the whole tree (status 137, a message, nothing left);
#   - --json-status-fd lines parse and carry their fields; the fd is not
#     passed into the sandbox;
#   - stdin a terminal: a pty of its own (not the caller's), its size and
#     size changes followed, Ctrl-C interrupts `sleep` (130), also a
#     SIGINT/SIGQUIT that reached paddock itself (its terminal's foreground
#     group gets it); stdin not a terminal: pipes stay pipes;
#   - kill -9 of paddock (sandbox and foreground run) kills the container;
#     `delete --force` or the next sandbox run removes what is left (state,
#     cgroup, temporary bundle), and nothing of a live sandbox.
# Waits are bounded polls for something that must happen, never a measure of time.
# paddock's own command: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

SB_BUNDLES=/run/paddock-sandbox
PY=/usr/bin/python3

# sl_setup: a workspace $WS (cwd of the case, readable by the test user)
# holding the helper scripts.
sl_setup() {
    is_paddock || { note "sandbox is paddock's own"; exit 0; }
    need_cmd jq
    [ -x "$PY" ] || fail "prerequisite missing: $PY (install python3)"
    WS=$T/ws.$BASHPID
    mkdir -p "$WS"
    chmod 0755 "$WS"
    cd "$WS" || fail "cd $WS"
    install -m 0755 "$HELPERS/ptyrun.py" "$WS/ptyrun.py"
    # fork until N children or an error; children wait on a pipe, so they
    # all exist at once and end with the parent
    cat >"$WS/forker.py" <<'EOF'
import errno, os, sys
r, w = os.pipe()
n = 0
try:
    for i in range(int(sys.argv[1])):
        if os.fork() == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        n += 1
    print("forked", n)
except OSError as e:
    print("forked", n, "then", errno.errorcode[e.errno])
EOF
    BUNDLES_BEFORE=$(stale_entries "$SB_BUNDLES")
}

# sl_no_leaks: no_leaks, no state dir, no temporary bundle, no cgroup.
sl_no_leaks() {
    no_leaks "$WS"
    [ -z "$(state_left "$STATE_ROOT")" ] || fail "state left: $(state_left "$STATE_ROOT")"
    [ "$(stale_entries "$SB_BUNDLES")" = "$BUNDLES_BEFORE" ] ||
        fail "temporary bundle left in $SB_BUNDLES: $(stale_entries "$SB_BUNDLES")"
    local cg
    cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'sandbox-*' 2>/dev/null | head -3)
    [ -z "$cg" ] || fail "sandbox cgroup left: $(oneline "$cg")"
}

sb() { rtc sandbox "$@"; }

# A shell snippet: "processes SOFT HARD" and "address SOFT HARD" of
# /proc/self/limits (RLIMIT_NPROC, RLIMIT_AS).
LIMITS='awk '\''/^Max (processes|address space)/ { print $2, $(NF-2), $(NF-1) }'\'' /proc/self/limits'

# cg_file HIERARCHY FILE: a shell snippet printing FILE of the sandbox's own
# cgroup in HIERARCHY (v1), read from inside.
cg_file() {
    printf 'p=$(grep -E "^[0-9]+:([a-z_]+,)*%s(,[a-z_]+)*:" /proc/self/cgroup | cut -d: -f3); cat /sys/fs/cgroup/%s$p/%s' "$1" "$1" "$2"
}

need_v1() {
    local f
    for f in memory/memory.limit_in_bytes pids/cgroup.procs cpu/cpu.cfs_quota_us; do
        [ -e "/sys/fs/cgroup/$f" ] ||
            fail "these cases expect cgroup v1 memory, pids and cpu hierarchies (hybrid host): no /sys/fs/cgroup/$f"
    done
}

# json_line FILE EVENT: the one line of FILE whose event is EVENT.
json_line() {
    local l
    l=$(jq -c --arg e "$2" 'select(.event == $e)' "$1" 2>"$T/jq.err") ||
        fail "$1 is not JSON lines: $(oneline "$(cat "$T/jq.err")"): $(oneline "$(cat "$1")")"
    [ "$(printf '%s\n' "$l" | grep -c .)" = 1 ] || fail "expected one $2 line in $1, got: $(oneline "$(cat "$1")")"
    printf '%s' "$l"
}

# ---------------------------------------------------------------- limits, root

t_memory_root() {
    sl_setup
    need_v1
    local st=$T/st.$BASHPID
    sb -- sh -c 'head -c 300M /dev/zero | tail >/dev/null; echo status=$?'
    assert_ok
    assert_eq "$OUT" "status=0" "300M through tail without a limit (control)"
    sb --memory 64m --json-status-fd 3 -- sh -c "$(cg_file memory memory.limit_in_bytes); head -c 300M /dev/zero | tail >/dev/null; echo status=\$?" 3>"$st"
    assert_ok
    assert_eq "$OUT" "67108864
status=137" "memory.limit_in_bytes, and tail OOM-killed past 64m"
    assert_eq "$(json_line "$st" start | jq -c .limits.memory)" '{"value":67108864,"enforced_by":"cgroup"}' "start event limits"
    assert_not_contains "$ERR" "warning" "stderr with a cgroup"
    sl_no_leaks
}

t_pids_root() {
    sl_setup
    need_v1
    sb -- "$PY" forker.py 30
    assert_ok
    assert_eq "$OUT" "forked 30" "30 forks without a limit (control)"
    sb --pids 10 -- sh -c "$(cg_file pids pids.max); exec $PY forker.py 30"
    assert_ok
    # 10 processes: paddock's init (pid 1), python and 8 children; the next
    # fork is refused
    assert_eq "$OUT" "10
forked 8 then EAGAIN" "pids.max, and forks past --pids 10"
    sl_no_leaks
}

t_cpus_root() {
    sl_setup
    need_v1
    sb --cpus 0.5 -- sh -c "$(cg_file cpu cpu.cfs_quota_us); $(cg_file cpu cpu.cfs_period_us)"
    assert_ok
    assert_eq "$OUT" "50000
100000" "CFS quota and period for --cpus 0.5"
    sb --cpus 2 --memory 1g --pids 100 -- true
    assert_ok
    sl_no_leaks
}

# The whole tree dies: a background child too; status 137 and the message.
t_timeout() {
    sl_setup
    local st=$T/st.$BASHPID tag=9$$$RANDOM
    sb --timeout 1 --json-status-fd 3 -- sh -c "sleep ${tag}1 & exec sleep ${tag}2" 3>"$st"
    assert_eq "$RC" 137 "exit status after the timeout"
    assert_contains "$ERR" "paddock: sandbox: timeout after 1 s, killed" "stderr"
    [ -z "$(pgrep -f "^sleep ${tag}")" ] || fail "processes left after the timeout: $(pgrep -af "^sleep ${tag}")"
    local ex
    ex=$(json_line "$st" exit)
    assert_eq "$(jq -c '[.status, .signal, .timed_out]' <<<"$ex")" "[137,9,true]" "exit event"
    assert_eq "$(json_line "$st" start | jq -c .limits.timeout)" '{"value":1,"enforced_by":"watchdog"}' "start event"
    # a command that ends first is not touched
    sb --timeout 30 -- sh -c 'exit 4'
    assert_eq "$RC" 4 "exit status before the timeout"
    assert_not_contains "$ERR" "timeout" "stderr"
    sl_no_leaks
}

# ---------------------------------------------------------------- status fd

t_json_status() {
    sl_setup
    local st=$T/st.$BASHPID
    sb --json-status-fd 7 -- sh -c 'if [ -e /proc/$$/fd/7 ]; then echo fd7-leaked; fi; echo $$; exit 3' 7>"$st"
    assert_eq "$RC" 3 "exit status"
    assert_eq "$OUT" 2 "output (the fd is not passed in; CMD is pid 2, after paddock's init)"
    local s e
    s=$(json_line "$st" start)
    e=$(json_line "$st" exit)
    assert_match "$(jq -r .id <<<"$s")" '^sandbox-[0-9]+-[0-9a-f]{8}$' "start: id"
    assert_eq "$(jq -r .id <<<"$e")" "$(jq -r .id <<<"$s")" "exit: id"
    assert_match "$(jq -r .pid <<<"$s")" '^[1-9][0-9]*$' "start: pid"
    assert_ne "$(jq -r .pid <<<"$s")" 1 "start: pid is the host's"
    assert_eq "$(jq -c '[.terminal, .limits]' <<<"$s")" '[false,{}]' "start: terminal, limits"
    assert_match "$(jq -r .time <<<"$s")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "start: time"
    assert_eq "$(jq -c '[.status, .signal, .timed_out]' <<<"$e")" '[3,null,false]' "exit: status, signal, timed_out"
    assert_match "$(jq -r .duration_ms <<<"$e")" '^[0-9]+$' "exit: duration_ms"
    # the command never ran: only the exit event
    : >"$st"
    sb --json-status-fd 7 -- /nonexistent-paddock-cmd 7>"$st"
    assert_eq "$RC" 127 "missing command"
    assert_eq "$(jq -r .event "$st" | tr '\n' ' ')" "exit " "events of a command that never ran"
    sb --json-status-fd 99 -- true
    assert_eq "$RC" 2 "--json-status-fd of a closed fd"
    sb --json-status-fd 1 -- true
    assert_eq "$RC" 2 "--json-status-fd 1 (stdout: the command's)"
    sl_no_leaks
}

# ---------------------------------------------------------------- fallback

t_bad_flags() {
    sl_setup
    local f
    for f in "--memory 12x" "--memory 0" "--pids 0" "--pids x" "--cpus 0.001" "--cpus 1.2345" \
        "--timeout 0" "--timeout -1" "--fallback maybe" "--json-status-fd x"; do
        # shellcheck disable=SC2086
        sb $f -- true
        assert_eq "$RC" 2 "exit status for $f"
        assert_contains "$ERR" "${f%% *}" "error for $f"
    done
    sl_no_leaks
}

# Root without a cgroup (--cgroup-manager disabled): refused by default,
# rlimits with --fallback auto (RLIMIT_NPROC does not apply to uid 0).
t_fallback_root() {
    sl_setup
    rtc --cgroup-manager disabled sandbox --memory 64m -- true
    assert_eq "$RC" 125 "refused without a cgroup"
    assert_contains "$ERR" "--cgroup-manager disabled" "why"
    assert_contains "$ERR" "--fallback auto" "how to fix it"
    rtc --cgroup-manager disabled sandbox --fallback auto --memory 64m --pids 10 -- \
        sh -c "$LIMITS"
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "address 67108864 67108864" "RLIMIT_AS"
    assert_ne "$(printf '%s\n' "$OUT" | head -n 1)" "processes 10 10" "RLIMIT_NPROC (not set for uid 0)"
    assert_contains "$ERR" "--memory enforced with RLIMIT_AS" "warning"
    assert_contains "$ERR" "--pids not enforced (RLIMIT_NPROC does not apply to uid 0)" "warning"
    assert_eq "$(printf '%s\n' "$ERR" | grep -c .)" 1 "one warning line"
    sl_no_leaks
}

# The test user: v1 is never delegated, so no cgroup.
t_fallback_user() {
    sl_setup
    rootless_setup
    local st=$T/st.$BASHPID log=$WS/audit.log
    urtc sandbox --memory 64m -- true
    assert_eq "$RC" 125 "refused (--fallback refuse is the default)"
    assert_contains "$ERR" "--memory needs a cgroup" "what is missing"
    assert_contains "$ERR" "cgroup v1" "why"
    assert_contains "$ERR" "--fallback auto" "how to fix it"
    urtc sandbox --fallback refuse --pids 5 -- true
    assert_eq "$RC" 125 "refused with --fallback refuse"
    chown "$TEST_USER:" "$WS"
    urtc sandbox --fallback auto --memory 64m --pids 10 --cpus 1 --audit-log "$log" --json-status-fd 3 -- \
        sh -c "$LIMITS"'; head -c 300M /dev/zero | tail >/dev/null; echo status=$?' 3>"$st"
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | head -n 2)" "processes 10 10
address 67108864 67108864" "rlimits"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "status=1" "tail past RLIMIT_AS"
    local warn
    warn=$(printf '%s\n' "$ERR" | grep "paddock: ")
    assert_eq "$(printf '%s\n' "$warn" | grep -c .)" 1 "one warning line"
    assert_contains "$warn" "--memory enforced with RLIMIT_AS" "warning"
    assert_contains "$warn" "--pids enforced with RLIMIT_NPROC" "warning"
    assert_contains "$warn" "--cpus not enforced" "warning"
    assert_contains "$warn" "(no cgroup: cgroup v1" "warning"
    assert_contains "$ERR" "memory exhausted" "tail's error"
    assert_eq "$(json_line "$st" start | jq -c '[.limits[].enforced_by]')" '["RLIMIT_AS","RLIMIT_NPROC","none"]' "start event"
    assert_eq "$(jq -r 'select(.event == "fallback") | .layer | select(. == "memory" or . == "pids" or . == "cpus")' "$log" | tr '\n' ' ')" \
        "memory pids cpus " "audit fallback events"
    urtc sandbox --fallback auto --pids 10 -- "$PY" forker.py 30
    assert_ok
    assert_eq "$OUT" "forked 8 then EAGAIN" "forks past --pids 10 (RLIMIT_NPROC; pid 1 is paddock's init)"
    urtc sandbox --fallback auto --timeout 1 -- sleep 100
    assert_eq "$RC" 137 "timeout as the test user"
    assert_contains "$ERR" "timeout after 1 s, killed"
    sl_no_leaks
}

# ---------------------------------------------------------------- terminal

# pty_sb [PTYRUN-OPTIONS] -- SANDBOX-ARGS: paddock sandbox on a new pty
# (helpers/ptyrun.py); RC, OUT (CRs removed).
pty_sb() {
    local o=()
    while [ "$1" != -- ]; do o+=("$1"); shift; done
    shift
    IO_N=$((IO_N + 1))
    printf '+ (pty %s) %s sandbox %s\n' "${o[*]}" "$RUNTIME_NAME" "$*" >>"$CASE_TRACE"
    "$PY" "$WS/ptyrun.py" "${o[@]}" -- "$RUNTIME" --root "$STATE_ROOT" sandbox "$@" >"$T/io.$IO_N.out" 2>"$T/io.$IO_N.err"
    RC=$?
    OUT=$(tr -d '\r' <"$T/io.$IO_N.out")
    ERR=$(cat "$T/io.$IO_N.err")
}

t_tty() {
    sl_setup
    local info=$T/info.$BASHPID
    pty_sb --size 33x111 --info "$info" -- sh -c 'tty; stty size; stat -L -c %d /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; ls /proc/self/fd | tr "\n" " "'
    assert_ok
    local outer_dev inner
    outer_dev=$(cut -d' ' -f1 "$info")
    inner=$(printf '%s\n' "$OUT" | head -n 1)
    assert_match "$inner" '^/dev/pts/[0-9]+$' "tty inside"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 2p)" "33 111" "stty size inside"
    # stdin, stdout and stderr are a pty of the sandbox's own devpts, not the
    # caller's terminal (the same name can exist in both instances)
    local d
    for d in $(printf '%s\n' "$OUT" | sed -n 3,5p); do
        assert_ne "$d" "$outer_dev" "devpts of the sandbox's stdio (caller's: $(cat "$info"))"
    done
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 3p)" "$(printf '%s\n' "$OUT" | sed -n 5p)" "stdio on one pty"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "0 1 2 3 " "fds inside (3: ls's own)"
    sl_no_leaks
}

t_tty_resize() {
    sl_setup
    pty_sb --size 20x70 --expect READY --resize 40x100 -- \
        sh -c 'trap "stty size; exit 3" WINCH; echo READY; while :; do sleep 1; done'
    assert_eq "$RC" 3 "exit status of the WINCH trap"
    assert_eq "$OUT" "READY
40 100" "stty size after the resize"
    sl_no_leaks
}

t_tty_ctrl_c() {
    sl_setup
    local st=$T/st.$BASHPID
    pty_sb --status-fd 5 --status-out "$st" --expect-start --send '\x03' -- --json-status-fd 5 sleep 100
    assert_eq "$RC" 130 "exit status after Ctrl-C"
    assert_eq "$(json_line "$st" start | jq .terminal)" true "start event: terminal"
    assert_eq "$(json_line "$st" exit | jq .status)" 130 "exit event: status"
    # a shell's job: the process group in the foreground gets it.  READY
    # comes from the job itself: dash loses a Ctrl-C that arrives between
    # its own `echo READY` and the exec of its (v)forked child, on any
    # terminal (the child ignores it while vforked, and waits in sleep)
    pty_sb --expect READY --send '\x03' -- sh -c 'sh -c "echo READY; exec sleep 100"; echo survived'
    assert_eq "$RC" 130 "exit status of sh after Ctrl-C"
    assert_not_contains "$OUT" survived "output"
    sl_no_leaks
}

# A Ctrl-C that reaches paddock itself (typed before paddock made the
# caller's terminal raw: the caller's line discipline signals paddock's
# process group) must act as if typed on the sandbox's terminal: the
# foreground process group gets it, not only the command (sh would defer
# it until its foreground sleep ends: the test then hangs until ptyrun's
# deadline and fails).
t_tty_sigint_runtime() {
    sl_setup
    local sig
    for sig in INT QUIT; do
        pty_sb --expect READY --signal "$sig" -- sh -c 'sh -c "echo READY; exec sleep 100"; echo survived'
        local want=130
        [ "$sig" = QUIT ] && want=131
        assert_eq "$RC" "$want" "exit status of sh after SIG$sig to paddock (stderr: $(oneline "$ERR"))"
        assert_not_contains "$OUT" survived "output after SIG$sig"
    done
    # without a terminal, the signal still goes to the command
    RC=0
    "$RUNTIME" --root "$STATE_ROOT" sandbox -- sh -c 'trap "echo TRAPPED; exit 7" INT; echo READY; while :; do sleep 1; done' >"$T/nt.out" 2>"$T/nt.err" &
    local p=$!
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q READY "$T/nt.out" && break
        sleep 0.1
    done
    kill -INT "$p"
    wait "$p" || RC=$?
    assert_eq "$RC" 7 "exit status of the INT trap without a terminal (stderr: $(oneline "$(cat "$T/nt.err")"))"
    assert_contains "$(cat "$T/nt.out")" TRAPPED "trap output"
    sl_no_leaks
}

t_no_tty_pipes() {
    sl_setup
    RC=0
    OUT=$(printf 'in\n' | "$RUNTIME" --root "$STATE_ROOT" sandbox -- sh -c 'tty; cat; ls -l /proc/self/fd/0 | grep -c pipe' 2>"$T/err") || RC=$?
    assert_ok "exit status"
    assert_eq "$OUT" "not a tty
in
1" "stdin stays a pipe"
    sl_no_leaks
}

t_tty_user() {
    sl_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    local out rc
    out=$(as_user "$PY" "$WS/ptyrun.py" --size 25x90 --expect READY --send '\x03' -- \
        "$UR" sandbox -- sh -c 'tty; stty size; echo READY; exec sleep 100' 2>"$T/err")
    rc=$?
    out=$(printf '%s' "$out" | tr -d '\r')
    assert_eq "$rc" 130 "exit status after Ctrl-C (stderr: $(oneline "$(cat "$T/err")"))"
    assert_match "$(printf '%s\n' "$out" | head -n1)" '^/dev/pts/[0-9]+$' "tty"
    assert_eq "$(printf '%s\n' "$out" | sed -n 2p)" "25 90" "stty size"
    sl_no_leaks
}

# ---------------------------------------------------------------- kill -9

# wait_gone PATTERN: poll until no process matches (bounded: fails after 10s).
wait_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -z "$(pgrep -f "$1")" ] && return 0
        sleep 0.1
    done
    fail "processes still alive after paddock's death: $(oneline "$(pgrep -af "$1")")"
}

# wait_running PATTERN: poll until a process matches (bounded: fails after 10s).
wait_running() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -n "$(pgrep -f "$1")" ] && return 0
        sleep 0.1
    done
    fail "no process matches $1"
}

# start_killable ST TAG [as_user]: paddock sandbox --memory (a cgroup as root)
# in the background with its status in ST; sets BG (the background job),
# PADDOCK_PID (from the sandbox id), SB_ID, SB_PID.
start_killable() {
    local st=$1 tag=$2
    shift 2
    : >"$st"
    if [ "${1:-}" = as_user ]; then
        as_user "$UR" sandbox --json-status-fd 3 -- sh -c "sleep ${tag}1 & exec sleep ${tag}2" 3>"$st" 2>/dev/null &
    else
        "$RUNTIME" --root "$STATE_ROOT" sandbox --memory 64m --json-status-fd 3 -- \
            sh -c "sleep ${tag}1 & exec sleep ${tag}2" 3>"$st" 2>/dev/null &
    fi
    BG=$!
    track_pid "$BG"
    wait_file "$st" 100 || fail "no start event"
    SB_ID=$(jq -r .id "$st")
    SB_PID=$(jq -r .pid "$st")
    PADDOCK_PID=$(cut -d- -f2 <<<"$SB_ID")
    track_pid "$SB_PID"
    track_pid "$PADDOCK_PID"
    wait_running "^sleep ${tag}1"
}

t_kill9() {
    sl_setup
    need_v1
    local st=$T/st.$BASHPID tag=8$$$RANDOM
    start_killable "$st" "$tag"
    [ -d "/sys/fs/cgroup/memory/paddock/$SB_ID" ] || fail "no cgroup for $SB_ID"
    kill -9 "$PADDOCK_PID"
    wait "$BG" 2>/dev/null
    wait_gone "^sleep ${tag}"
    # what is left: the state (and cgroup) of a dead sandbox; delete --force
    [ -d "$STATE_ROOT/$SB_ID" ] || fail "state of the killed sandbox already gone (the test can't see the cleanup)"
    rt_ok delete --force "$SB_ID"
    [ ! -e "$STATE_ROOT/$SB_ID" ] || fail "state left after delete --force"
    [ ! -e "/sys/fs/cgroup/memory/paddock/$SB_ID" ] || fail "cgroup left after delete --force"
    # again; now the next sandbox run sweeps it
    start_killable "$st" "$tag"
    kill -9 "$PADDOCK_PID"
    wait "$BG" 2>/dev/null
    wait_gone "^sleep ${tag}"
    [ -d "$STATE_ROOT/$SB_ID" ] || fail "state of the killed sandbox already gone (the test can't see the sweep)"
    sb -- true
    assert_ok
    [ ! -e "$STATE_ROOT/$SB_ID" ] || fail "state of the dead sandbox not swept"
    [ ! -e "/sys/fs/cgroup/memory/paddock/$SB_ID" ] || fail "cgroup of the dead sandbox not swept"
    sl_no_leaks
}

# Temporary bundles of dead owners go; those of live ones stay.
t_sweep_bundles() {
    sl_setup
    true &
    local dead=$!
    wait "$dead"
    [ ! -e "/proc/$dead" ] || fail "pid $dead still exists"
    mkdir -p "$SB_BUNDLES"
    local stale=$SB_BUNDLES/sandbox-$dead-0badf00d live=$SB_BUNDLES/sandbox-$$-0badf00d
    mkdir -p "$stale" "$live"
    echo '{}' >"$stale/config.json"
    mkdir -p "$STATE_ROOT/sandbox-$$-0badf00d"
    sb -- true
    local ok_stale=1 ok_live=1 ok_state=1
    [ ! -e "$stale" ] || ok_stale=0
    [ -d "$live" ] || ok_live=0
    [ -d "$STATE_ROOT/sandbox-$$-0badf00d" ] || ok_state=0
    rm -rf "$stale" "$live" "$STATE_ROOT/sandbox-$$-0badf00d"
    assert_ok
    [ $ok_stale = 1 ] || fail "bundle of a dead sandbox not swept"
    [ $ok_live = 1 ] || fail "bundle of a live owner removed"
    [ $ok_state = 1 ] || fail "state of a live owner removed"
    sl_no_leaks
}

t_kill9_user() {
    sl_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    local st=$T/st.$BASHPID tag=7$$$RANDOM ustate=$TEST_USER_RUN_DIR/paddock
    start_killable "$st" "$tag" as_user
    kill -9 "$PADDOCK_PID"
    wait "$BG" 2>/dev/null
    wait_gone "^sleep ${tag}"
    [ -d "$ustate/$SB_ID" ] || fail "state of the killed sandbox already gone (the test can't see the sweep)"
    urtc sandbox -- true
    assert_ok
    [ ! -e "$ustate/$SB_ID" ] || fail "state of the dead sandbox not swept"
    sl_no_leaks
}

# `run` in the foreground: kill -9 of paddock kills the container, also
# when process.user changes the uid (which clears the parent-death signal).
t_kill9_run() {
    is_paddock || { note "paddock's own behaviour"; exit 0; }
    local b=$T/bundle.$BASHPID id tag=6$$$RANDOM
    make_bundle "$b" sh -c "sleep ${tag}1 & exec sleep ${tag}2"
    [ "${1:-}" != user ] || cfg_set "$b" '.process.user.uid = 1000 | .process.user.gid = 1000'
    id=$(new_id)
    "$RUNTIME" --root "$STATE_ROOT" run --bundle "$b" "$id" </dev/null >/dev/null 2>&1 &
    local pp=$!
    track_pid "$pp"
    wait_status "$id" running 100
    local pid
    pid=$(state_pid "$id")
    wait_running "^sleep ${tag}1"
    kill -9 "$pp"
    wait "$pp" 2>/dev/null
    wait_gone "^sleep ${tag}"
    assert_eq "$(state_status "$id")" stopped "status after paddock's death"
    rt_ok delete --force "$id"
    no_leaks "$id" "$b"
}

run_case limits_memory_root t_memory_root
run_case limits_pids_root t_pids_root
run_case limits_cpus_root t_cpus_root
run_case limits_timeout t_timeout
run_case limits_json_status t_json_status
run_case limits_bad_flags t_bad_flags
run_case limits_fallback_root t_fallback_root
run_case limits_fallback_user t_fallback_user
run_case limits_tty t_tty
run_case limits_tty_resize t_tty_resize
run_case limits_tty_ctrl_c t_tty_ctrl_c
run_case limits_tty_sigint_runtime t_tty_sigint_runtime
run_case limits_no_tty_pipes t_no_tty_pipes
run_case limits_tty_user t_tty_user
run_case limits_kill9 t_kill9
run_case limits_kill9_run_uid t_kill9_run user
run_case limits_kill9_user t_kill9_user
run_case limits_kill9_run t_kill9_run
run_case limits_sweep_bundles t_sweep_bundles
finish
