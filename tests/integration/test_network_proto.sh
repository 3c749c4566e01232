#!/usr/bin/env bash
# network allow, protocol edges of the egress proxy (issue #5): a TLS
# ClientHello in several TCP segments and over several TLS records; DNS over
# TCP; IPv6 (AAAA answers, transparent capture on [::]); name resolution off
# the supervisor's event loop.  Servers on the host's loopback addresses
# (127.0.0.23 and the like, so as not to collide with test_network_allow),
# names mapped with --resolve; clients: tests/integration/helpers/net-client.py
# and curl inside the sandbox.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net-lib.sh"


p_setup() {
    net_setup openssl
    NC=$WS/net-client.py # the sandbox has a /tmp of its own: not the repo's copy
    cp "$REPO/tests/integration/helpers/net-client.py" "$NC" || fail "copy net-client.py"
}

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

# IPv6: AAAA answers for allowed names (over UDP and TCP, to any IPv6
# address: "local ::/0 dev lo"), transparent capture on [::]:80 and 443, the same
# address checks as IPv4 (loopback only by an exact name; ULA, metadata).
t_ipv6() {
    p_setup
    python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
        fail "prerequisite missing: IPv6 on the host's lo (::1)"
    http_server 80 ::1
    tls_server '[::1]'
    sb --network "allow:v6.test,*.w6.test" --resolve v6.test=::1 --resolve v4.test=127.0.0.23 \
        --resolve lo.w6.test=::1 --resolve ula.w6.test=fd00::1 \
        --resolve meta.w6.test=fd00:ec2::254 -- sh -c "
        curl -6 -sS -m 10 --noproxy '*' http://v6.test/; echo rc=\$?
        python3 $NC dns udp ::1 v6.test AAAA
        python3 $NC dns udp fd00::53 v6.test AAAA
        python3 $NC dns tcp 2001:db8::53 v6.test AAAA
        python3 $NC dns udp 10.9.9.9 v6.test A
        python3 $NC dns udp 10.9.9.9 other.test AAAA
        curl -sS -m 10 http://v6.test/; echo rc=\$?
        for h in '[fd00::1]' lo.w6.test ula.w6.test meta.w6.test; do
            curl -6 -sS -m 10 --noproxy '*' -o /dev/null -w '%{http_code} ' -H \"Host: \$h\" http://[::1]/
            curl -6 -sS -m 10 --noproxy '*' -D - -o /dev/null -H \"Host: \$h\" http://[::1]/ | grep X-Paddock
        done
        python3 $NC tls v6.test segments 2001:db8::443"
    assert_ok
    note "$OUT"
    assert_eq "$(sed -n 1,2p <<<"$OUT")" $'hello-from-host\nrc=0' "curl -6 --noproxy '*' to an allowed name"
    assert_eq "$(sed -n 3,8p <<<"$OUT")" $'rcode=0\n::1\nrcode=0\n::1\nrcode=0\n::1' "AAAA over UDP and TCP"
    assert_eq "$(sed -n 9,10p <<<"$OUT")" $'rcode=0\nrcode=3' "no A for an IPv6-only name; NXDOMAIN for AAAA of an unlisted one"
    assert_eq "$(sed -n 11,12p <<<"$OUT")" $'hello-from-host\nrc=0' "through HTTP_PROXY to ::1"
    assert_contains "$(sed -n 13p <<<"$OUT")" "403 X-Paddock-Denied: not on the allow list" "an IPv6 literal not on the list"
    assert_contains "$(sed -n 14p <<<"$OUT")" "403 X-Paddock-Denied: loopback address ::1 is blocked" "a wildcard to ::1"
    assert_contains "$(sed -n 15p <<<"$OUT")" "403 X-Paddock-Denied: private address fd00::1 is blocked" "ULA"
    assert_contains "$(sed -n 16p <<<"$OUT")" "403 X-Paddock-Denied: metadata address fd00:ec2::254 is blocked" "metadata"
    assert_eq "$(sed -n 17p <<<"$OUT")" "HTTP/1.0 200 ok" "TLS to any IPv6 address, by its SNI"
    assert_match "$(cat "$AUDIT")" '"event":"network.allow".*"host":"v6.test","port":443,"rule":"v6.test","via":"transparent-tls","address":"::1"' "audit (IPv6 TLS)"
    assert_match "$(cat "$AUDIT")" '"event":"network.allow".*"host":"v6.test","port":80,"rule":"v6.test","via":"transparent-http","address":"::1"' "audit (IPv6 transparent)"
}

# IPv6 disabled by sysctl in the container's namespace: create says so
# (one warning naming why), IPv4 goes on working; control: without the
# sysctl, no warning.
t_ipv6_disabled() {
    p_setup
    http_server 80 127.0.0.23
    local b=$WS/bundle
    make_bundle "$b" sh -c "wget -q -O - http://allowed.test/; echo rc=\$?"
    cfg_set "$b" '.annotations = {"dev.paddock.network":"allow","dev.paddock.network.allow":"allowed.test","dev.paddock.network.resolve":"allowed.test=127.0.0.23","dev.paddock.sandbox":"danger-full-access"}'
    rtc run --bundle "$b" "$(new_id)"
    assert_ok
    assert_eq "$OUT" $'hello-from-host\nrc=0' "control: IPv4 through the proxy"
    assert_not_contains "$ERR" "IPv6" "control: no warning with IPv6 on"
    cfg_set "$b" '.linux.sysctl = {"net.ipv6.conf.all.disable_ipv6":"1","net.ipv6.conf.lo.disable_ipv6":"1"}'
    rtc run --bundle "$b" "$(new_id)"
    assert_ok
    assert_eq "$OUT" $'hello-from-host\nrc=0' "IPv4 through the proxy without IPv6"
    assert_contains "$ERR" "network: no IPv6 in the container's namespace (RTM_NEWADDR ::1/128 dev lo: " "the warning names why"
    assert_eq "$(grep -c IPv6 <<<"$ERR")" 1 "one warning"
}

# Name resolution off the supervisor's event loop: paddock runs in a
# private mount namespace whose /etc/resolv.conf names a DNS server on the
# host's 127.0.0.77 that never answers (timeout 30 s), and whose /etc/hosts
# has hosts.test.  While the supervisor's lookup of slow.test hangs (the
# server has logged the query), hosts.test (a real getaddrinfo, from
# /etc/hosts), mapped.test (--resolve) and a DNS query get through within
# curl's 10 s; with getaddrinfo in the event loop they would wait 30 s.
# The slow one ends in a 504 after PROXY_RESOLVE_TIMEOUT_MS (10 s).
t_slow_resolve() {
    p_setup
    need_cmd unshare util-linux
    http_server 80 127.0.0.23
    cat >"$WS/slowdns.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.77", 53))
print("ready", flush=True)
while True:
    d, _ = s.recvfrom(2048)
    p, labels = 12, []
    while p < len(d) and d[p]:
        labels.append(d[p + 1:p + 1 + d[p]].decode(errors="replace"))
        p += 1 + d[p]
    with open(sys.argv[1], "a") as f:
        f.write(".".join(labels) + "\n")
PY
    python3 "$WS/slowdns.py" "$WS/queries" >"$WS/slowdns.log" 2>&1 &
    SERVERS+=($!)
    local i
    for i in $(seq 100); do grep -q ready "$WS/slowdns.log" && break; sleep 0.1; done
    grep -q ready "$WS/slowdns.log" || fail "the silent DNS server did not start: $(cat "$WS/slowdns.log")"
    printf 'nameserver 127.0.0.77\noptions timeout:30 attempts:1\n' >"$WS/resolv.conf"
    { cat /etc/hosts; echo "127.0.0.23 hosts.test"; } >"$WS/hosts"
    cat >"$WS/pd-ns" <<SH
#!/bin/sh
mount --bind "$WS/resolv.conf" /etc/resolv.conf && mount --bind "$WS/hosts" /etc/hosts || exit 99
exec "$RUNTIME" "\$@"
SH
    chmod 0755 "$WS/pd-ns"
    timeout -k 5 120 unshare -m --propagation private "$WS/pd-ns" --root "$STATE_ROOT" sandbox \
        --audit-log "$AUDIT" --network "allow:slow.test,hosts.test,mapped.test" \
        --resolve mapped.test=127.0.0.23 -- sh -c "
        curl -sS -m 60 -o /dev/null -w 'slow=%{http_code}\n' http://slow.test/ >/tmp/slow.out 2>&1 &
        for i in \$(seq 300); do grep -q '^slow.test' $WS/queries 2>/dev/null && break; sleep 0.1; done
        grep -q '^slow.test' $WS/queries && echo slow-asked
        curl -sS -m 10 -o /dev/null -w 'hosts=%{http_code}\n' http://hosts.test/
        curl -sS -m 10 -o /dev/null -w 'mapped=%{http_code}\n' http://mapped.test/
        python3 $NC dns udp 10.9.9.9 hosts.test A
        kill -0 \$! && echo slow-pending
        wait \$!
        cat /tmp/slow.out" >"$WS/out" 2>"$WS/err"
    RC=$? OUT=$(cat "$WS/out") ERR=$(cat "$WS/err")
    note "$OUT"
    assert_ok
    assert_eq "$OUT" $'slow-asked\nhosts=200\nmapped=200\nrcode=0\n127.0.0.23\nslow-pending\nslow=504' "one slow lookup stalls no other"
    assert_match "$(cat "$AUDIT")" '"event":"network.deny".*"host":"slow.test","port":80,"rule":"name resolution timed out"' "audit: the slow one timed out"
}

# two_hosts PORT GOOD BAD SANDBOX-ARGS...: one sandbox allowed GOOD:PORT
# and BAD:PORT: OUT is GOOD's page and curl's status, then BAD's
# X-Paddock-Denied header line.
two_hosts() {
    local p=$1 good=$2 bad=$3
    shift 3
    sb --network "allow:$good:$p,$bad:$p" "$@" -- sh -c "
        curl -sS -m 40 http://$good:$p/; echo rc=\$?
        curl -sS -m 40 -D - -o /dev/null http://$bad:$p/ | grep X-Paddock"
    assert_ok
    note "$OUT"
}

# A host with several addresses: the supervisor tries them in order, so an
# IPv6 address that refuses (nothing on [::1]:PORT) falls back to the IPv4
# one; when every address refuses, 502 names the last error.
t_addr_fallback() {
    p_setup
    local p
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.23",0)); print(s.getsockname()[1])')
    http_server "$p" 127.0.0.23
    two_hosts "$p" both.test none.test --resolve both.test=::1 --resolve both.test=127.0.0.23 \
        --resolve none.test=::1 --resolve none.test=127.0.0.24
    assert_eq "$(sed -n 1,2p <<<"$OUT")" $'hello-from-host\nrc=0' "the second address, after ::1 refused"
    assert_contains "$(sed -n 3p <<<"$OUT")" "X-Paddock-Denied: connect to 127.0.0.24: Connection refused" "every address refused"
    assert_match "$(cat "$AUDIT")" '"event":"network.allow".*"host":"both.test","port":'"$p"',.*"address":"127.0.0.23"' "audit: the address connected to"
}

# An address that never answers: a listener that never accepts, its
# accept queue full, drops every SYN, so a connect to it neither succeeds
# nor fails.  After its share of the connect timeout (15 s over the host's
# two addresses) the next address is tried and answers; a host with only
# that address gets 504 naming it.
t_connect_timeout() {
    p_setup
    local p
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.23",0)); print(s.getsockname()[1])')
    http_server "$p" 127.0.0.23
    python3 -c '
import socket, sys, time
a = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(); s.bind(a); s.listen(0)
held = socket.create_connection(a, 5)   # the one place of the accept queue
probe = socket.socket(); probe.setblocking(False)
probe.connect_ex(a)
time.sleep(1)
print("blackhole" if probe.connect_ex(a) not in (0, 106) else "answered", flush=True)
time.sleep(120)' 127.0.0.26 "$p" >"$WS/hole.out" 2>&1 &
    SERVERS+=($!)
    for _ in $(seq 50); do [ -s "$WS/hole.out" ] && break; sleep 0.1; done
    assert_eq "$(cat "$WS/hole.out")" blackhole "control: a connect to 127.0.0.26:$p gets no answer"
    local RT_TIMEOUT=40 # two timeouts of the supervisor's: 7.5 s, then 15 s
    two_hosts "$p" slow.test hole.test --resolve slow.test=127.0.0.26 \
        --resolve slow.test=127.0.0.23 --resolve hole.test=127.0.0.26
    assert_eq "$(sed -n 1,2p <<<"$OUT")" $'hello-from-host\nrc=0' "the second address, after the first never answered"
    assert_contains "$(sed -n 3p <<<"$OUT")" "X-Paddock-Denied: connect timeout (127.0.0.26)" "the only address never answered"
    assert_match "$(cat "$AUDIT")" '"event":"network.allow".*"host":"slow.test","port":'"$p"',.*"address":"127.0.0.23"' "audit: the address connected to"
}

# Rootless: the unprivileged runtime can't open the non-dumpable init's
# namespaces by pid; the init sends its network namespace with READY and the
# helper joins it after its owning user namespace.  Real traffic both ways:
# an allowed name through HTTP_PROXY and transparently, a denied one 403.
t_rootless() {
    p_setup
    rootless_setup
    http_server 80 127.0.0.29
    local ua=$T/uaudit/audit.jsonl
    mkdir -p "$T/uaudit"
    chown "$TEST_USER:" "$T/uaudit"
    urtc sandbox --audit-log "$ua" --network allow:allowed.test,127.0.0.29 \
        --resolve allowed.test=127.0.0.29 -- sh -c '
        curl -sS -m 10 http://allowed.test/; echo rc=$?
        curl -sS -m 10 --noproxy "*" http://allowed.test/; echo rc=$?
        curl -sS -m 10 -o /dev/null -w "denied=%{http_code}\n" http://denied.test/'
    assert_ok "rootless sandbox with network allow"
    assert_eq "$(grep -c hello-from-host <<<"$OUT")" 2 "allowed name through the proxy and transparently"
    assert_contains "$OUT" "denied=403" "denied name"
    assert_match "$(cat "$ua")" '"event":"network.deny".*"host":"denied.test"' "audit (rootless)"
}

# The approver for clients that ignore the proxy variables: with an
# approver, DNS answers a name on no list with a stand-in address (never
# looking it up), the transparent capture reads the Host header and asks.
# Denied-by-rule names stay NXDOMAIN; without an approver, NXDOMAIN
# (control).
t_approver_transparent() {
    p_setup
    http_server 80 127.0.0.31
    cat >"$WS/approve" <<APP
#!/bin/sh
req=\$(cat)
echo "\$req" >>$WS/requests
case "\$req" in
*'"host":"ok.test"'*) echo allow-once ;;
*) echo deny ;;
esac
APP
    chmod 0755 "$WS/approve"
    local script='curl -sS -m 10 --noproxy "*" http://ok.test/; echo rc=$?
        curl -sS -m 10 --noproxy "*" -o /dev/null -w "no=%{http_code}\n" http://no.test/
        curl -sS -m 10 --noproxy "*" http://bad.test/; echo bad=$?'
    sb --network allow:none.test,127.0.0.31 --network-deny bad.test --network-approver "$WS/approve" \
        --resolve ok.test=127.0.0.31 --resolve no.test=127.0.0.31 --resolve bad.test=127.0.0.31 \
        -- sh -c "$script"
    assert_ok
    assert_contains "$(sed -n 1p <<<"$OUT")" "hello-from-host" "approved by the approver, transparently"
    assert_contains "$OUT" "no=403" "denied by the approver, transparently"
    assert_contains "$OUT" "bad=6" "a denied name: NXDOMAIN, the approver not asked"
    assert_match "$(cat "$WS/requests")" '"host":"ok.test","port":80,"via":"transparent-http"' "the approver's request"
    assert_not_contains "$(cat "$WS/requests")" '"host":"bad.test"' "denied name never reaches the approver"
    sb --network allow:none.test,127.0.0.31 --resolve ok.test=127.0.0.31 -- sh -c "$script"
    assert_contains "$ERR" "Could not resolve host: ok.test" "control: no approver, NXDOMAIN"
}

# Robustness (issue #5): clients that close at once, cut their request
# heads or SOCKS5 greetings, half-close a tunnel after the request (the
# answer still arrives whole) or reset mid-download never leak the
# supervisor's descriptors or stop it serving: its fd count returns to what
# it was before, and a normal request still works afterwards.
t_robust() {
    p_setup
    head -c 4194304 /dev/urandom >"$WS/www/big"
    http_server 8080 127.0.0.35
    cp "$REPO/tests/integration/helpers/net-abuse.py" "$WS/abuse.py" || fail "copy net-abuse.py"
    local st=$WS/st.jsonl id sp base now i
    rt sandbox --network allow:allowed.test:8080 --resolve allowed.test=127.0.0.35 \
        --json-status-fd 3 -- sh -c "
        echo up >ready; while [ ! -e go ]; do sleep 0.1; done
        python3 abuse.py allowed.test 8080 /big 4194304 >abuse.out 2>&1; echo rc=\$? >>abuse.out
        echo x >abused; while [ ! -e go2 ]; do sleep 0.1; done
        curl -sS -m 10 http://allowed.test:8080/index.html >final.out 2>&1
        echo x >done" 3>"$st" >"$WS/sb.out" 2>"$WS/sb.err" &
    local bg=$!
    wait_file "$WS/ready" 100 || { kill $bg; fail "the sandbox did not start: $(cat "$WS/sb.err")"; }
    id=$(head -1 "$st" | jq -r .id)
    sp=$(cut -d' ' -f1 "$STATE_ROOT/$id/network.pid")
    assert_match "$sp" '^[0-9]+$' "the supervisor's pid"
    base=$(ls "/proc/$sp/fd" | wc -l)
    touch "$WS/go"
    wait_file "$WS/abused" 600 || { kill $bg; fail "the abuse did not finish: $(cat "$WS/abuse.out")"; }
    for i in $(seq 50); do
        now=$(ls "/proc/$sp/fd" | wc -l)
        [ "$now" = "$base" ] && break
        sleep 0.1
    done
    touch "$WS/go2"
    wait_file "$WS/done" 150
    wait $bg || fail "the sandbox failed: $(cat "$WS/sb.err")"
    local a
    a=$(cat "$WS/abuse.out")
    assert_contains "$a" "half-closed-whole 5" "half-closed tunnels get their whole answer"
    assert_contains "$a" "abandoned 10" "downloads reset mid-stream"
    assert_contains "$a" "rc=0" "the abusive client ran through"
    assert_eq "$now" "$base" "the supervisor's descriptors after the abuse (before: $base)"
    assert_eq "$(cat "$WS/final.out")" hello-from-host "a normal request afterwards"
}

run_case net_split_hello t_split_hello
run_case net_dns_tcp t_dns_tcp
run_case net_ipv6 t_ipv6
run_case net_ipv6_disabled t_ipv6_disabled
run_case net_slow_resolve t_slow_resolve
run_case net_addr_fallback t_addr_fallback
run_case net_connect_timeout t_connect_timeout
run_case net_rootless t_rootless
run_case net_approver_transparent t_approver_transparent
run_case net_robust t_robust
