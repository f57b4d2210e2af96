#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make fuzz`: the fuzzers with long budgets, and the isolation tests, in
# each lab (QEMU TCG for SVM, Bochs for VMX). After them the lab suite's own
# checks run as after every selftest: no domain left, the module's page and
# object counters back to zero, the module unloads, and the kernel log holds
# no oops, WARN, BUG, lockdep or RCU report. Each fuzzer prints its seed;
# FUZZ_SEED=S replays one (fuzz_guest replays op for op; fuzz_uapi with one
# thread, FUZZ_THREADS is not passed: use the binary by hand for that).
# Env: FUZZ_SECONDS (per fuzzer, default 300), FUZZ_SECONDS_VMX (in L1
# time under Bochs, default a thirtieth of it), FUZZ_SEED, LABS ("svm vmx").
# Results in lab-results/fuzz/; ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/lab-results/fuzz
rm -rf "$res"
mkdir -p "$res"
export LAB_TESTS="isolation_test fuzz_uapi fuzz_guest"
export FUZZ_SECONDS=${FUZZ_SECONDS:-300}
# Under Bochs a second of L1's clock takes 8-20 s of real time.
export FUZZ_SECONDS_VMX=${FUZZ_SECONDS_VMX:-$((FUZZ_SECONDS / 10))}
export LAB_GUESTS=0 LAB_GUESTS_WHY="make fuzz runs the fuzzers, not the Linux guests"
export LAB_TIMEOUT_S=$((FUZZ_SECONDS * 2 + FUZZ_SECONDS_VMX * 100 + 900))
total_p=0 total_f=0
for lab in ${LABS-svm vmx}; do
    start=$(date +%s)
    "$top/scripts/lab/lab.sh" "$lab" "$res" 2> >(tee "$res/lab-$lab.err" >&2)
    echo "lab $lab: $(( $(date +%s) - start )) s wall" >&2
    f=$res/ktap-$lab.txt
    [ -f "$f" ] || echo "not ok 1 $lab: produced no results" > "$f"
    grep -E '^# # (seed|[0-9]+ (guest ops|operations)|exits:)' "$f" | sed "s/^# # /$lab: /"
    grep -E '^not ok' "$f" | sed "s/^/$lab: /"
    read -r p fl s < <("$top/scripts/lab/ktap-count.sh" "$f" 2>/dev/null)
    printf '%-5s %3d passed, %d failed, %d skipped\n' "$lab" "$p" "$fl" "$s"
    total_p=$((total_p + p)) total_f=$((total_f + fl))
done
echo "$total_p passed, $total_f failed" | tee "$res/summary.txt"
[ "$total_f" -eq 0 ]
