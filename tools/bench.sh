#!/usr/bin/env bash
# tools/bench.sh - what "make bench" runs.
#
#   tools/bench.sh all     host timings, instruction counts, kernel cycles
#   tools/bench.sh count   the instruction counts alone
#   tools/bench.sh explain OUTPUT   what the MISS lines in OUTPUT mean
#
# Timings come from build/bench/bench (tests/bench/bench.c).  Counts come
# from callgrind: the benchmark zeroes callgrind's counters right before
# its measured loop and dumps them right after, and --toggle-collect
# limits counting to the named allocator functions (and what they call),
# so a count is exactly the instructions executed inside those calls.
# Targets print PASS or MISS; a MISS never makes this script fail, and
# the run ends by saying, once, what a MISS means and where to read why.
# Exit statuses (tools/status.sh): 0 done, 1 the kernel reported failure,
# 3 it crashed, 4 it hung, 5 build error, 7 QEMU failed.
set -u
cd "$(dirname "$0")/.."
. tools/status.sh
BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-i386}
MAKE=${MAKE:-make}
BENCH=$BUILD/bench/bench
N=100000
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmemlab-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ir WORKLOAD N FUNCTION...: instructions inside FUNCTIONs over the loop.
ir() {
    local work=$1 n=$2 toggles=() f
    shift 2
    for f in "$@"; do toggles+=("--toggle-collect=$f"); done
    rm -f "$tmp"/cg.*
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
        "${toggles[@]}" "$BENCH" count "$work" "$n" >/dev/null 2>&1 || {
        echo "bench: callgrind failed on $work" >&2; echo 0; return; }
    sed -n 's/^totals: //p' "$tmp/cg.out.1"
}

# per N TOTAL: TOTAL / N with one decimal.
per() {
    awk -v t="$2" -v n="$1" 'BEGIN { printf "%.1f", t / n }'
}

# target_le WHAT VALUE LIMIT
target_le() {
    awk -v w="$1" -v v="$2" -v l="$3" 'BEGIN {
        printf "target: %s <= %s: %s %s\n", w, l, v, (v + 0 <= l + 0) ? "PASS" : "MISS" }'
}

# target_close WHAT A B: B within 5% of A.
target_close() {
    awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN {
        d = (b - a) / a * 100; if (d < 0) d = -d
        printf "target: %s within 5%%: %s vs %s (%.1f%%) %s\n", w, a, b, d, (d <= 5) ? "PASS" : "MISS" }'
}

# pair N WORKLOAD FUNCTION...: instructions per alloc+free pair.
pair() {
    local n=$1 work=$2
    shift 2
    awk -v t="$(ir "$work" "$n" "$@")" -v n="$n" 'BEGIN { printf "%.1f", t / n }'
}

# target_ratio WHAT VALUE REF LIMIT: VALUE / REF <= LIMIT.
target_ratio() {
    awk -v w="$1" -v v="$2" -v r="$3" -v l="$4" 'BEGIN {
        printf "target: %s <= %sx: %.2fx %s\n", w, l, v / r, (v / r <= l + 0) ? "PASS" : "MISS" }'
}

counts() {
    local a f w3 w3_25 w3_75 ka kf pa pf s1 s3 b1 b3
    local r1 c1 r3 c3 k4 l4 r4 c4 rl cl p5 r5 c5 s4 b4 s5 b5
    echo
    echo "Instructions per call (callgrind, counted only inside the allocator calls, $N operations)"
    a=$(per $N "$(ir W1f $N buddy_alloc)")
    f=$(per $N "$(ir W1f $N buddy_free)")
    printf '  %-44s %8s\n' "W1f buddy_alloc, order 0" "$a" "W1f buddy_free, order 0" "$f"
    printf '  %-44s %8s\n' "W1f buddy pair, parking off (the lists alone)" \
        "$(pair $N W1f-nopark buddy_alloc buddy_free)"
    w3=$(per $N "$(ir W3 $N buddy_alloc buddy_free)")
    w3_25=$(per $N "$(ir W3-25 $N buddy_alloc buddy_free)")
    w3_75=$(per $N "$(ir W3-75 $N buddy_alloc buddy_free)")
    printf '  %-44s %8s\n' "W3 buddy call, 50% occupancy" "$w3" \
        "W3 buddy call, 25% occupancy" "$w3_25" "W3 buddy call, 75% occupancy" "$w3_75"
    ka=$(per $N "$(ir W4 $N kheap_alloc)")
    kf=$(per $N "$(ir W4 $N kheap_free)")
    printf '  %-44s %8s\n' "W4 kmalloc" "$ka" "W4 kfree" "$kf"
    pa=$(per $N "$(ir W5 $N pool_alloc)")
    pf=$(per $N "$(ir W5 $N pool_free)")
    printf '  %-44s %8s\n' "W5 pool_alloc" "$pa" "W5 pool_free" "$pf"
    s1=$(per $N "$(ir W1f-2M $N buddy_alloc buddy_free)")
    s3=$(per $N "$(ir W3-2M $N buddy_alloc buddy_free)")
    b1=$(per $N "$(ir W1f-big $N buddy_alloc buddy_free)")
    b3=$(per $N "$(ir W3-big $N buddy_alloc buddy_free)")
    printf '  %-44s %8s\n' "W6 W1f pair, 2 MiB" "$s1" "W6 W1f pair, largest arena" "$b1" \
        "W6 W3 call, 256 pages live, 2 MiB" "$s3" "W6 W3 call, 256 pages live, largest" "$b3"
    s4=$(pair $N W4-2M kheap_alloc kheap_free)
    b4=$(pair $N W4-big kheap_alloc kheap_free)
    s5=$(pair $N W5-2M pool_alloc pool_free)
    b5=$(pair $N W5-big pool_alloc pool_free)
    printf '  %-44s %8s\n' "W6 W4 kmalloc+kfree, 200 live, 2 MiB" "$s4" \
        "W6 W4 kmalloc+kfree, 200 live, largest arena" "$b4" \
        "W6 W5 growing pool pair, 200 live, 2 MiB" "$s5" \
        "W6 W5 growing pool pair, 200 live, largest" "$b5"

    echo
    echo "Instructions per alloc+free pair beside the minimal references (tests/bench/ref_*.c)"
    printf '  %-28s %10s %10s %10s\n' "workload" "kmemlab" "minimal" "checked"
    k4=$(awk -v a="$ka" -v f="$kf" 'BEGIN { printf "%.1f", a + f }')
    l4=$(pair $N W4-log kheap_alloc kheap_free)
    r1=$(pair $N W1f-ref ref_buddy_alloc ref_buddy_free)
    c1=$(pair $N W1f-refc ref_buddy_alloc ref_buddy_free_checked)
    r3=$(awk -v c="$(pair $N W3-ref ref_buddy_alloc ref_buddy_free)" 'BEGIN { printf "%.1f", 2 * c }')
    c3=$(awk -v c="$(pair $N W3-refc ref_buddy_alloc ref_buddy_free_checked)" 'BEGIN { printf "%.1f", 2 * c }')
    r4=$(pair $N W4-ref ref_kmalloc ref_kfree)
    c4=$(pair $N W4-refc ref_kmalloc_checked ref_kfree_checked)
    rl=$(pair $N W4-log-ref ref_kmalloc ref_kfree)
    cl=$(pair $N W4-log-refc ref_kmalloc_checked ref_kfree_checked)
    p5=$(awk -v a="$pa" -v f="$pf" 'BEGIN { printf "%.1f", a + f }')
    r5=$(pair $N W5-ref objlist_alloc objlist_free)
    c5=$(pair $N W5-refc ref_objlist_alloc ref_objlist_free)
    printf '  %-28s %10s %10s %10s\n' \
        "buddy W1f (order 0)" "$(awk -v a="$a" -v f="$f" 'BEGIN { printf "%.1f", a + f }')" "$r1" "$c1" \
        "buddy W3 (orders 0-4, 50%)" "$(awk -v c="$w3" 'BEGIN { printf "%.1f", 2 * c }')" "$r3" "$c3" \
        "kmalloc W4 (uniform)" "$k4" "$r4" "$c4" \
        "kmalloc W4 log-uniform" "$l4" "$rl" "$cl" \
        "pool W5 (random)" "$p5" "$r5" "$c5"

    target_le "buddy W1f instructions per pair (ref buddy: minimal $r1, checked $c1)" \
        "$(awk -v a="$a" -v f="$f" 'BEGIN { printf "%.1f", a + f }')" 100
    target_le "buddy W3 instructions per alloc+free (ref buddy: minimal $r3, checked $c3)" \
        "$(awk -v c="$w3" 'BEGIN { printf "%.1f", 2 * c }')" 120
    target_ratio "buddy W3 instructions vs the checked ref buddy ($c3)" \
        "$(awk -v c="$w3" 'BEGIN { printf "%.1f", 2 * c }')" "$c3" 1.15
    target_le "kmalloc W4 instructions per kmalloc+kfree (ref kmalloc: minimal $r4, checked $c4)" "$k4" 75
    target_le "pool W5 instructions per alloc+free (object free list: bare $r5, checked $c5)" "$p5" 50
    target_close "W1f instructions per pair, largest arena vs 2 MiB" "$s1" "$b1"
    target_close "W3 instructions per call, largest arena vs 2 MiB" "$s3" "$b3"
    target_close "W3 instructions per call, 75% vs 25% occupancy" "$w3_25" "$w3_75"
    target_close "W4 instructions per pair, largest arena vs 2 MiB" "$s4" "$b4"
    target_close "W5 instructions per pair, largest arena vs 2 MiB" "$s5" "$b5"
}

# kernel: the in-kernel benchmarks; sets KERNEL_STATUS (tools/status.sh).
kernel() {
    local log=$tmp/kernel.log
    echo
    echo "In-kernel benchmarks (QEMU -icount shift=0: emulated cycles, repeatable, not hardware times)"
    timeout 300 "$QEMU" -kernel "$BUILD/kmemlab.elf" -append "bench quiet" \
        -m 256M -icount shift=0 -no-reboot -display none \
        -serial "file:$log" -monitor none -d cpu_reset -D "$tmp/qemu.log" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null
    qemu_outcome $? "$tmp/qemu.log" 300
    KERNEL_STATUS=$OUTCOME KERNEL_TEXT=$OUTCOME_TEXT
    tr -d '\r' < "$log" | grep '^bench: ' | sed 's/^/  /'
    if [ "$OUTCOME" != 0 ]; then
        echo "bench: the kernel's serial output:"
        tr -d '\r' < "$log" | tail -n 20
    fi
}

# explain_misses OUTPUT: says once what the MISS lines in OUTPUT mean.
explain_misses() {
    local n total
    n=$(grep -c '^target: .* MISS$' "$1")
    total=$(grep -c '^target: ' "$1")
    [ "$n" -gt 0 ] || return 0
    cat <<MSG

bench: $n of $total targets missed.  A MISS is a goal from docs/performance.md
bench: that this run did not meet: its line shows the measured value and the
bench: target wanted (x = times the baseline).  It is not an error.  Section 5
bench: of docs/performance.md, "The targets, and what would meet them", says
bench: why each target is set, why it is missed and what would meet it.
MSG
}

set -- "${1:-all}" "${@:2}"
case $1 in
    count|all) ;;
    explain) explain_misses "$2"; exit 0 ;;
    *) echo "usage: tools/bench.sh all|count|explain OUTPUT" >&2; exit $ST_REFUSED ;;
esac
if [ "$1" = all ]; then
    tools/deps.sh bench ||
        finish bench $ST_BUILD "build error: tools are missing (see above)"
    "$MAKE" --no-print-directory BUILD="$BUILD" "$BENCH" "$BUILD/kmemlab.elf" ||
        finish bench $ST_BUILD "build error: the benchmarks did not build (see above)"
fi
KERNEL_STATUS=0 KERNEL_TEXT=""
{
    if [ "$1" = count ]; then
        counts
    else
        echo "bench: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
        "$BENCH" time
        counts
        kernel
        echo "$KERNEL_STATUS $KERNEL_TEXT" > "$tmp/kernel.status"
    fi
} | tee "$tmp/out"
explain_misses "$tmp/out"
if [ -f "$tmp/kernel.status" ]; then
    read -r KERNEL_STATUS KERNEL_TEXT < "$tmp/kernel.status"
    [ "$KERNEL_STATUS" = 0 ] || finish bench "$KERNEL_STATUS" "$KERNEL_TEXT"
    finish bench $ST_OK "done; the kernel's benchmarks exited with success"
fi
