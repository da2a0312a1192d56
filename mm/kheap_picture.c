/*
 * mm/kheap_picture.c - kmalloc's pages drawn: a map of which pages hold
 * which bucket's slabs and which hold page runs, and a bucket's slabs
 * as rows of cells, one per block (mm/slab_picture.c).
 *
 * Both are found the way kfree finds a block: by the owner byte of each
 * page (mm/pagesrc.h).  Full slabs are on no list, so walking the
 * buckets' lists would miss them; the owner bytes miss nothing.  The
 * caller names the pages to look at - for the kernel's heap, the page
 * allocator's span - and the map prints only the lines that hold a page
 * of this heap:
 *
 *     kmalloc: map legend 0 16  1 32  2 64  ...  L page run  . other
 *     kmalloc: map 0x00400000 |.20LL.....................  (64 pages)
 *     kmalloc: map 2 bucket slabs in 2 pages, 1 page runs in 2 pages
 *
 * Each map character is one page: the digit of the bucket whose slab
 * holds it (0 for 16 bytes up to 7 for 2 KiB), L for a page of a run,
 * '.' for any other page, ' ' outside the span.  A line is 64 pages
 * (256 KiB) from an address that is a multiple of 256 KiB.
 *
 * Invariant: reads only, under the heap's lock; counts nothing.
 * Bounds: O(pages of the span): one owner byte per page, one slab
 * header per slab page.  A report, not an operation.
 * Metadata: none.
 * Read after: mm/kheap.c, mm/slab_picture.c.
 * Tests: mm/kheap_picture_test.c.
 */
#include "kheap_internal.h"

#define MAP_COLS        64      /* pages per map line */

const char kheap_map_legend[] =
    "0 16  1 32  2 64  3 128  4 256  5 512  6 1024  7 2048  L page run  "
    ". other";

/* What one page is to the heap, and where its slab or run ends. */
struct page_look {
    char c;                     /* map character: digit, 'L' or '.' */
    const struct slab *slab;    /* the heap's slab holding it, or NULL */
    uintptr_t end;              /* the end of that slab or run */
    bool head;                  /* first page of a slab or run */
};

/*
 * Looks up the page at addr by its owner byte: a slab whose header
 * names one of h's buckets, the first page of a run, a page inside one,
 * or none of these.
 */
static struct page_look
look(const struct kheap *h, uintptr_t addr)
{
    const uint8_t *own = mm_pagesrc_owner(h->src, (const void *)addr);
    struct page_look r = { '.', NULL, addr + MM_PAGE, false };
    unsigned order;

    if (own == NULL)
        return r;
    order = *own & MM_OWNER_ORDER;
    switch (*own & MM_OWNER_KIND) {
    case MM_OWNER_SLAB:
        r.slab = slab_of((const void *)addr, order);
        if (r.slab->magic != SLAB_MAGIC ||
            !kheap_is_bucket(h, r.slab->cache)) {
            r.slab = NULL;      /* a pool's slab, or a broken one */
            return r;
        }
        r.c = (char)('0' + ((const struct kheap_bucket *)r.slab->cache -
                            h->bucket));
        r.end = (uintptr_t)r.slab + (MM_PAGE << order);
        r.head = addr == (uintptr_t)r.slab;
        return r;
    case MM_OWNER_LARGE:
        r.end = addr + (MM_PAGE << order);
        r.head = true;
        /* fall through */
    case MM_OWNER_INSIDE:
        r.c = 'L';
        return r;
    default:
        return r;
    }
}

/* Counts of what the map saw. */
struct map_count {
    size_t slabs, slab_pages, runs, run_pages;
};

/* One map line from line: returns whether it holds a page of h. */
static bool
map_line(const struct kheap *h, uintptr_t line, uintptr_t first,
         uintptr_t last, char *row, struct map_count *n)
{
    uintptr_t a;
    bool any = false;
    unsigned i;

    for (i = 0; i < MAP_COLS; i++) {
        struct page_look p;

        a = line + (uintptr_t)i * MM_PAGE;
        row[i] = ' ';
        if (a < first || a > last)
            continue;
        p = look(h, a);
        row[i] = p.c;
        any |= p.c != '.';
        if (p.c == 'L') {
            n->runs += p.head;
            n->run_pages++;
        } else if (p.slab != NULL) {
            n->slabs += p.head;
            n->slab_pages++;
        }
    }
    row[MAP_COLS] = '\0';
    return any;
}

/*
 * The map of the pages from first to last (the last byte looked at,
 * so that a span may end at 4 GiB): the legend, a line for every 64
 * pages that hold a page of h, and the totals.  Lines are counted, not
 * addresses compared, so the walk cannot wrap around.
 */
void
kheap_print_map(struct kheap *h, const void *first, const void *last)
{
    uintptr_t lo = (uintptr_t)first & ~(uintptr_t)(MM_PAGE - 1);
    uintptr_t hi = (uintptr_t)last, line, span = MAP_COLS * MM_PAGE;
    struct map_count n = { 0, 0, 0, 0 };
    char row[MAP_COLS + 1];
    size_t i, nlines;

    if (hi < lo)
        return;
    line = lo & ~(span - 1);
    nlines = (hi - line) / span + 1;
    mm_lock(&h->lock);
    mm_print("kmalloc: map legend %s\n", kheap_map_legend);
    for (i = 0; i < nlines; i++, line += span)
        if (map_line(h, line, lo, hi, row, &n))
            mm_print("kmalloc: map 0x%08lx |%s|\n", (unsigned long)line,
                     row);
    mm_print("kmalloc: map %zu bucket slabs in %zu pages, %zu page runs "
             "in %zu pages\n", n.slabs, n.slab_pages, n.runs, n.run_pages);
    mm_unlock(&h->lock);
}

/*
 * "kmalloc: bucket 64 slab 0xADDR partial: U of N in use", cells; with
 * the order, "kmalloc: parked: K ..." when the bucket's array holds K
 * of the slab's blocks (free in the cells, on no list).
 */
static void
print_slab(const struct kheap_bucket *b, const struct slab *s,
           bool show_order)
{
    unsigned parked = kheap_parked_in(b, s);
    unsigned nfree = (unsigned)s->nfree + parked;
    const char *state = nfree == b->geom.nobjs ? "empty" :
                        nfree == 0 ? "full" : "partial";

    mm_print("kmalloc: bucket %zu slab 0x%08lx %s: %u of %u in use\n",
             b->geom.size, (unsigned long)(uintptr_t)s, state,
             b->geom.nobjs - nfree, b->geom.nobjs);
    slab_print_cells("kmalloc:", s, &b->geom, show_order);
    if (show_order && parked != 0)
        mm_print("kmalloc: parked: %u in the bucket's array, handed out "
                 "before the free list\n", parked);
}

/*
 * Bucket i's slabs from first to last (the last byte), in address
 * order, each as cells (show_order: with its free list).  False,
 * printing nothing, if there is no bucket i or last is below first.
 */
bool
kheap_print_bucket(struct kheap *h, unsigned i, const void *first,
                   const void *last, bool show_order)
{
    const struct kheap_bucket *b;
    uintptr_t a = (uintptr_t)first & ~(uintptr_t)(MM_PAGE - 1);
    size_t left;

    if (i >= KHEAP_NBUCKETS || (uintptr_t)last < a)
        return false;
    left = ((uintptr_t)last - a) / MM_PAGE + 1;     /* pages to look at */
    b = &h->bucket[i];
    mm_lock(&h->lock);
    mm_print("kmalloc: bucket %zu: %zu blocks in use, %u per slab of order "
             "%u, %zu pages held\n", b->geom.size, kheap_inuse(b), b->geom.nobjs,
             b->geom.order, b->npages);
    mm_print("kmalloc: legend %s\n", slab_picture_legend);
    while (left > 0) {
        struct page_look p = look(h, a);
        size_t step = (p.end - a) / MM_PAGE;

        if (p.slab != NULL && p.head && p.slab->cache == b)
            print_slab(b, p.slab, show_order);
        left -= step < left ? step : left;
        a = p.end;
    }
    mm_unlock(&h->lock);
    return true;
}
