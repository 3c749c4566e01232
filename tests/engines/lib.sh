# shellcheck shell=bash
# Shared helpers for the engine tests: podman, containerd (ctr) and docker
# from Debian drive paddock as their OCI runtime.  Source it from a
# tests/engines/test_*.sh script, then call run_case NAME FUNCTION per case.
#
# It builds on tests/integration/lib.sh (same protocol: one "ok NAME" or
# "not ok NAME: reason" line per case; fail, note, assert_*, as_user,
# run_case, the per-script temp dir $T, CASES=, KEEP_TMP=), and adds:
#
#   - an argv-logging wrapper $ENGINE_RT ($T/bin/paddock) that the engines are
#     given as their runtime: it appends every command line an engine runs
#     (with the caller's uid) to $ARGV_LOG and execs $RUNTIME.  A case checks
#     there that paddock really ran (an engine misconfigured would silently
#     fall back to runc), and a failing case prints the lines it produced;
#   - ec CMD...: run an engine command bounded in time, capturing RC, OUT
#     and ERR (like rtc in the integration lib);
#   - daemons started with start_daemon are stopped when the script exits
#     (stop_daemons, from script_cleanup);
#   - the busybox image as a tar ($IMAGE_TAR) built from the shared test
#     rootfs (tests/setup/rootfs), imported into each engine;
#   - mount and cgroup leak checks for `run --rm`.
#
# Environment (besides the integration lib's):
#   ENGINE_TIMEOUT=secs   bound on one engine command (default 60).
#
# Isolation: every engine gets its own storage, state, sockets and config
# under $T (podman --root/--runroot/--tmpdir, containerd --config with its own
# root/state/address, dockerd --data-root/--exec-root/-H/--pidfile), so the
# system's engines, if any, are neither used nor touched.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
ARGV_LOG=$T/argv.log
ENGINE_BIN=$T/bin
ENGINE_RT=$ENGINE_BIN/paddock
IMAGE_TAR=$T/busybox.tar
SETUP_OK=$T/setup.ok
SETUP_FAIL=$T/setup.fail
DAEMONS=$T/daemons # one "NAME PID" line per daemon started

mkdir -p "$ENGINE_BIN"
chmod 0755 "$ENGINE_BIN"
: >"$ARGV_LOG"
chmod 0666 "$ARGV_LOG"
: >"$DAEMONS"

# ---------------------------------------------------------------- setup

# make_wrapper: $ENGINE_RT, a logging wrapper around $RUNTIME.  The test user
# cannot traverse a checkout under /root, so the real binary is copied next to
# the wrapper when needed (the rootless suite runs the wrapper as that user).
make_wrapper() {
    local real=$RUNTIME
    if id "$TEST_USER" >/dev/null 2>&1 && ! as_user test -x "$RUNTIME" 2>/dev/null; then
        real=$ENGINE_BIN/paddock.real
        install -m 0755 "$RUNTIME" "$real" || fail "cannot copy $RUNTIME to $real"
    fi
    cat >"$ENGINE_RT" <<EOF
#!/bin/bash
# argv logger (tests/engines/lib.sh): one line per invocation, then exec.
{ printf '%s uid=%s' "\$(date +%T.%N)" "\$(id -u)"; printf ' %q' "\$@"; echo; } >>'$ARGV_LOG' 2>/dev/null
exec '$real' "\$@"
EOF
    chmod 0755 "$ENGINE_RT"
}

# setup_begin: start of a suite's setup case: the wrapper and the image tar.
setup_begin() {
    rm -f "$SETUP_OK" "$SETUP_FAIL"
    [ -x "$RUNTIME" ] || fail "runtime $RUNTIME missing (make runtime/paddock)"
    need_cmd jq
    need_cmd script bsdutils
    make_wrapper
    [ -x "$ROOTFS_SRC/bin/busybox" ] || fail "test rootfs $ROOTFS_SRC missing (run tests/setup/rootfs)"
    [ -s "$IMAGE_TAR" ] || tar -C "$ROOTFS_SRC" -cf "$IMAGE_TAR" . ||
        fail "cannot tar $ROOTFS_SRC into $IMAGE_TAR"
    chmod 0644 "$IMAGE_TAR"
}
setup_done() { touch "$SETUP_OK"; }

# run_setup_case NAME FUNCTION: run_case for the setup case; when it fails,
# its reason is what every other case reports.
run_setup_case() {
    run_case "$@"
    [ -e "$SETUP_OK" ] || [ -s "$SETUP_FAIL" ] || cp "$CASE_FAIL" "$SETUP_FAIL" 2>/dev/null
    [ -e "$SETUP_OK" ] || [ -s "$SETUP_FAIL" ] || echo "the setup case did not finish" >"$SETUP_FAIL"
}

# need_setup: first line of every case but the setup one.
need_setup() {
    [ -e "$SETUP_OK" ] || fail "setup failed: $(head -c 300 "$SETUP_FAIL" 2>/dev/null)"
}

# setup_fail MSG: remember why setup failed (the other cases quote it), fail.
setup_fail() {
    printf '%s\n' "$*" | head -n1 >"$SETUP_FAIL"
    fail "$*"
}

# need_engine CMD PACKAGE: a missing engine is a failure saying what is missing.
need_engine() {
    command -v "$1" >/dev/null 2>&1 ||
        setup_fail "$1 not found: install the Debian package $2 (tests/setup/install-deps)"
}

# ---------------------------------------------------------------- commands

# ec CMD...: run the command CMD (not a shell function; engines are arrays
# such as "${PODMAN[@]}") bounded by ENGINE_TIMEOUT, in $ENGINE_CWD, with stdin
# from /dev/null, capturing RC, OUT and ERR through files.  EC_LABEL, when
# set, is how failure messages name the command (e.g. "podman run ..."
# rather than the whole isolated command line); ec clears it.
ENGINE_CWD=$T
ec() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD=${EC_LABEL:-$*}
    EC_LABEL=
    printf '+ %s\n' "$*" >>"$CASE_TRACE"
    (cd "$ENGINE_CWD" && exec timeout -k 5 "$ENGINE_TIMEOUT" "$@") >"$o" 2>"$e" </dev/null
    RC=$?
    OUT=$(tr -d '\r' <"$o")
    ERR=$(tr -d '\r' <"$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
    [ "$RC" != 124 ] || note "timed out after ${ENGINE_TIMEOUT}s: $*"
    return 0
}

# ec_ok CMD...: ec, and fail the case unless CMD exited 0.
ec_ok() {
    ec "$@"
    [ "$RC" = 0 ] || engine_fail "$(short "$LAST_CMD"): exit status $RC; stderr: $(oneline "$ERR")"
}

# ec_tty CMD...: ec with a terminal on stdin/stdout (script(1) allocates a
# pty; ctr panics without one); OUT has the \r removed.
ec_tty() {
    local cmd="" a label=${EC_LABEL:-$*}
    for a in "$@"; do cmd+=$(printf '%q ' "$a"); done
    EC_LABEL="(on a terminal) $label"
    ec script -qec "$cmd" /dev/null
}

# engine_fail MSG: fail, with the last paddock command lines as diagnostics.
engine_fail() {
    note "last paddock invocations ($ARGV_LOG):"
    tail -n 4 "$ARGV_LOG" | cut -c1-300 | sed 's/^/#   /' >&2
    fail "$@"
}

# assert_exit N WHAT: the last ec exited N.
assert_exit() {
    [ "$RC" = "$1" ] ||
        engine_fail "$(short "${2:-$LAST_CMD}"): exit status $RC, expected $1; stderr: $(oneline "$ERR"); stdout: $(oneline "$OUT")"
}

# short TEXT: TEXT cut to 100 characters, for naming a command in a reason.
short() { local t; t=$(oneline "$1"); [ ${#t} -le 100 ] && printf '%s' "$t" || printf '%s...' "${t:0:97}"; }

# ---------------------------------------------------------------- paddock ran

# argv_of ID: the logged paddock command lines that mention ID.
argv_of() { grep -F -- "$1" "$ARGV_LOG"; }

# assert_ran ID [PATTERN...]: paddock created container ID (and each ERE
# PATTERN matches one of its logged command lines).
assert_ran() {
    local id=$1 p lines
    shift
    [ -n "$id" ] || engine_fail "no container id to look for in $ARGV_LOG"
    lines=$(argv_of "$id")
    [[ $lines == *" create "* ]] ||
        engine_fail "paddock never ran 'create' for $id: the engine used another runtime (argv log: $(oneline "$(tail -n 3 "$ARGV_LOG")"))"
    for p in "$@"; do
        printf '%s\n' "$lines" | grep -qE -- "$p" ||
            engine_fail "no paddock command line for $id matches /$p/; got: $(oneline "$lines")"
    done
}

# last_created_id: the id of the last container paddock created.
last_created_id() { grep ' create ' "$ARGV_LOG" | tail -n1 | awk '{print $NF}'; }

# ---------------------------------------------------------------- polling

# wait_for TENTHS CMD...: poll CMD until it succeeds.
wait_for() {
    local n=$1 i
    shift
    for ((i = 0; i < n; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- leaks

# mount_set: the host's mounts as "mountpoint fstype source" lines.
mount_set() { awk '{ for (i = 7; $i != "-"; i++); print $5, $(i+1), $(i+2) }' /proc/self/mountinfo | sort; }

# assert_no_new_mounts BEFORE-FILE [WHAT]: no mount appeared since BEFORE-FILE
# (a mount_set snapshot) was taken; waits up to 2s for asynchronous cleanup.
assert_no_new_mounts() {
    local before=$1 new i
    for i in $(seq 10); do
        new=$(mount_set | comm -13 "$before" -)
        [ -z "$new" ] && return 0
        sleep 0.2
    done
    engine_fail "${2:-run --rm} left mount(s): $(oneline "$(printf '%s\n' "$new" | head -n 4)")"
}

# assert_no_cgroup ID: no cgroup directory named after ID is left.
assert_no_cgroup() {
    local cg
    cg=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$1*" 2>/dev/null | head -n 3)
    [ -z "$cg" ] || engine_fail "cgroup left behind for $1: $(oneline "$cg")"
}

# cgroup_file PID CONTROLLER FILE: the path of FILE in PID's v1 CONTROLLER cgroup.
cgroup_file() {
    local path
    path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
    [ -n "$path" ] || fail "pid $1 has no $2 cgroup (/proc/$1/cgroup: $(oneline "$(cat "/proc/$1/cgroup" 2>/dev/null)"))"
    echo "/sys/fs/cgroup/$2$path/$3"
}

# assert_cgroup_value PID CONTROLLER FILE EXPECTED
assert_cgroup_value() {
    local f v
    f=$(cgroup_file "$1" "$2" "$3")
    v=$(cat "$f" 2>/dev/null) || engine_fail "cannot read $f"
    [ "$v" = "$4" ] || engine_fail "$f: expected '$4', got '$v'"
}

# ---------------------------------------------------------------- daemons

# start_daemon NAME LOG CMD...: start CMD in its own session, output to LOG
# (never to our stdout: run-all reads it until every writer closed it).
start_daemon() {
    local name=$1 log=$2
    shift 2
    setsid "$@" >"$log" 2>&1 </dev/null &
    echo "$name $!" >>"$DAEMONS"
    printf '+ (daemon %s, pid %s) %s\n' "$name" "$!" "$*" >>"$CASE_TRACE"
}

daemon_pid() { awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$DAEMONS"; }

# daemon_alive NAME
daemon_alive() { local p; p=$(daemon_pid "$1"); [ -n "$p" ] && _pid_alive "$p"; }

# stop_daemons: TERM each daemon we started (last first), KILL after 15s.
stop_daemons() {
    local name pid i
    tac "$DAEMONS" 2>/dev/null | while read -r name pid; do
        [ -n "$pid" ] || continue
        _pid_alive "$pid" || continue
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 150; i++)); do _pid_alive "$pid" || break; sleep 0.1; done
        _pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    : >"$DAEMONS"
}

# short_dir TAG: a fresh directory with a short path (podman's runroot must
# be under 50 characters, unix socket paths under 108), outside $T; removed
# by remove_short_dirs.
short_dir() {
    local d
    d=$(mktemp -d "/tmp/pdt-$1.XXXXXX") || fail "mktemp /tmp/pdt-$1.XXXXXX failed"
    chmod 0755 "$d"
    echo "$d" >>"$T/short_dirs"
    echo "$d"
}

# remove_short_dirs: unmount what is left under them, then remove them.
remove_short_dirs() {
    local d m
    [ -f "$T/short_dirs" ] || return 0
    while read -r d; do
        [ -n "$d" ] && [ -d "$d" ] || continue
        awk '{print $5}' /proc/self/mountinfo | grep -F -- "$d/" | sort -r | while read -r m; do
            umount -l "$m" 2>/dev/null
        done
        rm -rf --one-file-system "$d" 2>/dev/null
    done <"$T/short_dirs"
}

# remove_cgroup_parents NAME...: remove the (empty) cgroup directories
# /sys/fs/cgroup/*/NAME that an engine made as its containers' parent; a
# directory still in use stays (rmdir fails on it).
remove_cgroup_parents() {
    local n d
    for n in "$@"; do
        for d in /sys/fs/cgroup/*/"$n" /sys/fs/cgroup/"$n"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
    done
    return 0
}

# kill_leftovers: processes still running whose command line names $T or one
# of our short dirs (the shims and conmons of our private engines), by pid.
kill_leftovers() {
    local p d
    for d in "$T" $(cat "$T/short_dirs" 2>/dev/null); do
        for p in $(pgrep -f -- "$d/" 2>/dev/null); do
            [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && kill -KILL "$p" 2>/dev/null
        done
    done
}
