/*
 * mm/buddy_resize.c - resizing an allocated block, and sizes in bytes.
 *
 * A block shrinks in place by giving back its upper halves, as an
 * allocation splits a free block; it grows in place when the buddies
 * that follow it are free blocks of the right orders; otherwise it
 * moves.  All of it - the look, the change, and a move's copy - happens
 * under one hold of the lock, so no other caller can free or take the
 * block in between.
 *
 * Invariant: those of mm/buddy.c; a resize that fails changes nothing
 * but an error counter.
 * Bounds: O(BUDDY_MAX_ORDER) in place; a move adds an
 * allocation and a copy of the old block.
 * Metadata: none.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

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

/*
 * Allocates the smallest block holding size_bytes, as buddy_alloc; NULL
 * with BUDDY_ERR_SIZE for a size buddy_order_for refuses.
 */
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

/*
 * The size in bytes of the allocated block that starts at addr, or 0 if
 * addr starts no allocated block (the reason is counted as an error).
 */
size_t
buddy_size(struct buddy *b, const void *addr)
{
    struct buddy_zone *z;
    unsigned order = 0;
    size_t size = 0;

    mm_lock(&b->lock);
    if (buddy_lookup(b, (uintptr_t)addr, BUDDY_ERR_NOT_ALLOCATED, &z,
                     &order) == BUDDY_OK)
        size = MM_PAGE << order;
    mm_unlock(&b->lock);
    return size;
}

/*
 * Can the order-k block at pfn grow in place to order want?  Only if it
 * is aligned for the bigger block and each buddy that follows it - at
 * pfn + 2^k, pfn + 2^(k+1), ... - is a free block of exactly that order
 * inside the zone.  O(want - k).
 */
static bool
can_grow(const struct buddy_zone *z, uintptr_t pfn, unsigned k,
         unsigned want)
{
    if ((pfn & (((uintptr_t)1 << want) - 1)) != 0)
        return false;
    for (; k < want; k++) {
        uintptr_t next = pfn + ((uintptr_t)1 << k);

        if (!zone_has(z, next) ||
            *meta_of(z, next) != (uint8_t)(META_FREE | k))
            return false;
    }
    return true;
}

/*
 * Absorbs the free buddies that follow the order-k block at pfn until it
 * has order want (can_grow said they are there).  With poisoning on,
 * each absorbed block is checked like a block handed out by alloc.
 */
static void
grow_in_place(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
              unsigned k, unsigned want)
{
    for (; k < want; k++) {
        uintptr_t next = pfn + ((uintptr_t)1 << k);

        list_unlink(z, next, k);
        if (b->poison)
            buddy_poison_check(b, next, k);
        *meta_of(z, next) = META_TAIL;
        buddy_trace(b, "merge", z, pfn, k + 1);
    }
    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
}

/*
 * Gives back the upper halves of an order-k block down to order want,
 * as an allocation splits a free block.  Nothing can merge: each upper
 * half's buddy is the lower half, which stays allocated.
 */
static void
shrink_in_place(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                unsigned k, unsigned want)
{
    if (b->poison)
        buddy_poison_range((void *)pfn_addr(pfn + ((uintptr_t)1 << want)),
                           (MM_PAGE << k) - (MM_PAGE << want));
    buddy_split_down(b, z, pfn, k, want);
    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
}

/*
 * Moves the order-k block at *addrp in zone z to a new order-want
 * block: allocates, copies, frees the old one, with b locked.
 * BUDDY_NOMEM (counted here) leaves *addrp as it was; a resize does not
 * reclaim, as it holds the lock from the look to the copy.
 */
static enum buddy_err
grow_by_move(struct buddy *b, struct buddy_zone *z, void **addrp,
             unsigned k, unsigned want)
{
    void *fresh = buddy_alloc_locked(b, want);

    if (fresh == NULL) {
        b->nerr[BUDDY_NOMEM]++;
        return BUDDY_NOMEM;
    }
    mm_memcpy(fresh, *addrp, MM_PAGE << k);
    buddy_free_locked(b, z, *addrp, k);
    *addrp = fresh;
    return BUDDY_OK;
}

/*
 * Resizes the allocated block at *addrp to hold new_size_bytes: shrinks
 * in place, grows in place when the following buddies are free, else
 * allocates, copies and frees.  On BUDDY_OK *addrp holds the block's
 * (possibly new) address.  BUDDY_NOMEM leaves the old block untouched.
 * Errors: those of buddy_free (a free block is BUDDY_ERR_NOT_ALLOCATED),
 * and BUDDY_ERR_SIZE for a size of 0 or above the largest block.
 */
enum buddy_err
buddy_resize(struct buddy *b, void **addrp, size_t new_size_bytes)
{
    int want = buddy_order_for(new_size_bytes);
    uintptr_t pfn = (uintptr_t)*addrp >> MM_PAGE_SHIFT;
    struct buddy_zone *z = NULL;
    enum buddy_err err;
    unsigned k = 0;

    mm_lock(&b->lock);
    err = buddy_lookup(b, (uintptr_t)*addrp, BUDDY_ERR_NOT_ALLOCATED, &z,
                       &k);
    if (err == BUDDY_OK && want < 0)
        err = buddy_fail(b, BUDDY_ERR_SIZE, (uintptr_t)new_size_bytes);
    else if (err == BUDDY_OK && (unsigned)want < k)
        shrink_in_place(b, z, pfn, k, (unsigned)want);
    else if (err == BUDDY_OK && (unsigned)want > k) {
        buddy_flush_locked(b);          /* a parked buddy may be needed */
        if (can_grow(z, pfn, k, (unsigned)want))
            grow_in_place(b, z, pfn, k, (unsigned)want);
        else
            err = grow_by_move(b, z, addrp, k, (unsigned)want);
    }
    mm_unlock(&b->lock);
    return err;
}
