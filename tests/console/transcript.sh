#!/usr/bin/env bash
# tests/console/transcript.sh - prints the transcript of
# tests/console/transcript.cmds as the kernel runs it today, for
# tests/console/transcript.expected.  Run from the top directory after
# "make"; check every line of the difference before keeping it.
set -eu
ELF=${ELF:-build/kmemlab.elf}
QEMU=${QEMU:-qemu-system-i386}
joined=$(sed 's/;/,/g' tests/console/transcript.cmds | paste -sd ';' - |
    sed 's/;/; /g')
timeout 60 "$QEMU" -kernel "$ELF" -append "quiet run=\"$joined\"" \
    -m 128M -no-reboot -display none -monitor none -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null |
    tr -d '\r' | sed -n '/^kmemlab: type help/,$p'
