#!/usr/bin/env bash
# Bad input: each `create` must fail with a message that names the problem
# (prefixed "paddock: " for paddock), and leave nothing behind.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   malformed_json      runc says only "unexpected EOF" (no mention of JSON).
#   unknown_capability  runc warns "ignoring unknown or unavailable
#                       capabilities: [CAP_FOO]" and creates the container.
#   rootfs_not_dir      runc: "fork/exec /proc/self/exe: not a directory".
#   unknown_id          runc: "container does not exist", without the id.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" sleep 30
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}

# bad_create NEEDLE: create must fail, ERR names NEEDLE, nothing leaks.
bad_create() {
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    [ "$RC" != 0 ] || state_pid "$id" >/dev/null
    assert_failed "create with $CASE_WHAT"
    assert_err_contains "$1" "error for $CASE_WHAT"
    rtc state "$id"
    [ "$RC" != 0 ] || fail "state of the failed container succeeded: $(oneline "$OUT")"
    no_leaks "$id" "$B"
}

t_malformed_json() {
    setup_bundle
    CASE_WHAT="a truncated config.json"
    head -c 200 "$T/config.orig" >"$B/config.json"
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with $CASE_WHAT"
    shopt -s nocasematch
    [[ $ERR == *json* ]] || fail "error for $CASE_WHAT does not mention JSON/config.json: $(oneline "$ERR")"
    shopt -u nocasematch
    no_leaks "$id" "$B"
}

t_not_an_object() {
    setup_bundle
    CASE_WHAT="a config.json that is a JSON array"
    echo '[1, 2]' >"$B/config.json"
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with $CASE_WHAT"
    no_leaks "$id" "$B"
}

t_missing_config() {
    setup_bundle
    CASE_WHAT="no config.json"
    rm -f "$B/config.json"
    bad_create config.json
}

t_args_wrong_type() {
    setup_bundle
    CASE_WHAT='process.args as a string'
    cfg_set "$B" '.process.args = "sh -c true"'
    bad_create ".process.args"
}

t_uid_wrong_type() {
    setup_bundle
    CASE_WHAT='process.user.uid as a string'
    cfg_set "$B" '.process.user.uid = "root"'
    bad_create "process.user.uid"
}

t_args_empty() {
    setup_bundle
    CASE_WHAT='empty process.args'
    cfg_set "$B" '.process.args = []'
    bad_create "args"
}

t_missing_process() {
    setup_bundle
    CASE_WHAT='no process'
    cfg_set "$B" 'del(.process)'
    bad_create "process"
}

t_relative_cwd() {
    setup_bundle
    CASE_WHAT='a relative process.cwd'
    cfg_set "$B" '.process.cwd = "pdt-relative"'
    shopt -s nocasematch
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with $CASE_WHAT"
    [[ $ERR == *cwd* ]] || fail "error for $CASE_WHAT does not mention cwd: $(oneline "$ERR")"
    shopt -u nocasematch
    no_leaks "$id" "$B"
}

t_unknown_capability() {
    setup_bundle
    CASE_WHAT='an unknown capability'
    cfg_set "$B" '.process.capabilities.bounding += ["CAP_FOO"]'
    bad_create CAP_FOO
}

t_unknown_rlimit() {
    setup_bundle
    CASE_WHAT='an unknown rlimit'
    cfg_set "$B" '.process.rlimits = [{"type":"RLIMIT_PDTFOO","soft":1,"hard":1}]'
    bad_create RLIMIT_PDTFOO
}

t_unknown_namespace() {
    setup_bundle
    CASE_WHAT='an unknown namespace type'
    cfg_set "$B" '.linux.namespaces += [{"type":"pdtfoo"}]'
    bad_create pdtfoo
}

t_bad_seccomp_action() {
    setup_bundle
    CASE_WHAT='an unknown seccomp action'
    cfg_set "$B" '.linux.seccomp = {"defaultAction":"SCMP_ACT_PDTFOO"}'
    bad_create SCMP_ACT_PDTFOO
}

t_bad_mount_option() {
    setup_bundle
    CASE_WHAT='a bad mount option'
    cfg_set "$B" '.mounts += [{"destination":"/mnt/pdt-opt","type":"tmpfs","source":"tmpfs","options":["pdtbadopt"]}]'
    bad_create pdtbadopt
}

t_bad_mount_type() {
    setup_bundle
    CASE_WHAT='an unknown filesystem type'
    cfg_set "$B" '.mounts += [{"destination":"/pdt-fsdest","type":"pdtfs","source":"none"}]'
    bad_create /pdt-fsdest
}

t_bind_missing_source() {
    setup_bundle
    CASE_WHAT='a bind mount of a missing source'
    cfg_set "$B" '.mounts += [{"destination":"/data","type":"bind","source":"/pdt-no-such-source","options":["rbind"]}]'
    bad_create /pdt-no-such-source
}

t_missing_rootfs() {
    setup_bundle
    CASE_WHAT='a missing rootfs'
    cfg_set "$B" '.root.path = "pdt-missing-rootfs"'
    bad_create pdt-missing-rootfs
}

t_rootfs_not_dir() {
    setup_bundle
    CASE_WHAT='a rootfs that is a file'
    echo x >"$B/pdt-file-rootfs"
    cfg_set "$B" '.root.path = "pdt-file-rootfs"'
    bad_create pdt-file-rootfs
    rm -f "$B/pdt-file-rootfs"
}

script_cleanup() { [ -f "$T/outside" ] && rm -rf "$(cat "$T/outside")"; }

t_symlink_mount_dest() {
    # Either create refuses (naming the destination) or the mount lands
    # inside the rootfs; the host directory is untouched either way.
    setup_bundle
    CASE_WHAT='a mount destination symlinked out of the rootfs'
    local out=/tmp/outside-pdt-neg-$$-$RANDOM
    echo "$out" >"$T/outside"
    mkdir -p "$out"
    ln -sfn "$out" "$B/rootfs/pdt-evil"
    cfg_set "$B" '.mounts += [{"destination":"/pdt-evil","type":"tmpfs","source":"tmpfs"}]'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    if [ "$RC" = 0 ]; then
        local pid
        pid=$(state_pid "$id")
        assert_eq "$(state_status "$id")" created "status after create"
        ! grep -qF " $out " /proc/self/mountinfo || fail "tmpfs mounted on host dir $out"
        grep -qF "/pdt-evil" "/proc/$pid/mountinfo" 2>/dev/null || grep -qF "$out" "/proc/$pid/mountinfo" ||
            fail "the mount is not in the container at all"
        rt_ok delete --force "$id"
    else
        assert_failed "create with $CASE_WHAT"
        assert_err_contains "/pdt-evil" "error for $CASE_WHAT"
    fi
    [ -z "$(ls -A "$out")" ] || fail "host dir $out was written to"
    ! grep -qF " $out " /proc/self/mountinfo || fail "something is mounted on host dir $out"
    rm -f "$B/rootfs/pdt-evil"
    rm -rf "${B:?}/rootfs$out"
    no_leaks "$id" "$B"
    rm -rf "$out"
}

t_duplicate_id() {
    setup_bundle
    local id
    id=$(new_id)
    rt_ok create --bundle "$B" "$id"
    state_pid "$id" >/dev/null
    rtc create --bundle "$B" "$id"
    assert_failed "create with a duplicate id"
    assert_err_contains "exists" "error for a duplicate id"
    assert_eq "$(state_status "$id")" created "the first container after the duplicate create"
    rt_ok delete --force "$id"
    no_leaks "$id" "$B"
}

t_invalid_id() {
    setup_bundle
    rtc create --bundle "$B" "../pdt-escape"
    assert_failed "create with id ../pdt-escape"
    shopt -s nocasematch
    [[ $ERR == *invalid* && $ERR == *id* ]] || fail "error for id ../pdt-escape does not say the id is invalid: $(oneline "$ERR")"
    shopt -u nocasematch
    [ ! -e "$T/pdt-escape" ] || fail "id ../pdt-escape created $T/pdt-escape"
    no_leaks "$B"
}

t_unknown_id() {
    local id
    id=$(new_id nosuch)
    for cmd in start state kill; do
        rtc "$cmd" "$id"
        assert_failed "$cmd of an unknown container"
        assert_err_contains "$id" "error of $cmd for an unknown container"
    done
}

run_case malformed_json t_malformed_json
run_case not_an_object t_not_an_object
run_case missing_config t_missing_config
run_case args_wrong_type t_args_wrong_type
run_case uid_wrong_type t_uid_wrong_type
run_case args_empty t_args_empty
run_case missing_process t_missing_process
run_case relative_cwd t_relative_cwd
run_case unknown_capability t_unknown_capability
run_case unknown_rlimit t_unknown_rlimit
run_case unknown_namespace t_unknown_namespace
run_case bad_seccomp_action t_bad_seccomp_action
run_case bad_mount_option t_bad_mount_option
run_case bad_mount_type t_bad_mount_type
run_case bind_missing_source t_bind_missing_source
run_case missing_rootfs t_missing_rootfs
run_case rootfs_not_dir t_rootfs_not_dir
run_case symlink_mount_dest t_symlink_mount_dest
run_case duplicate_id t_duplicate_id
run_case invalid_id t_invalid_id
run_case unknown_id t_unknown_id
finish
