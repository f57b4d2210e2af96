#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# KTAP runner for Domino's selftests (POSIX sh: it runs under busybox in
# the lab). Each test program is one top-level result; its own KTAP output
# is nested behind "# ", as the kernel's kselftest runner does.
#   run_tests.sh [TEST...]     (default: every test)
# Environment: DOMINO_TEST_TIMEOUT (seconds per test, default 120);
# KTAP_HEADER=0 and KTAP_FIRST=N let a caller that prints its own KTAP
# header and plan (the lab) number these results on from N.
dir=$(cd "$(dirname "$0")" && pwd)
tests=${*:-@TESTS@}
timeout_s=${DOMINO_TEST_TIMEOUT:-120}

set -- $tests
if [ "${KTAP_HEADER:-1}" = 1 ]; then
	echo "TAP version 13"
	echo "1..$#"
fi
n=$((${KTAP_FIRST:-1} - 1))
failed=0
for t in $tests; do
	n=$((n + 1))
	echo "# selftests: domino: $t"
	out=$(mktemp)
	timeout "$timeout_s" "$dir/$t" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	rm -f "$out"
	case $rc in
	0) echo "ok $n selftests: domino: $t" ;;
	4) echo "ok $n selftests: domino: $t # SKIP" ;;
	124|143) echo "not ok $n selftests: domino: $t # TIMEOUT ${timeout_s}s"; failed=1 ;;
	*) echo "not ok $n selftests: domino: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
