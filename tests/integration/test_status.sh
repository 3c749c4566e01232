#!/usr/bin/env bash
# paddock status (issue #4): the layers of a sandbox configuration given by
# `paddock sandbox`'s flags (per mode, --network, limits, fallback), of a
# running sandbox and of a plain OCI container, as JSON (checked with jq)
# and as a table; as root and as the unprivileged test user; usage errors
# (exit 2) and unknown containers (exit 1).
# paddock's own command: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

LAYERS="user-ns mount-ns pid-ns ipc-ns uts-ns network-ns read-only-root protected-paths
capabilities no-new-privs seccomp landlock-fs landlock-net landlock-scope unix-sockets setsid
session-keyring proc-masking limits"

# s_setup: a workspace $WS with a .git/hooks, the case's cwd.
s_setup() {
    is_paddock || { note "status is paddock's own"; exit 0; }
    need_cmd jq
    WS=$T/ws.$BASHPID
    mkdir -p "$WS/.git/hooks"
    chmod -R 0755 "$WS"
    cd "$WS" || fail "cd $WS"
}

# j EXPR: jq -r EXPR on the last output
j() { printf '%s' "$OUT" | jq -r "$1" 2>/dev/null || fail "not JSON (jq '$1'): $(oneline "$OUT")"; }
# layer NAME: its state in the last output
layer() { j ".layers[\"$1\"].state"; }

t_status_workspace_write() {
    s_setup
    rtc status --json
    assert_ok
    assert_eq "$(j '[.source, .id, .status, .agent_policy, .mode, .workspace, .network, .seccomp] | @tsv')" \
        "flags			true	workspace-write	$WS	none	agent-default" "source .. seccomp"
    assert_eq "$(j '.writable_roots | join(" ")')" "$WS" "writable_roots"
    assert_eq "$(printf '%s' "$OUT" | jq -r --arg p "$WS/.git/hooks" '.protected_paths | index([$p]) != null')" \
        true ".git/hooks in protected_paths"
    assert_eq "$(j '.layers | keys | length')" 19 "number of layers"
    local l
    for l in $LAYERS; do
        assert_match "$(layer "$l")" '^(active|degraded|absent)$' "state of $l"
    done
    for l in user-ns mount-ns pid-ns ipc-ns uts-ns network-ns read-only-root capabilities \
        no-new-privs seccomp setsid proc-masking; do
        assert_eq "$(layer "$l")" active "$l"
    done
    assert_eq "$(layer limits)" absent "limits (none asked for)"
    assert_eq "$(j '[.fallback.mode, .fallback.starts] | @tsv')" "refuse	true" "fallback"
    # landlock as the kernel gives it
    local abi
    abi=$(j .kernel.landlock_abi)
    assert_eq "$(j .landlock.kernel_abi)" "$abi" "landlock.kernel_abi"
    if [ "$abi" -ge 1 ]; then
        assert_eq "$(j .landlock.abi_in_use) $(layer landlock-fs)" "$abi active" "landlock fs"
    fi
    if [ "$abi" -ge 6 ]; then
        assert_eq "$(layer landlock-net) $(layer landlock-scope)" "active active" "landlock net, scope"
    fi
    assert_eq "$(j '[.user.uid, .uid_map[0].container_id, .uid_map[0].host_id] | @tsv')" "0	0	0" \
        "user and uid map as root"
}

t_status_modes() {
    s_setup
    rtc status --sandbox read-only --json
    assert_ok
    assert_eq "$(j '[.mode, .network, (.writable_roots | length)] | @tsv')" "read-only	none	0" \
        "read-only"
    assert_eq "$(layer protected-paths)" active "read-only: protected-paths"
    rtc status --sandbox danger-full-access --json
    assert_ok
    assert_eq "$(j '[.mode, .network, (.writable_roots | join(","))] | @tsv')" \
        "danger-full-access	host	/" "danger-full-access"
    assert_eq "$(layer network-ns) $(layer read-only-root) $(layer protected-paths) $(layer landlock-fs)" \
        "absent absent absent absent" "danger-full-access layers"
    assert_eq "$(j '.layers["landlock-fs"].reason')" danger-full-access "landlock-fs reason"
    assert_eq "$(layer seccomp) $(layer pid-ns) $(layer no-new-privs)" "active active active" \
        "danger-full-access keeps"
    rtc status --network host --json
    assert_ok
    assert_eq "$(j .network) $(layer network-ns) $(layer landlock-net)" "host absent absent" \
        "--network host"
}

t_status_values() {
    s_setup
    local extra=$T/extra.$BASHPID
    mkdir -p "$extra"
    rtc status -w "$extra" --protect secrets.txt --memory 512m --pids 100 --cpus 1.5 \
        --timeout 60 --fallback auto --json
    assert_ok
    assert_eq "$(j '[.limits.memory, .limits.pids, .limits.cpus, .limits.timeout] | @tsv')" \
        "536870912	100	1.5	60" "limits"
    assert_match "$(j .limits.enforced_by)" '^cgroup v[12]$' "limits.enforced_by (root)"
    assert_eq "$(layer limits)" active "limits (root)"
    assert_eq "$(j .fallback.mode)" auto "fallback"
    assert_eq "$(j '.writable_roots | join(" ")')" "$WS $extra" "writable_roots"
    assert_contains "$(j '(.protected_paths + .missing_protected_paths + .unprotected_paths) | join(" ")')" \
        "$WS/secrets.txt" "--protect"
}

t_status_text() {
    s_setup
    rtc status
    assert_ok
    assert_contains "$OUT" "report for"
    assert_contains "$OUT" "workspace-write"
    assert_match "$OUT" "LAYER +STATE +DETAIL" "header"
    local l
    for l in $LAYERS; do
        printf '%s\n' "$OUT" | grep -Eq "^$l +(active|degraded|absent)" || fail "no line for layer $l"
    done
}

t_status_errors() {
    s_setup
    rtc status nosuch-container
    assert_rc 1
    assert_err_contains 'container "nosuch-container" does not exist'
    rtc status --bogus
    assert_rc 2
    assert_err_contains 'unknown or incomplete option "--bogus"'
    rtc status --sandbox rw
    assert_rc 2
    assert_err_contains "--sandbox: expected read-only, workspace-write or danger-full-access"
    rtc status --network wifi
    assert_rc 2
    assert_err_contains "--network: expected none, host or allow:LIST"
    rtc status --pids 0
    assert_rc 2
    assert_err_contains '--pids: invalid value "0"'
    rtc status --sandbox read-only some-id
    assert_rc 2
    assert_err_contains "either a container ID or sandbox flags"
    rtc status a b
    assert_rc 2
    assert_err_contains "at most one container ID"
    rtc status ../x
    assert_rc 1
    rtc status -w "$T/does-not-exist"
    assert_rc 1
    assert_err_contains "$T/does-not-exist"
    rtc status --help
    assert_ok
    assert_contains "$OUT" "JSON fields:"
}

# A running sandbox: its state, config and live process.
t_status_running_sandbox() {
    s_setup
    printf '+ %s --root %s sandbox -- sleep 30 &\n' "$RUNTIME_NAME" "$STATE_ROOT" >>"$CASE_TRACE"
    timeout -k 5 60 "$RUNTIME" --root "$STATE_ROOT" sandbox -- sleep 30 >"$T/sb.out" 2>&1 &
    local sb=$! # timeout's pid: it passes SIGTERM on to paddock, which passes it in
    track_pid "$sb"
    local i id=
    for ((i = 0; i < 50; i++)); do
        id=$(ls "$STATE_ROOT" 2>/dev/null | head -n1)
        [ -n "$id" ] && [ "$(rt state "$id" 2>/dev/null | jq -r .status)" = running ] && break
        sleep 0.1
    done
    [ -n "$id" ] || { kill -TERM "$sb"; fail "no sandbox state in $STATE_ROOT"; }
    rtc status "$id" --json
    local cmd=
    [ "$RC" = 0 ] && cmd=$(tr '\0' ' ' <"/proc/$(j .observed.pid)/cmdline" 2>/dev/null)
    kill -TERM "$sb"
    wait "$sb" 2>/dev/null
    assert_ok
    assert_eq "$(j '[.source, .id, .status, .agent_policy, .mode, .network] | @tsv')" \
        "container	$id	running	true	workspace-write	none" "source .. network"
    assert_match "$(j .pid)" '^[1-9][0-9]*$' "pid"
    # the init, or the command below paddock's own minimal init
    assert_eq "$(j '.observed.init_pid // .observed.pid')" "$(j .pid)" "observed: init_pid or pid"
    assert_eq "$cmd" "sleep 30 " "the observed process"
    track_pid "$(j .observed.pid)"
    local l
    for l in user-ns mount-ns pid-ns ipc-ns uts-ns network-ns capabilities no-new-privs seccomp setsid; do
        assert_eq "$(layer "$l")" active "$l of the running sandbox (from /proc)"
    done
    no_leaks
    [ -z "$(state_left "$STATE_ROOT")" ] || fail "state left: $(state_left "$STATE_ROOT")"
}

# A plain OCI container: no agent policy; the report says what its config does.
t_status_plain_container() {
    s_setup
    local b=$T/plain.$BASHPID id
    make_bundle "$b" sleep 30
    id=$(new_id)
    rtc run --detach --bundle "$b" "$id"
    assert_ok
    rtc status --json "$id"
    assert_ok
    # (paddock spec's config has its seccomp denylist: "custom")
    assert_eq "$(j '[.source, .status, .agent_policy, .mode == null, .seccomp, .network] | @tsv')" \
        "container	running	false	true	custom	namespace" "plain container"
    assert_eq "$(j '.layers["landlock-fs"].reason') $(layer protected-paths)" \
        "no agent policy absent" "no agent policy"
    assert_eq "$(layer user-ns) $(layer pid-ns) $(layer read-only-root)" "absent active absent" \
        "its namespaces and root"
    assert_eq "$(j .fallback.mode)" null "fallback"
    rtc status "$id"
    assert_ok
    assert_contains "$OUT" "no agent policy (a plain OCI container)"
    stop_container "$id"
    rtc status "$id"
    assert_rc 1
    no_leaks "$id" "$b"
}

t_status_user() {
    s_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    urtc status --json
    assert_ok
    assert_eq "$(j '[.user.uid, .uid_map[0].container_id, .uid_map[0].host_id, .uid_map[0].size] | @tsv')" \
        "$USER_UID	$USER_UID	$USER_UID	1" "user and uid map as $TEST_USER"
    assert_eq "$(layer user-ns)" active "user-ns as $TEST_USER"
    assert_eq "$(j .kernel.user_namespaces)" true "kernel.user_namespaces as $TEST_USER"
    # limits: a delegated cgroup, else rlimits, which --fallback refuse (the default) refuses
    urtc status --memory 64m --pids 50 --json
    assert_ok
    if [ "$(j .kernel.cgroup)" = 0 ]; then
        assert_eq "$(j '[.fallback.starts, .limits.enforced_by, (.layers.limits.state)] | @tsv')" \
            "false	rlimits	degraded" "limits without a cgroup, fallback refuse"
        assert_contains "$(j '.fallback.refused | join(" ")')" "need a cgroup" "fallback.refused"
        urtc status --memory 64m --pids 50 --fallback auto --json
        assert_ok
        assert_eq "$(j '[.fallback.starts, .fallback.mode] | @tsv')" "true	auto" "--fallback auto"
        assert_contains "$ERR" "RLIMIT_AS" "the sandbox's warning"
    else
        assert_eq "$(j '[.fallback.starts, .limits.enforced_by] | @tsv')" "true	cgroup v2" \
            "limits in a delegated cgroup"
    fi
}

run_case status_workspace_write t_status_workspace_write
run_case status_modes t_status_modes
run_case status_values t_status_values
run_case status_text t_status_text
run_case status_errors t_status_errors
run_case status_running_sandbox t_status_running_sandbox
run_case status_plain_container t_status_plain_container
run_case status_user t_status_user
finish
