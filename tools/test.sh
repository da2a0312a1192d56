#!/usr/bin/env bash
# tools/test.sh - what "make test" runs.
#
#   1. builds the kernel and build/hosttest (make), after tools/deps.sh;
#   2. build/hosttest: every self-test natively, under ASan and UBSan;
#   3. the boot checks: each tests/boot/*.sh file runs as its own process
#      (JOBS=2 at a time), sourced by this script in worker mode
#      ("tools/test.sh --file F"), so it can use the functions below:
#      boot, boot_kernel, boot_grub, expect_exit, expect_log, ... .
#      Each file's output is kept and printed when the file is done,
#      with its counts; each boot's serial log is in build/logs/NAME.log.
#
# "tools/test.sh FILE..." runs only the named tests/boot files.
# Every check prints "boottest: ok NAME" or "boottest: FAIL NAME: why";
# the last line is "tests: N passed, M failed" (host tests, self-tests and
# boot checks together).  Exit status (tools/status.sh): 0 when M is 0,
# 1 when a check failed, 5 on a build error.
set -u
cd "$(dirname "$0")/.."
. tools/status.sh

QEMU=${QEMU:-qemu-system-i386}
TIMEOUT=${TIMEOUT:-300}
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
JOBS=${JOBS:-2}
ELF=$BUILD/kmemlab.elf
LOGS=$BUILD/logs
export QEMU TIMEOUT BUILD MAKE

# Exit statuses of QEMU, set by the kernel through isa-debug-exit
# (drivers/qemu_exit.h): (0x10 << 1) | 1 and (0x11 << 1) | 1.
EXIT_SUCCESS=$QEMU_EXIT_SUCCESS
EXIT_FAILURE=$QEMU_EXIT_FAILURE

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

# boot NAME MEM "OPTIONS" [EXTRA_DIR]: boot the kernel; sets BOOT_LOG and
# BOOT_STATUS.  Through QEMU's own Multiboot loader (-kernel), which is
# fast; with EXTRA_DIR (files copied over the ISO tree: tools/mkiso.sh)
# through GRUB, as boot_grub.
boot() {
    if [ -n "${4:-}" ]; then
        boot_grub "$@"
    else
        boot_kernel "$@"
    fi
}

# boot_grub NAME MEM "OPTIONS" [EXTRA_DIR]: boot from an ISO through
# GRUB, for the checks of what GRUB itself does.  The ISO is removed
# after the boot.
boot_grub() {
    local name=$1 mem=$2 args=$3 extra=${4:-}
    local iso=$BUILD/iso/$name.iso
    BOOT_NAME=$name
    BOOT_LOG=$LOGS/$name.log
    boot_progress "$name"
    mkdir -p "$BUILD/iso"
    tools/mkiso.sh "$ELF" "$iso" "$args" "$extra" || {
        BOOT_STATUS=-1; echo "mkiso failed" > "$BOOT_LOG"; return; }
    run_qemu -cdrom "$iso" -m "$mem"
    rm -f "$iso"
}

# boot_kernel NAME MEM "OPTIONS": boot through QEMU's own Multiboot
# loader (-kernel), which puts the kernel's path first on the line.
boot_kernel() {
    local name=$1 mem=$2 args=$3
    BOOT_NAME=$name
    BOOT_LOG=$LOGS/$name.log
    boot_progress "$name"
    run_qemu -kernel "$ELF" -append "$args" -m "$mem"
}

# boot_progress NAME: tells the main process which boot is running.
boot_progress() {
    [ -z "${PROGRESS:-}" ] || echo "$1" >> "$PROGRESS"
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
    # A file that set BOOT_LOG itself (no boot) reads its own log.
    [ -n "${BOOT_NAME:-}" ] && [ "$BOOT_LOG" = "$LOGS/$BOOT_NAME.log" ] ||
        return 0
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

# Worker mode: source one file of checks, then print its counts.
if [ "${1:-}" = --file ]; then
    mkdir -p "$LOGS"
    # shellcheck source=/dev/null
    . "$2"
    echo "file-counts: $passed passed, $failed failed"
    exit 0
fi

# end STATUS WHAT: the last two lines: what happened, then the counts.
end() {
    local note=""
    if [ "$1" != 0 ] && [ -n "${MAKELEVEL:-}" ]; then
        note=" (make reports this as \"Error $1\" and exits 2)"
    fi
    echo "test: $2 - status $1$note"
    echo "tests: $passed passed, $failed failed"
    exit "$1"
}

start=$SECONDS
run_start=$LOGS/run.start       # ISOs newer than this are this run's
touch "$run_start"
tools/deps.sh test || { failed=1; end $ST_BUILD "build error: tools are missing (see above)"; }
"$MAKE" --no-print-directory BUILD="$BUILD" all "$BUILD/hosttest" ||
    { failed=1; end $ST_BUILD "build error: the kernel or the host tests did not build (see above)"; }
mkdir -p "$LOGS"
rm -rf "$BUILD/iso" "$LOGS"/*.out "$LOGS"/*.now

echo "== host tests (ASan + UBSan)"
BOOT_NAME=hosttest
BOOT_LOG=$LOGS/hosttest.log
"$BUILD/hosttest" 2>&1 | tee "$BOOT_LOG" | grep -v '^hosttest: ok '
expect_summary hosttest hosttest

# The boot checks, JOBS files at a time.  On a terminal one status line
# shows what runs; otherwise each file's start is a line of its own.
# The files that took longest last time start first (then new files),
# so that the last one to finish is a short one.
files=()
[ $# -gt 0 ] || set -- tests/boot/*.sh
while read -r _ f; do files+=("$f"); done < <(
    for f in "$@"; do
        t=$(cat "$LOGS/$(basename "$f" .sh).time" 2>/dev/null || echo 9999)
        echo "$t $f"
    done | sort -rn)
total=${#files[@]}
next=0 done=0
declare -A pid_of=() started=()
tty=0
[ -t 1 ] && tty=1

# launch: starts the next file.
launch() {
    local f=${files[next]} base
    base=$(basename "$f" .sh)
    next=$((next + 1))
    : > "$LOGS/$base.now"
    PROGRESS=$LOGS/$base.now "$0" --file "$f" > "$LOGS/$base.out" 2>&1 &
    pid_of[$f]=$! started[$f]=$SECONDS
    [ $tty = 1 ] || echo "== [$next/$total] $f: started"
}

# collect F: prints F's output and adds its counts.
collect() {
    local f=$1 base counts n m
    base=$(basename "$f" .sh)
    wait "${pid_of[$f]}"
    unset "pid_of[$f]"
    done=$((done + 1))
    counts=$(summary_counts file-counts "$LOGS/$base.out")
    [ $tty = 0 ] || printf '\r\033[K'
    if [ -z "$counts" ]; then
        n=0 m=1
        failed=$((failed + 1))
        echo "boottest: FAIL $f: it stopped before its end (see $LOGS/$base.out)" >> "$LOGS/$base.out"
    else
        read -r n m <<< "$counts"
        passed=$((passed + n)) failed=$((failed + m))
    fi
    echo $((SECONDS - ${started[$f]})) > "$LOGS/$base.time"
    echo "== [$done of $total done] $f: $n passed, $m failed," \
        "$(grep -c . "$LOGS/$base.now") boots, $((SECONDS - ${started[$f]})) s"
    grep -v '^file-counts: ' "$LOGS/$base.out"
}

# status_line: on a terminal, the boots now running.
status_line() {
    local f now=""
    for f in "${!pid_of[@]}"; do
        now="$now $(tail -n 1 "$LOGS/$(basename "$f" .sh).now") ($(basename "$f"))"
    done
    printf '\r\033[K[%d of %d files done, %d s] booting:%s' "$done" "$total" \
        $((SECONDS - start)) "$now"
}

while [ $done -lt $total ]; do
    while [ ${#pid_of[@]} -lt "$JOBS" ] && [ $next -lt $total ]; do
        launch
    done
    for f in "${!pid_of[@]}"; do
        kill -0 "${pid_of[$f]}" 2>/dev/null || collect "$f"
    done
    if [ ${#pid_of[@]} -ge "$JOBS" ] || [ $next -ge $total ]; then
        [ $tty = 0 ] || [ ${#pid_of[@]} = 0 ] || status_line
        [ ${#pid_of[@]} = 0 ] || sleep 1
    fi
done
# build/ stays small: every boot removed the ISO it built.
left=$(find "$BUILD" "$BUILD/iso" -maxdepth 1 -name '*.iso' -newer "$run_start" \
    ! -path "$BUILD/kmemlab.iso" 2>/dev/null | head -n 3)
if [ -z "$left" ]; then pass build-small.no-stray-iso; else
    fail build-small.no-stray-iso "ISOs left: $left"; fi
rmdir "$BUILD/iso" 2>/dev/null

if [ "$failed" = 0 ]; then
    end $ST_OK "every check passed in $((SECONDS - start)) s"
else
    end $ST_KERNEL "$failed checks failed (the FAIL lines above say which)"
fi
