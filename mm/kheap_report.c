/*
 * mm/kheap_report.c - kmalloc's reports: statistics in the layout of
 * vmstat -m, one page's table entry, and the error counters.
 *
 * Invariant: none of its own; reports read and change nothing.
 * Bounds: O(buckets) per report; O(bitmap words) for a page.
 * Metadata: none.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

size_t
kheap_pages_held(const struct kheap *h)
{
    size_t n = h->large_pages;
    unsigned i;

    for (i = 0; i < KHEAP_NBUCKETS; i++)
        n += h->bucket[i].npages;
    return n;
}

/*
 * The statistics in the spirit of FreeBSD's vmstat -m: one row per
 * bucket, then the page runs, then the total.
 *   Size      block size in bytes (large: runs of pages)
 *   InUse     blocks handed out now
 *   Free      free blocks in the bucket's pages
 *   Pages     pages the bucket holds
 *   Requests  allocations served since boot
 *   HighUse   most blocks in use at once
 */
void
kheap_print_stats(const struct kheap *h)
{
    size_t inuse = h->large_inuse, nfree = 0;
    unsigned long requests = h->large_requests;
    unsigned i;

    mm_print("kmalloc: %6s %8s %8s %6s %10s %8s\n", "Size", "InUse", "Free",
             "Pages", "Requests", "HighUse");
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        const struct kheap_bucket *b = &h->bucket[i];

        mm_print("kmalloc: %6zu %8zu %8zu %6zu %10lu %8zu\n", b->size,
                 b->inuse, b->nfree, b->npages, b->requests, b->hwm);
        inuse += b->inuse;
        nfree += b->nfree;
        requests += b->requests;
    }
    mm_print("kmalloc: %6s %8zu %8s %6zu %10lu %8zu\n", "large",
             h->large_inuse, "-", h->large_pages, h->large_requests,
             h->large_hwm);
    mm_print("kmalloc: %6s %8zu %8zu %6zu %10lu %8s\n", "total", inuse,
             nfree, kheap_pages_held(h), requests, "-");
}

/*
 * Prints the page-table entry (kmemsizes) of the page holding p, e.g.
 *   kmalloc: page 0x0011d000 entry 3 of extent 0x00119000: bucket 64,
 *            62 of 64 free, free list 0x0011d080, map 0xfffffffc ...
 * (one line).  The map is the free bitmap, block 0 in bit 0 of the first
 * word.  O(words of the bitmap); prints nothing for a foreign p.
 */
void
kheap_print_page(const struct kheap *h, const void *p)
{
    const struct kheap_extent *e = extent_find(h, (uintptr_t)p);
    const struct kheap_page *pg;
    unsigned nblk, i;

    if (e == NULL || (uintptr_t)p < e->first_page ||
        ((uintptr_t)p - e->first_page) >> MM_PAGE_SHIFT >= e->npages)
        return;
    pg = page_of(e, (uintptr_t)p);
    mm_print("kmalloc: page 0x%08lx entry %u of extent 0x%08lx: ",
             (unsigned long)page_addr(e, pg), (unsigned)(pg - e->page),
             (unsigned long)e->area.first);
    if (pg->kind == KHEAP_PAGE_LARGE) {
        mm_print("large, order %u\n", pg->bucket);
        return;
    }
    if (pg->kind != KHEAP_PAGE_BUCKET) {
        mm_print("unused\n");
        return;
    }
    nblk = (unsigned)(MM_PAGE / h->bucket[pg->bucket].size);
    mm_print("bucket %zu, %u of %u free, free list 0x%08lx, map",
             h->bucket[pg->bucket].size, pg->nfree, nblk,
             (unsigned long)(uintptr_t)pg->freelist);
    for (i = 0; i < MM_BITMAP_WORDS(nblk); i++)
        mm_print(" 0x%08lx", (unsigned long)pg->freemap[i]);
    mm_print("\n");
}

void
kheap_print_errors(const struct kheap *h)
{
    mm_print("kmalloc: %u extents, %lu out of memory\n", h->next,
             h->nerr[KHEAP_NOMEM]);
    mm_err_print("kmalloc: ", NULL, kheap_err_name, h->nerr,
                 KHEAP_NOMEM + 1, KHEAP_ERR_COUNT, 23);
}
