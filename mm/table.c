/*
 * mm/table.c - the sorted range table's changes: insert and remove.
 *
 * See mm/table.h for the idea; lookups are inline there.  Inserting
 * keeps the array sorted by shifting the ranges above the new one up by
 * one; removing shifts them down.  Areas come and go rarely (a zone, an
 * extent, a slab), so O(n) here buys an O(log n) lookup on every free.
 *
 * Invariant: as in mm/table.h; every change leaves it true.
 * Bounds: O(n) per change, n at most the owner's capacity.
 * Metadata: none beyond the owner's array.
 * Read after: mm/table.h.  Tests: mm/table_test.c.
 */
#include "table.h"

/* Does [first, last] overlap a range of ent[0..n)?  O(log n). */
bool
mm_table_overlaps(struct mm_range *const *ent, unsigned n, uintptr_t first,
                  uintptr_t last)
{
    unsigned lo = 0, hi = n;

    /* The first range that ends at or after first... */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (ent[mid]->last < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ...overlaps exactly when it starts at or before last. */
    return lo < n && ent[lo]->first <= last;
}

/*
 * Adds range r, keeping the order.  Returns its index, or -1 (nothing
 * changed) if the table is full, r is backwards, or r overlaps a range
 * already there.
 */
int
mm_table_insert(struct mm_range **ent, unsigned *n, unsigned cap,
                struct mm_range *r)
{
    unsigned i;

    if (*n >= cap || r->first > r->last ||
        mm_table_overlaps(ent, *n, r->first, r->last))
        return -1;
    for (i = *n; i > 0 && ent[i - 1]->first > r->first; i--)
        ent[i] = ent[i - 1];
    ent[i] = r;
    (*n)++;
    return (int)i;
}

/* Takes range r out; false if it is not in the table.  O(n). */
bool
mm_table_remove(struct mm_range **ent, unsigned *n, const struct mm_range *r)
{
    unsigned i = 0;

    while (i < *n && ent[i] != r)
        i++;
    if (i == *n)
        return false;
    for (; i + 1 < *n; i++)
        ent[i] = ent[i + 1];
    (*n)--;
    return true;
}

/* Is the table sorted, without overlaps or backwards ranges?  O(n). */
bool
mm_table_sorted(struct mm_range *const *ent, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (ent[i]->first > ent[i]->last ||
            (i > 0 && ent[i - 1]->last >= ent[i]->first))
            return false;
    return true;
}
