/*
 * mm/kheap_report_test.c - tests of kmalloc's aids: reports, traces,
 * the checker, the ledger's view, and the edges of extents and guards.
 *
 * mm/kheap_test.c tests the heap itself; these tests read what its aids
 * print (captured with mm_test_capture_prints and compared line for
 * line), corrupt one piece of metadata at a time and check the exact
 * complaint of kheap_check, and feed the heap page sources and areas
 * that cannot be used.  Every heap here has poisoning and guard bytes
 * off unless the test turns one on, so the figures are exact.  Each
 * test runs in the kernel and on the host alike.
 */
#include "kheap.h"
#include "ledger.h"
#include "test.h"
#include "testpages.h"

#define AREA_BYTES      (64 * 1024)
#define OUT_BYTES       2048

static char out[OUT_BYTES];         /* captured report text */
static char want[OUT_BYTES];        /* what it must say */

/* A heap over area with poisoning and guard bytes as given. */
static enum kheap_err
heap_init(struct kheap *h, void *area, size_t size, unsigned poison,
          bool guard)
{
    unsigned saved_poison = mm_switch.poison;
    bool saved_guard = mm_switch.guard;
    enum kheap_err err;

    mm_switch.poison = (saved_poison & ~MM_POISON_KMALLOC) | poison;
    mm_switch.guard = guard;
    err = kheap_init(h, "t", area, size, MM_PAGE);
    mm_switch.poison = saved_poison;
    mm_switch.guard = saved_guard;
    return err;
}

static void
heap_init_growing(struct kheap *h, const struct mm_pagesrc *src)
{
    unsigned saved_poison = mm_switch.poison;
    bool saved_guard = mm_switch.guard;

    mm_switch.poison = saved_poison & ~MM_POISON_KMALLOC;
    mm_switch.guard = false;
    kheap_init_growing(h, "t", src);
    mm_switch.poison = saved_poison;
    mm_switch.guard = saved_guard;
}

/* kheap_check's verdict on h, its printed complaints left in out. */
static unsigned
check_captured(struct kheap *h)
{
    unsigned bad;

    mm_test_capture_prints(out, sizeof out);
    bad = kheap_check(h);
    mm_test_release_prints();
    return bad;
}

/* ---- reports -------------------------------------------------------- */

/*
 * Two 64-byte blocks (one freed again) and a two-page run: the
 * statistics in the layout of vmstat -m, exactly.
 */
MM_TEST(kheap, stats_report_lines)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    void *a, *b, *run;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 3);
    mm_test_capture_prints(out, sizeof out);
    kheap_print_stats(&h);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
        "kmalloc:   Size    InUse     Free  Pages   Requests  HighUse\n"
        "kmalloc:     16        0        0      0          0        0\n"
        "kmalloc:     32        0        0      0          0        0\n"
        "kmalloc:     64        1       63      1          2        2\n"
        "kmalloc:    128        0        0      0          0        0\n"
        "kmalloc:    256        0        0      0          0        0\n"
        "kmalloc:    512        0        0      0          0        0\n"
        "kmalloc:   1024        0        0      0          0        0\n"
        "kmalloc:   2048        0        0      0          0        0\n"
        "kmalloc:  large        1        -      2          1        1\n"
        "kmalloc:  total        2       63      3          3        -\n");
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/* One foreign free: the error report counts it and nothing else. */
MM_TEST(kheap, error_report_lines)
{
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, elsewhere), KHEAP_ERR_FOREIGN);
    mm_test_release_panics(t);
    mm_test_capture_prints(out, sizeof out);
    kheap_print_errors(&h);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
        "kmalloc: 1 extents, 0 out of memory\n"
        "kmalloc: error foreign pointer         1\n"
        "kmalloc: error misaligned pointer      0\n"
        "kmalloc: error interior pointer        0\n"
        "kmalloc: error double free             0\n"
        "kmalloc: error size too large          0\n"
        "kmalloc: error size overflow           0\n"
        "kmalloc: error extent key overwritten  0\n"
        "kmalloc: error write after free        0\n"
        "kmalloc: error guard bytes overwritten 0\n"
        "kmalloc: error bad page size           0\n"
        "kmalloc: error bad extent              0\n");
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * The page-table entry of a bucket page (block 0 in use, block 1 freed
 * again: the head of the free list), of a run's first page and of a
 * run's later page; nothing for a pointer in no extent.
 */
MM_TEST(kheap, page_report_lines)
{
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    const struct kheap_extent *e;
    struct kheap h;
    uint8_t *a, *b, *run;
    unsigned long ext;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    e = kheap_extent_at(&h, 0);
    ext = (unsigned long)e->area.first;
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    if (!MM_CHECK(t, a != NULL && b == a + 64 && run != NULL))
        return;
    MM_CHECK_EQ(t, (uintptr_t)a % MM_PAGE, 0);      /* block 0 */
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);

    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, a + 100);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx entry %u of "
                   "extent 0x%08lx: bucket 64, 63 of 64 free, free list "
                   "0x%08lx, map 0xfffffffe 0xffffffff\n",
                   (unsigned long)(uintptr_t)a,
                   (unsigned)(((uintptr_t)a - e->first_page) / MM_PAGE),
                   ext, (unsigned long)(uintptr_t)b);
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, run);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx entry %u of "
                   "extent 0x%08lx: large, order 1\n",
                   (unsigned long)(uintptr_t)run,
                   (unsigned)(((uintptr_t)run - e->first_page) / MM_PAGE),
                   ext);
    MM_CHECK_STR(t, out, want);

    /* The run's second page is no run's first: "unused" like a free one. */
    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, run + MM_PAGE);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx entry %u of "
                   "extent 0x%08lx: unused\n",
                   (unsigned long)(uintptr_t)(run + MM_PAGE),
                   (unsigned)(((uintptr_t)run - e->first_page) / MM_PAGE
                              + 1), ext);
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, elsewhere);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "");

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * With kmalloc traces on, a growing heap's life prints one line per
 * event: the extent taken, the page carved, the block handed out and
 * back, and on trimming the page and the extent given back.
 */
MM_TEST(kheap, trace_lines)
{
    static struct mm_test_pages tp;
    unsigned saved = mm_switch.trace;
    unsigned long ext, page;
    struct kheap h;
    uint8_t *p;

    if (!mm_test_pages_init(t, &tp, 1))
        return;
    heap_init_growing(&h, &tp.src);
    mm_switch.trace = saved | MM_TRACE_KMALLOC;
    mm_test_capture_prints(out, sizeof out);
    p = kheap_alloc(&h, 64);
    mm_test_release_prints();
    if (!MM_CHECK(t, p != NULL && h.next == 1)) {
        mm_switch.trace = saved;
        return;
    }
    ext = (unsigned long)kheap_extent_at(&h, 0)->area.first;
    page = (unsigned long)((uintptr_t)p & ~(uintptr_t)(MM_PAGE - 1));
    mm_test_format(want, sizeof want,
                   "trace: kmalloc grow extent=0x%08lx pages=16\n"
                   "trace: kmalloc refill size=4096 bucket=64 addr=0x%08lx\n"
                   "trace: kmalloc alloc size=64 bucket=64 addr=0x%08lx\n",
                   ext, page, (unsigned long)(uintptr_t)p);
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, kheap_free(&h, p), KHEAP_OK);
    kheap_trim(&h);
    mm_test_release_prints();
    mm_switch.trace = saved;
    mm_test_format(want, sizeof want,
                   "trace: kmalloc free size=64 bucket=64 addr=0x%08lx\n"
                   "trace: kmalloc return size=4096 bucket=64 addr=0x%08lx\n"
                   "trace: kmalloc shrink extent=0x%08lx pages=16\n",
                   (unsigned long)(uintptr_t)p, page, ext);
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, h.next, 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, tp.allocs, tp.frees);
    mm_test_pages_fini(&tp);
}

/* ---- the checker, one corruption at a time --------------------------- */

/*
 * A bucket page's free list, free table and count must agree.  Each
 * corruption below is found on the page; the bucket's totals then
 * differ from what the walk could count, a second complaint.
 */
MM_TEST(kheap, check_finds_bad_bucket_page)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    const struct kheap_extent *e;
    struct kheap_page *pg;
    struct kheap h;
    uint8_t *a, *b;
    void *saved;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL && b != NULL))
        return;
    e = kheap_extent_at(&h, 0);
    pg = &e->page[((uintptr_t)a - e->first_page) / MM_PAGE];

    /* A free-list entry off the blocks' grid. */
    saved = pg->freelist;
    pg->freelist = a + 8;
    MM_CHECK_EQ(t, check_captured(&h), 2);
    mm_test_format(want, sizeof want,
                   "kheap: check: bad free-list entry at 0x%08lx\n"
                   "kheap: check: bucket totals differ from its pages at "
                   "0x00000002\n", (unsigned long)(uintptr_t)(a + 8));
    MM_CHECK_STR(t, out, want);
    /* A free-list entry on an allocated block (its bit clear). */
    pg->freelist = b;
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK(t, mm_test_contains(out, "bad free-list entry"));
    pg->freelist = saved;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    /* A count that disagrees with the list. */
    pg->nfree++;
    MM_CHECK_EQ(t, check_captured(&h), 2);
    mm_test_format(want, sizeof want,
                   "kheap: check: free count, list and bitmap differ at "
                   "0x%08lx\n"
                   "kheap: check: bucket totals differ from its pages at "
                   "0x00000002\n", (unsigned long)(uintptr_t)a);
    MM_CHECK_STR(t, out, want);
    pg->nfree--;
    /* A free bit for an allocated block: list and count agree, the
       bitmap does not. */
    pg->freemap[0] |= 1u << 1;
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK_STR(t, out, want);
    pg->freemap[0] &= ~(1u << 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * A bucket's list must hold exactly its pages with a free block: a
 * page moved to another bucket's list gives two complaints (one list
 * holds a stranger, the other misses its page); a count of pages
 * smaller than the list is a loop to the checker.
 */
MM_TEST(kheap, check_finds_bad_bucket_list)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    const struct kheap_extent *e;
    struct kheap_page *pg;
    struct kheap h;
    uint8_t *a, *c;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);                        /* bucket 2 */
    c = kheap_alloc(&h, 128);                       /* bucket 3 */
    if (!MM_CHECK(t, a != NULL && c != NULL))
        return;
    e = kheap_extent_at(&h, 0);
    pg = &e->page[((uintptr_t)a - e->first_page) / MM_PAGE];

    mm_list_unlink(&pg->link);
    mm_list_push(&h.bucket[3].pages, &pg->link);
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK_STR(t, out,
                 "kheap: check: page with free blocks off its list at "
                 "0x00000002\n"
                 "kheap: check: page on the wrong list at 0x00000003\n");
    mm_list_unlink(&pg->link);
    mm_list_push(&h.bucket[2].pages, &pg->link);
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    h.bucket[2].npages--;
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK_STR(t, out,
                 "kheap: check: bucket totals differ from its pages at "
                 "0x00000002\n"
                 "kheap: check: bucket list loops at 0x00000002\n");
    h.bucket[2].npages++;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, c), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * An extent whose keys are overwritten is reported and not walked; page
 * runs must add up to the heap's run totals.
 */
MM_TEST(kheap, check_finds_bad_keys_and_runs)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap_extent *e;
    struct kheap h;
    uint32_t key;
    void *run;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    e = kheap_extent_at(&h, 0);
    key = e->key1;
    e->key1 = 0;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want, "kheap: check: extent keys at "
                   "0x%08lx\n", (unsigned long)e->area.first);
    MM_CHECK_STR(t, out, want);
    e->key1 = key;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    run = kheap_alloc(&h, 5000);
    MM_CHECK(t, run != NULL);
    h.large_pages++;                                /* 3 counted, 2 held */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out,
                 "kheap: check: page-run totals differ at 0x00000001\n");
    h.large_pages--;
    h.large_inuse++;                                /* 2 runs counted */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out,
                 "kheap: check: page-run totals differ at 0x00000001\n");
    h.large_inuse--;
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/* ---- the ledger's view ---------------------------------------------- */

/*
 * kheap_bucket_page_free answers for bucket pages only, in whichever
 * extent they lie, and not for an extent whose keys are broken.
 */
MM_TEST(kheap, bucket_page_free_answers)
{
    const size_t total = 2 * MM_PAGE + AREA_BYTES;
    uint8_t *area = mm_scratch_alloc(total);
    struct kheap_extent *e;
    struct kheap_page *pg;
    struct kheap h;
    uint8_t *fill, *a, *run;
    unsigned nblocks = 0;
    uint8_t bucket;
    uint32_t key;

    if (!MM_CHECK(t, area != NULL))
        return;
    /* Extent 0: a metadata page and one free page, which a one-page run
       fills; extent 1, right after, then holds the next run and the
       64-byte page. */
    MM_CHECK_EQ(t, heap_init(&h, area, 2 * MM_PAGE, 0, false), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_extend(&h, area + 2 * MM_PAGE, AREA_BYTES),
                KHEAP_OK);
    fill = kheap_alloc(&h, MM_PAGE);
    run = kheap_alloc(&h, 2 * MM_PAGE);
    a = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, fill != NULL && run != NULL && a != NULL))
        return;
    MM_CHECK_PTR_EQ(t, fill, area + MM_PAGE);
    MM_CHECK(t, (uintptr_t)a >= (uintptr_t)area + 2 * MM_PAGE);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a + 200, &nblocks),
                63);
    MM_CHECK_EQ(t, nblocks, 64);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)run, &nblocks),
                -1);                                /* a run */
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)area, &nblocks),
                -1);                                /* a header */
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)area + total,
                                          &nblocks), -1);   /* no extent */
    e = kheap_extent_at(&h, 1);
    pg = &e->page[((uintptr_t)a - e->first_page) / MM_PAGE];
    bucket = pg->bucket;
    pg->bucket = KHEAP_NBUCKETS;                    /* a bad entry */
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a, &nblocks), -1);
    pg->bucket = bucket;
    key = e->key2;
    e->key2 = 0;
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a, &nblocks), -1);
    e->key2 = key;
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a, &nblocks), 63);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, fill), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, total);
}

/*
 * Under the kernel's block (depth 0), kheap_claim claims an extent whose
 * keys hold and what its page table says (a bucket page, a run: two claims); with a key overwritten it
 * claims neither, leaving only the heap buddy's claims.
 */
MM_TEST(kheap, claim_skips_broken_extent)
{
    static struct ledger_claim table[64];
    static struct ledger led;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    uint64_t first = (uintptr_t)area >> MM_PAGE_SHIFT;
    struct kheap_extent *e;
    struct kheap h;
    size_t intact;
    void *a, *run;
    uint32_t key;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    MM_CHECK(t, a != NULL && run != NULL);
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    led.quiet = true;
    ledger_claim(&led, first, AREA_BYTES / MM_PAGE, LEDGER_KERNEL, 0, NULL);
    kheap_claim(&h, &led);
    intact = led.nclaims;
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_LARGE), 2);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_BUCKET), 1);

    e = kheap_extent_at(&h, 0);
    key = e->key1;
    e->key1 = 0;
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    led.quiet = true;
    ledger_claim(&led, first, AREA_BYTES / MM_PAGE, LEDGER_KERNEL, 0, NULL);
    kheap_claim(&h, &led);
    e->key1 = key;
    MM_CHECK_EQ(t, led.nclaims, intact - 3);        /* extent, page, run */
    ledger_settle(&led);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_LARGE), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_BUCKET), 0);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/* ---- extents that cannot be used ------------------------------------ */

/*
 * An area is refused (KHEAP_ERR_EXTENT, one count each) when it is
 * misaligned for the header, empty, or too small to keep a page after
 * its metadata; the heap is unchanged.
 */
MM_TEST(kheap, extend_refuses_unusable_areas)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES + 2 * MM_PAGE);
    struct kheap h;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_extend(&h, area + AREA_BYTES + 1, MM_PAGE),
                KHEAP_ERR_EXTENT);                  /* misaligned */
    MM_CHECK_PANIC(t, "bad extent", area + AREA_BYTES + 1);
    MM_CHECK_EQ(t, kheap_extend(&h, area + AREA_BYTES, 0),
                KHEAP_ERR_EXTENT);                  /* empty */
    MM_CHECK_EQ(t, kheap_extend(&h, area + AREA_BYTES, MM_PAGE),
                KHEAP_ERR_EXTENT);                  /* metadata + 0 */
    /* One whole page, the 64 bytes before it too few for the header. */
    MM_CHECK_EQ(t, kheap_extend(&h, area + AREA_BYTES + MM_PAGE - 64,
                                64 + MM_PAGE), KHEAP_ERR_EXTENT);
    MM_CHECK_PANIC(t, "bad extent", area + AREA_BYTES + MM_PAGE - 64);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 4);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_EXTENT], 4);
    MM_CHECK_EQ(t, h.next, 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES + 2 * MM_PAGE);
}

/* A page source that fails, or hands out areas one byte off. */
struct bad_src {
    uint8_t *area;              /* what it has: one 64 KiB area */
    unsigned shift;             /* bytes added to what it hands out */
    bool empty;                 /* out of memory */
    unsigned long allocs, frees;
    void *freed;                /* last address given back */
};

static void *
bad_src_alloc(void *ctx, unsigned order)
{
    struct bad_src *s = ctx;

    if (s->empty || order != 4)
        return NULL;
    s->allocs++;
    return s->area + s->shift;
}

static void
bad_src_free(void *ctx, void *addr, unsigned order)
{
    struct bad_src *s = ctx;

    (void)order;
    s->frees++;
    s->freed = addr;
}

/*
 * A growing heap whose source has nothing is out of memory, counted as
 * such; one whose source hands out a misaligned area gives it back and
 * is out of memory too, the bad extent counted once.
 */
MM_TEST(kheap, growing_heap_with_bad_source)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct bad_src s = { 0 };
    struct mm_pagesrc src = { bad_src_alloc, bad_src_free, NULL, &s };
    struct kheap h;

    if (!MM_CHECK(t, area != NULL))
        return;
    s.area = area;
    s.empty = true;
    heap_init_growing(&h, &src);
    MM_CHECK(t, kheap_alloc(&h, 64) == NULL);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_EXTENT], 0);
    MM_CHECK_EQ(t, h.next, 0);

    s.empty = false;
    s.shift = 1;
    mm_test_catch_panics(t);
    MM_CHECK(t, kheap_alloc(&h, 64) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 2);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_EXTENT], 1);
    MM_CHECK_EQ(t, s.allocs, 1);
    MM_CHECK_EQ(t, s.frees, 1);
    MM_CHECK_PTR_EQ(t, s.freed, area + 1);
    MM_CHECK_EQ(t, h.next, 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_destroy(&h, NULL, NULL);
    MM_CHECK_EQ(t, s.frees, 1);                     /* it held nothing */
    mm_scratch_free(area, AREA_BYTES);
}

/* ---- guard bytes and realloc at their edges ------------------------- */

/*
 * krealloc to a size no block can have fails with KHEAP_ERR_SIZE (one
 * count) and leaves the block where and as it was; so does a size that
 * overflows once the guard bytes are added.
 */
MM_TEST(kheap, realloc_refuses_huge_size)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h, g;
    uint8_t *a;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES / 2, 0, false),
                KHEAP_OK);
    MM_CHECK_EQ(t, heap_init(&g, area + AREA_BYTES / 2, AREA_BYTES / 2, 0,
                             true), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL))
        return;
    mm_memset(a, 0x77, 64);
    mm_test_catch_panics(t);
    MM_CHECK(t, kheap_realloc(&h, a, (size_t)-1 / 2) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_SIZE], 1);
    MM_CHECK_EQ(t, kheap_size(&h, a), 64);
    MM_CHECK_EQ(t, a[63], 0x77);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);

    a = kheap_alloc(&g, 64);
    if (!MM_CHECK(t, a != NULL))
        return;
    mm_test_catch_panics(t);
    MM_CHECK(t, kheap_realloc(&g, a, (size_t)-1 - 2) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, g.nerr[KHEAP_ERR_SIZE], 1);
    MM_CHECK_EQ(t, kheap_size(&g, a), 64);
    MM_CHECK_EQ(t, kheap_free(&g, a), KHEAP_OK);
    kheap_trim(&h);
    kheap_trim(&g);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&g), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/* ---- edges the tests above do not reach ----------------------------- */

/*
 * A free list that loops back on itself ends the walk after a page's
 * worth of blocks, a count mismatch; one pointing below its page is a
 * bad entry.
 */
MM_TEST(kheap, check_finds_free_list_loop)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    const struct kheap_extent *e;
    struct kheap_page *pg;
    struct kheap h;
    uint8_t *a, *head;
    void *link;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL))
        return;
    e = kheap_extent_at(&h, 0);
    pg = &e->page[((uintptr_t)a - e->first_page) / MM_PAGE];
    head = pg->freelist;
    link = *(void **)head;
    *(void **)head = head;                          /* head -> head */
    MM_CHECK_EQ(t, check_captured(&h), 2);
    mm_test_format(want, sizeof want,
                   "kheap: check: free count, list and bitmap differ at "
                   "0x%08lx\n"
                   "kheap: check: bucket totals differ from its pages at "
                   "0x00000002\n", (unsigned long)(uintptr_t)a);
    MM_CHECK_STR(t, out, want);
    *(void **)head = link;
    pg->freelist = a - 64;                          /* the page before */
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK(t, mm_test_contains(out, "bad free-list entry"));
    pg->freelist = head;
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * An extent whose area starts 8 bytes into a page: its header fills
 * the partial page, its page table starts at the next page and ends
 * before the partial page at its end.  Pointers into either partial
 * page have no entry: no report, no bucket page, a foreign free.
 */
MM_TEST(kheap, partial_pages_have_no_entry)
{
    uint8_t *area = mm_scratch_alloc(4 * MM_PAGE);
    const struct kheap_extent *e;
    struct kheap h;
    unsigned nblocks = 0;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area + 8, 2 * MM_PAGE, 0, false),
                KHEAP_OK);
    e = kheap_extent_at(&h, 0);
    MM_CHECK_EQ(t, e->first_page, (uintptr_t)(area + MM_PAGE));
    MM_CHECK_EQ(t, e->npages, 1);
    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, area + 16);                /* before page 0 */
    kheap_print_page(&h, area + 2 * MM_PAGE);       /* after the last */
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "");
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)area + 16,
                                          &nblocks), -1);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)area + 2 * MM_PAGE,
                                          &nblocks), -1);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, area + 2 * MM_PAGE), KHEAP_ERR_FOREIGN);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_FOREIGN], 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, 4 * MM_PAGE);
}

/*
 * The ledger's view skips page-table entries that name no bucket or an
 * order beyond any run (one claim fewer each), and an extent that names
 * another heap as its owner (its three claims).
 */
MM_TEST(kheap, claim_skips_bad_entries)
{
    static struct ledger_claim table[64];
    static struct ledger led;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    uint64_t first = (uintptr_t)area >> MM_PAGE_SHIFT;
    struct kheap_page *pa, *pr;
    struct kheap_extent *e;
    struct kheap h, other;
    size_t intact;
    uint8_t *a, *run;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    if (!MM_CHECK(t, a != NULL && run != NULL))
        return;
    e = kheap_extent_at(&h, 0);
    pa = &e->page[((uintptr_t)a - e->first_page) / MM_PAGE];
    pr = &e->page[((uintptr_t)run - e->first_page) / MM_PAGE];
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    kheap_claim(&h, &led);
    intact = led.nclaims;

    pa->bucket = KHEAP_NBUCKETS;
    pr->bucket = BUDDY_MAX_ORDER + 1;
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    kheap_claim(&h, &led);
    MM_CHECK_EQ(t, led.nclaims, intact - 2);
    pa->bucket = 2;
    pr->bucket = 1;

    e->heap = &other;
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    kheap_claim(&h, &led);
    MM_CHECK_EQ(t, led.nclaims, intact - 3);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_ERR_KEY);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_KEY], 1);
    e->heap = &h;

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * Trimming drops a bucket's empty spare page but not a partly used one
 * listed before it; a pointer inside a free page is an interior one.
 */
MM_TEST(kheap, trim_keeps_partly_used_pages)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint8_t *b[3], *spare;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    b[0] = kheap_alloc(&h, 2048);                   /* page A */
    b[1] = kheap_alloc(&h, 2048);                   /* page A, full */
    b[2] = kheap_alloc(&h, 2048);                   /* page B */
    if (!MM_CHECK(t, b[0] != NULL && b[1] != NULL && b[2] != NULL))
        return;
    spare = (uint8_t *)((uintptr_t)b[2] & ~(uintptr_t)(MM_PAGE - 1));
    MM_CHECK_EQ(t, kheap_free(&h, b[2]), KHEAP_OK); /* B: the spare */
    MM_CHECK_EQ(t, kheap_free(&h, b[0]), KHEAP_OK); /* A: listed first */
    MM_CHECK_EQ(t, h.bucket[7].npages, 2);
    kheap_trim(&h);
    MM_CHECK_EQ(t, h.bucket[7].npages, 1);
    MM_CHECK_EQ(t, h.bucket[7].nfree, 1);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, spare + 16), KHEAP_ERR_INTERIOR);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_INTERIOR], 1);
    MM_CHECK_EQ(t, kheap_free(&h, b[1]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * krealloc that needs a new block when there is none returns NULL,
 * counts out of memory and leaves the old block as it was; kcalloc of
 * zero-sized elements is kmalloc(0): NULL, nothing counted.
 */
MM_TEST(kheap, realloc_out_of_memory_keeps_block)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    uint8_t *a;
    unsigned e;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL))
        return;
    mm_memset(a, 0x42, 64);
    MM_CHECK(t, kheap_realloc(&h, a, 32 * MM_PAGE) == NULL);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    MM_CHECK_EQ(t, kheap_size(&h, a), 64);
    MM_CHECK_EQ(t, a[0], 0x42);
    MM_CHECK_EQ(t, a[63], 0x42);
    MM_CHECK(t, kheap_calloc(&h, 5, 0) == NULL);
    for (e = KHEAP_NOMEM + 1; e < KHEAP_ERR_COUNT; e++)
        MM_CHECK_EQ(t, h.nerr[e], 0);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 1);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}
