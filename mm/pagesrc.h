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
 * Every page of a source also has an OWNER BYTE that the layer holding
 * the page writes, so that a layer can tell what any of its pointers is
 * in O(1) without searching (McKusick-Karels's kmemsizes, one byte per
 * page, generalised to every layer):
 *
 *     0x00        MM_OWNER_NONE    free, or held by a raw page user
 *     01oo oooo   MM_OWNER_SLAB    every page of a slab of order oooooo
 *     10oo oooo   MM_OWNER_LARGE   first page of a kmalloc run of order o
 *     1100 0000   MM_OWNER_INSIDE  other pages of a kmalloc run (optional)
 *
 * The layer sets the bytes it needs after alloc and clears them before
 * free; the source itself clears the first page's byte on every free,
 * and a fresh source starts with every byte NONE.
 *
 * Invariant: alloc returns NULL or a block no other caller holds; the
 * owner byte of a page is written only by the layer holding the page.
 * Bounds: whatever the source promises; the buddy's are O(max order),
 * and its owner() is O(1).
 * Metadata: four words; the source keeps the owner bytes (the buddy: 1
 * byte per page beside its state byte).
 * Read after: mm/port.h.
 */
#ifndef MM_PAGESRC_H
#define MM_PAGESRC_H

#include "port.h"

#define MM_OWNER_NONE       0x00u   /* free, or held by a raw page user */
#define MM_OWNER_SLAB       0x40u   /* | slab order: every page of a slab */
#define MM_OWNER_LARGE      0x80u   /* | order: first page of a kmalloc run */
#define MM_OWNER_INSIDE     0xC0u   /* other pages of a kmalloc run */
#define MM_OWNER_ORDER      0x3Fu   /* the order bits of SLAB and LARGE */
#define MM_OWNER_KIND       0xC0u   /* the kind bits: NONE .. INSIDE */

struct mm_pagesrc {
    /* 2^order pages aligned to 2^order pages, or NULL when out of memory */
    void *(*alloc)(void *ctx, unsigned order);
    /* gives back a block that alloc returned, with the same order */
    void (*free)(void *ctx, void *addr, unsigned order);
    /* the owner byte of the page holding addr, or NULL when addr lies in
       no page of this source (or in a page it never hands out); O(1) */
    uint8_t *(*owner)(void *ctx, const void *addr);
    void *ctx;          /* the source's own state, passed to all three */
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

static inline uint8_t *
mm_pagesrc_owner(const struct mm_pagesrc *src, const void *addr)
{
    return src->owner(src->ctx, addr);
}

#endif /* MM_PAGESRC_H */
