/*
 * mm/table.h - a table of address ranges, sorted, with binary search.
 *
 * Each layer must find which of its areas an address lies in: the buddy
 * its zone, kmalloc its extent, a pool its slab.  All three keep a
 * struct mm_range per area in an array of the owner's, sorted by
 * address, and look an address up by binary search:
 *
 *     ranges: [0x1000-0x1fff] [0x4000-0x7fff] [0x9000-0x9fff]
 *     find 0x5123: middle [0x4000-0x7fff] holds it -> its item
 *
 * A range is [first, last], both inclusive, so an area that ends at the
 * top of the address space (4 GiB on the kernel) needs no overflowing
 * end.  The owner gives the array and its capacity; the table keeps no
 * pointer to itself, so the owner's struct may be copied or cleared.
 *
 * Invariant: ranges are sorted by first and do not overlap;
 * first <= last in each.
 * Bounds: find is O(log n); insert and remove shift entries, O(n).
 * Metadata: three words per range.
 * Read after: mm/port.h.  Tests: mm/table_test.c.
 */
#ifndef MM_TABLE_H
#define MM_TABLE_H

#include "port.h"

struct mm_range {
    uintptr_t first;            /* first address (or page number) held */
    uintptr_t last;             /* last one held, inclusive */
    void *item;                 /* the owner's thing: zone, extent, slab */
};

/*
 * The index of the range among ent[0..n) that holds key, or -1.
 * Binary search: halve [lo, hi) until the middle range holds key.
 */
static MM_INLINE int
mm_table_index(const struct mm_range *ent, unsigned n, uintptr_t key)
{
    unsigned lo = 0, hi = n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (key < ent[mid].first)
            hi = mid;
        else if (key > ent[mid].last)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

/* The item of the range that holds key, or NULL. */
static MM_INLINE void *
mm_table_find(const struct mm_range *ent, unsigned n, uintptr_t key)
{
    int i = mm_table_index(ent, n, key);

    return i < 0 ? NULL : ent[i].item;
}

bool mm_table_overlaps(const struct mm_range *ent, unsigned n,
                       uintptr_t first, uintptr_t last);
int mm_table_insert(struct mm_range *ent, unsigned *n, unsigned cap,
                    uintptr_t first, uintptr_t last, void *item);
bool mm_table_remove(struct mm_range *ent, unsigned *n, const void *item);
bool mm_table_sorted(const struct mm_range *ent, unsigned n);

#endif /* MM_TABLE_H */
