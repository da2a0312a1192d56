#!/usr/bin/env bash
# tools/tests.sh - what "make tests" prints: every test's name.
#
# The host list comes from build/hosttest --list; the kernel's from a
# boot with selftest=list (a few tests check the live kernel's state and
# exist only there: they are marked "kernel only").  A name works as
# T=NAME for make hosttest and as selftest=NAME for the kernel; so does
# a module name, which selects all of that module's tests.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-i386}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmemlab-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$BUILD/hosttest" --list > "$tmp/host" || exit 1
timeout 60 "$QEMU" -kernel "$BUILD/kmemlab.elf" -append "selftest=list quiet" \
    -m 32M -no-reboot -display none -serial "file:$tmp/serial" -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >/dev/null 2>&1
tr -d '\r' < "$tmp/serial" | sed -n 's/^selftest: test //p' > "$tmp/kernel"
if [ ! -s "$tmp/kernel" ]; then
    echo "tests: the kernel did not list its tests (selftest=list)" >&2
    exit 1
fi
echo "Run one: make hosttest T=NAME, or make run ARGS=selftest=NAME;"
echo "a module name (buddy, kheap, ...) selects all of its tests."
awk 'NR == FNR { host[$0] = 1; next }
     { printf "  %s%s\n", $0, ($0 in host) ? "" : "   (kernel only)" }' \
    "$tmp/host" "$tmp/kernel"
echo "$(wc -l < "$tmp/kernel") tests"
