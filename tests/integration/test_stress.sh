#!/usr/bin/env bash
# Stress and leaks (issue #9), the short version `make check` runs; `make
# stress` (tests/stress/run) runs the same cases bigger.
#
#   lifecycles_root / lifecycles_rootless
#       STRESS_LIFECYCLES (100) create/start/kill/delete lifecycles,
#       STRESS_PARALLEL (4) at a time, on one --root; every command must
#       succeed.  Afterwards nothing is left: no mount under the test's
#       directory, no process of these containers, no state directory, no
#       cgroup named after them; and the fds of the created inits (the
#       runtime's process waiting for start) were the same in every
#       lifecycle (a leak would grow them).
#   kill9_root / kill9_rootless
#       kill -9 of paddock at a random moment of create, start, run and
#       delete, STRESS_KILLS (5) times each; then `delete --force` exits 0
#       and leaves nothing of that container, and a bystander container on
#       the same --root is still running, its state intact.
#   leftover_state_dir
#       what a create killed before it wrote state.json leaves: delete
#       --force removes it (a bug the kill -9 case found).
#
# Leak checks are scoped to this script (helpers/scoped_leaks.sh): other
# tests run on this machine at the same time.  No assertion is about time:
# the random delays only choose where a kill lands.
: "${CASE_TIMEOUT:=600}"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/helpers/scoped_leaks.sh"
private_runtime

N=${STRESS_LIFECYCLES:-100}
PAR=${STRESS_PARALLEL:-4}
KILLS=${STRESS_KILLS:-5}
PREFIX=pdt-stress-$$

# s_setup WHO: the bundle $SB (the default spec's, running a sleep) and the
# state root $SROOT for WHO (root or user); SRT runs the runtime as WHO on
# it (no output capture: workers run in parallel).
s_setup() {
    WHO=$1
    SB=$T/bundle.$WHO
    if [ "$WHO" = root ]; then
        SROOT=$STATE_ROOT
        [ -d "$SB" ] || make_bundle "$SB" sleep 600
    else
        rootless_setup
        SROOT=$USTATE
        mkdir -p "$SROOT"
        chown "$TEST_USER:" "$SROOT"
        chmod 0700 "$SROOT"
        [ -d "$SB" ] || user_bundle "$SB" sleep 600
    fi
    leaks_mark
}

# srt ARGS...: the runtime as WHO on $SROOT, bounded in time.
srt() {
    if [ "$WHO" = root ]; then
        timeout -k 5 "$RT_TIMEOUT" "$RUNTIME" --root "$SROOT" "$@"
    else
        as_user timeout -k 5 "$RT_TIMEOUT" "$RUNTIME" --root "$SROOT" "$@"
    fi
}

# s_status ID: the status field of state, or "" when there is none.
s_status() { srt state "$1" 2>/dev/null | jq -r .status 2>/dev/null; }

# s_wait_stopped ID: poll until stopped (10 s at most); 0 when stopped.
s_wait_stopped() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(s_status "$1")" = stopped ] && return 0
        sleep 0.1
    done
    return 1
}

# worker W COUNT: COUNT lifecycles; a failure appends a line to
# $T/failures; each created init's fd count to $T/fds.
worker() {
    local w=$1 count=$2 i id pid step
    for ((i = 0; i < count; i++)); do
        id=$PREFIX-$WHO-$w-$i
        step=create
        if srt create --bundle "$SB" "$id" </dev/null >/dev/null 2>"$T/err.$w"; then
            pid=$(srt state "$id" 2>/dev/null | jq -r .pid)
            ls "/proc/$pid/fd" 2>/dev/null | wc -l >>"$T/fds"
            step=start
            srt start "$id" 2>"$T/err.$w" &&
                step=kill && srt kill "$id" KILL 2>"$T/err.$w" &&
                step="wait stopped" && s_wait_stopped "$id" &&
                step=delete && srt delete "$id" 2>"$T/err.$w" && continue
        fi
        echo "$id: $step failed: $(oneline "$(cat "$T/err.$w" 2>/dev/null)")" >>"$T/failures"
        srt delete --force "$id" >/dev/null 2>&1
    done
}

lifecycles() {
    s_setup "$1"
    : >"$T/failures"
    : >"$T/fds"
    local w per=$(((N + PAR - 1) / PAR)) pids=()
    for ((w = 0; w < PAR; w++)); do
        worker "$w" "$per" &
        pids+=($!)
    done
    wait "${pids[@]}"
    [ ! -s "$T/failures" ] || fail "$(wc -l <"$T/failures") of $((per * PAR)) lifecycles failed; first: $(head -n1 "$T/failures")"
    assert_eq "$(wc -l <"$T/fds")" "$((per * PAR))" "created inits whose fds were counted"
    local counts
    counts=$(sort -u "$T/fds" | tr '\n' ' ')
    [ "$(sort -u "$T/fds" | wc -l)" = 1 ] || fail "the created inits' fd counts differ between lifecycles: $counts"
    [ "$(head -n1 "$T/fds")" -le 16 ] || fail "a created init holds $(head -n1 "$T/fds") fds"
    note "$((per * PAR)) lifecycles, $PAR in parallel ($WHO); a created init's fds: $counts"
    s_no_leaks
}

# s_no_leaks: nothing of $PREFIX-$WHO-* in the state root, the process
# table or the cgroup trees; nothing mounted under $T.
s_no_leaks() {
    local left
    left=$(ls -A "$SROOT" 2>/dev/null | grep -F -- "$PREFIX-$WHO-" | grep -v -- '-bystander$' | head -3)
    [ -z "$left" ] || fail "state left in $SROOT: $(oneline "$left")"
    local i procs=
    for i in 1 2 3 4 5 6 7 8 9 10; do
        procs=$(pgrep -f -- "$PREFIX-$WHO-" | grep -vx "$$" | while read -r p; do
            tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qv -- -bystander && echo "$p"
        done)
        [ -z "$procs" ] && break
        sleep 0.2
    done
    [ -z "$procs" ] || fail "processes left: $(oneline "$(for p in $procs; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)")"
    local cg
    cg=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$PREFIX-$WHO-*" ! -name '*-bystander' 2>/dev/null | head -3)
    [ -z "$cg" ] || fail "cgroups left: $(oneline "$cg")"
    scoped_no_leaks
}

t_lifecycles_root() { lifecycles root; }
t_lifecycles_rootless() { lifecycles user; }

# ---------------------------------------------------------------- kill -9

# kill9_one OP ID: run OP on ID in the background (as WHO), kill -9 the
# paddock process after a random 0-40 ms, then delete --force; check.
kill9_one() {
    local op=$1 id=$2 pid ms args
    case $op in
        create) args=(create --bundle "$SB" "$id") ;;
        start) srt create --bundle "$SB" "$id" </dev/null >/dev/null 2>&1 || fail "kill -9 $op: create $id failed"
            args=(start "$id") ;;
        run) args=(run --bundle "$SB" "$id") ;;
        delete) srt run --detach --bundle "$SB" "$id" </dev/null >/dev/null 2>&1 || fail "kill -9 $op: run --detach $id failed"
            args=(delete --force "$id") ;;
    esac
    ms=$((RANDOM % 41))
    if [ "$WHO" = root ]; then
        "$RUNTIME" --root "$SROOT" "${args[@]}" </dev/null >/dev/null 2>&1 &
        pid=$!
    else
        # setpriv execs: $! is the runtime itself
        setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
            env XDG_RUNTIME_DIR="$TEST_USER_RUN_DIR" HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" \
            "$RUNTIME" --root "$SROOT" "${args[@]}" </dev/null >/dev/null 2>&1 &
        pid=$!
    fi
    sleep "0.0$(printf '%02d' "$ms")"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    local out rc
    out=$(srt delete --force "$id" 2>&1)
    rc=$?
    [ "$rc" = 0 ] || fail "kill -9 of $op after ${ms} ms, then delete --force $id: exit $rc: $(oneline "$out")"
    local i p=
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        p=$(pgrep -f -- "$id" | grep -vx "$$")
        [ -z "$p" ] && break
        sleep 0.1
    done
    [ -z "$p" ] || fail "kill -9 of $op after ${ms} ms: processes of $id left after delete --force: $(oneline "$(for q in $p; do tr '\0' ' ' <"/proc/$q/cmdline"; echo; done)")"
    [ ! -e "$SROOT/$id" ] || fail "kill -9 of $op after ${ms} ms: state dir $SROOT/$id left after delete --force"
    local cg
    cg=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$id" 2>/dev/null | head -2)
    [ -z "$cg" ] || fail "kill -9 of $op after ${ms} ms: cgroup left: $(oneline "$cg")"
    local m
    m=$(_leak_mounts "$T")
    [ -z "$m" ] || fail "kill -9 of $op after ${ms} ms: mounts left: $(oneline "$m")"
    echo "$op ${ms}ms" >>"$T/kills"
}

kill9() {
    s_setup "$1"
    : >"$T/kills"
    local by=$PREFIX-$WHO-bystander bypid op k
    srt run --detach --bundle "$SB" "$by" </dev/null >/dev/null 2>"$T/by.err" ||
        fail "bystander: $(oneline "$(cat "$T/by.err")")"
    [ "$WHO" = root ] || echo "$by" >>"$T/scoped-user-ids"
    echo "$by" >>"$T/ids"
    bypid=$(srt state "$by" | jq -r .pid)
    track_pid "$bypid"
    local bystate
    bystate=$(srt state "$by")
    for ((k = 0; k < KILLS; k++)); do
        for op in create start run delete; do
            kill9_one "$op" "$PREFIX-$WHO-k$k-$op"
        done
    done
    assert_eq "$(s_status "$by")" running "the bystander after $((KILLS * 4)) kill -9s"
    assert_eq "$(srt state "$by")" "$bystate" "the bystander's state"
    _pid_alive "$bypid" || fail "the bystander's process $bypid is gone"
    note "kill -9 points ($WHO): $(sort "$T/kills" | tr '\n' ',')"
    srt delete --force "$by" >/dev/null 2>&1
    s_no_leaks
}

t_kill9_root() { kill9 root; }
t_kill9_rootless() { kill9 user; }

# What a create killed between mkdir and state.json leaves (found by the
# kill -9 case): a state directory without state.json.  delete --force
# removes it, and the id can be created again.
t_leftover_state_dir() {
    s_setup root
    local id=$PREFIX-root-leftover
    echo "$id" >>"$T/ids"
    mkdir -m 0700 -p "$SROOT/$id"
    rtc delete --force "$id"
    assert_ok "delete --force of a state directory without state.json"
    [ ! -e "$SROOT/$id" ] || fail "delete --force left $SROOT/$id"
    rtc create --bundle "$SB" "$id"
    assert_ok "create with the id again"
    rt_ok delete --force "$id"
    rtc delete --force "$id"
    assert_ok "delete --force of an id that does not exist"
    s_no_leaks
}

case_cleanup() { scoped_cleanup; }

run_case lifecycles_root t_lifecycles_root
run_case lifecycles_rootless t_lifecycles_rootless
run_case leftover_state_dir t_leftover_state_dir
run_case kill9_root t_kill9_root
run_case kill9_rootless t_kill9_rootless
finish
