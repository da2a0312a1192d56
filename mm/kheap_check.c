/*
 * mm/kheap_check.c - the kmalloc checker: walks all of a heap's state.
 *
 * kheap_check compares what the fast path keeps in step: each extent's
 * keys; each bucket page's free list, free table and count; each
 * bucket's list (exactly its pages with a free block) and totals; the
 * page runs; and, under it all, the heap's buddy allocator.  Each
 * violation is printed ("kheap: check: WHAT at 0xADDR").
 *
 * Invariant: none of its own; it reads and changes nothing.
 * Bounds: O(pages x blocks per page), under the heap's lock.
 * Metadata: none.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

static unsigned
check_fail(const char *what, uintptr_t addr)
{
    mm_print("kheap: check: %s at 0x%08lx\n", what, (unsigned long)addr);
    return 1;
}

/* One bucket page: free list, bitmap and count agree. */
static unsigned
check_page(const struct kheap *h, const struct kheap_extent *e,
           const struct kheap_page *pg, size_t *nfree)
{
    size_t size = h->bucket[pg->bucket].size;
    uintptr_t page = page_addr(e, pg);
    unsigned n = 0;
    const uint8_t *blk;

    for (blk = pg->freelist; blk != NULL && n <= MM_PAGE / size;
         blk = *(void *const *)blk) {
        if ((uintptr_t)blk - page >= MM_PAGE ||
            ((uintptr_t)blk - page) % size != 0 ||
            !mm_bitmap_test(pg->freemap, ((uintptr_t)blk - page) / size))
            return check_fail("bad free-list entry", (uintptr_t)blk);
        n++;
    }
    if (n != pg->nfree ||
        mm_bitmap_count(pg->freemap, MM_PAGE / size) != pg->nfree)
        return check_fail("free count, list and bitmap differ", page);
    *nfree += n;
    return 0;
}

/*
 * Bucket b's list holds exactly its pages with a free block: each
 * listed page is one of b's with a free block, and they number as many
 * as the page walk found (a longer walk would be a loop).
 */
static unsigned
check_bucket_list(const struct kheap_bucket *b, unsigned bi,
                  size_t with_free)
{
    const struct mm_list *l;
    size_t listed = 0;

    for (l = b->pages.next; l != &b->pages; l = l->next) {
        const struct kheap_page *pg = page_of_link((struct mm_list *)l);

        if (++listed > b->npages)
            return check_fail("bucket list loops", bi);
        if (pg->kind != KHEAP_PAGE_BUCKET || pg->bucket != bi ||
            pg->nfree == 0)
            return check_fail("page on the wrong list", bi);
    }
    if (listed != with_free)
        return check_fail("page with free blocks off its list", bi);
    return 0;
}

/*
 * Walks every extent and page: keys intact, each bucket page's free
 * list, bitmap and count agree, bucket lists and totals match the
 * pages, page runs add up.  Prints each violation; returns how many.
 */
unsigned
kheap_check(struct kheap *h)
{
    size_t nfree[KHEAP_NBUCKETS] = { 0 }, npages[KHEAP_NBUCKETS] = { 0 };
    size_t with_free[KHEAP_NBUCKETS] = { 0 }, large = 0, runs = 0;
    unsigned bad = 0, i, j;

    mm_lock(&h->lock);
    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = kheap_extent_at(h, i);

        if (!kheap_extent_keys_ok(h, e)) {
            bad += check_fail("extent keys", e->area.first);
            continue;
        }
        for (j = 0; j < e->npages; j++) {
            const struct kheap_page *pg = &e->page[j];

            if (pg->kind == KHEAP_PAGE_BUCKET) {
                npages[pg->bucket]++;
                with_free[pg->bucket] += pg->nfree > 0;
                bad += check_page(h, e, pg, &nfree[pg->bucket]);
            } else if (pg->kind == KHEAP_PAGE_LARGE) {
                runs++;
                large += (size_t)1 << pg->bucket;
            }
        }
    }
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        if (nfree[i] != h->bucket[i].nfree ||
            npages[i] != h->bucket[i].npages)
            bad += check_fail("bucket totals differ from its pages", i);
        bad += check_bucket_list(&h->bucket[i], i, with_free[i]);
    }
    if (runs != h->large_inuse || large != h->large_pages)
        bad += check_fail("page-run totals differ", runs);
    bad += buddy_check(&h->pages);
    mm_unlock(&h->lock);
    return bad;
}
