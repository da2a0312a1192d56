/*
 * mm/kheap.c - kmalloc: a McKusick-Karels bucket heap, the algorithm.
 *
 * The design of McKusick and Karels ("Design of a General Purpose Memory
 * Allocator for the 4.3BSD UNIX Kernel", USENIX 1988): requests are
 * rounded up to a power of two; each size has a bucket of free blocks;
 * an empty bucket is refilled by carving fresh pages into blocks of its
 * size; and a table with one entry per page, kmemsizes, says what each
 * page holds, so kfree needs no header on the block and no size - the
 * page a pointer lies in says it all.  Larger requests are runs of pages
 * straight from the page allocator.
 *
 * Here kmemsizes is the page source's OWNER BYTE (mm/pagesrc.h): one
 * byte per page of the whole memory, kept beside the buddy's own state
 * byte, that the layer holding a page writes.  kmalloc writes
 *
 *   MM_OWNER_SLAB | order    on every page of a bucket's slab,
 *   MM_OWNER_LARGE | order   on the first page of a run,
 *   MM_OWNER_INSIDE          on the other pages of a run,
 *
 * so kfree(p) is: owner byte of p's page (O(1), no search) -> a slab:
 * its header is at p rounded down to the slab's size, and names the
 * bucket; a run: its order is in the byte.
 *
 *   kmalloc(100): bucket 3 (128 B)         kfree(p): owner(p) = SLAB|0
 *   bucket[3].partial -> slab -> block     slab = p & ~4095 -> bucket 3
 *
 * In front of the slabs each bucket keeps an ARRAY of the blocks freed
 * last (KHEAP_ARRAY, newest on top, as Linux's SLAB kept a per-CPU
 * array in front of its slabs): kfree checks p in full, marks it free
 * in its slab's free table and pushes it; kmalloc pops it.  The array
 * lies outside the blocks, so a write after free cannot break it, and a
 * block in it is free in its table, so freeing it again is still a
 * double free.  Only when the array is empty does kmalloc go to the
 * slabs, and only when a free fills it does its older half go back to
 * the slabs' free lists - so the common kmalloc is a pop and one AND
 * (the block's free-table word and bit were saved beside it), and the
 * common kfree never touches a free list or a slab's counts.
 *
 *   kfree(p):   owner byte -> slab -> bucket -> bit set -> array[n++] = p
 *   kmalloc(n): by_size[(n-1)/16] -> bucket -> p = array[--n] -> bit clear
 *
 * A bucket's blocks live in slabs (mm/slab.h): 2^order pages aligned to
 * their size, a header in the first block slots, a free table and a free
 * list through the free blocks.  That is the one place this heap parts
 * from the paper: the paper kept each page's free list in the bucket
 * and never gave pages back; a header per slab (not per block: blocks
 * stay headerless and aligned to their size) lets a slab whose blocks
 * are all free go back to the page allocator.  Each bucket keeps at most
 * one such empty slab (hysteresis); kheap_trim and the page allocator's
 * reclaim hook give it back too, after emptying the arrays into the
 * slabs.  So after every block is freed a heap holds at most one empty
 * slab per bucket (1+1+1+1+1+2+4+8 = 19 pages) plus the slabs of the
 * blocks still in the arrays: at most KHEAP_ARRAY - 1 = 31 per bucket,
 * 31 x 19 = 589 pages if each were alone in its slab; kheap_flush,
 * kheap_trim and the reclaim hook give those back.
 *
 * This file holds bucket choice, refill, take and put, and the fast
 * paths through the arrays; filling and emptying the arrays is
 * mm/kheap_array.c.  Runs are
 * mm/kheap_large.c; bad pointers, poisoning, guard bytes and traces
 * mm/kheap_debug.c, reached through one test of the heap's flags word
 * (kheap_aided); giving slabs back (trim, reclaim) mm/kheap_large.c;
 * heaps over extents mm/kheap_extent.c; realloc, calloc
 * and ksize mm/kheap_resize.c; reports mm/kheap_report.c; the checker
 * mm/kheap_check.c; the ledger's view mm/kheap_owner.c; the global heap
 * behind kmalloc() mm/kmalloc.c.
 *
 * Invariant: every slab of bucket b has owner bytes SLAB|order, its
 * header's cache is b, and it is on b's partial list when its list has
 * a free block and some block is out, on no list (counted in nfull)
 * when its list is empty, or is b->empty; a block in b's array is free
 * in its slab's table, on no list, and array_word/array_bit name its
 * bit; navail < KHEAP_ARRAY between calls; nout counts the blocks out
 * of the slabs (handed out, or in the array), so blocks in use are
 * nout - navail; a run's first page has LARGE|order.
 * Locking: the heap never calls its page source with its lock held, so
 * the page allocator may call kheap_reclaim while it serves us.
 * Bounds: kmalloc and kfree are O(1): a bucket by table lookup, one
 * owner-byte read, an array push or pop, no division; the free that
 * fills an array moves KHEAP_ARRAY / 2 blocks to their slabs (O(1)
 * each, amortised over as many frees); a slab take when the array is
 * empty; a refill carves lazily (mm/slab.c); a run costs one page-source
 * call and writes its 2^order owner bytes.
 * Metadata: the owner byte per page (the page source's); one slab header
 * per slab, in its first block slots (the kheap.sizes test prints it);
 * no header inside blocks; per bucket its array (KHEAP_ARRAY x (two
 * pointers and a word)) and per heap the by_size table (128 pointers).
 * Read after: mm/pagesrc.h, mm/slab.h.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

MM_STATIC_ASSERT(KHEAP_NBUCKETS == 8, "buckets 16 B .. 2 KiB");
MM_STATIC_ASSERT(offsetof(struct kheap_bucket, geom) == 0,
                 "a slab's cache begins with its geometry");

/* ---- bucket choice -------------------------------------------------- */

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
    return (int)kheap_bucket_index(size);
}

/* ---- refill, take, put ---------------------------------------------- */

/*
 * Refill: a fresh slab for bucket b, from the page source, with the
 * lock dropped around the call (the page allocator may reclaim from us
 * meanwhile).  The slab goes on the partial list.  False (nomem
 * counted) when no pages can be had.
 */
/* Lab 4: refill a bucket with a fresh slab from the page source */
static MM_COLD bool
bucket_refill(struct kheap *h, struct kheap_bucket *b)
{
    unsigned order = b->geom.order;
    struct slab *s;
    void *mem;

    mm_unlock(&h->lock);
    mem = mm_pagesrc_alloc(h->src, order);
    mm_lock(&h->lock);
    if (mem == NULL) {
        h->nerr[KHEAP_NOMEM]++;
        return false;
    }
    s = slab_carve(mem, &b->geom, b);
    kheap_set_owner(h, mem, order, (uint8_t)(MM_OWNER_SLAB | order));
    mm_list_push(&b->partial, &s->link);
    b->npages += (size_t)1 << order;
    kheap_trace_refill(h, b, mem);
    return true;
}

/*
 * A slab that slab_take left with no free block leaves the list.  The
 * high-water mark is kept here only, not when a block comes from the
 * array, and is exact all the same: blocks in use plus blocks in the
 * array never exceed hwm (a take from the array or a free keeps their
 * sum, a flush lowers it), so in use can pass hwm only when the array
 * is empty, and that is when a block comes from a slab.
 */
static MM_INLINE void
bucket_took(struct kheap_bucket *b, struct slab *s)
{
    if (s->nfree == 0) {
        mm_list_unlink(&s->link);
        b->nfull++;
    }
    b->requests++;
    b->nout++;
    if (kheap_inuse(b) > b->hwm)
        b->hwm = kheap_inuse(b);
}

/*
 * bucket_take's way when slab_pop gave nothing: slab_take carves the
 * first partial slab's next block (or repairs its broken list); with no
 * partial slab, the kept empty slab, else a refill.  A slab whose table,
 * once repaired, has no free block leaves the list.  NULL when out of
 * memory.
 */
static MM_COLD void *
bucket_take_slow(struct kheap *h, struct kheap_bucket *b)
{
    struct slab *s;
    void *blk;

    for (;;) {
        if (mm_list_empty(&b->partial)) {
            if (b->empty != NULL) {
                mm_list_push(&b->partial, &b->empty->link);
                b->empty = NULL;
            } else if (!bucket_refill(h, b)) {
                return NULL;
            }
        }
        s = slab_of_link(b->partial.next);
        if ((blk = slab_take(s, &b->geom)) != NULL)
            break;
        mm_list_unlink(&s->link);           /* full, by its table */
        b->nfull++;
    }
    bucket_took(b, s);
    return blk;
}

/*
 * Takes a block from bucket b: the head of the first partial slab's
 * free list (the cold path carves, or finds a slab).  A slab left with
 * no free block leaves the partial list.  NULL when out of memory.
 */
/* Lab 4: take a block from a bucket */
static MM_INLINE void *
bucket_take(struct kheap *h, struct kheap_bucket *b)
{
    struct slab *s = slab_of_link(b->partial.next);
    void *blk;

    if (MM_UNLIKELY(&s->link == &b->partial ||
                    (blk = slab_pop(s, &b->geom)) == NULL))
        return bucket_take_slow(h, b);
    bucket_took(b, s);
    return blk;
}

/*
 * After slab_put gave a block back to slab s of bucket b: a slab that
 * was full goes on the partial list; one whose blocks are now all free
 * becomes the bucket's kept empty slab, or, if it has one already, is
 * returned to the caller to give back to the page source (after
 * unlocking).
 */
/* Lab 4: where a slab goes after a block came back */
struct slab *
bucket_settle(struct kheap_bucket *b, struct slab *s)
{
    if (MM_UNLIKELY(s->nfree == 1)) {       /* was full */
        mm_list_push(&b->partial, &s->link);
        b->nfull--;
    }
    if (MM_LIKELY(s->nfree < b->geom.nobjs))
        return NULL;
    mm_list_unlink(&s->link);
    if (b->empty == NULL) {
        b->empty = s;
        return NULL;
    }
    b->npages -= (size_t)1 << b->geom.order;
    return s;
}

/* ---- alloc and free ------------------------------------------------- */

/*
 * A block of bucket b: the newest in its array, else one from a slab.
 * h locked.
 */
static MM_INLINE void *
bucket_alloc(struct kheap *h, struct kheap_bucket *b)
{
    size_t n;
    void *p;

    if (MM_UNLIKELY(b->navail == 0))
        return bucket_take(h, b);
    n = --b->navail;
    p = b->array[n];
    slab_unpark(b->array_word[n], b->array_bit[n]);
    b->requests++;              /* hwm: see bucket_took */
    return p;
}

/* A block for size bytes, 1..KHEAP_MAX_SMALL, from its bucket. */
static MM_INLINE void *
alloc_small(struct kheap *h, size_t size)
{
    struct kheap_bucket *b = h->by_size[(size - 1) >> KHEAP_MIN_SHIFT];
    void *p;

    mm_lock(&h->lock);
    p = bucket_alloc(h, b);
    mm_unlock(&h->lock);
    return p;
}

/*
 * Allocates size bytes (already checked and grown for guard bytes by
 * the caller when aids are on): a block of its bucket, or a run.
 */
void *
kheap_alloc_plain(struct kheap *h, size_t size)
{
    if (MM_UNLIKELY(size - 1 >= KHEAP_MAX_SMALL))      /* 0, or a run */
        return kheap_large_alloc_size(h, size);
    return alloc_small(h, size);
}

/*
 * Allocates size bytes, aligned to their bucket's size (a page for runs).
 * Returns NULL for size 0 (not an error, nothing counted), for sizes
 * beyond the largest run (KHEAP_ERR_SIZE), and when out of memory
 * (counted as nomem).  One compare sends 0, runs and every aid (fast_max
 * is 0 when the heap has flags) away from the fast path.
 */
void *
kheap_alloc(struct kheap *h, size_t size)
{
    if (MM_UNLIKELY(size - 1 >= h->fast_max))
        return kheap_aided(h) ? kheap_alloc_aided(h, size) :
                                kheap_large_alloc_size(h, size);
    return alloc_small(h, size);
}

/*
 * Frees the block that starts at p; NULL does nothing.  The fast path
 * is the paper's: the owner byte (read in the page source's window,
 * mm/pagesrc.h) says "slab", the slab's cache is one of this heap's
 * buckets (its geometry's owner is h), and slab_park marks the
 * block free in its table (it refuses an address off the block grid
 * and a free block without changing a thing); the block goes on the
 * bucket's array with its word and bit, and the free that fills the
 * array sends the older half to the slabs.  Anything else - a run, a
 * page outside the window, a heap with aids, or any error - goes to
 * kheap_free_slow, which looks again through the page source and
 * classifies it.  Errors (block left as it was):
 * KHEAP_ERR_FOREIGN, _KEY, _MISALIGNED, _INTERIOR, _DOUBLE_FREE, and
 * _GUARD (the block is not freed: the overrun is what is reported).
 */
/* Lab 4: kfree through the per-page size table (the owner byte) */
enum kheap_err
kheap_free(struct kheap *h, void *p)
{
    struct kheap_bucket *b;
    struct slab *s;
    size_t n;
    uint8_t own;

    mm_lock(&h->lock);
    own = (uint8_t)(kheap_window_byte(h, p) - MM_OWNER_SLAB);
    if (MM_UNLIKELY(own > MM_OWNER_ORDER))      /* not SLAB | order */
        return kheap_free_slow(h, p);   /* a run, outside, aided, bad */
    s = slab_of(p, own);
    /* Every slab's cache begins with its geometry (mm/slab.h); only h's
     * buckets have h for owner: no pool's, no other heap's. */
    if (MM_UNLIKELY(((const struct slab_geom *)s->cache)->owner != h))
        return kheap_free_slow(h, p);
    b = s->cache;
    MM_ASSUME(b->geom.shift != 0);      /* every bucket's size is 2^k */
    n = b->navail;
    if (MM_UNLIKELY(slab_park(s, &b->geom, p, &b->array_word[n],
                                  &b->array_bit[n]) != 0))
        return kheap_free_slow(h, p);
    b->array[n] = p;
    b->navail = ++n;
    if (MM_UNLIKELY(n == KHEAP_ARRAY))
        return bucket_overflow(h, b);
    mm_unlock(&h->lock);
    return KHEAP_OK;
}
