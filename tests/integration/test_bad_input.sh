#!/usr/bin/env bash
# Bad input (issue #9): every CLI flag and config.json field given a wrong
# type, an out-of-range value, an oversized value, or a path outside the
# bundle gets a clear error naming the field or flag, a non-zero exit, and
# leaves nothing behind (no state directory, process, cgroup or mount of
# the attempt; a container running on the same --root untouched).
#
# Two tables, one case each (config_fields, cli_flags); every row is
# checked and every failing row is listed in the case's failure:
#   CONFIG: NAME | JQ edit of the default bundle's config.json | EXPECT
#           run as `create --bundle B ID`
#   CLI:    NAME | ARGS (after `paddock --root STATE`) | EXPECT | EXIT
# EXPECT is a substring of stderr (alternatives separated by " || ");
# EXIT is the exit status wanted ("" = any non-zero).  In ARGS, @B is the
# bundle, @ID a fresh id, @RUN a running container, @T the test's
# directory (@T/nodir does not exist, @T/afile is a regular file).
# Fields of the JSON are named by their path (.process.user.uid), flags by
# their name (--memory).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/helpers/scoped_leaks.sh"
private_runtime

CONFIG_TABLE='
oci_version_type        | .ociVersion = 1                                    | .ociVersion: expected a string
oci_version_range       | .ociVersion = "2.0.0"                              | .ociVersion: unsupported version "2.0.0"
process_missing         | del(.process)                                      | .process: required
process_type            | .process = []                                      | .process: expected an object
args_type               | .process.args = "true"                             | .process.args: expected a non-empty array of strings
args_empty              | .process.args = []                                 | .process.args: expected a non-empty array of strings
args_item_type          | .process.args = ["true", 5]                        | .process.args[1]: expected a string
args_oversized          | .process.args = [("x" * 200000)]                   | .process.args[0]: 200000 bytes long
env_item_type           | .process.env = [1]                                 | .process.env[0]: expected a string
env_no_equals           | .process.env += ["NOEQUALS"]                       | .process.env[2]: expected NAME=VALUE, got "NOEQUALS"
env_empty_name          | .process.env += ["=x"]                             | .process.env[2]: expected NAME=VALUE, got "=x"
env_oversized           | .process.env += [("E=" + ("x" * 200000))]          | .process.env[2]: 200002 bytes long
cwd_type                | .process.cwd = 5                                   | .process.cwd: expected a string
cwd_relative            | .process.cwd = "relative"                          | .process.cwd: expected an absolute path
cwd_oversized           | .process.cwd = ("/" + ("x" * 5000))                | .process.cwd: 5001 bytes long: at most 4095
uid_negative            | .process.user.uid = -1                             | .process.user.uid: expected an unsigned 32-bit integer
uid_type                | .process.user.uid = "0"                            | .process.user.uid: expected an unsigned 32-bit integer
uid_oversized           | .process.user.uid = 4294967296                     | .process.user.uid: expected an unsigned 32-bit integer
gid_oversized           | .process.user.gid = 1e20                           | .process.user.gid: expected an unsigned 32-bit integer
additional_gids_type    | .process.user.additionalGids = "5"                 | .process.user.additionalGids: expected an array
additional_gids_oversized | .process.user.additionalGids = [range(0; 70000)] | .process.user.additionalGids: 70000 groups: at most 65536
umask_type              | .process.user.umask = "022"                        | .process.user.umask: expected an unsigned 32-bit integer
capabilities_type       | .process.capabilities = []                         | .process.capabilities: expected an object
capability_unknown      | .process.capabilities.bounding += ["CAP_BOGUS"]    | .process.capabilities.bounding[3]: unknown capability "CAP_BOGUS"
rlimit_unknown          | .process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}] | .process.rlimits[0].type: unknown rlimit type
rlimit_soft_over_hard   | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}] | .process.rlimits[0]: soft limit 10 is greater than hard limit 5
oom_score_adj_range     | .process.oomScoreAdj = 1001                        | .process.oomScoreAdj: expected an integer between -1000 and 1000
no_new_privileges_type  | .process.noNewPrivileges = "yes"                   | .process.noNewPrivileges: expected a boolean
terminal_type           | .process.terminal = 1                              | .process.terminal: expected a boolean
console_size_negative   | .process.consoleSize = {"height": -1, "width": 5}  | .process.consoleSize.height: expected an unsigned 32-bit integer
apparmor_type           | .process.apparmorProfile = 5                       | .process.apparmorProfile: expected a string
root_missing            | del(.root)                                         | .root.path: required
root_path_type          | .root.path = 5                                     | .root.path: expected a string
root_path_missing_dir   | .root.path = "nonexistent"                         | .root.path: rootfs
root_path_outside       | .root.path = "../../../../etc"                     | .root.path: "../../../../etc" leaves the bundle
root_readonly_type      | .root.readonly = "yes"                             | .root.readonly: expected a boolean
hostname_type           | .hostname = 5                                      | .hostname: expected a string
hostname_oversized      | .hostname = ("x" * 65)                             | .hostname: 65 bytes long: at most 64
domainname_oversized    | .domainname = ("x" * 100)                          | .domainname: 100 bytes long: at most 64
mounts_type             | .mounts = {}                                       | .mounts: expected an array
mount_destination_missing | .mounts += [{"type": "tmpfs"}]                   | .mounts[7].destination: required
mount_options_type      | .mounts[0].options = "ro"                          | .mounts[0].options: expected an array of strings
mount_option_unknown    | .mounts[1].options += ["bogusopt"]                 | .mounts[1] (/dev)
mount_bind_no_source    | .mounts += [{"destination": "/x", "type": "bind"}] | .mounts[7].source: a bind mount needs a source
mount_source_outside    | .mounts += [{"destination": "/x", "type": "bind", "source": "../../../../etc", "options": ["rbind"]}] | .mounts[7].source: "../../../../etc" leaves the bundle
namespace_type_unknown  | .linux.namespaces += [{"type": "bogus"}]           | .linux.namespaces[6].type: unknown namespace type "bogus"
namespace_duplicate     | .linux.namespaces += [{"type": "pid"}]             | .linux.namespaces[6].type: duplicate namespace type "pid"
namespace_path_relative | .linux.namespaces |= map(if .type == "network" then .path = "relative" else . end) | .linux.namespaces[1].path: expected an absolute path
namespace_path_missing  | .linux.namespaces |= map(if .type == "network" then .path = "/nonexistent-netns" else . end) | .linux.namespaces[1].path: join network namespace: open /nonexistent-netns
namespace_path_not_ns   | .linux.namespaces |= map(if .type == "network" then .path = "/etc/hostname" else . end) | .linux.namespaces[1].path: /etc/hostname is not a network namespace
uid_mapping_size_zero   | .linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 0}] | .linux.uidMappings[0].size: expected a positive
uid_mapping_without_userns | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}] | .linux.uidMappings: id mappings need a new user namespace
memory_limit_type       | .linux.resources.memory = {"limit": "1G"}          | .linux.resources.memory.limit: expected a 64-bit integer
memory_limit_range      | .linux.resources.memory = {"limit": -5}            | .linux.resources.memory.limit
pids_limit_type         | .linux.resources.pids = {"limit": "x"}             | .linux.resources.pids.limit: expected a 64-bit integer
cpu_shares_range        | .linux.resources.cpu = {"shares": -1}              | .linux.resources.cpu.shares: expected an unsigned 64-bit integer
cpuset_cpus_bad         | .linux.resources.cpu = {"cpus": "x-y"}             | .linux.resources.cpu.cpus
device_rule_type        | .linux.resources.devices += [{"allow": true, "type": "z", "access": "r"}] | .linux.resources.devices[1].type: expected one of
device_rule_access      | .linux.resources.devices += [{"allow": true, "type": "c", "access": "rwx"}] | .linux.resources.devices[1].access: expected a subset of "rwm"
hugepage_size_bad       | .linux.resources.hugepageLimits = [{"pageSize": "bogus", "limit": 1}] | .linux.resources.hugepageLimits
sysctl_value_type       | .linux.sysctl = {"kernel.shmmax": 5}               | .linux.sysctl["kernel.shmmax"]: expected a string
sysctl_unknown          | .linux.sysctl = {"net.pdt.bogus": "1"}             | .linux.sysctl["net.pdt.bogus"]
seccomp_action_unknown  | .linux.seccomp.defaultAction = "SCMP_ACT_BOGUS"    | .linux.seccomp.defaultAction: unknown seccomp action
seccomp_arch_unknown    | .linux.seccomp.architectures = ["SCMP_ARCH_BOGUS"] | .linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_BOGUS"
seccomp_flag_unknown    | .linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_BOGUS"] | .linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_BOGUS"
seccomp_errno_range     | .linux.seccomp.syscalls[0].errnoRet = 99999999999  | .linux.seccomp.syscalls[0].errnoRet: expected an unsigned 32-bit integer
seccomp_names_type      | .linux.seccomp.syscalls[0].names = "keyctl"        | .linux.seccomp.syscalls[0].names: expected a non-empty array of strings
masked_paths_type       | .linux.maskedPaths = "x"                           | .linux.maskedPaths: expected an array of strings
readonly_paths_item_type | .linux.readonlyPaths += [5]                       | .linux.readonlyPaths[5]: expected a string
cgroups_path_type       | .linux.cgroupsPath = 5                             | .linux.cgroupsPath: expected a string
cgroups_path_outside    | .linux.cgroupsPath = "../../x"                     | .linux.cgroupsPath: ".." is not allowed
cgroups_path_oversized  | .linux.cgroupsPath = ("/pdt/" + ("x" * 5000))      | .linux.cgroupsPath: a component is 5000 bytes long, at most 255
device_path_relative    | .linux.devices = [{"path": "relative", "type": "c", "major": 1, "minor": 3}] | .linux.devices[0].path: expected an absolute path
device_type_bad         | .linux.devices = [{"path": "/dev/x", "type": "q", "major": 1, "minor": 3}] | .linux.devices[0].type: expected one of
device_major_type       | .linux.devices = [{"path": "/dev/x", "type": "c", "major": "1", "minor": 3}] | .linux.devices[0].major: expected a 64-bit integer
device_major_negative   | .linux.devices = [{"path": "/dev/x", "type": "c", "major": -1, "minor": 3}] | .linux.devices[0].major: expected an integer between 0 and 4095, got -1
device_minor_range      | .linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 99999999}] | .linux.devices[0].minor: expected an integer between 0 and 1048575, got 99999999
propagation_unknown     | .linux.rootfsPropagation = "bogus"                 | .linux.rootfsPropagation: unknown propagation "bogus"
time_offsets_type       | .linux.timeOffsets = {"monotonic": {"secs": "x"}}  | .linux.timeOffsets.monotonic.secs: expected a 64-bit integer
hook_path_relative      | .hooks = {"prestart": [{"path": "relative"}]}      | .hooks.prestart[0].path: expected an absolute path
hook_path_type          | .hooks = {"prestart": [{"path": 5}]}               | .hooks.prestart[0].path: expected a string
hook_path_missing       | .hooks = {"prestart": [{"path": "/nonexistent-pdt-hook"}]} | .hooks.prestart[0] (/nonexistent-pdt-hook): exec: No such file or directory
hook_timeout_range      | .hooks = {"prestart": [{"path": "/bin/true", "timeout": -1}]} | .hooks.prestart[0].timeout: expected a positive integer
annotation_type         | .annotations = {"a": 5}                            | .annotations["a"]: expected a string
annotation_paddock_value | .annotations = {"dev.paddock.sandbox": "bogus-mode"} | .annotations["dev.paddock.sandbox"]: unknown value "bogus-mode"
annotation_paddock_path | .annotations = {"dev.paddock.workspace": "relative"} | .annotations["dev.paddock.workspace"]: "relative" is not an absolute path
'

CLI_TABLE='
global_log_format       | --log-format xml state @ID                         | --log-format: expected text or json, got "xml" | 2
global_cgroup_manager   | --cgroup-manager foo state @ID                     | --cgroup-manager: expected cgroupfs, systemd or disabled | 2
global_rootless         | --rootless maybe state @ID                         | --rootless: expected auto, true or false | 2
global_unknown          | --bogus state @ID                                  | unknown or incomplete global option "--bogus" | 2
global_root_empty       | --root "" state @ID                                | --root: expected a directory | 2
global_root_file        | --root @T/afile create --bundle @B @ID             | @T/afile/@ID: Not a directory | 1
global_log_unwritable   | --log @T/nodir/log state @RUN                      | --log @T/nodir/log: No such file or directory | 1
unknown_command         | bogus-command                                      | unknown command "bogus-command" | 2
create_bundle_missing   | create --bundle @T/nodir @ID                       | bundle @T/nodir: No such file or directory | 1
create_bundle_file      | create --bundle @T/afile @ID                       | bundle @T/afile: config.json: Not a directory | 1
create_preserve_fds_negative | create --bundle @B --preserve-fds -1 @ID      | --preserve-fds: expected a number from 0 to 1024, got "-1" | 2
create_preserve_fds_type | create --bundle @B --preserve-fds abc @ID         | --preserve-fds: expected a number from 0 to 1024, got "abc" | 2
create_preserve_fds_oversized | create --bundle @B --preserve-fds 99999999999 @ID | --preserve-fds: expected a number from 0 to 1024 | 2
create_pid_file_outside | create --bundle @B --pid-file @T/nodir/pid @ID    | --pid-file: create @T/nodir/pid | 1
create_console_socket_no_tty | create --bundle @B --console-socket @T/nodir/sock @ID | --console-socket given but .process.terminal is false | 1
create_id_slash         | create --bundle @B a/b                             | invalid container id | 1
create_id_empty         | create --bundle @B ""                              | invalid container id: empty | 1
create_id_control       | create --bundle @B "a	b"                           | invalid container id | 1
create_id_oversized     | create --bundle @B @LONGID                         | invalid container id: 5000 bytes long, at most 255 | 1
create_no_id            | create --bundle @B                                 | create: expected exactly one container ID | 2
create_extra_argument   | create --bundle @B @ID extra                       | create: expected exactly one container ID | 2
create_unknown_option   | create --bogus @ID                                 | create: unknown or incomplete option "--bogus" | 2
start_unknown           | start @ID                                          | does not exist | 1
state_unknown           | state @ID                                          | does not exist | 1
delete_unknown          | delete @ID                                         | does not exist | 1
delete_running          | delete @RUN                                        | it is running (use --force) | 1
kill_signal_unknown     | kill @RUN SIGBOGUS                                 | kill: unknown signal "SIGBOGUS" | 2
kill_signal_range       | kill @RUN 999                                      | kill: unknown signal "999" | 2
kill_unknown            | kill @ID                                           | does not exist | 1
list_format             | list --format yaml                                 | list: --format: expected table or json, got "yaml" | 2
ps_format               | ps --format yaml @RUN                              | ps: --format: expected table or json, got "yaml" | 2
exec_env                | exec --env NOEQUALS @RUN true                      | exec: --env: expected KEY=VALUE, got "NOEQUALS" | 2
exec_user_type          | exec --user abc @RUN true                          | exec: --user: expected UID[:GID] (numbers), got "abc" | 2
exec_user_oversized     | exec --user 99999999999 @RUN true                  | exec: --user: expected UID[:GID] (numbers) | 2
exec_cap_unknown        | exec --cap CAP_BOGUS @RUN true                     | exec: --cap: unknown capability "CAP_BOGUS" | 2
exec_cwd_relative       | exec --cwd relative @RUN true                      | exec: --cwd: expected an absolute path, got "relative" | 2
exec_preserve_fds_type  | exec --preserve-fds x @RUN true                    | exec: --preserve-fds: expected a number from 0 to 1024 | 2
exec_process_missing    | exec --process @T/nodir/process.json @RUN          | @T/nodir/process.json | 1
exec_process_field_type | exec --process @T/process-bad.json @RUN            | .args: expected a non-empty array of strings | 1
update_memory_type      | update --memory abc @RUN                           | update: --memory: invalid value "abc" | 2
update_pids_type        | update --pids-limit abc @RUN                       | update: --pids-limit: invalid value "abc" | 2
update_cpu_quota_type   | update --cpu-quota abc @RUN                        | update: --cpu-quota: invalid value "abc" | 2
update_cpu_period_range | update --cpu-period -5 @RUN                        | update: --cpu-period: invalid value "-5" | 2
update_cpu_shares_type  | update --cpu-shares x @RUN                         | update: --cpu-shares: invalid value "x" | 2
update_resources_missing | update --resources @T/nodir/res.json @RUN         | update --resources: open @T/nodir/res.json | 1
update_resources_field_type | update --resources @T/resources-bad.json @RUN  | .memory.limit: expected a 64-bit integer | 1
events_interval         | events --interval abc @RUN                         | events: --interval: expected a duration | 2
spec_bundle_missing     | spec --bundle @T/nodir                             | spec: bundle @T/nodir: No such file or directory | 1
spec_sandbox_without_agent | spec --sandbox read-only                        | spec: --sandbox and --workspace need --agent | 2
spec_sandbox_unknown    | spec --agent --sandbox bogus --bundle @T           | spec: --sandbox: unknown mode "bogus" | 2
sandbox_mode            | sandbox --sandbox bogus -- true                    | sandbox: --sandbox: expected read-only, workspace-write or danger-full-access | 2
sandbox_network         | sandbox --network bogus -- true                    | sandbox: --network: expected none, host or allow:LIST | 2
sandbox_network_allow_empty | sandbox --network allow: -- true               | sandbox: --network allow:LIST: empty list | 2
sandbox_network_allow_bad | sandbox --network allow:bad..host -- true        | sandbox: --network allow:LIST: invalid pattern "bad..host" | 2
sandbox_resolve_bad     | sandbox --network allow:x.test --resolve bad -- true | sandbox: --resolve: invalid entry "bad" (expected name=ip) | 2
sandbox_memory_type     | sandbox --memory abc -- true                       | sandbox: --memory: invalid value "abc" | 2
sandbox_memory_oversized | sandbox --memory 99999999999999999999g -- true    | sandbox: --memory: invalid value | 2
sandbox_pids_negative   | sandbox --pids -1 -- true                          | sandbox: --pids: invalid value "-1" | 2
sandbox_pids_type       | sandbox --pids abc -- true                         | sandbox: --pids: invalid value "abc" | 2
sandbox_cpus_type       | sandbox --cpus abc -- true                         | sandbox: --cpus: invalid value "abc" | 2
sandbox_cpus_negative   | sandbox --cpus -1 -- true                          | sandbox: --cpus: invalid value "-1" | 2
sandbox_timeout_type    | sandbox --timeout abc -- true                      | sandbox: --timeout: invalid value "abc" | 2
sandbox_timeout_negative | sandbox --timeout -5 -- true                      | sandbox: --timeout: invalid value "-5" | 2
sandbox_fallback        | sandbox --fallback bogus -- true                   | sandbox: --fallback: unknown value "bogus" | 2
sandbox_status_fd_type  | sandbox --json-status-fd abc -- true               | sandbox: --json-status-fd: expected a file descriptor number | 2
sandbox_status_fd_closed | sandbox --json-status-fd 999 -- true              | sandbox: --json-status-fd 999: not an open file descriptor | 2
sandbox_writable_missing | sandbox -w @T/nodir -- true                       | --writable @T/nodir: No such file or directory |
sandbox_unix_socket_relative | sandbox --allow-unix-socket relative -- true  | sandbox: --allow-unix-socket: expected an absolute path | 2
sandbox_audit_log_unwritable | sandbox --audit-log /proc/paddock-bad/audit.log -- true | audit log /proc/paddock-bad/audit.log: mkdir /proc/paddock-bad |
sandbox_no_command      | sandbox --                                         | sandbox: no command given | 2
status_mode             | status --sandbox bogus                             | status: --sandbox: expected read-only, workspace-write or danger-full-access | 2
check_mode              | check --sandbox bogus                              | check: --sandbox: expected read-only, workspace-write or danger-full-access | 2
'

# trim S: S without leading and trailing blanks.
trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# stderr_has ERR EXPECT: ERR contains one of EXPECT's " || " alternatives.
stderr_has() {
    local err=$1 rest=$2 alt
    while :; do
        alt=$(trim "${rest%% || *}")
        [[ $err == *"$alt"* ]] && return 0
        [[ $rest == *" || "* ]] || return 1
        rest=${rest#* || }
    done
}

# row_leaves_nothing ID: no state, process, cgroup or mount of ID; nothing
# new in the state root but the running container; RUN still running.
row_leaves_nothing() {
    local id=$1 i p
    [ ! -e "$STATE_ROOT/$id" ] || { echo "state dir $STATE_ROOT/$id left"; return; }
    for i in 1 2 3 4 5 6 7 8 9 10; do
        p=$(pgrep -f -- "$id" | grep -vx "$$")
        [ -z "$p" ] && break
        sleep 0.1
    done
    [ -z "$p" ] || { echo "process left: $(tr '\0' ' ' <"/proc/${p%% *}/cmdline" 2>/dev/null)"; return; }
    [ -z "$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$id" 2>/dev/null | head -1)" ] || { echo "cgroup $id left"; return; }
    [ -z "$(_leak_mounts "$T")" ] || { echo "mount left: $(_leak_mounts "$T" | head -1)"; return; }
    local extra
    extra=$(state_left "$STATE_ROOT" | grep -vx -- "$RUN_ID" | grep -v '^sandbox-' | head -2)
    [ -z "$extra" ] || { echo "left in the state root: $(oneline "$extra")"; return; }
    [ "$(rt state "$RUN_ID" 2>/dev/null | jq -r .status)" = running ] || echo "the running container $RUN_ID is no longer running"
}

# check_row NAME RC ERR EXPECT WANT-RC ID: one line of failure, or nothing.
check_row() {
    local name=$1 rc=$2 err=$3 expect=$4 want=$5 id=$6 why=
    if [ "$rc" = 0 ]; then
        why="exit 0"
    elif [ -n "$want" ] && [ "$rc" != "$want" ]; then
        why="exit $rc, expected $want"
    elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        why="timed out"
    elif ! stderr_has "$err" "$expect"; then
        why="stderr does not name it ('$expect')"
    elif [[ $err != *"paddock: "* ]]; then
        why="stderr without the 'paddock: ' prefix"
    else
        why=$(row_leaves_nothing "$id")
    fi
    [ -z "$why" ] || printf '%s: %s; stderr: %s\n' "$name" "$why" "$(oneline "$err" | cut -c1-200)"
}

# bi_setup: the bundle $B (the default spec's, running a sleep), a
# container $RUN_ID running from it, the helper files.
bi_setup() {
    B=$T/bundle
    [ -d "$B" ] || make_bundle "$B" sleep 600
    cp "$B/config.json" "$T/config.default"
    RUN_ID=$(new_id run)
    rt_ok run --detach --bundle "$B" "$RUN_ID"
    track_pid "$(state_field "$RUN_ID" pid)"
    : >"$T/afile"
    echo '{"args": 5, "cwd": "/"}' >"$T/process-bad.json"
    echo '{"memory": {"limit": "x"}}' >"$T/resources-bad.json"
    leaks_mark
}

t_config_fields() {
    bi_setup
    local bad=() n=0 line name expr expect id rc err
    while IFS= read -r line; do
        [ -n "$(trim "$line")" ] || continue
        name=$(trim "${line%%|*}")
        expect=$(trim "${line##*|}")
        expr=$(trim "$(printf '%s' "${line#*|}" | sed 's/|[^|]*$//')")
        n=$((n + 1))
        jq "$expr" "$T/config.default" >"$B/config.json" 2>"$T/jq.err" ||
            { bad+=("$name: the table's jq edit failed: $(oneline "$(cat "$T/jq.err")")"); continue; }
        id=$(new_id "$name")
        rtc create --bundle "$B" "$id"
        rc=$RC
        err=$ERR
        rt delete --force "$id" >/dev/null 2>&1 # only if it was created anyway
        [ "$rc" = 0 ] && err="(created)"
        line=$(check_row "$name" "$rc" "$err" "$expect" "" "$id")
        [ -z "$line" ] || bad+=("$line")
    done <<<"$CONFIG_TABLE"
    cp "$T/config.default" "$B/config.json"
    note "$n config rows"
    [ ${#bad[@]} = 0 ] || fail "${#bad[@]} of $n config rows: $(printf '%s; ' "${bad[@]}")"
    rt_ok delete --force "$RUN_ID"
    scoped_no_leaks "$RUN_ID"
}

t_cli_flags() {
    bi_setup
    local bad=() n=0 line name argstr expect want id rc err a args
    local longid
    longid=$(head -c 5000 /dev/zero | tr '\0' x)
    while IFS= read -r line; do
        [ -n "$(trim "$line")" ] || continue
        name=$(trim "${line%%|*}")
        a=${line#*|}
        argstr=$(trim "${a%%|*}")
        a=${a#*|}
        want=$(trim "${a##*|}")
        expect=$(trim "${a%|*}")
        n=$((n + 1))
        id=$(new_id "$name")
        argstr=${argstr//@ID/$id}
        argstr=${argstr//@RUN/$RUN_ID}
        argstr=${argstr//@B/$B}
        argstr=${argstr//@T/$T}
        argstr=${argstr//@LONGID/$longid}
        expect=${expect//@ID/$id}
        expect=${expect//@T/$T}
        eval "args=($argstr)" # the table's quoting ("" and "a<TAB>b")
        rtc "${args[@]}"
        rc=$RC
        err=$ERR
        [ "$rc" = 0 ] && err="(succeeded) $ERR"
        rt delete --force "$id" >/dev/null 2>&1
        line=$(check_row "$name" "$rc" "$err" "$expect" "$want" "$id")
        [ -z "$line" ] || bad+=("$line")
    done <<<"$CLI_TABLE"
    note "$n cli rows"
    [ ${#bad[@]} = 0 ] || fail "${#bad[@]} of $n cli rows: $(printf '%s; ' "${bad[@]}")"
    rt_ok delete --force "$RUN_ID"
    scoped_no_leaks "$RUN_ID"
}

run_case config_fields t_config_fields
run_case cli_flags t_cli_flags
finish
