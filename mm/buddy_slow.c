/*
 * mm/buddy_slow.c - the buddy's cold paths: what the fast paths of
 * mm/buddy.c pass on.
 *
 * The fast alloc and free test one thing each way out: an order above
 * BUDDY_MAX_ORDER, no free block, or the debug flags for an alloc; for
 * a free, one folded compare of the address and its state byte.  Every
 * case that fails the test lands here, through one hook each
 * (buddy_alloc_slow, buddy_free_slow), and is worked out step by step:
 * which error it is (counted by buddy_fail), or an allocation or free
 * with traces and poison (the core's own functions, compiled with
 * debug on), or an allocation that lists the parked pages and then
 * asks the reclaimers (mm/buddy_reclaim.c).  A parked page's state has
 * the FREE bit, so freeing it again is a double free.  buddy_lookup, the checks one by one, also
 * serves resize and size-of.
 *
 * Invariant: those of mm/buddy.c; an error changes nothing but its
 * counter.
 * Bounds: O(BUDDY_MAX_ORDER) plus, for an allocation that finds no
 * block, O(BUDDY_NPARKED * BUDDY_MAX_ORDER) to list the parked pages
 * and what the reclaimers do; poisoning adds a fill or a scan of
 * the block.
 * Metadata: none.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/*
 * Finds the allocated block that starts at addr: its zone and order.
 * Returns BUDDY_OK, or the error that says why addr is no such block
 * (counted and, in debug mode, reported; free_err is what a free head
 * means to the caller: a double free for buddy_free, "not allocated"
 * for the others).  Called with b locked.  The checks, one by one, in
 * the order that names the error; the fast free folds them.
 */
/* Lab 3: which error a bad address is */
enum buddy_err
buddy_lookup(struct buddy *b, uintptr_t addr, enum buddy_err free_err,
             struct buddy_zone **zp, unsigned *orderp)
{
    uintptr_t pfn = addr >> MM_PAGE_SHIFT;
    struct buddy_zone *z;
    uint8_t m;

    if ((addr & (MM_PAGE - 1)) != 0)
        return buddy_fail(b, zone_find(b, pfn) ? BUDDY_ERR_MISALIGNED
                                               : BUDDY_ERR_FOREIGN, addr);
    z = zone_find(b, pfn);
    if (z == NULL)
        return buddy_fail(b, BUDDY_ERR_FOREIGN, addr);
    m = *meta_of(z, pfn);
    if (m & META_FREE)
        return buddy_fail(b, free_err, addr);
    if ((m & META_ALLOC) == 0)
        return buddy_fail(b, m & META_RSVD ? BUDDY_ERR_FOREIGN
                                           : BUDDY_ERR_INTERIOR, addr);
    *zp = z;
    *orderp = m & META_ORDER;
    return BUDDY_OK;
}

/*
 * Frees the order-k block at addr in zone z, found valid, with b locked:
 * the fast free's steps (mm/buddy.c), with traces and poison.
 */
void
buddy_free_locked(struct buddy *b, struct buddy_zone *z, void *addr,
                  unsigned order)
{
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;

    buddy_trace(b, "free", z, pfn, order);
    *owner_of(z, pfn) = MM_OWNER_NONE;
    b->nfrees++;
    if (b->poison)
        buddy_poison_range(addr, MM_PAGE << order);
    buddy_merge_up(b, z, pfn, order);
}

/*
 * The body of buddy_alloc, with b locked and order valid, with traces
 * and poison: a block from the lowest zone that has one (mm/buddy.c), or
 * NULL when none has (the caller counts it or reclaims).
 */
void *
buddy_alloc_locked(struct buddy *b, unsigned order)
{
    unsigned i;

    for (i = 0; i < b->nzones; i++) {
        struct buddy_zone *z = zone_at(b, i);

        if ((z->free_mask >> order) != 0)
            return buddy_zone_take(b, z, order);
    }
    return NULL;
}

/*
 * The slow end of buddy_alloc, with b locked: a bad order (refused), an
 * allocation with traces or poison, or one that found no block and
 * reclaims.
 */
void *
buddy_alloc_slow(struct buddy *b, unsigned order)
{
    void *p;

    if (order > BUDDY_MAX_ORDER) {
        buddy_fail(b, BUDDY_ERR_ORDER, order);
        return NULL;
    }
    p = buddy_alloc_locked(b, order);
    if (p == NULL && buddy_flush_locked(b) != 0)    /* parked pages merge */
        p = buddy_alloc_locked(b, order);
    return p != NULL ? p : buddy_alloc_reclaim(b, order);
}

/*
 * The slow end of a free, with b locked: says why addr is no allocated
 * block (counted), or, for a block that the fast path passed on (traces
 * or poison on, or a zone that shares its map chunk), frees it.  order
 * is the order the caller named, or -1 for "the block's own".
 */
enum buddy_err
buddy_free_slow(struct buddy *b, uintptr_t addr, int order)
{
    struct buddy_zone *z = NULL;
    unsigned k = 0;
    enum buddy_err err;

    err = buddy_lookup(b, addr, BUDDY_ERR_DOUBLE_FREE, &z, &k);
    if (err == BUDDY_OK && order >= 0 && k != (unsigned)order)
        err = buddy_fail(b, BUDDY_ERR_ORDER, addr);
    if (err == BUDDY_OK)
        buddy_free_locked(b, z, (void *)addr, k);
    return err;
}
