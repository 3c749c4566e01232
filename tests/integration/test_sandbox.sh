#!/usr/bin/env bash
# paddock sandbox (issue #4): one command on the host's root, as root and as
# the unprivileged test user: exit codes, read-only and workspace-write
# modes, host submounts read-only, private /tmp, network and PID
# namespaces, the environment deny-list, cwd and identity, the audit log,
# and nothing left behind (mounts, processes, state, temporary bundles).
# paddock's own command: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

SB_BUNDLES=/run/paddock-sandbox

# sb_setup: a workspace $WS (cwd of the case), readable by the test user.
sb_setup() {
    is_paddock || { note "sandbox is paddock's own"; exit 0; }
    WS=$T/ws.$BASHPID
    mkdir -p "$WS"
    chmod 0755 "$WS"
    cd "$WS" || fail "cd $WS"
    BUNDLES_BEFORE=$(stale_entries "$SB_BUNDLES")
}

# sb_no_leaks: no_leaks, no state dir and no temporary bundle left.
sb_no_leaks() {
    no_leaks "$WS"
    [ -z "$(state_left "$STATE_ROOT")" ] || fail "state left: $(state_left "$STATE_ROOT")"
    [ "$(stale_entries "$SB_BUNDLES")" = "$BUNDLES_BEFORE" ] ||
        fail "temporary bundle left in $SB_BUNDLES: $(stale_entries "$SB_BUNDLES")"
}

sb() { rtc sandbox "$@"; }

# sb_netns_maker rtc|urtc: the sandbox's network namespace is made by the
# runtime's helper beside the init (namespaces.h), or under ASan, which has
# no such helper (clone_vm.h), by the init itself: --debug says which.
sb_netns_maker() {
    local bin=$RUNTIME want="network namespace made beside the init"
    [ "$1" = urtc ] && bin=$UR
    grep -q __asan_init "$bin" && want="the init makes it"
    "$1" --debug sandbox -- true
    assert_ok
    assert_contains "$ERR" "$want" "who made the sandbox's network namespace (--debug)"
}

t_true() {
    sb_setup
    sb -- true
    assert_ok
    sb_no_leaks
}

# SIGTERM to paddock ends a command that has no handler for it (the
# command is not pid 1, which would ignore it).
t_sigterm() {
    sb_setup
    "$RUNTIME" --root "$STATE_ROOT" sandbox -- sleep 100 &
    local pid=$! i
    track_pid "$pid"
    for ((i = 0; i < 50; i++)); do
        pgrep -P "$pid" >/dev/null && break
        sleep 0.1
    done
    sleep 0.3
    kill -TERM "$pid"
    local rc=0
    timeout 10 tail --pid="$pid" -f /dev/null || fail "sandbox still running 10 s after SIGTERM"
    wait "$pid" || rc=$?
    assert_eq "$rc" 143 "status after SIGTERM"
    sb_no_leaks
}

t_exit_codes() {
    sb_setup
    sb -- sh -c 'exit 7'
    assert_eq "$RC" 7 "exit status"
    sb -- /nonexistent-paddock-cmd
    assert_eq "$RC" 127 "missing command"
    sb -- /etc/passwd
    assert_eq "$RC" 126 "not executable"
    sb --sandbox bogus -- true
    assert_eq "$RC" 2 "bad --sandbox"
    assert_contains "$ERR" "expected read-only, workspace-write or danger-full-access"
    sb --network 'allow:*' -- true
    assert_eq "$RC" 2 "--network allow:*"
    assert_contains "$ERR" "matches every host"
    sb --protect ../x -- true
    assert_eq "$RC" 2 "--protect with .."
    sb --allow-unix-socket rel.sock -- true
    assert_eq "$RC" 2 "--allow-unix-socket relative"
    sb
    assert_eq "$RC" 2 "no command"
    sb_no_leaks
}

t_read_only() {
    sb_setup
    sb --sandbox read-only -- sh -c 'echo x > ./f'
    assert_ne "$RC" 0 "write to the workspace in read-only"
    [ ! -e "$WS/f" ] || fail "read-only: workspace file created"
    sb --sandbox read-only -- sh -c 'echo x > /etc/paddock-sandbox-test'
    assert_ne "$RC" 0 "write to /etc"
    [ ! -e /etc/paddock-sandbox-test ] || { rm -f /etc/paddock-sandbox-test; fail "wrote /etc"; }
    sb --sandbox read-only -- sh -c 'echo x > /tmp/f && cat /tmp/f && ls /tmp | wc -l'
    assert_ok
    assert_eq "$OUT" "x
1" "private /tmp"
    sb --sandbox read-only -- pwd
    assert_ok
    assert_eq "$OUT" "$WS" "cwd"
    sb_no_leaks
}

t_workspace_write() {
    sb_setup
    local extra=$T/extra.$BASHPID
    mkdir -p "$extra"
    sb -w "$extra" -- sh -c 'echo ws > ./f && echo ex > '"$extra"'/g && pwd'
    assert_ok
    assert_eq "$OUT" "$WS" "cwd"
    assert_eq "$(cat "$WS/f")" ws "workspace file on the host"
    assert_eq "$(cat "$extra/g")" ex "--writable file on the host"
    sb -- sh -c 'echo x > /var/tmp/paddock-sandbox-test.$$'
    assert_ne "$RC" 0 "write outside the writable roots"
    assert_contains "$ERR" "Read-only file system"
    sb -- sh -c 'echo x > /etc/paddock-sandbox-test'
    assert_ne "$RC" 0 "write to /etc"
    sb_no_leaks
}

# Protected paths inside the workspace stay read-only while git's own data
# (.git/objects) stays writable; the same write to an unprotected file in
# .git works (control).
t_protected_paths() {
    sb_setup
    mkdir -p "$WS/.git/hooks" "$WS/.git/objects" "$WS/.claude"
    echo "[core]" >"$WS/.git/config"
    sb -- sh -c 'echo x > .git/hooks/pre-commit'
    assert_ne "$RC" 0 "write to .git/hooks"
    assert_contains "$ERR" "Read-only file system"
    sb -- sh -c 'echo y >> .git/config'
    assert_ne "$RC" 0 "write to .git/config"
    sb -- sh -c 'echo z > .claude/settings.json'
    assert_ne "$RC" 0 "write to .claude/"
    sb -- sh -c 'echo o > .git/objects/o && echo h > .git/HEAD'
    assert_ok "write to .git/objects and .git/HEAD (control)"
    assert_eq "$(cat "$WS/.git/config")" "[core]" ".git/config on the host"
    [ ! -e "$WS/.git/hooks/pre-commit" ] || fail "a hook was planted on the host"
    rm -rf "$WS/.git" "$WS/.claude"
    sb_no_leaks
}

# A host submount (a tmpfs) outside the writable roots is read-only too.
t_submount_read_only() {
    sb_setup
    local sub=$T/sub.$BASHPID
    mkdir -p "$sub"
    mount -t tmpfs tmpfs "$sub" || fail "mount tmpfs"
    sb -- sh -c "echo x > $sub/f"
    local rc=$RC err=$ERR
    umount "$sub"
    assert_ne "$rc" 0 "write to a host submount"
    assert_contains "$err" "Read-only file system"
    sb_no_leaks
}

t_network_pid() {
    sb_setup
    sb -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
    assert_ok
    assert_eq "$OUT" lo "interfaces with --network none"
    # lo is up: a TCP connection over 127.0.0.1 works inside (danger-full-access
    # with --network none: landlock's TCP rule would refuse it otherwise)
    sb --sandbox danger-full-access --network none -- python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.socket(); c.connect(s.getsockname()); print("lo up")'
    assert_eq "$OUT" "lo up" "loopback inside the sandbox's network namespace"
    # made beside the init by a root runtime (namespaces.h), it is owned by
    # the sandbox's user namespace all the same, as the clone would make it
    sb -- python3 -c 'import os, fcntl
n = os.open("/proc/self/ns/net", os.O_RDONLY)
print(os.fstat(fcntl.ioctl(n, 0xb701)).st_ino == os.stat("/proc/self/ns/user").st_ino)'
    assert_eq "$OUT" True "the owner of the sandbox's network namespace"
    sb_netns_maker rtc
    sb -- sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
    assert_ok
    local pid n
    pid=$(printf '%s\n' "$OUT" | head -n1)
    n=$(printf '%s\n' "$OUT" | tail -n1)
    assert_eq "$pid" 2 "pid of the command (pid 1 is paddock's minimal init)"
    [ "$n" -le 4 ] || fail "the command sees $n pids"
    if [ "$(tail -n +3 /proc/net/dev | wc -l)" -gt 1 ]; then
        sb --network host -- sh -c 'tail -n +3 /proc/net/dev | wc -l'
        assert_ok
        [ "$OUT" -gt 1 ] || fail "--network host: only $OUT interface(s)"
    fi
    sb_no_leaks
}

t_env() {
    sb_setup
    GITHUB_TOKEN=t1 AWS_PROFILE=p OPENAI_API_KEY=k DB_PASSWORD=pw PADDOCK_SB_KEEP=yes \
        rtc sandbox -- sh -c 'env | grep -E "^(GITHUB_TOKEN|AWS_PROFILE|OPENAI_API_KEY|DB_PASSWORD|PADDOCK_SB_KEEP)=" | sort'
    assert_ok
    assert_eq "$OUT" "PADDOCK_SB_KEEP=yes" "environment"
    sb_no_leaks
}

t_audit() {
    sb_setup
    need_cmd jq
    local log=$T/audit.$BASHPID.log
    sb --audit-log "$log" -- sh -c 'exit 3'
    assert_eq "$RC" 3 "exit status"
    assert_eq "$(jq -r .event "$log" | tr '\n' ' ')" "sandbox.start sandbox.exit " "events"
    assert_eq "$(jq -r 'select(.event == "sandbox.exit") | .status' "$log")" 3 "status"
    assert_eq "$(jq -r 'select(.event == "sandbox.start") | .mode' "$log")" workspace-write "mode"
    local start
    start=$(jq -c 'select(.event == "sandbox.start")' "$log")
    assert_eq "$(jq -r '.writable[0], .network, .id | tostring' <<<"$start" | tr '\n' ' ')" \
        "$WS none $(jq -r 'select(.event == "sandbox.exit") | .id' "$log") " "writable, network, id"
    assert_eq "$(jq -r '[.layers[] | .state] | length' <<<"$start")" 19 "layers reported"
    assert_eq "$(jq -r '[.layers["user-ns", "seccomp", "landlock-fs", "landlock-net", "protected-paths", "unix-sockets"].state] | join(",")' <<<"$start")" \
        "active,active,active,active,active,active" "layer states"
    assert_match "$(jq -r .time <<<"$start")" '^20[0-9-]+T[0-9:.]+Z$' "timestamp"
    assert_eq "$(jq -r '.command | join(" ")' <<<"$start")" "sh -c exit 3" "command"
    sb_no_leaks
}

# A command that leaves processes behind: in the background, in a session
# of their own ignoring SIGTERM and SIGHUP, stopped, orphaned, and one that
# keeps trying to create protected directories (it would, on the host, if
# it outlived the placeholders: they are removed while the kernel may
# still be tearing the init down).  When paddock returns they are dead and
# reaped, and so is the sandbox's init (paddock reaps it itself: a
# subreaper above paddock gets nothing reparented); the exit status (also
# 128+N), the audit record and the cleanup (placeholders, journal, state)
# are as for a command that leaves nothing.
t_nothing_outlives() {
    sb_setup
    need_cmd python3
    need_cmd jq
    local tag=7$$$RANDOM log=$T/audit.$BASHPID.log out=$T/sr.$BASHPID p
    python3 "$HELPERS/subreaper.py" "$RUNTIME" --root "$STATE_ROOT" sandbox --audit-log "$log" -- sh -c "
        sleep ${tag}1 &
        setsid sh -c 'trap \"\" TERM HUP; sleep ${tag}2' &
        sh -c 'sleep ${tag}3 & kill -STOP \$\$' &
        (sleep ${tag}4 &)
        while :; do mkdir .claude .codex 2>/dev/null; done &
        sleep 0.2; exit 3" >"$out" 2>&1
    assert_eq "$(head -n 2 "$out")" "$(printf 'status 3\nleft -')" "status, and what outlived paddock"
    local pids
    pids=$(sed -n 's/^pid //p' "$out")
    [ -z "$(pgrep -f "sleep ${tag}")" ] || fail "left running: $(oneline "$(pgrep -af "sleep ${tag}")")"
    assert_eq "$(jq -r 'select(.event == "sandbox.exit") | .status' "$log")" 3 "audited status"
    python3 "$HELPERS/subreaper.py" "$RUNTIME" --root "$STATE_ROOT" sandbox -- sh -c "
        sleep ${tag}5 & kill -TERM \$\$" >"$out" 2>&1
    assert_eq "$(head -n 2 "$out")" "$(printf 'status 143\nleft -')" "killed by SIGTERM"
    pids="$pids $(sed -n 's/^pid //p' "$out")"
    [ -z "$(pgrep -f "sleep ${tag}")" ] || fail "left running: $(oneline "$(pgrep -af "sleep ${tag}")")"
    for p in .paddock .codex .claude .agents; do
        [ ! -e "$WS/$p" ] || fail "placeholder $WS/$p left"
    done
    # the journals of these runs (named PID-START): other runs may be going on
    for p in $pids; do
        [ -z "$(ls -A "${HOME:-/root}/.local/state/paddock/placeholders" | grep "^$p-")" ] ||
            fail "placeholder journal of paddock $p left"
    done
    sb_no_leaks
}

# danger-full-access: host files writable, host network; still PID namespace,
# no capabilities, seccomp.
t_danger_full_access() {
    sb_setup
    local f=$T/dfa.$BASHPID
    sb --sandbox danger-full-access -- sh -c "echo x > $f; echo \$\$; grep -E '^(CapEff|Seccomp):' /proc/self/status | tr -d '\t'"
    assert_ok
    assert_eq "$(cat "$f" 2>/dev/null)" x "host file written"
    assert_eq "$OUT" "2
CapEff:0000000000000000
Seccomp:2" "pid, capabilities, seccomp"
    sb_no_leaks
}

# As the test user: runs as that uid; its files are its own; the same walls.
# The command may run on every CPU its caller may: the runtime moves the
# init off its own CPU while the init sets up (container.c, spawn), and the
# init takes the caller's set back before anything of the sandbox runs.
# Also with the caller held to one CPU (taskset), and rootless.
t_cpus() {
    sb_setup
    need_cmd taskset util-linux
    local all last script='grep Cpus_allowed_list /proc/self/status | cut -f2'
    all=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
    sb -- sh -c "$script"
    assert_ok
    assert_eq "$OUT" "$all" "the command's CPUs"
    last=$(($(nproc) - 1))
    OUT=$(taskset -c "$last" "$RUNTIME" --root "$STATE_ROOT" sandbox -- sh -c "$script" 2>&1)
    assert_eq "$OUT" "$last" "the command's CPUs when paddock may use CPU $last only"
    rootless_setup
    chown "$TEST_USER:" "$WS"
    urtc sandbox -- sh -c "$script"
    assert_ok
    assert_eq "$OUT" "$all" "the rootless command's CPUs"
    sb_no_leaks
}

t_rootless() {
    sb_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    local ub=$TEST_USER_RUN_DIR/paddock-sandbox before
    before=$(as_user ls -A "$ub" 2>/dev/null | sort)
    GITHUB_TOKEN=t1 urtc sandbox -- sh -c 'id -u; id -g; echo $GITHUB_TOKEN; echo hi > ./f; pwd'
    assert_ok
    assert_eq "$OUT" "$USER_UID
$USER_GID

$WS" "identity, env, cwd"
    assert_eq "$(stat -c %u:%g "$WS/f")" "$USER_UID:$USER_GID" "owner of a file created inside"
    urtc sandbox -- sh -c 'echo x > /var/tmp/paddock-sandbox-test.$$'
    assert_ne "$RC" 0 "write outside the writable roots"
    urtc sandbox --sandbox read-only -- sh -c 'echo x > ./g'
    assert_ne "$RC" 0 "read-only workspace"
    urtc sandbox -- sh -c 'exit 5'
    assert_eq "$RC" 5 "exit status"
    urtc sandbox -- /nonexistent-paddock-cmd
    assert_eq "$RC" 127 "missing command"
    urtc sandbox -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; echo $$'
    assert_ok
    assert_eq "$OUT" "lo
2" "network and pid namespaces"
    # the network namespace made beside the init (namespaces.h): owned by the
    # sandbox's user namespace, lo up (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
    urtc sandbox -- python3 -c 'import os, fcntl, socket, struct
n = os.open("/proc/self/ns/net", os.O_RDONLY)
print(os.fstat(fcntl.ioctl(n, 0xb701)).st_ino == os.stat("/proc/self/ns/user").st_ino)
r = fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8913, struct.pack("16sH", b"lo", 0) + bytes(22))
print(hex(struct.unpack("16sH", r[:18])[1] & 0x49))'
    assert_eq "$OUT" "True
0x49" "the rootless sandbox's network namespace: owner, lo"
    sb_netns_maker urtc
    assert_eq "$(as_user ls -A "$ub" 2>/dev/null | sort)" "$before" "temporary bundles left"
    sb_no_leaks
}

run_case sandbox_true t_true
run_case sandbox_sigterm t_sigterm
run_case sandbox_exit_codes t_exit_codes
run_case sandbox_read_only t_read_only
run_case sandbox_workspace_write t_workspace_write
run_case sandbox_submount_read_only t_submount_read_only
run_case sandbox_protected_paths t_protected_paths
run_case sandbox_network_pid t_network_pid
run_case sandbox_env t_env
run_case sandbox_audit t_audit
run_case sandbox_nothing_outlives t_nothing_outlives
run_case sandbox_danger_full_access t_danger_full_access
run_case sandbox_rootless t_rootless
run_case sandbox_cpus t_cpus
finish
