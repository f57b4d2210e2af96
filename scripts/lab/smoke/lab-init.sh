#!/bin/sh
# Smoke payload for the lab runners (runs as /domino/lab-init.sh in L1):
# load the stock KVM matching the emulated virt flag and check /dev/kvm.
#   scripts/lab/mkinitramfs.sh "$(scripts/lab/kver.sh)" scripts/lab/smoke /tmp/smoke.cpio
#   scripts/lab/qemu-svm.sh "$(scripts/lab/kver.sh)" /tmp/smoke.cpio /tmp/svm.log
#   scripts/lab/bochs-vmx.sh "$(scripts/lab/kver.sh)" /tmp/smoke.cpio /tmp/vmx.log
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(svm|vmx)$')
echo "LAB-SMOKE: virt flag: ${flags:-none}"
insmod /lib/modules/irqbypass.ko && insmod /lib/modules/kvm.ko || exit 1
case "$flags" in
    svm) insmod /lib/modules/kvm-amd.ko || exit 1 ;;
    vmx) insmod /lib/modules/kvm-intel.ko || exit 1 ;;
    *) exit 1 ;;
esac
lsmod
dmesg | tail -n 8
echo "LAB-SMOKE: tainted=$(cat /proc/sys/kernel/tainted)"
ls -l /dev/kvm || exit 1
echo "LAB-SMOKE: ok"
