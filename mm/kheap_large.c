/*
 * mm/kheap_large.c - kmalloc's page runs (requests above half a page),
 * and giving empty slabs back to the page source.
 *
 * A request above the largest bucket (2 KiB) is a run of 2^order whole
 * pages straight from the heap's page source, up to its largest block
 * (4 MiB from the buddy).  Its first page's owner byte says LARGE and
 * holds the order, the others say INSIDE, so kfree finds the run's size
 * from the address alone, as for a bucket block, and a pointer into a
 * later page is known to be interior.  Slabs use the same owner bytes
 * (kheap_set_owner).
 *
 * An empty slab goes back through kheap_slab_release: when a bucket has
 * one empty slab already, on trim, and when the page allocator calls
 * kheap_reclaim before it fails.
 *
 * Invariant: a run's first page has owner LARGE|order, its other pages
 * INSIDE, while it is handed out; large_inuse and large_pages count the
 * runs handed out.
 * Bounds: one page-source call per run, plus 2^order owner bytes.
 * Metadata: none beyond the owner bytes.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

/* Writes v into the owner byte of each of the 2^order pages at p. */
void
kheap_set_owner(const struct kheap *h, void *p, unsigned order, uint8_t v)
{
    size_t i;

    for (i = 0; i < (size_t)1 << order; i++)
        *mm_pagesrc_owner(h->src, (uint8_t *)p + i * MM_PAGE) = v;
}

/* A run of 2^order pages; NULL (nomem counted) when none can be had. */
static void *
run_alloc(struct kheap *h, unsigned order)
{
    void *p = mm_pagesrc_alloc(h->src, order);

    mm_lock(&h->lock);
    if (p == NULL) {
        h->nerr[KHEAP_NOMEM]++;
    } else {
        kheap_set_owner(h, p, order, MM_OWNER_INSIDE);
        *mm_pagesrc_owner(h->src, p) = (uint8_t)(MM_OWNER_LARGE | order);
        h->large_pages += (size_t)1 << order;
        if (++h->large_inuse > h->large_hwm)
            h->large_hwm = h->large_inuse;
        h->large_requests++;
    }
    mm_unlock(&h->lock);
    return p;
}

/* Gives back the run at p, validated; called locked, returns unlocked. */
void
kheap_large_put(struct kheap *h, void *p, unsigned order)
{
    kheap_set_owner(h, p, order, MM_OWNER_NONE);
    h->large_inuse--;
    h->large_pages -= (size_t)1 << order;
    mm_unlock(&h->lock);
    mm_pagesrc_free(h->src, p, order);
}

/*
 * A run for a request of size bytes above half a page: NULL for 0 (not
 * counted), for sizes above the largest block (KHEAP_ERR_SIZE), and
 * when out of memory (nomem).
 */
void *
kheap_large_alloc_size(struct kheap *h, size_t size)
{
    int order;

    if (size == 0)
        return NULL;
    if ((order = buddy_order_for(size)) < 0) {
        kheap_fail(h, KHEAP_ERR_SIZE, (uintptr_t)size);
        return NULL;
    }
    return run_alloc(h, (unsigned)order);
}

/*
 * Gives slab s (all blocks free, on no list) back to the page source.
 * Returns KHEAP_OK, so that kfree can end with this call as a jump.
 */
enum kheap_err
kheap_slab_release(struct kheap *h, struct slab *s, unsigned order)
{
    kheap_set_owner(h, s, order, MM_OWNER_NONE);
    kheap_trace_return(h, s, order);
    mm_pagesrc_free(h->src, s, order);
    return KHEAP_OK;
}

/* ---- giving memory back --------------------------------------------- */

/*
 * Gives every bucket's kept empty slab back to the page source; returns
 * the pages released.  The page allocator calls this (as a reclaimer,
 * mm/buddy.h) before it fails an allocation; kheap_trim is the same.
 */
size_t
kheap_reclaim(void *heap)
{
    struct kheap *h = heap;
    struct slab *spare[KHEAP_NBUCKETS];
    size_t pages = 0;
    unsigned i;

    pages = kheap_flush(h);
    mm_lock(&h->lock);
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        struct kheap_bucket *b = &h->bucket[i];

        spare[i] = b->empty;
        b->empty = NULL;
        if (spare[i] != NULL)
            b->npages -= (size_t)1 << b->geom.order;
    }
    mm_unlock(&h->lock);
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        if (spare[i] == NULL)
            continue;
        kheap_slab_release(h, spare[i], h->bucket[i].geom.order);
        pages += (size_t)1 << h->bucket[i].geom.order;
    }
    return pages;
}

void
kheap_trim(struct kheap *h)
{
    kheap_reclaim(h);
}
