#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: `make bench`. Domino against the anchor (KVM in the same L1
# boot, same guest code), every figure as a ratio Domino/anchor.
#   svm exits  QEMU -icount shift=0,sleep=off -smp 1: exit costs in L1
#              instructions (the TSC counts instructions)
#   svm boot   QEMU TCG -smp 2: exit costs in wall time, Linux boot to
#              /init (Domino PVH vs QEMU+KVM microvm), host memory per
#              idle domain
#   vmx exits  Bochs: exit costs in Bochs instructions (kvm-intel anchor)
# Writes lab-results/bench/STAMP/: raw.txt (every measurement), bench.csv,
# table.md (also printed) and PNG plots. Fails only when a lab run fails,
# never on a figure; a repetition that gave no figure is counted in the
# table (N of M repetitions) and said here. Env: BENCH_LABS ("svm vmx"),
# BENCH_REPS (3).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
stamp=$(date -u +%Y%m%d-%H%M%S)
out=$top/lab-results/bench/$stamp
mkdir -p "$out"
raw=$out/raw.txt
: > "$raw"
rc=0
t_start=$(date +%s)

# run_phase LAB PHASE [VAR=value...]: one L1 boot, its "bench" lines into raw
run_phase() {
    local lab=$1 phase=$2 dir=$out/$1-$2
    shift 2
    echo "bench: $lab lab, $phase phase ($(date -u +%H:%M:%S))" >&2
    if ! env "$@" BENCH_PHASE="$phase" LAB_SCRIPT=l1-bench.sh \
        "$top/scripts/lab/lab.sh" "$lab" "$dir" 2> "$dir.err"; then
        echo "bench: the $lab $phase run failed; see $dir.err and $dir/console-$lab.log" >&2
        tail -n 5 "$dir.err" >&2
        rc=1
    fi
    # A boot that stalled and was retried (lab.sh) keeps what it measured.
    cat "$dir/stalled-$lab.log" "$dir/console-$lab.log" 2>/dev/null | tr -d '\r' |
        sed -n "s/^bench /$lab $phase /p" >> "$raw"
}

labs=${BENCH_LABS:-svm vmx}
for lab in $labs; do
    case $lab in
    svm)
        run_phase svm exits LAB_QEMU_SMP=1 LAB_QEMU_ARGS="-icount shift=0,sleep=off"
        run_phase svm boot LAB_STAGE_QEMU=1
        ;;
    vmx)
        # Bochs runs a few million instructions a second: fewer loops.
        run_phase vmx exits BENCH_EXIT_N=1000
        ;;
    esac
done

"$top/scripts/bench-report.sh" "$raw" "$out"
nfailed=$(grep -c '^[a-z]* [a-z]* [a-z]* [^ ]* [a-z]* failed ' "$raw")
[ "$nfailed" -gt 0 ] &&
    echo "bench: $nfailed repetition(s) gave no figure (\"failed\" in $raw); medians over fewer than asked carry a *"
echo "bench: results in $out ($(( ($(date +%s) - t_start) / 60 )) min)"
exit $rc
