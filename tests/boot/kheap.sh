# tests/boot/kheap.sh - the kmalloc heap's boot line, its vmstat -m
# style table, the error counters, tracing, poisoning and guard bytes.
# Sourced by tools/test.sh.  Formats: docs/kmalloc.md.

KHEAP_SUMMARY='^kmalloc: buckets 16 to 2048 bytes, larger requests as page runs; slabs from the page allocator'
KHEAP_HEADER='^kmalloc:   Size    InUse     Free  Pages   Requests  HighUse$'
KHEAP_ROW='^kmalloc: +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$'

# expect_kheap_table NAME: one header per report; each followed by the
# eight bucket rows 16..2048 in order, the large line and the total line,
# whose InUse, Free and Pages are the column sums.
expect_kheap_table() {
    local why
    why=$(awk -v hdr="$KHEAP_HEADER" -v row="$KHEAP_ROW" '
        $0 ~ hdr { n = 1; tables++; inuse = free = pages = 0; next }
        n >= 1 && n <= 8 {
            if ($0 !~ row || $2 != 2 ^ (n + 3)) {
                print "bad row " n ": " $0; exit }
            inuse += $3; free += $4; pages += $5; n++; next }
        n == 9 {
            if ($2 != "large" || $4 != "-") { print "bad large: " $0; exit }
            inuse += $3; pages += $5; n++; next }
        n == 10 {
            if ($2 != "total" || $3 != inuse || $4 != free || $5 != pages) {
                print "bad total: " $0; exit }
            n = 0; next }
        END { if (tables == 0) print "no table" }' "$BOOT_LOG")
    if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why (in $BOOT_LOG)"; fi
}

# A plain boot prints the summary line and the table of the fresh heap.
boot kheap-report 128M "exit"
expect_exit kheap-report.exit $EXIT_SUCCESS
expect_log kheap-report.ready "$KHEAP_SUMMARY\$"
expect_log kheap-report.header "$KHEAP_HEADER"
expect_kheap_table kheap-report.table
expect_log kheap-report.large '^kmalloc:  large +[0-9]+ +- +[0-9]+ +[0-9]+ +[0-9]+$'
expect_log kheap-report.total '^kmalloc:  total +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +-$'
expect_log kheap-report.errors '^kmalloc: error double free +0$'

# Self-tests of the heap, then the table of the global heap they used.
boot kheap-selftest 128M "selftest=kheap"
expect_exit kheap-selftest.exit $EXIT_SUCCESS
expect_summary kheap-selftest.summary selftest
expect_kheap_table kheap-selftest.table
expect_log kheap-selftest.extents '^kmalloc: [0-9]+ extents, [0-9]+ out of memory$'
expect_log kheap-selftest.used '^kmalloc: +64 +0 +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]*$'
expect_no_log kheap-selftest.no-errors '^kmalloc: error .* [1-9][0-9]*$'
expect_log kheap-selftest.page '^kmalloc: page 0x[0-9a-f]{8} slab 0x[0-9a-f]{8} order 0: bucket 64, 62 of 63 free, 0 parked, free list 0x[0-9a-f]{8}, map 0xfffffffe 0x7fffffff$'
expect_log kheap-selftest.rounding '^kheap: rounding blocks=2000 requested=[0-9]+ handed=[0-9]+ \(\+[0-9]+\.[0-9]%\) pages=[0-9]+ \([0-9]+\.[0-9]% of page bytes requested\)$'

# One trace line per alloc, free, slab refill and slab return.
boot kheap-trace 128M "trace=kmalloc selftest=kheap.page_return_and_hysteresis,kheap.kmalloc_global_api,kheap.global_kmalloc"
expect_exit kheap-trace.exit $EXIT_SUCCESS
expect_summary kheap-trace.summary selftest
expect_log kheap-trace.alloc '^trace: kmalloc alloc size=64 bucket=64 addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.large '^trace: kmalloc alloc size=6000 bucket=large addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.free '^trace: kmalloc free size=8192 bucket=large addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.refill '^trace: kmalloc refill size=4096 bucket=16 addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.return '^trace: kmalloc return size=4096 bucket=16 addr=0x[0-9a-f]{8}$'
expect_no_log kheap-trace.zero '^trace: kmalloc alloc size=0 '

# Poisoning and guard bytes on: the heap says so, every test passes, the
# global heap served the tests' requests and counted no error.
boot kheap-debug 128M "selftest=kheap poison guard"
expect_exit kheap-debug.exit $EXIT_SUCCESS
expect_summary kheap-debug.summary selftest
expect_log kheap-debug.aids "$KHEAP_SUMMARY, poisoning, guard bytes\$"
expect_kheap_table kheap-debug.table
expect_log kheap-debug.requests '^kmalloc:    128 +0 +[0-9]+ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]*$'
expect_no_log kheap-debug.no-errors '^kmalloc: error .* [1-9][0-9]*$'

# Only the kmalloc bit of poison: the heap poisons, the rest does not.
boot kheap-poison 128M "selftest=kheap poison=kmalloc"
expect_exit kheap-poison.exit $EXIT_SUCCESS
expect_summary kheap-poison.summary selftest
expect_log kheap-poison.aids "$KHEAP_SUMMARY, poisoning\$"

# Quiet: the one summary line, no table.
boot kheap-quiet 128M "quiet exit"
expect_exit kheap-quiet.exit $EXIT_SUCCESS
expect_log kheap-quiet.boot "$KHEAP_SUMMARY\$"
expect_no_log kheap-quiet.table "$KHEAP_HEADER"
