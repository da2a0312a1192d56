/*
 * mm/buddy_test.c - tests of the buddy allocator, in kernel and on host.
 *
 * Each test builds its own allocator over scratch memory (aligned to its
 * size, so page numbers below are relative to a naturally aligned base),
 * states the expected picture in a comment, and ends with buddy_check()
 * and a check that everything went back.
 */
#include "buddy.h"
#include "test.h"

#define ARENA_PAGES     16

/* Free blocks per order, order 0 first, compared in one check. */
static bool
nfree_is(struct mm_t *t, struct buddy *b, unsigned zone,
         const size_t want[5], int line)
{
    unsigned k;
    bool ok = true;

    for (k = 0; k < BUDDY_NORDERS; k++) {
        size_t w = k < 5 ? want[k] : 0;

        if (buddy_nfree(b, zone, k) != w)
            ok = false;
    }
    return mm_check(t, ok, __FILE__, line, "free blocks per order");
}

#define CHECK_NFREE(t, b, z, ...)                                       \
    nfree_is((t), (b), (z), (const size_t[5]){ __VA_ARGS__ }, __LINE__)

/* A buddy over npages of scratch memory, metadata kept outside. */
static uint8_t *
arena_setup(struct mm_t *t, struct buddy *b, size_t npages, uint8_t *meta)
{
    uint8_t *base = mm_scratch_alloc(npages * MM_PAGE);

    buddy_init(b, "test");
    if (!MM_CHECK(t, base != NULL))
        return NULL;
    MM_CHECK_EQ(t, buddy_add_zone(b, base, npages * MM_PAGE, 0, meta),
                BUDDY_OK);
    return base;
}

MM_TEST(buddy, xor_rule)
{
    /* The buddy of an order-k block differs in bit k only. */
    MM_CHECK_EQ(t, buddy_of(8, 1), 10);
    MM_CHECK_EQ(t, buddy_of(10, 1), 8);
    MM_CHECK_EQ(t, buddy_of(12, 2), 8);
    MM_CHECK_EQ(t, buddy_of(0, 3), 8);
    MM_CHECK_EQ(t, buddy_of(5, 0), 4);
    MM_CHECK_EQ(t, buddy_of(0x100000, 10), 0x100400);
    /* Applying it twice gives the block back. */
    MM_CHECK_EQ(t, buddy_of(buddy_of(0x1234, 4), 4), 0x1234);
}

/*
 * The textbook walk-through over 16 pages (one order-4 block):
 *
 *   alloc A (1 page)   A . - - . . . . . . . . . . . .   free: 1 2 4 8
 *   alloc B (2 pages)  A . B B . . . . . . . . . . . .   free: 1 4 8
 *   alloc C (1 page)   A C B B . . . . . . . . . . . .   free: 4 8
 *   alloc D (4 pages)  A C B B D D D D . . . . . . . .   free: 8
 *   free B             A C . . D D D D ...              free: 2 8
 *   free A             . C . . D D D D ...              free: 0 2 8
 *   free D             . C . . . . . . ...              free: 0 2 4 8
 *   free C             all 16 merged back: 0+1 -> 0-3 -> 0-7 -> 0-15
 */
MM_TEST(buddy, textbook_split_and_merge)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    struct buddy b;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta);
    uint8_t *a, *bb, *c, *d;

    if (base == NULL)
        return;
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 0, 1);
    a = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, a, base);
    CHECK_NFREE(t, &b, 0, 1, 1, 1, 1, 0);
    bb = buddy_alloc(&b, 1);
    MM_CHECK_PTR_EQ(t, bb, base + 2 * MM_PAGE);
    CHECK_NFREE(t, &b, 0, 1, 0, 1, 1, 0);
    c = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, c, base + 1 * MM_PAGE);
    CHECK_NFREE(t, &b, 0, 0, 0, 1, 1, 0);
    d = buddy_alloc(&b, 2);
    MM_CHECK_PTR_EQ(t, d, base + 4 * MM_PAGE);
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 1, 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);

    MM_CHECK_EQ(t, buddy_free(&b, bb), BUDDY_OK);   /* buddy A+C in use */
    CHECK_NFREE(t, &b, 0, 0, 1, 0, 1, 0);
    MM_CHECK_EQ(t, buddy_free(&b, a), BUDDY_OK);    /* buddy C in use */
    CHECK_NFREE(t, &b, 0, 1, 1, 0, 1, 0);
    MM_CHECK_EQ(t, buddy_free(&b, d), BUDDY_OK);    /* 0-3 not whole */
    CHECK_NFREE(t, &b, 0, 1, 1, 1, 1, 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    MM_CHECK_EQ(t, buddy_free(&b, c), BUDDY_OK);    /* four merges */
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 0, 1);
    MM_CHECK_EQ(t, buddy_free_pages(&b), ARENA_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

/* The sum of all error counters (out of memory is not one). */
static unsigned long
total_errors(const struct buddy *b)
{
    unsigned long n = 0;
    unsigned e;

    for (e = BUDDY_ERR_FOREIGN; e < BUDDY_ERR_COUNT; e++)
        n += buddy_errors(b, e);
    return n;
}

/*
 * Bad input: each call must return its own error, panic once (caught)
 * naming the address and the reason, move exactly its own counter, and
 * change nothing else.
 */
struct bad_case {
    struct buddy *b;
    unsigned long nerr[BUDDY_ERR_COUNT];    /* counters before the call */
    size_t free_pages;
};

static void
bad_begin(struct mm_t *t, struct bad_case *c, struct buddy *b)
{
    c->b = b;
    mm_memcpy(c->nerr, b->nerr, sizeof c->nerr);
    c->free_pages = buddy_free_pages(b);
    mm_test_catch_panics(t);
}

/*
 * The part of bad_end that needs no return value: for calls that report
 * an error by returning NULL or 0, the counter and the panic must show
 * which error it was.
 */
static void
bad_counted(struct mm_t *t, struct bad_case *c, enum buddy_err want,
            uintptr_t addr)
{
    unsigned e;

    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, buddy_err_name[want], addr);
    for (e = 0; e < BUDDY_ERR_COUNT; e++)
        MM_CHECK_EQ(t, c->b->nerr[e], c->nerr[e] + (e == want));
    MM_CHECK_EQ(t, buddy_free_pages(c->b), c->free_pages);
    MM_CHECK_EQ(t, buddy_check(c->b), 0);
}

static void
bad_end(struct mm_t *t, struct bad_case *c, enum buddy_err got,
        enum buddy_err want, uintptr_t addr)
{
    MM_CHECK_EQ(t, got, want);
    bad_counted(t, c, want, addr);
}

MM_TEST(buddy, bad_input_is_refused)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    static uint8_t elsewhere[2 * MM_PAGE] MM_ALIGNED(MM_PAGE);
    struct buddy b;
    struct bad_case c;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta);
    uint8_t *blk, *one;
    void *p;

    if (base == NULL)
        return;
    blk = buddy_alloc(&b, 2);           /* pages 0-3 */
    one = buddy_alloc(&b, 0);           /* page 4 */
    MM_CHECK(t, blk != NULL && one != NULL);

    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_free(&b, elsewhere), BUDDY_ERR_FOREIGN,
            (uintptr_t)elsewhere);
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_free(&b, blk + 8), BUDDY_ERR_MISALIGNED,
            (uintptr_t)(blk + 8));
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_free(&b, blk + MM_PAGE), BUDDY_ERR_INTERIOR,
            (uintptr_t)(blk + MM_PAGE));
    MM_CHECK_EQ(t, buddy_free(&b, one), BUDDY_OK);
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_free(&b, one), BUDDY_ERR_DOUBLE_FREE,
            (uintptr_t)one);
    p = one;
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_resize(&b, &p, MM_PAGE), BUDDY_ERR_NOT_ALLOCATED,
            (uintptr_t)one);
    MM_CHECK_PTR_EQ(t, p, one);
    bad_begin(t, &c, &b);
    MM_CHECK(t, buddy_alloc(&b, BUDDY_MAX_ORDER + 1) == NULL);
    bad_counted(t, &c, BUDDY_ERR_ORDER, BUDDY_MAX_ORDER + 1);
    bad_begin(t, &c, &b);
    MM_CHECK(t, buddy_alloc_bytes(&b, 0) == NULL);
    bad_counted(t, &c, BUDDY_ERR_SIZE, 0);
    bad_begin(t, &c, &b);
    MM_CHECK(t, buddy_alloc_bytes(&b, (size_t)-1) == NULL);  /* overflow */
    bad_counted(t, &c, BUDDY_ERR_SIZE, (uintptr_t)-1);
    p = blk;
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_resize(&b, &p, 0), BUDDY_ERR_SIZE, 0);
    bad_begin(t, &c, &b);
    MM_CHECK_EQ(t, buddy_size(&b, blk + MM_PAGE), 0);
    bad_counted(t, &c, BUDDY_ERR_INTERIOR, (uintptr_t)(blk + MM_PAGE));

    MM_CHECK_EQ(t, buddy_size(&b, blk), 4 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(&b, blk), BUDDY_OK);
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 0, 1);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

/*
 * Zone errors and the page source's order check, with the same care as
 * above: a zone too small to keep a page after its metadata, one that
 * overlaps, one too many (BUDDY_MAX_ZONES one-page zones on every other
 * page of a 64-page arena), removing a busy zone or an address where no
 * zone starts, and giving a block back to the page source with the
 * wrong order.  The full table also exercises the binary search: each
 * zone hands out its one page, and each page is freed into its own zone.
 */
#define ZONES_PAGES     (2 * BUDDY_MAX_ZONES)

MM_TEST(buddy, zone_and_pagesrc_errors)
{
    static uint8_t meta[BUDDY_MAX_ZONES + 1][BUDDY_META_SIZE(1)];
    void *got[BUDDY_MAX_ZONES];
    struct buddy b;
    struct bad_case c;
    struct mm_pagesrc src;
    uint8_t *base = mm_scratch_alloc(ZONES_PAGES * MM_PAGE);
    unsigned i;

    buddy_init(&b, "zones");
    if (!MM_CHECK(t, base != NULL))
        return;
    for (i = 0; i < BUDDY_MAX_ZONES; i++)
        MM_CHECK_EQ(t, buddy_add_zone(&b, base + 2 * i * MM_PAGE, MM_PAGE,
                                      0, meta[i]), BUDDY_OK);
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_add_zone(&b, base + MM_PAGE, MM_PAGE, 0,
                                  meta[i]), BUDDY_ERR_ZONE,
            (uintptr_t)(base + MM_PAGE));
    for (i = 0; i < BUDDY_MAX_ZONES; i++) {
        got[i] = buddy_alloc(&b, 0);
        MM_CHECK_PTR_EQ(t, got[i], base + 2 * i * MM_PAGE);
    }
    MM_CHECK(t, buddy_alloc(&b, 0) == NULL);
    MM_CHECK_EQ(t, buddy_nomem(&b), 1);
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_remove_zone(&b, base), BUDDY_ERR_ZONE,
            (uintptr_t)base);
    for (i = BUDDY_MAX_ZONES; i-- > 0;)
        MM_CHECK_EQ(t, buddy_free(&b, got[i]), BUDDY_OK);
    for (i = 0; i < BUDDY_MAX_ZONES; i++)
        MM_CHECK_EQ(t, buddy_remove_zone(&b, base + 2 * i * MM_PAGE),
                    BUDDY_OK);
    MM_CHECK_EQ(t, buddy_nzones(&b), 0);
    MM_CHECK_EQ(t, buddy_managed_pages(&b), 0);

    /* One region again: 16 pages, metadata inside. */
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, 16 * MM_PAGE, 0, NULL),
                BUDDY_OK);
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_add_zone(&b, base + 16 * MM_PAGE, MM_PAGE, 0,
                                  NULL), BUDDY_ERR_ZONE,
            (uintptr_t)(base + 16 * MM_PAGE));
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_add_zone(&b, base + 8 * MM_PAGE, 32 * MM_PAGE, 0,
                                  NULL), BUDDY_ERR_ZONE,
            (uintptr_t)(base + 8 * MM_PAGE));
    bad_begin(t, &c, &b);
    bad_end(t, &c, buddy_remove_zone(&b, base + 32 * MM_PAGE),
            BUDDY_ERR_FOREIGN, (uintptr_t)(base + 32 * MM_PAGE));
    buddy_pagesrc(&b, &src);
    got[0] = mm_pagesrc_alloc(&src, 1);
    MM_CHECK(t, got[0] != NULL);
    bad_begin(t, &c, &b);
    mm_pagesrc_free(&src, got[0], 2);
    bad_counted(t, &c, BUDDY_ERR_ORDER, (uintptr_t)got[0]);
    bad_begin(t, &c, &b);               /* an order no block can have */
    mm_pagesrc_free(&src, got[0], BUDDY_MAX_ORDER + 1);
    bad_counted(t, &c, BUDDY_ERR_ORDER, (uintptr_t)got[0]);
    MM_CHECK_EQ(t, buddy_size(&b, got[0]), 2 * MM_PAGE);
    mm_pagesrc_free(&src, got[0], 1);
    MM_CHECK_EQ(t, buddy_free_pages(&b), buddy_managed_pages(&b));
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    MM_CHECK_EQ(t, buddy_remove_zone(&b, base), BUDDY_OK);
    mm_scratch_free(base, ZONES_PAGES * MM_PAGE);
}

/* Writes a pattern derived from the block's address into each page. */
static void
pattern_fill(uint8_t *p, unsigned order)
{
    size_t i;

    for (i = 0; i < ((size_t)1 << order); i++) {
        uintptr_t *w = (uintptr_t *)(p + i * MM_PAGE);

        w[0] = (uintptr_t)p ^ i;
        w[MM_PAGE / sizeof *w - 1] = ~((uintptr_t)p ^ i);
    }
}

/* Was the pattern for a block that was at "was" kept, now at p? */
static bool
pattern_ok(const uint8_t *p, const uint8_t *was, unsigned order)
{
    size_t i;

    for (i = 0; i < ((size_t)1 << order); i++) {
        const uintptr_t *w = (const uintptr_t *)(p + i * MM_PAGE);

        if (w[0] != ((uintptr_t)was ^ i) ||
            w[MM_PAGE / sizeof *w - 1] != ~((uintptr_t)was ^ i))
            return false;
    }
    return true;
}

/*
 * Resize over 16 pages:
 *   a = order 3 at 0-7; shrink to 2 pages: 2-3 (o1) and 4-7 (o2) free.
 *   grow a back to 8 pages in place: 2-3 and 4-7 are its free buddies.
 *   b = order 0 at 8 makes a's next buddy (8-15) busy, so growing a to
 *   16 pages must move it - and there is no room: nomem, a untouched.
 *   c = order 1 at 10; grow c to 4 pages: 8 is busy, so c moves to 12.
 */
MM_TEST(buddy, resize_shrink_grow_move)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    struct buddy b;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta);
    void *a, *bb, *c, *old;

    if (base == NULL)
        return;
    a = buddy_alloc(&b, 3);
    pattern_fill(a, 1);
    MM_CHECK_EQ(t, buddy_resize(&b, &a, 2 * MM_PAGE), BUDDY_OK);
    MM_CHECK_PTR_EQ(t, a, base);
    MM_CHECK_EQ(t, buddy_size(&b, a), 2 * MM_PAGE);
    CHECK_NFREE(t, &b, 0, 0, 1, 1, 1, 0);
    MM_CHECK_EQ(t, buddy_resize(&b, &a, 5 * MM_PAGE), BUDDY_OK);
    MM_CHECK_PTR_EQ(t, a, base);                    /* in place */
    MM_CHECK_EQ(t, buddy_size(&b, a), 8 * MM_PAGE);
    MM_CHECK(t, pattern_ok(a, a, 1));
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 1, 0);
    bb = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, bb, base + 8 * MM_PAGE);
    old = a;
    MM_CHECK_EQ(t, buddy_resize(&b, &a, 16 * MM_PAGE), BUDDY_NOMEM);
    MM_CHECK_PTR_EQ(t, a, old);
    c = buddy_alloc(&b, 1);
    MM_CHECK_PTR_EQ(t, c, base + 10 * MM_PAGE);
    pattern_fill(c, 1);
    old = c;
    MM_CHECK_EQ(t, buddy_resize(&b, &c, 3 * MM_PAGE), BUDDY_OK);
    MM_CHECK_PTR_EQ(t, c, base + 12 * MM_PAGE);     /* moved */
    MM_CHECK(t, pattern_ok(c, old, 1));
    MM_CHECK_EQ(t, buddy_resize(&b, &c, 4 * MM_PAGE), BUDDY_OK);
    MM_CHECK_PTR_EQ(t, c, base + 12 * MM_PAGE);     /* same order */
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    MM_CHECK_EQ(t, buddy_free(&b, a), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, bb), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, c), BUDDY_OK);
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 0, 1);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

MM_TEST(buddy, exhaustion_and_recovery)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    static void *pages[ARENA_PAGES];
    struct buddy b;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta);
    unsigned n = 0, i;

    if (base == NULL)
        return;
    while (n < ARENA_PAGES && (pages[n] = buddy_alloc(&b, 0)) != NULL)
        n++;
    MM_CHECK_EQ(t, n, ARENA_PAGES);
    MM_CHECK(t, buddy_alloc(&b, 0) == NULL);        /* out of memory */
    MM_CHECK_EQ(t, buddy_nomem(&b), 1);
    MM_CHECK_EQ(t, total_errors(&b), 0);            /* not an error */
    MM_CHECK_EQ(t, buddy_free_pages(&b), 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    for (i = 0; i < n; i += 2)                      /* a checkerboard */
        MM_CHECK_EQ(t, buddy_free(&b, pages[i]), BUDDY_OK);
    CHECK_NFREE(t, &b, 0, 8, 0, 0, 0, 0);
    MM_CHECK(t, buddy_alloc(&b, 1) == NULL);        /* 8 pages, no pair */
    for (i = 1; i < n; i += 2)
        MM_CHECK_EQ(t, buddy_free(&b, pages[i]), BUDDY_OK);
    CHECK_NFREE(t, &b, 0, 0, 0, 0, 0, 1);
    pages[0] = buddy_alloc(&b, 4);                  /* usable again */
    MM_CHECK_PTR_EQ(t, pages[0], base);
    MM_CHECK_EQ(t, buddy_free(&b, pages[0]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

/*
 * Odd zones over one 32-page arena (page numbers from its aligned base):
 *   zone A: pages 3-9 (7 pages) -> blocks 3 (o0), 4-7 (o2), 8-9 (o1)
 *   zone B: pages 16-31, given with unaligned byte edges: from byte 100
 *   of page 15 to byte 200 of page 31 -> whole pages 16-30 only:
 *   16-23 (o3), 24-27 (o2), 28-29 (o1), 30 (o0)
 * Zones never merge with each other, even when they touch.
 */
MM_TEST(buddy, odd_zones)
{
    static uint8_t meta[2][BUDDY_META_SIZE(16)];
    struct buddy b;
    uint8_t *base = mm_scratch_alloc(32 * MM_PAGE);
    void *p;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(&b, "odd");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + 16 * MM_PAGE - MM_PAGE + 100,
                                  16 * MM_PAGE, 0, meta[1]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + 3 * MM_PAGE, 7 * MM_PAGE, 0,
                                  meta[0]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_nzones(&b), 2);            /* sorted: A first */
    CHECK_NFREE(t, &b, 0, 1, 1, 1, 0, 0);
    CHECK_NFREE(t, &b, 1, 1, 1, 1, 1, 0);
    MM_CHECK_EQ(t, buddy_managed_pages(&b), 7 + 15);
    /* An overlapping zone is refused. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + 8 * MM_PAGE, 4 * MM_PAGE, 0,
                                  meta[0]), BUDDY_ERR_ZONE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    /* The 8-page block comes from zone B; A has none. */
    p = buddy_alloc(&b, 3);
    MM_CHECK_PTR_EQ(t, p, base + 16 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    /* Freeing zone A's pages merges only inside zone A. */
    p = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, p, base + 3 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    CHECK_NFREE(t, &b, 0, 1, 1, 1, 0, 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    /* A zone can be taken out once all its blocks are free. */
    p = buddy_alloc(&b, 0);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_remove_zone(&b, base + 3 * MM_PAGE),
                BUDDY_ERR_ZONE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_remove_zone(&b, base + 3 * MM_PAGE), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_nzones(&b), 1);
    MM_CHECK_EQ(t, buddy_managed_pages(&b), 15);
    MM_CHECK_EQ(t, buddy_free_pages(&b), 15);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, 32 * MM_PAGE);
}

/*
 * Metadata inside, as analloc keeps it: the struct buddy itself lives at
 * the start of the region, and the page states right after it.  Those
 * pages are reserved; everything after is covered by aligned blocks.
 */
MM_TEST(buddy, metadata_inside_region)
{
    size_t npages = 64, used = sizeof(struct buddy), reserved;
    uint8_t *base = mm_scratch_alloc(npages * MM_PAGE);
    struct buddy *b = (struct buddy *)base;
    void *p;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(b, "inside");
    MM_CHECK_EQ(t, buddy_add_zone(b, base, npages * MM_PAGE, used, NULL),
                BUDDY_OK);
    reserved = (used + BUDDY_META_SIZE(npages) + MM_PAGE - 1) / MM_PAGE;
    MM_CHECK_EQ(t, buddy_managed_pages(b), npages - reserved);
    MM_CHECK_EQ(t, buddy_free_pages(b), npages - reserved);
    MM_CHECK_EQ(t, b->zone[0].nreserved, reserved);
    /* Nothing handed out overlaps the struct or the page states. */
    p = buddy_alloc(b, 0);
    MM_CHECK(t, (uint8_t *)p >= base + reserved * MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(b, p), BUDDY_OK);
    /* A reserved page is not a block: freeing it is refused, and it
       has no owner byte. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_free(b, base), BUDDY_ERR_FOREIGN);
    mm_test_release_panics(t);
    MM_CHECK(t, buddy_owner(b, base + (reserved - 1) * MM_PAGE) == NULL);
    MM_CHECK(t, buddy_owner(b, base + reserved * MM_PAGE) != NULL);
    /* A region too small for anything after its metadata is refused. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_add_zone(b, base + 100 * MM_PAGE, MM_PAGE,
                                  MM_PAGE / 2, NULL), BUDDY_ERR_ZONE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, buddy_check(b), 0);
    MM_CHECK_EQ(t, buddy_free_pages(b), npages - reserved);
    mm_scratch_free(base, npages * MM_PAGE);
}

/* A write into a freed, poisoned page is found when it is reused. */
MM_TEST(buddy, poison_catches_write_after_free)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    unsigned saved = mm_switch.poison;
    struct buddy b;
    uint8_t *base, *p;

    mm_switch.poison = MM_POISON_BUDDY;
    base = arena_setup(t, &b, ARENA_PAGES, meta);
    mm_switch.poison = saved;
    if (base == NULL)
        return;
    p = buddy_alloc(&b, 4);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    p = buddy_alloc(&b, 0);                 /* clean: no report */
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_POISON), 0);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    p[MM_PAGE + 123] = 1;                   /* write after free */
    mm_test_catch_panics(t);
    p = buddy_alloc(&b, 4);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_POISON), 1);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_POISON], base + MM_PAGE + 123);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);

    /* Growing in place checks the free buddy it absorbs: page 0 is
     * allocated, page 1 is its free buddy, and page 1 was written. */
    p = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, p, base);
    p[MM_PAGE + 200] = 2;
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_resize(&b, (void **)&p, 2 * MM_PAGE), BUDDY_OK);
    mm_test_release_panics(t);
    MM_CHECK_PTR_EQ(t, p, base);                /* grown in place */
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_POISON), 2);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_POISON], base + MM_PAGE + 200);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free_pages(&b), ARENA_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

MM_TEST(buddy, page_source)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    struct buddy b;
    struct mm_pagesrc src;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta);
    void *p;

    if (base == NULL)
        return;
    buddy_pagesrc(&b, &src);
    p = mm_pagesrc_alloc(&src, 2);
    MM_CHECK(t, p != NULL && ((uintptr_t)p & (4 * MM_PAGE - 1)) == 0);
    MM_CHECK_EQ(t, buddy_free_pages(&b), ARENA_PAGES - 4);
    mm_pagesrc_free(&src, p, 2);
    MM_CHECK_EQ(t, buddy_free_pages(&b), ARENA_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

/*
 * The owner byte: one per page, after the state bytes in the zone's
 * metadata, NONE in a fresh zone, written by the block's holder, found
 * from any address inside its page, cleared on the first page by free.
 * Over 16 pages with an order-2 block P at page 0 and page 4 free:
 *
 *   owner:  L I I I . . . ...      L = LARGE | 2 (the holder's), I = INSIDE
 *
 * A free block whose first page keeps an owner is a checker violation.
 */
MM_TEST(buddy, owner_byte)
{
    static uint8_t meta[BUDDY_META_SIZE(ARENA_PAGES)];
    struct buddy b;
    struct mm_pagesrc src;
    uint8_t *base = arena_setup(t, &b, ARENA_PAGES, meta), *p, *o;
    unsigned i;

    if (base == NULL)
        return;
    for (i = 0; i < ARENA_PAGES; i++)
        MM_CHECK_EQ(t, meta[ARENA_PAGES + i], MM_OWNER_NONE);
    MM_CHECK(t, buddy_owner(&b, base - MM_PAGE) == NULL);      /* foreign */
    MM_CHECK(t, buddy_owner(&b, base + ARENA_PAGES * MM_PAGE) == NULL);
    p = buddy_alloc(&b, 2);
    if (!MM_CHECK(t, p == base))
        return;
    o = buddy_owner(&b, p);
    MM_CHECK(t, o == &meta[ARENA_PAGES]);
    MM_CHECK(t, buddy_owner(&b, p + MM_PAGE - 1) == o);    /* same page */
    MM_CHECK(t, buddy_owner(&b, p + 3 * MM_PAGE + 5) == o + 3);
    *o = MM_OWNER_LARGE | 2;
    for (i = 1; i < 4; i++)
        *buddy_owner(&b, p + i * MM_PAGE) = MM_OWNER_INSIDE;
    MM_CHECK_EQ(t, buddy_check(&b), 0);     /* held pages may have owners */
    /* the page source answers the same */
    buddy_pagesrc(&b, &src);
    MM_CHECK(t, mm_pagesrc_owner(&src, p + 2 * MM_PAGE) == o + 2);
    MM_CHECK(t, mm_pagesrc_owner(&src, base - 1) == NULL);
    /* the holder clears the inside bytes; free clears the first */
    for (i = 1; i < 4; i++)
        o[i] = MM_OWNER_NONE;
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, *o, MM_OWNER_NONE);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    /* a free block's first page with an owner is caught */
    *o = MM_OWNER_SLAB;
    MM_CHECK_EQ(t, buddy_check(&b), 1);
    *o = MM_OWNER_NONE;
    for (i = 0; i < BUDDY_ERR_COUNT; i++)   /* owner() counts nothing */
        MM_CHECK_EQ(t, buddy_errors(&b, (enum buddy_err)i), 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, ARENA_PAGES * MM_PAGE);
}

/* Does buddy_zone_of answer, page by page, zone number want[i] or none
   (-1) for the npages pages from base? */
static bool
zones_are(struct mm_t *t, const struct buddy *b, const uint8_t *base,
          const int *want, size_t npages, int line)
{
    size_t i;
    bool ok = true;

    for (i = 0; i < npages; i++) {
        const struct buddy_zone *z = buddy_zone_of(b, base + i * MM_PAGE);
        int got = -1, j;

        for (j = 0; j < (int)buddy_nzones(b); j++)
            if (buddy_zone_at(b, (unsigned)j) == z)
                got = j;

        if (got != want[i] ||
            (z != NULL && buddy_zone_of(b, base + i * MM_PAGE + 99) != z))
            ok = false;
    }
    return mm_check(t, ok, __FILE__, line, "zone of every page");
}

/*
 * The zone map finds each page's zone in O(1), with zones sharing a
 * 4 MiB chunk and gaps between them, and is rebuilt when zones come and
 * go.  Three zones in 48 pages, all in one chunk:
 *
 *   pages  0-7  zone 0 | 8-15 none | 16-23 zone 1 | 24-39 none |
 *   40-47  zone 2
 *
 * Removing zone 1 renumbers zone 2 as 1; a zone far away (2 GiB off,
 * or 1 TiB on a 64-bit host, where it widens the map's chunks) changes
 * no answer.  The far zone is only addresses: with its metadata given
 * and poisoning off, the buddy writes nothing into a zone's pages.
 */
MM_TEST(buddy, zone_map_finds_every_page)
{
    static uint8_t meta[3][BUDDY_META_SIZE(8)];
    static uint8_t far_meta[BUDDY_META_SIZE(2)];
    static int want[48];
    uint8_t *base = mm_scratch_alloc(48 * MM_PAGE), *far;
    struct buddy b;
    size_t i;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(&b, "map");
    MM_CHECK(t, buddy_zone_of(&b, base) == NULL);       /* no zones yet */
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + 40 * MM_PAGE, 8 * MM_PAGE, 0,
                                  meta[2]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, 8 * MM_PAGE, 0, meta[0]),
                BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + 16 * MM_PAGE, 8 * MM_PAGE, 0,
                                  meta[1]), BUDDY_OK);
    for (i = 0; i < 48; i++)
        want[i] = i < 8 ? 0 : i < 16 ? -1 : i < 24 ? 1 : i < 40 ? -1 : 2;
    zones_are(t, &b, base, want, 48, __LINE__);
    MM_CHECK(t, buddy_zone_of(&b, base - MM_PAGE) == NULL);
    MM_CHECK(t, buddy_zone_of(&b, base + 48 * MM_PAGE) == NULL);
    MM_CHECK_EQ(t, buddy_remove_zone(&b, base + 16 * MM_PAGE), BUDDY_OK);
    for (i = 16; i < 48; i++)
        want[i] = i < 40 ? -1 : 1;
    zones_are(t, &b, base, want, 48, __LINE__);
    far = (uint8_t *)((uintptr_t)base ^ (sizeof(uintptr_t) > 4 ?
                                         (uintptr_t)1 << 40 : 1u << 31));
    if (!b.poison) {                    /* poison would fill its pages */
        MM_CHECK_EQ(t, buddy_add_zone(&b, far, 2 * MM_PAGE, 0, far_meta),
                    BUDDY_OK);
        if (far > base)                 /* far is zone 2, or zone 0 */
            zones_are(t, &b, base, want, 48, __LINE__);
        MM_CHECK_PTR_EQ(t, buddy_zone_of(&b, far + MM_PAGE + 5),
                        buddy_zone_at(&b, far > base ? 2 : 0));
        MM_CHECK(t, b.map_shift >= BUDDY_MAX_ORDER);
        MM_CHECK(t, ((buddy_zone_at(&b, 2)->pfns.last - b.map_base) >>
                     b.map_shift) < BUDDY_MAP_SLOTS);
        MM_CHECK_EQ(t, buddy_remove_zone(&b, far), BUDDY_OK);
    }
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, 48 * MM_PAGE);
}

/* ---- randomized stress against a shadow model ----------------------- */

#define STRESS_PAGES    1024        /* 4 MiB arena */
#define STRESS_LIVE     256         /* most blocks live at once */

struct live_block {
    uint8_t *addr;
    unsigned order;
};

/* Marks pages of a block in the shadow map; false if one was taken. */
static bool
shadow_mark(uint8_t *shadow, size_t first, unsigned order, bool taken)
{
    size_t i;

    for (i = first; i < first + ((size_t)1 << order); i++) {
        if (shadow[i] == taken)
            return false;
        shadow[i] = taken;
    }
    return true;
}

/* An order from 0 to 5, small ones more often: 0 half the time. */
static unsigned
random_order(struct mm_t *t)
{
    unsigned r = (unsigned)mm_test_rand_below(t, 64), k = 0;

    while (k < 5 && r < (32u >> k))
        k++;
    return k;
}

static void
stress_alloc(struct mm_t *t, struct buddy *b, uint8_t *base,
             uint8_t *shadow, struct live_block *live, unsigned *nlive)
{
    unsigned k = random_order(t);
    uint8_t *p = buddy_alloc(b, k);

    if (p == NULL)
        return;
    MM_CHECK(t, ((uintptr_t)p & ((MM_PAGE << k) - 1)) == 0);
    MM_CHECK(t, shadow_mark(shadow, (size_t)(p - base) / MM_PAGE, k, 1));
    pattern_fill(p, k);
    live[*nlive].addr = p;
    live[*nlive].order = k;
    (*nlive)++;
}

static void
stress_free(struct mm_t *t, struct buddy *b, uint8_t *base,
            uint8_t *shadow, struct live_block *live, unsigned *nlive)
{
    unsigned i = (unsigned)mm_test_rand_below(t, *nlive);
    struct live_block lb = live[i];

    MM_CHECK(t, pattern_ok(lb.addr, lb.addr, lb.order));
    MM_CHECK(t, shadow_mark(shadow, (size_t)(lb.addr - base) / MM_PAGE,
                            lb.order, 0));
    MM_CHECK_EQ(t, buddy_free(b, lb.addr), BUDDY_OK);
    live[i] = live[--*nlive];
}

/* Resizes a live block one order up or down, moving its pattern along. */
static void
stress_resize(struct mm_t *t, struct buddy *b, uint8_t *base,
              uint8_t *shadow, struct live_block *lb)
{
    unsigned want = lb->order == 0 ? 1 : lb->order - 1 +
                    2 * (unsigned)mm_test_rand_below(t, 2);
    void *p = lb->addr;
    size_t keep;
    enum buddy_err err;

    if (want > 5)
        want = 4;
    keep = want < lb->order ? want : lb->order;
    shadow_mark(shadow, (size_t)(lb->addr - base) / MM_PAGE, lb->order, 0);
    err = buddy_resize(b, &p, MM_PAGE << want);
    if (err == BUDDY_NOMEM) {
        want = lb->order;
        keep = want;
    } else {
        MM_CHECK_EQ(t, err, BUDDY_OK);
    }
    MM_CHECK(t, pattern_ok(p, lb->addr, (unsigned)keep));
    MM_CHECK(t, shadow_mark(shadow, (size_t)((uint8_t *)p - base) / MM_PAGE,
                            want, 1));
    lb->addr = p;
    lb->order = want;
    pattern_fill(p, want);
}

/*
 * Runs ops random operations (alloc 60%, free 40% of the rest, resize
 * one in ten) over a fresh 4 MiB arena, with buddy poisoning on or off,
 * checking the shadow map and patterns as it goes, buddy_check() every
 * 20,000 operations, and at the end that freeing every live block gives
 * back the per-order free counts of the start and that no error moved
 * (with poisoning on: no false report from split, merge or resize).
 */
static void
stress_run(struct mm_t *t, unsigned long ops, bool poison)
{
    static uint8_t meta[BUDDY_META_SIZE(STRESS_PAGES)];
    static uint8_t shadow[STRESS_PAGES];
    static struct live_block live[STRESS_LIVE];
    size_t start[BUDDY_NORDERS];
    unsigned saved = mm_switch.poison;
    unsigned long op;
    unsigned k, n = 0;
    struct buddy b;
    uint8_t *base;

    mm_switch.poison = poison ? MM_POISON_BUDDY : 0;
    base = arena_setup(t, &b, STRESS_PAGES, meta);
    mm_switch.poison = saved;
    if (base == NULL)
        return;
    mm_memset(shadow, 0, sizeof shadow);
    for (k = 0; k < BUDDY_NORDERS; k++)
        start[k] = buddy_nfree(&b, 0, k);
    for (op = 0; op < ops && t->nfailed == 0; op++) {
        unsigned r = (unsigned)mm_test_rand_below(t, 10);

        if (n > 0 && (r < 4 || n == STRESS_LIVE))
            stress_free(t, &b, base, shadow, live, &n);
        else if (n > 0 && r == 4)
            stress_resize(t, &b, base, shadow,
                          &live[mm_test_rand_below(t, n)]);
        else
            stress_alloc(t, &b, base, shadow, live, &n);
        if (op % 20000 == 0)
            MM_CHECK_EQ(t, buddy_check(&b), 0);
    }
    MM_CHECK_EQ(t, op, ops);                    /* ran to the end */
    MM_CHECK(t, n <= STRESS_LIVE);
    while (n > 0)
        stress_free(t, &b, base, shadow, live, &n);
    for (k = 0; k < BUDDY_NORDERS; k++)
        MM_CHECK_EQ(t, buddy_nfree(&b, 0, k), start[k]);
    MM_CHECK_EQ(t, buddy_free_pages(&b), STRESS_PAGES);
    MM_CHECK_EQ(t, total_errors(&b), 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, STRESS_PAGES * MM_PAGE);
}

MM_TEST(buddy, randomized_stress)
{
    stress_run(t, MM_STRESS_OPS, false);
}

/*
 * The same with poisoning on, shorter (every free fills its block and
 * every alloc scans it): splits, merges, shrinks and grows must keep
 * each free block's poison intact, or a false report would count.
 */
MM_TEST(buddy, randomized_stress_poisoned)
{
    stress_run(t, MM_STRESS_OPS / 20, true);
}

/*
 * The sizes the comments of mm/buddy.c talk about, printed from sizeof
 * so that no comment has to quote a number: struct buddy (which holds
 * its zones) and one zone, on this machine.
 */
MM_TEST(buddy, sizes)
{
    mm_print("buddy: sizeof struct buddy %zu, struct buddy_zone %zu bytes\n",
             sizeof(struct buddy), sizeof(struct buddy_zone));
    MM_CHECK(t, sizeof(struct buddy) >=
                BUDDY_MAX_ZONES * sizeof(struct buddy_zone));
    MM_CHECK(t, sizeof(struct buddy_zone) >=
                BUDDY_NORDERS * sizeof(size_t));     /* the counts */
    MM_CHECK_EQ(t, sizeof(struct buddy_link), 8);   /* per page */
}
