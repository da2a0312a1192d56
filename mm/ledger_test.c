/*
 * mm/ledger_test.c - tests of the page ledger, in kernel and on host.
 *
 * First the core over made-up claims: a tiling passes, a gap, an
 * overlap, a claim in the wrong holder and an empty holder each give
 * their exact complaint.  Then a memory map like QEMU's, claimed page by
 * page and summed against the map's own figures.  Then a small world - a
 * buddy allocator over scratch memory, a kmalloc heap and a pool growing
 * from it - whose metadata each test corrupts in one place, asserting
 * the ledger's exact complaint line, then repairs, asserting silence.
 * Ledgers here are quiet: complaints are recorded, not printed; each
 * test prints the one it asserted as "ledger_test: NAME: COMPLAINT".
 */
#include "kheap.h"
#include "ledger.h"
#include "memmap.h"
#include "pool.h"
#include "test.h"
#include "testpages.h"

#define TABLE_CLAIMS    512

static struct ledger_claim table[TABLE_CLAIMS];
static struct ledger led;

/* A quiet ledger over pages [first, end). */
static void
fresh(uint64_t first, uint64_t end)
{
    ledger_init(&led, first, end, table, TABLE_CLAIMS);
    led.quiet = true;
}

/* ---- the core over made-up claims ----------------------------------- */

MM_TEST(ledger, tiling_claims_settle_clean)
{
    /* pages 100..199: reserved 100-109, free 110-149, kernel 150-199
       holding a pool slab 160-163 and the ledger table 170-171 */
    fresh(100, 200);
    ledger_claim(&led, 150, 50, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 110, 40, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 100, 10, LEDGER_RESERVED, 0, "kernel image");
    ledger_claim(&led, 160, 4, LEDGER_POOL_SLAB, 0, "t");
    ledger_claim(&led, 170, 2, LEDGER_TABLE, 0, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_STR(t, led.first_problem, "");
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_RESERVED), 10);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_FREE), 40);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KERNEL), 44);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_POOL_SLAB), 4);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_TABLE), 2);
    MM_CHECK_EQ(t, led.group_pages[LEDGER_GROUP_KEPT], 10);
    MM_CHECK_EQ(t, led.group_pages[LEDGER_GROUP_FREE], 90);
    MM_CHECK_EQ(t, ledger_find(&led, 161)->first, 160);
    MM_CHECK_EQ(t, ledger_find(&led, 165)->first, 150);
    MM_CHECK(t, ledger_find(&led, 99) == NULL);
}

/* The expected complaint for pages from pfn, built like the ledger's. */
static void
expect(struct mm_t *t, const char *fmt_tail, uint64_t pfn, const char *a,
       const char *b, uint64_t n)
{
    char want[192], head[48];

    mm_test_format(head, sizeof head, "ledger: page 0x%08lx ",
                   (unsigned long)(pfn << MM_PAGE_SHIFT));
    if (b != NULL)
        mm_test_format(want, sizeof want, "%s%s%s and %s (%llu pages from "
                       "there)", head, fmt_tail, a, b,
                       (unsigned long long)n);
    else if (a != NULL)
        mm_test_format(want, sizeof want, "%s%s%s (%llu pages from there)",
                       head, fmt_tail, a, (unsigned long long)n);
    else
        mm_test_format(want, sizeof want, "%s%s(%llu pages from there)",
                       head, fmt_tail, (unsigned long long)n);
    MM_CHECK_STR(t, led.first_problem, want);
    mm_print("ledger_test: %s: %s\n", t->name, led.first_problem);
}

MM_TEST(ledger, missing_claim_is_no_owner)
{
    fresh(100, 200);
    ledger_claim(&led, 100, 30, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 135, 65, LEDGER_FREE, 0, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 1);
    expect(t, "has no owner ", 130, NULL, NULL, 5);
}

MM_TEST(ledger, overlapping_claim_is_two_owners)
{
    /* the kernel image's reservation reaches 2 pages into free memory */
    fresh(100, 200);
    ledger_claim(&led, 100, 12, LEDGER_RESERVED, 0, "kernel image");
    ledger_claim(&led, 110, 90, LEDGER_FREE, 0, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 1);
    expect(t, "has two owners: ", 110, "reserved (kernel image)",
           "free buddy block", 2);
    /* the overlap counts once, for the first owner */
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_FREE), 88);
}

MM_TEST(ledger, claim_inside_a_free_block_is_two_owners)
{
    fresh(0, 64);
    ledger_claim(&led, 0, 32, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 32, 32, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 40, 8, LEDGER_POOL_SLAB, 0, "pool_cache");
    MM_CHECK_EQ(t, ledger_settle(&led), 1);
    expect(t, "has two owners: ", 40, "free buddy block",
           "pool slab of \"pool_cache\"", 8);
}

MM_TEST(ledger, holder_with_nothing_inside_is_no_owner)
{
    /* a kmalloc page the page table says nothing about */
    fresh(0, 16);
    ledger_claim(&led, 0, 16, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 0, 16, LEDGER_KMALLOC_EXTENT, 0, NULL);
    ledger_claim(&led, 0, 1, LEDGER_KMALLOC_META, 0, NULL);
    ledger_claim(&led, 1, 1, LEDGER_KMALLOC_PAGE, 0, NULL);
    ledger_claim(&led, 2, 2, LEDGER_KMALLOC_PAGE, 1, NULL);
    ledger_claim(&led, 4, 12, LEDGER_KMALLOC_UNUSED, 0, NULL);
    ledger_claim(&led, 1, 1, LEDGER_KMALLOC_BUCKET, 64, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 1);
    expect(t, "has no owner inside ", 2, "kmalloc page", NULL, 2);
    ledger_claim(&led, 2, 2, LEDGER_KMALLOC_LARGE, 1, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_LARGE), 2);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_BUCKET), 1);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KERNEL), 0);
}

MM_TEST(ledger, claim_errors_are_counted_problems)
{
    struct ledger_claim two[2];

    fresh(10, 20);
    MM_CHECK_EQ(t, ledger_claim(&led, 5, 5, LEDGER_FREE, 0, NULL),
                LEDGER_ERR_RANGE);
    MM_CHECK_EQ(t, ledger_claim(&led, 15, 6, LEDGER_FREE, 0, NULL),
                LEDGER_ERR_RANGE);
    MM_CHECK_EQ(t, ledger_claim(&led, 12, 0, LEDGER_FREE, 0, NULL),
                LEDGER_ERR_RANGE);
    MM_CHECK_EQ(t, ledger_claim(&led, 10, 10, LEDGER_FREE, 0, NULL),
                LEDGER_OK);
    MM_CHECK_EQ(t, led.nerr[LEDGER_ERR_RANGE], 3);
    MM_CHECK_EQ(t, ledger_settle(&led), 1);
    MM_CHECK_STR(t, led.first_problem,
                 "ledger: 3 claims lost: claim empty or outside the span");
    ledger_init(&led, 0, 4, two, 2);
    led.quiet = true;
    MM_CHECK_EQ(t, ledger_claim(&led, 0, 1, LEDGER_FREE, 0, NULL), LEDGER_OK);
    MM_CHECK_EQ(t, ledger_claim(&led, 1, 1, LEDGER_FREE, 0, NULL), LEDGER_OK);
    MM_CHECK_EQ(t, ledger_claim(&led, 2, 2, LEDGER_FREE, 0, NULL),
                LEDGER_ERR_FULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 2);     /* the loss and the gap */
}

/* ---- the check after each test -------------------------------------- */

static unsigned
finds_nothing(void)
{
    return 0;
}

static unsigned
finds_two_problems(void)
{
    return 2;
}

/*
 * The runner runs a test, then the check it was given: a check that
 * finds problems fails a test whose own checks all passed.
 */
MM_TEST(ledger, after_test_check_fails_the_test)
{
    static char out[1024];      /* the inner runs' lines, not printed */

    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_with("ledger.tiling_claims_settle_clean",
                                    "runner", finds_nothing), 0);
    MM_CHECK_EQ(t, mm_test_run_with("ledger.tiling_claims_settle_clean",
                                    "runner", finds_two_problems), 1);
    MM_CHECK_EQ(t, mm_test_run_with("ledger.tiling_claims_settle_clean",
                                    "runner", NULL), 0);
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out, "runner: FAIL "
                                 "ledger.tiling_claims_settle_clean check "
                                 "after the test: 2 problems"));
    MM_CHECK(t, mm_test_contains(out, "runner: 0 passed, 1 failed\n"));
}

/* ---- the memory map ------------------------------------------------- */

/*
 * QEMU's map at 128 MiB: usable [0, 0x9fc00) ends 3 KiB into a page;
 * two reservations share the page at 0x10000.  Every page below 4 GiB
 * gets one owner, and the three groups are exactly the map's figures.
 */
MM_TEST(ledger, memory_map_pages_sum_to_its_figures)
{
    struct memmap *m = mm_test_static(sizeof *m);
    unsigned i;

    memmap_init(m);
    memmap_add(m, 0, 0x9fc00, MEMMAP_USABLE);
    memmap_add(m, 0x9fc00, 0x400, MEMMAP_RESERVED);
    memmap_add(m, 0xf0000, 0x10000, MEMMAP_RESERVED);
    memmap_add(m, 0x100000, 0x7ee0000, MEMMAP_USABLE);
    memmap_sanitise(m);
    memmap_reserve(m, 0, MM_PAGE, "page 0");
    memmap_reserve(m, 0x10000, 0x10076, "multiboot information");
    memmap_reserve(m, 0x10078, 0x1007d, "command line");
    memmap_reserve(m, 0x100000, 0x15f000, "kernel image");
    memmap_compute_free(m);
    ledger_init(&led, 0, MEMMAP_LIMIT >> MM_PAGE_SHIFT, table, TABLE_CLAIMS);
    led.quiet = true;
    memmap_claim(m, &led);
    for (i = 0; i < m->nfree; i++)
        ledger_claim_bytes(&led, (uintptr_t)m->free[i].base,
                           m->free[i].end - m->free[i].base, LEDGER_FREE, 0,
                           NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_EDGE), 1);
    MM_CHECK_EQ(t, ledger_find(&led, 0x9f)->first, 0x9f);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 0x9f)->owner].detail, 3072);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_RESERVED), 1 + 1 + 95);
    MM_CHECK_STR(t, led.owner[ledger_find(&led, 0x10)->owner].name,
                 "multiboot information");
    MM_CHECK_EQ(t, led.group_pages[LEDGER_GROUP_FREE] * MM_PAGE,
                memmap_free_bytes(m));
    MM_CHECK_EQ(t, led.kept_usable_bytes,
                memmap_usable_bytes(m) - memmap_free_bytes(m));
    MM_CHECK_EQ(t, led.group_pages[0] + led.group_pages[1] +
                led.group_pages[2], MEMMAP_LIMIT >> MM_PAGE_SHIFT);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/*
 * Odd maps: two usable entries share page 0 around a reserved KiB (one
 * edge page with both parts), a reservation lies in a hole (the hole
 * owns it), another straddles the end of usable memory.
 */
MM_TEST(ledger, memory_map_odd_edges)
{
    struct memmap *m = mm_test_static(sizeof *m);
    const struct ledger_claim *c;

    memmap_init(m);
    memmap_add(m, 0, 0x800, MEMMAP_USABLE);
    memmap_add(m, 0x800, 0x400, MEMMAP_RESERVED);
    memmap_add(m, 0xc00, 0x5400, MEMMAP_USABLE);    /* to 0x6000 */
    memmap_sanitise(m);
    memmap_reserve(m, 0x9000, 0xa000, "in a hole");
    memmap_reserve(m, 0x5800, 0x7000, "past the end");
    memmap_compute_free(m);
    ledger_init(&led, 0, MEMMAP_LIMIT >> MM_PAGE_SHIFT, table, TABLE_CLAIMS);
    led.quiet = true;
    memmap_claim(m, &led);
    ledger_claim(&led, 1, 4, LEDGER_FREE, 0, NULL);  /* [0x1000, 0x5000) */
    MM_CHECK_EQ(t, memmap_free_bytes(m), 0x4000);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    c = ledger_find(&led, 0);
    MM_CHECK_EQ(t, led.owner[c->owner].kind, LEDGER_EDGE);
    MM_CHECK_EQ(t, led.owner[c->owner].detail, 0xc00);
    MM_CHECK_STR(t, led.owner[ledger_find(&led, 5)->owner].name,
                 "past the end");
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 6)->owner].kind, LEDGER_HOLE);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 9)->owner].kind, LEDGER_HOLE);
    MM_CHECK_EQ(t, led.kept_usable_bytes,
                memmap_usable_bytes(m) - memmap_free_bytes(m));
}

/* ---- a small world, corrupted one piece of metadata at a time ------- */

struct world {
    struct mm_test_pages tp;    /* the buddy over one 4 MiB chunk */
    struct kheap heap;          /* kmalloc heap growing from it */
    struct pool pool;           /* a pool growing from it */
    void *small[3];             /* 64-byte kmalloc blocks */
    void *large;                /* a 6000-byte run: 2 pages */
    void *obj;                  /* a pool object */
    uint64_t first;             /* the chunk's first pfn */
};

static struct world w;

static bool
world_up(struct mm_t *t)
{
    unsigned i;

    if (!mm_test_pages_init(t, &w.tp, 1))
        return false;
    kheap_init_growing(&w.heap, "t-ledger-heap", &w.tp.src);
    if (!MM_CHECK_EQ(t, pool_init(&w.pool, "t-ledger", 100, 8, 0, &w.tp.src),
                     POOL_OK))
        return false;
    for (i = 0; i < 3; i++)
        w.small[i] = kheap_alloc(&w.heap, 64);
    w.large = kheap_alloc(&w.heap, 6000);
    w.obj = pool_alloc(&w.pool);
    w.first = (uintptr_t)w.tp.chunk[0] >> MM_PAGE_SHIFT;
    return MM_CHECK(t, w.small[2] != NULL && w.large != NULL &&
                    w.obj != NULL);
}

/* Claims everything the world's books say and settles. */
static unsigned
world_settle(void)
{
    fresh(w.first, w.first + MM_TEST_CHUNK / MM_PAGE);
    buddy_claim(&w.tp.buddy, &led, LEDGER_BUDDY_META, LEDGER_FREE,
                LEDGER_KERNEL);
    kheap_claim(&w.heap, &led);
    pool_claim(&w.pool, &led);
    return ledger_settle(&led);
}

static void
world_down(struct mm_t *t)
{
    unsigned i;

    for (i = 0; i < 3; i++)
        kheap_free(&w.heap, w.small[i]);
    kheap_free(&w.heap, w.large);
    pool_free(&w.pool, w.obj);
    MM_CHECK_EQ(t, pool_destroy(&w.pool), POOL_OK);
    kheap_destroy(&w.heap, NULL, NULL);
    MM_CHECK(t, mm_test_pages_all_back(&w.tp));
    MM_CHECK_EQ(t, world_settle(), 0);      /* all free again */
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_FREE),
                buddy_free_pages(&w.tp.buddy));
    mm_test_pages_fini(&w.tp);
}

/* The clean world: one owner per page; totals agree with each layer. */
MM_TEST(ledger, world_owners_agree_with_each_layer)
{
    size_t bucket_pages = 0;
    unsigned i;

    if (!world_up(t))
        return;
    MM_CHECK_EQ(t, world_settle(), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_FREE),
                buddy_free_pages(&w.tp.buddy));
    for (i = 0; i < KHEAP_NBUCKETS; i++)
        bucket_pages += w.heap.bucket[i].npages;
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_SLAB),
                bucket_pages);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_RUN),
                w.heap.large_pages);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_POOL_SLAB),
                (size_t)w.pool.nslabs << w.pool.geom.order);
    MM_CHECK_EQ(t, ledger_find(&led, (uintptr_t)w.obj >> MM_PAGE_SHIFT)->
                   owner, ledger_find(&led, (uintptr_t)pool_slab_at(&w.pool,
                                             0) >> MM_PAGE_SHIFT)->owner);
    world_down(t);
}

/* A free block's state byte says "allocated": two owners. */
MM_TEST(ledger, corrupt_buddy_state_byte)
{
    const struct buddy_zone *z;
    uintptr_t pfn;
    uint8_t *m, saved;
    unsigned k = 0;

    if (!world_up(t))
        return;
    z = &w.tp.buddy.zone[0];
    while (z->nfree[k] == 0)
        k++;
    pfn = z->pfns.first + z->link[z->head0 + k].next;
    m = &z->meta[pfn - z->pfns.first];
    saved = *m;
    *m = (uint8_t)(BUDDY_META_ALLOC | k);
    MM_CHECK_EQ(t, world_settle(), 1);
    expect(t, "has two owners: ", pfn, "kernel block", "free buddy block",
           (uint64_t)1 << k);
    *m = saved;
    MM_CHECK_EQ(t, world_settle(), 0);
    world_down(t);
}

/* A free-list link points back at its own block: listed twice. */
MM_TEST(ledger, corrupt_free_list_link)
{
    const struct buddy_zone *z;
    struct buddy_link *a;
    uint32_t i_a, saved;
    void *p[4];
    unsigned k = 0, i;

    if (!world_up(t))
        return;
    for (i = 0; i < 4; i++)         /* free every other page: two on */
        p[i] = buddy_alloc(&w.tp.buddy, 0);     /* the order-0 list */
    buddy_free(&w.tp.buddy, p[0]);
    buddy_free(&w.tp.buddy, p[2]);
    z = &w.tp.buddy.zone[0];
    MM_CHECK(t, z->nfree[0] >= 2);
    i_a = z->link[z->head0 + k].next;
    a = &z->link[i_a];
    saved = a->next;
    a->next = i_a;
    /* A twice, and the blocks after it on the list lost: how many
       depends on what else is on the order-0 list. */
    MM_CHECK(t, world_settle() >= 2);
    expect(t, "has two owners: ", z->pfns.first + i_a,
           "free buddy block", "free buddy block", (uint64_t)1 << k);
    a->next = saved;
    MM_CHECK_EQ(t, world_settle(), 0);
    buddy_free(&w.tp.buddy, p[1]);
    buddy_free(&w.tp.buddy, p[3]);
    world_down(t);
}

/*
 * The owner byte of a one-page bucket slab says "a run of 8 pages": the
 * claim reaches past its block, into whatever follows (two owners).
 */
MM_TEST(ledger, corrupt_kmalloc_owner_byte)
{
    uintptr_t slab;
    uint8_t *own;

    if (!world_up(t))
        return;
    slab = (uintptr_t)w.small[0] & ~(uintptr_t)(MM_PAGE - 1);
    own = mm_pagesrc_owner(&w.tp.src, (void *)slab);
    if (!MM_CHECK(t, own != NULL && *own == (MM_OWNER_SLAB | 0)))
        return;
    MM_CHECK_EQ(t, world_settle(), 0);
    *own = MM_OWNER_LARGE | 3;
    MM_CHECK(t, world_settle() >= 1);
    MM_CHECK(t, mm_test_contains(led.first_problem, "has two owners: "));
    MM_CHECK(t, mm_test_contains(led.first_problem, "kmalloc large run"));
    MM_CHECK_EQ(t, ledger_find(&led, (slab >> MM_PAGE_SHIFT) + 1)->first,
                slab >> MM_PAGE_SHIFT);     /* the "run" reaches there */
    *own = MM_OWNER_SLAB | 0;
    MM_CHECK_EQ(t, world_settle(), 0);
    world_down(t);
}

/*
 * The owner byte of a 2-page run says 4 pages: it reaches past its
 * block, into whatever follows it (two owners there).
 */
MM_TEST(ledger, corrupt_kmalloc_size_byte)
{
    uintptr_t run;
    uint8_t *own;

    if (!world_up(t))
        return;
    run = (uintptr_t)w.large;
    own = mm_pagesrc_owner(&w.tp.src, w.large);
    MM_CHECK_EQ(t, *own, MM_OWNER_LARGE | 1);
    MM_CHECK_EQ(t, world_settle(), 0);
    *own = MM_OWNER_LARGE | 2;
    MM_CHECK(t, world_settle() >= 1);
    MM_CHECK(t, mm_test_contains(led.first_problem, "has two owners: "));
    MM_CHECK(t, mm_test_contains(led.first_problem, "kmalloc large run"));
    MM_CHECK_EQ(t, ledger_find(&led, (run >> MM_PAGE_SHIFT) + 2)->first,
                run >> MM_PAGE_SHIFT);      /* the run reaches there */
    *own = MM_OWNER_LARGE | 1;
    MM_CHECK_EQ(t, world_settle(), 0);
    world_down(t);
}

/* A slab's magic is overwritten: its pages are held by no valid slab. */
MM_TEST(ledger, corrupt_pool_slab_header)
{
    struct slab *s;
    uint32_t saved;

    if (!world_up(t))
        return;
    s = pool_slab_at(&w.pool, 0);
    saved = s->magic;
    s->magic = 0xdeadbeefu;
    MM_CHECK_EQ(t, world_settle(), 1);
    expect(t, "has no owner inside ", (uintptr_t)s >> MM_PAGE_SHIFT,
           "pool slab of \"t-ledger\" with a bad header", NULL,
           (uint64_t)1 << w.pool.geom.order);
    s->magic = saved;
    MM_CHECK_EQ(t, world_settle(), 0);
    world_down(t);
}

/* A slab header naming another owner: its pages too are held by no
 * valid slab, and the slab is found by no pool. */
MM_TEST(ledger, corrupt_pool_slab_owner)
{
    const struct pool *owner = NULL;
    struct slab *s;
    void *saved;

    if (!world_up(t))
        return;
    s = pool_slab_at(&w.pool, 0);
    MM_CHECK_PTR_EQ(t, pool_slab_of((uintptr_t)s->base, &owner), s);
    MM_CHECK_PTR_EQ(t, owner, &w.pool);
    saved = s->cache;
    s->cache = &w.heap;
    MM_CHECK_EQ(t, world_settle(), 1);
    expect(t, "has no owner inside ", (uintptr_t)s >> MM_PAGE_SHIFT,
           "pool slab of \"t-ledger\" with a bad header", NULL,
           (uint64_t)1 << w.pool.geom.order);
    MM_CHECK_PTR_EQ(t, pool_slab_of((uintptr_t)s->base, &owner), NULL);
    s->cache = saved;
    MM_CHECK_EQ(t, world_settle(), 0);
    world_down(t);
}

/* ---- more of the core: every complaint, the owner table, the report -- */

/* Settles a loud ledger; its complaint lines must be exactly want. */
static void
settle_says(struct mm_t *t, unsigned nproblems, const char *want)
{
    static char out[1024];

    led.quiet = false;
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, ledger_settle(&led), nproblems);
    mm_test_release_prints();
    led.quiet = true;
    MM_CHECK_STR(t, out, want);
}

/*
 * A holder that may not stand alone and lacks a child at its front, and
 * a holder whose children overlap: the copy is cut off and skipped.
 *   kernel block 0-15
 *     kmalloc extent 0-7:   metadata 2-3, unused 4-7    (0-1 empty)
 *     kmalloc extent 8-15:  metadata 8-9, unused 8-9 (overlap), 10-15
 */
MM_TEST(ledger, holder_front_without_child_and_cut_copy)
{
    fresh(0, 16);
    ledger_claim(&led, 0, 16, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 0, 8, LEDGER_KMALLOC_EXTENT, 0, NULL);
    ledger_claim(&led, 8, 8, LEDGER_KMALLOC_EXTENT, 0, NULL);
    ledger_claim(&led, 2, 2, LEDGER_KMALLOC_META, 0, NULL);
    ledger_claim(&led, 4, 4, LEDGER_KMALLOC_UNUSED, 0, NULL);
    ledger_claim(&led, 8, 2, LEDGER_KMALLOC_META, 0, NULL);
    ledger_claim(&led, 8, 2, LEDGER_KMALLOC_UNUSED, 0, NULL);
    ledger_claim(&led, 10, 6, LEDGER_KMALLOC_UNUSED, 0, NULL);
    settle_says(t, 2,
                "ledger: page 0x00008000 has two owners: kmalloc metadata "
                "and kmalloc unused (2 pages from there)\n"
                "ledger: page 0x00000000 has no owner inside kmalloc "
                "extent (2 pages from there)\n");
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_META), 4);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KMALLOC_UNUSED), 10);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KERNEL), 0);
    /* page 10: the cut copy is empty, the one after it owns the page */
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 10)->owner].kind,
                LEDGER_KMALLOC_UNUSED);
    MM_CHECK_EQ(t, ledger_find(&led, 10)->first, 10);
}

/*
 * Children with no parent at the depth above:
 *   depth 0: kernel block 0-7, free buddy block 12-23   (8-11: a gap)
 *   a pool slab 10-13: 10-11 in the gap (no owner), 12-13 inside a
 *     free block (two owners);
 *   kmalloc metadata 0 with no extent around it: the kernel block
 *     below is the other owner.
 */
MM_TEST(ledger, child_outside_every_holder)
{
    fresh(0, 24);
    ledger_claim(&led, 0, 8, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 12, 12, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 10, 4, LEDGER_POOL_SLAB, 0, "t-orphan");
    ledger_claim(&led, 0, 1, LEDGER_KMALLOC_META, 0, NULL);
    settle_says(t, 4,
                "ledger: page 0x00008000 has no owner (4 pages from "
                "there)\n"
                "ledger: page 0x0000a000 has no owner (2 pages from "
                "there)\n"
                "ledger: page 0x0000c000 has two owners: free buddy block "
                "and pool slab of \"t-orphan\" (2 pages from there)\n"
                "ledger: page 0x00000000 has two owners: kernel block and "
                "kmalloc metadata (1 pages from there)\n");
    MM_CHECK(t, ledger_find(&led, 9) == NULL);
}

/*
 * A claim wholly inside another of its depth is cut to nothing at the
 * end of the first; a lookup just past that end, in a gap, finds no one.
 *   free 0-9, reserved 3-4 (inside: cut), free 12-15
 */
MM_TEST(ledger, lookup_past_a_cut_claim)
{
    fresh(0, 16);
    ledger_claim(&led, 0, 10, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 3, 2, LEDGER_RESERVED, 0, "inside");
    ledger_claim(&led, 12, 4, LEDGER_FREE, 0, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 2);
    MM_CHECK_STR(t, led.first_problem, "ledger: page 0x00003000 has two "
                 "owners: free buddy block and reserved (inside) (2 pages "
                 "from there)");
    MM_CHECK(t, ledger_find(&led, 10) == NULL);
    MM_CHECK(t, ledger_find(&led, 11) == NULL);
    MM_CHECK_EQ(t, ledger_find(&led, 9)->first, 0);
    MM_CHECK_EQ(t, ledger_find(&led, 12)->first, 12);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_RESERVED), 0);
}

/* LEDGER_MAX_OWNERS distinct owners fit; one more is a lost claim. */
MM_TEST(ledger, owner_table_full)
{
    unsigned i;

    fresh(0, 200);
    MM_CHECK_EQ(t, ledger_claim(&led, 100, 100, LEDGER_FREE, 0, NULL),
                LEDGER_OK);
    for (i = 1; i < LEDGER_MAX_OWNERS; i++)     /* page i - 1: detail i */
        MM_CHECK_EQ(t, ledger_claim(&led, i - 1, 1, LEDGER_KERNEL, i, NULL),
                    LEDGER_OK);
    MM_CHECK_EQ(t, led.nowners, LEDGER_MAX_OWNERS);
    MM_CHECK_EQ(t, ledger_claim(&led, 95, 1, LEDGER_KERNEL, 1000, NULL),
                LEDGER_ERR_OWNERS);
    MM_CHECK_EQ(t, ledger_claim(&led, 95, 5, LEDGER_KERNEL, 1, NULL),
                LEDGER_OK);                     /* a known owner: fine */
    MM_CHECK_EQ(t, led.nerr[LEDGER_ERR_OWNERS], 1);
    MM_CHECK_EQ(t, led.nerr[LEDGER_ERR_RANGE] + led.nerr[LEDGER_ERR_FULL],
                0);
    MM_CHECK_EQ(t, led.nclaims, LEDGER_MAX_OWNERS + 1);
    settle_says(t, 1, "ledger: 1 claims lost: owner table full\n");
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KERNEL), 100);
}

/* Each owner in words, with its name or detail; a missing name too. */
MM_TEST(ledger, describe_each_kind_of_owner)
{
    char buf[96];

    fresh(0, 16);
    ledger_claim(&led, 0, 1, LEDGER_KMALLOC_BUCKET, 64, NULL);
    ledger_claim(&led, 1, 1, LEDGER_RESERVED, 0, NULL);
    ledger_claim(&led, 2, 1, LEDGER_RESERVED, 0, "page 0");
    ledger_claim(&led, 3, 1, LEDGER_POOL_SLAB, 0, NULL);
    ledger_claim(&led, 4, 1, LEDGER_POOL_BAD, 0, NULL);
    ledger_claim(&led, 5, 1, LEDGER_POOL_BAD, 0, "p");
    ledger_claim(&led, 6, 1, LEDGER_KMALLOC_LARGE, 2, NULL);
    ledger_describe(&led, 0, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "kmalloc bucket page size 64");
    ledger_describe(&led, 1, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "reserved (no reason)");
    ledger_describe(&led, 2, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "reserved (page 0)");
    ledger_describe(&led, 3, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "pool slab of \"\"");
    ledger_describe(&led, 4, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "pool slab of \"\" with a bad header");
    ledger_describe(&led, 5, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "pool slab of \"p\" with a bad header");
    ledger_describe(&led, 6, buf, sizeof buf);
    MM_CHECK_STR(t, buf, "kmalloc large run");
}

/*
 * The report: one line per owner with pages, grouped by kind, then the
 * memory map's three figures and the total.
 *   hole 0-3, edge page 4 (3 KiB usable), reserved 5-7, free 8-31,
 *   kernel block 32-63 holding a kmalloc extent 32-47 (metadata 32,
 *   unused 33-39 and 43-47, a bucket page 40, a 2-page run 41-42) and
 *   a pool slab 48-51.
 */
MM_TEST(ledger, print_totals_per_owner)
{
    static char out[1024];

    fresh(0, 64);
    ledger_claim(&led, 0, 4, LEDGER_HOLE, 0, NULL);
    ledger_claim(&led, 4, 1, LEDGER_EDGE, 3072, NULL);
    ledger_claim(&led, 5, 3, LEDGER_RESERVED, 0, "kernel image");
    ledger_claim(&led, 8, 24, LEDGER_FREE, 0, NULL);
    ledger_claim(&led, 32, 32, LEDGER_KERNEL, 0, NULL);
    ledger_claim(&led, 32, 16, LEDGER_KMALLOC_EXTENT, 0, NULL);
    ledger_claim(&led, 32, 1, LEDGER_KMALLOC_META, 0, NULL);
    ledger_claim(&led, 33, 7, LEDGER_KMALLOC_UNUSED, 0, NULL);
    ledger_claim(&led, 40, 1, LEDGER_KMALLOC_PAGE, 0, NULL);
    ledger_claim(&led, 41, 2, LEDGER_KMALLOC_PAGE, 1, NULL);
    ledger_claim(&led, 43, 5, LEDGER_KMALLOC_UNUSED, 0, NULL);
    ledger_claim(&led, 40, 1, LEDGER_KMALLOC_BUCKET, 64, NULL);
    ledger_claim(&led, 41, 2, LEDGER_KMALLOC_LARGE, 1, NULL);
    ledger_claim(&led, 48, 4, LEDGER_POOL_SLAB, 0, "t-pool");
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    mm_test_capture_prints(out, sizeof out);
    ledger_print(&led);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
                 "ledger: hole 4 pages (16 KiB)\n"
                 "ledger: edge page 1 pages (4 KiB), 3072 bytes usable "
                 "each\n"
                 "ledger: reserved 3 pages (12 KiB) kernel image\n"
                 "ledger: free buddy block 24 pages (96 KiB)\n"
                 "ledger: kernel block 12 pages (48 KiB)\n"
                 "ledger: pool slab 4 pages (16 KiB) t-pool\n"
                 "ledger: kmalloc metadata 1 pages (4 KiB)\n"
                 "ledger: kmalloc unused 12 pages (48 KiB)\n"
                 "ledger: kmalloc bucket page 1 pages (4 KiB) size 64\n"
                 "ledger: kmalloc large run 2 pages (8 KiB) order 1\n"
                 "ledger: not usable 4 pages (16 KiB)\n"
                 "ledger: kept back 4 pages (16 KiB), 15 KiB of it "
                 "usable\n"
                 "ledger: free regions 56 pages (224 KiB)\n"
                 "ledger: total 64 pages (256 KiB), 0 problems\n");
}

/*
 * Entries smaller than a page: two in pages 0 and 1 (two edge pages),
 * one starting inside page 3 after a hole at page 2.
 */
MM_TEST(ledger, memory_map_small_entries)
{
    struct memmap *m = mm_test_static(sizeof *m);

    memmap_init(m);
    memmap_add(m, 0x100, 0x100, MEMMAP_USABLE);
    memmap_add(m, 0x1100, 0x200, MEMMAP_USABLE);
    memmap_add(m, 0x3800, 0x2800, MEMMAP_USABLE);  /* to 0x6000 */
    memmap_sanitise(m);
    memmap_compute_free(m);
    MM_CHECK_EQ(t, memmap_free_bytes(m), 0x2000);
    ledger_init(&led, 0, MEMMAP_LIMIT >> MM_PAGE_SHIFT, table, TABLE_CLAIMS);
    led.quiet = true;
    memmap_claim(m, &led);
    ledger_claim(&led, 4, 2, LEDGER_FREE, 0, NULL);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 0)->owner].detail, 0x100);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 1)->owner].detail, 0x200);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 2)->owner].kind, LEDGER_HOLE);
    MM_CHECK_EQ(t, ledger_find(&led, 2)->end, 3);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 3)->owner].kind, LEDGER_EDGE);
    MM_CHECK_EQ(t, led.owner[ledger_find(&led, 3)->owner].detail, 0x800);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_EDGE), 3);
    MM_CHECK_EQ(t, led.kept_usable_bytes,
                memmap_usable_bytes(m) - memmap_free_bytes(m));
}

/* ---- pools seen from the ledger ------------------------------------- */

/*
 * Every live growing pool's slabs are claimed, one claim per slab named
 * after its pool (the kernel's own pools too, when run in the kernel);
 * a static pool has no slab from the page allocator, so none.  A slab
 * whose header is damaged (magic, or the pool it names) is claimed as a
 * bad one.  pool_slab_of finds
 * each slab of a growing pool by an address inside it, and nothing for
 * a static pool's buffer or memory of no pool.
 */
MM_TEST(ledger, pools_claim_their_slabs)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static uint8_t buf[4 * 16] MM_ALIGNED(16);
    static uint32_t map[1];
    static void *obj[3 * 64];
    const struct slab *found;
    const struct pool *owner, *q;
    struct pool g, s;
    size_t want = 0, mine = 0, bad = 0, i;
    unsigned per;
    uint8_t *outside;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    outside = mm_scratch_alloc(MM_PAGE);
    if (!MM_CHECK(t, outside != NULL))
        return;
    MM_CHECK_EQ(t, pool_init_static(&s, "t-own-static", buf, sizeof buf, 16,
                                    16, 0, map), POOL_OK);
    MM_CHECK_EQ(t, pool_init(&g, "t-own", 64, 64, 0, &tp->src), POOL_OK);
    per = g.geom.nobjs;
    for (i = 0; i < 3 * per; i++)
        obj[i] = pool_alloc(&g);
    MM_CHECK_EQ(t, g.nslabs, 3);
    obj[3 * per] = pool_alloc(&s);

    fresh(0, (uint64_t)1 << 52);                /* any address at all */
    pool_claim(&s, &led);
    MM_CHECK_EQ(t, led.nclaims, 0);
    for (q = pool_registry_next(NULL); q != NULL; q = pool_registry_next(q))
        if (q->src != NULL)
            want += q->nslabs;
    pool_slab_at(&g, 1)->magic = 0;             /* damaged headers */
    pool_slab_at(&g, 2)->cache = &s;
    pool_claim_all(&led);
    pool_slab_at(&g, 1)->magic = SLAB_MAGIC;
    pool_slab_at(&g, 2)->cache = &g;
    MM_CHECK_EQ(t, led.nclaims, want);
    MM_CHECK_EQ(t, led.nerr[LEDGER_ERR_RANGE] + led.nerr[LEDGER_ERR_FULL] +
                led.nerr[LEDGER_ERR_OWNERS], 0);
    for (i = 0; i < led.nclaims; i++) {
        const struct ledger_owner *o = &led.owner[led.claim[i].owner];

        if (o->name != g.name)
            continue;
        mine++;
        bad += o->kind == LEDGER_POOL_BAD;
        MM_CHECK_EQ(t, led.claim[i].end - led.claim[i].first,
                    (uint64_t)1 << g.geom.order);
    }
    MM_CHECK_EQ(t, mine, 3);
    MM_CHECK_EQ(t, bad, 2);

    for (i = 0; i < 3; i++) {
        const struct slab *sl = pool_slab_at(&g, i);

        owner = NULL;
        found = pool_slab_of((uintptr_t)pool_object_at(sl, per - 1),
                             &owner);
        MM_CHECK_PTR_EQ(t, found, sl);
        MM_CHECK_PTR_EQ(t, owner, &g);
    }
    owner = NULL;
    MM_CHECK(t, pool_slab_of((uintptr_t)buf, &owner) == NULL);
    MM_CHECK(t, pool_slab_of((uintptr_t)outside, &owner) == NULL);
    MM_CHECK(t, owner == NULL);

    pool_free(&s, obj[3 * per]);
    for (i = 0; i < 3 * per; i++)
        pool_free(&g, obj[i]);
    MM_CHECK_EQ(t, pool_destroy(&g), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&s), POOL_OK);
    mm_scratch_free(outside, MM_PAGE);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}
