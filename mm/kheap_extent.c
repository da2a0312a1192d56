/*
 * mm/kheap_extent.c - creating heaps, and heaps over caller-given
 * extents.
 *
 * A heap on a page source (kheap_init_growing) is what the kernel's
 * kmalloc is: bucket slabs and runs straight from the kernel's buddy,
 * growing as far as free memory goes.
 *
 * A heap over extents is the other use, Xenomai's xnheap: an object over
 * memory the caller gives (kheap_init), more later (kheap_extend), all
 * handed back with a callback per extent (kheap_destroy).  Such a heap
 * runs the very same code: its page source is a private buddy whose
 * zones are the extents, so its pages get owner bytes like the kernel's.
 * Each extent starts with a header, keys at both ends; the zone's used
 * prefix is that header, then the buddy's bytes per page (its state,
 * owner byte and free-list links):
 *
 *   extent: | header | buddy's page bytes  | pages ...                |
 *             key1 ... key2   (the zone's used prefix)
 *
 * On every free into such a heap the extent of the pointer is found in
 * a sorted range table (mm/table.h, O(log extents)) and its keys are
 * checked before anything of it is trusted: the KHEAP_F_EXTENTS flag
 * sends those heaps down the aided path.
 * Switches: poisoning (mm_switch.poison & MM_POISON_KMALLOC) and guard
 * bytes (mm_switch.guard) are read once when a heap is created and hold
 * for its life, since blocks already handed out were laid out without
 * them.
 *
 * Invariant: every extent in the table has intact keys and is one zone
 * of the heap's private buddy.
 * Bounds: an extent lookup is O(log extents), at most 32 extents; only
 * kheap_destroy walks extents or slabs.
 * Metadata: sizeof(struct kheap_extent) per extent (printed by the
 * kheap.sizes test) plus the buddy's bytes per page (mm/buddy.h).
 * Read after: mm/kheap.c, mm/table.h.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

/* The extent whose area is r: the range is a member of the header. */
static struct kheap_extent *
extent_of_range(struct mm_range *r)
{
    return (struct kheap_extent *)((uint8_t *)r -
                                   offsetof(struct kheap_extent, area));
}

/* The i-th extent of h by address (i < h->next). */
struct kheap_extent *
kheap_extent_at(const struct kheap *h, unsigned i)
{
    return extent_of_range(h->ext[i]);
}

bool
kheap_extent_keys_ok(const struct kheap *h, const struct kheap_extent *e)
{
    return e->key1 == KHEAP_KEY1 && e->key2 == KHEAP_KEY2 && e->heap == h;
}

/* FOREIGN when p is in no extent of h, KEY when its keys are broken. */
enum kheap_err
kheap_extent_lookup(const struct kheap *h, uintptr_t p)
{
    struct mm_range *r = mm_table_find(h->ext, h->next, p);

    if (r == NULL)
        return KHEAP_ERR_FOREIGN;
    return kheap_extent_keys_ok(h, extent_of_range(r)) ? KHEAP_OK
                                                       : KHEAP_ERR_KEY;
}

/*
 * Why a pointer into a page whose owner byte is NONE is no block.  On a
 * page source the page is simply not the heap's.  Over extents the
 * private buddy knows more: the start of a block that was freed (double
 * free), or any other place inside free pages (interior).  Every page
 * of an extent with an owner byte is in its zone, never its header.
 */
enum kheap_err
kheap_unused_page_error(const struct kheap *h, uintptr_t addr)
{
    uintptr_t page = addr & ~(uintptr_t)(MM_PAGE - 1);

    if (!(h->flags & KHEAP_F_EXTENTS))
        return KHEAP_ERR_FOREIGN;
    /* The header's pages have no owner byte: kheap_lookup said FOREIGN. */
    return buddy_state(&h->pages, (void *)page) == BUDDY_STATE_FREE &&
           addr == page ? KHEAP_ERR_DOUBLE_FREE : KHEAP_ERR_INTERIOR;
}

/*
 * Lays out an extent over [area, area + size): its header, then a zone
 * of the private buddy over the whole area whose used prefix is the
 * header (the buddy puts its bytes right after).  KHEAP_ERR_EXTENT if
 * the area is misaligned for the header, leaves no page free after the
 * metadata, overlaps another extent, or the table of extents is full.
 */
static enum kheap_err
extent_add(struct kheap *h, void *area, size_t size)
{
    uintptr_t base = (uintptr_t)area;
    /* Ends in 64 bits: an area may end exactly at 4 GiB on the kernel. */
    uint64_t first = ((uint64_t)base + MM_PAGE - 1) & ~(uint64_t)(MM_PAGE - 1);
    uint64_t last = ((uint64_t)base + size) & ~(uint64_t)(MM_PAGE - 1);
    struct kheap_extent *e = area;

    /* After the header and the buddy's bytes per page, a whole page? */
    if ((base & (sizeof(void *) - 1)) != 0 || last <= first ||
        (uint64_t)base + sizeof *e +
        BUDDY_META_SIZE((size_t)((last - first) / MM_PAGE)) + MM_PAGE >
        last || (uint64_t)base + size - 1 > (uint64_t)UINTPTR_MAX ||
        h->next == KHEAP_MAX_EXTENTS ||
        mm_table_overlaps(h->ext, h->next, base, base + (size - 1)) ||
        buddy_add_zone(&h->pages, area, size, sizeof *e, NULL) != BUDDY_OK)
        return kheap_fail(h, KHEAP_ERR_EXTENT, base);
    *e = (struct kheap_extent){ KHEAP_KEY1, h, { base, base + (size - 1) },
                                size, KHEAP_KEY2 };
    MM_ASSERT(mm_table_insert(h->ext, &h->next, KHEAP_MAX_EXTENTS,
                              &e->area) >= 0);
    return KHEAP_OK;
}

/* ---- lifecycle ------------------------------------------------------ */

/*
 * Slab order of bucket i: one page up to 256-byte blocks, then as many
 * pages as keep the header (one block slot) at most 1/16 of the slab:
 * 512 B -> 2 pages, 1 KiB -> 4, 2 KiB -> 8.
 */
static unsigned
bucket_order(unsigned i)
{
    return i > 4 ? i - 4 : 0;
}

/* The window of a source that shows none: every page is outside it. */
static const struct mm_pagesrc_window no_window;

/* An empty heap with no page source yet, aids read from the switches. */
void
kheap_setup(struct kheap *h, const char *name)
{
    unsigned i;

    mm_memset(h, 0, sizeof *h);
    h->name = name;
    h->poison = (mm_switch.poison & MM_POISON_KMALLOC) != 0;
    h->guard = mm_switch.guard;
    h->flags = (h->poison ? KHEAP_F_POISON : 0) |
               (h->guard ? KHEAP_F_GUARD : 0) |
               ((mm_switch.trace & MM_TRACE_KMALLOC) ? KHEAP_F_TRACE : 0);
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        struct kheap_bucket *b = &h->bucket[i];
        size_t size = (size_t)KHEAP_MIN_SIZE << i;

        MM_ASSERT(slab_geom_init(&b->geom, size, size, bucket_order(i)) > 0);
        b->geom.owner = h;
        b->geom.bad_link = kheap_bad_link;
        mm_list_init(&b->partial);
    }
    for (i = 0; i < MM_ARRAY_SIZE(h->by_size); i++)
        h->by_size[i] = &h->bucket[kheap_bucket_index(
                            ((size_t)i + 1) << KHEAP_MIN_SHIFT)];
    kheap_gates(h);
}

/*
 * Sets what the fast paths test from h's flags: with any flag, fast_max
 * 0 (every kmalloc leaves the fast path at its first compare) and an
 * empty window (so does every kfree); else the largest bucket and the
 * page source's window.
 */
void
kheap_gates(struct kheap *h)
{
    bool plain = h->flags == 0;

    h->fast_max = plain ? KHEAP_MAX_SMALL : 0;
    h->win = plain && h->src != NULL && h->src->win != NULL ? h->src->win :
                                                               &no_window;
}

/* Turns h's trace on or off (kmalloc_trace_switched, the tests). */
void
kheap_set_trace(struct kheap *h, bool on)
{
    mm_lock(&h->lock);
    h->flags = (h->flags & ~KHEAP_F_TRACE) | (on ? KHEAP_F_TRACE : 0);
    kheap_gates(h);
    mm_unlock(&h->lock);
}

/*
 * Creates a heap over a caller-given area (xnheap_init).  page_size
 * must be MM_PAGE (KHEAP_ERR_PAGESIZE otherwise); the area must hold
 * its header, the buddy's bytes and a page (KHEAP_ERR_EXTENT).
 */
enum kheap_err
kheap_init(struct kheap *h, const char *name, void *area, size_t size_bytes,
           size_t page_size)
{
    kheap_setup(h, name);
    h->flags |= KHEAP_F_EXTENTS;
    buddy_init(&h->pages, name);
    buddy_pagesrc(&h->pages, &h->own);
    h->src = &h->own;
    kheap_gates(h);
    if (page_size != MM_PAGE)
        return kheap_fail(h, KHEAP_ERR_PAGESIZE, (uintptr_t)page_size);
    return extent_add(h, area, size_bytes);
}

/* Creates an empty heap that takes slabs and runs from src on demand. */
void
kheap_init_growing(struct kheap *h, const char *name,
                   const struct mm_pagesrc *src)
{
    kheap_setup(h, name);
    h->src = src;
    kheap_gates(h);
}

/* Adds a caller-given area as a further extent (xnheap_extend). */
enum kheap_err
kheap_extend(struct kheap *h, void *area, size_t size_bytes)
{
    enum kheap_err err;

    if (!(h->flags & KHEAP_F_EXTENTS))
        return kheap_fail(h, KHEAP_ERR_EXTENT, (uintptr_t)area);
    mm_lock(&h->lock);
    err = extent_add(h, area, size_bytes);
    mm_unlock(&h->lock);
    return err;
}

/* Gives every slab on list l back to the page source. */
static void
release_list(struct kheap *h, struct mm_list *l, unsigned order)
{
    while (!mm_list_empty(l)) {
        struct slab *s = slab_of_link(l->next);

        mm_list_unlink(&s->link);
        kheap_slab_release(h, s, order);
    }
}

/*
 * Destroys the heap (xnheap_destroy).  Over extents: calls release once
 * per extent, highest address first, so the owner can reclaim the
 * memory; blocks still allocated are lost with their extents.  On a
 * page source: every slab with a free block goes back to it (blocks in
 * them are lost); full slabs and runs, on no list, stay with whoever
 * holds their blocks.
 */
void
kheap_destroy(struct kheap *h, kheap_release_fn *release, void *cookie)
{
    unsigned i;

    if (!(h->flags & KHEAP_F_EXTENTS)) {
        kheap_reclaim(h);
        for (i = 0; i < KHEAP_NBUCKETS; i++) {
            release_list(h, &h->bucket[i].partial, h->bucket[i].geom.order);
        }
    }
    mm_lock(&h->lock);
    while (h->next > 0) {
        struct kheap_extent *e = kheap_extent_at(h, --h->next);

        e->key1 = e->key2 = 0;
        if (release != NULL)
            release(h, (void *)e->area.first, e->size_bytes, cookie);
    }
    mm_unlock(&h->lock);
    mm_memset(h, 0, sizeof *h);
}
