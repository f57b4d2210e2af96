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

# After each test: every domain gone and the module's counters back where
# they were (its allocations, not the host's), and the kernel log free of
# oops, WARN, BUG, lockdep and RCU reports. A test that leaks fails.
sysfs=/sys/class/misc/domino
bad='WARNING:|BUG:|Oops|general protection fault|Call Trace|rcu_sched self-detected|rcu: INFO|possible circular locking|blocked for more than|cut here'
counters() { [ -d $sysfs ] && echo "$(cat $sysfs/domains)/$(cat $sysfs/alloc_objects)/$(cat $sysfs/alloc_pages)"; }
# The log since a test began: after the mark it wrote (all of the log if
# the mark rotated out of a full ring buffer).
log_since() {
	dmesg 2>/dev/null | awk -v m="$1" 'f { print; next } index($0, m) { f = 1; next }
		{ held[++n] = $0 } END { if (!f) for (i = 1; i <= n; i++) print held[i] }'
}
after_test() {	# after_test BEFORE MARK: prints what is wrong, if anything
	i=0
	while [ "$(counters)" != "$1" ] && [ $i -lt 30 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(counters)" = "$1" ] || echo "leak: domains/objects/pages $1 before, $(counters) after"
	log_since "$2" | grep -Eq "$bad" && echo "kernel log report"
}

for t in $tests; do
	n=$((n + 1))
	echo "# selftests: domino: $t"
	out=$(mktemp)
	before=$(counters)
	mark="domino-selftest: $t starts ($n)"
	echo "$mark" > /dev/kmsg 2>/dev/null
	timeout "$timeout_s" "$dir/$t" >"$out" 2>&1 &
	pid=$!
	# A line every 2 s while a long test (a fuzzer) runs: the lab's
	# watchdog takes 120 s of silence for a hang, and under Bochs a busy
	# second of L1's time can take forty.
	s=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		s=$((s + 1))
		[ $((s % 2)) -eq 0 ] && echo "# $t: running for ${s}s"
	done
	wait "$pid"
	rc=$?
	sed 's/^/# /' "$out"
	rm -f "$out"
	broken=$(after_test "$before" "$mark" | tr '\n' ';')
	if [ -n "$broken" ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 143 ]; then
		log_since "$mark" | grep -E -A3 "$bad" | head -n 40 | sed 's/^/# /'
		echo "not ok $n selftests: domino: $t # ${broken%;}"
		failed=1
		continue
	fi
	case $rc in
	0) echo "ok $n selftests: domino: $t" ;;
	4) echo "ok $n selftests: domino: $t # SKIP" ;;
	124|143) echo "not ok $n selftests: domino: $t # TIMEOUT ${timeout_s}s"; failed=1 ;;
	*) echo "not ok $n selftests: domino: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
