#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: the README's test command (`make check` calls it after building).
# Host unit tests, then the SVM lab (QEMU TCG) and the VMX lab (Bochs), each
# booting Debian's cloud kernel with domino.ko and the selftests. Results
# and console logs go to lab-results/. Ends with "N passed, N failed".
# Env: LABS="svm vmx" selects the labs (LABS= runs none: host and build only).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/lab-results
rm -rf "$res"
mkdir -p "$res"

parts=()
# `make deps` installed what the unit tests use (the lab kernel, iasl): a
# test that cannot find one of them fails rather than skips.
DOMINO_DEPS_INSTALLED=1 make -s -C "$top/userspace" check > "$res/ktap-host.txt" 2>&1
parts+=("host:$res/ktap-host.txt")

# The module must build warning-free with W=1 and sparse (C=2). A fresh
# copy of the tree forces every file through both compiler and checker.
kver=$("$top/scripts/lab/kver.sh")
copy=$(mktemp -d /tmp/domino-build.XXXXXX)
(cd "$top" && git ls-files -co --exclude-standard | cpio -pdm --quiet "$copy")
make -C "/usr/src/linux-headers-$kver" M="$copy" W=1 C=2 modules > "$res/build-w1-sparse.log" 2>&1
build_rc=$?
# The disassembly test of the world switches (docs/security.md).
"$top/scripts/worldswitch-check.sh" "$copy" > "$res/worldswitch.log" 2>&1
ws_rc=$?
rm -rf "$copy"
{
    echo "TAP version 13"
    echo "1..2"
    sed -n 's|^/tmp/domino-build\.[^/]*/|# |p' "$res/build-w1-sparse.log" | grep -E 'warning|error' || true
    if [ "$build_rc" -eq 0 ] && ! grep -qE 'warning:|error:' "$res/build-w1-sparse.log"; then
        echo "ok 1 build: domino.ko for $kver is clean under W=1 and sparse (C=2)"
    else
        echo "not ok 1 build: domino.ko for $kver is clean under W=1 and sparse (C=2)"
    fi
    sed 's/^/# /' "$res/worldswitch.log"
    if [ "$ws_rc" -eq 0 ]; then
        echo "ok 2 build: both world switches carry the host kernel's speculation barriers"
    else
        echo "not ok 2 build: both world switches carry the host kernel's speculation barriers"
    fi
} > "$res/ktap-build.txt"
parts+=("build:$res/ktap-build.txt")

# Userspace and selftests must be clean under cppcheck.
{
    echo "TAP version 13"
    echo "1..1"
    if (cd "$top" && cppcheck --enable=warning,style --error-exitcode=1 --quiet \
            --inline-suppr --suppress=missingIncludeSystem -I uapi -I userspace/lib \
            -I userspace/vmm -I selftests/include userspace/lib/*.c userspace/domino/*.c \
            userspace/vmm/*.c \
            selftests/*.c selftests/lib/*.c) > "$res/cppcheck.log" 2>&1; then
        echo "ok 1 static: cppcheck finds nothing in userspace/ and selftests/"
    else
        sed 's/^/# /' "$res/cppcheck.log" | head -n 40
        echo "not ok 1 static: cppcheck finds nothing in userspace/ and selftests/"
    fi
} > "$res/ktap-static.txt"
parts+=("static:$res/ktap-static.txt")

for lab in ${LABS-svm vmx}; do
    start=$(date +%s)
    "$top/scripts/lab/lab.sh" "$lab" "$res" 2> >(tee "$res/lab-$lab.err" >&2)
    echo "lab $lab: $(( $(date +%s) - start )) s wall" >&2
    parts+=("$lab:$res/ktap-$lab.txt")
done

# The lab checks itself, in the SVM lab (docs/lab.md): a first boot made
# to stall (LAB_TEST_STALL) must come out as a failure while the retry
# still runs, and the guest time check must fail a guest clock at 2x.
if [[ " ${LABS-svm vmx} " == *" svm "* ]] && [ "${LAB_SELFCHECK:-1}" = 1 ]; then
    start=$(date +%s)
    sc=$res/selfcheck
    # QEMU with one thread for both L1 CPUs, and the guests' threads on
    # one L1 CPU: what is tested is the lab's bookkeeping and its clock
    # check, and the SVM lab's open guest deaths (issue 14, docs/
    # security.md) need L1's CPUs emulated in parallel. They took the 2x
    # guest in two of three runs with free threads.
    LAB_QEMU_ACCEL=tcg,thread=single LAB_TEST_STALL=1 LAB_STALL_S=60 LAB_SCRIPT=l1-selfcheck.sh \
        "$top/scripts/lab/lab.sh" svm "$sc" 2> >(tee "$res/lab-selfcheck.err" >&2)
    sc_rc=$?
    k=$sc/ktap-svm.txt
    {
        echo "TAP version 13"
        echo "1..2"
        grep -E '^(not )?ok' "$k" 2>/dev/null | sed 's/^/# /'
        if [ "$sc_rc" -ne 0 ] && grep -q '^DOMINO-KTAP-END' "$k" &&
           grep -q "^not ok 999 lab: svm first boot stalled after 'selfcheck: domino.ko loads" "$k" &&
           [ "$(grep -cE '^(not )?ok [1-4] selfcheck: ' "$k")" -eq 4 ]; then
            echo "ok 1 labcheck: a first boot made to stall is a failure in the results, and the retry runs the rest"
        else
            echo "not ok 1 labcheck: a first boot made to stall is a failure in the results, and the retry runs the rest # lab.sh exit $sc_rc"
        fi
        if grep -q '^ok 2 selfcheck: a guest clock at 2x' "$k" && grep -q '^ok 3 selfcheck: ' "$k"; then
            echo "ok 2 labcheck: the guest time check fails a guest clock at 2x and passes it at 1x"
        else
            echo "not ok 2 labcheck: the guest time check fails a guest clock at 2x and passes it at 1x"
        fi
    } > "$res/ktap-labcheck.txt"
    echo "lab selfcheck: $(( $(date +%s) - start )) s wall" >&2
    parts+=("labcheck:$res/ktap-labcheck.txt")
fi

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
