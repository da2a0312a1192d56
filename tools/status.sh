# tools/status.sh - the exit statuses of kmemlab's scripts, in one place.
# Sourced by tools/run.sh (make run, make debug), tools/test.sh (make
# test) and tools/bench.sh (make bench); documented in README.md.
#
#   0  success: the kernel exited with success, or every test passed
#   1  kernel failure: the kernel reported failure (a panic, a CPU
#      exception, a failed self-test), or a test failed
#   3  crash: the CPU reset (a triple fault) before the kernel could
#      report; QEMU, started with -no-reboot, stopped
#   4  hang: the time limit (TIMEOUT seconds) passed first
#   5  build error: the kernel or a tool did not build, or a tool is
#      missing and could not be installed
#   6  refused: a knob's value cannot be used (MEM, ARGS); nothing ran
#   7  QEMU failed: it did not start, or ended in an unexpected way
#
# GNU make exits 2 whenever a recipe fails, whatever the script said; it
# names the script's status in its own last line ("Error 3").  Run the
# script directly (tools/run.sh, tools/test.sh) to get the status itself.

ST_OK=0
ST_KERNEL=1
ST_CRASH=3
ST_HANG=4
ST_BUILD=5
ST_REFUSED=6
ST_QEMU=7

# QEMU's exit statuses when the kernel writes to isa-debug-exit
# (drivers/qemu_exit.h): (0x10 << 1) | 1 and (0x11 << 1) | 1.
QEMU_EXIT_SUCCESS=33
QEMU_EXIT_FAILURE=35

# finish WHO STATUS TEXT...: prints the last line, which says in words
# what happened and the status, and exits with STATUS.
finish() {
    local who=$1 st=$2 note=""
    shift 2
    if [ "$st" != 0 ] && [ -n "${MAKELEVEL:-}" ]; then
        note=" (make reports this as \"Error $st\" and exits 2)"
    fi
    echo "$who: $* - status $st$note" >&2
    exit "$st"
}

# qemu_outcome QEMU_STATUS QEMU_DEBUG_LOG TIMEOUT: sets OUTCOME to the
# script status for a boot that ended with QEMU_STATUS and OUTCOME_TEXT
# to what happened.  QEMU_DEBUG_LOG is QEMU's "-d cpu_reset" log, which
# names a triple fault; a timeout is status 124 from timeout(1).
qemu_outcome() {
    case $1 in
        "$QEMU_EXIT_SUCCESS")
            OUTCOME=$ST_OK
            OUTCOME_TEXT="the kernel exited with success" ;;
        "$QEMU_EXIT_FAILURE")
            OUTCOME=$ST_KERNEL
            OUTCOME_TEXT="kernel failure: the kernel reported failure (a panic, an exception or a failed self-test; see above)" ;;
        124)
            OUTCOME=$ST_HANG
            OUTCOME_TEXT="hang: the kernel had not exited after $3 s (TIMEOUT=$3)" ;;
        0)
            if grep -q 'Triple fault' "$2" 2>/dev/null; then
                OUTCOME=$ST_CRASH
                OUTCOME_TEXT="crash: a triple fault reset the CPU before the kernel could report"
            else
                OUTCOME=$ST_OK
                OUTCOME_TEXT="QEMU was quit before the kernel exited"
            fi ;;
        *)
            OUTCOME=$ST_QEMU
            OUTCOME_TEXT="QEMU failed with status $1 (see its message above)" ;;
    esac
}
