#!/usr/bin/env bash
# Container lifecycle: create/start/state/delete/run/list/kill, exit codes,
# ids, --pid-file, LISTEN_FDS, a runtime killed during create, failing
# createContainer/startContainer hooks, `make install`.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   state_json_keys  runc adds "rootfs", "created" and "owner" to the state
#                    JSON; paddock prints exactly the OCI state fields.
#   invalid_ids      runc answers a 1025-byte id with "lstat ...: file name
#                    too long" instead of rejecting the id itself.
#   kill9_during_create  runc's hooks outlive a killed runc (no parent-death
#                    signal); the half-created container is missing from
#                    `list` and its cgroups are left behind.
#   create_container_hook_fails  runc's error says "error running hook #0"
#                    without naming the hook kind.
#   start_container_hook_fails  runc 1.1.5's `start` exits 0 when a
#                    startContainer hook fails.
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

t_listen_fds() {
    # Socket activation: the runtime started with LISTEN_FDS=1 (LISTEN_PID its
    # own pid, as sd_listen_fds wants) passes fd 3 on and sets LISTEN_FDS (and
    # LISTEN_PID to the container process) in the container's environment.
    # Control: the same fd 3 without LISTEN_FDS is not passed.
    setup_bundle
    echo listen-data >"$T/lfd"
    set_args "$B" sh -c 'cat <&3 2>/dev/null; echo "LISTEN_FDS=${LISTEN_FDS:-unset} LISTEN_PID=${LISTEN_PID:-unset} pid=$$"; ls /proc/1/fd; true'
    local id
    id=$(new_id)
    printf '+ LISTEN_FDS=1 %s --root %s run --bundle %s %s 3<%s\n' "$RUNTIME_NAME" "$STATE_ROOT" "$B" "$id" "$T/lfd" >>"$CASE_TRACE"
    timeout -k 5 "$RT_TIMEOUT" env LISTEN_FDS=1 sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' sh \
        "$RUNTIME" --root "$STATE_ROOT" run --bundle "$B" "$id" 3<"$T/lfd" >"$T/lfd.out" 2>"$T/lfd.err"
    RC=$?
    OUT=$(cat "$T/lfd.out")
    ERR=$(cat "$T/lfd.err")
    LAST_CMD="run (LISTEN_FDS=1, fd 3 open)"
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 1p)" listen-data "fd 3 read in the container"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 2p)" '^LISTEN_FDS=1 LISTEN_PID=([0-9]+) pid=\1$' "LISTEN_FDS/LISTEN_PID in the container"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n +3 | sort -n | tr '\n' ' ')" "0 1 2 3 " "the init's fds with LISTEN_FDS=1"
    local id2
    id2=$(new_id)
    exec 3<"$T/lfd"
    rtc run --bundle "$B" "$id2"
    exec 3<&-
    assert_ok "run with fd 3 open, without LISTEN_FDS"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" "LISTEN_FDS=unset LISTEN_PID=unset pid=1" "environment without LISTEN_FDS (control)"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n +2 | sort -n | tr '\n' ' ')" "0 1 2 " "the init's fds without LISTEN_FDS (control)"
    # With --preserve-fds 1 as well, fds 3 and 4 pass and LISTEN_FDS still counts only 1.
    local id3
    id3=$(new_id)
    timeout -k 5 "$RT_TIMEOUT" env LISTEN_FDS=1 sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' sh \
        "$RUNTIME" --root "$STATE_ROOT" run --preserve-fds 1 --bundle "$B" "$id3" 3<"$T/lfd" 4<"$T/lfd" \
        >"$T/lfd3.out" 2>"$T/lfd3.err"
    RC=$?
    OUT=$(cat "$T/lfd3.out")
    ERR=$(cat "$T/lfd3.err")
    LAST_CMD="run --preserve-fds 1 (LISTEN_FDS=1, fds 3 and 4 open)"
    assert_ok
    assert_match "$(printf '%s\n' "$OUT" | sed -n 2p)" '^LISTEN_FDS=1 ' "LISTEN_FDS with --preserve-fds 1"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n +3 | sort -n | tr '\n' ' ')" "0 1 2 3 4 " "the init's fds with LISTEN_FDS=1 and --preserve-fds 1"
    no_leaks "$id" "$id2" "$id3" "$B"
}

# A second bundle for the cases that give the config hooks.
HB=$T/bundle-hooks
setup_hook_bundle() {
    [ -d "$HB" ] || make_bundle "$HB" sleep 30
    cfg_set "$HB" 'del(.hooks)'
}

t_kill9_during_create() {
    # The runtime is SIGKILLed while a createRuntime hook runs: the hook and
    # the container's init die with it; the container is left "stopped" and
    # delete --force cleans it up.
    setup_hook_bundle
    local tag
    tag=10.$$$RANDOM # the hook's `sleep` argument: unique, 10s
    cfg_set "$HB" '.hooks = {"createRuntime":[{"path":"/bin/sleep","args":["sleep",$t]}]}' --arg t "$tag"
    set_args "$HB" sleep 30
    local id rpid i hook=
    id=$(new_id)
    printf '+ %s --root %s create --bundle %s %s & (then kill -9)\n' "$RUNTIME_NAME" "$STATE_ROOT" "$HB" "$id" >>"$CASE_TRACE"
    "$RUNTIME" --root "$STATE_ROOT" create --bundle "$HB" "$id" >"$T/k9.out" 2>"$T/k9.err" &
    rpid=$!
    track_pid "$rpid"
    for ((i = 0; i < 50; i++)); do
        hook=$(pgrep -x -f "sleep $tag")
        [ -n "$hook" ] && break
        sleep 0.1
    done
    [ -n "$hook" ] || fail "the createRuntime hook 'sleep $tag' did not start within 5s: $(oneline "$(cat "$T/k9.err")")"
    sleep 1
    kill -0 "$rpid" 2>/dev/null || fail "the runtime exited before it was killed: $(oneline "$(cat "$T/k9.err")")"
    # Everything the runtime started: the hook, the container's init (a child
    # of the runtime, or a process naming the id).
    local procs p
    procs=$({ pgrep -P "$rpid"; pgrep -f -- "$id"; } | grep -vx -e "$rpid" -e "$hook" | sort -un)
    [ -n "$procs" ] || fail "no container init found besides the hook while create was running"
    for p in $hook $procs; do track_pid "$p"; done
    note "runtime $rpid, hook $hook, other processes: $(oneline "$procs")"
    kill -9 "$rpid"
    wait "$rpid" 2>/dev/null
    for p in $hook $procs; do
        for ((i = 0; i < 20; i++)); do _pid_alive "$p" || break; sleep 0.1; done
        ! _pid_alive "$p" || fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) still alive 2s after the runtime was killed"
    done
    local left
    left=$(_our_pids "$id")
    [ -z "$left" ] || fail "container process(es) left after the runtime was killed: $(oneline "$left")"
    rt_ok list --format json
    assert_eq "$(printf '%s' "$OUT" | jq -r --arg id "$id" '.[]? | select(.id == $id) | .status')" stopped \
        "list status of the container whose create was killed"
    rt_ok delete --force "$id"
    [ ! -e "$STATE_ROOT/$id" ] || fail "state dir $STATE_ROOT/$id left after delete --force"
    cfg_set "$HB" 'del(.hooks)'
    no_leaks "$id" "$HB"
}

t_create_container_hook_fails() {
    setup_hook_bundle
    cfg_set "$HB" '.hooks = {"createContainer":[{"path":"/bin/false","args":["false"]}]}'
    local id
    id=$(new_id)
    rtc create --bundle "$HB" "$id"
    assert_failed "create with a failing createContainer hook"
    assert_err_contains createContainer "error for a failing createContainer hook"
    rtc state "$id"
    [ "$RC" != 0 ] || [ "$(printf '%s' "$OUT" | jq -r .status)" = stopped ] ||
        fail "container after a failed createContainer hook: $(oneline "$OUT")"
    rt_ok delete --force "$id"
    cfg_set "$HB" 'del(.hooks)'
    no_leaks "$id" "$HB"
}

t_start_container_hook_fails() {
    # start fails, and the user process never runs.
    setup_hook_bundle
    cfg_set "$HB" '.hooks = {"startContainer":[{"path":"/bin/false","args":["false"]}]}'
    set_args "$HB" sh -c 'touch /pdt-user-process-ran'
    rm -f "$HB/rootfs/pdt-user-process-ran"
    local id
    id=$(new_id)
    rt_ok create --bundle "$HB" "$id"
    state_pid "$id" >/dev/null
    rtc start "$id"
    assert_failed "start with a failing startContainer hook"
    assert_err_contains startContainer "error for a failing startContainer hook"
    sleep 0.3
    [ ! -e "$HB/rootfs/pdt-user-process-ran" ] || fail "the user process ran although the startContainer hook failed"
    rt_ok delete --force "$id"
    cfg_set "$HB" 'del(.hooks)'
    no_leaks "$id" "$HB"
}

t_make_install() {
    # make install DESTDIR=... PREFIX=/usr puts an executable paddock in
    # DESTDIR/usr/bin and nothing in the real /usr/bin; uninstall removes it.
    need_cmd make
    local d=$T/dest had=0
    [ -e /usr/bin/paddock ] && had=1
    (cd "$REPO" && make install DESTDIR="$d" PREFIX=/usr) >"$T/install.log" 2>&1 ||
        fail "make install DESTDIR=$d PREFIX=/usr failed: $(oneline "$(tail -n 5 "$T/install.log")")"
    [ -f "$d/usr/bin/paddock" ] || fail "$d/usr/bin/paddock not installed: $(oneline "$(find "$d" | head)")"
    [ -x "$d/usr/bin/paddock" ] || fail "$d/usr/bin/paddock is not executable: $(stat -c %A "$d/usr/bin/paddock")"
    local v
    v=$("$d/usr/bin/paddock" --version 2>&1) || fail "installed paddock --version failed: $(oneline "$v")"
    assert_match "$v" '^paddock version [0-9]+\.[0-9]+' "installed paddock --version"
    assert_eq "$v" "$("$PADDOCK" --version 2>&1)" "installed paddock --version vs runtime/paddock"
    [ "$had" = 1 ] || [ ! -e /usr/bin/paddock ] || fail "make install with DESTDIR wrote /usr/bin/paddock"
    (cd "$REPO" && make uninstall DESTDIR="$d" PREFIX=/usr) >"$T/install.log" 2>&1 ||
        fail "make uninstall failed: $(oneline "$(tail -n 5 "$T/install.log")")"
    [ ! -e "$d/usr/bin/paddock" ] || fail "make uninstall left $d/usr/bin/paddock"
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
run_case listen_fds t_listen_fds
run_case kill9_during_create t_kill9_during_create
run_case create_container_hook_fails t_create_container_hook_fails
run_case start_container_hook_fails t_start_container_hook_fails
run_case make_install t_make_install
finish
