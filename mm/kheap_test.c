/*
 * mm/kheap_test.c - tests of the kmalloc heap, in kernel and on host.
 *
 * Heaps are built over scratch memory: a fixed area (kheap_init), or a
 * growing heap over a test buddy allocator wrapped in a page source that
 * counts its calls.  Every test ends with kheap_check() and with all the
 * memory given back.
 */
#include "kheap.h"
#include "test.h"
#include "testpages.h"

#define AREA_BYTES      (256 * 1024)

static char out_line[256];          /* a captured report line */

/*
 * Tests that count exact capacities, pages and placements need the debug
 * aids off, whatever the kernel's poison and guard options say (guard
 * bytes take 8 bytes of each block, so a request moves up a bucket; a
 * heap reads the switches once, at init).  These create such heaps.  The
 * other tests run with the switches as booted, so "selftest=kheap poison
 * guard" exercises both aids everywhere else.
 */
static void
aids_off(unsigned *poison, bool *guard)
{
    *poison = mm_switch.poison;
    *guard = mm_switch.guard;
    mm_switch.poison &= ~MM_POISON_KMALLOC;
    mm_switch.guard = false;
}

static void
aids_restore(unsigned poison, bool guard)
{
    mm_switch.poison = poison;
    mm_switch.guard = guard;
}

static enum kheap_err
plain_init(struct kheap *h, void *area, size_t size_bytes)
{
    unsigned poison;
    bool guard;
    enum kheap_err err;

    aids_off(&poison, &guard);
    err = kheap_init(h, "t", area, size_bytes, MM_PAGE);
    aids_restore(poison, guard);
    return err;
}

static void
plain_init_growing(struct kheap *h, const char *name,
                   const struct mm_pagesrc *src)
{
    unsigned poison;
    bool guard;

    aids_off(&poison, &guard);
    kheap_init_growing(h, name, src);
    aids_restore(poison, guard);
}

MM_TEST(kheap, bucket_choice_at_every_boundary)
{
    size_t s;

    MM_CHECK_EQ(t, kheap_bucket_of(0), -1);
    MM_CHECK_EQ(t, kheap_bucket_of(1), 0);
    for (s = 16; s <= KHEAP_MAX_SMALL; s *= 2) {
        int want = 0;

        while ((size_t)16 << want < s)
            want++;
        MM_CHECK_EQ(t, kheap_bucket_of(s - 1), s == 16 ? 0 : want);
        MM_CHECK_EQ(t, kheap_bucket_of(s), want);
        MM_CHECK_EQ(t, kheap_bucket_of(s + 1), s == KHEAP_MAX_SMALL ? -1
                                                                 : want + 1);
    }
    MM_CHECK_EQ(t, kheap_bucket_of(15), 0);
    MM_CHECK_EQ(t, kheap_bucket_of(17), 1);
    MM_CHECK_EQ(t, kheap_bucket_of(2047), 7);
    MM_CHECK_EQ(t, kheap_bucket_of(2048), 7);
    MM_CHECK_EQ(t, kheap_bucket_of(2049), -1);
}

/* ksize answers the capacity each boundary size really gets. */
MM_TEST(kheap, ksize_and_alignment_per_bucket)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                                    127, 128, 129, 255, 256, 257, 511, 512,
                                    513, 1023, 1024, 1025, 2047, 2048, 2049,
                                    4096, 4097, 8192, 8193 };
    static const size_t caps[] = { 16, 16, 16, 32, 32, 32, 64, 64, 64, 128,
                                   128, 128, 256, 256, 256, 512, 512, 512,
                                   1024, 1024, 1024, 2048, 2048, 2048, 4096,
                                   4096, 8192, 8192, 16384 };
    struct kheap h;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    void *p[MM_ARRAY_SIZE(sizes)];
    unsigned i;

    MM_STATIC_ASSERT(MM_ARRAY_SIZE(sizes) == MM_ARRAY_SIZE(caps), "pairs");
    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, plain_init(&h, area, AREA_BYTES), KHEAP_OK);
    for (i = 0; i < MM_ARRAY_SIZE(sizes); i++) {
        p[i] = kheap_alloc(&h, sizes[i]);
        MM_CHECK(t, p[i] != NULL);
        MM_CHECK_EQ(t, kheap_size(&h, p[i]), caps[i]);
        /* Aligned to the block's size, up to a page. */
        MM_CHECK_EQ(t, (uintptr_t)p[i] %
                    (caps[i] < MM_PAGE ? caps[i] : MM_PAGE), 0);
    }
    MM_CHECK(t, kheap_alloc(&h, 0) == NULL);        /* documented: NULL */
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    for (i = 0; i < MM_ARRAY_SIZE(sizes); i++)
        MM_CHECK_EQ(t, kheap_free(&h, p[i]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * The owner byte (kmemsizes) of a real page: a 64-byte block's page
 * says "slab of order 0", whose header names bucket 2 (64 B) with two
 * blocks taken; a 5000-byte run's first page says "large, order 1", its
 * second "inside"; freed, the pages say nothing again.
 */
MM_TEST(kheap, owner_byte_lookup)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    const struct slab *s;
    uint8_t *a, *b, *run;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    if (!MM_CHECK(t, a != NULL && b != NULL && run != NULL))
        return;
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&tp->src, a), MM_OWNER_SLAB | 0);
    s = slab_of(a, 0);
    MM_CHECK_PTR_EQ(t, s->cache, &h.bucket[2]);     /* 16 << 2 = 64 */
    MM_CHECK_EQ(t, s->nfree, h.bucket[2].geom.nobjs - 2);
    MM_CHECK_PTR_EQ(t, slab_of(b, 0), s);           /* same slab */
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&tp->src, run), MM_OWNER_LARGE | 1);
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&tp->src, run + MM_PAGE),
                MM_OWNER_INSIDE);
    MM_CHECK_EQ(t, h.large_pages, 2);
    kheap_free(&h, a);
    kheap_free(&h, b);
    kheap_free(&h, run);
    MM_CHECK_EQ(t, h.large_inuse, 0);
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&tp->src, run + MM_PAGE), MM_OWNER_NONE);
    kheap_trim(&h);
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&tp->src, a), MM_OWNER_NONE);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * Hysteresis: with one slab of 16-byte blocks full and one block in a
 * second slab, an alloc/free pair at that boundary keeps the second slab
 * as the bucket's empty one: the page source is not called again.
 */
MM_TEST(kheap, page_return_and_hysteresis)
{
    static void *blk[MM_PAGE / 16 + 1];
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    unsigned long src_calls;
    unsigned i, n;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    n = h.bucket[0].geom.nobjs;
    for (i = 0; i <= n; i++)
        blk[i] = kheap_alloc(&h, 16);
    MM_CHECK_EQ(t, h.bucket[0].npages, 2);
    src_calls = tp->allocs + tp->frees;
    for (i = 0; i < 100; i++) {
        MM_CHECK_EQ(t, kheap_free(&h, blk[n]), KHEAP_OK);
        blk[n] = kheap_alloc(&h, 16);
    }
    MM_CHECK_EQ(t, tp->allocs + tp->frees, src_calls);
    MM_CHECK_EQ(t, h.bucket[0].npages, 2);
    /* Freeing every block: the last ones wait in the bucket's array;
     * once they go to their slabs, one slab is kept empty, one returns. */
    for (i = 0; i <= n; i++)
        kheap_free(&h, blk[i]);
    MM_CHECK_EQ(t, h.bucket[0].navail,         /* none when traced */
                h.flags != 0 ? 0 : (n + 1) % (KHEAP_ARRAY / 2) +
                                   KHEAP_ARRAY / 2);
    MM_CHECK_EQ(t, kheap_flush(&h), h.flags != 0 ? 0 : 1);
    MM_CHECK_EQ(t, h.bucket[0].navail, 0);
    MM_CHECK_EQ(t, h.bucket[0].npages, 1);
    MM_CHECK_EQ(t, tp->allocs - tp->frees, 1);
    MM_CHECK_EQ(t, kheap_inuse(&h.bucket[0]), 0);
    MM_CHECK_EQ(t, h.bucket[0].hwm, n + 1);
    MM_CHECK_EQ(t, h.bucket[0].requests, n + 1 + 100);
    /* Trimming gives back the kept slab. */
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, tp->allocs, tp->frees);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_test_pages_fini(tp);
}

/* The release callback records what it was given. */
struct released {
    unsigned n;
    void *area[4];
    size_t size[4];
};

static void
record_release(struct kheap *h, void *area, size_t size, void *cookie)
{
    struct released *r = cookie;

    (void)h;
    if (r->n < 4) {
        r->area[r->n] = area;
        r->size[r->n] = size;
    }
    r->n++;
}

MM_TEST(kheap, extend_and_destroy_with_callback)
{
    struct kheap h;
    struct released r = { 0 };
    uint8_t *area = mm_scratch_alloc(3 * 64 * 1024);
    uint8_t *run[8];
    unsigned i, n = 0;

    if (!MM_CHECK(t, area != NULL))
        return;
    /* Three 64 KiB extents, given out of order. */
    MM_CHECK_EQ(t, plain_init(&h, area, 64 * 1024), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_extend(&h, area + 128 * 1024, 64 * 1024),
                KHEAP_OK);
    MM_CHECK_EQ(t, kheap_extend(&h, area + 64 * 1024, 64 * 1024), KHEAP_OK);
    /* One that overlaps is refused. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_extend(&h, area + 100 * 1024, 64 * 1024),
                KHEAP_ERR_EXTENT);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_EQ(t, h.next, 3);
    MM_CHECK(t, kheap_extent_at(&h, 0)->area.first < kheap_extent_at(&h, 1)->area.first &&
             kheap_extent_at(&h, 1)->area.first < kheap_extent_at(&h, 2)->area.first);      /* kept sorted */
    /* 32 KiB runs: each extent holds one (pages 8-15; page 0 is its
     * header), so the heap uses all three. */
    while (n < 8 && (run[n] = kheap_alloc(&h, 32 * 1024)) != NULL)
        n++;
    MM_CHECK_EQ(t, n, 3);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    for (i = 0; i < n; i++)
        MM_CHECK(t, kheap_free(&h, run[i]) == KHEAP_OK);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_destroy(&h, record_release, &r);
    MM_CHECK_EQ(t, r.n, 3);                         /* once per extent */
    MM_CHECK_PTR_EQ(t, r.area[0], area + 128 * 1024);
    MM_CHECK_PTR_EQ(t, r.area[1], area + 64 * 1024);
    MM_CHECK_PTR_EQ(t, r.area[2], area);
    MM_CHECK_EQ(t, r.size[2], 64 * 1024);
    mm_scratch_free(area, 3 * 64 * 1024);
}

/*
 * A heap holds at most KHEAP_MAX_EXTENTS extents, each at least its
 * metadata page plus one page: the 33rd extent, and an area of one
 * page, are refused with KHEAP_ERR_EXTENT; destroy still calls back
 * once for each of the 32.
 */
MM_TEST(kheap, extent_table_full)
{
    const size_t ext = 2 * MM_PAGE, total = (KHEAP_MAX_EXTENTS + 2) * ext;
    uint8_t *area = mm_scratch_alloc(total);
    struct released r = { 0 };
    struct kheap h;
    void *blk[KHEAP_MAX_EXTENTS + 1];
    unsigned i, n = 0;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, plain_init(&h, area, ext), KHEAP_OK);
    for (i = 1; i < KHEAP_MAX_EXTENTS; i++)
        MM_CHECK_EQ(t, kheap_extend(&h, area + i * ext, ext), KHEAP_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_extend(&h, area + i * ext, ext), KHEAP_ERR_EXTENT);
    MM_CHECK(t, mm_test_contains(t->panic_msg, "bad extent"));
    MM_CHECK_EQ(t, kheap_extend(&h, area + (i + 1) * ext, MM_PAGE),
                KHEAP_ERR_EXTENT);                  /* no page left */
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 2);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_EXTENT], 2);
    MM_CHECK_EQ(t, h.next, KHEAP_MAX_EXTENTS);
    /* One free page per extent: 32 one-page runs, then out of memory. */
    while (n <= KHEAP_MAX_EXTENTS &&
           (blk[n] = kheap_alloc(&h, MM_PAGE)) != NULL)
        n++;
    MM_CHECK_EQ(t, n, KHEAP_MAX_EXTENTS);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    for (i = 0; i < n; i++)
        kheap_free(&h, blk[i]);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_destroy(&h, record_release, &r);
    MM_CHECK_EQ(t, r.n, KHEAP_MAX_EXTENTS);
    mm_scratch_free(area, total);
}

/* The pages of one empty slab per bucket: 1+1+1+1+1+2+4+8. */
static size_t
kept_bound(const struct kheap *h)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < KHEAP_NBUCKETS; i++)
        n += (size_t)1 << h->bucket[i].geom.order;
    return n;
}

/* What the arrays may hold on to besides: a slab per parked block. */
static size_t
array_bound(const struct kheap *h)
{
    return (KHEAP_ARRAY - 1) * kept_bound(h);
}

/*
 * Memory goes back: after blocks of every bucket (several slabs each)
 * and runs are all freed, the heap holds at most one empty slab per
 * bucket (19 pages), and kheap_trim gives those back too.
 */
MM_TEST(kheap, memory_goes_back)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *blk[2000];
    struct kheap h;
    size_t peak;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 2))
        return;
    plain_init_growing(&h, "t", &tp->src);
    MM_CHECK_EQ(t, kept_bound(&h), 19);
    for (i = 0; i < MM_ARRAY_SIZE(blk); i++) {
        blk[i] = kheap_alloc(&h, (size_t)16 << (i % 9));   /* 16 .. 4096 */
        if (!MM_CHECK(t, blk[i] != NULL))
            return;
    }
    peak = kheap_pages_held(&h);
    MM_CHECK(t, peak > 4 * kept_bound(&h));
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    for (i = 0; i < MM_ARRAY_SIZE(blk); i++)
        MM_CHECK_EQ(t, kheap_free(&h, blk[i]), KHEAP_OK);
    MM_CHECK(t, kheap_pages_held(&h) <= kept_bound(&h) + array_bound(&h));
    MM_CHECK_EQ(t, kheap_pages_held(&h),
                tp->start_free - buddy_free_pages(&tp->buddy));
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_flush(&h);
    MM_CHECK(t, kheap_pages_held(&h) <= kept_bound(&h));
    MM_CHECK_EQ(t, kheap_pages_held(&h),
                tp->start_free - buddy_free_pages(&tp->buddy));
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * The page allocator, about to fail, asks the heap (a reclaimer,
 * mm/buddy.h) to give back its empty slabs, and then succeeds.
 */
MM_TEST(kheap, reclaim_hook_gives_back_empty_slabs)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *blk[8];
    struct buddy_reclaimer r;
    struct kheap h;
    void *page, *last = NULL;
    size_t held;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    r.reclaim = kheap_reclaim;
    r.arg = &h;
    buddy_add_reclaimer(&tp->buddy, &r);
    for (i = 0; i < 8; i++)                 /* one slab in each bucket */
        blk[i] = kheap_alloc(&h, (size_t)16 << i);
    for (i = 0; i < 8; i++)
        kheap_free(&h, blk[i]);
    held = kheap_pages_held(&h);
    MM_CHECK_EQ(t, held, kept_bound(&h));
    /* Take every free page; the last ones come from the heap's slabs. */
    while ((page = buddy_alloc(&tp->buddy, 0)) != NULL) {
        *(void **)page = last;
        last = page;
    }
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, buddy_free_pages(&tp->buddy), 0);
    while (last != NULL) {
        page = last;
        last = *(void **)page;
        buddy_free(&tp->buddy, page);
    }
    buddy_remove_reclaimer(&tp->buddy, &r);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_test_pages_fini(tp);
}

/*
 * Runs come straight from the page source up to its largest block: a
 * 3 MiB request gets a 4 MiB run when the source has one (here a buddy
 * over 4 MiB whose metadata lies outside), and fails, counted as out of
 * memory, once it is taken.
 */
MM_TEST(kheap, run_up_to_the_largest_block)
{
    size_t meta_bytes = 16 * (MM_TEST_CHUNK / MM_PAGE + 1);
    uint8_t *meta = mm_test_static(meta_bytes);
    static struct buddy bd;
    struct mm_pagesrc src;
    struct kheap h;
    uint8_t *chunk = mm_scratch_alloc(MM_TEST_CHUNK), *run;

    if (!MM_CHECK(t, chunk != NULL &&
                  buddy_meta_bytes(MM_TEST_CHUNK) <= meta_bytes))
        return;
    buddy_init(&bd, "t-4M");
    MM_CHECK_EQ(t, buddy_add_zone(&bd, chunk, MM_TEST_CHUNK, 0, meta),
                BUDDY_OK);
    buddy_pagesrc(&bd, &src);
    plain_init_growing(&h, "t", &src);
    run = kheap_alloc(&h, 3u << 20);
    if (!MM_CHECK(t, run != NULL))
        return;
    MM_CHECK_EQ(t, kheap_size(&h, run), (size_t)4 << 20);
    MM_CHECK_EQ(t, *mm_pagesrc_owner(&src, run),
                MM_OWNER_LARGE | BUDDY_MAX_ORDER);
    run[(3u << 20) - 1] = 1;
    MM_CHECK(t, kheap_alloc(&h, 16) == NULL);       /* nothing left */
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    MM_CHECK_EQ(t, buddy_free_pages(&bd), MM_TEST_CHUNK / MM_PAGE);
    mm_test_catch_panics(t);
    MM_CHECK(t, kheap_alloc(&h, (4u << 20) + 1) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_SIZE], 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(chunk, MM_TEST_CHUNK);
}

/* ---- bad input ------------------------------------------------------ */

struct bad_case {
    unsigned long nerr[KHEAP_ERR_COUNT];
};

static void
bad_begin(struct mm_t *t, struct bad_case *c, const struct kheap *h)
{
    mm_memcpy(c->nerr, h->nerr, sizeof c->nerr);
    mm_test_catch_panics(t);
}

/* The call returned got; want was due, once, naming addr. */
static void
bad_end(struct mm_t *t, struct bad_case *c, struct kheap *h,
        enum kheap_err got, enum kheap_err want, uintptr_t addr)
{
    unsigned e;

    mm_test_release_panics(t);
    MM_CHECK_EQ(t, got, want);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, kheap_err_name[want], addr);
    for (e = 0; e < KHEAP_ERR_COUNT; e++)
        MM_CHECK_EQ(t, h->nerr[e], c->nerr[e] + (e == want));
    MM_CHECK_EQ(t, kheap_check(h), 0);
}

MM_TEST(kheap, bad_input_is_refused)
{
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    struct kheap h, other;
    struct bad_case c;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    uint8_t *a, *run;
    struct kheap_extent *e;
    uint32_t key;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, kheap_init(&h, "t", area, AREA_BYTES, MM_PAGE),
                KHEAP_OK);
    a = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 3 * MM_PAGE);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, elsewhere), KHEAP_ERR_FOREIGN,
            (uintptr_t)elsewhere);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, area), KHEAP_ERR_FOREIGN,
            (uintptr_t)area);                       /* the header */
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, area + 64), KHEAP_ERR_FOREIGN,
            (uintptr_t)(area + 64));                /* its page table */
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, a + 1), KHEAP_ERR_MISALIGNED,
            (uintptr_t)(a + 1));
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, a + 16), KHEAP_ERR_INTERIOR,
            (uintptr_t)(a + 16));
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, run + MM_PAGE), KHEAP_ERR_INTERIOR,
            (uintptr_t)(run + MM_PAGE));
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, run + 64), KHEAP_ERR_INTERIOR,
            (uintptr_t)(run + 64));
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, a), KHEAP_ERR_DOUBLE_FREE,
            (uintptr_t)a);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, run), KHEAP_ERR_DOUBLE_FREE,
            (uintptr_t)run);
    bad_begin(t, &c, &h);
    MM_CHECK(t, kheap_realloc(&h, a, 100) == NULL);
    bad_end(t, &c, &h, KHEAP_ERR_DOUBLE_FREE, KHEAP_ERR_DOUBLE_FREE,
            (uintptr_t)a);
    bad_begin(t, &c, &h);
    MM_CHECK(t, kheap_calloc(&h, (size_t)-1 / 2, 4) == NULL);
    bad_end(t, &c, &h, KHEAP_ERR_OVERFLOW, KHEAP_ERR_OVERFLOW,
            (uintptr_t)((size_t)-1 / 2));
    bad_begin(t, &c, &h);
    MM_CHECK(t, kheap_alloc(&h, (size_t)-1) == NULL);
    bad_end(t, &c, &h, KHEAP_ERR_SIZE, KHEAP_ERR_SIZE, (uintptr_t)-1);
    /* A wild write over the extent header is reported, not followed. */
    a = kheap_alloc(&h, 64);
    e = kheap_extent_at(&h, 0);
    key = e->key2;
    e->key2 = 0xDEADBEEF;
    bad_begin(t, &c, &h);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_ERR_KEY);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_KEY], c.nerr[KHEAP_ERR_KEY] + 1);
    MM_CHECK(t, mm_test_contains(t->panic_msg, "extent key"));
    e->key2 = key;
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    /* A page size other than the page's is refused. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_init(&other, "o", area, AREA_BYTES, 8192),
                KHEAP_ERR_PAGESIZE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, other.nerr[KHEAP_ERR_PAGESIZE], 1);
    kheap_free(&h, NULL);                           /* does nothing */
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * On a page source the fast kfree refuses what slab_put refuses and the
 * cold path names it: a second free (double free), a slab's header, a
 * page the heap does not hold, another heap's block (foreign); a run
 * freed already has gone back to the source, and is foreign too.
 * extend refuses such a heap; destroy gives its slabs back, blocks in
 * them or not.
 */
MM_TEST(kheap, bad_input_on_a_page_source)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static struct kheap h, other;
    struct bad_case c;
    uint8_t *a, *b, *run, *page;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    plain_init_growing(&other, "o", &tp->src);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&other, 64);
    run = kheap_alloc(&h, 2 * MM_PAGE);
    page = buddy_alloc(&tp->buddy, 0);
    if (!MM_CHECK(t, a != NULL && b != NULL && run != NULL && page != NULL))
        return;
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, a), KHEAP_ERR_DOUBLE_FREE,
            (uintptr_t)a);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, slab_of(a, 0)), KHEAP_ERR_FOREIGN,
            (uintptr_t)slab_of(a, 0));
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, page), KHEAP_ERR_FOREIGN,
            (uintptr_t)page);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, b), KHEAP_ERR_FOREIGN, (uintptr_t)b);
    mm_test_capture_prints(out_line, sizeof out_line);
    kheap_print_page(&h, b);
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out_line, "not this heap's slab"));
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, run), KHEAP_ERR_FOREIGN,
            (uintptr_t)run);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_extend(&h, page, MM_PAGE), KHEAP_ERR_EXTENT,
            (uintptr_t)page);
    buddy_free(&tp->buddy, page);
    a = kheap_alloc(&h, 64);                        /* left allocated */
    MM_CHECK(t, a != NULL);
    kheap_destroy(&h, NULL, NULL);
    kheap_destroy(&other, NULL, NULL);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * With an aid on, the aided free gives back a second empty slab as the
 * fast one does; a size that overflows once guard bytes are added is
 * KHEAP_ERR_SIZE.
 */
MM_TEST(kheap, aided_paths_give_back_and_refuse)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *blk[MM_PAGE / 16 + 1];
    unsigned poison = mm_switch.poison;
    bool guard = mm_switch.guard;
    struct kheap h;
    unsigned i, n;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    mm_switch.poison |= MM_POISON_KMALLOC;
    mm_switch.guard = true;
    kheap_init_growing(&h, "t", &tp->src);
    mm_switch.poison = poison;
    mm_switch.guard = guard;
    n = h.bucket[1].geom.nobjs;                     /* 16 + 8 -> 32 B */
    for (i = 0; i <= n; i++)
        if (!MM_CHECK(t, (blk[i] = kheap_alloc(&h, 16)) != NULL))
            return;
    MM_CHECK_EQ(t, h.bucket[1].npages, 2);
    for (i = 0; i <= n; i++)
        MM_CHECK_EQ(t, kheap_free(&h, blk[i]), KHEAP_OK);
    MM_CHECK_EQ(t, h.bucket[1].npages, 1);          /* one went back */
    MM_CHECK_EQ(t, tp->allocs - tp->frees, 1);
    mm_test_catch_panics(t);
    MM_CHECK(t, kheap_alloc(&h, (size_t)-1 - 2) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_SIZE], 1);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_POISON], 0);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * A write after free that breaks a slab's free list is repaired from
 * its free table (mm/slab.c): here the table says the first slab has
 * no free block although it is on the partial list, so kmalloc takes
 * it off the list and serves the request from a fresh slab.
 */
MM_TEST(kheap, take_moves_on_from_a_slab_full_by_its_table)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    struct slab *s;
    uint8_t *a, *b;
    uint32_t saved[2];

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL && b != NULL))
        return;
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    kheap_flush(&h);                                /* b on the list */
    s = slab_of(a, 0);
    mm_memcpy(saved, s->freemap, sizeof saved);
    s->freemap[0] = s->freemap[1] = 0;              /* "all in use" */
    s->freelist = a + 8;                            /* a broken head */
    b = kheap_alloc(&h, 64);
    MM_CHECK(t, b != NULL && slab_of(b, 0) != s);
    MM_CHECK_EQ(t, h.bucket[2].nfull, 1);
    MM_CHECK_EQ(t, h.bucket[2].npages, 2);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    mm_memcpy(s->freemap, saved, sizeof saved);     /* put it right */
    s->freemap[0] &= ~1u;                           /* a is in use */
    s->freelist = NULL;
    s->ncarved = 1;
    s->nfree = h.bucket[2].geom.nobjs - 1;
    mm_list_push(&h.bucket[2].partial, &s->link);
    h.bucket[2].nfull--;
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- debug aids ----------------------------------------------------- */

MM_TEST(kheap, poison_catches_write_after_free)
{
    unsigned saved = mm_switch.poison;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint8_t *a, *b;

    if (!MM_CHECK(t, area != NULL))
        return;
    mm_switch.poison = MM_POISON_KMALLOC;
    MM_CHECK_EQ(t, kheap_init(&h, "t", area, AREA_BYTES, MM_PAGE),
                KHEAP_OK);
    mm_switch.poison = saved;
    MM_CHECK(t, h.poison);
    a = kheap_alloc(&h, 100);                       /* 128-byte bucket */
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, a[64], 0x5A);                    /* poisoned */
    a[64] = 0;                                      /* write after free */
    mm_test_catch_panics(t);
    b = kheap_alloc(&h, 100);                       /* same block: LIFO */
    mm_test_release_panics(t);
    MM_CHECK_PTR_EQ(t, b, a);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_POISON], 1);
    MM_CHECK_PANIC(t, kheap_err_name[KHEAP_ERR_POISON], a + 64);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

MM_TEST(kheap, guard_catches_overrun)
{
    bool saved = mm_switch.guard;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint8_t *a, *big;

    if (!MM_CHECK(t, area != NULL))
        return;
    mm_switch.guard = true;
    MM_CHECK_EQ(t, kheap_init(&h, "t", area, AREA_BYTES, MM_PAGE),
                KHEAP_OK);
    mm_switch.guard = saved;
    a = kheap_alloc(&h, 100);
    big = kheap_alloc(&h, 3 * MM_PAGE);
    MM_CHECK_EQ(t, kheap_size(&h, a), 100);         /* exactly the request */
    MM_CHECK_EQ(t, kheap_size(&h, big), 3 * MM_PAGE);
    mm_memset(a, 1, 100);                           /* in bounds: fine */
    a[101] = 7;                                     /* one past: caught */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_ERR_GUARD);
    mm_test_release_panics(t);
    MM_CHECK_PANIC(t, kheap_err_name[KHEAP_ERR_GUARD], a + 101);
    a[101] = 0xAB;                                  /* repaired */
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    big[3 * MM_PAGE] = 1;
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, big), KHEAP_ERR_GUARD);
    /* krealloc of an overrun block: refused, the block left alone. */
    MM_CHECK(t, kheap_realloc(&h, big, 10) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 2);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_GUARD], 3);
    MM_CHECK_EQ(t, h.large_inuse, 1);
    MM_CHECK_EQ(t, kheap_size(&h, big), 3 * MM_PAGE);
    big[3 * MM_PAGE] = 0xAB;
    MM_CHECK_EQ(t, kheap_free(&h, big), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * A trailer overwritten with a size that cannot fit the block is
 * reported at the trailer itself, whatever the guard bytes say; 0xFF
 * bytes (a size near 2^32, which must not wrap round) included.
 */
MM_TEST(kheap, guard_catches_broken_trailer)
{
    bool saved = mm_switch.guard;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint32_t len;
    uint8_t *a;

    if (!MM_CHECK(t, area != NULL))
        return;
    mm_switch.guard = true;
    MM_CHECK_EQ(t, kheap_init(&h, "t", area, AREA_BYTES, MM_PAGE),
                KHEAP_OK);
    mm_switch.guard = saved;
    a = kheap_alloc(&h, 100);                       /* 128-byte block */
    if (!MM_CHECK(t, a != NULL))
        return;
    MM_CHECK_EQ(t, kheap_size(&h, a), 100);
    mm_memset(a + 124, 0xFF, 4);                    /* the trailer */
    MM_CHECK_EQ(t, kheap_size(&h, a), 128);         /* cap if it is bad */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_ERR_GUARD);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, kheap_err_name[KHEAP_ERR_GUARD], a + 124);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_GUARD], 1);
    MM_CHECK_EQ(t, kheap_inuse(&h.bucket[3]), 1);           /* kept, not freed */
    len = 100;
    mm_memcpy(a + 124, &len, sizeof len);           /* repaired */
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

MM_TEST(kheap, realloc_zalloc_calloc)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint8_t *p, *q;
    unsigned i;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, kheap_init(&h, "t", area, AREA_BYTES, MM_PAGE),
                KHEAP_OK);
    p = kheap_realloc(&h, NULL, 20);                /* = alloc */
    for (i = 0; i < 20; i++)
        p[i] = (uint8_t)i;
    q = kheap_realloc(&h, p, 30);   /* same bucket: in place, unless the
                                       guard trailer must move */
    MM_CHECK(t, q != NULL && (h.guard || q == p));
    p = q;
    q = kheap_realloc(&h, p, 3000);                 /* moves to a run */
    MM_CHECK(t, q != p && ((uintptr_t)q & (MM_PAGE - 1)) == 0);
    for (i = 0; i < 20; i++)
        MM_CHECK_EQ(t, q[i], i);
    p = kheap_realloc(&h, q, 10);                   /* shrinks: moves */
    MM_CHECK_EQ(t, kheap_size(&h, p), h.guard ? 10 : 16);
    MM_CHECK_EQ(t, p[9], 9);
    MM_CHECK(t, kheap_realloc(&h, p, 0) == NULL);   /* = free */
    p = kheap_zalloc(&h, 500);
    q = kheap_calloc(&h, 100, 30);
    for (i = 0; i < 500; i++)
        MM_CHECK_EQ(t, p[i], 0);
    for (i = 0; i < 3000; i++)
        MM_CHECK_EQ(t, q[i], 0);
    kheap_free(&h, p);
    kheap_free(&h, q);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/* ---- the global heap ------------------------------------------------ */

/*
 * kmalloc() and friends on the global heap.  In the kernel that is the
 * heap kheap_boot() set up over the page allocator; on the host this
 * test sets it up over a test page allocator and destroys it after.
 * No bad input here: the global heap's error counters stay 0 so a boot
 * can check that (kcalloc's overflow check is kheap_calloc's, tested in
 * bad_input_is_refused).
 */
MM_TEST(kheap, kmalloc_global_api)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap *g = kmalloc_heap();
    bool own = g->name == NULL;
    size_t held = kheap_pages_held(g);
    uint8_t *a, *z, *c, *r;
    unsigned i;

    if (own) {
        if (!mm_test_pages_init(t, tp, 1))
            return;
        kmalloc_init(&tp->src);
    }
    MM_CHECK(t, kmalloc(0) == NULL);                /* documented */
    kfree(NULL);                                    /* does nothing */
    a = kmalloc(64);
    z = kzalloc(300);
    if (!MM_CHECK(t, a != NULL && z != NULL))
        return;
    MM_CHECK_EQ(t, (uintptr_t)a % 64, 0);
    MM_CHECK_EQ(t, ksize(z), g->guard ? 300 : 512);
    kheap_print_page(g, a);                         /* for docs/kmalloc.md */
    for (i = 0; i < 300; i++)
        MM_CHECK_EQ(t, z[i], 0);
    c = kcalloc(10, 100);
    MM_CHECK(t, c != NULL && c[999] == 0);
    mm_memset(a, 0x3C, 64);
    r = krealloc(a, 6000);                          /* to a page run */
    if (MM_CHECK(t, r != NULL)) {
        MM_CHECK_EQ(t, r[63], 0x3C);
        MM_CHECK_EQ(t, (uintptr_t)r % MM_PAGE, 0);
    }
    kfree(r);
    kfree(z);
    kfree(c);
    MM_CHECK_EQ(t, kheap_check(g), 0);
    if (own) {
        kheap_destroy(g, NULL, NULL);               /* extents to tp */
        MM_CHECK_EQ(t, tp->allocs, tp->frees);
        mm_test_pages_fini(tp);
    } else {
        MM_CHECK(t, kheap_pages_held(g) <= held + KHEAP_NBUCKETS);
    }
}

/* ---- what power-of-two rounding costs ------------------------------- */

#define ROUNDING_BLOCKS 2000

/*
 * Allocates ROUNDING_BLOCKS blocks of sizes drawn uniformly from 16 B to
 * 2 KiB and prints what was asked for against what was handed out
 * (ksize) and against the pages the heap took:
 *   kheap: rounding blocks=N requested=R handed=H (+P.P%) pages=G
 *          (U.U% of page bytes requested)
 * Guard bytes are off for this heap, so ksize is the block's size.
 */
MM_TEST(kheap, rounding_cost)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static uint8_t *blk[ROUNDING_BLOCKS];
    size_t requested = 0, handed = 0, pages, size;
    unsigned long over, used;
    struct kheap h;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 2))
        return;
    plain_init_growing(&h, "rounding", &tp->src);
    for (i = 0; i < ROUNDING_BLOCKS; i++) {
        size = 16 + (size_t)mm_test_rand_below(t, 2048 - 16 + 1);
        blk[i] = kheap_alloc(&h, size);
        if (!MM_CHECK(t, blk[i] != NULL))
            break;
        MM_CHECK(t, kheap_size(&h, blk[i]) >= size &&
                    kheap_size(&h, blk[i]) < 2 * size);
        requested += size;
        handed += kheap_size(&h, blk[i]);
    }
    pages = kheap_pages_held(&h);
    over = (unsigned long)((handed - requested) * 1000 / requested);
    used = (unsigned long)(requested * 1000 / (pages * MM_PAGE));
    mm_print("kheap: rounding blocks=%u requested=%zu handed=%zu "
             "(+%lu.%lu%%) pages=%zu (%lu.%lu%% of page bytes requested)\n",
             i, requested, handed, over / 10, over % 10, pages, used / 10,
             used % 10);
    MM_CHECK(t, handed > requested && handed < 2 * requested);
    MM_CHECK(t, pages * MM_PAGE >= handed);
    while (i > 0)
        MM_CHECK_EQ(t, kheap_free(&h, blk[--i]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, h.next, 0);
    MM_CHECK_EQ(t, tp->allocs, tp->frees);
    mm_test_pages_fini(tp);
}

/* ---- randomized stress against a shadow model ----------------------- */

#define STRESS_LIVE     1000

struct live {
    uint8_t *p;
    size_t size;
    uint8_t tag;
};

/* Sizes 1 B to 16 KiB, spread evenly over the powers of two. */
static size_t
random_size(struct mm_t *t)
{
    unsigned shift = (unsigned)mm_test_rand_below(t, 14);   /* 0..13 */

    return 1 + (size_t)mm_test_rand_below(t, (size_t)2 << shift);
}

static bool
tag_ok(const struct live *l)
{
    size_t i;

    for (i = 0; i < l->size; i++)
        if (l->p[i] != l->tag)
            return false;
    return true;
}

static void
stress_step(struct mm_t *t, struct kheap *h, struct live *live,
            unsigned *n)
{
    unsigned r = (unsigned)mm_test_rand_below(t, 20);
    struct live *l;

    if (*n > 0 && (r < 9 || *n == STRESS_LIVE)) {
        l = &live[mm_test_rand_below(t, *n)];
        MM_CHECK(t, tag_ok(l));
        MM_CHECK_EQ(t, kheap_free(h, l->p), KHEAP_OK);
        *l = live[--*n];
    } else if (*n > 0 && r < 11) {
        size_t size = random_size(t), keep;
        uint8_t *q;

        l = &live[mm_test_rand_below(t, *n)];
        keep = size < l->size ? size : l->size;
        q = kheap_realloc(h, l->p, size);
        if (q == NULL)
            return;
        l->p = q;
        l->size = keep;
        MM_CHECK(t, tag_ok(l));
        l->size = size;
        mm_memset(q, l->tag, size);
    } else {
        l = &live[*n];
        l->size = random_size(t);
        l->p = kheap_alloc(h, l->size);
        if (l->p == NULL)
            return;
        l->tag = (uint8_t)mm_test_rand(t);
        mm_memset(l->p, l->tag, l->size);
        (*n)++;
    }
}

MM_TEST(kheap, randomized_stress)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct live *live = mm_test_static(STRESS_LIVE * sizeof *live);
    struct kheap h;
    unsigned long op;
    unsigned n = 0;

    if (!mm_test_pages_init(t, tp, MM_TEST_MAX_CHUNKS))
        return;
    kheap_init_growing(&h, "stress", &tp->src);
    for (op = 0; op < MM_STRESS_OPS && t->nfailed == 0; op++) {
        stress_step(t, &h, live, &n);
        if (op % 50000 == 0)
            MM_CHECK_EQ(t, kheap_check(&h), 0);
    }
    MM_CHECK_EQ(t, op, MM_STRESS_OPS);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 0);
    while (n > 0) {
        MM_CHECK(t, tag_ok(&live[n - 1]));
        MM_CHECK_EQ(t, kheap_free(&h, live[--n].p), KHEAP_OK);
    }
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_trim(&h);
    /* Every page back in the page allocator. */
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, h.next, 0);
    MM_CHECK_EQ(t, tp->allocs, tp->frees);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    MM_CHECK_EQ(t, buddy_check(&tp->buddy), 0);
    mm_test_pages_fini(tp);
}

/*
 * The sizes the comments of mm/kheap.c and mm/kheap_extent.c talk
 * about, printed from sizeof so that no comment has to quote a number:
 * a slab's header and an extent's header on this machine; and the
 * header of every bucket's slab stays within 1/16 of the slab.
 */
MM_TEST(kheap, sizes)
{
    struct kheap h;
    unsigned i;

    kheap_init_growing(&h, "t", NULL);
    mm_print("kheap: sizeof struct slab %zu, struct kheap_extent %zu, "
             "struct kheap %zu bytes\n", sizeof(struct slab),
             sizeof(struct kheap_extent), sizeof(struct kheap));
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        const struct slab_geom *g = &h.bucket[i].geom;

        mm_print("kheap: bucket %zu: slab of %u pages, %u blocks, header "
                 "%zu bytes\n", g->size, 1u << g->order, g->nobjs, g->first);
        MM_CHECK(t, g->first * 16 <= (size_t)MM_PAGE << g->order);
        MM_CHECK_EQ(t, g->first % g->size, 0);      /* blocks aligned */
    }
}

/* ---- the bucket arrays ------------------------------------------------ */

/*
 * A freed block waits in its bucket's array and is the next one handed
 * out; freeing it twice is refused as a double free and changes
 * nothing; the high-water mark stays exact though blocks come from the
 * array.
 */
MM_TEST(kheap, array_parks_and_hands_back)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    struct kheap_bucket *b;
    struct bad_case c;
    uint8_t *x[3], *y;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    kheap_set_trace(&h, false);                 /* the plain fast path */
    b = &h.bucket[3];                                   /* 128 B */
    for (i = 0; i < 3; i++)
        x[i] = kheap_alloc(&h, 100);
    MM_CHECK_EQ(t, kheap_free(&h, x[1]), KHEAP_OK);
    MM_CHECK_EQ(t, b->navail, 1);
    MM_CHECK_PTR_EQ(t, b->array[0], x[1]);
    MM_CHECK_EQ(t, kheap_inuse(b), 2);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, x[1]), KHEAP_ERR_DOUBLE_FREE,
            (uintptr_t)x[1]);
    bad_begin(t, &c, &h);
    bad_end(t, &c, &h, kheap_free(&h, x[1] + 16), KHEAP_ERR_INTERIOR,
            (uintptr_t)(x[1] + 16));
    MM_CHECK_EQ(t, b->navail, 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    y = kheap_alloc(&h, 120);
    MM_CHECK_PTR_EQ(t, y, x[1]);
    MM_CHECK_EQ(t, b->navail, 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    /* hwm: 3 out, 3 back to the array, 3 out again, then a fourth. */
    for (i = 0; i < 3; i++)
        kheap_free(&h, x[i]);
    for (i = 0; i < 3; i++)
        x[i] = kheap_alloc(&h, 128);
    MM_CHECK_EQ(t, b->hwm, 3);
    MM_CHECK_EQ(t, b->requests, 7);
    y = kheap_alloc(&h, 128);
    MM_CHECK_EQ(t, b->hwm, 4);
    MM_CHECK_EQ(t, kheap_free(&h, y), KHEAP_OK);
    for (i = 0; i < 3; i++)
        MM_CHECK_EQ(t, kheap_free(&h, x[i]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, b->navail, 0);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * The array's overflow: the free that fills it sends its older half to
 * the slabs' lists (oldest first), so it always has room; the newest
 * come back first.
 */
MM_TEST(kheap, array_overflow_flushes_the_older_half)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static uint8_t *x[KHEAP_ARRAY];
    struct kheap h;
    struct kheap_bucket *b;
    struct slab *s;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    kheap_set_trace(&h, false);                 /* the plain fast path */
    b = &h.bucket[2];                                   /* 64 B */
    for (i = 0; i < KHEAP_ARRAY; i++)
        x[i] = kheap_alloc(&h, 64);
    s = slab_of(x[0], 0);
    for (i = 0; i + 1 < KHEAP_ARRAY; i++)
        kheap_free(&h, x[i]);
    MM_CHECK_EQ(t, b->navail, KHEAP_ARRAY - 1);
    MM_CHECK_PTR_EQ(t, s->freelist, NULL);
    MM_CHECK_EQ(t, kheap_free(&h, x[KHEAP_ARRAY - 1]), KHEAP_OK);
    MM_CHECK_EQ(t, b->navail, KHEAP_ARRAY / 2);
    MM_CHECK_PTR_EQ(t, b->array[0], x[KHEAP_ARRAY / 2]);
    MM_CHECK_PTR_EQ(t, s->freelist, x[KHEAP_ARRAY / 2 - 1]);
    MM_CHECK_EQ(t, kheap_inuse(b), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_PTR_EQ(t, kheap_alloc(&h, 64), x[KHEAP_ARRAY - 1]);
    MM_CHECK_EQ(t, kheap_free(&h, x[KHEAP_ARRAY - 1]), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_flush(&h), 0);     /* the slab is the kept one */
    MM_CHECK_EQ(t, b->navail, 0);
    MM_CHECK(t, b->empty == s);
    kheap_trim(&h);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * A slab whose broken list is rebuilt from its table while the array
 * holds some of its blocks: those leave the array first (the rebuilt
 * list has them), so no block is handed out twice.
 */
MM_TEST(kheap, repair_takes_parked_blocks_back)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    struct kheap_bucket *b;
    struct slab *s;
    uint8_t *a, *c, *d = NULL, *got, *fill[256];
    size_t n;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    plain_init_growing(&h, "t", &tp->src);
    kheap_set_trace(&h, false);                 /* the plain fast path */
    b = &h.bucket[2];
    a = kheap_alloc(&h, 64);
    c = kheap_alloc(&h, 64);
    s = slab_of(a, 0);
    for (n = 0; n < MM_ARRAY_SIZE(fill); n++) {        /* fill s */
        d = kheap_alloc(&h, 64);
        if (!MM_CHECK(t, d != NULL) || slab_of(d, 0) != s)
            break;
        fill[n] = d;
    }
    MM_CHECK_EQ(t, kheap_free(&h, d), KHEAP_OK);        /* parked, not s */
    MM_CHECK_EQ(t, kheap_free(&h, c), KHEAP_OK);        /* parked, in s */
    s->freelist = a + 8;                                /* broken */
    got = slab_take(s, &b->geom);       /* repairs: told first */
    MM_CHECK_EQ(t, b->navail, 1);
    MM_CHECK_PTR_EQ(t, b->array[0], d);
    MM_CHECK_PTR_EQ(t, got, c);
    b->nout++;                          /* taken as bucket_take would */
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_free(&h, got), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    while (n > 0)
        MM_CHECK_EQ(t, kheap_free(&h, fill[--n]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * The trace switch reaches the global heap at once: its flags word
 * gains the trace flag and its fast paths close (fast_max 0), and
 * both come back when the switch is turned off.
 */
MM_TEST(kheap, trace_switch_reaches_the_global_heap)
{
    struct kheap *g = kmalloc_heap();
    unsigned saved = mm_switch.trace;
    unsigned flags = g->flags;

    mm_switch.trace = saved | MM_TRACE_KMALLOC;
    kmalloc_trace_switched();
    MM_CHECK(t, (g->flags & KHEAP_F_TRACE) != 0);
    MM_CHECK_EQ(t, g->fast_max, 0);
    mm_switch.trace = saved & ~MM_TRACE_KMALLOC;
    kmalloc_trace_switched();
    MM_CHECK_EQ(t, g->flags & KHEAP_F_TRACE, 0);
    MM_CHECK_EQ(t, g->fast_max, g->flags == 0 ? KHEAP_MAX_SMALL : 0);
    mm_switch.trace = saved;
    kmalloc_trace_switched();
    MM_CHECK_EQ(t, g->flags, flags);
}
