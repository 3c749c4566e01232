#!/usr/bin/env bash
# make install / make uninstall into a DESTDIR, and the installed programs:
#   install_layout      every file where the Makefile says, with its mode;
#                       hooks.d descriptors name the installed hook path
#                       (without DESTDIR); no file outside PREFIX
#   installed_binary    the installed paddock runs a container; the installed
#                       paddock-mkrootfs makes a bundle with it; the installed
#                       hook writes an event; the man pages render (man -l,
#                       and man finds them by name through MANPATH); the
#                       completion registers
#   uninstall_clean     make uninstall leaves nothing in the DESTDIR
#   uninstall_keeps_foreign  a file that is not paddock's stays, with its dirs
#   other_prefix        PREFIX=/opt/paddock: the descriptors and the man page
#                       FILES section follow it
# The build is make's (`make check` has built everything before the tests
# run); only `man` is regenerated (help2man, under a second).
source "$(dirname "$0")/lib.sh"

# mk_install DEST [VAR=VALUE...]: make install with PREFIX=/usr/local unless given.
mk_make() {
    local target=$1 dest=$2
    shift 2
    IO_N=$((IO_N + 1))
    local o=$T/io.$IO_N.out
    printf '+ make %s DESTDIR=%s %s\n' "$target" "$dest" "$*" >>"$CASE_TRACE"
    timeout -k 5 240 make -C "$REPO" --no-print-directory "$target" PREFIX=/usr/local "DESTDIR=$dest" "$@" >"$o" 2>&1
    RC=$?
    OUT=$(cat "$o")
    [ "$RC" = 0 ] || fail "make $target DESTDIR=$dest $*: exit $RC: $(oneline "$(tail -n 5 "$o")")"
}

need_paddock() { is_paddock || { note "make install installs paddock"; exit 0; }; }

# The files a PREFIX=/usr/local install must have, with their modes.
expected_files() {
    local p=/usr/local
    cat <<EOF
755 $p/bin/paddock
755 $p/bin/paddock-mkrootfs
755 $p/bin/paddock-shell
755 $p/bin/paddock-agent-bundle
755 $p/libexec/paddock/paddock-hook-audit
755 $p/libexec/paddock/paddock-hook-snapshot
644 $p/share/containers/oci/hooks.d/paddock-audit-poststart.json
644 $p/share/containers/oci/hooks.d/paddock-audit-poststop.json
644 $p/share/containers/oci/hooks.d/paddock-snapshot-poststop.json
644 $p/share/man/man1/paddock-hook-snapshot.1
644 $p/share/man/man1/paddock.1
644 $p/share/man/man1/paddock-run.1
644 $p/share/man/man1/paddock-sandbox.1
644 $p/share/man/man1/paddock-mkrootfs.1
644 $p/share/man/man1/paddock-hook-audit.1
644 $p/share/bash-completion/completions/paddock
644 $p/share/zsh/site-functions/_paddock
644 $p/share/paddock/profiles/agent-default.json
644 $p/share/paddock/spec/agent-bundle.md
644 $p/share/paddock/spec/agent-bundle.schema.json
644 $p/share/paddock/contrib/podman/containers.conf
644 $p/share/paddock/contrib/agents/agent-bundle/config.json
EOF
}

t_install_layout() {
    need_paddock
    local d=$T/dest mode f
    mk_make install "$d"
    while read -r mode f; do
        [ -f "$d$f" ] || fail "make install did not install $f"
        assert_eq "$(stat -c %a "$d$f")" "$mode" "mode of $f"
    done < <(expected_files)
    # One page per command `paddock --help` lists.
    local c
    for c in $("$RUNTIME" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'); do
        [ -f "$d/usr/local/share/man/man1/paddock-$c.1" ] || fail "no man page paddock-$c.1 for the command $c"
    done
    # Everything under PREFIX.
    local stray
    stray=$(cd "$d" && find . -mindepth 1 \( -type f -o -type l \) ! -path './usr/local/*')
    [ -z "$stray" ] || fail "installed outside PREFIX: $(oneline "$stray")"
    # The descriptors point at the installed hook, not at DESTDIR or the build.
    for f in "$d"/usr/local/share/containers/oci/hooks.d/paddock-*.json; do
        local hp
        hp=$(jq -r .hook.path "$f")
        assert_match "$hp" '^/usr/local/libexec/paddock/paddock-hook-[a-z]+$' ".hook.path of $(basename "$f")"
        [ -x "$d$hp" ] || fail "$(basename "$f"): the hook it names is not installed"
        ! grep -q '@[A-Z]*@' "$f" || fail "$(basename "$f"): a placeholder is left: $(oneline "$(cat "$f")")"
    done
    assert_eq "$(jq -c '.hook.args[1:]' "$d/usr/local/share/containers/oci/hooks.d/paddock-snapshot-poststop.json")" \
        '["--paddock","/usr/local/bin/paddock"]' "args of the installed snapshot hook"
    # The installed binary is the built one.
    cmp -s "$d/usr/local/bin/paddock" "$REPO/runtime/paddock" || fail "installed paddock differs from runtime/paddock"
}

t_installed_binary() {
    need_paddock
    snapshot
    local d=$T/dest2 p=$T/dest2/usr/local
    mk_make install "$d"
    local v
    v=$("$p/bin/paddock" --version) || fail "installed paddock --version failed"
    assert_contains "$v" "paddock version" "installed paddock --version"
    # The installed mkrootfs finds the installed paddock next to it (PATH has none).
    local b=$T/ib out
    out=$(env PATH=/usr/bin:/bin "$p/bin/paddock-mkrootfs" busybox "$b" 2>&1) ||
        fail "installed paddock-mkrootfs busybox: $(oneline "$out")"
    cfg_set "$b" '.process.args = ["sh","-c","echo installed-ok"] | .process.terminal = false'
    local id
    id=$(new_id)
    out=$(timeout 30 "$p/bin/paddock" --root "$STATE_ROOT" run --bundle "$b" "$id" 2>&1)
    assert_eq "$?" 0 "exit status of the installed paddock run"
    assert_eq "$out" installed-ok "output of the installed paddock run"
    # The installed hook.
    printf '{"ociVersion":"1.0.2","id":"i1","status":"running","pid":1,"bundle":"%s"}' "$b" |
        "$p/libexec/paddock/paddock-hook-audit" --audit-log "$T/inst-audit.log" || fail "installed hook failed"
    assert_eq "$(jq -r .event "$T/inst-audit.log")" container.poststart "event of the installed hook"
    # Man pages: render, and man finds them by name.
    out=$(MANWIDTH=100 man -l "$p/share/man/man1/paddock-run.1" 2>&1) || fail "man -l paddock-run.1: $(oneline "$out")"
    assert_contains "$out" "--bundle" "man paddock-run"
    local w
    w=$(MANPATH=$p/share/man man -w paddock-sandbox 2>&1) || fail "man -w paddock-sandbox with MANPATH: $(oneline "$w")"
    assert_eq "$w" "$p/share/man/man1/paddock-sandbox.1" "man -w paddock-sandbox"
    # Completion: it registers for paddock.
    out=$(bash -c "source '$p/share/bash-completion/completions/paddock' && complete -p paddock" 2>&1)
    assert_contains "$out" "_paddock" "complete -p paddock after sourcing the installed completion"
    zsh -n "$p/share/zsh/site-functions/_paddock" || fail "installed _paddock: zsh -n failed"
    no_leaks "$id"
}

t_uninstall_clean() {
    need_paddock
    local d=$T/dest3
    mk_make install "$d"
    mk_make uninstall "$d"
    if [ -e "$d" ]; then
        fail "make uninstall left: $(oneline "$(cd "$d" && find . -mindepth 1 | head -n 8)")"
    fi
}

t_uninstall_keeps_foreign() {
    need_paddock
    local d=$T/dest4
    mk_make install "$d"
    echo other >"$d/usr/local/bin/other-tool"
    mkdir -p "$d/usr/local/share/man/man1"
    echo '.TH OTHER 1' >"$d/usr/local/share/man/man1/other.1"
    mk_make uninstall "$d"
    [ -f "$d/usr/local/bin/other-tool" ] || fail "make uninstall removed another program's file"
    [ -f "$d/usr/local/share/man/man1/other.1" ] || fail "make uninstall removed another man page"
    local left
    left=$(cd "$d" && find . -mindepth 1 \( -type f -o -type l \) | sort | tr '\n' ' ')
    assert_eq "$left" "./usr/local/bin/other-tool ./usr/local/share/man/man1/other.1 " "files left after uninstall"
    [ ! -e "$d/usr/local/share/paddock" ] && [ ! -e "$d/usr/local/libexec" ] ||
        fail "make uninstall left paddock's own directories"
}

t_other_prefix() {
    need_paddock
    local d=$T/dest5
    mk_make install "$d" PREFIX=/opt/paddock
    [ -x "$d/opt/paddock/bin/paddock" ] || fail "PREFIX=/opt/paddock: no bin/paddock"
    assert_eq "$(jq -r .hook.path "$d/opt/paddock/share/containers/oci/hooks.d/paddock-audit-poststart.json")" \
        /opt/paddock/libexec/paddock/paddock-hook-audit "hook path with PREFIX=/opt/paddock"
    grep -q '/opt/paddock/share/paddock/profiles/agent-default.json' "$d/opt/paddock/share/man/man1/paddock.1" ||
        fail "paddock.1 FILES does not name the profile under /opt/paddock"
    mk_make uninstall "$d" PREFIX=/opt/paddock
    [ ! -e "$d" ] || fail "make uninstall PREFIX=/opt/paddock left $(oneline "$(cd "$d" && find . | head -n 5)")"
    # `make man` again with the default paths, for the other suites.
    mk_make man ""
}

run_case install_layout t_install_layout
run_case installed_binary t_installed_binary
run_case uninstall_clean t_uninstall_clean
run_case uninstall_keeps_foreign t_uninstall_keeps_foreign
run_case other_prefix t_other_prefix
finish
