#!/usr/bin/env bash
# Overlay workspaces (issue #6): paddock sandbox --workspace-overlay [--name]
# and bundles with dev.paddock.workspace.kind / rootfs.kind = overlay; the
# host directory stays untouched until `workspace apply`; diff (unified,
# --stat, --json) with whiteouts and opaque directories; apply with
# conflicts, --force, --dry-run, protected paths, modes, symlinks and
# deletions; discard; in use; as root and as the unprivileged test user.
# paddock's own commands: with another RUNTIME every case passes vacuously.
source "$(dirname "$0")/lib.sh"

# ws_setup: a workspace $WS (cwd of the case) with a few files, and a store
# $STORE of the case's own.
ws_setup() {
    is_paddock || { note "workspaces are paddock's own"; exit 0; }
    WS=$T/ws.$BASHPID
    STORE=$T/store.$BASHPID
    mkdir -p "$WS/d" "$WS/e"
    chmod 0755 "$WS"
    printf 'one\ntwo\nthree\n' >"$WS/a.txt"
    printf 'keep\n' >"$WS/b.txt"
    printf 'x\n' >"$WS/d/x"
    printf 'z\n' >"$WS/e/z"
    printf '#!/bin/sh\n' >"$WS/run.sh"
    ln -s a.txt "$WS/link"
    cd "$WS" || fail "cd $WS"
    SNAP_BEFORE=$(tree_of "$WS")
}

# tree_of DIR: every path with its type, mode, size and content hash (or
# symlink target), sorted: equal listings mean equal trees.
tree_of() {
    (cd "$1" && find . -mindepth 1 \( -name '.paddock-apply-*' -prune \) -o -printf '%p %y %m %s %l\n' | sort |
        while read -r p y m s l; do
            if [ "$y" = f ]; then echo "$p $y $m $s $(md5sum <"$p" | cut -c1-12)"; else echo "$p $y $m $l"; fi
        done)
}

wrt() { rtc --store "$STORE" "$@"; }
sb() { wrt sandbox "$@"; }

# the name of the only workspace in $STORE
only_ws() { ls "$STORE/workspaces"; }

# The agent's edits: modify, delete (whiteout), replace a directory (opaque),
# add, chmod, retarget a symlink.
EDITS='echo four >> a.txt && rm b.txt && rm -rf e && mkdir e && echo n > e/new &&
       echo new > n.txt && chmod 755 run.sh && ln -sfn n.txt link && mkdir -p f/g && echo deep > f/g/h'

t_overlay() {
    ws_setup
    sb --workspace-overlay -- sh -c "$EDITS && cat a.txt | wc -l && ls e"
    assert_ok
    assert_eq "$OUT" "4
new" "the command's view"
    assert_eq "$(tree_of "$WS")" "$SNAP_BEFORE" "the host directory after the run"
    local w
    w=$(only_ws)
    assert_match "$w" '^sandbox-[0-9]+-[0-9a-f]{8}$' "workspace name"
    assert_contains "$ERR" "kept as $w: paddock workspace diff $w"
    wrt workspace diff --stat "$w"
    assert_ok
    assert_eq "$OUT" "M  a.txt  (+1 -0)
D  b.txt  (+0 -1)
A  e/new  (+1 -0)
D  e/z  (opaque directory)  (+0 -1)
A  f/
A  f/g/
A  f/g/h  (+1 -0)
M  link  (+1 -1)
A  n.txt  (+1 -0)
M  run.sh  (mode 0644 -> 0755)
5 added, 3 modified, 2 deleted" "diff --stat"
    [ -z "$(state_left "$STATE_ROOT")" ] || fail "state left: $(state_left "$STATE_ROOT")"
    no_leaks "$WS"
}

t_diff_unified() {
    ws_setup
    seq 1 20 >"$WS/nums"
    printf '\x00\x01bin' >"$WS/blob"
    sb --workspace-overlay -- sh -c 'sed -i "s/^5$/five/; s/^17$/seventeen/" nums && printf "\x00\x02bin" > blob && rm b.txt && ln -sfn n.txt link'
    assert_ok
    wrt workspace diff "$(only_ws)"
    assert_ok
    assert_eq "$OUT" "diff --paddock a/b.txt b/b.txt
deleted file mode 100644
--- a/b.txt
+++ /dev/null
@@ -1 +0,0 @@
-keep
diff --paddock a/blob b/blob
Binary files a/blob and b/blob differ
diff --paddock a/link b/link
--- a/link
+++ b/link
@@ -1 +1 @@
-a.txt
\\ No newline at end of file
+n.txt
\\ No newline at end of file
diff --paddock a/nums b/nums
--- a/nums
+++ b/nums
@@ -2,7 +2,7 @@
 2
 3
 4
-5
+five
 6
 7
 8
@@ -14,7 +14,7 @@
 14
 15
 16
-17
+seventeen
 18
 19
 20" "unified diff"
    no_leaks "$WS"
}

t_diff_json() {
    ws_setup
    need_cmd jq
    sb --workspace-overlay -- sh -c "$EDITS"
    assert_ok
    wrt workspace diff --json "$(only_ws)"
    assert_ok
    assert_eq "$(jq -r '[.added, .modified, .deleted] | join(" ")' <<<"$OUT")" "5 3 2" "counts"
    assert_eq "$(jq -r '.changes[] | select(.path == "b.txt") | [.change, .type, .whiteout] | join(" ")' <<<"$OUT")" \
        "deleted file true" "b.txt: a whiteout"
    assert_eq "$(jq -r '.changes[] | select(.path == "e/z") | [.change, .whiteout] | join(" ")' <<<"$OUT")" \
        "deleted false" "e/z: hidden by the opaque directory e"
    assert_eq "$(jq -r '.changes[] | select(.path == "run.sh") | [.change, .old_mode, .mode] | join(" ")' <<<"$OUT")" \
        "modified 0644 0755" "run.sh: mode"
    assert_eq "$(jq -r '.changes[] | select(.path == "link") | .type' <<<"$OUT")" symlink "link"
    assert_eq "$(jq -r '.base, .kind, (.parent | tostring)' <<<"$OUT" | tr '\n' ' ')" "$WS dir null " "base"
    no_leaks "$WS"
}

# Apply: the host ends up as the command saw it (whiteouts and the opaque
# directory applied: b.txt and e/z gone, e/new there), with modes and
# symlinks; an unnamed workspace is gone afterwards.
t_apply() {
    ws_setup
    sb --workspace-overlay -- sh -c "$EDITS && cd $WS && find . -mindepth 1 -printf '%p %y %m %s %l\n' | sort"
    assert_ok
    # (the placeholders of missing protected directories are the host's, for the run)
    local inside w
    inside=$(grep -vE '^\./\.(agents|claude|codex|paddock) ' <<<"$OUT")
    w=$(only_ws)
    wrt workspace apply --dry-run "$w"
    assert_ok
    assert_contains "$OUT" "dry run: 10 change(s) would be applied to $WS"
    assert_eq "$(tree_of "$WS")" "$SNAP_BEFORE" "the host after --dry-run"
    wrt workspace apply "$w"
    assert_ok
    assert_contains "$OUT" "applied 10 change(s) to $WS"
    assert_eq "$(cd "$WS" && find . -mindepth 1 -printf '%p %y %m %s %l\n' | sort)" "$inside" "the host after apply"
    assert_eq "$(cat "$WS/e/new") $(readlink "$WS/link") $(stat -c %a "$WS/run.sh")" "n n.txt 755" "content, symlink, mode"
    [ ! -e "$WS/b.txt" ] && [ ! -e "$WS/e/z" ] || fail "deletions not applied"
    assert_eq "$(ls "$STORE/workspaces")" "" "workspaces left"
    no_leaks "$WS"
}

# A host change since the start is a conflict: nothing is applied; --force
# applies over it.
t_apply_conflict() {
    ws_setup
    sb --workspace-overlay --name c1 -- sh -c "$EDITS"
    assert_ok
    echo host >>"$WS/a.txt"
    rm "$WS/d/x"
    local before
    before=$(tree_of "$WS")
    wrt workspace apply c1
    assert_eq "$RC" 1 "apply with a conflict"
    assert_contains "$OUT" "conflict: a.txt: changed on the host since the workspace started"
    assert_contains "$OUT" "refused: nothing was applied"
    assert_eq "$(tree_of "$WS")" "$before" "the host after a refused apply"
    wrt workspace apply --dry-run c1
    assert_eq "$RC" 1 "dry run with a conflict"
    wrt workspace apply --force c1
    assert_ok
    assert_contains "$OUT" "conflict: a.txt: changed on the host since the workspace started (--force)"
    assert_eq "$(cat "$WS/a.txt")" "one
two
three
four" "a.txt: the workspace's"
    [ ! -e "$WS/d/x" ] || fail "d/x came back"
    # named: still there, empty, on the new host state
    wrt workspace diff --stat c1
    assert_ok
    assert_eq "$OUT" "0 added, 0 modified, 0 deleted" "diff after apply"
    no_leaks "$WS"
}

# A file the workspace changed and the host deleted meanwhile.
t_apply_host_deleted() {
    ws_setup
    sb --workspace-overlay --name hd -- sh -c 'echo more >> d/x'
    assert_ok
    rm "$WS/d/x"
    wrt workspace apply hd
    assert_eq "$RC" 1 "apply"
    assert_contains "$OUT" "conflict: d/x: deleted on the host since the workspace started"
    [ ! -e "$WS/d/x" ] || fail "d/x applied"
    no_leaks "$WS"
}

# Protected paths are read-only inside the overlay too; a repository the
# command creates (its hooks) is refused by apply unless --allow-protected.
# The host replaced a directory with a symlink out of the workspace: apply
# never writes through it (--force replaces the symlink with the directory).
t_apply_symlink() {
    ws_setup
    local out=$T/outside.$BASHPID
    mkdir -p "$out"
    sb --workspace-overlay --name sl -- sh -c 'echo more >> e/z && echo n > e/new'
    assert_ok
    rm -rf "$WS/e"
    ln -s "$out" "$WS/e"
    wrt workspace apply sl
    assert_eq "$RC" 1 "apply through a symlink"
    assert_contains "$OUT" "conflict: e: changed on the host"
    wrt workspace apply --force sl
    assert_ok
    assert_eq "$(ls -A "$out")" "" "nothing written outside"
    [ -d "$WS/e" ] && [ ! -L "$WS/e" ] || fail "e is not a directory again"
    assert_eq "$(cat "$WS/e/new")" n "e/new"
    no_leaks "$WS"
}

t_protected() {
    ws_setup
    mkdir -p "$WS/.git/hooks"
    echo '[core]' >"$WS/.git/config"
    sb --workspace-overlay --name p1 -- sh -c 'echo x > .git/hooks/pre-commit'
    assert_ne "$RC" 0 "write to .git/hooks"
    assert_contains "$ERR" "Read-only file system"
    sb --workspace-overlay --name p1 -- sh -c 'mkdir -p sub/.git/hooks && echo evil > sub/.git/hooks/post-checkout && echo ok > ok.txt && echo o > .git/objects-x'
    assert_ok
    wrt workspace apply p1
    assert_eq "$RC" 1 "apply with protected paths"
    assert_contains "$OUT" "protected: sub/.git"
    assert_contains "$OUT" "protected: sub/.git/hooks/post-checkout"
    [ ! -e "$WS/ok.txt" ] || fail "applied although refused"
    wrt workspace apply --allow-protected p1
    assert_ok
    assert_eq "$(cat "$WS/sub/.git/hooks/post-checkout") $(cat "$WS/ok.txt")" "evil ok" "applied"
    no_leaks "$WS"
}

t_discard() {
    ws_setup
    sb --workspace-overlay -- sh -c "$EDITS"
    assert_ok
    local w
    w=$(only_ws)
    wrt workspace list
    assert_ok
    assert_contains "$OUT" "$w"
    wrt workspace discard "$w"
    assert_ok
    assert_eq "$(tree_of "$WS")" "$SNAP_BEFORE" "the host after discard"
    assert_eq "$(ls "$STORE/workspaces")" "" "workspaces after discard"
    wrt workspace diff "$w"
    assert_failed
    assert_err_contains "no workspace \"$w\""
    no_leaks "$WS"
}

# --name: one reviewable layer across runs; without a name and without a
# change, nothing is kept.
t_named() {
    ws_setup
    sb --workspace-overlay --name task -- sh -c 'echo 1 > step1'
    assert_ok
    assert_not_contains "$ERR" "kept as"
    sb --workspace-overlay --name task -- sh -c 'cat step1 && echo 2 > step2'
    assert_ok
    assert_eq "$OUT" 1 "the second run sees the first's change"
    wrt workspace diff --stat task
    assert_eq "$OUT" "A  step1  (+1 -0)
A  step2  (+1 -0)
2 added, 0 modified, 0 deleted" "one layer for the task"
    sb --workspace-overlay -- true
    assert_ok
    assert_eq "$(ls "$STORE/workspaces")" task "a run without change keeps nothing"
    [ ! -e "$WS/step1" ] || fail "the host changed"
    no_leaks "$WS"
}

# In use: apply, discard and a second sandbox on the same name are refused.
t_in_use() {
    ws_setup
    local go=$T/go.$BASHPID
    "$RUNTIME" --root "$STATE_ROOT" --store "$STORE" sandbox --workspace-overlay --name busy -- \
        sh -c "echo started > started; while [ ! -e $go ]; do sleep 0.05; done" >/dev/null 2>"$T/bg.err" &
    local pid=$!
    track_pid "$pid"
    wait_file "$STORE/workspaces/busy/upper/started" 100 || fail "the sandbox did not start: $(cat "$T/bg.err")"
    wrt workspace apply busy
    assert_failed
    assert_err_contains "workspace busy is in use by sandbox-$pid-"
    wrt workspace discard busy
    assert_failed
    assert_err_contains "in use"
    sb --workspace-overlay --name busy -- true
    assert_eq "$RC" 125 "a second sandbox on it"
    assert_err_contains "workspace busy is in use"
    wrt workspace diff --stat busy
    assert_ok
    assert_contains "$OUT" "A  started"
    touch "$go"
    wait "$pid" || fail "the sandbox failed: $(cat "$T/bg.err")"
    wrt workspace discard busy
    assert_ok
    no_leaks "$WS"
}

t_usage() {
    ws_setup
    sb --name x -- true
    assert_eq "$RC" 2 "--name without an overlay"
    assert_contains "$ERR" "--name names an overlay workspace"
    sb --workspace-overlay --sandbox read-only -- true
    assert_eq "$RC" 2 "--workspace-overlay read-only"
    sb --workspace-overlay --name 'bad/name' -- true
    assert_eq "$RC" 125 "a bad name"
    assert_contains "$ERR" "--name \"bad/name\": expected a letter or digit"
    wrt workspace frob x
    assert_eq "$RC" 2 "unknown command"
    wrt workspace diff
    assert_eq "$RC" 2 "no name"
    wrt workspace --help
    assert_ok
    assert_contains "$OUT" "Usage: paddock workspace COMMAND"
    # a store on overlayfs can't hold upper layers: said clearly
    local o=$T/ovl.$BASHPID
    mkdir -p "$o/l" "$o/u" "$o/w" "$o/m"
    mount -t overlay overlay -o "lowerdir=$o/l,upperdir=$o/u,workdir=$o/w" "$o/m" || fail "mount overlay"
    rtc --store "$o/m/store" sandbox --workspace-overlay -- true
    local rc=$RC err=$ERR
    umount "$o/m"
    assert_eq "$rc" 125 "store on overlayfs"
    assert_contains "$err" "is on overlayfs, which can't hold an overlayfs upper layer"
    no_leaks "$WS"
}

# As the test user: the overlay in the sandbox's user namespace (userxattr),
# files its own, diff, a conflict, --force, discard.
t_rootless() {
    ws_setup
    rootless_setup
    chown -R "$TEST_USER:" "$WS"
    local us=$T/ustore.$BASHPID
    mkdir -p "$us" && chown "$TEST_USER:" "$us"
    urtc --store "$us" sandbox --workspace-overlay --name u -- sh -c "$EDITS && id -u && stat -c %u n.txt"
    assert_ok
    assert_eq "$OUT" "$USER_UID
$USER_UID" "identity and owner inside"
    assert_eq "$(tree_of "$WS")" "$SNAP_BEFORE" "the host after the run"
    assert_eq "$(stat -c %u "$us/workspaces/u/upper/n.txt")" "$USER_UID" "owner in the upper layer"
    urtc --store "$us" workspace diff --stat u
    assert_ok
    assert_contains "$OUT" "5 added, 3 modified, 2 deleted"
    as_user sh -c "echo host >> '$WS/a.txt'"
    urtc --store "$us" workspace apply u
    assert_eq "$RC" 1 "apply with a conflict"
    assert_contains "$OUT" "conflict: a.txt"
    urtc --store "$us" workspace apply --force u
    assert_ok
    assert_eq "$(stat -c '%U %a' "$WS/n.txt" "$WS/run.sh" | tr '\n' ' ')" "$TEST_USER 644 $TEST_USER 755 " "applied files"
    [ ! -e "$WS/b.txt" ] && [ ! -e "$WS/e/z" ] || fail "deletions not applied"
    urtc --store "$us" sandbox --workspace-overlay --name u -- sh -c 'echo later > later'
    assert_ok
    urtc --store "$us" workspace discard u
    assert_ok
    [ ! -e "$WS/later" ] || fail "discarded change reached the host"
    no_leaks "$WS"
}

# A bundle: dev.paddock.workspace.kind=overlay and dev.paddock.rootfs.kind=overlay;
# the same id continues them.
t_bundle() {
    ws_setup
    local b=$T/bundle.$BASHPID id
    make_bundle "$b" sh -c "echo pkg > /bin/installed && echo agent >> $WS/a.txt && cat $WS/a.txt | wc -l"
    cfg_set "$b" '.annotations = {"dev.paddock.workspace": $ws, "dev.paddock.workspace.kind": "overlay",
        "dev.paddock.rootfs.kind": "overlay", "dev.paddock.writable-roots": "/bin"}' --arg ws "$WS"
    id=$(new_id)
    wrt run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" 4 "the workspace inside"
    [ ! -e "$b/rootfs/bin/installed" ] || fail "the rootfs changed"
    assert_eq "$(tree_of "$WS")" "$SNAP_BEFORE" "the host workspace"
    wrt workspace diff --stat "$id"
    assert_eq "$OUT" "M  a.txt  (+1 -0)
0 added, 1 modified, 0 deleted" "the workspace's diff"
    wrt workspace diff --stat "$id.rootfs"
    assert_contains "$OUT" "A  bin/installed  (+1 -0)"
    set_args "$b" sh -c "cat /bin/installed && wc -l < $WS/a.txt"
    wrt run --bundle "$b" "$id"
    assert_ok
    assert_eq "$OUT" "pkg
4" "the same id goes on with both"
    no_leaks "$WS"
}

run_case ws_overlay t_overlay
run_case ws_diff_unified t_diff_unified
run_case ws_diff_json t_diff_json
run_case ws_apply t_apply
run_case ws_apply_conflict t_apply_conflict
run_case ws_apply_host_deleted t_apply_host_deleted
run_case ws_apply_symlink t_apply_symlink
run_case ws_protected t_protected
run_case ws_discard t_discard
run_case ws_named t_named
run_case ws_in_use t_in_use
run_case ws_usage t_usage
run_case ws_rootless t_rootless
run_case ws_bundle t_bundle
finish
