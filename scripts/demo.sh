#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh: the README's first command. Boots each lab (SVM under QEMU TCG,
# VMX under Bochs), loads domino.ko there, shows what it detected and boots
# a Debian guest domain on it with its console attached.
# Env: LABS="svm vmx" selects the labs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/lab-results/demo
mkdir -p "$out"
rc=0
for lab in ${LABS:-svm vmx}; do
    echo "=== $lab lab: Debian's kernel under $([ "$lab" = svm ] && echo 'QEMU TCG (AMD SVM + NPT)' || echo 'Bochs (Intel VMX + EPT)')"
    if LAB_SCRIPT=l1-demo.sh "$top/scripts/lab/lab.sh" "$lab" "$out" 2>"$out/lab-$lab.err"; then
        tr -d '\r' < "$out/console-$lab.log" | sed -n '/^DOMINO-DEMO-BEGIN/,/^DOMINO-DEMO-END/p' | sed '1d;$d'; echo
        # The run completed; the demo's own verdict is its last line.
        end=$(tr -d '\r' < "$out/console-$lab.log" | grep -a '^DOMINO-DEMO-END' | tail -n 1)
        if [ "$end" != "DOMINO-DEMO-END ok" ]; then
            echo "$lab lab: demo ${end#DOMINO-DEMO-END }; console log: $out/console-$lab.log"
            rc=1
        fi
    else
        cat "$out/lab-$lab.err"
        echo "$lab lab failed; console log: $out/console-$lab.log"
        rc=1
    fi
done
exit $rc
