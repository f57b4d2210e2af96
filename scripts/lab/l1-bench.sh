#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench` inside L1: Domino and the anchor (kvm-amd / kvm-intel, with
# Debian's QEMU as its VMM) measured in the same L1 boot with the same
# guest code. lab.env BENCH_PHASE picks what this boot measures:
#   exits  exit costs (bench_exits); run under QEMU -icount so the TSC
#          counts L1 instructions
#   boot   exit costs in wall time, Linux boot to /init (Domino PVH vs
#          QEMU+KVM microvm, same kernel and initramfs), host memory per
#          idle domain
# Every figure is one line "bench KIND NAME HV key=value..." between
# DOMINO-BENCH-BEGIN and DOMINO-BENCH-END; scripts/bench.sh tabulates them.
# A repetition that gives no figure says so ("bench KIND NAME HV failed
# "why""), and "bench reps PHASE all asked=N" says how many were asked, so
# that the report can count the ones missing.
set -u
root=${DOMINO_ROOT:-$(cd "$(dirname "$0")" && pwd)}
[ -f "$root/lab.env" ] && . "$root/lab.env"
. "$root/l1-lib.sh"	# wait_log
phase=${BENCH_PHASE:-exits}
reps=${BENCH_REPS:-3}
dom="$root/bin/domino"
if grep -qw svm /proc/cpuinfo; then kvm_mod=kvm-amd; else kvm_mod=kvm-intel; fi
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }
secs() { echo "$(($1 / 100)).$(($1 % 100 / 10))$(($1 % 10))"; }
mem_avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

echo "DOMINO-BENCH-BEGIN $phase"
echo "bench reps $phase all asked=$reps"
for m in irqbypass kvm $kvm_mod; do
	insmod /lib/modules/$m.ko || echo "# insmod $m failed"
done
insmod "$root/domino.ko" || echo "# insmod domino.ko failed"
echo "# bench: $phase phase, $(grep -c ^processor /proc/cpuinfo) L1 CPUs, kernel $(uname -r)"
# Which mitigations each side ran: Domino's world-switch barriers as it
# reports them, and the host kernel's choices, which KVM's vmenter follows
# through the same feature bits (both run in this one L1 boot).
echo "bench mitigations world-switch domino list=$(grep '=on$' /sys/class/misc/domino/mitigations 2>/dev/null | cut -d= -f1 | paste -sd, -)"
echo "bench mitigations world-switch kvm list=$(for f in /sys/devices/system/cpu/vulnerabilities/*; do printf '%s:%s\n' "${f##*/}" "$(cut -d' ' -f1-2 "$f" | tr -d ':;' | tr ' ' '-')"; done | paste -sd, -)"

# Exit costs: each hypervisor's run of the same loops, repeated.
n=${BENCH_EXIT_N:-5000}
[ "$phase" = boot ] && n=${BENCH_EXIT_N:-2000}
# One workload per process under a time limit: a guest that never wakes
# (seen once with kvm-amd's hlt-wake under TCG) costs one figure, not the run.
exit_limit=60
workloads=$("$root/selftests/bench_exits" kvm 1 list)
# Xen's grant paths (bench_grant): KVM has no analogue, the rows say so.
grant_workloads=$("$root/selftests/bench_grant" kvm 1 list)
for i in $(seq "$reps"); do
	for hv in kvm domino; do
		for w in $workloads $grant_workloads; do
			tool=bench_exits
			case " $grant_workloads " in *" $w "*) tool=bench_grant ;; esac
			# In wall time each wake-up waits for a real timer: fewer.
			wn=$n
			[ "$w" = hlt-wake ] && [ "$phase" = boot ] && wn=$((n / 10))
			# A round trip between two guests: two sleeps, two wake-ups.
			[ "$w" = evtchn-ping-pong ] && wn=$((n / 10))
			timeout "$exit_limit" "$root/selftests/$tool" "$hv" "$wn" "$w"
			rc=$?
			case $rc in
			0) ;;
			# busybox timeout exits 128 + SIGTERM, coreutils 124.
			124|143) echo "bench exit $w $hv failed \"no result in $exit_limit s\"" ;;
			*) echo "bench exit $w $hv failed \"exit $rc: no result, its check failed (console)\"" ;;
			esac
		done
	done
done

if [ "$phase" = boot ]; then
	# Seconds a guest has to reach its init (and the failure text says so).
	boot_wait=100
	mkdir -p /run/domino /var/log/domino /tmp/bench
	args="console=ttyS0 quiet $(host_facts)"

	domino_cfg() {	# domino_cfg NAME MODE
		cat > /tmp/bench/$1.cfg <<CFG
name = "$1"
type = "pvh"
memory = 256
vcpus = 2
kernel = "$root/vmlinuz"
ramdisk = "$root/guest.cpio"
extra = "$args domino.test=$2 domino.hosttime=$(date +%s) $(guest_xen_arg)"
on_poweroff = "destroy"
CFG
	}
	qemu_boot() {	# qemu_boot NAME MODE: QEMU+KVM microvm in the background
		: > /tmp/bench/$1.log
		"$root/qemu/qemu" -M microvm -accel kvm -cpu host -m 256 -smp 2 \
			-kernel "$root/vmlinuz" -initrd "$root/guest.cpio" \
			-append "$args domino.test=$2 domino.hosttime=$(date +%s)" \
			-nographic -no-reboot -nodefaults -serial "file:/tmp/bench/$1.log" \
			< /dev/null > /tmp/bench/$1.qemu 2>&1 &
		qpid=$!
	}

	# Boot to /init: from the command to the init's first line.
	for i in $(seq "$reps"); do
		domino_cfg bd$i boot
		t0=$(uptime_cs)
		"$dom" create /tmp/bench/bd$i.cfg > /dev/null 2>&1
		if wait_log /var/log/domino/bd$i.log "DOMINO-GUEST: init" "$boot_wait"; then
			echo "bench boot linux-to-init domino seconds=$(secs $(($(uptime_cs) - t0)))"
		else
			echo "bench boot linux-to-init domino failed \"no init line in $boot_wait s\""
		fi
		wait_log /var/log/domino/bd$i.log "DOMINO-GUEST: powering off" 60
		"$dom" destroy bd$i > /dev/null 2>&1
		sleep 1
		t0=$(uptime_cs)
		qemu_boot bk$i boot
		if wait_log /tmp/bench/bk$i.log "DOMINO-GUEST: init" "$boot_wait"; then
			echo "bench boot linux-to-init kvm seconds=$(secs $(($(uptime_cs) - t0)))"
		else
			echo "bench boot linux-to-init kvm failed \"no init line in $boot_wait s\""
		fi
		wait_log /tmp/bench/bk$i.log "DOMINO-GUEST: powering off" 60
		sleep 1
		kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
	done

	# Host memory one idle 256 MiB guest costs, once it sits in its init.
	sync; echo 3 > /proc/sys/vm/drop_caches
	a0=$(mem_avail_kb)
	p0=$(cat /sys/class/misc/domino/alloc_pages)
	domino_cfg idle idle
	"$dom" create /tmp/bench/idle.cfg > /dev/null 2>&1
	if wait_log /var/log/domino/idle.log "DOMINO-GUEST: init" "$boot_wait"; then
		sleep 3
		a1=$(mem_avail_kb)
		p1=$(cat /sys/class/misc/domino/alloc_pages)
		pid=$(awk '{ print $1 }' /run/domino/*.pid 2>/dev/null | head -n 1)
		rss=$(awk '$1 == "VmRSS:" { print $2 }' /proc/"$pid"/status 2>/dev/null)
		echo "bench memory idle-domain domino host_kb=$((a0 - a1)) module_kb=$(((p1 - p0) * 4)) vmm_rss_kb=${rss:-0}"
	else
		echo "bench memory idle-domain domino failed \"no init line in $boot_wait s\""
	fi
	"$dom" destroy idle > /dev/null 2>&1
	sleep 2
	sync; echo 3 > /proc/sys/vm/drop_caches
	a0=$(mem_avail_kb)
	qemu_boot idlek idle
	if wait_log /tmp/bench/idlek.log "DOMINO-GUEST: init" "$boot_wait"; then
		sleep 3
		a1=$(mem_avail_kb)
		rss=$(awk '$1 == "VmRSS:" { print $2 }' /proc/"$qpid"/status 2>/dev/null)
		echo "bench memory idle-domain kvm host_kb=$((a0 - a1)) module_kb=0 vmm_rss_kb=${rss:-0}"
	else
		echo "bench memory idle-domain kvm failed \"no init line in $boot_wait s\""
	fi
	kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
fi

xenstored_stop
rmmod domino
echo "DOMINO-BENCH-END"
