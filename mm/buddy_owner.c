/*
 * mm/buddy_owner.c - what the buddy allocator's books say it holds, for
 * the page ledger (mm/ledger.c).
 *
 * Two books, read independently so that each can catch the other:
 * the state bytes say where the allocated blocks are, the free lists say
 * where the free blocks are.  A free head that no list reaches leaves
 * its pages with no owner; a block a list reaches twice, or a state byte
 * that says "allocated" for a listed block, gives pages two owners.
 * Nothing here follows a pointer out of the zone: a link is followed
 * only to a block of the list's order that lies in the zone (whatever
 * its state byte says: that is the other book), and a list is walked at
 * most as far as its count, so a corrupt list can neither fault nor
 * loop; the blocks after a bad link are left unclaimed.
 *
 * Invariant: reads only; the allocator is not changed.
 * Bounds: O(blocks) per zone for the state bytes (a block is skipped in
 * one step; only pages that head no block are stepped over one by one,
 * which happens only in corrupt state) plus O(free blocks) for the lists.
 * Metadata: none.
 * Read after: mm/buddy.c, mm/ledger.c.  Tests: mm/ledger_test.c.
 */
#include "buddy.h"
#include "ledger.h"

static const uint8_t *
state_of(const struct buddy_zone *z, uintptr_t pfn)
{
    return &z->meta[pfn - z->pfns.first];
}

static bool
in_zone(const struct buddy_zone *z, uintptr_t pfn)
{
    return pfn >= z->pfns.first && pfn - z->pfns.first < z->npages;
}

/* Does a head byte m at pfn describe a block that fits the zone? */
static bool
head_fits(const struct buddy_zone *z, uintptr_t pfn, uint8_t m)
{
    unsigned k = m & BUDDY_META_ORDER;
    uintptr_t size = (uintptr_t)1 << k;

    return k <= BUDDY_MAX_ORDER && (pfn & (size - 1)) == 0 &&
           pfn + size <= z->pfns.first + z->npages;
}

/* The allocated blocks of z, by its state bytes. */
static void
claim_allocated(const struct buddy_zone *z, struct ledger *l, unsigned kind)
{
    uintptr_t pfn = z->pfns.first + z->nreserved;
    uintptr_t end = z->pfns.first + z->npages;

    while (pfn < end) {
        uint8_t m = *state_of(z, pfn);
        uintptr_t size = (uintptr_t)1 << (m & BUDDY_META_ORDER);

        if ((m & (BUDDY_META_FREE | BUDDY_META_ALLOC)) == 0 ||
            !head_fits(z, pfn, m)) {
            pfn++;                  /* heads no block: no one's page */
            continue;
        }
        if ((m & BUDDY_META_ALLOC) && m != BUDDY_META_PARKED)
            ledger_claim(l, pfn, size, kind, m & BUDDY_META_ORDER, NULL);
        pfn += size;
    }
}

/* The free blocks of z, by its lists. */
static void
claim_free(const struct buddy_zone *z, struct ledger *l, unsigned kind)
{
    unsigned k;

    for (k = 0; k < BUDDY_NORDERS; k++) {
        uint32_t head = (uint32_t)z->head0 + k, i = z->link[head].next;
        size_t n;

        for (n = 0; n < z->nfree[k] && i != head; n++) {
            uintptr_t pfn = z->pfns.first + i;

            if (i >= z->head0 || !in_zone(z, pfn) ||
                !head_fits(z, pfn, (uint8_t)k))
                break;              /* a bad link: the rest is lost */
            ledger_claim(l, pfn, (uint64_t)1 << k, kind, 0, NULL);
            i = z->link[i].next;
        }
    }
}

/* The parked pages, free (mm/buddy_park.c), by the array. */
static void
claim_parked(const struct buddy *b, struct ledger *l, unsigned kind)
{
    unsigned i;

    for (i = 0; i < b->nparked && i < BUDDY_NPARKED; i++)
        if (buddy_parked_ok(b, i))
            ledger_claim(l, b->parked[i].zone->pfns.first +
                         b->parked[i].index, 1, kind, 0, NULL);
}

/*
 * Claims, for every zone of b: its used prefix (kind meta), its
 * allocated blocks (kind alloc, detail the order) and its free blocks
 * (kind free), parked pages included.  Kinds are enum ledger_kind
 * values.
 */
void
buddy_claim(const struct buddy *b, struct ledger *l, unsigned meta,
            unsigned free_kind, unsigned alloc)
{
    unsigned i;

    for (i = 0; i < b->nzones; i++) {
        const struct buddy_zone *z = &b->zone[i];

        if (z->nreserved > 0)
            ledger_claim(l, z->pfns.first, z->nreserved, meta, 0, NULL);
        claim_allocated(z, l, alloc);
        claim_free(z, l, free_kind);
    }
    claim_parked(b, l, free_kind);
}
