# tests/boot/buddy.sh - the page allocator's boot report, buddyinfo,
# picture, trace and poisoning.  Sourced by tools/test.sh.

MANAGING='^buddy: managing [0-9]+ pages of [0-9]+ free pages \([0-9]+\.[0-9][0-9]%\), metadata [0-9]+ KiB$'

# expect_managing NAME MIN_PERMILLE: one managing line; P/F at least
# MIN_PERMILLE tenths of a percent (995 = 99.5%).
expect_managing() {
    local line p f
    line=$(grep -E "$MANAGING" "$BOOT_LOG")
    if [ "$(printf '%s\n' "$line" | grep -c .)" != 1 ]; then
        fail "$1" "no single managing line in $BOOT_LOG"; return; fi
    p=$(printf '%s\n' "$line" | awk '{ print $3 }')
    f=$(printf '%s\n' "$line" | awk '{ print $6 }')
    if [ "$p" -gt 0 ] && [ $((p * 1000)) -ge $((f * $2)) ]; then
        pass "$1"
    else
        fail "$1" "managing $p of $f pages is below $2 per mille"
    fi
}

for mem in 128M 1G 3G 8G; do
    boot buddy-$mem $mem "exit"
    expect_exit buddy-$mem.exit $EXIT_SUCCESS
    expect_managing buddy-$mem.managing 995
done
# Small memory: every region pays a page of metadata, so only sanity.
boot_kernel buddy-2M 2M "exit"
expect_exit buddy-2M.exit $EXIT_SUCCESS
expect_managing buddy-2M.managing 980
boot buddy-8M 8M "exit"
expect_exit buddy-8M.exit $EXIT_SUCCESS
expect_managing buddy-8M.managing 990

boot buddy-report 128M "exit"
expect_log buddy-report.buddyinfo '^Node 0, zone +[0-9]+( +[0-9]+){11}$'
expect_log buddy-report.picture '^buddy: zone 0 \[mem 0x[0-9a-f]{8}-0x[0-9a-f]{8}\] [0-9]+ pages, [0-9]+ per char$'
expect_log buddy-report.legend '^buddy: legend \. free  # allocated  m metadata or reserved  \+ mixed$'
expect_log buddy-report.picture-row '^buddy: \|[.#m+]{1,64}\|$'
expect_log buddy-report.errors '^buddy: error double free +0$'

# Tracing: one line per event, in the documented format.
boot buddy-trace 128M "selftest=buddy.textbook_split_and_merge trace=buddy"
expect_exit buddy-trace.exit $EXIT_SUCCESS
expect_log buddy-trace.alloc '^trace: buddy alloc zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log buddy-trace.free '^trace: buddy free zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log buddy-trace.split '^trace: buddy split zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log buddy-trace.merge '^trace: buddy merge zone=[0-9]+ addr=0x[0-9a-f]{8} order=[0-9]+$'
expect_log buddy-trace.zone-add '^trace: buddy zone-add zone=0 addr=0x[0-9a-f]{8} pages=16 allocator=test$'
expect_log buddy-trace.cover '^trace: buddy cover zone=0 addr=0x[0-9a-f]{8} order=4$'

# Poisoning on: the self-tests of every layer still pass, and nothing
# the kernel did disturbed a free page.
boot buddy-poison 128M "selftest poison=buddy"
expect_exit buddy-poison.exit $EXIT_SUCCESS
expect_summary buddy-poison.summary selftest
expect_log buddy-poison.clean '^buddy: error poison overwritten 0$'
