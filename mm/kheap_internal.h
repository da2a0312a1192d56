/*
 * mm/kheap_internal.h - what kmalloc's files share and nobody else.
 *
 * mm/kheap.c is the algorithm; the aids beside it hold page runs and
 * giving empty slabs back (mm/kheap_large.c), the extents
 * (mm/kheap_extent.c), bad pointers, poisoning, guard bytes and traces
 * (mm/kheap_debug.c), realloc and friends (mm/kheap_resize.c), reports
 * (mm/kheap_report.c) and the checker (mm/kheap_check.c).  They call
 * one another through the hooks declared here.
 *
 * Invariant, bounds, metadata: those of mm/kheap.c.
 * Read after: mm/kheap.h.
 */
#ifndef MM_KHEAP_INTERNAL_H
#define MM_KHEAP_INTERNAL_H

#include "kheap.h"

/* Where a pointer handed to kfree/krealloc/ksize is, once validated. */
struct kheap_where {
    struct kheap_bucket *b;     /* its bucket, or NULL for a run */
    struct slab *s;             /* its slab (buckets) */
    unsigned order;             /* the run's order (runs) */
    size_t cap;                 /* the block's capacity in bytes */
};

/*
 * The bucket of a request of 1..KHEAP_MAX_SMALL bytes, without a branch:
 * the bit length of (size - 1) | 15, less 4.  17 -> 16 | 15 = 31, five
 * bits, bucket 1 (32 B); 1 -> 0 | 15, four bits, bucket 0 (16 B).
 * __builtin_clzl counts the leading zero bits of an unsigned long.
 */
/* Lab 4: bucket choice - the smallest power of two that holds size */
static MM_INLINE unsigned
kheap_bucket_index(size_t size)
{
    return (unsigned)(sizeof(unsigned long) * 8) - KHEAP_MIN_SHIFT -
           (unsigned)__builtin_clzl((unsigned long)(size - 1) |
                                    (KHEAP_MIN_SIZE - 1));
}

/* Is b one of h's buckets (and not some other cache's slab owner)? */
static MM_INLINE bool
kheap_is_bucket(const struct kheap *h, const void *b)
{
    return (uintptr_t)b - (uintptr_t)h->bucket < sizeof h->bucket;
}

/*
 * Is any aid on: poison, guard bytes, extents with keys, the trace?
 * The fast paths do not ask: a heap with flags has fast_max 0 and no
 * window (kheap_gates), so its calls leave them at the first test.
 */
static MM_INLINE bool
kheap_aided(const struct kheap *h)
{
    return h->flags != 0;
}

/* The owner byte of p's page in h's window; MM_OWNER_NONE outside it. */
static MM_INLINE uint8_t
kheap_window_byte(const struct kheap *h, const void *p)
{
    uintptr_t i = ((uintptr_t)p >> MM_PAGE_SHIFT) - h->win->first;

    return MM_LIKELY(i < h->win->npages) ? h->win->owner[i] : MM_OWNER_NONE;
}

/* mm/kheap.c and mm/kheap_debug.c: the plain steps, for the aided paths. */
void *kheap_alloc_plain(struct kheap *h, size_t size);
void kheap_put_locked(struct kheap *h, const struct kheap_where *w,
                      void *p);

/* mm/kheap.c: where a slab goes after a block came back. */
struct slab *bucket_settle(struct kheap_bucket *b, struct slab *s);

/* mm/kheap_array.c: the arrays' edges. */
enum kheap_err bucket_overflow(struct kheap *h, struct kheap_bucket *b)
    MM_COLD;
unsigned kheap_parked_in(const struct kheap_bucket *b, const struct slab *s);

/* mm/kheap_large.c: runs, the owner bytes, giving slabs back. */
void *kheap_large_alloc_size(struct kheap *h, size_t size) MM_COLD;
void kheap_large_put(struct kheap *h, void *p, unsigned order);
void kheap_set_owner(const struct kheap *h, void *p, unsigned order,
                     uint8_t v);
enum kheap_err kheap_slab_release(struct kheap *h, struct slab *s,
                                  unsigned order) MM_COLD;

/* mm/kheap_extent.c: heaps over extents. */
void kheap_setup(struct kheap *h, const char *name);
void kheap_gates(struct kheap *h);
bool kheap_extent_keys_ok(const struct kheap *h,
                          const struct kheap_extent *e);
enum kheap_err kheap_extent_lookup(const struct kheap *h, uintptr_t p);
enum kheap_err kheap_unused_page_error(const struct kheap *h,
                                       uintptr_t addr);

/* mm/kheap_debug.c: the cold paths and the aids. */
enum kheap_err kheap_lookup(const struct kheap *h, uintptr_t p,
                            struct kheap_where *w);
enum kheap_err kheap_validate(struct kheap *h, const void *p,
                              struct kheap_where *w);
enum kheap_err kheap_free_slow(struct kheap *h, void *p) MM_COLD;
void *kheap_alloc_aided(struct kheap *h, size_t size) MM_COLD;
enum kheap_err kheap_free_aided(struct kheap *h, void *p) MM_COLD;
enum kheap_err kheap_fail(struct kheap *h, enum kheap_err err,
                          uintptr_t addr) MM_COLD;
void kheap_trace_refill(const struct kheap *h, const struct kheap_bucket *b,
                        const void *slab);
void kheap_trace_return(const struct kheap *h, const void *slab,
                        unsigned order);
size_t kheap_guard_len(const uint8_t *blk, size_t cap);
const char *kheap_bucket_name(unsigned i);

#define KHEAP_TRAILER       4       /* bytes: the requested size */
#define KHEAP_GUARD_MIN     4       /* guard bytes at least */

/* The bytes a request of n needs: n, plus guard bytes and trailer. */
static MM_INLINE size_t
kheap_guarded_size(const struct kheap *h, size_t n)
{
    return h->guard ? n + KHEAP_GUARD_MIN + KHEAP_TRAILER : n;
}

#endif /* MM_KHEAP_INTERNAL_H */
