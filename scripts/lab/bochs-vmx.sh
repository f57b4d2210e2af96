#!/bin/bash
# bochs-vmx.sh KVER CPIO LOG [TIMEOUT_S] [EXTRA_APPEND]
# Boot /boot/vmlinuz-KVER with initramfs CPIO (see mkinitramfs.sh) under Bochs
# with emulated VMX + EPT (corei7_skylake_x), from an isolinux CD image made
# in a temp dir. ttyS0 (/init and the suite) to LOG, ttyS1 (the kernel console) to LOG.kernel, Bochs's own log (CPU state dump on
# a triple fault or Bochs panic) to LOG.emu.
# Same contract as qemu-svm.sh: exit 0 = LOG has "DOMINO-LAB: END" (Bochs
# itself exits 1 on ACPI power-off, so its code is ignored), 1 = no END
# (crash/panic), 124 = watchdog (LAB_STALL_S=600 s silent, TIMEOUT_S=900 s).
# Env: LAB_BOCHS_CPU (corei7_skylake_x), LAB_BOCHS_IPS (500000000, also L1's TSC rate),
#      LAB_BOCHS_MEGS (1024),
#      LAB_BOCHS_RC (extra bochsrc lines, newline separated).
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
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
isolinux=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for f in "$kernel" "$cpio" "$bios" "$vgabios" "$isolinux" "$ldlinux"; do
    [ -r "$f" ] || { echo "$0: $f not readable (apt-get install bochs bochsbios vgabios isolinux syslinux-common)" >&2; exit 2; }
done
for c in bochs-bin xorriso; do
    command -v "$c" >/dev/null || { echo "$0: $c missing (apt-get install bochs xorriso)" >&2; exit 2; }
done
# Bochs opens the log relative to its cwd (the temp dir): make it absolute.
mkdir -p "$(dirname "$log")"
log=$(cd "$(dirname "$log")" && pwd)/${log##*/}

tmp=$(mktemp -d /tmp/domino-bochs.XXXXXX)
trap 'lab_cleanup; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# quiet: boot prints only errors (each serial byte costs emulated time); /init
# raises the console loglevel to 7 so pr_info+ from modules, WARN, oops show.
# reboot=t: a panic reboots by triple fault, which Bochs
# (reset_on_triple_fault=0, panic: action=fatal) turns into an exit instead of
# a reset that would boot the CD again.
# Bochs's TSC and LAPIC timer both count its ticks (one per instruction,
# ips per emulated second), but corei7_skylake_x's CPUID leaves 0x15/0x16
# say a 3.5 GHz TSC and a 24 MHz crystal: Linux believes them and skips
# calibration, so its clock ran 70x slower than Bochs's and every LAPIC
# one-shot fired 146x early (150k timer interrupts per L1 second, issue
# 15). tsc_early_khz makes Linux use the TSC's real rate and calibrate the
# LAPIC timer against the PIT.
ips=${LAB_BOCHS_IPS:-500000000}
append="console=ttyS1,115200 panic=-1 oops=panic reboot=t quiet cryptomgr.notests loglevel=4 tsc_early_khz=$((ips / 1000)) $extra"

mkdir -p "$tmp/cd/isolinux"
cp "$isolinux" "$ldlinux" "$tmp/cd/isolinux/"
cp "$kernel" "$tmp/cd/vmlinuz"
cp "$cpio" "$tmp/cd/initrd.cpio"
cat >"$tmp/cd/isolinux/isolinux.cfg" <<CFG
DEFAULT domino
PROMPT 0
TIMEOUT 0
LABEL domino
  KERNEL /vmlinuz
  INITRD /initrd.cpio
  APPEND $append
CFG
xorriso -as mkisofs -quiet -o "$tmp/lab.iso" -b isolinux/isolinux.bin \
    -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    "$tmp/cd" 2>"$tmp/xorriso.log" || { cat "$tmp/xorriso.log" >&2; exit 2; }
rm -rf "$tmp/cd"

# rfb with timeout=0: headless, never waits for a viewer; it takes the first
# free TCP port in 5900-5949, so parallel runs do not collide.
cat >"$tmp/bochsrc" <<RC
megs: ${LAB_BOCHS_MEGS:-1024}
romimage: file=$bios
vgaromimage: file=$vgabios
cpu: model=${LAB_BOCHS_CPU:-corei7_skylake_x}, count=1, ips=$ips, reset_on_triple_fault=0
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path=$tmp/lab.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
com2: enabled=1, mode=file, dev=$log.kernel
display_library: rfb, options="timeout=0"
mouse: enabled=0
# The default ALSA sound driver aborts Bochs ("buffer overflow detected")
# on a host with no sound card.
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: -
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
# Guest time follows the instruction count (default; no realtime sync that
# would only slow it down).
clock: sync=none, time0=local
${LAB_BOCHS_RC:-}
RC
# Debian's bochs has the internal debugger: it waits at a prompt unless told.
echo continue >"$tmp/rc"

cd "$tmp"
# Under Bochs, L1's clock runs 8 to 20 times slower than the wall's (ips
# 500M against the 25-65M instructions Bochs runs a second here): the
# suite's line every 1-2 s of L1 time can be half a minute apart.
LAB_STALL_S=${LAB_STALL_S:-600}
lab_run "$log" "$log.emu" "$timeout" bochs-bin -q -f "$tmp/bochsrc" -rc "$tmp/rc"
