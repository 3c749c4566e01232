#!/usr/bin/env bash
# rootfs-tools/paddock-mkrootfs: every mode makes a bundle (rootfs and a
# config.json written by `paddock spec`) that `paddock run` runs.
#
#   busybox_*      Debian's busybox-static; the config as written (a terminal
#                  config, fed through a pipe), --rootfs-only (what
#                  tests/setup/rootfs uses), --rootless as the test user
#   debootstrap_*  a minimal Debian from the mirror.  debootstrap takes half a
#                  minute or more, so the bundle is cached in
#                  /var/tmp/paddock-tests/debootstrap-SUITE, rebuilt when
#                  paddock-mkrootfs, the suite or the mirror change (a stamp,
#                  as tests/setup/rootfs does).  A mirror that can't be reached
#                  is a failure that says so, never a skip.  Also: an
#                  unreachable mirror gives a clear error and leaves nothing;
#                  non-root is refused
#   oci_*          an OCI image layout of two layers made with umoci (the
#                  second deletes a file and a directory: whiteouts); the
#                  image's command, env and working directory reach the config
#   host_*         root.path "/" read-only, submounts too; an agent variant
#   usage_*        --help, bad arguments, a non-empty DIR
#
# Environment: PADDOCK_MIRROR (default http://deb.debian.org/debian) and
# PADDOCK_TEST_SUITE (default bookworm) for the debootstrap cases.
source "$(dirname "$0")/lib.sh"

MKROOTFS=${MKROOTFS:-$REPO/rootfs-tools/paddock-mkrootfs}
MIRROR=${PADDOCK_MIRROR:-http://deb.debian.org/debian}
SUITE=${PADDOCK_TEST_SUITE:-bookworm}
DEBOOT_CACHE=$TEST_BASE/debootstrap-$SUITE

# mk ARGS...: paddock-mkrootfs with this runtime, capturing RC/OUT/ERR.
mk() {
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="paddock-mkrootfs $*"
    printf '+ paddock-mkrootfs %s\n' "$*" >>"$CASE_TRACE"
    timeout -k 5 "${MK_TIMEOUT:-120}" "$MKROOTFS" --paddock "$RUNTIME" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}
mk_ok() { mk "$@"; [ "$RC" = 0 ] || fail "paddock-mkrootfs $*: exit $RC: $(oneline "$ERR")"; }

need_paddock() { is_paddock || { note "paddock-mkrootfs writes config.json with paddock spec"; exit 0; }; }

# run_bundle B ARGS...: process.args=ARGS, no terminal, `run` a fresh id (RC/OUT/ERR).
run_bundle() {
    local b=$1
    shift
    cfg_set "$b" '.process.args = $a | .process.terminal = false' --argjson a "$(json_array "$@")"
    local id
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    RUN_ID=$id
}

# assert_spec_config B: config.json is paddock spec's (plus what the mode changes).
assert_spec_config() {
    local c=$1/config.json
    [ -s "$c" ] || fail "no $c"
    jq -e . "$c" >/dev/null 2>&1 || fail "$c is not JSON"
    assert_eq "$(jq -r .ociVersion "$c")" 1.0.2 "$c .ociVersion (paddock spec's)"
    assert_eq "$(jq -r .hostname "$c")" paddock "$c .hostname (paddock spec's)"
}

# ---------------------------------------------------------------- busybox

t_busybox() {
    need_paddock
    snapshot
    local b=$T/bb
    mk_ok busybox "$b"
    assert_contains "$OUT" "created busybox"
    [ -x "$b/rootfs/bin/busybox" ] && [ -L "$b/rootfs/bin/sh" ] || fail "no busybox and sh in $b/rootfs/bin"
    assert_eq "$(stat -c %a "$b/rootfs/tmp")" 1777 "mode of rootfs/tmp"
    assert_spec_config "$b"
    assert_eq "$(jq -r .root.path "$b/config.json")" rootfs ".root.path"
    # The config as written: a terminal config running sh; paddock gives it a
    # pty even when stdin is a pipe.
    local id o
    id=$(new_id)
    o=$(printf 'echo ready-$((6*7))\nexit 7\n' | rt run --bundle "$b" "$id" 2>&1)
    local rc=$?
    assert_eq "$rc" 7 "exit status of the config as written (sh reading 'exit 7')"
    assert_contains "$o" ready-42 "output of the config as written"
    run_bundle "$b" sh -c 'id -u; cat /etc/passwd | wc -l'
    assert_ok
    assert_eq "$OUT" "0
3" "id and passwd lines in the busybox bundle"
    no_leaks "$RUN_ID" "$id"
}

t_busybox_rootfs_only() {
    need_paddock
    local r=$T/bbroot
    mkdir -p "$r" # an existing empty directory is fine
    mk_ok --rootfs-only busybox "$r"
    [ -x "$r/bin/busybox" ] || fail "--rootfs-only: no $r/bin/busybox"
    [ ! -e "$r/config.json" ] && [ ! -e "$r/rootfs" ] || fail "--rootfs-only wrote a config.json or a rootfs/ subdirectory"
    # Usable as a bundle's rootfs.
    local b=$T/bbroot-bundle
    mkdir -p "$b"
    rt_ok spec --bundle "$b"
    cfg_set "$b" '.root.path = $r' --arg r "$r"
    run_bundle "$b" sh -c 'echo rootfs-only-ok'
    assert_ok
    assert_eq "$OUT" rootfs-only-ok "output"
}

t_busybox_rootless() {
    need_paddock
    rootless_setup
    local b=$T/ubb tool=$T/bin/paddock-mkrootfs
    mkdir -p "$T/bin"
    install -m 0755 "$MKROOTFS" "$tool"
    mkdir -p "$b"
    chown "$TEST_USER:" "$b"
    local out
    out=$(as_user timeout 60 "$tool" --paddock "$UR" --rootless busybox "$b" 2>&1) ||
        fail "paddock-mkrootfs --rootless busybox as $TEST_USER: $(oneline "$out")"
    assert_eq "$(jq -r '.linux.uidMappings[0].hostID' "$b/config.json")" "$USER_UID" "uidMappings hostID of the --rootless config"
    jq '.process.args = ["sh","-c","echo rootless-ok; id -u"] | .process.terminal = false' "$b/config.json" >"$T/c.json" &&
        cat "$T/c.json" >"$b/config.json" || fail "cannot edit $b/config.json"
    local id
    id=$(user_new_id)
    urtc run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" "rootless-ok
0" "output of the rootless busybox bundle"
}

# ---------------------------------------------------------------- debootstrap

# deboot_cache: a debootstrap bundle in $DEBOOT_CACHE, built when missing or stale.
deboot_cache() {
    need_cmd debootstrap debootstrap
    local want stamp=$DEBOOT_CACHE.stamp
    want="$(sha256sum "$MKROOTFS" | cut -d' ' -f1) $SUITE $MIRROR"
    if [ -f "$DEBOOT_CACHE/config.json" ] && [ -x "$DEBOOT_CACHE/rootfs/usr/bin/dpkg" ] &&
        [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        note "debootstrap bundle cached in $DEBOOT_CACHE"
        return 0
    fi
    local tmp=$DEBOOT_CACHE.new.$$
    rm -rf "$tmp" "$stamp"
    MK_TIMEOUT=260 mk debootstrap "$tmp" "$SUITE" --mirror "$MIRROR"
    if [ "$RC" != 0 ]; then
        rm -rf "$tmp"
        [ "$RC" != 124 ] || fail "debootstrap of $SUITE from $MIRROR timed out after 260s (a slow or unreachable mirror?)"
        if [[ $ERR == *"cannot get"* ]]; then
            fail "debootstrap could not reach the Debian mirror $MIRROR (set PADDOCK_MIRROR to one that works): $(oneline "$ERR")"
        fi
        fail "paddock-mkrootfs debootstrap $SUITE failed (exit $RC): $(oneline "$ERR")"
    fi
    rm -rf "$DEBOOT_CACHE"
    mv "$tmp" "$DEBOOT_CACHE" || fail "cannot move $tmp to $DEBOOT_CACHE"
    echo "$want" >"$stamp"
    note "built $DEBOOT_CACHE"
}

t_debootstrap() {
    need_paddock
    deboot_cache
    assert_spec_config "$DEBOOT_CACHE"
    # A bundle of our own around the cached (read-only) rootfs.
    local b=$T/deb
    mkdir -p "$b"
    cp "$DEBOOT_CACHE/config.json" "$b/config.json"
    assert_eq "$(jq -r .root.readonly "$b/config.json")" true "debootstrap config .root.readonly"
    cfg_set "$b" '.root.path = $r' --arg r "$DEBOOT_CACHE/rootfs"
    run_bundle "$b" sh -c '. /etc/os-release; echo "$VERSION_CODENAME"; dpkg-query -W -f="\${Status}\n" dpkg; apt-get --version | head -n1'
    assert_ok
    local want_codename=$SUITE
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 1p)" "$want_codename" "VERSION_CODENAME in the debootstrap rootfs"
    assert_eq "$(printf '%s\n' "$OUT" | sed -n 2p)" "install ok installed" "dpkg's status in the debootstrap rootfs"
    assert_contains "$OUT" "apt " "apt-get --version"
    [ -z "$(ls "$DEBOOT_CACHE"/rootfs/var/cache/apt/archives/*.deb 2>/dev/null)" ] ||
        fail "the debootstrap rootfs keeps downloaded .deb files"
}

t_debootstrap_unreachable() {
    need_paddock
    need_cmd debootstrap debootstrap
    local d=$T/deb-bad
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    MK_TIMEOUT=60 mk debootstrap "$d" "$SUITE" --mirror http://127.0.0.1:9/debian
    assert_rc 1 "paddock-mkrootfs debootstrap with an unreachable mirror"
    assert_contains "$ERR" "cannot get $SUITE from the mirror http://127.0.0.1:9/debian" "stderr"
    [ ! -e "$d" ] || fail "a failed debootstrap left $d behind"
}

t_debootstrap_needs_root() {
    need_paddock
    rootless_setup
    local tool=$T/bin/paddock-mkrootfs out rc
    mkdir -p "$T/bin"
    install -m 0755 "$MKROOTFS" "$tool"
    out=$(as_user "$tool" debootstrap "$T/deb-user" 2>&1)
    rc=$?
    assert_eq "$rc" 1 "exit status of debootstrap as $TEST_USER"
    assert_contains "$out" "needs root" "stderr of debootstrap as $TEST_USER"
}

# ---------------------------------------------------------------- oci

# make_layout L: an OCI image layout L with tag "t": layer 1 the busybox
# rootfs plus /data/{gone,kept} and /data/dir/f; layer 2 deletes /data/gone
# and /data/dir and rewrites /data/kept; a config with cmd, env and workdir.
make_layout() {
    local l=$1 u=$T/umoci-work
    need_cmd umoci umoci
    umoci init --layout "$l" >/dev/null 2>&1 || fail "umoci init --layout $l failed"
    umoci new --image "$l:t" || fail "umoci new failed"
    umoci unpack --image "$l:t" "$u" >/dev/null || fail "umoci unpack failed"
    rm -rf "$u/rootfs"
    cp -a "$ROOTFS_SRC" "$u/rootfs"
    mkdir -p "$u/rootfs/data/dir"
    echo gone >"$u/rootfs/data/gone"
    echo v1 >"$u/rootfs/data/kept"
    echo f >"$u/rootfs/data/dir/f"
    umoci repack --image "$l:t" "$u" >/dev/null || fail "umoci repack (layer 1) failed"
    rm -rf "$u"
    umoci unpack --image "$l:t" "$u" >/dev/null || fail "umoci unpack (for layer 2) failed"
    rm -rf "$u/rootfs/data/gone" "$u/rootfs/data/dir"
    echo v2 >"$u/rootfs/data/kept"
    umoci repack --image "$l:t" "$u" >/dev/null || fail "umoci repack (layer 2) failed"
    rm -rf "$u"
    umoci config --image "$l:t" --config.cmd sh --config.cmd -c --config.cmd 'echo image-cmd' \
        --config.env PDT_IMAGE=yes --config.env PATH=/bin:/usr/bin --config.workingdir /data >/dev/null ||
        fail "umoci config failed"
    # Two layers and a whiteout in the second: what umoci must apply.
    local n
    n=$(umoci stat --image "$l:t" --json 2>/dev/null | jq '[.history[]? | select(.empty_layer != true)] | length')
    [ "${n:-0}" -ge 2 ] || note "umoci stat shows $n non-empty layers"
}

t_oci() {
    need_paddock
    local l=$T/layout b=$T/ocib
    make_layout "$l"
    mk_ok oci "$l:t" "$b"
    assert_contains "$OUT" "created oci"
    assert_spec_config "$b"
    [ -f "$b/umoci.json" ] || fail "umoci.json not kept in the bundle (umoci repack needs it)"
    [ ! -e "$b/.unpack" ] || fail "the unpack directory was left in the bundle"
    [ ! -e "$b/rootfs/data/gone" ] || fail "whiteout not applied: /data/gone is in the rootfs"
    [ ! -e "$b/rootfs/data/dir" ] || fail "whiteout not applied: /data/dir is in the rootfs"
    assert_eq "$(cat "$b/rootfs/data/kept")" v2 "/data/kept (the upper layer's)"
    assert_eq "$(jq -c .process.args "$b/config.json")" '["sh","-c","echo image-cmd"]' "the image's command in config.json"
    assert_eq "$(jq -r .process.cwd "$b/config.json")" /data "the image's working directory in config.json"
    assert_contains "$(jq -r '.process.env[]' "$b/config.json")" PDT_IMAGE=yes "the image's env in config.json"
    assert_eq "$(jq -r '.annotations["org.opencontainers.image.os"]' "$b/config.json")" linux "the image's annotations"
    # As written (the image's own command), then a look around.
    cfg_set "$b" '.process.terminal = false'
    local id
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" image-cmd "output of the image's command"
    run_bundle "$b" sh -c 'pwd; echo "$PDT_IMAGE"; ls /data; cat /data/kept'
    assert_ok
    assert_eq "$OUT" "/data
yes
kept
v2" "inside the oci bundle"
}

t_oci_default_tag_and_errors() {
    need_paddock
    local l=$T/layout2
    make_layout "$l"
    # no tag: latest, which this layout lacks
    mk oci "$l" "$T/oci-latest"
    assert_rc 1 "paddock-mkrootfs oci LAYOUT (no tag, no 'latest' in it)"
    assert_contains "$ERR" "umoci unpack --image $l:latest failed" "stderr"
    [ ! -e "$T/oci-latest" ] || fail "a failed oci unpack left $T/oci-latest behind"
    umoci tag --image "$l:t" latest || fail "umoci tag failed"
    mk_ok oci "$l" "$T/oci-latest"
    [ -x "$T/oci-latest/rootfs/bin/busybox" ] || fail "oci LAYOUT (latest): no rootfs"
    mk oci "$T/not-a-layout:t" "$T/oci-bad"
    assert_rc 1 "paddock-mkrootfs oci with a directory that is no layout"
    assert_contains "$ERR" "is not an OCI image layout" "stderr"
    [ ! -e "$T/oci-bad" ] || fail "a refused oci left $T/oci-bad behind"
    # --rootfs-only: DIR is the rootfs.
    mk_ok --rootfs-only oci "$l:t" "$T/oci-rootfs"
    [ -x "$T/oci-rootfs/bin/busybox" ] && [ ! -e "$T/oci-rootfs/config.json" ] ||
        fail "oci --rootfs-only: expected the rootfs itself in $T/oci-rootfs"
}

# ---------------------------------------------------------------- host

t_host() {
    need_paddock
    snapshot
    local b=$T/hostb
    mk_ok host "$b"
    assert_spec_config "$b"
    assert_eq "$(jq -c .root "$b/config.json")" '{"path":"/","readonly":true}' ".root of a host bundle"
    [ ! -e "$b/rootfs" ] || fail "a host bundle has no rootfs directory"
    local marker=$T/host-marker
    echo "host-$$" >"$marker"
    # $T is on a submount-or-not of /; either way it must be read-only inside.
    run_bundle "$b" sh -c "cat '$marker'; cat /etc/debian_version; touch /etc/pdt-host 2>/dev/null && echo wrote-etc; touch '$T/pdt-host' 2>/dev/null && echo wrote-T; echo end"
    assert_ok
    assert_eq "$OUT" "host-$$
$(cat /etc/debian_version)
end" "the host's files, read-only"
    [ ! -e /etc/pdt-host ] && [ ! -e "$T/pdt-host" ] || fail "a host bundle wrote to the host"
    # Every submount is read-only too.
    local sub
    sub=$(awk '$5 != "/" && $5 ~ "^/(var|home|work|srv|opt|boot)" { print $5; exit }' /proc/self/mountinfo)
    if [ -n "$sub" ] && [ -d "$sub" ]; then
        run_bundle "$b" sh -c "touch '$sub/pdt-host-sub-$$' 2>&1; echo rc=\$?"
        assert_contains "$OUT" "rc=1" "touch in the submount $sub"
        [ ! -e "$sub/pdt-host-sub-$$" ] || { rm -f "$sub/pdt-host-sub-$$"; fail "wrote into the host submount $sub"; }
    else
        note "no submount of / to check"
    fi
    no_leaks "$RUN_ID"
}

t_host_agent() {
    need_paddock
    local b=$T/hostagent ws=$T/ws
    mkdir -p "$ws"
    mk_ok --agent --sandbox read-only --workspace "$ws" host "$b"
    assert_eq "$(jq -r '.annotations["dev.paddock.sandbox"]' "$b/config.json")" read-only "agent sandbox mode"
    assert_eq "$(jq -r '.annotations["dev.paddock.workspace"]' "$b/config.json")" "$ws" "agent workspace"
    run_bundle "$b" sh -c "echo agent-host; touch '$ws/f' 2>/dev/null && echo wrote; exit 0"
    assert_ok
    assert_eq "$OUT" agent-host "output of the read-only agent host bundle"
    [ ! -e "$ws/f" ] || fail "the read-only agent wrote into its workspace"
}

# ---------------------------------------------------------------- usage

t_usage() {
    mk --help
    assert_rc 0 "paddock-mkrootfs --help"
    local m
    for m in "busybox DIR" "debootstrap DIR [SUITE]" "oci LAYOUT[:TAG] DIR" "host DIR" --rootfs-only --rootless --agent --mirror; do
        assert_contains "$OUT" "$m" "--help"
    done
    mk frobnicate "$T/x"
    assert_rc 2 "an unknown command"
    assert_contains "$ERR" "unknown command: frobnicate"
    mk
    assert_rc 2 "no command"
    mk busybox
    assert_rc 2 "busybox without DIR"
    mk --sandbox read-only busybox "$T/x"
    assert_rc 2 "--sandbox without --agent"
    mk --rootfs-only host "$T/x"
    assert_rc 2 "--rootfs-only host"
    mkdir -p "$T/full"
    echo keep >"$T/full/f"
    mk busybox "$T/full"
    assert_rc 1 "busybox into a non-empty directory"
    assert_contains "$ERR" "is not empty"
    assert_eq "$(ls "$T/full")" f "the non-empty directory after a refusal"
    [ ! -e "$T/x" ] || fail "a usage error created $T/x"
}

run_case busybox t_busybox
run_case busybox_rootfs_only t_busybox_rootfs_only
run_case busybox_rootless t_busybox_rootless
CASE_TIMEOUT=290 run_case debootstrap t_debootstrap
run_case debootstrap_unreachable_mirror t_debootstrap_unreachable
run_case debootstrap_needs_root t_debootstrap_needs_root
run_case oci t_oci
run_case oci_default_tag_and_errors t_oci_default_tag_and_errors
run_case host t_host
run_case host_agent t_host_agent
run_case usage t_usage
finish
