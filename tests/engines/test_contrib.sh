#!/usr/bin/env bash
# contrib/: the engine configurations are well-formed and say what the engine
# tests rely on.  podman's containers.conf and docker's daemon.json are also
# used for real by test_podman*.sh and test_docker.sh; here:
#   podman_conf       paddock in runtime_supports_json and
#                     runtime_supports_nocgroup (podman's key is singular), a
#                     runtime path, cgroupfs;
#   docker_daemon_json  valid JSON with runtimes.paddock.path;
#   containerd_config  `containerd config dump` accepts it and shows the runc v2
#                     shim with BinaryName paddock and the dev.paddock.* pod
#                     annotations;
#   crio_dropin       TOML with only keys crio.conf(5) documents for
#                     crio.runtime.runtimes;
#   kubernetes        the RuntimeClass handler is the runtime name used in the
#                     containerd and CRI-O configs; the pod example uses that
#                     class and its annotations match pod_annotations.
# CRI-O and the kubelet are not in Debian 12: these two are checked, not run.
source "$(dirname "$0")/lib.sh"

CONTRIB=$REPO/contrib

# py CODE ARGS...: python3 (tomllib: 3.11+), failing the case on error.
py() {
    local code=$1
    shift
    need_cmd python3
    OUT=$(python3 -c "$code" "$@" 2>&1) || fail "$(oneline "$OUT")"
}

case_podman_conf() {
    py '
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
e = c.get("engine", {})
assert "runtime_supports_nocgroups" not in e, "engine.runtime_supports_nocgroups: podman reads runtime_supports_nocgroup"
for k in ("runtime_supports_json", "runtime_supports_nocgroup"):
    assert "paddock" in e.get(k, []), "engine.%s lacks paddock" % k
    for d in (("crun", "runc") if k == "runtime_supports_json" else ("crun",)):
        assert d in e[k], "engine.%s drops podman default %s" % (k, d)
paths = e.get("runtimes", {}).get("paddock")
assert paths and all(p.startswith("/") for p in paths), "engine.runtimes.paddock: absolute paths expected"
assert e.get("cgroup_manager") == "cgroupfs", "engine.cgroup_manager: cgroupfs expected"
' "$CONTRIB/podman/containers.conf"
}

case_docker_daemon_json() {
    local p
    p=$(jq -er '.runtimes.paddock.path' "$CONTRIB/docker/daemon.json" 2>&1) ||
        fail "contrib/docker/daemon.json: no .runtimes.paddock.path: $(oneline "$p")"
    [[ $p == /* ]] || fail "runtimes.paddock.path: absolute path expected, got $p"
}

case_containerd_config() {
    command -v containerd >/dev/null 2>&1 || fail "containerd not found: install the Debian package containerd"
    local dump
    dump=$(containerd --config "$CONTRIB/containerd/config.toml" config dump 2>&1) ||
        fail "containerd config dump: $(oneline "$dump")"
    printf '%s\n' "$dump" >"$T/dump.toml"
    py '
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
r = c["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["paddock"]
assert r["runtime_type"] == "io.containerd.runc.v2", "runtime_type %r" % r["runtime_type"]
o = r["options"]
assert o.get("BinaryName", "").endswith("/paddock"), "options.BinaryName %r" % o.get("BinaryName")
assert o.get("SystemdCgroup") is False, "options.SystemdCgroup must be false"
assert "dev.paddock.*" in r.get("pod_annotations", []), "pod_annotations lacks dev.paddock.*"
' "$T/dump.toml"
}

case_crio_dropin() {
    py '
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
rts = c["crio"]["runtime"]["runtimes"]
assert list(c) == ["crio"] and list(c["crio"]) == ["runtime"] and list(c["crio"]["runtime"]) == ["runtimes"], "only crio.runtime.runtimes expected"
r = rts["paddock"]
known = {"runtime_path", "runtime_type", "runtime_root", "runtime_config_path",
         "privileged_without_host_devices", "allowed_annotations", "platform_runtime_paths",
         "monitor_path", "monitor_cgroup", "monitor_env", "monitor_exec_cgroup"}
assert set(r) <= known, "keys crio.conf(5) does not document: %s" % sorted(set(r) - known)
assert r["runtime_type"] == "oci" and r["runtime_path"].endswith("/paddock"), r
' "$CONTRIB/crio/99-paddock.conf"
}

case_kubernetes() {
    py '
import sys, yaml, tomllib, fnmatch
rc = yaml.safe_load(open(sys.argv[1]))
pod = yaml.safe_load(open(sys.argv[2]))
ctd = tomllib.load(open(sys.argv[3], "rb"))
crio = tomllib.load(open(sys.argv[4], "rb"))
assert rc["apiVersion"] == "node.k8s.io/v1" and rc["kind"] == "RuntimeClass", rc
h = rc["handler"]
assert h in ctd["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"], "containerd has no runtime %r" % h
assert h in crio["crio"]["runtime"]["runtimes"], "CRI-O has no runtime %r" % h
assert pod["kind"] == "Pod" and pod["spec"]["runtimeClassName"] == rc["metadata"]["name"], "pod does not use the RuntimeClass"
pats = ctd["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"][h]["pod_annotations"]
ann = pod["metadata"].get("annotations", {})
assert ann, "the pod example passes no annotation"
for k in ann:
    assert k.startswith("dev.paddock."), "annotation %s outside dev.paddock." % k
    assert any(fnmatch.fnmatchcase(k, p) for p in pats), "annotation %s matches no pod_annotations pattern" % k
' "$CONTRIB/kubernetes/runtimeclass.yaml" "$CONTRIB/kubernetes/pod-agent.yaml" \
        "$CONTRIB/containerd/config.toml" "$CONTRIB/crio/99-paddock.conf"
}

run_case podman_conf case_podman_conf
run_case docker_daemon_json case_docker_daemon_json
run_case containerd_config case_containerd_config
run_case crio_dropin case_crio_dropin
run_case kubernetes case_kubernetes
finish
