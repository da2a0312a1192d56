# tools/memmap-check.awk - checks a boot log's memory map report.
#
#   awk -f tools/memmap-check.awk build/logs/NAME.log
#
# Reads the "mmap:", "memmap: reserved", "memmap: free" and "memory:"
# lines and checks that the free regions are sorted, page aligned and
# disjoint, lie inside memory the raw map calls usable and outside every
# range it calls anything else, overlap no reservation, and add up to the
# summary's F.  Prints one line per problem and exits 1 if there was any.
# Plain awk (mawk too): hexadecimal is converted by hand.

function hex(s,    i, c, v) {
    sub(/^0x/, "", s)
    v = 0
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
        v = v * 16 + c
    }
    return v
}

# Sets lo and hi (exclusive) from "[mem 0xA-0xB]" in the current line.
function range(    s, parts) {
    s = $0
    sub(/.*\[mem /, "", s)
    sub(/\].*/, "", s)
    split(s, parts, "-")
    lo = hex(parts[1])
    hi = hex(parts[2]) + 1
}

function bad(msg) {
    print "memmap-check: " msg
    errors++
}

BEGIN { nu = 0; no = 0; nr = 0; nf = 0; errors = 0 }

/^mmap: \[mem / {
    range()
    if ($0 ~ /\(empty\)$/)
        next
    if ($NF == "usable") { ulo[nu] = lo; uhi[nu] = hi; nu++ }
    else { olo[no] = lo; ohi[no] = hi; no++ }
}
/^memmap: reserved \[mem / { range(); rlo[nr] = lo; rhi[nr] = hi; nr++ }
/^memmap: free \[mem / { range(); flo[nf] = lo; fhi[nf] = hi; nf++ }
/^memory: / { summary_free = $8 }

END {
    if (nf == 0)
        bad("no free regions in the log")
    for (i = 0; i < nf; i++) {
        total += fhi[i] - flo[i]
        if (flo[i] % 4096 != 0 || fhi[i] % 4096 != 0)
            bad("free region " i " is not page aligned")
        if (i > 0 && flo[i] < fhi[i - 1])
            bad("free region " i " is unsorted or overlaps the one before")
        inside = 0
        for (j = 0; j < nu; j++)
            if (ulo[j] <= flo[i] && fhi[i] <= uhi[j])
                inside = 1
        if (!inside)
            bad("free region " i " is not inside one usable map entry")
        for (j = 0; j < no; j++)
            if (flo[i] < ohi[j] && olo[j] < fhi[i])
                bad("free region " i " overlaps a non-usable map entry")
        for (j = 0; j < nr; j++)
            if (flo[i] < rhi[j] && rlo[j] < fhi[i])
                bad("free region " i " overlaps reservation " j)
    }
    if (summary_free == "")
        bad("no memory: summary line")
    else if (total / 1024 != summary_free)
        bad("free regions add up to " total / 1024 " KiB, summary says " \
            summary_free)
    exit errors > 0
}
