# tests/boot/kheap.sh - the kmalloc heap's report, trace and debug aids.
# Sourced by tools/test.sh.

ROW='^kmalloc: +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$'

boot kheap-report 128M "exit"
expect_exit kheap-report.exit $EXIT_SUCCESS
expect_log kheap-report.ready '^kmalloc: buckets 16 to 2048 bytes, larger requests as page runs; extents from the page allocator$'
expect_log kheap-report.header '^kmalloc:   Size    InUse     Free  Pages   Requests  HighUse$'
for size in 16 32 64 128 256 512 1024 2048; do
    expect_log kheap-report.row-$size "^kmalloc: +$size +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\$"
done
expect_log kheap-report.large '^kmalloc:  large +[0-9]+ +- +[0-9]+ +[0-9]+ +[0-9]+$'
expect_log kheap-report.total '^kmalloc:  total +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +-$'
expect_log kheap-report.errors '^kmalloc: error double free +0$'

# The kmalloc tests with every debug aid on; the global heap's counters
# show the requests the tests made, and no error.
boot kheap-debug 128M "selftest=kheap poison=kmalloc guard"
expect_exit kheap-debug.exit $EXIT_SUCCESS
expect_summary kheap-debug.summary selftest
expect_log kheap-debug.aids '^kmalloc: .*, poisoning, guard bytes$'
expect_log kheap-debug.requests '^kmalloc:     64 +0 +[0-9]+ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]*$'
expect_no_log kheap-debug.no-errors '^kmalloc: error .* [1-9][0-9]*$'

boot kheap-trace 128M "selftest=kheap.global_kmalloc trace=kmalloc"
expect_exit kheap-trace.exit $EXIT_SUCCESS
expect_log kheap-trace.alloc '^trace: kmalloc alloc size=[0-9]+ bucket=[0-9]+ addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.large '^trace: kmalloc alloc size=[0-9]+ bucket=large addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.free '^trace: kmalloc free size=[0-9]+ bucket=[0-9]+ addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.refill '^trace: kmalloc refill size=4096 bucket=[0-9]+ addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.return '^trace: kmalloc return size=4096 bucket=[0-9]+ addr=0x[0-9a-f]{8}$'
expect_log kheap-trace.grow '^trace: kmalloc grow extent=0x[0-9a-f]{8} pages=[0-9]+$'
