#!/usr/bin/env bash
# The hooks paddock ships (hooks/), run by podman (Debian's 4.3, rootful)
# through their hooks.d descriptors (hooks/hooks.d/*.json.in, with the path
# of the built hooks), for containers carrying a dev.paddock.* annotation:
#
#   audit_events        podman run --rm with an agent annotation: the audit
#                       log gets container.poststart (run by paddock from
#                       config.json: pid, status running) and
#                       container.poststop (run by podman itself when the
#                       container is removed), next to paddock's own
#                       sandbox.start, all with podman's container id
#   audit_detached      run -d, stop, rm: poststart at start, poststop at rm
#   audit_not_plain     no dev.paddock.* annotation: no hook runs
#   audit_admin_log     a descriptor with --audit-log FILE: that log wins
#                       over the container's dev.paddock.audit-log
#   snapshot_on_stop    dev.paddock.snapshot.on-stop=NAME-{id} on a container
#                       with an overlay workspace: when podman removes it,
#                       paddock-hook-snapshot keeps the workspace as a
#                       snapshot (the host directory untouched), and says so
#                       in the audit log; without the annotation no snapshot
#
# paddock's store (overlay workspaces, snapshots) is $T/store: the wrapper
# exports PADDOCK_STORE and the snapshot descriptor passes --store.
#
# The podman setup is tests/engines/podman-cases.sh's (private storage,
# contrib/podman/containers.conf, the argv-logging paddock wrapper), with
# the descriptors installed in its --hooks-dir.
# HOOKBIN=DIR picks the hook binaries (default: build/hooks).
PODMAN_ROOTLESS=0
source "$(dirname "$0")/podman-cases.sh"

HOOKBIN=${HOOKBIN:-$REPO/build/hooks}

STORE=$T/store

# install_descriptors [EXTRA-ARG...]: the shipped descriptors in $P/hooks,
# pointing at $HOOKBIN and this paddock; extra args go after the audit
# hook's own; the snapshot hook gets --store $STORE.
install_descriptors() {
    local t out extra
    extra=$(json_array "$@")
    rm -f "$P"/hooks/*.json
    for t in "$REPO"/hooks/hooks.d/*.json.in; do
        out=$P/hooks/$(basename "$t" .in)
        sed -e "s|@HOOKDIR@|$HOOKBIN|g" -e "s|@BINDIR@|$(dirname "$RUNTIME")|g" "$t" |
            jq --argjson x "$extra" --arg store "$STORE" '
                if (.hook.path | endswith("/paddock-hook-snapshot")) then .hook.args += ["--store", $store]
                else .hook.args += $x end' >"$out" ||
            fail "cannot install $t as $out"
    done
}

case_hooks_setup() {
    local h
    for h in audit snapshot; do
        [ -x "$HOOKBIN/paddock-hook-$h" ] || setup_fail "$HOOKBIN/paddock-hook-$h missing (make hooks)"
    done
    podman_setup
    mkdir -p "$STORE"
    # paddock, run by podman, keeps overlay workspaces in $STORE.
    sed -i "2i export PADDOCK_STORE='$STORE'" "$ENGINE_RT" || setup_fail "cannot edit $ENGINE_RT"
    install_descriptors
    rm -f "$SETUP_OK"
    [ -n "$(ls "$P"/hooks/*.json 2>/dev/null)" ] || setup_fail "no descriptor installed in $P/hooks"
    setup_done
}

# events LOG ID: the events of container ID in LOG, one name per line.
events() { jq -r --arg id "$2" 'select(.id == $id) | .event' "$1" 2>/dev/null; }
# event_field LOG ID EVENT JQ: a field of the first EVENT line of ID.
event_field() {
    jq -c --arg id "$2" --arg e "$3" "select(.id == \$id and .event == \$e) | $4" "$1" 2>/dev/null | head -n1
}

case_audit_events() {
    podman_load
    local log
    log=$(bundle_log audit-events)
    prun --annotation dev.paddock.sandbox=danger-full-access --annotation "dev.paddock.audit-log=$log" \
        "$IMG" echo hello-hooks
    assert_exit 0
    assert_eq "$OUT" hello-hooks "stdout"
    local id
    id=$(last_created_id)
    assert_ran "$id"
    [ -s "$log" ] || engine_fail "no audit log $log written"
    local ev
    ev=$(events "$log" "$id" | tr '\n' ' ')
    assert_contains "$ev" "container.poststart" "events of $id in $log"
    assert_contains "$ev" "container.poststop" "events of $id in $log"
    assert_contains "$ev" "sandbox.start" "events of $id in $log (paddock's own)"
    assert_eq "$(event_field "$log" "$id" container.poststart '.status')" '"running"' "poststart .status"
    local pid
    pid=$(event_field "$log" "$id" container.poststart '.pid')
    [[ $pid =~ ^[1-9][0-9]*$ ]] || engine_fail "poststart .pid: expected a pid, got $pid"
    assert_eq "$(event_field "$log" "$id" container.poststart '.engine')" '"podman"' "poststart .engine"
    assert_eq "$(event_field "$log" "$id" container.poststart '.mode')" '"danger-full-access"' "poststart .mode"
    assert_eq "$(event_field "$log" "$id" container.poststart '.command')" '["echo","hello-hooks"]' "poststart .command"
    assert_eq "$(event_field "$log" "$id" container.poststart '.policy["dev.paddock.sandbox"]')" '"danger-full-access"' "poststart .policy"
    assert_eq "$(event_field "$log" "$id" container.poststop '.stage')" '"poststop"' "poststop .stage"
    assert_eq "$(event_field "$log" "$id" container.poststop '.hook')" '"paddock-hook-audit"' "poststop .hook"
    assert_eq "$(event_field "$log" "$id" container.poststop '.engine')" '"podman"' "poststop .engine"
    assert_eq "$(event_field "$log" "$id" container.poststop '.mode')" '"danger-full-access"' "poststop .mode"
    # Order: poststart before poststop.
    assert_eq "$(events "$log" "$id" | grep '^container\.' | tr '\n' ' ')" "container.poststart container.poststop " "hook events in order"
    # Every line is one JSON object with time, event and id.
    jq -e 'has("time") and has("event") and has("id")' "$log" >/dev/null ||
        engine_fail "an audit line lacks time, event or id"
}

case_audit_detached() {
    podman_load
    local log name=pdt-hooks-detached
    log=$(bundle_log audit-detached)
    pm_detached "$name" --annotation dev.paddock.sandbox=danger-full-access \
        --annotation "dev.paddock.audit-log=$log" -- sh -c "$TRAP_LOOP"
    pm_wait_ready "$name"
    assert_eq "$(events "$log" "$CID" | grep '^container\.' | tr '\n' ' ')" "container.poststart " "hook events while running"
    pm_ok stop -t 5 "$name"
    pm_ok rm "$name"
    assert_eq "$(events "$log" "$CID" | grep '^container\.' | tr '\n' ' ')" "container.poststart container.poststop " "hook events after stop and rm"
    assert_eq "$(event_field "$log" "$CID" container.poststop '.status')" '"stopped"' "poststop .status"
}

case_audit_not_plain() {
    podman_load
    local sys=/var/log/paddock/audit.log before=0
    [ -f "$sys" ] && before=$(wc -l <"$sys")
    prun "$IMG" echo plain
    assert_exit 0
    local id
    id=$(last_created_id)
    assert_ran "$id"
    if [ -f "$sys" ] && [ -n "$(tail -n +$((before + 1)) "$sys" | grep -F "\"$id\"")" ]; then
        engine_fail "a container without dev.paddock.* annotations was audited in $sys"
    fi
}

case_audit_admin_log() {
    podman_load
    local admin=$T/admin.log own
    own=$(bundle_log own)
    install_descriptors --audit-log "$admin"
    prun --annotation dev.paddock.sandbox=danger-full-access --annotation "dev.paddock.audit-log=$own" \
        "$IMG" true
    local rc=$RC id
    install_descriptors
    [ "$rc" = 0 ] || engine_fail "podman run with the --audit-log descriptors: exit $rc: $(oneline "$ERR")"
    id=$(last_created_id)
    assert_eq "$(events "$admin" "$id" | tr '\n' ' ')" "container.poststart container.poststop " "events in the administrator's log"
    [ -z "$(events "$own" "$id" | grep '^container\.')" ] ||
        engine_fail "hook events went to the container's log too"
    # paddock's own events stay in the container's log.
    assert_contains "$(events "$own" "$id" | tr '\n' ' ')" sandbox.start "paddock's events in the container's log"
}

case_snapshot_on_stop() {
    podman_load
    "$RUNTIME" snapshot --help >/dev/null 2>&1 ||
        fail "$RUNTIME has no snapshot command (issue #6), which paddock-hook-snapshot runs"
    local ws=$T/snapws log
    log=$(bundle_log snap)
    mkdir -p "$ws"
    echo base >"$ws/a"
    prun -v "$ws:$ws" --annotation "dev.paddock.workspace=$ws" --annotation dev.paddock.workspace.kind=overlay \
        --annotation 'dev.paddock.snapshot.on-stop=pdt-{id}' --annotation "dev.paddock.audit-log=$log" \
        "$IMG" sh -c "echo changed > '$ws/a'; echo new > '$ws/b'"
    assert_exit 0
    local id
    id=$(last_created_id)
    assert_ran "$id"
    assert_eq "$(cat "$ws/a")" base "the host's file after the container (overlay workspace)"
    [ ! -e "$ws/b" ] || engine_fail "the container wrote through its overlay workspace"
    local snap=pdt-${id:0:12} list
    list=$("$RUNTIME" --store "$STORE" snapshot list --json 2>&1) || engine_fail "snapshot list: $(oneline "$list")"
    assert_eq "$(printf '%s' "$list" | jq -r --arg n "$snap" '.[] | select(.name == $n) | .files')" 2 \
        "files in the snapshot $snap (snapshot list: $(oneline "$list"))"
    assert_eq "$(jq -c --arg id "$id" 'select(.id == $id and .event == "container.snapshot") | [.snapshot, .ok, .engine]' "$log")" \
        "[\"$snap\",true,\"podman\"]" "container.snapshot event"
    # Without the annotation: no snapshot, no event.
    prun -v "$ws:$ws" --annotation "dev.paddock.workspace=$ws" --annotation dev.paddock.workspace.kind=overlay \
        --annotation "dev.paddock.audit-log=$log" "$IMG" true
    assert_exit 0
    id=$(last_created_id)
    [ -z "$(jq -r --arg id "$id" 'select(.id == $id and .event == "container.snapshot") | .id' "$log")" ] ||
        engine_fail "a snapshot event for a container that asked for none"
    list=$("$RUNTIME" --store "$STORE" snapshot list --json 2>&1)
    assert_eq "$(printf '%s' "$list" | jq 'length')" 1 "snapshots after a container without the annotation"
}

run_setup_case setup case_hooks_setup
run_case audit_events case_audit_events
run_case audit_detached case_audit_detached
run_case audit_not_plain case_audit_not_plain
run_case audit_admin_log case_audit_admin_log
run_case snapshot_on_stop case_snapshot_on_stop
finish
