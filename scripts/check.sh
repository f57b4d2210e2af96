#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the README's test command (`make check` calls it after building).
# Host unit tests, then the SVM lab (QEMU TCG) and the VMX lab (Bochs), each
# booting Debian's cloud kernel with domino.ko and the selftests. Results
# and console logs go to lab-results/. Ends with "N passed, N failed".
# Env: LABS="svm vmx" selects the labs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/lab-results
rm -rf "$res"
mkdir -p "$res"

parts=()
make -s -C "$top/userspace" check > "$res/ktap-host.txt" 2>&1
parts+=("host:$res/ktap-host.txt")

for lab in ${LABS:-svm vmx}; do
    start=$(date +%s)
    "$top/scripts/lab/lab.sh" "$lab" "$res" 2> >(tee "$res/lab-$lab.err" >&2)
    echo "lab $lab: $(( $(date +%s) - start )) s wall" >&2
    parts+=("$lab:$res/ktap-$lab.txt")
done

total_p=0 total_f=0 total_s=0
for part in "${parts[@]}"; do
    name=${part%%:*} file=${part#*:}
    [ -f "$file" ] || echo "not ok 1 $name: produced no results" > "$file"
    grep -E '^not ok' "$file" | sed "s/^/$name: /"
    read -r p f s < <("$top/scripts/lab/ktap-count.sh" "$file" 2>/dev/null)
    printf '%-5s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
    total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
echo "$total_p passed, $total_f failed, $total_s skipped" | tee "$res/summary.txt"
[ "$total_f" -eq 0 ]
