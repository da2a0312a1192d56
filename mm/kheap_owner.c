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
 * so an owner byte over a free page gives two owners, and (over
 * extents) a page the buddy handed out that no owner byte claims has no
 * owner.
 *
 * Invariant: reads only.  An extent whose keys are broken is not read;
 * a slab is claimed only from its first page, with its header's magic
 * and bucket intact.
 * Bounds: O(pages of the span, or of the extents): each page's owner
 * byte is read once, a claimed block's pages are skipped.
 * Metadata: none.
 * Read after: mm/kheap.c, mm/buddy_owner.c.  Tests: mm/ledger_test.c.
 */
#include "kheap_internal.h"
#include "ledger.h"

/*
 * Claims the slabs and runs the owner bytes of pages [first, end) name
 * as kinds slab and run.
 */
static void
claim_pages(const struct kheap *h, struct ledger *l, uint64_t first,
            uint64_t end, unsigned slab, unsigned run)
{
    uint64_t pfn = first;

    while (pfn < end) {
        void *addr = (void *)(uintptr_t)(pfn << MM_PAGE_SHIFT);
        const uint8_t *own = mm_pagesrc_owner(h->src, addr);
        unsigned order = own == NULL ? 0 : *own & MM_OWNER_ORDER;
        const struct slab *s = slab_of(addr, order);

        if (own != NULL && (*own & MM_OWNER_KIND) == MM_OWNER_SLAB &&
            (void *)s == addr && s->magic == SLAB_MAGIC &&
            kheap_is_bucket(h, s->cache)) {
            ledger_claim(l, pfn, (uint64_t)1 << order, slab,
                         (uint32_t)((const struct kheap_bucket *)
                                    s->cache)->geom.size, NULL);
        } else if (own != NULL &&
                   (*own & MM_OWNER_KIND) == MM_OWNER_LARGE &&
                   order <= BUDDY_MAX_ORDER) {
            ledger_claim(l, pfn, (uint64_t)1 << order, run, order, NULL);
        } else {
            order = 0;
        }
        pfn += (uint64_t)1 << order;
    }
}

void
kheap_claim(const struct kheap *h, struct ledger *l)
{
    unsigned i;

    if (h->src == NULL)
        return;                         /* destroyed, or never set up */
    if (!(h->flags & KHEAP_F_EXTENTS)) {
        claim_pages(h, l, l->first_pfn, l->end_pfn, LEDGER_KMALLOC_SLAB,
                    LEDGER_KMALLOC_RUN);
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
            claim_pages(h, l, z->pfns.first, z->pfns.last + 1,
                        LEDGER_KMALLOC_BUCKET, LEDGER_KMALLOC_LARGE);
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
    return (int)s->nfree;
}
