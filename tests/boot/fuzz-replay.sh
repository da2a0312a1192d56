# tests/boot/fuzz-replay.sh - every saved fuzz input, run as a test.
# Sourced by tools/test.sh.  No boot and no fuzzing engine: each
# $BUILD/fuzz/replay-NAME (gcc, ASan, UBSan) runs the seeds in
# tests/fuzz/corpus/NAME and every reproducer in tests/fuzz/repro/NAME;
# each input counts as one test in the totals.

for dir in tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    BOOT_LOG=$LOGS/fuzz-replay-$name.log
    inputs=("tests/fuzz/corpus/$name")
    [ -d "tests/fuzz/repro/$name" ] && inputs+=("tests/fuzz/repro/$name")
    "$BUILD/fuzz/replay-$name" "${inputs[@]}" > "$BOOT_LOG" 2>&1
    grep -E '^fuzzreplay: FAIL|^fuzz: ' "$BOOT_LOG"
    expect_summary "fuzz-replay-$name" fuzzreplay
done
