/*
 * mm/kheap_owner.c - what the kmalloc heap's books say it holds, for
 * the page ledger (mm/ledger.c).
 *
 * A heap's extent is a block it took from the page allocator; inside,
 * two books describe every page: the heap's own buddy (header, page
 * table and state bytes as the used prefix; free pages; pages handed
 * out) and the page table (bucket pages and the first page of each
 * large run).  The ledger gets both, one level apart:
 *
 *   depth 1  | kmalloc extent                                 |
 *   depth 2  | kmalloc metadata | page | page page | unused   |
 *   depth 3                     |bucket| large run |
 *
 * so a page the buddy handed out but the table does not know has no
 * owner, and a table entry over a free page gives two owners.
 *
 * Invariant: reads only.  An extent whose keys are broken is not read.
 * Bounds: O(pages) per extent for the page table, at most 1024.
 * Metadata: none.
 * Read after: mm/kheap.c, mm/buddy_owner.c.  Tests: mm/ledger_test.c.
 */
#include "kheap.h"
#include "ledger.h"

static bool
keys_ok(const struct kheap *h, const struct kheap_extent *e)
{
    return e->key1 == KHEAP_KEY1 && e->key2 == KHEAP_KEY2 && e->heap == h;
}

/* What extent e's page table says, one claim per bucket page or run. */
static void
claim_table(const struct kheap *h, const struct kheap_extent *e,
            struct ledger *l)
{
    uint64_t first = e->first_page >> MM_PAGE_SHIFT;
    size_t j;

    for (j = 0; j < e->npages; j++) {
        const struct kheap_page *pg = &e->page[j];

        if (pg->kind == KHEAP_PAGE_BUCKET && pg->bucket < KHEAP_NBUCKETS)
            ledger_claim(l, first + j, 1, LEDGER_KMALLOC_BUCKET,
                         (uint32_t)h->bucket[pg->bucket].size, NULL);
        else if (pg->kind == KHEAP_PAGE_LARGE &&
                 pg->bucket <= BUDDY_MAX_ORDER)
            ledger_claim(l, first + j, (uint64_t)1 << pg->bucket,
                         LEDGER_KMALLOC_LARGE, pg->bucket, NULL);
        /* any other entry claims nothing: its page, if handed out, is
           then owned by no one */
    }
}

void
kheap_claim(const struct kheap *h, struct ledger *l)
{
    unsigned i;

    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = kheap_extent_at(h, i);

        if (!keys_ok(h, e))
            continue;
        ledger_claim_bytes(l, e->area.first, e->size_bytes, LEDGER_KMALLOC_EXTENT,
                           0, NULL);
        claim_table(h, e, l);
    }
    buddy_claim(&h->pages, l, LEDGER_KMALLOC_META, LEDGER_KMALLOC_UNUSED,
                LEDGER_KMALLOC_PAGE);
}

int
kheap_bucket_page_free(const struct kheap *h, uintptr_t addr,
                       unsigned *nblocks)
{
    unsigned i;

    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = kheap_extent_at(h, i);
        const struct kheap_page *pg;

        if (!keys_ok(h, e) || addr < e->first_page ||
            (addr - e->first_page) >> MM_PAGE_SHIFT >= e->npages)
            continue;
        pg = &e->page[(addr - e->first_page) >> MM_PAGE_SHIFT];
        if (pg->kind != KHEAP_PAGE_BUCKET || pg->bucket >= KHEAP_NBUCKETS)
            return -1;
        *nblocks = (unsigned)(MM_PAGE / h->bucket[pg->bucket].size);
        return pg->nfree;
    }
    return -1;
}
