# shellcheck shell=bash
# podman cases shared by test_podman.sh (rootful) and test_podman_rootless.sh
# (the test user paddock-test).  The sourcing script sets PODMAN_ROOTLESS=0|1
# before sourcing this file, then calls podman_cases.
#
# podman runs with isolated storage and state under $T/podman (--root,
# --runroot, --tmpdir, --network-config-dir, an empty --hooks-dir), the
# cgroupfs manager and the file events backend, from a scratch working
# directory (conmon writes its OOM marker into podman's cwd), with
# CONTAINERS_CONF = contrib/podman/containers.conf (which lists paddock in
# runtime_supports_json and runtime_supports_nocgroup), preceded when rootful
# by lower default ulimits: root lacks CAP_SYS_RESOURCE here, and podman's
# default nofile/nproc of 1048576 can't be set.  --runtime is the argv-logging
# wrapper around paddock.  Containers get --network=none unless a case says
# otherwise (rootless: /dev/net/tun is 0600, so no slirp4netns network; rootful:
# the default bridge would touch the host's iptables).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

P=$T/podman
IMG=localhost/paddock-busybox:latest
PODMAN=()

podman_setup() {
    setup_begin
    need_engine podman podman
    need_engine conmon conmon
    mkdir -p "$P"/{root,tmp,net,hooks,cwd,xdg,vol,home}
    chmod 0755 "$P"
    chmod 0700 "$P/xdg"
    # podman refuses a runroot longer than 50 characters.
    PR=$(short_dir podman)
    echo "$PR" >"$P/runroot.path"
    {
        if [ "$PODMAN_ROOTLESS" = 0 ]; then
            printf '[containers]\ndefault_ulimits = ["nofile=1024:4096", "nproc=4096:4096"]\n\n'
        fi
        cat "$REPO/contrib/podman/containers.conf"
    } >"$P/containers.conf"
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\nrootless_storage_path = "%s"\n' \
        "$P/root" "$PR" "$P/root" >"$P/storage.conf"
    chmod 0644 "$P/containers.conf" "$P/storage.conf"
    local env=(env "CONTAINERS_CONF=$P/containers.conf" "CONTAINERS_STORAGE_CONF=$P/storage.conf")
    if [ "$PODMAN_ROOTLESS" = 1 ]; then
        id "$TEST_USER" >/dev/null 2>&1 || "$REPO/tests/setup/test-user" >/dev/null ||
            setup_fail "test user $TEST_USER missing and tests/setup/test-user failed"
        need_cmd newuidmap uidmap
        grep -q "^$TEST_USER:" /etc/subuid ||
            setup_fail "$TEST_USER has no /etc/subuid range (run tests/setup/test-user)"
        chown -R "$TEST_USER:" "$P" "$PR"
        # HOME under $T too: podman keeps a blob cache in ~/.local/share.
        env=(setpriv "--reuid=$TEST_USER" "--regid=$TEST_USER" --init-groups
            env "XDG_RUNTIME_DIR=$P/xdg" "HOME=$P/home" "CONTAINERS_CONF=$P/containers.conf"
            "CONTAINERS_STORAGE_CONF=$P/storage.conf")
    fi
    PODMAN=("${env[@]}" podman --root "$P/root" --runroot "$PR" --tmpdir "$P/tmp"
        --network-config-dir "$P/net" --hooks-dir "$P/hooks" --storage-driver overlay
        --cgroup-manager cgroupfs --events-backend file --runtime "$ENGINE_RT")
    declare -p PODMAN | sed 's/^declare -a /declare -ga /' >"$T/podman.cmd"
    ENGINE_CWD=$P/cwd
    pm import "$IMAGE_TAR" "$IMG"
    [ "$RC" = 0 ] || setup_fail "podman import $IMAGE_TAR failed (exit $RC): $(oneline "$ERR")"
    setup_done
}

# Every case but setup: the podman command line the setup case built.
podman_load() {
    need_setup
    # shellcheck disable=SC1091
    source "$T/podman.cmd"
    ENGINE_CWD=$P/cwd
}

pm() { EC_LABEL="podman $*"; ec "${PODMAN[@]}" "$@"; }
pm_ok() { EC_LABEL="podman $*"; ec_ok "${PODMAN[@]}" "$@"; }
pm_tty() { EC_LABEL="podman $*"; ec_tty "${PODMAN[@]}" "$@"; }
prun() { pm run --rm --pull=never --network=none "$@"; }

# pm_detached NAME [OPTION... --] CMD...: a detached container; sets CID.
pm_detached() {
    local name=$1 opts=()
    shift
    if [[ " $* " == *" -- "* ]]; then
        while [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
    fi
    pm_ok run -d --pull=never --network=none --name "$name" "${opts[@]}" "$IMG" "$@"
    CID=$OUT
    [[ $CID =~ ^[0-9a-f]{64}$ ]] || engine_fail "podman run -d printed no container id: $(oneline "$OUT")"
}

# A container that records SIGUSR1 and exits 0 on SIGTERM.
TRAP_LOOP='trap "echo got-usr1 >/tmp/sig" USR1; trap "exit 0" TERM; echo ready >/tmp/ready; while :; do sleep 0.1; done'

pm_wait_ready() { # NAME
    local i
    for i in $(seq 50); do
        pm exec "$1" cat /tmp/ready
        [ "$OUT" = ready ] && return 0
        sleep 0.1
    done
    engine_fail "container $1 never became ready: $(oneline "$ERR")"
}

pm_state() { # NAME: podman's view of the status
    pm inspect -f '{{.State.Status}}' "$1"
    printf '%s' "$OUT"
}

pm_pid() { # NAME: the container's host pid
    pm inspect -f '{{.State.Pid}}' "$1"
    [[ $OUT =~ ^[1-9][0-9]*$ ]] || engine_fail "podman inspect: no pid for $1: $(oneline "$OUT $ERR")"
    printf '%s' "$OUT"
}

# The state directory paddock keeps for ID (podman passes no --root).
pd_state_dir() {
    if [ "$PODMAN_ROOTLESS" = 1 ]; then echo "$P/xdg/paddock/$1"; else echo "/run/paddock/$1"; fi
}

# ---------------------------------------------------------------- cases

case_setup() { podman_setup; }

case_run_exit_code() {
    podman_load
    prun "$IMG" sh -c 'exit 7'
    assert_exit 7 "podman run --rm IMG sh -c 'exit 7'"
    # podman passes --log-format=json only to runtimes in runtime_supports_json.
    assert_ran "$(last_created_id)" ' create ' '--log-format=json --log ' ' start ' ' delete '
}

case_run_stdout() {
    podman_load
    prun "$IMG" echo hello-from-paddock
    assert_exit 0
    assert_eq "$OUT" hello-from-paddock "stdout"
    assert_ran "$(last_created_id)"
}

case_env_workdir_user() {
    podman_load
    prun -e FOO=bar -w /tmp -u 1000:1000 "$IMG" sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g)"'
    assert_exit 0
    assert_eq "$OUT" "bar /tmp 1000:1000" "-e FOO=bar -w /tmp -u 1000:1000"
}

case_read_only() {
    podman_load
    prun --read-only "$IMG" sh -c 'if touch /probe 2>/dev/null; then echo root-writable; fi; touch /tmp/ok && echo tmp-writable'
    assert_exit 0
    assert_eq "$OUT" tmp-writable "--read-only (/ read-only, /tmp a tmpfs)"
}

case_bind_volume() {
    podman_load
    local d=$P/vol/rw.$$
    mkdir -p "$d"
    [ "$PODMAN_ROOTLESS" = 0 ] || chown "$TEST_USER:" "$d"
    prun -v "$d:/data" "$IMG" sh -c 'echo written-in-container >/data/f'
    assert_exit 0
    assert_eq "$(cat "$d/f" 2>/dev/null)" written-in-container "host file $d/f"
    prun -v "$d:/data:ro" "$IMG" sh -c 'echo x >/data/g'
    [ "$RC" != 0 ] || engine_fail "writing to a :ro bind succeeded"
    assert_contains "$ERR$OUT" "Read-only file system" "write to a :ro bind"
}

case_network_none() {
    podman_load
    prun "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "'
    assert_exit 0
    assert_eq "$OUT" "lo " "interfaces with --network=none"
    assert_ran "$(last_created_id)"
}

case_tty() {
    podman_load
    pm_tty run --rm --pull=never --network=none -t "$IMG" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'
    assert_exit 0
    assert_match "$OUT" '/dev/pts/[0-9]+' "tty in the container"
    assert_contains "$OUT" both-tty "stdin and stdout are terminals"
    assert_ran "$(last_created_id)" ' create .*--console-socket '
}

case_exec() {
    podman_load
    pm_detached pd-exec sh -c "$TRAP_LOOP"
    pm_wait_ready pd-exec
    pm exec pd-exec sh -c 'echo exec-out; exit 3'
    assert_exit 3 "podman exec ... exit 3"
    assert_eq "$OUT" exec-out "exec stdout"
    pm exec -e X=y -w /tmp -u 1000 pd-exec sh -c 'echo "$X $(pwd) $(id -u)"'
    assert_exit 0
    assert_eq "$OUT" "y /tmp 1000" "exec -e -w -u"
    pm_tty exec -t pd-exec tty
    assert_exit 0
    assert_match "$OUT" '/dev/pts/[0-9]+' "exec -t"
    assert_ran "$CID" ' exec .*--process ' ' exec .*--console-socket '
}

case_top() {
    podman_load
    pm_detached pd-top sh -c "$TRAP_LOOP"
    pm_wait_ready pd-top
    pm top pd-top
    assert_exit 0
    assert_contains "$OUT" "trap" "podman top"
}

case_kill_signal() {
    podman_load
    pm_detached pd-kill sh -c "$TRAP_LOOP"
    pm_wait_ready pd-kill
    pm_ok kill -s USR1 pd-kill
    local i
    for i in $(seq 30); do
        pm exec pd-kill cat /tmp/sig
        [ "$OUT" = got-usr1 ] && break
        sleep 0.1
    done
    assert_eq "$OUT" got-usr1 "SIGUSR1 delivered to the container's init"
    assert_ran "$CID" " kill $CID 10\$"
}

case_stop_rm() {
    podman_load
    pm_detached pd-stop sh -c "$TRAP_LOOP"
    pm_wait_ready pd-stop
    pm_ok stop -t 20 pd-stop
    pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' pd-stop
    assert_eq "$OUT" "exited 0" "status after stop (SIGTERM trapped, exit 0)"
    pm_ok rm pd-stop
    pm container exists pd-stop
    assert_exit 1 "podman container exists after rm"
    [ ! -e "$(pd_state_dir "$CID")" ] || engine_fail "paddock state $(pd_state_dir "$CID") left after rm"
    assert_no_cgroup "$CID"
    assert_ran "$CID" " kill $CID 15\$" " delete (--force )?$CID\$"
}

case_pause_unpause() {
    podman_load
    pm_detached pd-pause sh -c "$TRAP_LOOP"
    pm_wait_ready pd-pause
    local pid
    pid=$(pm_pid pd-pause)
    pm_ok pause pd-pause
    assert_eq "$(pm_state pd-pause)" paused "status after pause"
    assert_cgroup_value "$pid" freezer freezer.state FROZEN
    pm_ok unpause pd-pause
    assert_eq "$(pm_state pd-pause)" running "status after unpause"
    assert_cgroup_value "$pid" freezer freezer.state THAWED
    pm exec pd-pause echo alive
    assert_eq "$OUT" alive "exec after unpause"
    assert_ran "$CID" " pause $CID\$" " resume $CID\$"
}

case_limits() {
    podman_load
    pm_detached pd-limits --memory=64m --pids-limit=50 --cpus=0.5 -- sh -c "$TRAP_LOOP"
    pm_wait_ready pd-limits
    local pid
    pid=$(pm_pid pd-limits)
    assert_cgroup_value "$pid" memory memory.limit_in_bytes 67108864
    assert_cgroup_value "$pid" pids pids.max 50
    assert_cgroup_value "$pid" cpu cpu.cfs_quota_us 50000
    assert_cgroup_value "$pid" cpu cpu.cfs_period_us 100000
    # The container sees its own limits.
    pm exec pd-limits cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
    assert_eq "$(printf '%s' "$OUT" | tr '\n' ' ')" "67108864 50" "limits seen in the container"
}

case_cap_drop() {
    podman_load
    prun "$IMG" sh -c 'chown 1 /tmp && echo chown-ok'
    assert_exit 0
    assert_eq "$OUT" chown-ok "chown with the default capabilities"
    prun --cap-drop=chown "$IMG" sh -c 'grep CapEff /proc/self/status; chown 1 /tmp'
    [ "$RC" != 0 ] || engine_fail "chown succeeded after --cap-drop=chown"
    assert_contains "$ERR$OUT" "Operation not permitted" "chown after --cap-drop=chown"
    local eff
    eff=$(printf '%s\n' "$OUT" | awk '/CapEff/ {print $2}')
    [ -n "$eff" ] && (((16#$eff & 1) == 0)) || engine_fail "CapEff $eff still has CAP_CHOWN"
}

case_seccomp_default() {
    podman_load
    prun "$IMG" grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
    assert_exit 0
    assert_contains "$OUT" "Seccomp:	2" "the default seccomp profile (filter mode)"
}

case_no_leftover_mounts() {
    podman_load
    prun "$IMG" true # warm up: storage mounts podman keeps for its lifetime
    local before=$T/mounts.before
    mount_set >"$before"
    local ns_before=
    if [ "$PODMAN_ROOTLESS" = 1 ]; then
        pm unshare cat /proc/self/mountinfo
        ns_before=$(printf '%s\n' "$OUT" | awk '{print $5}' | sort)
    fi
    prun "$IMG" sh -c 'echo x >/tmp/x'
    assert_exit 0
    local id
    id=$(last_created_id)
    assert_ran "$id" " delete (--force )?$id"
    assert_no_new_mounts "$before" "podman run --rm"
    if [ "$PODMAN_ROOTLESS" = 1 ]; then
        pm unshare cat /proc/self/mountinfo
        local new
        new=$(printf '%s\n' "$OUT" | awk '{print $5}' | sort | comm -13 <(printf '%s\n' "$ns_before") -)
        [ -z "$new" ] || engine_fail "mounts left in podman's rootless namespace: $(oneline "$new")"
    fi
    [ ! -e "$(pd_state_dir "$id")" ] || engine_fail "paddock state $(pd_state_dir "$id") left after --rm"
    assert_no_cgroup "$id"
}

case_cgroups_disabled() {
    podman_load
    # runtime_supports_nocgroup lists paddock: podman runs it with the
    # global option --cgroup-manager disabled, and creates no cgroup.
    prun --cgroups=disabled "$IMG" cat /proc/self/cgroup
    assert_exit 0 "podman run --cgroups=disabled"
    local id
    id=$(last_created_id)
    assert_ran "$id" ' --cgroup-manager disabled .*create '
    assert_not_contains "$OUT" "$id" "the container's /proc/self/cgroup (no cgroup of its own)"
}

case_userns_keep_id() {
    podman_load
    # Rootless only: the user keeps its uid inside (a user namespace with
    # uidMappings, created from inside podman's own user namespace).
    prun --userns=keep-id "$IMG" id -u
    assert_exit 0 "podman run --userns=keep-id"
    assert_eq "$OUT" "$(id -u "$TEST_USER")" "uid inside with --userns=keep-id"
    assert_ran "$(last_created_id)"
}

case_missing_executable() {
    podman_load
    prun "$IMG" /no/such/binary
    assert_exit 127 "podman run IMG /no/such/binary"
    prun "$IMG" /etc/passwd
    assert_exit 126 "podman run IMG /etc/passwd (not executable)"
}

podman_cases() {
    run_setup_case setup case_setup
    run_case run_exit_code case_run_exit_code
    run_case run_stdout case_run_stdout
    run_case env_workdir_user case_env_workdir_user
    run_case read_only case_read_only
    run_case bind_volume case_bind_volume
    run_case network_none case_network_none
    run_case tty case_tty
    run_case exec case_exec
    run_case top case_top
    run_case kill_signal case_kill_signal
    run_case stop_rm case_stop_rm
    if [ "$PODMAN_ROOTLESS" = 0 ]; then
        # cgroup v1 gives rootless containers no cgroup: no pause, no limits.
        run_case pause_unpause case_pause_unpause
        run_case limits case_limits
    fi
    run_case cap_drop case_cap_drop
    run_case seccomp_default case_seccomp_default
    run_case no_leftover_mounts case_no_leftover_mounts
    run_case cgroups_disabled case_cgroups_disabled
    [ "$PODMAN_ROOTLESS" = 0 ] || run_case userns_keep_id case_userns_keep_id
    run_case missing_executable case_missing_executable
}

# Remove every container (their conmons go with them), then the rootless
# pause process, then anything else still naming $T.
script_cleanup() {
    if [ -s "$T/podman.cmd" ]; then
        # shellcheck disable=SC1091
        source "$T/podman.cmd"
        (cd "$P/cwd" 2>/dev/null || cd /; timeout -k 5 60 "${PODMAN[@]}" rm -af -t 0) >/dev/null 2>&1
        local f p
        while read -r f; do
            p=$(cat "$f" 2>/dev/null)
            [[ $p =~ ^[0-9]+$ ]] && kill -KILL "$p" 2>/dev/null
        done < <(find "$P" -name pause.pid 2>/dev/null)
    fi
    kill_leftovers
    stop_daemons
    remove_short_dirs
    [ "$PODMAN_ROOTLESS" = 1 ] || remove_cgroup_parents libpod_parent
}
