#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo inside L1: load domino.ko as a user would, show what it found,
# and unload. (Once guests boot, this is where a guest domain starts.)
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
echo "DOMINO-DEMO-BEGIN"
echo "\$ insmod domino.ko"
insmod "$root/domino.ko" || { echo "DOMINO-DEMO-END failed"; exit 1; }
dmesg | grep 'domino:' | grep -v taint
echo "\$ domino info"
"$root/bin/domino" info
echo "\$ rmmod domino"
rmmod domino
dmesg | grep 'domino: unloaded'
echo "DOMINO-DEMO-END ok"
