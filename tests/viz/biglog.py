#!/usr/bin/env python3
"""tests/viz/biglog.py - writes a long synthetic trace for tools/viz.py.

A boot traced long enough to give 100,000 events takes minutes under
QEMU, so the viewer's size limit is tested on a log made here: one zone
of 4096 pages replayed by a small buddy allocator of its own (the rules
of mm/buddy.c: lowest address first, split keeps the lower half, free
merges while the buddy is free), printing the kernel's trace formats and,
at the end, the zone's free blocks per order as a buddyinfo line, which
the viewer and the page must both agree with.

Usage: biglog.py EVENTS > LOG   (at least EVENTS trace lines)
"""
import random
import sys

PAGE = 4096
MAX_ORDER = 10
BASE_PFN = 0x800            # the zone starts at 0x00800000
NPAGES = 4096


def main():
    want = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rng = random.Random(14)
    free = [set() for _ in range(MAX_ORDER + 1)]
    live = []
    out = ["kmemlab 0.1.0: a teaching kernel for memory allocation "
           "(synthetic trace)",
           "trace: buddy zone-add zone=0 addr=0x%08x pages=%d "
           "allocator=kernel" % (BASE_PFN * PAGE, NPAGES)]
    nevents = 1

    def emit(event, pfn, order):
        nonlocal nevents
        out.append("trace: buddy %s zone=0 addr=0x%08x order=%d"
                   % (event, pfn * PAGE, order))
        nevents += 1

    for pfn in range(BASE_PFN, BASE_PFN + NPAGES, 1 << MAX_ORDER):
        free[MAX_ORDER].add(pfn)
        emit("cover", pfn, MAX_ORDER)
    while nevents < want:
        if live and (rng.random() < 0.45 or len(live) > 600):
            pfn, k = live.pop(rng.randrange(len(live)))
            emit("free", pfn, k)
            while k < MAX_ORDER and (pfn ^ (1 << k)) in free[k]:
                buddy = pfn ^ (1 << k)
                free[k].remove(buddy)
                pfn = min(pfn, buddy)
                k += 1
                emit("merge", pfn, k)
            free[k].add(pfn)
            continue
        want_k = min(int(rng.expovariate(0.7)), 6)
        j = next((j for j in range(want_k, MAX_ORDER + 1) if free[j]), None)
        if j is None:
            continue
        pfn = min(free[j])
        free[j].remove(pfn)
        while j > want_k:
            j -= 1
            free[j].add(pfn + (1 << j))
            emit("split", pfn, j + 1)
        emit("alloc", pfn, want_k)
        live.append((pfn, want_k))
    out.append("Node 0, zone %8d" % 0 +
               "".join(" %6d" % len(f) for f in free))
    out.append("kmemlab: exit success")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
