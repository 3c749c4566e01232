# shellcheck shell=bash
# Shared helpers for paddock's integration tests.  Source it from a
# tests/integration/test_*.sh script, define test functions, then call
# run_case NAME FUNCTION for each.
#
# Protocol: every case prints exactly one line, "ok NAME" or
# "not ok NAME: reason"; diagnostics are indented or start with '#'.
#
# Environment:
#   RUNTIME=/path/to/runtime  runtime under test (default: $REPO/runtime/paddock).
#                             RUNTIME=runc validates the tests themselves;
#                             RUNTIME=runtime/paddock-asan runs them against
#                             paddock under ASan/UBSan (make asan-runtime).
#   KEEP_TMP=1                keep the per-script temp dir (bundles, state, logs).
#   CASES=glob                run only the cases whose name matches glob.
#   RT_TIMEOUT=secs           timeout of one runtime invocation (default 15).
#   CASE_TIMEOUT=secs         timeout of one case (default 90).
#
# Layout: each script gets a temp dir $T under /var/tmp/paddock-tests/ (not
# under the checkout, so that the unprivileged user paddock-test can reach
# bundles in the rootless tests); the state root ($STATE_ROOT, passed as
# --root) is $T/state.  The shared busybox rootfs is built by
# tests/setup/rootfs in /var/tmp/paddock-tests/rootfs-busybox.

set -u
set -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PADDOCK=${PADDOCK:-$REPO/runtime/paddock}
RUNTIME=${RUNTIME:-$PADDOCK}
# A bare name (RUNTIME=runc) is looked up in PATH.
if [[ $RUNTIME != */* ]]; then
    RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME")
fi
RUNTIME_NAME=$(basename "$RUNTIME")
RT_TIMEOUT=${RT_TIMEOUT:-15}
CASE_TIMEOUT=${CASE_TIMEOUT:-90}
TEST_NAME=$(basename "$0" .sh)
TEST_BASE=/var/tmp/paddock-tests
ROOTFS_SRC=${PADDOCK_TEST_ROOTFS:-$TEST_BASE/rootfs-busybox}
TEST_USER=${PADDOCK_TEST_USER:-paddock-test}
TEST_USER_RUN_DIR=${PADDOCK_TEST_RUN_DIR:-/tmp/paddock-test-run}
HELPERS=$REPO/tests/integration/helpers

mkdir -p "$TEST_BASE"
chmod 0755 "$TEST_BASE" 2>/dev/null || true
T=$(mktemp -d "$TEST_BASE/$TEST_NAME.XXXXXX")
chmod 0755 "$T"
STATE_ROOT=$T/state
: >"$T/ids"
: >"$T/pids"
CASE_FAIL=$T/case.fail
CASE_LOG=$T/case.log
CASE_TRACE=$T/case.trace
CASE_SNAPSHOT=$T/mountinfo.before
N_PASS=0
N_FAIL=0
IO_N=0

# paddock-asan: runtime/paddock-asan (make asan-runtime), paddock under ASan/UBSan.
is_paddock() { [ "$RUNTIME_NAME" = paddock ] || [ "$RUNTIME_NAME" = paddock-asan ]; }
is_runc() { [ "$RUNTIME_NAME" = runc ]; }

# ---------------------------------------------------------------- results

# fail MSG: mark the current case failed (the first reason wins) and leave it.
fail() {
    [ -s "$CASE_FAIL" ] || printf '%s\n' "$*" | head -n1 | tr -d '\r' >"$CASE_FAIL"
    printf '# FAIL: %s\n' "$*" >&2
    exit 1
}

# note MSG: a diagnostic in the case log (shown when the case fails).
note() { printf '# %s\n' "$*" >&2; }

# Short one-line rendering of a multi-line text, for failure reasons.
# oneline TEXT: TEXT on one line; past 300 characters, its first 150 and
# last 150 (where a hang or an error usually shows).
oneline() {
    local s
    s=$(printf '%s' "$*" | tr '\n\t' '  ')
    if [ "${#s}" -gt 300 ]; then
        printf '%s' "${s:0:150} [...] ${s: -150}"
    else
        printf '%s' "$s"
    fi
}

assert_eq() { # ACTUAL EXPECTED WHAT
    [ "$1" = "$2" ] || fail "${3:-value}: expected '$(oneline "$2")', got '$(oneline "$1")'"
}
assert_ne() { # ACTUAL UNEXPECTED WHAT
    [ "$1" != "$2" ] || fail "${3:-value}: expected something other than '$(oneline "$2")'"
}
assert_contains() { # HAYSTACK NEEDLE WHAT
    [[ $1 == *"$2"* ]] || fail "${3:-output}: expected to contain '$(oneline "$2")', got '$(oneline "$1")'"
}
assert_not_contains() { # HAYSTACK NEEDLE WHAT
    [[ $1 != *"$2"* ]] || fail "${3:-output}: expected not to contain '$(oneline "$2")', got '$(oneline "$1")'"
}
assert_match() { # STRING ERE WHAT
    [[ $1 =~ $2 ]] || fail "${3:-value}: '$(oneline "$1")' does not match /$2/"
}
# assert_rc RC — the last rtc call exited with RC
assert_rc() {
    [ "$RC" = "$1" ] || fail "${2:-$RUNTIME_NAME ${LAST_CMD:-}}: exit status $RC, expected $1; stderr: $(oneline "$ERR")"
}
assert_ok() { assert_rc 0 "$@"; }
# assert_failed [WHAT] — the last rtc call exited non-zero and said something on stderr
assert_failed() {
    [ "$RC" != 0 ] || fail "${1:-$RUNTIME_NAME ${LAST_CMD:-}}: succeeded but should have failed; stdout: $(oneline "$OUT")"
    [ -n "$ERR" ] || fail "${1:-$RUNTIME_NAME ${LAST_CMD:-}}: failed (exit $RC) with an empty stderr, expected an error message"
}
# The error message of a failed call names the problem; with paddock it is
# also prefixed "paddock: ".
assert_err_contains() { # NEEDLE [WHAT]
    assert_contains "$ERR" "$1" "${2:-stderr of $RUNTIME_NAME ${LAST_CMD:-}}"
    if is_paddock; then
        assert_contains "$ERR" "paddock: " "stderr of paddock ${LAST_CMD:-} (prefix)"
    fi
}

# ---------------------------------------------------------------- runtime

require_runtime() {
    [ "$(id -u)" = 0 ] || fail "the integration tests must run as root (containers, mounts, setpriv to the test user)"
    if [ ! -e "$RUNTIME" ]; then
        fail "runtime $RUNTIME does not exist (build it: make runtime/paddock, or set RUNTIME=)"
    fi
    [ -x "$RUNTIME" ] || fail "runtime $RUNTIME is not executable"
}

need_cmd() { # CMD [PACKAGE]
    command -v "$1" >/dev/null 2>&1 ||
        fail "prerequisite missing: $1 (install ${2:-$1}: tests/setup/install-deps)"
}

# rt ARGS...: the runtime with this script's state root, bounded in time.
rt() {
    printf '+ %s --root %s %s\n' "$RUNTIME_NAME" "$STATE_ROOT" "$*" >>"$CASE_TRACE"
    timeout -k 5 "$RT_TIMEOUT" "$RUNTIME" --root "$STATE_ROOT" "$@"
}

# rtc ARGS...: run rt capturing RC, OUT and ERR (through files, never pipes,
# so that a detached container holding its stdio cannot block us).
rtc() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="$*"
    rt "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    if [ -n "$ERR" ]; then printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"; fi
    return 0
}

# rt_ok ARGS...: rtc and fail the case unless it exited 0.
rt_ok() { rtc "$@"; assert_ok; }

# new_id [TAG]: a fresh container id, registered for cleanup.
new_id() {
    local id
    id="pdt-${TEST_NAME#test_}-${1:+$1-}$$-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    echo "$id" >>"$T/ids"
    echo "$id"
}

# track_pid PID: a host pid that must be gone after cleanup (no_leaks).
track_pid() { [ -n "${1:-}" ] && echo "$1" >>"$T/pids"; }

# state_field ID FIELD: one field of `state ID` (fails the case when state fails).
state_field() {
    local out
    out=$(rt state "$1" 2>"$T/state.err") || fail "state $1 failed: $(oneline "$(cat "$T/state.err")")"
    printf '%s' "$out" | jq -r ".$2" 2>/dev/null || fail "state $1: not JSON: $(oneline "$out")"
}
state_status() { state_field "$1" status; }
# state_pid ID: the container's pid, tracked for no_leaks.
state_pid() {
    local p
    p=$(state_field "$1" pid)
    [[ $p =~ ^[1-9][0-9]*$ ]] ||
        fail "state $1: no valid pid (pid '$p', status '$(state_field "$1" status)')"
    track_pid "$p"
    printf '%s' "$p"
}

# wait_status ID STATUS [TENTHS]: poll state until STATUS (default 5s).
wait_status() {
    local i n=${3:-50} s=
    for ((i = 0; i < n; i++)); do
        s=$(rt state "$1" 2>/dev/null | jq -r .status 2>/dev/null)
        [ "$s" = "$2" ] && return 0
        sleep 0.1
    done
    fail "container $1: status '$s' after $((n / 10))s, expected '$2'"
}

# wait_file FILE [TENTHS]: poll until FILE exists and is not empty.
wait_file() {
    local i n=${2:-50}
    for ((i = 0; i < n; i++)); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- bundles

# make_bundle [--rootless] DIR [ARGS...]: DIR/rootfs (a copy of the busybox
# rootfs) and DIR/config.json from `$RUNTIME spec`, with process.args=ARGS
# (default: true), terminal=false and root.readonly=false (tests that want a
# read-only root set it).
make_bundle() {
    local specflags=()
    if [ "${1:-}" = --rootless ]; then specflags=(--rootless); shift; fi
    local b=$1
    shift
    [ $# -gt 0 ] || set -- true
    [ -x "$ROOTFS_SRC/bin/busybox" ] || fail "test rootfs $ROOTFS_SRC missing (run tests/setup/rootfs)"
    mkdir -p "$b"
    chmod 0755 "$b"
    cp -a "$ROOTFS_SRC" "$b/rootfs" || fail "cannot copy rootfs to $b"
    (cd "$b" && timeout 30 "$RUNTIME" spec "${specflags[@]}" >"$T/spec.out" 2>&1) ||
        fail "$RUNTIME_NAME spec ${specflags[*]} failed: $(oneline "$(cat "$T/spec.out")")"
    [ -s "$b/config.json" ] || fail "$RUNTIME_NAME spec wrote no config.json"
    cfg_set "$b" '.process.args = $a | .process.terminal = false | .root.readonly = false' --argjson a "$(json_array "$@")"
}

# json_array ARGS...: ARGS as a compact JSON array of strings (any bytes but
# NUL; jq 1.6 would parse "-c" in --args as its own option, so use --arg).
json_array() {
    local i=0 a jargs=()
    for a in "$@"; do
        jargs+=(--arg "a$i" "$a")
        i=$((i + 1))
    done
    jq -nc "${jargs[@]}" --argjson n "$i" '[range(0; $n) as $i | $ARGS.named["a\($i)"]]'
}

# cfg_set BUNDLE JQ-EXPR [JQ-ARGS...]: edit BUNDLE/config.json in place.
# JQ-ARGS: --arg NAME VALUE / --argjson NAME JSON.
cfg_set() {
    local b=$1 expr=$2
    shift 2
    jq "$@" "$expr" "$b/config.json" >"$b/config.json.new" ||
        fail "cfg_set: jq '$expr' failed on $b/config.json"
    mv "$b/config.json.new" "$b/config.json"
}

# cfg_get BUNDLE JQ-EXPR
cfg_get() { jq -r "$2" "$1/config.json"; }

# set_args BUNDLE ARGS...: process.args = ARGS
set_args() { local b=$1; shift; cfg_set "$b" '.process.args = $a' --argjson a "$(json_array "$@")"; }

# run_in BUNDLE ARGS...: `run` a fresh container with process.args=ARGS;
# sets RC/OUT/ERR like rtc.
run_in() {
    local b=$1 id
    shift
    set_args "$b" "$@"
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    RUN_ID=$id
}

# ---------------------------------------------------------------- leaks

_mountinfo() { cat /proc/self/mountinfo; }

snapshot() { _mountinfo >"$CASE_SNAPSHOT"; }

# _our_pids [ID...]: live processes that this script started: their cmdline
# mentions one of the ids, or their root directory is one of the rootfs
# directories under $T (a container process, found by device:inode since
# readlink /proc/PID/root says "/" across mount namespaces).
_our_pids() {
    local roots=() r id p
    for r in "$T"/*/rootfs; do
        [ -d "$r" ] && roots+=("$(stat -c %d:%i "$r")")
    done
    {
        for id in "$@"; do
            [ -n "$id" ] && pgrep -f -- "$id"
        done
        if [ ${#roots[@]} -gt 0 ]; then
            stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null | while read -r p r; do
                for id in "${roots[@]}"; do
                    if [ "$r" = "$id" ]; then p=${p#/proc/}; echo "${p%/root}"; fi
                done
            done
        fi
    } 2>/dev/null | sort -un | while read -r p; do
        [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && _pid_alive "$p" && echo "$p"
    done
}

_pid_alive() { # PID: running and not a zombie
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# no_leaks [ID...] [BUNDLE-PATH]: nothing the runtime made outlives it:
#  - /proc/self/mountinfo has the same number of lines as at the case's start
#    and no new line; no new mount under $T (bundles, state) or a given path;
#  - no process whose cmdline mentions an ID or whose root is a rootfs under
#    $T, no tracked pid alive;
#  - no state dir $STATE_ROOT/ID; no cgroup dir named ID.
no_leaks() {
    local id p arg ids=() paths=("$T")
    for arg in "$@"; do
        if [[ $arg == /* ]]; then paths+=("$arg"); else ids+=("$arg"); fi
    done
    local i now new
    for i in 1 2 3 4 5; do # a dying container may take a moment to unmount
        now=$(_mountinfo)
        new=$(printf '%s\n' "$now" | awk 'NR==FNR { seen[$1] = 1; next } !($1 in seen)' "$CASE_SNAPSHOT" -)
        [ -z "$new" ] && [ "$(printf '%s\n' "$now" | wc -l)" -eq "$(wc -l <"$CASE_SNAPSHOT")" ] && break
        sleep 0.2
    done
    [ -z "$new" ] || fail "leaked mount(s): $(oneline "$(printf '%s\n' "$new" | cut -d' ' -f4,5,9 | head -3)")"
    [ "$(printf '%s\n' "$now" | wc -l)" -eq "$(wc -l <"$CASE_SNAPSHOT")" ] ||
        fail "mountinfo has $(printf '%s\n' "$now" | wc -l) lines, $(wc -l <"$CASE_SNAPSHOT") before"
    # Mounts under the test's dirs that were not there when the case began
    # (mount ids can be reused, so compare whole lines).
    local fresh
    fresh=$(printf '%s\n' "$now" | grep -vxF -f "$CASE_SNAPSHOT")
    for p in "${paths[@]}"; do
        if printf '%s\n' "$fresh" | grep -qF -- " $p"; then
            fail "leaked mount under $p: $(oneline "$(printf '%s\n' "$fresh" | grep -F -- " $p" | cut -d' ' -f5 | head -2)")"
        fi
    done
    local procs=
    for i in 1 2 3 4 5 6 7 8 9 10; do
        procs=$(_our_pids "${ids[@]}")
        [ -z "$procs" ] && break
        sleep 0.1
    done
    if [ -n "$procs" ]; then
        for p in $procs; do
            procs="$procs; $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
        done
        fail "process(es) left (cmdline mentions the id, or root in a test rootfs): $(oneline "${procs#*; }")"
    fi
    for id in "${ids[@]}"; do
        [ ! -e "$STATE_ROOT/$id" ] || fail "state dir $STATE_ROOT/$id left behind"
        local cg
        cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$id*" 2>/dev/null | head -3)
        [ -z "$cg" ] || fail "cgroup left behind: $(oneline "$cg")"
    done
    while read -r p; do
        [ -n "$p" ] || continue
        for i in 1 2 3 4 5 6 7 8 9 10; do _pid_alive "$p" || break; sleep 0.1; done
        ! _pid_alive "$p" || fail "container process $p still alive: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done <"$T/pids"
    return 0
}

# ---------------------------------------------------------------- cleanup

cleanup_containers() {
    local id p
    while read -r id; do
        [ -n "$id" ] || continue
        timeout -k 2 10 "$RUNTIME" --root "$STATE_ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done <"$T/ids"
    # Hung runtime invocations and container processes this script started.
    local ids
    mapfile -t ids <"$T/ids"
    for p in $(_our_pids "${ids[@]}"); do kill -9 "$p" 2>/dev/null; done
    # Cgroups a broken runtime left for these containers (now empty).
    if [ ${#ids[@]} -gt 0 ]; then
        sleep 0.1
        for id in "${ids[@]}"; do
            [ -n "$id" ] && find /sys/fs/cgroup -maxdepth 4 -depth -type d -name "*$id*" -exec rmdir {} \; 2>/dev/null
        done
    fi
    while read -r p; do
        [ -n "$p" ] && _pid_alive "$p" && kill -9 "$p" 2>/dev/null
    done <"$T/pids"
    : >"$T/ids"
    : >"$T/pids"
    rootless_cleanup >/dev/null 2>&1
    [ "$(type -t case_cleanup)" = function ] && case_cleanup >/dev/null 2>&1
    return 0
}

# bundle_log NAME: a path for a bundle's dev.paddock.audit-log.  Run as
# root, paddock accepts only logs under /var/log/paddock/ (audit.h:
# pd_audit_bundle_path_check); cleanup_all removes the test's logs there.
BUNDLE_LOG_DIR=/var/log/paddock
bundle_log() {
    mkdir -p "$BUNDLE_LOG_DIR"
    echo "$BUNDLE_LOG_DIR/pdt-$(basename "$T")-$1.log"
}

# cache_entry DIR GLOB: the one file matching GLOB in DIR (a cache's entry)
cache_entry() {
    local e
    e=$(find "$1" -maxdepth 1 -name "$2" 2>/dev/null)
    [ "$(printf '%s\n' "$e" | grep -c .)" = 1 ] || fail "expected one cache entry in $1, found: $(oneline "$e")"
    printf '%s' "$e"
}

cleanup_all() {
    rm -f "$BUNDLE_LOG_DIR/pdt-$(basename "$T")-"*.log /run/paddock-test-"$(basename "$T")"-*.sock 2>/dev/null
    # Interrupted in the middle of a case: stop it (and what it started) first.
    local p
    for p in ${CUR_CASE_PIDS:-}; do
        pkill -KILL -P "$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
    done
    cleanup_containers
    [ "$(type -t script_cleanup)" = function ] && script_cleanup >/dev/null 2>&1
    # Unmount anything a broken runtime left under $T before removing it,
    # and never cross into another filesystem while removing.
    local m
    awk '{print $5}' /proc/self/mountinfo | grep -F -- "$T" | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null
    done
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# kept $T"
    else
        rm -rf --one-file-system "$T" 2>/dev/null || true
    fi
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- cases

# run_case NAME [FUNCTION]: run FUNCTION (default NAME) in a subshell, with
# stdin from /dev/null, and print "ok NAME" or "not ok NAME: reason".
# The runtime missing is a failure of every case.
run_case() {
    local name=$1 fn=${2:-$1} rc
    if [ -n "${CASES:-}" ]; then
        # shellcheck disable=SC2053
        [[ $name == $CASES ]] || return 0
    fi
    : >"$CASE_FAIL"
    : >"$CASE_LOG"
    : >"$CASE_TRACE"
    snapshot
    (
        require_runtime
        "$fn"
    ) </dev/null >"$CASE_LOG" 2>&1 &
    local cpid=$! wpid
    # Watchdog: a case still running after CASE_TIMEOUT is killed (with the
    # processes it started directly), and fails.
    (
        trap 'kill $! 2>/dev/null; exit 0' TERM
        sleep "$CASE_TIMEOUT" &
        wait $!
        [ -s "$CASE_FAIL" ] || echo "timed out after ${CASE_TIMEOUT}s" >"$CASE_FAIL"
        pkill -KILL -P "$cpid" 2>/dev/null
        kill -KILL "$cpid" 2>/dev/null
    ) </dev/null >/dev/null 2>&1 &
    wpid=$!
    CUR_CASE_PIDS="$cpid $wpid"
    { wait "$cpid"; } 2>/dev/null
    rc=$?
    kill "$wpid" 2>/dev/null
    wait "$wpid" 2>/dev/null
    CUR_CASE_PIDS=
    cleanup_containers
    if [ ! -s "$CASE_FAIL" ] && [ $rc -ne 0 ]; then
        echo "case exited with status $rc" >"$CASE_FAIL"
    fi
    if [ -s "$CASE_FAIL" ]; then
        N_FAIL=$((N_FAIL + 1))
        echo "not ok $name: $(cat "$CASE_FAIL")"
        { tail -n 12 "$CASE_TRACE"; tail -n 12 "$CASE_LOG"; } | sed 's/^/    # /'
    else
        N_PASS=$((N_PASS + 1))
        echo "ok $name"
    fi
}

# as_user CMD...: run CMD as the unprivileged test user, with its own
# XDG_RUNTIME_DIR and HOME.
as_user() {
    id "$TEST_USER" >/dev/null 2>&1 || fail "test user $TEST_USER missing (run tests/setup/test-user)"
    if [ ! -d "$TEST_USER_RUN_DIR" ]; then
        mkdir -p "$TEST_USER_RUN_DIR"
        chown "$TEST_USER:" "$TEST_USER_RUN_DIR"
        chmod 0700 "$TEST_USER_RUN_DIR"
    fi
    local home
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
        env XDG_RUNTIME_DIR="$TEST_USER_RUN_DIR" HOME="$home" "$@"
}

# state_left ROOT: what is left in a state root: its entries but the
# spare directories (.paddock-spares, kept for reuse: state.c), and
# whatever is inside a spare (a spare is an empty directory).
state_left() {
    local e
    for e in $(ls -A "$1" 2>/dev/null); do
        if [ "$e" = .paddock-spares ]; then
            (cd "$1/$e" && find . -mindepth 2 | sed "s|^\./|$e/|")
        else
            echo "$e"
        fi
    done
}

# stale_entries DIR: the entries of DIR named after a paddock process
# ("sandbox-PID-RAND" bundles and states, "PID-START" placeholder journals)
# whose process is gone: what a run left behind.  Entries of live
# processes (other sandboxes running at the same time) are not listed.
stale_entries() {
    local e pid
    for e in $(ls -A "$1" 2>/dev/null); do
        case $e in .spare | .paddock-spares) continue ;; esac # spare directories (placeholders, state)
        pid=${e#sandbox-}
        pid=${pid%%-*}
        case $pid in '' | *[!0-9]*) echo "$e"; continue ;; esac
        [ -d "/proc/$pid" ] || echo "$e"
    done | sort
}

# ---------------------------------------------------------------- rootless
# The unprivileged test user running the runtime (test_rootless.sh, and the
# rootless cases of test_exec.sh and test_cgroups.sh).

UR=$RUNTIME # the runtime binary as the test user can reach it

# rootless_setup: the test user (created when missing), newuidmap and
# setpriv; USER_UID/USER_GID; UR a copy of the runtime the user can run
# (a checkout under /root is not reachable by the test user).
rootless_setup() {
    id "$TEST_USER" >/dev/null 2>&1 ||
        "$REPO/tests/setup/test-user" >/dev/null ||
        fail "test user $TEST_USER missing and tests/setup/test-user failed"
    need_cmd newuidmap uidmap
    need_cmd setpriv util-linux
    USER_UID=$(id -u "$TEST_USER")
    USER_GID=$(id -g "$TEST_USER")
    UR=$RUNTIME
    if ! as_user test -x "$RUNTIME" 2>/dev/null; then
        mkdir -p "$T/bin"
        chmod 0755 "$T/bin"
        UR=$T/bin/$RUNTIME_NAME
        [ -x "$UR" ] || install -m 0755 "$RUNTIME" "$UR"
    fi
}

# urt ARGS...: the runtime as the test user, default state root, bounded.
urt() {
    printf '+ (as %s) %s %s\n' "$TEST_USER" "$RUNTIME_NAME" "$*" >>"$CASE_TRACE"
    as_user timeout -k 5 "$RT_TIMEOUT" "$UR" "$@"
}
# urtc ARGS...: urt capturing RC, OUT and ERR (as rtc).
urtc() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="$*"
    urt "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
}
urt_ok() { urtc "$@"; assert_ok; }

# user_new_id [TAG]: new_id, also registered for rootless_cleanup (lib.sh's
# cleanup and no_leaks look for its processes through $T/ids).
user_new_id() {
    local id
    id=$(new_id "$@")
    echo "$id" >>"$T/user-ids"
    echo "$id"
}

# user_bundle DIR ARGS...: a bundle owned by the test user, config.json from
# `spec --rootless` run as that user, process.args=ARGS, terminal=false,
# root.readonly=false.  USER_BUNDLE_CHECK_IDS=1: also assert that the
# mappings' hostIDs are the user's.
user_bundle() {
    local b=$1
    shift
    [ -x "$ROOTFS_SRC/bin/busybox" ] || fail "test rootfs $ROOTFS_SRC missing (run tests/setup/rootfs)"
    rm -rf "$b"
    mkdir -p "$b"
    cp -a "$ROOTFS_SRC" "$b/rootfs"
    chown -R "$TEST_USER:" "$b"
    chmod 0755 "$b"
    (cd "$b" && as_user "$UR" spec --rootless >"$T/spec.out" 2>&1) ||
        fail "$RUNTIME_NAME spec --rootless (as $TEST_USER) failed: $(oneline "$(cat "$T/spec.out")")"
    [ -s "$b/config.json" ] || fail "spec --rootless wrote no config.json"
    if [ "${USER_BUNDLE_CHECK_IDS:-0}" = 1 ]; then
        assert_eq "$(jq -c '[.linux.uidMappings[0].hostID, .linux.gidMappings[0].hostID]' "$b/config.json")" \
            "[$USER_UID,$USER_GID]" "hostIDs of the spec --rootless mappings"
    fi
    cfg_set "$b" '.process.args = $a | .process.terminal = false | .root.readonly = false' --argjson a "$(json_array "$@")"
    chown "$TEST_USER:" "$b/config.json"
}

# rootless_cleanup: delete the test user's containers (user_new_id); run
# after every case by cleanup_containers.
rootless_cleanup() {
    [ -e "$T/user-ids" ] || return 0
    local id ur=$RUNTIME
    [ -x "$T/bin/$RUNTIME_NAME" ] && ur=$T/bin/$RUNTIME_NAME
    if [ -s "$T/user-ids" ]; then
        while read -r id; do
            as_user timeout 10 "$ur" delete --force "$id"
        done <"$T/user-ids"
    fi
    : >"$T/user-ids"
}

# ------------------------------------------------------------ capabilities

declare -A CAPNUM=(
    [CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3
    [CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8
    [CAP_LINUX_IMMUTABLE]=9 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11
    [CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14 [CAP_IPC_OWNER]=15
    [CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17 [CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19
    [CAP_SYS_PACCT]=20 [CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23
    [CAP_SYS_RESOURCE]=24 [CAP_SYS_TIME]=25 [CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27
    [CAP_LEASE]=28 [CAP_AUDIT_WRITE]=29 [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31
    [CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34 [CAP_WAKE_ALARM]=35
    [CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37 [CAP_PERFMON]=38 [CAP_BPF]=39
    [CAP_CHECKPOINT_RESTORE]=40
)

# capmask NAME...: the /proc/PID/status hex mask of a capability list
capmask() {
    local m=0 c
    for c in "$@"; do
        [ -n "${CAPNUM[$c]:-}" ] || fail "capmask: unknown capability $c"
        m=$((m | (1 << CAPNUM[$c])))
    done
    printf '%016x' "$m"
}

# capline NAME: the value of the "NAME:" line of $OUT (e.g. CapEff of
# /proc/PID/status)
capline() { printf '%s\n' "$OUT" | awk -v k="$1:" '$1 == k { print $2 }'; }

# ---------------------------------------------------------------- containers

# stop_container ID: kill and delete, as a clean end of a case.
stop_container() {
    rt kill "$1" KILL >/dev/null 2>&1
    wait_status "$1" stopped
    rt_ok delete "$1"
}

# ok NAME / not_ok NAME REASON: print and count a result line directly, for
# checks that do not fit run_case.
ok() { echo "ok $1"; N_PASS=$((N_PASS + 1)); }
not_ok() {
    local n=$1
    shift
    echo "not ok $n: $*"
    N_FAIL=$((N_FAIL + 1))
}

# finish: end of a test script; exit status 1 when a case failed.
finish() {
    [ "$N_FAIL" -eq 0 ]
}
