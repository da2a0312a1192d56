#!/usr/bin/env bash
# tools/fuzz.sh - what "make fuzz" runs: each harness for FUZZ_S seconds.
#
#   tools/fuzz.sh NAME...     (after make has built build/fuzz/NAME)
#
# Each harness starts from its checked-in seeds (tests/fuzz/corpus/NAME)
# and the reproducers found so far (tests/fuzz/repro/NAME); what it
# learns goes to $BUILD/fuzz/corpus/NAME, kept between runs, never into
# the source tree.  A crash is copied to tests/fuzz/repro/NAME/ (so that
# "make test" replays it from then on) and its operations are printed by
# the replay binary, the decoder.  Prints "fuzz: ok NAME (R runs)" or
# "fuzz: FAIL NAME ...", then "fuzz: N passed, M failed".
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
FUZZ_S=${FUZZ_S:-10}
command -v clang >/dev/null 2>&1 ||
    { echo "fuzz: needs clang and libFuzzer (apt-get install clang)"; exit 2; }

passed=0
failed=0
for name in "$@"; do
    work=$BUILD/fuzz/corpus/$name
    crashes=$BUILD/fuzz/crashes/$name
    log=$BUILD/fuzz/$name.log
    mkdir -p "$work" "$crashes" "tests/fuzz/repro/$name"
    rm -f "$crashes"/*
    "$BUILD/fuzz/$name" \
        -max_total_time="$FUZZ_S" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$name" \
        "tests/fuzz/repro/$name" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    crash=$(ls "$crashes" 2>/dev/null | head -n 1)
    if [ "$status" = 0 ] && [ -z "$crash" ]; then
        passed=$((passed + 1))
        echo "fuzz: ok $name (${runs:-?} runs in ${FUZZ_S}s)"
        continue
    fi
    failed=$((failed + 1))
    if [ -z "$crash" ]; then
        echo "fuzz: FAIL $name: exit status $status, no reproducer (log: $log)"
        tail -n 20 "$log"
        continue
    fi
    repro=tests/fuzz/repro/$name/$crash
    cp "$crashes/$crash" "$repro"
    echo "fuzz: FAIL $name: reproducer $repro (log: $log)"
    grep -m1 -E '^(fuzz: check failed|SUMMARY|.*runtime error)' "$log"
    echo "fuzz: its operations ($BUILD/fuzz/replay-$name -v $repro):"
    "$BUILD/fuzz/replay-$name" -v "$repro" 2>&1 | sed 's/^/    /'
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
