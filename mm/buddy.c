/*
 * mm/buddy.c - binary buddy page allocator.
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
 * Each zone keeps one byte per page (meta[pfn - first_pfn]):
 *
 *     1000 oooo   FREE  head of a free block of order oooo
 *     0100 oooo   ALLOC head of an allocated block of order oooo
 *     0010 0000   TAIL  any other page of a block
 *     0001 0000   RSVD  never handed out (used prefix, metadata)
 *
 * Only a block's first page holds a head byte, so a free by address
 * tells at once whether the address is a block at all, which order it
 * has, and whether it is free already.  Free blocks of each order sit on
 * a circular doubly linked list whose links live in the free pages
 * themselves, so a buddy is unlinked in O(1) when it merges.
 *
 * Invariant: each managed page lies in exactly one block, free or in
 * use; a page holds a head byte exactly when it starts a block; a free
 * block of order k is on list k of its zone; no two free buddies of the
 * same order coexist (they would have merged); blocks never cross a
 * zone's edge, so nothing merges across zones or holes in the map.
 * Bounds: alloc is O(zones + BUDDY_MAX_ORDER): one mask test per zone
 * without a large enough block, then at most BUDDY_MAX_ORDER splits in
 * the zone that has one.  Free, size-of and resize in place are
 * O(log zones + BUDDY_MAX_ORDER): a binary search for the address's zone
 * (zones are kept sorted by address), then at most BUDDY_MAX_ORDER
 * merges.  Every list operation is O(1).  Only zone set-up, buddy_check() and the picture walk
 * pages.  Poisoning, when on, costs a fill or a scan of the block.
 * Metadata: 1 byte per page (1/4096 = 0.024% of the memory managed);
 * list links live in the free pages; struct buddy is about 7 KiB.
 * Read after: mm/port.h, mm/pagesrc.h.  Tests: mm/buddy_test.c.
 */
#include "buddy.h"

#define META_FREE       0x80u
#define META_ALLOC      0x40u
#define META_TAIL       0x20u
#define META_RSVD       0x10u
#define META_ORDER      0x0Fu

/* The byte freed pages are filled with when poisoning is on. */
#define BUDDY_POISON    0x6Bu

MM_STATIC_ASSERT(BUDDY_MAX_ORDER <= META_ORDER, "order must fit 4 bits");
MM_STATIC_ASSERT(BUDDY_NORDERS <= 32, "free_mask is 32 bits");

const char *const buddy_err_name[BUDDY_ERR_COUNT] = {
    [BUDDY_OK] = "ok",
    [BUDDY_NOMEM] = "out of memory",
    [BUDDY_ERR_FOREIGN] = "foreign address",
    [BUDDY_ERR_MISALIGNED] = "misaligned address",
    [BUDDY_ERR_INTERIOR] = "interior address",
    [BUDDY_ERR_DOUBLE_FREE] = "double free",
    [BUDDY_ERR_NOT_ALLOCATED] = "not allocated",
    [BUDDY_ERR_ORDER] = "order too large",
    [BUDDY_ERR_SIZE] = "bad size",
    [BUDDY_ERR_ZONE] = "bad zone",
    [BUDDY_ERR_POISON] = "poison overwritten",
};

/* Counts ERR and, in debug mode, stops naming ADDR. */
static MM_COLD enum buddy_err
buddy_fail(struct buddy *b, enum buddy_err err, uintptr_t addr)
{
    b->nerr[err]++;
    if (mm_switch.debug)
        mm_panic("buddy: %s at 0x%08lx (allocator %s)", buddy_err_name[err],
                 (unsigned long)addr, b->name);
    return err;
}

static MM_INLINE uintptr_t
pfn_addr(uintptr_t pfn)
{
    return pfn << MM_PAGE_SHIFT;
}

static MM_INLINE struct buddy_link *
pfn_link(uintptr_t pfn)
{
    return (struct buddy_link *)pfn_addr(pfn);
}

static MM_INLINE uint8_t *
meta_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->meta[pfn - z->first_pfn];
}

static MM_INLINE bool
zone_has(const struct buddy_zone *z, uintptr_t pfn)
{
    return pfn >= z->first_pfn && pfn - z->first_pfn < z->npages;
}

static MM_INLINE unsigned
zone_index(const struct buddy *b, const struct buddy_zone *z)
{
    return (unsigned)(z - b->zone);
}

static MM_COLD void
trace_print(const struct buddy *b, const char *event,
            const struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    mm_print("trace: buddy %s zone=%u addr=0x%08lx order=%u\n", event,
             zone_index(b, z), (unsigned long)pfn_addr(pfn), order);
}

static MM_INLINE void
trace(const struct buddy *b, const char *event, const struct buddy_zone *z,
      uintptr_t pfn, unsigned order)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_BUDDY))
        trace_print(b, event, z, pfn, order);
}

/* ---- free lists: O(1) push and unlink ------------------------------- */

static MM_INLINE void
list_push(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    struct buddy_link *head = &z->free[order];
    struct buddy_link *l = pfn_link(pfn);

    l->next = head->next;
    l->prev = head;
    head->next->prev = l;
    head->next = l;
    z->nfree[order]++;
    z->free_mask |= 1u << order;
    *meta_of(z, pfn) = (uint8_t)(META_FREE | order);
}

static MM_INLINE void
list_unlink(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    struct buddy_link *l = pfn_link(pfn);

    l->prev->next = l->next;
    l->next->prev = l->prev;
    if (--z->nfree[order] == 0)
        z->free_mask &= ~(1u << order);
}

/* ---- poisoning ------------------------------------------------------ */

/* Fills a free block, all but its links, with the poison byte. */
static void
poison_fill(const struct buddy *b, uintptr_t pfn, unsigned order)
{
    if (b->poison)
        mm_memset((uint8_t *)pfn_addr(pfn) + sizeof(struct buddy_link),
                  BUDDY_POISON,
                  (MM_PAGE << order) - sizeof(struct buddy_link));
}

/* The address of the first byte of a free block that is not poison. */
static MM_COLD uintptr_t
poison_find(uintptr_t pfn, unsigned order)
{
    const uint8_t *p = (const uint8_t *)pfn_addr(pfn);
    size_t i;

    for (i = sizeof(struct buddy_link); i < (MM_PAGE << order); i++)
        if (p[i] != BUDDY_POISON)
            return (uintptr_t)&p[i];
    return 0;
}

/* ---- zones ---------------------------------------------------------- */

/* The zone holding pfn, by binary search over the sorted zones. */
static MM_INLINE struct buddy_zone *
zone_find(const struct buddy *b, uintptr_t pfn)
{
    unsigned lo = 0, hi = b->nzones;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct buddy_zone *z = &b->zone[mid];

        if (pfn < z->first_pfn)
            hi = mid;
        else if (pfn - z->first_pfn >= z->npages)
            lo = mid + 1;
        else
            return (struct buddy_zone *)z;  /* the caller's constness */
    }
    return NULL;
}

/* The largest order a block at pfn may have and still end by end_pfn. */
static unsigned
fit_order(uintptr_t pfn, uintptr_t end_pfn)
{
    unsigned k = 0;

    while (k < BUDDY_MAX_ORDER && (pfn & (((uintptr_t)2 << k) - 1)) == 0 &&
           pfn + ((uintptr_t)2 << k) <= end_pfn)
        k++;
    return k;
}

/*
 * Covers [pfn, end_pfn) with the largest naturally aligned blocks that
 * fit, e.g. pfns 3..17: 3 (order 0), 4-7 (2), 8-15 (3), 16 (1)... all
 * pushed as free.  Each block is poisoned if poisoning is on.
 */
static void
zone_cover(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
           uintptr_t end_pfn)
{
    while (pfn < end_pfn) {
        unsigned k = fit_order(pfn, end_pfn);

        list_push(z, pfn, k);
        poison_fill(b, pfn, k);
        b->free_pages += (size_t)1 << k;
        pfn += (uintptr_t)1 << k;
    }
}

/*
 * Zones are kept by value in a sorted array, and each free list's head
 * lives in its zone, so moving a zone to another slot leaves the first
 * and last free blocks pointing at the old slot.  This points them at
 * the new one.  O(orders) per zone.
 */
static void
zone_relink(struct buddy_zone *z)
{
    unsigned k;

    for (k = 0; k < BUDDY_NORDERS; k++) {
        struct buddy_link *head = &z->free[k];

        if (z->nfree[k] == 0) {
            head->next = head->prev = head;
        } else {
            head->next->prev = head;
            head->prev->next = head;
        }
    }
}

void
buddy_init(struct buddy *b, const char *name)
{
    mm_memset(b, 0, sizeof *b);
    b->name = name;
    b->poison = (mm_switch.poison & MM_POISON_BUDDY) != 0;
}

size_t
buddy_meta_bytes(size_t size_bytes)
{
    return size_bytes / MM_PAGE + 1;
}

/* Where zone z would go in the sorted table, or -1 if it overlaps one. */
static int
zone_slot(const struct buddy *b, uintptr_t first, uintptr_t end)
{
    unsigned i;

    for (i = 0; i < b->nzones; i++) {
        const struct buddy_zone *z = &b->zone[i];

        if (end <= z->first_pfn)
            break;
        if (first < z->first_pfn + z->npages)
            return -1;
    }
    return (int)i;
}

/* Fills in zone z's fields and marks every page reserved or tail. */
static void
zone_setup(struct buddy_zone *z, uintptr_t first, uintptr_t end,
           uint8_t *meta, uintptr_t free_pfn)
{
    unsigned k;

    mm_memset(z, 0, sizeof *z);
    z->first_pfn = first;
    z->npages = end - first;
    z->meta = meta;
    z->meta_bytes = z->npages;
    z->nreserved = free_pfn - first;
    for (k = 0; k < BUDDY_NORDERS; k++)
        z->free[k].next = z->free[k].prev = &z->free[k];
    mm_memset(meta, META_RSVD, z->nreserved);
    mm_memset(meta + z->nreserved, META_TAIL, z->npages - z->nreserved);
}

/*
 * Manages [base, base + size_bytes) as a new zone; see mm/buddy.h.  The
 * zone's pages run from the first whole page to the last; pages that
 * overlap the used prefix (and the metadata, when kept inside) are
 * reserved.  Fails with BUDDY_ERR_ZONE if no page would be left free, if
 * the range overlaps a zone, or if the table is full.
 */
enum buddy_err
buddy_add_zone(struct buddy *b, void *base, size_t size_bytes,
               size_t used_bytes, uint8_t *meta)
{
    uint64_t start = (uintptr_t)base, end = start + size_bytes;
    uint64_t first = (start + MM_PAGE - 1) >> MM_PAGE_SHIFT;
    uint64_t last = end >> MM_PAGE_SHIFT;
    uint64_t used_end = start + used_bytes, free_pfn;
    struct buddy_zone *z;
    unsigned i;
    int slot;

    if (meta == NULL) {
        meta = (uint8_t *)(uintptr_t)used_end;
        used_end += last > first ? last - first : 0;
    }
    free_pfn = (used_end + MM_PAGE - 1) >> MM_PAGE_SHIFT;
    if (used_bytes > size_bytes || last <= first || free_pfn >= last ||
        b->nzones == BUDDY_MAX_ZONES)
        return buddy_fail(b, BUDDY_ERR_ZONE, (uintptr_t)base);
    if (free_pfn < first)
        free_pfn = first;
    slot = zone_slot(b, (uintptr_t)first, (uintptr_t)last);
    if (slot < 0)
        return buddy_fail(b, BUDDY_ERR_ZONE, (uintptr_t)base);
    mm_lock(&b->lock);
    for (i = b->nzones; i > (unsigned)slot; i--) {
        b->zone[i] = b->zone[i - 1];
        zone_relink(&b->zone[i]);
    }
    b->nzones++;
    z = &b->zone[slot];
    zone_setup(z, (uintptr_t)first, (uintptr_t)last, meta,
               (uintptr_t)free_pfn);
    zone_cover(b, z, (uintptr_t)free_pfn, (uintptr_t)last);
    b->managed_pages += (size_t)(last - free_pfn);
    mm_unlock(&b->lock);
    return BUDDY_OK;
}

/*
 * Takes the zone starting at base out of the allocator.  Every block it
 * handed out must be free again: the zone is then one set of free
 * blocks covering its free pages, which is checked in O(orders) by
 * counting.  Fails with BUDDY_ERR_FOREIGN if no zone starts at base and
 * BUDDY_ERR_ZONE if the zone is still in use.
 */
enum buddy_err
buddy_remove_zone(struct buddy *b, void *base)
{
    uintptr_t pfn = ((uintptr_t)base + MM_PAGE - 1) >> MM_PAGE_SHIFT;
    struct buddy_zone *z = zone_find(b, pfn);
    size_t nfree = 0;
    unsigned k, i;

    if (z == NULL || z->first_pfn != pfn)
        return buddy_fail(b, BUDDY_ERR_FOREIGN, (uintptr_t)base);
    for (k = 0; k < BUDDY_NORDERS; k++)
        nfree += z->nfree[k] << k;
    if (nfree != z->npages - z->nreserved)
        return buddy_fail(b, BUDDY_ERR_ZONE, (uintptr_t)base);
    mm_lock(&b->lock);
    b->free_pages -= nfree;
    b->managed_pages -= nfree;
    for (i = zone_index(b, z); i + 1 < b->nzones; i++) {
        b->zone[i] = b->zone[i + 1];
        zone_relink(&b->zone[i]);
    }
    b->nzones--;
    mm_unlock(&b->lock);
    return BUDDY_OK;
}

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
        trace(b, "split", z, pfn, k + 1);
    }
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
    uintptr_t pfn, bad;

    if (mask == 0)
        return false;
    k = want + (unsigned)__builtin_ctz(mask);   /* lowest non-empty order */
    pfn = (uintptr_t)z->free[k].next / MM_PAGE;
    list_unlink(z, pfn, k);
    if (MM_UNLIKELY(b->poison) && (bad = poison_find(pfn, k)) != 0) {
        /* Report, then hand the block out anyway: it is still free
         * memory, only its contents were disturbed. */
        buddy_fail(b, BUDDY_ERR_POISON, bad);
    }
    split_down(b, z, pfn, k, want);
    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
    b->free_pages -= (size_t)1 << want;
    b->nallocs++;
    trace(b, "alloc", z, pfn, want);
    *pfnp = pfn;
    return true;
}

/*
 * Allocates 2^order contiguous pages, naturally aligned; returns NULL
 * when no zone has a large enough block (counted as nomem) or when order
 * is above BUDDY_MAX_ORDER (BUDDY_ERR_ORDER).  Zones are tried lowest
 * address first.
 */
void *
buddy_alloc(struct buddy *b, unsigned order)
{
    uintptr_t pfn = 0;
    bool found = false;
    unsigned i;

    if (order > BUDDY_MAX_ORDER) {
        buddy_fail(b, BUDDY_ERR_ORDER, order);
        return NULL;
    }
    mm_lock(&b->lock);
    /* LAB: buddy_alloc */
    for (i = 0; i < b->nzones && !found; i++)
        found = zone_take(b, &b->zone[i], order, &pfn);
    /* LAB END */
    if (!found)
        b->nerr[BUDDY_NOMEM]++;
    mm_unlock(&b->lock);
    return found ? (void *)pfn_addr(pfn) : NULL;
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
 * for the others).
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
        trace(b, "merge", z, pfn < buddy ? pfn : buddy, k + 1);
        if (buddy < pfn) {
            *meta_of(z, pfn) = META_TAIL;
            pfn = buddy;
        } else {
            *meta_of(z, buddy) = META_TAIL;
        }
        if (b->poison)      /* the old links become plain free bytes */
            mm_memset(pfn_link(buddy_of(pfn, k)), BUDDY_POISON,
                      sizeof(struct buddy_link));
        k++;
    }
    /* LAB END */
    list_push(z, pfn, k);
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
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;

    mm_lock(&b->lock);
    err = block_lookup(b, (uintptr_t)addr, BUDDY_ERR_DOUBLE_FREE, &z,
                       &order);
    if (err == BUDDY_OK) {
        trace(b, "free", z, pfn, order);
        b->nfrees++;
        if (b->poison)
            mm_memset(addr, BUDDY_POISON, MM_PAGE << order);
        free_and_merge(b, z, pfn, order);
    }
    mm_unlock(&b->lock);
    return err;
}

/* ---- resize --------------------------------------------------------- */

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
    uintptr_t bad;

    for (; k < want; k++) {
        uintptr_t next = pfn + ((uintptr_t)1 << k);

        list_unlink(z, next, k);
        if (b->poison && (bad = poison_find(next, k)) != 0)
            buddy_fail(b, BUDDY_ERR_POISON, bad);
        *meta_of(z, next) = META_TAIL;
        b->free_pages -= (size_t)1 << k;
        trace(b, "merge", z, pfn, k + 1);
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
        mm_memset((void *)pfn_addr(pfn + ((uintptr_t)1 << want)),
                  BUDDY_POISON, (MM_PAGE << k) - (MM_PAGE << want));
    split_down(b, z, pfn, k, want);
    b->free_pages += ((size_t)1 << k) - ((size_t)1 << want);
    *meta_of(z, pfn) = (uint8_t)(META_ALLOC | want);
}

/*
 * Allocates a new block, copies the old one's contents, frees the old
 * one.  Called without the lock: it uses the public calls, which take
 * it.  BUDDY_NOMEM (counted by buddy_alloc) leaves *addrp as it was.
 */
static enum buddy_err
grow_by_move(struct buddy *b, void **addrp, unsigned k, unsigned want)
{
    void *fresh = buddy_alloc(b, want);

    if (fresh == NULL)
        return BUDDY_NOMEM;
    mm_memcpy(fresh, *addrp, MM_PAGE << k);
    buddy_free(b, *addrp);
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
    bool move = false;
    unsigned k = 0;

    mm_lock(&b->lock);
    err = block_lookup(b, (uintptr_t)*addrp, BUDDY_ERR_NOT_ALLOCATED, &z,
                       &k);
    if (err == BUDDY_OK && want < 0)
        err = buddy_fail(b, BUDDY_ERR_SIZE, (uintptr_t)new_size_bytes);
    if (err == BUDDY_OK && (unsigned)want < k)
        shrink_in_place(b, z, pfn, k, (unsigned)want);
    else if (err == BUDDY_OK && (unsigned)want > k) {
        if (can_grow(z, pfn, k, (unsigned)want))
            grow_in_place(b, z, pfn, k, (unsigned)want);
        else
            move = true;
    }
    mm_unlock(&b->lock);
    return move ? grow_by_move(b, addrp, k, (unsigned)want) : err;
}

/* ---- queries -------------------------------------------------------- */

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
    if (block_lookup(b, (uintptr_t)addr, BUDDY_ERR_NOT_ALLOCATED, &z,
                     &order) == BUDDY_OK)
        size = MM_PAGE << order;
    mm_unlock(&b->lock);
    return size;
}

enum buddy_state
buddy_state(const struct buddy *b, const void *addr)
{
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;
    const struct buddy_zone *z;
    uint8_t m;

    if (((uintptr_t)addr & (MM_PAGE - 1)) != 0)
        return BUDDY_STATE_NONE;
    z = zone_find(b, pfn);
    if (z == NULL)
        return BUDDY_STATE_NONE;
    m = *meta_of(z, pfn);
    if (m & META_FREE)
        return BUDDY_STATE_FREE;
    if (m & META_ALLOC)
        return BUDDY_STATE_ALLOC;
    return m == META_RSVD ? BUDDY_STATE_RESERVED : BUDDY_STATE_INSIDE;
}

/* Free pages in zone index i: the sum over orders, O(orders). */
size_t
buddy_zone_free_pages(const struct buddy *b, unsigned i)
{
    size_t n = 0;
    unsigned k;

    for (k = 0; i < b->nzones && k < BUDDY_NORDERS; k++)
        n += b->zone[i].nfree[k] << k;
    return n;
}

/* The zone that holds the page at addr, or NULL.  O(log zones). */
const struct buddy_zone *
buddy_zone_of(const struct buddy *b, const void *addr)
{
    return zone_find(b, (uintptr_t)addr >> MM_PAGE_SHIFT);
}

/* Free pages in zone z: the sum over orders, O(orders). */
size_t
buddy_zone_nfree(const struct buddy_zone *z)
{
    size_t n = 0;
    unsigned k;

    for (k = 0; k < BUDDY_NORDERS; k++)
        n += z->nfree[k] << k;
    return n;
}

size_t
buddy_nfree(const struct buddy *b, unsigned zone, unsigned order)
{
    if (zone >= b->nzones || order > BUDDY_MAX_ORDER)
        return 0;
    return b->zone[zone].nfree[order];
}

size_t
buddy_free_pages(const struct buddy *b)
{
    return b->free_pages;
}

size_t
buddy_managed_pages(const struct buddy *b)
{
    return b->managed_pages;
}

unsigned
buddy_nzones(const struct buddy *b)
{
    return b->nzones;
}

unsigned long
buddy_errors(const struct buddy *b, enum buddy_err err)
{
    return err < BUDDY_ERR_COUNT ? b->nerr[err] : 0;
}

unsigned long
buddy_nomem(const struct buddy *b)
{
    return b->nerr[BUDDY_NOMEM];
}

/* ---- reports -------------------------------------------------------- */

/*
 * One line per zone in the layout of Linux's /proc/buddyinfo: the count
 * of free blocks of each order, order 0 first.
 */
void
buddy_print_buddyinfo(const struct buddy *b)
{
    unsigned i, k;

    for (i = 0; i < b->nzones; i++) {
        mm_print("Node 0, zone %8u", i);
        for (k = 0; k < BUDDY_NORDERS; k++)
            mm_print(" %6zu", b->zone[i].nfree[k]);
        mm_print("\n");
    }
}

#define PICTURE_COLS    64      /* characters per picture line */
#define PICTURE_CHARS   256     /* at most 4 lines per zone */

enum { PAGE_FREE = 1, PAGE_ALLOC = 2, PAGE_RSVD = 4 };

/* The state of each page of block-walk position pfn, and the run length. */
static unsigned
walk_state(const struct buddy_zone *z, uintptr_t pfn, size_t *run)
{
    uint8_t m = *meta_of(z, pfn);

    *run = 1;
    if (m & (META_FREE | META_ALLOC))
        *run = (size_t)1 << (m & META_ORDER);
    if (m & META_FREE)
        return PAGE_FREE;
    if (m & META_ALLOC)
        return PAGE_ALLOC;
    return PAGE_RSVD;       /* reserved (a tail here would be a bug) */
}

static char
picture_char(unsigned seen)
{
    switch (seen) {
    case PAGE_FREE:
        return '.';
    case PAGE_ALLOC:
        return '#';
    case PAGE_RSVD:
        return 'm';
    default:
        return '+';
    }
}

static void
picture_zone(const struct buddy *b, const struct buddy_zone *z)
{
    size_t per = (z->npages + PICTURE_CHARS - 1) / PICTURE_CHARS;
    size_t done = 0, run = 0, col = 0;
    uintptr_t pfn = z->first_pfn;
    unsigned state = 0, seen = 0;

    mm_print("buddy: zone %u [mem 0x%08lx-0x%08lx] %zu pages, %zu per char"
             "\n", zone_index(b, z), (unsigned long)pfn_addr(z->first_pfn),
             (unsigned long)(pfn_addr(z->first_pfn + z->npages) - 1),
             z->npages, per);
    while (done < z->npages) {
        if (run == 0) {
            state = walk_state(z, pfn, &run);
            pfn += run;
        }
        seen |= state;
        run--;
        if (++done % per == 0 || done == z->npages) {
            if (col == 0)
                mm_print("buddy: |");
            mm_print("%c", picture_char(seen));
            seen = 0;
            if (++col == PICTURE_COLS || done == z->npages) {
                mm_print("|\n");
                col = 0;
            }
        }
    }
}

/*
 * A picture of each zone, one character per run of pages:
 * '.' all free, '#' all allocated, 'm' metadata or reserved, '+' mixed.
 */
void
buddy_print_picture(const struct buddy *b)
{
    unsigned i;

    for (i = 0; i < b->nzones; i++)
        picture_zone(b, &b->zone[i]);
}

/* Every counter, errors included, one per line. */
void
buddy_print_errors(const struct buddy *b)
{
    unsigned e;

    mm_print("buddy: %lu allocations, %lu frees, %lu out of memory\n",
             b->nallocs, b->nfrees, b->nerr[BUDDY_NOMEM]);
    for (e = BUDDY_NOMEM + 1; e < BUDDY_ERR_COUNT; e++)
        mm_print("buddy: error %-18s %lu\n", buddy_err_name[e], b->nerr[e]);
}

/* ---- check ---------------------------------------------------------- */

static unsigned
violation(const struct buddy_zone *z, uintptr_t pfn, const char *what)
{
    mm_print("buddy: check: %s at 0x%08lx (zone first pfn 0x%lx)\n", what,
             (unsigned long)pfn_addr(pfn), (unsigned long)z->first_pfn);
    return 1;
}

/* Checks one block found by the page walk; counts its free pages. */
static unsigned
check_block(const struct buddy_zone *z, uintptr_t pfn, size_t *nfree,
            size_t *free_pages)
{
    uint8_t m = *meta_of(z, pfn);
    unsigned k = m & META_ORDER, bad = 0;
    uintptr_t size = (uintptr_t)1 << k, i, buddy = buddy_of(pfn, k);

    if ((pfn & (size - 1)) != 0)
        bad += violation(z, pfn, "block not naturally aligned");
    if (pfn + size > z->first_pfn + z->npages)
        return bad + violation(z, pfn, "block runs past the zone");
    for (i = 1; i < size; i++)
        if (*meta_of(z, pfn + i) != META_TAIL)
            return bad + violation(z, pfn + i, "page inside a block "
                                   "is not a tail");
    if (m & META_FREE) {
        nfree[k]++;
        *free_pages += size;
        if (k < BUDDY_MAX_ORDER && zone_has(z, buddy) &&
            *meta_of(z, buddy) == m)
            bad += violation(z, pfn, "free buddies left unmerged");
    }
    return bad;
}

/* Walks list k of zone z: every entry a free head of order k in z. */
static unsigned
check_list(const struct buddy_zone *z, unsigned k)
{
    const struct buddy_link *l;
    size_t n = 0;

    for (l = z->free[k].next; l != &z->free[k]; l = l->next) {
        uintptr_t pfn = (uintptr_t)l >> MM_PAGE_SHIFT;

        if (!zone_has(z, pfn) || *meta_of(z, pfn) != (META_FREE | k) ||
            l->next->prev != l)
            return violation(z, pfn, "bad free-list entry");
        if (++n > z->nfree[k])
            return violation(z, pfn, "free list longer than its count");
    }
    if (n != z->nfree[k] || (n != 0) != ((z->free_mask >> k) & 1))
        return violation(z, z->first_pfn, "free count or mask wrong");
    return 0;
}

static unsigned
check_zone(const struct buddy_zone *z, size_t *free_pages)
{
    size_t nfree[BUDDY_NORDERS] = { 0 };
    uintptr_t pfn = z->first_pfn, end = z->first_pfn + z->npages;
    unsigned bad = 0, k;
    size_t rsvd = 0, run;

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
        bad += check_block(z, pfn, nfree, free_pages);
        walk_state(z, pfn, &run);
        pfn += run;
    }
    if (rsvd != z->nreserved)
        bad += violation(z, z->first_pfn, "reserved page count wrong");
    for (k = 0; k < BUDDY_NORDERS; k++) {
        if (nfree[k] != z->nfree[k])
            bad += violation(z, z->first_pfn, "per-order count differs "
                             "from the pages");
        bad += check_list(z, k);
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
    for (i = 0; i < b->nzones; i++) {
        const struct buddy_zone *z = &b->zone[i];

        if (i > 0 && z->first_pfn < b->zone[i - 1].first_pfn +
                                        b->zone[i - 1].npages)
            bad += violation(z, z->first_pfn, "zones overlap or unsorted");
        bad += check_zone(z, &free_pages);
        managed += z->npages - z->nreserved;
    }
    if (free_pages != b->free_pages || managed != b->managed_pages)
        bad += violation(&b->zone[0], 0, "page totals differ from counts");
    mm_unlock(&b->lock);
    return bad;
}

/* ---- page source ---------------------------------------------------- */

static void *
pagesrc_alloc(void *ctx, unsigned order)
{
    return buddy_alloc(ctx, order);
}

/*
 * Frees through the page source: the order the caller names must be the
 * block's own.  A mismatch is bad input (BUDDY_ERR_ORDER, nothing freed);
 * an address that is no allocated block fails as buddy_free says.
 */
static void
pagesrc_free(void *ctx, void *addr, unsigned order)
{
    struct buddy *b = ctx;
    struct buddy_zone *z = NULL;
    unsigned k = 0;
    enum buddy_err err;

    mm_lock(&b->lock);
    err = block_lookup(b, (uintptr_t)addr, BUDDY_ERR_DOUBLE_FREE, &z, &k);
    if (err == BUDDY_OK && k != order)
        err = buddy_fail(b, BUDDY_ERR_ORDER, (uintptr_t)addr);
    mm_unlock(&b->lock);
    if (err == BUDDY_OK)
        buddy_free(b, addr);
}

void
buddy_pagesrc(struct buddy *b, struct mm_pagesrc *src)
{
    src->alloc = pagesrc_alloc;
    src->free = pagesrc_free;
    src->ctx = b;
}
