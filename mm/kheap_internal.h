/*
 * mm/kheap_internal.h - what kmalloc's files share and nobody else.
 *
 * mm/kheap.c is the algorithm; the aids beside it hold page runs
 * (mm/kheap_large.c), the extents (mm/kheap_extent.c), poisoning, guard bytes and traces
 * (mm/kheap_debug.c), realloc and friends (mm/kheap_resize.c), reports
 * (mm/kheap_report.c) and the checker (mm/kheap_check.c).  They call
 * one another through the hooks declared here.  The lookup of a
 * pointer's block is here too, inline: kfree runs it on every call.
 *
 * Invariant, bounds, metadata: those of mm/kheap.c.
 * Read after: mm/kheap.h.
 */
#ifndef MM_KHEAP_INTERNAL_H
#define MM_KHEAP_INTERNAL_H

#include "kheap.h"

/* Where a pointer handed to kfree/krealloc/ksize is, once validated. */
struct kheap_where {
    struct kheap_extent *e;
    struct kheap_page *pg;      /* its page's entry */
    size_t cap;                 /* the block's capacity in bytes */
    unsigned index;             /* block number in its page (buckets) */
};

/* The extent whose area is r: the range is a member of the header. */
static MM_INLINE struct kheap_extent *
extent_of_range(struct mm_range *r)
{
    return (struct kheap_extent *)((uint8_t *)r -
                                   offsetof(struct kheap_extent, area));
}

/* The page-table entry whose bucket-list link is l. */
static MM_INLINE struct kheap_page *
page_of_link(struct mm_list *l)
{
    return (struct kheap_page *)((uint8_t *)l -
                                 offsetof(struct kheap_page, link));
}

/* The extent whose area holds addr (binary search), or NULL. */
static MM_INLINE struct kheap_extent *
extent_find(const struct kheap *h, uintptr_t addr)
{
    struct mm_range *r = mm_table_find(h->ext, h->next, addr);

    return r == NULL ? NULL : extent_of_range(r);
}

/* The page-table entry for the page holding addr in extent e. */
static MM_INLINE struct kheap_page *
page_of(const struct kheap_extent *e, uintptr_t addr)
{
    return &e->page[(addr - e->first_page) >> MM_PAGE_SHIFT];
}

static MM_INLINE uintptr_t
page_addr(const struct kheap_extent *e, const struct kheap_page *pg)
{
    return e->first_page + ((uintptr_t)(pg - e->page) << MM_PAGE_SHIFT);
}

/* mm/kheap.c: the bucket's size as text, for traces: "16" .. "2048". */
const char *kheap_bucket_name(unsigned i);
/* mm/kheap.c: allocation and free with the heap already locked. */
void *kheap_alloc_locked(struct kheap *h, size_t size);
void kheap_put_locked(struct kheap *h, const struct kheap_where *w,
                      void *p);
/* mm/kheap.c: gives a page whose blocks are all free back. */
void kheap_drop_page(struct kheap *h, struct kheap_extent *e,
                     struct kheap_page *pg);

/* mm/kheap_large.c: page runs for requests above half a page. */
void *kheap_large_alloc(struct kheap *h, unsigned order);
void kheap_large_put(struct kheap *h, const struct kheap_where *w, void *p);

/* mm/kheap_extent.c: the heap's pages, from its extents. */
void *kheap_pages_alloc(struct kheap *h, unsigned order);
void kheap_pages_free(struct kheap *h, struct kheap_extent *e, void *p);
bool kheap_extent_keys_ok(const struct kheap *h,
                          const struct kheap_extent *e);
/* mm/kheap_extent.c: why a pointer into an unused page is no block. */
enum kheap_err kheap_unused_page_error(const struct kheap *h,
                                       uintptr_t addr) MM_COLD;

/* mm/kheap_debug.c: errors, traces, poison and guard bytes. */
enum kheap_err kheap_fail(struct kheap *h, enum kheap_err err,
                          uintptr_t addr) MM_COLD;
void kheap_trace_print(const char *event, size_t size, const char *bucket,
                       uintptr_t addr) MM_COLD;
void kheap_poison_fill(void *blk, size_t size);
void kheap_poison_check(struct kheap *h, const void *blk, size_t size);
void kheap_guard_write(uint8_t *blk, size_t cap, size_t n);
size_t kheap_guard_len(const uint8_t *blk, size_t cap);
enum kheap_err kheap_guard_check(struct kheap *h, const void *p,
                                 size_t cap);

#define KHEAP_TRAILER       4       /* bytes: the requested size */
#define KHEAP_GUARD_MIN     4       /* guard bytes at least */

/* The bytes a request of n needs: n, plus guard bytes and trailer. */
static MM_INLINE size_t
kheap_guarded_size(const struct kheap *h, size_t n)
{
    return h->guard ? n + KHEAP_GUARD_MIN + KHEAP_TRAILER : n;
}

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
kheap_trace(const char *event, size_t size, const char *bucket,
            uintptr_t addr)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_KMALLOC))
        kheap_trace_print(event, size, bucket, addr);
}

/* ---- finding a block by its address (kfree, krealloc, ksize) ------ */

/*
 * Finds the block that starts at p: its extent, page and capacity.
 * Every check comes before any change, and none follows a pointer out
 * of the extent table until the extent's keys are verified.
 */
static MM_INLINE enum kheap_err
kheap_lookup(struct kheap *h, uintptr_t p, struct kheap_where *w)
{
    uintptr_t off;
    size_t size;

    w->e = extent_find(h, p);
    if (w->e == NULL)
        return KHEAP_ERR_FOREIGN;
    if (!kheap_extent_keys_ok(h, w->e))
        return KHEAP_ERR_KEY;
    if (p < w->e->first_page ||
        (p - w->e->first_page) >> MM_PAGE_SHIFT >= w->e->npages)
        return KHEAP_ERR_FOREIGN;
    if ((p & (KHEAP_MIN_SIZE - 1)) != 0)
        return KHEAP_ERR_MISALIGNED;
    w->pg = page_of(w->e, p);
    off = p & (MM_PAGE - 1);
    if (w->pg->kind == KHEAP_PAGE_LARGE) {
        w->cap = MM_PAGE << w->pg->bucket;
        return off == 0 ? KHEAP_OK : KHEAP_ERR_INTERIOR;
    }
    if (w->pg->kind != KHEAP_PAGE_BUCKET)
        return kheap_unused_page_error(h, p);
    size = h->bucket[w->pg->bucket].size;
    w->cap = size;
    w->index = (unsigned)(off / size);
    if (off % size != 0)
        return KHEAP_ERR_INTERIOR;
    return mm_bitmap_test(w->pg->freemap, w->index) ? KHEAP_ERR_DOUBLE_FREE
                                                    : KHEAP_OK;
}

/*
 * Validates a pointer handed back by the caller: it must start an
 * allocated block of this heap and, with guard bytes on, its guard
 * bytes must be intact.  Counts and reports the error; changes nothing.
 * Called with the heap locked.
 */
static MM_INLINE enum kheap_err
kheap_validate(struct kheap *h, const void *p, struct kheap_where *w)
{
    enum kheap_err err = kheap_lookup(h, (uintptr_t)p, w);

    if (err != KHEAP_OK)
        return kheap_fail(h, err, (uintptr_t)p);
    return h->guard ? kheap_guard_check(h, p, w->cap) : KHEAP_OK;
}

#endif /* MM_KHEAP_INTERNAL_H */
