#!/usr/bin/env bash
# paddock sandbox (issue #4): protected paths hold against the known ways
# around them, git keeps working, host unix sockets are unreachable, the
# landlock wall stands behind the mounts (also for agent bundles run by
# `paddock run` and `paddock exec`), root is still contained (/proc/sys,
# keyring, inherited fds), and placeholders never outlive a run (also after
# a kill -9).  As root and as the unprivileged test user.
source "$(dirname "$0")/lib.sh"

STATE_HOME_ROOT=${HOME:-/root}/.local/state/paddock

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
export GIT_CONFIG_NOSYSTEM=1

sp_setup() {
    is_paddock || { note "sandbox is paddock's own"; exit 0; }
    need_cmd git
    need_cmd python3
    WS=$T/ws.$BASHPID
    rm -rf "$WS"
    mkdir -p "$WS"
    chmod 0755 "$WS"
    cd "$WS" || fail "cd $WS"
}

# A repository with one commit, made on the host.
sp_repo() {
    git init -q "$1" && git -C "$1" commit -q --allow-empty -m init || fail "git init $1"
}

sb() { rtc sandbox "$@"; }

# No placeholder of ours left in $WS, no journal left.
sp_clean() {
    local p
    for p in .paddock .codex .claude .agents .git/commondir; do
        [ ! -e "$WS/$p" ] || fail "placeholder $WS/$p left on the host"
    done
    [ -z "$(stale_entries "$STATE_HOME_ROOT/placeholders")" ] ||
        fail "journal left: $(stale_entries "$STATE_HOME_ROOT/placeholders")"
    no_leaks "$WS"
}

t_git_commit() {
    sp_setup
    sp_repo "$WS"
    echo a >"$WS/a"
    sb -- sh -c 'git add a && git commit -q -m a && git log --format=%s | head -n1'
    assert_ok "git add + commit in the sandbox"
    assert_eq "$OUT" a "commit made"
    assert_eq "$(git -C "$WS" log --format=%s | head -n1)" a "commit on the host"
    sb -- sh -c 'echo "#!/bin/sh" > .git/hooks/pre-commit'
    assert_ne "$RC" 0 "plant .git/hooks/pre-commit"
    assert_contains "$ERR" "Read-only file system"
    sb -- git config core.hooksPath /tmp/h
    assert_ne "$RC" 0 "git config core.hooksPath"
    sb -- git worktree add -q wt
    assert_ok "git worktree add"
    [ -f "$WS/wt/.git" ] || fail "worktree not created on the host"
    [ ! -e "$WS/.git/hooks/pre-commit" ] || fail "hook planted"
    [ -z "$(git -C "$WS" config core.hooksPath)" ] || fail "hooksPath set"
    sp_clean
}

# git init in a fresh directory works; from the next run on it is protected.
t_git_init() {
    sp_setup
    sb -- sh -c 'git init -q && git commit -q --allow-empty -m 1 && echo ok'
    assert_ok "git init + commit in the sandbox"
    sb -- sh -c 'echo x > .git/hooks/pre-commit'
    assert_ne "$RC" 0 "hook in a repository from the previous run"
    sp_clean
}

# Renaming .git or a protected directory away and putting a new one there.
t_rename_away() {
    sp_setup
    sp_repo "$WS"
    mkdir "$WS/.codex"
    sb -- mv .git .git2
    assert_ne "$RC" 0 "mv .git"
    sb -- mv .git/hooks .git/hooks2
    assert_ne "$RC" 0 "mv .git/hooks"
    sb -- mv .codex .codex2
    assert_ne "$RC" 0 "mv .codex"
    sb -- rm -rf .git/hooks
    assert_ne "$RC" 0 "rm -rf .git/hooks"
    sb -- sh -c 'cp -a .git .g && rm -rf .g/hooks && mkdir .g/hooks && echo x > .g/hooks/pre-commit && mv .git .old'
    assert_ne "$RC" 0 "replace .git with a copy"
    [ -d "$WS/.git/hooks" ] && [ ! -e "$WS/.git/hooks/pre-commit" ] && [ ! -e "$WS/.old" ] ||
        fail ".git replaced on the host"
    rm -rf "$WS/.g" "$WS/.codex"
    sp_clean
}

# Missing protected directories get a placeholder for the run only.
t_placeholders() {
    sp_setup
    sp_repo "$WS"
    rm -rf "$WS/.git/hooks"
    sb -- sh -c 'mkdir -p .claude/x || echo claude-ro; echo x > .git/hooks/pre-commit || echo hooks-ro; ls -A .git/hooks | wc -l'
    assert_ok
    assert_eq "$OUT" "claude-ro
hooks-ro
0" "missing .claude and .git/hooks can't be created"
    [ ! -e "$WS/.git/hooks" ] || fail ".git/hooks placeholder left"
    sp_clean
}

# Directory placeholders are spares renamed in and back (no mkdir and
# rmdir per run) where the workspace and the state home share a
# filesystem; the spares stay empty directories, and a placeholder the host
# writes to during the run keeps what it holds.
t_spare_placeholders() {
    sp_setup
    local spare=$STATE_HOME_ROOT/placeholders/.spare d pid ino1 ino2
    sb -- true
    assert_ok
    sb -- stat -c %i .claude
    assert_ok
    ino1=$OUT
    sb -- stat -c %i .claude
    ino2=$OUT
    if [ "$(stat -c %d "$WS")" = "$(stat -c %d "$STATE_HOME_ROOT")" ]; then
        ls "$spare" | grep -q "^$ino1-" || fail "placeholder $ino1 not kept among the spares"
        ls "$spare" | grep -q "^$ino2-" || fail "placeholder $ino2 not kept among the spares"
    else
        [ "$ino1" != "$ino2" ] || fail "a spare from another filesystem (inode $ino1 twice)"
    fi
    for d in "$spare"/*; do
        [ -e "$d" ] || continue
        [ -d "$d" ] && [ -z "$(ls -A "$d")" ] || fail "spare $d is not an empty directory"
        [ "${d##*-}" = "$(stat -c %a "$d")" ] || fail "spare $d has mode $(stat -c %a "$d")"
    done
    "$RUNTIME" --root "$STATE_ROOT" sandbox -- sleep 2 &
    pid=$!
    track_pid "$pid"
    wait_file "$WS/.claude" || fail "no placeholder while running"
    echo keep >"$WS/.claude/host-file"
    wait "$pid"
    assert_eq "$(cat "$WS/.claude/host-file" 2>/dev/null)" keep "what the host wrote to a placeholder"
    for d in "$spare"/*; do
        [ ! -e "$d" ] || [ -z "$(ls -A "$d")" ] || fail "spare $d holds $(ls -A "$d")"
    done
    rm -rf "$WS/.claude"
    # at most 64 are kept: the surplus goes when they are next listed
    local i n m
    m=$(printf '%o' $((0755 & ~$(umask))))
    for ((i = 0; i < 70; i++)); do mkdir -p "$spare/99999$i-$m"; done
    sb -- true
    assert_ok
    n=$(ls "$spare" | grep -c -- "-$m\$")
    [ "$n" -le 64 ] || fail "$n spares kept, at most 64"
    sp_clean
}

# A workspace on another filesystem than the state home (a tmpfs, in a
# mount namespace of the test's own): no spare can go there or come back
# (EXDEV), so its placeholders are made and removed as before, and the
# spares stay as they were.
t_spare_other_fs() {
    sp_setup
    need_cmd unshare
    local spare=$STATE_HOME_ROOT/placeholders/.spare before after
    sb -- true # a run on the state home's filesystem: spares exist
    assert_ok
    before=$(ls "$spare" 2>/dev/null | sort | tr '\n' ' ')
    [ -n "$before" ] || fail "no spares after a run beside the state home"
    mkdir -p "$T/tmpws"
    OUT=$(unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 none "$1" &&
        cd "$1" && "$2" --root "$3" sandbox -- sh -c "mkdir .claude/x 2>/dev/null && echo made || echo ro" &&
        echo "left: $(ls -A)"' sh "$T/tmpws" "$RUNTIME" "$STATE_ROOT" 2>"$T/tmpws.err")
    RC=$?
    ERR=$(cat "$T/tmpws.err")
    assert_ok "a sandbox in a workspace on a tmpfs"
    assert_eq "$OUT" "ro
left: " "the placeholder held inside, and was gone after"
    after=$(ls "$spare" 2>/dev/null | sort | tr '\n' ' ')
    assert_eq "$after" "$before" "the spares after a run on another filesystem"
    sp_clean
}

# .git/commondir and a rewritten gitfile would send git elsewhere.
t_commondir_gitdir() {
    sp_setup
    sp_repo "$WS"
    sb -- sh -c 'mkdir -p evil/hooks && echo . > evil/x && echo "$PWD/evil" > .git/commondir'
    assert_ne "$RC" 0 "plant .git/commondir"
    [ ! -e "$WS/.git/commondir" ] || fail "commondir left on the host: $(cat "$WS/.git/commondir")"
    git -C "$WS" worktree add -q "$WS/wt" || fail "worktree add on the host"
    cd "$WS/wt" || fail "cd wt"
    echo w >w
    sb -- sh -c 'git add w && git commit -q -m w && echo committed'
    assert_ok "commit in a worktree (its gitdir lies outside the workspace)"
    sb -- sh -c 'echo "gitdir: /tmp/evil" > .git'
    assert_ne "$RC" 0 "rewrite the worktree's .git file"
    sb -- sh -c "echo x > $WS/.git/hooks/pre-commit"
    assert_ne "$RC" 0 "the main repository's hooks from the worktree"
    sb -- sh -c "echo /tmp > $WS/.git/worktrees/wt/commondir"
    assert_ne "$RC" 0 "the worktree's commondir"
    sb -- sh -c "echo x > $WS/f"
    assert_ne "$RC" 0 "the main worktree itself is not writable from the linked one"
    cd "$WS" || fail "cd"
    sp_clean
}

# core.hooksPath planted through a config file that .git/config includes.
t_include() {
    sp_setup
    sp_repo "$WS"
    printf '[core]\n\tbare = false\n' >"$WS/shared.cfg"
    git -C "$WS" config --add include.path ../shared.cfg
    git -C "$WS" config --add 'includeIf.gitdir:/.path' extra.cfg
    sb -- git config --file shared.cfg core.hooksPath /tmp/h
    assert_ne "$RC" 0 "write an included config"
    sb -- sh -c 'printf "[core]\n\thooksPath = /tmp/h\n" > .git/extra.cfg'
    assert_ne "$RC" 0 "create a missing included config"
    [ ! -e "$WS/.git/extra.cfg" ] || fail "included config placeholder left"
    [ -z "$(git -C "$WS" config core.hooksPath)" ] || fail "hooksPath set on the host"
    sp_clean
}

# Links planted in the workspace: symlinks resolve to the read-only path,
# hard links across the read-only bind fail, and a protected file that
# already has another name is refused before anything runs.
t_links() {
    sp_setup
    sp_repo "$WS"
    sb -- sh -c 'ln -s .git/hooks h && echo x > h/pre-commit'
    assert_ne "$RC" 0 "write through a symlink"
    sb -- ln .git/config cfg
    assert_ne "$RC" 0 "hard link to .git/config"
    assert_contains "$ERR" "cross-device"
    rm -f "$WS/h" "$WS/cfg"
    ln "$WS/.git/config" "$WS/cfg"
    sb -- true
    assert_eq "$RC" 125 "protected file with a second name"
    assert_contains "$ERR" "hard links"
    rm -f "$WS/cfg"
    ln -s nowhere "$WS/.claude"
    sb -- true
    assert_eq "$RC" 125 "dangling symlink at a protected path"
    assert_contains "$ERR" "symlink"
    rm -f "$WS/.claude"
    sp_clean
}

# A protected path that is a symlink leading out of the roots (.git/hooks
# -> a host directory): pinned (bound over itself), so the sandbox can't
# swap in a directory of its own with a hook in it.  Control: the same
# symlink under a name nothing protects is replaced that way.
t_symlink_pinned() {
    sp_setup
    sp_repo "$WS"
    local out=$T/hooks-outside.$BASHPID
    mkdir -p "$out"
    rm -rf "$WS/.git/hooks"
    ln -s "$out" "$WS/.git/hooks"
    ln -s "$out" "$WS/.git/unprotected"
    local swap='rm "$1" && mkdir "$1" && echo evil > "$1/pre-commit"'
    sb -- sh -c "$swap" sh .git/hooks
    assert_ne "$RC" 0 "replace a symlinked .git/hooks with a directory"
    assert_contains "$ERR" "busy" "why it failed"
    [ -L "$WS/.git/hooks" ] || fail ".git/hooks is no longer the symlink on the host"
    sb -- sh -c "$swap" sh .git/unprotected
    assert_ok "control: the same replacement of an unprotected symlink"
    [ -f "$WS/.git/unprotected/pre-commit" ] || fail "control: no directory with a hook on the host"
    rm -rf "$WS/.git/hooks" "$WS/.git/unprotected"
    sp_clean
}

# A host socket outside the roots is unreachable; --allow-unix-socket and
# sockets inside the sandbox work.
t_unix_sockets() {
    sp_setup
    # outside every root; cleanup_all removes it if the case fails
    local sock=/run/paddock-test-$(basename "$T")-$BASHPID.sock
    python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(60)' "$sock" &
    local srv=$!
    track_pid "$srv"
    local i
    for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || fail "no listener at $sock"
    local probe='import socket,sys
s=socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print("refused", e.errno)'
    sb -- python3 -c "$probe" "$sock"
    assert_ok
    assert_eq "$OUT" "refused 111" "host socket from workspace-write"
    sb --sandbox read-only -- python3 -c "$probe" "$sock"
    assert_eq "$OUT" "refused 111" "host socket from read-only"
    sb --allow-unix-socket "$sock" -- python3 -c "$probe" "$sock"
    assert_eq "$OUT" connected "--allow-unix-socket"
    sb --sandbox danger-full-access -- python3 -c "$probe" "$sock"
    assert_eq "$OUT" connected "danger-full-access"
    sb -- python3 -c 'import socket
a=socket.socket(socket.AF_UNIX); a.bind("/tmp/in.sock"); a.listen(1)
b=socket.socket(socket.AF_UNIX); b.connect("/tmp/in.sock"); print("inside ok")'
    assert_eq "$OUT" "inside ok" "a unix socket inside the sandbox"
    kill "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
    rm -f "$sock"
    sp_clean
}

# paddock's own directories, which later runs trust (the state home with
# the seccomp and mount option caches, the state root, the probe cache):
# a writable root inside one is refused; one inside a writable root is
# read-only in the sandbox.
t_own_dirs() {
    sp_setup
    export XDG_STATE_HOME=$WS/state
    sb -- true
    assert_ok "a first sandbox (fills the caches under $XDG_STATE_HOME)"
    [ -d "$XDG_STATE_HOME/paddock/seccomp" ] || fail "no seccomp cache at $XDG_STATE_HOME/paddock/seccomp"
    local d
    for d in "$XDG_STATE_HOME/paddock/seccomp" "$XDG_STATE_HOME/paddock" "$STATE_ROOT"; do
        sb -w "$d" -- true
        assert_failed "sandbox -w $d"
        assert_contains "$ERR" "lies in paddock's own" "the error for -w $d"
        assert_contains "$ERR" "give a directory outside it" "the error's fix for -w $d"
    done
    # the workspace holds the state home; -w $T's parent the state root,
    # -w /run the probe cache
    sb -- sh -c "touch '$XDG_STATE_HOME/paddock/seccomp/x' 2>&1; touch '$WS/ok' && echo ws-ok"
    assert_contains "$OUT" "Read-only file system" "writing the seccomp cache from inside"
    assert_contains "$OUT" "ws-ok" "the workspace itself stays writable"
    [ ! -e "$XDG_STATE_HOME/paddock/seccomp/x" ] || fail "the sandbox wrote into the seccomp cache"
    sb -w "$(dirname "$T")" -w /run -- sh -c "touch '$STATE_ROOT/x' 2>&1; touch /run/paddock-probe/x 2>&1; echo done"
    assert_contains "$OUT" "$STATE_ROOT/x': Read-only file system" "writing the state root from a sandbox whose root holds it"
    assert_contains "$OUT" "/run/paddock-probe/x': Read-only file system" "writing the probe cache from a -w /run sandbox"
    [ ! -e "$STATE_ROOT/x" ] && [ ! -e /run/paddock-probe/x ] || fail "a sandbox wrote into paddock's own directories"
    rm -f "$WS/ok"
    sp_clean
}

# Landlock behind the mounts: a mount-writable place that is not a writable
# root (the private /dev/shm is fine, a tmpfs mounted in the workspace by
# nobody...): the observable part is TCP, which mounts can't stop.
t_landlock_tcp() {
    sp_setup
    local probe='import socket
s=socket.socket()
try:
    s.bind(("127.0.0.1", 0)); print("bound")
except OSError as e:
    print("denied", e.errno)'
    sb -- python3 -c "$probe"
    assert_eq "$OUT" "denied 13" "TCP bind with network none"
    sb --network host -- python3 -c "$probe"
    assert_eq "$OUT" bound "TCP bind with network host (control)"
    sp_clean
}

# An agent bundle under `run` and `exec`: dev.paddock.sandbox=read-only
# makes landlock refuse writes to its (writable) rootfs; /tmp stays writable.
t_agent_bundle_landlock() {
    require_runtime
    is_paddock || { note "agent bundles are paddock's own"; exit 0; }
    local b=$T/agent.$BASHPID id
    make_bundle "$b" sh -c 'echo x > /tmp/ok && echo tmp-ok; echo x > /root/f && echo root-written'
    local log
    log=$(bundle_log agent.$BASHPID)
    cfg_set "$b" '.annotations["dev.paddock.sandbox"] = "read-only" | .annotations["dev.paddock.audit-log"] = $l' --arg l "$log"
    id=$(new_id agent)
    rtc run --bundle "$b" "$id"
    assert_eq "$OUT" tmp-ok "writes under landlock"
    assert_contains "$ERR" "Permission denied"
    [ ! -e "$b/rootfs/root/f" ] || fail "the rootfs was written"
    need_cmd jq
    assert_eq "$(jq -r '[.event, .id, .mode // (.status|tostring)] | join(" ")' "$log" | tr '\n' ';')" \
        "sandbox.start $id read-only;sandbox.exit $id 1;" "audit events of an agent bundle under run"
    assert_eq "$(jq -r 'select(.event == "sandbox.start") | .layers["landlock-fs"].state' "$log")" active \
        "landlock layer in the bundle's start event"
    cfg_set "$b" '.process.args = ["sleep", "60"]'
    id=$(new_id agent)
    rt_ok run --detach --bundle "$b" "$id"
    rtc exec "$id" sh -c 'echo x > /root/g || echo denied'
    assert_eq "$OUT" denied "exec under the same landlock domain"
    rt delete --force "$id" >/dev/null 2>&1
    cfg_set "$b" '.annotations["dev.paddock.sandbox"] = "read-write"'
    id=$(new_id agent)
    rtc run --bundle "$b" "$id"
    assert_eq "$RC" 1 "bad annotation"
    assert_contains "$ERR" "dev.paddock.sandbox"
    # root opens the bundle's audit log: only under /var/log/paddock
    cfg_set "$b" '.annotations = {"dev.paddock.sandbox": "read-only", "dev.paddock.audit-log": "/etc/pdt-audit-pwn.log"}'
    rtc run --bundle "$b" "$(new_id agent)"
    assert_eq "$RC" 1 "bundle audit log outside /var/log/paddock, as root"
    assert_contains "$ERR" "is outside /var/log/paddock/"
    [ ! -e /etc/pdt-audit-pwn.log ] || { rm -f /etc/pdt-audit-pwn.log; fail "root wrote the bundle's /etc log"; }

}

# Root is still contained: /proc/sys, the keyring, inherited fds.
t_root_contained() {
    sp_setup
    local before
    before=$(cat /proc/sys/kernel/core_pattern)
    sb -- sh -c 'echo "|/tmp/paddock-pwned" > /proc/sys/kernel/core_pattern'
    assert_ne "$RC" 0 "write /proc/sys/kernel/core_pattern"
    assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$before" "core_pattern on the host"
    sb -- cat /proc/keys
    assert_eq "$OUT" "" "/proc/keys masked"
    # a key in the caller's session keyring, read back from inside by its id
    local key
    key=$(python3 -c 'import ctypes,sys
libc=ctypes.CDLL(None, use_errno=True)
k=libc.syscall(248, b"user", b"paddock-test", b"secret", 6, -3)
print(k)')
    [ "${key:-0}" -gt 0 ] || fail "add_key on the host failed"
    sb -- python3 -c 'import ctypes,sys
libc=ctypes.CDLL(None, use_errno=True)
buf=ctypes.create_string_buffer(64)
r=libc.syscall(250, 11, int(sys.argv[1]), buf, 64)
print("read" if r > 0 else "denied")' "$key"
    assert_eq "$OUT" denied "the caller's key from inside"
    local f=$T/fd.$BASHPID
    : >"$f"
    sb -- sh -c 'echo evil >&7 && echo wrote' 7>>"$f"
    assert_ne "$OUT" wrote "write through an inherited fd"
    assert_eq "$(cat "$f")" "" "file behind the inherited fd"
    sp_clean
}

# kill -9 of paddock: the sandbox dies with it, the next run sweeps the
# placeholders it had made; two concurrent runs don't remove each other's.
t_kill9_sweep() {
    sp_setup
    "$RUNTIME" --root "$STATE_ROOT" sandbox -- sleep 60 &
    local pid=$!
    track_pid "$pid"
    wait_file "$WS/.claude" || fail "no placeholder while running"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    [ -d "$WS/.claude" ] || fail "placeholder gone without a sweep (test can't see the sweep)"
    sb -- test -d .claude
    assert_ok "placeholder present during the next run"
    [ ! -e "$WS/.claude" ] || fail "placeholder not swept after kill -9"
    # concurrent: A holds .codex, B starts, A ends: B's .codex stays a wall
    "$RUNTIME" --root "$STATE_ROOT" sandbox -- sleep 3 &
    local a=$!
    track_pid "$a"
    wait_file "$WS/.codex" || fail "no placeholder for A"
    sb -- sh -c 'sleep 5; mkdir .codex/x 2>/dev/null && echo made || echo ro'
    wait "$a"
    assert_eq "$OUT" ro "B's protected path after A ended"
    rt delete --force "$(rt list -q 2>/dev/null | head -n1)" >/dev/null 2>&1
    sp_clean
}

# kill -9 of paddock once the command has ended and its init has reported
# and exited (paddock stopped before its cleanup): the next run sweeps the
# placeholders, the journal and the state.
t_kill9_after_exit() {
    sp_setup
    need_cmd jq
    local st=$T/st.$BASHPID init id i s=
    "$RUNTIME" --root "$STATE_ROOT" sandbox --json-status-fd 3 -- \
        sh -c 'sleep 100 & while [ ! -e go ]; do sleep 0.05; done' 3>"$st" 2>/dev/null &
    local pid=$!
    track_pid "$pid"
    wait_file "$st" 100 || fail "no start event"
    init=$(jq -r .pid "$st")
    id=$(jq -r .id "$st")
    kill -STOP "$pid"
    touch "$WS/go"
    for ((i = 0; i < 100; i++)); do
        s=$(sed 's/.*) //' "/proc/$init/stat" 2>/dev/null | cut -d' ' -f1)
        [ "$s" = Z ] && break
        sleep 0.05
    done
    assert_eq "$s" Z "the init's state once the command ended"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    [ -d "$WS/.claude" ] || fail "placeholder gone without a sweep (test can't see the sweep)"
    [ -d "$STATE_ROOT/$id" ] || fail "state gone without a sweep (test can't see the sweep)"
    ls -A "$STATE_HOME_ROOT/placeholders" | grep -q "^$pid-" || fail "journal gone without a sweep"
    sb -- true
    assert_ok
    [ ! -e "$STATE_ROOT/$id" ] || fail "state of the killed sandbox not swept"
    [ ! -e "$WS/.claude" ] || fail "placeholder not swept"
    ! ls -A "$STATE_HOME_ROOT/placeholders" | grep -q "^$pid-" || fail "journal not swept"
    no_leaks "$WS"
}

# The sandbox covers host sockets with binds marked x-paddock-if-exists, so
# that a socket gone between the scan and the mount is skipped instead of
# failing the start: such a mount onto a missing destination is skipped
# (nothing created), and the same mount without the option creates it
# (control).
t_mask_if_exists() {
    require_runtime
    is_paddock || { note "x-paddock-if-exists is paddock's own"; exit 0; }
    local b=$T/ife.$BASHPID
    make_bundle "$b" sh -c 'test -e /gone.sock && echo there || echo skipped'
    cfg_set "$b" '.mounts += [{"destination": "/gone.sock", "type": "bind", "source": "/dev/null", "options": ["bind", "ro", "x-paddock-if-exists"]}]'
    rtc run --bundle "$b" "$(new_id ife)"
    assert_ok "run with a mount onto a missing destination, x-paddock-if-exists"
    assert_eq "$OUT" skipped "the mount was skipped"
    [ ! -e "$b/rootfs/gone.sock" ] || fail "x-paddock-if-exists created its destination"
    cfg_set "$b" '.mounts[-1].options = ["bind", "ro"]'
    rtc run --bundle "$b" "$(new_id ife)"
    assert_ok "control: the same mount without the option"
    assert_eq "$OUT" there "control: the destination is created and mounted"
}

# --allow-nested-userns: a nested sandbox (user + mount namespace, a mount in
# it) works for a user; the protected paths stay read-only from inside it.
# Root can't map its uid 0 into a nested namespace without CAP_SETFCAP
# (the kernel's rule), which the sandbox never has.
t_nested_userns() {
    sp_setup
    rootless_setup
    local nu=$T/bin/nested-userns.py
    mkdir -p "$T/bin" && chmod 0755 "$T/bin"
    install -m 0755 "$REPO/tests/integration/helpers/nested-userns.py" "$nu"
    mkdir -p "$WS/.git/hooks"
    chown -R "$TEST_USER:" "$WS"
    urtc sandbox -- python3 "$nu"
    assert_eq "$OUT" "unshare Operation not permitted" "nested user namespace by default"
    urtc sandbox --allow-nested-userns -- python3 "$nu" "$WS/.git/hooks"
    assert_ok
    assert_eq "$OUT" "nested ok
umount refused
remount-rw refused
write refused" "nested sandbox, and the walls from inside it"
    [ ! -e "$WS/.git/hooks/pre-commit" ] || fail "hook planted from a nested namespace"
    sb --allow-nested-userns -- python3 "$nu"
    assert_eq "$OUT" "map Operation not permitted" "root: uid 0 can't be mapped without CAP_SETFCAP"
    sb --allow-nested-userns -- sh -c 'echo x > /var/tmp/paddock-nested.$$'
    assert_ne "$RC" 0 "write outside with nested user namespaces allowed"
    no_leaks "$WS"
}

# As the test user: commits work, hooks stay read-only, host sockets are
# unreachable, placeholders go away.
t_rootless() {
    sp_setup
    rootless_setup
    chown "$TEST_USER:" "$WS"
    as_user git init -q "$WS" || fail "git init as the user"
    urtc sandbox -- sh -c 'echo a > a && git add a && git commit -q -m a && echo ok'
    assert_ok
    assert_eq "$OUT" ok "commit as the test user"
    urtc sandbox -- sh -c 'echo x > .git/hooks/pre-commit'
    assert_ne "$RC" 0 "hook as the test user"
    urtc sandbox -- sh -c 'mkdir .codex 2>/dev/null && echo made || echo ro'
    assert_eq "$OUT" ro "placeholder as the test user"
    [ ! -e "$WS/.codex" ] || fail "user placeholder left"
    # The own uid and gid only, as bwrap maps them; --map-subids adds the
    # /etc/subuid and /etc/subgid ranges (newuidmap/newgidmap).
    local uid gid su
    uid=$(id -u "$TEST_USER")
    gid=$(id -g "$TEST_USER")
    su=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2; exit }' /etc/subuid)
    [ -n "$su" ] || fail "no /etc/subuid range for $TEST_USER (run tests/setup/test-user)"
    urtc sandbox -- sh -c 'awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map /proc/self/gid_map | paste -sd,'
    assert_ok
    assert_eq "$OUT" "$uid $uid 1,$gid $gid 1" "own uid and gid mapped, nothing else"
    urtc sandbox --map-subids -- sh -c 'awk "{ print \$2 }" /proc/self/uid_map | sort -n | paste -sd" "'
    assert_ok
    assert_eq "$OUT" "$uid $su" "--map-subids: own uid and the subuid range mapped"
    local home
    home=$(getent passwd "$TEST_USER" | cut -d: -f6)
    [ -z "$(stale_entries "$home/.local/state/paddock/placeholders")" ] || fail "user journal left"
    no_leaks "$WS"
}

run_case protect_mask_if_exists t_mask_if_exists
run_case protect_nested_userns t_nested_userns
run_case protect_git_commit t_git_commit
run_case protect_git_init t_git_init
run_case protect_rename_away t_rename_away
run_case protect_placeholders t_placeholders
run_case protect_spare_placeholders t_spare_placeholders
run_case protect_spare_other_fs t_spare_other_fs
run_case protect_commondir_gitdir t_commondir_gitdir
run_case protect_include t_include
run_case protect_links t_links
run_case protect_symlink_pinned t_symlink_pinned
run_case protect_unix_sockets t_unix_sockets
run_case protect_own_dirs t_own_dirs
run_case protect_landlock_tcp t_landlock_tcp
run_case protect_agent_bundle_landlock t_agent_bundle_landlock
run_case protect_root_contained t_root_contained
run_case protect_kill9_sweep t_kill9_sweep
run_case protect_kill9_after_exit t_kill9_after_exit
run_case protect_rootless t_rootless
finish
