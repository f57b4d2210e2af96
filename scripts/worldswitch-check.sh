#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# worldswitch-check.sh BUILD_DIR: the disassembly test of the two world
# switches (docs/security.md). For svm/vmenter.o and vmx/vmenter.o it checks
# that the barriers the host kernel may patch in are really there: VERW
# right before VMRUN/VMLAUNCH, every guest GPR cleared after the exit, the
# SPEC_CTRL swap (guest's in, host's back), and among the alternatives the RSB-filling loop, the
# return untraining, the IBPB and the branch-history clearing. Prints one
# line per object ("ok"/"not ok" and what is missing); exit 1 if any is
# missing.
set -uo pipefail
dir=$1
rc=0
for obj in svm/vmenter.o vmx/vmenter.o; do
    f=$dir/$obj
    if [ ! -f "$f" ]; then
        echo "not ok $obj: not built"
        rc=1
        continue
    fi
    text=$(objdump -d --no-show-raw-insn -j .text "$f")
    alt=$(objdump -dr --no-show-raw-insn -j .altinstr_replacement "$f")
    entry=vmrun
    [ "$obj" = vmx/vmenter.o ] && entry=vmlaunch
    missing=
    # VERW (memory form) is the last instruction before the entry.
    echo "$text" | grep -E '^\s+[0-9a-f]+:' | grep -B1 -E "\s$entry\b" | head -n 1 | grep -q 'verw.*(%rip)' ||
        missing="$missing verw-before-$entry"
    for r in ebx ecx edx esi edi ebp r8d r9d r10d r11d r12d r13d r14d r15d; do
        echo "$text" | grep -qE "xor +%$r,%$r" || missing="$missing clear-$r"
    done
    # SPEC_CTRL: the guest's loaded before entry, the host's after the exit.
    [ "$(echo "$text" | grep -cE 'mov +\$0x48,%ecx')" -ge 2 ] && echo "$text" | grep -q 'wrmsr' &&
        [ "$(objdump -dr -j .text "$f" | grep -c 'domino_guest_spec_ctrl')" -ge 2 ] ||
        missing="$missing spec-ctrl-swap"
    # __FILL_RETURN_BUFFER: a counted loop of calls whose targets trap.
    echo "$alt" | grep -q 'int3' && echo "$alt" | grep -qE 'dec +%rax' &&
        echo "$alt" | grep -q 'lfence' || missing="$missing rsb-fill"
    for sym in entry_untrain_ret srso_alias_untrain_ret entry_ibpb clear_bhb_loop; do
        echo "$alt" | grep -q "R_X86_64_PLT32\s*$sym" || missing="$missing call-$sym"
    done
    if [ -z "$missing" ]; then
        echo "ok $obj: VERW before $entry, GPRs cleared, SPEC_CTRL swap, RSB fill, untraining, IBPB, BHB clear"
    else
        echo "not ok $obj: missing$missing"
        rc=1
    fi
done
exit $rc
