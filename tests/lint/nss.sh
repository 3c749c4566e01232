#!/usr/bin/env bash
# The runtime looks users, groups and hosts up only through runtime/nss.c,
# which keeps glibc to its built-in NSS modules (nss.h: a module dlopen()ed
# into the static runtime crashed it).  One test case, "ok nss_lookups",
# when no other file of runtime/ calls glibc's NSS functions.
set -uo pipefail
cd "$(dirname "$0")/../.."
fns='getpw(uid|nam|ent)|getgr(gid|nam|ent|ouplist)|getaddrinfo|gethostby(name|name2|addr)|getservby(name|port)|getprotoby(name|number)|initgroups|getspnam|getnetgrent'
hits=$(grep -nE "\\b($fns)(_r)?[[:space:]]*\\(" runtime/*.c runtime/cli/*.c | grep -v '^runtime/nss\.c:' |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)')
if [ -z "$hits" ]; then
    echo "ok nss_lookups"
else
    printf '%s\n' "$hits" | sed 's/^/    /'
    echo "not ok nss_lookups: glibc NSS calls outside runtime/nss.c (use pd_getpwuid, pd_getaddrinfo)"
fi
