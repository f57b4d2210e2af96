#!/bin/bash
# qemu-svm.sh KVER CPIO LOG [TIMEOUT_S] [EXTRA_APPEND]
# Boot /boot/vmlinuz-KVER with initramfs CPIO (see mkinitramfs.sh) under QEMU
# TCG with emulated SVM + NPT (-cpu max). ttyS0 (what /init and the suite
# print) goes to LOG, ttyS1 (the kernel console) to LOG.kernel, QEMU's own
# output to LOG.emu, its CPU-reset log to LOG.qemu. Exit 0: QEMU ended and
# LOG has "DOMINO-LAB: END"; 1: no END (crash/panic, or L1 reset: then
# "DOMINO-LAB: L1 RESET" in LOG and the CPU state in LOG.cpus); 124: watchdog kill (no output
# for LAB_STALL_S=120 s, or TIMEOUT_S=900 s total). Wall time on stderr.
# Env: LAB_QEMU_CPU (max), LAB_QEMU_SMP (2), LAB_QEMU_MEM (1G), LAB_QEMU_ACCEL (tcg),
#      LAB_QEMU_ARGS (extra words, e.g. "-icount shift=0,sleep=off"),
#      LAB_QEMU_LOG (what QEMU logs to LOG.qemu: cpu_reset, the default,
#      must stay in it; int,cpu_reset traces every exception and interrupt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

if [ $# -lt 3 ] || [ $# -gt 5 ]; then
    echo "usage: $0 KVER CPIO LOG [TIMEOUT_S] [EXTRA_APPEND]" >&2
    exit 2
fi
kver=$1 cpio=$2 log=$3 timeout=${4:-900} extra=${5:-}
kernel=/boot/vmlinuz-$kver
# The log path goes into an option string where commas and blanks split it.
case "$log" in *[[:space:],]*) echo "$0: LOG path must not contain commas or blanks: $log" >&2; exit 2 ;; esac
for f in "$kernel" "$cpio"; do
    [ -r "$f" ] || { echo "$0: $f not readable" >&2; exit 2; }
done

trap lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# quiet: the boot itself prints only errors (serial output is slow under
# emulation); /init raises the console loglevel to 7 so pr_info and up from
# modules, WARN and oops reach LOG. panic=-1 + -no-reboot: a panic ends QEMU.
append="console=ttyS1,115200 panic=-1 oops=panic quiet cryptomgr.notests loglevel=4 $extra"

# The monitor listens on loopback so a stall can be diagnosed: the CPU
# state of every vCPU of L1 goes to LOG.cpus before the run is killed.
mon_port=$(lab_free_port)
lab_monitor() {
    exec 3<>"/dev/tcp/127.0.0.1/$mon_port" || return 1
    printf '%s\n' "$1" >&3
    timeout "${2:-3}" cat <&3
    exec 3<&-
}
lab_dump_state() {
    lab_monitor 'info registers -a'
}
# L1 itself resetting (a triple fault: with -no-reboot a reset request is
# a shutdown, and -no-shutdown holds the machine there): QEMU logs "Triple
# fault" to LOG.qemu (-d cpu_reset). lab_run asks these two while it
# watches, so a reset is reported as one, with the CPUs' state at the
# fault, and a machine that powered off is let go at once.
lab_l1_reset() {
    grep -aq 'Triple fault' "$log.qemu" 2>/dev/null
}
lab_emu_stopped() {
    lab_monitor 'info status' 1 2>/dev/null | grep -aq 'paused (shutdown)'
}

# shellcheck disable=SC2086 # LAB_QEMU_ARGS is a word list on purpose
lab_run "$log" "$log.emu" "$timeout" \
    qemu-system-x86_64 -accel "${LAB_QEMU_ACCEL:-tcg}" -cpu "${LAB_QEMU_CPU:-max}" \
    -smp "${LAB_QEMU_SMP:-2}" -m "${LAB_QEMU_MEM:-1G}" \
    -nographic -no-reboot -no-shutdown -d "${LAB_QEMU_LOG:-cpu_reset}" -D "$log.qemu" -monitor "tcp:127.0.0.1:$mon_port,server=on,wait=off" -serial "file:$log" -serial "file:$log.kernel" -nic none \
    -kernel "$kernel" -initrd "$cpio" -append "$append" ${LAB_QEMU_ARGS:-}
