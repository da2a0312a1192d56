/*
 * mm/kheap_debug.c - kmalloc's cold paths: classifying a bad pointer,
 * and the aids (poisoning, guard bytes, traces, extent keys).
 *
 * mm/kheap.c's fast paths test one word (kheap_aided): when any aid is
 * on, kheap_alloc and kheap_free come here instead, do the aid's work
 * around the same core calls, and validate every pointer in full.  When
 * kfree's three folded tests fail (owner byte not a slab, slab not one
 * of our buckets, slab_put refused), kheap_free_slow finds out why:
 * kheap_lookup walks the checks one by one and names the error.
 *
 * With guard bytes on, a block of capacity cap holding a request of n
 * bytes looks like this; the trailer records n so kfree can check:
 *
 *   | n bytes for the caller | guard 0xAB ... | n (4 bytes) |
 *                            ^ at least 4 guard bytes
 *
 * Invariant: a guarded block handed out has every byte from n up to
 * its trailer equal to the guard byte, until its owner overruns it; with
 * poisoning on, every free block of a slab (carved or not) is poison
 * past its link word.
 * Bounds: O(1) per lookup, error or trace; O(block size) per fill or
 * check; a poisoned refill fills the slab once.
 * Metadata: none beyond the guard bytes and trailer in each block.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

#define KHEAP_POISON        0x5Au   /* freed blocks, past the link */
#define KHEAP_GUARD         0xABu   /* between the request and the end */

const char *const kheap_err_name[KHEAP_ERR_COUNT] = {
    [KHEAP_OK] = "ok",
    [KHEAP_NOMEM] = "out of memory",
    [KHEAP_ERR_FOREIGN] = "foreign pointer",
    [KHEAP_ERR_MISALIGNED] = "misaligned pointer",
    [KHEAP_ERR_INTERIOR] = "interior pointer",
    [KHEAP_ERR_DOUBLE_FREE] = "double free",
    [KHEAP_ERR_SIZE] = "size too large",
    [KHEAP_ERR_OVERFLOW] = "size overflow",
    [KHEAP_ERR_KEY] = "extent key overwritten",
    [KHEAP_ERR_POISON] = "write after free",
    [KHEAP_ERR_GUARD] = "guard bytes overwritten",
    [KHEAP_ERR_PAGESIZE] = "bad page size",
    [KHEAP_ERR_EXTENT] = "bad extent",
};

/* The bucket's size as text, for traces: "16" .. "2048". */
const char *
kheap_bucket_name(unsigned i)
{
    static const char *const names[KHEAP_NBUCKETS] = {
        "16", "32", "64", "128", "256", "512", "1024", "2048",
    };
    return names[i];
}

/* Counts ERR and, in debug mode, stops naming ADDR. */
enum kheap_err
kheap_fail(struct kheap *h, enum kheap_err err, uintptr_t addr)
{
    mm_err_count(h->nerr, err, kheap_err_name, "kheap", "heap", h->name,
                 addr);
    return err;
}

static void
trace(const struct kheap *h, const char *event, size_t size,
      const char *bucket, uintptr_t addr)
{
    if (h->flags & KHEAP_F_TRACE)
        mm_print("trace: kmalloc %s size=%zu bucket=%s addr=0x%08lx\n",
                 event, size, bucket, (unsigned long)addr);
}

/* ---- putting a validated block back ----------------------------------- */

/*
 * Puts the validated block w back, with h locked; unlocks.  A slab left
 * empty beyond the one kept goes back to the page source.
 */
void
kheap_put_locked(struct kheap *h, const struct kheap_where *w, void *p)
{
    struct slab *spare;

    if (w->b == NULL) {
        kheap_large_put(h, p, w->order);
        return;
    }
    MM_ASSERT(slab_put(w->s, &w->b->geom, p) == 0);
    w->b->nout--;
    spare = bucket_settle(w->b, w->s);
    mm_unlock(&h->lock);
    if (spare != NULL)
        kheap_slab_release(h, spare, w->b->geom.order);
}

/* ---- classifying a pointer ------------------------------------------ */

/* The block at p in the slab of 2^order pages holding it. */
static enum kheap_err
slab_block(const struct kheap *h, uintptr_t p, unsigned order,
           struct kheap_where *w)
{
    struct slab *s = slab_of((void *)p, order);
    struct kheap_bucket *b = s->cache;
    long i;

    if (s->magic != SLAB_MAGIC || !kheap_is_bucket(h, b) ||
        b != &h->bucket[b - h->bucket])
        return KHEAP_ERR_FOREIGN;       /* a pool's slab, or another's */
    if (p < s->base)
        return KHEAP_ERR_FOREIGN;       /* the slab's own header */
    i = slab_lookup(s, &b->geom, p, b->geom.nobjs);
    if (i < 0)
        return KHEAP_ERR_INTERIOR;
    if (mm_bitmap_test(s->freemap, (size_t)i))
        return KHEAP_ERR_DOUBLE_FREE;
    w->b = b;
    w->s = s;
    w->cap = b->geom.size;
    return KHEAP_OK;
}

/*
 * Finds the block that starts at p, checking each thing in turn: the
 * extent's keys (heaps over extents), the page is the source's, p is on
 * the 16-byte grid, and what the owner byte says.  Changes nothing;
 * called with the heap locked.
 */
enum kheap_err
kheap_lookup(const struct kheap *h, uintptr_t p, struct kheap_where *w)
{
    const uint8_t *own;
    enum kheap_err err;

    if ((h->flags & KHEAP_F_EXTENTS) &&
        (err = kheap_extent_lookup(h, p)) != KHEAP_OK)
        return err;
    own = mm_pagesrc_owner(h->src, (void *)p);
    if (own == NULL)
        return KHEAP_ERR_FOREIGN;
    if ((p & (KHEAP_MIN_SIZE - 1)) != 0)
        return KHEAP_ERR_MISALIGNED;
    switch (*own & MM_OWNER_KIND) {
    case MM_OWNER_SLAB:
        return slab_block(h, p, *own & MM_OWNER_ORDER, w);
    case MM_OWNER_LARGE:
        w->b = NULL;
        w->order = *own & MM_OWNER_ORDER;
        w->cap = (size_t)MM_PAGE << w->order;
        return (p & (MM_PAGE - 1)) == 0 ? KHEAP_OK : KHEAP_ERR_INTERIOR;
    case MM_OWNER_INSIDE:
        return KHEAP_ERR_INTERIOR;      /* a later page of a run */
    default:
        return kheap_unused_page_error(h, p);
    }
}

/*
 * kfree's way for all but a slab block: a run, NULL, or a bad pointer.
 * Called locked (from kheap_free); returns unlocked.
 */
enum kheap_err
kheap_free_slow(struct kheap *h, void *p)
{
    struct kheap_where w;
    enum kheap_err err;

    if (kheap_aided(h)) {
        mm_unlock(&h->lock);
        return kheap_free_aided(h, p);
    }
    if (p == NULL) {
        mm_unlock(&h->lock);
        return KHEAP_OK;
    }
    err = kheap_lookup(h, (uintptr_t)p, &w);
    if (err != KHEAP_OK) {
        mm_unlock(&h->lock);
        return kheap_fail(h, err, (uintptr_t)p);
    }
    kheap_put_locked(h, &w, p);
    return KHEAP_OK;
}

/* ---- poison and guard bytes ----------------------------------------- */

/* Counts a write after free at the first byte past the link not poison. */
static void
poison_check(struct kheap *h, const void *blk, size_t size)
{
    const uint8_t *b = blk;
    size_t i;

    for (i = sizeof(void *); i < size; i++)
        if (b[i] != KHEAP_POISON) {
            kheap_fail(h, KHEAP_ERR_POISON, (uintptr_t)&b[i]);
            return;
        }
}

static void
guard_write(uint8_t *blk, size_t cap, size_t n)
{
    uint32_t len = (uint32_t)n;

    mm_memset(blk + n, KHEAP_GUARD, cap - KHEAP_TRAILER - n);
    mm_memcpy(blk + cap - KHEAP_TRAILER, &len, sizeof len);
}

/* The requested size a guarded block recorded, or cap if it is bad. */
size_t
kheap_guard_len(const uint8_t *blk, size_t cap)
{
    uint32_t len;

    mm_memcpy(&len, blk + cap - KHEAP_TRAILER, sizeof len);
    /* Not len + 8 <= cap: that sum wraps for len near 2^32. */
    return len <= cap - KHEAP_GUARD_MIN - KHEAP_TRAILER ? len : cap;
}

/* The first overwritten guard byte of a block, or 0. */
static uintptr_t
guard_find(const uint8_t *blk, size_t cap)
{
    size_t n = kheap_guard_len(blk, cap), i;

    if (n == cap)
        return (uintptr_t)(blk + cap - KHEAP_TRAILER);
    for (i = n; i < cap - KHEAP_TRAILER; i++)
        if (blk[i] != KHEAP_GUARD)
            return (uintptr_t)&blk[i];
    return 0;
}

/*
 * Validates a pointer handed back by the caller: it must start an
 * allocated block of this heap and, with guard bytes on, its guard
 * bytes must be intact.  Counts the error; changes nothing else.
 * Called with the heap locked.
 */
enum kheap_err
kheap_validate(struct kheap *h, const void *p, struct kheap_where *w)
{
    enum kheap_err err = kheap_lookup(h, (uintptr_t)p, w);
    uintptr_t bad;

    if (err != KHEAP_OK)
        return kheap_fail(h, err, (uintptr_t)p);
    if (h->guard && (bad = guard_find(p, w->cap)) != 0)
        return kheap_fail(h, KHEAP_ERR_GUARD, bad);
    return KHEAP_OK;
}

/* ---- the aided paths ------------------------------------------------ */

/* A fresh slab of bucket b: poisoned whole (with poisoning on), traced. */
void
kheap_trace_refill(const struct kheap *h, const struct kheap_bucket *b,
                   const void *slab)
{
    if (h->poison)
        mm_memset((uint8_t *)slab + b->geom.first, KHEAP_POISON,
                  b->geom.nobjs * b->geom.size);
    trace(h, "refill", (size_t)MM_PAGE << b->geom.order,
          kheap_bucket_name((unsigned)(b - h->bucket)), (uintptr_t)slab);
}

void
kheap_trace_return(const struct kheap *h, const void *slab, unsigned order)
{
    const struct kheap_bucket *b = ((const struct slab *)slab)->cache;

    trace(h, "return", (size_t)MM_PAGE << order,
          kheap_bucket_name((unsigned)(b - h->bucket)), (uintptr_t)slab);
}

/* kheap_alloc with an aid on: guard room, poison check, guard, trace. */
void *
kheap_alloc_aided(struct kheap *h, size_t size)
{
    size_t need = kheap_guarded_size(h, size), cap;
    void *p;

    if (size == 0)
        return NULL;
    if (need < size) {
        kheap_fail(h, KHEAP_ERR_SIZE, (uintptr_t)size);
        return NULL;
    }
    p = kheap_alloc_plain(h, need);
    if (p != NULL) {
        if (need <= KHEAP_MAX_SMALL) {
            cap = h->bucket[kheap_bucket_index(need)].geom.size;
            if (h->poison)
                poison_check(h, p, cap);    /* reported, still used */
        } else {
            cap = (size_t)MM_PAGE << buddy_order_for(need);
        }
        if (h->guard)
            guard_write(p, cap, size);
    }
    trace(h, "alloc", size, p == NULL || need > KHEAP_MAX_SMALL ? "large" :
          kheap_bucket_name(kheap_bucket_index(need)), (uintptr_t)p);
    return p;
}

/*
 * Validates p in full (and its guard bytes), poisons and traces, then
 * frees it through the core.  Errors as kheap_free.
 */
enum kheap_err
kheap_free_aided(struct kheap *h, void *p)
{
    struct kheap_where w;
    enum kheap_err err;

    if (p == NULL)
        return KHEAP_OK;
    mm_lock(&h->lock);
    err = kheap_validate(h, p, &w);
    if (err != KHEAP_OK) {
        mm_unlock(&h->lock);
        return err;
    }
    if (h->poison && w.b != NULL)
        mm_memset(p, KHEAP_POISON, w.cap);
    trace(h, "free", w.cap, w.b == NULL ? "large" :
          kheap_bucket_name((unsigned)(w.b - h->bucket)), (uintptr_t)p);
    kheap_put_locked(h, &w, p);
    return KHEAP_OK;
}
