/*
 * mm/slab_picture_test.c - tests of the slab's cell picture
 * (mm/slab_picture.c): cells, the free-list order, wrapping, and a
 * broken or looping free list, each against the exact text.
 */
#include "slab.h"
#include "test.h"

#define SP_SIZE     32          /* bytes per object */
#define SP_OBJS     70          /* objects: two lines of cells */
#define SP_OUT      2048

static uint8_t sp_buf[SP_OBJS * SP_SIZE] MM_ALIGNED(64);
static uint32_t sp_map[MM_BITMAP_WORDS(SP_OBJS)];
static char out[SP_OUT], want[SP_OUT];

/* A slab of n 32-byte objects over sp_buf, all free, none carved. */
static void
sp_slab(struct slab *s, struct slab_geom *g, unsigned n)
{
    slab_geom_outside(g, SP_SIZE, 8, n);
    slab_init(s, g, NULL, (uintptr_t)sp_buf, sp_map);
}

/* What slab_print_cells prints for s, with or without the order. */
static const char *
cells(const struct slab *s, const struct slab_geom *g, bool order)
{
    mm_test_capture_prints(out, sizeof out);
    slab_print_cells("t:", s, g, order);
    mm_test_release_prints();
    return out;
}

/*
 * 19 objects: take 4 (carved 0-3), give back 2 then 0.  The free list
 * pops the last given back first: 0, then 2, then the uncarved 4-18.
 */
MM_TEST(slab_picture, cells_and_order)
{
    struct slab_geom g;
    struct slab s;
    void *obj[19];
    uintptr_t where;
    unsigned i;

    sp_slab(&s, &g, 19);
    MM_CHECK_STR(t, cells(&s, &g, true),
                 "t: |-------------------|\n"
                 "t: free list: empty\n"
                 "t: then carved: objects 0 to 18\n");
    for (i = 0; i < 4; i++)
        obj[i] = slab_take(&s, &g);
    MM_CHECK_EQ(t, slab_put(&s, &g, obj[2]), SLAB_OK);
    MM_CHECK_STR(t, cells(&s, &g, false), "t: |##.#---------------|\n");
    MM_CHECK_EQ(t, slab_put(&s, &g, obj[0]), SLAB_OK);
    MM_CHECK_STR(t, cells(&s, &g, true),
                 "t: |.#.#---------------|\n"
                 "t: free list: 0 2\n"
                 "t: then carved: objects 4 to 18\n");
    MM_CHECK_PTR_EQ(t, slab_take(&s, &g), obj[0]);     /* as it said */
    MM_CHECK_PTR_EQ(t, slab_take(&s, &g), obj[2]);
    for (i = 4; i < 19; i++)
        obj[i] = slab_take(&s, &g);
    MM_CHECK_PTR_EQ(t, obj[4], sp_buf + 4 * SP_SIZE);
    MM_CHECK_STR(t, cells(&s, &g, true),
                 "t: |###################|\n"
                 "t: free list: empty\n"
                 "t: then carved: none, all 19 carved\n");
    MM_CHECK(t, slab_check(&s, &g, &where) == NULL);
}

/*
 * 70 objects: cells wrap after 64; 20 objects given back (10..29 in
 * turn) make a free list of two lines, 16 numbers on the first.
 */
MM_TEST(slab_picture, long_slab_wraps)
{
    struct slab_geom g;
    struct slab s;
    uintptr_t where;
    unsigned i;
    char line[512];

    sp_slab(&s, &g, SP_OBJS);
    for (i = 0; i < SP_OBJS; i++)
        slab_take(&s, &g);
    for (i = 10; i < 30; i++)
        MM_CHECK_EQ(t, slab_put(&s, &g, sp_buf + i * SP_SIZE), SLAB_OK);
    want[0] = '\0';
    mm_test_format(line, sizeof line, "t: |%s%s%s|\n", "##########",
                   "....................",
                   "##################################");
    mm_test_format(want, sizeof want, "%st: |######|\n", line);
    mm_test_format(line, sizeof line, "%st: free list: 29 28 27 26 25 24 23"
                   " 22 21 20 19 18 17 16 15 14\n", want);
    mm_test_format(want, sizeof want, "%st: free list: 13 12 11 10\n"
                   "t: then carved: none, all 70 carved\n", line);
    MM_CHECK_STR(t, cells(&s, &g, true), want);
    MM_CHECK(t, slab_check(&s, &g, &where) == NULL);
}

/*
 * A link overwritten after free: the list is followed up to the bad
 * link and no further.  A link back to its own object loops: followed
 * as far as objects were carved, then called broken.
 */
MM_TEST(slab_picture, broken_and_looping_list)
{
    struct slab_geom g;
    struct slab s;
    void *a, *b, *c;
    uintptr_t where;

    sp_slab(&s, &g, 8);
    a = slab_take(&s, &g);
    b = slab_take(&s, &g);
    c = slab_take(&s, &g);
    slab_put(&s, &g, a);
    slab_put(&s, &g, c);                    /* list: c (2), a (0) */
    *slab_link(&g, a) = sp_buf + 5;         /* a's link: no object */
    mm_test_format(want, sizeof want, "t: |.#.-----|\n"
                   "t: free list: 2 0\n"
                   "t: free list broken at 0x%08lx after 2 objects\n"
                   "t: then carved: objects 3 to 7\n",
                   (unsigned long)(uintptr_t)(sp_buf + 5));
    MM_CHECK_STR(t, cells(&s, &g, true), want);

    *slab_link(&g, a) = a;                  /* a links to itself */
    mm_test_format(want, sizeof want, "t: |.#.-----|\n"
                   "t: free list: 2 0 0\n"
                   "t: free list broken at 0x%08lx after 3 objects\n"
                   "t: then carved: objects 3 to 7\n",
                   (unsigned long)(uintptr_t)a);
    MM_CHECK_STR(t, cells(&s, &g, true), want);
    MM_CHECK(t, slab_check(&s, &g, &where) != NULL);

    *slab_link(&g, a) = NULL;               /* mended */
    MM_CHECK(t, slab_check(&s, &g, &where) == NULL);
    MM_CHECK_PTR_EQ(t, slab_take(&s, &g), c);
    MM_CHECK_PTR_EQ(t, slab_take(&s, &g), a);
    MM_CHECK_EQ(t, slab_put(&s, &g, b), SLAB_OK);
}
