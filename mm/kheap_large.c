/*
 * mm/kheap_large.c - kmalloc's page runs: requests above half a page.
 *
 * A request above the largest bucket (2 KiB) is a run of 2^order whole
 * pages from the heap's buddy allocator.  Its first page's table entry
 * says "large" and holds the order, so kfree finds the run's size from
 * the address alone, as for a bucket block.
 *
 * Invariant: a run's first page has kind KHEAP_PAGE_LARGE and its order
 * in bucket; large_inuse and large_pages count the runs handed out.
 * Bounds: one buddy call per run (plus growing the heap, see
 * mm/kheap_extent.c).
 * Metadata: none beyond the page table.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

/* A run of 2^order pages for a request above half a page. */
void *
kheap_large_alloc(struct kheap *h, unsigned order)
{
    struct kheap_page *pg;
    void *p = kheap_pages_alloc(h, order);

    if (p == NULL)
        return NULL;
    pg = page_of(extent_find(h, (uintptr_t)p), (uintptr_t)p);
    pg->kind = KHEAP_PAGE_LARGE;
    pg->bucket = (uint8_t)order;
    h->large_pages += (size_t)1 << order;
    if (++h->large_inuse > h->large_hwm)
        h->large_hwm = h->large_inuse;
    h->large_requests++;
    return p;
}

void
kheap_large_put(struct kheap *h, const struct kheap_where *w, void *p)
{
    w->pg->kind = KHEAP_PAGE_UNUSED;
    h->large_inuse--;
    h->large_pages -= (size_t)1 << w->pg->bucket;
    kheap_pages_free(h, w->e, p);
}
