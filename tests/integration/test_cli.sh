#!/usr/bin/env bash
# The command line: --version, --help, usage errors, --log/--log-format,
# features, spec.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass except
#   unknown_command   runc exits 3 ("No help topic for 'x'"), paddock 2.
#   unknown_flag      runc exits 1, paddock 2 (usage error).
#   missing_argument  runc exits 1, paddock 2 (usage error).
source "$(dirname "$0")/lib.sh"

COMMANDS=(create start run state kill delete list spec features)

t_version() {
    rtc --version
    assert_ok "--version"
    shopt -s nocasematch
    [[ $OUT == *version* ]] || fail "--version output does not say 'version': $(oneline "$OUT")"
    shopt -u nocasematch
    assert_match "$OUT" '[0-9]+\.[0-9]+\.[0-9]+' "--version output"
    is_paddock && assert_contains "$OUT" paddock "--version output"
    return 0
}

# The runtime is a static PIE linked against musl (Makefile: LIBC, the
# default): no program interpreter, no shared object needed,
# position-independent, and none of glibc's start-up (its ABI note, which
# glibc's crt1.o adds, is absent).  With make LIBC=glibc (run-all gets LIBC
# from make check) it is linked shared; so is the ASan build (make stress).
t_static_pie() {
    is_paddock || return 0
    need_cmd readelf binutils
    local h d n
    h=$(readelf -hlW "$RUNTIME") || fail "readelf $RUNTIME"
    d=$(readelf -dW "$RUNTIME") || fail "readelf -d $RUNTIME"
    n=$(readelf -nW "$RUNTIME") || fail "readelf -n $RUNTIME"
    assert_contains "$h" "DYN (Position-Independent Executable file)" "ELF type"
    if grep -q __asan_init "$RUNTIME" || [ "${LIBC:-musl}" = glibc ]; then
        [[ $h == *INTERP* ]] || fail "the ASan or glibc runtime $RUNTIME has no program interpreter"
        return 0
    fi
    [[ $h != *INTERP* ]] || fail "$RUNTIME has a program interpreter: linked shared"
    [[ $d != *NEEDED* ]] || fail "$RUNTIME needs shared objects: $(oneline "$(grep NEEDED <<<"$d")")"
    [[ $n != *NT_GNU_ABI_TAG* ]] || fail "$RUNTIME carries glibc's ABI note: linked against glibc, not musl"
}

t_help() {
    rtc --help
    assert_ok "--help"
    shopt -s nocasematch
    [[ $OUT == *usage* ]] || fail "--help prints no usage: $(oneline "$OUT" | cut -c1-120)"
    shopt -u nocasematch
    local c
    for c in "${COMMANDS[@]}"; do
        printf '%s\n' "$OUT" | grep -qw -- "$c" || fail "--help does not list the command '$c'"
    done
    for c in --root --log --log-format --debug --rootless; do
        assert_contains "$OUT" "$c" "--help (global options)"
    done
}

t_command_help() {
    local c
    for c in "${COMMANDS[@]}"; do
        rtc "$c" --help
        assert_rc 0 "$c --help"
        shopt -s nocasematch
        [[ $OUT == *usage* ]] || fail "$c --help prints no usage: $(oneline "$OUT" | cut -c1-120)"
        shopt -u nocasematch
        assert_contains "$OUT" "$c" "$c --help"
    done
    # Flags every runc-compatible caller uses.
    rtc create --help
    for f in --bundle --console-socket --pid-file --preserve-fds; do assert_contains "$OUT" "$f" "create --help"; done
    rtc run --help
    for f in --bundle --console-socket --pid-file --detach --preserve-fds; do assert_contains "$OUT" "$f" "run --help"; done
    rtc delete --help
    assert_contains "$OUT" --force "delete --help"
    rtc kill --help
    assert_contains "$OUT" --all "kill --help"
    rtc list --help
    assert_contains "$OUT" --format "list --help"
    assert_contains "$OUT" --quiet "list --help"
    rtc spec --help
    assert_contains "$OUT" --rootless "spec --help"
    assert_contains "$OUT" --bundle "spec --help"
}

t_unknown_command() {
    rtc pdtnosuchcmd
    assert_rc 2 "unknown command"
    assert_err_contains pdtnosuchcmd "error for an unknown command"
}

t_unknown_flag() {
    rtc --pdt-no-such-flag list
    assert_rc 2 "unknown global flag"
    assert_err_contains pdt-no-such-flag "error for an unknown global flag"
    rtc state --pdt-no-such-flag x
    assert_rc 2 "unknown flag of state"
    assert_err_contains pdt-no-such-flag "error for an unknown flag of state"
    rtc --log-format pdtxml list
    [ "$RC" != 0 ] || fail "--log-format pdtxml accepted"
    assert_contains "$ERR" pdtxml "error for a bad --log-format"
}

t_missing_argument() {
    local c
    for c in create start state kill delete; do
        rtc "$c"
        assert_rc 2 "$c without a container id"
        [ -n "$ERR" ] || fail "$c without a container id: no message"
    done
}

t_log_json() {
    local log=$T/log.json id
    rm -f "$log"
    id=$(new_id nosuch)
    rtc --log "$log" --log-format json state "$id"
    assert_failed "state of an unknown container"
    [ -s "$log" ] || fail "--log $log --log-format json wrote nothing"
    local n=0 line
    while IFS= read -r line; do
        n=$((n + 1))
        printf '%s' "$line" | jq -e 'type == "object" and (.level | type) == "string" and (.msg | type) == "string" and (.time | type) == "string"' >/dev/null 2>&1 ||
            fail "log line $n is not a JSON object with level/msg/time: $(oneline "$line")"
        assert_match "$(printf '%s' "$line" | jq -r .time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' "log line $n .time (RFC 3339)"
    done <"$log"
    jq -e -s 'map(select(.level == "error")) | length > 0' "$log" >/dev/null || fail "no level=error line in $log"
}

t_log_text() {
    local log=$T/log.txt id
    rm -f "$log"
    id=$(new_id nosuch)
    rtc --log "$log" state "$id"
    assert_failed "state of an unknown container"
    [ -s "$log" ] || fail "--log $log wrote nothing"
    assert_contains "$(cat "$log")" error "text log"
    printf '%s' "$(head -n1 "$log")" | jq -e . >/dev/null 2>&1 && fail "--log without --log-format json wrote JSON"
    # The error also reaches stderr.
    assert_failed "state of an unknown container (stderr)"
}

t_features() {
    rtc features
    assert_ok "features"
    printf '%s' "$OUT" | jq -e 'type == "object"' >/dev/null 2>&1 || fail "features: not a JSON object: $(oneline "$OUT" | cut -c1-100)"
    assert_match "$(printf '%s' "$OUT" | jq -r .ociVersionMin)" '^1\.[0-9]+\.[0-9]+' "features .ociVersionMin"
    assert_match "$(printf '%s' "$OUT" | jq -r .ociVersionMax)" '^1\.[0-9]+\.[0-9]+' "features .ociVersionMax"
    local h
    for h in prestart createRuntime createContainer startContainer poststart poststop; do
        printf '%s' "$OUT" | jq -e --arg h "$h" '.hooks | index($h) != null' >/dev/null ||
            fail "features .hooks lacks $h"
    done
    printf '%s' "$OUT" | jq -e '(.mountOptions | type) == "array" and (.mountOptions | index("ro") != null)' >/dev/null ||
        fail "features .mountOptions missing or without \"ro\""
}

t_spec() {
    local d=$T/spec1
    rm -rf "$d"
    mkdir -p "$d"
    (cd "$d" && rt spec) >"$T/spec.out" 2>&1 || fail "spec failed: $(oneline "$(cat "$T/spec.out")")"
    [ -s "$d/config.json" ] || fail "spec wrote no config.json"
    jq -e . "$d/config.json" >/dev/null || fail "config.json from spec does not parse"
    assert_eq "$(jq -r .root.path "$d/config.json")" rootfs "spec .root.path"
    assert_match "$(jq -r .ociVersion "$d/config.json")" '^1\.' "spec .ociVersion"
    assert_eq "$(jq -r '.process.args | type' "$d/config.json")" array "spec .process.args"
    assert_eq "$(jq -r '[.linux.namespaces[].type] | contains(["pid","mount"])' "$d/config.json")" true "spec namespaces"
    # Refuses to overwrite.
    echo '{"pdt": "keep"}' >"$d/config.json"
    IO_N=$((IO_N + 1))
    (cd "$d" && rt spec) >"$T/spec2.out" 2>"$T/spec2.err"
    RC=$?
    ERR=$(cat "$T/spec2.err")
    assert_failed "spec over an existing config.json"
    assert_contains "$ERR" config.json "error for spec over an existing config.json"
    assert_eq "$(cat "$d/config.json")" '{"pdt": "keep"}' "config.json after a refused spec"
    # --bundle
    local d2=$T/spec2
    rm -rf "$d2"
    mkdir -p "$d2"
    rt_ok spec --bundle "$d2"
    jq -e . "$d2/config.json" >/dev/null || fail "spec --bundle: no valid $d2/config.json"
    [ ! -e "$T/config.json" ] || fail "spec --bundle also wrote ./config.json"
}

t_spec_rootless() {
    local d=$T/spec3
    rm -rf "$d"
    mkdir -p "$d"
    rt_ok spec --rootless --bundle "$d"
    jq -e . "$d/config.json" >/dev/null || fail "spec --rootless: invalid config.json"
    assert_eq "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$d/config.json")" true "spec --rootless has a user namespace"
    assert_eq "$(jq -r '.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' "$d/config.json")" "0 $(id -u) 1" "spec --rootless uidMappings"
    assert_eq "$(jq -r '.linux.gidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' "$d/config.json")" "0 $(id -g) 1" "spec --rootless gidMappings"
}

t_list_empty_root() {
    OUT=$(timeout 30 "$RUNTIME" --root "$T/pdt-empty-root" list -q 2>"$T/le.err")
    RC=$?
    ERR=$(cat "$T/le.err")
    assert_ok "list with a state root that does not exist"
    assert_eq "$OUT" "" "list -q output"
}

run_case version t_version
run_case static_pie t_static_pie
run_case help t_help
run_case command_help t_command_help
run_case unknown_command t_unknown_command
run_case unknown_flag t_unknown_flag
run_case missing_argument t_missing_argument
run_case log_json t_log_json
run_case log_text t_log_text
run_case features t_features
run_case spec t_spec
run_case spec_rootless t_spec_rootless
run_case list_empty_root t_list_empty_root
finish
