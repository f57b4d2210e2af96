#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the lab's L1 kernel (busybox sh), or natively as root for
# `make check-native`: loads domino.ko the way a user would, runs the
# selftests, unloads, and checks the kernel log. Prints one KTAP document
# between DOMINO-KTAP-BEGIN/END markers; exit status 0 only if all passed.
#
# Environment:
#   DOMINO_ROOT   folder holding domino.ko, bin/domino, selftests/ (default:
#                 this script's folder)
#   KMOD_DIR      folder of the kernel's own .ko files (kvm*.ko, msr.ko);
#                 empty means use modprobe (native runs)
set -u
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
# host_facts (read from the boot messages now), wait_log
. "$root/l1-lib.sh"
kmod_dir=${KMOD_DIR-/lib/modules}
st=$root/selftests
n=0
failed=0

result() {	# result PASS|FAIL|SKIP description [reason]
	n=$((n + 1))
	case $1 in
	PASS) echo "ok $n lab: $2" ;;
	SKIP) echo "ok $n lab: $2 # SKIP ${3:-}" ;;
	*) echo "not ok $n lab: $2${3:+ # $3}"; failed=1 ;;
	esac
}

load_kmod() {	# load_kmod NAME: the kernel's own module, flat dir or modprobe
	if [ -n "$kmod_dir" ]; then
		[ -f "$kmod_dir/$1.ko" ] || return 1
		insmod "$kmod_dir/$1.ko"
	else
		modprobe "$1"
	fi
}

# The kernel log since the last mark, so each check sees only its own step.
# A mark is a line written into the log itself: line counts stop growing
# once the ring buffer is full (a long fuzz run fills it). A mark that has
# rotated out means everything left came after it.
log_mark=0
mark_log() { log_mark=$((log_mark + 1)); echo "domino-lab: mark $log_mark" > /dev/kmsg; }
dmesg_after() {	# dmesg_after TEXT [dmesg options]: the log after the line holding TEXT
	m=$1; shift
	dmesg "$@" | awk -v m="$m" 'f { print; next } index($0, m) { f = 1; next }
		{ held[++n] = $0 } END { if (!f) for (i = 1; i <= n; i++) print held[i] }'
}
dmesg_since_mark() { dmesg_after "domino-lab: mark $log_mark"; }

if grep -qw svm /proc/cpuinfo; then
	vendor=svm kvm_vendor=kvm_amd
elif grep -qw vmx /proc/cpuinfo; then
	vendor=vmx kvm_vendor=kvm_intel
else
	vendor=none kvm_vendor=
fi
# Linux guests on Domino (l1-guests.sh): LAB_GUESTS=0 leaves them out.
# LAB_TESTS picks selftests (`make fuzz`); FUZZ_SECONDS and FUZZ_SEED are
# the fuzzers' budget and seed.
[ -f "$root/lab.env" ] && . "$root/lab.env"
tests=${LAB_TESTS:-$(cat "$st/TESTS")}
set -- $tests
nr_tests=$#
# Under Bochs an L1 second is 500M instructions (bochs-vmx.sh), 8-20 s of
# wall time: the fuzzers' budget there is FUZZ_SECONDS_VMX (default 8 s of
# L1 time, 1-3 min each).
[ "$vendor" = vmx ] && FUZZ_SECONDS=${FUZZ_SECONDS_VMX:-8}
export DOMINO_FUZZ_SECONDS=${FUZZ_SECONDS:-} DOMINO_FUZZ_SEED=${FUZZ_SEED:-}
[ -n "${FUZZ_SECONDS:-}" ] && export DOMINO_TEST_TIMEOUT=$((FUZZ_SECONDS + 120))
echo "DOMINO-KTAP-BEGIN $vendor"
echo "TAP version 13"
guest_tests=0
[ -f "$root/l1-guests.sh" ] && guest_tests=$(sed -n 's/^GUEST_TESTS=//p' "$root/l1-guests.sh")
echo "1..$((nr_tests + 11 + guest_tests))"
echo "# kernel $(uname -r), cpu flag: $vendor, $(grep -c ^processor /proc/cpuinfo) CPUs"

# Reports from the boot itself belong to the emulator, not to Domino (Bochs's
# xstate emulation WARNs in fpu__init_system_xstate on every boot): the
# final log check covers what happens from here on, and names the others.
echo "domino-lab: suite start" > /dev/kmsg
dmesg | grep -q 'WARNING: CPU:' && echo "# boot-time kernel WARN before the suite started (emulator):" &&
	dmesg | grep 'WARNING: CPU:' | sed 's/^/#   /'

# A task blocked for 30 s is reported (and fails the log check) well before
# the lab's watchdog (120 s of silence) kills L1 with nothing said.
echo 30 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

# msr.ko lets tests compare the module's findings with the MSRs. The lab
# ships it (mkinitramfs.sh), so there a test that cannot read an MSR fails
# rather than skips; native runs may lack it.
load_kmod msr 2>/dev/null
# The same for the other prerequisites the lab provides (/dev/domino, the
# guest kernel, /dev/kvm): missing there, a test fails (ktap_exit_missing).
[ -n "$kmod_dir" ] && export DOMINO_REQUIRE_MSR=1 DOMINO_LAB=1

# 1: the anchor hypervisor, also the "other hypervisor" of the next step.
if [ -z "$kvm_vendor" ]; then
	result FAIL "CPU offers VMX or SVM" "neither flag in /proc/cpuinfo"
elif lsmod | grep -q "^$kvm_vendor "; then
	result PASS "$kvm_vendor already loaded"
elif load_kmod irqbypass && load_kmod kvm && load_kmod "$(echo $kvm_vendor | tr _ -)"; then
	result PASS "$kvm_vendor loads (the anchor)"
else
	result FAIL "$kvm_vendor loads (the anchor)"
fi

# 2: loading next to a hypervisor that holds the hardware fails cleanly.
mark_log
if [ -c /dev/kvm ]; then
	: > /tmp/kvm_hold.out
	"$st/kvm_hold" > /tmp/kvm_hold.out 2>&1 &
	holder=$!
	i=0
	while ! grep -q holding /tmp/kvm_hold.out && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	if insmod "$root/domino.ko" 2>/tmp/insmod.err; then
		result FAIL "domino.ko refuses to load while $kvm_vendor holds $vendor" "it loaded"
		rmmod domino
	elif dmesg_since_mark | grep -q "in use by another hypervisor; unload $kvm_vendor"; then
		cat /tmp/insmod.err | sed 's/^/# /'
		dmesg_since_mark | grep domino | sed 's/^/# /'
		result PASS "domino.ko refuses to load while $kvm_vendor holds $vendor (EBUSY, fix named)"
	else
		dmesg_since_mark | sed 's/^/# /'
		result FAIL "domino.ko refuses to load while $kvm_vendor holds $vendor" "no log line naming the fix"
	fi
	kill "$holder"; wait "$holder" 2>/dev/null
elif [ -n "$kmod_dir" ]; then
	result FAIL "domino.ko refuses to load while KVM holds the hardware" "/dev/kvm missing, though the lab loads $kvm_vendor"
else
	result SKIP "domino.ko refuses to load while KVM holds the hardware" "/dev/kvm missing"
fi

# 3, 4: load, and the backend appears in the log and in `domino info`.
mark_log
if insmod "$root/domino.ko" && [ -c /dev/domino ]; then
	result PASS "domino.ko loads, /dev/domino present"
	# What the module holds for its own life (domain 0's xenbus port and
	# ring, /proc/xen): the counters come back here, and to 0 at unload.
	load_objs=$(cat /sys/class/misc/domino/alloc_objects)
	load_pages=$(cat /sys/class/misc/domino/alloc_pages)
else
	result FAIL "domino.ko loads, /dev/domino present"
fi
dmesg_since_mark | grep 'domino' | sed 's/^/# /'
if dmesg_since_mark | grep -q "domino: backend $vendor " &&
   "$root/bin/domino" info > /tmp/info.out 2>&1 &&
   grep -q "^backend *: $vendor" /tmp/info.out; then
	sed 's/^/# /' /tmp/info.out
	result PASS "backend $vendor detected, logged and shown by 'domino info'"
else
	sed 's/^/# /' /tmp/info.out 2>/dev/null
	result FAIL "backend $vendor detected, logged and shown by 'domino info'"
fi

# The test hook of lab.sh's stall retry (LAB_TEST_STALL=1): go silent
# with domino.ko loaded, as a wedged L1 would, until the watchdog kills L1.
if grep -qw 'domino.labstall=1' /proc/cmdline; then
	echo "# test hook domino.labstall=1: silent from here, as a wedged L1"
	while :; do sleep 3600; done
fi

# 5..: the selftests, numbered on in this document.
KTAP_HEADER=0 KTAP_FIRST=$((n + 1)) "$st/run_tests.sh" $tests || failed=1
n=$((n + nr_tests))

# sti; hlt with a one-shot timer, 1000 times: every round's interrupt must
# wake its HLT (an interrupt taken before the HLT would leave it asleep).
if out=$(timeout 60 "$st/bench_exits" domino 1000 hlt-wake 2>&1); then
	echo "# $out"
	result PASS "1000 rounds of timer, sti; hlt, wake-up, EOI complete (no lost wake-up)"
else
	rc=$?
	echo "$out" | tail -n 3 | sed 's/^/# /'
	[ "$rc" = 124 ] && why="not done in 60 s" || why="exit $rc: its counts fail, see above"
	result FAIL "1000 rounds of timer, sti; hlt, wake-up, EOI complete (no lost wake-up)" "$why"
fi

if [ "$guest_tests" -gt 0 ] && [ "${LAB_GUESTS:-1}" != 0 ]; then
	# A line every few seconds of L1 time while guests boot in silence
	# (`quiet`): the lab's watchdog takes minutes without output for a
	# hang, and under Bochs a second of L1 time can take one.
	tick=20
	[ "$vendor" = vmx ] && tick=1
	(while sleep "$tick"; do echo "# guests: L1 up $(cut -d' ' -f1 /proc/uptime) s"; done) &
	ticker=$!
	. "$root/l1-guests.sh"
	kill "$ticker" 2>/dev/null
	wait "$ticker" 2>/dev/null
else
	i=0
	while [ $i -lt "$guest_tests" ]; do
		result SKIP "Linux guest test $((i + 1))" "LAB_GUESTS=0: ${LAB_GUESTS_WHY:-left out of this run}"
		i=$((i + 1))
	done
fi

# Nothing left over once every fd is closed.
objs=$(cat /sys/class/misc/domino/alloc_objects 2>/dev/null)
pages=$(cat /sys/class/misc/domino/alloc_pages 2>/dev/null)
doms=$(cat /sys/class/misc/domino/domains 2>/dev/null)
what="after the tests: 0 domains, objects and pages as at load (${load_objs:-?}/${load_pages:-?}: domain 0's xenbus port and ring)"
if [ -n "$objs" ] && [ "$objs" = "${load_objs:-x}" ] && [ "$pages" = "${load_pages:-x}" ] &&
   [ "$doms" = 0 ]; then
	result PASS "$what"
else
	result FAIL "$what" "domains=$doms objects=$objs pages=$pages"
fi

mark_log
if rmmod domino; then
	result PASS "domino.ko unloads"
else
	result FAIL "domino.ko unloads"
fi
if dmesg_since_mark | grep -q "domino: unloaded, all allocations returned"; then
	result PASS "unload found every allocation returned"
else
	dmesg_since_mark | sed 's/^/# /'
	result FAIL "unload found every allocation returned"
fi

# KVM must still be intact after all of the above.
if [ -c /dev/kvm ] && rmmod "$kvm_vendor" && rmmod kvm; then
	result PASS "$kvm_vendor and kvm unload cleanly afterwards"
else
	result FAIL "$kvm_vendor and kvm unload cleanly afterwards"
fi

# Domino itself logs at WARN or above only for the refusals the tests provoke.
noisy=$(dmesg_after "domino-lab: suite start" -r | grep -E '^<[0-4]>' | grep 'domino' |
	grep -v -e 'in use by another hypervisor' -e 'taints kernel' -e 'module verification failed')
if [ -z "$noisy" ]; then
	result PASS "domino logged nothing at WARN or above beyond the provoked refusals"
else
	echo "$noisy" | sed 's/^/# /'
	result FAIL "domino logged nothing at WARN or above beyond the provoked refusals"
fi

# The log since the suite started: no oops, WARN, BUG, lockdep or RCU report.
bad='WARNING:|BUG:|Oops|general protection fault|Call Trace|rcu_sched self-detected|rcu: INFO|possible circular locking|blocked for more than|cut here'
if dmesg_after "domino-lab: suite start" | grep -Eq "$bad"; then
	dmesg_after "domino-lab: suite start" | grep -E -A3 "$bad" | sed 's/^/# /'
	result FAIL "kernel log free of oops/WARN/BUG/lockdep/RCU reports"
else
	result PASS "kernel log free of oops/WARN/BUG/lockdep/RCU reports"
fi

echo "DOMINO-KTAP-END $vendor failed=$failed"
echo "DOMINO-DMESG-BEGIN"
dmesg
echo "DOMINO-DMESG-END"
exit $failed
