#!/usr/bin/env bash
# network allow (issue #5, "Tests"): paddock's egress proxy.  Servers on the
# host's 127.0.0.1 (python3's http.server, openssl s_server), names mapped
# with --resolve / dev.paddock.network.resolve; curl inside the sandbox:
# through HTTP_PROXY, SOCKS5, and transparently (--noproxy '*'); deny beats
# allow; loopback blocked unless named exactly; the approver; audit lines;
# the supervisor's lifetime for a bundle under create/start/delete.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net-lib.sh"

n_setup() { net_setup openssl; }

t_proxy() {
    n_setup
    local p
    p=$(free_port)
    http_server "$p"
    sb --network "allow:allowed.test:$p,*.wild.test:$p" --network-deny "bad.wild.test" \
        --resolve allowed.test=127.0.0.1 --resolve x.wild.test=127.0.0.1 \
        --resolve bad.wild.test=127.0.0.1 --resolve exact.test=127.0.0.1 -- sh -c "
        echo \$HTTP_PROXY \$https_proxy \$ALL_PROXY \$GIT_CONFIG_VALUE_0
        curl -sS -m 10 http://allowed.test:$p/; echo rc=\$?
        curl -sS -m 10 -i http://denied.test:$p/; echo rc=\$?
        curl -sS -m 10 -i http://bad.wild.test:$p/; echo rc=\$?
        curl -sS -m 10 -i http://x.wild.test:$p/; echo rc=\$?
        curl -sS -m 10 --socks5-hostname 127.0.0.1:1080 http://allowed.test:$p/; echo rc=\$?
        curl -sS -m 10 --socks5-hostname 127.0.0.1:1080 http://denied.test:$p/; echo rc=\$?"
    assert_ok
    assert_contains "$OUT" "http://127.0.0.1:3128 http://127.0.0.1:3128 socks5h://127.0.0.1:1080 http://127.0.0.1:3128" "proxy variables"
    assert_contains "$(sed -n 2,3p <<<"$OUT")" "hello-from-host" "allowed through HTTP_PROXY"
    assert_contains "$OUT" "X-Paddock-Denied: not on the allow list" "unlisted host: 403 naming why"
    assert_contains "$OUT" 'X-Paddock-Denied: denied by rule "bad.wild.test"' "deny beats allow"
    assert_contains "$OUT" "X-Paddock-Denied: loopback address 127.0.0.1 is blocked" "wildcard match to loopback"
    assert_eq "$(grep -c hello-from-host <<<"$OUT")" 2 "allowed through HTTP_PROXY and SOCKS5"
    assert_contains "$ERR" "SOCKS5" "denied through SOCKS5"
    local a
    a=$(cat "$AUDIT")
    assert_match "$a" '"event":"network.allow".*"host":"allowed.test","port":'"$p"',"rule":"allowed.test:'"$p"'","via":"http-proxy","address":"127.0.0.1","bytes_out":[1-9]' "audit allow"
    assert_match "$a" '"event":"network.deny".*"host":"denied.test".*"rule":"not on the allow list","via":"socks5"' "audit deny (socks)"
    assert_match "$a" '"event":"network.deny".*"host":"bad.wild.test".*"rule":"denied by rule' "audit deny (rule)"
}

t_transparent() {
    n_setup
    http_server 80
    tls_server 127.0.0.1
    sb --network "allow:allowed.test,127.0.0.1" --resolve allowed.test=127.0.0.1 \
        --resolve other.test=127.0.0.1 -- sh -c '
        curl -sS -m 10 --noproxy "*" http://allowed.test/; echo rc=$?
        curl -sS -m 10 --noproxy "*" -k https://allowed.test/ -o /dev/null -w "tls=%{http_code}\n"; echo rc=$?
        curl -sS -m 10 --noproxy "*" http://other.test/; echo rc=$?
        curl -sS -m 10 --noproxy "*" -k https://other.test/ --resolve other.test:443:127.0.0.1; echo rc=$?'
    assert_ok
    assert_contains "$(sed -n 1p <<<"$OUT")" "hello-from-host" "transparent HTTP, allowed"
    assert_contains "$OUT" "tls=200" "transparent TLS, allowed by its SNI"
    assert_contains "$ERR" "Could not resolve host: other.test" "NXDOMAIN for an unlisted name"
    assert_match "$(sed -n '/rc=6/,$p' <<<"$OUT")" "rc=(35|56)" "TLS to an unlisted SNI is closed"
    assert_match "$(cat "$AUDIT")" '"host":"other.test","port":443,"rule":"not on the allow list","via":"transparent-tls"' "audit (transparent deny)"
}

t_approver() {
    n_setup
    local p
    p=$(free_port)
    http_server "$p"
    mkdir -p "$WS/bin"
    cat >"$WS/bin/approve" <<APP
#!/bin/sh
req=\$(cat)
echo "\$req" >>$WS/requests
case "\$req" in
*once.test*) echo allow-once ;;
*session.test*) echo allow-session ;;
*slow.test*) sleep 30 ;;
*) echo deny ;;
esac
APP
    chmod 0755 "$WS/bin/approve"
    sb --network "allow:none.test" --network-approver "$WS/bin/approve" --network-approver-timeout 1 \
        --resolve once.test=127.0.0.1 --resolve session.test=127.0.0.1 \
        --resolve no.test=127.0.0.1 --resolve slow.test=127.0.0.1 \
        --resolve none.test=127.0.0.1 -- sh -c "
        for h in once once session session no no slow; do
            curl -sS -m 20 -o /dev/null -w \"\$h=%{http_code}\n\" http://\$h.test:$p/
        done"
    assert_ok
    assert_contains "$OUT" "once=200" "allow-once"
    assert_contains "$OUT" "session=200" "allow-session"
    assert_contains "$OUT" "no=403" "deny"
    assert_contains "$OUT" "slow=403" "timeout is deny"
    assert_eq "$(grep -c '"host":"once.test"' "$WS/requests")" 2 "allow-once asks every time"
    assert_eq "$(grep -c '"host":"session.test"' "$WS/requests")" 1 "allow-session is cached"
    assert_eq "$(grep -c '"host":"no.test"' "$WS/requests")" 1 "deny is cached"
    assert_contains "$(head -1 "$WS/requests")" '"command":["sh","-c",' "the request names the command"
    assert_match "$(cat "$AUDIT")" '"host":"slow.test".*"rule":"the approver did not answer in time"' "audit timeout"
}

t_bundle_lifetime() {
    n_setup
    local p b=$WS/bundle id sp
    p=$(free_port)
    http_server "$p"
    make_bundle "$b" sh -c "wget -q -O - http://allowed.test:$p/ >/tmp/got; sleep 1000"
    cfg_set "$b" '.annotations = {"dev.paddock.network":"allow","dev.paddock.network.allow":$a,"dev.paddock.network.resolve":"allowed.test=127.0.0.1","dev.paddock.sandbox":"danger-full-access"}' --arg a "allowed.test:$p"
    id=$(new_id)
    rt_ok create --bundle "$b" "$id"
    sp=$(sup_pid "$id")
    assert_match "$sp" '^[0-9]+$' "network.pid recorded"
    track_pid "$sp"
    kill -0 "$sp" 2>/dev/null || fail "supervisor $sp not running after create"
    rt_ok delete --force "$id"
    local i
    for i in $(seq 100); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$sp" 2>/dev/null && fail "supervisor $sp survived delete --force"
    # kill -9 of the container's init: the supervisor follows it
    id=$(new_id)
    rt_ok create --bundle "$b" "$id"
    sp=$(sup_pid "$id")
    track_pid "$sp"
    kill -9 "$(state_pid "$id")"
    for i in $(seq 100); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$sp" 2>/dev/null && fail "supervisor $sp survived kill -9 of the init"
    rt_ok delete --force "$id"
}

run_case net_proxy t_proxy
run_case net_transparent t_transparent
run_case net_approver t_approver
run_case net_bundle_lifetime t_bundle_lifetime
