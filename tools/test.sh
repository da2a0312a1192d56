#!/usr/bin/env bash
# tools/test.sh - what "make test" runs, after building.
#
#   1. build/hosttest: every self-test natively, under ASan and UBSan;
#   2. boots of the ISO in QEMU, each under a timeout, each with its serial
#      log kept in build/logs/NAME.log.  tests/boot/*.sh list the boots
#      and what their logs must show, using the functions below.
#
# Every check prints "boottest: ok NAME" or "boottest: FAIL NAME: why";
# the last line is "tests: N passed, M failed" (host tests, self-tests and
# boot checks together).  Exit status 0 only when M is 0.
set -u
cd "$(dirname "$0")/.."

QEMU=${QEMU:-qemu-system-i386}
TIMEOUT=${TIMEOUT:-300}
BUILD=${BUILD:-build}
ELF=$BUILD/kmemlab.elf
LOGS=$BUILD/logs
mkdir -p "$LOGS" "$BUILD/iso"

# Exit statuses of QEMU, set by the kernel through isa-debug-exit
# (drivers/qemu_exit.h): (0x10 << 1) | 1 and (0x11 << 1) | 1.
EXIT_SUCCESS=33
EXIT_FAILURE=35

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "boottest: ok $1"; }
fail() { failed=$((failed + 1)); echo "boottest: FAIL $1: $2"; }

# What a QEMU exit status means, for failure messages.
explain_status() {
    case $1 in
        33) echo "kernel exited with success (33)" ;;
        35) echo "kernel exited with failure (35)" ;;
        124) echo "timed out after ${BOOT_TIMEOUT:-$TIMEOUT}s: the kernel hung" ;;
        0) echo "QEMU stopped by itself (0): a triple fault or reset" ;;
        *) echo "QEMU exited with $1" ;;
    esac
}

# boot NAME MEM "OPTIONS" [EXTRA_DIR]: boot the ISO; sets BOOT_LOG and
# BOOT_STATUS.  EXTRA_DIR is copied over the ISO tree (tools/mkiso.sh).
boot() {
    local name=$1 mem=$2 args=$3 extra=${4:-}
    local iso=$BUILD/iso/$name.iso
    BOOT_NAME=$name
    BOOT_LOG=$LOGS/$name.log
    tools/mkiso.sh "$ELF" "$iso" "$args" "$extra" || {
        BOOT_STATUS=-1; echo "mkiso failed" > "$BOOT_LOG"; return; }
    run_qemu -cdrom "$iso" -m "$mem"
}

# boot_kernel NAME MEM "OPTIONS": boot through QEMU's own Multiboot
# loader (-kernel), which puts the kernel's path first on the line.
boot_kernel() {
    local name=$1 mem=$2 args=$3
    BOOT_NAME=$name
    BOOT_LOG=$LOGS/$name.log
    run_qemu -kernel "$ELF" -append "$args" -m "$mem"
}

# BOOT_TIMEOUT, if set for one call, overrides TIMEOUT for that boot.
run_qemu() {
    timeout "${BOOT_TIMEOUT:-$TIMEOUT}" "$QEMU" "$@" -no-reboot -display none \
        -serial "file:$BOOT_LOG" -monitor none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null \
        >"$BOOT_LOG.qemu" 2>&1
    BOOT_STATUS=$?
    # The kernel writes \r\n; keep the logs plain text.
    sed -i 's/\r$//' "$BOOT_LOG"
}

# A check is named BOOT.WHAT and reads BOOT's log, build/logs/BOOT.log.
# The scripts are sourced one after another and share BOOT_LOG, so a
# check placed after another boot would read the wrong log: own_log
# fails such a check instead, naming both boots.
own_log() {
    if [ "${1%%.*}" != "$BOOT_NAME" ]; then
        fail "$1" "reads the log of boot ${1%%.*}, but the last boot was $BOOT_NAME ($BOOT_LOG)"
        return 1
    fi
}

# expect_exit NAME WANT: the last boot ended with status WANT.
expect_exit() {
    own_log "$1" || return
    if [ "$BOOT_STATUS" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "$(explain_status "$BOOT_STATUS"), wanted $(explain_status "$2") (log: $BOOT_LOG)"
    fi
}

# expect_log NAME REGEX: some line of the last boot's log matches REGEX.
expect_log() {
    own_log "$1" || return
    if grep -Eq -- "$2" "$BOOT_LOG"; then
        pass "$1"
    else
        fail "$1" "no line matches /$2/ in $BOOT_LOG"
    fi
}

# expect_no_log NAME REGEX: no line of the last boot's log matches.
expect_no_log() {
    own_log "$1" || return
    if grep -Eq -- "$2" "$BOOT_LOG"; then
        fail "$1" "$(grep -Em1 -- "$2" "$BOOT_LOG") (in $BOOT_LOG)"
    else
        pass "$1"
    fi
}

# summary_counts PREFIX LOG: prints "N M" from "PREFIX: N passed, M failed".
summary_counts() {
    sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$2" |
        tail -n 1
}

# expect_summary NAME PREFIX: the log ends its test run with 0 failed.
# The tests it counts are added to the totals.
expect_summary() {
    local counts n m
    own_log "$1" || return
    counts=$(summary_counts "$2" "$BOOT_LOG")
    if [ -z "$counts" ]; then
        fail "$1" "no '$2: N passed, M failed' line in $BOOT_LOG"
        return
    fi
    read -r n m <<< "$counts"
    passed=$((passed + n))
    failed=$((failed + m))
    if [ "$m" = 0 ]; then pass "$1"; else fail "$1" "$m tests failed"; fi
}

echo "== host tests (ASan + UBSan)"
BOOT_NAME=hosttest
BOOT_LOG=$LOGS/hosttest.log
"$BUILD/hosttest" 2>&1 | tee "$BOOT_LOG" | grep -v '^hosttest: ok '
expect_summary hosttest hosttest

for f in tests/boot/*.sh; do
    echo "== $f"
    # shellcheck source=/dev/null
    . "$f"
done

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
