#!/usr/bin/env bash
# Namespaces: new ones differ from the host's, joined ones (by path) are
# shared, hostname/domainname are set, a time namespace applies its offsets.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   domainname   runc 1.1.5 ignores "domainname" (supported from runc 1.2).
#   time_namespace_offsets  runc 1.1.5 has no time namespace ("namespace
#                {"time" ""} does not exist"; supported from runc 1.2).
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() { [ -d "$B" ] || make_bundle "$B" true; }

NS_SCRIPT='for n in pid net ipc uts mnt cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done'

host_ns() { readlink "/proc/$$/ns/$1"; }

# ns_of OUTPUT NAME: the "NAME:[inode]" line of NS_SCRIPT output
ns_of() { printf '%s\n' "$1" | awk -v n="$2" '$1 == n { print $2 }'; }

t_all_new_namespaces() {
    setup_bundle
    cfg_set "$B" '.linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"},{"type":"user"}]
        | .linux.uidMappings = [{"containerID":0,"hostID":300000,"size":65536}]
        | .linux.gidMappings = [{"containerID":0,"hostID":300000,"size":65536}]'
    run_in "$B" sh -c "$NS_SCRIPT"
    cfg_set "$B" 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]'
    assert_ok "run with all namespaces"
    local n inside
    for n in pid net ipc uts mnt cgroup user; do
        inside=$(ns_of "$OUT" "$n")
        assert_match "$inside" "^$n:\[[0-9]+\]$" "container's $n namespace"
        assert_ne "$inside" "$(host_ns "$n")" "container's $n namespace vs the host's"
    done
    no_leaks "$RUN_ID" "$B"
}

t_default_spec_namespaces() {
    # The default spec (pid network ipc uts mount, no user/cgroup on a
    # non-rootless spec) gives new namespaces for exactly the listed types.
    setup_bundle
    local listed
    listed=$(cfg_get "$B" '[.linux.namespaces[].type] | sort | join(" ")')
    run_in "$B" sh -c "$NS_SCRIPT"
    assert_ok "run with the default namespaces"
    local n t inside
    for n in pid net ipc uts mnt cgroup user; do
        case $n in net) t=network ;; mnt) t=mount ;; *) t=$n ;; esac
        inside=$(ns_of "$OUT" "$n")
        [ -n "$inside" ] || fail "no $n namespace link inside the container"
        if [[ " $listed " == *" $t "* ]]; then
            assert_ne "$inside" "$(host_ns "$n")" "$n namespace (listed in the config)"
        else
            assert_eq "$inside" "$(host_ns "$n")" "$n namespace (not listed in the config: the host's)"
        fi
    done
    no_leaks "$RUN_ID" "$B"
}

t_no_netns_shares_host() {
    setup_bundle
    cfg_set "$B" '.linux.namespaces |= map(select(.type != "network"))'
    run_in "$B" readlink /proc/self/ns/net
    cfg_set "$B" '.linux.namespaces += [{"type":"network"}]'
    assert_ok "run without a network namespace"
    assert_eq "$OUT" "$(host_ns net)" "net namespace without a network entry"
    no_leaks "$RUN_ID"
}

# The case runs in a subshell: remember the netns in a file for cleanup.
case_cleanup() {
    local n
    [ -s "$T/netns" ] && while read -r n; do ip netns delete "$n"; done <"$T/netns"
    : >"$T/netns"
}

t_join_netns_by_path() {
    setup_bundle
    need_cmd ip iproute2
    local NETNS=pdt-ns-$$-$RANDOM
    echo "$NETNS" >>"$T/netns"
    ip netns add "$NETNS" || fail "ip netns add $NETNS failed"
    local want
    want="net:[$(stat -L -c %i "/run/netns/$NETNS")]"
    snapshot # ip netns add mounts under /run/netns: not the runtime's doing
    cfg_set "$B" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/run/netns/$NETNS"
    run_in "$B" readlink /proc/self/ns/net
    cfg_set "$B" '.linux.namespaces |= map(del(.path))'
    assert_ok "run joining /run/netns/$NETNS"
    assert_eq "$OUT" "$want" "net namespace joined by path"
    # The joined netns is still there and usable afterwards.
    ip netns exec "$NETNS" true || fail "netns $NETNS unusable after the container"
    no_leaks "$RUN_ID" "$B"
    ip netns delete "$NETNS"
    : >"$T/netns"
}

t_join_container_namespaces() {
    setup_bundle
    local a b pid
    a=$(new_id a)
    cfg_set "$B" '.hostname = "pdt-shared"'
    set_args "$B" sleep 30
    rt_ok run --detach --bundle "$B" "$a"
    pid=$(state_pid "$a")
    local B2=$T/bundle2
    [ -d "$B2" ] || make_bundle "$B2" true
    cfg_set "$B2" '.linux.namespaces |= map(if .type == "network" or .type == "uts" or .type == "ipc" then .path = "/proc/\($pid)/ns/" + ({"network":"net","uts":"uts","ipc":"ipc"}[.type]) else . end) | del(.hostname)' --arg pid "$pid"
    set_args "$B2" sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid; hostname'
    b=$(new_id b)
    rtc run --bundle "$B2" "$b"
    assert_ok "run joining the namespaces of container $a"
    local want
    want="$(readlink "/proc/$pid/ns/net")
$(readlink "/proc/$pid/ns/uts")
$(readlink "/proc/$pid/ns/ipc")"
    assert_eq "$(printf '%s\n' "$OUT" | head -n3)" "$want" "net/uts/ipc namespaces joined from /proc/$pid/ns"
    assert_ne "$(printf '%s\n' "$OUT" | sed -n 4p)" "$(readlink "/proc/$pid/ns/pid")" "pid namespace (not joined)"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 5p)" pdt-shared "hostname seen through the joined uts namespace"
    rt_ok delete --force "$a"
    cfg_set "$B" 'del(.hostname)'
    no_leaks "$a" "$b" "$B" "$B2"
}

t_join_wrong_type_fails() {
    setup_bundle
    # A uts namespace given as the network namespace must be refused.
    cfg_set "$B" '.linux.namespaces |= map(if .type == "network" then .path = "/proc/1/ns/uts" else . end)'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    cfg_set "$B" '.linux.namespaces |= map(del(.path))'
    assert_failed "create with a uts namespace as the network namespace"
    no_leaks "$id" "$B"
}

t_join_missing_path_fails() {
    setup_bundle
    cfg_set "$B" '.linux.namespaces |= map(if .type == "network" then .path = "/run/netns/pdt-does-not-exist" else . end)'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    cfg_set "$B" '.linux.namespaces |= map(del(.path))'
    assert_failed "create joining a missing namespace path"
    assert_contains "$ERR" "/run/netns/pdt-does-not-exist" "error for a missing namespace path"
    no_leaks "$id" "$B"
}

t_hostname() {
    setup_bundle
    cfg_set "$B" '.hostname = "pdt-host-1"'
    run_in "$B" sh -c 'hostname; uname -n'
    cfg_set "$B" 'del(.hostname)'
    assert_ok "run with a hostname"
    assert_eq "$OUT" "pdt-host-1
pdt-host-1" "hostname, uname -n"
    [ "$(hostname)" != pdt-host-1 ] || fail "the host's hostname was changed"
    no_leaks "$RUN_ID"
}

t_domainname() {
    setup_bundle
    local host_dn
    host_dn=$(cat /proc/sys/kernel/domainname)
    cfg_set "$B" '.hostname = "pdt-host-2" | .domainname = "pdt.example"'
    run_in "$B" sh -c 'hostname; cat /proc/sys/kernel/domainname'
    cfg_set "$B" 'del(.hostname, .domainname)'
    assert_ok "run with hostname and domainname"
    assert_eq "$OUT" "pdt-host-2
pdt.example" "hostname, domainname"
    assert_eq "$(cat /proc/sys/kernel/domainname)" "$host_dn" "the host's domainname"
    no_leaks "$RUN_ID"
}

t_time_namespace_offsets() {
    # A new time namespace with linux.timeOffsets: CLOCK_BOOTTIME (what
    # /proc/uptime shows) and CLOCK_MONOTONIC are shifted by the offsets.
    # Control: the same run without the time namespace sees the host's
    # uptime, far below the offset.
    setup_bundle
    local mono=$((86400 * 365)) boot=$((2 * 86400 * 365))
    local host_up
    host_up=$(cut -d. -f1 /proc/uptime)
    [ "$host_up" -lt "$mono" ] || fail "host uptime ${host_up}s is not below the 1-year offset: the test cannot tell them apart"
    [ -e /proc/self/ns/time ] || fail "prerequisite missing: the kernel has no time namespaces (/proc/self/ns/time)"
    cfg_set "$B" '.linux.namespaces += [{"type":"time"}]
        | .linux.timeOffsets = {"monotonic":{"secs":$m,"nanosecs":0},"boottime":{"secs":$b,"nanosecs":0}}' \
        --argjson m "$mono" --argjson b "$boot"
    run_in "$B" sh -c 'cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time; cat /proc/self/timens_offsets'
    local id=$RUN_ID
    cfg_set "$B" '.linux.namespaces |= map(select(.type != "time")) | del(.linux.timeOffsets)'
    assert_ok "run with a time namespace and timeOffsets"
    local up
    up=$(printf '%s\n' "$OUT" | sed -n 1p)
    up=${up%%.*}
    assert_match "$up" '^[0-9]+$' "/proc/uptime inside (first field)"
    [ "$up" -ge "$boot" ] || fail "uptime inside the time namespace is ${up}s, below the boottime offset ${boot}s"
    [ "$up" -lt $((boot + host_up + 600)) ] || fail "uptime inside is ${up}s, more than offset + host uptime"
    local tns
    tns=$(printf '%s\n' "$OUT" | sed -n 2p)
    assert_match "$tns" '^time:\[[0-9]+\]$' "container's time namespace"
    assert_ne "$tns" "$(host_ns time)" "container's time namespace vs the host's"
    assert_match "$(printf '%s\n' "$OUT" | grep '^monotonic')" "^monotonic[[:space:]]+${mono}[[:space:]]+0\$" "monotonic offset in /proc/self/timens_offsets"
    assert_match "$(printf '%s\n' "$OUT" | grep '^boottime')" "^boottime[[:space:]]+${boot}[[:space:]]+0\$" "boottime offset in /proc/self/timens_offsets"
    # Control: no time namespace, no offset.
    run_in "$B" sh -c 'cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time'
    assert_ok "run without a time namespace"
    up=$(printf '%s\n' "$OUT" | sed -n 1p)
    up=${up%%.*}
    assert_match "$up" '^[0-9]+$' "/proc/uptime inside without a time namespace"
    [ "$up" -lt "$mono" ] || fail "uptime without a time namespace is ${up}s, not below ${mono}s"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 2p)" "$(host_ns time)" "time namespace without a time entry (the host's)"
    no_leaks "$id" "$RUN_ID" "$B"
}

# The process may run on every CPU the runtime may: paddock moves the
# container's init off its own CPU while the init sets up, and the init
# takes the runtime's set back before the process exists (container.c,
# spawn); with a user namespace too.  runc leaves the set alone.
t_process_cpus() {
    setup_bundle
    local all
    all=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
    run_in "$B" sh -c 'grep Cpus_allowed_list /proc/self/status | cut -f2'
    assert_ok "run"
    assert_eq "$OUT" "$all" "the process's CPUs"
    no_leaks "$RUN_ID" "$B"
    cfg_set "$B" '.linux.namespaces += [{"type":"user"}]
        | .linux.uidMappings = [{"containerID":0,"hostID":300000,"size":65536}]
        | .linux.gidMappings = [{"containerID":0,"hostID":300000,"size":65536}]'
    run_in "$B" sh -c 'grep Cpus_allowed_list /proc/self/status | cut -f2'
    cfg_set "$B" 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces -= [{"type":"user"}]'
    assert_ok "run with a user namespace"
    assert_eq "$OUT" "$all" "the process's CPUs (user namespace)"
    no_leaks "$RUN_ID" "$B"
}

run_case all_new_namespaces t_all_new_namespaces
run_case process_cpus t_process_cpus
run_case default_spec_namespaces t_default_spec_namespaces
run_case no_netns_shares_host t_no_netns_shares_host
run_case join_netns_by_path t_join_netns_by_path
run_case join_container_namespaces t_join_container_namespaces
run_case join_wrong_type_fails t_join_wrong_type_fails
run_case join_missing_path_fails t_join_missing_path_fails
run_case hostname t_hostname
run_case domainname t_domainname
run_case time_namespace_offsets t_time_namespace_offsets
finish
