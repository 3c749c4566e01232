#!/usr/bin/env bash
# Snapshots (issue #6): paddock snapshot create|list|rm|gc|verify|flatten and
# sandbox|run --from-snapshot: of a stopped workspace (its upper layer moved,
# not copied) and of a running one (frozen: cgroup or SIGSTOP); forks that
# diverge without seeing each other; rm refused while in use; a kill -9 at
# each step of create, rm and flatten, after which the store verifies and
# nothing is lost; a missing snapshot and a damaged store; the base moving
# (git HEAD) with a warning or --strict-base; the lower-layer limit and
# flatten; as root and as the unprivileged test user.
# paddock's own commands: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

snap_setup() {
    is_paddock || { note "snapshots are paddock's own"; exit 0; }
    WS=$T/ws.$BASHPID
    STORE=$T/store.$BASHPID
    mkdir -p "$WS/src"
    chmod 0755 "$WS"
    printf 'base\n' >"$WS/src/main.c"
    printf 'readme\n' >"$WS/README"
    cd "$WS" || fail "cd $WS"
}

wrt() { rtc --store "$STORE" "$@"; }
sb() { wrt sandbox "$@"; }

# list_names: the snapshot names of `snapshot list --json`
list_names() {
    rt --store "$STORE" snapshot list --json | jq -r '[.[].name] | join(" ")'
}

# A stopped workspace: the snapshot's layer is the former upper layer (same
# inode: moved, not copied); the workspace goes on from it, showing the same.
t_stopped() {
    snap_setup
    need_cmd jq
    sb --workspace-overlay --name w -- sh -c 'echo dep > deps.lock && echo changed >> src/main.c'
    assert_ok
    local ino
    ino=$(stat -c %i "$STORE/workspaces/w/upper")
    XDG_STATE_HOME=$T/xdg wrt snapshot create w s1
    assert_ok
    assert_eq "$OUT" "snapshot s1 created from w" "create"
    assert_eq "$(jq -r 'select(.event == "snapshot.create") | [.name, .from] | join(" ")' "$T/xdg/paddock/audit.log")" \
        "s1 w" "snapshot.create in the audit log"
    assert_eq "$(stat -c %i "$STORE/snapshots/s1/layer")" "$ino" "the layer is the former upper layer (moved)"
    wrt snapshot list --json
    assert_ok
    assert_eq "$(jq -r '.[0] | [.name, (.parent | tostring), .from, .files, .bytes, .base.path, .running] | join(" ")' <<<"$OUT")" \
        "s1 null w 2 17 $WS false" "list --json"
    wrt snapshot list
    assert_contains "$OUT" "s1 "
    sb --workspace-overlay --name w -- sh -c 'cat deps.lock src/main.c'
    assert_ok
    assert_eq "$OUT" "dep
base
changed" "the workspace goes on from s1"
    wrt workspace diff --stat w
    assert_eq "$OUT" "A  deps.lock  (+1 -0)
M  src/main.c  (+1 -0)
1 added, 1 modified, 0 deleted" "diff over the whole chain"
    wrt snapshot verify
    assert_ok
    assert_contains "$OUT" "ok: 1 snapshot(s), 1 workspace(s), 0 problem(s)"
    [ ! -e "$WS/deps.lock" ] || fail "the host changed"
    no_leaks "$WS"
}

# A running sandbox: frozen (SIGSTOP without a cgroup, the freezer with
# --memory), its upper layer copied, thawed; it goes on and ends normally.
running_case() {
    snap_setup
    local go=$T/go.$BASHPID
    local pid
    "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" sandbox --workspace-overlay --name r "$@" -- \
        sh -c "i=0; while [ \$i -lt 50 ]; do echo \$i >> count; i=\$((i+1)); done; echo ready > ready;
               while [ ! -e $go ]; do echo tick >> ticks; sleep 0.02; done; echo done > done" \
        >/dev/null 2>"$T/bg.err" &
    pid=$!
    track_pid "$pid"
    wait_file "$STORE/workspaces/r/upper/ready" 100 || fail "the sandbox did not start: $(cat "$T/bg.err")"
    rt --store "$STORE" --debug snapshot create r live >"$T/out" 2>"$T/err" || fail "create: $(cat "$T/err")"
    assert_contains "$(cat "$T/err")" "copying it frozen"
    assert_contains "$(cat "$T/err")" "${FREEZE_HOW}"
    kill -0 "$pid" 2>/dev/null || fail "the sandbox ended during the snapshot"
    assert_eq "$(wc -l <"$STORE/snapshots/live/layer/count")" 50 "a whole file in the copy"
    assert_eq "$(cat "$STORE/snapshots/live/layer/ready")" ready "the copy"
    touch "$go"
    wait "$pid" || fail "the sandbox failed after the snapshot: $(cat "$T/bg.err")"
    [ -e "$STORE/workspaces/r/upper/done" ] || fail "the sandbox did not go on"
    [ ! -e "$STORE/snapshots/live/layer/done" ] || fail "the snapshot changed afterwards"
    wrt snapshot list --json
    assert_eq "$(jq -r '.[0] | [.name, .running] | join(" ")' <<<"$OUT")" "live true" "running"
    sb --from-snapshot live --name fromlive -- sh -c 'wc -l < count; test -e done && echo done'
    assert_eq "$OUT" 50 "a sandbox from the live snapshot"
    no_leaks "$WS"
}

t_running() { FREEZE_HOW="process(es) stopped" running_case; }

t_running_cgroup() {
    [ -d /sys/fs/cgroup/freezer ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
        fail "no freezer on this host"
    FREEZE_HOW="frozen through its cgroup" running_case --memory 256m
}

# Two forks of one snapshot, running at the same time, each writing the same
# file: neither sees the other's, nor does the snapshot.
t_forks() {
    snap_setup
    sb --workspace-overlay --name base -- sh -c 'echo shared > shared'
    assert_ok
    wrt snapshot create base s
    assert_ok
    local go=$T/go.$BASHPID p1 p2
    for f in a b; do
        "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" sandbox --from-snapshot s --name "fork-$f" -- \
            sh -c "cat shared > seen; echo $f > attempt; while [ ! -e $go ]; do sleep 0.02; done; cat attempt" \
            >"$T/fork-$f.out" 2>"$T/fork-$f.err" &
        eval "p$([ $f = a ] && echo 1 || echo 2)=\$!"
    done
    track_pid "$p1"
    track_pid "$p2"
    wait_file "$STORE/workspaces/fork-a/upper/attempt" 100 || fail "fork a: $(cat "$T/fork-a.err")"
    wait_file "$STORE/workspaces/fork-b/upper/attempt" 100 || fail "fork b: $(cat "$T/fork-b.err")"
    touch "$go"
    wait "$p1" || fail "fork a failed: $(cat "$T/fork-a.err")"
    wait "$p2" || fail "fork b failed: $(cat "$T/fork-b.err")"
    assert_eq "$(cat "$T/fork-a.out") $(cat "$T/fork-b.out")" "a b" "each fork sees its own"
    assert_eq "$(cat "$STORE/workspaces/fork-a/upper/seen")" shared "the snapshot under fork a"
    sb --workspace-overlay --name fork-a -- cat attempt
    assert_eq "$OUT" a "fork a again"
    [ ! -e "$STORE/snapshots/s/layer/attempt" ] || fail "a fork wrote into the snapshot"
    [ ! -e "$WS/attempt" ] || fail "a fork wrote into the host"
    no_leaks "$WS"
}

# rm is refused while a workspace or a child snapshot uses it.
t_rm_in_use() {
    snap_setup
    sb --workspace-overlay --name w -- sh -c 'echo 1 > one'
    wrt snapshot create w s1
    assert_ok
    wrt snapshot rm s1
    assert_failed
    assert_err_contains "snapshot s1 is in use by workspace w"
    sb --workspace-overlay --name w -- sh -c 'echo 2 > two'
    wrt snapshot create w s2
    assert_ok
    wrt workspace discard w
    assert_ok
    wrt snapshot rm s1
    assert_failed
    assert_err_contains "snapshot s1 is in use by snapshot s2"
    wrt snapshot rm s2
    assert_ok
    wrt snapshot rm s1
    assert_ok
    assert_eq "$(list_names)" "" "snapshots left"
    wrt snapshot rm s1
    assert_failed
    assert_err_contains "no snapshot \"s1\""
    no_leaks "$WS"
}

# A kill -9 (PADDOCK_FAULT raises SIGKILL) at every step of create, rm and
# flatten: the store verifies, list shows the old or the new state, and the
# workspace's changes are all still there.
t_crash() {
    snap_setup
    need_cmd jq
    sb --workspace-overlay --name w -- sh -c 'mkdir -p build && echo obj > build/main.o && echo edit >> src/main.c'
    assert_ok
    local want point
    want=$(rt --store "$STORE" workspace diff w)
    for point in journaled staged moved committed parent; do
        PADDOCK_FAULT=snapshot-create.$point rtc --store "$STORE" snapshot create w "c-$point"
        assert_eq "$RC" 137 "create killed at $point"
        wrt snapshot verify
        assert_ok
        assert_contains "$OUT" "0 problem(s)"
        local names
        names=$(list_names)
        case $point in
            journaled | staged | moved) assert_not_contains " $names " " c-$point " "a half snapshot listed ($point)" ;;
            *) assert_contains " $names " " c-$point " "a committed snapshot not listed ($point)" ;;
        esac
        wrt workspace diff w
        assert_ok
        assert_eq "$OUT" "$want" "the workspace's changes after a kill at $point"
    done
    sb --workspace-overlay --name w -- cat build/main.o
    assert_eq "$OUT" obj "the workspace still runs"
    # rm: killed once the snapshot is renamed away (committed)
    sb --workspace-overlay --name other -- sh -c 'echo o > o'
    wrt snapshot create other r1
    assert_ok
    wrt workspace discard other
    PADDOCK_FAULT=snapshot-rm.renamed rtc --store "$STORE" snapshot rm r1
    assert_eq "$RC" 137 "rm killed"
    wrt snapshot verify
    assert_ok
    assert_contains "$OUT" "0 problem(s)"
    assert_not_contains " $(list_names) " " r1 " "a removed snapshot still listed"
    # flatten: killed before the exchange (old state), after it (new state)
    local flat
    for point in staged exchanged; do
        PADDOCK_FAULT=snapshot-flatten.$point rtc --store "$STORE" snapshot flatten c-parent
        assert_eq "$RC" 137 "flatten killed at $point"
        wrt snapshot verify
        assert_ok
        assert_contains "$OUT" "0 problem(s)"
        flat=$(rt --store "$STORE" snapshot list --json | jq -r '.[] | select(.name == "c-parent") | .flattened')
        assert_eq "$flat" "$([ $point = staged ] && echo false || echo true)" "flattened after a kill at $point"
        wrt workspace diff w
        assert_eq "$OUT" "$want" "the workspace's changes after a kill of flatten at $point"
    done
    wrt snapshot gc
    assert_ok
    wrt snapshot verify
    assert_ok
    assert_not_contains "$OUT" "note:"
    no_leaks "$WS"
}

# --from-snapshot with a missing name, and with a damaged store: a clear
# error, nothing made, nothing lost.
t_missing_corrupt() {
    snap_setup
    sb --workspace-overlay --name w -- sh -c 'echo keep > keep'
    wrt snapshot create w good
    assert_ok
    sb --workspace-overlay --name w -- sh -c 'echo more > more'
    wrt snapshot create w bad
    assert_ok
    sb --from-snapshot nope -- true
    assert_eq "$RC" 125 "a missing snapshot"
    assert_err_contains "no snapshot \"nope\""
    assert_eq "$(ls "$STORE/workspaces")" w "no workspace made"
    printf '{"name": "bad", "kind"' >"$STORE/snapshots/bad/meta.json"
    sb --from-snapshot bad --name x -- true
    assert_eq "$RC" 125 "a damaged snapshot"
    assert_err_contains "snapshot bad"
    assert_err_contains "the store is damaged: paddock snapshot verify"
    wrt snapshot verify
    assert_eq "$RC" 1 "verify on a damaged store"
    assert_contains "$OUT" "problem: snapshot bad"
    assert_contains "$OUT" "damaged:"
    sb --from-snapshot good --name y -- cat keep
    assert_ok
    assert_eq "$OUT" keep "another snapshot still works"
    local id b=$T/bundle.$BASHPID
    make_bundle "$b" true
    id=$(new_id)
    wrt run --bundle "$b" --from-snapshot nope "$id"
    assert_failed
    assert_err_contains "no snapshot \"nope\""
    [ -e "$WS/README" ] && [ ! -e "$WS/keep" ] || fail "the host changed"
    no_leaks "$WS"
}

# The base is recorded (git HEAD, clean); a moved HEAD warns, --strict-base
# refuses.
t_base_git() {
    snap_setup
    need_cmd git
    git -C "$WS" init -q && git -C "$WS" -c user.email=t@t -c user.name=t add -A &&
        git -C "$WS" -c user.email=t@t -c user.name=t commit -qm one || fail "git"
    local head
    head=$(git -C "$WS" rev-parse HEAD)
    sb --workspace-overlay --name w -- sh -c 'echo x > x'
    assert_ok
    wrt snapshot create w s
    assert_ok
    assert_eq "$(rt --store "$STORE" snapshot list --json | jq -r '.[0].base.git | [.head, .clean] | join(" ")')" \
        "$head true" "recorded base"
    sb --from-snapshot s --name a -- true
    assert_ok
    assert_not_contains "$ERR" "moved"
    echo two >>"$WS/README"
    git -C "$WS" -c user.email=t@t -c user.name=t commit -qam two || fail "git commit"
    sb --from-snapshot s --name b -- true
    assert_ok
    assert_contains "$ERR" "snapshot s: its base has moved since it was recorded: HEAD moved from $head to $(git -C "$WS" rev-parse HEAD)"
    sb --from-snapshot s --name c --strict-base -- true
    assert_eq "$RC" 125 "--strict-base"
    assert_contains "$ERR" "--strict-base refuses"
    [ ! -d "$STORE/workspaces/c" ] || fail "a workspace was made"
    echo dirty >>"$WS/README"
    sb --from-snapshot s --name d -- true
    assert_contains "$ERR" "uncommitted changes"
    rm -rf "$WS/.git"
    no_leaks "$WS"
}

# A chain deeper than overlayfs stacks is refused (the limit lowered for the
# test: PADDOCK_OVERLAY_MAX_LAYERS); flatten makes it one layer.
t_depth_flatten() {
    snap_setup
    local i
    for i in 1 2; do
        sb --workspace-overlay --name w -- sh -c "echo $i > f$i && echo $i >> log"
        assert_ok
        wrt snapshot create w "s$i"
        assert_ok
    done
    export PADDOCK_OVERLAY_MAX_LAYERS=2
    sb --workspace-overlay --name w -- sh -c 'echo 3 > f3'
    assert_eq "$RC" 125 "three lower layers with a limit of 2"
    assert_contains "$ERR" "3 lower layers (a chain of 2 snapshots from s2, and the base) are more than overlayfs stacks (2): \`paddock snapshot flatten s2\`"
    wrt snapshot create w s3
    assert_failed
    assert_err_contains "paddock snapshot flatten s2"
    wrt snapshot flatten s2
    assert_ok
    wrt snapshot list --json
    assert_eq "$(jq -r '.[] | select(.name == "s2") | [(.parent | tostring), .flattened] | join(" ")' <<<"$OUT")" \
        "null true" "flattened"
    sb --workspace-overlay --name w -- sh -c 'cat f1 f2 log; echo 3 > f3'
    assert_ok
    assert_eq "$OUT" "1
2
1
2" "the flattened chain"
    wrt snapshot rm s1
    assert_ok
    unset PADDOCK_OVERLAY_MAX_LAYERS
    no_leaks "$WS"
}

# As the test user: stopped and running snapshots, a fork, verify.
t_rootless() {
    snap_setup
    rootless_setup
    chown -R "$TEST_USER:" "$WS"
    local us=$T/ustore.$BASHPID go=$T/ugo.$BASHPID
    mkdir -p "$us" && chown "$TEST_USER:" "$us"
    urtc --store "$us" sandbox --workspace-overlay --name u -- sh -c 'echo one > one'
    assert_ok
    urtc --store "$us" snapshot create u s1
    assert_ok
    as_user timeout 30 "$UR" --store "$us" sandbox --from-snapshot s1 --name f -- \
        sh -c "cat one > seen; while [ ! -e $go ]; do sleep 0.02; done" >/dev/null 2>"$T/u.err" &
    local pid=$!
    track_pid "$pid"
    wait_file "$us/workspaces/f/upper/seen" 100 || fail "the fork did not start: $(cat "$T/u.err")"
    urtc --debug --store "$us" snapshot create f live
    assert_ok
    assert_contains "$ERR" "process(es) stopped"
    touch "$go"
    wait "$pid" || fail "the fork failed: $(cat "$T/u.err")"
    assert_eq "$(cat "$us/snapshots/live/layer/seen")" one "the running copy"
    urtc --store "$us" snapshot verify
    assert_ok
    urtc --store "$us" snapshot rm s1
    assert_failed
    no_leaks "$WS"
}

run_case snap_stopped t_stopped
run_case snap_running t_running
run_case snap_running_cgroup t_running_cgroup
run_case snap_forks t_forks
run_case snap_rm_in_use t_rm_in_use
run_case snap_crash t_crash
run_case snap_missing_corrupt t_missing_corrupt
run_case snap_base_git t_base_git
run_case snap_depth_flatten t_depth_flatten
run_case snap_rootless t_rootless
finish
