/*
 * mm/kheap_report.c - kmalloc's reports: statistics in the layout of
 * vmstat -m, what one page's owner byte says, and the error counters.
 *
 * Invariant: none of its own; reports read and change nothing.
 * Bounds: O(buckets + partial slabs) per report; O(bitmap words) for
 * a page.
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

/* Free blocks in bucket b: its partial slabs', its empty slab's and
 * those in its array. */
static size_t
bucket_nfree(const struct kheap_bucket *b)
{
    const struct mm_list *l;
    size_t n = b->navail + (b->empty != NULL ? b->geom.nobjs : 0);

    for (l = b->partial.next; l != &b->partial; l = l->next)
        n += slab_of_link((struct mm_list *)l)->nfree;
    return n;
}

/*
 * The statistics in the spirit of FreeBSD's vmstat -m: one row per
 * bucket, then the page runs, then the total.
 *   Size      block size in bytes (large: runs of pages)
 *   InUse     blocks handed out now
 *   Free      free blocks in the bucket's slabs (its array's too)
 *   Pages     pages the bucket's slabs hold
 *   Requests  allocations served since boot
 *   HighUse   most blocks in use at once
 * Free walks the bucket's partial slabs (a report may).
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
        size_t bfree = bucket_nfree(b);

        mm_print("kmalloc: %6zu %8zu %8zu %6zu %10lu %8zu\n", b->geom.size,
                 kheap_inuse(b), bfree, b->npages, b->requests, b->hwm);
        inuse += kheap_inuse(b);
        nfree += bfree;
        requests += b->requests;
    }
    mm_print("kmalloc: %6s %8zu %8s %6zu %10lu %8zu\n", "large",
             h->large_inuse, "-", h->large_pages, h->large_requests,
             h->large_hwm);
    mm_print("kmalloc: %6s %8zu %8zu %6zu %10lu %8s\n", "total", inuse,
             nfree, kheap_pages_held(h), requests, "-");
}

/* The slab line of kheap_print_page. */
static void
print_slab(const struct kheap *h, const struct slab *s)
{
    const struct kheap_bucket *b = s->cache;
    unsigned i, parked;

    if (s->magic != SLAB_MAGIC || !kheap_is_bucket(h, b)) {
        mm_print("not this heap's slab\n");
        return;
    }
    parked = kheap_parked_in(b, s);
    mm_print("bucket %zu, %u of %u free, %u parked, free list 0x%08lx, map",
             b->geom.size, (unsigned)s->nfree + parked, b->geom.nobjs,
             parked, (unsigned long)(uintptr_t)s->freelist);
    for (i = 0; i < MM_BITMAP_WORDS(b->geom.nobjs); i++)
        mm_print(" 0x%08lx", (unsigned long)s->freemap[i]);
    mm_print("\n");
}

/*
 * Prints what the owner byte (kmemsizes) of the page holding p says
 * and, for a bucket slab, the slab's state, e.g.
 *   kmalloc: page 0x0011d000 slab 0x0011d000 order 0: bucket 64,
 *            61 of 63 free, 1 parked, free list 0x0011d0c0, map ...
 * (one line): free counts the blocks in the bucket's array (parked) with
 * those on the slab's list.  The map is the free bitmap, block 0 in bit 0 of the first
 * word.  O(words of the bitmap); prints nothing for a page that is not
 * the page source's.
 */
void
kheap_print_page(const struct kheap *h, const void *p)
{
    uintptr_t page = (uintptr_t)p & ~(uintptr_t)(MM_PAGE - 1);
    const uint8_t *own = mm_pagesrc_owner(h->src, p);
    unsigned order;

    if (own == NULL)
        return;
    order = *own & MM_OWNER_ORDER;
    mm_print("kmalloc: page 0x%08lx ", (unsigned long)page);
    switch (*own & MM_OWNER_KIND) {
    case MM_OWNER_SLAB:
        mm_print("slab 0x%08lx order %u: ",
                 (unsigned long)(uintptr_t)slab_of(p, order), order);
        print_slab(h, slab_of(p, order));
        break;
    case MM_OWNER_LARGE:
        mm_print("large, order %u\n", order);
        break;
    case MM_OWNER_INSIDE:
        mm_print("inside a large run\n");
        break;
    default:
        mm_print("unused\n");
    }
}

void
kheap_print_errors(const struct kheap *h)
{
    mm_print("kmalloc: %u extents, %lu out of memory\n", h->next,
             h->nerr[KHEAP_NOMEM]);
    mm_err_print("kmalloc: ", NULL, kheap_err_name, h->nerr,
                 KHEAP_NOMEM + 1, KHEAP_ERR_COUNT, 23);
}
