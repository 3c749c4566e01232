# shellcheck shell=bash
# Leak checks scoped to one test script, for the hardening tests (issue #9:
# test_escape.sh, test_bad_input.sh, tests/stress/).  Source it after
# lib.sh.
#
# lib.sh's no_leaks compares the host's whole mount table with the one at
# the case's start; other engineers' tests run on this machine at the same
# time, so that comparison fails on their mounts.  These checks look only
# at what this script can have made: mounts under its directory ($T) or
# given paths, processes of its container ids or with a root under $T,
# state directories of its ids, cgroups named after them, and sandbox
# entries its runs left.

# leaks_mark: remember "now" for scoped_no_leaks (sandbox entries newer
# than this are this case's).
leaks_mark() { touch "$T/leaks.mark"; }

# _leak_mounts PATH...: mountinfo lines whose mount point or root is under
# one of PATHs.
_leak_mounts() {
    local p
    for p in "$@"; do
        awk -v p="$p" 'index($5, p) == 1 || index($4, p) == 1 { print $5 " (" $9 " " $10 ")" }' /proc/self/mountinfo
    done
}

# _stale_new DIR: entries of DIR (sandbox-PID-..., PID-...) of dead
# processes, made since leaks_mark.
_stale_new() {
    local e
    [ -d "$1" ] || return 0
    for e in $(stale_entries "$1"); do
        if [ ! -e "$T/leaks.mark" ] || [ "$1/$e" -nt "$T/leaks.mark" ]; then echo "$1/$e"; fi
    done
}

# USTATE: the test user's state root in these tests (--root; the default
# one is shared with every other test the user runs).
USTATE=$T/ustate

# uscoped ARGS...: urtc with --root $USTATE; ids made with user_new_id are
# deleted by scoped_cleanup.
uscoped() { urtc --root "$USTATE" "$@"; }

# scoped_cleanup: delete the test user's containers under $USTATE (lib.sh's
# rootless_cleanup looks in the default root); call from case_cleanup.
scoped_cleanup() {
    local id ur=$RUNTIME
    [ -s "$T/scoped-user-ids" ] || return 0
    while read -r id; do
        [ -n "$id" ] && as_user timeout 10 "$ur" --root "$USTATE" delete --force "$id" >/dev/null 2>&1
    done <"$T/scoped-user-ids"
    : >"$T/scoped-user-ids"
}

# scoped_user_id [TAG]: user_new_id, remembered for scoped_cleanup.
scoped_user_id() {
    local id
    id=$(user_new_id "$@")
    echo "$id" >>"$T/scoped-user-ids"
    echo "$id"
}

# scoped_no_leaks [ID...] [PATH...]: nothing of this script's outlives it.
scoped_no_leaks() {
    local arg ids=() paths=("$T") i bad= id
    for arg in "$@"; do
        if [[ $arg == /* ]]; then paths+=("$arg"); else ids+=("$arg"); fi
    done
    for i in 1 2 3 4 5 6 7 8 9 10; do # a dying container may take a moment
        bad=$(_leak_mounts "${paths[@]}")
        [ -z "$bad" ] && break
        sleep 0.2
    done
    [ -z "$bad" ] || fail "leaked mount(s): $(oneline "$(printf '%s\n' "$bad" | head -3)")"
    local procs= p
    for i in 1 2 3 4 5 6 7 8 9 10; do
        procs=$(_our_pids "${ids[@]}")
        [ -z "$procs" ] && break
        sleep 0.2
    done
    if [ -n "$procs" ]; then
        for p in $procs; do procs="$procs; $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
        fail "process(es) left: $(oneline "${procs#*; }")"
    fi
    for id in "${ids[@]}"; do
        [ ! -e "$STATE_ROOT/$id" ] || fail "state dir $STATE_ROOT/$id left behind"
        [ ! -e "$USTATE/$id" ] || fail "state dir $USTATE/$id left behind"
        local cg
        cg=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$id*" 2>/dev/null | head -3)
        [ -z "$cg" ] || fail "cgroup left behind: $(oneline "$cg")"
    done
    local stale
    stale=$(_stale_new "$STATE_ROOT"; _stale_new "$USTATE")
    [ -z "$stale" ] || fail "left by a sandbox: $(oneline "$stale")"
    while read -r p; do
        [ -n "$p" ] || continue
        for i in 1 2 3 4 5 6 7 8 9 10; do _pid_alive "$p" || break; sleep 0.1; done
        ! _pid_alive "$p" || fail "process $p still alive: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done <"$T/pids"
    return 0
}

# private_runtime: run a copy of the runtime under test ($T/bin), so that a
# rebuild of runtime/paddock by someone else during the script changes
# nothing (the copy is also reachable by the test user).
private_runtime() {
    mkdir -p "$T/bin"
    chmod 0755 "$T/bin"
    local copy=$T/bin/$RUNTIME_NAME i
    for i in 1 2 3 4 5; do
        install -m 0755 "$RUNTIME" "$copy.new" 2>/dev/null && "$copy.new" --version >/dev/null 2>&1 && break
        sleep 1 # being relinked
    done
    mv -f "$copy.new" "$copy"
    RUNTIME=$copy
    UR=$copy
}
