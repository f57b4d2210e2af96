# SPDX-License-Identifier: GPL-2.0
# Helpers the scripts that run inside L1 share (sourced; busybox sh).

# wait_log FILE PATTERN SECONDS: 0 once PATTERN shows up in FILE. A line
# every 20 s keeps the lab's stall watchdog from mistaking a slow guest
# (Bochs) for a hung L1.
wait_log() {
	_w=0
	while [ $_w -lt $(($3 * 10)) ]; do
		grep -aq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; _w=$((_w + 1))
		[ $((_w % 200)) = 0 ] && echo "# still waiting for '$2' ($((_w / 10)) s)"
	done
	return 1
}

# host_facts: guest kernel arguments naming what L1's own kernel, on the
# CPU model the guests share, printed, which the guests' self-check
# (scripts/lab/guest/init) must therefore forgive: a TSC a 2-CPU guest
# cannot trust (QEMU's AMD model), a CPU vulnerable to RETBleed (Bochs's
# Skylake). Read from the boot messages once, when an L1 script first
# sources this file: later, guest consoles and fuzzers can have wrapped
# the kernel log's ring.
if [ ! -f /tmp/domino-host-facts ]; then
	_tsc=0 _rb=0
	dmesg | grep -q 'Marking TSC unstable due to TSCs unsynchronized' && _tsc=1
	dmesg | grep -q 'RETBleed: WARNING' && _rb=1
	echo "domino.host_tsc_unsync=$_tsc domino.host_retbleed=$_rb" > /tmp/domino-host-facts
fi
host_facts() { cat /tmp/domino-host-facts; }

l1_uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }

# mark_time FILE PATTERN SECONDS: prints "UPTIME_CS EPOCH", L1's clocks
# when PATTERN first showed up in FILE (polled every 50 ms of L1 time);
# nothing if it never did.
mark_time() {
	_w=0
	while [ $_w -lt $(($3 * 20)) ]; do
		if grep -aq "$2" "$1" 2>/dev/null; then
			echo "$(l1_uptime_cs) $(date +%s)"
			return 0
		fi
		sleep 0.05; _w=$((_w + 1))
		[ $((_w % 400)) = 0 ] && echo "# still waiting for '$2' ($((_w / 20)) s)" >&2
	done
	return 1
}

# clock_verdict CONSOLE_LOG SECONDS: times the guest's two clock marks
# (scripts/lab/guest/init, 3 s apart by the guest's clock) by L1's clock,
# as they reach the console log. Prints "clock ..." figures; returns 0 only
# if the guest's interval is 3 s or more by its own clock, L1's interval is
# within 25% of it (a clock at 2x or 0.5x cannot pass), and the guest's
# wall clock at the first mark is at most 2 s ahead of L1's when the mark
# arrives and at most 10 s behind: a chatty console delivers its lines
# seconds late (2-4 s measured in the soak), the same for both marks.
clock_verdict() {
	if grep -aq "DOMINO-GUEST: clock a" "$1" 2>/dev/null; then
		echo "clock: the first mark arrived before L1 began timing (start earlier)"
		return 1
	fi
	_a=$(mark_time "$1" "DOMINO-GUEST: clock a" "$2")
	_b=$(mark_time "$1" "DOMINO-GUEST: clock b" 30)
	if [ -z "$_a" ] || [ -z "$_b" ]; then
		echo "clock: marks missing (a='$_a' b='$_b')"
		return 1
	fi
	_ga=$(tr -d '\r' < "$1" | sed -n 's/.*DOMINO-GUEST: clock a uptime_cs=\([0-9]*\) epoch=\([0-9]*\).*/\1 \2/p' | head -n 1)
	_gb=$(tr -d '\r' < "$1" | sed -n 's/.*DOMINO-GUEST: clock b uptime_cs=\([0-9]*\).*/\1/p' | head -n 1)
	set -- ${_a} ${_b} ${_ga} ${_gb}
	[ $# -eq 7 ] || { echo "clock: unreadable marks"; return 1; }
	_l1=$(($3 - $1)) _guest=$(($7 - $5)) _skew=$(($6 - $2))
	echo "clock: guest ${_guest} cs by its clock, ${_l1} cs by L1's; guest wall clock ${_skew} s from L1's"
	[ "$_guest" -ge 300 ] && [ $((_l1 * 4)) -ge $((_guest * 3)) ] &&
		[ $((_l1 * 4)) -le $((_guest * 5)) ] && [ "$_skew" -ge -10 ] && [ "$_skew" -le 2 ]
}

# Guests through the `domino` toolstack. Callers set dom (the tool),
# root (the payload) and guest_dir; GUEST_VCPUS (2) sizes them.
guest_cfg() {	# guest_cfg NAME MODE [EXTRA-ARGS]: writes $guest_dir/NAME.cfg
	cat > "$guest_dir/$1.cfg" <<CFG
# An xl.cfg(5) file, as a Xen user would write it.
name = "$1"
type = "pvh"
memory = 256
vcpus = ${GUEST_VCPUS:-2}
kernel = "$root/vmlinuz"
ramdisk = "$root/guest.cpio"
extra = "$(guest_console_arg) ${GUEST_CONSOLE_ARGS:-quiet} domino.test=$2 domino.cpus=${GUEST_VCPUS:-2} $(host_facts) $(guest_xen_arg) ${3:-}"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
hypervisor = "${GUEST_HYPERVISOR:-xen}"
evtchn_fifo = ${GUEST_EVTCHN_FIFO:-1}
CFG
}

# The guest's consoles: on Xen's path the UART and Xen's PV console, hvc0
# last, so that hvc0 is /dev/console (what init and its checks use) and
# the UART keeps the kernel's own messages (and early boot's, with
# GUEST_CONSOLE_ARGS="earlyprintk=ttyS0"); on KVM's path the UART alone.
guest_console_arg() {
	[ "${GUEST_HYPERVISOR:-xen}" = xen ] && echo "console=ttyS0 console=hvc0" || echo "console=ttyS0"
}

# What the guest must find: domino.xen=fifo|2l on Xen's path, nothing on KVM's.
guest_xen_arg() {
	[ "${GUEST_HYPERVISOR:-xen}" = xen ] || return 0
	[ "${GUEST_EVTCHN_FIFO:-1}" = 1 ] && echo domino.xen=fifo || echo domino.xen=2l
}

# wait_gone NAME SECONDS: 0 once `domino list` no longer shows NAME
wait_gone() {
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		"$dom" list 2>/dev/null | grep -q "^$1 " || return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}

# Debian's xenstored, unmodified (scripts/lab/stage-xen-tools.sh), as a
# Xen host's init starts and stops it. `domino create` starts it too when
# none answers; whoever unloads the module stops it first (it holds
# /dev/xen/evtchn, gntdev and privcmd open).
xenstored=/usr/lib/xen-4.17/bin/xenstored
xs_pidfile=/var/run/xenstored.pid
xenstored_start() {
	mkdir -p /var/run/xenstored /var/lib/xenstored
	"$xenstored" --pid-file "$xs_pidfile" || return 1
	wait_xs 50
}
wait_xs() {	# wait_xs TENTHS: xenstore answers
	_x=0
	while [ $_x -lt "$1" ]; do
		xenstore-ls / > /dev/null 2>&1 && return 0
		sleep 0.1; _x=$((_x + 1))
	done
	return 1
}
xenstored_stop() {	# 0 once no xenstored runs (gone or a zombie), within 10 s
	[ -f "$xs_pidfile" ] || return 0
	_p=$(cat "$xs_pidfile")
	kill "$_p" 2>/dev/null
	_x=0
	while [ $_x -lt 100 ]; do
		case "$(cut -d' ' -f3 "/proc/$_p/stat" 2>/dev/null)" in
		''|Z|X) rm -f "$xs_pidfile"; return 0 ;;
		esac
		sleep 0.1; _x=$((_x + 1))
	done
	return 1
}

# reap_watch PID: a `xenstore-watch -n N` in the background, given 10 s to
# see its events and exit; killed then (its output says what it saw).
reap_watch() {
	_x=0
	while [ $_x -lt 100 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; _x=$((_x + 1)); done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
