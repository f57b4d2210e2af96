#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo inside L1: load domino.ko as a user would, show what it found,
# then boot the lab's Debian kernel as a 2-vCPU PVH domain with its console
# attached (`domino create -c`), the way an xl user would, and unload.
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
dom="$root/bin/domino"
echo "DOMINO-DEMO-BEGIN"
echo "\$ insmod domino.ko"
insmod "$root/domino.ko" || { echo "DOMINO-DEMO-END failed"; exit 1; }
dmesg | grep 'domino:' | grep -v taint
echo "\$ domino info"
"$dom" info
mkdir -p /run/domino /var/log/domino
# The guest's self-check forgives what the host CPU model also does (see
# scripts/lab/guest/init).
unsync=0
dmesg | grep -q 'Marking TSC unstable due to TSCs unsynchronized' && unsync=1
cat > /tmp/demo.cfg <<CFG
name = "debian"
type = "pvh"
memory = 256
vcpus = 2
kernel = "$root/vmlinuz"
ramdisk = "$root/guest.cpio"
extra = "console=ttyS0 domino.test=boot domino.hosttime=$(date +%s) domino.host_tsc_unsync=$unsync"
on_poweroff = "destroy"
CFG
if grep -qw vmx /proc/cpuinfo && [ -z "${DEMO_GUEST_ON_VMX:-}" ]; then
	# Bochs runs a Linux guest at a few million instructions per second.
	echo "(Bochs is too slow to boot a Linux guest in a demo: the SVM lab shows one)"
	echo "\$ rmmod domino"
	rmmod domino
	dmesg | grep 'domino: unloaded'
	echo "DOMINO-DEMO-END ok"
	exit 0
fi
echo "\$ cat demo.cfg"
cat /tmp/demo.cfg
echo "\$ domino create demo.cfg -c"
"$dom" create /tmp/demo.cfg -c < /dev/null | tr -d '\r'
echo "\$ domino list"
"$dom" list
echo "\$ rmmod domino"
rmmod domino
dmesg | grep 'domino: unloaded'
echo "DOMINO-DEMO-END ok"
