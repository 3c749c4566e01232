#!/usr/bin/env bash
# The per-container lock under concurrency (as root): racing `create` of one
# id, racing `delete --force`, `state`/`list` readers while another process
# cycles create/start/delete, and ten containers created, started and
# deleted in parallel.  Every case is bounded (CASE_TIMEOUT 30s by default).
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   state_during_cycles  runc's `list --format json` prints "null", not an
#                        array, when there is no container.
CASE_TIMEOUT=${CASE_TIMEOUT:-30}
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" sleep 30
    set_args "$B" sleep 30
}

# in_rootfs ROOTFS: host pids of live processes whose root is ROOTFS
in_rootfs() {
    local want p r
    want=$(stat -c %d:%i "$1") || return 0
    stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null | while read -r p r; do
        [ "$r" = "$want" ] || continue
        p=${p#/proc/}
        p=${p%/root}
        _pid_alive "$p" && echo "$p"
    done
}

# release GO-FILE: let the jobs waiting for GO-FILE run (a start barrier)
barrier_wait='while [ ! -e "$GO" ]; do sleep 0.01; done'

t_create_same_id() {
    # 8 concurrent creates of one id: one wins, the others say "already
    # exists"; afterwards the container is created, with one process.
    setup_bundle
    local id i n=8 pids=() GO=$T/go.create
    id=$(new_id)
    rm -f "$GO"
    for i in $(seq $n); do
        (
            eval "$barrier_wait"
            rt create --bundle "$B" "$id" >"$T/cr.$i.out" 2>"$T/cr.$i.err"
            echo $? >"$T/cr.$i.rc"
        ) &
        pids+=($!)
    done
    sleep 0.2
    touch "$GO"
    wait "${pids[@]}"
    local won=0 lost=0 rc err
    for i in $(seq $n); do
        rc=$(cat "$T/cr.$i.rc" 2>/dev/null)
        err=$(cat "$T/cr.$i.err" 2>/dev/null)
        if [ "$rc" = 0 ]; then
            won=$((won + 1))
        else
            lost=$((lost + 1))
            [ -n "$rc" ] || fail "create #$i did not finish"
            assert_contains "$err" "already exists" "stderr of losing create #$i (exit $rc)"
        fi
    done
    assert_eq "$won" 1 "creates of $id that succeeded (out of $n)"
    assert_eq "$lost" $((n - 1)) "creates of $id that failed"
    # Consistent state: created, a live pid, the bundle; listed once; one
    # process in the rootfs.
    assert_eq "$(state_status "$id")" created "status after the racing creates"
    local pid
    pid=$(state_pid "$id")
    _pid_alive "$pid" || fail "the container's pid $pid is not alive"
    assert_eq "$(state_field "$id" bundle)" "$B" "bundle in the state"
    rt_ok list -q
    assert_eq "$(printf '%s\n' "$OUT" | grep -cxF -- "$id")" 1 "times $id is listed"
    assert_eq "$(in_rootfs "$B/rootfs" | tr '\n' ' ')" "$pid " "processes in the container's rootfs"
    # It still works: start it, then delete it.
    rt_ok start "$id"
    wait_status "$id" running
    rt_ok delete --force "$id"
    no_leaks "$id" "$B"
}

t_delete_force_concurrent() {
    # 6 concurrent `delete --force` of one running container: all succeed,
    # the state dir and the processes are gone.
    setup_bundle
    local id pid i n=6 pids=() GO=$T/go.delete
    id=$(new_id)
    rt_ok run --detach --bundle "$B" "$id"
    pid=$(state_pid "$id")
    assert_eq "$(state_status "$id")" running "status before the deletes"
    rm -f "$GO"
    for i in $(seq $n); do
        (
            eval "$barrier_wait"
            rt delete --force "$id" >"$T/del.$i.out" 2>"$T/del.$i.err"
            echo $? >"$T/del.$i.rc"
        ) &
        pids+=($!)
    done
    sleep 0.2
    touch "$GO"
    wait "${pids[@]}"
    for i in $(seq $n); do
        assert_eq "$(cat "$T/del.$i.rc" 2>/dev/null)" 0 "exit status of delete --force #$i (stderr: $(oneline "$(cat "$T/del.$i.err" 2>/dev/null)"))"
    done
    [ ! -e "$STATE_ROOT/$id" ] || fail "state dir $STATE_ROOT/$id left after the deletes"
    rtc state "$id"
    assert_failed "state after the deletes"
    assert_contains "$ERR" "does not exist" "state after the deletes"
    ! _pid_alive "$pid" || fail "container process $pid alive after the deletes"
    no_leaks "$id" "$B"
}

t_state_during_cycles() {
    # One process cycles create/start/delete --force of an id for ~3s; three
    # readers run `state` (and `list --format json`) on it meanwhile.  Every
    # state is valid JSON with a known status and the id, or "does not
    # exist"; every list is a valid JSON array with known statuses.
    setup_bundle
    set_args "$B" true
    local id i GO=$T/go.cycles DONE=$T/cycles.done
    id=$(new_id)
    rm -f "$GO" "$DONE"
    (
        local end=$((SECONDS + 3)) n=0 bad=0
        while [ $SECONDS -lt $end ]; do
            if rt create --bundle "$B" "$id" >/dev/null 2>>"$T/w.err"; then
                rt start "$id" >/dev/null 2>>"$T/w.err" || bad=$((bad + 1))
            else
                bad=$((bad + 1))
            fi
            rt delete --force "$id" >/dev/null 2>>"$T/w.err" || bad=$((bad + 1))
            n=$((n + 1))
            [ $n = 1 ] && touch "$GO"
        done
        echo "$n $bad" >"$DONE"
    ) &
    local writer=$! readers=()
    for i in 1 2 3; do
        (
            local k=0 rc o e
            eval "$barrier_wait"
            while [ ! -e "$DONE" ] && [ $k -lt 2000 ]; do
                k=$((k + 1))
                o=$(rt state "$id" 2>"$T/r$i.err")
                rc=$?
                e=$(cat "$T/r$i.err")
                if [ $rc = 0 ]; then
                    if printf '%s' "$o" | jq -e --arg id "$id" '.id == $id and (.status | IN("creating","created","running","stopped"))' >/dev/null 2>&1; then
                        echo "json $(printf '%s' "$o" | jq -r .status)" >>"$T/r$i.log"
                    else
                        printf 'BAD state (exit 0): %s\n' "$(oneline "$o")" >>"$T/r$i.log"
                    fi
                elif [[ $e == *"does not exist"* ]]; then
                    echo "absent" >>"$T/r$i.log"
                else
                    printf 'BAD state (exit %s): %s %s\n' "$rc" "$(oneline "$e")" "$(oneline "$o")" >>"$T/r$i.log"
                fi
                o=$(rt list --format json 2>"$T/r$i.err")
                rc=$?
                if [ $rc != 0 ] || ! printf '%s' "$o" | jq -e 'type == "array" and all(.[]; .status | IN("creating","created","running","stopped"))' >/dev/null 2>&1; then
                    printf 'BAD list (exit %s): %s %s\n' "$rc" "$(oneline "$(cat "$T/r$i.err")")" "$(oneline "$o")" >>"$T/r$i.log"
                else
                    echo "list" >>"$T/r$i.log"
                fi
            done
        ) &
        readers+=($!)
    done
    wait "$writer" "${readers[@]}"
    [ -s "$DONE" ] || fail "the create/start/delete loop did not finish"
    local n bad
    read -r n bad <"$DONE"
    [ "$n" -ge 3 ] || fail "only $n create/start/delete cycles in 3s"
    local all
    all=$(cat "$T"/r[123].log 2>/dev/null)
    local badlines
    badlines=$(printf '%s\n' "$all" | grep '^BAD')
    [ -z "$badlines" ] || fail "$(printf '%s\n' "$badlines" | wc -l) bad reads, first: $(printf '%s\n' "$badlines" | head -n1)"
    local nj na nl
    nj=$(printf '%s\n' "$all" | grep -c '^json')
    na=$(printf '%s\n' "$all" | grep -c '^absent')
    nl=$(printf '%s\n' "$all" | grep -c '^list')
    note "$n cycles; state: $nj JSON ($(printf '%s\n' "$all" | awk '$1 == "json" { print $2 }' | sort | uniq -c | tr -s ' \n' ' ')), $na absent; $nl lists"
    [ "$nj" -gt 0 ] || fail "no state read saw the container (of $((nj + na)) reads): the race was not exercised"
    [ "$na" -gt 0 ] || fail "no state read found the container absent (of $((nj + na)) reads): the race was not exercised"
    # The loop's own commands (one at a time) must all have worked too.
    assert_eq "$bad" 0 "failed commands in the create/start/delete loop (stderr: $(oneline "$(head -c 300 "$T/w.err")"))"
    rtc state "$id"
    assert_failed "state after the last delete"
    no_leaks "$id" "$B"
}

t_parallel_ten() {
    # 10 containers created and started in parallel, then deleted in parallel.
    setup_bundle
    local i ids=() pids=() GO=$T/go.ten
    for i in $(seq 10); do ids+=("$(new_id "p$i")"); done
    rm -f "$GO"
    for i in $(seq 10); do
        (
            eval "$barrier_wait"
            rt create --bundle "$B" "${ids[i - 1]}" >/dev/null 2>"$T/ten.$i.err" &&
                rt start "${ids[i - 1]}" >/dev/null 2>>"$T/ten.$i.err"
            echo $? >"$T/ten.$i.rc"
        ) &
        pids+=($!)
    done
    sleep 0.2
    touch "$GO"
    wait "${pids[@]}"
    local cpids=() p
    for i in $(seq 10); do
        assert_eq "$(cat "$T/ten.$i.rc" 2>/dev/null)" 0 "create+start of container $i (stderr: $(oneline "$(cat "$T/ten.$i.err" 2>/dev/null)"))"
    done
    for i in $(seq 10); do
        assert_eq "$(state_status "${ids[i - 1]}")" running "status of container $i"
        p=$(state_pid "${ids[i - 1]}")
        cpids+=("$p")
    done
    assert_eq "$(printf '%s\n' "${cpids[@]}" | sort -u | wc -l)" 10 "distinct pids of the 10 containers"
    assert_eq "$(in_rootfs "$B/rootfs" | wc -l)" 10 "processes in the shared rootfs"
    rt_ok list -q
    for i in $(seq 10); do
        assert_eq "$(printf '%s\n' "$OUT" | grep -cxF -- "${ids[i - 1]}")" 1 "times container $i is listed"
    done
    rm -f "$GO"
    GO=$T/go.ten.delete
    pids=()
    for i in $(seq 10); do
        (
            eval "$barrier_wait"
            rt delete --force "${ids[i - 1]}" >/dev/null 2>"$T/tendel.$i.err"
            echo $? >"$T/tendel.$i.rc"
        ) &
        pids+=($!)
    done
    sleep 0.2
    touch "$GO"
    wait "${pids[@]}"
    for i in $(seq 10); do
        assert_eq "$(cat "$T/tendel.$i.rc" 2>/dev/null)" 0 "delete --force of container $i (stderr: $(oneline "$(cat "$T/tendel.$i.err" 2>/dev/null)"))"
    done
    rt_ok list -q
    for i in $(seq 10); do
        assert_not_contains "$OUT" "${ids[i - 1]}" "list after the deletes"
    done
    no_leaks "${ids[@]}" "$B"
}

run_case create_same_id t_create_same_id
run_case delete_force_concurrent t_delete_force_concurrent
run_case state_during_cycles t_state_during_cycles
run_case parallel_ten t_parallel_ten
finish
