#!/usr/bin/env bash
# cgroup v2 on this hybrid host: every runtime call runs in a private mount
# namespace where /sys/fs/cgroup is a fresh cgroup2 mount (the hierarchy the
# host has at /sys/fs/cgroup/unified, holding only the hugetlb controller),
# so the runtime sees a pure-v2 host (statfs("/sys/fs/cgroup") is cgroup2).
# Each call gets its own namespace, but they all see the same hierarchy; the
# test reads the container's cgroup through /sys/fs/cgroup/unified.
#
# Cases: v2 detected (the init in "0::/paddock/ID", no v1 directory);
# create/start and an absolute cgroupsPath; pause/resume through
# cgroup.freeze; ps and kill --all; the devices BPF program (deny, and an
# allow rule as the control); hugepageLimits and unified values; a memory
# limit refused (no memory controller on this v2) without leaks; update of a
# unified key; events --stats.
source "$(dirname "$0")/lib.sh"

need_cmd unshare util-linux
U=/sys/fs/cgroup/unified

# The runtime, wrapped: RUNTIME becomes $T/v2/<name> (same basename, so
# is_paddock still holds), which runs the real one in the v2 view.  Every
# lib.sh helper (rt, rtc, state_*, cleanup_containers) goes through it.
REAL_RUNTIME=$RUNTIME
mkdir -p "$T/v2"
cat >"$T/v2/$RUNTIME_NAME" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "\$@"' sh "$REAL_RUNTIME" "\$@"
EOF
chmod 0755 "$T/v2/$RUNTIME_NAME"
RUNTIME=$T/v2/$RUNTIME_NAME

B=$T/bundle

setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" sleep 100
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}

start_container() { # [ARGS...]: run --detach $B; sets CID and CPID
    [ $# -eq 0 ] || set_args "$B" "$@"
    CID=$(new_id)
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
}

# v2_path PID: the "0::" line of /proc/PID/cgroup (the cgroup2 path).
v2_path() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# read_cg DIR FILE
read_cg() {
    [ -r "$1/$2" ] || fail "$1/$2 does not exist"
    cat "$1/$2"
}

script_cleanup() { rmdir "$U/pdt-v2" 2>/dev/null; }

# ---------------------------------------------------------------- cases

# The view is what the cases need, and paddock takes it for v2.
t_v2_detected() {
    [ "$(stat -f -c %T "$U")" = cgroup2fs ] || fail "$U is not a cgroup2 mount"
    assert_contains "$(cat "$U/cgroup.controllers")" hugetlb "$U/cgroup.controllers"
    local t
    t=$(unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && stat -f -c %T /sys/fs/cgroup' 2>&1)
    assert_eq "$t" cgroup2fs "filesystem of /sys/fs/cgroup in the v2 view"
    setup_bundle
    start_container
    note "init: $(oneline "$(cat "/proc/$CPID/cgroup")")"
    assert_eq "$(v2_path "$CPID")" "/paddock/$CID" "cgroup2 path of the init"
    [ -d "$U/paddock/$CID" ] || fail "$U/paddock/$CID does not exist"
    grep -qx "$CPID" "$U/paddock/$CID/cgroup.procs" || fail "init $CPID not in $U/paddock/$CID/cgroup.procs"
    # Control: on v1 paddock would have made /paddock/ID in every v1 hierarchy.
    local d
    for d in pids memory devices freezer; do
        [ ! -e "/sys/fs/cgroup/$d/paddock/$CID" ] || fail "v1 directory /sys/fs/cgroup/$d/paddock/$CID made: paddock did not take the view for v2"
    done
    stop_container "$CID"
    [ ! -e "$U/paddock/$CID" ] || fail "$U/paddock/$CID left after delete"
    no_leaks "$CID" "$B"
}

t_create_start() {
    setup_bundle
    set_args "$B" sh -c 'cat /proc/self/cgroup > /cg.out'
    CID=$(new_id)
    rt_ok create --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    assert_eq "$(state_status "$CID")" created "status after create"
    assert_eq "$(v2_path "$CPID")" "/paddock/$CID" "cgroup2 path of the created init"
    [ -d "$U/paddock/$CID" ] || fail "$U/paddock/$CID does not exist after create"
    rt_ok start "$CID"
    wait_status "$CID" stopped
    wait_file "$B/rootfs/cg.out" || fail "the container wrote no /cg.out"
    grep -q '^0::/' "$B/rootfs/cg.out" || fail "no 0:: line in the container's /proc/self/cgroup: $(oneline "$(cat "$B/rootfs/cg.out")")"
    rm -f "$B/rootfs/cg.out"
    rt_ok delete "$CID"
    [ ! -e "$U/paddock/$CID" ] || fail "$U/paddock/$CID left after delete"
    no_leaks "$CID" "$B"
}

t_path_absolute() {
    setup_bundle
    CID=$(new_id)
    cfg_set "$B" '.linux.cgroupsPath = $p' --arg p "/pdt-v2/$CID"
    rt_ok run --detach --bundle "$B" "$CID"
    CPID=$(state_pid "$CID")
    assert_eq "$(v2_path "$CPID")" "/pdt-v2/$CID" "cgroup2 path of the init"
    [ -d "$U/pdt-v2/$CID" ] || fail "$U/pdt-v2/$CID does not exist"
    [ ! -e "$U/paddock/$CID" ] || fail "$U/paddock/$CID made although cgroupsPath is /pdt-v2/$CID"
    stop_container "$CID"
    [ ! -e "$U/pdt-v2/$CID" ] || fail "$U/pdt-v2/$CID left after delete"
    no_leaks "$CID" "$B"
}

# counter FILE: its number.  The container rewrites it (`echo $i > /cnt`
# truncates first): a read between the truncation and the write finds it
# empty, so read again.
counter() {
    local v i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        v=$(cat "$1" 2>/dev/null)
        [[ $v =~ ^[0-9]+$ ]] && { echo "$v"; return; }
        sleep 0.01
    done
    echo 0
}

t_pause_resume() {
    setup_bundle
    rm -f "$B/rootfs/cnt"
    start_container sh -c 'i=0; while true; do i=$((i+1)); echo $i > /cnt; sleep 0.05; done'
    local dir=$U/paddock/$CID a b
    wait_file "$B/rootfs/cnt" || fail "the counter never started"
    # Control: running, the counter moves.
    a=$(counter "$B/rootfs/cnt"); sleep 0.5; b=$(counter "$B/rootfs/cnt")
    [ "$b" -gt "$a" ] || fail "counter did not move while running ($a -> $b)"
    assert_contains "$(read_cg "$dir" cgroup.events)" "frozen 0" "cgroup.events before pause"
    rt_ok pause "$CID"
    assert_eq "$(state_status "$CID")" paused "status after pause"
    assert_contains "$(read_cg "$dir" cgroup.events)" "frozen 1" "cgroup.events after pause"
    assert_eq "$(read_cg "$dir" cgroup.freeze)" 1 "cgroup.freeze after pause"
    sleep 0.2
    a=$(counter "$B/rootfs/cnt"); sleep 0.5; b=$(counter "$B/rootfs/cnt")
    assert_eq "$b" "$a" "counter while paused"
    rt_ok resume "$CID"
    assert_eq "$(state_status "$CID")" running "status after resume"
    assert_contains "$(read_cg "$dir" cgroup.events)" "frozen 0" "cgroup.events after resume"
    a=$(counter "$B/rootfs/cnt"); sleep 0.5; b=$(counter "$B/rootfs/cnt")
    [ "$b" -gt "$a" ] || fail "counter did not move after resume ($a -> $b)"
    stop_container "$CID"
    rm -f "$B/rootfs/cnt"
    no_leaks "$CID" "$B"
}

t_ps_kill_all() {
    setup_bundle
    start_container sh -c 'sleep 200 & sleep 300 & wait'
    local dir=$U/paddock/$CID procs i
    for i in $(seq 50); do
        procs=$(sort -n "$dir/cgroup.procs")
        [ "$(wc -l <<<"$procs")" -ge 3 ] && break
        sleep 0.1
    done
    [ "$(wc -l <<<"$procs")" -ge 3 ] || fail "expected the init and two children in cgroup.procs, got $(oneline "$procs")"
    while read -r i; do track_pid "$i"; done <<<"$procs"
    rt_ok ps --format json "$CID"
    local listed
    listed=$(jq -r '.[]' <<<"$OUT" 2>/dev/null | sort -n) || fail "ps --format json: not a JSON array: $(oneline "$OUT")"
    assert_eq "$(oneline "$listed")" "$(oneline "$procs")" "ps --format json against cgroup.procs"
    grep -qx "$CPID" <<<"$listed" || fail "ps does not list the init $CPID"
    rt_ok kill --all "$CID" KILL
    for i in $(seq 50); do
        [ -z "$(cat "$dir/cgroup.procs" 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -z "$(cat "$dir/cgroup.procs" 2>/dev/null)" ] || fail "cgroup.procs not empty after kill --all: $(oneline "$(cat "$dir/cgroup.procs")")"
    wait_status "$CID" stopped
    rt_ok delete "$CID"
    [ ! -e "$dir" ] || fail "$dir left after delete"
    no_leaks "$CID" "$B"
}

# devices_case RULES-JSON: run a container that writes /dev/null and opens
# /fusedev (c 10:229, made in the rootfs by the test); sets RC/OUT/ERR.
devices_case() {
    setup_bundle
    rm -f "$B/rootfs/fusedev"
    mknod "$B/rootfs/fusedev" c 10 229 || fail "mknod $B/rootfs/fusedev failed"
    cfg_set "$B" '.linux.resources.devices = $d' --argjson d "$1"
    set_args "$B" sh -c 'echo x > /dev/null || { echo NULL-FAILED; exit 3; }; : < /fusedev && echo OPENED'
    CID=$(new_id)
    rtc run --bundle "$B" "$CID"
    rm -f "$B/rootfs/fusedev"
}

t_devices_deny() {
    devices_case '[{"allow":false,"access":"rwm"}]'
    note "rc $RC out $(oneline "$OUT") err $(oneline "$ERR")"
    assert_not_contains "$OUT" NULL-FAILED "writing /dev/null (a default device)"
    assert_not_contains "$OUT" OPENED "output (opening c 10:229 must be denied)"
    assert_contains "$OUT$ERR" "fusedev" "error of opening c 10:229"
    assert_contains "$OUT$ERR" "Operation not permitted" "error of opening c 10:229"
    [ "$RC" != 0 ] || fail "the container exited 0 although the open was denied"
    no_leaks "$CID" "$B"
}

t_devices_allow() {
    devices_case '[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"}]'
    note "rc $RC out $(oneline "$OUT") err $(oneline "$ERR")"
    assert_not_contains "$OUT$ERR" "Operation not permitted" "output with c 10:229 allowed"
    assert_contains "$OUT" OPENED "output with c 10:229 allowed"
    assert_ok
    no_leaks "$CID" "$B"
}

t_hugetlb_unified() {
    [ -e "$U/hugetlb.2MB.max" ] || [ -e "$U/paddock/hugetlb.2MB.max" ] ||
        [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || fail "no 2MB huge pages on this host"
    setup_bundle
    # Control: the defaults.
    start_container
    local dir=$U/paddock/$CID
    assert_eq "$(read_cg "$dir" cgroup.max.descendants)" max "cgroup.max.descendants without a unified value"
    local def
    def=$(read_cg "$dir" hugetlb.2MB.max)
    assert_ne "$def" 4194304 "hugetlb.2MB.max without a limit"
    stop_container "$CID"
    cfg_set "$B" '.linux.resources.hugepageLimits = [{"pageSize":"2MB","limit":4194304}] |
        .linux.resources.unified = {"cgroup.max.descendants":"5"}'
    start_container
    dir=$U/paddock/$CID
    assert_eq "$(read_cg "$dir" hugetlb.2MB.max)" 4194304 "hugetlb.2MB.max"
    assert_eq "$(read_cg "$dir" cgroup.max.descendants)" 5 "cgroup.max.descendants"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

t_memory_refused() {
    setup_bundle
    cfg_set "$B" '.linux.resources.memory = {"limit":104857600}'
    CID=$(new_id)
    rtc run --detach --bundle "$B" "$CID"
    assert_failed
    assert_err_contains ".linux.resources.memory"
    [ ! -e "$U/paddock/$CID" ] || fail "$U/paddock/$CID left after the failed run"
    rtc state "$CID"
    [ "$RC" != 0 ] || fail "state of the failed container succeeded: $(oneline "$OUT")"
    no_leaks "$CID" "$B"
}

t_update_unified() {
    setup_bundle
    cfg_set "$B" '.linux.resources.unified = {"cgroup.max.descendants":"5"}'
    start_container
    local dir=$U/paddock/$CID
    assert_eq "$(read_cg "$dir" cgroup.max.descendants)" 5 "cgroup.max.descendants before update"
    echo '{"unified":{"cgroup.max.descendants":"7"}}' >"$T/res.json"
    rt_ok update --resources "$T/res.json" "$CID"
    assert_eq "$(read_cg "$dir" cgroup.max.descendants)" 7 "cgroup.max.descendants after update"
    # Control: a key that is no file name is refused and changes nothing.
    echo '{"unified":{"../cgroup.max.descendants":"9"}}' >"$T/res.json"
    rtc update --resources "$T/res.json" "$CID"
    assert_failed
    assert_eq "$(read_cg "$dir" cgroup.max.descendants)" 7 "cgroup.max.descendants after a refused update"
    assert_eq "$(read_cg "$U/paddock" cgroup.max.descendants)" max "$U/paddock/cgroup.max.descendants"
    rt_ok events --stats "$CID"
    jq -e --arg id "$CID" '.type == "stats" and .id == $id and (.data | type == "object")' <<<"$OUT" >/dev/null ||
        fail "events --stats: not a stats object for $CID: $(oneline "$OUT")"
    stop_container "$CID"
    no_leaks "$CID" "$B"
}

run_case v2_detected t_v2_detected
run_case create_start t_create_start
run_case path_absolute t_path_absolute
run_case pause_resume t_pause_resume
run_case ps_kill_all t_ps_kill_all
run_case devices_deny t_devices_deny
run_case devices_allow t_devices_allow
run_case hugetlb_unified t_hugetlb_unified
run_case memory_refused t_memory_refused
run_case update_unified t_update_unified
finish
