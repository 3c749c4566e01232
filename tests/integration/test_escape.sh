#!/usr/bin/env bash
# Escape tests (issue #9).  Each escape is a small static program
# (tests/escape/esc_*.c, built by `make escape-bins` into build/escape/)
# run inside:
#   - the default bundle: `paddock spec`'s config.json as root, `paddock spec
#     --rootless` as the unprivileged test user (only process.args and
#     terminal=false changed; a case may add what the escape needs, e.g. a
#     bind mount to a shared directory, and says so);
#   - `paddock sandbox --sandbox MODE` for each mode, as root and as the
#     test user.
# It must say "verdict blocked" everywhere.  And each is shown to succeed
# in a control: the same run with that one protection removed (seccomp,
# a capability added, maskedPaths emptied, no PID or network namespace,
# noNewPrivileges false, ...), so no case passes because the program
# could not have worked anyway.  Where a protection cannot be removed by
# configuration, the control removes it otherwise, and says how: the
# runtime built without it (build/escape/paddock-noseal), mount(8) on the
# host, a chroot without pivot_root, or the program run on the host
# itself.  Controls that would harm the host aim at copies and markers the
# test made: a copy of paddock, a marker process, a loop device over a
# file of its own, a sysctl written with its current value.
#
# One case per escape and caller: NAME_root and NAME_rootless.  What a
# control cannot show for the test user (the kernel refusing it to any
# user namespace) is said in the case.
#
# Not valid with RUNTIME=runc: `runc spec` has no seccomp profile, and
# there is no sandbox.
: "${CASE_TIMEOUT:=180}"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/helpers/scoped_leaks.sh"
private_runtime

ESC_BIN=${ESC_BIN:-$REPO/build/escape}
ESC_PROGS="esc_exe_overwrite esc_ldso esc_fd_cwd esc_symlink_swap esc_proc esc_ptrace esc_signal esc_mount
esc_open_by_handle esc_keyctl esc_bpf esc_perf esc_userfaultfd esc_io_uring esc_tiocsti esc_mknod
esc_nnp esc_net esc_forkbomb"
MODES="read-only workspace-write danger-full-access"
PTYRUN=$HELPERS/ptyrun.py

# ---------------------------------------------------------------- setup

# e_setup WHO: the programs in $T/esc (for sandboxes: the host's
# filesystem is their root), a workspace $WS owned by WHO and, for the
# test user, rootless_setup.  WHO: root or user.
e_setup() {
    WHO=$1
    is_paddock || fail "the escape tests are paddock's: sandbox modes and a seccomp profile in spec (RUNTIME=$RUNTIME)"
    local p
    for p in $ESC_PROGS; do
        [ -x "$ESC_BIN/$p" ] || fail "$ESC_BIN/$p missing: build the escape programs (make escape-bins)"
    done
    if [ ! -d "$T/esc" ]; then
        mkdir -p "$T/esc.new"
        for p in $ESC_PROGS; do install -m 0755 "$ESC_BIN/$p" "$T/esc.new/$p"; done
        chmod 0755 "$T/esc.new"
        mv "$T/esc.new" "$T/esc" 2>/dev/null || rm -rf "$T/esc.new"
    fi
    WS=$T/ws.$WHO.$BASHPID
    mkdir -p "$WS"
    chmod 0755 "$WS"
    if [ "$WHO" = user ]; then
        rootless_setup
        chown "$TEST_USER:" "$WS"
        mkdir -p "$USTATE"
        chown "$TEST_USER:" "$USTATE"
        chmod 0700 "$USTATE"
    fi
    cd "$WS" || fail "cd $WS"
    E_N=0
    leaks_mark
}

# e_bundle [NAME]: a fresh default bundle for WHO in $EB ($T/NAME): the
# spec's config (root.readonly as the spec has it), the programs in /esc.
e_bundle() {
    E_N=$((E_N + 1))
    EB=$T/${1:-b}.$WHO.$BASHPID.$E_N
    if [ "$WHO" = root ]; then
        make_bundle "$EB" true
    else
        user_bundle "$EB" true
    fi
    cfg_set "$EB" '.root.readonly = true'
    [ "$(cfg_get "$EB" '.linux.seccomp.defaultAction // "none"')" != none ] ||
        fail "spec wrote no linux.seccomp: the default bundle has no seccomp profile"
    mkdir -p "$EB/rootfs/esc"
    local p
    for p in $ESC_PROGS; do install -m 0755 "$ESC_BIN/$p" "$EB/rootfs/esc/$p"; done
    if [ "$WHO" = user ]; then chown -R "$TEST_USER:" "$EB/rootfs/esc" "$EB/config.json"; fi
    cp "$EB/config.json" "$EB/config.default"
}

# e_cfg JQ [JQ-ARGS...]: config.json = the bundle's default config edited by JQ.
e_cfg() {
    local expr=$1
    shift
    jq "$@" "$expr" "$EB/config.default" >"$EB/config.json" || fail "e_cfg: jq '$expr' failed"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$EB/config.json"
}

# e_caps CAP...: JQ adding capabilities to every set of the default config.
e_caps() { printf '.process.capabilities |= map_values(. + %s)' "$(json_array "$@")"; }

# e_rt ARGS...: the runtime as WHO (rtc or urtc), RC/OUT/ERR.
e_rt() { if [ "$WHO" = root ]; then rtc "$@"; else uscoped "$@"; fi; }
e_id() { if [ "$WHO" = root ]; then new_id "$@"; else scoped_user_id "$@"; fi; }
# e_as CMD...: CMD as WHO.
e_as() { if [ "$WHO" = root ]; then "$@"; else as_user "$@"; fi; }

# e_run [RUN-FLAGS...] -- PROG ARGS...: `run` PROG (from /esc) in a fresh
# container of $EB; RC/OUT/ERR.
e_run() {
    local flags=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
    [ "${1:-}" = -- ] || fail "e_run: no -- before the program"
    shift
    local prog=$1
    shift
    cfg_set "$EB" '.process.args = $a' --argjson a "$(json_array "/esc/$prog" "$@")"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$EB/config.json"
    RUN_ID=$(e_id)
    e_rt run "${flags[@]}" --bundle "$EB" "$RUN_ID"
}

# e_sandbox MODE [FLAGS...] -- PROG ARGS...: PROG (from $T/esc) in
# `paddock sandbox --sandbox MODE FLAGS`, run from $WS; RC/OUT/ERR.
e_sandbox() {
    local mode=$1 flags=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
    [ "${1:-}" = -- ] || fail "e_sandbox: no -- before the program"
    shift
    local prog=$1
    shift
    e_rt sandbox --sandbox "$mode" "${flags[@]}" -- "$T/esc/$prog" "$@"
}

# e_host PROG ARGS...: PROG run directly on the host as WHO (a control
# without any of the runtime's protections); RC/OUT/ERR.
e_host() {
    local prog=$1 o=$T/host.$BASHPID.out e=$T/host.$BASHPID.err
    shift
    e_as "$T/esc/$prog" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

# ---------------------------------------------------------------- verdicts

# blocked WHAT: the last run ended (status 0) with "verdict blocked" and
# no attempt succeeded.
blocked() {
    local bad
    bad=$(printf '%s\n' "$OUT" | grep -oE 'attempt [^ ]+ succeeded.*' | head -3)
    [ -z "$bad" ] || fail "$1: ESCAPED: $(oneline "$bad")"
    [ "$RC" = 0 ] && [[ $OUT == *"verdict blocked"* ]] ||
        fail "$1: expected the program to say 'verdict blocked' (exit 0); exit $RC, stdout: $(oneline "$OUT"), stderr: $(oneline "$ERR")"
}

# succeeded WHAT [ATTEMPT...]: the last run said "verdict succeeded", and
# each ATTEMPT succeeded (a control).
succeeded() {
    local what=$1 a
    shift
    [[ $OUT == *"verdict succeeded"* ]] ||
        fail "control $what: expected the escape to succeed; exit $RC, stdout: $(oneline "$OUT"), stderr: $(oneline "$ERR")"
    for a in "$@"; do
        [[ $OUT == *"attempt $a succeeded"* ]] ||
            fail "control $what: attempt $a did not succeed: $(oneline "$OUT")"
    done
}

# attempt_line NAME: the line of attempt NAME.
attempt_line() { printf '%s\n' "$OUT" | grep -oE "attempt $1 .*" | head -1; }

# e_modes [FLAGS...] -- PROG ARGS...: the program in each sandbox mode,
# blocked in each.
e_modes() {
    local mode
    for mode in $MODES; do
        e_sandbox "$mode" "$@"
        blocked "sandbox --sandbox $mode ($WHO)"
    done
}

# ---------------------------------------------------------------- kernel surfaces

# A syscall that seccomp denies and nothing else stops: blocked in the
# default bundle and every mode; the control removes linux.seccomp.
syscall_case() { # WHO PROG CONTROL-ATTEMPT [ARGS...]
    e_setup "$1"
    local prog=$2 want=$3
    shift 3
    e_bundle
    e_run -- "$prog" "$@"
    blocked "default bundle ($WHO)"
    e_modes -- "$prog" "$@"
    e_cfg 'del(.linux.seccomp)'
    e_run -- "$prog" "$@"
    succeeded "default bundle without linux.seccomp ($WHO)" "$want"
    scoped_no_leaks "$RUN_ID"
}
t_perf_root() { syscall_case root esc_perf perf_self; }
t_perf_rootless() { syscall_case user esc_perf perf_self; }
t_userfaultfd_root() { syscall_case root esc_userfaultfd userfaultfd_user; }
t_userfaultfd_rootless() { syscall_case user esc_userfaultfd userfaultfd_user; }
t_io_uring_root() { syscall_case root esc_io_uring io_uring_setup; }
t_io_uring_rootless() { syscall_case user esc_io_uring io_uring_setup; }

# keyctl: without a user namespace the container's root shares the host
# root's user keyring: the control finds the key the test put there.  The
# test user's containers have their own (a user namespace): its control
# shows keyctl working, and the host's key out of reach even then.
KEY_DESC=
keyctl_case() {
    e_setup "$1"
    KEY_DESC=paddock-escape-$$-$BASHPID
    e_as "$T/esc/esc_keyctl" --add-host-key "$KEY_DESC" >"$T/key.out" 2>&1 ||
        fail "could not add a key to the host's user keyring: $(oneline "$(cat "$T/key.out")")"
    e_host esc_keyctl "$KEY_DESC"
    succeeded "on the host ($WHO)" host_user_key
    e_bundle
    e_run -- esc_keyctl "$KEY_DESC"
    blocked "default bundle ($WHO)"
    e_modes -- esc_keyctl "$KEY_DESC"
    e_cfg 'del(.linux.seccomp)'
    e_run -- esc_keyctl "$KEY_DESC"
    if [ "$WHO" = root ]; then
        succeeded "default bundle without linux.seccomp ($WHO)" keyctl host_user_key
    else
        succeeded "default bundle without linux.seccomp ($WHO)" keyctl
        assert_match "$(attempt_line host_user_key)" ' blocked ' "rootless without seccomp: the host user's key (a user namespace of its own)"
    fi
    e_as "$T/esc/esc_keyctl" --remove-host-key "$KEY_DESC" >/dev/null 2>&1
    scoped_no_leaks "$RUN_ID"
}
t_keyctl_root() { keyctl_case root; }
t_keyctl_rootless() { keyctl_case user; }

# bpf: seccomp, and then the kernel (kernel.unprivileged_bpf_disabled, no
# CAP_BPF); each wall alone is shown to hold, and both removed succeed
# (root only: CAP_BPF counts only in the initial user namespace).
bpf_case() {
    e_setup "$1"
    e_bundle
    e_run -- esc_bpf
    blocked "default bundle ($WHO)"
    e_modes -- esc_bpf
    e_cfg "$(e_caps CAP_BPF)"
    e_run -- esc_bpf
    blocked "default bundle + CAP_BPF ($WHO): seccomp alone"
    e_cfg 'del(.linux.seccomp)'
    e_run -- esc_bpf
    blocked "default bundle without linux.seccomp ($WHO): no CAP_BPF"
    e_cfg "$(e_caps CAP_BPF) | del(.linux.seccomp)"
    e_run -- esc_bpf
    if [ "$WHO" = root ]; then
        succeeded "default bundle without linux.seccomp, + CAP_BPF" bpf_map_create
    else
        blocked "rootless without linux.seccomp, + CAP_BPF (the kernel wants CAP_BPF in the initial user namespace)"
        e_host esc_bpf
        blocked "on the host as $TEST_USER (kernel.unprivileged_bpf_disabled)"
    fi
    scoped_no_leaks "$RUN_ID"
}
t_bpf_root() { bpf_case root; }
t_bpf_rootless() { bpf_case user; }

# open_by_handle_at (shocker): the handle of inode 2 opens the root of
# the host's filesystem, where the marker is.  Walls: seccomp and
# CAP_DAC_READ_SEARCH; each alone holds; both removed succeed as root.
# In a user namespace the kernel allows only handles below the mount's
# root, so the rootless control must stay blocked.
obh_case() {
    e_setup "$1"
    local marker=$T/obh-marker.$BASHPID
    echo marker >"$marker"
    chmod 0644 "$marker"
    e_bundle
    e_run -- esc_open_by_handle "$marker"
    blocked "default bundle ($WHO)"
    e_modes -- esc_open_by_handle "$marker"
    e_cfg "$(e_caps CAP_DAC_READ_SEARCH)"
    e_run -- esc_open_by_handle "$marker"
    blocked "default bundle + CAP_DAC_READ_SEARCH ($WHO): seccomp alone"
    e_cfg 'del(.linux.seccomp)'
    e_run -- esc_open_by_handle "$marker"
    blocked "default bundle without linux.seccomp ($WHO): no CAP_DAC_READ_SEARCH"
    e_cfg "$(e_caps CAP_DAC_READ_SEARCH) | del(.linux.seccomp)"
    e_run -- esc_open_by_handle "$marker"
    if [ "$WHO" = root ]; then
        succeeded "default bundle without linux.seccomp, + CAP_DAC_READ_SEARCH" open_by_handle
        assert_contains "$(attempt_line open_by_handle)" "$marker is reachable" "the shocker control"
    else
        blocked "rootless without linux.seccomp, + CAP_DAC_READ_SEARCH (handles outside the mount's subtree)"
    fi
    scoped_no_leaks "$RUN_ID"
}
t_open_by_handle_root() { obh_case root; }
t_open_by_handle_rootless() { obh_case user; }

# ---------------------------------------------------------------- /proc

# Masked paths and read-only /proc/sys (and /proc/sysrq-trigger and
# /proc/kcore, which this kernel may not have: then said, not tried).
# kernel.shmmax is written with its own value: it belongs to the IPC
# namespace, so even the control changes nothing outside.
proc_case() {
    e_setup "$1"
    local items=() p
    for p in /proc/keys /proc/timer_list /proc/kcore /sys/firmware; do
        [ "$WHO" = root ] || [ "$p" != /proc/timer_list ] || continue # root-only (0400), in any container
        [ "$WHO" = root ] || [ "$p" != /proc/kcore ] || continue
        if [ -e "$p" ]; then items+=("r:$p"); else note "the host has no $p: not tried"; fi
    done
    for p in /proc/sys/kernel/shmmax /proc/sysrq-trigger; do
        if [ -e "$p" ]; then items+=("w:$p"); else note "the host has no $p (kernel built without it): not tried"; fi
    done
    e_bundle
    e_run -- esc_proc "${items[@]}"
    blocked "default bundle ($WHO)"
    e_modes -- esc_proc "${items[@]}"
    e_cfg '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
    e_run -- esc_proc "${items[@]}"
    local want=() i
    for i in "${items[@]}"; do want+=("${i#?:}"); done
    succeeded "default bundle without maskedPaths and readonlyPaths ($WHO)" "${want[@]}"
    scoped_no_leaks "$RUN_ID"
}
t_masked_proc_sys_root() { proc_case root; }
t_masked_proc_sys_rootless() { proc_case user; }

# ---------------------------------------------------------------- mounts

# mount, umount, pivot_root, chroot: the markers are a file outside the
# root (bundles) or in the host's /tmp (sandboxes with a private /tmp) and
# /sys/firmware/memmap (under a mask).  Controls: CAP_SYS_ADMIN (mount,
# remount and unmask work), and a chroot without pivot_root on the host
# (the breakout reaches the host).  In sandboxes, --allow-nested-userns
# lets mounts through seccomp inside a nested namespace: the masks and
# read-only mounts must stay locked.
mount_case() {
    e_setup "$1"
    local marker=$T/mount-marker.$BASHPID fw=/sys/firmware/memmap tmpm
    echo marker >"$marker"
    [ -e "$fw" ] || fail "the host has no $fw (the masked marker)"
    tmpm=$(mktemp /tmp/paddock-esc-marker.XXXXXX)
    chmod 0644 "$tmpm"
    echo "$tmpm" >>"$T/tmp-markers"
    e_bundle
    e_run -- esc_mount "$marker" "$fw"
    blocked "default bundle ($WHO)"
    local mode
    for mode in read-only workspace-write; do
        e_sandbox "$mode" -- esc_mount "$tmpm" "$fw"
        blocked "sandbox --sandbox $mode ($WHO)"
        e_sandbox "$mode" --allow-nested-userns -- esc_mount "$tmpm" "$fw"
        blocked "sandbox --sandbox $mode --allow-nested-userns ($WHO)"
        assert_contains "$(attempt_line userns_mount)" "allowed: mounted" \
            "control: --allow-nested-userns lets a nested namespace mount ($mode, $WHO)"
    done
    e_sandbox danger-full-access -- esc_mount "$fw"
    blocked "sandbox --sandbox danger-full-access ($WHO)"
    e_cfg "$(e_caps CAP_SYS_ADMIN)"
    e_run -- esc_mount "$marker" "$fw"
    succeeded "default bundle + CAP_SYS_ADMIN ($WHO)" mount_tmpfs remount_proc_sys umount_masked
    # A chroot that was not pivoted (the program as root on the host, in a
    # mount namespace of its own).
    OUT=$(unshare -m chroot "$EB/rootfs" /esc/esc_mount --only chroot_breakout "$marker" 2>&1)
    RC=$?
    succeeded "a chroot without pivot_root (on the host)" chroot_breakout
    rm -f "$tmpm"
    scoped_no_leaks "$RUN_ID"
}
t_mount_root() { mount_case root; }
t_mount_rootless() { mount_case user; }

# ---------------------------------------------------------------- processes outside

# NO_PIDNS: JQ for "no PID namespace of its own".  A user namespace may
# mount proc only for a PID namespace it owns, so the test user's
# container gets the host's /proc bound instead.
NO_PIDNS='.linux.namespaces |= map(select(.type != "pid"))
    | if any(.linux.namespaces[]; .type == "user") then .mounts |= map(if .destination == "/proc"
      then {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind", "nosuid", "noexec", "nodev"]}
      else . end) else . end'

# Every target this script started (their markers carry its pid), also
# those of a case that stopped early: lib.sh's cleanup_all calls this.
script_cleanup() {
    pkill -KILL -f -- "paddock-escape-target-$$-" 2>/dev/null
    # and the symlink swappers of a case that stopped early (they run on $T)
    pkill -KILL -f -- "esc_symlink_swap $T/" 2>/dev/null
    return 0
}

# e_target PROG: start "PROG --target MARKER [FILE]" on the host as WHO
# (root: with no capability at all, as a process a container's root could
# ptrace if it saw it); MARKER, TARGET_PID, SIG_FILE.
e_target() {
    MARKER=paddock-escape-target-$$-$BASHPID-$RANDOM
    SIG_FILE=$T/signals.$BASHPID
    rm -f "$SIG_FILE"
    : >"$SIG_FILE"
    chmod 0666 "$SIG_FILE"
    local cmd=("$T/esc/$1" --target "$MARKER")
    [ "$1" = esc_signal ] && cmd+=("$SIG_FILE")
    if [ "$WHO" = root ]; then
        setpriv --bounding-set=-all --inh-caps=-all "${cmd[@]}" </dev/null >/dev/null 2>&1 &
    else
        as_user "${cmd[@]}" </dev/null >/dev/null 2>&1 &
    fi
    TARGET_PID=$!
    track_pid "$TARGET_PID"
    local i
    for ((i = 0; i < 50; i++)); do
        pgrep -f -- "$MARKER" >/dev/null && return 0
        sleep 0.1
    done
    fail "target $1 did not start"
}

# ptrace: the PID namespace hides the target.  Control as root: no PID
# namespace.  As the test user, the user namespace stops it even then
# (shown), and the control is the program on the host.
ptrace_case() {
    e_setup "$1"
    e_target esc_ptrace
    e_host esc_ptrace "$MARKER"
    succeeded "on the host ($WHO)" ptrace
    e_bundle
    e_run -- esc_ptrace "$MARKER"
    blocked "default bundle ($WHO)"
    e_modes -- esc_ptrace "$MARKER"
    e_cfg "$NO_PIDNS"
    e_run -- esc_ptrace "$MARKER"
    if [ "$WHO" = root ]; then
        succeeded "default bundle without a PID namespace" ptrace
    else
        blocked "rootless without a PID namespace (its user namespace)"
        assert_contains "$(attempt_line ptrace)" "PTRACE_ATTACH" "rootless without a PID namespace: the target is visible"
    fi
    kill -KILL "$TARGET_PID" 2>/dev/null; pkill -KILL -f -- "$MARKER" 2>/dev/null
    scoped_no_leaks "$RUN_ID"
}
t_ptrace_root() { ptrace_case root; }
t_ptrace_rootless() { ptrace_case user; }

# signals: CAP_KILL is in the default capabilities, so the PID namespace
# is the wall; the control (no PID namespace) delivers the signal.
signal_case() {
    e_setup "$1"
    e_target esc_signal
    e_bundle
    e_run -- esc_signal "$MARKER"
    blocked "default bundle ($WHO)"
    e_modes -- esc_signal "$MARKER"
    [ ! -s "$SIG_FILE" ] || fail "the host's target got a signal: $(oneline "$(cat "$SIG_FILE")")"
    e_cfg "$NO_PIDNS"
    e_run -- esc_signal "$MARKER"
    succeeded "default bundle without a PID namespace ($WHO)" kill
    local i
    for ((i = 0; i < 50; i++)); do [ -s "$SIG_FILE" ] && break; sleep 0.1; done
    assert_eq "$(cat "$SIG_FILE")" SIGUSR1 "what the host's target received in the control"
    kill -KILL "$TARGET_PID" 2>/dev/null; pkill -KILL -f -- "$MARKER" 2>/dev/null
    scoped_no_leaks "$RUN_ID"
}
t_signal_root() { signal_case root; }
t_signal_rootless() { signal_case user; }

# ---------------------------------------------------------------- network

# A listener on the host's 127.0.0.1 and a host abstract unix socket.
# "Network off": the root default bundle has a network namespace; the
# rootless default has none (as runc's spec: it has the host's network),
# so network off there is the rootless spec plus a network namespace --
# and the rootless default itself is the control.  Sandboxes: network none
# (the default of read-only and workspace-write; --network none for
# danger-full-access), control --network host (in read-only and
# workspace-write abstract sockets stay scoped by landlock even then).
net_case() {
    e_setup "$1"
    local pf=$T/port.$BASHPID cf=$T/conns.$BASHPID name=paddock-escape-$$-$BASHPID
    rm -f "$pf" "$cf"
    "$T/esc/esc_net" --listen "$pf" "$name" "$cf" </dev/null >/dev/null 2>&1 &
    LISTENER=$!
    track_pid "$LISTENER"
    wait_file "$pf" || fail "the host listener did not start"
    local port
    port=$(cat "$pf")
    e_bundle
    if [ "$WHO" = user ]; then
        e_run -- esc_net "$port" "$name"
        succeeded "the rootless default bundle (the host's network: the control)" loopback_tcp abstract_unix
        cfg_set "$EB" '.linux.namespaces += [{"type": "network"}]'
        cp "$EB/config.json" "$EB/config.default"
    fi
    local before
    before=$(cat "$cf" 2>/dev/null | wc -l)
    e_run -- esc_net "$port" "$name"
    blocked "default bundle, network off ($WHO)"
    local mode
    for mode in read-only workspace-write; do
        e_sandbox "$mode" -- esc_net "$port" "$name"
        blocked "sandbox --sandbox $mode ($WHO)"
    done
    e_sandbox danger-full-access --network none -- esc_net "$port" "$name"
    blocked "sandbox --sandbox danger-full-access --network none ($WHO)"
    assert_eq "$(cat "$cf" 2>/dev/null | wc -l)" "$before" "connections the host's listeners accepted while the network was off"
    # --network host: the loopback is reachable; in read-only and
    # workspace-write abstract sockets outside stay out of reach (landlock's
    # scope, whatever the network); danger-full-access restricts neither.
    for mode in read-only workspace-write; do
        e_sandbox "$mode" --network host -- esc_net "$port" "$name"
        succeeded "sandbox --sandbox $mode --network host ($WHO)" loopback_tcp
        assert_match "$(attempt_line abstract_unix)" ' blocked ' "sandbox --sandbox $mode --network host ($WHO): a host abstract socket"
    done
    e_sandbox danger-full-access --network host -- esc_net "$port" "$name"
    succeeded "sandbox --sandbox danger-full-access --network host ($WHO)" loopback_tcp abstract_unix
    e_cfg '.linux.namespaces |= map(select(.type != "network"))'
    e_run -- esc_net "$port" "$name"
    succeeded "default bundle without a network namespace ($WHO)" loopback_tcp abstract_unix
    kill "$LISTENER" 2>/dev/null
    scoped_no_leaks "$RUN_ID"
}
t_network_root() { net_case root; }
t_network_rootless() { net_case user; }

# ---------------------------------------------------------------- fork bomb

# Under a pids limit: linux.resources.pids as root; the test user has no
# cgroup on cgroup v1, so a pids limit makes create refuse, and the limit
# it can have is RLIMIT_NPROC (counted per user namespace).  Sandboxes:
# --pids (a cgroup as root, RLIMIT_NPROC with --fallback auto otherwise).
# The control has no limit and stops at its own bound (1000 processes).
forkbomb_case() {
    e_setup "$1"
    e_bundle
    if [ "$WHO" = root ]; then
        e_cfg '.linux.resources.pids = {"limit": 64}'
    else
        e_cfg '.linux.resources.pids = {"limit": 64}'
        e_run -- esc_forkbomb 64 1000
        assert_failed "rootless create with a pids limit and no cgroup"
        assert_contains "$ERR" "pids" "the refusal names the pids limit"
        e_cfg '.process.rlimits += [{"type": "RLIMIT_NPROC", "hard": 64, "soft": 64}]'
    fi
    e_run -- esc_forkbomb 64 1000
    blocked "default bundle with a limit of 64 processes ($WHO)"
    local mode fb=()
    [ "$WHO" = root ] || fb=(--fallback auto)
    for mode in $MODES; do
        e_sandbox "$mode" --pids 64 "${fb[@]}" -- esc_forkbomb 64 1000
        blocked "sandbox --sandbox $mode --pids 64 ($WHO)"
    done
    e_sandbox workspace-write -- esc_forkbomb 64 1000
    succeeded "sandbox without --pids ($WHO)" fork_bomb
    e_cfg '.'
    e_run -- esc_forkbomb 64 1000
    succeeded "default bundle without a limit ($WHO)" fork_bomb
    scoped_no_leaks "$RUN_ID"
}
t_fork_bomb_root() { forkbomb_case root; }
t_fork_bomb_rootless() { forkbomb_case user; }

# ---------------------------------------------------------------- the runtime's binary

# CVE-2019-5736.  The image's ELF interpreter is esc_ldso
# (/lib64/ld-linux-x86-64.so.2 in the rootfs), and the container makes
# the runtime execute /proc/self/exe: as the init's process.args, through
# `exec ID /proc/self/exe`, and through a "#!/proc/self/exe" script.  The
# runtime's binary then runs in the container under esc_ldso, which opens
# /proc/self/exe and writes to it once the binary is free.  The runtimes
# are copies ($T) owned by the caller, so that nothing but the seal stands
# in the way: blocked, the copy unchanged.  As root paddock seals in place
# and /proc/self/exe is an empty sealed stub: each route's exec then fails
# ("Exec format error") before any of the binary runs.  Rootless it is a
# sealed copy of the binary (so it is under ASan, make stress), which runs
# and which esc_ldso can't write.  The runtime built as a static PIE
# (Makefile: STATIC_PIE) has no ELF interpreter: rootless, each route runs
# its sealed copy with none, and esc_ldso never runs (no code of the image
# in the runtime's process), which the routes' output shows.
# The control is
# build/escape/paddock-noseal (the runtime without exe_seal.h, linked
# with a shared libc), which the same attack overwrites.  /proc/PID/exe of another runtime process
# (non-dumpable): the sandbox's init, from the command (--once); the
# created init seen from a container sharing its PID namespace is
# test_security.sh's init_exe_not_runtime.
EXE_MARKER=

# exe_attack RUNTIME RAN [HOW]: the three routes with RUNTIME (as WHO); OUT
# holds what esc_ldso printed in each (its writers print once RUNTIME is
# free).  RAN: how many routes must run the binary under esc_ldso (3), or
# none (0), when HOW says what each route does instead: "stub" (the default),
# fail to execute the sealed stub; "static", run the static binary itself.
exe_attack() {
    local rt=$1 ran=$2 how=${3:-stub} id out=$T/exe.$BASHPID.$E_N rtargs=(--root "$USTATE") r
    [ "$WHO" = root ] && rtargs=(--root "$STATE_ROOT")
    : >"$out"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$out"
    rm -f "$EB/rootfs/esc/exe-go"
    # A container to exec into; its PID namespace outlives the writers.
    id=$(e_id)
    cfg_set "$EB" '.process.args = ["sleep", "600"]'
    [ "$WHO" = root ] || chown "$TEST_USER:" "$EB/config.json"
    e_rt run --detach --bundle "$EB" "$id"
    assert_ok "run --detach the container to exec into"
    e_rt state "$id"
    local pid
    pid=$(printf '%s' "$OUT" | jq -r .pid)
    # 1. an init whose process.args is /proc/self/exe, in that PID
    # namespace (and user namespace, rootless)
    local id1
    id1=$(e_id)
    cfg_set "$EB" '.process.args = ["/proc/self/exe"]
        | .linux.namespaces |= map(if .type == "pid" or .type == "user" then .path = "/proc/\($p)/ns/\(.type)" else . end)
        | if any(.linux.namespaces[]; .type == "user") then del(.linux.uidMappings, .linux.gidMappings) else . end' --arg p "$pid"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$EB/config.json"
    # (create and start: a foreground run would end what its init left)
    e_as timeout -k 5 "$RT_TIMEOUT" "$rt" "${rtargs[@]}" create --bundle "$EB" "$id1" >>"$out" 2>&1
    e_as timeout -k 5 "$RT_TIMEOUT" "$rt" "${rtargs[@]}" start "$id1" >>"$out" 2>&1
    cp "$EB/config.default" "$EB/config.json"
    # 2. and 3. exec
    e_as timeout -k 5 "$RT_TIMEOUT" "$rt" "${rtargs[@]}" exec "$id" /proc/self/exe >>"$out" 2>&1
    e_as timeout -k 5 "$RT_TIMEOUT" "$rt" "${rtargs[@]}" exec "$id" /bin/sh -c 'printf "#!/proc/self/exe\n" >/dev/esc-sh && chmod 755 /dev/esc-sh' >>"$out" 2>&1
    e_as timeout -k 5 "$RT_TIMEOUT" "$rt" "${rtargs[@]}" exec "$id" /dev/esc-sh >>"$out" 2>&1
    # Each writer (one per route) prints a verdict once no process runs $rt;
    # it starts trying once every route ran (esc_ldso.c: a writer trying
    # earlier could make a later route's exec of $rt fail with ETXTBSY).
    touch "$EB/rootfs/esc/exe-go"
    for r in $(seq 1 100); do
        [ "$(grep -c '^verdict' "$out")" -ge "$ran" ] && break
        sleep 0.1
    done
    e_rt delete --force "$id1"
    e_rt delete --force "$id"
    OUT=$(cat "$out")
    RC=0
    [ "$(grep -c '^attempt interpreter info' "$out")" = "$ran" ] ||
        fail "$rt: the runtime's binary did not run under the image's interpreter $ran times: $(oneline "$OUT")"
    [ "$(grep -c '^verdict' "$out")" = "$ran" ] || fail "$rt: not $ran routes said a verdict: $(oneline "$OUT")"
    if [ "$ran" = 3 ]; then
        :
    elif [ "$how" = static ]; then
        # the binary ran, with no interpreter: its usage (routes 1 and 2, no
        # command), and "#!/proc/self/exe" gave it the script as a command
        [ "$(grep -c '^Usage: paddock ' "$out")" = 2 ] &&
            [ "$(grep -c 'unknown command "/dev/esc-sh"' "$out")" = 1 ] ||
            fail "$rt: not every route ran the static binary: $(oneline "$OUT")"
    else
        [ "$(grep -c 'exec: "/proc/self/exe": Exec format error\|exec: "/dev/esc-sh": Exec format error' "$out")" = 3 ] ||
            fail "$rt: not every route failed to execute the stub /proc/self/exe: $(oneline "$OUT")"
    fi
}

exe_case() {
    e_setup "$1"
    EXE_MARKER=PADDOCK-ESCAPED-$$-$BASHPID
    local target=$T/paddock-target.$WHO.$BASHPID noseal=$T/paddock-noseal.$WHO.$BASHPID sum
    [ -x "$ESC_BIN/paddock-noseal" ] || fail "$ESC_BIN/paddock-noseal missing (make escape-bins)"
    install -m 0755 "$RUNTIME" "$target"
    install -m 0755 "$ESC_BIN/paddock-noseal" "$noseal"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$target" "$noseal"
    sum=$(sha256sum <"$target")
    e_bundle
    mkdir -p "$EB/rootfs/lib64"
    install -m 0755 "$ESC_BIN/esc_ldso" "$EB/rootfs/lib64/ld-linux-x86-64.so.2"
    echo "$EXE_MARKER" >"$EB/rootfs/esc/exe-marker"
    [ "$WHO" = root ] || chown -R "$TEST_USER:" "$EB/rootfs/lib64" "$EB/rootfs/esc/exe-marker"
    # the stub (exe_seal.c: in place as root); an ASan build (make
    # stress) re-executes from the sealed copy, as rootless does
    local ran=3 how=stub phdrs
    [ "$WHO" = root ] && ! grep -q __asan_init "$target" && ran=0
    phdrs=$(readelf -lW "$target") || fail "readelf $target"
    if [[ $phdrs != *INTERP* ]]; then # a static PIE
        [ "$ran" = 0 ] || { ran=0; how=static; }
    fi
    exe_attack "$target" "$ran" "$how"
    ! grep -q '^attempt [^ ]* succeeded' <<<"$OUT" || fail "ESCAPED: $(oneline "$(grep '^attempt [^ ]* succeeded' <<<"$OUT")")"
    [ "$(grep -c '^verdict blocked' <<<"$OUT")" = "$ran" ] || fail "expected $ran blocked verdicts: $(oneline "$OUT")"
    assert_eq "$(sha256sum <"$target")" "$sum" "the runtime's binary after the attack"
    # /proc/PID/exe of the sandbox's init (the runtime), with the copy
    local saved_rt=$RUNTIME saved_ur=$UR
    RUNTIME=$target UR=$target
    e_modes -- esc_exe_overwrite --once "$EXE_MARKER"
    RUNTIME=$saved_rt UR=$saved_ur
    assert_contains "$OUT" "attempt proc_exe blocked" "the sandbox's init seen from its command"
    assert_eq "$(sha256sum <"$target")" "$sum" "the runtime's binary after the sandboxes"
    # Control: the runtime without its sealed copy.
    exe_attack "$noseal" 3
    succeeded "paddock-noseal ($WHO)" exe_overwrite
    [ "$(grep -c '^attempt exe_overwrite succeeded' <<<"$OUT")" = 3 ] || fail "control: not all 3 routes overwrote paddock-noseal: $(oneline "$OUT")"
    grep -qF "$EXE_MARKER" "$noseal" || fail "control: the marker is not in paddock-noseal"
    scoped_no_leaks
}
t_exe_overwrite_root() { exe_case root; }
t_exe_overwrite_rootless() { exe_case user; }

# ---------------------------------------------------------------- fds and cwd

# CVE-2024-21626: the runtime's caller has a directory (fd 7) and a file
# (fd 8) open; nothing but stdio reaches the container, and its cwd is
# inside its root.  A cwd through a preserved fd (process.cwd
# /proc/self/fd/3) is refused.  Controls: --preserve-fds passes them on
# purpose -- the program climbs out of the root through the directory fd,
# and from a cwd it moved into with fchdir.
fd_case() {
    e_setup "$1"
    e_bundle
    exec 7<"$T" 8<"$EB/config.json"
    e_run -- esc_fd_cwd
    blocked "default bundle, the caller holding fds 7 and 8 ($WHO)"
    e_modes -- esc_fd_cwd
    exec 7<&- 8<&-
    exec 3<"$T" 4<"$EB/config.json"
    e_cfg '.process.cwd = "/proc/self/fd/3"'
    e_run --preserve-fds 2 -- esc_fd_cwd
    exec 3<&- 4<&-
    assert_failed "run with process.cwd /proc/self/fd/3 (a preserved directory outside the root)"
    assert_contains "$ERR" "working directory is outside" "the error names the cwd"
    exec 3<"$T" 4<"$EB/config.json"
    e_cfg '.'
    e_run --preserve-fds 2 -- esc_fd_cwd
    succeeded "default bundle, --preserve-fds 2 ($WHO)" leaked_fd
    assert_contains "$OUT" "climbs out of this root" "control: the directory fd reaches the host"
    e_run --preserve-fds 2 -- esc_fd_cwd --fchdir 3
    exec 3<&- 4<&-
    succeeded "default bundle, --preserve-fds 2, fchdir 3 ($WHO)" host_cwd
    scoped_no_leaks "$RUN_ID"
}
t_leaked_fd_cwd_root() { fd_case root; }
t_leaked_fd_cwd_rootless() { fd_case user; }

# ---------------------------------------------------------------- symlink swap

# CVE-2021-30465 class.  Container B bind-mounts a shared directory at
# /vol and has a tmpfs at /vol/d/m; an attacker keeps exchanging vol/d
# with a symlink to $T/victim.* (a host path) while B is created again and
# again.  Blocked: each of B's tmpfs mounts is in B's mount table, below
# its root (a mount made outside would be gone after pivot_root), and none
# is on the host's victim.  The attacker: a container (default bundle + the
# shared directory), then each sandbox mode (the shared directory its
# workspace: read-only cannot write it at all).  Control: the symlink held
# in place, mount(8) on the host lands on the victim.
swap_rounds() { # N: create and check B N times; SWAP_SOURCE names the tmpfs
    local n=$1 i id pid mi
    for ((i = 0; i < n; i++)); do
        SWAP_N=$((SWAP_N + 1))
        cfg_set "$B2" '.mounts |= map(if .destination == "/vol/d/m" then .source = $s else . end)' --arg s "esc-swap-$SWAP_N"
        [ "$WHO" = root ] || chown "$TEST_USER:" "$B2/config.json"
        id=$(e_id)
        e_rt create --bundle "$B2" "$id"
        if [ "$RC" != 0 ]; then
            # A refusal is fine (a symlink in the way); it must not be a crash.
            assert_contains "$ERR" "paddock: " "create B refused: the error"
            continue
        fi
        e_rt state "$id"
        pid=$(printf '%s' "$OUT" | jq -r .pid)
        mi=$(grep -F " esc-swap-$SWAP_N " "/proc/$pid/mountinfo" 2>/dev/null)
        if [ -z "$mi" ]; then
            note "B's mount table: $(cut -d' ' -f5,9,10 "/proc/$pid/mountinfo" | tr '\n' ';')"
            fail "B's tmpfs esc-swap-$SWAP_N is not in its mount table: it was mounted outside its root"
        fi
        # (d may have been renamed l since: the mount follows the directory)
        case $(printf '%s' "$mi" | cut -d' ' -f5) in
            /vol/d/m | /vol/l/m | "$VICTIM/m") ;;
            *) fail "B's tmpfs esc-swap-$SWAP_N is at $(printf '%s' "$mi" | cut -d' ' -f5)" ;;
        esac
        ! grep -qF " $VICTIM" /proc/self/mountinfo || fail "a mount landed on the host's $VICTIM"
        e_rt delete --force "$id"
    done
}

# swap_reset DIR: DIR/d and DIR/l gone (a killed attacker leaves them in
# any state).
swap_reset() {
    rm -rf "$1/d" "$1/l"
}

swap_case() {
    e_setup "$1"
    SWAP_N=0
    local shared=$T/shared.$WHO.$BASHPID
    VICTIM=$T/victim.$WHO.$BASHPID
    mkdir -p "$shared" "$VICTIM/m"
    [ "$WHO" = root ] || chown -R "$TEST_USER:" "$shared" "$VICTIM"
    # B
    e_bundle B
    B2=$EB
    cfg_set "$B2" '.mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind"]},
        {"destination": "/vol/d/m", "type": "tmpfs", "source": "esc-swap", "options": ["size=16k"]}]' --arg s "$shared"
    cp "$B2/config.json" "$B2/config.default"
    # A: a container sharing the directory
    e_bundle A
    cfg_set "$EB" '.mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["rbind"]}]
        | .process.args = ["/esc/esc_symlink_swap", "/shared", $v]' --arg s "$shared" --arg v "$VICTIM"
    [ "$WHO" = root ] || chown "$TEST_USER:" "$EB/config.json"
    local aid
    aid=$(e_id)
    e_rt run --detach --bundle "$EB" "$aid"
    assert_ok "the attacker container"
    local aout=$T/io.$IO_N.out # the container's stdout
    for i in $(seq 1 100); do grep -q swapping "$aout" && break; sleep 0.1; done
    grep -q swapping "$aout" || fail "the attacker container does not swap: $(oneline "$(cat "$aout" "$T/io.$IO_N.err")")"
    swap_rounds 15
    ! grep -q '^error' "$aout" || fail "the attacker container stopped: $(oneline "$(cat "$aout")")"
    e_rt delete --force "$aid"
    # A in each sandbox mode, the shared directory its workspace
    local mode spid so=$T/swap.$BASHPID.out
    for mode in $MODES; do
        swap_reset "$shared"
        (cd "$shared" && if [ "$WHO" = root ]; then rt sandbox --sandbox "$mode" -- "$T/esc/esc_symlink_swap" "$shared" "$VICTIM"; else urt --root "$USTATE" sandbox --sandbox "$mode" -- "$T/esc/esc_symlink_swap" "$shared" "$VICTIM"; fi) >"$so" 2>&1 &
        spid=$!
        if [ "$mode" = read-only ]; then
            wait "$spid"
            assert_contains "$(cat "$so")" "Read-only file system" "the attacker in a read-only sandbox"
            continue
        fi
        # (a sandbox start under load: up to 30 s, before blaming the attacker)
        for i in $(seq 1 300); do grep -q swapping "$so" && break; sleep 0.1; done
        grep -q swapping "$so" || fail "the attacker in sandbox $mode does not swap: $(oneline "$(cat "$so")")"
        swap_rounds 10
        pkill -TERM -f -- "esc_symlink_swap $shared " 2>/dev/null
        wait "$spid"
        grep -q '^swaps [1-9]' "$so" || fail "the attacker in sandbox $mode: $(oneline "$(cat "$so")")"
    done
    # Control: the symlink held in place; mount(8) follows it to the host.
    swap_reset "$shared"
    "$T/esc/esc_symlink_swap" "$shared" "$VICTIM" --hold-link >"$T/hold.$BASHPID" 2>&1 &
    spid=$!
    for i in $(seq 1 50); do grep -q swapping "$T/hold.$BASHPID" && [ -L "$shared/d" ] && break; sleep 0.1; done
    swap_rounds 1
    mount -t tmpfs esc-naive "$shared/d/m" || fail "control: mount(8) on $shared/d/m failed"
    local landed
    landed=$(grep -F " esc-naive " /proc/self/mountinfo | cut -d' ' -f5)
    umount "$landed" 2>/dev/null
    kill -TERM "$spid" 2>/dev/null
    wait "$spid"
    assert_eq "$landed" "$VICTIM/m" "control: where mount(8) put a tmpfs on $shared/d/m while d is the symlink"
    scoped_no_leaks
}
t_symlink_swap_root() { swap_case root; }
t_symlink_swap_rootless() { swap_case user; }

# The same race against the sandbox's protected paths: an attacker keeps
# exchanging the workspace's .git/hooks with a symlink to a host directory
# ($T/pvictim.*) while `paddock sandbox` starts again and again.  Each
# start either fails cleanly (paddock: ... while the sandbox started) or
# runs with .git/hooks protected: a mount point (a directory read-only, a
# symlink pinned) that the sandbox can neither move, remove nor write
# through, and nothing mounted on the victim.  (The attacker, a host
# process, may rename the pinned entry to hooks.l before it is stopped:
# whichever name it has then, it is checked.)  The race is shown to be hit: some
# starts met the symlink (pinned, or refused), and the attacker swapped.
# Control: with the symlink held, a path-based bind (mount(8) --bind of
# .git/hooks onto itself, what a runtime following the path does) lands
# on the victim.
PSWAP_CHECK='v=$1
echo STARTED
read -r go
awk -v v="$v" '"'"'$5 == v || index($5, v "/") == 1 { print "LANDED " $5 }'"'"' /proc/self/mountinfo
for n in hooks hooks.l; do
    p=$PWD/.git/$n
    awk -v p="$p" '"'"'$5 == p { f = 1 } END { exit !f }'"'"' /proc/self/mountinfo || continue
    if [ -L "$p" ]; then echo "PINNED $n link"; else echo "PINNED $n dir"; fi
    mv "$p" "$p.sb" 2>/dev/null && echo MOVED
    rm -f "$p" 2>/dev/null && echo REMOVED
    touch "$p/pdt-planted" 2>/dev/null && echo WROTE
done
true'

# pswap_start: one start of the sandbox while the attacker swaps; the
# attacker is killed (where it stands) once the sandbox runs or failed, as
# a process on the host could rename .git/hooks under any mount then (it
# is not a local mount point of the host's namespace): the checks are the
# sandbox's own.  RC, and the sandbox's stdout in $1.out, stderr in $1.err.
pswap_start() {
    local f=$1 ws=$2 victim=$3 spid ppid i
    rm -f "$f.fifo"
    mkfifo -m 0666 "$f.fifo"
    : >"$f.swap" # now: the last start's "swapping" must not be read as this one's
    e_as "$T/esc/esc_symlink_swap" "$ws/.git" "$victim" --name hooks >"$f.swap" 2>&1 &
    spid=$!
    for i in $(seq 1 150); do grep -q swapping "$f.swap" && break; sleep 0.1; done
    if ! grep -q swapping "$f.swap"; then
        pkill -KILL -f -- "esc_symlink_swap $ws/.git " # (as the test user: not our child)
        fail "the attacker does not swap (${4:-}): $(oneline "$(cat "$f.swap")"; ls -la "$ws/.git")"
    fi
    (cd "$ws" && if [ "$WHO" = root ]; then rt sandbox -- sh -c "$PSWAP_CHECK" sh "$victim"; else urt --root "$USTATE" sandbox -- sh -c "$PSWAP_CHECK" sh "$victim"; fi) <"$f.fifo" >"$f.out" 2>"$f.err" &
    ppid=$!
    exec 7>"$f.fifo"
    for i in $(seq 1 150); do
        grep -q STARTED "$f.out" && break
        kill -0 "$ppid" 2>/dev/null || break
        sleep 0.1
    done
    pkill -KILL -f -- "esc_symlink_swap $ws/.git " 2>/dev/null
    wait "$spid"
    [ -z "$(pgrep -f -- "esc_symlink_swap $ws/.git ")" ] || fail "the attacker outlived its kill"
    grep -q '^swaps' "$f.swap" && fail "the attacker was not killed where it stood"
    (echo go >&7) 2>/dev/null # (the sandbox may have refused to start)
    exec 7>&-
    wait "$ppid"
    RC=$?
}

protect_swap_case() {
    e_setup "$1"
    local ws=$T/pswap.$WHO.$BASHPID victim=$T/pvictim.$WHO.$BASHPID f=$T/pswap.$WHO.$BASHPID
    mkdir -p "$ws" "$victim"
    git -C "$ws" init -q
    mkdir -p "$ws/.git/hooks"
    [ "$WHO" = root ] || chown -R "$TEST_USER:" "$ws" "$victim"
    local runs=20 n_ok=0 n_refused=0 n_link=0 i
    for ((i = 0; i < runs; i++)); do
        pswap_start "$f" "$ws" "$victim" "start $i"
        if [ "$RC" != 0 ]; then
            grep -q "paddock: .*while the sandbox started" "$f.err" ||
                fail "start $i: exit $RC, not a clean refusal: $(oneline "$(cat "$f.err")")"
            n_refused=$((n_refused + 1))
        else
            ! grep -q '^LANDED' "$f.out" || fail "ESCAPED: start $i mounted on the victim: $(oneline "$(cat "$f.out")")"
            ! grep -qE '^(MOVED|REMOVED|WROTE)$' "$f.out" || fail "ESCAPED: start $i left .git/hooks unprotected: $(oneline "$(cat "$f.out")")"
            grep -q '^PINNED ' "$f.out" || fail "start $i: .git/hooks is no mount point: $(oneline "$(cat "$f.out" "$f.err")")"
            grep -q '^PINNED .* link$' "$f.out" && n_link=$((n_link + 1))
            n_ok=$((n_ok + 1))
        fi
        # the next start from a directory again
        rm -rf "$ws/.git/hooks" "$ws/.git/hooks.l"
        e_as mkdir "$ws/.git/hooks"
    done
    note "$runs starts: $n_ok protected ($n_link with a pinned symlink), $n_refused refused cleanly"
    [ $((n_link + n_refused)) -gt 0 ] || fail "the race was never hit: every start found .git/hooks a directory"
    [ ! -e "$victim/pdt-planted" ] || fail "ESCAPED: a file was planted in the victim"
    # Control: the symlink held; a bind following the path lands on the victim.
    "$T/esc/esc_symlink_swap" "$ws/.git" "$victim" --name hooks --hold-link >"$f.swap" 2>&1 &
    local spid=$!
    track_pid "$spid"
    for i in $(seq 1 50); do grep -q swapping "$f.swap" && [ -L "$ws/.git/hooks" ] && break; sleep 0.1; done
    [ -L "$ws/.git/hooks" ] || fail "control: .git/hooks is not the symlink: $(oneline "$(cat "$f.swap")")"
    local landed
    landed=$(unshare -m --propagation private sh -c 'mount --bind "$1" "$1" && awk -v v="$2" '"'"'$5 == v { print $5 }'"'"' /proc/self/mountinfo' sh "$ws/.git/hooks" "$victim")
    kill -TERM "$spid" 2>/dev/null
    wait "$spid"
    assert_eq "$landed" "$victim" "control: where a path-based bind of .git/hooks onto itself lands"
    scoped_no_leaks
}
t_protect_swap_root() { protect_swap_case root; }
t_protect_swap_rootless() { protect_swap_case user; }

# ---------------------------------------------------------------- terminal

# TIOCSTI: the runtime runs on a pty of the test's (helpers/ptyrun.py),
# and the container's stdio is that terminal (process.terminal false): the
# program pushes bytes into it.  Blocked: the container is not in the
# caller's session.  Control: CAP_SYS_ADMIN (TIOCSTI then works on any
# terminal), as root; and the program run on the pty directly (the
# caller's session), as either user.  The bytes must show up in the pty's
# echo only in the controls.
tty_case() {
    e_setup "$1"
    local bytes=zq${RANDOM}XJq info
    e_bundle
    info=$EB/rootfs/tty-info
    e_cfg '.process.args = ["/esc/esc_tiocsti", "@/tty-info", $b]' --arg b "$bytes"
    tty_run "$info" "$UR" run --bundle "$EB" "$(e_id)"
    blocked "default bundle on the caller's terminal ($WHO)"
    assert_not_contains "$OUT" "$bytes" "the caller's terminal input"
    local mode
    for mode in $MODES; do
        tty_run "$WS/tty-info" "$UR" sandbox --sandbox "$mode" -- "$T/esc/esc_tiocsti" "@$WS/tty-info" "$bytes"
        blocked "sandbox --sandbox $mode on the caller's terminal ($WHO)"
        assert_not_contains "$OUT" "$bytes" "the caller's terminal input (sandbox $mode)"
    done
    tty_run "$WS/tty-info" "$T/esc/esc_tiocsti" "@$WS/tty-info" "$bytes"
    succeeded "the program on the terminal itself ($WHO)" tiocsti
    assert_contains "$OUT" "$bytes" "control: the pushed bytes echoed"
    if [ "$WHO" = root ]; then
        e_cfg "$(e_caps CAP_SYS_ADMIN)"' | .process.args = ["/esc/esc_tiocsti", "@/tty-info", $b]' --arg b "$bytes"
        tty_run "$info" "$RUNTIME" run --bundle "$EB" "$(e_id)"
        succeeded "default bundle + CAP_SYS_ADMIN" tiocsti
        assert_contains "$OUT" "$bytes" "control: the pushed bytes echoed (CAP_SYS_ADMIN)"
    fi
    scoped_no_leaks
}

# tty_run INFO CMD...: CMD (the runtime gets --root when it is root's) on a
# new pty as WHO; INFO gets the pty's "DEV RDEV NAME"; OUT is what the pty
# showed, RC the status.
tty_run() {
    local info=$1 cmd=("${@:2}") o=$T/tty.$BASHPID.out
    rm -f "$info"
    if [ "${cmd[0]}" = "$RUNTIME" ] || [ "${cmd[0]}" = "$UR" ]; then
        if [ "$WHO" = root ]; then
            cmd=("$RUNTIME" --root "$STATE_ROOT" "${cmd[@]:1}")
        else
            cmd=("$UR" --root "$USTATE" "${cmd[@]:1}")
        fi
    fi
    printf '+ (pty, %s) %s\n' "$WHO" "${cmd[*]}" >>"$CASE_TRACE"
    e_as /usr/bin/python3 "$PTYRUN" --deadline 60 --info "$info" -- "${cmd[@]}" >"$o" 2>&1
    RC=$?
    OUT=$(tr -d '\n' <"$o")
    ERR=
    # A hang: the end of the output, with ptyrun's list of what still ran.
    [ "$RC" != 124 ] || tail -n 10 "$o" | sed 's/^/  pty: /' >>"$CASE_TRACE"
}
t_tiocsti_root() { tty_case root; }
t_tiocsti_rootless() { tty_case user; }

# ---------------------------------------------------------------- devices

# mknod and raw devices.  The device is a loop device over a file of the
# test's, which starts with a marker (reads and the same bytes written
# back harm nothing).  A node of it also waits on the host's filesystem,
# outside /dev (as in chroots and image trees): root's 0600 (a sandbox of
# root's must not reach it: it has no capability and a /dev without
# disks), the test user's 0666 (its own to read; a read-only or
# workspace-write sandbox must not write it).  Bundles: mknod (no
# CAP_MKNOD), and, as root, the node bound in from the host (the device
# cgroup); controls: CAP_MKNOD (the node is made, the device cgroup still
# refuses it), and CAP_MKNOD plus a device rule allowing it.  Sandboxes:
# mknod, and the node on the host's filesystem.  As the test user, the
# control is the program on the host (mknod is never allowed to it).
LOOP_DEV=
mknod_case() {
    e_setup "$1"
    need_cmd losetup mount
    local img=$T/loop.$BASHPID.img devdir=$T/devdir.$WHO.$BASHPID majmin
    head -c 1048576 /dev/zero >"$img"
    printf 'PADDOCK-RAW-DEVICE-MARKER' | dd of="$img" conv=notrunc status=none
    LOOP_DEV=$(losetup -f --show "$img") || fail "losetup: no loop device for $img"
    echo "$LOOP_DEV" >>"$T/loops"
    majmin=$((0x$(stat -c %t "$LOOP_DEV"))):$((0x$(stat -c %T "$LOOP_DEV")))
    mkdir -p "$devdir"
    chmod 0755 "$devdir"
    mknod "$devdir/disk" b "${majmin%:*}" "${majmin#*:}"
    if [ "$WHO" = root ]; then chmod 0600 "$devdir/disk"; else chmod 0666 "$devdir/disk"; fi
    e_bundle
    if [ "$WHO" = root ]; then
        cfg_set "$EB" '.mounts += [{"destination": "/hostdev", "type": "bind", "source": $d, "options": ["rbind"]}]' --arg d "$devdir"
        cp "$EB/config.json" "$EB/config.default"
        e_run -- esc_mknod --dev "$majmin" /hostdev/disk
    else
        e_run -- esc_mknod --dev "$majmin"
    fi
    blocked "default bundle ($WHO)"
    if [ "$WHO" = root ]; then
        e_modes -- esc_mknod --dev "$majmin" "$devdir/disk"
    else
        # The node is the user's to read anyway; writing it is what the
        # read-only view must stop (danger-full-access promises nothing).
        local mode
        for mode in read-only workspace-write; do
            e_sandbox "$mode" -- esc_mknod --dev "$majmin" "$devdir/disk"
            # the host's filesystems are nodev inside: the node can't even be
            # opened (so no raw_write is attempted after the refused read)
            assert_match "$(attempt_line mknod) $(attempt_line raw_read)$(attempt_line raw_write)" \
                '^attempt mknod blocked .* attempt raw_(read|write) blocked ' \
                "sandbox --sandbox $mode ($WHO): mknod, and using the 0666 node on the host"
        done
        e_sandbox danger-full-access -- esc_mknod --dev "$majmin"
        blocked "sandbox --sandbox danger-full-access ($WHO): mknod"
    fi
    if [ "$WHO" = root ]; then
        e_cfg "$(e_caps CAP_MKNOD)"
        e_run -- esc_mknod --dev "$majmin" /hostdev/disk
        # CAP_MKNOD alone: the device cgroup still refuses the node ('m') and
        # its use (paddock allows no wildcard mknod rule, unlike runc)
        assert_match "$(attempt_line mknod)" ' blocked ' "default bundle + CAP_MKNOD: mknod, by the device cgroup"
        e_cfg "$(e_caps CAP_MKNOD)"' | .linux.resources.devices += [{"allow": true, "type": "b", "major": $ma, "minor": $mi, "access": "rwm"}]' \
            --argjson ma "${majmin%:*}" --argjson mi "${majmin#*:}"
        e_run -- esc_mknod --dev "$majmin" /hostdev/disk
        succeeded "default bundle + CAP_MKNOD + a device rule for it" mknod raw_read raw_write
    else
        e_host esc_mknod --dev "$majmin" "$devdir/disk"
        succeeded "on the host as $TEST_USER" raw_read raw_write
    fi
    assert_contains "$(attempt_line raw_read)" PADDOCK-RAW-DEVICE-MARKER "control: what the device holds"
    losetup -d "$LOOP_DEV"
    scoped_no_leaks "$RUN_ID"
}
t_mknod_raw_devices_root() { mknod_case root; }
t_mknod_raw_devices_rootless() { mknod_case user; }

# ---------------------------------------------------------------- no_new_privs

# setuid and file capabilities: copies of esc_nnp, setuid-root, and with
# cap_net_bind_service+ep (in the default bounding set), run by a uid
# other than 0: uid 1000 (the test user's containers map it from its
# /etc/subuid range).  Blocked with noNewPrivileges (the default);
# control: noNewPrivileges false.  Sandboxes as root: exec must not raise
# the capabilities (an empty bounding set), and the file-capability copy
# gains none; as the test user, the copies on the host (setuid-root, and
# file capabilities) gain nothing; control: the same on the host.
nnp_copies() { # DIR OWNER ROOTID: DIR/esc_nnp-suid and DIR/esc_nnp-fcap
    need_cmd setcap libcap2-bin
    install -m 0755 "$ESC_BIN/esc_nnp" "$1/esc_nnp-suid"
    install -m 0755 "$ESC_BIN/esc_nnp" "$1/esc_nnp-fcap"
    chown "$2" "$1/esc_nnp-suid" "$1/esc_nnp-fcap"
    chmod 4755 "$1/esc_nnp-suid"
    if [ "$3" = 0 ]; then
        setcap cap_net_bind_service+ep "$1/esc_nnp-fcap" || fail "setcap failed"
    else
        setcap -n "$3" cap_net_bind_service+ep "$1/esc_nnp-fcap" || fail "setcap -n $3 failed"
    fi
}

nnp_case() {
    e_setup "$1"
    e_bundle
    if [ "$WHO" = root ]; then
        nnp_copies "$EB/rootfs/esc" root:root 0
        e_cfg '.process.user = {"uid": 1000, "gid": 1000}'
    else
        nnp_copies "$EB/rootfs/esc" "$TEST_USER:" "$USER_UID"
        local su sg
        su=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2 ":" $3; exit }' /etc/subuid)
        sg=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2 ":" $3; exit }' /etc/subgid)
        [ -n "$su" ] && [ -n "$sg" ] || fail "$TEST_USER has no /etc/subuid or /etc/subgid range"
        cfg_set "$EB" '.linux.uidMappings += [{"containerID": 1, "hostID": $u, "size": $us}]
            | .linux.gidMappings += [{"containerID": 1, "hostID": $g, "size": $gs}]' \
            --argjson u "${su%:*}" --argjson us "${su#*:}" --argjson g "${sg%:*}" --argjson gs "${sg#*:}"
        cp "$EB/config.json" "$EB/config.default"
        e_cfg '.process.user = {"uid": 1000, "gid": 1000}'
    fi
    cp "$EB/config.json" "$EB/config.default"
    e_run -- esc_nnp --setuid /esc/esc_nnp-suid --fcap /esc/esc_nnp-fcap
    blocked "default bundle as uid 1000 ($WHO)"
    if [ ! -e "$T/esc/esc_nnp-suid" ]; then
        nnp_copies "$T/esc" root:root 0
    fi
    if [ "$WHO" = root ]; then
        e_modes -- esc_nnp --fcap "$T/esc/esc_nnp-fcap"
    else
        e_modes -- esc_nnp --setuid "$T/esc/esc_nnp-suid" --fcap "$T/esc/esc_nnp-fcap"
        e_host esc_nnp --setuid "$T/esc/esc_nnp-suid" --fcap "$T/esc/esc_nnp-fcap"
        succeeded "on the host as $TEST_USER" setuid file_caps
    fi
    e_cfg '.process.noNewPrivileges = false'
    e_run -- esc_nnp --setuid /esc/esc_nnp-suid --fcap /esc/esc_nnp-fcap
    succeeded "default bundle as uid 1000 without noNewPrivileges ($WHO)" setuid file_caps
    scoped_no_leaks "$RUN_ID"
}
t_setuid_fcaps_nnp_root() { nnp_case root; }
t_setuid_fcaps_nnp_rootless() { nnp_case user; }

case_cleanup() {
    scoped_cleanup
    local l
    if [ -s "$T/loops" ]; then
        while read -r l; do losetup -d "$l" 2>/dev/null; done <"$T/loops"
        : >"$T/loops"
    fi
    if [ -n "$KEY_DESC" ]; then "$ESC_BIN/esc_keyctl" --remove-host-key "$KEY_DESC"; fi
    if [ -s "$T/tmp-markers" ]; then
        xargs rm -f <"$T/tmp-markers"
        : >"$T/tmp-markers"
    fi
}

run_case mknod_raw_devices_root t_mknod_raw_devices_root
run_case mknod_raw_devices_rootless t_mknod_raw_devices_rootless
run_case setuid_fcaps_nnp_root t_setuid_fcaps_nnp_root
run_case setuid_fcaps_nnp_rootless t_setuid_fcaps_nnp_rootless
run_case exe_overwrite_root t_exe_overwrite_root
run_case exe_overwrite_rootless t_exe_overwrite_rootless
run_case leaked_fd_cwd_root t_leaked_fd_cwd_root
run_case leaked_fd_cwd_rootless t_leaked_fd_cwd_rootless
run_case symlink_swap_root t_symlink_swap_root
run_case symlink_swap_rootless t_symlink_swap_rootless
run_case protect_swap_root t_protect_swap_root
run_case protect_swap_rootless t_protect_swap_rootless
run_case tiocsti_root t_tiocsti_root
run_case tiocsti_rootless t_tiocsti_rootless
run_case perf_event_open_root t_perf_root
run_case perf_event_open_rootless t_perf_rootless
run_case userfaultfd_root t_userfaultfd_root
run_case userfaultfd_rootless t_userfaultfd_rootless
run_case io_uring_root t_io_uring_root
run_case io_uring_rootless t_io_uring_rootless
run_case keyctl_root t_keyctl_root
run_case keyctl_rootless t_keyctl_rootless
run_case bpf_root t_bpf_root
run_case bpf_rootless t_bpf_rootless
run_case open_by_handle_root t_open_by_handle_root
run_case open_by_handle_rootless t_open_by_handle_rootless
run_case masked_proc_sys_root t_masked_proc_sys_root
run_case masked_proc_sys_rootless t_masked_proc_sys_rootless
run_case mount_root t_mount_root
run_case mount_rootless t_mount_rootless
run_case ptrace_root t_ptrace_root
run_case ptrace_rootless t_ptrace_rootless
run_case signal_root t_signal_root
run_case signal_rootless t_signal_rootless
run_case network_root t_network_root
run_case network_rootless t_network_rootless
run_case fork_bomb_root t_fork_bomb_root
run_case fork_bomb_rootless t_fork_bomb_rootless
finish
