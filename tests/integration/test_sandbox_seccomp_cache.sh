#!/usr/bin/env bash
# The seccomp filter cache (runtime/seccomp_cache.h, issue #8): a sandbox
# started from a cached filter still denies every call the agent-default
# profile denies (helpers/syscall-probe.py, as in test_sandbox_modes.sh),
# as root and as the test user; a corrupted entry is rebuilt, not used; the
# cache can't be written from inside a sandbox whose workspace holds it.
source "$(dirname "$0")/lib.sh"

PROBE_SRC=$REPO/tests/integration/helpers/syscall-probe.py

c_setup() {
    is_paddock || { note "the seccomp cache is paddock's own"; exit 0; }
    need_cmd python3
    WS=$T/ws.$BASHPID
    mkdir -p "$WS" "$T/bin"
    chmod 0755 "$T" "$WS" "$T/bin"
    PROBE=$T/bin/syscall-probe.py
    install -m 0755 "$PROBE_SRC" "$PROBE"
    cd "$WS" || fail "cd $WS"
}

# probe_denies WHO WHAT: the probe inside a sandbox; every call is EPERM.
probe_denies() {
    if [ "$1" = root ]; then rtc sandbox -- python3 "$PROBE"; else urtc sandbox -- python3 "$PROBE"; fi
    assert_ok "$2: probe ran"
    local bad
    bad=$(printf '%s\n' "$OUT" | awk '$2 != "EPERM"')
    [ -n "$OUT" ] && [ -z "$bad" ] || fail "$2: seccomp denials that did not hold: $(oneline "$bad")"
}

# entry DIR: the one cache entry in DIR
entry() { cache_entry "$1" '*.bpf'; }

# cache_cycle WHO DIR OWNER: miss, hit (same file), corrupted -> rebuilt.
cache_cycle() {
    local who=$1 dir=$2 owner=$3 e ino
    probe_denies "$who" "$who, first run (compiled, stored)"
    e=$(entry "$dir")
    assert_eq "$(stat -c '%a %u' "$e")" "600 $owner" "$who: entry mode and owner"
    assert_eq "$(stat -c '%a %u' "$dir")" "700 $owner" "$who: cache directory mode and owner"
    ino=$(stat -c %i "$e")
    probe_denies "$who" "$who, second run (from the cache)"
    assert_eq "$(stat -c %i "$(entry "$dir")")" "$ino" "$who: the entry was used, not rewritten"
    # flip a byte of the BPF: the digest no longer matches
    python3 - "$e" <<'EOF' || fail "corrupt the entry"
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-5] ^= 0xff
open(p, "r+b").write(b)
EOF
    probe_denies "$who" "$who, corrupted entry"
    [ "$(stat -c %i "$(entry "$dir")")" != "$ino" ] || fail "$who: the corrupted entry was not replaced"
    probe_denies "$who" "$who, rebuilt entry"
}

t_cache_root() {
    c_setup
    export XDG_STATE_HOME=$T/xdg.$BASHPID
    cache_cycle root "$XDG_STATE_HOME/paddock/seccomp" 0
}

t_cache_user() {
    c_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    mkdir -p "$T/ustate"
    chown "$TEST_USER:" "$T/ustate"
    export XDG_STATE_HOME=$T/ustate
    cache_cycle user "$XDG_STATE_HOME/paddock/seccomp" "$USER_UID"
}

# A foreign-owned entry (as a sandbox of another user could leave) is not used.
t_cache_foreign_entry() {
    c_setup
    export XDG_STATE_HOME=$T/xdg.$BASHPID
    probe_denies root "first run"
    local e
    e=$(entry "$XDG_STATE_HOME/paddock/seccomp")
    chown 65534 "$e"
    probe_denies root "foreign-owned entry"
    assert_eq "$(stat -c %u "$(entry "$XDG_STATE_HOME/paddock/seccomp")")" 0 "rebuilt entry owner"
}

# The workspace holds the cache: the sandbox sees it read-only.
t_cache_not_writable_inside() {
    c_setup
    export XDG_STATE_HOME=$WS/state
    probe_denies root "first run"
    local e
    e=$(entry "$XDG_STATE_HOME/paddock/seccomp")
    rtc sandbox -- sh -c "echo x >> '$e' || echo denied; echo x > '$XDG_STATE_HOME/paddock/seccomp/new.bpf' || echo denied"
    assert_eq "$(printf '%s\n' "$OUT" | grep -c denied)" 2 "writes to the cache from inside"
    [ ! -e "$XDG_STATE_HOME/paddock/seccomp/new.bpf" ] || fail "a file was created in the cache"
    probe_denies root "after the attempts"
}

# PADDOCK_SECCOMP_CACHE=off: compiled every time, nothing stored.
t_cache_off() {
    c_setup
    export XDG_STATE_HOME=$T/xdg-off.$BASHPID PADDOCK_SECCOMP_CACHE=off
    probe_denies root "cache off"
    [ -z "$(find "$XDG_STATE_HOME" -name '*.bpf' 2>/dev/null)" ] || fail "an entry was stored with the cache off"
}

run_case seccomp_cache_root t_cache_root
run_case seccomp_cache_user t_cache_user
run_case seccomp_cache_foreign_entry t_cache_foreign_entry
run_case seccomp_cache_not_writable_inside t_cache_not_writable_inside
run_case seccomp_cache_off t_cache_off
