#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The soak run inside L1 (`make soak`): boots the lab's Debian guest again
# and again with a chatty console (no `quiet`: thousands of UART exits and
# interrupts per boot) to catch failures that one boot in CI rarely shows.
# Each boot is one KTAP result: the guest must reach its init, pass its
# checks and power off. A guest that dies instead leaves its console tail,
# its stop reason and Domino's vCPU dump (registers, last exits) in the
# output; with SOAK_NOKASLR=1 (L1 and guest booted with nokaslr, the same
# kernel) the guest RIPs are named through L1's /proc/kallsyms.
# lab.env: SOAK_RUNS (default 10), SOAK_VCPUS (2), SOAK_NOKASLR (0),
# SOAK_ATTACH (0; 1: the console attached and copied to L1's serial port),
# SOAK_VMM (domino; kvm: the same guest under QEMU+KVM, the anchor, with
# qemu staged in the payload by stage-qemu.sh), SOAK_PIN (0; 1: every
# thread of the domain on L1's CPU 0).
set -u
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
dom="$root/bin/domino"
[ -f "$root/lab.env" ] && . "$root/lab.env"
. "$root/l1-lib.sh"	# host_facts
runs=${SOAK_RUNS:-10}
vcpus=${SOAK_VCPUS:-2}
nokaslr=
[ "${SOAK_NOKASLR:-0}" = 1 ] && nokaslr=nokaslr
vendor=none
grep -qw svm /proc/cpuinfo && vendor=svm
grep -qw vmx /proc/cpuinfo && vendor=vmx
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }

# sym ADDR: the L1 symbol+offset holding ADDR (nokaslr runs only). Kernel
# addresses are 16 hex digits: compared as strings, offsets from the low 8.
sym() {
	sort /proc/kallsyms | awk -v a="${1#0x}" '
		function hex(s,  i, v) { v = 0
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v }
		length($1) == 16 && $1 <= a { best = $3; off = hex(substr(a, 9)) - hex(substr($1, 9)) }
		length($1) == 16 && $1 > a { exit }
		END { if (best != "") printf "%s+0x%x\n", best, off }'
}

echo "DOMINO-KTAP-BEGIN $vendor"
echo "TAP version 13"
echo "1..$((runs + 1))"
echo "# soak: $runs boots of a $vcpus-vCPU guest with a chatty console on $vendor${nokaslr:+ (nokaslr)}"
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n soak: $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n soak: $*"; }

vmm=${SOAK_VMM:-domino}
if [ "$vmm" = kvm ]; then
	echo "DOMINO-KTAP-BEGIN $vendor"
	echo "TAP version 13"
	echo "1..$runs"
	echo "# soak: $runs boots of a $vcpus-vCPU guest with a chatty console on QEMU+KVM (microvm) on $vendor"
	kvm_mod=kvm-amd
	[ "$vendor" = vmx ] && kvm_mod=kvm-intel
	for m in irqbypass kvm $kvm_mod; do insmod /lib/modules/$m.ko || echo "# insmod $m failed"; done
	mkdir -p /tmp/soak
	i=1 fails=0 times=
	while [ $i -le "$runs" ]; do
		log=/tmp/soak/kvm$i.log
		: > "$log"
		clock_verdict "$log" 600 > /tmp/soak/kvm$i.clock 2>&1 &
		clk=$!
		t0=$(uptime_cs)
		if [ "${SOAK_ATTACH:-0}" = 1 ]; then
			tail -f "$log" | tr -d '\r' &
			tailpid=$!
		fi
		"$root/qemu/qemu" -M microvm -accel kvm -cpu host -m 256 -smp "$vcpus" \
			-kernel "$root/vmlinuz" -initrd "$root/guest.cpio" \
			-append "console=ttyS0 $nokaslr domino.test=boot domino.cpus=$vcpus $(host_facts)" \
			-nographic -no-reboot -nodefaults -serial "file:$log" < /dev/null > /tmp/soak/kvm$i.qemu 2>&1
		rc=$?
		[ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null
		t1=$(uptime_cs)
		secs="$(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10))"
		# KVM's CPU model under TCG makes the guest WARN about xstate:
		# for the anchor, reaching init and powering off is the test.
		clock=1
		grep -aq "DOMINO-GUEST: powering off" "$log" && { wait "$clk"; clock=$?; }
		kill "$clk" 2>/dev/null
		if grep -aq "DOMINO-GUEST: powering off" "$log" && [ "$clock" = 0 ]; then
			echo "ok $i soak: kvm boot $i: reached init, powered off in $secs s ($(grep -a 'DOMINO-GUEST: result' "$log" | tr -d '\r' | cut -c15-); $(tail -n 1 /tmp/soak/kvm$i.clock))"
			times="$times $secs"
		elif grep -aq "DOMINO-GUEST: powering off" "$log"; then
			fails=$((fails + 1))
			echo "not ok $i soak: kvm boot $i: gone after $secs s, but $(tail -n 1 /tmp/soak/kvm$i.clock)"
		else
			fails=$((fails + 1))
			echo "not ok $i soak: kvm boot $i: qemu exit $rc after $secs s"
			tr -d '\r' < "$log" | tail -n 15 | sed 's/^/#   /'
			sed 's/^/#   qemu: /' /tmp/soak/kvm$i.qemu | tail -n 5
		fi
		i=$((i + 1))
	done
	echo "# soak: $((runs - fails)) of $runs boots passed; seconds:$times"
	echo "DOMINO-KTAP-END"
	[ "$fails" = 0 ]
	exit
fi

counters() { echo "$(cat /sys/class/misc/domino/domains) $(cat /sys/class/misc/domino/alloc_objects) $(cat /sys/class/misc/domino/alloc_pages)"; }
if ! insmod "$root/domino.ko"; then
	notok "insmod domino.ko"
	echo "DOMINO-KTAP-END"; exit 1
fi
base=$(counters)
mkdir -p /run/domino /var/log/domino /tmp/soak
times=
i=1
while [ $i -le "$runs" ]; do
	name=soak$i
	cat > /tmp/soak/$name.cfg <<CFG
name = "$name"
type = "pvh"
memory = 256
vcpus = $vcpus
kernel = "$root/vmlinuz"
ramdisk = "$root/guest.cpio"
extra = "console=ttyS0 $nokaslr domino.test=boot domino.cpus=$vcpus $(host_facts) $(guest_xen_arg)"
on_poweroff = "destroy"
on_reboot = "preserve"
on_crash = "preserve"
CFG
	dmesg -c > /dev/null
	# SOAK_PIN=1: the daemon and its vCPU threads (which inherit the
	# affinity) all on L1's CPU 0, so no two vCPUs run at the same time.
	pin=
	[ "${SOAK_PIN:-0}" = 1 ] && pin="taskset -c 0"
	t0=$(uptime_cs)
	# L1 times the guest's clock marks in the daemon's log (l1-lib.sh).
	: > /var/log/domino/$name.log
	clock_verdict /var/log/domino/$name.log 600 > /tmp/soak/$name.clock 2>&1 &
	clk=$!
	if [ "${SOAK_ATTACH:-0}" = 1 ]; then
		# As in the demo: the console attached, copied to L1's serial
		# port, which keeps L1 busy with its own UART interrupts.
		$pin "$dom" create /tmp/soak/$name.cfg -c < /dev/null | tr -d '\r' &
		w=0
		until "$dom" list "$name" > /dev/null 2>&1 || [ $w -ge 100 ]; do
			sleep 0.1; w=$((w + 1))
		done
	elif ! $pin "$dom" create /tmp/soak/$name.cfg > /tmp/soak/$name.create 2>&1; then
		notok "boot $i # domino create: $(head -n 1 /tmp/soak/$name.create)"
		i=$((i + 1)); continue
	fi
	# The guest powers off (gone from the list), crashes (state c) or
	# hangs (no progress on its console for 120 s).
	state=hang last=0 still=0
	while [ $still -lt 600 ]; do
		line=$("$dom" list "$name" 2>/dev/null | awk -v n="$name" '$1 == n { print $5 }')
		[ -z "$line" ] && { state=gone; break; }
		case "$line" in *c*|*s*) state=crashed; break ;; esac
		sz=$(wc -c < /var/log/domino/$name.log 2>/dev/null || echo 0)
		if [ "$sz" = "$last" ]; then still=$((still + 1)); else still=0 last=$sz; fi
		sleep 0.2
	done
	t1=$(uptime_cs)
	secs="$(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10))"
	log=/var/log/domino/$name.log
	clock=1
	[ "$state" = gone ] && { wait "$clk"; clock=$?; }
	kill "$clk" 2>/dev/null
	if [ "$state" = gone ] && grep -aq "DOMINO-GUEST: result pass" "$log" && [ "$clock" = 0 ]; then
		ok "boot $i: init checks passed, powered off in $secs s ($(tail -n 1 /tmp/soak/$name.clock))"
		times="$times $secs"
	else
		notok "boot $i: $state after $secs s"
		sed 's/^/# /' /tmp/soak/$name.clock
		echo "# console tail:"
		tr -d '\r' < "$log" | tail -n 25 | sed 's/^/#   /'
		echo "# host log:"
		dmesg | grep 'domino' | tail -n 40 | sed 's/^/#   /'
		if [ -n "$nokaslr" ]; then
			for a in $( (tr -d '\r' < "$log"; dmesg) | grep -ao 'rip 0x[0-9a-f]*' | awk '{ print $2 }' | sort -u); do
				echo "# CRASHSYM $a = $(sym "$a")"
			done
		fi
	fi
	"$dom" destroy "$name" > /dev/null 2>&1
	wait
	i=$((i + 1))
done
sleep 1
xenstored_stop
left=$(counters)
if [ "$left" = "$base" ] && rmmod domino; then
	ok "every domain destroyed, counters back to '$base', module unloaded"
else
	notok "unload # domains/objects/pages '$left', were '$base'"
fi
echo "# soak: $((runs - fails)) of $runs boots passed; seconds:$times"
echo "DOMINO-KTAP-END"
[ "$fails" = 0 ]
