# tests/boot/memmap.sh - the memory map at several memory sizes, through
# GRUB (boot_grub) and through QEMU's own loader, and with a GRUB entry
# that cuts holes and loads a module.  Sourced by tools/test.sh.

SUMMARY='^memory: [0-9]+ KiB usable, [0-9]+ KiB reserved, [0-9]+ KiB free in [0-9]+ regions, [0-9]+ KiB ignored above 4 GiB$'

# expect_one_summary NAME: the summary line is there, exactly once.
expect_one_summary() {
    local n
    n=$(grep -Ec "$SUMMARY" "$BOOT_LOG")
    if [ "$n" = 1 ]; then pass "$1"; else
        fail "$1" "$n summary lines in $BOOT_LOG"; fi
}

# expect_map NAME: one summary line, and the report is consistent
# (tools/memmap-check.awk).
expect_map() {
    expect_one_summary "$1.summary"
    if out=$(awk -f tools/memmap-check.awk "$BOOT_LOG"); then
        pass "$1.consistent"
    else
        fail "$1.consistent" "$out"
    fi
}

# summary_field N: the Nth number of the summary line (1 = usable,
# 2 = reserved, 3 = free, 4 = regions, 5 = ignored), in KiB.
summary_field() {
    grep -E "$SUMMARY" "$BOOT_LOG" | tr -c '0-9\n' ' ' | awk -v n="$1" '{ print $n }'
}

# expect_ignored NAME WANT_KIB: the "ignored above 4 GiB" figure.
expect_ignored() {
    local got
    got=$(summary_field 5)
    if [ "$got" = "$2" ]; then pass "$1.ignored"; else
        fail "$1.ignored" "ignored $got KiB above 4 GiB, wanted $2"; fi
}

boot_kernel map-2M 2M "exit"
expect_exit map-2M.exit $EXIT_SUCCESS
expect_map map-2M
expect_log map-2M.loader '^multiboot: loader "qemu"$'

for mem in 8M 128M 1G 3G; do
    boot_grub map-$mem $mem "exit"
    expect_exit map-$mem.exit $EXIT_SUCCESS
    expect_map map-$mem
    expect_ignored map-$mem 0
done
expect_log map-3G.mem-lower-upper '^multiboot: mem_lower [0-9]+ KiB, mem_upper [0-9]+ KiB$'

# QEMU keeps 3 GiB below 4 GiB and puts the rest above it.
boot_grub map-4G 4G "exit"
expect_exit map-4G.exit $EXIT_SUCCESS
expect_map map-4G
expect_ignored map-4G 1048576
boot_grub map-8G 8G "exit"
expect_exit map-8G.exit $EXIT_SUCCESS
expect_map map-8G
expect_ignored map-8G 5242880

# quiet: the summary line alone.
boot map-quiet 128M "exit quiet"
expect_one_summary map-quiet.summary
expect_no_log map-quiet.no-raw-lines '^mmap: '

# cutmem removes [32M, 36M) and one page at 3M; a module is loaded.
boot map-cutmem 128M "exit" tests/boot/cutmem
expect_exit map-cutmem.exit $EXIT_SUCCESS
expect_map map-cutmem
expect_log map-cutmem.module '^multiboot: module 0 \[mem 0x[0-9a-f]{8}-0x[0-9a-f]{8}\] "a test module string"$'
expect_log map-cutmem.module-reserved '^memmap: reserved \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] multiboot module$'
# The page at 3M is a hole: free memory stops right before it (what
# follows it depends on where GRUB put the module, sometimes on the very
# next page), and free memory ends where the hole at 32M begins.
expect_log map-cutmem.hole '^memmap: free \[mem 0x[0-9a-f]{16}-0x00000000002fffff\] '
expect_log map-cutmem.before-hole '^memmap: free \[mem 0x[0-9a-f]{16}-0x0000000001ffffff\] '
expect_log map-cutmem.after-hole '^memmap: free \[mem 0x0000000002400000-'

# The in-kernel check of the live result, at a small and a large size.
boot_kernel map-selftest-2M 2M "selftest=memmap"
expect_exit map-selftest-2M.exit $EXIT_SUCCESS
expect_summary map-selftest-2M.summary selftest
