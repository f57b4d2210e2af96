#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lab.sh svm|vmx RESULTS_DIR
# One lab run: stage domino.ko, the tools and the selftests as the payload,
# build the L1 initramfs, boot Debian's cloud kernel under the emulator of
# that vendor (QEMU TCG for SVM+NPT, Bochs for VMX+EPT), and cut the KTAP
# document out of the serial log. Leaves in RESULTS_DIR:
#   console-VENDOR.log   what the suite printed (ttyS0)
#   console-VENDOR.log.kernel  the kernel console (ttyS1), kept for diagnosis
#   ktap-VENDOR.txt      the KTAP results, plus a failure line if the boot
#                        hung, crashed or ended early
# Exit 0 only if the run completed and every test passed.
# Env: LAB_TIMEOUT_S (total, default 1500), LAB_STALL_S (see common.sh),
#      LAB_SCRIPT (what L1 runs: l1-suite.sh, the default, l1-demo.sh or
#      l1-soak.sh), LAB_APPEND (more L1 kernel arguments, e.g. nokaslr).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ $# -ne 2 ] || { [ "$1" != svm ] && [ "$1" != vmx ]; }; then
    echo "usage: $0 svm|vmx RESULTS_DIR" >&2
    exit 2
fi
vendor=$1 out=$2
kver=$("$here/kver.sh")
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The module must have been built for exactly the kernel the lab boots.
vermagic=$(modinfo -F vermagic "$top/domino.ko" 2>/dev/null || true)
if [ "${vermagic%% *}" != "$kver" ]; then
    echo "$0: domino.ko is built for '${vermagic%% *}', the lab boots $kver: run 'make check'" >&2
    exit 2
fi

payload=$out/payload-$vendor
rm -rf "$payload"
mkdir -p "$payload/bin" "$payload/selftests"
cp "$top/domino.ko" "$payload/"
cp "$top/build/userspace/domino" "$payload/bin/"
# The L1 kernel doubles as the guest kernel for PVH tests (lab-notes.md).
cp "/boot/vmlinuz-$kver" "$payload/vmlinuz"
# ...booted as PVH domains with this initramfs (scripts/lab/guest/init).
"$here/mkguest.sh" "$kver" "$payload/guest.cpio"
cp "$here/l1-guests.sh" "$here/l1-lib.sh" "$payload/"
# Settings for the suite in L1, which sees no host environment.
# Linux guests under Bochs take minutes each (a boot to init about three):
# the VMX lab runs the boot test (G1) and skips the life-cycle tests, which
# boot four more, unless LAB_GUESTS asks (docs/lab.md).
guests=${LAB_GUESTS:-1}
why=${LAB_GUESTS_WHY:-}
if [ "$vendor" = vmx ] && [ -z "${LAB_GUESTS:-}" ]; then
    guests=boot
    why="each Linux guest takes minutes under Bochs; LAB_GUESTS=1 runs all five"
fi
printf 'LAB_GUESTS=%s\nLAB_GUESTS_WHY="%s"\n' "$guests" "$why" > "$payload/lab.env"
# `make soak` (l1-soak.sh), `make bench` (l1-bench.sh) and `make fuzz`
# (l1-suite.sh with LAB_TESTS and the fuzzers' budget and seed) settings.
for v in SOAK_RUNS SOAK_VCPUS SOAK_NOKASLR SOAK_ATTACH SOAK_VMM \
         BENCH_PHASE BENCH_REPS BENCH_EXIT_N LAB_TESTS FUZZ_SECONDS FUZZ_SECONDS_VMX \
         FUZZ_SEED GUEST_CONSOLE_ARGS GUEST_INIT_WAIT_S DEMO_GUEST_ON_VMX DEMO_WATCH_S; do
    eval "val=\${$v:-}"
    [ -z "$val" ] || printf '%s="%s"\n' "$v" "$val" >> "$payload/lab.env"
done
# The anchor VMM (QEMU on L1's /dev/kvm), for benchmarks and soak runs.
if [ -n "${LAB_STAGE_QEMU:-}" ]; then
    "$here/stage-qemu.sh" "$payload/qemu"
fi
cp "$top"/build/selftests/* "$payload/selftests/" 2>/dev/null || true
rm -rf "$payload/selftests/lib"
script=${LAB_SCRIPT:-l1-suite.sh}
cp "$here/$script" "$payload/"
cat > "$payload/lab-init.sh" <<'INIT'
#!/bin/sh
exec /domino/@SCRIPT@
INIT
sed -i "s/@SCRIPT@/$script/" "$payload/lab-init.sh"
chmod +x "$payload/lab-init.sh" "$payload/$script"

cpio=$out/initramfs-$vendor.cpio
"$here/mkinitramfs.sh" "$kver" "$payload" "$cpio"

log=$out/console-$vendor.log
runner=$here/qemu-svm.sh
[ "$vendor" = vmx ] && runner=$here/bochs-vmx.sh
echo "lab $vendor: booting $kver ($(basename "$runner")), console in $log" >&2
rc=0
"$runner" "$kver" "$cpio" "$log" "${LAB_TIMEOUT_S:-1500}" "${LAB_APPEND:-}" || rc=$?
# A stalled L1 (QEMU's SVM emulation wedges now and then, lab-notes.md) gets
# one more boot; the stalled run's logs and CPU dump are kept and the
# retry is reported, so a stall never passes unseen and two fail the run.
wedged=
if [ "$rc" -eq 124 ] && [ "${LAB_RETRY_STALL:-1}" = 1 ]; then
    for f in "$log" "$log.kernel" "$log.cpus" "$log.emu" "$log.qemu"; do
        [ -f "$f" ] && mv "$f" "${f/console-$vendor/stalled-$vendor}"
    done
    wedged=$(grep -a 'DOMINO-LAB: WATCHDOG' "$out/stalled-$vendor.log" | tr -d '\r' | head -n 1)
    echo "lab $vendor: first boot stalled ($wedged); CPU state in $out/stalled-$vendor.log.cpus; booting a fresh L1" >&2
    rc=0
    "$runner" "$kver" "$cpio" "$log" "${LAB_TIMEOUT_S:-1500}" "${LAB_APPEND:-}" || rc=$?
fi

# Only the suite and the soak print KTAP; the demo and bench say their own.
case $script in
l1-suite.sh|l1-soak.sh) ;;
*) exit "$rc" ;;
esac
ktap=$out/ktap-$vendor.txt
tr -d '\r' < "$log" | sed -n '/^DOMINO-KTAP-BEGIN/,/^DOMINO-KTAP-END/p' > "$ktap"
[ -z "$wedged" ] || echo "# note: an earlier boot stalled and was retried ($wedged); logs: stalled-$vendor.log*" >> "$ktap"
if [ "$rc" -ne 0 ] || ! grep -q '^DOMINO-KTAP-END' "$ktap"; then
    reason="runner exit $rc"
    grep -q 'DOMINO-LAB: WATCHDOG' "$log" && reason="$(grep -m1 -a 'DOMINO-LAB: WATCHDOG' "$log" | tr -d '\r')"
    grep -q 'DOMINO-LAB: L1 RESET' "$log" && reason="$(grep -m1 -a 'DOMINO-LAB: L1 RESET' "$log" | tr -d '\r')"
    grep -qa 'Kernel panic' "$log.kernel" && reason="kernel panic: $(grep -m1 -a 'Kernel panic' "$log.kernel" | tr -d '\r')"
    echo "not ok 999 lab: $vendor run completed # $reason" >> "$ktap"
    echo "lab $vendor: run did not complete ($reason); see $log" >&2
    exit 1
fi
"$here/ktap-count.sh" "$ktap" >/dev/null
