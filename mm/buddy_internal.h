/*
 * mm/buddy_internal.h - what the buddy's files share and nobody else.
 *
 * mm/buddy.c is the algorithm; the aids beside it hold the zones
 * (mm/buddy_zone.c), resizing (mm/buddy_resize.c), poisoning, tracing
 * and errors (mm/buddy_debug.c), reports (mm/buddy_report.c) and the
 * checker (mm/buddy_check.c).  They share the page-state byte, the free
 * lists' push and unlink, and the hooks declared here.
 *
 * Each zone keeps one byte per page (meta[pfn - pfns.first]):
 *
 *     1000 oooo   FREE  head of a free block of order oooo
 *     0100 oooo   ALLOC head of an allocated block of order oooo
 *     0010 0000   TAIL  any other page of a block
 *     0001 0000   RSVD  never handed out (used prefix, metadata)
 *
 * and, right after the state bytes, one owner byte per page
 * (owner[pfn - pfns.first], mm/pagesrc.h), which the buddy only clears:
 * all at zone set-up, a block's first page on each free.
 *
 * Invariant, bounds, metadata: those of mm/buddy.c.
 * Read after: mm/buddy.h.
 */
#ifndef MM_BUDDY_INTERNAL_H
#define MM_BUDDY_INTERNAL_H

#include "buddy.h"

#define META_FREE       BUDDY_META_FREE
#define META_ALLOC      BUDDY_META_ALLOC
#define META_TAIL       BUDDY_META_TAIL
#define META_RSVD       BUDDY_META_RSVD
#define META_ORDER      BUDDY_META_ORDER

MM_STATIC_ASSERT(BUDDY_MAX_ORDER <= META_ORDER, "order must fit 4 bits");
MM_STATIC_ASSERT(BUDDY_NORDERS <= 32, "free_mask is 32 bits");

static MM_INLINE uintptr_t
pfn_addr(uintptr_t pfn)
{
    return pfn << MM_PAGE_SHIFT;
}

static MM_INLINE struct mm_list *
pfn_link(uintptr_t pfn)
{
    return (struct mm_list *)pfn_addr(pfn);
}

static MM_INLINE uint8_t *
meta_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->meta[pfn - z->pfns.first];
}

static MM_INLINE uint8_t *
owner_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->owner[pfn - z->pfns.first];
}

static MM_INLINE bool
zone_has(const struct buddy_zone *z, uintptr_t pfn)
{
    return pfn >= z->pfns.first && pfn <= z->pfns.last;
}

/* The zone whose pfns are r: the range is a member of the zone. */
static MM_INLINE struct buddy_zone *
zone_of_range(struct mm_range *r)
{
    return (struct buddy_zone *)((uint8_t *)r -
                                 offsetof(struct buddy_zone, pfns));
}

/* The i-th zone by address. */
static MM_INLINE struct buddy_zone *
zone_at(const struct buddy *b, unsigned i)
{
    return zone_of_range(b->by_addr[i]);
}

/*
 * The zone holding pfn, or NULL, through the zone map: the chunk's
 * first zone, then the zones after it in address order while they
 * start at or below pfn.  Usually one zone is looked at; never more
 * than share one chunk.  E.g. zones at pfns 0x100-0x1ff and 0x300-0x7ff
 * (base 0x100, 1024-page chunks): pfn 0x350 is in chunk 0, whose first
 * zone (0) ends below it, so zone 1 is tried next and holds it.
 */
static MM_INLINE struct buddy_zone *
zone_find(const struct buddy *b, uintptr_t pfn)
{
    uintptr_t chunk = (pfn - b->map_base) >> b->map_shift;
    unsigned i;

    if (chunk >= BUDDY_MAP_SLOTS)       /* below the base wraps too */
        return NULL;
    for (i = b->map[chunk]; i < b->nzones; i++) {
        struct mm_range *r = b->by_addr[i];

        if (pfn < r->first)
            return NULL;
        if (pfn <= r->last)
            return zone_of_range(r);
    }
    return NULL;
}

/* mm/buddy_zone.c: rebuilds the zone map after a zone came or went. */
void buddy_map_build(struct buddy *b);

/* Pushes the order-k block at pfn on its free list, marks it free. */
static MM_INLINE void
list_push(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    mm_list_push(&z->free[order], pfn_link(pfn));
    z->nfree[order]++;
    z->free_mask |= 1u << order;
    *meta_of(z, pfn) = (uint8_t)(META_FREE | order);
}

/* Takes the order-k block at pfn off its free list: O(1). */
static MM_INLINE void
list_unlink(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    mm_list_unlink(pfn_link(pfn));
    if (--z->nfree[order] == 0)
        z->free_mask &= ~(1u << order);
}

/* mm/buddy.c: used by resize and the page source. */
void buddy_split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                      unsigned k, unsigned want);
enum buddy_err buddy_lookup(struct buddy *b, uintptr_t addr,
                            enum buddy_err free_err,
                            struct buddy_zone **zp, unsigned *orderp);
void *buddy_alloc_locked(struct buddy *b, unsigned order);

/* mm/buddy_reclaim.c: the reclaimers, then one retry; or nomem. */
void *buddy_alloc_reclaim(struct buddy *b, unsigned order) MM_COLD;
void buddy_free_locked(struct buddy *b, struct buddy_zone *z, void *addr,
                       unsigned order);

/* mm/buddy_zone.c: the number of zone z in address order. */
unsigned buddy_zone_index(const struct buddy *b, const struct buddy_zone *z);

/* mm/buddy_debug.c: errors, traces and poison. */
enum buddy_err buddy_fail(struct buddy *b, enum buddy_err err,
                          uintptr_t addr) MM_COLD;
void buddy_trace_print(const struct buddy *b, const char *event,
                       const struct buddy_zone *z, uintptr_t pfn,
                       unsigned order) MM_COLD;
void buddy_trace_zone(const struct buddy *b, const char *event,
                      const struct buddy_zone *z) MM_COLD;
void buddy_poison_fill(uintptr_t pfn, unsigned order);
void buddy_poison_range(void *addr, size_t bytes);
void buddy_poison_check(struct buddy *b, uintptr_t pfn, unsigned order);

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
buddy_trace(const struct buddy *b, const char *event,
            const struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_BUDDY))
        buddy_trace_print(b, event, z, pfn, order);
}

#endif /* MM_BUDDY_INTERNAL_H */
