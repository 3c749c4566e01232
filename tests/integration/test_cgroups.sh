#!/usr/bin/env bash
# cgroups on this v1/hybrid host (v1 controllers under /sys/fs/cgroup/<ctrl>,
# cgroup2 at /sys/fs/cgroup/unified): where the container's cgroup goes
# (absolute, relative, absent and systemd cgroupsPath) and that delete
# removes it in every hierarchy; linux.resources as seen in the host's
# cgroup files, the pids limit and the devices cgroup enforced; an OOM kill
# (with its `events` oom line); `kill --all`; `ps`; `pause`/`resume`;
# `update` (flags, docker's zeros on stdin, podman's file, bad values);
# `events --stats` and `--interval`; checkpoint/restore refused; rootless
# (cgroup v1 has no delegation: a warning without limits, an error with).
#
# Validated with RUNTIME=runc (runc 1.1.5), where these cases differ:
#   path_default        runc puts a container without cgroupsPath in /ID, not /paddock/ID.
#   path_systemd        runc's --systemd-cgroup talks to systemd over D-Bus (none here).
#   devices_deny        runc allows "c *:* m" and "b *:* m" by default: mknod of a
#                       denied device succeeds, opening it fails (checked either way).
#   pause_refused       runc pauses a created container (runtime-spec leaves it open).
#   events_interval     runc's `events` does not exit when the container stops.
#   update_stopped      runc says "container not running" (accepted too).
#   checkpoint_refused  runc tries CRIU and features says checkpoint enabled.
#   rootless_*          runc silently runs without a cgroup (no warning), and its
#                       error for a memory limit names no .linux.resources field.
# The other cases pass with runc, path_relative included: a relative
# cgroupsPath goes under the caller's cgroup of each v1 hierarchy.
source "$(dirname "$0")/lib.sh"

B=$T/bundle

setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" sleep 100
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}

# start_container [ARGS...]: `run --detach` $B (process.args=ARGS when given);
# sets CID and CPID.
start_container() {
    [ $# -eq 0 ] || set_args "$B" "$@"
    CID=$(new_id)
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
}

# rtb SECS ARGS...: like rtc, bounded by SECS instead of RT_TIMEOUT.
rtb() {
    local secs=$1
    shift
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="$*"
    printf '+ %s --root %s %s (timeout %ss)\n' "$RUNTIME_NAME" "$STATE_ROOT" "$*" "$secs" >>"$CASE_TRACE"
    timeout -k 2 "$secs" "$RUNTIME" --root "$STATE_ROOT" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

# ------------------------------------------------------------- cgroup files

# The hierarchies, as the controller field of /proc/self/cgroup names them
# ("cpu", "name=systemd", "" for the cgroup2 mount).
HIERS=()
while IFS=: read -r _ ctrls _; do HIERS+=("$ctrls"); done </proc/self/cgroup

# cg_mount CTRLS: the mount point of a hierarchy.
cg_mount() {
    if [ -z "$1" ]; then
        findmnt -rn -t cgroup2 -o TARGET | head -n1
        return
    fi
    findmnt -rn -t cgroup -o TARGET,OPTIONS | awk -v c="${1%%,*}" '
        { n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $1; exit } }'
}

# cg_path PID CTRLS: PID's cgroup in that hierarchy.
cg_path() {
    awk -v c="$2" '{ i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":")
        if (substr(rest, 1, j - 1) == c) { print substr(rest, j + 1); exit } }' "/proc/$1/cgroup"
}

# cg_dir PID CTRL: the host directory of PID's cgroup for a controller.
cg_dir() {
    local m p
    m=$(cg_mount "$2")
    p=$(cg_path "$1" "$2")
    [ -n "$m" ] && [ -n "$p" ] || fail "no $2 cgroup for pid $1: $(oneline "$(cat "/proc/$1/cgroup" 2>&1)")"
    printf '%s%s' "$m" "${p%/}"
}

# cg_read PID CTRL FILE: a file of PID's cgroup.
cg_read() {
    local d
    d=$(cg_dir "$1" "$2")
    [ -r "$d/$3" ] || fail "$d/$3 does not exist"
    cat "$d/$3"
}

# cg_dirs_of PID: every directory of PID's cgroup (one per hierarchy).
cg_dirs_of() {
    local h
    for h in "${HIERS[@]}"; do cg_dir "$1" "$h"; echo; done
}

# cg_dirs_for PATH: PATH in every hierarchy.
cg_dirs_for() {
    local h
    for h in "${HIERS[@]}"; do echo "$(cg_mount "$h")$1"; done
}

assert_dirs_exist() { # DIRS (newline-separated)
    local d
    while read -r d; do
        [ -n "$d" ] && { [ -d "$d" ] || fail "cgroup directory $d does not exist"; }
    done <<<"$1"
}
assert_dirs_gone() { # DIRS
    local d
    while read -r d; do
        [ -n "$d" ] && { [ ! -e "$d" ] || fail "cgroup directory $d left after delete"; }
    done <<<"$1"
}

# assert_cg_paths PID PREFIX-FN: every line of /proc/PID/cgroup has the
# path "$(PREFIX-FN CTRLS)".
assert_cg_paths() {
    local pid=$1 fn=$2 h want got
    for h in "${HIERS[@]}"; do
        want=$("$fn" "$h")
        got=$(cg_path "$pid" "$h")
        assert_eq "$got" "$want" "cgroup of the init in the hierarchy '${h:-cgroup2}'"
    done
}

# Parents the cases create (/pdt, pdt-rel, machine.slice): removed when empty.
script_cleanup() {
    local h m own
    for h in "${HIERS[@]}"; do
        m=$(cg_mount "$h")
        own=$(cg_path $$ "$h")
        rmdir "$m/pdt" "$m${own%/}/pdt-rel" "$m/pdt-rel" 2>/dev/null
        [ -e "$T/machine.slice.existed" ] || rmdir "$m/machine.slice" 2>/dev/null
    done
}
for h in "${HIERS[@]}"; do
    [ -d "$(cg_mount "$h")/machine.slice" ] && : >"$T/machine.slice.existed"
done

# ---------------------------------------------------------------- paths

ABS_ID=
want_abs() { echo "/pdt/$ABS_ID"; }
t_path_absolute() {
    setup_bundle
    CID=$(new_id)
    ABS_ID=$CID
    cfg_set "$B" '.linux.cgroupsPath = $p' --arg p "/pdt/$CID"
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    assert_cg_paths "$CPID" want_abs
    local dirs
    dirs=$(cg_dirs_of "$CPID")
    assert_dirs_exist "$dirs"
    [ "$(wc -l <<<"$dirs")" -ge 9 ] || fail "expected a directory in 9 v1 hierarchies and cgroup2, got $(oneline "$dirs")"
    grep -qx "$CPID" "$(cg_dir "$CPID" pids)/cgroup.procs" || fail "init $CPID not in pids cgroup.procs"
    stop_container "$CID"
    assert_dirs_gone "$(cg_dirs_for "/pdt/$CID")"
    no_leaks "$CID" "$B"
}

REL_ID=
want_rel() { local own; own=$(cg_path $$ "$1"); echo "${own%/}/pdt-rel/$REL_ID"; }
t_path_relative() {
    setup_bundle
    CID=$(new_id)
    REL_ID=$CID
    cfg_set "$B" '.linux.cgroupsPath = $p' --arg p "pdt-rel/$CID"
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    local dirs
    dirs=$(cg_dirs_of "$CPID")
    note "caller: $(oneline "$(cat /proc/$$/cgroup)")"
    note "init:   $(oneline "$(cat "/proc/$CPID/cgroup")")"
    # Relative to the caller's cgroup in each hierarchy (as runc: on v1 the
    # caller can be in a different cgroup per controller).
    assert_cg_paths "$CPID" want_rel
    assert_dirs_exist "$dirs"
    stop_container "$CID"
    assert_dirs_gone "$dirs"
    no_leaks "$CID" "$B"
}

DEF_ID=
want_default() { echo "/paddock/$DEF_ID"; }
t_path_default() {
    setup_bundle
    [ "$(cfg_get "$B" '.linux.cgroupsPath // ""')" = "" ] || fail "the spec config has a cgroupsPath"
    start_container
    DEF_ID=$CID
    assert_cg_paths "$CPID" want_default
    local dirs
    dirs=$(cg_dirs_of "$CPID")
    assert_dirs_exist "$dirs"
    stop_container "$CID"
    assert_dirs_gone "$dirs"
    assert_dirs_gone "$(cg_dirs_for "/paddock/$CID")"
    no_leaks "$CID" "$B"
}

SD_ID=
want_systemd() { echo "/machine.slice/pdt-$SD_ID.scope"; }
t_path_systemd() {
    setup_bundle
    CID=$(new_id)
    SD_ID=$CID
    cfg_set "$B" '.linux.cgroupsPath = $p' --arg p "machine.slice:pdt:$CID"
    rt_ok --systemd-cgroup run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    assert_cg_paths "$CPID" want_systemd
    local dirs
    dirs=$(cg_dirs_of "$CPID")
    assert_dirs_exist "$dirs"
    rt kill "$CID" KILL >/dev/null 2>&1
    wait_status "$CID" stopped
    rt_ok --systemd-cgroup delete "$CID"
    assert_dirs_gone "$dirs"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- resources

t_resources_files() {
    setup_bundle
    # Control: without resources the files hold the kernel's defaults.
    start_container
    local ctl=$CPID ctl_id=$CID
    assert_eq "$(cg_read "$ctl" pids pids.max)" max "pids.max without a limit"
    assert_ne "$(cg_read "$ctl" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes without a limit"
    stop_container "$ctl_id"
    cfg_set "$B" '.linux.resources += {
        memory: {limit: 67108864, reservation: 33554432},
        pids: {limit: 50},
        cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0"}}'
    start_container
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes"
    assert_eq "$(cg_read "$CPID" memory memory.soft_limit_in_bytes)" 33554432 "memory.soft_limit_in_bytes"
    assert_eq "$(cg_read "$CPID" pids pids.max)" 50 "pids.max"
    assert_eq "$(cg_read "$CPID" cpu cpu.shares)" 512 "cpu.shares"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_quota_us)" 50000 "cpu.cfs_quota_us"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_period_us)" 100000 "cpu.cfs_period_us"
    assert_eq "$(cg_read "$CPID" cpuset cpuset.cpus)" 0 "cpuset.cpus"
    stop_container "$CID"
    no_leaks "$ctl_id" "$CID" "$B"
}

# Forks until the kernel refuses (in a subshell: ash gives up at the first
# failed fork), then counts the container's processes with builtins only.
FORK_LOOP='( for i in $(seq 30); do sleep 20 & done ) 2>/dev/null; set -- /proc/[0-9]*; echo "procs=$#"'
t_pids_limit_enforced() {
    setup_bundle
    # Control: without a limit all 30 children start.
    run_in "$B" sh -c "$FORK_LOOP"
    assert_ok "fork loop without a pids limit"
    local n=${OUT##*procs=}
    [ "$n" -ge 31 ] 2>/dev/null || fail "without a pids limit only '$n' processes ran (expected 31): $(oneline "$OUT")"
    local ctl=$RUN_ID
    cfg_set "$B" '.linux.resources.pids = {limit: 10}'
    run_in "$B" sh -c "$FORK_LOOP"
    assert_ok "fork loop with pids.limit 10"
    n=${OUT##*procs=}
    [[ $n =~ ^[0-9]+$ ]] || fail "no process count: $(oneline "$OUT $ERR")"
    [ "$n" -le 10 ] || fail "$n processes in a container with pids.limit 10"
    [ "$n" -ge 5 ] || fail "only $n processes with pids.limit 10"
    no_leaks "$ctl" "$RUN_ID" "$B"
}

# mknod and open a device outside the default list (/dev/fuse, c 10:229).
# (A failed redirection on ":" ends ash: open in a subshell.)
DEV_SCRIPT='rm -f /tmp/fuse; echo x >/dev/null && echo null-ok; [ "$(head -c 3 /dev/zero | wc -c)" = 3 ] && echo zero-ok
mknod /tmp/fuse c 10 229 && echo mknod-ok; (: </tmp/fuse) && echo open-ok; rm -f /tmp/fuse'
t_devices_deny() {
    setup_bundle
    cfg_set "$B" '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
    assert_eq "$(cfg_get "$B" '.linux.resources.devices | tostring')" '[{"allow":false,"access":"rwm"}]' "devices of the spec config"
    run_in "$B" sh -c "$DEV_SCRIPT"
    local id1=$RUN_ID
    assert_contains "$OUT" null-ok "/dev/null with deny-all plus the defaults"
    assert_contains "$OUT" zero-ok "/dev/zero with deny-all plus the defaults"
    assert_not_contains "$OUT" open-ok "open of a c 10:229 node (denied by the devices cgroup)"
    if is_paddock; then
        assert_not_contains "$OUT" mknod-ok "mknod c 10 229 (denied by the devices cgroup)"
        assert_contains "$ERR" "Operation not permitted" "stderr of the denied mknod"
    fi
    # Control: allowed by a rule, the same works.
    cfg_set "$B" '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]'
    run_in "$B" sh -c "$DEV_SCRIPT"
    assert_contains "$OUT" mknod-ok "mknod c 10 229 with an allow rule"
    assert_contains "$OUT" open-ok "open of c 10:229 with an allow rule"
    no_leaks "$id1" "$RUN_ID" "$B"
}

# ---------------------------------------------------------------- OOM

t_oom_events() {
    setup_bundle
    CID=$(new_id)
    # dd's 64M buffer is anonymous memory charged to the memcg (no swap here).
    set_args "$B" dd if=/dev/zero of=/dev/null bs=64M count=1
    cfg_set "$B" '.linux.cgroupsPath = $p | .linux.resources.memory = {limit: 16777216}' --arg p "/pdt/$CID"
    rt_ok create --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    local mdir
    mdir=$(cg_dir "$CPID" memory)
    timeout -k 2 10 "$RUNTIME" --root "$STATE_ROOT" events --interval 100ms "$CID" >"$T/ev.out" 2>"$T/ev.err" &
    local ev=$!
    wait_file "$T/ev.out" 50 || fail "events printed nothing before start: $(oneline "$(cat "$T/ev.err")")"
    rt_ok start "$CID"
    wait_status "$CID" stopped 100
    assert_match "$(grep '^oom_kill ' "$mdir/memory.oom_control")" '^oom_kill [1-9]' "memory.oom_control after the OOM"
    local i
    for ((i = 0; i < 30; i++)); do grep -q '"oom"' "$T/ev.out" && break; sleep 0.1; done
    is_runc && kill "$ev" 2>/dev/null # runc's events does not exit on its own
    wait "$ev"
    note "events: $(oneline "$(cat "$T/ev.out" "$T/ev.err")")"
    jq -e -s --arg id "$CID" 'map(select(.type == "oom" and .id == $id)) | length >= 1' "$T/ev.out" >/dev/null ||
        fail "no {\"type\":\"oom\",\"id\":\"$CID\"} line from events: $(oneline "$(grep -v stats "$T/ev.out" | head -3)")"
    rt_ok delete "$CID"
    assert_dirs_gone "$(cg_dirs_for "/pdt/$CID")"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- kill --all

# cg_procs DIR: the pids in DIR/cgroup.procs, on one line.
cg_procs() { cat "$1/cgroup.procs" 2>/dev/null | sort -n | tr '\n' ' '; }

t_kill_all() {
    setup_bundle
    # No pid namespace: killing the init alone would leave its children.
    cfg_set "$B" '.linux.namespaces |= map(select(.type != "pid"))'
    start_container sh -c 'sleep 100 & sleep 100 & sh -c "sleep 100 & wait" & wait'
    local pdir i procs= dirs
    pdir=$(cg_dir "$CPID" pids)
    dirs=$(cg_dirs_of "$CPID")
    for ((i = 0; i < 50; i++)); do
        procs=$(cg_procs "$pdir")
        [ "$(wc -w <<<"$procs")" -ge 5 ] && break
        sleep 0.1
    done
    [ "$(wc -w <<<"$procs")" -ge 5 ] || fail "expected 5 processes in the cgroup, got '$procs'"
    local p
    for p in $procs; do track_pid "$p"; done
    rt_ok kill --all "$CID" KILL
    for ((i = 0; i < 50; i++)); do
        [ -z "$(cg_procs "$pdir")" ] && break
        sleep 0.1
    done
    assert_eq "$(cg_procs "$pdir")" "" "cgroup.procs after kill --all"
    for p in $procs; do ! _pid_alive "$p" || fail "process $p still alive after kill --all"; done
    wait_status "$CID" stopped
    rt_ok delete "$CID"
    assert_dirs_gone "$dirs"
    [ ! -d "$pdir" ] || fail "$pdir left after delete"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- ps

t_ps() {
    setup_bundle
    start_container sh -c 'sleep 100 & wait'
    local child i
    for ((i = 0; i < 50; i++)); do
        child=$(pgrep -P "$CPID" | head -n1)
        [ -n "$child" ] && break
        sleep 0.1
    done
    [ -n "$child" ] || fail "the init $CPID started no child"
    track_pid "$child"
    rt_ok ps --format json "$CID"
    assert_eq "$(jq -c 'sort' <<<"$OUT")" "[$CPID,$child]" "ps --format json"
    rt_ok ps "$CID"
    local hdr col
    hdr=$(head -n1 <<<"$OUT")
    col=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "PID") print i }' <<<"$hdr")
    [ -n "$col" ] || fail "ps: no PID column in '$hdr'"
    assert_eq "$(tail -n +2 <<<"$OUT" | awk -v c="$col" '{ print $c }' | sort -n | tr '\n' ' ')" "$CPID $child " "pids of the ps table"
    assert_not_contains "$OUT" " $$ " "ps table (the test's own shell)"
    rt_ok ps "$CID" -o pid,comm
    assert_eq "$(awk '{ print $1, $2 }' <<<"$OUT" | tr '\n' ';')" "PID COMMAND;$CPID sh;$child sleep;" "ps ID -o pid,comm"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- pause

# count: lines the counter loop has appended so far.
count() { wc -l <"/proc/$CPID/root/tmp/count" 2>/dev/null || echo 0; }

t_pause_resume() {
    setup_bundle
    start_container sh -c 'while :; do echo x >>/tmp/count; sleep 0.05; done'
    local fdir c1 c2 c3
    fdir=$(cg_dir "$CPID" freezer)
    sleep 0.3
    [ "$(count)" -gt 0 ] || fail "the counter loop does not run"
    assert_eq "$(cg_read "$CPID" freezer freezer.state)" THAWED "freezer.state before pause"
    rt_ok pause "$CID"
    assert_eq "$(state_status "$CID")" paused "status after pause"
    assert_eq "$(cat "$fdir/freezer.state")" FROZEN "freezer.state after pause"
    c1=$(count)
    sleep 0.5
    c2=$(count)
    assert_eq "$c2" "$c1" "counter while paused"
    rt_ok resume "$CID"
    assert_eq "$(state_status "$CID")" running "status after resume"
    assert_eq "$(cat "$fdir/freezer.state")" THAWED "freezer.state after resume"
    sleep 0.5
    c3=$(count)
    [ "$c3" -gt "$c2" ] || fail "counter does not advance after resume ($c2 -> $c3)"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_pause_refused() {
    setup_bundle
    set_args "$B" sleep 100
    CID=$(new_id)
    rt_ok create --bundle "$B" "$CID"
    track_pid "$(state_pid "$CID")"
    rtc pause "$CID"
    assert_failed "pause of a created container"
    assert_err_contains created
    assert_eq "$(state_status "$CID")" created "status after the refused pause"
    rt_ok start "$CID"
    rtc resume "$CID"
    assert_failed "resume of a running container"
    assert_err_contains "paused"
    assert_eq "$(state_status "$CID")" running "status after the refused resume"
    rt kill "$CID" KILL >/dev/null 2>&1
    wait_status "$CID" stopped
    rtc pause "$CID"
    assert_failed "pause of a stopped container"
    assert_err_contains stopped
    rtc resume "$CID"
    assert_failed "resume of a stopped container"
    assert_err_contains stopped
    rt_ok delete "$CID"
    no_leaks "$CID" "$B"
}

t_pause_delete_force() {
    setup_bundle
    start_container sh -c 'sleep 100 & wait'
    local dirs
    dirs=$(cg_dirs_of "$CPID")
    rt_ok pause "$CID"
    assert_eq "$(state_status "$CID")" paused "status after pause"
    rt_ok delete --force "$CID"
    rtc state "$CID"
    assert_failed "state after delete --force"
    assert_dirs_gone "$dirs"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- update

t_update_flags() {
    setup_bundle
    cfg_set "$B" '.linux.resources += {memory: {limit: 67108864}, pids: {limit: 50}}'
    start_container
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes before update"
    rt_ok update --memory 32m --pids-limit 20 "$CID"
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 33554432 "memory.limit_in_bytes after update --memory 32m"
    assert_eq "$(cg_read "$CPID" pids pids.max)" 20 "pids.max after update --pids-limit 20"
    # runc spells it --cpu-share; paddock takes both.
    if is_paddock; then
        rt_ok update --cpu-shares 300 "$CID"
        assert_eq "$(cg_read "$CPID" cpu cpu.shares)" 300 "cpu.shares after update --cpu-shares 300"
    fi
    rt_ok update --cpu-share 256 --cpu-quota 20000 --cpu-period 50000 --cpuset-cpus 0 "$CID"
    assert_eq "$(cg_read "$CPID" cpu cpu.shares)" 256 "cpu.shares after update"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_quota_us)" 20000 "cpu.cfs_quota_us after update"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_period_us)" 50000 "cpu.cfs_period_us after update"
    assert_eq "$(cg_read "$CPID" cpuset cpuset.cpus)" 0 "cpuset.cpus after update"
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 33554432 "memory.limit_in_bytes after a cpu update"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

DOCKER_JSON=$REPO/tests/fixtures/engine-configs/docker-update.resources-stdin.json
PODMAN_JSON=$REPO/tests/fixtures/engine-configs/podman-update.resources.json

t_update_docker_stdin() {
    setup_bundle
    cfg_set "$B" '.linux.resources += {memory: {limit: 67108864, reservation: 8388608}, cpu: {shares: 512}}'
    start_container
    # docker update --cpus/--pids-limit: memory.limit and swap are 0, "unset".
    jq '.memory.limit = 0 | .memory.swap = 0' "$DOCKER_JSON" >"$T/docker-zeros.json"
    rtc update --resources - "$CID" <"$T/docker-zeros.json"
    assert_ok
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes after memory.limit 0"
    assert_eq "$(cg_read "$CPID" memory memory.soft_limit_in_bytes)" 8388608 "memory.soft_limit_in_bytes after reservation 0"
    assert_eq "$(cg_read "$CPID" cpu cpu.shares)" 512 "cpu.shares after shares 0"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_quota_us)" 50000 "cpu.cfs_quota_us"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_period_us)" 100000 "cpu.cfs_period_us"
    assert_eq "$(cg_read "$CPID" pids pids.max)" 77 "pids.max"
    # The fixture as captured (docker update --memory 96m --memory-swap 96m ...).
    rtc update --resources - "$CID" <"$DOCKER_JSON"
    assert_ok
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 100663296 "memory.limit_in_bytes"
    assert_eq "$(cg_read "$CPID" memory memory.memsw.limit_in_bytes)" 100663296 "memory.memsw.limit_in_bytes"
    assert_eq "$(cg_read "$CPID" memory memory.soft_limit_in_bytes)" 8388608 "memory.soft_limit_in_bytes after reservation 0"
    assert_eq "$(cg_read "$CPID" cpu cpu.shares)" 512 "cpu.shares after shares 0"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_update_podman_file() {
    setup_bundle
    start_container
    rt_ok update --resources "$PODMAN_JSON" "$CID"
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 100663296 "memory.limit_in_bytes"
    assert_eq "$(cg_read "$CPID" memory memory.memsw.limit_in_bytes)" 201326592 "memory.memsw.limit_in_bytes"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_quota_us)" 50000 "cpu.cfs_quota_us"
    assert_eq "$(cg_read "$CPID" cpu cpu.cfs_period_us)" 100000 "cpu.cfs_period_us"
    # podman's --resources=FILE spelling.
    jq '.memory = {limit: 134217728, swap: 268435456}' "$PODMAN_JSON" >"$T/podman2.json"
    rt_ok update "--resources=$T/podman2.json" "$CID"
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 134217728 "memory.limit_in_bytes (--resources=FILE)"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_update_bad_values() {
    setup_bundle
    cfg_set "$B" '.linux.resources += {memory: {limit: 67108864}, pids: {limit: 50}}'
    start_container
    local flag flags=(memory pids-limit cpu-quota cpu-period)
    is_paddock && flags+=(cpu-shares) # runc: --cpu-share
    for flag in "${flags[@]}"; do
        rtc update "--$flag" lots "$CID"
        assert_failed "update --$flag lots"
        assert_err_contains "$flag"
        is_paddock && { assert_rc 2 "update --$flag lots (usage error)"; assert_err_contains "--$flag"; }
    done
    rtc update --resources "$T/missing.json" "$CID"
    assert_failed "update --resources with a missing file"
    assert_err_contains missing.json
    assert_eq "$(cg_read "$CPID" memory memory.limit_in_bytes)" 67108864 "memory.limit_in_bytes after the bad updates"
    assert_eq "$(cg_read "$CPID" pids pids.max)" 50 "pids.max after the bad updates"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_update_stopped() {
    setup_bundle
    set_args "$B" true
    CID=$(new_id)
    rt_ok run --detach --bundle "$B" "$CID"
    wait_status "$CID" stopped
    rtc update --memory 32m "$CID"
    assert_failed "update of a stopped container"
    assert_match "$ERR" 'stopped|not running' "stderr of update of a stopped container"
    is_paddock && assert_err_contains stopped
    rt_ok delete "$CID"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- events

t_events_stats() {
    setup_bundle
    cfg_set "$B" '.linux.resources.pids = {limit: 50}'
    start_container sh -c 'sleep 100 & wait'
    local i
    for ((i = 0; i < 50; i++)); do pgrep -P "$CPID" >/dev/null && break; sleep 0.1; done
    rt_ok events --stats "$CID"
    assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "lines of events --stats"
    jq -e --arg id "$CID" '.type == "stats" and .id == $id
        and (.data.cpu.usage.total | type == "number" and . > 0)
        and (.data.memory.usage.usage | type == "number" and . > 0)
        and (.data.pids.current | type == "number")' <<<"$OUT" >/dev/null ||
        fail "events --stats: not the expected stats JSON: $(oneline "$OUT")"
    assert_eq "$(jq .data.pids.current <<<"$OUT")" 2 "data.pids.current (sh and sleep)"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_events_interval() {
    setup_bundle
    start_container sleep 1.5
    local t0=$SECONDS
    rtb 8 events --interval 200ms "$CID"
    note "events: $(oneline "$OUT")"
    assert_rc 0 "events --interval 200ms (exits when the container stops, within 8s)"
    [ $((SECONDS - t0)) -le 5 ] || fail "events took $((SECONDS - t0))s to exit after a 1.5s container"
    local n
    n=$(jq -s --arg id "$CID" 'map(select(.type == "stats" and .id == $id and (.data.memory.usage.usage | type == "number"))) | length' <<<"$OUT") ||
        fail "events output is not JSON lines: $(oneline "$OUT")"
    [ "$n" -ge 3 ] || fail "only $n stats lines in 1.5s at 200ms"
    assert_eq "$(state_status "$CID")" stopped "status after events exited"
    rt_ok delete "$CID"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- checkpoint

t_checkpoint_refused() {
    cd "$T" || fail "cd $T" # runc writes ./checkpoint
    setup_bundle
    start_container
    rtc checkpoint "$CID"
    assert_failed "checkpoint"
    assert_err_contains "not supported"
    assert_eq "$(state_status "$CID")" running "status after a refused checkpoint"
    rtc restore --bundle "$B" "$(new_id)"
    assert_failed "restore"
    assert_err_contains "not supported"
    rt_ok checkpoint --help
    assert_contains "$OUT" "ot supported" "checkpoint --help"
    rt_ok --help
    assert_match "$(grep -i checkpoint <<<"$OUT")" 'not supported' "checkpoint in --help"
    rt_ok features
    assert_eq "$(jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]' <<<"$OUT")" false "features: annotations checkpoint.enabled"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

# ---------------------------------------------------------------- rootless

user_state_gone() {
    ! as_user test -e "$TEST_USER_RUN_DIR/$RUNTIME_NAME/$1" || fail "state dir $TEST_USER_RUN_DIR/$RUNTIME_NAME/$1 left behind"
}

t_rootless_no_resources_warns() {
    rootless_setup
    local b=$T/rootless
    user_bundle "$b" sh -c 'echo in-container'
    [ "$(cfg_get "$b" '.linux.resources // {} | tostring')" = "{}" ] || fail "spec --rootless has resources"
    local id
    id=$(user_new_id rootless)
    urtc run --bundle "$b" "$id"
    assert_ok "rootless run without resources"
    assert_eq "$OUT" in-container "output of the rootless container"
    assert_contains "$ERR" cgroup "stderr of a rootless run without a writable cgroup (the warning)"
    assert_dirs_gone "$(cg_dirs_for "/paddock/$id")"
    user_state_gone "$id"
    no_leaks "$id" "$b"
}

t_rootless_memory_limit_fails() {
    rootless_setup
    local b=$T/rootless
    user_bundle "$b" sh -c 'echo in-container'
    cfg_set "$b" '.linux.resources = {memory: {limit: 33554432}}'
    chown "$TEST_USER:" "$b/config.json"
    local id
    id=$(user_new_id rootless)
    urtc run --bundle "$b" "$id"
    assert_failed "rootless run with linux.resources.memory.limit"
    assert_not_contains "$OUT" in-container "stdout of the refused rootless run"
    assert_contains "$ERR" ".linux.resources.memory" "error of a rootless memory limit (the field)"
    assert_contains "$ERR" "cgroup" "error of a rootless memory limit (the cause)"
    is_paddock && assert_contains "$ERR" "no delegation" "error of a rootless memory limit (the cause)"
    assert_dirs_gone "$(cg_dirs_for "/paddock/$id")"
    user_state_gone "$id"
    no_leaks "$id" "$b"
}

run_case path_absolute t_path_absolute
run_case path_relative t_path_relative
run_case path_default t_path_default
run_case path_systemd t_path_systemd
run_case resources_files t_resources_files
run_case pids_limit_enforced t_pids_limit_enforced
run_case devices_deny t_devices_deny
run_case oom_events t_oom_events
run_case kill_all t_kill_all
run_case ps t_ps
run_case pause_resume t_pause_resume
run_case pause_refused t_pause_refused
run_case pause_delete_force t_pause_delete_force
run_case update_flags t_update_flags
run_case update_docker_stdin t_update_docker_stdin
run_case update_podman_file t_update_podman_file
run_case update_bad_values t_update_bad_values
run_case update_stopped t_update_stopped
run_case events_stats t_events_stats
run_case events_interval t_events_interval
run_case checkpoint_refused t_checkpoint_refused
run_case rootless_no_resources_warns t_rootless_no_resources_warns
run_case rootless_memory_limit_fails t_rootless_memory_limit_fails
finish
