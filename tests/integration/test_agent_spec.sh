#!/usr/bin/env bash
# `paddock spec --agent`: the agent bundle of spec/agent-bundle.md.
# paddock only: runc has no --agent.
source "$(dirname "$0")/lib.sh"

# spec_in DIR ARGS...: run `spec ARGS...` with DIR as cwd, capturing RC/OUT/ERR.
spec_in() {
    local d=$1
    shift
    IO_N=$((IO_N + 1))
    LAST_CMD="spec $*"
    (cd "$d" && rt spec "$@") >"$T/io.$IO_N.out" 2>"$T/io.$IO_N.err"
    RC=$?
    OUT=$(cat "$T/io.$IO_N.out")
    ERR=$(cat "$T/io.$IO_N.err")
}

skip_unless_paddock() {
    is_paddock || { note "spec --agent is paddock's own"; exit 0; }
}

t_agent_default() {
    skip_unless_paddock
    need_cmd jq
    local d=$T/agent1
    rm -rf "$d" && mkdir -p "$d"
    spec_in "$d" --agent
    assert_ok
    jq -e . "$d/config.json" >/dev/null || fail "spec --agent: config.json does not parse"
    local want
    want=$(jq -cn --arg ws "$(cd "$d" && pwd -P)" '{"dev.paddock.sandbox":"workspace-write",
        "dev.paddock.workspace":$ws, "dev.paddock.workspace.kind":"bind", "dev.paddock.network":"none"}')
    assert_eq "$(jq -c .annotations "$d/config.json")" "$want" "spec --agent .annotations"
    assert_eq "$(jq -r .root.path "$d/config.json")" rootfs "spec --agent .root.path"
    assert_eq "$(jq -r .root.readonly "$d/config.json")" true "spec --agent .root.readonly"
    # Everything else is the default spec.
    local plain=$T/agent1-plain
    rm -rf "$plain" && mkdir -p "$plain"
    spec_in "$plain"
    assert_ok
    # ... but for linux.seccomp: an agent bundle has none, and gets the
    # agent-default profile at create (agent_plan.c)
    assert_eq "$(jq -cS 'del(.annotations)' "$d/config.json")" "$(jq -cS 'del(.linux.seccomp)' "$plain/config.json")" \
        "spec --agent minus annotations vs spec minus linux.seccomp"
    assert_eq "$(jq -c '.linux.seccomp' "$d/config.json")" null "spec --agent writes no linux.seccomp"
}

t_agent_read_only_host() {
    skip_unless_paddock
    need_cmd jq
    local d=$T/agent2 ws=$T/agent2-ws
    rm -rf "$d" "$ws" && mkdir -p "$d" "$ws"
    rt_ok spec --agent --sandbox read-only --rootfs host --workspace "$ws" --bundle "$d"
    local c=$d/config.json
    assert_eq "$(jq -r '.annotations["dev.paddock.sandbox"]' "$c")" read-only "sandbox"
    assert_eq "$(jq -r '.annotations["dev.paddock.workspace"]' "$c")" "$ws" "workspace"
    assert_eq "$(jq -r '.annotations["dev.paddock.network"]' "$c")" none "network"
    assert_eq "$(jq -r '.root | "\(.path) \(.readonly)"' "$c")" "/ true" "--rootfs host .root"
    # It runs, under the agent-default seccomp profile it did not spell out:
    # each denial of helpers/syscall-probe.py holds.
    need_cmd python3
    cp "$REPO/tests/integration/helpers/syscall-probe.py" "$ws/probe.py"
    cfg_set "$d" '.process.args = ["python3", $p] | .process.terminal = false' --arg p "$ws/probe.py"
    rtc run --bundle "$d" "$(new_id agent)"
    assert_ok "run the host-root agent bundle"
    local bad
    bad=$(printf '%s\n' "$OUT" | awk '$2 != "EPERM"')
    [ -n "$OUT" ] && [ -z "$bad" ] || fail "agent-default denials that did not hold: $(oneline "$bad")"
    # danger-full-access: the network default is host; --rootfs DIR; relative workspace.
    local d3=$T/agent3
    rm -rf "$d3" && mkdir -p "$d3/sub"
    spec_in "$d3" --agent --sandbox=danger-full-access --rootfs /srv/rootfs --workspace sub
    assert_ok
    c=$d3/config.json
    assert_eq "$(jq -r '.annotations["dev.paddock.network"]' "$c")" host "danger-full-access network"
    assert_eq "$(jq -r '.annotations["dev.paddock.workspace"]' "$c")" "$(cd "$d3/sub" && pwd -P)" \
        "relative --workspace made absolute"
    assert_eq "$(jq -r .root.path "$c")" /srv/rootfs "--rootfs DIR .root.path"
}

t_agent_bad_values() {
    skip_unless_paddock
    local d=$T/agent4
    rm -rf "$d" && mkdir -p "$d"
    rtc spec --agent --sandbox rw --bundle "$d"
    assert_rc 2 "spec --agent --sandbox rw"
    assert_err_contains '"rw"'
    assert_err_contains "read-only, workspace-write or danger-full-access"
    [ ! -e "$d/config.json" ] || fail "a refused spec --agent wrote config.json"
    rtc spec --sandbox read-only --bundle "$d"
    assert_rc 2 "spec --sandbox without --agent"
    assert_err_contains "--agent"
    rtc spec --agent --workspace /a/../b --bundle "$d"
    assert_failed "spec --agent --workspace /a/../b"
    assert_err_contains 'dev.paddock.workspace'
    [ ! -e "$d/config.json" ] || fail "a refused spec --agent wrote config.json"
    rtc spec --agent --workspace pdt-no-such-relative-dir --bundle "$d"
    assert_failed "spec --agent with a missing relative workspace"
    assert_err_contains pdt-no-such-relative-dir
    rtc spec --agent --sandbox
    assert_rc 2 "spec --agent --sandbox (no value)"
}

t_agent_no_overwrite() {
    skip_unless_paddock
    local d=$T/agent5
    rm -rf "$d" && mkdir -p "$d"
    echo '{"pdt": "keep"}' >"$d/config.json"
    rtc spec --agent --bundle "$d"
    assert_failed "spec --agent over an existing config.json"
    assert_err_contains "already exists"
    assert_eq "$(cat "$d/config.json")" '{"pdt": "keep"}' "config.json after a refused spec --agent"
}

t_agent_help() {
    skip_unless_paddock
    rtc spec --help
    assert_ok
    for f in --agent --sandbox --workspace --rootfs read-only workspace-write danger-full-access; do
        assert_contains "$OUT" "$f" "spec --help"
    done
}

run_case agent_default t_agent_default
run_case agent_read_only_host t_agent_read_only_host
run_case agent_bad_values t_agent_bad_values
run_case agent_no_overwrite t_agent_no_overwrite
run_case agent_help t_agent_help
finish
