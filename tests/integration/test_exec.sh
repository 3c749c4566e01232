#!/usr/bin/env bash
# `exec`: a new process in a running (or created) container joins every
# namespace of the init, gets the config's process settings (caps, seccomp,
# no_new_privs) changed by the flags (--env, --cwd, --user, --cap, --tty,
# --no-new-privs) or replaced by --process FILE; exit codes (128+N on
# signal N, 127 for a missing binary), signal forwarding, --detach with
# --pid-file, --console-socket, --preserve-fds; refusals (stopped, unknown);
# rootless.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   missing_binary  runc exits 255 ("exec failed: ... executable file not found
#                   in $PATH"); paddock exits 127, as `run` does.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
RECVTTY=$T/recvtty

setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" sleep 100
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}

# start_container: `run --detach` $B (sleep 100); sets CID and CPID (the
# init's host pid).
start_container() {
    CID=$(new_id)
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    assert_eq "$(state_status "$CID")" running "status of the container"
}

t_namespaces() {
    setup_bundle
    start_container
    rtc exec "$CID" sh -c 'for n in cgroup ipc mnt net pid user uts time; do
        [ -e /proc/self/ns/$n ] && echo "$n $(readlink /proc/1/ns/$n) $(readlink /proc/self/ns/$n)"; done; echo "pid $$"'
    assert_ok "exec into a running container"
    local n init self checked=0
    while read -r n init self; do
        [ "$n" = pid ] && [ -z "$self" ] && continue
        assert_eq "$self" "$init" "$n namespace of the exec'd process vs the init's"
        checked=$((checked + 1))
    done < <(printf '%s\n' "$OUT" | grep -v '^pid [0-9]')
    [ "$checked" -ge 6 ] || fail "only $checked namespaces compared: $(oneline "$OUT")"
    # They are the container's, not the host's.
    assert_ne "$(printf '%s\n' "$OUT" | awk '$1 == "net" { print $3 }')" "$(readlink /proc/self/ns/net)" "network namespace (vs the host's)"
    assert_ne "$(printf '%s\n' "$OUT" | awk '$1 == "mnt" { print $3 }')" "$(readlink /proc/self/ns/mnt)" "mount namespace (vs the host's)"
    local pid
    pid=$(printf '%s\n' "$OUT" | awk '$1 == "pid" && $2 ~ /^[0-9]+$/ { print $2 }')
    assert_match "$pid" '^[0-9]+$' "pid of the exec'd process"
    assert_ne "$pid" 1 "pid of the exec'd process in the container's pid namespace"
    # It sees the container's root, not the host's.
    rtc exec "$CID" sh -c 'test -x /bin/busybox && test ! -e /work && echo container-root'
    assert_ok "exec test of the root"
    assert_eq "$OUT" container-root "root of the exec'd process"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_namespaces_by_path() {
    # A container that joins namespaces by path -- the host's network
    # namespace, and a second container's IPC and UTS ones -- and has no
    # PID namespace of its own: exec joins those that differ from the
    # runtime's (the other container's), not the ones it shares (the host's
    # network and PID namespaces), and still every new one the config made.
    setup_bundle
    start_container
    local other=$CID other_pid=$CPID
    cfg_set "$B" '.linux.namespaces |= (map(select(.type != "pid"))
        | map(if .type == "network" then .path = $h
              elif .type == "ipc" or .type == "uts" then .path = "/proc/\($p)/ns/\(.type)"
              else . end))' --arg p "$other_pid" --arg h "/proc/$BASHPID/ns/net"
    start_container
    rtc exec "$CID" sh -c 'for n in net ipc uts mnt pid; do echo "$n $(readlink /proc/self/ns/$n)"; done'
    assert_ok "exec into a container with namespaces joined by path"
    local n
    for n in net pid; do
        assert_eq "$(printf '%s\n' "$OUT" | awk -v n=$n '$1 == n { print $2 }')" "$(readlink /proc/self/ns/$n)" "$n namespace of the exec'd process (the host's)"
    done
    for n in ipc uts; do
        assert_eq "$(printf '%s\n' "$OUT" | awk -v n=$n '$1 == n { print $2 }')" "$(readlink "/proc/$other_pid/ns/$n")" "$n namespace of the exec'd process (the other container's)"
    done
    assert_eq "$(printf '%s\n' "$OUT" | awk '$1 == "mnt" { print $2 }')" "$(readlink "/proc/$CPID/ns/mnt")" "mount namespace of the exec'd process (its own new one)"
    stop_container "$CID"
    stop_container "$other"
    no_leaks "$CID" "$other" "$B"
}

t_userns_root() {
    # As root into a container with its own user namespace: the process
    # joins it with the others in one setns() (before, one at a time),
    # becomes its root (uid 0 inside, 300000 outside), and runs under the
    # container's id maps.
    setup_bundle
    cfg_set "$B" '.linux.namespaces += [{"type":"user"}]
        | .linux.uidMappings = [{"containerID":0,"hostID":300000,"size":65536}]
        | .linux.gidMappings = [{"containerID":0,"hostID":300000,"size":65536}]'
    start_container
    rtc exec "$CID" sh -c 'id -u; id -g; cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt'
    assert_ok "exec into a container with a user namespace, as root"
    local lines
    mapfile -t lines <<<"$OUT"
    assert_eq "${lines[0]}" 0 "uid inside"
    assert_eq "${lines[1]}" 0 "gid inside"
    assert_match "${lines[2]}" '^ +0 +300000 +65536$' "uid_map of the exec'd process"
    assert_eq "${lines[3]}" "$(readlink "/proc/$CPID/ns/user")" "user namespace of the exec'd process vs the init's"
    assert_eq "${lines[4]}" "$(readlink "/proc/$CPID/ns/mnt")" "mount namespace of the exec'd process vs the init's"
    local pid
    rtc exec --detach --pid-file "$T/userns.pid" "$CID" sleep 30
    assert_ok "exec --detach into it"
    pid=$(cat "$T/userns.pid")
    assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 300000 "the process's uid on the host"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_exit_codes() {
    setup_bundle
    start_container
    rtc exec "$CID" sh -c 'exit 5'
    assert_rc 5 "exec sh -c 'exit 5'"
    rtc exec "$CID" true
    assert_ok "exec true"
    rtc exec "$CID" sh -c 'kill -TERM $$'
    assert_rc 143 "exec of a process killed by SIGTERM"
    rtc exec "$CID" sh -c 'kill -KILL $$'
    assert_rc 137 "exec of a process killed by SIGKILL"
    # The container keeps running.
    assert_eq "$(state_status "$CID")" running "status after the execs"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_signal_forwarded() {
    setup_bundle
    start_container
    # SIGTERM to the runtime reaches the exec'd process (not the init).
    timeout -k 5 "$RT_TIMEOUT" "$RUNTIME" --root "$STATE_ROOT" exec "$CID" sh -c 'echo up; exec sleep 60' >"$T/fwd.out" 2>"$T/fwd.err" &
    local rpid=$! i
    for i in $(seq 100); do
        [ -s "$T/fwd.out" ] && break
        sleep 0.05
    done
    [ -s "$T/fwd.out" ] || fail "the exec'd process did not start: $(oneline "$(cat "$T/fwd.err")")"
    sleep 0.2 # let sh exec sleep
    local rt_pid
    rt_pid=$(pgrep -P "$rpid" | head -n1)
    [ -n "$rt_pid" ] || fail "no runtime process under timeout $rpid"
    kill -TERM "$rt_pid"
    wait "$rpid"
    local rc=$?
    assert_eq "$rc" 143 "exit status of exec after SIGTERM to the runtime"
    assert_eq "$(state_status "$CID")" running "status of the container (its init got no signal)"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_env_cwd_user() {
    setup_bundle
    start_container
    rtc exec --env FOO=bar --env TERM=dumb --cwd /tmp "$CID" sh -c 'echo "$FOO $TERM"; pwd; echo "$PATH"'
    assert_ok "exec with --env and --cwd"
    assert_eq "$OUT" "bar dumb
/tmp
$(cfg_get "$B" '.process.env[] | select(startswith("PATH=")) | ltrimstr("PATH=")')" "env and cwd"
    rtc exec --user 1000:1000 "$CID" sh -c 'id; grep -E "^(Uid|Gid):" /proc/self/status'
    assert_ok "exec --user 1000:1000"
    assert_contains "$OUT" "uid=1000(test) gid=1000(test)" "id"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Uid:')" '^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' "Uid"
    rtc exec --user 1000 --additional-gids 5 --additional-gids 44 "$CID" grep -E '^(Gid|Groups):' /proc/self/status
    assert_ok "exec --user 1000 --additional-gids"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Gid:')" '^Gid:[[:space:]]+0[[:space:]]+0' "gid kept from the config with --user UID"
    assert_eq "$(printf '%s\n' "$OUT" | grep '^Groups:' | cut -d: -f2 | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' ')" "5 44 " "supplementary groups"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_tty_console_socket() {
    need_cmd cc build-essential
    if [ ! -x "$RECVTTY" ]; then
        cc -O2 -Wall -Wextra -Werror -o "$RECVTTY" "$HELPERS/recvtty.c" 2>"$T/cc.err" ||
            fail "cannot compile helpers/recvtty.c: $(oneline "$(cat "$T/cc.err")")"
    fi
    setup_bundle
    start_container
    rm -f "$T/tty.sock"
    "$RECVTTY" -t 20 "$T/tty.sock" >"$T/tty.out" 2>"$T/tty.err" &
    local recv=$! i
    track_pid "$recv"
    for i in $(seq 50); do
        [ -S "$T/tty.sock" ] && break
        sleep 0.1
    done
    [ -S "$T/tty.sock" ] || fail "recvtty did not create its socket: $(oneline "$(cat "$T/tty.err")")"
    rt_ok exec --detach --tty --console-socket "$T/tty.sock" "$CID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; echo through-pty'
    wait "$recv" || fail "recvtty failed: $(oneline "$(cat "$T/tty.err")")"
    local out
    out=$(tr -d '\r' <"$T/tty.out")
    assert_match "$(printf '%s\n' "$out" | head -n1)" '^/dev/pts/[0-9]+$' "tty of the exec'd process"
    assert_contains "$out" stdio-is-tty "stdin and stdout of the exec'd process"
    grep -q $'through-pty\r' "$T/tty.out" || fail "output has no CR-LF: it did not go through a pty"
    # Without --tty: no terminal, even though the socket exists.
    rtc exec "$CID" sh -c '[ -t 1 ] && echo has-tty; true'
    assert_ok "exec without --tty"
    assert_not_contains "$OUT" has-tty "stdout of exec without --tty"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_detach_pid_file() {
    setup_bundle
    start_container
    rt_ok exec --detach --pid-file "$T/exec.pid" "$CID" sleep 77
    [ -s "$T/exec.pid" ] || fail "exec --detach wrote no pid file"
    local pid
    pid=$(cat "$T/exec.pid")
    assert_match "$pid" '^[1-9][0-9]*$' "content of the pid file"
    track_pid "$pid"
    assert_ne "$pid" "$CPID" "pid of the exec'd process vs the init's"
    _pid_alive "$pid" || fail "the exec'd process $pid is not alive after exec --detach"
    assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 77 " "cmdline of the exec'd process"
    assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$CPID/ns/pid")" "pid namespace of the detached process"
    assert_eq "$(readlink "/proc/$pid/ns/mnt")" "$(readlink "/proc/$CPID/ns/mnt")" "mount namespace of the detached process"
    # Its pid inside the container is not 1.
    local nspid
    nspid=$(awk '$1 == "NSpid:" { print $NF }' "/proc/$pid/status")
    assert_match "$nspid" '^[0-9]+$' "NSpid of the detached process"
    assert_ne "$nspid" 1 "pid of the detached process in the container"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_process_file() {
    setup_bundle
    start_container
    local f=$T/process.json
    jq '.args = ["sh", "-c", "echo from-process-json; echo \"$container\"; grep -E \"^Cap(Eff|Bnd):\" /proc/self/status; ulimit -n"]' \
        "$REPO/tests/fixtures/engine-configs/podman-exec.process.json" >"$f" || fail "cannot write $f"
    rtc exec --process "$f" "$CID"
    assert_ok "exec --process"
    assert_eq "$(printf '%s\n' "$OUT" | head -n2)" "from-process-json
podman" "args and env from the process JSON"
    # The fixture's 11 capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL
    # NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT.
    assert_eq "$(capline CapEff)" 00000000800405fb "CapEff from the process JSON"
    assert_eq "$(capline CapBnd)" 00000000800405fb "CapBnd from the process JSON"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n1)" 20000 "RLIMIT_NOFILE from the process JSON"
    # A missing --process file is an error naming it.
    rtc exec --process "$T/pdt-missing.json" "$CID"
    assert_failed "exec --process with a missing file"
    assert_contains "$ERR" pdt-missing.json "error for a missing --process file"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_caps() {
    # As uid 1000 the kernel keeps exactly the configured sets (through ambient).
    setup_bundle
    cfg_set "$B" '.process.user = {"uid":1000,"gid":1000}
        | .process.capabilities = {"bounding":["CAP_CHOWN","CAP_KILL","CAP_SETUID","CAP_NET_BIND_SERVICE","CAP_NET_RAW"],
            "effective":$r,"permitted":$r,"inheritable":$r,"ambient":$r}' \
        --argjson r '["CAP_CHOWN","CAP_KILL","CAP_NET_BIND_SERVICE"]'
    start_container
    rtc exec "$CID" grep -E '^Cap(Eff|Prm|Bnd|Amb):' /proc/self/status
    assert_ok "exec with the config's capabilities"
    assert_eq "$(capline CapBnd)" 00000000000024a1 "CapBnd (config: CHOWN KILL SETUID NET_BIND_SERVICE NET_RAW)"
    assert_eq "$(capline CapEff)" 0000000000000421 "CapEff (config: CHOWN KILL NET_BIND_SERVICE)"
    assert_eq "$(capline CapPrm)" 0000000000000421 "CapPrm (config: CHOWN KILL NET_BIND_SERVICE)"
    assert_eq "$(capline CapAmb)" 0000000000000421 "CapAmb (config: CHOWN KILL NET_BIND_SERVICE)"
    rtc exec --user 0:0 --cap CAP_SYS_PTRACE "$CID" grep -E '^Cap(Eff|Bnd):' /proc/self/status
    assert_ok "exec --user 0:0 --cap CAP_SYS_PTRACE"
    assert_eq "$(capline CapBnd)" 00000000000824a1 "CapBnd with --cap CAP_SYS_PTRACE"
    # (noNewPrivileges, as in the default spec: root gains nothing at execve,
    # so CapEff is the configured effective set plus the added capability.)
    assert_eq "$(capline CapEff)" 0000000000080421 "CapEff of root with --cap CAP_SYS_PTRACE"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

SECCOMP_MKDIR='{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
  "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'

t_seccomp() {
    setup_bundle
    cfg_set "$B" '.linux.seccomp = $s' --argjson s "$SECCOMP_MKDIR"
    start_container
    # create kept the init's compiled filter in the state directory (runc
    # and crun compile it again; paddock loads the same one, the profile
    # left out of the parse); without it, or with a bad one, exec compiles
    # the profile from config.json: the same filter each time.
    local f=$STATE_ROOT/$CID/seccomp.bpf how hows=kept
    if is_paddock; then
        hows="kept removed corrupt"
        [ -f "$f" ] || fail "no $f after create"
        need_cmd strace
        # the kept filter is what exec loads: it opens it, not the cache
        # (LeakSanitizer can't run under ptrace: make stress's ASan runtime)
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout -k 5 "$RT_TIMEOUT" \
            strace -f -qq -e trace=open,openat,mkdir -o "$T/exec.strace" \
            "$RUNTIME" --root "$STATE_ROOT" exec "$CID" true || fail "traced exec failed"
        grep -q 'openat([0-9]*, "seccomp.bpf"' "$T/exec.strace" || fail "exec did not open the kept filter: $(grep -c . "$T/exec.strace") opens"
        ! grep -q 'paddock/seccomp' "$T/exec.strace" || fail "exec looked in the seccomp cache although create kept the filter"
    fi
    for how in $hows; do
        case $how in
        removed) rm -f "$f" ;;
        corrupt) head -c 100 /dev/urandom >"$f"; chmod 600 "$f" ;;
        esac
        rtc exec "$CID" sh -c 'mkdir /tmp/x && echo mkdir-ok; touch /tmp/y && echo touch-ok; grep "^Seccomp:" /proc/self/status'
        assert_ok "exec into a container with a seccomp profile (filter file $how)"
        assert_not_contains "$OUT" mkdir-ok "mkdir in the exec'd process under a filter denying it ($how)"
        assert_contains "$ERR" "Operation not permitted" "mkdir error of the exec'd process ($how)"
        assert_contains "$OUT" touch-ok "a syscall the filter allows ($how)"
        assert_match "$(printf '%s\n' "$OUT" | grep '^Seccomp:')" '^Seccomp:[[:space:]]+2$' "seccomp mode of the exec'd process ($how)"
        [ ! -e "$B/rootfs/tmp/x" ] || fail "mkdir succeeded despite the container's filter ($how)"
    done
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_no_new_privs() {
    setup_bundle
    cfg_set "$B" '.process.noNewPrivileges = false'
    start_container
    rtc exec "$CID" grep NoNewPrivs /proc/self/status
    assert_ok "exec (noNewPrivileges false in the config)"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+0$' "NoNewPrivs from the config"
    rtc exec --no-new-privs "$CID" grep NoNewPrivs /proc/self/status
    assert_ok "exec --no-new-privs"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+1$' "NoNewPrivs with --no-new-privs"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_preserve_fds() {
    setup_bundle
    start_container
    echo fd3-data >"$T/fd3"
    exec 3<"$T/fd3" 4</etc/passwd
    rtc exec --preserve-fds 1 "$CID" sh -c 'cat <&3; ls /proc/self/fd'
    exec 3<&- 4<&-
    assert_ok "exec --preserve-fds 1"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" fd3-data "fd 3 content"
    # ls's own fds: 0-2, 3, and the directory it reads.
    local fds
    fds=$(printf '%s\n' "$OUT" | tail -n +2 | sort -n | tr '\n' ' ')
    assert_match "$fds" '^0 1 2 3 ([0-9]+ )?$' "fds of the exec'd process"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_missing_binary() {
    setup_bundle
    start_container
    rtc exec "$CID" pdt-no-such-binary
    assert_rc 127 "exec of a missing binary"
    assert_err_contains 'executable file not found in $PATH'
    assert_contains "$ERR" pdt-no-such-binary "error for a missing binary"
    assert_eq "$(state_status "$CID")" running "status after a failed exec"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_created_container() {
    # runc allows exec into a created container (its init waits for start).
    setup_bundle
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    state_pid "$id" >/dev/null
    rtc exec "$id" sh -c 'echo in-created; readlink /proc/self/ns/mnt'
    assert_ok "exec into a created container"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" in-created "output of exec into a created container"
    assert_eq "$(state_status "$id")" created "status after the exec"
    rt_ok delete --force "$id"
    no_leaks "$id" "$B"
}

t_refused() {
    setup_bundle
    set_args "$B" true
    local id
    id=$(new_id)
    rt_ok run --detach --bundle "$B" "$id"
    wait_status "$id" stopped
    rtc exec "$id" true
    assert_failed "exec into a stopped container"
    assert_err_contains stopped
    rt_ok delete "$id"
    rtc exec pdt-exec-no-such-container true
    assert_failed "exec into an unknown container"
    assert_err_contains "does not exist"
    no_leaks "$id" "$B"
}

# A paused container: exec is refused (the process would freeze in its
# cgroup) unless --ignore-paused; after resume it runs (the control).
t_paused() {
    setup_bundle
    start_container
    rt_ok pause "$CID"
    assert_eq "$(state_status "$CID")" paused "status after pause"
    rtc exec "$CID" true
    assert_failed "exec into a paused container"
    assert_err_contains "paused"
    rt_ok resume "$CID"
    rtc exec "$CID" sh -c 'echo resumed'
    assert_ok "exec after resume"
    assert_eq "$OUT" resumed "output of the exec after resume"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

# --- rootless (the unprivileged test user, as test_rootless.sh) ---

t_rootless() {
    rootless_setup
    local b=$T/rootless
    user_bundle "$b" sleep 100
    local id
    id=$(user_new_id rootless)
    urtc run --detach --bundle "$b" "$id"
    assert_ok "rootless run --detach"
    urtc exec "$id" sh -c 'id -u; readlink /proc/1/ns/user; readlink /proc/self/ns/user; readlink /proc/1/ns/mnt; readlink /proc/self/ns/mnt'
    assert_ok "rootless exec"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" 0 "id -u of the exec'd process in a rootless container"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 3p)" "$(printf '%s\n' "$OUT" | sed -n 2p)" "user namespace of the exec'd process vs the init's"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 5p)" "$(printf '%s\n' "$OUT" | sed -n 4p)" "mount namespace of the exec'd process vs the init's"
    assert_ne "$(printf '%s\n' "$OUT" | sed -n 3p)" "$(readlink /proc/self/ns/user)" "user namespace of the exec'd process vs the host's"
    urtc exec "$id" sh -c 'exit 3'
    assert_rc 3 "rootless exec sh -c 'exit 3'"
    urtc kill "$id" KILL
    assert_ok "rootless kill"
    local i st=
    for i in $(seq 50); do
        st=$(as_user "$UR" state "$id" 2>/dev/null | jq -r .status)
        [ "$st" = stopped ] && break
        sleep 0.1
    done
    assert_eq "$st" stopped "rootless status after kill KILL"
    urtc delete "$id"
    assert_ok "rootless delete"
    no_leaks "$id" "$b"
}

run_case namespaces t_namespaces
run_case namespaces_by_path t_namespaces_by_path
run_case userns_root t_userns_root
run_case exit_codes t_exit_codes
run_case signal_forwarded t_signal_forwarded
run_case env_cwd_user t_env_cwd_user
run_case tty_console_socket t_tty_console_socket
run_case detach_pid_file t_detach_pid_file
run_case process_file t_process_file
run_case caps t_caps
run_case seccomp t_seccomp
run_case no_new_privs t_no_new_privs
run_case preserve_fds t_preserve_fds
run_case missing_binary t_missing_binary
run_case created_container t_created_container
run_case refused t_refused
run_case paused t_paused
run_case rootless t_rootless
finish
