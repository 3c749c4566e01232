#!/usr/bin/env bash
# Rootless podman: the unprivileged test user paddock-test (tests/setup/
# test-user; subuid range, XDG_RUNTIME_DIR of its own under $T) runs the same
# cases as test_podman.sh with paddock as its runtime, minus pause and the
# resource limits: on cgroup v1 a rootless container has no cgroup.  podman
# runs paddock inside its rootless user namespace (as uid 0 there) and passes
# no --root: paddock's state must go to $XDG_RUNTIME_DIR/paddock.  Every
# container has --network=none (/dev/net/tun is 0600 on this VM).  One case
# more than rootful: --userns=keep-id (a user namespace with id mappings,
# created from inside podman's).
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass but
# cgroups_disabled (runc has no --cgroup-manager).
PODMAN_ROOTLESS=1
source "$(dirname "$0")/podman-cases.sh"
podman_cases
finish
