#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In L1 (run under QEMU -icount shift=0,sleep=off -smp 1 so the TSC counts
# L1 instructions): the cost of a CPUID exit and of an I/O exit to
# userspace, on kvm-amd/kvm-intel and on Domino, same guest code, same boot.
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
n=${EXIT_COST_N:-5000}
if grep -qw svm /proc/cpuinfo; then kvm=kvm-amd; else kvm=kvm-intel; fi
insmod /lib/modules/irqbypass.ko && insmod /lib/modules/kvm.ko &&
	insmod /lib/modules/$kvm.ko
insmod "$root/domino.ko"
echo "DOMINO-BENCH-BEGIN"
for i in 1 2 3; do
	"$root/selftests/exit_cost" kvm "$n"
	"$root/selftests/exit_cost" domino "$n"
done
echo "DOMINO-BENCH-END"
rmmod domino
