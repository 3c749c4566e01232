# bash completion for paddock                              -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/paddock (make
# install); or source it.  The commands, their subcommands (snapshot,
# workspace) and every option are read from `paddock --help` and
# `paddock COMMAND --help`, so this file never falls behind the binary;
# what it completes:
#   values     the choices a help line lists (a|b|c), sandbox modes, signals,
#              directories for DIR, files for FILE and PATH, snapshot names
#              for SNAP, workspace names for NAME
#   ids        `paddock [--root DIR] list -q` for the commands that take a
#              container; overlay workspaces and snapshots from
#              `paddock [--store DIR] workspace|snapshot list --json`
#   sandbox    after `--`, a command line (as for sudo)

# _paddock_help BIN [COMMAND]: the help text (empty on failure).
_paddock_help() {
    "$1" ${2:+"$2"} --help 2>/dev/null
}

# _paddock_options BIN [COMMAND]: every option the help text lists, one per line.
_paddock_options() {
    _paddock_help "$@" | sed -nE 's/^ {1,6}(-[a-zA-Z], )?(--[a-z][-a-z0-9]*).*/\1\2/p' |
        tr ',' '\n' | tr -d ' '
}

# _paddock_optarg BIN COMMAND OPTION: the argument name an option takes in the
# help text ("DIR", "none|host", ...), empty for a flag.  COMMAND "" is the
# global options.  (No regex intervals such as {1,6} in awk: mawk, Debian's
# default awk, has none.)
_paddock_optarg() {
    _paddock_help "$1" "$2" | awk -v o="$3" '
        /^ +-/ && match($0, /[^ ]/) <= 7 {
            line = $0
            sub(/^ +/, "", line)
            split(line, w, /  +/)   # "-b, --bundle DIR" "description"
            m = split(w[1], t, / /)
            for (i = 1; i <= m; i++) {
                x = t[i]; sub(/,$/, "", x)
                if (x == o) { if (i < m && t[i + 1] !~ /^-/) print t[i + 1]; exit }
            }
        }'
}

# _paddock_subcommands BIN COMMAND: the names in the "Commands:" section of
# a command's help (snapshot, workspace), one per line.
_paddock_subcommands() {
    _paddock_help "$1" "$2" | awk '/^Commands:/ { on = 1; next } on && /^[^ ]/ { exit }
        on && /^  [a-z]/ { print $1 }'
}

# _paddock_suboptions BIN COMMAND SUB: the [--options] on SUB's lines.
_paddock_suboptions() {
    _paddock_help "$1" "$2" | awk -v s="$3" '/^Commands:/ { on = 1; next } on && /^[^ ]/ { exit }
        on && /^  [a-z]/ { cur = $1 } on && cur == s' | grep -oE -- '\[--[a-z][-a-z0-9]*' | tr -d '[' | sort -u
}

_paddock_ids() { # BIN GLOBAL-ARGS...
    local bin=$1
    shift
    "$bin" "$@" list -q 2>/dev/null
}

# _paddock_names BIN snapshot|workspace GLOBAL-ARGS...: names from `list --json`.
_paddock_names() {
    local bin=$1 what=$2
    shift 2
    "$bin" "$@" "$what" list --json 2>/dev/null | grep -oE '^    "name": "[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}

# _paddock_value BIN ARGNAME GLOBAL-ARGS...: COMPREPLY for an option's value;
# returns 1 when the argument is free text (nothing to offer).
_paddock_value() {
    local bin=$1 arg=$2
    shift 2
    case $arg in
        MODE) COMPREPLY=($(compgen -W "read-only workspace-write danger-full-access" -- "$cur")) ;;
        DIR) COMPREPLY=($(compgen -d -- "$cur")) ;;
        host\|DIR) COMPREPLY=($(compgen -W host -- "$cur") $(compgen -d -- "$cur")) ;;
        FILE | PATH | FILE\|- | S) COMPREPLY=($(compgen -f -- "$cur")) ;;
        SNAP) COMPREPLY=($(compgen -W "$(_paddock_names "$bin" snapshot "$@")" -- "$cur")) ;;
        NAME) COMPREPLY=($(compgen -W "$(_paddock_names "$bin" workspace "$@")" -- "$cur")) ;;
        *\|*) # literal choices only: "allow:LIST" is a template, not a value
            local v vals=()
            for v in ${arg//|/ }; do [[ $v == *:* ]] || vals+=("$v"); done
            COMPREPLY=($(compgen -W "${vals[*]}" -- "$cur")) ;;
        *) return 1 ;; # a number, a size, a list
    esac
}

_paddock() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n =: || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    local bin=${words[0]} i w cmd= cmd_i=0 globals=()
    command -v "$bin" >/dev/null 2>&1 || bin=paddock

    # The command: the first word that is neither a global option nor its
    # value; --root and --store are passed on to the list commands.
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --root=* | --store=*) globals+=("$w") ;;
            -*)
                if [ -n "$(_paddock_optarg "$bin" "" "$w")" ]; then
                    case $w in --root | --store) globals+=("$w" "${words[i + 1]}") ;; esac
                    ((i++))
                fi ;;
            *) cmd=$w; cmd_i=$i; break ;;
        esac
    done

    if [ -z "$cmd" ]; then
        if [[ $prev == -* ]]; then
            _paddock_value "$bin" "$(_paddock_optarg "$bin" "" "$prev")" "${globals[@]}" && return
            [ -z "$(_paddock_optarg "$bin" "" "$prev")" ] || return
        fi
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_paddock_options "$bin")" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_paddock_help "$bin" | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')" -- "$cur"))
        fi
        return
    fi

    # After `--` (sandbox, status, check): a command line.
    for ((i = cmd_i + 1; i < cword; i++)); do
        if [ "${words[i]}" = -- ]; then
            if declare -F _command_offset >/dev/null 2>&1; then
                _command_offset $((i + 1))
            else
                COMPREPLY=($(compgen -c -- "$cur"))
            fi
            return
        fi
    done

    # Commands with subcommands (snapshot, workspace).
    local subs sub=
    subs=$(_paddock_subcommands "$bin" "$cmd")
    if [ -n "$subs" ]; then
        for ((i = cmd_i + 1; i < cword; i++)); do
            [[ ${words[i]} == -* ]] || { sub=${words[i]}; cmd_i=$i; break; }
        done
        if [ -z "$sub" ]; then
            COMPREPLY=($(compgen -W "$subs" -- "$cur"))
            return
        fi
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_paddock_suboptions "$bin" "$cmd" "$sub")" -- "$cur"))
            return
        fi
        local n=0
        for ((i = cmd_i + 1; i < cword; i++)); do [[ ${words[i]} == -* ]] || ((n++)); done
        case $cmd.$sub.$n in
            snapshot.create.0)
                COMPREPLY=($(compgen -W "$(_paddock_ids "$bin" "${globals[@]}") $(_paddock_names "$bin" workspace "${globals[@]}")" -- "$cur")) ;;
            snapshot.rm.0 | snapshot.flatten.0)
                COMPREPLY=($(compgen -W "$(_paddock_names "$bin" snapshot "${globals[@]}")" -- "$cur")) ;;
            workspace.diff.0 | workspace.apply.0 | workspace.discard.0)
                COMPREPLY=($(compgen -W "$(_paddock_names "$bin" workspace "${globals[@]}")" -- "$cur")) ;;
        esac
        return
    fi

    # The value of an option.
    if [[ $prev == -* ]]; then
        local arg
        arg=$(_paddock_optarg "$bin" "$cmd" "$prev")
        if [ -n "$arg" ]; then
            _paddock_value "$bin" "$arg" "${globals[@]}"
            return
        fi
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_paddock_options "$bin" "$cmd")" -- "$cur"))
        return
    fi

    # Positional arguments: a container id for the commands that take an
    # existing one; kill's second is a signal.
    local npos=0
    for ((i = cmd_i + 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -* ]]; then
            [ -n "$(_paddock_optarg "$bin" "$cmd" "$w")" ] && ((i++))
            continue
        fi
        ((npos++))
    done
    case $cmd in
        start | state | delete | exec | ps | pause | resume | update | events | status)
            [ "$npos" = 0 ] && COMPREPLY=($(compgen -W "$(_paddock_ids "$bin" "${globals[@]}")" -- "$cur")) ;;
        kill)
            if [ "$npos" = 0 ]; then
                COMPREPLY=($(compgen -W "$(_paddock_ids "$bin" "${globals[@]}")" -- "$cur"))
            elif [ "$npos" = 1 ]; then
                local sigs
                sigs=$(kill -l | tr -s '\t ' '\n\n' | sed -n 's/^SIG//p')
                if [[ $cur == SIG* ]]; then
                    COMPREPLY=($(compgen -P SIG -W "$sigs" -- "${cur#SIG}"))
                else
                    COMPREPLY=($(compgen -W "$sigs" -- "$cur"))
                fi
            fi ;;
    esac
}
complete -F _paddock paddock
