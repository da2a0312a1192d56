/*
 * mm/pool_picture_test.c - tests of the pool picture (mm/pool_picture.c)
 * against the exact text: a growing pool's partial, full and cached
 * slabs, and a static pool.  Objects per slab depend on the size of the
 * slab header, so the expected cells are built from p.geom.nobjs.
 */
#include "pool.h"
#include "test.h"
#include "testpages.h"

#define PP_OUT      2048

static char out[PP_OUT], want[PP_OUT];

/* Appends one formatted line to want. */
static void MM_PRINTF(1, 2)
want_add(const char *fmt, ...)
{
    size_t n = 0;
    va_list ap;

    while (want[n] != '\0')
        n++;
    va_start(ap, fmt);
    mm_vsnprintf(want + n, sizeof want - n, fmt, ap);
    va_end(ap);
}

/* "pool: |...|" lines for n cells: first the given ones, then fill. */
static void
want_cells(const char *first, char fill, unsigned n)
{
    char row[65];
    unsigned i, col = 0, len = 0;

    while (first[len] != '\0')
        len++;
    for (i = 0; i < n; i++) {
        row[col++] = i < len ? first[i] : fill;
        if (col == 64 || i + 1 == n) {
            row[col] = '\0';
            want_add("pool: |%s|\n", row);
            col = 0;
        }
    }
}

/* What pool_print_picture prints for p. */
static const char *
picture(struct pool *p, bool order)
{
    mm_test_capture_prints(out, sizeof out);
    pool_print_picture(p, order);
    mm_test_release_prints();
    return out;
}

/*
 * A growing pool of 200-byte objects.  Three taken, the middle one
 * given back: one partial slab, "#.#---...", object 1 parked (the next
 * alloc's) and the slab's own free list empty; once pool_flush lists
 * it, the free list is object 1.  Then filled, and one more: the first
 * slab full, a second one partial; that one given back and listed: the
 * second slab is kept, cached.
 */
MM_TEST(pool_picture, growing_pool_slabs)
{
    struct mm_test_pages *tp = mm_scratch_alloc(sizeof *tp);
    static void *obj[64];
    struct pool p;
    unsigned n, i;
    uintptr_t s0, s1;

    if (!MM_CHECK(t, tp != NULL) || !mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-pic", 200, 8, 0, &tp->src), POOL_OK);
    n = p.geom.nobjs;
    if (!MM_CHECK(t, n >= POOL_MIN_OBJS && n < 64))
        return;
    for (i = 0; i < 3; i++)
        obj[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, pool_free(&p, obj[1]), POOL_OK);
    s0 = (uintptr_t)obj[0] & ~(uintptr_t)(MM_PAGE - 1);
    want[0] = '\0';
    want_add("pool: t-pic: 2 of %u objects in use, 1 slab of %u, 200 bytes "
             "each\n", n, n);
    want_add("pool: legend %s\n", slab_picture_legend);
    want_add("pool: t-pic parked, newest first: 1 of %u\n", POOL_NPARKED);
    want_add("pool: parked: object 1 of slab 0x%08lx\n", (unsigned long)s0);
    want_add("pool: t-pic slab 0x%08lx partial: 2 of %u in use\n",
             (unsigned long)s0, n);
    want_cells("#.#", '-', n);
    want_add("pool: free list: empty\n");
    want_add("pool: then carved: objects 3 to %u\n", n - 1);
    MM_CHECK_STR(t, picture(&p, true), want);

    MM_CHECK_EQ(t, pool_flush(&p), 0);
    want[0] = '\0';
    want_add("pool: t-pic: 2 of %u objects in use, 1 slab of %u, 200 bytes "
             "each\n", n, n);
    want_add("pool: legend %s\n", slab_picture_legend);
    want_add("pool: t-pic parked, newest first: 0 of %u\n", POOL_NPARKED);
    want_add("pool: t-pic slab 0x%08lx partial: 2 of %u in use\n",
             (unsigned long)s0, n);
    want_cells("#.#", '-', n);
    want_add("pool: free list: 1\n");
    want_add("pool: then carved: objects 3 to %u\n", n - 1);
    MM_CHECK_STR(t, picture(&p, true), want);

    obj[1] = pool_alloc(&p);
    for (i = 3; i <= n; i++)
        obj[i] = pool_alloc(&p);            /* obj[n]: a second slab */
    s1 = (uintptr_t)obj[n] & ~(uintptr_t)(MM_PAGE - 1);
    MM_CHECK_EQ(t, pool_free(&p, obj[n]), POOL_OK);
    MM_CHECK_EQ(t, pool_flush(&p), 0);      /* obj[n] listed: s1 cached */
    want[0] = '\0';
    want_add("pool: t-pic: %u of %u objects in use, 2 slabs of %u, 200 "
             "bytes each\n", n, 2 * n, n);
    want_add("pool: legend %s\n", slab_picture_legend);
    want_add("pool: t-pic slab 0x%08lx full: %u of %u in use\n",
             (unsigned long)s0, n, n);
    want_cells("", '#', n);
    want_add("pool: t-pic slab 0x%08lx cached: 0 of %u in use\n",
             (unsigned long)s1, n);
    want_cells(".", '-', n);
    MM_CHECK_STR(t, picture(&p, false), want);

    for (i = 0; i < n; i++)
        MM_CHECK_EQ(t, pool_free(&p, obj[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
    mm_scratch_free(tp, sizeof *tp);
}

/* A static pool of 8 objects: one static slab at the buffer itself;
 * a parked entry outside it is named, not followed. */
MM_TEST(pool_picture, static_pool)
{
    static uint8_t buf[8 * 64] MM_ALIGNED(64);
    static uint32_t map[POOL_FREEMAP_WORDS(8)];
    struct pool p;
    void *a, *b;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-pic-static", buf, sizeof buf, 64,
                                    64, 0, map), POOL_OK);
    a = pool_alloc(&p);
    b = pool_alloc(&p);
    MM_CHECK_EQ(t, pool_free(&p, a), POOL_OK);
    want[0] = '\0';
    want_add("pool: t-pic-static: 1 of 8 objects in use, 1 static slab of "
             "8, 64 bytes each\n");
    want_add("pool: legend %s\n", slab_picture_legend);
    want_add("pool: t-pic-static parked, newest first: 1 of %u\n",
             POOL_NPARKED);
    want_add("pool: parked: object 0 of slab 0x%08lx\n",
             (unsigned long)(uintptr_t)buf);
    want_add("pool: t-pic-static slab 0x%08lx partial: 1 of 8 in use\n",
             (unsigned long)(uintptr_t)buf);
    want_add("pool: |.#------|\n");
    want_add("pool: free list: empty\n");
    want_add("pool: then carved: objects 2 to 7\n");
    MM_CHECK_STR(t, picture(&p, true), want);
    p.parked[0] = buf + sizeof buf;             /* a damaged entry */
    mm_test_format(want, sizeof want, "pool: parked: 0x%08lx, in no slab "
                   "of t-pic-static\n", (unsigned long)(buf + sizeof buf));
    MM_CHECK(t, mm_test_contains(picture(&p, true), want));
    p.parked[0] = a;
    MM_CHECK_EQ(t, pool_free(&p, b), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}
