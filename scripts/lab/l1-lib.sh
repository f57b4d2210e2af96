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
