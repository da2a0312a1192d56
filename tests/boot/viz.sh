# tests/boot/viz.sh - the trace viewer, tools/viz.py: its host tests, a
# fresh traced boot it must replay without a problem, and its page loaded
# in headless Chromium.  Sourced by tools/test.sh.
#
# The page checks read the DOM Chromium dumps (tests/viz/domfacts.py
# turns it into facts) and compare it with the log the page was made
# from: the free blocks the kernel reported, the line of an event, the
# walk the buddy self-test documents.  A screenshot of one step is kept
# in $BUILD/viz/known.png for a person to look at.

VIZ_OUT=$BUILD/viz
VIZ_KNOWN=tests/viz/known.log
mkdir -p "$VIZ_OUT"

# 1. Host tests of the tool; their count joins the totals.
BOOT_LOG=$LOGS/viztest.log
python3 tests/viz/test_viz.py >"$BOOT_LOG" 2>&1
expect_summary viz.hosttest viztest

# 2. A fresh boot with the known log's options replays cleanly: no
# problem, and the replay agrees with both buddyinfo reports.
viz_args=$(sed -n 's/^cmdline: [0-9]* options: //p' "$VIZ_KNOWN")
boot_kernel viz-boot 128M "$viz_args"
expect_exit viz-boot.exit $EXIT_SUCCESS
viz_said=$(tools/viz.py "$BOOT_LOG" -o "$VIZ_OUT/boot.html" 2>&1)
case $viz_said in
    *" 0 problems, 2 report checks passed -> "*) pass viz-boot.replay ;;
    *) fail viz-boot.replay "tools/viz.py $BOOT_LOG said: $viz_said" ;;
esac

# chrome_dom NAME URL [OPTION]: the DOM of the page after its script
# ran, as facts in $VIZ_OUT/NAME.facts.  OPTION goes to Chromium (e.g.
# a virtual time budget, for the play button's timer to run).
chrome_dom() {
    timeout 120 chromium --headless=new $VIZ_SANDBOX --disable-gpu \
        --user-data-dir="$VIZ_OUT/chromium" ${3:-} --dump-dom "$2" \
        >"$VIZ_OUT/$1.dom" 2>>"$VIZ_OUT/chromium.log"
    python3 tests/viz/domfacts.py "$VIZ_OUT/$1.dom" >"$VIZ_OUT/$1.facts"
}

# expect_fact NAME FACTS LINE: the facts file holds exactly LINE.
expect_fact() {
    if grep -qxF -- "$3" "$VIZ_OUT/$2.facts"; then
        pass "$1"
    else
        fail "$1" "no line '$3' in $VIZ_OUT/$2.facts"
    fi
}

# expect_ready NAME FACTS: the page says it rendered, no script error.
expect_ready() {
    if grep -qx 'status ready' "$VIZ_OUT/$2.facts"; then
        pass "$1"
    else
        fail "$1" "$(grep -E '^(status|message)' "$VIZ_OUT/$2.facts" | tr '\n' ' ')(dom: $VIZ_OUT/$2.dom)"
    fi
}

# expect_buddyinfo NAME FACTS LOG: the page's kernel zones hold the free
# blocks per order of the last buddyinfo report in LOG.
expect_buddyinfo() {
    local want got
    want=$(grep '^Node 0, zone' "$3" | tail -n "$(grep -c 'allocator=kernel$' "$3")" |
        awk '{ printf "zone kernel %s free", $4; for (i = 5; i <= NF; i++) printf " %s", $i; print "" }')
    got=$(grep '^zone kernel [0-9]* free ' "$VIZ_OUT/$2.facts")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        pass "$1"
    else
        fail "$1" "page shows '$got', the kernel reported '$want'"
    fi
}

# The line number of the Nth trace line of a log.
nth_trace_line() {
    grep -n '^trace:' "$1" | sed -n "$2{s/:.*//;p}"
}

if ! command -v chromium >/dev/null 2>&1; then
    fail viz.chromium "chromium not found: install the Debian package chromium"
else
    VIZ_SANDBOX=
    [ "$(id -u)" != 0 ] || VIZ_SANDBOX=--no-sandbox
    : >"$VIZ_OUT/chromium.log"
    page="file://$PWD/$VIZ_OUT/known.html"
    tools/viz.py -q "$VIZ_KNOWN" -o "$VIZ_OUT/known.html"

    # The last step: every event replayed, the kernel's zones drawn with
    # the free blocks of the kernel's last report.
    chrome_dom known-end "$page#step=999999"
    expect_ready viz.page.ready known-end
    expect_fact viz.page.steps known-end "step $(grep -c '^trace:' "$VIZ_KNOWN")"
    expect_buddyinfo viz.page.blocks known-end "$VIZ_KNOWN"

    # The play button, pressed at step 0, runs to the last step and
    # stops (100 steps a frame, 25 frames a second of virtual time).
    chrome_dom known-play "$page#step=0&play" --virtual-time-budget=10000
    expect_fact viz.page.play known-play "step $(grep -c '^trace:' "$VIZ_KNOWN")"

    # Step N shows the event of the Nth trace line.
    chrome_dom known-100 "$page#step=100"
    expect_fact viz.page.step-event known-100 "event-line $(nth_trace_line "$VIZ_KNOWN" 100)"

    # The first alloc in the textbook test's zone (mm/buddy_test.c):
    # page A taken, free blocks of 1, 2, 4 and 8 pages left.
    a=$(grep -n 'allocator=test$' "$VIZ_KNOWN" | head -n 1 | cut -d: -f1)
    a=$(awk -v s="$a" 'NR > s && /^trace: buddy alloc zone=0 /{ print NR; exit }' "$VIZ_KNOWN")
    chrome_dom known-alloc-a "$page#line=$a"
    expect_fact viz.page.alloc-a.event known-alloc-a "event-line $a"
    expect_fact viz.page.alloc-a.state known-alloc-a "zonestate 1 1 1 1 0 0 0 0 0 0 0"
    expect_fact viz.page.alloc-a.map known-alloc-a "detail free 4 alloc 1"
    expect_fact viz.page.alloc-a.overview known-alloc-a "zone test 0 free 1 1 1 1 0 0 0 0 0 0 0"

    rm -f "$VIZ_OUT/known.png"
    timeout 120 chromium --headless=new $VIZ_SANDBOX --disable-gpu \
        --user-data-dir="$VIZ_OUT/chromium" --hide-scrollbars \
        --window-size=1100,1400 --screenshot="$VIZ_OUT/known.png" \
        "$page#line=$a" 2>>"$VIZ_OUT/chromium.log"
    if [ -s "$VIZ_OUT/known.png" ]; then
        pass viz.page.screenshot
    else
        fail viz.page.screenshot "no $VIZ_OUT/known.png (see $VIZ_OUT/chromium.log)"
    fi

    # The size limit: 100,000 events open, and the last step is right.
    python3 tests/viz/biglog.py 100000 >"$VIZ_OUT/big.log"
    tools/viz.py -q "$VIZ_OUT/big.log" -o "$VIZ_OUT/big.html"
    chrome_dom big "file://$PWD/$VIZ_OUT/big.html#step=100000"
    expect_ready viz.big.ready big
    expect_fact viz.big.event big "event-line $(nth_trace_line "$VIZ_OUT/big.log" 100000)"
    expect_buddyinfo viz.big.blocks big "$VIZ_OUT/big.log"
fi
