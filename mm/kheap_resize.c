/*
 * mm/kheap_resize.c - kmalloc's conveniences: zeroed and array
 * allocation, the usable size of a block, and realloc.
 *
 * Each is built on the core calls of mm/kheap.c.  realloc validates
 * the old block under the lock right before it copies it; the new block
 * is taken with the lock dropped, since taking it may call the page
 * source.
 *
 * Invariant: those of mm/kheap.c.
 * Bounds: O(1) plus the core calls; realloc adds a copy of the block.
 * Metadata: none.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

void *
kheap_zalloc(struct kheap *h, size_t size)
{
    void *p = kheap_alloc(h, size);

    if (p != NULL)
        mm_memset(p, 0, size);
    return p;
}

/* n * size bytes, zeroed; KHEAP_ERR_OVERFLOW if the product overflows. */
void *
kheap_calloc(struct kheap *h, size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size) {
        kheap_fail(h, KHEAP_ERR_OVERFLOW, (uintptr_t)n);
        return NULL;
    }
    return kheap_zalloc(h, n * size);
}

/*
 * The usable size of the block at p: its bucket's size, or the run's
 * bytes; with guard bytes on, exactly the size that was requested.
 * 0 (error counted) if p starts no allocated block.
 */
size_t
kheap_size(struct kheap *h, const void *p)
{
    struct kheap_where w = { 0 };
    enum kheap_err err;
    size_t size = 0;

    mm_lock(&h->lock);
    err = kheap_lookup(h, (uintptr_t)p, &w);
    if (err == KHEAP_OK)
        size = h->guard ? kheap_guard_len(p, w.cap) : w.cap;
    mm_unlock(&h->lock);
    if (err != KHEAP_OK)
        kheap_fail(h, err, (uintptr_t)p);
    return size;
}

/* Would a request of need bytes get a block of capacity cap again? */
static bool
same_block(size_t cap, size_t need)
{
    int bi = kheap_bucket_of(need);

    if (bi >= 0)
        return ((size_t)KHEAP_MIN_SIZE << bi) == cap;
    return buddy_order_for(need) >= 0 &&
           (MM_PAGE << buddy_order_for(need)) == cap;
}

/*
 * The usable bytes of the block at p, validated under the lock, or 0
 * with the error counted.
 */
static size_t
held_bytes(struct kheap *h, void *p)
{
    struct kheap_where w = { 0 };
    size_t old = 0;

    mm_lock(&h->lock);
    if (kheap_validate(h, p, &w) == KHEAP_OK)
        old = h->guard ? kheap_guard_len(p, w.cap) : w.cap;
    mm_unlock(&h->lock);
    return old;
}

/*
 * Resizes the block at p to size bytes: in place when its block is
 * already the right one (same bucket, or same run order; with guard
 * bytes on, never), else by allocating, copying and freeing.  NULL p
 * allocates; size 0 frees and returns NULL.  A bad p (every error of
 * kheap_free, overwritten guard bytes included) is reported and NULL
 * returned, nothing freed; a size too large is KHEAP_ERR_SIZE; out of
 * memory returns NULL and leaves p as it was.  The new block is taken
 * with the lock dropped (the page source may be called); p is then
 * validated again right before it is copied, and kheap_free validates
 * it once more.
 */
void *
kheap_realloc(struct kheap *h, void *p, size_t size)
{
    size_t need = kheap_guarded_size(h, size), old;
    void *fresh;

    if (p == NULL)
        return kheap_alloc(h, size);
    if (size == 0) {
        kheap_free(h, p);
        return NULL;
    }
    if ((old = held_bytes(h, p)) == 0)
        return NULL;
    if (need < size ||
        (need > KHEAP_MAX_SMALL && buddy_order_for(need) < 0)) {
        kheap_fail(h, KHEAP_ERR_SIZE, (uintptr_t)size);
        return NULL;
    }
    if (!h->guard && same_block(old, need))
        return p;
    if ((fresh = kheap_alloc(h, size)) == NULL)
        return NULL;
    if ((old = held_bytes(h, p)) == 0) {
        kheap_free(h, fresh);   /* LCOV_EXCL_LINE: p freed meanwhile by */
        return NULL;            /* LCOV_EXCL_LINE: another thread: no test */
    }
    mm_memcpy(fresh, p, old < size ? old : size);
    kheap_free(h, p);
    return fresh;
}
