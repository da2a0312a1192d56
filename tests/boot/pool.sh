# tests/boot/pool.sh - the slab pools' slabinfo, trace and poisoning.
# Sourced by tools/test.sh.

boot pool-report 128M "exit"
expect_exit pool-report.exit $EXIT_SUCCESS
expect_log pool-report.version '^slabinfo - version: 2\.1$'
expect_log pool-report.header '^# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : slabdata <active_slabs> <num_slabs>$'
expect_log pool-report.pool-cache '^pool_cache +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ : slabdata +[0-9]+ +[0-9]+$'
expect_log pool-report.boot-module '^boot_module +0 +8 +[0-9]+ +8 +0 : slabdata +0 +1$'

# A module gives boot_module a real object.
boot pool-module 128M "exit" tests/boot/cutmem
expect_log pool-module.boot-module '^boot_module +1 +8 +[0-9]+ +8 +0 : slabdata +1 +1$'

boot pool-poison 128M "selftest=pool poison=pool"
expect_exit pool-poison.exit $EXIT_SUCCESS
expect_summary pool-poison.summary selftest

boot pool-trace 128M "selftest=pool.kernel_pool_cache trace=pool"
expect_exit pool-trace.exit $EXIT_SUCCESS
expect_log pool-trace.alloc '^trace: pool alloc pool=pool_cache addr=0x[0-9a-f]{8}$'
expect_log pool-trace.free '^trace: pool free pool=t-kpool addr=0x[0-9a-f]{8}$'
expect_log pool-trace.grow '^trace: pool grow pool=t-kpool addr=0x[0-9a-f]{8}$'
expect_log pool-trace.return '^trace: pool return pool=t-kpool addr=0x[0-9a-f]{8}$'
expect_log pool-trace.listed '^t-kpool +1 +[0-9]+ +100 +[0-9]+ +1 : slabdata +1 +1$'

# The boot summary and every pool's counters, one per line.
boot pool-counters 128M "exit"
expect_log pool-counters.summary '^pool: pool_cache ready, [0-9]+ descriptors of [0-9]+ bytes per slab$'
expect_log pool-counters.totals '^pool: boot_module: 0 allocations, 0 frees, 0 out of memory$'
expect_log pool-counters.double-free '^pool: pool_cache: error double free +0$'
expect_log pool-counters.link '^pool: boot_module: error free link overwritten +0$'

# All the self-tests' pools pass with every layer poisoning, and the
# kernel's pools are still listed afterwards with no errors counted.
boot pool-poison-all 128M "selftest=pool poison"
expect_exit pool-poison-all.exit $EXIT_SUCCESS
expect_summary pool-poison-all.summary selftest
expect_log pool-poison-all.listed '^pool_cache +0 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ : slabdata +0 +[01]$'
expect_no_log pool-poison-all.no-errors '^pool: (pool_cache|boot_module): error .* [1-9][0-9]*$'
