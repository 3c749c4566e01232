#!/usr/bin/env bash
# Mounts: config mounts (tmpfs, bind rw/ro, overlay), masked and readonly
# paths, root.readonly, symlinked destinations that point out of the rootfs,
# /dev, /dev/pts and /dev/mqueue, the v1 cgroup mount and sysfs read-only,
# linux.devices, bad options, a missing rootfs, --no-pivot and
# linux.rootfsPropagation.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   rootfs_propagation  runc 1.1.5 with rootfsPropagation "rshared" leaves the
#                       container's "/" without a shared:N peer group.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
setup_bundle() {
    [ -d "$B" ] || make_bundle "$B" true
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
}
# Every case starts from the bundle's original config.
case_cleanup() { [ -f "$T/config.orig" ] && cp "$T/config.orig" "$B/config.json"; }

add_mount() { # BUNDLE JSON
    cfg_set "$1" '.mounts += [$m]' --argjson m "$2"
}

t_tmpfs_size() {
    setup_bundle
    add_mount "$B" '{"destination":"/mnt/pdt-tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","size=1m","mode=1777"]}'
    run_in "$B" sh -c 'grep " /mnt/pdt-tmp " /proc/self/mountinfo; stat -c %a /mnt/pdt-tmp; dd if=/dev/zero of=/mnt/pdt-tmp/f bs=1024 count=2048 2>&1; echo dd=$?'
    assert_ok "run with a tmpfs mount"
    local line
    line=$(printf '%s\n' "$OUT" | grep ' /mnt/pdt-tmp ') || fail "no tmpfs at /mnt/pdt-tmp: $(oneline "$OUT")"
    assert_contains "$line" " - tmpfs " "mountinfo line"
    assert_contains "$line" "size=1024k" "tmpfs size option"
    assert_contains "$line" "nosuid" "tmpfs flags"
    assert_contains "$OUT" $'\n1777\n' "tmpfs mode"
    assert_contains "$OUT" "No space left" "writing 2 MiB into a 1 MiB tmpfs"
    assert_not_contains "$OUT" "dd=0" "dd status"
    [ ! -e "$B/rootfs/mnt/pdt-tmp/f" ] || fail "tmpfs content landed in the rootfs"
    no_leaks "$RUN_ID" "$B"
}

# tmpcopyup (crun's option, used by podman for --read-only): the tmpfs starts
# with a copy of what the destination held, owners, modes, links and all;
# writes land in the tmpfs only.
t_tmpcopyup() {
    setup_bundle
    is_paddock || { note "tmpcopyup is a crun extension that runc 1.1.5 rejects"; return 0; }
    mkdir -p "$B/rootfs/srv/seed/sub"
    echo seeded >"$B/rootfs/srv/seed/sub/f"
    chmod 0640 "$B/rootfs/srv/seed/sub/f"
    chown 7:9 "$B/rootfs/srv/seed/sub"
    ln -s sub/f "$B/rootfs/srv/seed/link"
    mkfifo "$B/rootfs/srv/seed/fifo"
    add_mount "$B" '{"destination":"/srv/seed","type":"tmpfs","source":"tmpfs","options":["tmpcopyup","nosuid"]}'
    run_in "$B" sh -c 'grep " /srv/seed " /proc/self/mountinfo | grep -c " - tmpfs "
        cat /srv/seed/link; stat -c "%a %u:%g" /srv/seed/sub/f /srv/seed/sub; readlink /srv/seed/link
        stat -c %F /srv/seed/fifo; echo changed >/srv/seed/sub/f && cat /srv/seed/sub/f'
    assert_ok "run with a tmpcopyup tmpfs"
    assert_eq "$OUT" $'1\nseeded\n640 0:0\n755 7:9\nsub/f\nfifo\nchanged' "copied content, owner, mode, link, fifo"
    assert_eq "$(cat "$B/rootfs/srv/seed/sub/f")" seeded "the rootfs copy is untouched"
    no_leaks "$RUN_ID" "$B"
    rm -rf "$B/rootfs/srv/seed"
}

t_bind_rw() {
    setup_bundle
    local h=$T/host-rw
    mkdir -p "$h"
    echo from-host >"$h/in"
    add_mount "$B" "$(jq -nc --arg s "$h" '{"destination":"/data","type":"bind","source":$s,"options":["rbind","rw"]}')"
    run_in "$B" sh -c 'cat /data/in && echo from-container > /data/out'
    assert_ok "run with a rw bind mount"
    assert_eq "$OUT" from-host "host file read through the bind mount"
    assert_eq "$(cat "$h/out" 2>/dev/null)" from-container "file written in the container, seen on the host"
    no_leaks "$RUN_ID" "$B"
}

t_bind_ro() {
    setup_bundle
    local h=$T/host-ro
    mkdir -p "$h"
    echo keep >"$h/in"
    add_mount "$B" "$(jq -nc --arg s "$h" '{"destination":"/data","type":"none","source":$s,"options":["bind","ro"]}')"
    run_in "$B" sh -c 'cat /data/in; echo changed > /data/in; touch /data/new; echo end'
    assert_ok "run with a ro bind mount"
    assert_contains "$OUT" keep "host file read through the ro bind mount"
    assert_contains "$ERR" "Read-only file system" "writing to a ro bind mount"
    assert_eq "$(cat "$h/in")" keep "host file after the container tried to write it"
    [ ! -e "$h/new" ] || fail "a file was created through a ro bind mount"
    # The host's mount itself must stay writable (ro applies to the container's view).
    touch "$h/host-can-write" || fail "host dir became read-only"
    no_leaks "$RUN_ID" "$B"
}

t_masked_paths() {
    setup_bundle
    cfg_set "$B" '.linux.maskedPaths = ["/proc/kcore", "/sys/firmware", "/proc/pdt-missing"]'
    run_in "$B" sh -c 'echo "kcore=$(head -c 16 /proc/kcore 2>/dev/null | wc -c)"; echo "fw=$(ls -A /sys/firmware | wc -l)"'
    assert_ok "run with masked paths"
    assert_contains "$OUT" "kcore=0" "bytes read from masked /proc/kcore"
    assert_contains "$OUT" "fw=0" "entries in masked /sys/firmware"
    no_leaks "$RUN_ID" "$B"
}

t_readonly_paths() {
    setup_bundle
    cfg_set "$B" '.linux.readonlyPaths = ["/proc/sys", "/proc/sysrq-trigger"]'
    run_in "$B" sh -c 'echo pdt-changed > /proc/sys/kernel/hostname && echo write-ok; hostname'
    assert_ok "run with readonly paths"
    assert_not_contains "$OUT" write-ok "writing /proc/sys/kernel/hostname"
    assert_contains "$ERR" "Read-only file system" "writing under readonly /proc/sys"
    assert_not_contains "$OUT" pdt-changed "hostname after the refused write"
    no_leaks "$RUN_ID" "$B"
}

t_root_readonly() {
    setup_bundle
    cfg_set "$B" '.root.readonly = true'
    run_in "$B" sh -c 'touch /pdt-ro-file; echo end'
    assert_ok "run with root.readonly"
    assert_contains "$ERR" "Read-only file system" "writing to a read-only root"
    [ ! -e "$B/rootfs/pdt-ro-file" ] || fail "a file was created in a read-only root"
    cfg_set "$B" '.root.readonly = false'
    run_in "$B" sh -c 'touch /pdt-rw-file && echo made'
    assert_ok "run with a writable root"
    assert_eq "$OUT" made "writing to a writable root"
    [ -e "$B/rootfs/pdt-rw-file" ] || fail "file written in a writable root is not in the bundle's rootfs"
    rm -f "$B/rootfs/pdt-rw-file"
    no_leaks "$RUN_ID" "$B"
}

# dir_fingerprint DIR: its entries with their times, and its own inode/mtime.
dir_fingerprint() { ls -lA --time-style=full-iso "$1"; stat -c '%i %Y %h' "$1"; }

# A mount destination that is a symlink pointing out of the rootfs: the mount
# must land inside the rootfs, or create must fail; the host dir is untouched.
check_symlink_escape() { # LINK-TARGET TYPE
    setup_bundle
    local out=/tmp/outside-pdt-$$-$RANDOM
    echo "$out" >>"$T/outside"
    mkdir -p "$out"
    echo marker >"$out/marker"
    local target=$1
    [ "$target" = ABS ] && target=$out
    [ "$target" = REL ] && target=../../../../../../..$out
    ln -sfn "$target" "$B/rootfs/evil"
    local before
    before=$(dir_fingerprint "$out")
    local h=$T/host-src
    mkdir -p "$h"
    echo bound >"$h/bound-file"
    if [ "$2" = tmpfs ]; then
        add_mount "$B" '{"destination":"/evil","type":"tmpfs","source":"tmpfs","options":["size=1m"]}'
    else
        add_mount "$B" "$(jq -nc --arg s "$h" '{"destination":"/evil","type":"bind","source":$s,"options":["rbind","rw"]}')"
    fi
    set_args "$B" sh -c 'touch /evil/written-in-container 2>/dev/null; ls /evil'
    local id
    id=$(new_id)
    rtc run --bundle "$B" "$id"
    note "run rc=$RC out=$(oneline "$OUT") err=$(oneline "$ERR")"
    if [ "$RC" = 0 ]; then
        assert_not_contains "$OUT" marker "the container's /evil (must not be the host dir)"
    else
        assert_failed "run with a symlinked mount destination"
    fi
    [ -e "$out/marker" ] || fail "host dir $out lost its marker"
    [ ! -e "$out/written-in-container" ] || fail "the container wrote into host dir $out"
    [ ! -e "$out/bound-file" ] || fail "the bind mount landed on host dir $out"
    assert_eq "$(dir_fingerprint "$out")" "$before" "host dir $out"
    ! grep -qF " $out " /proc/self/mountinfo || fail "something is mounted on host dir $out"
    no_leaks "$id" "$B"
    rm -rf "$out"
    rm -f "$B/rootfs/evil"
}
t_symlink_dest_abs_tmpfs() { check_symlink_escape ABS tmpfs; }
t_symlink_dest_rel_bind() { check_symlink_escape REL bind; }
script_cleanup() {
    local d
    [ -f "$T/outside" ] && while read -r d; do rm -rf "$d"; done <"$T/outside"
}

t_dev_contents() {
    setup_bundle
    run_in "$B" sh -c '
        for f in null zero full random urandom tty ptmx pts fd stdin stdout stderr; do
            [ -e /dev/$f ] || [ -L /dev/$f ] && echo "have $f" || echo "missing $f"
        done
        for f in null zero full random urandom tty; do
            [ -c /dev/$f ] && echo "chr $f $(stat -c "%t,%T" /dev/$f)" || echo "notchr $f"
        done
        [ -d /dev/pts ] && echo "dir pts"
        echo x > /dev/null && echo "null-write-ok"
        echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
        echo "urandom=$(head -c 8 /dev/urandom | wc -c)"
        echo "fd=$(readlink /dev/fd) stdin=$(readlink /dev/stdin) stdout=$(readlink /dev/stdout) stderr=$(readlink /dev/stderr)"
        echo x > /dev/full 2>/dev/null || echo "full-refuses"
    '
    assert_ok "run listing /dev"
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
    assert_contains "$OUT" "dir pts" "/dev/pts"
    assert_contains "$OUT" "null-write-ok" "writing /dev/null"
    assert_contains "$OUT" "zero=00000000" "reading /dev/zero"
    assert_contains "$OUT" "urandom=8" "reading /dev/urandom"
    assert_contains "$OUT" "fd=/proc/self/fd stdin=/proc/self/fd/0 stdout=/proc/self/fd/1 stderr=/proc/self/fd/2" "/dev/fd and std links"
    assert_contains "$OUT" "full-refuses" "writing /dev/full"
    no_leaks "$RUN_ID" "$B"
}

t_linux_devices() {
    setup_bundle
    cfg_set "$B" '.linux.devices = [{"path":"/dev/pdtnull","type":"c","major":1,"minor":3,"fileMode":432,"uid":0,"gid":0}]
        | .linux.resources.devices += [{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]'
    run_in "$B" sh -c 'stat -c "%F %t,%T %a %u:%g" /dev/pdtnull && echo hi > /dev/pdtnull && echo wrote'
    assert_ok "run with a linux.devices entry"
    assert_contains "$OUT" "character special file 1,3 660 0:0" "/dev/pdtnull"
    assert_contains "$OUT" wrote "writing /dev/pdtnull"
    [ ! -e "$B/rootfs/dev/pdtnull" ] || [ -c "$B/rootfs/dev/pdtnull" ] ||
        fail "a regular file was left at rootfs/dev/pdtnull"
    no_leaks "$RUN_ID" "$B"
}

# A config mount on a node's path wins (not /dev/null: masked paths check
# it is the null device): the node is not made there (its
# create finds the name taken and keeps the mount), the others are; with
# mknod (root) and with bind mounts of the host's nodes (user namespace).
t_dev_node_mounted() {
    echo mounted-full >"$T/fake-full"
    local userns
    for userns in no yes; do
        setup_bundle
        add_mount "$B" "{\"destination\":\"/dev/full\",\"type\":\"bind\",\"source\":\"$T/fake-full\",\"options\":[\"bind\",\"ro\"]}"
        [ $userns = no ] || cfg_set "$B" '.linux.namespaces += [{"type":"user"}]
            | .linux.uidMappings = [{"containerID":0,"hostID":0,"size":65536}]
            | .linux.gidMappings = [{"containerID":0,"hostID":0,"size":65536}]'
        run_in "$B" sh -c 'cat /dev/full; stat -c "%F %t,%T" /dev/null /dev/zero'
        assert_ok "run with a bind mount on /dev/full (user namespace: $userns)"
        assert_contains "$OUT" "mounted-full" "the config's mount kept on /dev/full ($userns)"
        assert_contains "$OUT" $'character special file 1,3\ncharacter special file 1,5' \
            "/dev/null and /dev/zero made ($userns)"
        no_leaks "$RUN_ID" "$B"
    done
}

t_bad_mount_option() {
    setup_bundle
    add_mount "$B" '{"destination":"/mnt/pdt-bad","type":"tmpfs","source":"tmpfs","options":["nosuid","pdtbogus=1"]}'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with a bad mount option"
    assert_err_contains "pdtbogus" "error for a bad mount option"
    assert_contains "$ERR" "/mnt/pdt-bad" "error for a bad mount option (names the mount)"
    rtc state "$id"
    [ "$RC" != 0 ] || fail "state of a container whose create failed succeeded: $(oneline "$OUT")"
    no_leaks "$id" "$B"
}

t_missing_rootfs() {
    setup_bundle
    cfg_set "$B" '.root.path = "pdt-no-such-rootfs"'
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with a missing rootfs"
    assert_err_contains "pdt-no-such-rootfs" "error for a missing rootfs"
    shopt -s nocasematch
    [[ $ERR == *"no such file"* || $ERR == *"not exist"* || $ERR == *"not found"* ]] ||
        fail "error for a missing rootfs does not say it is missing: $(oneline "$ERR")"
    shopt -u nocasematch
    [ ! -e "$B/pdt-no-such-rootfs" ] || fail "the runtime created the missing rootfs"
    no_leaks "$id" "$B"
}

t_mountpoint_created() {
    # A destination missing in the rootfs is created inside the rootfs.
    setup_bundle
    add_mount "$B" '{"destination":"/pdt/deep/dir","type":"tmpfs","source":"tmpfs"}'
    run_in "$B" sh -c 'grep -c " /pdt/deep/dir " /proc/self/mountinfo'
    assert_ok "run with a mount destination missing in the rootfs"
    assert_eq "$OUT" 1 "mounts at /pdt/deep/dir"
    [ -d "$B/rootfs/pdt/deep/dir" ] || fail "mountpoint not created in the rootfs"
    rm -rf "$B/rootfs/pdt"
    no_leaks "$RUN_ID" "$B"
}

# mi_line OUTPUT MOUNTPOINT: the mountinfo line(s) of OUTPUT mounted at MOUNTPOINT
mi_line() { printf '%s\n' "$1" | awk -v m="$2" '$5 == m'; }
# mi_opts LINE: the per-mount options (field 6)
mi_opts() { printf '%s\n' "$1" | awk '{ print $6 }'; }
# mi_fstype LINE: the filesystem type (first field after " - ")
mi_fstype() { printf '%s\n' "$1" | sed -n 's/.* - \([^ ]*\) .*/\1/p'; }

t_overlay() {
    setup_bundle
    local o=$T/ovl
    rm -rf "$o"
    mkdir -p "$o/lower" "$o/upper" "$o/work"
    echo from-lower >"$o/lower/low"
    add_mount "$B" "$(jq -nc --arg o "$o" '{"destination":"/mnt/ovl","type":"overlay","source":"overlay",
        "options":["lowerdir=\($o)/lower","upperdir=\($o)/upper","workdir=\($o)/work"]}')"
    run_in "$B" sh -c 'grep " /mnt/ovl " /proc/self/mountinfo; cat /mnt/ovl/low; echo from-container > /mnt/ovl/new && echo changed >> /mnt/ovl/low && echo written'
    assert_ok "run with an overlay mount"
    local line
    line=$(mi_line "$OUT" /mnt/ovl)
    [ -n "$line" ] || fail "no mount at /mnt/ovl: $(oneline "$OUT")"
    assert_eq "$(mi_fstype "$line")" overlay "filesystem type at /mnt/ovl"
    assert_contains "$OUT" from-lower "lower file read through the overlay"
    assert_contains "$OUT" written "writes into the overlay"
    assert_eq "$(cat "$o/upper/new" 2>/dev/null)" from-container "new file in the upperdir on the host"
    assert_eq "$(cat "$o/upper/low" 2>/dev/null)" "from-lower
changed" "copied-up file in the upperdir on the host"
    assert_eq "$(cat "$o/lower/low")" from-lower "lower file on the host (unchanged)"
    [ ! -e "$o/lower/new" ] || fail "the new file landed in the lowerdir"
    [ ! -e "$B/rootfs/mnt/ovl/new" ] || fail "the new file landed in the rootfs"
    no_leaks "$RUN_ID" "$B"
}

t_devpts_mqueue() {
    # The default spec's /dev/pts (devpts) and /dev/mqueue (mqueue).
    # Control: without the mqueue entry there is no mqueue mount.
    setup_bundle
    [ "$(cfg_get "$B" '[.mounts[] | select(.destination == "/dev/mqueue" and .type == "mqueue")] | length')" = 1 ] ||
        fail "the default spec has no mqueue mount at /dev/mqueue"
    run_in "$B" cat /proc/self/mountinfo
    assert_ok "run with the default mounts"
    local line
    line=$(mi_line "$OUT" /dev/pts)
    [ -n "$line" ] || fail "nothing mounted at /dev/pts: $(oneline "$OUT")"
    assert_eq "$(mi_fstype "$line")" devpts "filesystem type at /dev/pts"
    line=$(mi_line "$OUT" /dev/mqueue)
    [ -n "$line" ] || fail "nothing mounted at /dev/mqueue: $(oneline "$OUT")"
    assert_eq "$(mi_fstype "$line")" mqueue "filesystem type at /dev/mqueue"
    local id=$RUN_ID
    cfg_set "$B" '.mounts |= map(select(.destination != "/dev/mqueue"))'
    run_in "$B" cat /proc/self/mountinfo
    assert_ok "run without the mqueue mount"
    assert_eq "$(mi_line "$OUT" /dev/mqueue)" "" "/dev/mqueue without its mount entry (control)"
    no_leaks "$id" "$RUN_ID" "$B"
}

t_cgroup_v1_ro() {
    # The spec's {"type":"cgroup", "ro"} mount at /sys/fs/cgroup on this
    # v1/hybrid host: each of the host's v1 hierarchies appears under it, as a
    # read-only cgroup mount.  Control: with "rw" they are read-write.
    setup_bundle
    local ctrls
    ctrls=$(awk '$5 ~ "^/sys/fs/cgroup/[^/]+$" && / - cgroup / { sub("^/sys/fs/cgroup/", "", $5); print $5 }' /proc/self/mountinfo | sort)
    [ -n "$ctrls" ] || fail "prerequisite missing: no cgroup v1 hierarchy mounted under /sys/fs/cgroup on the host"
    [[ $'\n'$ctrls$'\n' == *$'\nmemory\n'* ]] || fail "prerequisite missing: no v1 memory hierarchy at /sys/fs/cgroup/memory"
    [ "$(cfg_get "$B" '[.mounts[] | select(.destination == "/sys/fs/cgroup" and .type == "cgroup" and (.options | index("ro")))] | length')" = 1 ] ||
        fail "the default spec has no read-only cgroup mount at /sys/fs/cgroup"
    run_in "$B" sh -c 'cat /proc/self/mountinfo; mkdir /sys/fs/cgroup/memory/pdt-x 2>&1; echo "mkdir=$?"'
    assert_ok "run with the spec's cgroup mount"
    local c line
    for c in $ctrls; do
        line=$(mi_line "$OUT" "/sys/fs/cgroup/$c")
        [ -n "$line" ] || fail "no mount at /sys/fs/cgroup/$c inside: $(oneline "$(mi_line "$OUT" /sys/fs/cgroup)")"
        assert_eq "$(mi_fstype "$line")" cgroup "filesystem type at /sys/fs/cgroup/$c"
        assert_match "$(mi_opts "$line")" '^ro(,|$)' "mount options of /sys/fs/cgroup/$c"
    done
    assert_contains "$OUT" "Read-only file system" "mkdir in /sys/fs/cgroup/memory"
    assert_contains "$OUT" "mkdir=1" "mkdir status in /sys/fs/cgroup/memory"
    local id=$RUN_ID
    cfg_set "$B" '.mounts |= map(if .destination == "/sys/fs/cgroup" then .options = (.options - ["ro"] + ["rw"]) else . end)'
    run_in "$B" cat /proc/self/mountinfo
    assert_ok "run with a rw cgroup mount"
    line=$(mi_line "$OUT" /sys/fs/cgroup/memory)
    [ -n "$line" ] || fail "no mount at /sys/fs/cgroup/memory with a rw cgroup mount"
    assert_match "$(mi_opts "$line")" '^rw(,|$)' "mount options of /sys/fs/cgroup/memory with \"rw\" (control)"
    no_leaks "$id" "$RUN_ID" "$B"
}

t_sysfs_ro() {
    # The default spec's sysfs has "ro".  Control: without it, rw.
    setup_bundle
    run_in "$B" sh -c 'grep " /sys " /proc/self/mountinfo; touch /sys/pdt-x 2>&1; echo "touch=$?"'
    assert_ok "run with the default sysfs mount"
    local line
    line=$(mi_line "$OUT" /sys)
    [ -n "$line" ] || fail "nothing mounted at /sys: $(oneline "$OUT")"
    assert_eq "$(mi_fstype "$line")" sysfs "filesystem type at /sys"
    assert_match "$(mi_opts "$line")" '^ro(,|$)' "mount options of /sys"
    assert_contains "$OUT" "Read-only file system" "creating a file in /sys"
    local id=$RUN_ID
    cfg_set "$B" '.mounts |= map(if .destination == "/sys" then .options = (.options - ["ro"]) else . end)'
    run_in "$B" grep " /sys " /proc/self/mountinfo
    assert_ok "run with sysfs without ro"
    assert_match "$(mi_opts "$(mi_line "$OUT" /sys)")" '^rw(,|$)' "mount options of /sys without \"ro\" (control)"
    no_leaks "$id" "$RUN_ID" "$B"
}

t_no_pivot() {
    # run --no-pivot (MS_MOVE + chroot): the container's "/" is the bundle's
    # rootfs, and it sees the same mount points as with pivot_root.
    setup_bundle
    local fsroot target rel want
    read -r fsroot target < <(findmnt -n -o FSROOT,TARGET -T "$B/rootfs")
    [ -n "$target" ] || fail "findmnt found no mount holding $B/rootfs"
    rel=$B
    [ "$target" = / ] || rel=${B#"$target"}
    want=${fsroot%/}$rel/rootfs
    set_args "$B" sh -c 'cat /proc/self/mountinfo; echo ---; ls /; echo pdt-ran'
    local id
    id=$(new_id)
    rtc run --no-pivot --bundle "$B" "$id"
    assert_ok "run --no-pivot"
    assert_contains "$OUT" pdt-ran "output of the container run with --no-pivot"
    local mi1 line
    mi1=$(printf '%s\n' "$OUT" | sed '/^---$/,$d')
    line=$(mi_line "$mi1" /)
    [ -n "$line" ] || fail "no \"/\" line in /proc/self/mountinfo with --no-pivot: $(oneline "$mi1")"
    assert_eq "$(printf '%s\n' "$line" | wc -l)" 1 "\"/\" lines in mountinfo with --no-pivot"
    assert_eq "$(printf '%s\n' "$line" | awk '{ print $4 }')" "$want" "root of the \"/\" mount with --no-pivot"
    assert_eq "$(printf '%s\n' "$OUT" | sed '1,/^---$/d; /^pdt-ran$/d')" "$(ls "$B/rootfs")" "ls / with --no-pivot vs the bundle's rootfs"
    local id2
    id2=$(new_id)
    rtc run --bundle "$B" "$id2"
    assert_ok "run with pivot_root"
    local mi2
    mi2=$(printf '%s\n' "$OUT" | sed '/^---$/,$d')
    assert_eq "$(printf '%s\n' "$mi1" | awk '{ print $5 }')" "$(printf '%s\n' "$mi2" | awk '{ print $5 }')" \
        "mount points with --no-pivot vs pivot_root"
    no_leaks "$id" "$id2" "$B"
}

t_rootfs_propagation() {
    # "/" inside is in a peer group (shared:N) with rshared, not with private.
    setup_bundle
    local p line ids=()
    for p in rshared private; do
        cfg_set "$B" '.linux.rootfsPropagation = $p' --arg p "$p"
        run_in "$B" cat /proc/self/mountinfo
        ids+=("$RUN_ID")
        assert_ok "run with rootfsPropagation $p"
        line=$(mi_line "$OUT" /)
        [ -n "$line" ] || fail "no \"/\" line in mountinfo with rootfsPropagation $p"
        # optional fields: between the options (field 6) and " - "
        line=$(printf '%s\n' "$line" | sed 's/ - .*//' | cut -d' ' -f7-)
        if [ "$p" = rshared ]; then
            assert_match "$line" '(^| )shared:[0-9]+' "optional fields of \"/\" with rootfsPropagation rshared"
        else
            assert_not_contains "$line" "shared:" "optional fields of \"/\" with rootfsPropagation private"
        fi
    done
    no_leaks "${ids[@]}" "$B"
}

run_case tmpfs_size t_tmpfs_size
run_case tmpcopyup t_tmpcopyup
run_case bind_rw t_bind_rw
run_case bind_ro t_bind_ro
run_case masked_paths t_masked_paths
run_case readonly_paths t_readonly_paths
run_case root_readonly t_root_readonly
run_case symlink_dest_abs_tmpfs t_symlink_dest_abs_tmpfs
run_case symlink_dest_rel_bind t_symlink_dest_rel_bind
run_case dev_contents t_dev_contents
run_case linux_devices t_linux_devices
run_case dev_node_mounted t_dev_node_mounted
run_case bad_mount_option t_bad_mount_option
run_case missing_rootfs t_missing_rootfs
run_case mountpoint_created t_mountpoint_created
run_case overlay t_overlay
run_case devpts_mqueue t_devpts_mqueue
run_case cgroup_v1_ro t_cgroup_v1_ro
run_case sysfs_ro t_sysfs_ro
run_case no_pivot t_no_pivot
run_case rootfs_propagation t_rootfs_propagation
finish
