/*
 * tests/bench/refs.h - minimal reference allocators, the yardsticks that
 * "make bench" holds kmemlab's allocators against.
 *
 * Each is the textbook algorithm and nothing else, over one region, in
 * two variants: minimal (trusts the caller) and checked (refuses exactly
 * the bad frees kmemlab refuses, counting each class):
 *
 *   ref_buddy    a Linux-style binary buddy: a per-page array holds each
 *                page's state byte and its free-list links (page
 *                indices), so no free page is ever written;
 *                ref_buddy_free or ref_buddy_free_checked.
 *   ref_kmalloc  McKusick-Karels: power-of-two buckets from 16 bytes to
 *                half a page, pages from a ref_buddy, and a 1-byte
 *                per-page size table (the paper's kmemsizes over
 *                kmem_map); the checked variant adds a double-free
 *                bitmap, one bit per 16 bytes.
 *   ref_objlist  a checked object free list (the bare one is objlist in
 *                baselines.h): bounds, alignment, a free bit per object
 *                and a range check of every link it follows.
 *
 * Every function is a real call (never inlined), as in a kernel.
 * Read after: baselines.h.  Used by: bench.c.
 */
#ifndef BENCH_REFS_H
#define BENCH_REFS_H

#include <stddef.h>
#include <stdint.h>

#define REF_PAGE_SHIFT  12
#define REF_PAGE        ((size_t)1 << REF_PAGE_SHIFT)
#define REF_MAX_ORDER   10              /* largest block: 4 MiB */

enum ref_err {
    REF_OK = 0,
    REF_ERR_FOREIGN,            /* outside the region */
    REF_ERR_MISALIGNED,         /* not on a page (or 16-byte) boundary */
    REF_ERR_INTERIOR,           /* no block starts here */
    REF_ERR_DOUBLE_FREE,        /* the block is free already */
    REF_ERR_LINK,               /* a free-list link points outside */
    REF_ERR_COUNT               /* keep last */
};

/* ---- buddy ---------------------------------------------------------- */

struct ref_page {
    uint32_t next, prev;        /* free-list links: page indices */
    uint8_t state;              /* REF_FREE or REF_USED | order; 0 inside */
};

struct ref_buddy {
    uint8_t *base;              /* page 0: the 4 MiB boundary at or below
                                   the region, so blocks align in memory */
    size_t first;               /* the region's first page */
    size_t npages;              /* pages from base to the region's end */
    struct ref_page *page;      /* npages entries, then one list head
                                   per order */
    unsigned long nerr[REF_ERR_COUNT];
};

void ref_buddy_init(struct ref_buddy *b, void *base, size_t npages);
void ref_buddy_fini(struct ref_buddy *b);
void *ref_buddy_alloc(struct ref_buddy *b, unsigned order);
void ref_buddy_free(struct ref_buddy *b, void *p);
enum ref_err ref_buddy_free_checked(struct ref_buddy *b, void *p);

/* ---- kmalloc -------------------------------------------------------- */

#define REF_KM_MIN_SHIFT    4                   /* 16-byte blocks */

struct ref_kmalloc {
    struct ref_buddy pages;     /* where bucket pages and runs come from */
    uint8_t *sizes;             /* kmemsizes: log2 of the block size on
                                   each page (12 + order for a run) */
    void *bucket[REF_PAGE_SHIFT];       /* free blocks of 2^i bytes */
    uint64_t *busy;             /* checked: bit set = a block handed out
                                   starts on this 16-byte granule */
    unsigned long nerr[REF_ERR_COUNT];
};

void ref_kmalloc_init(struct ref_kmalloc *k, void *base, size_t npages);
void ref_kmalloc_fini(struct ref_kmalloc *k);
void *ref_kmalloc(struct ref_kmalloc *k, size_t size);
void ref_kfree(struct ref_kmalloc *k, void *p);
void *ref_kmalloc_checked(struct ref_kmalloc *k, size_t size);
enum ref_err ref_kfree_checked(struct ref_kmalloc *k, void *p);

/* ---- checked object free list --------------------------------------- */

struct ref_objlist {
    void *head;
    uint8_t *buf;
    size_t nobjs;
    unsigned shift;             /* object size = 2^shift bytes */
    uintptr_t bytes;            /* nobjs << shift */
    uintptr_t mask;             /* (1 << shift) - 1 */
    uint64_t *isfree;           /* bit set = object free */
    unsigned long nerr[REF_ERR_COUNT];
};

void ref_objlist_init(struct ref_objlist *o, void *buf, size_t nobjs,
                      unsigned shift);
void ref_objlist_fini(struct ref_objlist *o);
void *ref_objlist_alloc(struct ref_objlist *o);
enum ref_err ref_objlist_free(struct ref_objlist *o, void *p);

#endif /* BENCH_REFS_H */
