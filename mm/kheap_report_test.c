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
 * statistics in the layout of vmstat -m, exactly (the blocks per slab
 * depend on the size of a slab header: 62 or 63 for 64 bytes).
 */
MM_TEST(kheap, stats_report_lines)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap h;
    void *a, *b, *run;
    unsigned n;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    n = h.bucket[2].geom.nobjs;
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 3);
    mm_test_capture_prints(out, sizeof out);
    kheap_print_stats(&h);
    mm_test_release_prints();
    mm_test_format(want, sizeof want,
        "kmalloc:   Size    InUse     Free  Pages   Requests  HighUse\n"
        "kmalloc:     16        0        0      0          0        0\n"
        "kmalloc:     32        0        0      0          0        0\n"
        "kmalloc:     64        1 %8u      1          2        2\n"
        "kmalloc:    128        0        0      0          0        0\n"
        "kmalloc:    256        0        0      0          0        0\n"
        "kmalloc:    512        0        0      0          0        0\n"
        "kmalloc:   1024        0        0      0          0        0\n"
        "kmalloc:   2048        0        0      0          0        0\n"
        "kmalloc:  large        1        -      2          1        1\n"
        "kmalloc:  total        2 %8u      3          3        -\n",
        n - 1, n - 1);
    MM_CHECK_STR(t, out, want);
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
 * What the owner byte says of a bucket slab's page (block 0 in use,
 * block 1 freed again: the head of the free list), of a run's first
 * page, of its second and of a free page; nothing for a pointer that
 * is in no page of the source.
 */
MM_TEST(kheap, page_report_lines)
{
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    const struct slab *s;
    struct kheap h;
    uint8_t *a, *b, *run, *page;
    unsigned n, i;
    char map[96];
    size_t len = 0;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    heap_init_growing(&h, &tp->src);
    n = h.bucket[2].geom.nobjs;
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    if (!MM_CHECK(t, a != NULL && b == a + 64 && run != NULL))
        return;
    s = slab_of(a, 0);
    MM_CHECK_EQ(t, (uintptr_t)a, s->base);          /* block 0 */
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    /* The free table: block 0 taken, the rest free. */
    for (i = 0; i < MM_BITMAP_WORDS(n); i++) {
        uint32_t w = i + 1 < MM_BITMAP_WORDS(n) || n % 32 == 0 ?
                     0xffffffffu : (1u << (n % 32)) - 1;

        mm_test_format(map + len, sizeof map - len, " 0x%08lx",
                       (unsigned long)(i == 0 ? w & ~1u : w));
        len += 11;
    }

    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, a + 100);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx slab 0x%08lx "
                   "order 0: bucket 64, %u of %u free, 1 parked, "
                   "free list 0x%08lx, map%s\n", (unsigned long)(uintptr_t)s,
                   (unsigned long)(uintptr_t)s, n - 1, n,
                   (unsigned long)(uintptr_t)NULL, map);
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, run);
    kheap_print_page(&h, run + MM_PAGE);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx large, order "
                   "1\nkmalloc: page 0x%08lx inside a large run\n",
                   (unsigned long)(uintptr_t)run,
                   (unsigned long)(uintptr_t)(run + MM_PAGE));
    MM_CHECK_STR(t, out, want);

    page = buddy_alloc(&tp->buddy, 0);               /* a raw page user's */
    mm_test_capture_prints(out, sizeof out);
    kheap_print_page(&h, page);
    kheap_print_page(&h, elsewhere);
    mm_test_release_prints();
    mm_test_format(want, sizeof want, "kmalloc: page 0x%08lx unused\n",
                   (unsigned long)(uintptr_t)page);
    MM_CHECK_STR(t, out, want);
    buddy_free(&tp->buddy, page);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * With kmalloc traces on, a heap's life prints one line per event: the
 * slab carved, the block handed out and back, and on trimming the slab
 * given back.
 */
MM_TEST(kheap, trace_lines)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    unsigned saved = mm_switch.trace;
    unsigned long slab;
    struct kheap h;
    uint8_t *p;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    heap_init_growing(&h, &tp->src);
    mm_switch.trace = saved | MM_TRACE_KMALLOC;
    kheap_set_trace(&h, true);
    mm_test_capture_prints(out, sizeof out);
    p = kheap_alloc(&h, 64);
    mm_test_release_prints();
    if (!MM_CHECK(t, p != NULL)) {
        mm_switch.trace = saved;
        return;
    }
    slab = (unsigned long)(uintptr_t)slab_of(p, 0);
    mm_test_format(want, sizeof want,
                   "trace: kmalloc refill size=4096 bucket=64 addr=0x%08lx\n"
                   "trace: kmalloc alloc size=64 bucket=64 addr=0x%08lx\n",
                   slab, (unsigned long)(uintptr_t)p);
    MM_CHECK_STR(t, out, want);

    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, kheap_free(&h, p), KHEAP_OK);
    kheap_trim(&h);
    mm_test_release_prints();
    mm_switch.trace = saved;
    mm_test_format(want, sizeof want,
                   "trace: kmalloc free size=64 bucket=64 addr=0x%08lx\n"
                   "trace: kmalloc return size=4096 bucket=64 addr=0x%08lx\n",
                   (unsigned long)(uintptr_t)p, slab);
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- the checker, one corruption at a time --------------------------- */

/*
 * A slab's free list, free table and count must agree (slab_check says
 * what is wrong, kheap_check where): an entry off the block grid, an
 * entry on an allocated block, a count one too high, a free bit for an
 * allocated block.
 */
MM_TEST(kheap, check_finds_bad_bucket_page)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct slab *s;
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
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);
    b = kheap_alloc(&h, 64);                        /* carved, listed */
    s = slab_of(a, 0);
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);

    saved = s->freelist;
    s->freelist = a + 8;                            /* off the grid */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want,
                   "kheap: check: bad free-list entry at 0x%08lx\n",
                   (unsigned long)(uintptr_t)(a + 8));
    MM_CHECK_STR(t, out, want);
    s->freelist = a;                                /* allocated */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want,
                   "kheap: check: bad free-list entry at 0x%08lx\n",
                   (unsigned long)(uintptr_t)a);
    MM_CHECK_STR(t, out, want);
    s->freelist = saved;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    s->nfree--;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want, "kheap: check: free count, list and "
                   "table differ at 0x%08lx\n", (unsigned long)(uintptr_t)s);
    MM_CHECK_STR(t, out, want);
    s->nfree++;
    s->freemap[0] |= 1u;                            /* block 0 is a's */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out, want);
    s->freemap[0] &= ~1u;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * Each slab must be on its own bucket's list, the one its count of free
 * blocks says: a slab moved to another bucket's list gives three
 * complaints (a slab missing here; a stranger there, and more slabs
 * than that bucket's pages, a loop to the checker); a partial slab
 * taken off the list and counted full, one; a count of pages smaller
 * than the list is a loop.
 */
MM_TEST(kheap, check_finds_bad_bucket_list)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct slab *s;
    struct kheap h;
    uint8_t *a, *c;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);                        /* bucket 2 */
    c = kheap_alloc(&h, 128);                       /* bucket 3 */
    if (!MM_CHECK(t, a != NULL && c != NULL))
        return;
    s = slab_of(a, 0);

    mm_list_unlink(&s->link);
    mm_list_push(&h.bucket[3].partial, &s->link);
    MM_CHECK_EQ(t, check_captured(&h), 3);
    mm_test_format(want, sizeof want,
                   "kheap: check: bucket totals differ from its slabs at "
                   "0x00000040\n"
                   "kheap: check: slab header not its bucket's at 0x%08lx\n"
                   "kheap: check: bucket list loops at 0x00000080\n",
                   (unsigned long)(uintptr_t)s);
    MM_CHECK_STR(t, out, want);
    mm_list_unlink(&s->link);
    h.bucket[2].nfull++;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out, "kheap: check: bucket totals differ from its "
                 "slabs at 0x00000040\n");
    h.bucket[2].nfull--;
    mm_list_push(&h.bucket[2].partial, &s->link);
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    h.bucket[2].npages--;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out, "kheap: check: bucket list loops at 0x00000040\n");
    h.bucket[2].npages++;
    h.bucket[2].nout++;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out, "kheap: check: bucket totals differ from its "
                 "slabs at 0x00000040\n");
    h.bucket[2].nout--;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, c), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * An extent whose keys are overwritten is reported and its slabs not
 * walked; a slab's header and owner byte must be its bucket's; more
 * runs than run pages is a complaint.
 */
MM_TEST(kheap, check_finds_bad_keys_and_runs)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct kheap_extent *e;
    struct kheap h;
    uint32_t key;
    uint8_t *a, *own, saved;
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

    a = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL))
        return;
    own = mm_pagesrc_owner(h.src, a);
    saved = *own;
    *own = MM_OWNER_SLAB | 1;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want, "kheap: check: slab owner byte wrong "
                   "at 0x%08lx\n", (unsigned long)(uintptr_t)slab_of(a, 0));
    MM_CHECK_STR(t, out, want);
    *own = saved;
    slab_of(a, 0)->magic = 0;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want, "kheap: check: slab header not its "
                   "bucket's at 0x%08lx\n",
                   (unsigned long)(uintptr_t)slab_of(a, 0));
    MM_CHECK_STR(t, out, want);
    slab_of(a, 0)->magic = SLAB_MAGIC;
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);

    run = kheap_alloc(&h, 5000);
    MM_CHECK(t, run != NULL);
    h.large_inuse += 2;                             /* 3 runs, 2 pages */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out,
                 "kheap: check: page-run totals differ at 0x00000003\n");
    h.large_inuse -= 2;
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * A full slab is on no list; put back on the partial list it is one
 * complaint, "slab on the wrong list", and so is a partly used slab
 * kept as the bucket's empty one.
 */
MM_TEST(kheap, check_finds_slab_on_the_wrong_list)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *blk[64];
    struct kheap h;
    struct slab *s;
    unsigned i, n;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    heap_init_growing(&h, &tp->src);
    n = h.bucket[2].geom.nobjs;
    if (!MM_CHECK(t, n <= MM_ARRAY_SIZE(blk)))
        return;
    for (i = 0; i < n; i++)
        blk[i] = kheap_alloc(&h, 64);
    s = slab_of(blk[0], 0);
    MM_CHECK_EQ(t, s->nfree, 0);
    MM_CHECK_EQ(t, h.bucket[2].nfull, 1);
    MM_CHECK(t, mm_list_empty(&h.bucket[2].partial));
    mm_list_push(&h.bucket[2].partial, &s->link);
    h.bucket[2].nfull--;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want,
                   "kheap: check: slab on the wrong list at 0x%08lx\n",
                   (unsigned long)(uintptr_t)s);
    MM_CHECK_STR(t, out, want);
    mm_list_unlink(&s->link);
    h.bucket[2].nfull++;
    MM_CHECK_EQ(t, kheap_check(&h), 0);

    MM_CHECK_EQ(t, kheap_free(&h, blk[0]), KHEAP_OK);   /* parked */
    kheap_trim(&h);                             /* listed: partial */
    mm_list_unlink(&s->link);
    h.bucket[2].empty = s;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK_STR(t, out, want);
    h.bucket[2].empty = NULL;
    mm_list_push(&h.bucket[2].partial, &s->link);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    for (i = 1; i < n; i++)
        MM_CHECK_EQ(t, kheap_free(&h, blk[i]), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- the ledger's view ---------------------------------------------- */

/*
 * kheap_bucket_page_free answers for bucket slabs only, from any of
 * their pages: not for a run, a page the heap does not hold, a pool's
 * slab or a slab whose header is broken.
 */
MM_TEST(kheap, bucket_page_free_answers)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    uint8_t *a, *big, *run, *page;
    unsigned nblocks = 0;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    heap_init_growing(&h, &tp->src);
    a = kheap_alloc(&h, 64);
    big = kheap_alloc(&h, 2048);                    /* an 8-page slab */
    run = kheap_alloc(&h, 2 * MM_PAGE);
    if (!MM_CHECK(t, a != NULL && big != NULL && run != NULL))
        return;
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a + 200, &nblocks),
                (int)h.bucket[2].geom.nobjs - 1);
    MM_CHECK_EQ(t, nblocks, h.bucket[2].geom.nobjs);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)slab_of(big, 3) +
                                          7 * MM_PAGE, &nblocks),
                (int)h.bucket[7].geom.nobjs - 1);
    MM_CHECK_EQ(t, nblocks, 15);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)run, &nblocks),
                -1);                                /* a run */
    page = buddy_alloc(&tp->buddy, 0);
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)page, &nblocks),
                -1);                                /* not the heap's */
    buddy_free(&tp->buddy, page);
    slab_of(a, 0)->magic = 0;
    MM_CHECK_EQ(t, kheap_bucket_page_free(&h, (uintptr_t)a, &nblocks), -1);
    slab_of(a, 0)->magic = SLAB_MAGIC;
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, big), KHEAP_OK);
    MM_CHECK_EQ(t, kheap_free(&h, run), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * Under the kernel's block (depth 0), kheap_claim claims an extent whose
 * keys hold and what the owner bytes say (a bucket slab, a run: two
 * claims); with a key overwritten it claims neither, leaving only the
 * heap buddy's claims.
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
    MM_CHECK_EQ(t, led.nclaims, intact - 3);        /* extent, slab, run */
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
    /* One whole page, the 16 bytes before it too few for the header. */
    MM_CHECK_EQ(t, kheap_extend(&h, area + AREA_BYTES + MM_PAGE - 16,
                                16 + MM_PAGE), KHEAP_ERR_EXTENT);
    MM_CHECK_PANIC(t, "bad extent", area + AREA_BYTES + MM_PAGE - 16);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 4);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_EXTENT], 4);
    MM_CHECK_EQ(t, h.next, 1);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES + 2 * MM_PAGE);
}

/* A page source that has nothing to give. */
static void *
empty_src_alloc(void *ctx, unsigned order)
{
    unsigned long *calls = ctx;

    (void)order;
    ++*calls;
    return NULL;
}

/*
 * A heap whose source has nothing is out of memory, counted once per
 * request, for a bucket block and a run alike; it stays usable.
 */
MM_TEST(kheap, growing_heap_with_bad_source)
{
    unsigned long calls = 0;
    struct mm_pagesrc src = { .alloc = empty_src_alloc, .ctx = &calls };
    struct kheap h;

    heap_init_growing(&h, &src);
    MM_CHECK(t, kheap_alloc(&h, 64) == NULL);
    MM_CHECK(t, kheap_alloc(&h, 5000) == NULL);
    MM_CHECK_EQ(t, calls, 2);
    MM_CHECK_EQ(t, h.nerr[KHEAP_NOMEM], 2);
    MM_CHECK_EQ(t, kheap_pages_held(&h), 0);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_destroy(&h, NULL, NULL);
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
 * A free list that loops back on itself stops the walk after the slab's
 * carved blocks, and its count then disagrees; an entry pointing below
 * the slab's first block is a bad entry.
 */
MM_TEST(kheap, check_finds_free_list_loop)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    struct slab *s;
    struct kheap h;
    uint8_t *a, *b, *head;
    void *link;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    b = kheap_alloc(&h, 64);
    if (!MM_CHECK(t, a != NULL && b != NULL))
        return;
    MM_CHECK_EQ(t, kheap_free(&h, b), KHEAP_OK);    /* listed: b */
    s = slab_of(a, 0);
    head = s->freelist;
    link = *(void **)head;
    *(void **)head = head;                          /* head -> head */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    mm_test_format(want, sizeof want, "kheap: check: free count, list "
                   "and table differ at 0x%08lx\n",
                   (unsigned long)(uintptr_t)s);
    MM_CHECK_STR(t, out, want);
    *(void **)head = link;
    s->freelist = a - 64;                           /* the header */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK(t, mm_test_contains(out, "bad free-list entry"));
    s->freelist = head;
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    MM_CHECK_EQ(t, kheap_free(&h, a), KHEAP_OK);
    kheap_trim(&h);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, AREA_BYTES);
}

/*
 * An extent whose area starts 8 bytes into a page: its header fills
 * the partial page, and its zone starts at the next page and ends
 * before the partial page at its end.  Pointers into either partial
 * page are in no page of the heap: no report, no bucket slab, a
 * foreign free.
 */
MM_TEST(kheap, partial_pages_have_no_entry)
{
    uint8_t *area = mm_scratch_alloc(4 * MM_PAGE);
    struct kheap h;
    unsigned nblocks = 0;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area + 8, 2 * MM_PAGE, 0, false),
                KHEAP_OK);
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
    MM_CHECK_EQ(t, kheap_free(&h, area + 16), KHEAP_ERR_FOREIGN);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_FOREIGN], 2);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    mm_scratch_free(area, 4 * MM_PAGE);
}

/*
 * The ledger's view skips a slab whose header is broken and an owner
 * byte naming a run beyond any order (one claim fewer each), and an
 * extent that names another heap as its owner (its three claims).
 */
MM_TEST(kheap, claim_skips_bad_entries)
{
    static struct ledger_claim table[64];
    static struct ledger led;
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    uint64_t first = (uintptr_t)area >> MM_PAGE_SHIFT;
    struct kheap_extent *e;
    struct kheap h, other;
    size_t intact;
    uint8_t *a, *run, *own;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    a = kheap_alloc(&h, 64);
    run = kheap_alloc(&h, 5000);
    if (!MM_CHECK(t, a != NULL && run != NULL))
        return;
    e = kheap_extent_at(&h, 0);
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    kheap_claim(&h, &led);
    intact = led.nclaims;

    slab_of(a, 0)->magic = 0;
    own = mm_pagesrc_owner(h.src, run);
    *own = MM_OWNER_LARGE | (BUDDY_MAX_ORDER + 1);
    ledger_init(&led, first, first + AREA_BYTES / MM_PAGE, table,
                MM_ARRAY_SIZE(table));
    kheap_claim(&h, &led);
    MM_CHECK_EQ(t, led.nclaims, intact - 2);
    slab_of(a, 0)->magic = SLAB_MAGIC;
    *own = MM_OWNER_LARGE | 1;

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
 * Trimming gives back a bucket's empty slab but not a partly used one;
 * a pointer inside the freed slab's pages is then an interior one.
 */
MM_TEST(kheap, trim_keeps_partly_used_pages)
{
    uint8_t *area = mm_scratch_alloc(AREA_BYTES);
    static uint8_t *b[16];
    struct kheap h;
    uint8_t *spare;
    unsigned i, n;

    if (!MM_CHECK(t, area != NULL))
        return;
    MM_CHECK_EQ(t, heap_init(&h, area, AREA_BYTES, 0, false), KHEAP_OK);
    n = h.bucket[6].geom.nobjs;                     /* 15 in 4 pages */
    for (i = 0; i <= n; i++)                        /* slab A full, B 1 */
        if (!MM_CHECK(t, (b[i] = kheap_alloc(&h, 1024)) != NULL))
            return;
    spare = (uint8_t *)slab_of(b[n], 2);
    MM_CHECK(t, spare != (uint8_t *)slab_of(b[0], 2));
    MM_CHECK_EQ(t, kheap_free(&h, b[n]), KHEAP_OK); /* B: kept empty */
    MM_CHECK_EQ(t, kheap_free(&h, b[0]), KHEAP_OK); /* A: partly used */
    MM_CHECK_EQ(t, h.bucket[6].npages, 8);
    kheap_trim(&h);
    MM_CHECK_EQ(t, h.bucket[6].npages, 4);
    MM_CHECK_EQ(t, kheap_inuse(&h.bucket[6]), n - 1);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, kheap_free(&h, spare + 16), KHEAP_ERR_INTERIOR);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, h.nerr[KHEAP_ERR_INTERIOR], 1);
    for (i = 1; i < n; i++)
        MM_CHECK_EQ(t, kheap_free(&h, b[i]), KHEAP_OK);
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

/*
 * The checker reads the array: an entry off its block, one not free in
 * its table, one whose word is wrong, one twice.
 */
MM_TEST(kheap, check_finds_bad_array_entries)
{
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct kheap h;
    struct kheap_bucket *b;
    uint8_t *x[3];
    void *saved;
    uint32_t *word, bit;
    unsigned i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    heap_init_growing(&h, &tp->src);
    kheap_set_trace(&h, false);                 /* the plain fast path */
    b = &h.bucket[1];                                   /* 32 B */
    for (i = 0; i < 3; i++)
        x[i] = kheap_alloc(&h, 32);
    kheap_free(&h, x[0]);
    kheap_free(&h, x[1]);
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    saved = b->array[1];
    b->array[1] = x[1] + 8;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK(t, mm_test_contains(out,
                                 "bucket array entry not its block"));
    b->array[1] = x[2];                 /* in use: not free */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK(t, mm_test_contains(out, "bucket array entry not free"));
    word = b->array_word[1];
    bit = b->array_bit[1];
    b->array[1] = x[0];                 /* twice */
    b->array_word[1] = b->array_word[0];
    b->array_bit[1] = b->array_bit[0];
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK(t, mm_test_contains(out, "bucket array entry twice"));
    b->array[1] = elsewhere;    /* in no slab; x[1]'s slab disagrees too */
    MM_CHECK_EQ(t, check_captured(&h), 2);
    MM_CHECK(t, mm_test_contains(out,
                                 "bucket array entry not in a slab"));
    b->array[1] = saved;
    b->array_word[1] = word;
    b->array_bit[1] = bit;
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    b->navail = KHEAP_ARRAY;            /* overfull */
    MM_CHECK_EQ(t, check_captured(&h), 1);
    MM_CHECK(t, mm_test_contains(out, "bucket array overfull"));
    b->navail = 2;
    word = b->array_word[1];
    b->array_word[1] = word + 1;
    MM_CHECK_EQ(t, check_captured(&h), 1);
    b->array_word[1] = word;
    MM_CHECK_EQ(t, kheap_check(&h), 0);
    kheap_free(&h, x[2]);
    kheap_trim(&h);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}
