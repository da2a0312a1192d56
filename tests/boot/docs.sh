# tests/boot/docs.sh - the docs tell the truth: every block of quoted
# output in README.md and docs/*.md matches a real boot, and every
# command they show works (tools/docs-check.py, also "make docs-check").
# Sourced by tools/test.sh; its checks count in the totals.

BOOT_LOG=$LOGS/docs-check.log
BUILD=$BUILD QEMU=$QEMU python3 tools/docs-check.py 2>&1 | tee "$BOOT_LOG" |
    grep -v '^docs-check: ok '
expect_summary docs-check docs-check
