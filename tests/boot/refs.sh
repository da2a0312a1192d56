# tests/boot/refs.sh - the bench's reference allocators work (host).
# Sourced by tools/test.sh; the checks are in tests/bench/refs_test.c.

BOOT_LOG=$LOGS/refcheck.log
"$BUILD/bench/bench" check >"$BOOT_LOG" 2>&1
grep '^refcheck: FAIL' "$BOOT_LOG"
expect_summary refcheck refcheck
