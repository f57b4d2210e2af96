# shellcheck shell=bash
# common.sh: watchdog shared by qemu-svm.sh and bochs-vmx.sh (sourced, not run).
#
# lab_run LOG EMU_LOG TIMEOUT_S CMD...
#   Runs the emulator CMD (stdin /dev/null, its own output to EMU_LOG) while
#   watching the serial LOG (the suite's port, ttyS0) and LOG.kernel (the
#   kernel console, ttyS1): output on either counts as life. Returns:
#     0   emulator ended and LOG has "DOMINO-LAB: END" (also when it had to be
#         killed LAB_GRACE_S after END, e.g. a poweroff that did not power off)
#     1   emulator ended without END (crash, panic ...), or L1 reset itself
#         (runners that define lab_l1_reset: "DOMINO-LAB: L1 RESET" in LOG)
#     124 killed: LOG silent for LAB_STALL_S (default 120) or TIMEOUT_S total
#   Every kill appends "DOMINO-LAB: WATCHDOG <reason>" to LOG.
#   Callers must call lab_cleanup from their EXIT trap.

lab_emu_pid=

# A free TCP port on loopback, for an emulator's monitor.
lab_free_port() {
    local p
    for p in $(seq 45400 45499); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

lab_cleanup() {
    [ -n "$lab_emu_pid" ] || return 0
    kill -TERM "$lab_emu_pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do
        kill -0 "$lab_emu_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ "$i" -lt 50 ] || kill -KILL "$lab_emu_pid" 2>/dev/null || true
    wait "$lab_emu_pid" 2>/dev/null || true
    lab_emu_pid=
}

lab_run() {
    local log=$1 emu_log=$2 timeout=$3
    shift 3
    local stall=${LAB_STALL_S:-120} grace=${LAB_GRACE_S:-15}
    local t0 t1 size last_size=-1 last_change=$SECONDS start=$SECONDS
    local reason='' code=0 done_at='' done_code=0 emu_rc=0 l1_reset='' stopped='' last_poll=$SECONDS

    local klog=$log.kernel
    : >"$log"
    : >"$klog"
    t0=$(date +%s.%N)
    "$@" </dev/null >"$emu_log" 2>&1 &
    lab_emu_pid=$!

    while kill -0 "$lab_emu_pid" 2>/dev/null; do
        sleep 1
        size=$(cat "$log" "$klog" 2>/dev/null | wc -c)
        if [ "$size" != "$last_size" ]; then
            last_size=$size
            last_change=$SECONDS
        fi
        # The guest finished (END) or panicked: the emulator should exit on
        # its own soon; if not (Bochs may reset instead), stop it.
        if [ -z "$done_at" ]; then
            if grep -q 'DOMINO-LAB: END' "$log"; then
                done_at=$SECONDS done_code=0
            elif grep -q "Kernel panic - not syncing" "$klog"; then
                done_at=$SECONDS done_code=1
            fi
        fi
        # The emulator says L1 reset itself (qemu-svm.sh): keep the CPU
        # state at the fault, then end the run as a failure of its own.
        if declare -F lab_l1_reset >/dev/null && lab_l1_reset; then
            lab_dump_state >"$log.cpus" 2>&1 || true
            reason="L1 reset: triple fault in L1 (CPU state in $(basename "$log").cpus)"
            code=1
            l1_reset=1
            break
        fi
        # Powered off (or panicked) and held stopped: nothing more to wait for.
        if [ -n "$done_at" ] && declare -F lab_emu_stopped >/dev/null && lab_emu_stopped; then
            code=$done_code
            stopped=1
            break
        fi
        # Held stopped without END or a panic (-no-shutdown): L1 powered
        # off or reset in a way nobody logged. A failure, not a stall to
        # retry. Asked every 10 s: each question costs a second.
        if [ -z "$done_at" ] && ((SECONDS - last_poll >= 10)) &&
           declare -F lab_emu_stopped >/dev/null; then
            last_poll=$SECONDS
            if lab_emu_stopped; then
                reason="L1 stopped without END (powered off or reset)"
                code=1
                break
            fi
        fi
        if [ -n "$done_at" ] && ((SECONDS - done_at >= grace)); then
            reason="emulator still running ${grace}s after $([ "$done_code" = 0 ] && echo END || echo 'kernel panic')"
            code=$done_code
        elif [ -z "$done_at" ] && grep -aqE 'BUG: soft lockup|self-detected stall on CPU' "$klog"; then
            # A wedged L1 keeps printing lockup reports, which the silence
            # watchdog would take for life: it is a stall.
            reason="stall: L1 reports a CPU locked up ($(grep -aoE -m1 'BUG: soft lockup - CPU#[0-9]+|self-detected stall on CPU' "$klog"))"
            code=124
        elif ((SECONDS - last_change >= stall)); then
            reason="stall: no console output for ${stall}s"
            code=124
        elif ((SECONDS - start >= timeout)); then
            reason="timeout: ${timeout}s total"
            code=124
        fi
        [ -z "$reason" ] || break
    done

    if [ -n "$l1_reset" ]; then
        lab_cleanup
        emu_rc=killed
        [ -z "$(tail -c 1 "$log")" ] || echo >>"$log"
        echo "DOMINO-LAB: L1 RESET $reason" >>"$log"
    elif [ -n "$stopped" ]; then
        lab_cleanup
        emu_rc="stopped after $([ "$code" = 0 ] && echo END || echo 'kernel panic')"
    elif [ -n "$reason" ]; then
        # Where the CPUs are tells an emulator wedge from a Domino hang.
        if [ "$code" = 124 ] && declare -F lab_dump_state >/dev/null; then
            lab_dump_state >"$log.cpus" 2>&1 || true
        fi
        lab_cleanup
        emu_rc=killed
        # Start the marker on a line of its own.
        [ -z "$(tail -c 1 "$log")" ] || echo >>"$log"
        echo "DOMINO-LAB: WATCHDOG $reason" >>"$log"
    else
        wait "$lab_emu_pid" || emu_rc=$?
        lab_emu_pid=
        grep -q 'DOMINO-LAB: END' "$log" || code=1
    fi
    t1=$(date +%s.%N)
    {
        printf '%s: wall %.1f s, emulator rc=%s, %s, exit %s\n' "${0##*/}" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$emu_rc" \
            "$(grep -a -o 'DOMINO-LAB: END rc=[0-9]*' "$log" | tail -n 1 || echo 'no END line')" "$code"
        [ -z "$reason" ] || echo "${0##*/}: WATCHDOG $reason"
        if [ "$code" != 0 ]; then
            echo "${0##*/}: last emulator output ($emu_log):"
            tail -n 5 "$emu_log" | sed 's/^/  /'
        fi
    } >&2
    return "$code"
}
