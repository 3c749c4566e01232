#!/usr/bin/env bash
# Rootless podman: the unprivileged test user paddock-test (tests/setup/
# test-user; subuid range, XDG_RUNTIME_DIR of its own under $T) runs the same
# cases as test_podman.sh with paddock as its runtime, minus pause and the
# resource limits: on cgroup v1 a rootless container has no cgroup.  podman
# runs paddock inside its rootless user namespace (as uid 0 there) and passes
# no --root: paddock's state must go to $XDG_RUNTIME_DIR/paddock.  Every
# container has --network=none (/dev/net/tun is 0600 on this VM).
PODMAN_ROOTLESS=1
source "$(dirname "$0")/podman-cases.sh"
podman_cases
finish
