/*
 * mm/buddy_internal.h - what the buddy's files share and nobody else.
 *
 * mm/buddy.c is the algorithm; the aids beside it hold the zones
 * (mm/buddy_zone.c), the array of parked pages (mm/buddy_park.c),
 * the cold paths (mm/buddy_slow.c), reclaim
 * (mm/buddy_reclaim.c), resizing (mm/buddy_resize.c), poisoning,
 * tracing and errors (mm/buddy_debug.c), reports (mm/buddy_report.c)
 * and the checker (mm/buddy_check.c).  They share the page-state byte,
 * the free lists' push and unlink, and the hooks declared here.
 *
 * Each zone keeps one byte per page (meta[pfn - pfns.first]):
 *
 *     1000 oooo   FREE  head of a free block of order oooo
 *     0100 oooo   ALLOC head of an allocated block of order oooo
 *     0010 0000   TAIL  any other page of a block
 *     0001 0000   RSVD  never handed out (used prefix, metadata)
 *     1100 0000   PARKED a free order-0 page held in the array
 *                  (mm/buddy_park.c): on no list, and never a FREE
 *                  buddy, so nothing merges with it until it is listed
 *
 * and, right after the state bytes, one owner byte per page
 * (owner[pfn - pfns.first], mm/pagesrc.h), which the buddy only clears:
 * all at zone set-up, a block's first page on each free; then, 4-byte
 * aligned, the links of the free lists (struct buddy_link), one per page
 * and one head per order:
 *
 *     meta: | state x npages | owner x npages |pad| link x npages | heads |
 *
 * A list links page indices i = pfn - pfns.first; list k is circular
 * through its head, index npages + k, so push and unlink test nothing.
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
#define META_PARKED     BUDDY_META_PARKED

MM_STATIC_ASSERT(BUDDY_MAX_ORDER <= META_ORDER, "order must fit 4 bits");
MM_STATIC_ASSERT(BUDDY_NORDERS <= 32, "free_mask is 32 bits");

static MM_INLINE uintptr_t
pfn_addr(uintptr_t pfn)
{
    return pfn << MM_PAGE_SHIFT;
}

/* The state byte of pfn: meta[pfn - pfns.first], one subtraction saved. */
static MM_INLINE uint8_t *
meta_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->meta_by_pfn[pfn];
}

static MM_INLINE uint8_t *
owner_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->owner_by_pfn[pfn];
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

/*
 * The fast path's zone lookup: the largest zone if it holds pfn (one
 * range test, right for most pages), else the map chunk's first zone
 * if it holds pfn; NULL otherwise (no zone, or a later zone in a shared
 * chunk, which the slow path's zone_find tells apart).  With no zones,
 * the hint is no_zone; an empty chunk's entry (BUDDY_MAP_NONE) names
 * by_addr[BUDDY_MAP_NONE] = &no_zone.pfns: a range that holds no pfn, so
 * neither needs a test of its own.
 */
static MM_INLINE struct buddy_zone *
zone_guess(const struct buddy *b, uintptr_t pfn)
{
    const struct mm_range *r = b->hint;
    uintptr_t chunk;

    if (pfn >= r->first && pfn <= r->last)
        return zone_of_range((struct mm_range *)r);
    chunk = (pfn - b->map_base) >> b->map_shift;
    if (chunk >= BUDDY_MAP_SLOTS)
        return NULL;
    r = b->by_addr[b->map[chunk]];
    if (pfn < r->first || pfn > r->last)
        return NULL;
    return zone_of_range((struct mm_range *)r);
}

/*
 * Is anything on for b that the fast paths leave out: traces, poison?
 * Nonzero if so (any layer's trace bit: the slow path sorts it out).
 */
static MM_INLINE unsigned
buddy_debug_flags(const struct buddy *b)
{
    return mm_switch.trace | b->poison;
}

static MM_INLINE bool
buddy_debugging(const struct buddy *b)
{
    return buddy_debug_flags(b) != 0;
}

/* mm/buddy_zone.c: rebuilds the zone map after a zone came or went. */
void buddy_map_build(struct buddy *b);

/* The index of list k's head among z's links. */
static MM_INLINE uintptr_t
list_head(const struct buddy_zone *z, unsigned k)
{
    return z->head0 + k;
}

/*
 * Pushes the order-k block at index i (pfn - pfns.first) on its free
 * list, marks it free.
 */
static MM_INLINE void
list_push_index(struct buddy_zone *z, uintptr_t i, unsigned order)
{
    struct buddy_link *link = z->link;
    uintptr_t h = list_head(z, order), next = link[h].next;

    /* the stores of link[i] kept apart: a compiler that pairs them into
       one vector store spends more instructions doing it */
    link[i].next = (uint32_t)next;
    link[next].prev = (uint32_t)i;
    link[i].prev = (uint32_t)h;
    link[h].next = (uint32_t)i;
    z->nfree[order]++;
    if (next == h)                  /* the list was empty */
        z->free_mask |= 1u << order;
    z->meta[i] = (uint8_t)(META_FREE | order);
}

/* Pushes the order-k block at pfn on its free list, marks it free. */
static MM_INLINE void
list_push(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    list_push_index(z, pfn - z->pfns.first, order);
}

/* Takes the first block off free list k, which is not empty: its pfn. */
static MM_INLINE uintptr_t
list_pop(struct buddy_zone *z, unsigned k)
{
    struct buddy_link *link = z->link;
    uintptr_t h = list_head(z, k), i = link[h].next, next = link[i].next;

    link[h].next = (uint32_t)next;
    link[next].prev = (uint32_t)h;
    if (--z->nfree[k] == 0)
        z->free_mask &= ~(1u << k);
    return z->pfns.first + i;
}

/* Takes the order-k block at pfn off its free list: O(1). */
static MM_INLINE void
list_unlink(struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    struct buddy_link *link = z->link, *l = &link[pfn - z->pfns.first];

    link[l->prev].next = l->next;
    link[l->next].prev = l->prev;
    if (--z->nfree[order] == 0)
        z->free_mask &= ~(1u << order);
}

/*
 * Parks the order-0 block at index i of z, which b's free found
 * allocated (b locked, room in the array): no layer holds it, its state
 * says PARKED, it goes on top of the array (mm/buddy_park.c).
 */
static MM_INLINE void
buddy_park(struct buddy *b, struct buddy_zone *z, uintptr_t i)
{
    unsigned n = b->nparked;

    b->parked[n].zone = z;
    b->parked[n].index = i;
    b->nparked = n + 1;
    b->nfrees++;
    z->owner[i] = MM_OWNER_NONE;    /* the byte stores last: a compiler */
    z->meta[i] = META_PARKED;       /* must assume they alias anything */
}

/*
 * The order-0 page parked last, handed out again (b locked, one parked):
 * a pop and its state byte set, no list touched.
 */
static MM_INLINE void *
buddy_unpark(struct buddy *b)
{
    unsigned n = --b->nparked;
    struct buddy_zone *z = b->parked[n].zone;
    uintptr_t i = b->parked[n].index;

    b->nallocs++;
    z->meta[i] = (uint8_t)META_ALLOC;       /* order 0; the byte last */
    return (void *)pfn_addr(z->pfns.first + i);
}

/* mm/buddy.c: the core's steps with b locked, for the aids. */
void buddy_split_down(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                      unsigned k, unsigned want);
void *buddy_zone_take(struct buddy *b, struct buddy_zone *z, unsigned order);
void buddy_merge_up(struct buddy *b, struct buddy_zone *z, uintptr_t pfn,
                    unsigned k);

/* mm/buddy_slow.c: what the fast paths pass on, and the checked lookup. */
void *buddy_alloc_slow(struct buddy *b, unsigned order) MM_COLD;
enum buddy_err buddy_free_slow(struct buddy *b, uintptr_t addr,
                               int order) MM_COLD;
void *buddy_alloc_locked(struct buddy *b, unsigned order);
void buddy_free_locked(struct buddy *b, struct buddy_zone *z, void *addr,
                       unsigned order);
enum buddy_err buddy_lookup(struct buddy *b, uintptr_t addr,
                            enum buddy_err free_err,
                            struct buddy_zone **zp, unsigned *orderp);

/* mm/buddy_park.c: the parked pages listed, as frees; how many. */
size_t buddy_flush_locked(struct buddy *b);
size_t buddy_parked_in(const struct buddy *b, const struct buddy_zone *z);

/* mm/buddy_reclaim.c: the reclaimers, then one retry; or nomem. */
void *buddy_alloc_reclaim(struct buddy *b, unsigned order) MM_COLD;

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
