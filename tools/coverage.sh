#!/usr/bin/env bash
# tools/coverage.sh - what "make coverage" runs, after building.
#
#   COV_FILES="..." COV_GATED="..." tools/coverage.sh HARNESS...
#
# Runs $BUILD/cov/hosttest (every self-test) and each
# $BUILD/cov/replay-HARNESS over its seeds and reproducers, all built
# with gcov counters into the same objects, then asks gcov for each
# source file of COV_FILES and prints, one file per line:
#   coverage: FILE lines P% (RUN/TOTAL) branches Q% (TAKEN/TOTAL) [gated]
# A gated file below 100% lines fails the run, and each line never run
# is listed as "coverage: FILE:LINE not run".  A line whose source says
# LCOV_EXCL_LINE (with the reason beside it), or that lies between
# LCOV_EXCL_START and LCOV_EXCL_STOP, is left out of the counts, its
# branches with it.  The last line is "coverage: N files gated, M below
# 100% lines"; the exit status is 0 only when M is 0.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
COV=$ROOT/$BUILD/cov
COV_FILES=${COV_FILES:?}
COV_GATED=${COV_GATED:-}
command -v gcov >/dev/null 2>&1 ||
    { echo "coverage: needs gcov (apt-get install gcc)"; exit 2; }

find "$COV" -name '*.gcda' -delete
rm -rf "$COV/gcov"
mkdir -p "$COV/logs" "$COV/gcov"
"$COV/hosttest" > "$COV/logs/hosttest.log" 2>&1 ||
    { echo "coverage: host tests failed (see $COV/logs/hosttest.log)"; exit 1; }
for name in "$@"; do
    inputs=("tests/fuzz/corpus/$name")
    [ -d "tests/fuzz/repro/$name" ] && inputs+=("tests/fuzz/repro/$name")
    log=$COV/logs/replay-$name.log
    "$COV/replay-$name" "${inputs[@]}" > "$log" 2>&1 ||
        { echo "coverage: replay of $name failed (see $log)"; exit 1; }
done

# Reads one .gcov file; prints "RUN TOTAL TAKEN BRANCHES" and, for a
# gated file, a "coverage: FILE:LINE not run" line per missed line.
count() {
    awk -v file="$1" -v gated="$2" '
    # gcov -t prints every file the object uses: keep the one asked for.
    / 0:Source:/ { mine = $0 ~ (":Source:" file "$") }
    !mine { next }
    /^ *(-|[0-9]+\*?|#####|=====): *[0-9]+:/ {
        split($0, f, ":")
        cnt = f[1]; gsub(/ /, "", cnt); line = f[2] + 0
        src = $0; sub(/^[^:]*:[^:]*:/, "", src)
        if (src ~ /LCOV_EXCL_START/) excl_block = 1
        skip = excl_block || src ~ /LCOV_EXCL_LINE/
        if (src ~ /LCOV_EXCL_STOP/) excl_block = 0
        if (skip || cnt == "-") next
        total++
        if (cnt ~ /^(#####|=====)$/) {
            if (gated) printf "coverage: %s:%d not run\n", file, line
        } else run++
        next
    }
    /^branch +[0-9]+ / {
        if (skip) next
        branches++
        if ($3 == "taken" && $4 + 0 > 0) taken++
    }
    END { printf "%d %d %d %d\n", run, total, taken, branches }
    ' "$COV/gcov/$(basename "$1").gcov"
}

pct() {
    if [ "$2" -eq 0 ]; then echo "100.0"; else
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; fi
}

ngated=0
nbelow=0
for f in $COV_FILES; do
    obj=$COV/obj/$(dirname "$f")
    gcov -b -c -t -o "$obj" "$f" > "$COV/gcov/$(basename "$f").gcov" \
        2> /dev/null
    if ! grep -q ":Source:$f\$" "$COV/gcov/$(basename "$f").gcov"; then
        echo "coverage: $f has no coverage data"
        nbelow=$((nbelow + 1))
        continue
    fi
    gated=0
    case " $(echo $COV_GATED) " in *" $f "*) gated=1 ;; esac
    out=$(count "$f" "$gated")
    read -r run total taken branches <<< "$(echo "$out" | tail -n 1)"
    tag=""
    if [ "$gated" = 1 ]; then
        tag=" [gated]"
        ngated=$((ngated + 1))
        [ "$run" = "$total" ] || nbelow=$((nbelow + 1))
    fi
    echo "coverage: $f lines $(pct "$run" "$total")% ($run/$total)" \
        "branches $(pct "$taken" "$branches")% ($taken/$branches)$tag"
    echo "$out" | sed '$d'
done
echo "coverage: $ngated files gated, $nbelow below 100% lines"
[ "$nbelow" = 0 ]
