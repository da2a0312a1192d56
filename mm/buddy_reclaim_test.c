/*
 * mm/buddy_reclaim_test.c - tests of the reclaim hooks
 * (mm/buddy_reclaim.c), in kernel and on host.
 *
 * Each test fills a 16-page buddy with one order-4 block held by a
 * pretend layer, whose reclaimer gives it back (or not), and checks
 * when the reclaimers run, how often, in what state they find the
 * allocator, and what is counted as out of memory.
 */
#include "buddy.h"
#include "test.h"

#define RECLAIM_PAGES   16

/* A pretend layer above the buddy: holds one block it can give back. */
struct holder {
    struct buddy *b;
    struct buddy_reclaimer r;
    void *held;                 /* a block it may give back, or NULL */
    unsigned calls;             /* reclaim calls */
    unsigned bad_state;         /* calls that found the buddy locked or
                                   inconsistent */
    bool alloc_inside;          /* reclaim also tries to allocate */
    void *inner;                /* what that allocation got */
};

static size_t
holder_reclaim(void *arg)
{
    struct holder *h = arg;

    h->calls++;
    /* The buddy's lock is free and its state whole: check() takes the
       lock and walks everything. */
    h->bad_state += buddy_check(h->b) != 0;
    if (h->alloc_inside)
        h->inner = buddy_alloc(h->b, 0);
    if (h->held == NULL)
        return 0;
    buddy_free(h->b, h->held);
    h->held = NULL;
    return RECLAIM_PAGES;
}

static uint8_t *
full_buddy(struct mm_t *t, struct buddy *b, uint8_t *meta,
           struct holder *h)
{
    uint8_t *base = mm_scratch_alloc(RECLAIM_PAGES * MM_PAGE);

    buddy_init(b, "reclaim");
    mm_memset(h, 0, sizeof *h);
    if (!MM_CHECK(t, base != NULL))
        return NULL;
    MM_CHECK_EQ(t, buddy_add_zone(b, base, RECLAIM_PAGES * MM_PAGE, 0, meta),
                BUDDY_OK);
    h->b = b;
    h->r = (struct buddy_reclaimer){ holder_reclaim, h, NULL };
    h->held = buddy_alloc(b, 4);
    MM_CHECK(t, h->held == base);
    MM_CHECK_EQ(t, buddy_free_pages(b), 0);
    return base;
}

/* A failing alloc calls the reclaimer once; what it frees is used. */
MM_TEST(buddy_reclaim, reclaimed_block_serves_the_alloc)
{
    static uint8_t meta[BUDDY_META_SIZE(RECLAIM_PAGES)];
    struct buddy b;
    struct holder h;
    uint8_t *base = full_buddy(t, &b, meta, &h);
    void *p;

    if (base == NULL)
        return;
    buddy_add_reclaimer(&b, &h.r);
    p = buddy_alloc(&b, 2);
    MM_CHECK(t, p == base);             /* 16 -> 4 + 4 + 8, lowest first */
    MM_CHECK_EQ(t, h.calls, 1);
    MM_CHECK_EQ(t, h.bad_state, 0);
    MM_CHECK_EQ(t, buddy_nomem(&b), 0);
    MM_CHECK_EQ(t, buddy_free_pages(&b), RECLAIM_PAGES - 4);
    /* An alloc that succeeds at once calls no reclaimer. */
    MM_CHECK(t, buddy_alloc(&b, 0) != NULL);
    MM_CHECK_EQ(t, h.calls, 1);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RECLAIM_PAGES * MM_PAGE);
}

/*
 * With nothing to give back, each reclaimer runs once per failing
 * alloc, and only then is the failure counted: once per call.
 */
MM_TEST(buddy_reclaim, nomem_counted_only_when_still_failing)
{
    static uint8_t meta[BUDDY_META_SIZE(RECLAIM_PAGES)];
    struct buddy b;
    struct holder h, empty;
    uint8_t *base = full_buddy(t, &b, meta, &h);

    if (base == NULL)
        return;
    mm_memset(&empty, 0, sizeof empty);
    empty.b = &b;
    empty.r = (struct buddy_reclaimer){ holder_reclaim, &empty, NULL };
    buddy_add_reclaimer(&b, &empty.r);
    MM_CHECK(t, buddy_alloc(&b, 0) == NULL);
    MM_CHECK_EQ(t, empty.calls, 1);
    MM_CHECK_EQ(t, buddy_nomem(&b), 1);
    MM_CHECK(t, buddy_alloc(&b, 3) == NULL);
    MM_CHECK_EQ(t, empty.calls, 2);
    MM_CHECK_EQ(t, buddy_nomem(&b), 2);
    /* A second reclaimer that frees: both run, the alloc succeeds. */
    buddy_add_reclaimer(&b, &h.r);
    MM_CHECK(t, buddy_alloc(&b, 4) == base);
    MM_CHECK_EQ(t, h.calls, 1);
    MM_CHECK_EQ(t, empty.calls, 3);
    MM_CHECK_EQ(t, h.bad_state + empty.bad_state, 0);
    MM_CHECK_EQ(t, buddy_nomem(&b), 2);
    /* A bad order is refused before any reclaim. */
    mm_test_catch_panics(t);
    MM_CHECK(t, buddy_alloc(&b, BUDDY_MAX_ORDER + 1) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, empty.calls, 3);
    MM_CHECK_EQ(t, buddy_errors(&b, BUDDY_ERR_ORDER), 1);
    MM_CHECK_EQ(t, buddy_free(&b, base), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RECLAIM_PAGES * MM_PAGE);
}

/*
 * A removed reclaimer is not called; removing one that is not there
 * changes nothing; an allocation from inside a reclaimer does not
 * reclaim again (it fails at once, counted).
 */
MM_TEST(buddy_reclaim, remove_and_no_recursion)
{
    static uint8_t meta[BUDDY_META_SIZE(RECLAIM_PAGES)];
    struct buddy b;
    struct holder h, other;
    uint8_t *base = full_buddy(t, &b, meta, &h);

    if (base == NULL)
        return;
    mm_memset(&other, 0, sizeof other);
    other.r = (struct buddy_reclaimer){ holder_reclaim, &other, NULL };
    buddy_add_reclaimer(&b, &h.r);
    buddy_remove_reclaimer(&b, &other.r);   /* not registered: no-op */
    buddy_remove_reclaimer(&b, &h.r);
    MM_CHECK(t, buddy_alloc(&b, 0) == NULL);
    MM_CHECK_EQ(t, h.calls, 0);
    MM_CHECK_EQ(t, buddy_nomem(&b), 1);
    /* Registered again, reclaiming with an alloc inside: the inner
       alloc finds nothing (the block is freed after it) and fails
       without calling the reclaimer a second time. */
    buddy_add_reclaimer(&b, &h.r);
    h.alloc_inside = true;
    MM_CHECK(t, buddy_alloc(&b, 0) == base);
    MM_CHECK_EQ(t, h.calls, 1);
    MM_CHECK(t, h.inner == NULL);
    MM_CHECK_EQ(t, buddy_nomem(&b), 2);     /* the inner one */
    MM_CHECK_EQ(t, buddy_free(&b, base), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_free_pages(&b), RECLAIM_PAGES);
    MM_CHECK_EQ(t, buddy_check(&b), 0);
    mm_scratch_free(base, RECLAIM_PAGES * MM_PAGE);
}
