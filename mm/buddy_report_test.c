/*
 * mm/buddy_report_test.c - tests of the buddy's aids: its reports
 * (buddyinfo, the pictures, the counters), its checker, its trace
 * lines, its queries and its view for the page ledger.
 *
 * Each test builds its own allocator over scratch memory, captures what
 * a report prints (mm_test_capture_prints) and compares it with the
 * exact text expected.  The checker tests break one piece of the
 * allocator's books at a time, compare the checker's complaints line by
 * line, then mend it and expect a clean check.
 */
#include "buddy.h"
#include "ledger.h"
#include "test.h"

#define RT_PAGES        16      /* pages of the small arena */
#define RT_OUT          2048    /* bytes of captured report */

/* Appends s to the NUL-terminated text in buf (cut to size - 1). */
static void
text_add(char *buf, size_t size, const char *s)
{
    size_t n = 0;

    while (buf[n] != '\0')
        n++;
    while (*s != '\0' && n + 1 < size)
        buf[n++] = *s++;
    buf[n] = '\0';
}

/* The byte address of page frame pfn, as the reports print it. */
static unsigned long
page_addr(uintptr_t pfn)
{
    return (unsigned long)(pfn << MM_PAGE_SHIFT);
}

/* A buddy over RT_PAGES pages of scratch memory, its states in meta. */
static uint8_t *
small_arena(struct mm_t *t, struct buddy *b, const char *name,
            uint8_t *meta)
{
    uint8_t *base = mm_scratch_alloc(RT_PAGES * MM_PAGE);

    buddy_init(b, name);
    if (!MM_CHECK(t, base != NULL))
        return NULL;
    if (!MM_CHECK_EQ(t, buddy_add_zone(b, base, RT_PAGES * MM_PAGE, 0,
                                       meta), BUDDY_OK)) {
        mm_scratch_free(base, RT_PAGES * MM_PAGE);
        return NULL;
    }
    return base;
}

/*
 * The counters and buddyinfo after a known history: two allocations,
 * one free, one bad size, one out of memory.  16 pages, page 0 held:
 * free blocks 1 (o0), 2-3 (o1), 4-7 (o2), 8-15 (o3).
 */
MM_TEST(buddy_report, counters_and_buddyinfo)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    static char out[RT_OUT];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-report", meta);
    void *p, *q;

    if (base == NULL)
        return;
    p = buddy_alloc_bytes(&b, 1);           /* one byte takes a page */
    q = buddy_alloc_bytes(&b, MM_PAGE + 1); /* and one more, two */
    MM_CHECK_PTR_EQ(t, p, base);
    MM_CHECK_PTR_EQ(t, q, base + 2 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_size(&b, q), 2 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(&b, q), BUDDY_OK);
    mm_test_catch_panics(t);
    MM_CHECK_PTR_EQ(t, buddy_alloc_bytes(&b, 0), NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_SIZE), 1);
    MM_CHECK_PTR_EQ(t, buddy_alloc(&b, 4), NULL);   /* 15 pages free */
    MM_CHECK_EQ(t, buddy_nomem(&b), 1);

    mm_test_capture_prints(out, sizeof out);
    buddy_print_errors(&b);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
                 "buddy: 2 allocations, 1 frees, 1 out of memory\n"
                 "buddy: error foreign address    0\n"
                 "buddy: error misaligned address 0\n"
                 "buddy: error interior address   0\n"
                 "buddy: error double free        0\n"
                 "buddy: error not allocated      0\n"
                 "buddy: error order too large    0\n"
                 "buddy: error bad size           1\n"
                 "buddy: error bad zone           0\n"
                 "buddy: error poison overwritten 0\n");

    mm_test_capture_prints(out, sizeof out);
    buddy_print_buddyinfo(&b);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "Node 0, zone        0      1      1      1      1"
                 "      0      0      0      0      0      0      0\n");

    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/*
 * The queries answer for any zone number, order and address, also
 * those out of range, without counting an error.
 */
MM_TEST(buddy_report, queries_out_of_range)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-query", meta);
    unsigned long errors_before = 0;
    unsigned e;
    void *p;

    if (base == NULL)
        return;
    /* a state byte, an owner byte and a link per page, and one spare */
    MM_CHECK_EQ(t, buddy_meta_bytes(RT_PAGES * MM_PAGE),
                BUDDY_META_SIZE(RT_PAGES + 1));
    MM_CHECK_EQ(t, buddy_meta_bytes(100), BUDDY_META_SIZE(1));
    MM_CHECK_PTR_EQ(t, buddy_zone_at(&b, 0), &b.zone[0]);
    MM_CHECK_PTR_EQ(t, buddy_zone_at(&b, 1), NULL);
    MM_CHECK_EQ(t, buddy_zone_free_pages(&b, 0), RT_PAGES);
    MM_CHECK_EQ(t, buddy_zone_free_pages(&b, 1), 0);
    MM_CHECK_EQ(t, buddy_nfree(&b, 0, 4), 1);
    MM_CHECK_EQ(t, buddy_nfree(&b, 1, 4), 0);
    MM_CHECK_EQ(t, buddy_nfree(&b, 0, BUDDY_MAX_ORDER + 1), 0);

    p = buddy_alloc(&b, 1);                 /* pages 0-1 */
    MM_CHECK_PTR_EQ(t, p, base);
    MM_CHECK_EQ(t, buddy_state(&b, base), BUDDY_STATE_ALLOC);
    MM_CHECK_EQ(t, buddy_state(&b, base + MM_PAGE), BUDDY_STATE_INSIDE);
    MM_CHECK_EQ(t, buddy_state(&b, base + 2 * MM_PAGE), BUDDY_STATE_FREE);
    MM_CHECK_EQ(t, buddy_state(&b, base + 8 * MM_PAGE + 8 * MM_PAGE / 2),
                BUDDY_STATE_INSIDE);
    MM_CHECK_EQ(t, buddy_state(&b, base + 1), BUDDY_STATE_NONE);
    MM_CHECK_EQ(t, buddy_state(&b, base + RT_PAGES * MM_PAGE),
                BUDDY_STATE_NONE);
    for (e = 0; e < BUDDY_ERR_COUNT; e++)
        errors_before += buddy_errors(&b, (enum buddy_err)e);
    MM_CHECK_EQ(t, errors_before, 0);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/*
 * A used prefix so large that its end wraps past the top of the address
 * space is refused like any zone too small, and counted once.
 */
MM_TEST(buddy_report, used_prefix_that_wraps_is_refused)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-wrap", meta);

    if (base == NULL)
        return;
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + RT_PAGES * MM_PAGE,
                                  (size_t)0 - 1, (size_t)0 - MM_PAGE, meta),
                BUDDY_ERR_ZONE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_ZONE), 1);
    MM_CHECK_EQ(t, buddy_nzones(&b), 1);
    MM_CHECK_EQ(t, buddy_managed_pages(&b), RT_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/* The sum of every error counter, out of memory excluded. */
static unsigned long
all_errors(const struct buddy *b)
{
    unsigned long n = 0;
    unsigned e;

    for (e = BUDDY_NOMEM + 1; e < BUDDY_ERR_COUNT; e++)
        n += buddy_errors(b, (enum buddy_err)e);
    return n;
}

/* Runs call and expects error err, and no other, to move by exactly one. */
#define REFUSED(t, b, err, call)                                        \
    do {                                                                \
        unsigned long was_ = all_errors(b), one_ = buddy_errors(b, err); \
        mm_test_catch_panics(t);                                        \
        call;                                                           \
        mm_test_release_panics(t);                                      \
        MM_CHECK_EQ(t, buddy_errors(b, err), one_ + 1);                 \
        MM_CHECK_EQ(t, all_errors(b), was_ + 1);                        \
    } while (0)

/*
 * Zone calls and page-source frees that make no sense are refused, each
 * counted once, and leave the allocator as it was.
 */
MM_TEST(buddy_report, zone_calls_refused)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    struct buddy b;
    struct mm_pagesrc src;
    uint8_t *base = small_arena(t, &b, "t-refuse", meta);

    if (base == NULL)
        return;
    /* a used prefix longer than the zone */
    REFUSED(t, &b, BUDDY_ERR_ZONE,
            MM_CHECK_EQ(t, buddy_add_zone(&b, base + RT_PAGES * MM_PAGE,
                                          2 * MM_PAGE, 3 * MM_PAGE, meta),
                        BUDDY_ERR_ZONE));
    /* less than a whole page, states to be kept inside */
    REFUSED(t, &b, BUDDY_ERR_ZONE,
            MM_CHECK_EQ(t, buddy_add_zone(&b, base + RT_PAGES * MM_PAGE + 8,
                                          100, 0, NULL), BUDDY_ERR_ZONE));
    /* a page inside a zone is not where a zone starts */
    REFUSED(t, &b, BUDDY_ERR_FOREIGN,
            MM_CHECK_EQ(t, buddy_remove_zone(&b, base + MM_PAGE),
                        BUDDY_ERR_FOREIGN));
    /* the page source gives back a block that is already free */
    buddy_pagesrc(&b, &src);
    REFUSED(t, &b, BUDDY_ERR_DOUBLE_FREE, src.free(src.ctx, base, 4));
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_COUNT), 0);  /* no such */
    MM_CHECK_EQ(t, buddy_nzones(&b), 1);
    MM_CHECK_EQ(t, buddy_free_pages(&b), RT_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/*
 * Every event of a zone's life traced, in order: a 2-page zone covered
 * by one order-1 block, split for a page, merged when it comes back.
 */
MM_TEST(buddy_report, trace_lines)
{
    static uint8_t meta[BUDDY_META_SIZE(2)];
    static char out[RT_OUT];
    char want[RT_OUT], line[128];
    unsigned saved = mm_switch.trace;
    uint8_t *base = mm_scratch_alloc(2 * MM_PAGE);
    unsigned long a;
    struct buddy b;
    void *p;

    if (!MM_CHECK(t, base != NULL))
        return;
    a = (unsigned long)(uintptr_t)base;
    buddy_init(&b, "t-trace");
    mm_switch.trace |= MM_TRACE_BUDDY;
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, 2 * MM_PAGE, 0, meta),
                BUDDY_OK);
    p = buddy_alloc(&b, 0);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_remove_zone(&b, base), BUDDY_OK);
    mm_test_release_prints();
    mm_switch.trace = saved;
    MM_CHECK_PTR_EQ(t, p, base);

    want[0] = '\0';
    mm_test_format(line, sizeof line, "trace: buddy zone-add zone=0 "
                   "addr=0x%08lx pages=2 allocator=t-trace\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy cover zone=0 "
                   "addr=0x%08lx order=1\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy split zone=0 "
                   "addr=0x%08lx order=1\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy alloc zone=0 "
                   "addr=0x%08lx order=0\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy free zone=0 "
                   "addr=0x%08lx order=0\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy merge zone=0 "
                   "addr=0x%08lx order=1\n", a);
    text_add(want, sizeof want, line);
    mm_test_format(line, sizeof line, "trace: buddy zone-remove zone=0 "
                   "addr=0x%08lx pages=2 allocator=t-trace\n", a);
    text_add(want, sizeof want, line);
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, buddy_nzones(&b), 0);
    mm_scratch_free(base, 2 * MM_PAGE);
}

/*
 * The picture of a 512-page zone at 2 pages per character, 4 lines of
 * 64.  The first page and the zone's metadata (5,217 bytes: 3 pages in
 * all) are kept back; pages 4-7 are allocated:
 *   pages 0-1 'm' (kept back), 2-3 '+' (kept back and free),
 *   4-5 '#', 6-7 '#', every later pair '.'.
 * The one-zone picture draws the same through buddy_state() alone.
 */
#define PIC_PAGES   512

MM_TEST(buddy_report, picture_of_a_zone)
{
    static char out[RT_OUT], one[RT_OUT];
    char want[RT_OUT], line[128];
    uint8_t *base = mm_scratch_alloc(PIC_PAGES * MM_PAGE);
    struct buddy b;
    unsigned i, j;
    void *p;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(&b, "t-picture");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, PIC_PAGES * MM_PAGE,
                                  MM_PAGE, NULL), BUDDY_OK);
    MM_CHECK_EQ(t, b.zone[0].nreserved, 3);
    p = buddy_alloc(&b, 2);
    MM_CHECK_PTR_EQ(t, p, base + 4 * MM_PAGE);

    mm_test_format(want, sizeof want, "buddy: zone 0 [mem 0x%08lx-0x%08lx]"
                   " 512 pages, 2 per char\n",
                   (unsigned long)(uintptr_t)base,
                   (unsigned long)(uintptr_t)(base + PIC_PAGES * MM_PAGE)
                   - 1);
    for (i = 0; i < 4; i++) {
        text_add(want, sizeof want, "buddy: |");
        for (j = 0; j < 64; j++) {
            line[j] = '.';
            if (i == 0 && j < 4)
                line[j] = "m+##"[j];
        }
        line[64] = '\0';
        text_add(want, sizeof want, line);
        text_add(want, sizeof want, "|\n");
    }
    mm_test_capture_prints(out, sizeof out);
    buddy_print_picture(&b);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(one, sizeof one);
    buddy_print_zone_picture(&b, 0);
    buddy_print_zone_picture(&b, 1);        /* no such zone: nothing */
    mm_test_release_prints();
    MM_CHECK_STR(t, one, want);

    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, PIC_PAGES * MM_PAGE);
}

/*
 * Zones are numbered by address, whatever order they were added in:
 * zone B (pages 16-31) is added before zone A (pages 0-15), and
 * "zone 0" is A in both pictures.
 */
MM_TEST(buddy_report, pictures_number_zones_by_address)
{
    static uint8_t meta[2][BUDDY_META_SIZE(RT_PAGES)];
    static char out[RT_OUT], one[RT_OUT];
    char want[RT_OUT], line[128];
    uint8_t *base = mm_scratch_alloc(2 * RT_PAGES * MM_PAGE);
    struct buddy b;
    unsigned z;

    if (!MM_CHECK(t, base != NULL))
        return;
    buddy_init(&b, "t-zones");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + RT_PAGES * MM_PAGE,
                                  RT_PAGES * MM_PAGE, 0, meta[1]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, RT_PAGES * MM_PAGE, 0, meta[0]),
                BUDDY_OK);
    want[0] = '\0';
    for (z = 0; z < 2; z++) {
        uint8_t *zb = base + z * RT_PAGES * MM_PAGE;

        mm_test_format(line, sizeof line, "buddy: zone %u [mem 0x%08lx-"
                       "0x%08lx] 16 pages, 1 per char\n", z,
                       (unsigned long)(uintptr_t)zb,
                       (unsigned long)(uintptr_t)(zb + RT_PAGES * MM_PAGE)
                       - 1);
        text_add(want, sizeof want, line);
        text_add(want, sizeof want, "buddy: |................|\n");
    }
    mm_test_capture_prints(out, sizeof out);
    buddy_print_picture(&b);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(one, sizeof one);
    buddy_print_zone_picture(&b, 0);
    buddy_print_zone_picture(&b, 1);
    mm_test_release_prints();
    MM_CHECK_STR(t, one, want);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, 2 * RT_PAGES * MM_PAGE);
}

/* ---- the checker, one broken piece at a time ------------------------- */

/* Adds the checker's complaint WHAT at page pfn of the zone from first. */
static void
want_violation(char *want, size_t size, const char *what, uintptr_t pfn,
               uintptr_t first)
{
    char line[160];

    mm_test_format(line, sizeof line, "buddy: check: %s at 0x%08lx (zone "
                   "first pfn 0x%lx)\n", what, page_addr(pfn),
                   (unsigned long)first);
    text_add(want, size, line);
}

/* buddy_check finds exactly n violations and prints exactly want. */
static void
check_says(struct mm_t *t, struct buddy *b, unsigned n, const char *want,
           int line)
{
    static char out[RT_OUT];
    unsigned got;

    mm_test_capture_prints(out, sizeof out);
    got = buddy_check(b);
    mm_test_release_prints();
    mm_check_eq(t, got, n, true, __FILE__, line, "violations found");
    mm_check_str(t, out, want, __FILE__, line, "checker's report");
}

#define CHECK_SAYS(t, b, n, want) check_says((t), (b), (n), (want), __LINE__)

/*
 * 16 pages, page 0 held: page 0 (alloc o0), free 1 (o0), 2-3 (o1),
 * 4-7 (o2), 8-15 (o3).  Page numbers are relative to the arena, whose
 * first pfn f is a multiple of 16.
 */
MM_TEST(buddy_report, check_finds_bad_blocks)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    char want[RT_OUT];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-check", meta);
    uintptr_t f;
    void *p;

    if (base == NULL)
        return;
    f = (uintptr_t)base >> MM_PAGE_SHIFT;
    p = buddy_alloc(&b, 0);
    CHECK_SAYS(t, &b, 0, "");

    /* Page 1 claims to head an allocated order-1 block: misaligned, its
     * second page heads a block, the walk lands on a tail and stops, and
     * the free pages it counted fall short. */
    meta[1] = BUDDY_META_ALLOC | 1;
    want[0] = '\0';
    want_violation(want, sizeof want, "block not naturally aligned", f + 1,
                   f);
    want_violation(want, sizeof want, "page inside a block is not a tail",
                   f + 2, f);
    want_violation(want, sizeof want, "tail page where a block should "
                   "start", f + 3, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 4, want);
    meta[1] = BUDDY_META_FREE | 0;

    /* The order-3 block at 8 says order 4: misaligned and past the end;
     * its list and counts no longer agree with the pages. */
    meta[8] = BUDDY_META_FREE | 4;
    want[0] = '\0';
    want_violation(want, sizeof want, "block not naturally aligned", f + 8,
                   f);
    want_violation(want, sizeof want, "block runs past the zone", f + 8, f);
    want_violation(want, sizeof want, "per-order count differs from the "
                   "pages", f, f);
    want_violation(want, sizeof want, "bad free-list entry", f + 8, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 5, want);
    meta[8] = BUDDY_META_FREE | 3;

    /* Page 0 says free (and is on no list): two free buddies, 0 and 1. */
    meta[0] = BUDDY_META_FREE | 0;
    want[0] = '\0';
    want_violation(want, sizeof want, "free buddies left unmerged", f, f);
    want_violation(want, sizeof want, "free buddies left unmerged", f + 1,
                   f);
    want_violation(want, sizeof want, "per-order count differs from the "
                   "pages", f, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 4, want);
    meta[0] = BUDDY_META_ALLOC | 0;

    CHECK_SAYS(t, &b, 0, "");
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free_pages(&b), RT_PAGES);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/* The same arena; now the counts, the mask, the sizes and the table. */
MM_TEST(buddy_report, check_finds_bad_counts)
{
    static uint8_t meta[2][BUDDY_META_SIZE(RT_PAGES)];
    char want[RT_OUT];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-count", meta[0]);
    struct buddy_zone *z = &b.zone[0];
    struct mm_range *r;
    uintptr_t f;
    void *p;

    if (base == NULL)
        return;
    f = (uintptr_t)base >> MM_PAGE_SHIFT;
    p = buddy_alloc(&b, 0);

    /* List 0 holds page 1, but its count says 0 (and the free pages,
     * summed from the counts, fall one short of the walk's). */
    z->nfree[0] = 0;
    want[0] = '\0';
    want_violation(want, sizeof want, "per-order count differs from the "
                   "pages", f, f);
    want_violation(want, sizeof want, "free list longer than its count",
                   f + 1, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 3, want);
    z->nfree[0] = 1;

    /* Page 1's link leads to list 3's head instead of back to list 0's. */
    z->link[1].next = (uint32_t)(z->head0 + 3);
    want[0] = '\0';
    want_violation(want, sizeof want, "bad free-list entry", f + 1, f);
    CHECK_SAYS(t, &b, 1, want);
    z->link[1].next = (uint32_t)z->head0;

    /* The mask says list 5 has blocks; it is empty. */
    z->free_mask ^= 1u << 5;
    want[0] = '\0';
    want_violation(want, sizeof want, "free count or mask wrong", f, f);
    CHECK_SAYS(t, &b, 1, want);
    z->free_mask ^= 1u << 5;

    /* One reserved page too many: the page totals differ too. */
    z->nreserved++;
    want[0] = '\0';
    want_violation(want, sizeof want, "reserved page count wrong", f, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 2, want);
    z->nreserved--;

    /* A size that does not match the zone's range. */
    z->npages++;
    want[0] = '\0';
    want_violation(want, sizeof want, "zone range and size differ", f, f);
    want_violation(want, sizeof want, "page totals differ from counts", 0,
                   f);
    CHECK_SAYS(t, &b, 2, want);
    z->npages--;

    CHECK_SAYS(t, &b, 0, "");
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);

    /* Two zones whose table is out of order. */
    base = mm_scratch_alloc(2 * RT_PAGES * MM_PAGE);
    if (!MM_CHECK(t, base != NULL))
        return;
    f = (uintptr_t)base >> MM_PAGE_SHIFT;
    buddy_init(&b, "t-table");
    MM_CHECK_EQ(t, buddy_add_zone(&b, base, RT_PAGES * MM_PAGE, 0, meta[0]),
                BUDDY_OK);
    MM_CHECK_EQ(t, buddy_add_zone(&b, base + RT_PAGES * MM_PAGE,
                                  RT_PAGES * MM_PAGE, 0, meta[1]), BUDDY_OK);
    r = b.by_addr[0];
    b.by_addr[0] = b.by_addr[1];
    b.by_addr[1] = r;
    want[0] = '\0';
    want_violation(want, sizeof want, "zones overlap or unsorted", 0,
                   b.zone[0].pfns.first);
    CHECK_SAYS(t, &b, 1, want);
    b.by_addr[1] = b.by_addr[0];
    b.by_addr[0] = r;
    CHECK_SAYS(t, &b, 0, "");
    MM_CHECK_EQ(t, b.zone[0].pfns.first, f);
    mm_scratch_free(base, 2 * RT_PAGES * MM_PAGE);
}

/* ---- the ledger's view ---------------------------------------------- */

static struct ledger_claim rt_claims[32];
static struct ledger rt_led;

/* Claims what b's books say over its 16 pages from f; settles. */
static unsigned
claim_arena(struct buddy *b, uintptr_t f)
{
    ledger_init(&rt_led, f, f + RT_PAGES, rt_claims,
                sizeof rt_claims / sizeof rt_claims[0]);
    rt_led.quiet = true;
    buddy_claim(b, &rt_led, LEDGER_BUDDY_META, LEDGER_FREE, LEDGER_KERNEL);
    return ledger_settle(&rt_led);
}

/*
 * A state byte that heads no block, or heads one that cannot be there,
 * owns nothing: its pages are reported as having no owner.
 * Page 0 (o0) and pages 2-3 (o1) are held.
 */
MM_TEST(buddy_report, ledger_view_skips_bad_heads)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    char want[192];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-owner", meta);
    uintptr_t f;
    void *p, *q;

    if (base == NULL)
        return;
    f = (uintptr_t)base >> MM_PAGE_SHIFT;
    p = buddy_alloc(&b, 0);
    q = buddy_alloc(&b, 1);
    MM_CHECK_PTR_EQ(t, q, base + 2 * MM_PAGE);
    MM_CHECK_EQ(t, claim_arena(&b, f), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_KERNEL), 3);
    MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_FREE), RT_PAGES - 3);

    /* Page 0's state byte says "tail": a head is missing. */
    meta[0] = BUDDY_META_TAIL;
    MM_CHECK_EQ(t, claim_arena(&b, f), 1);
    mm_test_format(want, sizeof want, "ledger: page 0x%08lx has no owner "
                   "(1 pages from there)", page_addr(f));
    MM_CHECK_STR(t, rt_led.first_problem, want);
    MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_KERNEL), 2);
    meta[0] = BUDDY_META_ALLOC | 0;

    /* Page 2 says order 5: misaligned and past the zone's end. */
    meta[2] = BUDDY_META_ALLOC | 5;
    MM_CHECK_EQ(t, claim_arena(&b, f), 1);
    mm_test_format(want, sizeof want, "ledger: page 0x%08lx has no owner "
                   "(2 pages from there)", page_addr(f + 2));
    MM_CHECK_STR(t, rt_led.first_problem, want);
    MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_KERNEL), 1);
    meta[2] = BUDDY_META_ALLOC | 1;

    MM_CHECK_EQ(t, claim_arena(&b, f), 0);
    MM_CHECK_EQ(t, buddy_free(&b, q), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}

/* Points list k's first link at index i, claims, puts the link back. */
static unsigned
claim_with_link(struct buddy *b, uintptr_t f, unsigned k, uint32_t i)
{
    struct buddy_link *head = &b->zone[0].link[b->zone[0].head0 + k];
    uint32_t saved = head->next;
    unsigned n;

    head->next = i;
    n = claim_arena(b, f);
    head->next = saved;
    return n;
}

/*
 * A free-list link that leads past the links, to a list head instead
 * of a page, out of the zone, or to a page where no block of the
 * list's order can start is not followed: the listed block is left
 * with no owner.  A count longer than the list stops at the list's
 * end.  Page 0 (o0) and pages 2-3 (o1) are held; free are 1 (o0), 4-7
 * (o2), 8-15 (o3).
 */
MM_TEST(buddy_report, ledger_view_stops_at_bad_links)
{
    static uint8_t meta[BUDDY_META_SIZE(RT_PAGES)];
    char want[192];
    struct buddy b;
    uint8_t *base = small_arena(t, &b, "t-links", meta);
    uintptr_t f, a;
    uint32_t bad[4];
    unsigned i;
    void *p, *q;

    if (base == NULL)
        return;
    a = (uintptr_t)base;
    f = a >> MM_PAGE_SHIFT;
    p = buddy_alloc(&b, 0);
    q = buddy_alloc(&b, 1);
    MM_CHECK_EQ(t, buddy_nfree(&b, 0, 2), 1);
    bad[0] = RT_PAGES + BUDDY_NORDERS;      /* past the links */
    bad[1] = RT_PAGES + 1;                  /* list 1's head, no page */
    bad[2] = UINT32_MAX;                    /* far out of the zone */
    bad[3] = 6;                             /* no order-2 block there */
    mm_test_format(want, sizeof want, "ledger: page 0x%08lx has no owner "
                   "(4 pages from there)", page_addr(f + 4));
    for (i = 0; i < 4; i++) {
        MM_CHECK_EQ(t, claim_with_link(&b, f, 2, bad[i]), 1);
        MM_CHECK_STR(t, rt_led.first_problem, want);
        MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_FREE),
                    RT_PAGES - 3 - 4);
    }
    b.zone[0].nfree[0]++;                   /* says 2, lists 1 */
    MM_CHECK_EQ(t, claim_arena(&b, f), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&rt_led, LEDGER_FREE), RT_PAGES - 3);
    b.zone[0].nfree[0]--;
    MM_CHECK_EQ(t, buddy_free(&b, q), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free(&b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RT_PAGES * MM_PAGE);
}
