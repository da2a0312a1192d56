/*
 * tests/bench/ref_kmalloc.c - the minimal reference kmalloc (refs.h).
 *
 * McKusick and Karels's allocator as their paper gives it: a request is
 * rounded up to a power of two from 16 bytes to half a page; each power
 * has a bucket, a singly linked list of free blocks; an empty bucket is
 * refilled by carving one page into blocks; and kmemsizes, one byte per
 * page of the region (kmem_map), says what size of block a page holds,
 * so kfree needs neither a header nor a size.  Larger requests are runs
 * of pages straight from the buddy.  Bucket pages are never given back,
 * as in the paper.
 *
 * Invariant: sizes[i] is log2 of the block size of bucket page i, and
 * 12 + order at the first page of a run; a free block is on the bucket
 * of its page's size.  Checked variant: a block's busy bit (its first
 * 16-byte granule) is set exactly while it is handed out.
 * Bounds: O(1), but a refill carves one page (at most 256 blocks).
 * Metadata: 1 byte per page (0.024%); checked: + 1 bit per 16 bytes
 * (0.78%); both outside the region.
 */
#include "refs.h"

#include <stdlib.h>

#define NOINLINE    __attribute__((noinline))
#define GRAIN       ((uintptr_t)1 << REF_KM_MIN_SHIFT)

/* log2 of the block for size bytes: 1..16 -> 4, 17..32 -> 5, 100 -> 7. */
static inline unsigned
size_shift(size_t size)
{
    if (size <= GRAIN)
        return REF_KM_MIN_SHIFT;
    return 64 - (unsigned)__builtin_clzll((unsigned long long)size - 1);
}

static inline size_t
page_of(const struct ref_kmalloc *k, const void *p)
{
    return (size_t)((const uint8_t *)p - k->pages.base) >> REF_PAGE_SHIFT;
}

void
ref_kmalloc_init(struct ref_kmalloc *k, void *base, size_t npages)
{
    unsigned i;

    ref_buddy_init(&k->pages, base, npages);
    npages = k->pages.npages;           /* from the 4 MiB boundary */
    k->sizes = calloc(npages, 1);
    k->busy = calloc(npages * (REF_PAGE / GRAIN / 64), sizeof *k->busy);
    for (i = 0; i < REF_PAGE_SHIFT; i++)
        k->bucket[i] = NULL;
    for (i = 0; i < REF_ERR_COUNT; i++)
        k->nerr[i] = 0;
}

void
ref_kmalloc_fini(struct ref_kmalloc *k)
{
    free(k->busy);
    free(k->sizes);
    ref_buddy_fini(&k->pages);
}

/* Carves a fresh page into 2^s-byte blocks on bucket s; 0 if none. */
static NOINLINE int
refill(struct ref_kmalloc *k, unsigned s)
{
    uint8_t *pg = ref_buddy_alloc(&k->pages, 0), *blk;

    if (pg == NULL)
        return 0;
    k->sizes[page_of(k, pg)] = (uint8_t)s;
    for (blk = pg + REF_PAGE; blk > pg;) {
        blk -= (size_t)1 << s;
        *(void **)blk = k->bucket[s];
        k->bucket[s] = blk;
    }
    return 1;
}

/* A run of 2^(s - 12) pages, its size noted at its first page. */
static NOINLINE void *
run_alloc(struct ref_kmalloc *k, unsigned s)
{
    void *p = ref_buddy_alloc(&k->pages, s - REF_PAGE_SHIFT);

    if (p != NULL)
        k->sizes[page_of(k, p)] = (uint8_t)s;
    return p;
}

static inline void *
take(struct ref_kmalloc *k, size_t size)
{
    unsigned s = size_shift(size);
    void *p;

    if (s >= REF_PAGE_SHIFT)
        return run_alloc(k, s);
    if (k->bucket[s] == NULL && !refill(k, s))
        return NULL;
    p = k->bucket[s];
    k->bucket[s] = *(void **)p;
    return p;
}

static inline void
put(struct ref_kmalloc *k, void *p, unsigned s)
{
    if (s >= REF_PAGE_SHIFT) {
        ref_buddy_free(&k->pages, p);
        return;
    }
    *(void **)p = k->bucket[s];
    k->bucket[s] = p;
}

NOINLINE void *
ref_kmalloc(struct ref_kmalloc *k, size_t size)
{
    return take(k, size);
}

/* Frees the block at p; trusts the caller. */
NOINLINE void
ref_kfree(struct ref_kmalloc *k, void *p)
{
    put(k, p, k->sizes[page_of(k, p)]);
}

/* ---- the checked variant: a double-free bitmap, bad frees refused ---- */

NOINLINE void *
ref_kmalloc_checked(struct ref_kmalloc *k, size_t size)
{
    uint8_t *p = take(k, size);

    if (p != NULL) {
        uintptr_t g = (uintptr_t)(p - k->pages.base) / GRAIN;

        k->busy[g / 64] |= (uint64_t)1 << (g % 64);
    }
    return p;
}

/* Why off is no block handed out: the error, counted (cold). */
static NOINLINE enum ref_err
refuse(struct ref_kmalloc *k, uintptr_t off)
{
    enum ref_err err;
    unsigned s;

    if (off >= k->pages.npages << REF_PAGE_SHIFT ||
        off < k->pages.first << REF_PAGE_SHIFT)
        err = REF_ERR_FOREIGN;
    else if (off & (GRAIN - 1))
        err = REF_ERR_MISALIGNED;
    else if ((s = k->sizes[off >> REF_PAGE_SHIFT]) == 0 ||
             (off & (((uintptr_t)1 << s) - 1)) != 0)
        err = REF_ERR_INTERIOR;
    else
        err = REF_ERR_DOUBLE_FREE;
    k->nerr[err]++;
    return err;
}

/*
 * The same free, refusing what kmemlab's kfree refuses; NULL does
 * nothing.  The fast path folds the checks into three tests: inside the
 * region; aligned to the page's block size (a page that holds no block
 * has size 0, mask 0, and fails the next test); busy bit set, which it
 * is only at a block handed out.  An interior page of a run that was
 * itself once a run's first page still has that size noted: a free
 * there is refused as a double free (refused all the same, under a
 * looser name).
 */
NOINLINE enum ref_err
ref_kfree_checked(struct ref_kmalloc *k, void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)k->pages.base, g;
    unsigned s;

    if (p == NULL)
        return REF_OK;
    if (off >= k->pages.npages << REF_PAGE_SHIFT)
        return refuse(k, off);
    s = k->sizes[off >> REF_PAGE_SHIFT];
    g = off / GRAIN;
    if ((off & (((uintptr_t)1 << s) - 1)) ||
        !(k->busy[g / 64] & ((uint64_t)1 << (g % 64))))
        return refuse(k, off);
    k->busy[g / 64] &= ~((uint64_t)1 << (g % 64));
    put(k, p, s);
    return REF_OK;
}
