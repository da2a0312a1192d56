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
 * A source may also show a WINDOW: one run of pages whose owner bytes
 * lie in one array, so that the lookup on a fast path is a subtract, a
 * compare and a load, with no call (the buddy shows its largest zone's
 * pages, less the reserved prefix).  Pages outside the window, and
 * every page of a source with no window, go through owner().
 *
 *   pfn = addr >> 12;  i = pfn - win->first;
 *   i < win->npages ?  win->owner + i  :  owner(ctx, addr)
 *
 * Invariant: alloc returns NULL or a block no other caller holds; the
 * owner byte of a page is written only by the layer holding the page;
 * a window's bytes are exactly those owner() returns for its pages.
 * Bounds: whatever the source promises; the buddy's are O(max order),
 * and its owner() is O(1).
 * Metadata: five words; the source keeps the owner bytes (the buddy: 1
 * byte per page beside its state byte) and its window (three words).
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

/* Pages whose owner bytes are one array (see above); npages 0: none. */
struct mm_pagesrc_window {
    uintptr_t first;            /* the window's first page frame number */
    uintptr_t npages;           /* pages in the window */
    uint8_t *owner;             /* [i] is the owner byte of pfn first + i */
};

struct mm_pagesrc {
    /* 2^order pages aligned to 2^order pages, or NULL when out of memory */
    void *(*alloc)(void *ctx, unsigned order);
    /* gives back a block that alloc returned, with the same order */
    void (*free)(void *ctx, void *addr, unsigned order);
    /* the owner byte of the page holding addr, or NULL when addr lies in
       no page of this source (or in a page it never hands out); O(1) */
    uint8_t *(*owner)(void *ctx, const void *addr);
    void *ctx;          /* the source's own state, passed to all three */
    const struct mm_pagesrc_window *win;    /* NULL, or the source's
                                               window, kept up to date */
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

/* The owner byte of addr's page: from the window, else from owner(). */
static MM_INLINE uint8_t *
mm_pagesrc_owner(const struct mm_pagesrc *src, const void *addr)
{
    const struct mm_pagesrc_window *w = src->win;
    uintptr_t i;

    if (MM_LIKELY(w != NULL)) {
        i = ((uintptr_t)addr >> MM_PAGE_SHIFT) - w->first;
        if (MM_LIKELY(i < w->npages))
            return w->owner + i;
    }
    return src->owner(src->ctx, addr);
}

/*
 * The owner byte's value if addr's page is in the window, else
 * MM_OWNER_NONE: a fast path that finds no byte it wants here takes
 * its slow path, which asks mm_pagesrc_owner.  No call, so the caller
 * needs no stack frame for it.
 */
static MM_INLINE uint8_t
mm_pagesrc_window_byte(const struct mm_pagesrc *src, const void *addr)
{
    const struct mm_pagesrc_window *w = src->win;
    uintptr_t i;

    if (MM_LIKELY(w != NULL)) {
        i = ((uintptr_t)addr >> MM_PAGE_SHIFT) - w->first;
        if (MM_LIKELY(i < w->npages))
            return w->owner[i];
    }
    return MM_OWNER_NONE;
}

/* The owner byte's value; MM_OWNER_NONE for a page that has no byte. */
static MM_INLINE uint8_t
mm_pagesrc_owner_byte(const struct mm_pagesrc *src, const void *addr)
{
    const struct mm_pagesrc_window *w = src->win;
    const uint8_t *own;
    uintptr_t i;

    if (MM_LIKELY(w != NULL)) {
        i = ((uintptr_t)addr >> MM_PAGE_SHIFT) - w->first;
        if (MM_LIKELY(i < w->npages))
            return w->owner[i];
    }
    own = src->owner(src->ctx, addr);
    return own != NULL ? *own : MM_OWNER_NONE;
}

#endif /* MM_PAGESRC_H */
