#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The lab checking itself (check.sh runs it in the SVM lab as
# LAB_SCRIPT=l1-selfcheck.sh with LAB_TEST_STALL=1): proof that two of its
# checks can fail.
#   - The stall retry (lab.sh): the first boot goes silent after result 1,
#     as a wedged L1 would; check.sh then asserts that the stall was counted
#     as a failure and that the retry still ran everything below.
#   - The guest time check (l1-lib.sh, clock_verdict): a guest whose pvclock
#     runs at twice the host's rate (domino.ko's test_clock_2x hook) must
#     fail it, and the same guest without the hook must pass it.
# Prints one KTAP document between DOMINO-KTAP-BEGIN/END.
set -u
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
[ -f "$root/lab.env" ] && . "$root/lab.env"
dom="$root/bin/domino"
guest_dir=/tmp/guests
mkdir -p "$guest_dir" /run/domino /var/log/domino
. "$root/l1-lib.sh"
vendor=none
grep -qw svm /proc/cpuinfo && vendor=svm
grep -qw vmx /proc/cpuinfo && vendor=vmx
hook=/sys/module/domino/parameters/test_clock_2x
# One vCPU, every thread on L1's CPU 0 (and QEMU single-threaded, check.sh):
# the clock check is what is tested here, and the SVM lab's open guest
# deaths need L1's CPUs running in parallel (docs/security.md).
GUEST_VCPUS=1
# KVM's path: test_clock_2x doubles the pvclock, which on Xen's path also
# sets the time base of the guest's own timers (they would skew with it and
# test something else); the lab's clock judgement is what is checked here.
GUEST_HYPERVISOR=kvm

n=0 failed=0
result() {	# result PASS|FAIL description [reason]
	n=$((n + 1))
	case $1 in
	PASS) echo "ok $n selfcheck: $2" ;;
	*) echo "not ok $n selfcheck: $2${3:+ # $3}"; failed=1 ;;
	esac
}

# clock_boot NAME: boots a guest to its time check; prints clock_verdict's
# figures; returns its verdict (2: the guest never got that far).
clock_boot() {
	guest_cfg "$1" boot
	taskset -c 0 "$dom" create "$guest_dir/$1.cfg" > "$guest_dir/$1.create" 2>&1 || {
		sed 's/^/#   /' "$guest_dir/$1.create"
		return 2
	}
	"$dom" console "$1" < /dev/null > "$guest_dir/$1.log" 2>&1 &
	con=$!
	if wait_log "$guest_dir/$1.log" "DOMINO-GUEST: init" 240; then
		clock_verdict "$guest_dir/$1.log" 120 > "$guest_dir/$1.clock" 2>&1
		rc=$?
	else
		echo "clock: the guest never reached init" > "$guest_dir/$1.clock"
		rc=2
	fi
	"$dom" destroy "$1" 2>/dev/null
	wait_gone "$1" 60
	kill "$con" 2>/dev/null; wait "$con" 2>/dev/null
	sed 's/^/#   /' "$guest_dir/$1.clock"
	return $rc
}

echo "DOMINO-KTAP-BEGIN $vendor"
echo "TAP version 13"
echo "1..4"
echo "# lab self-check on $vendor, kernel $(uname -r)"
if insmod "$root/domino.ko" && [ -c /dev/domino ] && [ -w "$hook" ]; then
	result PASS "domino.ko loads, with its test_clock_2x hook"
else
	result FAIL "domino.ko loads, with its test_clock_2x hook"
fi

# lab.sh's stall hook: silent from here until the watchdog kills L1.
if grep -qw 'domino.labstall=1' /proc/cmdline; then
	echo "# test hook domino.labstall=1: silent from here, as a wedged L1"
	while :; do sleep 3600; done
fi

(while sleep 20; do echo "# selfcheck: L1 up $(cut -d' ' -f1 /proc/uptime) s"; done) &
ticker=$!

echo 1 > "$hook"
clock_boot fast; rc=$?
echo 0 > "$hook"
# Failed, and for the right reason: L1 saw about half the guest's interval.
figs=$(sed -n 's/^clock: guest \([0-9]*\) cs by its clock, \([0-9]*\) cs by L1.s.*/\1 \2/p' "$guest_dir/fast.clock")
set -- $figs
if [ "$rc" = 1 ] && [ $# -eq 2 ] && [ $(($2 * 8)) -ge $(($1 * 3)) ] && [ $(($2 * 8)) -le $(($1 * 5)) ]; then
	result PASS "a guest clock at 2x (test_clock_2x) fails the time check: $1 cs by its clock, $2 by L1's"
else
	result FAIL "a guest clock at 2x (test_clock_2x) fails the time check" "verdict $rc, figures '$figs'"
fi

if clock_boot control; then
	result PASS "the same guest without the hook passes it"
else
	result FAIL "the same guest without the hook passes it"
fi
kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null

if rmmod domino && dmesg | grep -q "domino: unloaded, all allocations returned"; then
	result PASS "domino.ko unloads with every allocation returned"
else
	result FAIL "domino.ko unloads with every allocation returned"
fi
echo "DOMINO-KTAP-END $vendor failed=$failed"
exit $failed
