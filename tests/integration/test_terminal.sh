#!/usr/bin/env bash
# process.terminal=true with --console-socket: the pty master arrives over
# the socket (helpers/recvtty.c), the container's stdio is /dev/pts/N, output
# and input go through the pty.
#
# Validated with RUNTIME=runc (runc 1.1.5): all cases pass.
source "$(dirname "$0")/lib.sh"

B=$T/bundle
RECVTTY=$T/recvtty
setup() {
    need_cmd cc build-essential
    if [ ! -x "$RECVTTY" ]; then
        cc -O2 -Wall -Wextra -Werror -o "$RECVTTY" "$HELPERS/recvtty.c" 2>"$T/cc.err" ||
            fail "cannot compile helpers/recvtty.c: $(oneline "$(cat "$T/cc.err")")"
    fi
    [ -d "$B" ] || make_bundle "$B" true
    if [ -f "$T/config.orig" ]; then cp "$T/config.orig" "$B/config.json"; else cp "$B/config.json" "$T/config.orig"; fi
    cfg_set "$B" '.process.terminal = true'
}

# start_recvtty NAME [recvtty options]: listen on $T/NAME.sock, output to $T/NAME.out
start_recvtty() {
    local name=$1
    shift
    rm -f "$T/$name.sock"
    "$RECVTTY" -t 20 "$@" "$T/$name.sock" >"$T/$name.out" 2>"$T/$name.err" &
    RECV_PID=$!
    track_pid "$RECV_PID"
    local i
    for i in $(seq 50); do
        [ -S "$T/$name.sock" ] && return 0
        sleep 0.1
    done
    fail "recvtty did not create $T/$name.sock: $(oneline "$(cat "$T/$name.err")")"
}

# wait_recvtty NAME: recvtty ended; its output without CRs in TTY_OUT
wait_recvtty() {
    wait "$RECV_PID"
    local rc=$?
    TTY_OUT=$(tr -d '\r' <"$T/$1.out")
    [ "$rc" = 0 ] || fail "recvtty exited $rc: $(oneline "$(cat "$T/$1.err")") output: $(oneline "$TTY_OUT")"
}

t_create_start_tty() {
    setup
    set_args "$B" sh -c 'tty; [ -t 0 ] && echo stdin-is-tty; [ -t 1 ] && echo stdout-is-tty; [ -t 2 ] && echo stderr-is-tty; echo through-pty'
    start_recvtty c1
    local id
    id=$(new_id)
    rt_ok create --console-socket "$T/c1.sock" --bundle "$B" "$id"
    state_pid "$id" >/dev/null
    rt_ok start "$id"
    wait_status "$id" stopped
    wait_recvtty c1
    assert_match "$(printf '%s\n' "$TTY_OUT" | head -n1)" '^/dev/pts/[0-9]+$' "tty inside the container"
    assert_contains "$TTY_OUT" stdin-is-tty "stdin"
    assert_contains "$TTY_OUT" stdout-is-tty "stdout"
    assert_contains "$TTY_OUT" stderr-is-tty "stderr"
    assert_contains "$TTY_OUT" through-pty "output through the pty"
    # The pty's CR-LF line discipline was applied: proof it went through a tty.
    grep -q $'through-pty\r' "$T/c1.out" || fail "output has no CR-LF: it did not go through a pty"
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

t_tty_input() {
    setup
    set_args "$B" sh -c 'read -r line; echo "got:$line"'
    start_recvtty c2 -i $'hello-pty\n'
    local id
    id=$(new_id)
    rt_ok run --detach --console-socket "$T/c2.sock" --bundle "$B" "$id"
    wait_status "$id" stopped
    wait_recvtty c2
    assert_contains "$TTY_OUT" "got:hello-pty" "input written to the pty master read in the container"
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

t_console_size() {
    setup
    cfg_set "$B" '.process.consoleSize = {"height": 33, "width": 111}'
    set_args "$B" sh -c 'stty size'
    start_recvtty c3
    local id
    id=$(new_id)
    rt_ok run --detach --console-socket "$T/c3.sock" --bundle "$B" "$id"
    wait_status "$id" stopped
    wait_recvtty c3
    assert_contains "$TTY_OUT" "33 111" "stty size"
    rt_ok delete "$id"
    no_leaks "$id" "$B"
}

t_terminal_needs_socket() {
    setup
    set_args "$B" tty
    local id
    id=$(new_id)
    rtc create --bundle "$B" "$id"
    assert_failed "create with terminal=true and no --console-socket"
    assert_contains "$ERR" "console" "error for a missing --console-socket"
    no_leaks "$id" "$B"
}

t_bad_console_socket() {
    setup
    set_args "$B" tty
    local id
    id=$(new_id)
    rtc create --console-socket "$T/pdt-no-such.sock" --bundle "$B" "$id"
    assert_failed "create with a --console-socket nobody listens on"
    assert_contains "$ERR" "pdt-no-such.sock" "error for a bad --console-socket"
    no_leaks "$id" "$B"
}

t_no_terminal_no_tty() {
    setup
    cfg_set "$B" '.process.terminal = false'
    run_in "$B" sh -c '[ -t 0 ] || [ -t 1 ] && echo has-tty; tty; true'
    assert_ok "run with terminal=false"
    assert_not_contains "$OUT" has-tty "terminal=false stdio"
    assert_not_contains "$OUT" /dev/pts "terminal=false tty"
    no_leaks "$RUN_ID"
}

run_case create_start_tty t_create_start_tty
run_case tty_input t_tty_input
run_case console_size t_console_size
run_case terminal_needs_socket t_terminal_needs_socket
run_case bad_console_socket t_bad_console_socket
run_case no_terminal_no_tty t_no_terminal_no_tty
finish
