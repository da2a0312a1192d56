/*
 * mm/buddy_check.c - the buddy checker: walks every page of every zone.
 *
 * buddy_check compares what the fast path keeps in step: each page's
 * state byte against the free lists, the blocks' alignment and extent,
 * the per-order counts and masks, that no free buddies are left
 * unmerged, that no free block's first page has an owner, the array
 * of parked pages against their state bytes, and the page totals.  Each violation is printed ("buddy:
 * check: WHAT at 0xADDR (zone first pfn 0xPFN)").
 *
 * Invariant: none of its own; it reads and changes nothing.
 * Bounds: O(pages + free blocks), under the allocator's lock.
 * Metadata: none.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/* ---- check ---------------------------------------------------------- */

static unsigned
violation(const struct buddy_zone *z, uintptr_t pfn, const char *what)
{
    mm_print("buddy: check: %s at 0x%08lx (zone first pfn 0x%lx)\n", what,
             (unsigned long)pfn_addr(pfn), (unsigned long)z->pfns.first);
    return 1;
}

/*
 * Checks one block found by the page walk; counts its free pages and
 * the parked ones (free, on no list, never merged: mm/buddy_park.c).
 */
static unsigned
check_block(const struct buddy_zone *z, uintptr_t pfn, size_t *nfree,
            size_t *free_pages, size_t *parked)
{
    uint8_t m = *meta_of(z, pfn);
    unsigned k = m & META_ORDER, bad = 0;
    uintptr_t size = (uintptr_t)1 << k, i, buddy = buddy_of(pfn, k);

    if ((pfn & (size - 1)) != 0)
        bad += violation(z, pfn, "block not naturally aligned");
    if (pfn + size > z->pfns.last + 1)
        return bad + violation(z, pfn, "block runs past the zone");
    for (i = 1; i < size; i++)
        if (*meta_of(z, pfn + i) != META_TAIL)
            return bad + violation(z, pfn + i, "page inside a block "
                                   "is not a tail");
    if (m == META_PARKED) {
        (*parked)++;
        (*free_pages)++;
        if (*owner_of(z, pfn) != MM_OWNER_NONE)
            bad += violation(z, pfn, "parked page has an owner");
    } else if (m & META_FREE) {
        nfree[k]++;
        *free_pages += size;
        if (k < BUDDY_MAX_ORDER && zone_has(z, buddy) &&
            *meta_of(z, buddy) == m)
            bad += violation(z, pfn, "free buddies left unmerged");
        if (*owner_of(z, pfn) != MM_OWNER_NONE)
            bad += violation(z, pfn, "free block has an owner");
    }
    return bad;
}

/* Walks list k of zone z: every entry a free head of order k in z. */
static unsigned
check_list(const struct buddy_zone *z, unsigned k)
{
    uint32_t h = (uint32_t)list_head(z, k), i, next;
    size_t n = 0;

    for (i = z->link[h].next; i != h; i = next) {
        uintptr_t pfn = z->pfns.first + i;

        if (i >= z->head0 || !zone_has(z, pfn) ||
            *meta_of(z, pfn) != (META_FREE | k))
            return violation(z, pfn, "bad free-list entry");
        next = z->link[i].next;
        if ((next >= z->head0 && next != h) || z->link[next].prev != i)
            return violation(z, pfn, "bad free-list entry");
        if (++n > z->nfree[k])
            return violation(z, pfn, "free list longer than its count");
    }
    if (n != z->nfree[k] || (n != 0) != ((z->free_mask >> k) & 1))
        return violation(z, z->pfns.first, "free count or mask wrong");
    return 0;
}

static unsigned
check_zone(const struct buddy *b, const struct buddy_zone *z,
           size_t *free_pages)
{
    size_t nfree[BUDDY_NORDERS] = { 0 }, parked = 0;
    uintptr_t pfn = z->pfns.first, end = z->pfns.last + 1;
    unsigned bad = 0, k;
    size_t rsvd = 0;

    while (pfn < end) {
        uint8_t m = *meta_of(z, pfn);

        if (m == META_RSVD) {
            rsvd++;
            pfn++;
            continue;
        }
        if ((m & (META_FREE | META_ALLOC)) == 0)
            return bad + violation(z, pfn, "tail page where a block "
                                   "should start");
        bad += check_block(z, pfn, nfree, free_pages, &parked);
        pfn += (uintptr_t)1 << (m & META_ORDER);   /* the next block */
    }
    if (rsvd != z->nreserved)
        bad += violation(z, z->pfns.first, "reserved page count wrong");
    if (parked != buddy_parked_in(b, z))
        bad += violation(z, z->pfns.first, "parked pages differ from the "
                         "array");
    for (k = 0; k < BUDDY_NORDERS; k++) {
        if (nfree[k] != z->nfree[k])
            bad += violation(z, z->pfns.first, "per-order count differs "
                             "from the pages");
        bad += check_list(z, k);
    }
    return bad;
}

/*
 * The array of parked pages: each entry a page of one of b's zones in
 * state PARKED, no two the same, no more than park_max.
 */
static unsigned
check_parked(const struct buddy *b)
{
    unsigned i, j, bad = 0;

    if (b->nparked > b->park_max)
        bad += violation(&b->zone[0], 0, "more pages parked than allowed");
    for (i = 0; i < b->nparked && i < BUDDY_NPARKED; i++) {
        const struct buddy_parked *e = &b->parked[i];

        if (!buddy_parked_ok(b, i))
            return bad + violation(&b->zone[0], 0, "parked entry names "
                                   "no page");
        if (e->zone->meta[e->index] != META_PARKED)
            bad += violation(e->zone, e->zone->pfns.first + e->index,
                             "parked entry's page is not parked");
        for (j = 0; j < i; j++)
            if (b->parked[j].zone == e->zone &&
                b->parked[j].index == e->index)
                bad += violation(e->zone, e->zone->pfns.first + e->index,
                                 "page parked twice");
    }
    return bad;
}

/*
 * Walks everything: per-page state agrees with the free lists, blocks
 * are aligned and disjoint, counts match, no free buddies are left
 * unmerged, and free + allocated pages = managed pages.  Prints each
 * violation; returns how many it found.
 */
unsigned
buddy_check(struct buddy *b)
{
    size_t free_pages = 0, managed = 0;
    unsigned bad = 0, i;

    mm_lock(&b->lock);
    if (!mm_table_sorted(b->by_addr, b->nzones))
        bad += violation(&b->zone[0], 0, "zones overlap or unsorted");
    for (i = 0; i < b->nzones; i++) {
        const struct buddy_zone *z = zone_at(b, i);

        if (z->pfns.last - z->pfns.first + 1 != z->npages)
            bad += violation(z, z->pfns.first, "zone range and size differ");
        bad += check_zone(b, z, &free_pages);
        managed += z->npages - z->nreserved;
    }
    bad += check_parked(b);
    if (free_pages != buddy_free_pages(b) || managed != b->managed_pages)
        bad += violation(&b->zone[0], 0, "page totals differ from counts");
    mm_unlock(&b->lock);
    return bad;
}
