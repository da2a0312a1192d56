/*
 * mm/kheap_owner.c - what the kmalloc heap's books say it holds, for
 * the page ledger (mm/ledger.c).
 *
 * kmalloc's book is the owner byte of each page (mm/pagesrc.h): a slab
 * whose header names one of the heap's buckets, or the first page of a
 * run.  A heap on a page source took those blocks from the page
 * allocator, so it claims them one level below it:
 *
 *   depth 0  | kernel block                   | kernel block      |
 *   depth 1  | kmalloc bucket slab (size 64)  | kmalloc large run |
 *
 * A heap over extents took its extents from its caller; inside, its
 * private buddy and the owner bytes describe every page:
 *
 *   depth 1  | kmalloc extent                                 |
 *   depth 2  | kmalloc metadata | page | page page | unused   |
 *   depth 3                     |bucket| large run |
 *
 * so an owner byte that reaches past its block gives two owners, and
 * (over extents) a page the buddy handed out that no owner byte claims
 * has no owner.
 *
 * Invariant: reads only.  An extent whose keys are broken is not read;
 * a slab is claimed only from its first page, with its header's magic
 * and bucket intact.
 * Bounds: on a page source O(claims made before): one owner byte per
 * allocated block of the page allocator; over extents O(pages of the
 * extents), a claimed block's pages skipped.
 * Metadata: none.
 * Read after: mm/kheap.c, mm/buddy_owner.c.  Tests: mm/ledger_test.c.
 */
#include "kheap_internal.h"
#include "ledger.h"

/*
 * Claims the slab or run whose first page is pfn, as the owner byte
 * there says, as kind slab or run; returns the pages claimed, 0 when
 * the page starts neither (or a slab whose header is not one of ours).
 */
static uint64_t
claim_block(const struct kheap *h, struct ledger *l, uint64_t pfn,
            unsigned slab, unsigned run)
{
    void *addr = (void *)(uintptr_t)(pfn << MM_PAGE_SHIFT);
    const uint8_t *own = mm_pagesrc_owner(h->src, addr);
    unsigned order;
    const struct slab *s;

    if (own == NULL)
        return 0;
    order = *own & MM_OWNER_ORDER;
    s = slab_of(addr, order);
    if ((*own & MM_OWNER_KIND) == MM_OWNER_SLAB && (void *)s == addr &&
        s->magic == SLAB_MAGIC && kheap_is_bucket(h, s->cache)) {
        ledger_claim(l, pfn, (uint64_t)1 << order, slab,
                     (uint32_t)((const struct kheap_bucket *)s->cache)->
                     geom.size, NULL);
        return (uint64_t)1 << order;
    }
    if ((*own & MM_OWNER_KIND) == MM_OWNER_LARGE &&
        order <= BUDDY_MAX_ORDER) {
        ledger_claim(l, pfn, (uint64_t)1 << order, run, order, NULL);
        return (uint64_t)1 << order;
    }
    return 0;
}

/* Over extents: every page of [first, end), a claimed block skipped. */
static void
claim_pages(const struct kheap *h, struct ledger *l, uint64_t first,
            uint64_t end)
{
    uint64_t pfn = first, n;

    while (pfn < end) {
        n = claim_block(h, l, pfn, LEDGER_KMALLOC_BUCKET,
                        LEDGER_KMALLOC_LARGE);
        pfn += n > 0 ? n : 1;
    }
}

/*
 * On a page source: each slab and run is one block the page allocator
 * handed out, so only the first pages of the allocated blocks it has
 * claimed already (kind kernel block, depth 0) need a look - O(blocks),
 * not O(pages).  Call after the page allocator's claims.
 */
static void
claim_source_blocks(const struct kheap *h, struct ledger *l)
{
    size_t i, n = l->nclaims;

    for (i = 0; i < n; i++) {
        const struct ledger_claim *c = &l->claim[i];

        if (c->depth == 0 && l->owner[c->owner].kind == LEDGER_KERNEL)
            claim_block(h, l, c->first, LEDGER_KMALLOC_SLAB,
                        LEDGER_KMALLOC_RUN);
    }
}

void
kheap_claim(const struct kheap *h, struct ledger *l)
{
    unsigned i;

    if (h->src == NULL)
        return;                         /* destroyed, or never set up */
    if (!(h->flags & KHEAP_F_EXTENTS)) {
        claim_source_blocks(h, l);
        return;
    }
    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = kheap_extent_at(h, i);
        const struct buddy_zone *z;

        if (!kheap_extent_keys_ok(h, e))
            continue;
        ledger_claim_bytes(l, e->area.first, e->size_bytes,
                           LEDGER_KMALLOC_EXTENT, 0, NULL);
        z = buddy_zone_of(&h->pages, (void *)((e->area.first + MM_PAGE - 1) &
                                              ~(uintptr_t)(MM_PAGE - 1)));
        if (z != NULL)
            claim_pages(h, l, z->pfns.first, z->pfns.last + 1);
    }
    buddy_claim(&h->pages, l, LEDGER_KMALLOC_META, LEDGER_KMALLOC_UNUSED,
                LEDGER_KMALLOC_PAGE);
}

int
kheap_bucket_page_free(const struct kheap *h, uintptr_t addr,
                       unsigned *nblocks)
{
    const uint8_t *own = mm_pagesrc_owner(h->src, (void *)addr);
    const struct slab *s;
    const struct kheap_bucket *b;

    if (own == NULL || (*own & MM_OWNER_KIND) != MM_OWNER_SLAB)
        return -1;
    s = slab_of((void *)addr, *own & MM_OWNER_ORDER);
    b = s->cache;
    if (s->magic != SLAB_MAGIC || !kheap_is_bucket(h, b))
        return -1;
    *nblocks = b->geom.nobjs;
    return (int)(s->nfree + kheap_parked_in(b, s));     /* parked: free */
}
