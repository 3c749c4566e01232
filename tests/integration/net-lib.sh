# shellcheck shell=bash
# Helpers of the network allow suites (test_network_allow.sh,
# test_network_proto.sh, test_network_run.sh); sourced after lib.sh.
# Servers run on the host's loopback addresses; clients in the sandbox.

# net_setup [CMD...]: paddock only (the egress proxy is its own); python3,
# curl and the commands named; WS (a workspace with www/index.html, the
# cwd), AUDIT, SERVERS (killed at exit).
net_setup() {
    is_paddock || { note "the egress proxy is paddock's own"; exit 0; }
    local c
    for c in python3 curl "$@"; do need_cmd "$c"; done
    WS=$T/ws.$BASHPID
    mkdir -p "$WS/www"
    echo hello-from-host >"$WS/www/index.html"
    cd "$WS" || fail "cd $WS"
    AUDIT=$WS/audit.jsonl
    SERVERS=()
    # shellcheck disable=SC2154 # s is the loop variable of the trap string
    trap 'for s in "${SERVERS[@]}"; do kill "$s" 2>/dev/null; done' EXIT
}

# wait_port [ADDR] PORT: until something listens on ADDR:PORT (ADDR:
# 127.0.0.1 by default).
wait_port() {
    local addr=127.0.0.1 _
    [ $# -ge 2 ] && { addr=$1; shift; }
    for _ in $(seq 100); do
        python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)' \
            "$addr" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no server on $addr:$1"
}

# http_server PORT [ADDR]: python3's http.server on ADDR:PORT serving www/
http_server() {
    local addr=${2:-127.0.0.1}
    python3 -m http.server "$1" --bind "$addr" --directory "$WS/www" >"$WS/http.$addr.$1.log" 2>&1 &
    SERVERS+=($!)
    wait_port "$addr" "$1"
}

# tls_server ADDR: openssl s_server -www on ADDR:443 (IPv6: [ADDR]), a
# self-signed certificate for allowed.test
tls_server() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WS/key.pem" -out "$WS/cert.pem" \
        -days 1 -subj /CN=allowed.test >/dev/null 2>&1 || fail "openssl req"
    openssl s_server -accept "$1:443" -cert "$WS/cert.pem" -key "$WS/key.pem" -www -quiet \
        >"$WS/tls.log" 2>&1 &
    SERVERS+=($!)
    local a=${1#[}
    wait_port "${a%]}" 443
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# sb ARGS...: paddock sandbox with the case's audit log (rtc: RC, OUT, ERR)
sb() { rtc sandbox --audit-log "$AUDIT" "$@"; }

# sup_pid ID: the network supervisor recorded in the state directory
sup_pid() { cut -d' ' -f1 "$STATE_ROOT/$1/network.pid"; }
