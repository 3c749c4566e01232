#!/usr/bin/env bash
# docker (Debian's docker.io 20.10, through its managed containerd and the runc
# v2 shim) runs containers with paddock: a private dockerd started with
# `--add-runtime paddock=PADDOCK`, and `docker run --runtime paddock`: exit
# code and stdout, -e/-w/-u, --read-only, -v (rw and ro), --network=none, -t,
# -d then exec/top/pause/unpause/update/kill -s/stop/rm, --memory/
# --pids-limit/--cpus in the container's cgroup, --cap-drop, the default
# seccomp profile, no mount left after --rm, exit codes 127/126 (docker maps
# paddock's error text), and contrib/docker/daemon.json's runtime entry.
#
# dockerd gets its own --data-root, --exec-root, -H unix socket, --pidfile,
# --config-file and --cgroup-parent, with --bridge=none --iptables=false
# --ip-masq=false, so the host's network and any system docker are left
# alone; the script stops it (and so its containerd) when it ends.  If dockerd cannot run here, setup
# fails and says why, and so does every case.  The CLI is /usr/bin/docker
# (the docker.io package's, not whatever else is first in PATH).
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass.
source "$(dirname "$0")/lib.sh"

D=$T/docker
IMG=localhost/paddock-busybox:latest
DOCKER_CLI=${DOCKER_CLI:-/usr/bin/docker}
DOCKER=()
CG_PARENT=paddock-test-docker # the containers' parent cgroup, not the system's "docker"

case_setup() {
    setup_begin
    need_engine dockerd docker.io
    [ -x "$DOCKER_CLI" ] || setup_fail "$DOCKER_CLI not found: install the Debian package docker.io"
    need_engine containerd containerd
    local S
    S=$(short_dir docker)
    mkdir -p "$D/root" "$D/cli"
    # contrib/docker/daemon.json's runtime, renamed (--add-runtime paddock
    # and a "paddock" in the config file would conflict) and pointed at the
    # wrapper.
    jq --arg rt "$ENGINE_RT" '.runtimes["paddock-contrib"] = (.runtimes.paddock | .path = $rt)
        | del(.runtimes.paddock)' "$REPO/contrib/docker/daemon.json" >"$D/daemon.json" ||
        setup_fail "contrib/docker/daemon.json is not valid JSON"
    # dockerd must leave the host's sysctls alone: new network namespaces
    # inherit net.ipv4.ip_forward, which other tests read.
    cat /proc/sys/net/ipv4/ip_forward >"$D/ip_forward.before"
    start_daemon dockerd "$D/dockerd.log" dockerd --config-file "$D/daemon.json" \
        --data-root "$D/root" --exec-root "$S/exec" --pidfile "$S/dockerd.pid" \
        -H "unix://$S/docker.sock" --bridge=none --iptables=false --ip6tables=false \
        --ip-forward=false \
        --ip-masq=false --userland-proxy=false --storage-driver overlay2 \
        --cgroup-parent "$CG_PARENT" \
        --add-runtime "paddock=$ENGINE_RT"
    DOCKER=(env "DOCKER_CONFIG=$D/cli" "$DOCKER_CLI" -H "unix://$S/docker.sock")
    local i
    for i in $(seq 300); do
        "${DOCKER[@]}" version >/dev/null 2>&1 && break
        daemon_alive dockerd ||
            setup_fail "dockerd cannot run here: it exited: $(oneline "$(grep -E 'level=(error|fatal)|failed' "$D/dockerd.log" | tail -n 3)")"
        sleep 0.1
    done
    "${DOCKER[@]}" version >/dev/null 2>&1 ||
        setup_fail "dockerd did not answer on $S/docker.sock within 30s: $(oneline "$(tail -n 3 "$D/dockerd.log")")"
    declare -p DOCKER | sed 's/^declare -a /declare -ga /' >"$T/docker.cmd"
    echo "$S" >"$D/short"
    dk info --format '{{json .Runtimes}}'
    assert_contains "$OUT" '"paddock"' "docker info: runtimes"
    dk import "$IMAGE_TAR" "$IMG"
    [ "$RC" = 0 ] || setup_fail "docker import failed: $(oneline "$ERR")"
    setup_done
}

docker_load() {
    need_setup
    # shellcheck disable=SC1091
    source "$T/docker.cmd"
    S=$(cat "$D/short")
}

dk() { EC_LABEL="docker $*"; ec "${DOCKER[@]}" "$@"; }
dk_ok() { EC_LABEL="docker $*"; ec_ok "${DOCKER[@]}" "$@"; }
dk_tty() { EC_LABEL="docker $*"; ec_tty "${DOCKER[@]}" "$@"; }
drun() { dk run --rm --runtime paddock --network=none "$@"; }

TRAP_LOOP='trap "echo got-usr1 >/tmp/sig" USR1; trap "exit 0" TERM; echo ready >/tmp/ready; while :; do sleep 0.1; done'

# ddetached NAME [OPTION... --] CMD...: `docker run -d`; sets CID and waits
# until the container wrote /tmp/ready.
ddetached() {
    local name=$1 opts=() i
    shift
    if [[ " $* " == *" -- "* ]]; then
        while [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
    fi
    dk_ok run -d --runtime paddock --network=none --name "$name" "${opts[@]}" "$IMG" "$@"
    CID=$OUT
    [[ $CID =~ ^[0-9a-f]{64}$ ]] || engine_fail "docker run -d printed no container id: $(oneline "$OUT")"
    for i in $(seq 50); do
        dk exec "$name" cat /tmp/ready
        [ "$OUT" = ready ] && return 0
        sleep 0.1
    done
    engine_fail "container $name never became ready: $(oneline "$ERR")"
}

d_state() { dk inspect -f '{{.State.Status}}' "$1"; printf '%s' "$OUT"; }
d_pid() {
    dk inspect -f '{{.State.Pid}}' "$1"
    [[ $OUT =~ ^[1-9][0-9]*$ ]] || engine_fail "docker inspect: no pid for $1: $(oneline "$OUT $ERR")"
    printf '%s' "$OUT"
}

# No paddock state directory left for ID under the exec root.
assert_no_state() {
    local left
    left=$(find "$S/exec" -maxdepth 4 -name "$1" 2>/dev/null | grep -v '/containerd/' | head -n 2)
    [ -z "$left" ] || engine_fail "state left for $1: $(oneline "$left")"
}

# ---------------------------------------------------------------- cases

case_run_exit_code() {
    docker_load
    drun "$IMG" sh -c 'echo hello-from-paddock; exit 7'
    assert_exit 7 "docker run --rm --runtime paddock IMG sh -c '...; exit 7'"
    assert_eq "$OUT" hello-from-paddock "stdout"
    assert_ran "$(last_created_id)" ' --log-format json ' ' start ' ' delete '
}

case_env_workdir_user() {
    docker_load
    drun -e FOO=bar -w /tmp -u 1000:1000 "$IMG" sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g)"'
    assert_exit 0
    assert_eq "$OUT" "bar /tmp 1000:1000" "-e FOO=bar -w /tmp -u 1000:1000"
    assert_ran "$(last_created_id)"
}

case_read_only() {
    docker_load
    drun --read-only "$IMG" sh -c 'touch /probe'
    [ "$RC" != 0 ] || engine_fail "writing to / succeeded with --read-only"
    assert_contains "$ERR$OUT" "Read-only file system" "touch / with --read-only"
    assert_ran "$(last_created_id)"
}

case_bind_volume() {
    docker_load
    local d=$D/vol.$$
    mkdir -p "$d"
    drun -v "$d:/data" "$IMG" sh -c 'echo written-in-container >/data/f'
    assert_exit 0
    assert_eq "$(cat "$d/f" 2>/dev/null)" written-in-container "host file $d/f"
    drun -v "$d:/data:ro" "$IMG" sh -c 'echo x >/data/g'
    [ "$RC" != 0 ] || engine_fail "writing to a :ro bind succeeded"
    assert_contains "$ERR$OUT" "Read-only file system" "write to a :ro bind"
}

case_network_none() {
    docker_load
    drun "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "'
    assert_exit 0
    assert_eq "$OUT" "lo " "interfaces with --network=none"
    assert_ran "$(last_created_id)"
}

case_tty() {
    docker_load
    dk_tty run --rm --runtime paddock --network=none -t "$IMG" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'
    assert_exit 0
    assert_match "$OUT" '/dev/pts/[0-9]+' "tty in the container"
    assert_contains "$OUT" both-tty "stdin and stdout are terminals"
    assert_ran "$(last_created_id)" ' create .*--console-socket '
}

case_exec() {
    docker_load
    ddetached pd-exec sh -c "$TRAP_LOOP"
    dk exec pd-exec sh -c 'echo exec-out; exit 3'
    assert_exit 3 "docker exec ... exit 3"
    assert_eq "$OUT" exec-out "exec stdout"
    dk exec -e X=y -w /tmp -u 1000 pd-exec sh -c 'echo "$X $(pwd) $(id -u)"'
    assert_exit 0
    assert_eq "$OUT" "y /tmp 1000" "exec -e -w -u"
    dk_tty exec -t pd-exec tty
    assert_match "$OUT" '/dev/pts/[0-9]+' "exec -t"
    assert_ran "$CID" ' exec --process .* --detach ' ' exec .*--console-socket '
}

case_top() {
    docker_load
    ddetached pd-top sh -c "$TRAP_LOOP"
    local pid
    pid=$(d_pid pd-top)
    dk top pd-top
    assert_exit 0
    assert_contains "$OUT" "$pid" "docker top (the init's host pid)"
    assert_ran "$CID" " ps --format json $CID\$"
}

case_pause_unpause() {
    docker_load
    ddetached pd-pause sh -c "$TRAP_LOOP"
    local pid
    pid=$(d_pid pd-pause)
    dk_ok pause pd-pause
    assert_eq "$(d_state pd-pause)" paused "status after pause"
    assert_cgroup_value "$pid" freezer freezer.state FROZEN
    dk_ok unpause pd-pause
    assert_eq "$(d_state pd-pause)" running "status after unpause"
    assert_cgroup_value "$pid" freezer freezer.state THAWED
    assert_ran "$CID" " pause $CID\$" " resume $CID\$"
}

case_update() {
    docker_load
    ddetached pd-update --memory=64m -- sh -c "$TRAP_LOOP"
    local pid
    pid=$(d_pid pd-update)
    assert_cgroup_value "$pid" memory memory.limit_in_bytes 67108864
    # docker sends the whole resources object, zeros meaning "unset".
    dk_ok update --memory 128m --memory-swap 256m --cpus 0.5 pd-update
    assert_cgroup_value "$pid" memory memory.limit_in_bytes 134217728
    assert_cgroup_value "$pid" cpu cpu.cfs_quota_us 50000
    dk exec pd-update echo alive
    assert_eq "$OUT" alive "exec after update"
    assert_ran "$CID" " update --resources - $CID\$"
}

case_kill_signal() {
    docker_load
    ddetached pd-kill sh -c "$TRAP_LOOP"
    dk_ok kill -s USR1 pd-kill
    local i
    for i in $(seq 30); do
        dk exec pd-kill cat /tmp/sig
        [ "$OUT" = got-usr1 ] && break
        sleep 0.1
    done
    assert_eq "$OUT" got-usr1 "SIGUSR1 delivered to the container's init"
    assert_ran "$CID" " kill $CID 10\$"
}

case_stop_rm() {
    docker_load
    ddetached pd-stop sh -c "$TRAP_LOOP"
    dk_ok stop -t 20 pd-stop
    dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' pd-stop
    assert_eq "$OUT" "exited 0" "status after stop (SIGTERM trapped, exit 0)"
    dk_ok rm pd-stop
    dk inspect pd-stop
    [ "$RC" != 0 ] || engine_fail "docker inspect still finds pd-stop after rm"
    assert_no_state "$CID"
    assert_no_cgroup "$CID"
    assert_ran "$CID" " kill $CID 15\$" " delete (--force )?$CID\$"
}

case_limits() {
    docker_load
    ddetached pd-limits --memory=64m --pids-limit=50 --cpus=0.5 -- sh -c "$TRAP_LOOP"
    local pid
    pid=$(d_pid pd-limits)
    assert_cgroup_value "$pid" memory memory.limit_in_bytes 67108864
    assert_cgroup_value "$pid" pids pids.max 50
    assert_cgroup_value "$pid" cpu cpu.cfs_quota_us 50000
    assert_cgroup_value "$pid" cpu cpu.cfs_period_us 100000
    dk exec pd-limits cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
    assert_eq "$(printf '%s' "$OUT" | tr '\n' ' ')" "67108864 50" "limits seen in the container"
}

case_cap_drop() {
    docker_load
    drun "$IMG" sh -c 'chown 1 /tmp && echo chown-ok'
    assert_exit 0
    assert_eq "$OUT" chown-ok "chown with the default capabilities"
    drun --cap-drop=chown "$IMG" sh -c 'chown 1 /tmp'
    [ "$RC" != 0 ] || engine_fail "chown succeeded after --cap-drop=chown"
    assert_contains "$ERR$OUT" "Operation not permitted" "chown after --cap-drop=chown"
    assert_ran "$(last_created_id)"
}

case_seccomp_default() {
    docker_load
    drun "$IMG" grep '^Seccomp:' /proc/self/status
    assert_exit 0
    assert_contains "$OUT" "Seccomp:	2" "docker's default seccomp profile (filter mode)"
    assert_ran "$(last_created_id)"
}

case_no_leftover_mounts() {
    docker_load
    drun "$IMG" true # warm up
    local before=$T/mounts.before
    mount_set >"$before"
    drun "$IMG" sh -c 'echo x >/tmp/x'
    assert_exit 0
    local id
    id=$(last_created_id)
    assert_ran "$id" " delete (--force )?$id\$"
    assert_no_new_mounts "$before" "docker run --rm"
    assert_no_state "$id"
    assert_no_cgroup "$id"
}

case_missing_executable() {
    docker_load
    # docker maps the runtime's error text: "executable file not found" or
    # "no such file or directory" to 127, "permission denied" to 126.
    drun "$IMG" /no/such/binary
    assert_exit 127 "docker run IMG /no/such/binary"
    drun "$IMG" /etc/passwd
    assert_exit 126 "docker run IMG /etc/passwd (not executable)"
}

case_contrib_daemon_json() {
    docker_load
    dk run --rm --runtime paddock-contrib --network=none "$IMG" echo contrib-ok
    assert_exit 0
    assert_eq "$OUT" contrib-ok "docker run --runtime paddock-contrib"
    assert_ran "$(last_created_id)"
}

case_host_sysctl_untouched() {
    # After dockerd and several containers: the host's ip_forward is as before.
    [ -s "$D/ip_forward.before" ] || fail "dockerd setup did not record ip_forward"
    assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$(cat "$D/ip_forward.before")" \
        "net.ipv4.ip_forward after dockerd ran"
}

script_cleanup() {
    if [ -s "$T/docker.cmd" ]; then
        # shellcheck disable=SC1091
        source "$T/docker.cmd"
        local ids
        ids=$(timeout 20 "${DOCKER[@]}" ps -aq 2>/dev/null)
        # shellcheck disable=SC2086
        [ -z "$ids" ] || timeout 60 "${DOCKER[@]}" rm -f $ids >/dev/null 2>&1
    fi
    stop_daemons
    # Put back a sysctl a misbehaving dockerd changed (the case below reports it).
    [ -s "$D/ip_forward.before" ] && cat "$D/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
    kill_leftovers
    remove_short_dirs
    remove_cgroup_parents "$CG_PARENT"
    # dockerd always makes /run/docker/plugins, the shims /run/containerd/s:
    # removed when empty (a system engine's are not).
    rmdir /run/docker/plugins /run/docker /run/containerd/s /run/containerd 2>/dev/null
}

run_setup_case setup case_setup
run_case run_exit_code case_run_exit_code
run_case env_workdir_user case_env_workdir_user
run_case read_only case_read_only
run_case bind_volume case_bind_volume
run_case network_none case_network_none
run_case tty case_tty
run_case exec case_exec
run_case top case_top
run_case pause_unpause case_pause_unpause
run_case update case_update
run_case kill_signal case_kill_signal
run_case stop_rm case_stop_rm
run_case limits case_limits
run_case cap_drop case_cap_drop
run_case seccomp_default case_seccomp_default
run_case no_leftover_mounts case_no_leftover_mounts
run_case missing_executable case_missing_executable
run_case contrib_daemon_json case_contrib_daemon_json
run_case host_sysctl_untouched case_host_sysctl_untouched
finish
