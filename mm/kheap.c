/*
 * mm/kheap.c - kmalloc: a McKusick-Karels bucket heap, the algorithm.
 *
 * The design of McKusick and Karels ("Design of a General Purpose Memory
 * Allocator for the 4.3BSD UNIX Kernel", USENIX 1988): requests are
 * rounded up to a power of two; each size has a bucket of free blocks;
 * a bucket is refilled by carving one whole page into blocks of its
 * size; and a table with one entry per page (kmemsizes) records which
 * bucket a page serves, so kfree needs no header and no size - the page
 * a pointer lies in says it all.  Requests above half a page are runs of
 * pages from the page allocator.
 *
 *   kmalloc(100): bucket 3 (128 B)        kfree(p): page of p -> entry
 *   bucket[3].pages -> entry -> freelist  entry.bucket = 3 -> 128 bytes
 *
 * A bucket page is a slab in all but name: one page carved into equal
 * blocks, with a free table (freemap, one bit per block) and a free
 * list linked through the free blocks themselves.  What makes it
 * McKusick-Karels and not a slab allocator is where that state lives:
 * not in a header on the page, but in the page's entry of the per-page
 * table, so every byte of the page is a block, and the size of any
 * block is found from its address alone.
 *
 * Per page, struct kheap_page keeps the bucket, the count of free
 * blocks, the page's own free list and its free table; pages with free
 * blocks sit on their bucket's list, partly used ones first.  When a
 * page's blocks are all free again it goes back to the page allocator,
 * except one spare page per bucket (hysteresis: an alloc/free pair at a
 * page boundary does not call the page allocator every time).
 *
 * This file holds the size table, bucket choice, refill, take and put.
 * Page runs are mm/kheap_large.c.  Where pages come from - a heap's
 * extents, each a zone of its own buddy allocator, and growing from a
 * page source - is mm/kheap_extent.c;
 * poisoning, guard bytes and traces are mm/kheap_debug.c (each called
 * through one hook below); realloc, calloc and ksize are
 * mm/kheap_resize.c; reports mm/kheap_report.c; the checker
 * mm/kheap_check.c; the global heap behind kmalloc() mm/kmalloc.c.
 *
 * Invariant: a block is free exactly when its bit is set in its page's
 * freemap, and then it is on that page's free list; a bucket's list
 * holds exactly its pages with a free block; page[i].kind says what
 * the page at first_page + i * 4 KiB is.
 * Bounds: kmalloc and kfree are O(1) when the bucket has a free block,
 * plus O(log extents) to find a pointer's extent (extents <= 32); a
 * refill is one page allocator call and carving one page (O(blocks per
 * page) <= 256); page runs cost one buddy call.  Poisoning and guard
 * checks add a pass over the block.
 * Metadata: one struct kheap_page per 4 KiB page (its size is printed
 * by the kheap.sizes test, which checks it stays under 2%); plus the
 * buddy's 1 byte per page and one extent header per extent.  No header
 * inside blocks.
 * Read after: mm/buddy.c, mm/list.h, mm/bitmap.h.
 * Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

MM_STATIC_ASSERT(KHEAP_NBUCKETS == 8, "buckets 16 B .. 2 KiB");
MM_STATIC_ASSERT(KHEAP_BLOCKS_MAX <= 0xFFFF, "nfree is 16 bits");

/* ---- the size table and bucket choice ------------------------------- */

const char *
kheap_bucket_name(unsigned i)
{
    static const char *const names[KHEAP_NBUCKETS] = {
        "16", "32", "64", "128", "256", "512", "1024", "2048",
    };
    return names[i];
}

/*
 * The bucket for a request of size bytes: the smallest power of two
 * from 16 that holds it.  15 -> 0 (16 B), 16 -> 0, 17 -> 1 (32 B),
 * 2048 -> 7; -1 above half a page (a page run) and for 0.
 */
int
kheap_bucket_of(size_t size)
{
    if (size == 0 || size > KHEAP_MAX_SMALL)
        return -1;
    if (size <= KHEAP_MIN_SIZE)
        return 0;
    /*
     * The bucket is the bit length of size - 1, less 4: 17..32 have
     * size - 1 = 16..31, five bits long, so bucket 1 (32 B).
     * __builtin_clzl counts the leading zero bits of an unsigned long.
     */
    return (int)(sizeof(unsigned long) * 8) -
           __builtin_clzl((unsigned long)size - 1) - KHEAP_MIN_SHIFT;
}

/* ---- refill, take, put ---------------------------------------------- */

/*
 * Refill: one page from the page allocator, carved into blocks of the
 * bucket's size, each linked to the next through its first word:
 *
 *   page:  [blk0|->blk1][blk1|->blk2] ... [blkN-1|NULL]
 *
 * The page goes at the back of the bucket's list; with poisoning on,
 * every block is filled as if freed.  False when no page can be had.
 */
static bool
bucket_refill(struct kheap *h, unsigned bi)
{
    struct kheap_bucket *b = &h->bucket[bi];
    uint8_t *page = kheap_pages_alloc(h, 0);
    struct kheap_page *pg;
    unsigned n = (unsigned)(MM_PAGE / b->size), i;

    if (page == NULL)
        return false;
    pg = page_of(extent_find(h, (uintptr_t)page), (uintptr_t)page);
    pg->kind = KHEAP_PAGE_BUCKET;
    pg->bucket = (uint8_t)bi;
    pg->nfree = (uint16_t)n;
    pg->freelist = page;
    mm_bitmap_fill(pg->freemap, n);
    /* LAB: bucket_refill */
    for (i = 0; i < n; i++) {
        uint8_t *blk = page + i * b->size;

        if (h->poison)
            kheap_poison_fill(blk, b->size);
        *(void **)blk = i + 1 < n ? blk + b->size : NULL;
    }
    /* LAB END */
    mm_list_append(&b->pages, &pg->link);
    b->nempty++;
    b->npages++;
    b->nfree += n;
    kheap_trace("refill", MM_PAGE, kheap_bucket_name(bi), (uintptr_t)page);
    return true;
}

/* Takes one block from the first page on bucket bi's list. */
static MM_INLINE void *
bucket_take(struct kheap *h, unsigned bi)
{
    struct kheap_bucket *b = &h->bucket[bi];
    struct kheap_page *pg = page_of_link(b->pages.next);
    uint8_t *blk;

    /* LAB: bucket_take */
    blk = pg->freelist;
    pg->freelist = *(void **)blk;
    mm_bitmap_clear(pg->freemap, ((uintptr_t)blk & (MM_PAGE - 1)) / b->size);
    if (pg->nfree-- == MM_PAGE / b->size)
        b->nempty--;
    if (pg->nfree == 0)
        mm_list_unlink(&pg->link);
    /* LAB END */
    b->nfree--;
    if (++b->inuse > b->hwm)
        b->hwm = b->inuse;
    b->requests++;
    if (h->poison)
        kheap_poison_check(h, blk, b->size);    /* reported, still used */
    return blk;
}

/* Gives a page whose blocks are all free back to the page allocator. */
void
kheap_drop_page(struct kheap *h, struct kheap_extent *e,
                struct kheap_page *pg)
{
    struct kheap_bucket *b = &h->bucket[pg->bucket];

    mm_list_unlink(&pg->link);
    pg->kind = KHEAP_PAGE_UNUSED;
    b->nempty--;
    b->npages--;
    b->nfree -= MM_PAGE / b->size;
    kheap_trace("return", MM_PAGE, kheap_bucket_name(pg->bucket),
                page_addr(e, pg));
    kheap_pages_free(h, e, (void *)page_addr(e, pg));
}

/*
 * Puts a block back on its page's free list.  A page whose blocks are
 * all free goes back to the page allocator, unless it is the bucket's
 * one spare.
 */
static MM_INLINE void
bucket_put(struct kheap *h, const struct kheap_where *w, uint8_t *blk)
{
    struct kheap_bucket *b = &h->bucket[w->pg->bucket];
    struct kheap_page *pg = w->pg;
    unsigned n = (unsigned)(MM_PAGE / b->size);

    if (h->poison)
        kheap_poison_fill(blk, b->size);
    /* LAB: kfree */
    *(void **)blk = pg->freelist;
    pg->freelist = blk;
    mm_bitmap_set(pg->freemap, w->index);
    if (pg->nfree++ == 0)
        mm_list_push(&b->pages, &pg->link); /* partly used pages first */
    /* LAB END */
    b->inuse--;
    b->nfree++;
    if (pg->nfree < n)
        return;
    if (b->nempty++ == 0)
        return;                         /* kept as the spare */
    kheap_drop_page(h, w->e, pg);
}

/* ---- alloc and free ------------------------------------------------- */

/*
 * The body of kheap_alloc, with h locked and size already valid: a
 * block from the bucket (refilled if empty) or a page run; NULL (and
 * nomem counted) when out of memory.
 */
static MM_INLINE void *
alloc_locked(struct kheap *h, size_t size)
{
    size_t need = kheap_guarded_size(h, size);
    int bi = kheap_bucket_of(need);
    int order = bi < 0 ? buddy_order_for(need) : 0;
    void *p = NULL;

    /* LAB: kmalloc */
    if (bi < 0)
        p = kheap_large_alloc(h, (unsigned)order);
    else if (!mm_list_empty(&h->bucket[bi].pages) ||
             bucket_refill(h, (unsigned)bi))
        p = bucket_take(h, (unsigned)bi);
    /* LAB END */
    if (p == NULL)
        h->nerr[KHEAP_NOMEM]++;
    else if (h->guard)
        kheap_guard_write(p, bi < 0 ? MM_PAGE << order : h->bucket[bi].size,
                          size);
    kheap_trace("alloc", size, bi < 0 ? "large"
                                      : kheap_bucket_name((unsigned)bi),
                (uintptr_t)p);
    return p;
}

void *
kheap_alloc_locked(struct kheap *h, size_t size)
{
    return alloc_locked(h, size);
}

/*
 * Allocates size bytes, aligned to their bucket's size (a page for page
 * runs).  Returns NULL for size 0 (not an error, nothing counted), for
 * sizes beyond the largest run (KHEAP_ERR_SIZE), and when out of memory
 * (counted as nomem).
 */
void *
kheap_alloc(struct kheap *h, size_t size)
{
    size_t need = kheap_guarded_size(h, size);
    void *p;

    if (size == 0)
        return NULL;
    if (need < size || (need > KHEAP_MAX_SMALL && buddy_order_for(need) < 0)) {
        kheap_fail(h, KHEAP_ERR_SIZE, (uintptr_t)size);
        return NULL;
    }
    mm_lock(&h->lock);
    p = alloc_locked(h, size);
    mm_unlock(&h->lock);
    return p;
}

/* Frees the validated block w at p, with h locked. */
void
kheap_put_locked(struct kheap *h, const struct kheap_where *w, void *p)
{
    kheap_trace("free", w->cap, w->pg->kind == KHEAP_PAGE_LARGE ? "large" :
                kheap_bucket_name(w->pg->bucket), (uintptr_t)p);
    if (w->pg->kind == KHEAP_PAGE_LARGE)
        kheap_large_put(h, w, p);
    else
        bucket_put(h, w, p);
}

/*
 * Frees the block that starts at p; NULL does nothing.  Errors (block
 * left as it was): KHEAP_ERR_FOREIGN, _KEY, _MISALIGNED, _INTERIOR,
 * _DOUBLE_FREE, and _GUARD (the block is not freed: it is the overrun
 * that the report is about).
 */
enum kheap_err
kheap_free(struct kheap *h, void *p)
{
    struct kheap_where w;
    enum kheap_err err;

    if (p == NULL)
        return KHEAP_OK;
    mm_lock(&h->lock);
    err = kheap_validate(h, p, &w);
    if (err == KHEAP_OK)
        kheap_put_locked(h, &w, p);
    mm_unlock(&h->lock);
    return err;
}
