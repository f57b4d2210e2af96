#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# install-deps.sh: the Debian 12 packages that building Domino and running
# its lab need, on a fresh machine. Idempotent; needs root (apt-get).
set -euo pipefail
pkgs=(
    build-essential libc6-dev sparse kmod cpio     # module, tools, static tests
    cppcheck                                       # static checks of userspace
    acpica-tools                                   # iasl: ACPI table unit test
    linux-image-cloud-amd64 linux-headers-cloud-amd64  # the lab's L1 kernel
    qemu-system-x86                                # SVM+NPT lab (TCG)
    bochs bochsbios vgabios                        # VMX+EPT lab
    isolinux syslinux-common xorriso               # Bochs boots an ISO
    busybox-static                                 # the lab's initramfs
    gnuplot-nox                                    # make bench: plots
    zlib1g-dev liblzma-dev liblz4-dev libzstd-dev  # PVH loader: bzImage payloads
    libxen-dev                                     # Xen's libraries: their selftests
    xen-utils-4.17 xenstore-utils                  # Debian's xenstored, xenstore-*, lsevtchn
)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
