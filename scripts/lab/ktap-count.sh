#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktap-count.sh FILE...
# Count the top-level results of KTAP documents (nested lines behind "# "
# are the tests' own detail). Prints "PASS FAIL SKIP"; a document that
# declared a plan and reported fewer results counts the missing ones as
# failures. A skip inside a test that passed (a nested "ok N ... # SKIP")
# is counted as a skip too, so no skipped check hides behind its test's
# "ok". Exit 1 if anything failed.
set -euo pipefail
pass=0 fail=0 skip=0
for f in "$@"; do
    read -r p x s planned seen nested < <(awk '
        /^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan += $1 + 0; next }
        /^not ok [0-9]+/ { x++; next }
        /^ok [0-9]+.*# SKIP/ { s++; next }
        /^ok [0-9]+/ { p++; next }
        /^(# )+ok [0-9]+.*# SKIP/ { ns++ }
        END { print p + 0, x + 0, s + 0, plan + 0, p + x + s, ns + 0 }' "$f")
    if [ "$planned" -gt "$seen" ]; then
        x=$((x + planned - seen))
        echo "$f: planned $planned results, saw $seen" >&2
    fi
    pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + s + nested))
done
echo "$pass $fail $skip"
[ "$fail" -eq 0 ]
