/*
 * mm/buddy_park.c - the buddy's array of parked order-0 pages.
 *
 * Most pages a kernel frees are single pages that it asks for again
 * soon.  Taking one from a free list splits a block and freeing it
 * merges the block back, the same work undone and redone on each pair.
 * So, while parking is on (buddy_set_parking), a free of an order-0
 * block is checked as any free (mm/buddy.c: block_find) and then parked
 * instead of merged: its state byte becomes PARKED and it goes on top of
 * a small array in struct buddy; the next order-0 allocation pops it.
 * Linux keeps such per-CPU page lists in front of its buddy for the
 * same reason.  A parked page is free (buddy_free_pages counts it; a
 * second free of it is a double free) but on no list, and it never
 * counts as a free buddy, so nothing merges with it while it waits.
 * buddyinfo shows the lists alone; buddy_print_parked says how many are
 * parked.
 *
 * The array's edges are here: a full array parks nothing more (the free
 * merges as usual); buddy_flush lists every parked page, oldest first,
 * as the free would have, merging it up.  That happens before an
 * allocation gives up (mm/buddy_slow.c) and after the reclaimers ran,
 * before a resize grows, before a zone is removed, when parking is
 * switched off, and on request (the kernel's console does it before it
 * turns traces on).
 * While traces or poison are on, block_find sends every free to the
 * slow path and buddy_alloc takes no parked page: what a trace shows is
 * the algorithm itself.  A page the fast path's zone guess does not
 * find (one of a later zone sharing a 4 MiB map chunk with a lower one,
 * as the kernel's zone below 640 KiB does) also takes the slow free:
 * it is listed at once, never parked - correct, only slower.
 *
 * Invariant: parked[0..nparked-1] name distinct pages whose state is
 * PARKED, and no other page has that state; nparked <= park_max, which
 * is BUDDY_NPARKED while parking is on and 0 while it is off.
 * Bounds: park and unpark O(1) (inline, mm/buddy_internal.h); a flush
 * O(BUDDY_NPARKED * BUDDY_MAX_ORDER); the counts O(BUDDY_NPARKED).
 * Metadata: the array in struct buddy, two words per entry.
 * Read after: mm/buddy.c.  Tests: mm/buddy_park_test.c.
 */
#include "buddy_internal.h"

/*
 * Lists every parked page on its zone's lists, oldest first, merging it
 * up as its free would have (b locked), traced as that free (a page is
 * parked only while traces are off).  Returns how many there were.
 */
size_t
buddy_flush_locked(struct buddy *b)
{
    size_t n = b->nparked;
    unsigned i;

    for (i = 0; i < n; i++) {
        struct buddy_zone *z = b->parked[i].zone;
        uintptr_t pfn = z->pfns.first + b->parked[i].index;

        buddy_trace(b, "free", z, pfn, 0);
        buddy_merge_up(b, z, pfn, 0);
    }
    b->nparked = 0;
    return n;
}

/* buddy_flush_locked with b locked here; the pages it listed. */
size_t
buddy_flush(struct buddy *b)
{
    size_t n;

    mm_lock(&b->lock);
    n = buddy_flush_locked(b);
    mm_unlock(&b->lock);
    return n;
}

/*
 * Turns parking on (order-0 frees park, up to BUDDY_NPARKED) or off
 * (what is parked is listed first).  A new buddy has it off.
 */
void
buddy_set_parking(struct buddy *b, bool on)
{
    mm_lock(&b->lock);
    b->park_max = on ? BUDDY_NPARKED : 0;
    if (!on)
        buddy_flush_locked(b);
    mm_unlock(&b->lock);
}

/* Pages parked in zone z. */
size_t
buddy_parked_in(const struct buddy *b, const struct buddy_zone *z)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < b->nparked; i++)
        n += b->parked[i].zone == z;
    return n;
}

size_t
buddy_parked_pages(const struct buddy *b)
{
    return b->nparked;
}

/*
 * "buddy: parked: 3 of 32 order-0 pages" while parking is on or a page
 * is parked; nothing for a buddy that never parks.
 */
void
buddy_print_parked(const struct buddy *b)
{
    if (b->park_max != 0 || b->nparked != 0)
        mm_print("buddy: parked: %u of %u order-0 pages\n", b->nparked,
                 (unsigned)BUDDY_NPARKED);
}
