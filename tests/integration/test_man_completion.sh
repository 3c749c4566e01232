#!/usr/bin/env bash
# Man pages (contrib/man/mkman, help2man from each --help) and shell
# completion (contrib/completion/) for the paddock under test:
#   man_pages        a page per command `paddock --help` lists (no __ ones),
#                    plus paddock(1) and the other programs; each renders
#                    without groff warnings, is named paddock-CMD, has the
#                    command's options, and paddock(1) SEE ALSO lists them
#   man_errors       mkman without help2man's input: a clear failure
#   bash_completion  commands, options of a command, option values (a|b
#                    lists, modes), container ids from `--root DIR list -q`,
#                    signals for kill, a command line after `sandbox --`
#   zsh_completion   the same through zsh's completion system, driven in a
#                    pseudo-terminal (tests/integration/helpers/zsh-complete)
#   store_names      both shells: the subcommands of snapshot and workspace,
#                    their [--options], snapshot and workspace names from
#                    `--store DIR snapshot|workspace list --json` (after
#                    `snapshot rm`, `workspace diff`, `run --from-snapshot`)
source "$(dirname "$0")/lib.sh"

MKMAN=$REPO/contrib/man/mkman
COMP_BASH=$REPO/contrib/completion/paddock.bash
COMP_ZSH_DIR=$REPO/contrib/completion

need_paddock() { is_paddock || { note "paddock's own man pages and completion"; exit 0; }; }

help_commands() {
    "$RUNTIME" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'
}

t_man_pages() {
    need_paddock
    need_cmd help2man help2man
    local m=$T/man out
    out=$("$MKMAN" "$RUNTIME" "$m" "$REPO/rootfs-tools/paddock-mkrootfs" 2>&1) || fail "mkman: $(oneline "$out")"
    local cmds c n=0
    cmds=$(help_commands)
    [ -n "$cmds" ] || fail "no command list in paddock --help"
    for c in $cmds; do
        local p=$m/paddock-$c.1
        [ -s "$p" ] || fail "no page for the command $c"
        n=$((n + 1))
        grep -q "^\.TH PADDOCK-${c^^} \"1\"" "$p" || fail "paddock-$c.1: .TH is not PADDOCK-${c^^} 1: $(oneline "$(grep '^\.TH' "$p")")"
        # NAME: "paddock-CMD \- <the command's line in paddock --help>"
        local want
        want=$("$RUNTIME" --help | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
        grep -qF -- "paddock-$c \\- $want" "$p" || fail "paddock-$c.1: NAME is not 'paddock-$c - $want'"
        # groff -ww: every warning but line filling (-z: no output).
        local w
        w=$(groff -man -ww -z "$p" 2>&1 | grep -vE 'cannot (adjust|break) line')
        [ -z "$w" ] || fail "paddock-$c.1: groff warnings: $(oneline "$w")"
        grep -qF "paddock (1)" "$p" || grep -qF 'paddock\fR(1)' "$p" || grep -q 'BR paddock (1)' "$p" ||
            fail "paddock-$c.1: SEE ALSO does not name paddock(1)"
    done
    ! ls "$m"/paddock-__* >/dev/null 2>&1 || fail "a page for an internal __ command"
    [ -s "$m/paddock.1" ] && [ -s "$m/paddock-mkrootfs.1" ] || fail "no paddock.1 or paddock-mkrootfs.1"
    for c in $cmds mkrootfs; do
        grep -q "BR paddock-$c (1)" "$m/paddock.1" || fail "paddock.1 SEE ALSO lacks paddock-$c(1)"
    done
    # Contents: options come from each --help.
    out=$(MANWIDTH=100 man -l "$m/paddock-run.1" 2>/dev/null)
    assert_contains "$out" "--bundle DIR" "man paddock-run"
    assert_contains "$out" "--detach" "man paddock-run"
    out=$(MANWIDTH=100 man -l "$m/paddock-sandbox.1" 2>/dev/null)
    assert_contains "$out" "--allow-nested-userns" "man paddock-sandbox"
    assert_contains "$out" "--json-status-fd" "man paddock-sandbox"
    out=$(MANWIDTH=100 man -l "$m/paddock.1" 2>/dev/null)
    assert_contains "$out" "/var/log/paddock/audit.log" "man paddock FILES"
    assert_contains "$out" "XDG_RUNTIME_DIR" "man paddock ENVIRONMENT"
    out=$(MANWIDTH=100 man -l "$m/paddock-mkrootfs.1" 2>/dev/null)
    assert_contains "$out" "debootstrap" "man paddock-mkrootfs"
    note "$n command pages"
}

t_man_errors() {
    need_paddock
    local out rc
    out=$("$MKMAN" "$T/no-such-paddock" "$T/m2" 2>&1)
    rc=$?
    assert_eq "$rc" 1 "mkman with a missing paddock"
    assert_contains "$out" "is not executable"
    [ ! -e "$T/m2" ] || [ -z "$(ls "$T/m2")" ] || fail "mkman wrote pages for a missing paddock"
}

# bcomp WORDS...: COMPREPLY for WORDS (the last one is completed), sorted, on one line.
# awk is mawk, Debian's default, also where gawk is installed: the script
# must not need gawk's extensions (regex intervals such as {1,6}).
bcomp() {
    mkdir -p "$T/cwd" "$T/awk"
    [ -x /usr/bin/mawk ] || fail "mawk is not installed (tests/setup/install-deps)"
    ln -sf /usr/bin/mawk "$T/awk/awk"
    (cd "$T/cwd" && PATH=$T/awk:$PATH bash -c '
        [ -r /usr/share/bash-completion/bash_completion ] && source /usr/share/bash-completion/bash_completion
        source "$0"
        COMP_WORDS=("${@}")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _paddock 2>/dev/null
        [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' "$COMP_BASH" "$@")
}

# make_created ID: a created container under $STATE_ROOT (for id completion).
make_created() {
    local b=$T/cb
    [ -d "$b" ] || make_bundle "$b" sleep 30
    rt_ok create --bundle "$b" "$1"
}

t_bash_completion() {
    need_paddock
    [ -r /usr/share/bash-completion/bash_completion ] || fail "bash-completion is not installed (tests/setup/install-deps)"
    local r=$RUNTIME
    assert_contains "$(bcomp "$r" cr)" "create " "paddock cr<TAB>"
    assert_eq "$(bcomp "$r" sa)" "sandbox " "paddock sa<TAB>"
    assert_not_contains "$(bcomp "$r" __)" "__probe" "internal commands"
    assert_contains "$(bcomp "$r" --ro)" "--root" "paddock --ro<TAB>"
    assert_eq "$(bcomp "$r" --log-format "")" "json text " "paddock --log-format <TAB>"
    assert_eq "$(bcomp "$r" run --bu)" "--bundle " "paddock run --bu<TAB>"
    assert_eq "$(bcomp "$r" sandbox --sandbox "")" "danger-full-access read-only workspace-write " "sandbox --sandbox <TAB>"
    assert_eq "$(bcomp "$r" sandbox --fallback "")" "auto refuse " "sandbox --fallback <TAB>"
    assert_eq "$(bcomp "$r" list --format "")" "json table " "list --format <TAB>"
    assert_eq "$(bcomp "$r" spec --rootfs ho)" "host " "spec --rootfs ho<TAB>"
    assert_eq "$(bcomp "$r" kill x SIGKI)" "SIGKILL " "kill ID SIGKI<TAB>"
    assert_contains "$(bcomp "$r" sandbox -- ech)" "echo" "sandbox -- ech<TAB>"
    # Container ids, from the --root given before the command.
    local id
    id=$(new_id comp)
    make_created "$id"
    assert_eq "$(bcomp "$r" --root "$STATE_ROOT" delete "")" "$id " "--root DIR delete <TAB>"
    assert_eq "$(bcomp "$r" --root "$STATE_ROOT" kill "${id:0:8}")" "$id " "--root DIR kill PREFIX<TAB>"
    assert_eq "$(bcomp "$r" --root "$STATE_ROOT" delete --force "")" "$id " "--root DIR delete --force <TAB>"
    assert_eq "$(bcomp "$r" --root "$STATE_ROOT" delete "$id" "")" "" "a second id for delete"
    rt_ok delete --force "$id"
}

# zcomp LINE: the matches zsh offers, sorted, on one line.
zcomp() {
    mkdir -p "$T/cwd"
    (cd "$T/cwd" && "$HELPERS/zsh-complete" "$COMP_ZSH_DIR" "$T/zcomp.out" "$1") >/dev/null 2>&1 ||
        fail "zsh-complete failed for '$1'"
    sort -u "$T/zcomp.out" | sed '/^$/d' | tr '\n' ' '
}

t_zsh_completion() {
    need_paddock
    need_cmd zsh zsh
    zsh -n "$COMP_ZSH_DIR/_paddock" || fail "_paddock: zsh -n failed"
    local r=$RUNTIME
    assert_contains "$(zcomp "$r cr")" "create" "paddock cr<TAB>"
    assert_eq "$(zcomp "$r --log-format ")" "json text " "paddock --log-format <TAB>"
    assert_contains "$(zcomp "$r run --bu")" "--bundle" "paddock run --bu<TAB>"
    assert_eq "$(zcomp "$r sandbox --sandbox ")" "danger-full-access read-only workspace-write " "sandbox --sandbox <TAB>"
    assert_eq "$(zcomp "$r sandbox --network ")" "host none " "sandbox --network <TAB>"
    assert_contains "$(zcomp "$r kill x SIGKI")" "SIGKILL" "kill ID SIGKI<TAB>"
    assert_contains "$(zcomp "$r sandbox -- ech")" "echo" "sandbox -- ech<TAB>"
    local id
    id=$(new_id zcomp)
    make_created "$id"
    assert_contains "$(zcomp "$r --root $STATE_ROOT delete ")" "$id" "--root DIR delete <TAB>"
    rt_ok delete --force "$id"
}

# store_fixture: an overlay workspace (container id $FIX_ID) and a snapshot
# pdt-snap-comp of it in $T/store.
store_fixture() {
    "$RUNTIME" snapshot --help >/dev/null 2>&1 || fail "$RUNTIME has no snapshot command (issue #6)"
    local b=$T/ob ws=$T/ows
    mkdir -p "$ws"
    make_bundle "$b" sh -c "echo x > '$ws/f'"
    cfg_set "$b" '.annotations = {"dev.paddock.workspace":$ws, "dev.paddock.workspace.kind":"overlay",
            "dev.paddock.audit-log":$l}
        | .mounts += [{"destination":$ws,"type":"bind","source":$ws,"options":["rbind","rw"]}]' \
        --arg ws "$ws" --arg l "$(bundle_log store-fixture)"
    FIX_ID=$(new_id ws)
    rt_ok --store "$T/store" run --bundle "$b" "$FIX_ID"
    rt_ok --store "$T/store" snapshot create "$FIX_ID" pdt-snap-comp
}

t_store_names() {
    need_paddock
    store_fixture
    local r=$RUNTIME s=$T/store
    assert_eq "$(bcomp "$r" --store "$s" snapshot "")" "create flatten gc list rm verify " "bash: snapshot <TAB>"
    assert_eq "$(bcomp "$r" --store "$s" snapshot rm "")" "pdt-snap-comp " "bash: snapshot rm <TAB>"
    assert_eq "$(bcomp "$r" --store "$s" workspace diff "")" "$FIX_ID " "bash: workspace diff <TAB>"
    assert_eq "$(bcomp "$r" --store "$s" workspace apply x --f)" "--force " "bash: workspace apply x --f<TAB>"
    assert_eq "$(bcomp "$r" --store "$s" run --from-snapshot "")" "pdt-snap-comp " "bash: run --from-snapshot <TAB>"
    need_cmd zsh zsh
    assert_eq "$(zcomp "$r --store $s snapshot rm ")" "pdt-snap-comp " "zsh: snapshot rm <TAB>"
    assert_contains "$(zcomp "$r --store $s snapshot ")" "flatten" "zsh: snapshot <TAB>"
    assert_eq "$(zcomp "$r --store $s workspace diff ")" "$FIX_ID " "zsh: workspace diff <TAB>"
    assert_eq "$(zcomp "$r --store $s workspace apply x --f")" "--force " "zsh: workspace apply x --f<TAB>"
    assert_eq "$(zcomp "$r --store $s run --from-snapshot ")" "pdt-snap-comp " "zsh: run --from-snapshot <TAB>"
}

run_case man_pages t_man_pages
run_case man_errors t_man_errors
run_case bash_completion t_bash_completion
run_case zsh_completion t_zsh_completion
run_case store_names t_store_names
finish
