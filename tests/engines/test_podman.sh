#!/usr/bin/env bash
# podman (Debian's 4.3) runs containers with paddock as its runtime, as root,
# with the cgroupfs manager: run --rm (exit code, stdout), -e/-w/-u,
# --read-only, -v (rw and ro), --network=none, -t, -d then exec/top/kill -s/
# stop/rm, pause/unpause, --memory/--pids-limit/--cpus in the container's
# cgroup, --cap-drop, the default seccomp profile, no mount left after --rm,
# exit codes 126/127, and --cgroups=disabled (podman passes the global
# option --cgroup-manager disabled).  The setup and the cases:
# tests/engines/podman-cases.sh.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass but
# cgroups_disabled (runc has no --cgroup-manager; podman lists only crun and
# krun in runtime_supports_nocgroup by default).
PODMAN_ROOTLESS=0
source "$(dirname "$0")/podman-cases.sh"
podman_cases
finish
