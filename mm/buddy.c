/*
 * mm/buddy.c - binary buddy page allocator: the algorithm.
 *
 * Hands out 2^order contiguous 4 KiB pages (order 0..BUDDY_MAX_ORDER)
 * from one or more zones and takes them back by address alone.
 *
 * Pages are named by their page frame number, pfn = address >> 12.  An
 * order-k block starts on a pfn that is a multiple of 2^k, and its buddy
 * (the other half of the order-(k+1) block they form) is found by
 * flipping bit k:  buddy of pfn 8 at order 1 is 8 ^ 2 = 10;  of pfn 10,
 * 10 ^ 2 = 8.  Because alignment is absolute, not relative to the zone,
 * every block is naturally aligned in memory.
 *
 * Each zone keeps one state byte per page (mm/buddy_internal.h): FREE
 * or ALLOC with the order on a block's first page, TAIL on its other
 * pages, RSVD on pages never handed out.  Only a block's first page
 * holds a head byte, so a free by address tells at once whether the
 * address is a block at all, which order it has, and whether it is free
 * already.  Free blocks of each order sit on a circular doubly linked
 * list whose links - two 32-bit page indices per page - sit in a dense
 * array beside the state bytes, so a buddy is unlinked in O(1) when it
 * merges, and no free page is read or written (a free page's memory is
 * cold; a dense array of 8 bytes a page mostly stays in the cache).
 *
 * This file holds split, merge, alloc, free and the lookup of a block.
 * Beside it: zones and queries (mm/buddy_zone.c), resizing
 * (mm/buddy_resize.c), errors, traces and poisoning (mm/buddy_debug.c,
 * each called through one hook below), reports (mm/buddy_report.c) and
 * the checker (mm/buddy_check.c).
 *
 * Invariant: each managed page lies in exactly one block, free or in
 * use; a page holds a head byte exactly when it starts a block; a free
 * block of order k is on list k of its zone; no two free buddies of the
 * same order coexist (they would have merged); blocks never cross a
 * zone's edge, so nothing merges across zones or holes in the map.
 * Bounds: alloc is O(zones + BUDDY_MAX_ORDER): one mask test per zone
 * without a large enough block, then at most BUDDY_MAX_ORDER splits in
 * the zone that has one.  Free and size-of are O(log zones +
 * BUDDY_MAX_ORDER): a binary search for the address's zone, then at most
 * BUDDY_MAX_ORDER merges.  Every list operation is O(1).  Only zone
 * set-up, buddy_check() and the picture walk pages.  Poisoning, when
 * on, costs a fill or a scan of the block.
 * Metadata: 10 bytes per page (10/4096 = 0.24% of the memory managed):
 * the state byte, an owner byte that the layer holding a block writes
 * (mm/pagesrc.h) and that a free clears on the block's first page, and
 * the list links (8 bytes); struct buddy holds the zones themselves
 * (its size is printed by the buddy.sizes test).
 * Read after: mm/port.h, mm/table.h, mm/pagesrc.h.
 * Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/*
 * Each operation has one fast path and one slow path, written once: the
 * functions below take a constant "debug" and are compiled twice.  With
 * debug false (the fast path) traces and poison vanish; the slow path,
 * out of line, runs the same steps with them.  One test of the
 * allocator's flags (buddy_debugging) picks the path.
 */

/* ---- allocation ----------------------------------------------------- */

/*
 * Splits the free order-k block at pfn down to order want: each step
 * keeps the lower half and frees the upper one, e.g. taking order 0 from
 * a free order-2 block at pfn 8 frees 10 (order 1), then 9 (order 0).
 */
static MM_INLINE void
split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
           unsigned k, unsigned want, bool debug)
{
    while (k > want) {
        uintptr_t upper;

        k--;
        upper = pfn + ((uintptr_t)1 << k);
        list_push(z, upper, k);
        if (debug)
            buddy_trace(b, "split", z, pfn, k + 1);
    }
}

void
buddy_split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                 unsigned k, unsigned want)
{
    split_down(b, z, pfn, k, want, buddy_debugging(b));
}

/*
 * The fast path's split, out of line: taking a block of the exact order
 * then needs no spare registers.  Returns the block's address.
 */
static MM_NOINLINE void *
split_fast(struct buddy_zone *z, uintptr_t pfn, unsigned k, unsigned want)
{
    split_down(NULL, z, pfn, k, want, false);
    return (void *)pfn_addr(pfn);
}

/*
 * Takes an order-want block from zone z, whose free lists of order want
 * and up are not all empty: mask is free_mask >> want, nonzero.
 */
static MM_INLINE void *
zone_take(struct buddy *b, struct buddy_zone *z, unsigned want,
          unsigned mask, bool debug)
{
    unsigned k = want + (unsigned)__builtin_ctz(mask);  /* lowest order
                                                           with a block */
    uintptr_t pfn = list_pop(z, k);
    void *block = (void *)pfn_addr(pfn);

    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
    b->nallocs++;
    if (!debug)
        return k > want ? split_fast(z, pfn, k, want) : block;
    if (b->poison)
        buddy_poison_check(b, pfn, k);  /* reported; the block is used */
    split_down(b, z, pfn, k, want, true);
    buddy_trace(b, "alloc", z, pfn, want);
    return block;
}

/*
 * The body of buddy_alloc, with b locked and order valid: a block from
 * the lowest zone that has one, or NULL when none has (the caller
 * counts it or reclaims).  Bit k of a zone's free_mask says list k is
 * not empty, so one shift tells whether any list of order >= order is.
 */
static MM_INLINE void *
alloc_locked(struct buddy *b, unsigned order, bool debug)
{
    unsigned i;

    /* LAB: buddy_alloc */
    for (i = 0; i < b->nzones; i++) {
        struct buddy_zone *z = zone_at(b, i);
        unsigned mask = z->free_mask >> order;

        if (mask != 0)
            return zone_take(b, z, order, mask, debug);
    }
    return NULL;
    /* LAB END */
}

void *
buddy_alloc_locked(struct buddy *b, unsigned order)
{
    return alloc_locked(b, order, buddy_debugging(b));
}

/*
 * The slow end of buddy_alloc, with b locked: a bad order (refused), an
 * allocation with traces or poison, or one that found no block and
 * reclaims.  Out of line, so the fast path stays short.
 */
static MM_COLD void *
alloc_slow(struct buddy *b, unsigned order)
{
    void *p;

    if (order > BUDDY_MAX_ORDER) {
        buddy_fail(b, BUDDY_ERR_ORDER, order);
        return NULL;
    }
    p = alloc_locked(b, order, buddy_debugging(b));
    return p != NULL ? p : buddy_alloc_reclaim(b, order);
}

/*
 * Allocates 2^order contiguous pages, naturally aligned; returns NULL
 * when order is above BUDDY_MAX_ORDER (BUDDY_ERR_ORDER) or when no zone
 * has a large enough block even after the reclaimers gave pages back
 * (mm/buddy_reclaim.c; counted as nomem).  Zones are tried lowest
 * address first.
 */
/* A block that must be split, for the fast path: out of line. */
static MM_NOINLINE void *
take_split(struct buddy *b, struct buddy_zone *z, unsigned order)
{
    return zone_take(b, z, order, z->free_mask >> order, false);
}

/*
 * alloc_locked without the debug aids, and what it finds no block for
 * passed straight to alloc_slow.  A block of the exact order is taken
 * inline (mask 1: the lowest order with a block is order itself); one
 * that needs a split out of line.  The zone table ends with no_zone,
 * which has no free block, so the loop needs no count.
 */
static MM_INLINE void *
alloc_fast(struct buddy *b, unsigned order)
{
    struct mm_range *const *r;

    if (MM_LIKELY(order <= BUDDY_MAX_ORDER && !buddy_debugging(b)))
        for (r = b->by_addr; ; r++) {
            struct buddy_zone *z = zone_of_range(*r);

            if (MM_LIKELY(z->nfree[order] != 0))
                return zone_take(b, z, order, 1, false);
            if ((z->free_mask >> order) != 0)
                return take_split(b, z, order);
            if (z == &b->no_zone)
                break;
        }
    return alloc_slow(b, order);
}

void *
buddy_alloc(struct buddy *b, unsigned order)
{
    void *p;

    mm_lock(&b->lock);
    p = alloc_fast(b, order);
    mm_unlock(&b->lock);
    return p;
}

/*
 * The order of the smallest block holding size_bytes, or -1 for 0 bytes
 * and sizes above the largest block (the rounding would overflow).
 */
int
buddy_order_for(size_t size_bytes)
{
    int order = 0;

    if (size_bytes == 0 || size_bytes > (MM_PAGE << BUDDY_MAX_ORDER))
        return -1;
    while ((MM_PAGE << order) < size_bytes)
        order++;
    return order;
}

void *
buddy_alloc_bytes(struct buddy *b, size_t size_bytes)
{
    int order = buddy_order_for(size_bytes);

    if (order < 0) {
        buddy_fail(b, BUDDY_ERR_SIZE, (uintptr_t)size_bytes);
        return NULL;
    }
    return buddy_alloc(b, (unsigned)order);
}

/* ---- lookup of an allocated block ----------------------------------- */

/*
 * Finds the allocated block that starts at addr: its zone and order.
 * Returns BUDDY_OK, or the error that says why addr is no such block
 * (counted and, in debug mode, reported; free_err is what a free head
 * means to the caller: a double free for buddy_free, "not allocated"
 * for the others).  Called with b locked.  The checks, one by one, in
 * the order that names the error; the fast free folds them.
 */
static MM_INLINE enum buddy_err
block_lookup(struct buddy *b, uintptr_t addr, enum buddy_err free_err,
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

enum buddy_err
buddy_lookup(struct buddy *b, uintptr_t addr, enum buddy_err free_err,
             struct buddy_zone **zp, unsigned *orderp)
{
    return block_lookup(b, addr, free_err, zp, orderp);
}

/* ---- free ----------------------------------------------------------- */

/*
 * The state byte an order-k block's buddy has when the two can merge:
 * FREE | k, except at BUDDY_MAX_ORDER, where nothing merges, so no
 * state byte matches (0xFF is no state).  A table lookup replaces a
 * test of k.
 */
static const uint8_t merge_state[BUDDY_NORDERS] = {
    META_FREE | 0, META_FREE | 1, META_FREE | 2, META_FREE | 3,
    META_FREE | 4, META_FREE | 5, META_FREE | 6, META_FREE | 7,
    META_FREE | 8, META_FREE | 9, 0xFF,
};
MM_STATIC_ASSERT(BUDDY_MAX_ORDER == 10, "merge_state has one per order");

/*
 * Is the buddy of the order-k block at pfn a free order-k block of z?
 * Its index in the zone, unsigned, is below npages exactly when the
 * buddy lies in the zone (one below the first page wraps to a huge one).
 */
static MM_INLINE bool
buddy_is_free(const struct buddy_zone *z, uintptr_t pfn, unsigned k)
{
    uintptr_t i = buddy_of(pfn, k) - z->pfns.first;

    return i < z->npages && z->meta[i] == merge_state[k];
}

/*
 * Frees the order-k block at pfn in zone z, merging it with its buddy
 * while the buddy is a free block of the same order inside the zone:
 * free pfn 9 (order 0) with 8 free: merge into 8 (order 1); if 10 is a
 * free order-1 block, merge again into 8 (order 2); and so on.
 */
static MM_INLINE void
merge_up(struct buddy *b, struct buddy_zone *z, uintptr_t pfn, unsigned k,
         bool debug)
{
    /* LAB: buddy_merge */
    while (buddy_is_free(z, pfn, k)) {
        uintptr_t buddy = buddy_of(pfn, k);

        list_unlink(z, buddy, k);
        if (debug)
            buddy_trace(b, "merge", z, pfn & buddy, k + 1);
        *meta_of(z, pfn | buddy) = META_TAIL;   /* the upper half */
        pfn &= buddy;                           /* the lower half */
        k++;
    }
    /* LAB END */
    list_push(z, pfn, k);
}

/*
 * The fast path's merge, out of line as split_fast, for the frees that
 * merge at all; returns BUDDY_OK for the fast free to pass on.
 */
static MM_NOINLINE enum buddy_err
merge_fast(struct buddy_zone *z, uintptr_t pfn, unsigned k)
{
    merge_up(NULL, z, pfn, k, false);
    return BUDDY_OK;
}

/* Frees the order-k block at pfn in zone z, found valid. */
static MM_INLINE void
free_locked(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
            unsigned k, bool debug)
{
    if (debug)
        buddy_trace(b, "free", z, pfn, k);
    *owner_of(z, pfn) = MM_OWNER_NONE;  /* no layer holds it any more */
    b->nfrees++;
    if (debug && b->poison)
        buddy_poison_range((void *)pfn_addr(pfn), MM_PAGE << k);
    merge_up(b, z, pfn, k, debug);
}

void
buddy_free_locked(struct buddy *b, struct buddy_zone *z, void *addr,
                  unsigned order)
{
    free_locked(b, z, (uintptr_t)addr >> MM_PAGE_SHIFT, order,
                buddy_debugging(b));
}

/*
 * The slow end of a free, with b locked: says why addr is no allocated
 * block (counted), or, for a block that the fast path passed on (traces
 * or poison on, or a zone that shares its map chunk), frees it.  order
 * is the order the caller named, or -1 for "the block's own".
 */
static MM_COLD enum buddy_err
free_slow(struct buddy *b, uintptr_t addr, int order)
{
    struct buddy_zone *z = NULL;
    unsigned k = 0;
    enum buddy_err err;

    err = block_lookup(b, addr, BUDDY_ERR_DOUBLE_FREE, &z, &k);
    if (err == BUDDY_OK && order >= 0 && k != (unsigned)order)
        err = buddy_fail(b, BUDDY_ERR_ORDER, addr);
    if (err == BUDDY_OK)
        free_locked(b, z, addr >> MM_PAGE_SHIFT, k, buddy_debugging(b));
    return err;
}

/*
 * The fast free: finds the zone through the map (zone_guess), then one
 * test covers every way addr can fail to start an allocated block - not
 * page aligned, no zone, a state byte that is not "allocated" (free,
 * tail, reserved) or, when order >= 0, of another order - and the
 * debug flags.  Any of them sends the free to free_slow, which works out
 * which it was.  With b locked.
 */
static MM_INLINE enum buddy_err
free_checked(struct buddy *b, uintptr_t addr, int order)
{
    uintptr_t pfn = addr >> MM_PAGE_SHIFT, m, k, i;
    struct buddy_zone *z = zone_guess(b, pfn);
    uintptr_t mask = order < 0 ? 0xF0u : 0xFFu;
    uintptr_t want = order < 0 ? META_ALLOC : META_ALLOC | (unsigned)order;

    if (MM_UNLIKELY(z == NULL))
        return free_slow(b, addr, order);
    m = *meta_of(z, pfn);
    if (MM_UNLIKELY(((addr & (MM_PAGE - 1)) | ((m & mask) ^ want) |
                     buddy_debug_flags(b)) != 0))
        return free_slow(b, addr, order);
    k = m & META_ORDER;
    b->nfrees++;                        /* as free_locked, without the */
    i = pfn - z->pfns.first;            /* debug aids */
    z->owner[i] = MM_OWNER_NONE;
    if (buddy_is_free(z, pfn, (unsigned)k))
        return merge_fast(z, pfn, (unsigned)k);
    list_push_index(z, i, (unsigned)k);
    return BUDDY_OK;
}

/*
 * Frees the block that starts at addr; the allocator finds its order.
 * Errors: BUDDY_ERR_FOREIGN (in no zone, or a reserved page),
 * BUDDY_ERR_MISALIGNED, BUDDY_ERR_INTERIOR (not a block's first page),
 * BUDDY_ERR_DOUBLE_FREE.  An error changes nothing but its counter.
 */
enum buddy_err
buddy_free(struct buddy *b, void *addr)
{
    enum buddy_err err;

    mm_lock(&b->lock);
    err = free_checked(b, (uintptr_t)addr, -1);
    mm_unlock(&b->lock);
    return err;
}

/*
 * The same, for a caller that names the block's order (the page
 * source): an allocated block of another order is BUDDY_ERR_ORDER,
 * nothing freed.
 */
enum buddy_err
buddy_free_order(struct buddy *b, void *addr, unsigned order)
{
    enum buddy_err err;

    mm_lock(&b->lock);
    if (order <= BUDDY_MAX_ORDER)
        err = free_checked(b, (uintptr_t)addr, (int)order);
    else        /* no block has it: refused after the address checks */
        err = free_slow(b, (uintptr_t)addr, BUDDY_MAX_ORDER + 1);
    mm_unlock(&b->lock);
    return err;
}
