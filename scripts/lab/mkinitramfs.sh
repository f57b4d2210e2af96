#!/bin/bash
# mkinitramfs.sh KVER PAYLOAD_DIR OUT_CPIO [ROOT_OVERLAY]
# Build the L1 initramfs: an UNCOMPRESSED newc cpio (Bochs decompresses very
# slowly) with static busybox + applet links, the KVM reference modules of
# kernel KVER in /lib/modules/ (kvm, kvm-amd, kvm-intel, irqbypass, msr), the
# whole PAYLOAD_DIR under /domino/ (modes kept), and a generic /init that runs
# /domino/lab-init.sh and prints the DOMINO-LAB: BOOTED / END markers the
# runners (qemu-svm.sh, bochs-vmx.sh) look for. ROOT_OVERLAY, a tree laid
# over / (stage-xen-tools.sh: Debian's xenstored and its libraries).
set -euo pipefail

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
    echo "usage: $0 KVER PAYLOAD_DIR OUT_CPIO [ROOT_OVERLAY]" >&2
    exit 2
fi
kver=$1 payload=$2 out=$3 overlay=${4:-}
moddir=/lib/modules/$kver/kernel
busybox=${LAB_BUSYBOX:-/bin/busybox}

[ -d "$moddir" ] || { echo "$0: $moddir missing (apt-get install linux-image-cloud-amd64)" >&2; exit 1; }
[ -d "$payload" ] || { echo "$0: payload dir $payload missing" >&2; exit 1; }
# A dynamic busybox would need its libc in the cpio: insist on the static one
# (ldd fails on static binaries).
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    echo "$0: $busybox is not a static busybox (apt-get install busybox-static)" >&2
    exit 1
fi

stage=$(mktemp -d /tmp/domino-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules,domino}
ln -s bin "$stage/sbin"
mkdir -p "$stage/usr"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
# The kernel opens /dev/console before /init runs; devtmpfs is not auto-mounted
# (CONFIG_DEVTMPFS_MOUNT unset). Needs root; /init re-opens it anyway.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

# Reference modules. msr.ko may be built into the kernel (modules.builtin
# says so); missing altogether, the tests that read MSRs could not run.
for m in kvm kvm-amd kvm-intel irqbypass msr; do
    f=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n 1)
    if [ -z "$f" ]; then
        [ "$m" = msr ] && grep -q "/$m.ko\$" "$moddir/../modules.builtin" 2>/dev/null && continue
        echo "$0: $m.ko not found under $moddir" >&2
        exit 1
    fi
    case "$f" in
        *.ko)     cp "$f" "$stage/lib/modules/$m.ko" ;;
        *.ko.xz)  xz -dc "$f" >"$stage/lib/modules/$m.ko" ;;
        *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/$m.ko" ;;
        *.ko.gz)  gzip -dc "$f" >"$stage/lib/modules/$m.ko" ;;
    esac
done

cp -a "$payload/." "$stage/domino/"
[ -z "$overlay" ] || cp -a "$overlay/." "$stage/"

cat >"$stage/init" <<'INIT'
#!/bin/sh
# Generic lab /init: mount the basics, run /domino/lab-init.sh, power off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Two serial ports, so kernel messages never tear the suite's KTAP lines:
# the kernel's console is ttyS1 (console=ttyS1), the suite writes to ttyS0.
# 115200 is the 8250's top rate; Bochs times the UART by it.
stty -F /dev/ttyS0 115200 raw 2>/dev/null
exec </dev/null >/dev/ttyS0 2>&1
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
# Boot ran with quiet (console loglevel 4) for speed; from here on every
# message below KERN_DEBUG (pr_info, pr_warn, WARN, oops) reaches the
# kernel's console port.
# Override with lab.printk=N on the kernel command line.
lvl=7
for a in $(cat /proc/cmdline); do
    case "$a" in lab.printk=*) lvl=${a#lab.printk=} ;; esac
done
echo "$lvl" >/proc/sys/kernel/printk
echo "DOMINO-LAB: BOOTED $(uname -r)"
if [ -f /domino/lab-init.sh ]; then
    (cd /domino && sh /domino/lab-init.sh)
    rc=$?
else
    echo "DOMINO-LAB: /domino/lab-init.sh missing"
    rc=127
fi
# User output goes through the tty buffer (up to 4 KiB, drained at 115200
# baud: ~0.36 s of guest time under Bochs): wait so the END line and the
# last output are not cut off by poweroff.
sleep 0.5
echo "DOMINO-LAB: END rc=$rc"
sleep 0.5
sync
poweroff -f
# Only reached if poweroff failed: init must not exit (that panics).
echo o >/proc/sysrq-trigger
while :; do sleep 1000; done
INIT
chmod 755 "$stage/init"

# Sorted, root-owned, fixed mtimes: reproducible archive.
find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc -R 0:0 --reproducible --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
