/*
 * mm/buddy_park_test.c - tests of the buddy's array of parked order-0
 * pages (mm/buddy_park.c), in kernel and on host.
 *
 * Each test runs a buddy over a small zone from the scratch area with
 * parking on, and checks what a free parks, what an alloc takes back,
 * that every bad free is still refused and counted, when the array is
 * listed (full, before an alloc fails, after the reclaimers, before a
 * resize grows, before a zone goes, when parking is switched off), that
 * traces see the algorithm itself, the report line, and that the
 * checker and the ledger's claims see parked pages for what they are.
 */
#include "buddy.h"
#include "ledger.h"
#include "test.h"

#define PARK_PAGES      64

struct park_fixture {
    struct buddy b;
    uint8_t meta[BUDDY_META_SIZE(PARK_PAGES)];
    uint8_t *base;
};

/* A buddy over npages (<= PARK_PAGES) fresh pages, parking as told. */
static struct park_fixture *
park_setup(struct mm_t *t, size_t npages, bool parking)
{
    struct park_fixture *f = mm_test_static(sizeof *f);

    if (!MM_CHECK(t, f != NULL))
        return NULL;
    f->base = mm_scratch_alloc(npages * MM_PAGE);
    if (!MM_CHECK(t, f->base != NULL))
        return NULL;
    buddy_init(&f->b, "park");
    f->b.poison = false;        /* "poison=buddy" boots: poisoning turns
                                   parking off, tested on its own below */
    if (!MM_CHECK_EQ(t, buddy_add_zone(&f->b, f->base, npages * MM_PAGE, 0,
                                       f->meta), BUDDY_OK))
        return NULL;
    buddy_set_parking(&f->b, parking);
    return f;
}

static uint8_t *
page(const struct park_fixture *f, size_t i)
{
    return f->base + i * MM_PAGE;
}

/* An order-0 free parks the page; the next order-0 alloc takes it. */
MM_TEST(buddy_park, free_parks_and_alloc_takes_it_back)
{
    struct park_fixture *f = park_setup(t, 16, true);
    void *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);          /* 16 -> 8 + 4 + 2 + 1 + p */
    MM_CHECK(t, p == page(f, 0));
    MM_CHECK_EQ(t, buddy_free(&f->b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), 16);    /* parked is free */
    MM_CHECK_EQ(t, buddy_zone_free_pages(&f->b, 0), 16);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 0), 1);    /* not merged: its */
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 0);    /* buddy still alone */
    MM_CHECK_EQ(t, buddy_state(&f->b, p), BUDDY_STATE_FREE);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    q = buddy_alloc(&f->b, 0);
    MM_CHECK(t, q == p);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_state(&f->b, q), BUDDY_STATE_ALLOC);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    MM_CHECK_EQ(t, buddy_free_order(&f->b, q, 0), BUDDY_OK);   /* parks */
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_flush(&f->b), 1);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 1);    /* all merged back */
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), 16);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* A parked page is free: freeing it again is a double free. */
MM_TEST(buddy_park, second_free_of_a_parked_page_is_a_double_free)
{
    struct park_fixture *f = park_setup(t, 16, true);
    void *p;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    MM_CHECK_EQ(t, buddy_free(&f->b, p), BUDDY_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_free(&f->b, p), BUDDY_ERR_DOUBLE_FREE);
    MM_CHECK_EQ(t, buddy_free_order(&f->b, p, 0), BUDDY_ERR_DOUBLE_FREE);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_DOUBLE_FREE], p);
    MM_CHECK_EQ(t, buddy_size(&f->b, p), 0);        /* not allocated */
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 3);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_NOT_ALLOCATED], p);
    MM_CHECK_EQ(t, buddy_errors(&f->b, BUDDY_ERR_DOUBLE_FREE), 2);
    MM_CHECK_EQ(t, buddy_errors(&f->b, BUDDY_ERR_NOT_ALLOCATED), 1);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    MM_CHECK(t, buddy_alloc(&f->b, 0) == p);        /* still handed out once */
    MM_CHECK(t, buddy_alloc(&f->b, 0) != p);
}

/* Every bad free is refused as before and parks nothing. */
MM_TEST(buddy_park, bad_frees_are_refused_and_park_nothing)
{
    struct park_fixture *f = park_setup(t, 16, true);
    static uint8_t elsewhere[2 * MM_PAGE];
    uint8_t *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    q = buddy_alloc(&f->b, 2);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, buddy_free(&f->b, p + 8), BUDDY_ERR_MISALIGNED);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_MISALIGNED], p + 8);
    MM_CHECK_EQ(t, buddy_free(&f->b, q + MM_PAGE), BUDDY_ERR_INTERIOR);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_INTERIOR], q + MM_PAGE);
    MM_CHECK_EQ(t, buddy_free(&f->b, elsewhere), BUDDY_ERR_FOREIGN);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_FOREIGN], elsewhere);
    MM_CHECK_EQ(t, buddy_free_order(&f->b, p, 1), BUDDY_ERR_ORDER);
    MM_CHECK_EQ(t, buddy_free_order(&f->b, p, 99), BUDDY_ERR_ORDER);
    MM_CHECK_EQ(t, buddy_free_order(&f->b, q, 0), BUDDY_ERR_ORDER);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 6);
    MM_CHECK_PANIC(t, buddy_err_name[BUDDY_ERR_ORDER], q);
    MM_CHECK_EQ(t, buddy_errors(&f->b, BUDDY_ERR_ORDER), 3);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_state(&f->b, p), BUDDY_STATE_ALLOC);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    MM_CHECK_EQ(t, buddy_free(&f->b, q), BUDDY_OK);     /* order 2: listed */
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_free(&f->b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), 16);
}

/* A full array parks nothing more: those frees merge as usual. */
MM_TEST(buddy_park, full_array_frees_through_the_lists)
{
    struct park_fixture *f = park_setup(t, PARK_PAGES, true);
    void **p = mm_test_static(PARK_PAGES * sizeof *p);
    size_t i;

    if (f == NULL || !MM_CHECK(t, p != NULL))
        return;
    for (i = 0; i < PARK_PAGES; i++)
        p[i] = buddy_alloc(&f->b, 0);
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), 0);
    for (i = 0; i < PARK_PAGES; i++)
        MM_CHECK_EQ(t, buddy_free(&f->b, p[i]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), BUDDY_NPARKED);
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), PARK_PAGES);
    /* pages 32..63 were listed and merged into one order-5 block */
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 5), 1);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 0), 0);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    MM_CHECK(t, buddy_alloc(&f->b, 0) == p[BUDDY_NPARKED - 1]);  /* LIFO */
    MM_CHECK_EQ(t, buddy_free(&f->b, p[BUDDY_NPARKED - 1]), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_flush(&f->b), BUDDY_NPARKED);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 6), 1);    /* the whole zone */
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* Memory held only by parked pages still serves a larger block. */
MM_TEST(buddy_park, alloc_lists_the_parked_pages_before_failing)
{
    struct park_fixture *f = park_setup(t, 16, true);
    void *p[16];
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < 16; i++)
        p[i] = buddy_alloc(&f->b, 0);
    for (i = 0; i < 16; i++)
        buddy_free(&f->b, p[i]);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 16);
    MM_CHECK(t, buddy_alloc(&f->b, 4) == f->base);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_nomem(&f->b), 0);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    MM_CHECK(t, buddy_alloc(&f->b, 0) == NULL);     /* truly full now */
    MM_CHECK_EQ(t, buddy_nomem(&f->b), 1);
}

/* A layer whose reclaimer frees single pages (which park). */
struct page_holder {
    struct buddy *b;
    void *held[4];
    unsigned calls;
};

static size_t
page_holder_reclaim(void *arg)
{
    struct page_holder *h = arg;
    unsigned i;

    h->calls++;
    for (i = 0; i < 4; i++)
        if (h->held[i] != NULL) {
            buddy_free(h->b, h->held[i]);
            h->held[i] = NULL;
        }
    return 4;
}

/* What the reclaimers free is listed before the retry. */
MM_TEST(buddy_park, pages_reclaimed_into_the_array_serve_the_retry)
{
    struct park_fixture *f = park_setup(t, 4, true);
    struct page_holder h = { NULL, { NULL }, 0 };
    struct buddy_reclaimer r = { page_holder_reclaim, &h, NULL };
    unsigned i;

    if (f == NULL)
        return;
    h.b = &f->b;
    for (i = 0; i < 4; i++)
        h.held[i] = buddy_alloc(&f->b, 0);
    buddy_add_reclaimer(&f->b, &r);
    MM_CHECK(t, buddy_alloc(&f->b, 2) == f->base);
    MM_CHECK_EQ(t, h.calls, 1);
    MM_CHECK_EQ(t, buddy_nomem(&f->b), 0);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
    buddy_remove_reclaimer(&f->b, &r);
}

/* Off by default; switching it off lists what is parked. */
MM_TEST(buddy_park, parking_is_off_by_default_and_off_lists_the_array)
{
    struct park_fixture *f = park_setup(t, 16, false);
    void *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    buddy_free(&f->b, p);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 1);    /* merged at once */
    buddy_set_parking(&f->b, true);
    p = buddy_alloc(&f->b, 0);
    q = buddy_alloc(&f->b, 0);
    buddy_free(&f->b, p);
    buddy_free(&f->b, q);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 2);
    buddy_set_parking(&f->b, false);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 1);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* With traces on, frees and allocs take the lists: a trace shows them. */
MM_TEST(buddy_park, traces_see_the_algorithm_not_the_array)
{
    struct park_fixture *f = park_setup(t, 16, true);
    unsigned saved = mm_switch.trace;
    char out[2048], want[128];
    void *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    buddy_free(&f->b, p);                           /* parked */
    mm_test_capture_prints(out, sizeof out);
    mm_switch.trace |= MM_TRACE_BUDDY;
    q = buddy_alloc(&f->b, 0);                      /* from the lists */
    buddy_free(&f->b, q);                           /* merged, traced */
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);   /* p only */
    mm_test_format(want, sizeof want, "trace: buddy free zone=0 "
                   "addr=0x%08lx order=0\ntrace: buddy merge", (unsigned long)
                   (uintptr_t)p);
    MM_CHECK(t, !mm_test_contains(out, want));
    MM_CHECK_EQ(t, buddy_flush(&f->b), 1);          /* p's free, traced */
    mm_switch.trace = saved;
    mm_test_release_prints();
    MM_CHECK(t, q != p);
    MM_CHECK(t, mm_test_contains(out, "trace: buddy alloc"));
    MM_CHECK(t, mm_test_contains(out, want));
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 1);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* A resize that grows lists the parked pages first: a parked buddy is
   absorbed in place. */
MM_TEST(buddy_park, resize_grows_over_a_parked_buddy)
{
    struct park_fixture *f = park_setup(t, 16, true);
    void *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    q = buddy_alloc(&f->b, 0);
    MM_CHECK(t, q == page(f, 1));
    buddy_free(&f->b, q);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_resize(&f->b, &p, 2 * MM_PAGE), BUDDY_OK);
    MM_CHECK(t, p == page(f, 0));                   /* in place */
    MM_CHECK_EQ(t, buddy_size(&f->b, p), 2 * MM_PAGE);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* A zone whose only used pages are parked can be removed. */
MM_TEST(buddy_park, zone_with_parked_pages_can_be_removed)
{
    struct park_fixture *f = park_setup(t, 16, true);

    if (f == NULL)
        return;
    buddy_free(&f->b, buddy_alloc(&f->b, 0));
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 1);
    MM_CHECK_EQ(t, buddy_remove_zone(&f->b, f->base), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_nzones(&f->b), 0);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, buddy_free_pages(&f->b), 0);
}

/* buddyinfo ends with the array's line while parking is on. */
MM_TEST(buddy_park, buddyinfo_says_how_many_are_parked)
{
    struct park_fixture *f = park_setup(t, 16, true);
    char out[512];

    if (f == NULL)
        return;
    buddy_free(&f->b, buddy_alloc(&f->b, 0));
    mm_test_capture_prints(out, sizeof out);
    buddy_print_buddyinfo(&f->b);
    buddy_set_parking(&f->b, false);
    buddy_print_buddyinfo(&f->b);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
                 "Node 0, zone        0      1      1      1      1      0"
                 "      0      0      0      0      0      0\n"
                 "buddy: parked: 1 of 32 order-0 pages\n"
                 "Node 0, zone        0      0      0      0      0      1"
                 "      0      0      0      0      0      0\n");
}

/* The checker catches an array that disagrees with the state bytes. */
MM_TEST(buddy_park, check_finds_a_broken_array)
{
    struct park_fixture *f = park_setup(t, 16, true);
    struct buddy_parked saved;
    uint8_t *p, *q;
    char out[2048];

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    q = buddy_alloc(&f->b, 0);
    buddy_free(&f->b, p);
    saved = f->b.parked[0];
    mm_test_capture_prints(out, sizeof out);
    f->b.parked[0].index = (uintptr_t)(q - f->base) / MM_PAGE;
    MM_CHECK(t, buddy_check(&f->b) != 0);           /* names an alloc */
    f->b.parked[0] = saved;
    f->b.parked[1] = saved;                         /* parked twice */
    f->b.nparked = 2;
    MM_CHECK(t, buddy_check(&f->b) != 0);
    f->b.nparked = 1;
    f->b.park_max = 0;                              /* over the limit */
    MM_CHECK(t, buddy_check(&f->b) != 0);
    f->b.park_max = BUDDY_NPARKED;
    f->meta[0] = BUDDY_META_ALLOC;                  /* state lost */
    MM_CHECK(t, buddy_check(&f->b) != 0);
    f->meta[0] = BUDDY_META_PARKED;
    *buddy_owner(&f->b, p) = 0x42;                  /* owned while parked */
    MM_CHECK(t, buddy_check(&f->b) != 0);
    *buddy_owner(&f->b, p) = 0;
    f->b.parked[0].index = 16;                      /* past the zone */
    MM_CHECK(t, buddy_check(&f->b) != 0);
    f->b.parked[0] = saved;
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out, "parked entry's page is not parked"));
    MM_CHECK(t, mm_test_contains(out, "page parked twice"));
    MM_CHECK(t, mm_test_contains(out, "more pages parked than allowed"));
    MM_CHECK(t, mm_test_contains(out, "parked pages differ from the array"));
    MM_CHECK(t, mm_test_contains(out, "parked page has an owner"));
    MM_CHECK(t, mm_test_contains(out, "parked entry names no page"));
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);          /* whole again */
}

/* A poisoning buddy parks nothing: each free is poisoned and merged. */
MM_TEST(buddy_park, poisoning_buddy_parks_nothing)
{
    struct park_fixture *f = park_setup(t, 16, true);
    uint8_t *p;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    f->b.poison = true;         /* (the rest of the zone is not poisoned:
                                   nothing more is allocated) */
    MM_CHECK_EQ(t, buddy_free(&f->b, p), BUDDY_OK);
    MM_CHECK_EQ(t, buddy_parked_pages(&f->b), 0);
    MM_CHECK_EQ(t, p[0], 0x6B);                     /* poisoned */
    MM_CHECK_EQ(t, p[MM_PAGE - 1], 0x6B);
    MM_CHECK_EQ(t, buddy_nfree(&f->b, 0, 4), 1);    /* merged */
    MM_CHECK_EQ(t, buddy_check(&f->b), 0);
}

/* The page ledger counts parked pages as free, each owned once. */
MM_TEST(buddy_park, ledger_claims_parked_pages_as_free)
{
    struct park_fixture *f = park_setup(t, 16, true);
    static struct ledger_claim claims[32];
    static struct ledger led;
    uintptr_t first;
    void *p, *q;

    if (f == NULL)
        return;
    p = buddy_alloc(&f->b, 0);
    q = buddy_alloc(&f->b, 0);
    buddy_free(&f->b, p);
    first = (uintptr_t)f->base >> MM_PAGE_SHIFT;
    ledger_init(&led, first, first + 16, claims,
                sizeof claims / sizeof claims[0]);
    led.quiet = true;
    buddy_claim(&f->b, &led, LEDGER_BUDDY_META, LEDGER_FREE, LEDGER_KERNEL);
    MM_CHECK_EQ(t, ledger_settle(&led), 0);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_FREE), 15);
    MM_CHECK_EQ(t, ledger_kind_pages(&led, LEDGER_KERNEL), 1);   /* q */
    buddy_free(&f->b, q);
}
