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
# Debian's xenstored, xenstore-utils and lsevtchn, unmodified, for L1 and
# for its guests.
xentools=$out/xen-tools
rm -rf "$xentools"
"$here/stage-xen-tools.sh" "$xentools"
# ...booted as PVH domains with this initramfs (scripts/lab/guest/init).
"$here/mkguest.sh" "$kver" "$payload/guest.cpio" "$xentools"
cp "$here/l1-guests.sh" "$here/l1-lib.sh" "$payload/"
# Settings for the suite in L1, which sees no host environment. Both labs
# boot all five guests (G1-G5) unless LAB_GUESTS says otherwise (0: none,
# boot: G1 only); under Bochs they add about 5 minutes (docs/lab.md).
guests=${LAB_GUESTS:-1}
why=${LAB_GUESTS_WHY:-}
printf 'LAB_GUESTS=%s\nLAB_GUESTS_WHY="%s"\n' "$guests" "$why" > "$payload/lab.env"
# `make soak` (l1-soak.sh), `make bench` (l1-bench.sh) and `make fuzz`
# (l1-suite.sh with LAB_TESTS and the fuzzers' budget and seed) settings.
for v in SOAK_RUNS SOAK_VCPUS SOAK_NOKASLR SOAK_ATTACH SOAK_VMM SOAK_PIN \
         BENCH_PHASE BENCH_REPS BENCH_EXIT_N LAB_TESTS FUZZ_SECONDS FUZZ_SECONDS_VMX \
         FUZZ_SEED GUEST_CONSOLE_ARGS GUEST_INIT_WAIT_S GUEST_HYPERVISOR DEMO_GUEST_ON_VMX DEMO_WATCH_S; do
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
"$here/mkinitramfs.sh" "$kver" "$payload" "$cpio" "$xentools"

log=$out/console-$vendor.log
runner=$here/qemu-svm.sh
[ "$vendor" = vmx ] && runner=$here/bochs-vmx.sh
echo "lab $vendor: booting $kver ($(basename "$runner")), console in $log" >&2
# LAB_TEST_STALL=1 is the test hook of the retry below: the first boot's
# suite goes silent after loading domino.ko (l1-suite.sh), as a wedged L1
# would, and only the retry runs the tests.
append1=${LAB_APPEND:-}
[ "${LAB_TEST_STALL:-0}" = 1 ] && append1="$append1 domino.labstall=1"
rc=0
"$runner" "$kver" "$cpio" "$log" "${LAB_TIMEOUT_S:-1500}" "$append1" || rc=$?
# A stalled L1 (QEMU's SVM emulation wedges now and then, lab-notes.md) gets
# one more boot, so the rest of the tests still run. The retry never makes
# the stall a pass: the stalled boot's failures and the stall itself are
# results of their own (and the exit status says failure); its logs and
# CPU dump are kept as stalled-VENDOR.log*.
wedged=
if [ "$rc" -eq 124 ] && [ "${LAB_RETRY_STALL:-1}" = 1 ]; then
    for f in "$log" "$log.kernel" "$log.cpus" "$log.emu" "$log.qemu"; do
        [ -f "$f" ] && mv "$f" "${f/console-$vendor/stalled-$vendor}"
    done
    wedged=$(grep -a 'DOMINO-LAB: WATCHDOG' "$out/stalled-$vendor.log" | tr -d '\r' | head -n 1)
    wedged=${wedged#DOMINO-LAB: WATCHDOG }
    wedged=${wedged:-runner exit 124}
    echo "lab $vendor: first boot stalled ($wedged); CPU state in $out/stalled-$vendor.log.cpus; booting a fresh L1" >&2
    rc=0
    "$runner" "$kver" "$cpio" "$log" "${LAB_TIMEOUT_S:-1500}" "${LAB_APPEND:-}" || rc=$?
fi

# stall_results: the stalled boot as KTAP results after the retry's (the
# numbers go on past the plan; ktap-count.sh counts every result line).
stall_results() {
    local first=$out/stalled-$vendor.log last k=900
    last=$(tr -d '\r' < "$first" | { grep -E '^(not )?ok [0-9]+ ' || true; } | tail -n 1 |
           sed -E 's/^(not )?ok [0-9]+ //; s/ # .*//')
    tr -d '\r' < "$first" | sed -n '/^DOMINO-KTAP-BEGIN/,$p' | grep -E '^not ok [0-9]+ ' |
        sed -E 's/^not ok [0-9]+ //' | while IFS= read -r line; do
            k=$((k + 1))
            echo "not ok $k first boot (stalled): $line"
        done || true
    echo "not ok 999 lab: $vendor first boot stalled after '${last:-the boot, before any result}' # $wedged; retried in a fresh L1; logs: stalled-$vendor.log*"
}

# Only the suite and the soak print KTAP; the demo and bench say their own.
case $script in
l1-suite.sh|l1-soak.sh|l1-selfcheck.sh) ;;
*)
    if [ -n "$wedged" ]; then
        echo "lab $vendor: the first boot stalled ($wedged): a failure, whatever the retry did" >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    exit "$rc" ;;
esac
ktap=$out/ktap-$vendor.txt
tr -d '\r' < "$log" | sed -n '/^DOMINO-KTAP-BEGIN/,/^DOMINO-KTAP-END/p' > "$ktap"
if [ "$rc" -ne 0 ] || ! grep -q '^DOMINO-KTAP-END' "$ktap"; then
    reason="runner exit $rc"
    grep -q 'DOMINO-LAB: WATCHDOG' "$log" && reason="$(grep -m1 -a 'DOMINO-LAB: WATCHDOG' "$log" | tr -d '\r')"
    grep -q 'DOMINO-LAB: L1 RESET' "$log" && reason="$(grep -m1 -a 'DOMINO-LAB: L1 RESET' "$log" | tr -d '\r')"
    grep -qa 'Kernel panic' "$log.kernel" && reason="kernel panic: $(grep -m1 -a 'Kernel panic' "$log.kernel" | tr -d '\r')"
    echo "not ok 1000 lab: $vendor run completed # $reason" >> "$ktap"
    [ -z "$wedged" ] || stall_results >> "$ktap"
    echo "lab $vendor: run did not complete ($reason); see $log" >&2
    exit 1
fi
if [ -n "$wedged" ]; then
    stall_results >> "$ktap"
    "$here/ktap-count.sh" "$ktap" >/dev/null || true
    exit 1
fi
"$here/ktap-count.sh" "$ktap" >/dev/null
