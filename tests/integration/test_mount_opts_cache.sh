#!/usr/bin/env bash
# The mount option cache (runtime/mount_opts_cache.h): the first start loads
# libmount and stores its Linux option map; later `sandbox` and `run` starts
# read the entry and never open libmount.so (strace), and their mounts still
# get the flags asked for; a damaged entry is replaced; LD_LIBRARY_PATH and
# PADDOCK_MOUNTOPT_CACHE=off keep the cache out; a sandbox can't write the
# cache when its workspace holds it.
source "$(dirname "$0")/lib.sh"

c_setup() {
    is_paddock || { note "the mount option cache is paddock's own"; exit 0; }
    need_cmd strace
    WS=$T/ws.$BASHPID
    mkdir -p "$WS"
    chmod 0755 "$T" "$WS"
    cd "$WS" || fail "cd $WS"
}

# traced WHO FILE ARGS...: the runtime (as root or as the test user) under
# `strace -f` (root's), its opens in FILE; RC, OUT and ERR as rtc sets them.
traced() {
    local who=$1 file=$2
    shift 2
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="(strace) $*"
    printf '+ (%s, strace) %s %s\n' "$who" "$RUNTIME_NAME" "$*" >>"$CASE_TRACE"
    # LeakSanitizer can't run under ptrace (make stress's ASan runtime):
    # the traced runs leave leak checking to the untraced ones
    local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    export ASAN_OPTIONS
    if [ "$who" = root ]; then
        timeout -k 5 "$RT_TIMEOUT" strace -f -qq -e trace=open,openat -o "$file" \
            "$RUNTIME" --root "$STATE_ROOT" "$@" >"$o" 2>"$e"
    else # strace as root, the runtime as the user (strace -u): the runtime is
        # non-dumpable, and a tracer of its own uid could not read the paths it opens
        local home
        home=$(getent passwd "$TEST_USER" | cut -d: -f6)
        env XDG_RUNTIME_DIR="$TEST_USER_RUN_DIR" HOME="$home" timeout -k 5 "$RT_TIMEOUT" \
            strace -f -qq -u "$TEST_USER" -e trace=open,openat -o "$file" "$UR" "$@" >"$o" 2>"$e"
    fi
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
}

# opened FILE: how many opens of libmount.so the trace shows
opened() { grep -c 'libmount\.so' "$1"; }

# entry DIR: the one cache entry in DIR
entry() { cache_entry "$1" '*.map'; }

# cache_cycle WHO DIR OWNER: miss (libmount opened, entry stored), hit (not
# opened, same entry), damaged entry (opened again, replaced), hit again.
cache_cycle() {
    local who=$1 dir=$2 owner=$3 e ino
    traced "$who" "$T/trace.1" sandbox -- true
    assert_ok "$who: first sandbox"
    [ "$(opened "$T/trace.1")" -ge 1 ] || fail "$who: the first start did not open libmount (is strace seeing it?)"
    e=$(entry "$dir")
    assert_eq "$(stat -c '%a %u' "$e")" "600 $owner" "$who: entry mode and owner"
    assert_eq "$(stat -c '%a %u' "$dir")" "700 $owner" "$who: cache directory mode and owner"
    grep -q '^libmount /' "$e" || fail "$who: the entry names no libmount: $(oneline "$(head -5 "$e")")"
    ino=$(stat -c %i "$e")
    traced "$who" "$T/trace.2" sandbox -- true
    assert_ok "$who: second sandbox"
    assert_eq "$(opened "$T/trace.2")" 0 "$who: opens of libmount.so by the second start"
    assert_eq "$(stat -c %i "$(entry "$dir")")" "$ino" "$who: the entry was used, not rewritten"
    sed -i 's/ nosuid$/ nosuip/' "$e" # the digest no longer matches
    traced "$who" "$T/trace.3" sandbox -- true
    assert_ok "$who: sandbox with a damaged entry"
    [ "$(opened "$T/trace.3")" -ge 1 ] || fail "$who: a damaged entry was used"
    grep -q ' nosuid$' "$(entry "$dir")" || fail "$who: the damaged entry was not replaced"
    traced "$who" "$T/trace.4" sandbox -- true
    assert_ok "$who: sandbox after the rebuild"
    assert_eq "$(opened "$T/trace.4")" 0 "$who: opens of libmount.so after the rebuild"
}

t_cache_root() {
    c_setup
    export XDG_STATE_HOME=$T/xdg.$BASHPID
    cache_cycle root "$XDG_STATE_HOME/paddock/mountopts" 0
}

t_cache_user() {
    c_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    mkdir -p "$T/ustate.$BASHPID"
    chown "$TEST_USER:" "$T/ustate.$BASHPID"
    export XDG_STATE_HOME=$T/ustate.$BASHPID
    cache_cycle user "$XDG_STATE_HOME/paddock/mountopts" "$USER_UID"
}

# `run` of a bundle with option-heavy mounts: from the cache, libmount is
# not opened and the mounts get their flags.
t_cache_run() {
    c_setup
    export XDG_STATE_HOME=$T/xdg-run.$BASHPID
    local b=$T/bundle.$BASHPID id
    make_bundle "$b" true
    cfg_set "$b" '.mounts += [$m]' --argjson m \
        '{"destination":"/mnt/pdt-mo","type":"tmpfs","source":"tmpfs","options":["ro","nosuid","nodev","noexec","noatime","size=1m"]}'
    set_args "$b" sh -c 'grep " /mnt/pdt-mo " /proc/self/mountinfo'
    for n in 1 2; do
        id=$(new_id)
        traced root "$T/trace.run$n" run --bundle "$b" "$id"
        assert_ok "run $n"
        assert_match "$OUT" ' /mnt/pdt-mo ro,nosuid,nodev,noexec,noatime ' "run $n: the mount's flags"
    done
    [ "$(opened "$T/trace.run1")" -ge 1 ] || fail "the first run did not open libmount"
    assert_eq "$(opened "$T/trace.run2")" 0 "opens of libmount.so by the second run"
}

# The loader would look elsewhere: no cache, read or written.
t_cache_ld_library_path() {
    c_setup
    export XDG_STATE_HOME=$T/xdg-ld.$BASHPID
    traced root "$T/trace.ld1" sandbox -- true
    assert_ok "first sandbox"
    entry "$XDG_STATE_HOME/paddock/mountopts" >/dev/null
    LD_LIBRARY_PATH=$T/nolib traced root "$T/trace.ld2" sandbox -- true
    assert_ok "sandbox with LD_LIBRARY_PATH"
    [ "$(opened "$T/trace.ld2")" -ge 1 ] || fail "the cache was used with LD_LIBRARY_PATH set"
}

# A libmount that kills whoever loads it, as the system's libc.so.6 of
# another glibc could kill a static paddock (README, Dependencies): it is
# loaded in a child first, which dies; the start fails saying so, and
# leaves nothing behind.  Without the child the runtime itself crashed.
t_cache_libmount_crash() {
    c_setup
    need_cmd cc build-essential
    export XDG_STATE_HOME=$T/xdg-crash.$BASHPID
    local lib=$T/crashlib.$BASHPID
    mkdir -p "$lib"
    # SIGKILL: as a crash would, but without a sanitizer's report (make stress)
    printf '#include <signal.h>\n%s\n' \
        '__attribute__((constructor)) static void crash(void) { raise(SIGKILL); }' >"$lib/crash.c"
    cc -shared -fPIC -o "$lib/libmount.so.1" "$lib/crash.c" || fail "cc: the crashing libmount"
    LD_LIBRARY_PATH=$lib rtc sandbox -- true
    assert_eq "$RC" 125 "sandbox loading a libmount that crashes: exit (stderr: $(oneline "$ERR"))"
    assert_contains "$ERR" "loading libmount.so.1 killed the process that tried" "the error"
    assert_eq "$(stale_entries "$XDG_STATE_HOME/paddock/placeholders")" "" "placeholder journals left"
    assert_eq "$(state_left "$STATE_ROOT")" "" "state left in $STATE_ROOT"
    rtc sandbox -- true
    assert_ok "the same sandbox with the system's libmount"
}

t_cache_off() {
    c_setup
    export XDG_STATE_HOME=$T/xdg-off.$BASHPID PADDOCK_MOUNTOPT_CACHE=off
    for n in 1 2; do
        traced root "$T/trace.off$n" sandbox -- true
        assert_ok "sandbox $n, cache off"
        [ "$(opened "$T/trace.off$n")" -ge 1 ] || fail "sandbox $n did not open libmount with the cache off"
    done
    [ ! -e "$XDG_STATE_HOME/paddock/mountopts" ] || fail "the cache directory was made with the cache off"
}

# The workspace holds the cache: the sandbox sees it read-only.
t_cache_not_writable_inside() {
    c_setup
    export XDG_STATE_HOME=$WS/state
    rt_ok sandbox -- true
    local d=$XDG_STATE_HOME/paddock/mountopts e
    e=$(entry "$d")
    rtc sandbox -- sh -c "echo x >> '$e' || echo denied; echo x > '$d/new.map' || echo denied"
    assert_eq "$(printf '%s\n' "$OUT" | grep -c denied)" 2 "writes to the cache from inside"
    [ ! -e "$d/new.map" ] || fail "a file was created in the cache"
    traced root "$T/trace.ro" sandbox -- true
    assert_ok "sandbox after the attempts"
    assert_eq "$(opened "$T/trace.ro")" 0 "opens of libmount.so after the attempts"
}

run_case mountopt_cache_root t_cache_root
run_case mountopt_cache_user t_cache_user
run_case mountopt_cache_run t_cache_run
run_case mountopt_cache_ld_library_path t_cache_ld_library_path
run_case mountopt_cache_libmount_crash t_cache_libmount_crash
run_case mountopt_cache_off t_cache_off
run_case mountopt_cache_not_writable_inside t_cache_not_writable_inside
