#!/usr/bin/env bash
# Rootless: the unprivileged user paddock-test (tests/setup/test-user) runs
# containers with no --root (state in $XDG_RUNTIME_DIR/<runtime>), a
# `spec --rootless` bundle, single-id and subuid (newuidmap) mappings, and a
# config without a user namespace (as crun: the caller is mapped to root).
# Then the core coverage root gets, as that user: namespaces and hostname,
# tmpfs/bind/ro-bind mounts, masked and read-only paths, root.readonly, /dev
# and its nodes, a terminal through --console-socket, linux.devices (bound
# from the host), capabilities, noNewPrivileges, seccomp, rlimits,
# user/groups in a subuid range, umask, hooks, kill and exit statuses, and a
# mapping outside the user's /etc/subuid range.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   rootless_no_userns  runc refuses a rootless config without a user
#                       namespace ("rootless container requires user namespaces").
#   rootless_user_groups  runc refuses additionalGids rootless ("cannot set
#                       any additional groups in a rootless container").
#   rootless_hooks      runc 1.1.5 runs poststart hooks at the end of `create`
#                       (status "created"; see test_hooks.sh).
#   rootless_kill       runc's rootless `kill --all` needs a cgroup it does
#                       not have ("lstat : no such file or directory").
#   rootless_unmapped_range  runc's error quotes newuidmap but not /etc/subuid.
source "$(dirname "$0")/lib.sh"

USER_STATE=$TEST_USER_RUN_DIR/$RUNTIME_NAME
USER_BUNDLE_CHECK_IDS=1 # user_bundle (lib.sh) checks the mappings' hostIDs

user_cfg_set() { cfg_set "$@"; chown "$TEST_USER:" "$1/config.json"; }

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
    rootless_setup
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

# A user that /etc/passwd lacks (systemd's dynamic users, LDAP), under an
# nsswitch.conf that names a module glibc does not have built in: the
# runtime looks users up in /etc/passwd only (runtime/nss.h; the
# static build crashed in libnss_systemd, dlopen()ed for the lookup).
# Without $HOME no home is found: a clear error; with one, the sandbox runs.
t_rootless_user_not_in_passwd() {
    rootless_setup
    local uid=54321 nss=/usr/lib/x86_64-linux-gnu/libnss_systemd.so.2
    ! awk -F: -v u=$uid '$3 == u { f = 1 } END { exit !f }' /etc/passwd || fail "uid $uid is in /etc/passwd"
    [ -e "$nss" ] || fail "$nss missing (Debian package libnss-systemd; tests/setup/install-deps)"
    local d=$T/nopw
    mkdir -p "$d/run" "$d/home" "$d/ws"
    printf 'passwd: files systemd\ngroup: files systemd\nhosts: files dns\n' >"$d/nsswitch.conf"
    chown -R $uid:$uid "$d"
    chmod 0755 "$d"
    nopw() { # HOME ARGS...: the runtime as uid $uid, that nsswitch.conf bound over the host's
        local home=$1
        shift
        (cd "$d/ws" && timeout -k 5 "$RT_TIMEOUT" unshare -m --propagation private sh -c \
            'mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"' sh "$d/nsswitch.conf" \
            setpriv --reuid=$uid --regid=$uid --clear-groups \
            env -u HOME ${home:+HOME=$home} XDG_RUNTIME_DIR="$d/run" "$UR" "$@")
    }
    nopw "" sandbox --sandbox workspace-write -- /bin/echo hi >"$T/nopw.out" 2>"$T/nopw.err"
    RC=$?
    ERR=$(cat "$T/nopw.err")
    assert_eq "$RC" 125 "sandbox as uid $uid without HOME: exit (stderr: $ERR)"
    assert_contains "$ERR" "no home directory for uid $uid" "the error"
    nopw "$d/home" sandbox --sandbox workspace-write -- /bin/echo hi >"$T/nopw.out" 2>"$T/nopw.err"
    RC=$?
    assert_eq "$RC" 0 "sandbox as uid $uid with HOME: exit (stderr: $(oneline "$(cat "$T/nopw.err")"))"
    assert_eq "$(cat "$T/nopw.out")" hi "its output"
}

t_rootless_subuid_mapping() {
    rootless_setup
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
    rootless_setup
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
    rootless_setup
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
    rootless_setup
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

# ---------------------------------------------------------------- core coverage as the user

# user_run BUNDLE ARGS...: `run` (as the test user) a fresh container with
# process.args=ARGS; sets RC/OUT/ERR and RUN_ID.
user_run() {
    local b=$1
    shift
    user_cfg_set "$b" '.process.args = $a' --argjson a "$(json_array "$@")"
    RUN_ID=$(user_new_id)
    urtc run --bundle "$b" "$RUN_ID"
}

# user_dir DIR: an empty directory owned by the test user (mode 0700)
user_dir() {
    rm -rf "$1"
    mkdir -p "$1"
    chown "$TEST_USER:" "$1"
    chmod 0700 "$1"
}

# user_wait_status ID STATUS: poll `state` (as the user) until STATUS (5s)
user_wait_status() {
    local i s=
    for i in $(seq 50); do
        s=$(urt state "$1" 2>/dev/null | jq -r .status 2>/dev/null)
        [ "$s" = "$2" ] && return 0
        sleep 0.1
    done
    fail "rootless container $1: status '$s' after 5s, expected '$2'"
}

# user_state_pid ID: the container's host pid (tracked for no_leaks)
user_state_pid() {
    local p
    p=$(urt state "$1" 2>/dev/null | jq -r .pid 2>/dev/null)
    [[ $p =~ ^[1-9][0-9]*$ ]] || fail "rootless state $1: no valid pid ('$p')"
    track_pid "$p"
    printf '%s' "$p"
}

# subid_ranges: SU and SG, the first subordinate uid/gid of the test user
subid_ranges() {
    SU=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2; exit }' /etc/subuid)
    SG=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2; exit }' /etc/subgid)
    SUN=$(awk -F: -v u="$TEST_USER" '$1 == u { print $3; exit }' /etc/subuid)
    [ -n "$SU" ] && [ -n "$SG" ] && [ -n "$SUN" ] ||
        fail "prerequisite missing: no /etc/subuid or /etc/subgid range for $TEST_USER (run tests/setup/test-user)"
}

# map_ranges BUNDLE: container 0 = the user, 1..65536 = its subuid/subgid range
map_ranges() {
    subid_ranges
    user_cfg_set "$1" '.linux.uidMappings = [{"containerID":0,"hostID":$u,"size":1},{"containerID":1,"hostID":$su,"size":65536}]
        | .linux.gidMappings = [{"containerID":0,"hostID":$g,"size":1},{"containerID":1,"hostID":$sg,"size":65536}]' \
        --argjson u "$USER_UID" --argjson g "$USER_GID" --argjson su "$SU" --argjson sg "$SG"
}

NS_SCRIPT='for n in pid net ipc uts mnt cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done'
# ns_of OUTPUT NAME: the value of the "NAME value" line of OUTPUT
ns_of() { printf '%s\n' "$1" | awk -v n="$2" '$1 == n { print $2 }'; }

t_rootless_namespaces() {
    # Every namespace listed in the config is new (vs the user's own), the
    # others are the user's (control: net, absent from spec --rootless,
    # then listed); hostname is set.
    rootless_setup
    local b=$T/ns
    user_bundle "$b" true
    user_cfg_set "$b" '.hostname = "pdt-rootless-host"'
    local own n t inside listed ids=()
    own=$(as_user sh -c "$NS_SCRIPT")
    local pass
    for pass in spec with-net; do
        [ "$pass" = with-net ] && user_cfg_set "$b" '.linux.namespaces += [{"type":"network"}]'
        listed=$(cfg_get "$b" '[.linux.namespaces[].type] | sort | join(" ")')
        [ "$pass" = spec ] && [[ " $listed " == *" network "* ]] &&
            fail "spec --rootless has a network namespace: the case needs one namespace type not listed"
        user_run "$b" sh -c "$NS_SCRIPT; echo \"host \$(hostname)\""
        ids+=("$RUN_ID")
        assert_ok "rootless run ($pass namespaces)"
        for n in pid net ipc uts mnt cgroup user; do
            case $n in net) t=network ;; mnt) t=mount ;; *) t=$n ;; esac
            inside=$(ns_of "$OUT" "$n")
            assert_match "$inside" "^$n:\[[0-9]+\]$" "container's $n namespace ($pass)"
            if [[ " $listed " == *" $t "* ]]; then
                assert_ne "$inside" "$(ns_of "$own" "$n")" "$n namespace, listed in the config ($pass), vs the user's"
            else
                assert_eq "$inside" "$(ns_of "$own" "$n")" "$n namespace, not listed in the config ($pass): the user's"
            fi
        done
        assert_eq "$(ns_of "$OUT" host)" pdt-rootless-host "hostname in the container ($pass)"
    done
    assert_ne "$(hostname)" pdt-rootless-host "the host's hostname after the runs"
    user_no_leaks "${ids[@]}" "$b"
}

t_rootless_tmpfs_size() {
    rootless_setup
    local b=$T/tmpfs
    user_bundle "$b" true
    user_cfg_set "$b" '.mounts += [{"destination":"/mnt/pdt-tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","size=1m","mode=1777"]}]'
    user_run "$b" sh -c 'grep " /mnt/pdt-tmp " /proc/self/mountinfo; stat -c %a /mnt/pdt-tmp; dd if=/dev/zero of=/mnt/pdt-tmp/f bs=1024 count=2048 2>&1; echo dd=$?'
    assert_ok "rootless run with a tmpfs mount"
    local line
    line=$(printf '%s\n' "$OUT" | grep ' /mnt/pdt-tmp ') || fail "no tmpfs at /mnt/pdt-tmp: $(oneline "$OUT")"
    assert_contains "$line" " - tmpfs " "mountinfo line"
    assert_contains "$line" "size=1024k" "tmpfs size option"
    assert_contains "$OUT" $'\n1777\n' "tmpfs mode"
    assert_contains "$OUT" "No space left" "writing 2 MiB into a 1 MiB tmpfs"
    assert_not_contains "$OUT" "dd=0" "dd status"
    [ ! -e "$b/rootfs/mnt/pdt-tmp/f" ] || fail "tmpfs content landed in the rootfs"
    user_no_leaks "$RUN_ID" "$b"
}

t_rootless_bind_rw() {
    # A dir the user owns, bound rw: read and write through it; what the
    # container's root writes is the user's on the host.
    rootless_setup
    local b=$T/bindrw h=$T/user-rw
    user_bundle "$b" true
    user_dir "$h"
    echo from-host >"$h/in"
    chown "$TEST_USER:" "$h/in"
    user_cfg_set "$b" '.mounts += [{"destination":"/data","type":"bind","source":$s,"options":["rbind","rw"]}]' --arg s "$h"
    user_run "$b" sh -c 'cat /data/in && echo from-container > /data/out && stat -c "inside %u:%g" /data/out'
    assert_ok "rootless run with a rw bind of a dir the user owns"
    assert_contains "$OUT" from-host "host file read through the bind mount"
    assert_contains "$OUT" "inside 0:0" "owner of the new file inside the container"
    assert_eq "$(cat "$h/out" 2>/dev/null)" from-container "file written in the container, seen on the host"
    assert_eq "$(stat -c %u:%g "$h/out")" "$USER_UID:$USER_GID" "host owner of the file written in the container"
    user_no_leaks "$RUN_ID" "$b"
}

t_rootless_bind_ro() {
    rootless_setup
    local b=$T/bindro h=$T/user-ro
    user_bundle "$b" true
    user_dir "$h"
    echo keep >"$h/in"
    chown "$TEST_USER:" "$h/in"
    user_cfg_set "$b" '.mounts += [{"destination":"/data","type":"none","source":$s,"options":["bind","ro"]}]' --arg s "$h"
    user_run "$b" sh -c 'cat /data/in; echo changed > /data/in; touch /data/new; echo end'
    assert_ok "rootless run with a ro bind"
    assert_contains "$OUT" keep "host file read through the ro bind mount"
    assert_contains "$ERR" "Read-only file system" "writing to a ro bind mount"
    assert_eq "$(cat "$h/in")" keep "host file after the container tried to write it"
    [ ! -e "$h/new" ] || fail "a file was created through a ro bind mount"
    as_user touch "$h/user-can-write" || fail "the user's dir became read-only on the host"
    # Control: the same bind without "ro" is writable.
    local id=$RUN_ID
    user_cfg_set "$b" '.mounts[-1].options = ["bind"]'
    user_run "$b" sh -c 'echo changed > /data/in && echo wrote'
    assert_ok "rootless run with the same bind without ro"
    assert_eq "$OUT" wrote "writing through the bind without ro (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_masked_paths() {
    # spec --rootless masks /sys/firmware (a directory: an empty tmpfs); a
    # /proc file the user can read and a file of the rootfs are masked too
    # (/dev/null bound over them).  Control: with no maskedPaths all three
    # are readable.  (The spec's /proc/timer_list or /proc/kcore would prove
    # nothing: the user cannot read them anyway.)
    rootless_setup
    local b=$T/masked
    user_bundle "$b" true
    echo pdt-secret >"$b/rootfs/etc/pdt-secret"
    chown "$TEST_USER:" "$b/rootfs/etc/pdt-secret"
    cfg_get "$b" '.linux.maskedPaths[]' | grep -qx /sys/firmware || fail "spec --rootless does not mask /sys/firmware"
    [ -n "$(ls -A /sys/firmware)" ] || fail "prerequisite missing: the host's /sys/firmware is empty"
    user_cfg_set "$b" '.linux.maskedPaths += ["/proc/version", "/etc/pdt-secret"]'
    local script='echo "ver=$(cat /proc/version | wc -c)"; echo "fw=$(ls -A /sys/firmware | wc -l)"; echo "secret=$(cat /etc/pdt-secret)"'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run with masked paths"
    assert_contains "$OUT" "ver=0" "bytes read from masked /proc/version"
    assert_contains "$OUT" "fw=0" "entries in masked /sys/firmware"
    assert_contains "$OUT" "secret=" "masked /etc/pdt-secret"
    assert_not_contains "$OUT" "secret=pdt-secret" "masked /etc/pdt-secret"
    local id=$RUN_ID
    user_cfg_set "$b" '.linux.maskedPaths = []'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run without masked paths"
    assert_match "$OUT" 'ver=[1-9]' "bytes read from /proc/version unmasked (control)"
    assert_match "$OUT" 'fw=[1-9]' "entries in /sys/firmware unmasked (control)"
    assert_contains "$OUT" "secret=pdt-secret" "/etc/pdt-secret unmasked (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_readonly_paths() {
    # In a network namespace of its own, the container's root with
    # CAP_NET_ADMIN may write its net sysctls: readonlyPaths' /proc/sys
    # (spec --rootless) refuses it.  Control: without /proc/sys in
    # readonlyPaths the write works.
    rootless_setup
    local b=$T/ropaths f=/proc/sys/net/ipv4/ip_forward
    user_bundle "$b" true
    cfg_get "$b" '.linux.readonlyPaths[]' | grep -qx /proc/sys || fail "spec --rootless has no /proc/sys in readonlyPaths"
    user_cfg_set "$b" '.linux.namespaces += [{"type":"network"}]
        | .process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])'
    local script="grep ' /proc/sys ' /proc/self/mountinfo; echo 1 > $f && echo write-ok; echo \"now=\$(cat $f)\""
    user_run "$b" sh -c "$script"
    assert_ok "rootless run with readonly paths"
    assert_match "$(printf '%s\n' "$OUT" | awk '$5 == "/proc/sys" { print $6 }' | tail -n1)" '^ro(,|$)' "mount options of /proc/sys"
    assert_not_contains "$OUT" write-ok "writing $f under a read-only /proc/sys"
    assert_contains "$ERR" "Read-only file system" "error writing under a read-only /proc/sys"
    assert_contains "$OUT" "now=0" "$f after the refused write"
    local id=$RUN_ID
    user_cfg_set "$b" '.linux.readonlyPaths -= ["/proc/sys"]'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run without /proc/sys read-only"
    assert_contains "$OUT" write-ok "writing $f without /proc/sys in readonlyPaths (control)"
    assert_contains "$OUT" "now=1" "$f after the write (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_root_readonly() {
    rootless_setup
    local b=$T/rootro
    user_bundle "$b" true
    user_cfg_set "$b" '.root.readonly = true'
    user_run "$b" sh -c 'touch /pdt-ro-file; echo end'
    assert_ok "rootless run with root.readonly"
    assert_contains "$ERR" "Read-only file system" "writing to a read-only root"
    [ ! -e "$b/rootfs/pdt-ro-file" ] || fail "a file was created in a read-only root"
    local id=$RUN_ID
    user_cfg_set "$b" '.root.readonly = false'
    user_run "$b" sh -c 'touch /pdt-rw-file && echo made'
    assert_ok "rootless run with a writable root"
    assert_eq "$OUT" made "writing to a writable root (control)"
    assert_eq "$(stat -c %u:%g "$b/rootfs/pdt-rw-file" 2>/dev/null)" "$USER_UID:$USER_GID" "host owner of a file made in the writable root"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_dev() {
    rootless_setup
    local b=$T/dev
    user_bundle "$b" true
    user_run "$b" sh -c '
        for f in null zero full random urandom tty ptmx pts fd stdin stdout stderr; do
            [ -e /dev/$f ] || [ -L /dev/$f ] && echo "have $f" || echo "missing $f"
        done
        for f in null zero full random urandom tty; do
            [ -c /dev/$f ] && echo "chr $f $(stat -c "%t,%T" /dev/$f)" || echo "notchr $f"
        done
        echo x > /dev/null && echo "null-write-ok"
        echo "null-read=$(cat /dev/null | wc -c)"
        echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
        echo "urandom=$(head -c 8 /dev/urandom | wc -c) random=$(head -c 8 /dev/random | wc -c)"
        echo x > /dev/full 2>/dev/null || echo "full-refuses"
    '
    assert_ok "rootless run listing /dev"
    local f
    for f in null zero full random urandom tty ptmx pts fd stdin stdout stderr; do
        assert_contains "$OUT" "have $f" "/dev/$f"
    done
    assert_contains "$OUT" "chr null 1,3" "/dev/null device numbers"
    assert_contains "$OUT" "chr zero 1,5" "/dev/zero device numbers"
    assert_contains "$OUT" "chr full 1,7" "/dev/full device numbers"
    assert_contains "$OUT" "chr random 1,8" "/dev/random device numbers"
    assert_contains "$OUT" "chr urandom 1,9" "/dev/urandom device numbers"
    assert_contains "$OUT" "chr tty 5,0" "/dev/tty device numbers"
    assert_contains "$OUT" "null-write-ok" "writing /dev/null"
    assert_contains "$OUT" "null-read=0" "bytes read from /dev/null"
    assert_contains "$OUT" "zero=00000000" "reading /dev/zero"
    assert_contains "$OUT" "urandom=8 random=8" "reading /dev/urandom and /dev/random"
    # Control: a write error is seen (so null-write-ok is not vacuous).
    assert_contains "$OUT" "full-refuses" "writing /dev/full"
    user_no_leaks "$RUN_ID" "$b"
}

RECVTTY=$T/recvtty
t_rootless_terminal() {
    # terminal=true as the user: the pty master arrives on a socket the user
    # listens on; stdio is /dev/pts/N of the container's devpts instance, and
    # /dev/ptmx opens a new pty in that instance.
    rootless_setup
    need_cmd cc build-essential
    if [ ! -x "$RECVTTY" ]; then
        cc -O2 -Wall -Wextra -Werror -o "$RECVTTY" "$HELPERS/recvtty.c" 2>"$T/cc.err" ||
            fail "cannot compile helpers/recvtty.c: $(oneline "$(cat "$T/cc.err")")"
        chmod 0755 "$RECVTTY"
    fi
    local b=$T/tty s=$T/user-sock
    user_bundle "$b" true
    user_dir "$s"
    user_cfg_set "$b" '.process.terminal = true | .process.args = ["sh", "-c", $s]' --arg s \
        'tty; [ -t 0 ] && echo stdin-is-tty; [ -t 1 ] && echo stdout-is-tty; a=$(ls /dev/pts | wc -l); exec 3<>/dev/ptmx && echo ptmx-open; b=$(ls /dev/pts | wc -l); echo "pts $a $b"; grep " /dev/pts " /proc/self/mountinfo; echo through-pty'
    as_user "$RECVTTY" -t 20 "$s/c.sock" >"$T/tty.out" 2>"$T/tty.err" &
    local rpid=$! i
    track_pid "$rpid"
    for i in $(seq 50); do [ -S "$s/c.sock" ] && break; sleep 0.1; done
    [ -S "$s/c.sock" ] || fail "recvtty (as $TEST_USER) did not create $s/c.sock: $(oneline "$(cat "$T/tty.err")")"
    local id
    id=$(user_new_id)
    urt_ok run --detach --console-socket "$s/c.sock" --bundle "$b" "$id"
    user_wait_status "$id" stopped
    wait "$rpid"
    local rc=$?
    local out
    out=$(tr -d '\r' <"$T/tty.out")
    [ "$rc" = 0 ] || fail "recvtty exited $rc: $(oneline "$(cat "$T/tty.err")") output: $(oneline "$out")"
    assert_match "$(printf '%s\n' "$out" | head -n1)" '^/dev/pts/[0-9]+$' "tty inside the rootless container"
    assert_contains "$out" stdin-is-tty "stdin"
    assert_contains "$out" stdout-is-tty "stdout"
    assert_contains "$out" ptmx-open "opening /dev/ptmx"
    local pts
    pts=$(printf '%s\n' "$out" | awk '$1 == "pts" { print $2, $3 }')
    [[ $pts =~ ^([0-9]+)\ ([0-9]+)$ ]] || fail "no pts counts in the output: $(oneline "$out")"
    assert_eq "${BASH_REMATCH[2]}" "$((BASH_REMATCH[1] + 1))" "entries in /dev/pts after opening /dev/ptmx (before: ${BASH_REMATCH[1]})"
    assert_contains "$(printf '%s\n' "$out" | grep ' /dev/pts ')" " - devpts " "filesystem at /dev/pts"
    grep -q $'through-pty\r' "$T/tty.out" || fail "output has no CR-LF: it did not go through a pty"
    urt_ok delete "$id"
    user_no_leaks "$id" "$b"
}

# A host node made for the case, removed afterwards.
HOSTNODE=/dev/pdt-rootless-null-$$
script_cleanup() { rm -f "$HOSTNODE"; }

t_rootless_linux_devices() {
    # Rootless, paddock cannot mknod: it binds the host's node at the same
    # path (as runc and crun do).  A node that exists on the host (a second
    # null device made for the test) appears and works; a path with no host
    # node (/dev/mynull) makes create fail naming it, leaving nothing behind.
    rootless_setup
    local b=$T/devices
    user_bundle "$b" true
    rm -f "$HOSTNODE"
    mknod -m 0666 "$HOSTNODE" c 1 3 || fail "cannot mknod $HOSTNODE on the host"
    user_cfg_set "$b" '.linux.devices = [{"path":$p,"type":"c","major":1,"minor":3,"fileMode":438}]' --arg p "$HOSTNODE"
    user_run "$b" sh -c "stat -c '%F %t,%T' $HOSTNODE && echo hi > $HOSTNODE && echo wrote && echo \"read=\$(cat $HOSTNODE | wc -c)\"; grep ' $HOSTNODE ' /proc/self/mountinfo"
    assert_ok "rootless run with a linux.devices entry for a host node"
    assert_contains "$OUT" "character special file 1,3" "$HOSTNODE in the container"
    assert_contains "$OUT" wrote "writing $HOSTNODE"
    assert_contains "$OUT" "read=0" "reading $HOSTNODE"
    assert_contains "$OUT" " $HOSTNODE " "$HOSTNODE is a (bind) mount in the container"
    [ ! -e "$b/rootfs$HOSTNODE" ] || [ ! -s "$b/rootfs$HOSTNODE" ] || fail "data written to the rootfs at $HOSTNODE"
    local id=$RUN_ID
    rm -f "$HOSTNODE"
    user_cfg_set "$b" '.linux.devices = [{"path":"/dev/mynull","type":"c","major":1,"minor":3}]'
    [ ! -e /dev/mynull ] || fail "the host has a /dev/mynull: the case needs it absent"
    local id2
    id2=$(user_new_id)
    urtc create --bundle "$b" "$id2"
    assert_failed "rootless create with a linux.devices entry that has no host node"
    assert_err_contains "/dev/mynull" "error for /dev/mynull"
    urtc state "$id2"
    [ "$RC" != 0 ] || fail "container exists after the failed create: $(oneline "$OUT")"
    user_no_leaks "$id" "$id2" "$b"
}

t_rootless_caps() {
    # spec --rootless as root in the container: permitted = effective =
    # bounding = the configured list.  Then uid 1000 (subuid range) with
    # every set configured: the kernel keeps exactly those, and CAP_CHOWN
    # (in them) works while a run without it fails (control).
    rootless_setup
    local b=$T/caps bnd
    user_bundle "$b" true
    mapfile -t bnd < <(cfg_get "$b" '.process.capabilities.bounding[]')
    user_run "$b" grep Cap /proc/self/status
    assert_ok "rootless run with the spec's capabilities"
    assert_eq "$(capline CapBnd)" "$(capmask "${bnd[@]}")" "CapBnd (spec --rootless)"
    assert_eq "$(capline CapPrm)" "$(capmask "${bnd[@]}")" "CapPrm (spec --rootless, root)"
    assert_eq "$(capline CapEff)" "$(capmask "${bnd[@]}")" "CapEff (spec --rootless, root)"
    assert_eq "$(capline CapAmb)" 0000000000000000 "CapAmb (spec --rootless)"
    local id=$RUN_ID
    map_ranges "$b"
    local big=(CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SETUID) rest=(CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)
    user_cfg_set "$b" '.process.user = {"uid":1000,"gid":1000}
        | .process.capabilities = {"bounding":$b,"effective":$r,"permitted":$r,"inheritable":$r,"ambient":$r}' \
        --argjson b "$(json_array "${big[@]}")" --argjson r "$(json_array "${rest[@]}")"
    local script='grep Cap /proc/self/status; touch /tmp/pdt-c && chown 1001:1001 /tmp/pdt-c && echo chown-ok; true'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run as uid 1000 with configured capabilities"
    assert_eq "$(capline CapBnd)" "$(capmask "${big[@]}")" "CapBnd"
    assert_eq "$(capline CapPrm)" "$(capmask "${rest[@]}")" "CapPrm"
    assert_eq "$(capline CapEff)" "$(capmask "${rest[@]}")" "CapEff"
    assert_eq "$(capline CapInh)" "$(capmask "${rest[@]}")" "CapInh"
    assert_eq "$(capline CapAmb)" "$(capmask "${rest[@]}")" "CapAmb"
    assert_contains "$OUT" chown-ok "chown with CAP_CHOWN"
    local id2=$RUN_ID
    user_cfg_set "$b" '.process.capabilities |= with_entries(.value -= ["CAP_CHOWN"])'
    rm -f "$b/rootfs/tmp/pdt-c"
    user_run "$b" sh -c "$script"
    assert_ok "rootless run as uid 1000 without CAP_CHOWN"
    assert_eq "$(capline CapEff)" "$(capmask CAP_KILL CAP_NET_BIND_SERVICE)" "CapEff without CAP_CHOWN"
    assert_not_contains "$OUT" chown-ok "chown without CAP_CHOWN (control)"
    user_no_leaks "$id" "$id2" "$RUN_ID" "$b"
}

t_rootless_no_new_privileges() {
    rootless_setup
    local b=$T/nnp
    user_bundle "$b" true
    assert_eq "$(cfg_get "$b" .process.noNewPrivileges)" true "noNewPrivileges in spec --rootless"
    user_run "$b" grep NoNewPrivs /proc/self/status
    assert_ok "rootless run with noNewPrivileges"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+1$' "NoNewPrivs with noNewPrivileges=true"
    local id=$RUN_ID
    user_cfg_set "$b" '.process.noNewPrivileges = false'
    user_run "$b" grep NoNewPrivs /proc/self/status
    assert_ok "rootless run without noNewPrivileges"
    assert_match "$OUT" '^NoNewPrivs:[[:space:]]+0$' "NoNewPrivs with noNewPrivileges=false (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_seccomp() {
    rootless_setup
    local b=$T/seccomp
    user_bundle "$b" true
    user_cfg_set "$b" '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
        "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
    local script='mkdir /tmp/x && echo mkdir-ok; touch /tmp/y && echo touch-ok; grep "^Seccomp:" /proc/self/status'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run with a seccomp profile"
    assert_not_contains "$OUT" mkdir-ok "mkdir under a filter denying mkdir/mkdirat"
    assert_contains "$ERR" "Operation not permitted" "mkdir error under seccomp"
    assert_contains "$OUT" touch-ok "a syscall the filter allows"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Seccomp:')" '^Seccomp:[[:space:]]+2$' "seccomp mode"
    [ ! -e "$b/rootfs/tmp/x" ] || fail "mkdir succeeded despite the filter"
    local id=$RUN_ID
    user_cfg_set "$b" 'del(.linux.seccomp)'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run without seccomp"
    assert_contains "$OUT" mkdir-ok "mkdir without a filter (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_rlimits() {
    # A NOFILE lower than the user's own limits; control: spec --rootless's 1024.
    rootless_setup
    local b=$T/rlimits
    user_bundle "$b" true
    local script='ulimit -n; grep -E "^Max open files" /proc/self/limits'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run with the spec's rlimits"
    assert_match "$OUT" 'Max open files[[:space:]]+1024[[:space:]]+1024[[:space:]]' "RLIMIT_NOFILE of spec --rootless (control)"
    local id=$RUN_ID
    user_cfg_set "$b" '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":123,"hard":456}]'
    user_run "$b" sh -c "$script"
    assert_ok "rootless run with a lower RLIMIT_NOFILE"
    assert_eq "$(printf '%s\n' "$OUT" | head -n1)" 123 "ulimit -n"
    assert_match "$OUT" 'Max open files[[:space:]]+123[[:space:]]+456[[:space:]]' "RLIMIT_NOFILE"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_user_groups() {
    # uid/gid 1000 and additionalGids inside the subuid range: a file made
    # by uid 1000 is owned on the host by SU + 999 (container id 1 = SU).
    # Control: root in the same container is the user's own uid on the host.
    rootless_setup
    local b=$T/usergroups
    user_bundle "$b" true
    map_ranges "$b"
    user_cfg_set "$b" '.process.user = {"uid":1000,"gid":1000,"additionalGids":[5,44]}'
    user_run "$b" sh -c 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status; touch /tmp/pdt-u1000 && echo made'
    assert_ok "rootless run as uid 1000"
    assert_contains "$OUT" "uid=1000(test) gid=1000(test)" "id"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Uid:')" '^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' "Uid"
    assert_match "$(printf '%s\n' "$OUT" | grep '^Gid:')" '^Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$' "Gid"
    assert_eq "$(printf '%s\n' "$OUT" | grep '^Groups:' | cut -d: -f2 | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' ')" "5 44 " "supplementary groups"
    assert_contains "$OUT" made "creating a file as uid 1000"
    assert_eq "$(stat -c %u:%g "$b/rootfs/tmp/pdt-u1000" 2>/dev/null)" "$((SU + 1000 - 1)):$((SG + 1000 - 1))" "host owner of the file made by uid 1000"
    local id=$RUN_ID
    user_cfg_set "$b" '.process.user = {"uid":0,"gid":0}'
    user_run "$b" sh -c 'touch /tmp/pdt-u0 && echo made'
    assert_ok "rootless run as root with ranges"
    assert_eq "$(stat -c %u:%g "$b/rootfs/tmp/pdt-u0" 2>/dev/null)" "$USER_UID:$USER_GID" "host owner of a file made by root (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_umask() {
    rootless_setup
    local b=$T/umask
    user_bundle "$b" true
    user_cfg_set "$b" '.process.user.umask = 23'
    user_run "$b" sh -c 'umask; touch /tmp/u; stat -c %a /tmp/u'
    assert_ok "rootless run with umask 027"
    assert_eq "$OUT" "0027
640" "umask and mode of a new file"
    local id=$RUN_ID
    user_cfg_set "$b" 'del(.process.user.umask)'
    user_run "$b" sh -c umask
    assert_ok "rootless run without umask"
    assert_eq "$OUT" 0022 "default umask (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

t_rootless_hooks() {
    # createRuntime, poststart and poststop run on the host as the user and
    # read the state on stdin.  Control: the same config run by root runs
    # them as root.
    rootless_setup
    local b=$T/hooks h=$T/user-hooks
    user_bundle "$b" true
    user_dir "$h"
    chmod 0777 "$h"
    cat >"$h/hook.sh" <<'HOOK'
#!/bin/sh
printf '%s %s %s\n' "$1" "$(id -u)" "$(cat | tr -d '\n')" >>"$2"
HOOK
    chmod 0755 "$h/hook.sh"
    local hooks
    hooks=$(jq -nc --arg p "$h/hook.sh" --arg l "$h/log" '{
        "createRuntime":[{"path":$p,"args":["hook.sh","createRuntime",$l]}],
        "poststart":[{"path":$p,"args":["hook.sh","poststart",$l]}],
        "poststop":[{"path":$p,"args":["hook.sh","poststop",$l]}]}')
    user_cfg_set "$b" '.hooks = $h' --argjson h "$hooks"
    local id pid
    id=$(user_new_id)
    urt_ok create --bundle "$b" "$id"
    pid=$(user_state_pid "$id")
    urt_ok start "$id"
    user_wait_status "$id" stopped
    urt_ok delete "$id"
    assert_eq "$(awk '{ print $1, $2 }' "$h/log" 2>/dev/null | tr '\n' ' ')" \
        "createRuntime $USER_UID poststart $USER_UID poststop $USER_UID " "hooks run (name, uid)"
    local n j want
    for n in createRuntime poststart poststop; do
        j=$(awk -v n="$n" '$1 == n { $1 = ""; $2 = ""; print; exit }' "$h/log")
        printf '%s' "$j" | jq -e . >/dev/null 2>&1 || fail "hook $n: stdin was not JSON: $(oneline "$j")"
        assert_eq "$(printf '%s' "$j" | jq -r .id)" "$id" "id in the state given to hook $n"
        assert_eq "$(printf '%s' "$j" | jq -r .bundle)" "$b" "bundle in the state given to hook $n"
        case $n in createRuntime) want=creating ;; poststart) want=running ;; poststop) want=stopped ;; esac
        assert_eq "$(printf '%s' "$j" | jq -r .status)" "$want" "status in the state given to hook $n"
    done
    assert_eq "$(awk '$1 == "createRuntime" { $1 = ""; $2 = ""; print; exit }' "$h/log" | jq -r .pid)" "$pid" "pid in the state given to createRuntime"
    rm -f "$h/log"
    local id2
    id2=$(new_id)
    rtc run --bundle "$b" "$id2"
    assert_ok "the same config run by root"
    assert_eq "$(awk '{ print $1, $2 }' "$h/log" 2>/dev/null | tr '\n' ' ')" \
        "createRuntime 0 poststart 0 poststop 0 " "hooks of a container run by root (control)"
    user_no_leaks "$id" "$id2" "$b"
}

t_rootless_kill() {
    # kill ID KILL ends the init; kill --all reaches its children too (init
    # traps USR1 and survives, its sleeps die).
    rootless_setup
    local b=$T/kill
    user_bundle "$b" sh -c 'trap "echo USR1 >> /tmp/sig" USR1; sleep 30 & sleep 30 & touch /tmp/ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done'
    local id pid i kids k
    id=$(user_new_id)
    urt_ok run --detach --bundle "$b" "$id"
    pid=$(user_state_pid "$id")
    for i in $(seq 50); do [ -e "$b/rootfs/tmp/ready" ] && break; sleep 0.1; done
    [ -e "$b/rootfs/tmp/ready" ] || fail "container never became ready"
    kids=$(ps -o pid=,args= --ppid "$pid" | awk '$2 == "sleep" && $3 == "30" { print $1 }' | tr '\n' ' ')
    [ "$(echo $kids | wc -w)" = 2 ] || fail "expected 2 'sleep 30' children of $pid, got '$kids'"
    for k in $kids; do track_pid "$k"; done
    urt_ok kill --all "$id" USR1
    for i in $(seq 50); do
        local alive=0
        for k in $kids; do _pid_alive "$k" && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for k in $kids; do ! _pid_alive "$k" || fail "child $k alive after 'kill --all ID USR1'"; done
    _pid_alive "$pid" || fail "init died after USR1, which it traps (control)"
    urt_ok state "$id"
    assert_eq "$(printf '%s' "$OUT" | jq -r .status)" running "status after 'kill --all ID USR1'"
    urt_ok kill "$id" KILL
    user_wait_status "$id" stopped
    for i in $(seq 50); do _pid_alive "$pid" || break; sleep 0.1; done
    ! _pid_alive "$pid" || fail "container init alive after 'kill ID KILL'"
    urt_ok delete "$id"
    user_no_leaks "$id" "$b"
}

t_rootless_exit_codes() {
    # run returns the container's exit status, 128+9 when it is SIGKILLed.
    rootless_setup
    local b=$T/exit
    user_bundle "$b" true
    user_run "$b" sh -c 'echo out; exit 7'
    assert_rc 7 "rootless run of 'exit 7'"
    assert_eq "$OUT" out "container stdout"
    local ids=("$RUN_ID")
    user_run "$b" true
    assert_rc 0 "rootless run of true"
    ids+=("$RUN_ID")
    user_cfg_set "$b" '.process.args = ["sleep", "30"]'
    local id rpid rc i
    id=$(user_new_id)
    ids+=("$id")
    as_user "$UR" run --bundle "$b" "$id" >"$T/exit.out" 2>"$T/exit.err" &
    rpid=$!
    track_pid "$rpid"
    for i in $(seq 50); do
        [ "$(urt state "$id" 2>/dev/null | jq -r .status 2>/dev/null)" = running ] && break
        sleep 0.1
    done
    user_state_pid "$id" >/dev/null
    urt_ok kill "$id" KILL
    for i in $(seq 100); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$rpid" 2>/dev/null && fail "rootless run still running 10s after its container got SIGKILL"
    wait "$rpid"
    rc=$?
    assert_eq "$rc" 137 "exit status of a rootless run whose container got SIGKILL (stderr: $(oneline "$(cat "$T/exit.err")"))"
    user_no_leaks "${ids[@]}" "$b"
}

# user_procs: the test user's live processes (not zombies: orphans are
# reaped late by some pid 1s), with their command lines
user_procs() {
    local p
    for p in $(pgrep -u "$TEST_USER"); do
        _pid_alive "$p" && echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done
}

t_rootless_unmapped_range() {
    # A uid range outside the user's /etc/subuid grant: newuidmap refuses,
    # create fails saying so, nothing is left (no state dir, no process of
    # the user).  Control: the granted range works.
    rootless_setup
    local b=$T/unmapped
    user_bundle "$b" true
    map_ranges "$b"
    local bad=$((SU + SUN))
    user_cfg_set "$b" '.linux.uidMappings[1].hostID = $h' --argjson h "$bad"
    [ -z "$(user_procs)" ] || fail "processes of $TEST_USER before the case: $(oneline "$(user_procs)")"
    local id
    id=$(user_new_id)
    urtc create --bundle "$b" "$id"
    assert_failed "rootless create mapping uids $bad.. (not granted in /etc/subuid)"
    assert_err_contains newuidmap "error for an ungranted uid range"
    assert_contains "$ERR" subuid "error for an ungranted uid range"
    as_user test -e "$USER_STATE/$id" && fail "state dir $USER_STATE/$id left after the failed create"
    urtc state "$id"
    [ "$RC" != 0 ] || fail "container exists after the failed create: $(oneline "$OUT")"
    local _ left=
    for _ in $(seq 20); do
        left=$(user_procs)
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -z "$left" ] || fail "processes of $TEST_USER left after the failed create: $(oneline "$left")"
    user_cfg_set "$b" '.linux.uidMappings[1].hostID = $h' --argjson h "$SU"
    user_run "$b" cat /proc/self/uid_map
    assert_ok "rootless run with the granted range (control)"
    user_no_leaks "$id" "$RUN_ID" "$b"
}

run_case rootless_spec_run t_rootless_spec_run
run_case rootless_subuid_mapping t_rootless_subuid_mapping
run_case rootless_user_not_in_passwd t_rootless_user_not_in_passwd
run_case rootless_lifecycle t_rootless_lifecycle
run_case rootless_cannot_use_root_state t_rootless_cannot_use_root_state
run_case rootless_no_userns t_rootless_no_userns
run_case rootless_namespaces t_rootless_namespaces
run_case rootless_tmpfs_size t_rootless_tmpfs_size
run_case rootless_bind_rw t_rootless_bind_rw
run_case rootless_bind_ro t_rootless_bind_ro
run_case rootless_masked_paths t_rootless_masked_paths
run_case rootless_readonly_paths t_rootless_readonly_paths
run_case rootless_root_readonly t_rootless_root_readonly
run_case rootless_dev t_rootless_dev
run_case rootless_terminal t_rootless_terminal
run_case rootless_linux_devices t_rootless_linux_devices
run_case rootless_caps t_rootless_caps
run_case rootless_no_new_privileges t_rootless_no_new_privileges
run_case rootless_seccomp t_rootless_seccomp
run_case rootless_rlimits t_rootless_rlimits
run_case rootless_user_groups t_rootless_user_groups
run_case rootless_umask t_rootless_umask
run_case rootless_hooks t_rootless_hooks
run_case rootless_kill t_rootless_kill
run_case rootless_exit_codes t_rootless_exit_codes
run_case rootless_unmapped_range t_rootless_unmapped_range
finish
