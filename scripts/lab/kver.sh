#!/bin/bash
# kver.sh: print the kernel version the lab boots as L1 and builds against.
# Picks the newest X (sort -V) ending in -cloud-amd64 for which both
# /boot/vmlinuz-X and /usr/src/linux-headers-X exist (vermagic must match the
# image we boot). No arguments. Env LAB_BOOT_DIR / LAB_SRC_DIR override the
# two directories (for tests).
set -euo pipefail

boot_dir=${LAB_BOOT_DIR:-/boot}
src_dir=${LAB_SRC_DIR:-/usr/src}

best=
for img in "$boot_dir"/vmlinuz-*-cloud-amd64; do
    [ -e "$img" ] || continue
    v=${img##*/vmlinuz-}
    [ -d "$src_dir/linux-headers-$v" ] || continue
    best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
done

if [ -z "$best" ]; then
    echo "kver.sh: no kernel X with both $boot_dir/vmlinuz-X and" \
        "$src_dir/linux-headers-X (X = *-cloud-amd64)." >&2
    echo "kver.sh: install them: apt-get install linux-image-cloud-amd64 linux-headers-cloud-amd64" >&2
    exit 1
fi
echo "$best"
