# tests/boot/replay.sh - the trace replay tool (make replay), on the host.
# Sourced by tools/test.sh: uses its pass, fail and expect_log.

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
