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
 * list (mm/list.h) whose links live in the free pages themselves, so a
 * buddy is unlinked in O(1) when it merges.
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
 * Metadata: 2 bytes per page (2/4096 = 0.049% of the memory managed):
 * the state byte, and an owner byte that the layer holding a block
 * writes (mm/pagesrc.h) and that a free clears on the block's first
 * page; list links live in the free pages; struct buddy holds the zones
 * themselves (its size is printed by the buddy.sizes test).
 * Read after: mm/port.h, mm/list.h, mm/table.h, mm/pagesrc.h.
 * Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/* ---- allocation ----------------------------------------------------- */

/*
 * Splits the free order-k block at pfn down to order want: each step
 * keeps the lower half and frees the upper one, e.g. taking order 0 from
 * a free order-2 block at pfn 8 frees 10 (order 1), then 9 (order 0).
 */
static MM_INLINE void
split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
           unsigned k, unsigned want)
{
    while (k > want) {
        uintptr_t upper;

        k--;
        upper = pfn + ((uintptr_t)1 << k);
        list_push(z, upper, k);
        buddy_trace(b, "split", z, pfn, k + 1);
    }
}

void
buddy_split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                 unsigned k, unsigned want)
{
    split_down(b, z, pfn, k, want);
}

/*
 * Takes an order-want block from zone z into *pfnp; false if z has none.
 * (A flag, not pfn 0, says "none": page 0 may belong to a zone.)
 */
static MM_INLINE bool
zone_take(struct buddy *b, struct buddy_zone *z, unsigned want,
          uintptr_t *pfnp)
{
    unsigned mask = z->free_mask >> want, k;
    uintptr_t pfn;

    if (mask == 0)
        return false;
    k = want + (unsigned)__builtin_ctz(mask);   /* lowest non-empty order */
    pfn = (uintptr_t)z->free[k].next / MM_PAGE;
    list_unlink(z, pfn, k);
    if (MM_UNLIKELY(b->poison))
        buddy_poison_check(b, pfn, k);  /* reported; the block is used */
    split_down(b, z, pfn, k, want);
    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
    b->free_pages -= (size_t)1 << want;
    b->nallocs++;
    buddy_trace(b, "alloc", z, pfn, want);
    *pfnp = pfn;
    return true;
}

/*
 * The body of buddy_alloc, with b locked and order valid: a block, or
 * NULL when no zone has one (the caller counts it or reclaims).
 */
static MM_INLINE void *
alloc_locked(struct buddy *b, unsigned order)
{
    uintptr_t pfn = 0;
    bool found = false;
    unsigned i;

    /* LAB: buddy_alloc */
    for (i = 0; i < b->nzones && !found; i++)
        found = zone_take(b, zone_at(b, i), order, &pfn);
    /* LAB END */
    return found ? (void *)pfn_addr(pfn) : NULL;
}

void *
buddy_alloc_locked(struct buddy *b, unsigned order)
{
    return alloc_locked(b, order);
}

/*
 * Allocates 2^order contiguous pages, naturally aligned; returns NULL
 * when order is above BUDDY_MAX_ORDER (BUDDY_ERR_ORDER) or when no zone
 * has a large enough block even after the reclaimers gave pages back
 * (mm/buddy_reclaim.c; counted as nomem).  Zones are tried lowest
 * address first.
 */
void *
buddy_alloc(struct buddy *b, unsigned order)
{
    void *p;

    if (order > BUDDY_MAX_ORDER) {
        buddy_fail(b, BUDDY_ERR_ORDER, order);
        return NULL;
    }
    mm_lock(&b->lock);
    p = alloc_locked(b, order);
    if (MM_UNLIKELY(p == NULL))
        p = buddy_alloc_reclaim(b, order);
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
 * for the others).  Called with b locked.
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
 * Frees the order-k block at pfn in zone z, merging it with its buddy
 * while the buddy is a free block of the same order inside the zone:
 * free pfn 9 (order 0) with 8 free: merge into 8 (order 1); if 10 is a
 * free order-1 block, merge again into 8 (order 2); and so on.
 */
static MM_INLINE void
free_and_merge(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
               unsigned k)
{
    b->free_pages += (size_t)1 << k;
    /* LAB: buddy_merge */
    while (k < BUDDY_MAX_ORDER) {
        uintptr_t buddy = buddy_of(pfn, k);

        if (!zone_has(z, buddy) ||
            *meta_of(z, buddy) != (uint8_t)(META_FREE | k))
            break;
        list_unlink(z, buddy, k);
        buddy_trace(b, "merge", z, pfn < buddy ? pfn : buddy, k + 1);
        if (buddy < pfn) {
            *meta_of(z, pfn) = META_TAIL;
            pfn = buddy;
        } else {
            *meta_of(z, buddy) = META_TAIL;
        }
        if (b->poison)      /* the old links become plain free bytes */
            buddy_poison_range(pfn_link(buddy_of(pfn, k)),
                               sizeof(struct mm_list));
        k++;
    }
    /* LAB END */
    list_push(z, pfn, k);
}

/* Frees the order-k block at addr in zone z, found by block_lookup. */
static MM_INLINE void
free_locked(struct buddy *b, struct buddy_zone *z, void *addr, unsigned k)
{
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;

    buddy_trace(b, "free", z, pfn, k);
    *owner_of(z, pfn) = MM_OWNER_NONE;  /* no layer holds it any more */
    b->nfrees++;
    if (b->poison)
        buddy_poison_range(addr, MM_PAGE << k);
    free_and_merge(b, z, pfn, k);
}

void
buddy_free_locked(struct buddy *b, struct buddy_zone *z, void *addr,
                  unsigned order)
{
    free_locked(b, z, addr, order);
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
    struct buddy_zone *z = NULL;
    unsigned order = 0;
    enum buddy_err err;

    mm_lock(&b->lock);
    err = block_lookup(b, (uintptr_t)addr, BUDDY_ERR_DOUBLE_FREE, &z,
                       &order);
    if (err == BUDDY_OK)
        free_locked(b, z, addr, order);
    mm_unlock(&b->lock);
    return err;
}
