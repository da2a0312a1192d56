/*
 * mm/buddy_tree_test.c - tests of the tree picture (mm/buddy_tree.c).
 *
 * Each test builds an allocator over its own scratch memory, brings it
 * to a known state, captures what buddy_print_tree prints and compares
 * it with the exact text expected, line by line in the comments.
 */
#include "buddy.h"
#include "test.h"

#define TT_PAGES        16      /* the textbook arena */
#define TT_BIG          1024    /* an order-10 arena */
#define TT_OUT          4096    /* bytes of captured picture */

/* What a test captured and what it expects; the tests run one by one. */
static char out[TT_OUT], want[TT_OUT];

/* Appends one formatted line to the NUL-terminated text in buf. */
static void MM_PRINTF(3, 4)
want_line(char *buf, size_t size, const char *fmt, ...)
{
    size_t n = 0;
    va_list ap;

    while (buf[n] != '\0')
        n++;
    va_start(ap, fmt);
    mm_vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}

static unsigned long
pfn_of(const void *p)
{
    return (unsigned long)((uintptr_t)p >> MM_PAGE_SHIFT);
}

/* "tree: order K block ADDR STATE: buddy pfn P ^ B = Q QSTATE". */
static void
want_pair(char *buf, size_t size, const uint8_t *base, unsigned page,
          unsigned k, const char *state, const char *buddy_state)
{
    unsigned long pfn = pfn_of(base) + page;

    want_line(buf, size, "tree: order %u block 0x%08lx %s: buddy pfn 0x%lx"
              " ^ 0x%lx = 0x%lx %s\n", k, pfn << MM_PAGE_SHIFT, state, pfn,
              1ul << k, pfn ^ (1ul << k), buddy_state);
}

/* The legend and the two header lines, for a root of zone 0 at base. */
static void
want_head(char *buf, size_t size, unsigned zone, const uint8_t *base,
          unsigned order, const char *drawn)
{
    unsigned long a = (unsigned long)(uintptr_t)base;

    buf[0] = '\0';
    want_line(buf, size, "tree: legend %s\n", buddy_tree_legend);
    want_line(buf, size, "tree: zone %u block [mem 0x%08lx-0x%08lx] order %u,"
              " %lu KiB\n", zone, a, a + (MM_PAGE << order) - 1, order,
              (MM_PAGE / 1024) << order);
    want_line(buf, size, "tree: %s\n", drawn);
}

/*
 * The textbook walk after "alloc D": A C B B D D D D . . . . . . . .
 * Root order 4, 4 columns a page; every block listed with its buddy.
 */
MM_TEST(buddy_tree, textbook_after_alloc_d)
{
    static uint8_t meta[BUDDY_META_SIZE(TT_PAGES)];
    uint8_t *base = mm_scratch_alloc(TT_PAGES * MM_PAGE);
    struct buddy b;
    void *a, *bb, *c, *d;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(&b, "t-tree");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, TT_PAGES * MM_PAGE, 0, meta),
                BUDDY_OK);
    a = buddy_alloc(&b, 0);
    bb = buddy_alloc(&b, 1);
    c = buddy_alloc(&b, 0);
    d = buddy_alloc(&b, 2);
    MM_CHECK_PTR_EQ(t, c, base + MM_PAGE);
    MM_CHECK_PTR_EQ(t, d, base + 4 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_tree_order(&b, base + 5 * MM_PAGE + 7), 4);

    want_head(want, sizeof want, 0, base, 4, "orders 4 to 0 drawn");
    want_line(want, sizeof want, "tree: order  4 %s\n",
              "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
              "++++");
    want_line(want, sizeof want, "tree: order  3 %s%s\n",
              "+++++++++++++++++++++++++++++++ ",
              "...............................");
    want_line(want, sizeof want, "tree: order  2 +++++++++++++++ "
              "###############\n");
    want_line(want, sizeof want, "tree: order  1 +++++++ #######\n");
    want_line(want, sizeof want, "tree: order  0 ### ###\n");
    want_pair(want, sizeof want, base, 8, 3, "free", "split");
    want_pair(want, sizeof want, base, 4, 2, "allocated", "split");
    want_pair(want, sizeof want, base, 2, 1, "allocated", "split");
    want_pair(want, sizeof want, base, 0, 0, "allocated", "allocated");
    want_pair(want, sizeof want, base, 1, 0, "allocated", "allocated");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 9 * MM_PAGE, 4), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    /* Order 1 at C: the pair A C, each the other's buddy. */
    want_head(want, sizeof want, 0, base, 1, "orders 1 to 0 drawn");
    want_line(want, sizeof want, "tree: order  1 %s\n",
              "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
              "++++");
    want_line(want, sizeof want, "tree: order  0 %s %s\n",
              "###############################",
              "###############################");
    want_pair(want, sizeof want, base, 0, 0, "allocated", "allocated");
    want_pair(want, sizeof want, base, 1, 0, "allocated", "allocated");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, c, 1), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    MM_CHECK_EQ(t, buddy_free(&b, bb), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, a), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, d), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, c), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, TT_PAGES * MM_PAGE);
}

/*
 * Reserved pages and a second zone.  Zone 0 is pages 0-15 with a used
 * prefix of 3 pages: pages 0-2 reserved, 3 free (order 0), 4-7 and 8-15
 * free.  Pages 0-1 make a reserved order-1 node; pages 2-3 a split one.
 * Zone 1 is pages 17-31: order 0 is the largest root at page 17 (page
 * 16 lies outside), order 3 at page 24.  Refused calls print nothing.
 */
MM_TEST(buddy_tree, reserved_pages_and_refusals)
{
    static uint8_t meta[2][BUDDY_META_SIZE(TT_PAGES)];
    uint8_t *base = mm_scratch_alloc(2 * TT_PAGES * MM_PAGE);
    uint8_t *z1;
    struct buddy b;

    if (!MM_CHECK(t, base != NULL))
        return;
    z1 = base + (TT_PAGES + 1) * MM_PAGE;
    buddy_init(&b, "t-tree-rsvd");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, TT_PAGES * MM_PAGE, 3 * MM_PAGE,
                                  meta[0]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, z1, (TT_PAGES - 1) * MM_PAGE, 0,
                                  meta[1]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_tree_order(&b, base), 4);
    MM_CHECK_EQ(t, buddy_tree_order(&b, z1), 0);
    MM_CHECK_EQ(t, buddy_tree_order(&b, base + 24 * MM_PAGE), 3);
    MM_CHECK_EQ(t, buddy_tree_order(&b, base + 16 * MM_PAGE), -1);

    want_head(want, sizeof want, 0, base, 4, "orders 4 to 0 drawn");
    want_line(want, sizeof want, "tree: order  4 %s\n",
              "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
              "++++");
    want_line(want, sizeof want, "tree: order  3 %s %s\n",
              "+++++++++++++++++++++++++++++++",
              "...............................");
    want_line(want, sizeof want, "tree: order  2 +++++++++++++++ "
              "...............\n");
    want_line(want, sizeof want, "tree: order  1 mmmmmmm +++++++\n");
    want_line(want, sizeof want, "tree: order  0 mmm mmm mmm ...\n");
    want_pair(want, sizeof want, base, 8, 3, "free", "split");
    want_pair(want, sizeof want, base, 4, 2, "free", "split");
    want_pair(want, sizeof want, base, 3, 0, "free", "reserved");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 2 * MM_PAGE, 4), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    want_head(want, sizeof want, 1, z1, 0, "orders 0 to 0 drawn");
    want_line(want, sizeof want, "tree: order  0 %s\n",
              "..........................................................."
              "....");
    want_line(want, sizeof want, "tree: order 0 block 0x%08lx free: buddy "
              "pfn 0x%lx ^ 0x1 = 0x%lx outside the zone\n",
              (unsigned long)(uintptr_t)z1, pfn_of(z1), pfn_of(z1) ^ 1);
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 16 * MM_PAGE, 0),
                BUDDY_ERR_FOREIGN);
    MM_CHECK_EQ(t, buddy_print_tree(&b, z1, BUDDY_MAX_ORDER + 1),
                BUDDY_ERR_ORDER);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 20 * MM_PAGE, 3),
                BUDDY_ERR_ORDER);       /* page 16 is outside zone 1 */
    MM_CHECK_EQ(t, buddy_print_tree(&b, z1 + 100, 0), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_ORDER), 0);  /* not counted */
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_FOREIGN), 0);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, 2 * TT_PAGES * MM_PAGE);
}

/*
 * An order-10 root: six orders drawn (10 to 5), 2 columns per order-5
 * node.  One page taken splits the block down to order 0: one free
 * block of each order 9..0, of which those of orders 9..5 are listed;
 * a free whole block has no buddy.  32 blocks of order 5 are more than
 * 16: the rest are counted.
 */
MM_TEST(buddy_tree, order_10_root_is_cut_at_order_5)
{
    uint8_t *meta = mm_scratch_alloc(BUDDY_META_SIZE(TT_BIG));
    static void *blk[32];
    uint8_t *base = mm_scratch_alloc(TT_BIG * MM_PAGE);
    struct buddy b;
    unsigned i, k;

    if (!MM_CHECK(t, base != NULL && meta != NULL))
        return;
    buddy_init(&b, "t-tree-big");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, TT_BIG * MM_PAGE, 0, meta),
                BUDDY_OK);
    MM_CHECK_EQ(t, buddy_tree_order(&b, base + 700 * MM_PAGE), 10);

    want_head(want, sizeof want, 0, base, 10,
              "orders 10 to 5 drawn, below order 5 not drawn");
    want_line(want, sizeof want, "tree: order 10 %s\n",
              "..........................................................."
              "....");
    want_line(want, sizeof want, "tree: order 10 block 0x%08lx free: no "
              "buddy, order 10 is the largest\n",
              (unsigned long)(uintptr_t)base);
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 1023 * MM_PAGE, 10),
                BUDDY_OK);
    mm_test_release_prints();
    /* The root is free: the rows below it are blank and left out. */
    MM_CHECK_STR(t, out, want);

    /* An order-4 root inside it is no node at all: the block is named. */
    want_head(want, sizeof want, 0, base + 16 * MM_PAGE, 4,
              "orders 4 to 0 drawn");
    want_line(want, sizeof want, "tree: all inside the free order-10 block"
              " at 0x%08lx\n", (unsigned long)(uintptr_t)base);
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 17 * MM_PAGE, 4), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    /* With the head byte broken no block covers it; then mended. */
    meta[0] = BUDDY_META_TAIL;
    want_head(want, sizeof want, 0, base + 16 * MM_PAGE, 4,
              "orders 4 to 0 drawn");
    want_line(want, sizeof want, "tree: inside no block: the state bytes "
              "are corrupt\n");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 17 * MM_PAGE, 4), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);
    meta[0] = BUDDY_META_FREE | 10;
    MM_CHECK_EQ(t, buddy_check(&b), 0);

    blk[0] = buddy_alloc(&b, 0);
    MM_CHECK_PTR_EQ(t, blk[0], base);
    want_head(want, sizeof want, 0, base, 10,
              "orders 10 to 5 drawn, below order 5 not drawn");
    want_line(want, sizeof want, "tree: order 10 %s\n",
              "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
              "++++");
    want_line(want, sizeof want, "tree: order  9 %s %s\n",
              "+++++++++++++++++++++++++++++++",
              "...............................");
    want_line(want, sizeof want, "tree: order  8 +++++++++++++++ "
              "...............\n");
    want_line(want, sizeof want, "tree: order  7 +++++++ .......\n");
    want_line(want, sizeof want, "tree: order  6 +++ ...\n");
    want_line(want, sizeof want, "tree: order  5 + .\n");
    for (k = 9; k >= 5; k--)
        want_pair(want, sizeof want, base, 1u << k, k, "free", "split");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base, 10), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, buddy_free(&b, blk[0]), BUDDY_OK);

    for (i = 0; i < 32; i++)
        blk[i] = buddy_alloc(&b, 5);
    want_head(want, sizeof want, 0, base, 10,
              "orders 10 to 5 drawn, below order 5 not drawn");
    want_line(want, sizeof want, "tree: order 10 %s\n",
              "+++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
              "++++");
    want_line(want, sizeof want, "tree: order  9 %s %s\n",
              "+++++++++++++++++++++++++++++++",
              "+++++++++++++++++++++++++++++++");
    want_line(want, sizeof want, "tree: order  8 %s\n",
              "+++++++++++++++ +++++++++++++++ +++++++++++++++ "
              "+++++++++++++++");
    want_line(want, sizeof want, "tree: order  7 %s\n",
              "+++++++ +++++++ +++++++ +++++++ +++++++ +++++++ +++++++ "
              "+++++++");
    want_line(want, sizeof want, "tree: order  6 %s\n",
              "+++ +++ +++ +++ +++ +++ +++ +++ +++ +++ +++ +++ +++ +++ "
              "+++ +++");
    want_line(want, sizeof want, "tree: order  5 %s\n",
              "# # # # # # # # # # # # # # # # # # # # # # # # # # # # "
              "# # # #");
    for (i = 0; i < 16; i++)
        want_pair(want, sizeof want, base, i * 32, 5, "allocated",
                  "allocated");
    want_line(want, sizeof want, "tree: 16 more blocks not listed\n");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_print_tree(&b, base + 5, 10), BUDDY_OK);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    for (i = 0; i < 32; i++)
        MM_CHECK_EQ(t, buddy_free(&b, blk[i]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_nfree(&b, 0, 10), 1);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, TT_BIG * MM_PAGE);
    mm_scratch_free(meta, BUDDY_META_SIZE(TT_BIG));
}
