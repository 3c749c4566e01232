#!/usr/bin/env bash
# contrib/agents/: paddock-shell (every command of an agent through
# `paddock sandbox`) and paddock-agent-bundle (a whole agent in a bundle):
#   shell_command        -c COMMAND runs in a sandbox: the cwd writable, the
#                        rest read-only, the exit status passed through,
#                        sandbox.start/exit with the command in the audit log
#   shell_settings       PADDOCK_WRITABLE, PADDOCK_NETWORK (none: only lo),
#                        SHELL inside is the inner shell, and a nested $SHELL
#                        runs without a second sandbox
#   shell_rootless       as the unprivileged test user
#   shell_help           --help
#   bundle_run           the generated bundle runs its agent as the given
#                        user: workspace and --writable dirs writable, the
#                        host root read-only, /tmp private, no network but lo,
#                        audit events
#   bundle_host_network  --network host: no network namespace of its own
#   bundle_refusals      --allow LIST writes network allow; bad options are refused
#   example_up_to_date   contrib/agents/agent-bundle/config.json is what the
#                        generator writes for the arguments the README gives
source "$(dirname "$0")/lib.sh"

PSHELL=$REPO/contrib/agents/paddock-shell
PBUNDLE=$REPO/contrib/agents/paddock-agent-bundle

need_paddock() { is_paddock || { note "paddock sandbox and agent bundles are paddock's"; exit 0; }; }

# psh DIR ENV... -- ARGS...: paddock-shell ARGS in DIR with ENV, capturing RC/OUT/ERR.
psh() {
    local dir=$1 envs=()
    shift
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    printf '+ (in %s) %s paddock-shell %s\n' "$dir" "${envs[*]}" "$*" >>"$CASE_TRACE"
    (cd "$dir" && exec env PADDOCK="$RUNTIME" "${envs[@]}" timeout -k 5 60 "$PSHELL" "$@") >"$o" 2>"$e" </dev/null
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

t_shell_command() {
    need_paddock
    local ws=$T/ws log=$T/shell-audit.log
    mkdir -p "$ws"
    psh "$ws" "PADDOCK_AUDIT_LOG=$log" -- -c "echo hi > f; echo in \$PWD; touch '$T/outside' 2>/dev/null || echo ro-outside; exit 5"
    assert_eq "$RC" 5 "exit status of the command through paddock-shell"
    assert_eq "$OUT" "in $ws
ro-outside" "output"
    assert_eq "$(cat "$ws/f" 2>/dev/null)" hi "the file written in the workspace"
    [ ! -e "$T/outside" ] || fail "paddock-shell wrote outside the workspace"
    assert_eq "$(jq -r .event "$log" | tr '\n' ' ')" "sandbox.start sandbox.exit " "audit events"
    assert_eq "$(jq -c 'select(.event == "sandbox.start") | .command[1:]' "$log")" \
        "$(jq -nc --arg c "echo hi > f; echo in \$PWD; touch '$T/outside' 2>/dev/null || echo ro-outside; exit 5" '["-c",$c]')" "the command in sandbox.start"
    assert_eq "$(jq -r 'select(.event == "sandbox.exit") | .status' "$log")" 5 "status in sandbox.exit"
}

t_shell_settings() {
    need_paddock
    local ws=$T/ws2 extra=$T/extra
    mkdir -p "$ws" "$extra"
    psh "$ws" "PADDOCK_WRITABLE=$extra" "PADDOCK_AUDIT_LOG=$T/a2.log" -- -c \
        "echo x > '$extra/y' && echo extra-ok; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; echo \$SHELL \$PADDOCK_SANDBOXED; \$SHELL -c 'echo nested-ok'"
    assert_ok
    assert_eq "$OUT" "extra-ok
lo
/bin/bash 1
nested-ok" "output"
    [ -f "$extra/y" ] || fail "PADDOCK_WRITABLE dir not writable"
    # PADDOCK_SANDBOX=read-only: not even the workspace.
    psh "$ws" PADDOCK_SANDBOX=read-only "PADDOCK_AUDIT_LOG=$T/a2.log" -- -c "touch ro 2>/dev/null && echo wrote; exit 0"
    assert_ok
    assert_eq "$OUT" "" "output in read-only mode"
    [ ! -e "$ws/ro" ] || fail "read-only mode wrote in the workspace"
    # Inner shell
    psh "$ws" PADDOCK_INNER_SHELL=/bin/sh "PADDOCK_AUDIT_LOG=$T/a2.log" -- -c 'echo $SHELL'
    assert_ok
    assert_eq "$OUT" /bin/sh "SHELL with PADDOCK_INNER_SHELL=/bin/sh"
}

t_shell_rootless() {
    need_paddock
    rootless_setup
    local ws=$T/uws
    mkdir -p "$ws" "$T/bin"
    chown "$TEST_USER:" "$ws"
    install -m 0755 "$PSHELL" "$T/bin/paddock-shell"
    # $T/bin/paddock (rootless_setup's copy, or the runtime itself) is next to it.
    [ -x "$T/bin/paddock" ] || install -m 0755 "$RUNTIME" "$T/bin/paddock"
    local out
    out=$(cd "$ws" && as_user timeout 60 "$T/bin/paddock-shell" -c 'echo user-ok > f; id -u; touch /etc/pdt-x 2>/dev/null || echo ro' 2>&1) ||
        fail "paddock-shell as $TEST_USER: $(oneline "$out")"
    assert_eq "$out" "$USER_UID
ro" "output as $TEST_USER"
    assert_eq "$(cat "$ws/f")" user-ok "file written as $TEST_USER"
}

t_shell_help() {
    local out
    out=$("$PSHELL" --help) || fail "paddock-shell --help failed"
    assert_contains "$out" "PADDOCK_NETWORK"
    assert_contains "$out" "paddock sandbox"
}

# gen BUNDLE ARGS...: paddock-agent-bundle with this runtime (RC/OUT/ERR).
gen() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    printf '+ paddock-agent-bundle %s\n' "$*" >>"$CASE_TRACE"
    "$PBUNDLE" --paddock "$RUNTIME" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

t_bundle_run() {
    need_paddock
    rootless_setup
    snapshot
    local ws=$T/aws cache=$T/acache b=$T/ab log
    log=$(bundle_log agent-audit)
    mkdir -p "$ws" "$cache"
    chown "$TEST_USER:" "$ws" "$cache"
    gen --workspace "$ws" --writable "$cache" --user "$USER_UID:$USER_GID" --audit-log "$log" "$b" -- \
        sh -c "id -u; echo w > f && echo ws-ok; echo c > '$cache/c' && echo cache-ok; touch /etc/pdt-agent 2>/dev/null || echo etc-ro; touch /tmp/t && echo tmp-ok; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; pwd"
    [ "$RC" = 0 ] || fail "paddock-agent-bundle: exit $RC: $(oneline "$ERR")"
    assert_eq "$(jq -r '.annotations["dev.paddock.network"]' "$b/config.json")" none "network annotation"
    assert_eq "$(jq -r '.annotations["dev.paddock.writable-roots"]' "$b/config.json")" "$cache" "writable-roots annotation"
    assert_eq "$(jq -c .process.capabilities.effective "$b/config.json")" '[]' "capabilities"
    local id
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" "$USER_UID
ws-ok
cache-ok
etc-ro
tmp-ok
lo
$ws" "output of the agent"
    [ ! -e /etc/pdt-agent ] || fail "the agent wrote /etc"
    assert_eq "$(stat -c %u "$ws/f")" "$USER_UID" "owner of the file the agent wrote"
    assert_contains "$(jq -r --arg id "$id" 'select(.id == $id) | .event' "$log" | tr '\n' ' ')" "sandbox.start" "audit events of the agent"
    no_leaks "$id"
}

t_bundle_host_network() {
    need_paddock
    local ws=$T/hws b=$T/hb
    mkdir -p "$ws"
    gen --workspace "$ws" --network host --user 0:0 "$b" -- sh -c 'tail -n +3 /proc/net/dev | wc -l'
    [ "$RC" = 0 ] || fail "paddock-agent-bundle --network host: $(oneline "$ERR")"
    assert_eq "$(jq -r '[.linux.namespaces[].type] | index("network")' "$b/config.json")" null "a network namespace with --network host"
    local id
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" "$(tail -n +3 /proc/net/dev | wc -l)" "interfaces seen with --network host"
}

t_bundle_refusals() {
    need_paddock
    local ws=$T/rws
    mkdir -p "$ws"
    gen --workspace "$ws" --allow api.anthropic.com "$T/ab2" -- my-agent
    assert_rc 0 "paddock-agent-bundle --allow"
    assert_eq "$(jq -r '.annotations | [.["dev.paddock.network"], .["dev.paddock.network.allow"]] | join(" ")' "$T/ab2/config.json")" \
        "allow api.anthropic.com" "--allow LIST: network allow and the list"
    assert_contains "$(jq -c '[.linux.namespaces[].type]' "$T/ab2/config.json")" '"network"' "--allow keeps the network namespace"
    gen --workspace "$ws" --network allow "$T/rb" -- my-agent
    assert_rc 2 "--network allow without --allow LIST"
    [ ! -e "$T/rb" ] || fail "a refused --network allow wrote a bundle"
    gen --workspace "$ws" "$T/rb"
    assert_rc 2 "no -- AGENT"
    gen --workspace "$T/no-such-dir" "$T/rb" -- my-agent
    assert_rc 1 "a missing workspace"
    assert_contains "$ERR" "is not a directory"
}

t_example_up_to_date() {
    need_paddock
    local r=$T/ex
    mkdir -p "$r/home/agent/project" "$r/home/agent/.cache"
    gen --workspace "$r/home/agent/project" --writable "$r/home/agent/.cache" \
        --allow api.anthropic.com,api.openai.com,registry.npmjs.org,pypi.org,files.pythonhosted.org \
        --user 1000:1000 --home /home/agent --audit-log /var/log/paddock/agent-audit.log --terminal \
        "$r/b" -- my-agent
    [ "$RC" = 0 ] || fail "paddock-agent-bundle (the README's example): $(oneline "$ERR")"
    local want=$REPO/contrib/agents/agent-bundle/config.json
    diff <(sed "s|$r||g" "$r/b/config.json" | jq -S .) <(jq -S . "$want") >"$T/ex.diff" ||
        fail "contrib/agents/agent-bundle/config.json is not what paddock-agent-bundle writes now (regenerate it with the command in contrib/agents/README.md and the paths rewritten, as this case does): $(oneline "$(head -c 300 "$T/ex.diff")")"
}

run_case shell_command t_shell_command
run_case shell_settings t_shell_settings
run_case shell_rootless t_shell_rootless
run_case shell_help t_shell_help
run_case bundle_run t_bundle_run
run_case bundle_host_network t_bundle_host_network
run_case bundle_refusals t_bundle_refusals
run_case example_up_to_date t_example_up_to_date
finish
