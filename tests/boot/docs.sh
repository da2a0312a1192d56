# tests/boot/docs.sh - the docs tell the truth: every block of quoted
# output in README.md and docs/*.md matches a real boot, and every
# command they show works (tools/docs-check.py, also "make docs-check").
# Sourced by tools/test.sh; its checks count in the totals.

# The checker's own tests: comparison, elision, markers, commands.
BOOT_LOG=$LOGS/docs-check-selftest.log
python3 tools/docs-check.py --self-test 2>&1 | tee "$BOOT_LOG" |
    grep -v '^docs-check-selftest: ok '
expect_summary docs-check.selftest docs-check-selftest

BOOT_LOG=$LOGS/docs-check.log
BUILD=$BUILD QEMU=$QEMU python3 tools/docs-check.py 2>&1 | tee "$BOOT_LOG" |
    grep -v '^docs-check: ok '
expect_summary docs-check docs-check
