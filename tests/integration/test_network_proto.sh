#!/usr/bin/env bash
# network allow, protocol edges of the egress proxy (issue #5): a TLS
# ClientHello in several TCP segments and over several TLS records; DNS over
# TCP; IPv6 (AAAA answers, transparent capture on [::]); name resolution off
# the supervisor's event loop.  Servers on the host's loopback addresses
# (127.0.0.23 and the like, so as not to collide with test_network_allow),
# names mapped with --resolve; clients: tests/integration/helpers/net-client.py
# and curl inside the sandbox.
source "$(dirname "$0")/lib.sh"


p_setup() {
    is_paddock || { note "the egress proxy is paddock's own"; exit 0; }
    need_cmd python3
    need_cmd curl
    need_cmd openssl
    WS=$T/ws.$BASHPID
    mkdir -p "$WS/www"
    echo hello-from-host >"$WS/www/index.html"
    cd "$WS" || fail "cd $WS"
    AUDIT=$WS/audit.jsonl
    NC=$WS/net-client.py # the sandbox has a /tmp of its own: not the repo's copy
    cp "$REPO/tests/integration/helpers/net-client.py" "$NC" || fail "copy net-client.py"
    SERVERS=()
    trap 'for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; done' EXIT
}

# wait_port ADDR PORT: until something listens on ADDR:PORT
wait_port() {
    local i
    for i in $(seq 100); do
        python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)' \
            "$1" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no server on $1:$2"
}

# tls_server ADDR: openssl s_server -www on ADDR:443
tls_server() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WS/key.pem" -out "$WS/cert.pem" \
        -days 1 -subj /CN=allowed.test >/dev/null 2>&1 || fail "openssl req"
    openssl s_server -accept "$1:443" -cert "$WS/cert.pem" -key "$WS/key.pem" -www -quiet \
        >"$WS/tls.log" 2>&1 &
    SERVERS+=($!)
    wait_port "$1" 443
}

sb() { rtc sandbox --audit-log "$AUDIT" "$@"; }

# The SNI decision waits for the whole ClientHello: in three TCP segments
# with pauses, and re-framed into 64-byte TLS records.  A denied name sent
# the same way is closed (control: the name was read from the reassembled
# hello, not guessed).
t_split_hello() {
    p_setup
    tls_server 127.0.0.23
    sb --network "allow:allowed.test" --resolve allowed.test=127.0.0.23 -- sh -c "
        python3 $NC tls allowed.test segments; echo rc=\$?
        python3 $NC tls allowed.test records; echo rc=\$?
        python3 $NC tls other.test records 192.0.2.1; echo rc=\$?"
    assert_ok
    note "$OUT"
    assert_eq "$(sed -n 1p <<<"$OUT")" "HTTP/1.0 200 ok" "hello in TCP segments"
    assert_match "$(sed -n 3p <<<"$OUT")" "^records=[0-9]+$" "hello in several records"
    assert_eq "$(sed -n 4p <<<"$OUT")" "HTTP/1.0 200 ok" "hello in several records"
    assert_match "$(sed -n 6,8p <<<"$OUT" | tr '\n' ' ')" '^records=[0-9]+ closed rc=3 $' "a denied name in records"
    local a
    a=$(cat "$AUDIT")
    assert_eq "$(grep -c '"event":"network.allow".*"host":"allowed.test","port":443.*"via":"transparent-tls"' <<<"$a")" 2 "audit: two allowed"
    assert_match "$a" '"event":"network.deny".*"host":"other.test","port":443,"rule":"not on the allow list","via":"transparent-tls"' "audit: the denied SNI"
}

# DNS over TCP on :53 of any address: several queries on one connection,
# the same answers as over UDP; NXDOMAIN for an unlisted name; a length
# below a DNS header closes the connection (control: a valid one doesn't).
t_dns_tcp() {
    p_setup
    sb --network "allow:allowed.test,*.wild.test" --resolve allowed.test=127.0.0.23 \
        --resolve allowed.test=127.0.0.24 --resolve a.wild.test=192.0.2.7 -- sh -c "
        python3 $NC dns tcp 10.9.9.9 allowed.test A 3; echo rc=\$?
        python3 $NC dns udp 10.9.9.9 allowed.test A; echo rc=\$?
        python3 $NC dns tcp 127.0.0.53 a.wild.test A; echo rc=\$?
        python3 $NC dns tcp 10.9.9.9 other.test A; echo rc=\$?
        python3 -c '
import socket, sys
ok = bytes.fromhex(\"001e00010100000100000000000007616c6c6f77656404746573740000010001\")  # allowed.test A
for q in (bytes.fromhex(\"0002abcd\"), ok):
    s = socket.create_connection((\"10.9.9.9\", 53), timeout=10)
    s.sendall(q)
    s.shutdown(socket.SHUT_WR)
    print(\"len=%d got=%d\" % (q[1], len(s.recv(100))))
'"
    assert_ok
    note "$OUT"
    local one=$'rcode=0\n127.0.0.23\n127.0.0.24'
    assert_eq "$(sed -n 1,10p <<<"$OUT")" "$one"$'\n'"$one"$'\n'"$one"$'\nrc=0' "three queries on one TCP connection"
    assert_eq "$(sed -n 11,14p <<<"$OUT")" "$one"$'\nrc=0' "the same over UDP"
    assert_eq "$(sed -n 15,17p <<<"$OUT")" $'rcode=0\n192.0.2.7\nrc=0' "a wildcard name over TCP"
    assert_eq "$(sed -n 18,19p <<<"$OUT")" $'rcode=3\nrc=0' "NXDOMAIN over TCP"
    assert_eq "$(sed -n 20p <<<"$OUT")" "len=2 got=0" "a 2-byte query closes the connection"
    assert_eq "$(sed -n 21p <<<"$OUT")" "len=30 got=64" "control: a valid query is answered"
}

run_case net_split_hello t_split_hello
run_case net_dns_tcp t_dns_tcp
