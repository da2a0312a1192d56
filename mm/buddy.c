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
 * 10 ^ 2 = 8.  Alignment is absolute, so every block is aligned in memory.
 *
 * Each zone keeps one state byte per page (mm/buddy_internal.h): FREE
 * or ALLOC with the order on a block's first page, TAIL on its other
 * pages, RSVD on pages never handed out.  So a free by address tells
 * from one byte whether the address starts a block, its order, and
 * whether it is free already.  Free blocks of each order sit on a
 * circular doubly linked list whose links (two 32-bit page indices per
 * page) sit in a dense array beside the state bytes: a buddy is
 * unlinked in O(1) when it merges, and no free page is read or written.
 * While parking is on, an order-0 free is parked instead: state PARKED,
 * pushed on a small array the next order-0 alloc pops (mm/buddy_park.c).
 *
 * This file holds split and alloc, merge, the lookup of a block, and
 * free.  What the fast paths leave out - which error a bad order or
 * address is, reclaim, traces and poison - is in mm/buddy_slow.c,
 * reached through one hook each; docs/README.md maps the rest.
 *
 * Invariant: each managed page lies in exactly one block, free or in
 * use; a page holds a head byte exactly when it starts a block; a free
 * block of order k is on list k of its zone, or (order 0) parked; no
 * two listed free buddies of the same order coexist (they would have
 * merged); blocks never cross a zone's edge.
 * Bounds: alloc is O(zones + BUDDY_MAX_ORDER): one mask test per zone
 * without a large enough block, then at most BUDDY_MAX_ORDER splits.
 * Free is O(BUDDY_MAX_ORDER): the zone map finds the zone in O(1)
 * (mm/buddy_internal.h), then at most BUDDY_MAX_ORDER merges.  A park
 * or unpark is O(1); nothing here walks pages or a free list.
 * Metadata: 10 bytes per page (0.24% of the memory managed): the state
 * byte, an owner byte that the layer holding a block writes
 * (mm/pagesrc.h) and that a free clears on the block's first page, and
 * the list links (8 bytes); struct buddy holds the zones and the array
 * (its size is printed by the buddy.sizes test).
 * Read after: mm/port.h, mm/table.h, mm/pagesrc.h.
 * Tests: mm/buddy_test.c, mm/buddy_park_test.c.
 */
#include "buddy_internal.h"

/* Each step takes a constant "debug": false on the fast path, where its
   traces and poison vanish; the slow path runs it with them (the end). */

/* ---- split and alloc ------------------------------------------------- */

/*
 * Splits the free order-k block at pfn down to order want: each step
 * keeps the lower half and frees the upper one, e.g. taking order 0 from
 * a free order-2 block at pfn 8 frees 10 (order 1), then 9 (order 0).
 */
/* Lab 2: split a free block down to the order asked for */
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

/* The fast path's split, out of line (an exact-order take then needs no
   spare registers); returns the block's address. */
static MM_NOINLINE void *
split_fast(struct buddy_zone *z, uintptr_t pfn, unsigned k, unsigned want)
{
    split_down(NULL, z, pfn, k, want, false);
    return (void *)pfn_addr(pfn);
}

/*
 * Takes an order-want block from zone z, whose free lists of order want
 * and up are not all empty: mask is free_mask >> want, nonzero, and its
 * lowest set bit names k, the lowest order with a block.
 */
static MM_INLINE void *
zone_take(struct buddy *b, struct buddy_zone *z, unsigned want,
          unsigned mask, bool debug)
{
    unsigned k = want + (unsigned)__builtin_ctz(mask);
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

/* A block that must be split, for the fast path: out of line. */
static MM_NOINLINE void *
take_split(struct buddy *b, struct buddy_zone *z, unsigned order)
{
    return zone_take(b, z, order, z->free_mask >> order, false);
}

/*
 * buddy_alloc with b locked: the page parked last for order 0, else a
 * block from the lowest zone that has one.
 * Bit k of free_mask says list k is not empty, so one shift tells if a
 * list of order >= order is.  An exact-order block is taken inline (mask
 * 1: k is order), one to split out of line.  The zone table ends with
 * no_zone, which has no free block, so the loop needs no count.  A bad
 * order, the debug flags or no block at all go to buddy_alloc_slow.
 */
static MM_INLINE void *
alloc_fast(struct buddy *b, unsigned order)
{
    struct mm_range *const *r;

    if (order == 0 && b->nparked != 0 && !buddy_debugging(b))
        return buddy_unpark(b);
    if (MM_LIKELY(order <= BUDDY_MAX_ORDER && !buddy_debugging(b))) {
        for (r = b->by_addr; ; r++) {
            struct buddy_zone *z = zone_of_range(*r);

            if (MM_LIKELY(z->nfree[order] != 0))
                return zone_take(b, z, order, 1, false);
            if ((z->free_mask >> order) != 0)
                return take_split(b, z, order);
            if (z == &b->no_zone)
                break;
        }
    }
    return buddy_alloc_slow(b, order);
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

    mm_lock(&b->lock);
    p = alloc_fast(b, order);
    mm_unlock(&b->lock);
    return p;
}

/* ---- merge and free ------------------------------------------------- */

/* The state of an order-k block's buddy when the two can merge: FREE | k;
   0xFF (no state) at BUDDY_MAX_ORDER, where nothing merges. */
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
/* Lab 2: may this block merge with its buddy? */
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
/* Lab 2: merge a freed block with its buddies, as far as it goes */
static MM_INLINE void
merge_up(struct buddy *b, struct buddy_zone *z, uintptr_t pfn, unsigned k,
         bool debug)
{
    while (buddy_is_free(z, pfn, k)) {
        uintptr_t buddy = buddy_of(pfn, k);     /* pfn ^ 2^k */

        list_unlink(z, buddy, k);
        if (debug)
            buddy_trace(b, "merge", z, pfn & buddy, k + 1);
        *meta_of(z, pfn | buddy) = META_TAIL;   /* the upper half */
        pfn &= buddy;                           /* the lower half */
        k++;
    }
    list_push(z, pfn, k);
}

/* The fast path's merge, out of line as split_fast; returns BUDDY_OK. */
static MM_NOINLINE enum buddy_err
merge_fast(struct buddy_zone *z, uintptr_t pfn, unsigned k)
{
    merge_up(NULL, z, pfn, k, false);
    return BUDDY_OK;
}

/* ---- lookup of a block ---------------------------------------------- */

/*
 * The zone of the allocated block that starts at addr, or NULL.  The
 * zone comes from the map (zone_guess), then one test covers every way
 * addr can fail to start an allocated block - not page aligned, a state
 * byte that is not "allocated" (free, tail, reserved) or, when order >=
 * 0, of another order - and the debug flags.  NULL (no zone, any of
 * those) sends a free to buddy_free_slow, which works out which it was.
 */
/* Lab 3: the one test that addr starts an allocated block */
static MM_INLINE struct buddy_zone *
block_find(const struct buddy *b, uintptr_t addr, int order)
{
    uintptr_t pfn = addr >> MM_PAGE_SHIFT;
    struct buddy_zone *z = zone_guess(b, pfn);
    uintptr_t mask = order < 0 ? 0xF0u : 0xFFu;
    uintptr_t want = order < 0 ? META_ALLOC : META_ALLOC | (unsigned)order;

    if (MM_UNLIKELY(z == NULL))
        return NULL;
    if (MM_UNLIKELY(((addr & (MM_PAGE - 1)) | ((*meta_of(z, pfn) & mask) ^
                     want) | buddy_debug_flags(b)) != 0))
        return NULL;
    return z;
}

/*
 * The free, with b locked: clears the block's owner byte (no layer holds
 * it any more) and merges it up.  Traces and poison are left to
 * buddy_free_slow, as is any addr that block_find refuses.
 */
/* Lab 3: free by address */
static MM_INLINE enum buddy_err
free_checked(struct buddy *b, uintptr_t addr, int order)
{
    uintptr_t pfn = addr >> MM_PAGE_SHIFT, k, i;
    struct buddy_zone *z = block_find(b, addr, order);

    if (MM_UNLIKELY(z == NULL))
        return buddy_free_slow(b, addr, order);
    k = *meta_of(z, pfn) & META_ORDER;
    b->nfrees++;
    i = pfn - z->pfns.first;
    z->owner[i] = MM_OWNER_NONE;
    if (buddy_is_free(z, pfn, (unsigned)k))
        return merge_fast(z, pfn, (unsigned)k);
    list_push_index(z, i, (unsigned)k);
    return BUDDY_OK;
}

/*
 * The free, parking an order-0 block while the array has room (b
 * locked): block_find's one test for order 0 (which also refuses while
 * traces or poison are on), its state becomes PARKED, it is pushed; any
 * other block, or a bad address, goes to free_checked.
 */
static MM_INLINE enum buddy_err
park_or_free(struct buddy *b, uintptr_t addr, int order)
{
    struct buddy_zone *z;

    if (b->nparked >= b->park_max || order > 0 ||
        (z = block_find(b, addr, 0)) == NULL)
        return free_checked(b, addr, order);
    buddy_park(b, z, (addr >> MM_PAGE_SHIFT) - z->pfns.first);
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
    err = park_or_free(b, (uintptr_t)addr, -1);
    mm_unlock(&b->lock);
    return err;
}

/*
 * The same, for a caller that names the block's order (the page
 * source): an allocated block of another order is BUDDY_ERR_ORDER,
 * nothing freed (an order above the largest matches no block).
 */
enum buddy_err
buddy_free_order(struct buddy *b, void *addr, unsigned order)
{
    enum buddy_err err;

    mm_lock(&b->lock);
    err = park_or_free(b, (uintptr_t)addr, order <= BUDDY_MAX_ORDER ?
                       (int)order : BUDDY_MAX_ORDER + 1);
    mm_unlock(&b->lock);
    return err;
}

/* ---- the same steps with b locked, for the aids --------------------- */

/*
 * Each with traces and poison when the flags say so (buddy_debugging):
 * for resize, the slow alloc and the slow free (mm/buddy_slow.c).
 */
void
buddy_split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                 unsigned k, unsigned want)
{
    split_down(b, z, pfn, k, want, buddy_debugging(b));
}

/* Takes an order-order block from z, which has a block that large. */
void *
buddy_zone_take(struct buddy *b, struct buddy_zone *z, unsigned order)
{
    return zone_take(b, z, order, z->free_mask >> order, buddy_debugging(b));
}

void
buddy_merge_up(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
               unsigned k)
{
    merge_up(b, z, pfn, k, buddy_debugging(b));
}
