#!/usr/bin/env bash
# The system policy, /etc/paddock/policy.json (issue #7, spec/policy.md):
# ceilings no flag, annotation or agent can widen.  Each case runs paddock
# in a private mount namespace where an overlay over /etc holds the policy
# (the host's /etc is never touched, so other tests running at the same time
# see no policy): defaults narrowed, requests beyond a ceiling refused with
# 125 naming the line (sandbox, status, check, an agent bundle), the fallback
# forbidden, the mandatory audit log, and a file that is not root's or does
# not parse failing closed.
source "$(dirname "$0")/fallback-lib.sh"

# policy_env JSON [MODE]: POL, a prefix that runs a command with JSON as the
# system policy (file mode MODE, default 0644).
policy_env() {
    local d=$T/policy.$BASHPID
    rm -rf "$d"
    mkdir -p "$d/up/paddock" "$d/work"
    chmod 0755 "$d" "$d/up" "$d/up/paddock"
    printf '%s\n' "$1" >"$d/up/paddock/policy.json"
    chmod "${2:-0644}" "$d/up/paddock/policy.json"
    # shellcheck disable=SC2016
    POL=(unshare -m --propagation private sh -c
        'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$0/up,workdir=$0/work" /etc &&
         exec "$@"' "$d")
}
pc() { wrc ${#POL[@]} "${POL[@]}" "$@"; }

# assert_beyond WHAT LINE TEXT: refused with 125, naming the policy line.
assert_beyond() {
    assert_rc 125 "$1"
    assert_err_contains "$1 is beyond the system policy: /etc/paddock/policy.json line $2: $3"
}

t_narrow_and_refuse() {
    fb_setup
    policy_env '{
  "comment": "the CI runners",
  "max_sandbox": "read-only",
  "max_network": "none"
}'
    pc sandbox -- sh -c 'echo x >f 2>/dev/null && echo wrote || echo denied'
    assert_ok "sandbox with the default mode"
    assert_eq "$OUT" denied "the default mode, narrowed to read-only"
    pc status --json
    assert_ok
    assert_eq "$(jqo '[.mode, .network] | @tsv')" "read-only	none" "status: narrowed"
    pc sandbox --sandbox workspace-write -- true
    assert_beyond "--sandbox workspace-write" 3 '"max_sandbox": "read-only"'
    pc status --sandbox danger-full-access
    assert_beyond "--sandbox danger-full-access" 3 '"max_sandbox": "read-only"'
    pc check --sandbox danger-full-access
    assert_beyond "--sandbox danger-full-access" 3 '"max_sandbox": "read-only"'
    pc sandbox --sandbox read-only --network host -- true
    assert_beyond "--network host" 4 '"max_network": "none"'
    # without a policy, the same runs
    rtc sandbox -- sh -c 'echo x >f && echo wrote'
    assert_ok
    assert_eq "$OUT" wrote "no policy: workspace-write"
}

# danger-full-access's default network (host) narrowed to none: its own
# network namespace, with only lo.
t_network_default() {
    fb_setup
    policy_env '{"max_network": "none"}'
    pc sandbox --sandbox danger-full-access -- sh -c 'ls /sys/class/net >/dev/null; cat /proc/net/dev'
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | grep -c ':')" 1 "interfaces: only lo"
    assert_contains "$OUT" "lo:"
}

# "fallback": "refuse": container-boundary mode can't be asked for.
t_fallback_forbidden() {
    fb_setup
    policy_env '{
  "fallback": "refuse",
  "allow_nested_userns": false
}'
    wrc $((${#POL[@]} + 1)) "${POL[@]}" "$DS" sandbox --fallback auto -- true
    assert_beyond "--fallback auto" 2 '"fallback": "refuse"'
    wrc $((${#POL[@]} + 1)) "${POL[@]}" "$DS" sandbox -- true
    assert_rc 125
    assert_err_contains "the namespaces a sandbox needs can't be made here"
    pc sandbox --allow-nested-userns -- true
    assert_beyond "--allow-nested-userns" 3 '"allow_nested_userns": false'
}

t_mandatory_audit_log() {
    fb_setup
    local must=$T/must.$BASHPID.log mine=$T/mine.$BASHPID.log f
    policy_env "{\"audit_log\": \"$must\"}"
    pc sandbox --audit-log "$mine" -- true
    assert_ok
    for f in "$must" "$mine"; do
        assert_contains "$(cat "$f" 2>/dev/null)" '"event":"sandbox.exit"' "$f"
    done
    # in container-boundary mode too, with its fallback events
    wrc $((${#POL[@]} + 1)) "${POL[@]}" "$DS" sandbox --fallback auto -- true
    assert_ok
    assert_contains "$(cat "$must")" '"layer":"mode"' "boundary events"
    # a mandatory log that can't be opened stops the run
    policy_env '{"audit_log": "/proc/paddock-no/audit.log"}'
    pc sandbox --audit-log "$mine" -- true
    assert_rc 125
    assert_err_contains "the system policy's mandatory audit log (/etc/paddock/policy.json line 1)"
}

# A policy file that can't be trusted, or does not parse: nothing runs.
t_fails_closed() {
    fb_setup
    policy_env '{"max_sandbox": "read-only"}' 0666
    pc sandbox -- true
    assert_rc 125
    assert_err_contains "must be owned by root and not writable by group or others"
    policy_env '{
  "max_sandbox": "read-only",
  "max_sandox": "danger-full-access"
}'
    pc sandbox -- true
    assert_rc 125
    assert_err_contains "system policy /etc/paddock/policy.json line 3: unknown key \"max_sandox\""
    policy_env '{"fallback": "sometimes"}'
    pc status
    assert_rc 125
    assert_err_contains "\"fallback\": expected refuse or auto"
}

# An agent bundle's annotations are held to the ceilings at create.
t_agent_bundle() {
    fb_setup
    policy_env '{
  "max_sandbox": "workspace-write"
}'
    local b=$T/bundle.$BASHPID id
    make_bundle "$b" true
    cfg_set "$b" '.annotations = {"dev.paddock.sandbox": "danger-full-access"}'
    id=$(new_id)
    pc run --bundle "$b" "$id"
    assert_failed "run of an agent bundle beyond the policy"
    assert_err_contains "dev.paddock.sandbox=danger-full-access is beyond the system policy: /etc/paddock/policy.json line 2: \"max_sandbox\": \"workspace-write\""
    cfg_set "$b" '.annotations = {"dev.paddock.sandbox": "read-only"}'
    id=$(new_id)
    pc run --bundle "$b" "$id"
    assert_ok "run of an agent bundle within the policy"
    no_leaks "$id"
}

run_case narrow_and_refuse t_narrow_and_refuse
run_case network_default t_network_default
run_case fallback_forbidden t_fallback_forbidden
run_case mandatory_audit_log t_mandatory_audit_log
run_case fails_closed t_fails_closed
run_case agent_bundle t_agent_bundle
finish
