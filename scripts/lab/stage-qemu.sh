#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stage-qemu.sh DIR
# Put Debian's own qemu-system-x86_64 into DIR for use inside L1, where it
# is the anchor VMM on /dev/kvm (the same guest kernel and initramfs that
# Domino boots, booted by QEMU+KVM in the same L1):
#   DIR/lib/    the binary's shared libraries and the dynamic loader
#   DIR/share/  the firmware a microvm needs (qboot, linuxboot_dma, pvh)
#   DIR/qemu    a wrapper that runs the binary through the staged loader
# L1's initramfs has no libc: nothing is installed there, the wrapper
# points the loader at DIR/lib.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
bin=$(command -v qemu-system-x86_64) || { echo "$0: qemu-system-x86_64 missing (make deps)" >&2; exit 1; }
mkdir -p "$dir/lib" "$dir/share"
cp "$bin" "$dir/lib/qemu-system-x86_64"
ldd "$bin" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do
    cp -L "$lib" "$dir/lib/"
done
# TCG is a loadable module in Debian's build (KVM is built in): staged so
# the wrapper also runs on hosts without /dev/kvm.
mkdir -p "$dir/modules"
cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so "$dir/modules/"
for f in bios-microvm.bin qboot.rom linuxboot_dma.bin pvh.bin kvmvapic.bin; do
    cp -L "/usr/share/qemu/$f" "$dir/share/"
done
loader=$(cd "$dir/lib" && ls ld-linux-x86-64.so.* | head -n 1)
cat > "$dir/qemu" <<WRAP
#!/bin/sh
here=\$(cd "\$(dirname "\$0")" && pwd)
export QEMU_MODULE_DIR="\$here/modules"
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/lib/qemu-system-x86_64" -L "\$here/share" "\$@"
WRAP
chmod +x "$dir/qemu"
