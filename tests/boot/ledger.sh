# tests/boot/ledger.sh - the page ledger: at every memory size the boot
# checks use, every page below 4 GiB has one owner after every self-test,
# and the report adds up to the memory map's figures exactly.  Sourced by
# tools/test.sh.  Formats: docs/ledger.md.

# expect_ledger_sums NAME: every ledger report in the log adds up: the
# owners' pages make the total, the total is 4 GiB of pages with 0
# problems, and the three groups are the "memory:" line's figures (free
# regions = free KiB, the usable part of what is kept back = reserved
# KiB) and make the total together.
expect_ledger_sums() {
    local why
    why=$(awk '
        function num(s, re,    t) {
            if (!match(s, re)) return -1
            t = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", t)
            return t + 0 }
        /^memory: / { usable = $2; reserved = $5; free = $8 }
        /^ledger: (not usable|kept back|free regions|total) / {
            pages = num($0, " [0-9]+ pages ")
            if ($0 ~ /^ledger: not usable/) nu = pages
            else if ($0 ~ /^ledger: kept back/) {
                kept = pages; kept_kib = num($0, " [0-9]+ KiB of it usable") }
            else if ($0 ~ /^ledger: free regions/) fr = pages
            else {
                reports++
                if (pages != sum) { print "owners sum to " sum ", total says " pages; exit }
                if (pages != 1048576) { print "total " pages " pages, not 4 GiB"; exit }
                if ($0 !~ /, 0 problems$/) { print "problems: " $0; exit }
                if (nu + kept + fr != pages) { print "groups do not add up"; exit }
                if (fr * 4 != free) { print "free regions " fr * 4 " KiB, memory: says " free; exit }
                if (kept_kib != reserved) { print "kept back usable " kept_kib " KiB, memory: says " reserved; exit }
                if (kept_kib + fr * 4 != usable) { print "usable does not add up"; exit }
                sum = 0 }
            next }
        /^ledger: .* [0-9]+ pages \([0-9]+ KiB\)/ { sum += num($0, " [0-9]+ pages ") }
        END { if (reports == 0) print "no ledger report" }' "$BOOT_LOG")
    if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why (in $BOOT_LOG)"; fi
}

# expect_checked_after_each NAME: one ledger check per self-test run,
# none of them found a problem, and no test failed because of one.
expect_checked_after_each() {
    local counts n m checks
    counts=$(summary_counts selftest "$BOOT_LOG")
    read -r n m <<< "$counts"
    checks=$(sed -n 's/^ledger: \([0-9]*\) checks after self-tests, 0 problems$/\1/p' "$BOOT_LOG")
    if [ -n "$counts" ] && [ "$checks" = $((n + m)) ] &&
        ! grep -q '^selftest: FAIL .* check after the test' "$BOOT_LOG"; then
        pass "$1"
    else
        fail "$1" "${checks:-no} clean checks for $((n + m)) tests (in $BOOT_LOG)"
    fi
}

# Small memory: some self-tests cannot get their 4 MiB of scratch and
# fail; the ledger must hold after each all the same.
boot_kernel ledger-2M 2M "selftest"
expect_checked_after_each ledger-2M.checked
expect_ledger_sums ledger-2M.sums
boot ledger-8M 8M "selftest"
expect_checked_after_each ledger-8M.checked
expect_ledger_sums ledger-8M.sums

# The 128M boot's own checks: the corruption tests ran in the kernel
# too, and the page query printed one line per page.
ledger_128M_checks() {
    local t H
    for t in corrupt_buddy_state_byte corrupt_free_list_link \
        corrupt_kmalloc_owner_byte corrupt_kmalloc_size_byte \
        corrupt_pool_slab_header corrupt_pool_slab_owner \
        overlapping_claim_is_two_owners missing_claim_is_no_owner \
        live_stress_phases; do
        expect_log ledger-128M.$t "^selftest: ok ledger\\.$t\$"
    done
    H='0x[0-9a-f]{8}'
    expect_log ledger-128M.page-kernel "^page: $H kernel block order 1 \\[$H-$H\\]\$"
    expect_log ledger-128M.page-bucket "^page: $H kmalloc bucket slab size 64, [0-9]+ of 63 blocks free\$"
    expect_log ledger-128M.page-large "^page: $H kmalloc large run order 1 \\[$H-$H\\]\$"
    expect_log ledger-128M.page-slab "^page: $H pool slab of \"t-ledger-page\", [0-9]+ of [0-9]+ objects free\$"
    expect_log ledger-128M.page-image '^page: 0x00100000 reserved \(kernel image\)$'
    expect_log ledger-128M.page-free "^page: $H free buddy block order [0-9]+ \\[$H-$H\\]\$"
}

for mem in 128M 512M 1G 3G 4G 8G; do
    boot ledger-$mem $mem "selftest"
    expect_exit ledger-$mem.exit $EXIT_SUCCESS
    expect_summary ledger-$mem.summary selftest
    expect_checked_after_each ledger-$mem.checked
    expect_ledger_sums ledger-$mem.sums
    [ "$mem" != 128M ] || ledger_128M_checks
done

# A plain boot prints the report after the pools' report; quiet does not.
boot ledger-report 128M "exit"
expect_exit ledger-report.exit $EXIT_SUCCESS
expect_ledger_sums ledger-report.sums
expect_log ledger-report.image '^ledger: reserved [0-9]+ pages \([0-9]+ KiB\) kernel image$'
expect_log ledger-report.edge '^ledger: edge page 1 pages \(4 KiB\), 3072 bytes usable each$'
expect_log ledger-report.free '^ledger: free buddy block [0-9]+ pages \([0-9]+ KiB\)$'
if awk '/^pool: boot_module: error/ { pools = NR } /^ledger: total/ { total = NR }
        END { exit !(pools && total > pools) }' "$BOOT_LOG"; then
    pass ledger-report.after-pools
else
    fail ledger-report.after-pools "no ledger report after the pools' in $BOOT_LOG"
fi
boot ledger-quiet 128M "quiet exit"
expect_no_log ledger-quiet.no-report '^ledger: '
