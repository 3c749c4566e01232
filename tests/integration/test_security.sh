#!/usr/bin/env bash
# Process security settings: capabilities, noNewPrivileges, seccomp, rlimits,
# user/groups, umask, file descriptors, cwd, /proc/PID/exe of the init,
# linux.sysctl, process.oomScoreAdj.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   init_exe_not_runtime  runc 1.1.5's created init is readable through /proc/1/exe
#                         from a container sharing its pid namespace.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" true
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}

t_caps_configured_sets() {
    # As a non-root user the kernel keeps exactly the configured sets
    # (permitted/effective come from ambient, which needs inheritable).
    setup_bundle
    local bnd=(CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SETUID)
    local rest=(CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)
    cfg_set "$B" '.process.user = {"uid":1000,"gid":1000}
        | .process.capabilities = {"bounding":$b,"effective":$r,"permitted":$r,"inheritable":$r,"ambient":$r}' \
        --argjson b "$(json_array "${bnd[@]}")" --argjson r "$(json_array "${rest[@]}")"
    run_in "$B" grep Cap /proc/self/status
    assert_ok "run with configured capabilities"
    assert_eq "$(capline CapBnd)" "$(capmask "${bnd[@]}")" "CapBnd"
    assert_eq "$(capline CapPrm)" "$(capmask "${rest[@]}")" "CapPrm"
    assert_eq "$(capline CapEff)" "$(capmask "${rest[@]}")" "CapEff"
    assert_eq "$(capline CapInh)" "$(capmask "${rest[@]}")" "CapInh"
    assert_eq "$(capline CapAmb)" "$(capmask "${rest[@]}")" "CapAmb"
    no_leaks "$RUN_ID" "$B"
}

t_caps_default_spec_root() {
    # The default spec runs as root: after execve the kernel gives root
    # permitted = effective = bounding; no inheritable, no ambient.
    setup_bundle
    local bnd inh
    mapfile -t bnd < <(cfg_get "$B" '.process.capabilities.bounding // [] | .[]')
    mapfile -t inh < <(cfg_get "$B" '.process.capabilities.inheritable // [] | .[]')
    [ ${#bnd[@]} -gt 0 ] || fail "default spec has no bounding capabilities"
    [[ " ${bnd[*]} " == *" CAP_SYS_ADMIN "* ]] && fail "default spec grants CAP_SYS_ADMIN"
    run_in "$B" grep Cap /proc/self/status
    assert_ok "run with the default spec"
    assert_eq "$(capline CapBnd)" "$(capmask "${bnd[@]}")" "CapBnd (default spec)"
    assert_eq "$(capline CapPrm)" "$(capmask "${bnd[@]}")" "CapPrm (default spec, root)"
    assert_eq "$(capline CapEff)" "$(capmask "${bnd[@]}")" "CapEff (default spec, root)"
    assert_eq "$(capline CapInh)" "$(capmask "${inh[@]}")" "CapInh (default spec)"
    assert_eq "$(capline CapAmb)" 0000000000000000 "CapAmb (default spec, root)"
    no_leaks "$RUN_ID"
}

t_caps_caller_ambient_cleared() {
    # The caller's ambient capabilities do not reach the container: a
    # runtime started with CAP_NET_RAW ambient (setpriv) runs a process
    # whose config has no ambient set with none.  As root, with CAP_NET_RAW
    # permitted and inheritable, only clearing the ambient set takes it
    # away (the kernel keeps an ambient cap that stays in both; a uid
    # other than 0 would lose it in setuid).
    setup_bundle
    local id c='["CAP_NET_RAW"]'
    id=$(new_id amb)
    cfg_set "$B" '.process.capabilities = {"bounding":$c,"effective":$c,"permitted":$c,"inheritable":$c,"ambient":[]}' \
        --argjson c "$c"
    set_args "$B" grep Cap /proc/self/status
    OUT=$(timeout -k 5 "$RT_TIMEOUT" setpriv --inh-caps +net_raw --ambient-caps +net_raw \
        "$RUNTIME" --root "$STATE_ROOT" run --bundle "$B" "$id" 2>"$T/amb.err")
    RC=$?
    ERR=$(cat "$T/amb.err")
    assert_ok "run under setpriv --ambient-caps +net_raw"
    assert_eq "$(capline CapAmb)" 0000000000000000 "CapAmb (the caller's ambient CAP_NET_RAW)"
    assert_eq "$(capline CapInh)" "$(capmask CAP_NET_RAW)" "CapInh (config)"
    OUT=$(setpriv --inh-caps +net_raw --ambient-caps +net_raw grep CapAmb /proc/self/status)
    assert_eq "$(capline CapAmb)" "$(capmask CAP_NET_RAW)" "CapAmb of setpriv's own process (the control)"
    no_leaks "$id"
}

t_caps_enforced() {
    # Root without CAP_CHOWN cannot give a file away.
    setup_bundle
    cfg_set "$B" '.process.capabilities = {"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}'
    run_in "$B" sh -c 'echo secret > /tmp/f && chown 1000:1000 /tmp/f && echo chown-ok; echo end'
    assert_ok "run without CAP_CHOWN"
    assert_not_contains "$OUT" chown-ok "chown without CAP_CHOWN"
    assert_contains "$ERR" "Operation not permitted" "chown without CAP_CHOWN"
    no_leaks "$RUN_ID"
}

t_no_new_privileges() {
    setup_bundle
    cfg_set "$B" '.process.noNewPrivileges = true'
    run_in "$B" grep NoNewPrivs /proc/self/status
    assert_ok "run with noNewPrivileges"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+1$' "NoNewPrivs with noNewPrivileges=true"
    cfg_set "$B" '.process.noNewPrivileges = false'
    run_in "$B" grep NoNewPrivs /proc/self/status
    assert_ok "run without noNewPrivileges"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+0$' "NoNewPrivs with noNewPrivileges=false"
    no_leaks "$RUN_ID"
}

SECCOMP_MKDIR='{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
  "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'

# RLIMIT_AS as configured, on both of its paths: set last (just before the
# late seccomp load) with noNewPrivileges, and with the other rlimits
# before an early filter without it (process.c, set_limits); the program
# runs under it: dd's 300 MiB buffer can't be allocated.
t_rlimit_as() {
    setup_bundle
    local nnp as="67108864"
    for nnp in true false; do
        cfg_set "$B" '.process.noNewPrivileges = ($n == "true") | .linux.seccomp = $s
            | .process.rlimits = [{"type":"RLIMIT_AS","soft":($a|tonumber),"hard":($a|tonumber)}]' \
            --arg n "$nnp" --argjson s "$SECCOMP_MKDIR" --arg a "$as"
        run_in "$B" sh -c 'awk '\''/^Max address space/ { print $(NF-2), $(NF-1) }'\'' /proc/self/limits
            dd if=/dev/zero of=/dev/null bs=314572800 count=1 2>/dev/null; echo status=$?'
        assert_ok "run with RLIMIT_AS (noNewPrivileges $nnp)"
        assert_eq "$OUT" "$as $as
status=1" "RLIMIT_AS and an allocation past it (noNewPrivileges $nnp)"
    done
    no_leaks "$RUN_ID"
}

t_seccomp_errno() {
    setup_bundle
    cfg_set "$B" '.linux.seccomp = $s' --argjson s "$SECCOMP_MKDIR"
    run_in "$B" sh -c 'mkdir /tmp/x && echo mkdir-ok; touch /tmp/y && echo touch-ok; grep "^Seccomp:" /proc/self/status'
    assert_ok "run with a seccomp profile"
    assert_not_contains "$OUT" mkdir-ok "mkdir under a filter denying mkdir/mkdirat"
    assert_contains "$ERR" "Operation not permitted" "mkdir error under seccomp"
    assert_contains "$OUT" touch-ok "a syscall the filter allows"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Seccomp:')" '^Seccomp:[[:space:]]+2$' "seccomp mode"
    [ ! -e "$B/rootfs/tmp/x" ] || fail "mkdir succeeded despite the filter"
    no_leaks "$RUN_ID"
}

t_seccomp_errno_value() {
    # errnoRet 2 (ENOENT) is what the syscall returns.
    setup_bundle
    cfg_set "$B" '.linux.seccomp = ($s | .syscalls[0].errnoRet = 2)' --argjson s "$SECCOMP_MKDIR"
    run_in "$B" sh -c 'mkdir /tmp/x2; echo end'
    assert_ok "run with a seccomp profile returning ENOENT"
    assert_contains "$ERR" "No such file or directory" "mkdir error with errnoRet 2"
    no_leaks "$RUN_ID"
}

t_rlimits() {
    setup_bundle
    cfg_set "$B" '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":123,"hard":456},{"type":"RLIMIT_NPROC","soft":777,"hard":888}]'
    run_in "$B" sh -c 'ulimit -n; grep -E "^Max (open files|processes)" /proc/self/limits'
    assert_ok "run with rlimits"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" 123 "ulimit -n"
    assert_match "$(printf '%s\n' "$OUT" | grep 'Max open files')" 'Max open files[[:space:]]+123[[:space:]]+456[[:space:]]' "RLIMIT_NOFILE"
    assert_match "$(printf '%s\n' "$OUT" | grep 'Max processes')" 'Max processes[[:space:]]+777[[:space:]]+888[[:space:]]' "RLIMIT_NPROC"
    no_leaks "$RUN_ID"
}

t_user_groups() {
    setup_bundle
    cfg_set "$B" '.process.user = {"uid":1000,"gid":1000,"additionalGids":[5,44]}'
    run_in "$B" sh -c 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
    assert_ok "run as uid 1000"
    assert_contains "$OUT" "uid=1000(test) gid=1000(test)" "id"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Uid:')" '^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' "Uid"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Gid:')" '^Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' "Gid"
    assert_eq "$(printf '%s\n' "$OUT" | grep '^Groups:' | cut -d: -f2 | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' ')" "5 44 " "supplementary groups"
    cfg_set "$B" '.process.user = {"uid":0,"gid":0}'
    run_in "$B" grep '^Groups:' /proc/self/status
    assert_ok "run as root without additionalGids"
    assert_match "$OUT" '^Groups:[[:space:]]*$' "root's groups without additionalGids (none of the host's leak in)"
    no_leaks "$RUN_ID"
}

t_umask() {
    setup_bundle
    cfg_set "$B" '.process.user.umask = 23'
    run_in "$B" sh -c 'umask; touch /tmp/u; stat -c %a /tmp/u'
    assert_ok "run with umask 027"
    assert_eq "$OUT" "0027
640" "umask and mode of a new file"
    cfg_set "$B" 'del(.process.user.umask)'
    run_in "$B" sh -c umask
    assert_ok "run without umask"
    assert_eq "$OUT" 0022 "default umask"
    no_leaks "$RUN_ID"
}

t_fds_only_stdio() {
    setup_bundle
    # (sh is the init; `; true` keeps it from exec'ing ls in its place)
    set_args "$B" sh -c 'ls /proc/1/fd; true'
    local id
    id=$(new_id)
    exec 7</etc/passwd 8>"$T/fd8"
    rtc run --bundle "$B" "$id"
    exec 7<&- 8>&-
    assert_ok "run with extra fds open in the caller"
    assert_eq "$(printf '%s\n' "$OUT" | sort -n | tr '\n' ' ')" "0 1 2 " "fds of the container's init"
    # The same through create/start.
    id=$(new_id)
    exec 7</etc/passwd
    rtc create --bundle "$B" "$id"
    exec 7<&-
    assert_ok "create"
    local cout=$T/io.$IO_N.out # the container's stdout is create's
    exec 9</etc/passwd
    rtc start "$id"
    exec 9<&-
    assert_ok "start"
    wait_status "$id" stopped
    assert_eq "$(sort -n "$cout" | tr '\n' ' ')" "0 1 2 " "fds of the container's init (create/start)"
    rt_ok delete "$id"
    no_leaks "$id"
}

t_preserve_fds() {
    setup_bundle
    echo fd3-data >"$T/fd3"
    set_args "$B" sh -c 'cat <&3; ls /proc/1/fd; true'
    local id
    id=$(new_id)
    exec 3<"$T/fd3" 4</etc/passwd
    rtc run --preserve-fds 1 --bundle "$B" "$id"
    exec 3<&- 4<&-
    assert_ok "run --preserve-fds 1"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" fd3-data "fd 3 content"
    assert_eq "$(printf '%s\n' "$OUT" | tail -n +2 | sort -n | tr '\n' ' ')" "0 1 2 3 " "the init's fds"
    no_leaks "$id"
}

t_cwd() {
    setup_bundle
    cfg_set "$B" '.process.cwd = "/etc"'
    run_in "$B" sh -c 'pwd; cat passwd | head -n1'
    assert_ok "run with cwd /etc"
    assert_eq "$OUT" "/etc
root:x:0:0:root:/root:/bin/sh" "cwd"
    no_leaks "$RUN_ID"
}

t_init_exe_not_runtime() {
    # CVE-2019-5736: while a container is "created" its init is still the
    # runtime (fork, no exec).  Another container sharing its pid namespace
    # -- root, default capabilities -- must not reach /proc/1/exe (the
    # runtime binary) to open it and overwrite it later.  The control run
    # grants CAP_SYS_PTRACE, which the kernel requires for a non-dumpable
    # process, and must then succeed: so the blocked case is not vacuous.
    setup_bundle
    set_args "$B" sh -c 'readlink /proc/self/exe'
    local id pid B2=$T/bundle2
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    pid=$(state_pid "$id")
    [ -d "$B2" ] || make_bundle "$B2" true
    cfg_set "$B2" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
        --arg p "/proc/$pid/ns/pid"
    run_in "$B2" readlink /proc/1/exe
    [ "$RC" != 0 ] || fail "readlink /proc/1/exe of a created init from a container sharing its pid namespace succeeded: $(oneline "$OUT")"
    assert_not_contains "$OUT" "paddock" "readlink output"
    cfg_set "$B2" '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]
        | .process.capabilities.effective += ["CAP_SYS_PTRACE"]
        | .process.capabilities.permitted += ["CAP_SYS_PTRACE"]'
    run_in "$B2" readlink /proc/1/exe
    assert_ok "control: with CAP_SYS_PTRACE the same readlink works"
    rt_ok start "$id"
    wait_status "$id" stopped
    rt_ok delete "$id"
    run_in "$B" readlink /proc/self/exe
    assert_ok "run readlink /proc/self/exe"
    assert_eq "$OUT" /bin/busybox "/proc/self/exe inside the container"
    no_leaks "$id" "$RUN_ID"
}

t_sysctl_netns() {
    # linux.sysctl is written in the container's new network namespace: seen
    # inside, the host's value untouched.  Control: without it the new netns
    # has the default 0.
    setup_bundle
    local f=/proc/sys/net/ipv4/ip_forward host
    host=$(cat "$f") || fail "cannot read the host's $f"
    [ "$host" = 0 ] || fail "the host has net.ipv4.ip_forward=$host: the test needs 0 to tell the container's value apart"
    [ "$(cfg_get "$B" '[.linux.namespaces[] | select(.type == "network")] | length')" = 1 ] ||
        fail "the default spec has no network namespace"
    cfg_set "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
    run_in "$B" cat "$f"
    local id=$RUN_ID
    assert_ok "run with linux.sysctl net.ipv4.ip_forward=1"
    assert_eq "$OUT" 1 "net.ipv4.ip_forward inside the container"
    assert_eq "$(cat "$f")" "$host" "the host's net.ipv4.ip_forward after the container"
    cfg_set "$B" 'del(.linux.sysctl)'
    run_in "$B" cat "$f"
    assert_ok "run without linux.sysctl"
    assert_eq "$OUT" 0 "net.ipv4.ip_forward inside a new netns without linux.sysctl (control)"
    no_leaks "$id" "$RUN_ID" "$B"
}

t_sysctl_bad_key() {
    setup_bundle
    cfg_set "$B" '.linux.sysctl = {"net.pdt.bogus_key": "1"}'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with an unknown sysctl key"
    assert_err_contains "bogus_key" "error for an unknown sysctl key"
    rtc state "$id"
    [ "$RC" != 0 ] || fail "container exists after a create that failed on a sysctl: $(oneline "$OUT")"
    no_leaks "$id" "$B"
}

t_oom_score_adj() {
    setup_bundle
    local host
    host=$(cat /proc/self/oom_score_adj)
    [ "$host" != 500 ] || fail "the caller's oom_score_adj is already 500: the test cannot tell"
    cfg_set "$B" '.process.oomScoreAdj = 500'
    run_in "$B" cat /proc/self/oom_score_adj
    local id=$RUN_ID
    assert_ok "run with process.oomScoreAdj 500"
    assert_eq "$OUT" 500 "oom_score_adj inside the container"
    assert_eq "$(cat /proc/self/oom_score_adj)" "$host" "the caller's oom_score_adj after the run"
    cfg_set "$B" 'del(.process.oomScoreAdj)'
    run_in "$B" cat /proc/self/oom_score_adj
    assert_ok "run without process.oomScoreAdj"
    assert_eq "$OUT" "$host" "oom_score_adj without oomScoreAdj (inherited from the caller, control)"
    no_leaks "$id" "$RUN_ID"
}

run_case caps_configured_sets t_caps_configured_sets
run_case caps_default_spec_root t_caps_default_spec_root
run_case caps_caller_ambient_cleared t_caps_caller_ambient_cleared
run_case caps_enforced t_caps_enforced
run_case no_new_privileges t_no_new_privileges
run_case rlimit_as t_rlimit_as
run_case seccomp_errno t_seccomp_errno
run_case seccomp_errno_value t_seccomp_errno_value
run_case rlimits t_rlimits
run_case user_groups t_user_groups
run_case umask t_umask
run_case fds_only_stdio t_fds_only_stdio
run_case preserve_fds t_preserve_fds
run_case cwd t_cwd
run_case init_exe_not_runtime t_init_exe_not_runtime
run_case sysctl_netns t_sysctl_netns
run_case sysctl_bad_key t_sysctl_bad_key
run_case oom_score_adj t_oom_score_adj
finish
