/*
 * mm/kheap_picture_test.c - tests of kmalloc's pictures
 * (mm/kheap_picture.c): the page map and a bucket's slabs as cells,
 * each against the exact text, built from where the blocks landed.
 */
#include "kheap.h"
#include "pool.h"
#include "test.h"
#include "testpages.h"

#define KP_PAGES    (MM_TEST_CHUNK / MM_PAGE)   /* pages of the chunk */
#define KP_OUT      8192

/* What a test keeps, in scratch memory: too large for the bss of a
 * kernel that must still boot in 2 MiB. */
struct kp {
    struct mm_test_pages tp;
    struct kheap h;
    char out[KP_OUT], want[KP_OUT];
    char map[KP_PAGES];         /* the expected map, a page a character */
};
static struct kp *kp;

/* Appends one formatted line to want. */
static void MM_PRINTF(1, 2)
want_add(const char *fmt, ...)
{
    size_t n = 0;
    va_list ap;

    while (kp->want[n] != '\0')
        n++;
    va_start(ap, fmt);
    mm_vsnprintf(kp->want + n, sizeof kp->want - n, fmt, ap);
    va_end(ap);
}

/* Marks the 2^order pages at p in the expected map with c. */
static void
mark(const uint8_t *chunk, const void *p, unsigned order, char c)
{
    size_t i, first = (size_t)((const uint8_t *)p - chunk) / MM_PAGE;

    for (i = 0; i < (size_t)1 << order; i++)
        kp->map[first + i] = c;
}

/* The map lines of the expected map, from page `from` of the chunk. */
static void
want_map(const uint8_t *chunk, size_t from)
{
    char row[65];
    size_t line, i;
    bool any;

    for (line = 0; line < KP_PAGES; line += 64) {
        any = false;
        for (i = 0; i < 64; i++) {
            row[i] = line + i < from ? ' ' : kp->map[line + i];
            any |= row[i] != '.' && row[i] != ' ';
        }
        row[64] = '\0';
        if (any)
            want_add("kmalloc: map 0x%08lx |%s|\n",
                     (unsigned long)(uintptr_t)(chunk + line * MM_PAGE),
                     row);
    }
}

static const char *
captured_map(struct kheap *h, const uint8_t *first, const uint8_t *last)
{
    mm_test_capture_prints(kp->out, sizeof kp->out);
    kheap_print_map(h, first, last);
    mm_test_release_prints();
    return kp->out;
}

/*
 * Three 64-byte blocks, one of 16, a 5000-byte run (2 pages) and a
 * pool's slab in one 4 MiB chunk: the map shows the 64-byte slab as 2,
 * the 16-byte slab as 0, the run as LL and the pool's slab as '.'.
 * Looked at from the chunk's second page, the first is outside: ' '.
 * A slab with a broken header is drawn as nobody's.
 */
MM_TEST(kheap_picture, page_map)
{
    struct pool p;
    void *a[3], *b, *r, *po;
    uint8_t *chunk;
    unsigned i;

    kp = mm_scratch_alloc(sizeof *kp);
    if (!MM_CHECK(t, kp != NULL) || !mm_test_pages_init(t, &kp->tp, 1))
        return;
    chunk = kp->tp.chunk[0];
    kheap_init_growing(&kp->h, "t-map", &kp->tp.src);
    MM_CHECK_EQ(t, pool_init(&p, "t-map-pool", 100, 8, 0, &kp->tp.src),
                POOL_OK);
    for (i = 0; i < 3; i++)
        a[i] = kheap_alloc(&kp->h, 64);
    b = kheap_alloc(&kp->h, 16);
    r = kheap_alloc(&kp->h, 5000);
    po = pool_alloc(&p);
    if (!MM_CHECK(t, a[2] != NULL && b != NULL && r != NULL && po != NULL))
        return;
    mm_memset(kp->map, '.', sizeof kp->map);
    mark(chunk, slab_of(a[0], kp->h.bucket[2].geom.order),
         kp->h.bucket[2].geom.order, '2');
    mark(chunk, slab_of(b, kp->h.bucket[0].geom.order),
         kp->h.bucket[0].geom.order, '0');
    mark(chunk, r, 1, 'L');
    kp->want[0] = '\0';
    want_add("kmalloc: map legend %s\n", kheap_map_legend);
    want_map(chunk, 1);
    want_add("kmalloc: map 2 bucket slabs in %u pages, 1 page runs in 2 "
             "pages\n", (1u << kp->h.bucket[2].geom.order) +
             (1u << kp->h.bucket[0].geom.order));
    MM_CHECK_STR(t, captured_map(&kp->h, chunk + MM_PAGE,
                                 chunk + MM_TEST_CHUNK - 1), kp->want);

    /* A slab whose header lost its magic is nobody's: '.', not 2. */
    slab_of(a[0], kp->h.bucket[2].geom.order)->magic = 0;
    mark(chunk, slab_of(a[0], kp->h.bucket[2].geom.order),
         kp->h.bucket[2].geom.order, '.');
    kp->want[0] = '\0';
    want_add("kmalloc: map legend %s\n", kheap_map_legend);
    want_map(chunk, 0);
    want_add("kmalloc: map 1 bucket slabs in %u pages, 1 page runs in 2 "
             "pages\n", 1u << kp->h.bucket[0].geom.order);
    MM_CHECK_STR(t, captured_map(&kp->h, chunk, chunk + MM_TEST_CHUNK - 1),
                 kp->want);
    slab_of(a[0], kp->h.bucket[2].geom.order)->magic = SLAB_MAGIC;

    for (i = 0; i < 3; i++)
        MM_CHECK_EQ(t, kheap_free(&kp->h, a[i]), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&kp->h, b), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&kp->h, r), KHEAP_OK);
    MM_CHECK_EQ(t, pool_free(&p, po), POOL_OK);
    kheap_trim(&kp->h);
    kp->want[0] = '\0';
    want_add("kmalloc: map legend %s\n", kheap_map_legend);
    want_add("kmalloc: map 0 bucket slabs in 0 pages, 0 page runs in 0 "
             "pages\n");
    MM_CHECK_STR(t, captured_map(&kp->h, chunk, chunk + MM_TEST_CHUNK - 1),
                 kp->want);
    MM_CHECK_STR(t, captured_map(&kp->h, chunk + MM_PAGE, chunk), "");
    MM_CHECK_EQ(t, kheap_check(&kp->h), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(&kp->tp));
    mm_test_pages_fini(&kp->tp);
    mm_scratch_free(kp, sizeof *kp);
}

/*
 * The slab line and cells of one bucket-7 slab: `used` blocks in use,
 * then `freed` free ones, the rest never carved; with order, its lines.
 */
static void
want_slab(const struct kheap_bucket *bk, const void *s, const char *state,
          unsigned used, unsigned freed, bool order)
{
    char row[65];
    unsigned i, n = bk->geom.nobjs;

    want_add("kmalloc: bucket 2048 slab 0x%08lx %s: %u of %u in use\n",
             (unsigned long)(uintptr_t)s, state, used, n);
    for (i = 0; i < n; i++)
        row[i] = i < used ? '#' : i < used + freed ? '.' : '-';
    row[n] = '\0';
    want_add("kmalloc: |%s|\n", row);
    if (!order)
        return;
    if (freed == 0)
        want_add("kmalloc: free list: empty\n");
    else
        want_add("kmalloc: free list: 0\n");
    if (used + freed == n)
        want_add("kmalloc: then carved: none, all %u carved\n", n);
    else
        want_add("kmalloc: then carved: objects %u to %u\n", used + freed,
                 n - 1);
}

/* The header lines of bucket 7's picture. */
static void
want_bucket(const struct kheap_bucket *bk, unsigned inuse)
{
    kp->want[0] = '\0';
    want_add("kmalloc: bucket 2048: %u blocks in use, %u per slab of order "
             "%u, %u pages held\n", inuse, bk->geom.nobjs, bk->geom.order,
             2u << bk->geom.order);
    want_add("kmalloc: legend %s\n", slab_picture_legend);
}

/*
 * Bucket 7 (2 KiB): a full slab and a second one with one block in
 * use, in address order; then that block freed, its slab kept as the
 * bucket's empty one (its one carved block free, the rest never
 * carved), shown with the free lists.  No bucket 8: nothing printed.
 */
MM_TEST(kheap_picture, bucket_slabs)
{
    static void *blk[32];
    const struct kheap_bucket *bk;
    uint8_t *chunk, *end;
    const void *s0, *s1;
    unsigned i, n;
    bool low;

    kp = mm_scratch_alloc(sizeof *kp);
    if (!MM_CHECK(t, kp != NULL) || !mm_test_pages_init(t, &kp->tp, 1))
        return;
    chunk = kp->tp.chunk[0];
    end = chunk + MM_TEST_CHUNK - 1;    /* the last byte */
    kheap_init_growing(&kp->h, "t-bucket", &kp->tp.src);
    bk = &kp->h.bucket[7];
    n = bk->geom.nobjs;
    if (!MM_CHECK(t, n > 1 && n < 32))
        return;
    for (i = 0; i <= n; i++)
        blk[i] = kheap_alloc(&kp->h, 2048);
    s0 = slab_of(blk[0], bk->geom.order);
    s1 = slab_of(blk[n], bk->geom.order);
    low = (uintptr_t)s0 < (uintptr_t)s1;        /* s0 printed first */
    want_bucket(bk, n + 1);
    want_slab(bk, low ? s0 : s1, low ? "full" : "partial", low ? n : 1, 0,
              false);
    want_slab(bk, low ? s1 : s0, low ? "partial" : "full", low ? 1 : n, 0,
              false);
    mm_test_capture_prints(kp->out, sizeof kp->out);
    MM_CHECK(t, kheap_print_bucket(&kp->h, 7, chunk, end, false));
    MM_CHECK(t, !kheap_print_bucket(&kp->h, 8, chunk, end, false));
    MM_CHECK(t, !kheap_print_bucket(&kp->h, 7, end, chunk, false));
    mm_test_release_prints();
    MM_CHECK_STR(t, kp->out, kp->want);

    MM_CHECK_EQ(t, kheap_free(&kp->h, blk[n]), KHEAP_OK);
    kheap_flush(&kp->h);                /* from the array to its slab */
    want_bucket(bk, n);
    want_slab(bk, low ? s0 : s1, low ? "full" : "empty", low ? n : 0,
              low ? 0 : 1, true);
    want_slab(bk, low ? s1 : s0, low ? "empty" : "full", low ? 0 : n,
              low ? 1 : 0, true);
    mm_test_capture_prints(kp->out, sizeof kp->out);
    MM_CHECK(t, kheap_print_bucket(&kp->h, 7, chunk, end, true));
    mm_test_release_prints();
    MM_CHECK_STR(t, kp->out, kp->want);

    /* A block in the bucket's array: free in the cells, on no list. */
    MM_CHECK_EQ(t, kheap_free(&kp->h, blk[0]), KHEAP_OK);
    mm_test_capture_prints(kp->out, sizeof kp->out);
    MM_CHECK(t, kheap_print_bucket(&kp->h, 7, chunk, end, true));
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(kp->out, "partial: 14 of 15 in use\n"
                                "kmalloc: |.##############|\n"
                                "kmalloc: free list: empty\n"
                                "kmalloc: then carved: none, all 15 carved\n"
                                "kmalloc: parked: 1 in the bucket's array, "
                                "handed out before the free list\n"));
    MM_CHECK_EQ(t, kheap_check(&kp->h), 0);

    for (i = 1; i < n; i++)
        MM_CHECK_EQ(t, kheap_free(&kp->h, blk[i]), KHEAP_OK);
    kheap_trim(&kp->h);
    MM_CHECK_EQ(t, kheap_check(&kp->h), 0);
    MM_CHECK(t, mm_test_pages_all_back(&kp->tp));
    mm_test_pages_fini(&kp->tp);
    mm_scratch_free(kp, sizeof *kp);
}
