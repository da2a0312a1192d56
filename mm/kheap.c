/*
 * mm/kheap.c - kmalloc: a McKusick-Karels bucket heap with extents.
 *
 * The design of McKusick and Karels ("Design of a General Purpose Memory
 * Allocator for the 4.3BSD UNIX Kernel", USENIX 1988): requests are
 * rounded up to a power of two; each size has a bucket of free blocks;
 * a bucket is refilled by carving one whole page into blocks of its
 * size; and a table with one entry per page (kmemsizes) records which
 * bucket a page serves, so kfree needs no header and no size - the page
 * a pointer lies in says it all.  Requests above half a page are runs of
 * pages from the page allocator.
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
 * Per page, struct kheap_page keeps the bucket, the count of free
 * blocks, the page's own free list and a bitmap of free blocks; pages
 * with free blocks sit on their bucket's list, partly used ones first.
 * When a page's blocks are all free again it goes back to the buddy,
 * except one spare page per bucket (hysteresis: an alloc/free pair at a
 * page boundary does not call the page allocator every time).
 *
 * Invariant: a block is free exactly when its bit is set in its page's
 * freemap, and then it is on that page's free list; a bucket's list
 * holds exactly its pages with a free block; page[i].kind says what
 * the page at first_page + i * 4 KiB is.
 * Bounds: kmalloc and kfree are O(1) when the bucket has a free block,
 * plus O(log extents) to find a pointer's extent (extents <= 32); a
 * refill is one page allocator call (O(MAX_ORDER x extents)) and
 * carving one page (O(blocks per page) <= 256); a page return is one
 * buddy free plus an O(extents) look whether its extent became empty;
 * page runs cost one buddy call.  Growing takes one page-source call.
 * Poisoning and guard checks add a pass over the block.  Only
 * kheap_trim, kheap_check and kheap_destroy walk pages or extents.
 * Sizes: runs up to 2^BUDDY_MAX_ORDER pages (4 MiB) from a caller's
 * area; a growing heap's extents are at most 4 MiB and begin with their
 * own metadata, so its largest run is 2 MiB.
 * Switches: poisoning (mm_switch.poison & MM_POISON_KMALLOC) and guard bytes
 * (mm_switch.guard) are read once when a heap is created and hold for its
 * life, since blocks already handed out were laid out without them.
 * Metadata: per page, 48 bytes on the 32-bit kernel (64 on a 64-bit
 * host): 1.2%; plus the buddy's 1 byte per page and a ~100-byte extent
 * header.  No header inside blocks.
 * Read after: mm/buddy.c.  Tests: mm/kheap_test.c.
 */
#include "kheap.h"

#define KHEAP_PAGE_UNUSED   0   /* free in the buddy, or inside a run */
#define KHEAP_PAGE_BUCKET   1   /* carved into blocks of one bucket */
#define KHEAP_PAGE_LARGE    2   /* first page of a run of 2^order pages */

#define KHEAP_KEY1          0x4B484541u     /* "KHEA" */
#define KHEAP_KEY2          0x50455854u     /* "PEXT" */
#define KHEAP_NOT_FROM_SRC  0xFFu

#define KHEAP_POISON        0x5Au   /* freed blocks, past the link */
#define KHEAP_GUARD         0xABu   /* between the request and the end */
#define KHEAP_TRAILER       4       /* bytes: the requested size */
#define KHEAP_GUARD_MIN     4       /* guard bytes at least */

#define KHEAP_GROW_FIRST    4       /* first extent from a source: 64 KiB */
#define KHEAP_GROW_MAX      BUDDY_MAX_ORDER

MM_STATIC_ASSERT(KHEAP_NBUCKETS == 8, "buckets 16 B .. 2 KiB");
MM_STATIC_ASSERT(KHEAP_BLOCKS_MAX <= 0xFFFF, "nfree is 16 bits");

const char *const kheap_err_name[KHEAP_ERR_COUNT] = {
    [KHEAP_OK] = "ok",
    [KHEAP_NOMEM] = "out of memory",
    [KHEAP_ERR_FOREIGN] = "foreign pointer",
    [KHEAP_ERR_MISALIGNED] = "misaligned pointer",
    [KHEAP_ERR_INTERIOR] = "interior pointer",
    [KHEAP_ERR_DOUBLE_FREE] = "double free",
    [KHEAP_ERR_SIZE] = "size too large",
    [KHEAP_ERR_OVERFLOW] = "size overflow",
    [KHEAP_ERR_KEY] = "extent key overwritten",
    [KHEAP_ERR_POISON] = "write after free",
    [KHEAP_ERR_GUARD] = "guard bytes overwritten",
    [KHEAP_ERR_PAGESIZE] = "bad page size",
    [KHEAP_ERR_EXTENT] = "bad extent",
};

/* Counts ERR and, in debug mode, stops naming ADDR. */
static MM_COLD enum kheap_err
kheap_fail(struct kheap *h, enum kheap_err err, uintptr_t addr)
{
    h->nerr[err]++;
    if (mm_switch.debug)
        mm_panic("kheap: %s at 0x%08lx (heap %s)", kheap_err_name[err],
                 (unsigned long)addr, h->name);
    return err;
}

static MM_COLD void
trace_print(const char *event, size_t size, const char *bucket,
            uintptr_t addr)
{
    mm_print("trace: kmalloc %s size=%zu bucket=%s addr=0x%08lx\n", event,
             size, bucket, (unsigned long)addr);
}

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
trace(const char *event, size_t size, const char *bucket, uintptr_t addr)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_KMALLOC))
        trace_print(event, size, bucket, addr);
}

/* The bucket's size as text, for traces: "16" .. "2048". */
static const char *
bucket_name(unsigned i)
{
    static const char *const names[KHEAP_NBUCKETS] = {
        "16", "32", "64", "128", "256", "512", "1024", "2048",
    };
    return names[i];
}

/*
 * The bucket for a request of size bytes: the smallest power of two
 * from 16 that holds it.  15 -> 0 (16 B), 16 -> 0, 17 -> 1 (32 B),
 * 2048 -> 7; -1 above half a page (a page run) and for 0.
 */
int
kheap_bucket_of(size_t size)
{
    if (size == 0 || size > KHEAP_MAX_SMALL)
        return -1;
    if (size <= KHEAP_MIN_SIZE)
        return 0;
    /*
     * The bucket is the bit length of size - 1, less 4: 17..32 have
     * size - 1 = 16..31, five bits long, so bucket 1 (32 B).
     * __builtin_clzl counts the leading zero bits of an unsigned long.
     */
    return (int)(sizeof(unsigned long) * 8) -
           __builtin_clzl((unsigned long)size - 1) - KHEAP_MIN_SHIFT;
}

/* ---- extents -------------------------------------------------------- */

static bool
extent_keys_ok(const struct kheap *h, const struct kheap_extent *e)
{
    return e->key1 == KHEAP_KEY1 && e->key2 == KHEAP_KEY2 && e->heap == h;
}

/* The extent whose area holds addr (binary search), or NULL. */
static struct kheap_extent *
extent_find(const struct kheap *h, uintptr_t addr)
{
    unsigned lo = 0, hi = h->next;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        struct kheap_extent *e = h->ext[mid];

        if (addr < e->base)
            hi = mid;
        else if (addr - e->base >= e->size_bytes)
            lo = mid + 1;
        else
            return e;
    }
    return NULL;
}

/* The page-table entry for the page holding addr in extent e. */
static struct kheap_page *
page_of(const struct kheap_extent *e, uintptr_t addr)
{
    return &e->page[(addr - e->first_page) >> MM_PAGE_SHIFT];
}

static uintptr_t
page_addr(const struct kheap_extent *e, const struct kheap_page *pg)
{
    return e->first_page + ((uintptr_t)(pg - e->page) << MM_PAGE_SHIFT);
}

/* Does [base, base + size) overlap an extent of h? */
static bool
extent_overlaps(const struct kheap *h, uintptr_t base, size_t size)
{
    unsigned i;

    for (i = 0; i < h->next; i++)
        if ((uint64_t)base < (uint64_t)h->ext[i]->base +
                                 h->ext[i]->size_bytes &&
            (uint64_t)h->ext[i]->base < (uint64_t)base + size)
            return true;
    return false;
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
    unsigned i;

    if ((base & (sizeof(void *) - 1)) != 0 || size == 0 ||
        (uint64_t)base + size - 1 > (uint64_t)UINTPTR_MAX ||
        last <= first || h->next == KHEAP_MAX_EXTENTS ||
        extent_overlaps(h, base, size))
        return kheap_fail(h, KHEAP_ERR_EXTENT, base);
    npages = (size_t)((last - first) / MM_PAGE);
    used = sizeof *e + npages * sizeof(struct kheap_page);
    /* After header, table and the buddy's npages state bytes, a page? */
    if ((uint64_t)base + used + npages + MM_PAGE > last ||
        buddy_add_zone(&h->pages, area, size, used, NULL) != BUDDY_OK)
        return kheap_fail(h, KHEAP_ERR_EXTENT, base);
    *e = (struct kheap_extent){ KHEAP_KEY1, h, base, size,
                                (uintptr_t)first, npages,
                                src_order, (struct kheap_page *)(e + 1),
                                KHEAP_KEY2 };
    mm_memset(e->page, 0, npages * sizeof(struct kheap_page));
    for (i = h->next; i > 0 && h->ext[i - 1]->base > base; i--)
        h->ext[i] = h->ext[i - 1];
    h->ext[i] = e;
    h->next++;
    return KHEAP_OK;
}

/* Takes extent e out (all its pages must be free in the buddy). */
static void
extent_remove(struct kheap *h, struct kheap_extent *e)
{
    unsigned i = 0;

    while (h->ext[i] != e)
        i++;
    for (; i + 1 < h->next; i++)
        h->ext[i] = h->ext[i + 1];
    h->next--;
    MM_ASSERT(buddy_remove_zone(&h->pages, (void *)e->base) == BUDDY_OK);
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

/* Are all of extent e's pages free in the heap's buddy?  O(extents). */
static bool
extent_all_free(const struct kheap *h, const struct kheap_extent *e)
{
    unsigned z;

    for (z = 0; z < buddy_nzones(&h->pages); z++) {
        const struct buddy_zone *bz = &h->pages.zone[z];

        if (bz->first_pfn == e->first_page >> MM_PAGE_SHIFT)
            return bz->npages - bz->nreserved ==
                   buddy_zone_free_pages(&h->pages, z);
    }
    return false;
}

static void
extent_release(struct kheap *h, struct kheap_extent *e)
{
    void *area = (void *)e->base;
    unsigned order = e->src_order;

    if (h->spare == e)
        h->spare = NULL;
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

/* ---- pages from the heap's buddy ------------------------------------ */

/* A run of 2^order pages from the extents, growing the heap if it can. */
static void *
pages_alloc(struct kheap *h, unsigned order)
{
    void *p = buddy_alloc(&h->pages, order);

    if (p == NULL && extent_grow(h, (size_t)1 << order))
        p = buddy_alloc(&h->pages, order);
    return p;
}

static void
pages_free(struct kheap *h, struct kheap_extent *e, void *p)
{
    MM_ASSERT(buddy_free(&h->pages, p) == BUDDY_OK);
    extent_maybe_release(h, e);
}

/* ---- buckets -------------------------------------------------------- */

static void
bucket_list_add(struct kheap_bucket *b, struct kheap_page *pg, bool front)
{
    struct kheap_page *head = b->pages;

    if (head == NULL) {
        pg->next = pg->prev = pg;
        b->pages = pg;
        return;
    }
    pg->next = head;
    pg->prev = head->prev;
    head->prev->next = pg;
    head->prev = pg;
    if (front)
        b->pages = pg;
}

static void
bucket_list_remove(struct kheap_bucket *b, struct kheap_page *pg)
{
    if (pg->next == pg) {
        b->pages = NULL;
    } else {
        pg->prev->next = pg->next;
        pg->next->prev = pg->prev;
        if (b->pages == pg)
            b->pages = pg->next;
    }
    pg->next = pg->prev = NULL;
}

static inline void
freemap_set(struct kheap_page *pg, unsigned i)
{
    pg->freemap[i / 32] |= 1u << (i % 32);
}

static inline void
freemap_clear(struct kheap_page *pg, unsigned i)
{
    pg->freemap[i / 32] &= ~(1u << (i % 32));
}

static inline bool
freemap_test(const struct kheap_page *pg, unsigned i)
{
    return (pg->freemap[i / 32] >> (i % 32)) & 1;
}

/*
 * Refill: one page from the page allocator, carved into blocks of the
 * bucket's size, each linked to the next through its first word:
 *
 *   page:  [blk0|->blk1][blk1|->blk2] ... [blkN-1|NULL]
 *
 * The page goes on the bucket's list; with poisoning on, every block
 * is filled as if freed.  Returns false when no page can be had.
 */
static bool
bucket_refill(struct kheap *h, unsigned bi)
{
    struct kheap_bucket *b = &h->bucket[bi];
    uint8_t *page = pages_alloc(h, 0);
    struct kheap_extent *e;
    struct kheap_page *pg;
    unsigned n = (unsigned)(MM_PAGE / b->size), i;

    if (page == NULL)
        return false;
    e = extent_find(h, (uintptr_t)page);
    pg = page_of(e, (uintptr_t)page);
    pg->kind = KHEAP_PAGE_BUCKET;
    pg->bucket = (uint8_t)bi;
    pg->nfree = (uint16_t)n;
    pg->freelist = page;
    /* LAB: bucket_refill */
    for (i = 0; i < n; i++) {
        uint8_t *blk = page + i * b->size;

        if (h->poison)
            mm_memset(blk, KHEAP_POISON, b->size);
        *(void **)blk = i + 1 < n ? blk + b->size : NULL;
        freemap_set(pg, i);
    }
    /* LAB END */
    bucket_list_add(b, pg, false);
    b->nempty++;
    b->npages++;
    b->nfree += n;
    trace("refill", MM_PAGE, bucket_name(bi), (uintptr_t)page);
    return true;
}

/* The first byte of a freed block past its link that is not poison. */
static uintptr_t
poison_find(const uint8_t *blk, size_t size)
{
    size_t i;

    for (i = sizeof(void *); i < size; i++)
        if (blk[i] != KHEAP_POISON)
            return (uintptr_t)&blk[i];
    return 0;
}

/* Takes one block from the first page on bucket bi's list. */
static void *
bucket_take(struct kheap *h, unsigned bi)
{
    struct kheap_bucket *b = &h->bucket[bi];
    struct kheap_page *pg = b->pages;
    uint8_t *blk;
    uintptr_t bad;

    /* LAB: bucket_take */
    blk = pg->freelist;
    pg->freelist = *(void **)blk;
    freemap_clear(pg, (unsigned)(((uintptr_t)blk & (MM_PAGE - 1)) /
                                 b->size));
    if (pg->nfree-- == MM_PAGE / b->size)
        b->nempty--;
    if (pg->nfree == 0)
        bucket_list_remove(b, pg);
    /* LAB END */
    b->nfree--;
    if (++b->inuse > b->hwm)
        b->hwm = b->inuse;
    b->requests++;
    if (h->poison && (bad = poison_find(blk, b->size)) != 0)
        kheap_fail(h, KHEAP_ERR_POISON, bad);   /* reported, still used */
    return blk;
}

/* ---- guard bytes ---------------------------------------------------- */

/*
 * With guard bytes on, a block of capacity cap holding a request of n
 * bytes looks like this; the trailer records n so kfree can check:
 *
 *   | n bytes for the caller | guard 0xAB ... | n (4 bytes) |
 *                            ^ at least 4 guard bytes
 */
static size_t
guarded_size(const struct kheap *h, size_t n)
{
    return h->guard ? n + KHEAP_GUARD_MIN + KHEAP_TRAILER : n;
}

static void
guard_write(uint8_t *blk, size_t cap, size_t n)
{
    uint32_t len = (uint32_t)n;

    mm_memset(blk + n, KHEAP_GUARD, cap - KHEAP_TRAILER - n);
    mm_memcpy(blk + cap - KHEAP_TRAILER, &len, sizeof len);
}

/* The requested size a guarded block recorded, or cap if it is bad. */
static size_t
guard_len(const uint8_t *blk, size_t cap)
{
    uint32_t len;

    mm_memcpy(&len, blk + cap - KHEAP_TRAILER, sizeof len);
    return len + KHEAP_GUARD_MIN + KHEAP_TRAILER <= cap ? len : cap;
}

/* The first overwritten guard byte of a block, or 0. */
static uintptr_t
guard_find(const uint8_t *blk, size_t cap)
{
    size_t n = guard_len(blk, cap), i;

    if (n == cap)
        return (uintptr_t)(blk + cap - KHEAP_TRAILER);
    for (i = n; i < cap - KHEAP_TRAILER; i++)
        if (blk[i] != KHEAP_GUARD)
            return (uintptr_t)&blk[i];
    return 0;
}

/* ---- allocation ----------------------------------------------------- */

/* A run of 2^order pages for a request above half a page. */
static void *
large_alloc(struct kheap *h, unsigned order)
{
    struct kheap_extent *e;
    struct kheap_page *pg;
    void *p = pages_alloc(h, order);

    if (p == NULL)
        return NULL;
    e = extent_find(h, (uintptr_t)p);
    pg = page_of(e, (uintptr_t)p);
    pg->kind = KHEAP_PAGE_LARGE;
    pg->bucket = (uint8_t)order;
    h->large_pages += (size_t)1 << order;
    if (++h->large_inuse > h->large_hwm)
        h->large_hwm = h->large_inuse;
    h->large_requests++;
    return p;
}

/*
 * Allocates size bytes, aligned to their bucket's size (a page for page
 * runs).  Returns NULL for size 0 (not an error, nothing counted), for
 * sizes beyond the largest run (KHEAP_ERR_SIZE), and when out of memory
 * (counted as nomem).
 */
void *
kheap_alloc(struct kheap *h, size_t size)
{
    size_t need = guarded_size(h, size), cap;
    int bi = kheap_bucket_of(need);
    int order = bi < 0 ? buddy_order_for(need) : 0;
    void *p = NULL;

    if (size == 0)
        return NULL;
    if (need < size || (bi < 0 && order < 0)) {
        kheap_fail(h, KHEAP_ERR_SIZE, (uintptr_t)size);
        return NULL;
    }
    mm_lock(&h->lock);
    /* LAB: kmalloc */
    if (bi < 0)
        p = large_alloc(h, (unsigned)order);
    else if (h->bucket[bi].pages != NULL || bucket_refill(h, (unsigned)bi))
        p = bucket_take(h, (unsigned)bi);
    /* LAB END */
    if (p == NULL)
        h->nerr[KHEAP_NOMEM]++;
    cap = bi < 0 ? MM_PAGE << order : h->bucket[bi].size;
    if (p != NULL && h->guard)
        guard_write(p, cap, size);
    mm_unlock(&h->lock);
    trace("alloc", size, bi < 0 ? "large" : bucket_name((unsigned)bi),
          (uintptr_t)p);
    return p;
}

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

/* ---- finding a block by its address --------------------------------- */

/* Where a pointer handed to kfree/krealloc/ksize is, once validated. */
struct kheap_where {
    struct kheap_extent *e;
    struct kheap_page *pg;      /* its page's entry */
    size_t cap;                 /* the block's capacity in bytes */
    unsigned index;             /* block number in its page (buckets) */
};

/*
 * Why a pointer into a page that holds no block is no block: the page
 * is part of the extent's own metadata (foreign: never the heap's to
 * give), the start of a run that was freed (double free), or any other
 * place inside free pages or a run (interior).
 */
static enum kheap_err
unused_page_error(const struct kheap *h, uintptr_t addr)
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

/*
 * Finds the block that starts at p: its extent, page and capacity.
 * Every check comes before any change, and none follows a pointer out
 * of the extent table until the extent's keys are verified.
 */
static enum kheap_err
block_lookup(struct kheap *h, uintptr_t p, struct kheap_where *w)
{
    uintptr_t off;
    size_t size;

    w->e = extent_find(h, p);
    if (w->e == NULL)
        return KHEAP_ERR_FOREIGN;
    if (!extent_keys_ok(h, w->e))
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
        return unused_page_error(h, p);
    size = h->bucket[w->pg->bucket].size;
    w->cap = size;
    w->index = (unsigned)(off / size);
    if (off % size != 0)
        return KHEAP_ERR_INTERIOR;
    return freemap_test(w->pg, w->index) ? KHEAP_ERR_DOUBLE_FREE : KHEAP_OK;
}

/* ---- free ----------------------------------------------------------- */

/* Gives a page whose blocks are all free back to the page allocator. */
static void
bucket_drop_page(struct kheap *h, struct kheap_extent *e,
                 struct kheap_page *pg)
{
    struct kheap_bucket *b = &h->bucket[pg->bucket];

    bucket_list_remove(b, pg);
    pg->kind = KHEAP_PAGE_UNUSED;
    b->nempty--;
    b->npages--;
    b->nfree -= MM_PAGE / b->size;
    trace("return", MM_PAGE, bucket_name(pg->bucket), page_addr(e, pg));
    pages_free(h, e, (void *)page_addr(e, pg));
}

/*
 * Puts a block back on its page's free list.  A page whose blocks are
 * all free goes back to the page allocator, unless it is the bucket's
 * one spare.
 */
static void
bucket_put(struct kheap *h, const struct kheap_where *w, uint8_t *blk)
{
    struct kheap_bucket *b = &h->bucket[w->pg->bucket];
    struct kheap_page *pg = w->pg;
    unsigned n = (unsigned)(MM_PAGE / b->size);

    if (h->poison)
        mm_memset(blk, KHEAP_POISON, b->size);
    /* LAB: kfree */
    *(void **)blk = pg->freelist;
    pg->freelist = blk;
    freemap_set(pg, w->index);
    if (pg->nfree++ == 0)
        bucket_list_add(b, pg, true);   /* partly used pages first */
    /* LAB END */
    b->inuse--;
    b->nfree++;
    if (pg->nfree < n)
        return;
    if (b->nempty++ == 0)
        return;                         /* kept as the spare */
    bucket_drop_page(h, w->e, pg);
}

static void
large_put(struct kheap *h, const struct kheap_where *w, void *p)
{
    w->pg->kind = KHEAP_PAGE_UNUSED;
    h->large_inuse--;
    h->large_pages -= (size_t)1 << w->pg->bucket;
    pages_free(h, w->e, p);
}

/* Checks guard bytes of a validated block; reports the first bad one. */
static enum kheap_err
guard_check(struct kheap *h, const struct kheap_where *w, const void *p)
{
    uintptr_t bad;

    if (!h->guard || (bad = guard_find(p, w->cap)) == 0)
        return KHEAP_OK;
    return kheap_fail(h, KHEAP_ERR_GUARD, bad);
}

/*
 * Validates a pointer handed back by the caller: it must start an
 * allocated block of this heap and, with guard bytes on, its guard
 * bytes must be intact.  Counts and reports the error; changes nothing.
 * Called with the heap locked.
 */
static enum kheap_err
block_validate(struct kheap *h, const void *p, struct kheap_where *w)
{
    enum kheap_err err = block_lookup(h, (uintptr_t)p, w);

    if (err != KHEAP_OK)
        return kheap_fail(h, err, (uintptr_t)p);
    return guard_check(h, w, p);
}

/*
 * Frees the block that starts at p; NULL does nothing.  Errors (block
 * left as it was): KHEAP_ERR_FOREIGN, _KEY, _MISALIGNED, _INTERIOR,
 * _DOUBLE_FREE, and _GUARD (the block is not freed: it is the overrun
 * that the report is about).
 */
enum kheap_err
kheap_free(struct kheap *h, void *p)
{
    struct kheap_where w;
    enum kheap_err err;
    const char *name;

    if (p == NULL)
        return KHEAP_OK;
    mm_lock(&h->lock);
    err = block_validate(h, p, &w);
    if (err == KHEAP_OK) {
        name = w.pg->kind == KHEAP_PAGE_LARGE ? "large"
                                              : bucket_name(w.pg->bucket);
        trace("free", w.cap, name, (uintptr_t)p);
        if (w.pg->kind == KHEAP_PAGE_LARGE)
            large_put(h, &w, p);
        else
            bucket_put(h, &w, p);
    }
    mm_unlock(&h->lock);
    return err;
}

/* ---- size and realloc ----------------------------------------------- */

/*
 * The usable size of the block at p: its bucket's size, or the run's
 * bytes; with guard bytes on, exactly the size that was requested.
 * 0 (error counted) if p starts no allocated block.
 */
size_t
kheap_size(struct kheap *h, const void *p)
{
    struct kheap_where w;
    enum kheap_err err;
    size_t size = 0;

    mm_lock(&h->lock);
    err = block_lookup(h, (uintptr_t)p, &w);
    if (err != KHEAP_OK)
        kheap_fail(h, err, (uintptr_t)p);
    else
        size = h->guard ? guard_len(p, w.cap) : w.cap;
    mm_unlock(&h->lock);
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
 * Resizes the block at p to size bytes: in place when its block is
 * already the right one (same bucket, or same run order; with guard
 * bytes on, never), else by allocating, copying and freeing.  NULL p
 * allocates; size 0 frees and returns NULL.  A bad p (every error of
 * kheap_free, overwritten guard bytes included) is reported and NULL
 * returned, nothing freed; out of memory returns NULL and leaves p as
 * it was.
 */
void *
kheap_realloc(struct kheap *h, void *p, size_t size)
{
    size_t old = 0, need = guarded_size(h, size);
    struct kheap_where w;
    void *fresh;

    if (p == NULL)
        return kheap_alloc(h, size);
    if (size == 0) {
        kheap_free(h, p);
        return NULL;
    }
    mm_lock(&h->lock);
    if (block_validate(h, p, &w) == KHEAP_OK)
        old = h->guard ? guard_len(p, w.cap) : w.cap;
    mm_unlock(&h->lock);
    if (old == 0)
        return NULL;                    /* bad pointer: reported */
    if (!h->guard && same_block(old, need))
        return p;
    fresh = kheap_alloc(h, size);
    if (fresh == NULL)
        return NULL;
    mm_memcpy(fresh, p, old < size ? old : size);
    kheap_free(h, p);
    return fresh;
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
    for (i = 0; i < KHEAP_NBUCKETS; i++)
        h->bucket[i].size = (size_t)KHEAP_MIN_SIZE << i;
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

/* The extent whose page table holds entry pg.  O(extents). */
static struct kheap_extent *
extent_of_entry(const struct kheap *h, const struct kheap_page *pg)
{
    unsigned i;

    for (i = 0; i < h->next; i++)
        if (pg >= h->ext[i]->page && pg < h->ext[i]->page + h->ext[i]->npages)
            return h->ext[i];
    MM_ASSERT(!"page entry in no extent");
    return NULL;
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
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        struct kheap_bucket *b = &h->bucket[i];
        struct kheap_page *pg = b->pages;

        while (b->nempty > 0 && pg != NULL) {
            struct kheap_page *next = pg->next == b->pages ? NULL
                                                           : pg->next;

            if (pg->nfree == MM_PAGE / b->size)
                bucket_drop_page(h, extent_of_entry(h, pg), pg);
            pg = next;
        }
    }
    h->spare = NULL;
    for (i = h->next; i > 0; i--)
        if (h->ext[i - 1]->src_order != KHEAP_NOT_FROM_SRC &&
            extent_all_free(h, h->ext[i - 1]))
            extent_release(h, h->ext[i - 1]);
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
        struct kheap_extent *e = h->ext[--h->next];
        void *area = (void *)e->base;
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

/* ---- statistics and reports ----------------------------------------- */

size_t
kheap_pages_held(const struct kheap *h)
{
    size_t n = h->large_pages;
    unsigned i;

    for (i = 0; i < KHEAP_NBUCKETS; i++)
        n += h->bucket[i].npages;
    return n;
}

/*
 * The statistics in the spirit of FreeBSD's vmstat -m: one row per
 * bucket, then the page runs, then the total.
 *   Size      block size in bytes (large: runs of pages)
 *   InUse     blocks handed out now
 *   Free      free blocks in the bucket's pages
 *   Pages     pages the bucket holds
 *   Requests  allocations served since boot
 *   HighUse   most blocks in use at once
 */
void
kheap_print_stats(const struct kheap *h)
{
    size_t inuse = h->large_inuse, nfree = 0;
    unsigned long requests = h->large_requests;
    unsigned i;

    mm_print("kmalloc: %6s %8s %8s %6s %10s %8s\n", "Size", "InUse", "Free",
             "Pages", "Requests", "HighUse");
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        const struct kheap_bucket *b = &h->bucket[i];

        mm_print("kmalloc: %6zu %8zu %8zu %6zu %10lu %8zu\n", b->size,
                 b->inuse, b->nfree, b->npages, b->requests, b->hwm);
        inuse += b->inuse;
        nfree += b->nfree;
        requests += b->requests;
    }
    mm_print("kmalloc: %6s %8zu %8s %6zu %10lu %8zu\n", "large",
             h->large_inuse, "-", h->large_pages, h->large_requests,
             h->large_hwm);
    mm_print("kmalloc: %6s %8zu %8zu %6zu %10lu %8s\n", "total", inuse,
             nfree, kheap_pages_held(h), requests, "-");
}

/*
 * Prints the page-table entry (kmemsizes) of the page holding p, e.g.
 *   kmalloc: page 0x0011d000 entry 3 of extent 0x00119000: bucket 64,
 *            62 of 64 free, free list 0x0011d080, map 0xfffffffc ...
 * (one line).  The map is the free bitmap, block 0 in bit 0 of the first
 * word.  O(words of the bitmap); prints nothing for a foreign p.
 */
void
kheap_print_page(const struct kheap *h, const void *p)
{
    const struct kheap_extent *e = extent_find(h, (uintptr_t)p);
    const struct kheap_page *pg;
    unsigned nblk, i;

    if (e == NULL || (uintptr_t)p < e->first_page ||
        ((uintptr_t)p - e->first_page) >> MM_PAGE_SHIFT >= e->npages)
        return;
    pg = page_of(e, (uintptr_t)p);
    mm_print("kmalloc: page 0x%08lx entry %u of extent 0x%08lx: ",
             (unsigned long)page_addr(e, pg), (unsigned)(pg - e->page),
             (unsigned long)e->base);
    if (pg->kind == KHEAP_PAGE_LARGE) {
        mm_print("large, order %u\n", pg->bucket);
        return;
    }
    if (pg->kind != KHEAP_PAGE_BUCKET) {
        mm_print("unused\n");
        return;
    }
    nblk = (unsigned)(MM_PAGE / h->bucket[pg->bucket].size);
    mm_print("bucket %zu, %u of %u free, free list 0x%08lx, map",
             h->bucket[pg->bucket].size, pg->nfree, nblk,
             (unsigned long)(uintptr_t)pg->freelist);
    for (i = 0; i < (nblk + 31) / 32; i++)
        mm_print(" 0x%08lx", (unsigned long)pg->freemap[i]);
    mm_print("\n");
}

void
kheap_print_errors(const struct kheap *h)
{
    unsigned e;

    mm_print("kmalloc: %u extents, %lu out of memory\n", h->next,
             h->nerr[KHEAP_NOMEM]);
    for (e = KHEAP_NOMEM + 1; e < KHEAP_ERR_COUNT; e++)
        mm_print("kmalloc: error %-23s %lu\n", kheap_err_name[e],
                 h->nerr[e]);
}

/* ---- check ---------------------------------------------------------- */

static unsigned
check_fail(const char *what, uintptr_t addr)
{
    mm_print("kheap: check: %s at 0x%08lx\n", what, (unsigned long)addr);
    return 1;
}

/* One bucket page: free list, bitmap and count agree. */
static unsigned
check_page(const struct kheap *h, const struct kheap_extent *e,
           const struct kheap_page *pg, size_t *nfree)
{
    size_t size = h->bucket[pg->bucket].size;
    uintptr_t page = page_addr(e, pg);
    unsigned n = 0, bits = 0, i;
    const uint8_t *blk;

    for (blk = pg->freelist; blk != NULL && n <= MM_PAGE / size;
         blk = *(void *const *)blk) {
        if ((uintptr_t)blk - page >= MM_PAGE ||
            ((uintptr_t)blk - page) % size != 0 ||
            !freemap_test(pg, (unsigned)(((uintptr_t)blk - page) / size)))
            return check_fail("bad free-list entry", (uintptr_t)blk);
        n++;
    }
    for (i = 0; i < MM_PAGE / size; i++)
        bits += freemap_test(pg, i);
    if (n != pg->nfree || bits != pg->nfree)
        return check_fail("free count, list and bitmap differ", page);
    if ((pg->nfree > 0) != (pg->next != NULL))
        return check_fail("page on the wrong list", page);
    *nfree += n;
    return 0;
}

/*
 * Walks every extent and page: keys intact, each bucket page's free
 * list, bitmap and count agree, bucket totals match the pages, page
 * runs add up.  Prints each violation; returns how many.
 */
unsigned
kheap_check(struct kheap *h)
{
    size_t nfree[KHEAP_NBUCKETS] = { 0 }, npages[KHEAP_NBUCKETS] = { 0 };
    size_t large = 0, runs = 0;
    unsigned bad = 0, i, j;

    mm_lock(&h->lock);
    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = h->ext[i];

        if (!extent_keys_ok(h, e)) {
            bad += check_fail("extent keys", e->base);
            continue;
        }
        for (j = 0; j < e->npages; j++) {
            const struct kheap_page *pg = &e->page[j];

            if (pg->kind == KHEAP_PAGE_BUCKET) {
                npages[pg->bucket]++;
                bad += check_page(h, e, pg, &nfree[pg->bucket]);
            } else if (pg->kind == KHEAP_PAGE_LARGE) {
                runs++;
                large += (size_t)1 << pg->bucket;
            }
        }
    }
    for (i = 0; i < KHEAP_NBUCKETS; i++)
        if (nfree[i] != h->bucket[i].nfree ||
            npages[i] != h->bucket[i].npages)
            bad += check_fail("bucket totals differ from its pages", i);
    if (runs != h->large_inuse || large != h->large_pages)
        bad += check_fail("page-run totals differ", runs);
    bad += buddy_check(&h->pages);
    mm_unlock(&h->lock);
    return bad;
}

/* ---- the global heap: kmalloc and friends --------------------------- */

static struct kheap kmalloc_global;

void
kmalloc_init(const struct mm_pagesrc *src)
{
    kheap_init_growing(&kmalloc_global, "kmalloc", src);
}

struct kheap *
kmalloc_heap(void)
{
    return &kmalloc_global;
}

void *
kmalloc(size_t size)
{
    return kheap_alloc(&kmalloc_global, size);
}

void *
kzalloc(size_t size)
{
    return kheap_zalloc(&kmalloc_global, size);
}

void *
kcalloc(size_t n, size_t size)
{
    return kheap_calloc(&kmalloc_global, n, size);
}

void *
krealloc(void *p, size_t size)
{
    return kheap_realloc(&kmalloc_global, p, size);
}

void
kfree(void *p)
{
    kheap_free(&kmalloc_global, p);
}

size_t
ksize(const void *p)
{
    return kheap_size(&kmalloc_global, p);
}
