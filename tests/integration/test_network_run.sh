#!/usr/bin/env bash
# network allow (issue #5), the container side: `exec` gets the proxy
# variables; `status` shows the supervisor's live counters (network.json);
# a bundle under `run` with real traffic and audit lines; the supervisor
# ends by itself with the init (create/start and run).  Servers on the
# host's 127.0.0.1 (python3's http.server), names mapped with
# dev.paddock.network.resolve / --resolve.  And network allow where no
# network namespace can be made (container-boundary mode, under the
# Docker-like seccomp filter of fallback-lib.sh): refused, or run as none
# and said so.
source "$(dirname "$0")/fallback-lib.sh"
source "$(dirname "$0")/net-lib.sh"

n_setup() { net_setup jq; }

# allow_bundle DIR PORT [AUDIT-LOG] ARGS...: a busybox bundle with network
# allow for allowed.test:PORT (resolved to 127.0.0.1), process.args ARGS.
allow_bundle() {
    local b=$1 p=$2 log=$3
    shift 3
    make_bundle "$b" "$@"
    cfg_set "$b" '.annotations = {"dev.paddock.network":"allow","dev.paddock.network.allow":$a,
        "dev.paddock.network.resolve":"allowed.test=127.0.0.1,denied.test=127.0.0.1",
        "dev.paddock.sandbox":"danger-full-access"}
        | if $l != "" then .annotations["dev.paddock.audit-log"] = $l else . end' \
        --arg a "allowed.test:$p" --arg l "$log"
}

# gone PID: wait up to 10 s for PID to end
gone() {
    local _
    for _ in $(seq 100); do _pid_alive "$1" || return 0; sleep 0.1; done
    return 1
}

# exec gets the proxy variables of the init; its own --env / process.json win
t_exec_env() {
    n_setup
    local p b=$WS/bundle id
    p=$(free_port)
    http_server "$p"
    allow_bundle "$b" "$p" "" sleep 1000
    id=$(new_id)
    rt_ok run -d --bundle "$b" "$id"
    rt_ok exec "$id" sh -c 'echo "$HTTP_PROXY|$https_proxy|$ALL_PROXY|$NO_PROXY|$GIT_CONFIG_VALUE_0"'
    assert_eq "$OUT" "http://127.0.0.1:3128|http://127.0.0.1:3128|socks5h://127.0.0.1:1080|localhost,127.0.0.1,::1|http://127.0.0.1:3128" "exec: the proxy variables"
    # real traffic through them: the port is not 80, so only the proxy reaches it
    rt_ok exec "$id" wget -q -O - "http://allowed.test:$p/"
    assert_eq "$OUT" hello-from-host "exec: wget through http_proxy"
    # control: without the variables the same request can't get out
    rtc exec "$id" env -u http_proxy -u HTTP_PROXY wget -q -T 5 -O - "http://allowed.test:$p/"
    assert_ne "$RC" 0 "exec: wget without http_proxy fails"
    assert_not_contains "$OUT" hello-from-host "exec: wget without http_proxy"
    # --env wins
    rt_ok exec --env HTTPS_PROXY=http://mine:1 "$id" sh -c 'echo "$HTTPS_PROXY|$HTTP_PROXY"'
    assert_eq "$OUT" "http://mine:1|http://127.0.0.1:3128" "exec --env wins"
    # a process.json of its own: its values win, the others are added
    jq -n '{cwd:"/", args:["sh","-c","echo \"$HTTPS_PROXY|$HTTP_PROXY|$PATH\""],
        env:["PATH=/bin:/usr/bin","HTTPS_PROXY=http://own:2"], user:{uid:0,gid:0}}' >"$WS/proc.json"
    rt_ok exec --process "$WS/proc.json" "$id"
    assert_eq "$OUT" "http://own:2|http://127.0.0.1:3128|/bin:/usr/bin" "exec --process"
    rt_ok delete --force "$id"
    # control: a container without network allow gets none
    make_bundle "$WS/plain" sleep 1000
    id=$(new_id)
    rt_ok run -d --bundle "$WS/plain" "$id"
    rt_ok exec "$id" sh -c 'echo "[$HTTP_PROXY$ALL_PROXY]"'
    assert_eq "$OUT" "[]" "exec into a container without network allow"
    rt_ok delete --force "$id"
}

# status ID: the supervisor's live counters while the container runs
t_status_counters() {
    n_setup
    local p b=$WS/bundle id
    p=$(free_port)
    http_server "$p"
    allow_bundle "$b" "$p" "" sleep 1000
    id=$(new_id)
    rt_ok run -d --bundle "$b" "$id"
    # at once: zeros (control for the counts below)
    wait_file "$STATE_ROOT/$id/network.json" || fail "no network.json after start"
    rt_ok status --json "$id"
    assert_eq "$(jqo '.network_counters | [.allowed, .denied, .bytes_in, .final] | @tsv')" \
        "0	0	0	false" "counters before any traffic"
    rt_ok exec "$id" wget -q -O - "http://allowed.test:$p/"
    rt_ok exec "$id" wget -q -O - "http://allowed.test:$p/"
    rtc exec "$id" wget -q -O - "http://denied.test:$p/"
    assert_contains "$ERR" "403" "denied.test: 403"
    for _ in $(seq 50); do # published within PD_NETSTATS_PERIOD_MS
        rt_ok status --json "$id"
        [ "$(jqo .network_counters.denied)" = 1 ] && break
        sleep 0.1
    done
    assert_eq "$(jqo '.status')" running "still running"
    assert_eq "$(jqo '.network_counters | [.allowed, .denied, .open, .final] | @tsv')" \
        "2	1	0	false" "status --json: counters"
    assert_match "$(jqo .network_counters.bytes_in)" '^[1-9][0-9]{2,}$' "bytes_in"
    assert_match "$(jqo .network_counters.bytes_out)" '^[1-9][0-9]+$' "bytes_out"
    assert_eq "$(jqo '.network_counters.top_hosts[0] | "\(.host) \(.allowed) \(.denied)"')" \
        "allowed.test 2 0" "top host"
    assert_eq "$(jqo '.network_counters.last_denial | "\(.host):\(.port) \(.via) \(.reason)"')" \
        "denied.test:$p http-proxy not on the allow list" "last denial"
    rt_ok status "$id"
    assert_match "$OUT" "traffic +2 allowed, 1 denied, 0 open; [0-9.]+ (B|KiB) in" "status: traffic line"
    assert_contains "$OUT" "last denial      denied.test:$p via http-proxy: not on the allow list" \
        "status: last denial"
    # control: a container without network allow has no counters
    make_bundle "$WS/plain" sleep 1000
    local id2
    id2=$(new_id)
    rt_ok run -d --bundle "$WS/plain" "$id2"
    rt_ok status --json "$id2"
    assert_eq "$(jqo .network_counters)" null "no counters without network allow"
    rt_ok delete --force "$id2"
    rt_ok delete --force "$id"
    no_leaks "$id" "$id2"
}

# the same for a `paddock sandbox` run: status SANDBOX-ID while it runs
t_status_sandbox() {
    n_setup
    local p st=$WS/status.jsonl id
    p=$(free_port)
    http_server "$p"
    rt sandbox --network "allow:allowed.test:$p" --resolve allowed.test=127.0.0.1 \
        --resolve denied.test=127.0.0.1 --json-status-fd 3 -- sh -c "
        curl -sS -m 10 http://allowed.test:$p/ >got
        curl -sS -m 10 -o /dev/null http://denied.test:$p/
        echo done >traffic-done
        while [ ! -e finish ]; do sleep 0.1; done" 3>"$st" >"$WS/sb.out" 2>"$WS/sb.err" &
    local bg=$!
    wait_file "$WS/traffic-done" 100 || { kill $bg; fail "the sandbox made no traffic: $(cat "$WS/sb.err")"; }
    id=$(head -1 "$st" | jq -r .id)
    assert_match "$id" '^sandbox-' "the sandbox's id (--json-status-fd)"
    for _ in $(seq 50); do
        rtc status --json "$id"
        [ "$(jqo .network_counters.denied 2>/dev/null)" = 1 ] && break
        sleep 0.1
    done
    touch "$WS/finish"
    wait $bg || fail "the sandbox failed: $(cat "$WS/sb.err")"
    assert_ok "status SANDBOX-ID"
    assert_eq "$(jqo '[.source, .network, (.network_counters | .allowed, .denied)] | @tsv')" \
        "container	allow	1	1" "status SANDBOX-ID --json while it runs"
    assert_eq "$(jqo .network_counters.last_denial.host)" denied.test "last denial"
    assert_eq "$(cat "$WS/got")" hello-from-host "the allowed request"
    [ ! -e "$STATE_ROOT/$id" ] || fail "the sandbox's state dir is left"
}

# network allow in container-boundary mode: no network namespace, so no
# proxy can be enforced: refuse says so; auto runs it as network none and
# says so (the warning line, status, the audit log)
t_boundary_allow() {
    fb_setup
    n_setup
    local p a=$WS/audit.log st=$WS/st.jsonl id
    p=$(free_port)
    http_server "$p"
    local py='import os,socket,sys
def t(f):
    try: f(); return "ok"
    except OSError as e: return e.strerror
print("tcp", t(lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)))
print("udp", t(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)))
print("proxy", os.environ.get("HTTP_PROXY"))'
    dsc sandbox --network "allow:127.0.0.1:$p" -- true
    assert_refused "network allow under a Docker-like filter" \
        "network allow needs a network namespace for its egress proxy, so it can't be enforced here" \
        "network allow runs as network none there (no TCP)"
    dsc sandbox --fallback auto --audit-log "$a" --network "allow:127.0.0.1:$p" \
        -- /usr/bin/python3 -c "$py" "$p"
    assert_ok "network allow, --fallback auto"
    assert_eq "$OUT" "tcp Permission denied
udp Permission denied
proxy None" "network allow in container-boundary mode runs as none"
    assert_eq "$(grep -c 'container-boundary mode' <<<"$ERR")" 1 "one warning line"
    assert_contains "$ERR" "; network allow (its egress proxy needs a network namespace and can't be enforced without one: it runs as network none" "the warning says so"
    assert_contains "$(cat "$a")" '"event":"fallback","id":"sandbox-' "fallback events"
    assert_match "$(cat "$a")" '"layer":"network","reason":"container-boundary: network allow: its egress proxy needs a network namespace' "the audit's fallback event"
    # control: in full mode the same policy reaches the server (through the proxy)
    rtc sandbox --network "allow:allowed.test:$p" --resolve allowed.test=127.0.0.1 \
        -- curl -sS -m 10 "http://allowed.test:$p/"
    assert_ok "full mode"
    assert_eq "$OUT" hello-from-host "full mode: through the proxy"
    # status, by the flags and of a running one
    dsc status --json --fallback auto --network "allow:127.0.0.1:$p"
    assert_ok
    assert_eq "$(jqo '[.network, .layers["network-ns"].state, .layers["landlock-net"].state,
        (.fallback.lost | index("network-ns") != null)] | @tsv')" "none	absent	active	true" \
        "status --fallback auto --network allow"
    assert_contains "$(jqo '.layers["network-ns"].reason')" "network allow: its egress proxy" \
        "status: why"
    "$DS" "$RUNTIME" --root "$STATE_ROOT" sandbox --fallback auto --network "allow:127.0.0.1:$p" \
        --json-status-fd 3 -- sh -c 'echo up >started; while [ ! -e finish ]; do sleep 0.1; done' \
        3>"$st" >"$WS/bg.out" 2>"$WS/bg.err" &
    local bg=$!
    wait_file "$WS/started" 100 || { kill $bg; fail "no boundary sandbox: $(cat "$WS/bg.err")"; }
    id=$(head -1 "$st" | jq -r .id)
    rtc status "$id"
    touch "$WS/finish"
    wait $bg || fail "the boundary sandbox failed: $(cat "$WS/bg.err")"
    assert_ok "status ID"
    assert_match "$OUT" $'\nnetwork +none\n' "status ID: network"
    assert_match "$OUT" "network-ns +absent +container-boundary: no network namespace: network allow" \
        "status ID: the layer"
    assert_contains "$OUT" "environment      container-boundary" "status ID: the mode"
}

# the same policy for a bundle under `run` (foreground), with real traffic
# and the bundle's own audit log
t_bundle_run() {
    n_setup
    local p b=$WS/bundle id log a
    p=$(free_port)
    http_server "$p"
    log=$(bundle_log run)
    allow_bundle "$b" "$p" "$log" sh -c "
        wget -q -O - http://allowed.test:$p/; echo rc=\$?
        wget -q -O - http://denied.test:$p/ 2>&1; echo rc=\$?"
    id=$(new_id)
    rtc run --bundle "$b" "$id"
    assert_ok "run"
    assert_eq "$(sed -n 1,2p <<<"$OUT")" "hello-from-host
rc=0" "allowed name through the proxy"
    assert_match "$(sed -n 3,4p <<<"$OUT")" "403 Forbidden.*rc=1" "unlisted name: 403"
    [ -s "$log" ] || fail "no audit log $log"
    a=$(cat "$log")
    assert_match "$a" '"event":"network.allow","id":"'"$id"'".*"host":"allowed.test","port":'"$p"',"rule":"allowed.test:'"$p"'","via":"http-proxy","address":"127.0.0.1","bytes_out":[1-9][0-9]*,"bytes_in":[1-9]' "audit: network.allow"
    assert_match "$a" '"event":"network.deny","id":"'"$id"'".*"host":"denied.test","port":'"$p"',"rule":"not on the allow list"' "audit: network.deny"
    no_leaks "$id"
}

# the supervisor ends by itself when the init ends normally: after
# create/start (the state stays until delete), and with `run`
t_bundle_exit() {
    n_setup
    local p b=$WS/bundle id sp
    p=$(free_port)
    http_server "$p"
    allow_bundle "$b" "$p" "" sh -c "wget -q -O /got http://allowed.test:$p/"
    id=$(new_id)
    rt_ok create --bundle "$b" "$id"
    sp=$(sup_pid "$id")
    assert_match "$sp" '^[0-9]+$' "network.pid recorded"
    track_pid "$sp"
    _pid_alive "$sp" || fail "supervisor $sp not running after create"
    rt_ok start "$id"
    wait_status "$id" stopped 100
    gone "$sp" || fail "supervisor $sp outlived the init ($(tr '\0' ' ' <"/proc/$sp/cmdline"))"
    assert_eq "$(cat "$b/rootfs/got")" hello-from-host "the init's request"
    rt_ok status --json "$id"
    assert_eq "$(jqo '.network_counters | [.final, .allowed, .open] | @tsv')" "true	1	0" \
        "the final counters, after the init ended"
    rt_ok delete "$id"
    no_leaks "$id"
    # run: the supervisor lives while the container runs, and not after
    b=$WS/bundle2
    allow_bundle "$b" "$p" "" sh -c "wget -q -O /got2 http://allowed.test:$p/; while [ ! -e /finish ]; do sleep 0.1; done"
    id=$(new_id)
    rt run --bundle "$b" "$id" >"$WS/run.out" 2>"$WS/run.err" &
    local bg=$!
    wait_file "$b/rootfs/got2" 100 || { kill $bg; fail "no request from the container: $(cat "$WS/run.err")"; }
    sp=$(sup_pid "$id")
    track_pid "$sp"
    _pid_alive "$sp" || fail "supervisor $sp not running during run"
    touch "$b/rootfs/finish"
    wait $bg || fail "run failed: $(cat "$WS/run.err")"
    gone "$sp" || fail "supervisor $sp outlived run"
    no_leaks "$id"
}

# the spliced data path (proxy.c: pipes, grown for bulk transfers): bytes
# arrive intact both ways, through HTTP_PROXY, a CONNECT tunnel and
# transparent capture, and the counters add them up
t_splice_integrity() {
    n_setup
    local p sum
    p=$(free_port)
    head -c 24M /dev/urandom >"$WS/www/big"
    sum=$(sha256sum <"$WS/www/big" | cut -d' ' -f1)
    cat >"$WS/echo.py" <<'PY'
import hashlib, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n > 0:
            d = self.rfile.read(min(n, 1 << 16))
            if not d:
                break
            h.update(d)
            n -= len(d)
        body = (h.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    (cd "$WS/www" && exec python3 "$WS/echo.py" "$p") >"$WS/echo.log" 2>&1 &
    SERVERS+=($!)
    wait_port "$p"
    rtc sandbox --network "allow:allowed.test:$p" --resolve allowed.test=127.0.0.1 -- sh -c "
        curl -sS -m 60 http://allowed.test:$p/big | sha256sum
        curl -sS -m 60 -p http://allowed.test:$p/big | sha256sum
        curl -sS -m 60 --data-binary @www/big http://allowed.test:$p/up
        curl -sS -m 60 -p --data-binary @www/big http://allowed.test:$p/up"
    assert_ok "sandbox"
    assert_eq "$OUT" "$sum  -
$sum  -
$sum
$sum" "24 MiB down and up, through HTTP_PROXY and CONNECT"
    # transparent capture of port 80 needs the server there
    if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 80))' 2>/dev/null; then
        (cd "$WS/www" && exec python3 "$WS/echo.py" 80) >"$WS/echo80.log" 2>&1 &
        SERVERS+=($!)
        wait_port 80
        rtc sandbox --network "allow:allowed.test" --resolve allowed.test=127.0.0.1 -- sh -c "
            curl -sS -m 60 --noproxy '*' http://allowed.test/big | sha256sum
            curl -sS -m 60 --noproxy '*' --data-binary @www/big http://allowed.test/up"
        assert_ok "sandbox, transparent"
        assert_eq "$OUT" "$sum  -
$sum" "24 MiB down and up, transparently"
    else
        note "127.0.0.1:80 is taken: the transparent half is covered by test_network_allow"
    fi
}

run_case net_exec_env t_exec_env
run_case net_status_counters t_status_counters
run_case net_status_sandbox t_status_sandbox
run_case net_boundary_allow t_boundary_allow
run_case net_bundle_run t_bundle_run
run_case net_bundle_exit t_bundle_exit
run_case net_splice_integrity t_splice_integrity
finish
