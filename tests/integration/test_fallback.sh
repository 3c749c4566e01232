#!/usr/bin/env bash
# The environment probe and container-boundary mode (issue #7), in real
# restricted environments each case makes itself (no mocks):
#   - a seccomp filter like Docker's default (tests/integration/helpers/
#     docker-seccomp.c, built by `make test-helpers`): unshare, clone with
#     namespace flags, mount, setns and keyctl refused;
#   - CAP_SYS_ADMIN and friends dropped from the bounding set, with
#     no_new_privs (setpriv);
#   - user.max_user_namespaces=0 inside a child user namespace (unshare -Ur);
#   - newuidmap and newgidmap on a nosuid mount (a private mount namespace),
#     for the unprivileged test user.
# For each: `paddock probe` names the right cause; --fallback refuse fails
# with exit 125, the failing step, its errno and the fixes; --fallback auto
# runs in container-boundary mode (or full mode with a partial degradation)
# and says so; `check` shows the blocked rows and marks the lost ones; and
# nothing runs with less protection than `status` claims (every layer
# status calls active is matched by check's probes being blocked).
# paddock inside podman: test_fallback_podman.sh; the system policy:
# test_fallback_policy.sh.  paddock's own commands: with another RUNTIME
# every case passes vacuously.
source "$(dirname "$0")/fallback-lib.sh"

# ---------------------------------------------------------------- the host

t_probe_host() {
    fb_setup
    rt_ok probe --json --refresh
    assert_eq "$(jqo '[.cached, (.checks | length), .checks["user-namespace"].state] | @tsv')" \
        "false	21	ok" "probe on the host"
    assert_eq "$(jqo '.container.evidence | type')" array "evidence"
    local n
    n=$(jqo '[.checks[] | select(.state == "not-run")] | length')
    assert_eq "$n" 0 "checks the probe did not get to"
    rt_ok probe --json
    assert_eq "$(jqo .cached)" true "a second probe: from the cache"
    rt_ok probe
    assert_contains "$OUT" "user-namespace      ok"
    rt_ok features
    assert_eq "$(jqo '.annotations["dev.paddock.probe.sandbox-mode"]')" full "features"
    rtc sandbox -- sh -c 'echo "$PADDOCK_MODE"'
    assert_ok
    assert_eq "$OUT" full "PADDOCK_MODE in full mode"
    rtc probe --bogus
    assert_rc 2
}

# ---------------------------------------------------------------- Docker-like seccomp

t_seccomp_probe() {
    fb_setup
    dsc probe --json
    assert_ok
    assert_eq "$(check_probe user-namespace)" "failed EPERM" "user-namespace"
    assert_contains "$(jqo '.checks["user-namespace"].cause')" "a seccomp filter on this process"
    assert_contains "$(jqo '.checks["user-namespace"].fixes | join(" | ")')" "--security-opt seccomp="
    assert_eq "$(jqo '[.process.seccomp, .process.unshare_filtered] | @tsv')" "2	1" "seccomp facts"
    assert_eq "$(check_probe seccomp-filter)" "ok null" "a filter can still be installed"
    assert_eq "$(check_probe mount-proc)" "skipped null" "mounts need the user namespace"
    dsc features
    assert_eq "$(jqo '.annotations["dev.paddock.probe.sandbox-mode"]')" container-boundary "features"
}

t_seccomp_refuse() {
    fb_setup
    dsc sandbox -- true
    assert_refused "sandbox under a Docker-like filter" \
        "user-namespace: unshare(CLONE_NEWUSER): Operation not permitted (EPERM)" \
        "fix: run the outer container with a seccomp profile that allows unshare(2)"
    dsc status --json
    assert_ok
    assert_eq "$(jqo '[.environment.mode, .fallback.starts] | @tsv')" "container-boundary	false" \
        "status with fallback refuse"
    assert_contains "$(jqo '.fallback.refused | join(" | ")')" "the fallback is refuse"
}

t_seccomp_auto() {
    fb_setup
    local st=$T/status.$BASHPID
    dsc sandbox --fallback auto --audit-log "$T/audit.log" --json-status-fd 3 \
        -- sh -c "$STATUS_CMD" 3>"$st"
    assert_boundary_ran "sandbox --fallback auto under a Docker-like filter"
    assert_eq "$(head -1 "$st" | jq -r '[.event, .environment] | @tsv')" \
        "start	container-boundary" "--json-status-fd's start line"
    local a
    a=$(cat "$T/audit.log")
    assert_contains "$a" '"environment":"container-boundary"' "sandbox.start"
    assert_contains "$a" '"event":"fallback"' "fallback events"
    assert_contains "$a" '"layer":"mode","reason":"container-boundary: user-namespace' "mode event"
    assert_contains "$a" '"layer":"protected-paths"' "lost layer event"
    # writes: the workspace and its TMPDIR, nothing else; TMPDIR goes away
    dsc sandbox --fallback auto -- sh -c 'echo x >in-ws && echo x >"$TMPDIR/t" && echo "$TMPDIR";
        if echo x >/var/tmp/paddock-fb-escape 2>/dev/null; then echo ESCAPED; fi'
    assert_ok
    [ -f "$WS/in-ws" ] || fail "no write in the workspace"
    assert_not_contains "$OUT" ESCAPED "a write outside the writable roots"
    [ ! -e /var/tmp/paddock-fb-escape ] || { rm -f /var/tmp/paddock-fb-escape; fail "escaped"; }
    [ -n "$OUT" ] && [ ! -e "$OUT" ] || fail "the private TMPDIR $OUT is left behind"
    # read-only: not even the workspace
    dsc sandbox --fallback auto --sandbox read-only -- sh -c 'echo x >ro 2>/dev/null || echo denied'
    assert_ok
    assert_eq "$OUT" denied "a write in read-only mode"
}

# --memory in container-boundary mode (no cgroup there): RLIMIT_AS, set
# last in the child (after its filters), limits the program.
t_boundary_memory() {
    fb_setup
    dsc sandbox --fallback auto --memory 64m -- sh -c \
        'awk '\''/^Max address space/ { print $(NF-2), $(NF-1) }'\'' /proc/self/limits
         head -c 300M /dev/zero | tail >/dev/null; echo status=$?; echo "$PADDOCK_MODE"'
    assert_ok
    assert_eq "$OUT" "67108864 67108864
status=1
container-boundary" "RLIMIT_AS, tail past it, the mode"
    assert_contains "$ERR" "--memory enforced with RLIMIT_AS" "warning"
    assert_contains "$ERR" "memory exhausted" "tail's error"
}

# network none without a network namespace: landlock denies TCP, seccomp
# every other IP socket; network host is the host's.
t_seccomp_network() {
    fb_setup
    python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/port" &
    track_pid $!
    wait_file "$T/port" || fail "no listener"
    local port
    port=$(cat "$T/port")
    local py='import socket,sys
def t(f):
    try: f(); return "ok"
    except OSError as e: return e.strerror
print("tcp", t(lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)))
print("udp", t(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)))'
    dsc sandbox --fallback auto -- /usr/bin/python3 -c "$py" "$port"
    assert_ok
    assert_eq "$OUT" "tcp Permission denied
udp Permission denied" "network none in container-boundary mode"
    dsc sandbox --fallback auto --network host -- /usr/bin/python3 -c "$py" "$port"
    assert_ok
    assert_eq "$OUT" "tcp ok
udp ok" "network host in container-boundary mode"
}

t_seccomp_check() {
    fb_setup
    status_and_check 1 "$DS" --fallback auto
    assert_boundary_check
    # and with the fallback refuse, check fails like the sandbox
    dsc check --json
    assert_rc 1
}

# What the command leaves behind is killed when it ends; --timeout works.
t_boundary_cleanup() {
    fb_setup
    dsc sandbox --fallback auto -- sh -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!'
    assert_ok
    local pid=$OUT
    [[ $pid =~ ^[0-9]+$ ]] || fail "no pid: $OUT"
    track_pid "$pid"
    ! _pid_alive "$pid" || fail "the process the command left behind ($pid) is alive"
    dsc sandbox --fallback auto --timeout 1 -- sleep 300
    assert_rc 137
    assert_err_contains "timeout after 1 s"
}

# boundary_bg CMD...: `sandbox --fallback auto -- CMD` under the Docker-like
# filter, in the background (BG: its paddock's pid), until its state says
# running; ID, CPID (the command's pid, from `state`).
boundary_bg() {
    printf '+ (%s) %s --root %s sandbox --fallback auto -- %s &\n' "$DS" "$RUNTIME_NAME" \
        "$STATE_ROOT" "$*" >>"$CASE_TRACE"
    "$DS" "$RUNTIME" --root "$STATE_ROOT" sandbox --fallback auto -- "$@" \
        >"$T/bg.$BASHPID.out" 2>"$T/bg.$BASHPID.err" &
    BG=$!
    track_pid "$BG"
    local i
    ID=
    for ((i = 0; i < 100; i++)); do
        ID=$(cd "$STATE_ROOT" 2>/dev/null && ls -d "sandbox-$BG-"* 2>/dev/null)
        [ -n "$ID" ] && [ -s "$STATE_ROOT/$ID/state.json" ] && break
        _pid_alive "$BG" || fail "the sandbox ended: $(oneline "$(cat "$T/bg.$BASHPID.err")")"
        sleep 0.1
    done
    [ -s "$STATE_ROOT/$ID/state.json" ] || fail "no state for the sandbox of paddock $BG"
    echo "$ID" >>"$T/ids"
    CPID=$(state_pid "$ID")
}

# A container-boundary run is recorded like any sandbox: list, state,
# status ID (mode and lost layers), delete --force (its processes too).
t_boundary_state() {
    fb_setup
    boundary_bg sh -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! >kid.pid; exec sleep 300'
    wait_file "$WS/kid.pid" || fail "no kid.pid"
    local kid
    kid=$(cat "$WS/kid.pid")
    track_pid "$kid"
    assert_eq "$(tr '\0' ' ' <"/proc/$CPID/cmdline")" "sleep 300 " "state's pid is the command"
    assert_eq "$(awk '{ print $4 }' "/proc/$CPID/stat")" "$BG" "the command's parent is paddock"
    rt_ok list
    assert_match "$OUT" "$ID +$CPID +running " "list"
    rt_ok list --format json
    assert_eq "$(jqo --arg id "$ID" '.[] | select(.id == $id) | "\(.status) \(.pid)"')" \
        "running $CPID" "list --format json"
    assert_eq "$(state_status "$ID")" running "state"
    assert_eq "$(state_field "$ID" 'annotations["dev.paddock.environment"]')" \
        container-boundary "state: the mode"
    rt_ok status "$ID" --json
    assert_eq "$(jqo '[.source, .status, .pid, .environment.mode, .fallback.mode,
        .layers["pid-ns"].state, .layers["protected-paths"].state, .layers["landlock-fs"].state,
        .layers.seccomp.state] | @tsv')" \
        "container	running	$CPID	container-boundary	auto	absent	absent	active	active" \
        "status ID --json"
    assert_eq "$(jqo '.fallback.lost | join(" ")')" \
        "user-ns mount-ns pid-ns ipc-ns uts-ns network-ns read-only-root unix-sockets protected-paths proc-masking" \
        "status ID: the lost layers"
    assert_contains "$(jqo .environment.reason)" "user-namespace: unshare(CLONE_NEWUSER)" \
        "status ID: why"
    rt_ok status "$ID"
    assert_contains "$OUT" "environment      container-boundary" "status ID"
    rt_ok delete --force "$ID"
    local rc
    wait "$BG"
    rc=$?
    assert_eq "$rc" 137 "the sandbox's exit status after delete --force"
    ! _pid_alive "$CPID" || fail "the command $CPID outlived delete --force"
    ! _pid_alive "$kid" || fail "the process it started ($kid) outlived delete --force"
    [ ! -e "$STATE_ROOT/$ID" ] || fail "the state dir is left: $(ls "$STATE_ROOT/$ID")"
    [ ! -e "/run/paddock-sandbox/$ID" ] || fail "its TMPDIR is left"
    rtc state "$ID"
    assert_rc 1 "state after delete"
    # a run that ends by itself removes its state
    dsc sandbox --fallback auto -- sh -c 'ls "$1"' sh "$STATE_ROOT"
    assert_ok
    local own
    own=$(printf '%s\n' "$OUT" | grep '^sandbox-' | head -1)
    [ -n "$own" ] || fail "no state of its own while it ran: $(oneline "$OUT")"
    [ ! -e "$STATE_ROOT/$own" ] || fail "the state of $own is left after the run"
    no_leaks "$ID"
}

# paddock SIGKILLed: the command dies with it (parent-death signal); its
# state, and what it started in its session, go at the next sandbox run;
# a process that made a session of its own is not found (boundary.h).
t_boundary_sigkill() {
    fb_setup
    boundary_bg sh -c 'sleep 300 & echo $! >bg.pid; setsid sleep 300 </dev/null >/dev/null 2>&1 &
        echo $! >setsid.pid; exec sleep 300'
    wait_file "$WS/setsid.pid" || fail "no setsid.pid"
    local bg own i
    bg=$(cat "$WS/bg.pid") own=$(cat "$WS/setsid.pid")
    track_pid "$bg"
    track_pid "$own"
    kill -9 "$BG"
    wait "$BG" 2>/dev/null
    for ((i = 0; i < 20; i++)); do _pid_alive "$CPID" || break; sleep 0.1; done
    ! _pid_alive "$CPID" || fail "the command $CPID outlived its paddock"
    _pid_alive "$bg" || fail "expected $bg (in the command's session) to outlive a SIGKILLed paddock"
    [ -e "$STATE_ROOT/$ID/state.json" ] || fail "the state went with paddock?"
    assert_eq "$(state_status "$ID")" stopped "state after kill -9"
    dsc sandbox --fallback auto -- true
    assert_ok "the next sandbox run"
    [ ! -e "$STATE_ROOT/$ID" ] || fail "the next sandbox run did not sweep $STATE_ROOT/$ID"
    [ ! -e "/run/paddock-sandbox/$ID" ] || fail "its TMPDIR is left"
    for ((i = 0; i < 20; i++)); do _pid_alive "$bg" || break; sleep 0.1; done
    ! _pid_alive "$bg" || fail "the process left in the command's session ($bg) survived the sweep"
    # the limit: setsid left the session, and reparenting left the tree
    _pid_alive "$own" || fail "expected the setsid process to survive (if found now: update boundary.h)"
    kill -9 "$own"
    no_leaks "$ID"
}

# as_test_user: UR, the helper and a state root the test user can use.
as_test_user() {
    rootless_setup
    mkdir -p "$T/bin" "$T/ustate.$BASHPID"
    chmod 0755 "$T/bin"
    chown "$TEST_USER:" "$T/ustate.$BASHPID"
    FB_ROOT=$T/ustate.$BASHPID
    install -m 0755 "$DS" "$T/bin/docker-seccomp"
}

t_seccomp_user() {
    fb_setup
    as_test_user
    local ds=$T/bin/docker-seccomp home
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    local as=(setpriv "--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups env
        "XDG_RUNTIME_DIR=$TEST_USER_RUN_DIR" "HOME=$home" "$ds")
    local saved=$RUNTIME
    RUNTIME=$UR FB_UID=$USER_UID
    wrc ${#as[@]} "${as[@]}" sandbox -- true
    assert_refused "as $TEST_USER"
    wrc ${#as[@]} "${as[@]}" sandbox --fallback auto -- sh -c "$STATUS_CMD"
    assert_boundary_ran "as $TEST_USER"
    status_and_check ${#as[@]} "${as[@]}" --fallback auto
    assert_boundary_check
    assert_contains "$(printf '%s' "$ST" | jq -r '.layers.capabilities.reason')" \
        "the bounding set stays" "status on the bounding set"
    RUNTIME=$saved FB_UID=0
}

# ---------------------------------------------------------------- capabilities

t_caps_dropped() {
    fb_setup
    local drop=(setpriv --bounding-set -sys_admin,-setuid,-setgid,-setfcap,-net_admin
        --inh-caps=-all --no-new-privs)
    wrc ${#drop[@]} "${drop[@]}" probe --json
    assert_ok
    assert_eq "$(check_probe user-namespace)" "ok null" "a user namespace needs no capability"
    assert_eq "$(check_probe id-ranges)" "failed EPERM" "id-ranges"
    assert_contains "$(jqo '.checks["uid-map"].cause')" "CAP_SETFCAP" "uid-map cause"
    wrc ${#drop[@]} "${drop[@]}" sandbox -- true
    assert_refused "without CAP_SETFCAP and friends" "-map: write" "--cap-add SETFCAP"
    wrc ${#drop[@]} "${drop[@]}" sandbox --fallback auto -- sh -c "$STATUS_CMD"
    assert_boundary_ran "without CAP_SETFCAP and friends"
    status_and_check ${#drop[@]} "${drop[@]}" --fallback auto
    assert_boundary_check
    # CAP_SYS_ADMIN alone is no loss: the user namespace gives it back inside
    local admin=(setpriv --bounding-set -sys_admin --inh-caps=-all --no-new-privs)
    wrc ${#admin[@]} "${admin[@]}" sandbox -- sh -c 'echo "$PADDOCK_MODE"'
    assert_ok
    assert_eq "$OUT" full "without CAP_SYS_ADMIN only"
    status_and_check ${#admin[@]} "${admin[@]}"
    assert_eq "$(printf '%s' "$CK" | jq -r '[.environment, .lost] | @tsv')" "full	0" "full mode check"
}

# ---------------------------------------------------------------- user.max_user_namespaces=0

t_max_userns_zero() {
    fb_setup
    local zero=(unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' sh)
    wrc ${#zero[@]} "${zero[@]}" probe --json
    assert_ok
    assert_eq "$(check_probe user-namespace)" "failed ENOSPC" "user-namespace"
    assert_eq "$(jqo '.checks["user-namespace"].cause')" \
        "user.max_user_namespaces is 0 in this user namespace" "cause"
    assert_contains "$(jqo '.checks["user-namespace"].fixes[0]')" "sysctl -w user.max_user_namespaces="
    wrc ${#zero[@]} "${zero[@]}" sandbox --audit-log "$T/a.log" -- true
    assert_refused "user.max_user_namespaces=0" "No space left on device (ENOSPC)"
    wrc ${#zero[@]} "${zero[@]}" sandbox --fallback auto --audit-log "$T/a.log" -- sh -c "$STATUS_CMD"
    assert_boundary_ran "user.max_user_namespaces=0"
    status_and_check ${#zero[@]} "${zero[@]}" --fallback auto --audit-log "$T/a.log"
    assert_boundary_check
}

# ---------------------------------------------------------------- newuidmap on a nosuid mount

t_newuidmap_nosuid() {
    fb_setup
    as_test_user
    grep -q "^$TEST_USER:" /etc/subuid || fail "$TEST_USER has no /etc/subuid range (tests/setup/test-user)"
    local home
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    local user=(setpriv "--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups env
        "XDG_RUNTIME_DIR=$TEST_USER_RUN_DIR" "HOME=$home")
    local saved=$RUNTIME
    RUNTIME=$UR
    # control: with --map-subids the ranges are mapped
    wrc ${#user[@]} "${user[@]}" sandbox --map-subids -- cat /proc/self/uid_map
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "uid_map lines with newuidmap"
    local nosuid=(unshare -m --propagation private sh -c 'for h in newuidmap newgidmap; do
        mount --bind /usr/bin/$h /usr/bin/$h && mount -o remount,bind,nosuid /usr/bin/$h || exit 99
        done; exec "$@"' sh "${user[@]}")
    wrc ${#nosuid[@]} "${nosuid[@]}" probe --json
    assert_ok
    assert_eq "$(check_probe newuidmap)" "failed EPERM" newuidmap
    assert_contains "$(jqo '.checks.newuidmap.cause')" "on a nosuid mount"
    assert_eq "$(check_probe user-namespace)" "ok null" "user-namespace"
    wrc ${#nosuid[@]} "${nosuid[@]}" sandbox --map-subids -- sh -c 'echo "$PADDOCK_MODE"; cat /proc/self/uid_map'
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | head -1)" full "still full mode"
    assert_eq "$(printf '%s\n' "$OUT" | grep -c .)" 2 "only the own uid mapped"
    assert_contains "$ERR" "degraded user-ns: id ranges can't be mapped" "the degradation, said"
    wrc ${#nosuid[@]} "${nosuid[@]}" status --json --map-subids
    assert_ok
    assert_contains "$(jqo '.environment.degraded | join(" | ")')" "user-ns: id ranges can't be mapped"
    assert_eq "$(jqo '[(.uid_map | length), .environment.mode] | @tsv')" "1	full" "status"
    # without --map-subids the own ids are all there is to map: nothing lost
    wrc ${#nosuid[@]} "${nosuid[@]}" sandbox -- cat /proc/self/uid_map
    assert_ok
    assert_eq "$(printf '%s\n' "$OUT" | grep -c .)" 1 "the own uid mapped (no --map-subids)"
    assert_not_contains "$ERR" "degraded" "no degradation without --map-subids"
    RUNTIME=$saved
}

run_case probe_host t_probe_host
run_case seccomp_probe t_seccomp_probe
run_case seccomp_refuse t_seccomp_refuse
run_case seccomp_auto t_seccomp_auto
run_case seccomp_network t_seccomp_network
run_case seccomp_check t_seccomp_check
run_case boundary_cleanup t_boundary_cleanup
run_case boundary_state t_boundary_state
run_case boundary_sigkill t_boundary_sigkill
run_case boundary_memory t_boundary_memory
run_case seccomp_user t_seccomp_user
run_case caps_dropped t_caps_dropped
run_case max_userns_zero t_max_userns_zero
run_case newuidmap_nosuid t_newuidmap_nosuid
finish
