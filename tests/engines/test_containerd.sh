#!/usr/bin/env bash
# containerd (Debian's 1.6, runc v2 shim) runs containers with paddock:
# `ctr run --runc-binary PADDOCK --runc-root R`: exit code and stdout, --env/
# --cwd, exec --user, --read-only, a bind --mount, the default private network
# namespace, -t, -d then task exec/ps/pause/resume/kill -s/kill/rm,
# --memory-limit/--cpus in the container's cgroup, --cap-drop, --seccomp, no
# mount left after --rm, and the error text of a missing executable.
#
# A private containerd (its own config.toml, root, state and socket under $T
# and a short dir; CRI disabled) is started and stopped by this script.  The
# image is an OCI archive made with umoci from the busybox test rootfs and
# imported with `ctr images import`.
#
# Trap: `ctr run --no-pivot` and `--uidmap` send task options that drop
# --runc-binary, and the shim runs "runc" from its PATH.  containerd 1.6 has no
# setting for the runc options of non-CRI clients (the runtimes' BinaryName in
# config.toml is read by the CRI plugin only: contrib/containerd/config.toml),
# so this containerd runs with a PATH whose "runc" is paddock; the no_pivot and
# uidmap cases check that paddock got those containers.  The other cases check
# that paddock ran with the --runc-root given, i.e. that --runc-binary was used.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass.
source "$(dirname "$0")/lib.sh"

C=$T/ctd
IMG=localhost/paddock-busybox:latest
NS=paddock-test
CTR=()

case_setup() {
    setup_begin
    need_engine containerd containerd
    need_engine ctr containerd
    need_engine umoci umoci
    local S
    S=$(short_dir ctd)
    mkdir -p "$C/root" "$C/path" "$S/state" "$S/runc"
    ln -sfn "$ENGINE_RT" "$C/path/runc"
    cat >"$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$S/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.tracing",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$S/containerd.sock"
[ttrpc]
  address = "$S/containerd.sock.ttrpc"
[debug]
  address = "$S/debug.sock"
EOF
    # The OCI archive: umoci builds an image layout from the rootfs.
    local oci=$C/oci bundle=$C/umoci-bundle
    ec umoci init --layout "$oci"
    [ "$RC" = 0 ] || setup_fail "umoci init failed: $(oneline "$ERR")"
    ec_ok umoci new --image "$oci:latest"
    ec_ok umoci unpack --image "$oci:latest" "$bundle"
    rm -rf "$bundle/rootfs"
    cp -a "$ROOTFS_SRC" "$bundle/rootfs" || setup_fail "cannot copy the rootfs into $bundle"
    ec_ok umoci repack --image "$oci:latest" "$bundle"
    ec_ok umoci config --image "$oci:latest" --config.cmd sh --config.env PATH=/bin:/usr/bin
    tar -C "$oci" -cf "$C/busybox-oci.tar" . || setup_fail "cannot tar $oci"
    rm -rf "$bundle"

    start_daemon containerd "$C/containerd.log" env PATH="$C/path:$PATH" containerd --config "$C/config.toml"
    CTR=(ctr --address "$S/containerd.sock" -n "$NS")
    local i
    for i in $(seq 100); do
        [ -S "$S/containerd.sock" ] && "${CTR[@]}" version >/dev/null 2>&1 && break
        daemon_alive containerd || setup_fail "containerd exited: $(oneline "$(tail -n 5 "$C/containerd.log")")"
        sleep 0.1
    done
    "${CTR[@]}" version >/dev/null 2>&1 ||
        setup_fail "containerd did not answer on $S/containerd.sock within 10s: $(oneline "$(tail -n 5 "$C/containerd.log")")"
    declare -p CTR | sed 's/^declare -a /declare -ga /' >"$T/ctr.cmd"
    echo "$S" >"$C/short"
    cx images import --base-name localhost/paddock-busybox "$C/busybox-oci.tar"
    [ "$RC" = 0 ] || setup_fail "ctr images import failed: $(oneline "$ERR")"
    cx images ls -q
    assert_contains "$OUT" "$IMG" "ctr images ls"
    setup_done
}

ctr_load() {
    need_setup
    # shellcheck disable=SC1091
    source "$T/ctr.cmd"
    S=$(cat "$C/short")
    RUNC_ROOT=$S/runc
    RT_STATE=$RUNC_ROOT/$NS # paddock --root (the shim adds the namespace)
}

cx() { EC_LABEL="ctr $*"; ec "${CTR[@]}" "$@"; }
cx_ok() { EC_LABEL="ctr $*"; ec_ok "${CTR[@]}" "$@"; }
cx_tty() { EC_LABEL="ctr $*"; ec_tty "${CTR[@]}" "$@"; }

N=0
new_name() { N=$((N + 1)); echo "pd-$1-$$-$N"; }

# crun_ [OPTION...] -- CMD...: `ctr run --rm` with paddock; sets ID.
crun_() {
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    ID=$(new_name run)
    cx run --rm --runc-binary "$ENGINE_RT" --runc-root "$RUNC_ROOT" "${opts[@]}" "$IMG" "$ID" "$@"
}

# cdetached NAME [OPTION...] -- CMD...: `ctr run -d`; waits until the
# container wrote /tmp/ready.
TRAP_LOOP='trap "echo got-usr1 >/tmp/sig" USR1; trap "exit 0" TERM; echo ready >/tmp/ready; while :; do sleep 0.1; done'
cdetached() {
    local name=$1 opts=()
    shift
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    cx_ok run -d --runc-binary "$ENGINE_RT" --runc-root "$RUNC_ROOT" "${opts[@]}" "$IMG" "$name" "$@"
    local i
    for i in $(seq 50); do
        cx task exec --exec-id "ready$i" "$name" cat /tmp/ready
        [ "$OUT" = ready ] && return 0
        sleep 0.1
    done
    engine_fail "container $name never became ready: $(oneline "$ERR")"
}

task_status() { # NAME
    cx task ls
    printf '%s\n' "$OUT" | awk -v n="$1" '$1 == n { print $3 }'
}
task_pid() {
    cx task ls
    printf '%s\n' "$OUT" | awk -v n="$1" '$1 == n { print $2 }'
}

# assert_paddock ID: paddock created ID with the --runc-root given to ctr
# (so ctr's --runc-binary and --runc-root options reached the shim).
assert_paddock() {
    local id=$1
    shift
    assert_ran "$id" "--root $RT_STATE .* create " "$@"
}

# ---------------------------------------------------------------- cases

case_run_exit_code() {
    ctr_load
    crun_ -- sh -c 'echo hello-from-paddock; exit 7'
    assert_exit 7 "ctr run --rm IMG sh -c 'echo ...; exit 7'"
    assert_eq "$OUT" hello-from-paddock "stdout"
    assert_paddock "$ID" ' --log-format json ' ' start ' ' delete '
}

case_env_cwd() {
    ctr_load
    crun_ --env FOO=bar --cwd /tmp -- sh -c 'echo "$FOO $(pwd)"'
    assert_exit 0
    assert_eq "$OUT" "bar /tmp" "--env FOO=bar --cwd /tmp"
    assert_paddock "$ID"
}

case_read_only() {
    ctr_load
    crun_ --read-only -- sh -c 'touch /probe'
    [ "$RC" != 0 ] || engine_fail "writing to / succeeded with --read-only"
    assert_contains "$ERR$OUT" "Read-only file system" "touch / with --read-only"
    assert_paddock "$ID"
}

case_bind_mount() {
    ctr_load
    local d=$C/vol.$$
    mkdir -p "$d"
    crun_ --mount "type=bind,src=$d,dst=/data,options=rbind:rw" -- sh -c 'echo written-in-container >/data/f'
    assert_exit 0
    assert_eq "$(cat "$d/f" 2>/dev/null)" written-in-container "host file $d/f"
    crun_ --mount "type=bind,src=$d,dst=/data,options=rbind:ro" -- sh -c 'echo x >/data/g'
    [ "$RC" != 0 ] || engine_fail "writing to a read-only bind mount succeeded"
    assert_contains "$ERR$OUT" "Read-only file system" "write to an ro bind"
}

case_network_none() {
    ctr_load
    # Without --net-host, ctr gives the container a new, empty network namespace.
    crun_ -- sh -c 'ls /sys/class/net | tr "\n" " "'
    assert_exit 0
    assert_eq "$OUT" "lo " "interfaces in a new network namespace"
    assert_paddock "$ID"
}

case_tty() {
    ctr_load
    ID=$(new_name tty)
    cx_tty run --rm -t --runc-binary "$ENGINE_RT" --runc-root "$RUNC_ROOT" "$IMG" "$ID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'
    assert_exit 0
    assert_match "$OUT" '/dev/pts/[0-9]+' "tty in the container"
    assert_contains "$OUT" both-tty "stdin and stdout are terminals"
    assert_paddock "$ID" ' create .*--console-socket '
}

case_exec() {
    ctr_load
    local n
    n=$(new_name exec)
    cdetached "$n" -- sh -c "$TRAP_LOOP"
    cx task exec --exec-id e1 "$n" sh -c 'echo exec-out; exit 3'
    assert_exit 3 "ctr task exec ... exit 3"
    assert_eq "$OUT" exec-out "exec stdout"
    cx task exec --exec-id e2 --user 1000 --cwd /tmp "$n" sh -c 'echo "$(id -u) $(pwd)"'
    assert_exit 0
    assert_eq "$OUT" "1000 /tmp" "exec --user 1000 --cwd /tmp"
    cx_tty task exec -t --exec-id e3 "$n" tty
    assert_match "$OUT" '/dev/pts/[0-9]+' "exec -t"
    assert_paddock "$n" ' exec --process .* --detach ' ' exec .*--console-socket '
}

case_ps() {
    ctr_load
    local n pid
    n=$(new_name ps)
    cdetached "$n" -- sh -c "$TRAP_LOOP"
    pid=$(task_pid "$n")
    cx task ps "$n"
    assert_exit 0
    assert_contains "$OUT" "$pid" "ctr task ps (the init's host pid)"
    assert_paddock "$n" " ps --format json $n\$"
}

case_pause_resume() {
    ctr_load
    local n pid
    n=$(new_name pause)
    cdetached "$n" -- sh -c "$TRAP_LOOP"
    pid=$(task_pid "$n")
    cx_ok task pause "$n"
    assert_eq "$(task_status "$n")" PAUSED "task status after pause"
    assert_cgroup_value "$pid" freezer freezer.state FROZEN
    cx_ok task resume "$n"
    assert_eq "$(task_status "$n")" RUNNING "task status after resume"
    assert_cgroup_value "$pid" freezer freezer.state THAWED
    assert_paddock "$n" " pause $n\$" " resume $n\$"
}

case_kill_signal() {
    ctr_load
    local n i
    n=$(new_name kill)
    cdetached "$n" -- sh -c "$TRAP_LOOP"
    cx_ok task kill -s USR1 "$n"
    for i in $(seq 30); do
        cx task exec --exec-id "sig$i" "$n" cat /tmp/sig
        [ "$OUT" = got-usr1 ] && break
        sleep 0.1
    done
    assert_eq "$OUT" got-usr1 "SIGUSR1 delivered to the container's init"
    assert_paddock "$n" " kill $n 10\$"
}

case_stop_rm() {
    ctr_load
    local n i st
    n=$(new_name stop)
    cdetached "$n" -- sh -c "$TRAP_LOOP"
    cx_ok task kill "$n"
    for i in $(seq 50); do
        st=$(task_status "$n")
        [ "$st" = STOPPED ] && break
        sleep 0.1
    done
    assert_eq "$st" STOPPED "task status after SIGTERM"
    cx_ok task rm "$n"
    assert_not_contains "$ERR" "non-zero exit code" "exit status (SIGTERM trapped: 0)"
    cx_ok container rm "$n"
    [ ! -e "$RT_STATE/$n" ] || engine_fail "paddock state $RT_STATE/$n left after task rm"
    assert_no_cgroup "$n"
    assert_paddock "$n" " kill $n 15\$" " delete (--force )?$n\$"
}

case_limits() {
    ctr_load
    local n pid
    n=$(new_name limits)
    cdetached "$n" --memory-limit 67108864 --cpus 0.5 -- sh -c "$TRAP_LOOP"
    pid=$(task_pid "$n")
    assert_cgroup_value "$pid" memory memory.limit_in_bytes 67108864
    assert_cgroup_value "$pid" cpu cpu.cfs_quota_us 50000
    assert_cgroup_value "$pid" cpu cpu.cfs_period_us 100000
    assert_paddock "$n"
}

case_cap_drop() {
    ctr_load
    crun_ -- sh -c 'chown 1 /tmp && echo chown-ok'
    assert_exit 0
    assert_eq "$OUT" chown-ok "chown with the default capabilities"
    crun_ --cap-drop CAP_CHOWN -- sh -c 'grep CapEff /proc/self/status; chown 1 /tmp'
    [ "$RC" != 0 ] || engine_fail "chown succeeded after --cap-drop CAP_CHOWN"
    assert_contains "$ERR$OUT" "Operation not permitted" "chown after --cap-drop CAP_CHOWN"
    assert_paddock "$ID"
}

case_seccomp() {
    ctr_load
    crun_ --seccomp -- grep '^Seccomp:' /proc/self/status
    assert_exit 0
    assert_contains "$OUT" "Seccomp:	2" "--seccomp (containerd's default profile)"
    assert_paddock "$ID"
}

case_no_leftover_mounts() {
    ctr_load
    crun_ -- true # warm up
    local before=$T/mounts.before
    mount_set >"$before"
    crun_ -- sh -c 'echo x >/tmp/x'
    assert_exit 0
    assert_paddock "$ID" " delete (--force )?$ID\$"
    assert_no_new_mounts "$before" "ctr run --rm"
    [ ! -e "$RT_STATE/$ID" ] || engine_fail "paddock state $RT_STATE/$ID left after --rm"
    assert_no_cgroup "$ID"
}

case_missing_executable() {
    ctr_load
    crun_ -- /no/such/binary
    [ "$RC" != 0 ] || engine_fail "ctr run of a missing executable succeeded"
    [[ $ERR == *"executable file not found"* || $ERR == *"no such file or directory"* ]] ||
        engine_fail "ctr's error does not say the executable is missing: $(oneline "$ERR")"
    assert_paddock "$ID"
}

case_no_pivot() {
    ctr_load
    # --no-pivot drops --runc-binary: paddock runs as the shim's "runc".
    ID=$(new_name nopivot)
    cx run --rm --no-pivot --runc-binary "$ENGINE_RT" "$IMG" "$ID" sh -c 'echo no-pivot-ok'
    assert_exit 0
    assert_eq "$OUT" no-pivot-ok "stdout"
    assert_ran "$ID" ' create .*--no-pivot '
}

case_uidmap() {
    ctr_load
    ID=$(new_name uidmap)
    cx run --rm --uidmap 0:300000:65536 --gidmap 0:300000:65536 "$IMG" "$ID" sh -c 'cat /proc/self/uid_map; id -u'
    assert_exit 0
    assert_match "$OUT" '^ *0 +300000 +65536' "uid_map in the container"
    assert_ran "$ID"
}

script_cleanup() {
    if [ -s "$T/ctr.cmd" ]; then
        # shellcheck disable=SC1091
        source "$T/ctr.cmd"
        local c
        for c in $(timeout 10 "${CTR[@]}" task ls -q 2>/dev/null); do
            timeout 10 "${CTR[@]}" task kill -s KILL "$c" >/dev/null 2>&1
        done
        sleep 0.3
        for c in $(timeout 10 "${CTR[@]}" containers ls -q 2>/dev/null); do
            timeout 10 "${CTR[@]}" task rm -f "$c" >/dev/null 2>&1
            timeout 10 "${CTR[@]}" containers rm "$c" >/dev/null 2>&1
        done
    fi
    stop_daemons
    kill_leftovers
    remove_short_dirs
    # The no_pivot and uidmap containers ran with the shim's default root;
    # the shims keep their sockets in /run/containerd/s: remove what we made
    # there if it is empty (a system containerd's is not).
    rmdir "/run/containerd/runc/$NS" /run/containerd/runc /run/containerd/s /run/containerd/fifo \
        /run/containerd 2>/dev/null
    remove_cgroup_parents "$NS" # ctr's default cgroup: /NAMESPACE/ID
}

run_setup_case setup case_setup
run_case run_exit_code case_run_exit_code
run_case env_cwd case_env_cwd
run_case read_only case_read_only
run_case bind_mount case_bind_mount
run_case network_none case_network_none
run_case tty case_tty
run_case exec case_exec
run_case ps case_ps
run_case pause_resume case_pause_resume
run_case kill_signal case_kill_signal
run_case stop_rm case_stop_rm
run_case limits case_limits
run_case cap_drop case_cap_drop
run_case seccomp case_seccomp
run_case no_leftover_mounts case_no_leftover_mounts
run_case missing_executable case_missing_executable
run_case no_pivot case_no_pivot
run_case uidmap case_uidmap
finish
