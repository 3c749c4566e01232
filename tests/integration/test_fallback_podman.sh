#!/usr/bin/env bash
# paddock inside a podman container (issue #7): Debian's podman and crun,
# podman's default seccomp profile and default capabilities, --network=none.
# The container's root is a copy of the test busybox rootfs with paddock,
# its libraries and the docker-seccomp helper added (podman --rootfs: no
# image).  Each case runs its paddock commands in one container and writes
# their output to a directory bound in.
#   - podman's default profile lets unshare through, but podman masks parts
#     of /proc (/proc/kcore, ...), so a new proc can't be mounted: the probe
#     says so and why; with the fallback refuse the sandbox fails and says
#     how to fix it, with auto it runs in full mode with /proc bound (a
#     partial degradation, reported), and check passes;
#   - with a Docker-like filter on top (helpers/docker-seccomp.c), the probe
#     names the filter, refuse fails with the fixes, auto runs in
#     container-boundary mode and check marks the lost rows;
#   - an OCI bundle (`spec --rootless`, with sysfs and a network namespace)
#     run by paddock inside: proc and sysfs can't be mounted there, so the
#     existing ones are bound (sysfs read-only), each with a warning.
# podman runs with storage and state under $T, the cgroupfs manager, the
# file events backend and --cgroups=disabled, in a private mount namespace
# where /sys/fs/cgroup/unified is unmounted: crun 1.8.1 refuses this VM's
# hybrid layout while the cgroup2 hierarchy holds a controller (hugetlb),
# and only this namespace is changed.
source "$(dirname "$0")/fallback-lib.sh"

PM_DIR=$T/podman
PM_RUNROOT_FILE=$T/podman.runroot

script_cleanup() {
    local d
    d=$(cat "$PM_RUNROOT_FILE" 2>/dev/null)
    [ -n "$d" ] && [ -d "$d" ] && rm -rf --one-file-system "$d"
}

# pm_setup: the rootfs and podman's directories, once per script.
pm_setup() {
    fb_setup
    need_cmd podman podman
    need_cmd crun crun
    need_cmd conmon conmon
    [ -d "$PM_DIR/rootfs/bin" ] && return 0
    [ -x "$ROOTFS_SRC/bin/busybox" ] || fail "test rootfs $ROOTFS_SRC missing (run tests/setup/rootfs)"
    mkdir -p "$PM_DIR"/{root,tmp,net,hooks,cwd}
    local r=$PM_DIR/rootfs.new l
    cp -a "$ROOTFS_SRC" "$r" || fail "cannot copy $ROOTFS_SRC"
    mkdir -p "$r/usr/local/bin" "$r/var/tmp" "$r/run"
    chmod 1777 "$r/var/tmp"
    install -m 0755 "$RUNTIME" "$r/usr/local/bin/paddock"
    install -m 0755 "$DS" "$r/usr/local/bin/docker-seccomp"
    # an OCI bundle for the paddock inside, with its own proc and sysfs
    mkdir -p "$r/bundle"
    cp -a "$ROOTFS_SRC" "$r/bundle/rootfs"
    (cd "$r/bundle" && "$RUNTIME" spec --rootless >/dev/null) || fail "spec --rootless"
    cfg_set "$r/bundle" 'del(.hostname) | .process.terminal = false | .process.args = ["sh", "-c",
        "ls /proc/1 >/dev/null && echo proc; ls /sys/kernel >/dev/null && echo sys;
         echo x >/sys/kernel/x 2>/dev/null || echo sys-ro"] |
        .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs",
        source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]} else . end) |
        .linux.namespaces += [{type: "network"}]'
    # the shared objects of the programs copied in (none for a static
    # runtime; the ASan runtime of `make stress` has its own and ld.so)
    for l in $(ldd "$RUNTIME" "$DS" | grep -o '/[^ :]*\.so[^ :]*' | sort -u); do
        mkdir -p "$r$(dirname "$l")"
        cp -L "$l" "$r$l" || fail "cannot copy $l into the rootfs"
    done
    printf '[containers]\ndefault_ulimits = ["nofile=1024:4096", "nproc=4096:4096"]\n' \
        >"$PM_DIR/containers.conf"
    mktemp -d /run/pdfb.XXXXXX >"$PM_RUNROOT_FILE" || fail "mktemp /run/pdfb.XXXXXX"
    mv "$r" "$PM_DIR/rootfs"
}

# pm_run SCRIPT: run SCRIPT (sh) in a fresh podman container with crun and
# podman's default seccomp profile; /out is $PM_OUT.  RC, OUT, ERR.
pm_run() {
    PM_OUT=$T/out.$BASHPID.$IO_N
    mkdir -p "$PM_OUT"
    local runroot podman
    runroot=$(cat "$PM_RUNROOT_FILE")
    podman=(env "CONTAINERS_CONF=$PM_DIR/containers.conf" podman --root "$PM_DIR/root"
        --runroot "$runroot" --tmpdir "$PM_DIR/tmp" --network-config-dir "$PM_DIR/net"
        --hooks-dir "$PM_DIR/hooks" --cgroup-manager cgroupfs --events-backend file
        --runtime crun run --rm --cgroups=disabled --network=none -v "$PM_OUT:/out"
        --rootfs "$PM_DIR/rootfs" sh -c "cd /tmp && $1")
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out e=$T/io.$IO_N.err
    LAST_CMD="podman run ... sh -c '$1'"
    printf '+ %s\n' "$LAST_CMD" >>"$CASE_TRACE"
    (cd "$PM_DIR/cwd" && timeout -k 5 120 unshare -m --propagation private sh -c \
        'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "${podman[@]}") >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
    [ -z "$ERR" ] || printf '  stderr: %s\n' "$(oneline "$ERR")" >>"$CASE_TRACE"
}

out() { cat "$PM_OUT/$1" 2>/dev/null; }

t_podman_default() {
    pm_setup
    pm_run 'paddock probe --json >/out/probe.json;
        paddock sandbox -- true 2>/out/refuse.err; echo $? >/out/refuse.rc;
        paddock status --json >/out/status-refuse.json;
        paddock sandbox --fallback auto -- sh -c "echo \$PADDOCK_MODE; ls /proc/1 >/dev/null &&
            echo sees-pid-1" >/out/sandbox.out 2>/out/sandbox.err; echo $? >/out/sandbox.rc;
        paddock status --fallback auto --json >/out/status.json;
        paddock check --fallback auto --json >/out/check.json 2>/out/check.err;
        echo $? >/out/check.rc'
    [ "$RC" = 0 ] || fail "podman run: exit $RC: $(oneline "$ERR")"
    local p
    p=$(out probe.json)
    assert_eq "$(printf '%s' "$p" | jq -r '[.container.kind, .checks["user-namespace"].state,
        .checks["mount-proc"].state, .checks["mount-proc"].error] | @tsv')" \
        "podman	ok	failed	EPERM" "probe inside podman"
    assert_contains "$(printf '%s' "$p" | jq -r '.container.evidence | join(" | ")')" \
        "/run/.containerenv exists" "evidence"
    assert_contains "$(printf '%s' "$p" | jq -r '.checks["mount-proc"].cause')" \
        "mounts cover parts of this /proc" "mount-proc cause"
    # binding the existing /proc shows the processes around: only with auto
    assert_eq "$(out refuse.rc)" 125 "sandbox in podman with the fallback refuse"
    assert_contains "$(out refuse.err)" "a new /proc can't be mounted here (mount-proc: mount(\"proc\""
    assert_contains "$(out refuse.err)" "fix: paddock binds the existing /proc"
    assert_contains "$(out refuse.err)" "or: --fallback auto"
    assert_eq "$(out status-refuse.json | jq -r '.fallback.starts')" false "status, refuse"
    assert_eq "$(out sandbox.rc)" 0 "sandbox in podman: $(out sandbox.err)"
    assert_eq "$(out sandbox.out)" "full
sees-pid-1" "full mode, /proc bound"
    assert_contains "$(out sandbox.err)" "degraded proc-masking: a new /proc can't be mounted"
    ST=$(out status.json)
    assert_eq "$(printf '%s' "$ST" | jq -r '[.environment.mode, .environment.container,
        .layers["proc-masking"].state, .layers["pid-ns"].state] | @tsv')" \
        "full	podman	degraded	active" "status inside podman"
    CK=$(out check.json)
    assert_eq "$(out check.rc)" 0 "check inside podman: $(out check.err) $(printf '%s' "$CK" |
        jq -r '.probes[] | select(.ok | not) | .name' 2>/dev/null)"
    assert_eq "$(printf '%s' "$CK" | jq -r '[.passed, .environment] | @tsv')" "true	full" "check"
    claims_hold "$ST" "$CK"
}

t_podman_docker_seccomp() {
    pm_setup
    pm_run 'docker-seccomp paddock probe --json >/out/probe.json;
        docker-seccomp paddock sandbox -- true 2>/out/refuse.err; echo $? >/out/refuse.rc;
        docker-seccomp paddock sandbox --fallback auto -- sh -c "echo \$PADDOCK_MODE" \
            >/out/auto.out 2>/out/auto.err; echo $? >/out/auto.rc;
        docker-seccomp paddock status --fallback auto --json >/out/status.json;
        docker-seccomp paddock check --fallback auto --json >/out/check.json 2>/out/check.err;
        echo $? >/out/check.rc'
    [ "$RC" = 0 ] || fail "podman run: exit $RC: $(oneline "$ERR")"
    local p
    p=$(out probe.json)
    assert_eq "$(printf '%s' "$p" | jq -r '[.container.kind, .checks["user-namespace"].state,
        .checks["user-namespace"].error] | @tsv')" "podman	failed	EPERM" "probe"
    assert_contains "$(printf '%s' "$p" | jq -r '.checks["user-namespace"].cause')" \
        "a seccomp filter on this process" "cause"
    assert_eq "$(out refuse.rc)" 125 "refuse"
    assert_contains "$(out refuse.err)" "user-namespace: unshare(CLONE_NEWUSER): Operation not permitted (EPERM)"
    assert_contains "$(out refuse.err)" "fix: run the outer container with a seccomp profile"
    assert_eq "$(out auto.rc)" 0 "auto: $(out auto.err)"
    assert_eq "$(out auto.out)" container-boundary "PADDOCK_MODE"
    assert_eq "$(out auto.err | grep -c 'container-boundary mode')" 1 "the one warning line"
    ST=$(out status.json)
    CK=$(out check.json)
    assert_eq "$(out check.rc)" 0 "check: $(out check.err)"
    assert_boundary_check
    claims_hold "$ST" "$CK"
}

# A bundle with its own proc and sysfs: both bound instead, and said.
t_podman_bundle() {
    pm_setup
    pm_run 'paddock --cgroup-manager disabled run --bundle /bundle b1 >/out/run.out 2>/out/run.err;
        echo $? >/out/run.rc'
    [ "$RC" = 0 ] || fail "podman run: exit $RC: $(oneline "$ERR")"
    assert_eq "$(out run.rc)" 0 "run of a bundle inside podman: $(out run.err)"
    assert_eq "$(out run.out)" "proc
sys
sys-ro" "the bundle's /proc and /sys"
    assert_contains "$(out run.err)" "/proc: mount proc: Operation not permitted; binding the existing /proc instead"
    assert_contains "$(out run.err)" "/sys: mount sysfs: Operation not permitted; binding the existing /sys instead, read-only"
}

run_case podman_default t_podman_default
run_case podman_docker_seccomp t_podman_docker_seccomp
run_case podman_bundle t_podman_bundle
finish
