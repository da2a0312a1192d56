/*
 * mm/kheap_extent.c - kmalloc's extents: where a heap's pages come from,
 * and why a pointer into an unused page is no block.
 *
 * As in Xenomai's xnheap, a heap is an object over extents: a caller-
 * given area (kheap_init), more areas later (kheap_extend), released
 * with a callback per extent (kheap_destroy).  A growing heap takes
 * extents from a page source on demand and gives back extents that
 * become entirely free; the global kmalloc heap is one.  Each extent
 * starts with a header (keys at both ends, checked on every free into
 * it) and its page table; the rest is a zone of the heap's own buddy
 * allocator, which hands out the extent's pages:
 *
 *   extent: | header | page[0..npages) | buddy states | pages ...   |
 *             key1 ... key2              (the zone's used prefix)
 *
 * The heap keeps its extents' areas in a sorted range table
 * (mm/table.h), so a pointer's extent is a binary search away
 * (kheap_lookup, inline in mm/kheap_internal.h for kfree's sake).
 * Sizes: runs up to 2^BUDDY_MAX_ORDER pages (4 MiB) from a caller's
 * area; a growing heap's extents are at most 4 MiB and begin with their
 * own metadata, so its largest run is 2 MiB.
 * Switches: poisoning (mm_switch.poison & MM_POISON_KMALLOC) and guard
 * bytes (mm_switch.guard) are read once when a heap is created and hold
 * for its life, since blocks already handed out were laid out without
 * them.
 *
 * Invariant: every extent in the table has intact keys and is one zone
 * of the heap's buddy; at most one entirely free extent from the page
 * source is kept (the spare).
 * Bounds: a lookup is O(log extents); growing is one page-source call;
 * a page return is one buddy free plus an O(log extents) look whether
 * its extent became empty.  Only kheap_trim and kheap_destroy walk
 * pages or extents.
 * Metadata: sizeof(struct kheap_extent) per extent (printed by the
 * kheap.sizes test) plus its page table.
 * Read after: mm/kheap.c, mm/table.h.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

#define KHEAP_GROW_FIRST    4       /* first extent from a source: 64 KiB */
#define KHEAP_GROW_MAX      BUDDY_MAX_ORDER

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

/*
 * Lays out an extent over [area, area + size): header, page table, then
 * a buddy zone over the whole area whose used prefix is header + table
 * (the buddy puts its page states right after).  KHEAP_ERR_EXTENT if the
 * area is misaligned for the header, leaves no page free after the
 * metadata, overlaps another extent, or the table of extents is full.
 */
static enum kheap_err
extent_add(struct kheap *h, void *area, size_t size, unsigned src_order)
{
    uintptr_t base = (uintptr_t)area;
    /* Ends in 64 bits: an area may end exactly at 4 GiB on the kernel. */
    uint64_t first = ((uint64_t)base + MM_PAGE - 1) & ~(uint64_t)(MM_PAGE - 1);
    uint64_t last = ((uint64_t)base + size) & ~(uint64_t)(MM_PAGE - 1);
    struct kheap_extent *e = area;
    size_t npages, used;

    if ((base & (sizeof(void *) - 1)) != 0 || size == 0 ||
        (uint64_t)base + size - 1 > (uint64_t)UINTPTR_MAX ||
        last <= first || h->next == KHEAP_MAX_EXTENTS ||
        mm_table_overlaps(h->ext, h->next, base, base + (size - 1)))
        return kheap_fail(h, KHEAP_ERR_EXTENT, base);
    npages = (size_t)((last - first) / MM_PAGE);
    used = sizeof *e + npages * sizeof(struct kheap_page);
    /* After header, table and the buddy's npages state bytes, a page? */
    if ((uint64_t)base + used + npages + MM_PAGE > last ||
        buddy_add_zone(&h->pages, area, size, used, NULL) != BUDDY_OK)
        return kheap_fail(h, KHEAP_ERR_EXTENT, base);
    *e = (struct kheap_extent){ KHEAP_KEY1, h, { base, base + (size - 1) },
                                size, (uintptr_t)first, npages,
                                src_order, (struct kheap_page *)(e + 1),
                                KHEAP_KEY2 };
    mm_memset(e->page, 0, npages * sizeof(struct kheap_page));
    MM_ASSERT(mm_table_insert(h->ext, &h->next, KHEAP_MAX_EXTENTS,
                              &e->area) >= 0);
    return KHEAP_OK;
}

/* Takes extent e out (all its pages must be free in the buddy). */
static void
extent_remove(struct kheap *h, struct kheap_extent *e)
{
    MM_ASSERT(mm_table_remove(h->ext, &h->next, &e->area));
    MM_ASSERT(buddy_remove_zone(&h->pages, (void *)e->area.first) ==
              BUDDY_OK);
    e->key1 = e->key2 = 0;
}

/*
 * Adds an extent from the page source, big enough for a run of
 * need_pages (0 for a bucket page).  Sizes grow 64 KiB, 128 KiB, ...,
 * 4 MiB, so a heap reaches any size in few extents.
 */
static bool
extent_grow(struct kheap *h, size_t need_pages)
{
    unsigned order = h->grow_order;
    void *area;

    if (h->src == NULL)
        return false;
    /*
     * Room for the run, its aligned placement and the metadata: twice
     * the run.  A run of 2^KHEAP_GROW_MAX pages can never fit (the
     * extent's own header takes its first pages), so such a request
     * fails here without taking an extent that would then sit unused.
     */
    while (order < KHEAP_GROW_MAX && ((size_t)1 << order) < 2 * need_pages)
        order++;
    if (((size_t)1 << order) < 2 * need_pages)
        return false;
    area = mm_pagesrc_alloc(h->src, order);
    if (area == NULL)
        return false;
    if (extent_add(h, area, MM_PAGE << order, order) != KHEAP_OK) {
        mm_pagesrc_free(h->src, area, order);
        return false;
    }
    if (h->grow_order < KHEAP_GROW_MAX)
        h->grow_order++;
    if (mm_switch.trace & MM_TRACE_KMALLOC)
        mm_print("trace: kmalloc grow extent=0x%08lx pages=%zu\n",
                 (unsigned long)(uintptr_t)area, (size_t)1 << order);
    return true;
}

/* Are all of extent e's pages free in the heap's buddy?  O(log zones). */
static bool
extent_all_free(const struct kheap *h, const struct kheap_extent *e)
{
    const struct buddy_zone *z = buddy_zone_of(&h->pages,
                                               (void *)e->first_page);

    return z != NULL && z->npages - z->nreserved == buddy_zone_nfree(z);
}

/* Gives extent e back to the page source; e is not the spare (both
   callers make sure: one keeps another spare, the other clears it). */
static void
extent_release(struct kheap *h, struct kheap_extent *e)
{
    void *area = (void *)e->area.first;
    unsigned order = e->src_order;

    MM_ASSERT(h->spare != e);
    extent_remove(h, e);
    mm_pagesrc_free(h->src, area, order);
    if (mm_switch.trace & MM_TRACE_KMALLOC)
        mm_print("trace: kmalloc shrink extent=0x%08lx pages=%zu\n",
                 (unsigned long)(uintptr_t)area, (size_t)1 << order);
}

/*
 * After a page of extent e went back to the buddy: if e came from the
 * page source and is now entirely free, keep it as the one spare extent
 * (hysteresis) or, if another empty one is kept already, release it.
 */
static void
extent_maybe_release(struct kheap *h, struct kheap_extent *e)
{
    if (e->src_order == KHEAP_NOT_FROM_SRC || !extent_all_free(h, e))
        return;
    if (h->spare == NULL || h->spare == e ||
        !extent_all_free(h, h->spare))
        h->spare = e;
    else
        extent_release(h, e);
}

/* A run of 2^order pages from the extents, growing the heap if it can. */
void *
kheap_pages_alloc(struct kheap *h, unsigned order)
{
    void *p = buddy_alloc(&h->pages, order);

    if (p == NULL && extent_grow(h, (size_t)1 << order))
        p = buddy_alloc(&h->pages, order);
    return p;
}

void
kheap_pages_free(struct kheap *h, struct kheap_extent *e, void *p)
{
    MM_ASSERT(buddy_free(&h->pages, p) == BUDDY_OK);
    extent_maybe_release(h, e);
}

/*
 * Why a pointer into a page that holds no block is no block: the page
 * is part of the extent's own metadata (foreign: never the heap's to
 * give), the start of a run that was freed (double free), or any other
 * place inside free pages or a run (interior).
 */
enum kheap_err
kheap_unused_page_error(const struct kheap *h, uintptr_t addr)
{
    uintptr_t page = addr & ~(uintptr_t)(MM_PAGE - 1);

    switch (buddy_state(&h->pages, (void *)page)) {
    case BUDDY_STATE_RESERVED:
    case BUDDY_STATE_NONE:
        return KHEAP_ERR_FOREIGN;           /* the extent's own header */
    case BUDDY_STATE_FREE:
        return addr == page ? KHEAP_ERR_DOUBLE_FREE     /* a freed run */
                            : KHEAP_ERR_INTERIOR;
    default:
        return KHEAP_ERR_INTERIOR;          /* a later page of a run */
    }
}

/* ---- lifecycle ------------------------------------------------------ */

static void
heap_setup(struct kheap *h, const char *name)
{
    unsigned i;

    mm_memset(h, 0, sizeof *h);
    h->name = name;
    h->poison = (mm_switch.poison & MM_POISON_KMALLOC) != 0;
    h->guard = mm_switch.guard;
    h->grow_order = KHEAP_GROW_FIRST;
    buddy_init(&h->pages, name);
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        h->bucket[i].size = (size_t)KHEAP_MIN_SIZE << i;
        mm_list_init(&h->bucket[i].pages);
    }
}

/*
 * Creates a heap over a caller-given area (xnheap_init).  page_size
 * must be MM_PAGE (KHEAP_ERR_PAGESIZE otherwise); the area must hold
 * its header, page table and at least one page (KHEAP_ERR_EXTENT).
 */
enum kheap_err
kheap_init(struct kheap *h, const char *name, void *area, size_t size_bytes,
           size_t page_size)
{
    heap_setup(h, name);
    if (page_size != MM_PAGE)
        return kheap_fail(h, KHEAP_ERR_PAGESIZE, (uintptr_t)page_size);
    return extent_add(h, area, size_bytes, KHEAP_NOT_FROM_SRC);
}

/* Creates an empty heap that takes extents from src on demand. */
void
kheap_init_growing(struct kheap *h, const char *name,
                   const struct mm_pagesrc *src)
{
    heap_setup(h, name);
    h->src = src;
}

/* Adds a caller-given area as a further extent (xnheap_extend). */
enum kheap_err
kheap_extend(struct kheap *h, void *area, size_t size_bytes)
{
    enum kheap_err err;

    mm_lock(&h->lock);
    err = extent_add(h, area, size_bytes, KHEAP_NOT_FROM_SRC);
    mm_unlock(&h->lock);
    return err;
}

/* Drops bucket b's pages whose blocks are all free, the spare too. */
static void
trim_bucket(struct kheap *h, struct kheap_bucket *b)
{
    struct mm_list *l = b->pages.next;

    while (b->nempty > 0 && l != &b->pages) {
        struct kheap_page *pg = page_of_link(l);

        l = l->next;                    /* before pg leaves the list */
        if (pg->nfree == MM_PAGE / b->size)
            kheap_drop_page(h, extent_find(h, (uintptr_t)pg), pg);
    }
}

/*
 * Gives back what is kept for hysteresis: each bucket's spare page and,
 * for a growing heap, every extent from the page source that is
 * entirely free.  After freeing everything and trimming, a growing heap
 * holds no memory at all.
 */
void
kheap_trim(struct kheap *h)
{
    unsigned i;

    mm_lock(&h->lock);
    for (i = 0; i < KHEAP_NBUCKETS; i++)
        trim_bucket(h, &h->bucket[i]);
    h->spare = NULL;
    for (i = h->next; i > 0; i--) {
        struct kheap_extent *e = kheap_extent_at(h, i - 1);

        if (e->src_order != KHEAP_NOT_FROM_SRC && extent_all_free(h, e))
            extent_release(h, e);
    }
    mm_unlock(&h->lock);
}

/*
 * Destroys the heap (xnheap_destroy): calls release once per extent,
 * highest address first, so the owner can reclaim the memory.  With
 * release NULL, a growing heap's extents go back to its page source.
 * Blocks still allocated are lost with their extents.
 */
void
kheap_destroy(struct kheap *h, kheap_release_fn *release, void *cookie)
{
    mm_lock(&h->lock);
    while (h->next > 0) {
        struct kheap_extent *e = kheap_extent_at(h, --h->next);
        void *area = (void *)e->area.first;
        size_t size = e->size_bytes;
        unsigned order = e->src_order;

        e->key1 = e->key2 = 0;
        if (release != NULL)
            release(h, area, size, cookie);
        else if (order != KHEAP_NOT_FROM_SRC && h->src != NULL)
            mm_pagesrc_free(h->src, area, order);
    }
    mm_unlock(&h->lock);
    mm_memset(h, 0, sizeof *h);
}
