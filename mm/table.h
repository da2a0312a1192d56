/*
 * mm/table.h - a table of address ranges, sorted, with binary search.
 *
 * Each layer must find which of its areas an address lies in: the buddy
 * its zone, kmalloc its extent, a pool its slab.  Each area carries a
 * struct mm_range (its first and last address, or page number), and the
 * owner keeps an array of pointers to those ranges, sorted by address,
 * in which an address is looked up by binary search:
 *
 *     table: ->[0x1000-0x1fff] ->[0x4000-0x7fff] ->[0x9000-0x9fff]
 *     find 0x5123: the middle range holds it -> that range
 *
 * The owner turns the range back into its area with offsetof (the
 * range is a member of the zone, extent or slab).  A range is
 * [first, last], both inclusive, so an area that ends at the top of the
 * address space (4 GiB on the kernel) needs no overflowing end.  The
 * table is only an array and a count, kept by the owner, so a table
 * costs one pointer per area and the owner's struct may be cleared.
 *
 * Invariant: ranges are sorted by first and do not overlap;
 * first <= last in each.
 * Bounds: find is O(log n); insert and remove shift entries, O(n).
 * Metadata: one pointer per area, two words in each area.
 * Read after: mm/port.h.  Tests: mm/table_test.c.
 */
#ifndef MM_TABLE_H
#define MM_TABLE_H

#include "port.h"

struct mm_range {
    uintptr_t first;            /* first address (or page number) held */
    uintptr_t last;             /* last one held, inclusive */
};

/*
 * The index of the range among ent[0..n) that holds key, or -1.
 * Binary search: halve [lo, hi) until the middle range holds key.
 */
static MM_INLINE int
mm_table_index(struct mm_range *const *ent, unsigned n, uintptr_t key)
{
    unsigned lo = 0, hi = n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (key < ent[mid]->first)
            hi = mid;
        else if (key > ent[mid]->last)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

/* The range that holds key, or NULL: the same search, for lookups. */
static MM_INLINE struct mm_range *
mm_table_find(struct mm_range *const *ent, unsigned n, uintptr_t key)
{
    unsigned lo = 0, hi = n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        struct mm_range *r = ent[mid];

        if (key < r->first)
            hi = mid;
        else if (key > r->last)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

bool mm_table_overlaps(struct mm_range *const *ent, unsigned n,
                       uintptr_t first, uintptr_t last);
int mm_table_insert(struct mm_range **ent, unsigned *n, unsigned cap,
                    struct mm_range *r);
bool mm_table_remove(struct mm_range **ent, unsigned *n,
                     const struct mm_range *r);
bool mm_table_sorted(struct mm_range *const *ent, unsigned n);

#endif /* MM_TABLE_H */
