/*
 * mm/kheap_internal.h - what kmalloc's files share and nobody else.
 *
 * mm/kheap.c is the algorithm; the aids beside it hold the extents
 * (mm/kheap_extent.c), poisoning, guard bytes and traces
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

#define KHEAP_PAGE_UNUSED   0   /* free in the buddy, or inside a run */
#define KHEAP_PAGE_BUCKET   1   /* carved into blocks of one bucket */
#define KHEAP_PAGE_LARGE    2   /* first page of a run of 2^order pages */

#define KHEAP_NOT_FROM_SRC  0xFFu

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
enum kheap_err kheap_validate(struct kheap *h, const void *p,
                              struct kheap_where *w);
enum kheap_err kheap_lookup(struct kheap *h, uintptr_t p,
                            struct kheap_where *w);
/* mm/kheap.c: gives a page whose blocks are all free back. */
void kheap_drop_page(struct kheap *h, struct kheap_extent *e,
                     struct kheap_page *pg);

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

#endif /* MM_KHEAP_INTERNAL_H */
