#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkguest.sh KVER OUT_CPIO [ROOT_OVERLAY]
# The L2 test guest's initramfs: static busybox, scripts/lab/guest/init, and
# the pvpanic modules of kernel KVER (so a guest panic reaches the VMM);
# ROOT_OVERLAY, a tree laid over / (stage-xen-tools.sh: xenstore-utils).
# Uncompressed newc: the guest kernel unpacks it with no decompressor cost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 KVER OUT_CPIO [ROOT_OVERLAY]" >&2; exit 2; }
kver=$1 out=$2 overlay=${3:-}
busybox=${LAB_BUSYBOX:-/bin/busybox}
moddir=/lib/modules/$kver/kernel/drivers/misc/pvpanic

stage=$(mktemp -d /tmp/domino-guest.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
for m in pvpanic pvpanic-mmio; do
    [ -f "$moddir/$m.ko" ] && cp "$moddir/$m.ko" "$stage/lib/modules/"
done
install -m 755 "$here/guest/init" "$stage/init"
# What the kernel runs when told to power off or reboot (Xen's
# control/shutdown, orderly_poweroff): a distro's init would; here /init
# is no init daemon, so these act at once.
mkdir -p "$stage/sbin"
for c in poweroff reboot; do
    printf '#!/bin/sh\nexec /bin/%s -f\n' "$c" > "$stage/sbin/$c"
    chmod 755 "$stage/sbin/$c"
done
[ -z "$overlay" ] || cp -a "$overlay/." "$stage/"
(cd "$stage" && find . | cpio -o -H newc --quiet) > "$out"
