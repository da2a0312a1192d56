/*
 * mm/memmap_check.c - the checker of the memory map's invariant.
 *
 * Invariant, metadata: those of mm/memmap.c.  Bounds: O(free x
 * (usable + reserved)) - small tables.
 * Read after: mm/memmap.c.  Tests: mm/memmap_test.c.
 */
#include "memmap.h"

#define PAGE_MASK   ((uint64_t)MM_PAGE - 1)

static bool
inside_usable(const struct memmap *m, const struct memmap_range *r)
{
    unsigned i;

    for (i = 0; i < m->nmap; i++)
        if (m->map[i].type == MEMMAP_USABLE && m->map[i].base <= r->base &&
            r->end <= m->map[i].end)
            return true;
    return false;
}

/*
 * Checks the invariant of free[]: sorted, page aligned, non-empty,
 * disjoint, inside usable memory below 4 GiB, overlapping no
 * reservation.  Prints each violation; returns how many.
 */
unsigned
memmap_check(const struct memmap *m)
{
    unsigned i, j, bad = 0;

    for (i = 0; i < m->nfree; i++) {
        const struct memmap_range *r = &m->free[i];
        const char *what = NULL;

        if (((r->base | r->end) & PAGE_MASK) != 0 || r->end <= r->base)
            what = "unaligned or empty";
        else if (i > 0 && r->base < m->free[i - 1].end)
            what = "unsorted or overlapping";
        else if (r->end > MEMMAP_LIMIT || !inside_usable(m, r))
            what = "outside usable memory";
        for (j = 0; j < m->nrsv && what == NULL; j++)
            if (r->base < m->rsv[j].end && m->rsv[j].base < r->end)
                what = "overlaps a reservation";
        if (what != NULL) {
            mm_print("memmap: check: free region %u %s\n", i, what);
            bad++;
        }
    }
    return bad;
}
