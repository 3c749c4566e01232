#!/usr/bin/env bash
# Rootless: the unprivileged user paddock-test (tests/setup/test-user) runs
# containers with no --root (state in $XDG_RUNTIME_DIR/<runtime>), a
# `spec --rootless` bundle, single-id and subuid (newuidmap) mappings, and a
# config without a user namespace (as crun: the caller is mapped to root).
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   rootless_no_userns  runc refuses a rootless config without a user
#                       namespace ("rootless container requires user namespaces").
source "$(dirname "$0")/lib.sh"

USER_STATE=$TEST_USER_RUN_DIR/$RUNTIME_NAME
UR=$RUNTIME # the runtime binary as the test user can reach it

setup() {
    id "$TEST_USER" >/dev/null 2>&1 ||
        "$REPO/tests/setup/test-user" >/dev/null ||
        fail "test user $TEST_USER missing and tests/setup/test-user failed"
    need_cmd newuidmap uidmap
    need_cmd setpriv util-linux
    USER_UID=$(id -u "$TEST_USER")
    USER_GID=$(id -g "$TEST_USER")
    # A checkout under /root is not reachable by the test user: use a copy.
    if ! as_user test -x "$RUNTIME" 2>/dev/null; then
        mkdir -p "$T/bin"
        chmod 0755 "$T/bin"
        UR=$T/bin/$RUNTIME_NAME
        [ -x "$UR" ] || install -m 0755 "$RUNTIME" "$UR"
    fi
}

# urt ARGS...: the runtime as the test user, default state root, bounded.
urt() {
    printf '+ (as %s) %s %s\n' "$TEST_USER" "$RUNTIME_NAME" "$*" >>"$CASE_TRACE"
    as_user timeout -k 5 "$RT_TIMEOUT" "$UR" "$@"
}
urtc() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="$*"
    urt "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
}
urt_ok() { urtc "$@"; assert_ok; }

# user_new_id: an id registered for the rootless cleanup
user_new_id() {
    local id
    id="pdt-rootless-$$-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    echo "$id" >>"$T/user-ids"
    echo "$id" >>"$T/ids" # lib.sh's cleanup and no_leaks look for its processes
    echo "$id"
}

# user_bundle DIR ARGS...: a bundle owned by the test user, config.json
# from `spec --rootless` run as that user.
user_bundle() {
    local b=$1
    shift
    [ -x "$ROOTFS_SRC/bin/busybox" ] || fail "test rootfs $ROOTFS_SRC missing (run tests/setup/rootfs)"
    rm -rf "$b"
    mkdir -p "$b"
    cp -a "$ROOTFS_SRC" "$b/rootfs"
    chown -R "$TEST_USER:" "$b"
    chmod 0755 "$b"
    (cd "$b" && as_user "$UR" spec --rootless >"$T/spec.out" 2>&1) ||
        fail "$RUNTIME_NAME spec --rootless (as $TEST_USER) failed: $(oneline "$(cat "$T/spec.out")")"
    [ -s "$b/config.json" ] || fail "spec --rootless wrote no config.json"
    assert_eq "$(jq -c '[.linux.uidMappings[0].hostID, .linux.gidMappings[0].hostID]' "$b/config.json")" \
        "[$USER_UID,$USER_GID]" "hostIDs of the spec --rootless mappings"
    jq '.process.args = $a | .process.terminal = false | .root.readonly = false' \
        --argjson a "$(json_array "$@")" "$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
    chown "$TEST_USER:" "$b/config.json"
}

user_cfg_set() { cfg_set "$@"; chown "$TEST_USER:" "$1/config.json"; }

case_cleanup() {
    local id ur=$RUNTIME
    [ -x "$T/bin/$RUNTIME_NAME" ] && ur=$T/bin/$RUNTIME_NAME
    if [ -s "$T/user-ids" ]; then
        while read -r id; do
            as_user timeout 10 "$ur" delete --force "$id"
        done <"$T/user-ids"
    fi
    : >"$T/user-ids"
}

# user_no_leaks ID... BUNDLE: no_leaks, plus the user's state dir.
user_no_leaks() {
    local id
    for id in "$@"; do
        [[ $id == /* ]] && continue
        as_user test -e "$USER_STATE/$id" && fail "state dir $USER_STATE/$id left behind"
    done
    no_leaks "$@"
}

t_rootless_spec_run() {
    setup
    local b=$T/b1
    user_bundle "$b" sh -c 'id; cat /proc/self/uid_map; cat /proc/self/gid_map'
    local id
    id=$(user_new_id)
    urtc run --bundle "$b" "$id"
    assert_ok "rootless run (as $TEST_USER)"
    assert_contains "$(printf '%s\n' "$OUT" | head -n1)" "uid=0(root) gid=0(root)" "id in a rootless container"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 2p)" "^ *0 +$USER_UID +1\$" "uid_map"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 3p)" "^ *0 +$USER_GID +1\$" "gid_map"
    as_user test -d "$USER_STATE" || fail "rootless state root $USER_STATE was not used"
    user_no_leaks "$id" "$b"
}

t_rootless_subuid_mapping() {
    setup
    local su sg
    su=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2; exit }' /etc/subuid)
    sg=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2; exit }' /etc/subgid)
    [ -n "$su" ] && [ -n "$sg" ] || fail "no /etc/subuid or /etc/subgid range for $TEST_USER (run tests/setup/test-user)"
    local b=$T/b2
    user_bundle "$b" sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; touch /tmp/owned && chown 1000:1000 /tmp/owned && stat -c "%u:%g" /tmp/owned'
    user_cfg_set "$b" '.linux.uidMappings = [{"containerID":0,"hostID":$u,"size":1},{"containerID":1,"hostID":$su,"size":65536}]
        | .linux.gidMappings = [{"containerID":0,"hostID":$g,"size":1},{"containerID":1,"hostID":$sg,"size":65536}]
        | .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])' \
        --argjson u "$USER_UID" --argjson g "$USER_GID" --argjson su "$su" --argjson sg "$sg"
    local id
    id=$(user_new_id)
    urtc run --bundle "$b" "$id"
    assert_ok "rootless run with a subuid mapping"
    local lines
    lines=$(printf '%s\n' "$OUT" | tr -s ' ' | sed 's/^ //')
    assert_eq "$(printf '%s\n' "$lines" | head -n4)" "0 $USER_UID 1
1 $su 65536
0 $USER_GID 1
1 $sg 65536" "uid_map and gid_map with two ranges"
    assert_eq "$(printf '%s\n' "$lines" | sed -n 5p)" "1000:1000" "owner of a file chowned to 1000 inside"
    assert_eq "$(stat -c %u:%g "$b/rootfs/tmp/owned" 2>/dev/null)" "$((su + 999)):$((sg + 999))" "host owner of that file"
    user_no_leaks "$id" "$b"
}

t_rootless_lifecycle() {
    setup
    local b=$T/b3
    user_bundle "$b" sleep 30
    local id pid
    id=$(user_new_id)
    urt_ok create --bundle "$b" "$id"
    urt_ok state "$id"
    assert_eq "$(printf '%s' "$OUT" | jq -r .status)" created "rootless status after create"
    pid=$(printf '%s' "$OUT" | jq -r .pid)
    track_pid "$pid"
    assert_eq "$(stat -c %u "/proc/$pid")" "$USER_UID" "host uid of the rootless container's init"
    as_user test -d "$USER_STATE/$id" || fail "no state dir $USER_STATE/$id"
    urt_ok start "$id"
    urt_ok state "$id"
    assert_eq "$(printf '%s' "$OUT" | jq -r .status)" running "rootless status after start"
    urt_ok list -q
    assert_contains "$OUT" "$id" "rootless list -q"
    urtc delete "$id"
    assert_failed "rootless delete of a running container"
    urt_ok kill "$id" KILL
    local i st=
    for i in $(seq 50); do
        st=$(urt state "$id" 2>/dev/null | jq -r .status)
        [ "$st" = stopped ] && break
        sleep 0.1
    done
    assert_eq "$st" stopped "rootless status after kill KILL"
    urt_ok delete "$id"
    urtc state "$id"
    assert_failed "rootless state after delete"
    user_no_leaks "$id" "$b"
}

t_rootless_cannot_use_root_state() {
    # The unprivileged user cannot create state in root's state dir.
    setup
    local b=$T/b4
    user_bundle "$b" true
    mkdir -p "$T/rootonly"
    chmod 0755 "$T/rootonly"
    local id
    id=$(user_new_id)
    urtc --root "$T/rootonly" create --bundle "$b" "$id"
    assert_failed "rootless create with a state root owned by root"
    [ -z "$(ls -A "$T/rootonly")" ] || fail "something was written in the root-owned state root"
    user_no_leaks "$id" "$b"
}

t_rootless_no_userns() {
    # A `spec --rootless` config with the user namespace and the mappings
    # removed: run as the unprivileged user, the runtime still creates a user
    # namespace mapping the caller to root (crun's behaviour).  Control: the
    # same config run by root stays in the host's user namespace.
    setup
    local b=$T/b5
    user_bundle "$b" sh -c 'id -u; cat /proc/self/uid_map; cat /proc/self/gid_map; readlink /proc/self/ns/user'
    user_cfg_set "$b" '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
    assert_eq "$(jq -c '[.linux.namespaces[] | select(.type == "user")] | length' "$b/config.json")" 0 "user namespaces in the config"
    local id
    id=$(user_new_id)
    urtc run --bundle "$b" "$id"
    assert_ok "rootless run of a config without a user namespace"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" 0 "id -u in the container"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 2p)" "^ *0 +$USER_UID +1\$" "uid_map"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 3p)" "^ *0 +$USER_GID +1\$" "gid_map"
    assert_ne "$(printf '%s\n' "$OUT" | sed -n 4p)" "$(readlink /proc/self/ns/user)" "the container's user namespace vs the host's"
    local id2
    id2=$(new_id)
    rtc run --bundle "$b" "$id2"
    assert_ok "the same config run by root"
    assert_match "$(printf '%s\n' "$OUT" | sed -n 2p)" '^ *0 +0 +4294967295$' "uid_map of a container run by root (control)"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 4p)" "$(readlink /proc/self/ns/user)" "user namespace of a container run by root (control)"
    user_no_leaks "$id" "$id2" "$b"
}

run_case rootless_spec_run t_rootless_spec_run
run_case rootless_subuid_mapping t_rootless_subuid_mapping
run_case rootless_lifecycle t_rootless_lifecycle
run_case rootless_cannot_use_root_state t_rootless_cannot_use_root_state
run_case rootless_no_userns t_rootless_no_userns
finish
