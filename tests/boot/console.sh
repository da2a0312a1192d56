# tests/boot/console.sh - the kernel monitor (kernel/monitor*.c): driven
# live over the serial port, scripted with run=, and a transcript held
# line by line against tests/console/transcript.expected.  Sourced by
# tools/test.sh.  Formats: docs/console.md.

# run_script_option FILE: the lines of FILE (comments too) as one run=
# value, "line; line; ...", for QEMU's -append.
run_script_option() {
    local joined
    joined=$(sed 's/;/,/g' "$1" | paste -sd ';' - | sed 's/;/; /g')
    printf 'run="%s"' "$joined"
}

# The live session: every command, every bad input, the line editor, a
# 4 KiB paste, trace on and off (tests/console/drive.py).  Its checks
# count into the totals.
BOOT_LOG=$LOGS/console-live.log
timeout "$TIMEOUT" python3 tests/console/drive.py "$ELF" "$BOOT_LOG" \
    "$QEMU" > "$LOGS/console-live.result" 2>&1
grep -v '^console: ok ' "$LOGS/console-live.result"
BOOT_LOG=$LOGS/console-live.result
expect_summary console.live console

# Without exit the boot ends at the prompt, after a one-line hint.
BOOT_TIMEOUT=20 boot_kernel console-prompt 128M "quiet"
expect_exit console-prompt.waits 124
expect_log console-prompt.hint '^kmemlab: type help for commands, exit to quit$'
expect_log console-prompt.prompt '^kmemlab> $'

# A script: each command after the prompt, then the exit option ends it.
boot_kernel console-run 128M 'quiet exit run="alloc 0; free $; echo done"'
expect_exit console-run.status $EXIT_SUCCESS
expect_log console-run.echoed '^kmemlab> free \$$'
expect_log console-run.freed '^free: 0x[0-9a-f]{8} freed$'
expect_log console-run.last '^done$'

# exit fail from the console ends with the failure status.
boot_kernel console-exit-fail 128M 'quiet run="exit fail"'
expect_exit console-exit-fail.status $EXIT_FAILURE

# debug on: the next bad free panics, naming the address.
boot_kernel console-debug 128M 'quiet run="debug on; free 0x1234"'
expect_exit console-debug.status $EXIT_FAILURE
expect_log console-debug.panic '^panic: .*: buddy: misaligned address at 0x00001234 \(allocator kernel\)$'

# The transcript, line by line.  After a deliberate change of output,
# refresh it with: tests/console/transcript.sh > tests/console/transcript.expected
boot_kernel console-transcript 128M \
    "quiet $(run_script_option tests/console/transcript.cmds)"
expect_exit console-transcript.status $EXIT_SUCCESS
sed -n '/^kmemlab: type help/,$p' "$BOOT_LOG" > "$LOGS/console-transcript.got"
if diff -u tests/console/transcript.expected "$LOGS/console-transcript.got" \
    > "$LOGS/console-transcript.diff"; then
    pass console-transcript.lines
else
    fail console-transcript.lines "differs, see $LOGS/console-transcript.diff: $(sed -n '4,6p' "$LOGS/console-transcript.diff" | tr '\n' ' ')"
fi

# make demo's script runs through and ends with success.
boot_kernel console-demo 128M "quiet $(run_script_option tools/demo.cmds)"
expect_exit console-demo.status $EXIT_SUCCESS
expect_log console-demo.split '^trace: buddy split zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log console-demo.merge '^trace: buddy merge zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log console-demo.frag '^frag: memory whole again: yes '
expect_log console-demo.tree '^tree: order 0 block 0x[0-9a-f]{8} allocated: buddy pfn 0x[0-9a-f]+ \^ 0x1 = 0x[0-9a-f]+ (free|allocated)$'
expect_log console-demo.kpages '^kmalloc: map 8 bucket slabs in 19 pages, 1 page runs in 2 pages$'
expect_log console-demo.slabs '^pool: inode slab 0x[0-9a-f]{8} partial: 3 of [0-9]+ in use$'
expect_log console-demo.ctor '^pool: inode object 0x[0-9a-f]{8} \(constructor runs so far: 3\)$'
expect_log console-demo.bad-free '^pool: double free at 0x[0-9a-f]{8} \(pool inode\)$'
expect_log console-demo.check '^check: pool 0 problems in [0-9]+ pools$'
expect_no_log console-demo.no-error '^error: '
