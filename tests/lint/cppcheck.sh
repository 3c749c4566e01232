#!/usr/bin/env bash
# Static analysis of runtime/ and hooks/ with cppcheck: one test case, "ok cppcheck" when
# it reports nothing.  A finding that is a false positive is suppressed inline
# (// cppcheck-suppress ID) with a comment that explains why.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! command -v cppcheck >/dev/null; then
    echo "not ok cppcheck: cppcheck is not installed (make deps installs it)"
    exit 1
fi
out=$(cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
    --std=c11 -D_GNU_SOURCE -DPADDOCK_VERSION='"0"' --inline-suppr -I runtime -I hooks runtime/ hooks/ 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
    echo "ok cppcheck"
else
    printf '%s\n' "$out" | sed 's/^/    /'
    echo "not ok cppcheck: findings above"
fi
