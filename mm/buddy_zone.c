/*
 * mm/buddy_zone.c - the buddy's zones: adding and removing them, the
 * sorted table and the zone map that find an address's zone, queries,
 * owner bytes, and the page source the layers above take their pages
 * from.
 *
 * A zone is one contiguous range of whole pages.  Its free pages are
 * covered with the largest naturally aligned blocks that fit; its used
 * prefix (and its metadata, when kept inside) is reserved.  Zones live
 * in the slots of struct buddy in no particular order; a table of their
 * page ranges, sorted by address (mm/table.h), numbers the zones by
 * address and refuses overlaps; the zone map built from it (struct
 * buddy) finds an address's zone in O(1).
 *
 * Invariant: slots 0..nzones-1 hold the zones, each exactly once in the
 * table; no two zones overlap; the map names, for each chunk, the first
 * zone in address order that overlaps it.
 * Bounds: adding or removing a zone is O(zones + map slots + its pages)
 * (covering writes a state byte, an owner byte and a link per page); a
 * query is O(orders) or O(1).
 * Metadata: BUDDY_META_SIZE (10 bytes per page: state byte, owner byte,
 * links), inside the zone or the caller's.
 * Read after: mm/buddy.c, mm/table.h.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

void
buddy_init(struct buddy *b, const char *name)
{
    mm_memset(b, 0, sizeof *b);
    b->name = name;
    b->poison = (mm_switch.poison & MM_POISON_BUDDY) != 0;
    b->no_zone.pfns = (struct mm_range){ UINTPTR_MAX, 0 };
    b->by_addr[BUDDY_MAP_NONE] = &b->no_zone.pfns;
    buddy_map_build(b);
}

/*
 * Shows the hint zone's pages past its reserved prefix as the page
 * source's window (mm/pagesrc.h), so that an owner-byte lookup there is
 * one compare and no call; none while there is no zone.  Reserved pages
 * are left out because owner() has no byte for them.
 */
static void
buddy_window_build(struct buddy *b)
{
    const struct buddy_zone *z = zone_of_range(b->hint);

    b->win = (struct mm_pagesrc_window){ 0, 0, NULL };
    if (b->hint == &b->no_zone.pfns)
        return;
    b->win.first = z->pfns.first + z->nreserved;
    b->win.npages = z->npages - z->nreserved;
    b->win.owner = z->owner + z->nreserved;
}

/*
 * Rebuilds the zone map (struct buddy): picks the smallest chunk of at
 * least 2^10 pages for which BUDDY_MAP_SLOTS chunks cover every zone,
 * then records each chunk's first overlapping zone; and takes the
 * largest zone as the hint the fast free tries first.  O(slots + zones).
 * E.g. one zone at pfns 0x400-0x7ff: base 0x400, shift 10, map[0] = 0,
 * the rest none.
 */
void
buddy_map_build(struct buddy *b)
{
    uintptr_t span, c, last_chunk;
    unsigned i;

    b->by_addr[b->nzones] = &b->no_zone.pfns;  /* the table's end */
    mm_memset(b->map, BUDDY_MAP_NONE, sizeof b->map);
    b->map_base = b->nzones ? b->by_addr[0]->first : 0;
    b->map_shift = BUDDY_MAX_ORDER;
    b->hint = &b->no_zone.pfns;
    for (i = 0; i < b->nzones; i++)
        if (b->hint == &b->no_zone.pfns ||
            zone_of_range(b->by_addr[i])->npages >
            zone_of_range(b->hint)->npages)
            b->hint = b->by_addr[i];
    buddy_window_build(b);
    if (b->nzones == 0)
        return;
    span = b->by_addr[b->nzones - 1]->last - b->map_base;
    while ((span >> b->map_shift) >= BUDDY_MAP_SLOTS)
        b->map_shift++;
    for (i = b->nzones; i-- > 0;) {     /* lowest zone written last */
        const struct mm_range *r = b->by_addr[i];

        last_chunk = (r->last - b->map_base) >> b->map_shift;
        for (c = (r->first - b->map_base) >> b->map_shift; c <= last_chunk;
             c++)
            b->map[c] = (uint8_t)i;
    }
}

/*
 * The metadata bytes a zone of size_bytes needs: BUDDY_META_SIZE for
 * each page it may span (a range that does not start on a page boundary
 * spans one page more than size_bytes / MM_PAGE).
 */
size_t
buddy_meta_bytes(size_t size_bytes)
{
    return BUDDY_META_SIZE(size_bytes / MM_PAGE + 1);
}

/* The number of zone z in address order.  O(log zones). */
unsigned
buddy_zone_index(const struct buddy *b, const struct buddy_zone *z)
{
    return (unsigned)mm_table_index(b->by_addr, b->nzones, z->pfns.first);
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
 * pushed as free and traced as "cover".  Each block is poisoned if
 * poisoning is on.
 */
static void
zone_cover(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
           uintptr_t end_pfn)
{
    while (pfn < end_pfn) {
        unsigned k = fit_order(pfn, end_pfn);

        list_push(z, pfn, k);
        buddy_trace(b, "cover", z, pfn, k);
        if (b->poison)
            buddy_poison_fill(pfn, k);
        pfn += (uintptr_t)1 << k;
    }
}

/*
 * Fills in zone z's fields, marks every page reserved or tail, clears
 * every owner byte and empties every list.  meta holds the npages state
 * bytes, the npages owner bytes, then, 4-byte aligned, the links
 * (mm/buddy_internal.h).
 */
static void
zone_setup(struct buddy_zone *z, uintptr_t first, uintptr_t end,
           uint8_t *meta, uintptr_t free_pfn)
{
    unsigned k;

    mm_memset(z, 0, sizeof *z);
    z->pfns = (struct mm_range){ first, end - 1 };
    z->npages = end - first;
    z->meta = meta;
    z->owner = meta + z->npages;
    z->link = (struct buddy_link *)(((uintptr_t)(z->owner + z->npages) +
                                     sizeof(uint32_t) - 1) &
                                    ~(uintptr_t)(sizeof(uint32_t) - 1));
    z->meta_by_pfn = (uint8_t *)((uintptr_t)z->meta - first);
    z->owner_by_pfn = (uint8_t *)((uintptr_t)z->owner - first);
    z->meta_bytes = BUDDY_META_SIZE(z->npages);
    z->head0 = z->npages;
    z->nreserved = free_pfn - first;
    for (k = 0; k < BUDDY_NORDERS; k++)
        z->link[list_head(z, k)] = (struct buddy_link){
            (uint32_t)list_head(z, k), (uint32_t)list_head(z, k) };
    mm_memset(meta, META_RSVD, z->nreserved);
    mm_memset(meta + z->nreserved, META_TAIL, z->npages - z->nreserved);
    mm_memset(z->owner, MM_OWNER_NONE, z->npages);
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
    enum buddy_err err = BUDDY_OK;

    if (meta == NULL) {
        meta = (uint8_t *)(uintptr_t)used_end;
        used_end += last > first ? BUDDY_META_SIZE(last - first) : 0;
    }
    free_pfn = (used_end + MM_PAGE - 1) >> MM_PAGE_SHIFT;
    if (free_pfn < first)
        free_pfn = first;
    mm_lock(&b->lock);
    if (used_bytes > size_bytes || last <= first || free_pfn >= last ||
        last - first > UINT32_MAX - BUDDY_NORDERS ||    /* link indices */
        b->nzones == BUDDY_MAX_ZONES ||
        mm_table_overlaps(b->by_addr, b->nzones, (uintptr_t)first,
                          (uintptr_t)(last - 1))) {
        err = buddy_fail(b, BUDDY_ERR_ZONE, (uintptr_t)base);
    } else {
        z = &b->zone[b->nzones];
        zone_setup(z, (uintptr_t)first, (uintptr_t)last, meta,
                   (uintptr_t)free_pfn);
        MM_ASSERT(mm_table_insert(b->by_addr, &b->nzones, BUDDY_MAX_ZONES,
                                  &z->pfns) >= 0);
        buddy_map_build(b);
        buddy_trace_zone(b, "zone-add", z);
        zone_cover(b, z, (uintptr_t)free_pfn, (uintptr_t)last);
        b->managed_pages += (size_t)(last - free_pfn);
    }
    mm_unlock(&b->lock);
    return err;
}

/*
 * Moves the zone in slot from to slot to (a copy by value; its lists
 * live in its metadata, so they move with it): the table still points
 * at the old range, so it is pointed at the new slot.
 */
static void
zone_move(struct buddy *b, struct buddy_zone *to, struct buddy_zone *from)
{
    *to = *from;
    b->by_addr[mm_table_index(b->by_addr, b->nzones, to->pfns.first)] =
        &to->pfns;
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
    struct buddy_zone *z;
    enum buddy_err err = BUDDY_OK;
    size_t nfree;

    mm_lock(&b->lock);
    buddy_flush_locked(b);              /* its parked pages listed */
    z = zone_find(b, pfn);
    if (z == NULL || z->pfns.first != pfn) {
        err = buddy_fail(b, BUDDY_ERR_FOREIGN, (uintptr_t)base);
    } else if ((nfree = buddy_zone_nfree(z)) != z->npages - z->nreserved) {
        err = buddy_fail(b, BUDDY_ERR_ZONE, (uintptr_t)base);
    } else {
        buddy_trace_zone(b, "zone-remove", z);
        b->managed_pages -= nfree;
        MM_ASSERT(mm_table_remove(b->by_addr, &b->nzones, &z->pfns));
        if (z != &b->zone[b->nzones])
            zone_move(b, z, &b->zone[b->nzones]);
        buddy_map_build(b);
    }
    mm_unlock(&b->lock);
    return err;
}

/* ---- queries -------------------------------------------------------- */

/* The i-th zone by address, or NULL. */
const struct buddy_zone *
buddy_zone_at(const struct buddy *b, unsigned i)
{
    return i < b->nzones ? zone_at(b, i) : NULL;
}

/* The zone that holds the page at addr, or NULL.  O(1). */
const struct buddy_zone *
buddy_zone_of(const struct buddy *b, const void *addr)
{
    return zone_find(b, (uintptr_t)addr >> MM_PAGE_SHIFT);
}

/* Free pages on zone z's lists (not parked): the sum over orders. */
size_t
buddy_zone_nfree(const struct buddy_zone *z)
{
    size_t n = 0;
    unsigned k;

    for (k = 0; k < BUDDY_NORDERS; k++)
        n += z->nfree[k] << k;
    return n;
}

/*
 * Free pages in zone i (by address), parked ones included, O(orders +
 * BUDDY_NPARKED); 0 for no such zone.
 */
size_t
buddy_zone_free_pages(const struct buddy *b, unsigned i)
{
    const struct buddy_zone *z;

    if (i >= b->nzones)
        return 0;
    z = zone_at(b, i);
    return buddy_zone_nfree(z) + buddy_parked_in(b, z);
}

size_t
buddy_nfree(const struct buddy *b, unsigned zone, unsigned order)
{
    if (zone >= b->nzones || order > BUDDY_MAX_ORDER)
        return 0;
    return zone_at(b, zone)->nfree[order];
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

/*
 * The owner byte of the page holding addr (any address in the page), or
 * NULL when the page is in no zone or is reserved.  Takes no lock: the
 * byte belongs to whoever holds the page, and zones change only while
 * none of their pages is held.  Counts nothing.
 */
uint8_t *
buddy_owner(const struct buddy *b, const void *addr)
{
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;
    const struct buddy_zone *z = zone_find(b, pfn);

    if (z == NULL || *meta_of(z, pfn) == META_RSVD)
        return NULL;
    return owner_of(z, pfn);
}

/* Free pages over all zones: O(zones x orders), off the fast paths. */
size_t
buddy_free_pages(const struct buddy *b)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < b->nzones; i++)
        n += buddy_zone_nfree(zone_at(b, i));
    return n + b->nparked;
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
    buddy_free_order(ctx, addr, order);
}

static uint8_t *
pagesrc_owner(void *ctx, const void *addr)
{
    return buddy_owner(ctx, addr);
}

void
buddy_pagesrc(struct buddy *b, struct mm_pagesrc *src)
{
    src->alloc = pagesrc_alloc;
    src->free = pagesrc_free;
    src->owner = pagesrc_owner;
    src->ctx = b;
    src->win = &b->win;
}
