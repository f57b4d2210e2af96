#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stage-xen-tools.sh DIR
# Debian's own Xen userspace, unmodified, laid out in DIR as a tree to lay
# over an initramfs root (the lab's L1, or its guests), whose busybox has
# no libc of its own:
#   DIR/usr/lib/xen-4.17/bin/{xenstored,lsevtchn}   (xen-utils-4.17)
#   DIR/bin/xenstore-{ls,read,write,watch,rm,list,exists,chmod}
#                                                    (xenstore-utils)
#   DIR/lib/x86_64-linux-gnu/, DIR/lib64/           their libraries and loader
# They run there as on a Xen host, from the paths their packages give them.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
xenbin=/usr/lib/xen-4.17/bin
for f in "$xenbin/xenstored" "$xenbin/lsevtchn" /usr/bin/xenstore-ls; do
    [ -x "$f" ] || { echo "$0: $f missing (make deps: xen-utils-4.17, xenstore-utils)" >&2; exit 1; }
done
mkdir -p "$dir$xenbin" "$dir/bin" "$dir/lib/x86_64-linux-gnu" "$dir/lib64"
cp "$xenbin/xenstored" "$xenbin/lsevtchn" "$dir$xenbin/"
# xenstore-utils is one program that acts by its name: copies, not links,
# as the package ships them.
for t in ls read write watch rm list exists chmod; do
    cp /usr/bin/xenstore-$t "$dir/bin/"
done
for f in "$xenbin/xenstored" "$xenbin/lsevtchn" /usr/bin/xenstore-ls; do
    ldd "$f" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do
    cp -L "$lib" "$dir/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$dir/lib64/"
# glibc loads it for pthread_cancel (xenstore-watch's reader thread).
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$dir/lib/x86_64-linux-gnu/"
