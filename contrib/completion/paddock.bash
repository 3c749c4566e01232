# bash completion for paddock                              -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/paddock (make
# install); or source it.  The commands and the options of each are read from
# `paddock --help` and `paddock COMMAND --help`, so this file never falls
# behind the binary; option values and container ids are completed:
#   ids       `paddock [--root DIR] list -q` for the commands that take one
#   values    the choices a help line lists (a|b|c), sandbox modes, signals,
#             directories for DIR, files for FILE and PATH
#   sandbox   after `--`, a command line (as for sudo)

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
# help text ("DIR", "none|host", ...), empty for a flag.
_paddock_optarg() {
    _paddock_help "$1" "$2" | awk -v o="$3" '
        /^ {1,6}-/ {
            line = $0
            sub(/^ +/, "", line)
            n = split(line, w, /  +/)   # "-b, --bundle DIR" "description"
            m = split(w[1], t, / /)
            for (i = 1; i <= m; i++) {
                x = t[i]; sub(/,$/, "", x)
                if (x == o) { if (i < m && t[i + 1] !~ /^-/) print t[i + 1]; exit }
            }
        }'
}

_paddock_ids() { # BIN ROOT-ARGS...
    local bin=$1
    shift
    "$bin" "$@" list -q 2>/dev/null
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
    local bin=${words[0]} i w cmd= cmd_i=0 root=()
    command -v "$bin" >/dev/null 2>&1 || bin=paddock

    # The command: the first word that is neither a global option nor its value.
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --root | --log | --log-format | --cgroup-manager | --rootless)
                [ "$w" = --root ] && root=(--root "${words[i + 1]}")
                ((i++)) ;;
            --root=*) root=(--root "${w#--root=}") ;;
            -*) ;;
            *) cmd=$w; cmd_i=$i; break ;;
        esac
    done

    if [ -z "$cmd" ]; then
        case $prev in
            --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
            --log) COMPREPLY=($(compgen -f -- "$cur")); return ;;
            --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
            --cgroup-manager) COMPREPLY=($(compgen -W "cgroupfs systemd disabled" -- "$cur")); return ;;
            --rootless) COMPREPLY=($(compgen -W "auto true false" -- "$cur")); return ;;
        esac
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

    # The value of an option.
    if [[ $prev == -* ]]; then
        local arg
        arg=$(_paddock_optarg "$bin" "$cmd" "$prev")
        case $arg in
            '') ;;
            MODE) COMPREPLY=($(compgen -W "read-only workspace-write danger-full-access" -- "$cur")); return ;;
            DIR) COMPREPLY=($(compgen -d -- "$cur")); return ;;
            host\|DIR) COMPREPLY=($(compgen -W host -- "$cur") $(compgen -d -- "$cur")); return ;;
            FILE | PATH | FILE\|- | S) COMPREPLY=($(compgen -f -- "$cur")); return ;;
            *\|*) COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur")); return ;;
            *) return ;; # a number, a size, a list: nothing to offer
        esac
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
            [ "$npos" = 0 ] && COMPREPLY=($(compgen -W "$(_paddock_ids "$bin" "${root[@]}")" -- "$cur")) ;;
        kill)
            if [ "$npos" = 0 ]; then
                COMPREPLY=($(compgen -W "$(_paddock_ids "$bin" "${root[@]}")" -- "$cur"))
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
