#!/usr/bin/env bash
# The hooks paddock ships (hooks/), run from a bundle's config.json by
# `paddock run` (podman runs them through hooks.d: tests/engines/
# test_hooks_podman.sh):
#   audit_run           poststart and poststop events of an agent bundle, next
#                       to paddock's own sandbox.start/exit, in its audit log
#   audit_stage_guess   without --stage: the state's status decides
#   audit_bad_policy    an invalid dev.paddock.* value is logged (policy_error)
#   audit_errors        no state, bad JSON, bad options: exit 1/2, one line
#   snapshot_run        dev.paddock.snapshot.on-stop=NAME-{id} with an overlay
#                       workspace: the poststop hook keeps it as a snapshot
#                       and logs container.snapshot
#   snapshot_errors     no annotation: nothing; a workspace that is no
#                       overlay: exit 1 and ok:false; a bad name refused at
#                       create by paddock; bad options
#   descriptors         hooks/hooks.d/*.json.in are hooks.d 1.0.0 documents
# HOOKBIN=DIR picks the hook binaries (default: build/hooks).
source "$(dirname "$0")/lib.sh"

HOOKBIN=${HOOKBIN:-$REPO/build/hooks}
AUDIT=$HOOKBIN/paddock-hook-audit
SNAP=$HOOKBIN/paddock-hook-snapshot

need_hooks() {
    is_paddock || { note "agent bundles are paddock's"; exit 0; }
    [ -x "$AUDIT" ] || fail "$AUDIT missing (make hooks)"
}

# hook_json PATH ARGS...: an OCI hook object.
hook_json() {
    local p=$1
    shift
    jq -nc --arg p "$p" --argjson a "$(json_array "$@")" '{"path":$p,"args":$a}'
}

# audit_run_bundle B LOG: B with the audit hook at poststart and poststop and
# an agent policy whose audit log is LOG.
agent_bundle() {
    local b=$1 log=$2
    make_bundle "$b" true
    cfg_set "$b" '.annotations = {"dev.paddock.sandbox":"danger-full-access","dev.paddock.audit-log":$l}
        | .hooks = {"poststart":[$s],"poststop":[$t]}' --arg l "$log" \
        --argjson s "$(hook_json "$AUDIT" paddock-hook-audit --stage poststart)" \
        --argjson t "$(hook_json "$AUDIT" paddock-hook-audit --stage poststop)"
}

t_audit_run() {
    need_hooks
    local b=$T/b1 log
    log=$(bundle_log audit1)
    agent_bundle "$b" "$log"
    run_in "$b" echo audited
    assert_ok
    assert_eq "$OUT" audited "stdout"
    local ev
    ev=$(jq -r --arg id "$RUN_ID" 'select(.id == $id) | .event' "$log" | sort | tr '\n' ' ')
    assert_eq "$ev" "container.poststart container.poststop sandbox.exit sandbox.start " "events of $RUN_ID"
    ev=$(jq -r --arg id "$RUN_ID" 'select(.id == $id) | .event' "$log" | grep '^container\.' | tr '\n' ' ')
    assert_eq "$ev" "container.poststart container.poststop " "hook events of $RUN_ID, in order"
    local start
    start=$(jq -c --arg id "$RUN_ID" 'select(.id == $id and .event == "container.poststart")' "$log")
    assert_eq "$(printf '%s' "$start" | jq -r .status)" running "poststart .status"
    assert_match "$(printf '%s' "$start" | jq -r .pid)" '^[1-9][0-9]*$' "poststart .pid"
    assert_eq "$(printf '%s' "$start" | jq -r .bundle)" "$b" "poststart .bundle"
    assert_eq "$(printf '%s' "$start" | jq -c .command)" '["echo","audited"]' "poststart .command"
    assert_eq "$(printf '%s' "$start" | jq -r .mode)" danger-full-access "poststart .mode"
    assert_eq "$(printf '%s' "$start" | jq -r .network)" host "poststart .network"
    assert_eq "$(printf '%s' "$start" | jq -r .engine)" null "poststart .engine (no engine)"
    assert_eq "$(printf '%s' "$start" | jq -c .policy)" \
        "$(jq -nc --arg l "$log" '{"dev.paddock.sandbox":"danger-full-access","dev.paddock.audit-log":$l}')" "poststart .policy"
    local stop
    stop=$(jq -c --arg id "$RUN_ID" 'select(.id == $id and .event == "container.poststop")' "$log")
    assert_eq "$(printf '%s' "$stop" | jq -r .status)" stopped "poststop .status"
    assert_eq "$(stat -c %a "$log")" 600 "mode of the audit log"
}

t_audit_stage_guess() {
    need_hooks
    local log=$T/audit2.log out
    out=$(printf '{"ociVersion":"1.0.2","id":"c-guess","status":"stopped","bundle":"/nonexistent"}' |
        "$AUDIT" --audit-log "$log" 2>&1) || fail "paddock-hook-audit: $(oneline "$out")"
    printf '{"ociVersion":"1.0.2","id":"c-guess","status":"running","pid":1,"bundle":"/nonexistent"}' |
        "$AUDIT" --audit-log "$log" || fail "paddock-hook-audit (running) failed"
    assert_eq "$(jq -r '.event' "$log" | tr '\n' ' ')" "container.poststop container.poststart " "events guessed from the status"
    assert_eq "$(jq -r 'select(.event == "container.poststop") | "\(.pid) \(.command) \(.mode)"' "$log")" "null null null" \
        "poststop without pid, config.json or policy"
}

t_audit_bad_policy() {
    need_hooks
    local log=$T/audit3.log
    printf '{"ociVersion":"1.0.2","id":"c-bad","status":"running","pid":5,"bundle":"/nonexistent","annotations":{"dev.paddock.sandbox":"rw"}}' |
        "$AUDIT" --stage poststart --audit-log "$log" || fail "paddock-hook-audit with an invalid policy failed"
    assert_contains "$(jq -r .policy_error "$log")" 'unknown value "rw"' "policy_error"
    assert_eq "$(jq -r .mode "$log")" null "mode of an invalid policy"
    assert_eq "$(jq -c .policy "$log")" '{"dev.paddock.sandbox":"rw"}' "policy of an invalid policy"
}

t_audit_errors() {
    need_hooks
    local out rc
    out=$("$AUDIT" </dev/null 2>&1)
    rc=$?
    assert_eq "$rc" 1 "exit status without a state"
    assert_contains "$out" "paddock-hook-audit: no container state on stdin"
    out=$(echo '{"id":' | "$AUDIT" 2>&1)
    assert_eq "$?" 1 "exit status with bad JSON"
    assert_contains "$out" "paddock-hook-audit: container state on stdin"
    out=$(echo '{"id":"x","bundle":"relative"}' | "$AUDIT" --audit-log "$T/e.log" 2>&1)
    assert_eq "$?" 1 "exit status with a relative bundle"
    assert_contains "$out" "expected an absolute path"
    out=$(echo '{"id":"x"}' | "$AUDIT" --stage prestart 2>&1)
    assert_eq "$?" 2 "exit status of --stage prestart"
    out=$(echo '{"id":"x"}' | "$AUDIT" --audit-log relative.log 2>&1)
    assert_eq "$?" 2 "exit status of a relative --audit-log"
    out=$(echo '{"id":"x"}' | "$AUDIT" --audit-log "/proc/pdt-no/such.log" 2>&1)
    assert_eq "$?" 1 "exit status with an unwritable log"
    assert_contains "$out" "paddock-hook-audit: audit log"
    out=$("$AUDIT" --help)
    assert_contains "$out" "--stage"
    assert_contains "$out" "--audit-log"
    [ ! -e "$T/e.log" ] || fail "a refused state wrote $T/e.log"
}

need_snap() {
    need_hooks
    [ -x "$SNAP" ] || fail "$SNAP missing (make hooks)"
    "$RUNTIME" snapshot --help >/dev/null 2>&1 ||
        fail "$RUNTIME has no snapshot command (issue #6), which paddock-hook-snapshot runs"
}

# snap_bundle B WS LOG [ANNOTATION-VALUE]: a busybox agent bundle whose
# workspace WS is an overlay (bound at its own path), with the snapshot hook
# at poststop (store $T/store).
snap_bundle() {
    local b=$1 ws=$2 log=$3 name=${4:-}
    make_bundle "$b" true
    cfg_set "$b" '.annotations = {"dev.paddock.sandbox":"workspace-write","dev.paddock.workspace":$ws,
            "dev.paddock.workspace.kind":"overlay","dev.paddock.audit-log":$l}
        | (if $n != "" then .annotations["dev.paddock.snapshot.on-stop"] = $n else . end)
        | .mounts += [{"destination":$ws,"type":"bind","source":$ws,"options":["rbind","rw"]}]
        | .hooks = {"poststop":[$h]}' --arg ws "$ws" --arg l "$log" --arg n "$name" \
        --argjson h "$(hook_json "$SNAP" paddock-hook-snapshot --paddock "$RUNTIME" --store "$T/store")"
}

t_snapshot_run() {
    need_snap
    local b=$T/sb ws=$T/sws log
    log=$(bundle_log snap)
    mkdir -p "$ws"
    echo base >"$ws/a"
    snap_bundle "$b" "$ws" "$log" 'pdt-{id}'
    export PADDOCK_STORE=$T/store
    run_in "$b" sh -c "echo changed > '$ws/a'"
    assert_ok
    assert_eq "$(cat "$ws/a")" base "the host's file (overlay workspace)"
    local snap=pdt-${RUN_ID:0:12} list
    list=$("$RUNTIME" --store "$T/store" snapshot list --json 2>&1) || fail "snapshot list: $(oneline "$list")"
    assert_eq "$(printf '%s' "$list" | jq -r --arg n "$snap" '.[] | select(.name == $n) | .files')" 1 "files in $snap"
    assert_eq "$(jq -c --arg id "$RUN_ID" 'select(.id == $id and .event == "container.snapshot") | [.snapshot, .ok, .exit_status]' "$log")" \
        "[\"$snap\",true,0]" "container.snapshot event"
}

t_snapshot_errors() {
    need_snap
    local out rc
    # No annotation: nothing to do.
    out=$(printf '{"ociVersion":"1.0.2","id":"c0","status":"stopped","bundle":"/nonexistent"}' | "$SNAP" --paddock /bin/false 2>&1)
    assert_eq "$?" 0 "exit status without the annotation"
    assert_eq "$out" "" "output without the annotation"
    # A container that has no overlay workspace: paddock refuses, the hook says so.
    local log
    log=$(bundle_log snap-err)
    out=$(printf '{"ociVersion":"1.0.2","id":"pdt-no-such-ws","status":"stopped","bundle":"/nonexistent","annotations":{"dev.paddock.snapshot.on-stop":"s1","dev.paddock.audit-log":"%s"}}' "$log" |
        "$SNAP" --paddock "$RUNTIME" --store "$T/store2" 2>&1)
    rc=$?
    assert_eq "$rc" 1 "exit status when paddock snapshot create fails"
    assert_contains "$out" "paddock-hook-snapshot: $RUNTIME snapshot create pdt-no-such-ws s1: exit status"
    assert_eq "$(jq -c 'select(.event == "container.snapshot") | .ok' "$log")" false "ok in the event of a failed snapshot"
    # A bad name: paddock refuses the container at create.
    local b=$T/sb2 ws=$T/sws2
    mkdir -p "$ws"
    snap_bundle "$b" "$ws" "$(bundle_log snap2)" 'bad/name'
    run_in "$b" true
    assert_failed "run with dev.paddock.snapshot.on-stop=bad/name"
    assert_err_contains "dev.paddock.snapshot.on-stop"
    # ... and so does the hook (under another runtime).
    out=$(printf '{"ociVersion":"1.0.2","id":"c1","status":"stopped","annotations":{"dev.paddock.snapshot.on-stop":"-x"}}' |
        "$SNAP" --paddock "$RUNTIME" 2>&1)
    assert_eq "$?" 1 "exit status with a bad name"
    assert_contains "$out" "dev.paddock.snapshot.on-stop"
    out=$("$SNAP" --paddock relative </dev/null 2>&1)
    assert_eq "$?" 2 "exit status of a relative --paddock"
    out=$("$SNAP" --help)
    assert_contains "$out" "snapshot create"
}

t_descriptors() {
    local t n=0
    for t in "$REPO"/hooks/hooks.d/*.json.in; do
        [ -e "$t" ] || continue
        n=$((n + 1))
        local j
        j=$(sed -e "s|@HOOKDIR@|$HOOKBIN|g" -e "s|@BINDIR@|$(dirname "$RUNTIME")|g" "$t")
        printf '%s' "$j" | jq -e '.version == "1.0.0" and (.hook.path | startswith("/")) and (.stages | length > 0)
            and (.when.annotations | length > 0)' >/dev/null || fail "$t: not a hooks.d 1.0.0 descriptor with a path, stages and annotations"
        local p
        p=$(printf '%s' "$j" | jq -r .hook.path)
        [ -x "$p" ] || fail "$t: hook $p is not built"
        # Each regex matches a dev.paddock.* key (jq's test is PCRE-like, as Go's regexp here).
        printf '%s' "$j" | jq -e '.when.annotations | to_entries | all(.key as $k |
            ["dev.paddock.sandbox", "dev.paddock.snapshot.on-stop"] | any(test($k)))' >/dev/null ||
            fail "$t: when.annotations matches no dev.paddock.* key"
        printf '%s' "$j" | jq -e '.when.annotations | to_entries | all(.key as $k | "io.podman.annotations.init" | test($k) | not)' >/dev/null ||
            fail "$t: when.annotations matches annotations every podman container has"
    done
    [ "$n" -ge 3 ] || fail "expected three descriptors (audit poststart and poststop, snapshot) in hooks/hooks.d, found $n"
}

run_case audit_run t_audit_run
run_case audit_stage_guess t_audit_stage_guess
run_case audit_bad_policy t_audit_bad_policy
run_case audit_errors t_audit_errors
run_case snapshot_run t_snapshot_run
run_case snapshot_errors t_snapshot_errors
run_case descriptors t_descriptors
finish
