#!/usr/bin/env bash
# Signals: `run` forwards signals to the container process; `kill` with
# names/numbers and --all; the container starts with default dispositions.
#
# Busybox sh as pid 1 of a pid namespace ignores signals it has no trap for,
# so the containers below trap what they expect.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" true
    rm -f "$B/rootfs/tmp/sig" "$B/rootfs/tmp/ready"
}

TRAPS='trap "echo got TERM; exit 3" TERM; trap "echo got INT; exit 4" INT; trap "echo got HUP; exit 5" HUP; trap "echo got USR1; exit 6" USR1
echo ready; touch /tmp/ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; echo timeout'

# forward SIG EXPECTED-RC: `run` in the background, signal the runtime process.
check_forward() {
    setup_bundle
    set_args "$B" sh -c "$TRAPS"
    local id rpid rc i
    id=$(new_id)
    # Directly, not through rt's timeout(1), so that $! is the runtime (env
    # execs it), with default dispositions (cases run as background jobs,
    # which ignore SIGINT/SIGQUIT; dispositions_reset covers that).
    env --default-signal=INT,QUIT "$RUNTIME" --root "$STATE_ROOT" run --bundle "$B" "$id" >"$T/fwd.out" 2>"$T/fwd.err" &
    rpid=$!
    track_pid "$rpid"
    for i in $(seq 100); do
        [ -e "$B/rootfs/tmp/ready" ] && break
        sleep 0.1
    done
    [ -e "$B/rootfs/tmp/ready" ] || fail "container never became ready: $(oneline "$(cat "$T/fwd.err")")"
    state_pid "$id" >/dev/null
    kill -s "$1" "$rpid" || fail "cannot signal the runtime process $rpid"
    for i in $(seq 100); do
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$rpid" 2>/dev/null; then
        kill -9 "$rpid"
        fail "run still running 10s after SIG$1"
    fi
    wait "$rpid"
    rc=$?
    assert_contains "$(cat "$T/fwd.out")" "got $1" "container output after SIG$1 to run"
    assert_eq "$rc" "$2" "exit status of run after SIG$1 (the container's exit)"
    no_leaks "$id" "$B"
}
t_forward_term() { check_forward TERM 3; }
t_forward_int() { check_forward INT 4; }
t_forward_hup() { check_forward HUP 5; }
t_forward_usr1() { check_forward USR1 6; }

t_dispositions_reset() {
    # Started from a non-interactive shell's background job (SIGINT and
    # SIGQUIT ignored, USR2 too): the container still starts
    # with nothing ignored or blocked.
    setup_bundle
    # grep itself is the init (busybox sh would ignore SIGQUIT on its own).
    set_args "$B" grep -E "^Sig(Ign|Blk):" /proc/self/status
    local id
    id=$(new_id)
    (trap '' INT QUIT USR2; rt run --bundle "$B" "$id" >"$T/disp.out" 2>"$T/disp.err") &
    wait $!
    RC=$?
    ERR=$(cat "$T/disp.err")
    OUT=$(cat "$T/disp.out")
    assert_ok "run from a background job"
    # Signals 32 and 33 are glibc's internal ones (glibc's sigaction refuses
    # them, and make runs recipes with them ignored): not counted.
    local ign
    ign=$(printf '%s\n' "$OUT" | awk '$1 == "SigIgn:" { print $2 }')
    assert_match "$ign" '^[0-9a-f]{16}$' "SigIgn in the container"
    [ $((0x$ign & ~0x180000000)) = 0 ] ||
        fail "ignored signals in the container: SigIgn $ign (signals 32 and 33 aside, expected none)"
    assert_match "$(printf '%s\n' "$OUT" | grep SigBlk)" '^SigBlk:[[:space:]]+0+$' "blocked signals in the container"
    no_leaks "$id"
}

# start_detached: a detached container running TRAPS (status in rootfs/tmp/sig)
start_detached() {
    setup_bundle
    set_args "$B" sh -c 'trap "echo TERM > /tmp/sig; exit 3" TERM; trap "echo HUP > /tmp/sig; exit 5" HUP; touch /tmp/ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done'
    DID=$(new_id)
    rt_ok run --detach --bundle "$B" "$DID"
    DPID=$(state_pid "$DID")
    local i
    for i in $(seq 50); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.1; done
    [ -e "$B/rootfs/tmp/ready" ] || fail "detached container never became ready"
}

t_kill_default_term() {
    start_detached
    rt_ok kill "$DID"
    wait_status "$DID" stopped
    assert_eq "$(cat "$B/rootfs/tmp/sig" 2>/dev/null)" TERM "signal received for 'kill ID'"
    rt_ok delete "$DID"
    no_leaks "$DID" "$B"
}

t_kill_names_numbers() {
    local sig
    for sig in TERM SIGTERM 15 HUP SIGHUP 1; do
        start_detached
        rt_ok kill "$DID" "$sig"
        wait_status "$DID" stopped
        case $sig in *HUP|1) want=HUP ;; *) want=TERM ;; esac
        assert_eq "$(cat "$B/rootfs/tmp/sig" 2>/dev/null)" "$want" "signal received for 'kill ID $sig'"
        rt_ok delete "$DID"
        no_leaks "$DID"
    done
}

t_kill_kill() {
    local sig
    for sig in KILL SIGKILL 9; do
        start_detached
        rt_ok kill "$DID" "$sig"
        wait_status "$DID" stopped
        local i
        for i in $(seq 50); do _pid_alive "$DPID" || break; sleep 0.1; done
        ! _pid_alive "$DPID" || fail "container process alive after 'kill ID $sig'"
        rt_ok delete "$DID"
        no_leaks "$DID" "$B"
    done
}

t_kill_all() {
    # init traps USR1 and survives; its children (sleep, default USR1 action)
    # die only if `kill --all` signals every process of the container.
    setup_bundle
    set_args "$B" sh -c 'trap "echo USR1 >> /tmp/sig" USR1; sleep 30 & sleep 30 & touch /tmp/ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done'
    local id pid i kids
    id=$(new_id)
    rt_ok run --detach --bundle "$B" "$id"
    pid=$(state_pid "$id")
    for i in $(seq 50); do [ -e "$B/rootfs/tmp/ready" ] && break; sleep 0.1; done
    kids=$(ps -o pid=,args= --ppid "$pid" | awk '$2 == "sleep" && $3 == "30" { print $1 }' | tr '\n' ' ')
    [ "$(echo $kids | wc -w)" = 2 ] || fail "expected 2 'sleep 30' children of $pid, got '$kids'"
    local k
    for k in $kids; do track_pid "$k"; done
    rt_ok kill --all "$id" USR1
    for i in $(seq 50); do
        local alive=0
        for k in $kids; do _pid_alive "$k" && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for k in $kids; do ! _pid_alive "$k" || fail "child $k alive after 'kill --all ID USR1'"; done
    _pid_alive "$pid" || fail "init died after USR1, which it traps"
    assert_eq "$(state_status "$id")" running "status after 'kill --all ID USR1'"
    for i in $(seq 30); do [ -s "$B/rootfs/tmp/sig" ] && break; sleep 0.1; done
    assert_contains "$(cat "$B/rootfs/tmp/sig" 2>/dev/null)" USR1 "init's trap"
    rt_ok kill --all "$id" KILL
    wait_status "$id" stopped
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

t_kill_errors() {
    start_detached
    rtc kill "$DID" PDTNOSUCHSIG
    assert_failed "kill with an unknown signal"
    assert_contains "$ERR" PDTNOSUCHSIG "error for an unknown signal"
    assert_eq "$(state_status "$DID")" running "status after a bad kill"
    rt_ok kill "$DID" KILL
    wait_status "$DID" stopped
    rtc kill "$DID" KILL
    assert_failed "kill of a stopped container"
    rt_ok delete "$DID"
    rtc kill "$DID" KILL
    assert_failed "kill of a deleted container"
    no_leaks "$DID" "$B"
}

t_kill_created() {
    # Signalling a created (not started) container reaches its init.
    setup_bundle
    set_args "$B" sleep 30
    local id pid i
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    pid=$(state_pid "$id")
    rt_ok kill "$id" KILL
    for i in $(seq 50); do _pid_alive "$pid" || break; sleep 0.1; done
    ! _pid_alive "$pid" || fail "created container's init alive after kill KILL"
    wait_status "$id" stopped
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

run_case forward_term t_forward_term
run_case forward_int t_forward_int
run_case forward_hup t_forward_hup
run_case forward_usr1 t_forward_usr1
run_case dispositions_reset t_dispositions_reset
run_case kill_default_term t_kill_default_term
run_case kill_names_numbers t_kill_names_numbers
run_case kill_kill t_kill_kill
run_case kill_all t_kill_all
run_case kill_errors t_kill_errors
run_case kill_created t_kill_created
finish
