#!/bin/sh
root=/domino
insmod $root/domino.ko
$root/selftests/bench_grant domino 2000 gnttab-copy-4k; echo "rc=$?"
$root/selftests/bench_grant kvm 2000 gnttab-copy-4k; echo "rc=$?"
$root/selftests/bench_grant domino 200 gntdev-map-unmap; echo "rc=$?"
ls -la /proc/xen/ ; cat /proc/xen/xsd_port; echo
/usr/lib/xen-4.17/bin/xenstored --help | head -2
xenstore-ls / ; echo "xs rc=$?"
mkdir -p /var/run/xenstored /var/lib/xenstored
/usr/lib/xen-4.17/bin/xenstored -N -T /tmp/xstrace --pid-file /var/run/xenstored.pid & sleep 2; echo "xenstored: $(cat /var/run/xenstored.pid 2>/dev/null)"
rmmod domino; echo rmmod=$?
