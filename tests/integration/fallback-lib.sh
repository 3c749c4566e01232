# shellcheck shell=bash
# Shared by test_fallback*.sh (issue #7): the Docker-like seccomp helper, a
# workspace, and running the runtime under a prefix that makes a restricted
# environment.
source "$(dirname "$0")/lib.sh"

DS=$REPO/build/tests/helpers/docker-seccomp

fb_setup() {
    is_paddock || { note "probe and container-boundary mode are paddock's own"; exit 0; }
    need_cmd jq
    need_cmd setpriv util-linux
    need_cmd unshare util-linux
    need_cmd python3 python3
    local src=$REPO/tests/integration/helpers/docker-seccomp.c
    if [ ! -x "$DS" ] || [ "$src" -nt "$DS" ]; then
        make -C "$REPO" -s build/tests/helpers/docker-seccomp >"$T/make.out" 2>&1 ||
            fail "cannot build $src (make test-helpers): $(oneline "$(cat "$T/make.out")")"
    fi
    WS=$T/ws.$BASHPID
    mkdir -p "$WS"
    chmod 0777 "$WS"
    cd "$WS" || fail "cd $WS"
}

# wrc N PREFIX... ARGS...: the runtime run under the N words of PREFIX (a
# restricted environment), with this script's state root (FB_ROOT for the
# test user); RC, OUT, ERR.
wrc() {
    local n=$1
    shift
    local pre=("${@:1:$n}")
    shift "$n"
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="(${pre[*]}) $*"
    local root=${FB_ROOT:-$STATE_ROOT}
    printf '+ %s %s --root %s %s\n' "${pre[*]}" "$RUNTIME_NAME" "$root" "$*" >>"$CASE_TRACE"
    timeout -k 5 "${FB_TIMEOUT:-60}" "${pre[@]}" "$RUNTIME" --root "$root" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
}
dsc() { wrc 1 "$DS" "$@"; }

jqo() { printf '%s' "$OUT" | jq -r "$@"; }

# check_probe NAME: the .checks[NAME] of the last probe --json as "state error"
check_probe() { jqo --arg n "$1" '.checks[$n] | "\(.state) \(.error)"'; }

# assert_refused WHAT NEEDLE...: the last run refused with 125, the fix list
# and the way out (--fallback auto) named.
assert_refused() {
    local what=$1 n
    shift
    assert_rc 125 "$what"
    assert_err_contains "the namespaces a sandbox needs can't be made here"
    assert_contains "$ERR" "  fix: " "$what: the fixes"
    assert_contains "$ERR" "--fallback auto" "$what: the way out"
    for n in "$@"; do assert_contains "$ERR" "$n" "$what"; done
}

# assert_boundary_ran WHAT: the last run was `sandbox --fallback auto -- sh -c
# 'echo "$PADDOCK_MODE"; grep ... /proc/self/status'`, in container-boundary
# mode, with one warning line naming what is lost.
assert_boundary_ran() {
    assert_ok "$1"
    assert_eq "$(printf '%s\n' "$OUT" | head -1)" container-boundary "$1: PADDOCK_MODE"
    assert_contains "$OUT" "NoNewPrivs:	1" "$1: no_new_privs"
    assert_contains "$OUT" "Seccomp:	2" "$1: seccomp"
    assert_contains "$OUT" "CapEff:	0000000000000000" "$1: capabilities"
    # an unprivileged caller can't clear its bounding set (CAP_SETPCAP);
    # no_new_privs keeps it from mattering, and status says so
    [ "${FB_UID:-0}" != 0 ] || assert_contains "$OUT" "CapBnd:	0000000000000000" "$1: bounding set"
    assert_eq "$(printf '%s\n' "$ERR" | grep -c 'container-boundary mode')" 1 "$1: warning lines"
    assert_contains "$ERR" "lost: the user, mount, PID, IPC, UTS and network namespaces" "$1"
    assert_contains "$ERR" "the protected paths" "$1: lost"
}

STATUS_CMD='echo "$PADDOCK_MODE"; grep -E "^(NoNewPrivs|Seccomp|CapEff|CapBnd):" /proc/self/status'

# claims_hold STATUS CHECK: each layer the status JSON calls active is
# matched by check's probes of it being blocked (or not probed here).
claims_hold() {
    local s=$1 c=$2 layer p obs state
    declare -A probes=(
        [read-only-root]="write_outside" [landlock-fs]="write_outside"
        [protected-paths]="write_git_hooks create_protected" [unix-sockets]="unix_socket_host"
        [landlock-net]="tcp_connect_host" [network-ns]="tcp_connect_host abstract_unix_host"
        [landlock-scope]="abstract_unix_host kill_host" [pid-ns]="kill_host ptrace_host"
        [seccomp]="io_uring bpf keyctl userns mount" [capabilities]="mount read_kcore"
        [no-new-privs]="setuid" [setsid]="tiocsti" [user-ns]="read_kcore")
    for layer in "${!probes[@]}"; do
        state=$(printf '%s' "$s" | jq -r --arg l "$layer" '.layers[$l].state')
        [ "$state" = active ] || continue
        for p in ${probes[$layer]}; do
            obs=$(printf '%s' "$c" | jq -r --arg n "$p" '.probes[] | select(.name == $n) | .observed')
            [ "$obs" = blocked ] || [ "$obs" = n/a ] ||
                fail "status says $layer is active, but check's $p probe was $obs"
        done
    done
}

# status_and_check N PREFIX... [FLAGS...]: status --json and check --json under
# PREFIX; check passed, with expected rows blocked and lost ones marked; the
# status's claims hold.  Sets ST (status JSON) and CK (check JSON).
status_and_check() {
    local n=$1
    shift
    local pre=("${@:1:$n}")
    shift "$n"
    wrc "$n" "${pre[@]}" status --json "$@"
    assert_ok "status --json $*"
    ST=$OUT
    wrc "$n" "${pre[@]}" check --json "$@"
    CK=$OUT
    local bad
    bad=$(printf '%s' "$CK" | jq -r '.probes[] | select(.ok | not) | "\(.name): \(.observed)"' 2>/dev/null)
    [ "$RC" = 0 ] || fail "check $*: exit $RC; not as promised: $(oneline "$bad"); stderr: $(oneline "$ERR")"
    claims_hold "$ST" "$CK"
}

# The boundary check's rows: what stays blocked, and the lost ones marked.
assert_boundary_check() {
    local p
    assert_eq "$(printf '%s' "$CK" | jq -r '[.passed, .environment] | @tsv')" \
        "true	container-boundary" "check: passed, environment"
    for p in write_outside tcp_connect_host abstract_unix_host ptrace_host kill_host tiocsti \
        mount userns setuid io_uring bpf keyctl; do
        assert_eq "$(printf '%s' "$CK" | jq -r --arg n "$p" '.probes[] | select(.name == $n) |
            if .observed == "n/a" then "blocked" else .observed end')" blocked "check: $p"
    done
    assert_eq "$(printf '%s' "$CK" | jq -r '[.probes[] | select(.lost != null) |
        "\(.name)=\(.lost)"] | join(" ")')" \
        "write_git_hooks=protected-paths create_protected=protected-paths unix_socket_host=unix-sockets" \
        "check: the lost rows"
    assert_eq "$(printf '%s' "$ST" | jq -r '[.environment.mode, .fallback.starts,
        .layers["user-ns"].state, .layers["landlock-fs"].state, .layers["landlock-net"].state,
        .layers["landlock-scope"].state, .layers.seccomp.state, .layers.capabilities.state,
        .layers["protected-paths"].state] | @tsv')" \
        "container-boundary	true	absent	active	active	active	active	active	absent" \
        "status: the layers"
}
