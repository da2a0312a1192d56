/*
 * mm/pagesrc.h - where a layer gets its pages: the interface between the
 * page allocator and the layers above it (kmalloc heap, slab pools).
 *
 * A page source hands out blocks of 2^order contiguous pages, each
 * aligned to its own size (an order-2 block starts on a 16 KiB boundary),
 * and takes them back with the same order.  In the kernel the source is
 * the buddy allocator (buddy_pagesrc() in mm/buddy.h); a host test can
 * serve pages from a plain buffer, so each layer is tested on its own.
 *
 * Invariant: alloc returns NULL or a block no other caller holds.
 * Bounds: whatever the source promises; the buddy's are O(max order).
 * Metadata: three words.
 * Read after: mm/port.h.
 */
#ifndef MM_PAGESRC_H
#define MM_PAGESRC_H

#include "port.h"

struct mm_pagesrc {
    /* 2^order pages aligned to 2^order pages, or NULL when out of memory */
    void *(*alloc)(void *ctx, unsigned order);
    /* gives back a block that alloc returned, with the same order */
    void (*free)(void *ctx, void *addr, unsigned order);
    void *ctx;          /* the source's own state, passed to both */
};

static inline void *
mm_pagesrc_alloc(const struct mm_pagesrc *src, unsigned order)
{
    return src->alloc(src->ctx, order);
}

static inline void
mm_pagesrc_free(const struct mm_pagesrc *src, void *addr, unsigned order)
{
    src->free(src->ctx, addr, order);
}

#endif /* MM_PAGESRC_H */
