#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo inside L1: load domino.ko as a user would, show what it found,
# then boot the lab's Debian kernel as a 2-vCPU PVH domain with its console
# attached (`domino create -c`), the way an xl user would, and unload.
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
dom="$root/bin/domino"
[ -f "$root/lab.env" ] && . "$root/lab.env"
. "$root/l1-lib.sh"	# host_facts, guest_console_arg
echo "DOMINO-DEMO-BEGIN"
echo "\$ insmod domino.ko"
insmod "$root/domino.ko" || { echo "DOMINO-DEMO-END failed"; exit 1; }
dmesg | grep 'domino:' | grep -v taint
echo "\$ domino info"
"$dom" info
mkdir -p /run/domino /var/log/domino
# The guest's self-check forgives what the host CPU model also does (see
# scripts/lab/guest/init).
cat > /tmp/demo.cfg <<CFG
name = "debian"
type = "pvh"
memory = 256
vcpus = 2
kernel = "$root/vmlinuz"
ramdisk = "$root/guest.cpio"
extra = "$(guest_console_arg) ${GUEST_CONSOLE_ARGS:-} domino.test=boot $(host_facts) $(guest_xen_arg)"
on_poweroff = "destroy"
CFG
if grep -qw vmx /proc/cpuinfo && [ "${DEMO_GUEST_ON_VMX:-1}" = 0 ]; then
	# DEMO_GUEST_ON_VMX=0: Bochs takes minutes to boot a Linux guest.
	echo "(DEMO_GUEST_ON_VMX=0: no guest in this lab; the SVM lab shows one)"
	echo "\$ rmmod domino"
	rmmod domino
	dmesg | grep 'domino: unloaded'
	echo "DOMINO-DEMO-END ok"
	exit 0
fi
echo "\$ cat demo.cfg"
cat /tmp/demo.cfg
echo "\$ domino create demo.cfg -c"
# DEMO_WATCH_S: every that many seconds, where each thread of the VMMs
# is (state, CPU ticks, kernel stack), for diagnosing a stalled guest.
if [ -n "${DEMO_WATCH_S:-}" ]; then
	(while sleep "$DEMO_WATCH_S"; do
		echo "# watch $(cut -d' ' -f1 /proc/uptime)"
		for p in $(pidof domino); do
			for t in /proc/$p/task/*; do
				echo "#  $(cut -d' ' -f2,3,14,15 "$t/stat") $(tr '\n' ' ' < "$t/stack" | cut -c1-300)"
			done
		done
		grep -E 'LOC|TRM|PMN' /proc/interrupts | tr -s ' ' | sed 's/^/#  /'
		dmesg | grep domino | tail -n 3 | sed 's/^/#  /'
	done) &
	watch=$!
fi
# L1 times the guest's clock marks as the daemon logs them (l1-lib.sh).
mkdir -p /var/log/domino
: > /var/log/domino/debian.log
clock_verdict /var/log/domino/debian.log 600 > /tmp/demo.clock 2>&1 &
clk=$!
"$dom" create /tmp/demo.cfg -c < /dev/null | tr -d '\r' | tee /tmp/demo.console
[ -n "${watch:-}" ] && kill "$watch"
echo "\$ domino list"
"$dom" list
# The demo passes only if the guest did: its init said "result pass" and
# it powered off (a crash, a hang or a failed check fails the demo).
verdict=ok
wait "$clk"; clock=$?
cat /tmp/demo.clock
if ! grep -aq "DOMINO-GUEST: result pass" /tmp/demo.console; then
	verdict="failed (the guest did not pass its checks)"
elif [ "$clock" != 0 ]; then
	verdict="failed (the guest's clock disagrees with L1's)"
elif ! grep -aq "stopped: poweroff" /tmp/demo.console; then
	verdict="failed (the guest did not power off)"
fi
grep -a "stopped:" /tmp/demo.console | tail -n 1
echo "\$ kill \$(cat /var/run/xenstored.pid); rmmod domino"
xenstored_stop
rmmod domino || verdict="failed (rmmod)"
dmesg | grep 'domino: unloaded'
echo "DOMINO-DEMO-END $verdict"
[ "$verdict" = ok ]
