# tests/boot/replay.sh - the trace replay tool (make replay) on the
# host, then the kernel's replay of a trace module (kernel/replay.c).
# Sourced by tools/test.sh: uses its pass, fail, expect_log, run_qemu.

REPLAY=$BUILD/bench/replay
REPLAY_DIR=$LOGS/replay
mkdir -p "$REPLAY_DIR"

# replay_run NAME TRACE: replays TRACE; sets BOOT_LOG and REPLAY_STATUS.
replay_run() {
    BOOT_LOG=$LOGS/$1.log
    "$REPLAY" "$2" >"$BOOT_LOG" 2>&1
    REPLAY_STATUS=$?
}

# replay_status NAME WANT: the last replay exited with status WANT.
replay_status() {
    if [ "$REPLAY_STATUS" = "$2" ]; then
        pass "$1"
    else
        fail "$1" "exit status $REPLAY_STATUS, wanted $2 (log: $BOOT_LOG)"
    fi
}

# tiny.rep: 3 ids, 7 ops.  Live requested bytes after each op: 100,
# 2100, 2300 (id 0 resized to 300), 300, 5300, 5000, 0: the peak is 5300.
TINY=tests/traces/tiny.rep
replay_run replay-tiny "$TINY"
replay_status replay-tiny.exit 0
expect_log replay-tiny.counts "^replay: $TINY: 3 ids, 7 ops \(3 a, 3 f, 1 r\)$"
expect_log replay-tiny.kmalloc '^  kmalloc +7 +5300 +[0-9]+ +[0-9.]+% +[0-9]+ +[0-9.]+$'
expect_log replay-tiny.glibc '^  glibc +7 +5300 +[0-9]+ +[0-9.]+% +[0-9]+ +[0-9.]+$'
expect_log replay-tiny.intact '^replay: contents: .*: all intact$'

# bad_trace NAME LINE TEXT REGEX: tiny.rep with line LINE replaced by
# TEXT (or deleted, for TEXT "-") is refused, naming the line.
bad_trace() {
    local name=$1 line=$2 text=$3 file=$REPLAY_DIR/$1.rep
    if [ "$text" = - ]; then
        sed "${line}d" "$TINY" >"$file"
    else
        sed "${line}s/.*/$text/" "$TINY" >"$file"
    fi
    replay_run "replay-$name" "$file"
    replay_status "replay-$name.exit" 1
    expect_log "replay-$name.message" "^replay: $file:$4$"
}

# Ops start on line 5: a 0 (5), a 1 (6), r 0 (7), f 1 (8), a 2 (9),
# f 0 (10), f 2 (11).
bad_trace bad-op 8 "x 1" "8: unknown op: x 1"
bad_trace bad-id 8 "f 7" "8: id 7 out of range \(the header says 3 ids\)"
bad_trace bad-dead 10 "f 1" "10: free of id 1, which is not allocated"
bad_trace bad-realloc 7 "r 2 300" "7: realloc of id 2, which is not allocated"
bad_trace bad-live 9 "a 0 64" "9: alloc of id 0, which is still allocated"
bad_trace bad-truncated 11 - "10: trace ends after 6 of its 7 ops \(truncated\)"
bad_trace bad-header 2 "three" "2: header line is not a number: three"
bad_trace bad-args 9 "a 2" "9: expected 'a ID BYTES': a 2"

# A request above the page allocator's largest block stops the replay
# at its line, saying why kmalloc had no block for it.
sed '9s/.*/a 2 4000000000/' "$TINY" >"$REPLAY_DIR/host-huge.rep"
replay_run replay-huge "$REPLAY_DIR/host-huge.rep"
replay_status replay-huge.exit 1
expect_log replay-huge.message '^replay: kmalloc: no block for 4000000000 bytes at line 9: more than the largest block, 4194304 bytes$'

# A stray write into id 1's block (allocated on line 6) is found when the
# block is checked before its free on line 8.
BOOT_LOG=$LOGS/replay-corrupt.log
REPLAY_CORRUPT=6 "$REPLAY" "$TINY" >"$BOOT_LOG" 2>&1
REPLAY_STATUS=$?
replay_status replay-corrupt.exit 1
expect_log replay-corrupt.message '^replay: kmalloc: block of id 1 \(allocated at line 6\) changed at byte 0, found at line 8$'

# The shipped traces replay cleanly, and gentrace.py makes its own again.
for trace in tests/traces/kernel-like.rep tests/traces/w4-uniform.rep; do
    name=replay-$(basename "$trace" .rep)
    replay_run "$name" "$trace"
    replay_status "$name.exit" 0
    expect_log "$name.intact" '^replay: contents: .*: all intact$'
done
if tools/gentrace.py | cmp -s - tests/traces/kernel-like.rep; then
    pass replay-gentrace.same
else
    fail replay-gentrace.same "tools/gentrace.py no longer makes tests/traces/kernel-like.rep"
fi

# ---- the kernel's replay: the trace as a Multiboot module -------------

# kreplay_boot NAME MEM "OPTIONS" TRACE: boots with TRACE as module 0
# through QEMU's own loader (-initrd, as make run below 8M); sets
# BOOT_LOG and BOOT_STATUS.
kreplay_boot() {
    BOOT_NAME=$1
    BOOT_LOG=$LOGS/$1.log
    boot_progress "$1"
    run_qemu -kernel "$ELF" -append "$3" -initrd "$4" -m "$2"
}

# kreplay_boot_grub NAME MEM "OPTIONS" TRACE: the same through GRUB, as
# make run from 8M up (tools/mkiso.sh writes the module line).
kreplay_boot_grub() {
    local iso=$BUILD/iso/$1.iso
    BOOT_NAME=$1
    BOOT_LOG=$LOGS/$1.log
    boot_progress "$1"
    mkdir -p "$BUILD/iso"
    tools/mkiso.sh "$ELF" "$iso" "$3" "" "$4" || {
        BOOT_STATUS=-1; echo "mkiso failed" > "$BOOT_LOG"; return; }
    run_qemu -cdrom "$iso" -m "$2"
    rm -f "$iso"
}

# kreplay_figures NAME OPS REQUESTED: the last boot's replay printed
# every figure, and they agree: OPS ops, REQUESTED bytes at the peak,
# peak held >= peak requested >= 0, final held <= peak held, held
# after freeing the rest and trimming at most 64 KiB, utilisation =
# requested / held to the 0.1% (rounded), time > 0 cycles per op.
kreplay_figures() {
    local problems
    own_log "$1" || return
    problems=$(awk -v OPS="$2" -v REQ="$3" '
        /^replay: ops / { o = $3 }
        /^replay: peak requested / { r = $4 }
        /^replay: peak held / { h = $4 }
        /^replay: utilisation / { u = $3 }
        /^replay: final held / { f = $4 }
        /^replay: held after freeing the rest and trimming / { t = $9 }
        /^replay: time [0-9]+ TSC cycles per op / { c = $3 }
        END {
            if (o == "" || r == "" || h == "" || u == "" || f == "" ||
                t == "" || c == "") { print "a figure is missing"; exit }
            if (o != OPS) print "ops " o ", wanted " OPS
            if (r != REQ) print "peak requested " r ", wanted " REQ
            if (h + 0 < r + 0) print "peak held " h " < requested " r
            if (f + 0 > h + 0) print "final held " f " > peak held " h
            if (t + 0 > 65536) print "held after trim " t " > 64 KiB"
            pm = int((r * 1000 + int(h / 2)) / h)
            want = int(pm / 10) "." (pm % 10) "%"
            if (u != want) print "utilisation " u ", wanted " want
            if (c + 0 <= 0) print "time " c " cycles per op"
        }' "$BOOT_LOG")
    if [ -z "$problems" ]; then
        pass "$1"
    else
        fail "$1" "$(echo $problems) (log: $BOOT_LOG)"
    fi
}

# Each shipped trace replays clean, its figures agree, and its peak
# requested is the host replay's (a property of the trace alone).
# w4-uniform goes through GRUB (not quiet: the module line is shown),
# the others through -initrd.
for trace in tests/traces/tiny.rep tests/traces/kernel-like.rep \
             tests/traces/w4-uniform.rep; do
    name=kreplay-$(basename "$trace" .rep)
    ops=$(sed -n 3p "$trace")
    requested=$("$REPLAY" "$trace" 2>/dev/null |
                awk '$1 == "kmalloc" { print $3 }')
    if [ "$name" = kreplay-w4-uniform ]; then
        kreplay_boot_grub "$name" 128M "replay" "$trace"
    else
        kreplay_boot "$name" 128M "quiet replay" "$trace"
    fi
    expect_exit "$name.exit" "$EXIT_SUCCESS"
    expect_log "$name.module" "^replay: $trace: [0-9]+ ids, $ops ops "
    kreplay_figures "$name.figures" "$ops" "$requested"
    expect_log "$name.intact" '^replay: contents: .*: all intact$'
    expect_log "$name.done" "^replay: $trace done$"
done
expect_log kreplay-w4-uniform.grub-module \
    '^multiboot: module 0 \[mem 0x[0-9a-f]{8}-0x[0-9a-f]{8}\] "tests/traces/w4-uniform.rep"$'
expect_log kreplay-w4-uniform.reserved \
    '^memmap: reserved \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] multiboot module$'

# A trace with more ops and ids than one block of the page allocator
# holds in the replay's tables (262,144 entries of 16 bytes) replays
# too: the tables come in chunks of one block.  263,000 blocks of 16
# bytes allocated, then freed: 526,000 ops over two chunks, 263,000
# ids over two.  Its figures agree with the host replay's peak requested.
file=$REPLAY_DIR/kernel-big.rep
awk 'BEGIN { n = 263000; print n * 16; print n; print 2 * n; print 1
             for (i = 0; i < n; i++) print "a " i " 16"
             for (i = 0; i < n; i++) print "f " i }' >"$file"
requested=$("$REPLAY" "$file" 2>/dev/null | awk '$1 == "kmalloc" { print $3 }')
kreplay_boot kreplay-big 128M "quiet replay" "$file"
expect_exit kreplay-big.exit "$EXIT_SUCCESS"
expect_log kreplay-big.module "^replay: $file: 263000 ids, 526000 ops \(263000 a, 263000 f, 0 r\)$"
kreplay_figures kreplay-big.figures 526000 "$requested"
expect_log kreplay-big.intact '^replay: contents: .*: all intact$'
expect_log kreplay-big.done "^replay: $file done$"

# kreplay_bad NAME LINE TEXT REGEX: tiny.rep with line LINE replaced by
# TEXT (or deleted, for "-") as the module: the replay refuses it with
# the message REGEX naming the line, nothing is allocated, and the kernel
# exits with failure.
kreplay_bad() {
    local name=kreplay-$1 file=$REPLAY_DIR/kernel-$1.rep
    if [ "$3" = - ]; then
        sed "${2}d" "$TINY" >"$file"
    else
        sed "${2}s/.*/$3/" "$TINY" >"$file"
    fi
    kreplay_boot "$name" 128M "quiet replay" "$file"
    expect_exit "$name.exit" "$EXIT_FAILURE"
    expect_log "$name.message" "^replay: $file:$4$"
    expect_log "$name.stopped" "^replay: $file stopped$"
    expect_no_log "$name.no-figures" '^replay: (ops|peak) '
}
kreplay_bad bad-op 8 "x 1" "8: unknown op: x 1"
kreplay_bad bad-id 8 "f 7" "8: id 7 out of range \(the header says 3 ids\)"
kreplay_bad bad-dead 10 "f 1" "10: free of id 1, which is not allocated"
kreplay_bad bad-truncated 11 - "10: trace ends after 6 of its 7 ops \(truncated\)"
kreplay_bad bad-args 9 "a 2" "9: expected 'a ID BYTES': a 2"
# Its tables come from the page allocator, at most its largest block.
kreplay_bad too-many-ids 2 100000000 "2: 100000000 ids: no memory for them"

# A request kmalloc cannot serve stops the replay at its line; the
# blocks still allocated are freed: the allocators check clean after.
file=$REPLAY_DIR/kernel-huge.rep
sed '9s/.*/a 2 4000000000/' "$TINY" >"$file"
kreplay_boot kreplay-huge 128M 'quiet run="replay; check; exit"' "$file"
expect_exit kreplay-huge.exit "$EXIT_SUCCESS"
expect_log kreplay-huge.message "^replay: $file:9: kmalloc returned NULL for 4000000000 bytes: more than the largest block, 4194304 bytes$"
expect_log kreplay-huge.stopped "^replay: $file stopped$"
expect_log kreplay-huge.checked '^check: kmalloc 0 problems$'
expect_no_log kreplay-huge.no-problems '^check: .* [1-9][0-9]* problems'

# A stray write into id 1's block (allocated on line 6) is found when
# the block is checked before its free on line 8; then the same trace
# replays clean, and every allocator checks clean.
kreplay_boot kreplay-corrupt 128M \
    'quiet run="replay 0 corrupt 6; replay; check; exit"' "$TINY"
expect_exit kreplay-corrupt.exit "$EXIT_SUCCESS"
expect_log kreplay-corrupt.message "^replay: $TINY:8: block of id 1 \(allocated at line 6\) changed at byte 0$"
expect_log kreplay-corrupt.again "^replay: $TINY done$"
expect_log kreplay-corrupt.checked '^check: kmalloc 0 problems$'
expect_no_log kreplay-corrupt.no-problems '^check: .* [1-9][0-9]* problems'

# Without a module the option has nothing to replay: it says how to
# give one, and the kernel exits with failure.
boot_kernel kreplay-none 128M "quiet replay"
expect_exit kreplay-none.exit "$EXIT_FAILURE"
expect_log kreplay-none.message '^replay: no trace: boot with a module, e\.g\. make run TRACE=tests/traces/tiny\.rep ARGS=replay$'

# make run's own path: tools/run.sh takes TRACE as make passes it, and
# below 8M hands it to QEMU's -initrd; a missing file is refused (6).
# run_sh NAME VAR=VALUE...: tools/run.sh run with these knobs, as a
# person runs it; sets BOOT_LOG and BOOT_STATUS.
run_sh() {
    BOOT_NAME=$1
    BOOT_LOG=$LOGS/$1.log
    shift
    boot_progress "$BOOT_NAME"
    env -u MAKELEVEL -u MAKEFLAGS TIMEOUT="$TIMEOUT" "$@" tools/run.sh run \
        </dev/null >"$BOOT_LOG" 2>&1
    BOOT_STATUS=$?
    sed -i 's/\r$//' "$BOOT_LOG"
}
run_sh kreplay-run-small MEM=4M TRACE=$TINY "ARGS=quiet replay"
expect_exit kreplay-run-small.status 0
expect_log kreplay-run-small.initrd "^replay: $TINY done$"
run_sh kreplay-run-nofile TRACE=$REPLAY_DIR/nosuch.rep ARGS=replay
expect_exit kreplay-run-nofile.status 6
expect_log kreplay-run-nofile.says "^run: TRACE=$REPLAY_DIR/nosuch.rep: no such file - status 6$"
