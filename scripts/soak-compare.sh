#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# soak-compare.sh: `make soak-compare`. Boots the lab's Debian guest with a
# chatty console SOAK_RUNS times under Domino and SOAK_RUNS times under
# QEMU+KVM (the anchor) in the same kind of L1, and prints the two side by
# side: boots passed, guests that crashed or hung, and L1 resets. A run
# whose L1 resets (or stalls) goes on in a fresh L1 with the boots left,
# so every boot is counted once: the one in flight when L1 died counts as
# lost to the reset.
# Env: LAB (svm), SOAK_RUNS (50), SOAK_TRACE=1 (QEMU logs every exception
# and interrupt, -d int: other timing, ~80 MB of log per boot, kept only
# for the last L1), SOAK_VMMS ("domino kvm").
# Exits 1 when any boot under any VMM failed or any L1 died, as `make
# soak` does: the table is the report, the status the verdict.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lab=${LAB:-svm}
runs=${SOAK_RUNS:-50}
out=$top/lab-results/soak-compare
mkdir -p "$out"
trace=
[ "${SOAK_TRACE:-0}" = 1 ] && trace=1

declare -A passed crashed checks hung resets stalls lost
for vmm in ${SOAK_VMMS:-domino kvm}; do
    passed[$vmm]=0 crashed[$vmm]=0 checks[$vmm]=0 hung[$vmm]=0 resets[$vmm]=0 stalls[$vmm]=0 lost[$vmm]=0
    left=$runs l1=0
    while [ "$left" -gt 0 ]; do
        l1=$((l1 + 1))
        dir=$out/$vmm-$l1
        rm -rf "$dir"
        mkdir -p "$dir"
        env=(SOAK_RUNS="$left" SOAK_ATTACH=1 LAB_SCRIPT=l1-soak.sh LAB_RETRY_STALL=0)
        [ "$vmm" = kvm ] && env+=(SOAK_VMM=kvm LAB_STAGE_QEMU=1)
        [ -n "$trace" ] && env+=(LAB_QEMU_LOG=int,cpu_reset)
        echo "soak-compare: $vmm, L1 boot $l1, $left guest boots" >&2
        env "${env[@]}" "$top/scripts/lab/lab.sh" "$lab" "$dir" >/dev/null 2>"$dir/lab.err"
        log=$dir/console-$lab.log
        boots=$(tr -d '\r' < "$log" | grep -aEc '^(not )?ok [0-9]+ soak: (kvm )?boot ')
        p=$(tr -d '\r' < "$log" | grep -aEc '^ok [0-9]+ soak: (kvm )?boot ')
        c=$(tr -d '\r' < "$log" | grep -aEc '^not ok [0-9]+ soak: (boot [0-9]+: crashed|kvm boot [0-9]+: qemu exit)')
        h=$(tr -d '\r' < "$log" | grep -aEc '^not ok [0-9]+ soak: boot [0-9]+: hang')
        # Powered off, but its own checks failed (a CPU without work, a
        # kernel-log complaint): alive, and counted apart from deaths.
        k=$(tr -d '\r' < "$log" | grep -aEc '^not ok [0-9]+ soak: (kvm )?boot [0-9]+: gone')
        passed[$vmm]=$((passed[$vmm] + p))
        crashed[$vmm]=$((crashed[$vmm] + c))
        checks[$vmm]=$((checks[$vmm] + k))
        hung[$vmm]=$((hung[$vmm] + boots - p - c - k))
        left=$((left - boots))
        if grep -aq 'DOMINO-LAB: L1 RESET' "$log"; then
            resets[$vmm]=$((resets[$vmm] + 1))
        elif grep -aq 'DOMINO-LAB: WATCHDOG' "$log"; then
            stalls[$vmm]=$((stalls[$vmm] + 1))
        elif grep -aq 'DOMINO-LAB: END' "$log"; then
            continue
        fi
        # L1 died in the middle of a boot: that boot is lost, the rest go on.
        if [ "$left" -gt 0 ] && ! grep -aq 'DOMINO-LAB: END' "$log"; then
            lost[$vmm]=$((lost[$vmm] + 1))
            left=$((left - 1))
        fi
        [ -n "$trace" ] && [ "$left" -gt 0 ] && rm -f "$log.qemu"
    done
done

printf '\nchatty-console soak, %s lab, %d boots each%s\n' "$lab" "$runs" "${trace:+, QEMU -d int}"
printf '%-8s %7s %7s %7s %5s %9s %7s %9s\n' vmm passed crashed "checks" hung "L1 reset" stalled "lost boot"
for vmm in ${SOAK_VMMS:-domino kvm}; do
    printf '%-8s %7d %7d %7d %5d %9d %7d %9d\n' "$vmm" "${passed[$vmm]}" "${crashed[$vmm]}" \
        "${checks[$vmm]}" "${hung[$vmm]}" "${resets[$vmm]}" "${stalls[$vmm]}" "${lost[$vmm]}"
done | tee "$out/summary.txt"
bad=0
for vmm in ${SOAK_VMMS:-domino kvm}; do
    [ "${passed[$vmm]}" -eq "$runs" ] || bad=1
done
exit $bad
