#!/usr/bin/env bash
# Container lifecycle: create/start/state/delete/run/list/kill, exit codes,
# ids, --pid-file.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   state_json_keys  runc adds "rootfs", "created" and "owner" to the state
#                    JSON; paddock prints exactly the OCI state fields.
#   invalid_ids      runc answers a 1025-byte id with "lstat ...: file name
#                    too long" instead of rejecting the id itself.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() { [ -d "$B" ] || make_bundle "$B" sleep 30; }

t_create_start_stop_delete() {
    setup_bundle
    set_args "$B" sleep 1
    local id pid
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    assert_eq "$(state_status "$id")" created "status after create"
    pid=$(state_pid "$id")
    assert_match "$pid" '^[1-9][0-9]*$' "pid after create"
    [ -d "/proc/$pid" ] || fail "pid $pid of the created container does not exist"
    assert_eq "$(state_field "$id" id)" "$id" "state .id"
    assert_eq "$(state_field "$id" bundle)" "$B" "state .bundle"
    rt_ok start "$id"
    assert_eq "$(state_status "$id")" running "status after start"
    assert_eq "$(state_field "$id" pid)" "$pid" "pid after start"
    wait_status "$id" stopped 50
    rt_ok delete "$id"
    rtc state "$id"
    assert_failed "state after delete"
    no_leaks "$id" "$B"
}

t_start_stopped_fails() {
    setup_bundle
    set_args "$B" true
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    rt_ok start "$id"
    wait_status "$id" stopped
    rtc start "$id"
    assert_failed "start of a stopped container"
    assert_eq "$(state_status "$id")" stopped "status after failed start"
    rt_ok delete "$id"
    no_leaks "$id"
}

t_start_twice_fails() {
    setup_bundle
    set_args "$B" sleep 30
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    rt_ok start "$id"
    state_pid "$id" >/dev/null
    rtc start "$id"
    assert_failed "second start of a running container"
    rt_ok delete --force "$id"
    no_leaks "$id"
}

t_delete_running_fails_force_works() {
    setup_bundle
    set_args "$B" sleep 30
    local id pid
    id=$(new_id)
    rt_ok run --detach --bundle "$B" "$id"
    pid=$(state_pid "$id")
    rtc delete "$id"
    assert_failed "delete of a running container"
    assert_eq "$(state_status "$id")" running "status after refused delete"
    kill -0 "$pid" 2>/dev/null || fail "container process died after a refused delete"
    rt_ok delete --force "$id"
    rtc state "$id"
    assert_failed "state after delete --force"
    no_leaks "$id" "$B"
}

t_delete_created() {
    setup_bundle
    set_args "$B" sleep 30
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    state_pid "$id" >/dev/null
    rt_ok delete --force "$id"
    no_leaks "$id" "$B"
}

t_delete_force_gone() {
    local id
    id=$(new_id gone)
    rtc delete --force "$id"
    assert_ok "delete --force of a container that does not exist"
    rtc delete "$id"
    assert_failed "delete (no --force) of a container that does not exist"
}

t_run_exit_code() {
    setup_bundle
    run_in "$B" sh -c 'echo hello-out; echo hello-err >&2; exit 7'
    assert_rc 7 "run of 'exit 7'"
    assert_eq "$OUT" hello-out "container stdout"
    assert_contains "$ERR" hello-err "container stderr"
    run_in "$B" true
    assert_rc 0 "run of true"
    run_in "$B" sh -c 'exit 255'
    assert_rc 255 "run of 'exit 255'"
    run_in "$B" /nonexistent-binary
    [ "$RC" != 0 ] || fail "run of a missing binary exited 0"
    no_leaks "$RUN_ID" "$B"
}

t_run_signal_death_self() {
    # Without a pid namespace the process is not an init and SIGKILL works
    # from inside.
    setup_bundle
    cfg_set "$B" '.linux.namespaces |= map(select(.type != "pid"))'
    run_in "$B" sh -c 'kill -9 $$'
    cfg_set "$B" '.linux.namespaces += [{"type":"pid"}]'
    assert_rc 137 "run of 'kill -9 \$\$' (no pid namespace)"
    no_leaks "$RUN_ID" "$B"
}

t_run_signal_death_external() {
    setup_bundle
    set_args "$B" sleep 30
    local id rc pid
    id=$(new_id)
    rt run --bundle "$B" "$id" >"$T/ext.out" 2>&1 &
    local rpid=$!
    wait_status "$id" running
    pid=$(state_pid "$id")
    rt_ok kill "$id" KILL
    wait "$rpid"
    rc=$?
    assert_eq "$rc" 137 "exit status of run whose container got SIGKILL"
    no_leaks "$id" "$B"
}

t_run_detach() {
    setup_bundle
    set_args "$B" sleep 30
    local id start end
    id=$(new_id)
    start=$(date +%s)
    rt_ok run --detach --bundle "$B" "$id"
    end=$(date +%s)
    [ $((end - start)) -lt 10 ] || fail "run --detach took $((end - start))s"
    assert_eq "$(state_status "$id")" running "status after run --detach"
    state_pid "$id" >/dev/null
    rt_ok kill "$id" KILL
    wait_status "$id" stopped
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

t_list() {
    setup_bundle
    set_args "$B" sleep 30
    local id1 id2 pid1
    id1=$(new_id a)
    id2=$(new_id b)
    rt_ok run --detach --bundle "$B" "$id1"
    rt_ok create --bundle "$B" "$id2"
    pid1=$(state_pid "$id1")
    state_pid "$id2" >/dev/null

    rt_ok list
    local header
    header=$(printf '%s\n' "$OUT" | head -n1)
    for col in ID PID STATUS BUNDLE; do
        assert_contains "$header" "$col" "list header"
    done
    local row
    row=$(printf '%s\n' "$OUT" | grep -E "^${id1}[[:space:]]") || fail "list: no row for $id1: $(oneline "$OUT")"
    assert_match "$row" "^${id1}[[:space:]]+$pid1[[:space:]]+running[[:space:]]+$B" "list row"
    row=$(printf '%s\n' "$OUT" | grep -E "^${id2}[[:space:]]") || fail "list: no row for $id2"
    assert_contains "$row" created "list row of the created container"

    rt_ok list -q
    assert_eq "$(printf '%s\n' "$OUT" | sort)" "$(printf '%s\n%s\n' "$id1" "$id2" | sort)" "list -q"

    rt_ok list --format json
    printf '%s' "$OUT" | jq -e 'type == "array"' >/dev/null || fail "list --format json: not a JSON array: $(oneline "$OUT")"
    assert_eq "$(printf '%s' "$OUT" | jq -r --arg id "$id1" '.[] | select(.id == $id) | "\(.status) \(.pid) \(.bundle)"')" \
        "running $pid1 $B" "list --format json entry"
    assert_eq "$(printf '%s' "$OUT" | jq -r --arg id "$id2" '.[] | select(.id == $id) | .status')" created \
        "list --format json status of the created container"

    rt_ok delete --force "$id1"
    rt_ok delete --force "$id2"
    rt_ok list -q
    assert_eq "$OUT" "" "list -q after deleting everything"
    rt_ok list --format json
    assert_eq "$(printf '%s' "$OUT" | jq -c 'if . == null then [] else . end')" "[]" "list --format json when empty"
    no_leaks "$id1" "$id2" "$B"
}

t_state_json_keys() {
    setup_bundle
    set_args "$B" sleep 30
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    rt_ok state "$id"
    state_pid "$id" >/dev/null
    assert_eq "$(printf '%s' "$OUT" | jq -c 'keys')" '["bundle","id","ociVersion","pid","status"]' "state keys"
    assert_match "$(printf '%s' "$OUT" | jq -r .ociVersion)" '^1\.[0-9]+\.[0-9]+' "state .ociVersion"
    rt_ok delete --force "$id"

    cfg_set "$B" '.annotations = {"org.paddock.test": "v1", "other": "two words"}'
    id=$(new_id ann)
    rt_ok create --bundle "$B" "$id"
    rt_ok state "$id"
    state_pid "$id" >/dev/null
    cfg_set "$B" 'del(.annotations)'
    assert_eq "$(printf '%s' "$OUT" | jq -c 'keys')" '["annotations","bundle","id","ociVersion","pid","status"]' "state keys with annotations"
    assert_eq "$(printf '%s' "$OUT" | jq -c '.annotations')" '{"org.paddock.test":"v1","other":"two words"}' "state .annotations"
    rt_ok delete --force "$id"
    no_leaks "$id"
}

t_duplicate_id() {
    setup_bundle
    set_args "$B" sleep 30
    local id pid
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    pid=$(state_pid "$id")
    rtc create --bundle "$B" "$id"
    assert_failed "create with a duplicate id"
    assert_match "$ERR" "(exist|in use|$id)" "duplicate id error"
    assert_eq "$(state_status "$id")" created "first container after the duplicate create"
    assert_eq "$(state_field "$id" pid)" "$pid" "first container pid after the duplicate create"
    rt_ok delete --force "$id"
    no_leaks "$id" "$B"
}

t_invalid_ids() {
    setup_bundle
    local long bad
    long=$(head -c 1025 /dev/zero | tr '\0' a)
    for bad in "" "../x" "a/b" "$(printf 'a\001b')" "$long" "." ".."; do
        rtc create --bundle "$B" "$bad"
        assert_failed "create with invalid id '$(printf '%q' "$bad" | cut -c1-20)'"
        # A clear message: says what is wrong with the id.
        shopt -s nocasematch
        [[ $ERR == *id* && $ERR =~ (invalid|empty|long|character|must) ]] ||
            fail "invalid id '$(printf '%q' "$bad" | cut -c1-20)': unclear message: $(oneline "$ERR" | cut -c1-200)"
        shopt -u nocasematch
        [ ! -e "$STATE_ROOT/x" ] && [ ! -e "$T/x" ] && [ ! -e "$STATE_ROOT/a" ] ||
            fail "invalid id '$bad' created something in the state root"
    done
    no_leaks "$B"
}

t_pid_file() {
    setup_bundle
    set_args "$B" sleep 30
    local id pid
    id=$(new_id)
    rt_ok create --pid-file "$T/pidfile" --bundle "$B" "$id"
    pid=$(state_pid "$id")
    [ -f "$T/pidfile" ] || fail "--pid-file: $T/pidfile not written"
    assert_eq "$(tr -d '\n' <"$T/pidfile")" "$pid" "--pid-file content"
    rt_ok delete --force "$id"

    id=$(new_id)
    rt_ok run --detach --pid-file "$T/pidfile2" --bundle "$B" "$id"
    pid=$(state_pid "$id")
    assert_eq "$(tr -d '\n' <"$T/pidfile2" 2>/dev/null)" "$pid" "run --detach --pid-file content"
    rt_ok delete --force "$id"
    no_leaks "$id"
}

t_bundle_default_cwd() {
    # Without --bundle the bundle is the current directory.
    setup_bundle
    set_args "$B" sh -c 'echo from-cwd-bundle'
    local id
    id=$(new_id)
    IO_N=$((IO_N + 1))
    (cd "$B" && rt run "$id") >"$T/cwd.out" 2>"$T/cwd.err"
    RC=$?
    ERR=$(cat "$T/cwd.err")
    assert_ok "run without --bundle, from the bundle directory"
    assert_eq "$(cat "$T/cwd.out")" from-cwd-bundle "output"
    no_leaks "$id"
}

run_case create_start_stop_delete t_create_start_stop_delete
run_case start_stopped_fails t_start_stopped_fails
run_case start_twice_fails t_start_twice_fails
run_case delete_running_fails_force_works t_delete_running_fails_force_works
run_case delete_created t_delete_created
run_case delete_force_gone t_delete_force_gone
run_case run_exit_code t_run_exit_code
run_case run_signal_death_self t_run_signal_death_self
run_case run_signal_death_external t_run_signal_death_external
run_case run_detach t_run_detach
run_case list t_list
run_case state_json_keys t_state_json_keys
run_case duplicate_id t_duplicate_id
run_case invalid_ids t_invalid_ids
run_case pid_file t_pid_file
run_case bundle_default_cwd t_bundle_default_cwd
finish
