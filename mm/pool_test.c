/*
 * mm/pool_test.c - tests of the slab pools, in kernel and on host.
 *
 * Static pools live in small static buffers; growing pools take their
 * slabs from the counting test page source (mm/testpages.h), so each test
 * can check that every slab page came back.
 */
#include "buddy.h"
#include "pool.h"
#include "test.h"
#include "testpages.h"

#define NOBJS   10

/* The free table, as a string: "1" free, "0" in use, for one check. */
static void
table_text(const struct slab *s, char *buf)
{
    unsigned i;

    for (i = 0; i < ((const struct pool *)s->cache)->geom.nobjs; i++)
        buf[i] = pool_is_free(s, i) ? '1' : '0';
    buf[i] = '\0';
}

/*
 * Turns the global pool poison switch off for a pool created next (a
 * poisoned pool parks nothing, and the tests of the parked array need
 * one that parks); returns the switches to put back after creation.
 */
static unsigned
unpoisoned(void)
{
    unsigned saved = mm_switch.poison;

    mm_switch.poison &= ~MM_POISON_POOL;
    return saved;
}

MM_TEST(pool, static_pool_gives_exactly_n)
{
    static uint8_t buf[NOBJS * 24] MM_ALIGNED(8);
    static uint32_t map[POOL_FREEMAP_WORDS(NOBJS)];
    static void *obj[NOBJS];
    struct pool p;
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-static", buf, sizeof buf, 24, 8,
                                    0, map), POOL_OK);
    MM_CHECK_EQ(t, pool_nobjs(&p), NOBJS);
    for (i = 0; i < NOBJS; i++) {
        obj[i] = pool_alloc(&p);
        MM_CHECK_PTR_EQ(t, obj[i], buf + i * 24);   /* carved in order */
    }
    MM_CHECK(t, pool_alloc(&p) == NULL);            /* N + 1: clean NULL */
    MM_CHECK_EQ(t, p.nerr[POOL_NOMEM], 1);
    MM_CHECK_EQ(t, pool_active(&p), NOBJS);
    for (i = 0; i < NOBJS; i++)
        MM_CHECK_EQ(t, pool_free(&p, obj[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_active(&p), 0);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * The free table after each step, 6 objects of 32 bytes:
 *   alloc a, b, c   000111      (carved 0, 1, 2)
 *   free b          010111      (b on the free list)
 *   alloc -> b      000111      (the list first: LIFO)
 *   free a, free c  101111
 *   alloc -> c      100111
 */
MM_TEST(pool, free_table_after_each_operation)
{
    static uint8_t buf[6 * 32] MM_ALIGNED(32);
    static uint32_t map[1];
    struct pool p;
    char table[8];
    void *a, *b, *c, *d;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-table", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    a = pool_alloc(&p);
    b = pool_alloc(&p);
    c = pool_alloc(&p);
    table_text(&p.static_slab, table);
    MM_CHECK_STR(t, table, "000111");
    MM_CHECK_EQ(t, pool_index_of(&p.static_slab, c), 2);
    MM_CHECK_PTR_EQ(t, pool_object_at(&p.static_slab, 2), buf + 64);
    pool_free(&p, b);
    table_text(&p.static_slab, table);
    MM_CHECK_STR(t, table, "010111");
    d = pool_alloc(&p);
    MM_CHECK_PTR_EQ(t, d, b);
    table_text(&p.static_slab, table);
    MM_CHECK_STR(t, table, "000111");
    pool_free(&p, a);
    pool_free(&p, c);
    table_text(&p.static_slab, table);
    MM_CHECK_STR(t, table, "101111");
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), c);
    table_text(&p.static_slab, table);
    MM_CHECK_STR(t, table, "100111");
    MM_CHECK_EQ(t, pool_check(&p), 0);
    pool_free(&p, c);
    pool_free(&p, d);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/* ---- bad input ------------------------------------------------------ */

/* A copy of p without its error counters and lock, and of a static
 * pool's free table (up to 2 words), to see that a refused free changed
 * nothing. */
struct pool_snap {
    struct pool p;
    uint32_t map[2];
};

static void
snap(const struct pool *p, struct pool_snap *sn)
{
    mm_memset(sn, 0, sizeof *sn);
    mm_memcpy(&sn->p, p, sizeof *p);
    mm_memset(sn->p.nerr, 0, sizeof sn->p.nerr);
    mm_memset(&sn->p.lock, 0, sizeof sn->p.lock);   /* saved EFLAGS */
    if (p->src == NULL)
        mm_memcpy(sn->map, p->static_slab.freemap,
                  p->geom.nobjs > 32 ? 8 : 4);
}

static bool
same_snap(const struct pool_snap *a, const struct pool_snap *b)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t i;

    for (i = 0; i < sizeof *a; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

static void
expect_bad(struct mm_t *t, struct pool *p, void *obj, enum pool_err want)
{
    struct pool_snap before_snap, after_snap;   /* ~1 KiB of stack */
    unsigned long before[POOL_ERR_COUNT];
    unsigned e;

    mm_memcpy(before, p->nerr, sizeof before);
    snap(p, &before_snap);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_free(p, obj), want);
    mm_test_release_panics(t);
    snap(p, &after_snap);
    MM_CHECK(t, same_snap(&before_snap, &after_snap));  /* nothing else */
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, pool_err_name[want], obj);
    MM_CHECK(t, mm_test_contains(t->panic_msg, p->name));
    for (e = 0; e < POOL_ERR_COUNT; e++)
        MM_CHECK_EQ(t, p->nerr[e], before[e] + (e == want));
    MM_CHECK_EQ(t, pool_check(p), 0);
}

MM_TEST(pool, bad_input_is_refused)
{
    static uint8_t buf_a[8 * 64] MM_ALIGNED(64), buf_b[8 * 64] MM_ALIGNED(64);
    static uint8_t elsewhere[64] MM_ALIGNED(64);
    static uint32_t map_a[1], map_b[1];
    struct pool a, b;
    void *x, *y;

    MM_CHECK_EQ(t, pool_init_static(&a, "t-bad-a", buf_a, sizeof buf_a, 64,
                                    64, 0, map_a), POOL_OK);
    MM_CHECK_EQ(t, pool_init_static(&b, "t-bad-b", buf_b, sizeof buf_b, 64,
                                    64, 0, map_b), POOL_OK);
    x = pool_alloc(&a);
    y = pool_alloc(&b);
    expect_bad(t, &a, NULL, POOL_ERR_NULL);
    expect_bad(t, &a, elsewhere, POOL_ERR_FOREIGN);
    expect_bad(t, &a, (uint8_t *)x + 8, POOL_ERR_MISALIGNED);
    expect_bad(t, &a, y, POOL_ERR_WRONG_POOL);
    MM_CHECK_EQ(t, pool_free(&a, x), POOL_OK);
    expect_bad(t, &a, x, POOL_ERR_DOUBLE_FREE);
    /* Destroying a pool with objects in use is refused. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_destroy(&b), POOL_ERR_BUSY);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, pool_free(&b, y), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&a), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&b), POOL_OK);
}

/*
 * The parked objects, 48 objects of 16 bytes, 40 taken.  Freeing 16
 * fills the array (their bits set, the slab's count unchanged); a second
 * free of a parked object is a double free that changes nothing.  The
 * 17th free lists all 16 on the slab (a spill) and parks itself; the
 * next alloc hands it back, and the one after refills the array from
 * the slab's list, head first: the objects go out newest first.
 */
MM_TEST(pool, parked_objects_go_out_first)
{
    static uint8_t buf[48 * 16] MM_ALIGNED(16);
    static uint32_t map[POOL_FREEMAP_WORDS(48)];
    static void *o[40];
    unsigned saved = unpoisoned();
    struct pool p;
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-park", buf, sizeof buf, 16, 16,
                                    0, map), POOL_OK);
    mm_switch.poison = saved;
    for (i = 0; i < 40; i++)
        o[i] = pool_alloc(&p);
    for (i = 0; i < POOL_NPARKED; i++)
        pool_free(&p, o[i]);
    MM_CHECK(t, p.nparked == POOL_NPARKED && pool_is_free(&p.static_slab, 5) &&
                p.static_slab.nfree == 8);          /* the uncarved */
    MM_CHECK_EQ(t, pool_active(&p), 40 - POOL_NPARKED);
    expect_bad(t, &p, o[5], POOL_ERR_DOUBLE_FREE);  /* parked */

    MM_CHECK_EQ(t, pool_free(&p, o[16]), POOL_OK);  /* spill, park */
    MM_CHECK(t, p.nparked == 1 && p.static_slab.nfree == 8 + POOL_NPARKED);
    expect_bad(t, &p, o[3], POOL_ERR_DOUBLE_FREE);  /* listed */

    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[16]);      /* the array first */
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[15]);      /* refilled */
    MM_CHECK(t, p.nparked == POOL_NPARKED - 1 && p.static_slab.nfree == 8);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = POOL_NPARKED - 1; i-- > 0; )
        MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[i]);
    MM_CHECK(t, p.nparked == 0 && pool_active(&p) == 40);
    for (i = 0; i < 40; i++)
        pool_free(&p, o[i]);
    MM_CHECK(t, pool_active(&p) == 0 && pool_check(&p) == 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * A pool with an aid on parks nothing (zero_fill_and_poison checks it
 * of a poisoned pool): turning tracing on lists what a pool had parked,
 * and turning it off lets the pool park again.
 */
MM_TEST(pool, aids_park_nothing)
{
    static uint8_t buf[4 * 64] MM_ALIGNED(64);
    static uint32_t map[1];
    static char out[256];
    unsigned saved_trace = mm_switch.trace, saved = unpoisoned();
    struct pool p;
    void *a, *b;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-aid", buf, sizeof buf, 64, 64, 0,
                                    map), POOL_OK);
    mm_switch.poison = saved;
    a = pool_alloc(&p);
    b = pool_alloc(&p);
    pool_free(&p, a);                               /* parked */
    mm_test_capture_prints(out, sizeof out);
    mm_switch.trace = MM_TRACE_POOL;
    pool_trace_switched();                          /* a listed */
    pool_free(&p, b);                               /* traced, listed */
    MM_CHECK(t, p.nparked == 0 && p.static_slab.freelist == b);
    mm_switch.trace = saved_trace;
    pool_trace_switched();
    mm_test_release_prints();
    a = pool_alloc(&p);                             /* refill: b, a parked */
    pool_free(&p, a);
    MM_CHECK_EQ(t, p.nparked, 2);                   /* parks again */
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

MM_TEST(pool, bad_parameters_at_create)
{
    static uint8_t buf[64] MM_ALIGNED(16);
    static uint32_t map[1];
    struct pool p;

    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_init_static(&p, "t-p", buf, sizeof buf, 0, 8, 0,
                                    map), POOL_ERR_PARAM);
    MM_CHECK_EQ(t, pool_init_static(&p, "t-p", buf, sizeof buf, 16, 3, 0,
                                    map), POOL_ERR_PARAM);
    MM_CHECK_EQ(t, pool_init_static(&p, "t-p", buf, 8, 16, 8, 0, map),
                POOL_ERR_PARAM);                    /* holds no object */
    MM_CHECK_EQ(t, pool_init_static(&p, "t-p", buf + 4, 32, 16, 16, 0,
                                    map), POOL_ERR_PARAM);  /* misaligned */
    MM_CHECK_EQ(t, pool_init(&p, "t-p", 16, 8, 0, NULL), POOL_ERR_PARAM);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_PARAM], 1);      /* this try's only */
    MM_CHECK(t, !pool_is_registered(&p));
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 5);
}

/*
 * Bad frees to a growing pool: a pointer outside every slab (its page's
 * owner byte says so, and the pointer is never read), one into a slab's
 * header, one of another growing pool, a double free.
 */
MM_TEST(pool, bad_input_growing_pool)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct pool a, b;
    uint8_t *x, *y, *outside;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    outside = mm_scratch_alloc(MM_PAGE);
    if (!MM_CHECK(t, outside != NULL))
        return;
    MM_CHECK_EQ(t, pool_init(&a, "t-grow-a", 48, 16, 0, &tp->src), POOL_OK);
    MM_CHECK_EQ(t, pool_init(&b, "t-grow-b", 48, 16, 0, &tp->src), POOL_OK);
    x = pool_alloc(&a);
    y = pool_alloc(&b);
    expect_bad(t, &a, outside + 64, POOL_ERR_FOREIGN);
    expect_bad(t, &a, x - 16, POOL_ERR_MISALIGNED);     /* slab header */
    expect_bad(t, &a, x + 47, POOL_ERR_MISALIGNED);
    expect_bad(t, &a, y, POOL_ERR_WRONG_POOL);
    MM_CHECK_EQ(t, pool_free(&a, x), POOL_OK);
    expect_bad(t, &a, x, POOL_ERR_DOUBLE_FREE);
    MM_CHECK_EQ(t, pool_free(&b, y), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&a), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&b), POOL_OK);
    mm_scratch_free(outside, MM_PAGE);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- zeroing, poisoning, constructors ------------------------------- */

MM_TEST(pool, zero_fill_and_poison)
{
    static uint8_t zbuf[4 * 64] MM_ALIGNED(64), pbuf[4 * 64] MM_ALIGNED(64);
    static uint32_t zmap[1], pmap[1];
    struct pool z, p;
    uint8_t *o, *q;
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&z, "t-zero", zbuf, sizeof zbuf, 64,
                                    64, POOL_ZERO, zmap), POOL_OK);
    o = pool_alloc(&z);
    mm_memset(o, 0xFF, 64);
    pool_free(&z, o);
    o = pool_alloc(&z);
    for (i = 0; i < 64; i++)
        MM_CHECK_EQ(t, o[i], 0);
    pool_free(&z, o);
    MM_CHECK_EQ(t, pool_destroy(&z), POOL_OK);

    MM_CHECK_EQ(t, pool_init_static(&p, "t-poison", pbuf, sizeof pbuf, 64,
                                    64, POOL_POISON, pmap), POOL_OK);
    o = pool_alloc(&p);
    pool_free(&p, o);
    MM_CHECK_PTR_EQ(t, p.static_slab.freelist, o);  /* listed, not parked */
    MM_CHECK_EQ(t, o[40], 0x6B);                    /* poisoned */
    o[40] = 1;                                      /* write after free */
    mm_test_catch_panics(t);
    q = pool_alloc(&p);
    mm_test_release_panics(t);
    MM_CHECK_PTR_EQ(t, q, o);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_POISON], 1);
    MM_CHECK_PANIC(t, pool_err_name[POOL_ERR_POISON], o + 40);
    pool_free(&p, q);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

struct ctor_counts {
    unsigned calls;
};

/* Constructs a 32-byte object: every byte 0xC5, so any clobber shows. */
static void
count_ctor(void *obj, void *arg)
{
    struct ctor_counts *c = arg;

    c->calls++;
    mm_memset(obj, 0xC5, 32);
}

static bool
constructed(const uint8_t *obj)
{
    unsigned i;

    for (i = 0; i < 32; i++)
        if (obj[i] != 0xC5)
            return false;
    return true;
}

/*
 * The constructor runs once per object, when it is first carved, never
 * on reuse; a free object keeps its link after the object (32 bytes of
 * object + 8 of link, rounded to the 32-byte alignment: 64 per slot), so
 * every constructed byte survives a free.
 */
MM_TEST(pool, constructor_once_per_object)
{
    static uint8_t buf[8 * 64] MM_ALIGNED(32);
    static uint32_t map[1];
    struct ctor_counts c = { 0 };
    struct pool p;
    void *o[5];
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-ctor", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    MM_CHECK_EQ(t, pool_set_ctor(&p, count_ctor, &c), POOL_OK);
    MM_CHECK_EQ(t, p.geom.link_off, 32);
    MM_CHECK_EQ(t, p.geom.size, 64);
    MM_CHECK_EQ(t, pool_nobjs(&p), 8);
    for (i = 0; i < 5; i++)
        o[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, c.calls, 5);
    MM_CHECK_PTR_EQ(t, o[4], buf + 4 * 64);
    pool_free(&p, o[1]);
    pool_free(&p, o[3]);
    o[3] = pool_alloc(&p);                          /* reused: no call */
    o[1] = pool_alloc(&p);
    MM_CHECK_EQ(t, c.calls, 5);
    MM_CHECK(t, constructed(o[1]) && constructed(o[3]));
    for (i = 0; i < 5; i++)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * A constructor cannot be combined with zeroing or poisoning (they would
 * destroy the constructed state), nor be set after the first allocation.
 */
MM_TEST(pool, constructor_refused_when_incoherent)
{
    static uint8_t buf[8 * 64] MM_ALIGNED(32);
    static uint32_t map[1];
    struct ctor_counts c = { 0 };
    unsigned flags[2] = { POOL_ZERO, POOL_POISON }, i;
    struct pool p;

    for (i = 0; i < 2; i++) {
        MM_CHECK_EQ(t, pool_init_static(&p, "t-ctor", buf, sizeof buf, 32,
                                        32, flags[i], map), POOL_OK);
        mm_test_catch_panics(t);
        MM_CHECK_EQ(t, pool_set_ctor(&p, count_ctor, &c), POOL_ERR_PARAM);
        mm_test_release_panics(t);
        MM_CHECK_EQ(t, t->npanics, 1);
        MM_CHECK_EQ(t, p.nerr[POOL_ERR_PARAM], 1);
        MM_CHECK(t, p.geom.ctor == NULL && p.geom.link_off == 0);
        MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    }
    MM_CHECK_EQ(t, pool_init_static(&p, "t-ctor", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    pool_free(&p, pool_alloc(&p));
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_set_ctor(&p, count_ctor, &c), POOL_ERR_PARAM);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_PARAM], 1);
    MM_CHECK_EQ(t, c.calls, 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * The global switch (mm_switch.poison & MM_POISON_POOL, option "poison=pool")
 * poisons a pool that did not ask for it; the buffer holds as many
 * objects either way, since a poisoned object keeps its link inside.
 */
MM_TEST(pool, global_poison_switch)
{
    static uint8_t buf[4 * 32] MM_ALIGNED(32);
    static uint32_t map[1];
    unsigned saved = mm_switch.poison;
    struct pool p;
    uint8_t *o;

    mm_switch.poison |= MM_POISON_POOL;
    MM_CHECK_EQ(t, pool_init_static(&p, "t-gpoison", buf, sizeof buf, 32,
                                    32, 0, map), POOL_OK);
    mm_switch.poison = saved;
    MM_CHECK(t, (p.flags & POOL_POISON) != 0);
    MM_CHECK_EQ(t, pool_nobjs(&p), 4);
    o = pool_alloc(&p);
    pool_free(&p, o);
    MM_CHECK_EQ(t, o[31], 0x6B);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * A write after free that hits the link word is caught when the link is
 * about to be used: the allocation after the one that followed it finds
 * the head of the free list is no free object (POOL_ERR_LINK, one
 * counter), and the list is rebuilt from the free table: every object
 * can still be allocated exactly once, and the wild address never is.
 */
MM_TEST(pool, overwritten_link_is_repaired)
{
    static uint8_t buf[6 * 16] MM_ALIGNED(16);
    static uint32_t map[1];
    static void *o[6];
    unsigned long before[POOL_ERR_COUNT];
    struct pool p;
    unsigned i, e;
    void *x;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-link", buf, sizeof buf, 16, 16,
                                    0, map), POOL_OK);
    for (i = 0; i < 6; i++)
        o[i] = pool_alloc(&p);
    for (i = 0; i < 4; i++)                         /* parked */
        pool_free(&p, o[i]);
    pool_flush(&p);                                 /* list: 3 2 1 0 */
    *(void **)o[3] = buf + 8;                       /* wild link */
    mm_memcpy(before, p.nerr, sizeof before);
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[3]);       /* follows it */
    mm_test_catch_panics(t);
    x = pool_alloc(&p);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, "free link overwritten", buf + 8);
    MM_CHECK(t, x == o[0] || x == o[1] || x == o[2]);
    for (e = 0; e < POOL_ERR_COUNT; e++)
        MM_CHECK_EQ(t, p.nerr[e], before[e] + (e == POOL_ERR_LINK));
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = 0; i < 2; i++)                         /* the other two */
        MM_CHECK(t, pool_alloc(&p) != NULL);
    MM_CHECK(t, pool_alloc(&p) == NULL);
    MM_CHECK_EQ(t, pool_active(&p), 6);
    for (i = 0; i < 6; i++)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * A write after free that points a link at an object in use: the refill
 * of the array checks each object's bit before it parks it, so it stops
 * there with what it had (moved down to the bottom of the array), and
 * the object in use is never handed out.  The allocation that finds the
 * array empty again meets the bad head: POOL_ERR_LINK, one counter, the
 * list rebuilt from the table.
 */
MM_TEST(pool, link_to_object_in_use_is_not_followed)
{
    static uint8_t buf[6 * 16] MM_ALIGNED(16);
    static uint32_t map[1];
    static void *o[6];
    unsigned long before[POOL_ERR_COUNT];
    unsigned saved = unpoisoned();
    struct pool p;
    unsigned i, e;
    void *x, *y;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-inuse", buf, sizeof buf, 16, 16,
                                    0, map), POOL_OK);
    mm_switch.poison = saved;
    for (i = 0; i < 6; i++)
        o[i] = pool_alloc(&p);
    for (i = 0; i < 4; i++)
        pool_free(&p, o[i]);
    pool_flush(&p);                                 /* list: 3 2 1 0 */
    *(void **)o[2] = o[5];                          /* o[5] is in use */
    mm_memcpy(before, p.nerr, sizeof before);
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[3]);       /* refill: 3, 2 */
    MM_CHECK(t, p.nparked == 1 && p.parked[0] == o[2]);
    MM_CHECK_PTR_EQ(t, p.static_slab.freelist, o[5]);
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[2]);
    mm_test_catch_panics(t);
    x = pool_alloc(&p);                             /* repairs the list */
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, "free link overwritten", o[5]);
    for (e = 0; e < POOL_ERR_COUNT; e++)
        MM_CHECK_EQ(t, p.nerr[e], before[e] + (e == POOL_ERR_LINK));
    y = pool_alloc(&p);
    MM_CHECK(t, (x == o[0] && y == o[1]) || (x == o[1] && y == o[0]));
    MM_CHECK(t, pool_alloc(&p) == NULL);            /* o[5] not twice */
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = 0; i < 6; i++)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/* ---- growing pools -------------------------------------------------- */

/*
 * Three slabs' worth of objects, then free them slab by slab: the first
 * empty slab is kept as the cache, the others go back as soon as their
 * last object leaves the array of parked objects (pool_flush lists the
 * last ones); an allocation then comes from the cached slab without a
 * page call.
 */
MM_TEST(pool, growth_shrink_and_slab_return)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *obj[3 * 64];
    struct pool p;
    unsigned per, i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-grow", 64, 64, 0, &tp->src), POOL_OK);
    per = p.geom.nobjs;
    MM_CHECK(t, per >= POOL_MIN_OBJS && per <= 64);
    for (i = 0; i < 3 * per; i++)
        obj[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, tp->allocs, 3);
    MM_CHECK_EQ(t, p.nslabs, 3);
    for (i = 0; i < per; i++)                       /* slab 1 empties */
        pool_free(&p, obj[i]);
    MM_CHECK_EQ(t, tp->frees, 0);                    /* kept as cache */
    for (i = per; i < 3 * per; i++)                 /* slabs 2 and 3 */
        pool_free(&p, obj[i]);
    MM_CHECK(t, p.nparked <= p.park_max);
    pool_flush(&p);                                 /* the last parked */
    MM_CHECK_EQ(t, tp->frees, 2);
    MM_CHECK_EQ(t, p.nslabs, 1);
    obj[0] = pool_alloc(&p);                        /* from the cache */
    MM_CHECK_EQ(t, tp->allocs, 3);
    MM_CHECK_EQ(t, pool_nslabs_active(&p), 1);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    pool_free(&p, obj[0]);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * Destroy gives back every slab, the cached one too, and takes the pool
 * out of the registry (so out of slabinfo); a busy pool is refused with
 * nothing changed.
 */
MM_TEST(pool, destroy_returns_everything)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *obj[256];
    struct pool p;
    unsigned i, n;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-destroy", 200, 8, 0, &tp->src),
                POOL_OK);
    MM_CHECK(t, pool_is_registered(&p));
    n = 2 * p.geom.nobjs + 1;                    /* three slabs */
    if (!MM_CHECK(t, n <= MM_ARRAY_SIZE(obj)))
        return;
    for (i = 0; i < n; i++)
        obj[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, tp->allocs, 3);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_ERR_BUSY);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_BUSY], 1);
    MM_CHECK_EQ(t, p.nslabs, 3);
    MM_CHECK(t, pool_is_registered(&p));
    for (i = 0; i < n; i++)
        pool_free(&p, obj[i]);
    pool_flush(&p);                                 /* nothing parked */
    MM_CHECK_EQ(t, p.nslabs, 1);                    /* the cache */
    MM_CHECK_EQ(t, tp->frees, 2);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK_EQ(t, tp->frees, 3);
    MM_CHECK(t, !pool_is_registered(&p));
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * A growing pool with a constructor: the constructor runs once for each
 * object a slab carves, also for the objects of a slab taken again after
 * one was returned (fresh pages are not constructed), never on reuse.
 */
MM_TEST(pool, constructor_in_growing_pool)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *obj[256];
    struct ctor_counts c = { 0 };
    struct pool p;
    unsigned i, per;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-gctor", 32, 16, 0, &tp->src), POOL_OK);
    MM_CHECK_EQ(t, pool_set_ctor(&p, count_ctor, &c), POOL_OK);
    MM_CHECK_EQ(t, p.geom.size, 48);                  /* 32 + link, to 16 */
    per = p.geom.nobjs;
    if (!MM_CHECK(t, 2 * per <= MM_ARRAY_SIZE(obj)))
        return;
    for (i = 0; i < 2 * per; i++)                   /* two slabs */
        obj[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, c.calls, 2 * per);
    for (i = 0; i < 2 * per; i++)
        pool_free(&p, obj[i]);
    pool_flush(&p);                                 /* one is returned */
    MM_CHECK_EQ(t, tp->frees, 1);
    for (i = 0; i < 2 * per; i++) {
        obj[i] = pool_alloc(&p);
        MM_CHECK(t, constructed(obj[i]));
    }
    MM_CHECK_EQ(t, c.calls, 3 * per);               /* the new slab only */
    for (i = 0; i < 2 * per; i++)
        MM_CHECK_EQ(t, pool_free(&p, obj[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- randomized stress against a shadow model ----------------------- */

#define STRESS_LIVE     2000

struct live {
    uint8_t *obj;
    uint8_t tag;
};

static bool
obj_ok(const struct live *l, size_t size)
{
    size_t i;

    for (i = 0; i < size; i++)
        if (l->obj[i] != l->tag)
            return false;
    return true;
}

MM_TEST(pool, randomized_stress)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct live *live = mm_test_static(STRESS_LIVE * sizeof *live);
    struct pool p;
    unsigned long op;
    unsigned n = 0;

    if (!mm_test_pages_init(t, tp, 2))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-stress", 72, 8, 0, &tp->src), POOL_OK);
    for (op = 0; op < MM_STRESS_OPS && t->nfailed == 0; op++) {
        unsigned r = (unsigned)mm_test_rand_below(t, 2);
        struct live *l;

        if (n > 0 && (r == 0 || n == STRESS_LIVE)) {
            l = &live[mm_test_rand_below(t, n)];
            MM_CHECK(t, obj_ok(l, p.geom.size));
            MM_CHECK_EQ(t, pool_free(&p, l->obj), POOL_OK);
            *l = live[--n];
        } else {
            l = &live[n];
            l->obj = pool_alloc(&p);
            if (!MM_CHECK(t, l->obj != NULL))
                break;
            l->tag = (uint8_t)mm_test_rand(t);
            mm_memset(l->obj, l->tag, p.geom.size);
            n++;
        }
        if (op % 50000 == 0)
            MM_CHECK_EQ(t, pool_check(&p), 0);
    }
    MM_CHECK_EQ(t, op, MM_STRESS_OPS);
    MM_CHECK_EQ(t, pool_active(&p), n);
    while (n > 0) {
        MM_CHECK(t, obj_ok(&live[n - 1], p.geom.size));
        MM_CHECK_EQ(t, pool_free(&p, live[--n].obj), POOL_OK);
    }
    MM_CHECK_EQ(t, pool_check(&p), 0);
    /* The bound: a slab held by parked objects alone, at most one per
     * parked object, and the cached slab. */
    MM_CHECK(t, p.nslabs <= 1 + POOL_NPARKED);
    pool_flush(&p);
    MM_CHECK_EQ(t, p.nslabs, 1);                    /* the cached slab */
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- the checker catches a broken partial list ---------------------- */

/*
 * Two slabs, each with a free object.  Take the second off the partial
 * list behind the pool's back: the checker must name exactly that.
 * Then make the list loop through the first slab: it must name that.
 * Each corruption is undone before the next.
 */
MM_TEST(pool, check_catches_partial_list_corruption)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *obj[2 * 64];
    struct mm_verdict v;
    struct pool p;
    struct slab *a, *b;
    unsigned per, i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-check", 64, 64, 0, &tp->src), POOL_OK);
    per = p.geom.nobjs;
    for (i = 0; i < 2 * per; i++)
        obj[i] = pool_alloc(&p);
    pool_free(&p, obj[0]);                          /* slab a: one free */
    pool_free(&p, obj[per]);                        /* slab b: one free */
    pool_flush(&p);                                 /* both listed */
    MM_CHECK_EQ(t, pool_check_verdict(&p, &v), 0);
    a = pool_slab_at(&p, 0);
    b = pool_slab_at(&p, 1);
    MM_CHECK(t, a->nfree == 1 && b->nfree == 1);

    mm_list_unlink(&b->link);                       /* b goes missing */
    MM_CHECK_EQ(t, pool_check_verdict(&p, &v), 1);
    MM_CHECK_STR(t, v.first, "slab with free objects off the partial list");
    mm_list_push(&p.partial, &b->link);             /* repaired */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    mm_list_unlink(&a->link);                       /* partial: b, a, a.. */
    mm_list_append(&p.partial, &a->link);
    a->link.next = &a->link;
    MM_CHECK_EQ(t, pool_check_verdict(&p, &v), 1);
    MM_CHECK_STR(t, v.first, "partial list loops");
    a->link.next = &p.partial;                      /* repaired */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    for (i = 1; i < 2 * per; i++)
        if (i != per)
            pool_free(&p, obj[i]);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * The sizes the comments of mm/pool.c talk about, printed from sizeof so
 * that no comment has to quote a number: the slab header and struct
 * pool on this machine.
 */
MM_TEST(pool, sizes)
{
    mm_print("pool: sizeof struct slab %zu, struct pool %zu bytes\n",
             sizeof(struct slab), sizeof(struct pool));
    MM_CHECK(t, sizeof(struct slab) <= 9 * sizeof(void *) +
                    SLAB_MAP_INLINE * sizeof(uint32_t));
    /* The parked array: two pointers and a word per entry. */
    MM_CHECK(t, sizeof(struct pool) < 64 * sizeof(void *) +
                    POOL_NPARKED * (2 * sizeof(void *) + sizeof(uint32_t)));
}

/*
 * The cache is bounded and goes back: after everything is freed a pool
 * holds its parked objects' slabs and one empty slab; pool_trim lists
 * the parked objects and returns the slabs (once); and when the page
 * allocator runs dry, its reclaim hook (pool_reclaim_all) does the same
 * before the allocation would fail, so that allocation gets its page.
 */
MM_TEST(pool, cached_slab_goes_back_on_trim_and_reclaim)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *hog[MM_TEST_CHUNK / MM_PAGE];
    struct buddy_reclaimer r = { pool_reclaim_all, NULL, NULL };
    struct pool p;
    size_t nhog = 0, free_before;
    void *o;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-reclaim", 64, 64, 0, &tp->src), POOL_OK);
    o = pool_alloc(&p);
    MM_CHECK_EQ(t, pool_free(&p, o), POOL_OK);
    /* Parked, or listed and the slab cached when poisoned. */
    MM_CHECK(t, p.nparked + (p.cached != NULL) == 1 && p.nslabs == 1 &&
                tp->frees == 0);
    MM_CHECK_EQ(t, pool_trim(&p), 1);
    MM_CHECK_EQ(t, p.nparked, 0);
    MM_CHECK_EQ(t, pool_trim(&p), 0);
    MM_CHECK(t, p.cached == NULL && p.nslabs == 0 && tp->frees == 1);

    o = pool_alloc(&p);                     /* a slab again */
    MM_CHECK_EQ(t, pool_free(&p, o), POOL_OK);
    MM_CHECK(t, p.nparked + (p.cached != NULL) == 1 && p.nslabs == 1);
    buddy_add_reclaimer(&tp->buddy, &r);
    free_before = buddy_free_pages(&tp->buddy);
    while (nhog < MM_ARRAY_SIZE(hog) &&
           (hog[nhog] = buddy_alloc(&tp->buddy, 0)) != NULL)
        nhog++;
    MM_CHECK_EQ(t, nhog, free_before + 1);  /* the slab's page too */
    MM_CHECK(t, p.cached == NULL && p.nslabs == 0 && tp->frees == 2);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK(t, pool_alloc(&p) == NULL);    /* nothing left, not even */
    MM_CHECK_EQ(t, p.nerr[POOL_NOMEM], 1);  /* after reclaiming */
    buddy_remove_reclaimer(&tp->buddy, &r);
    while (nhog > 0)
        buddy_free(&tp->buddy, hog[--nhog]);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- page source out of pages, small objects ------------------------- */

static unsigned long dry_calls;

static void *
dry_alloc(void *ctx, unsigned order)
{
    (void)ctx;
    (void)order;
    dry_calls++;
    return NULL;
}

static void
dry_free(void *ctx, void *addr, unsigned order)
{
    (void)ctx;
    (void)addr;
    (void)order;
}

static uint8_t *
dry_owner(void *ctx, const void *addr)
{
    (void)ctx;
    (void)addr;
    return NULL;
}

/*
 * A page source with no pages: the allocation asks it once and ends in a
 * clean NULL counted as out of memory.  An object smaller than a pointer
 * and alignment 0 both grow to a pointer (room for the free-list link).
 */
MM_TEST(pool, empty_page_source_is_nomem)
{
    const struct mm_pagesrc dry = { dry_alloc, dry_free, dry_owner, NULL,
                                    NULL };
    const struct mm_pagesrc blind = { dry_alloc, dry_free, NULL, NULL,
                                      NULL };
    unsigned long before[POOL_ERR_COUNT];
    struct pool p;
    unsigned e;

    dry_calls = 0;
    /* A source without owner bytes cannot hold a growing pool. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_init(&p, "t-blind", 8, 0, 0, &blind),
                POOL_ERR_PARAM);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK(t, !pool_is_registered(&p));
    MM_CHECK_EQ(t, pool_init(&p, "t-dry", 2, 0, 0, &dry), POOL_OK);
    MM_CHECK_EQ(t, p.size, 2);
    MM_CHECK_EQ(t, p.geom.size, sizeof(void *));
    MM_CHECK_EQ(t, p.align, sizeof(void *));
    mm_memcpy(before, p.nerr, sizeof before);
    MM_CHECK(t, pool_alloc(&p) == NULL);
    MM_CHECK_EQ(t, dry_calls, 1);
    for (e = 0; e < POOL_ERR_COUNT; e++)
        MM_CHECK_EQ(t, p.nerr[e], before[e] + (e == POOL_NOMEM));
    MM_CHECK_EQ(t, p.nslabs, 0);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, !pool_is_registered(&p));
}

/* A growing pool with bad parameters is refused before its source. */
MM_TEST(pool, growing_pool_bad_size_refused)
{
    const struct mm_pagesrc dry = { dry_alloc, dry_free, dry_owner, NULL,
                                    NULL };
    struct pool p;

    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_init(&p, "t-p", 0, 8, 0, &dry), POOL_ERR_PARAM);
    MM_CHECK_EQ(t, pool_init(&p, "t-p", 16, 8, 1u << 7, &dry),
                POOL_ERR_PARAM);                    /* unknown flag */
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 2);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_PARAM], 1);
    MM_CHECK(t, p.src == NULL);
    MM_CHECK(t, !pool_is_registered(&p));
}

/*
 * A write after free that cleared the head of the free list: the list is
 * empty while the table says a carved object is free.  The next
 * allocation counts POOL_ERR_LINK, naming object 0's address, rebuilds
 * the list from the table and hands out that object.
 */
MM_TEST(pool, emptied_free_list_is_repaired)
{
    static uint8_t buf[4 * 16] MM_ALIGNED(16);
    static uint32_t map[1];
    static void *o[4];
    unsigned long before[POOL_ERR_COUNT];
    struct pool p;
    unsigned i, e;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-empty", buf, sizeof buf, 16, 16,
                                    0, map), POOL_OK);
    for (i = 0; i < 4; i++)
        o[i] = pool_alloc(&p);
    pool_free(&p, o[1]);
    pool_flush(&p);                                 /* o[1] listed */
    p.static_slab.freelist = NULL;                  /* the head is lost */
    mm_memcpy(before, p.nerr, sizeof before);
    mm_test_catch_panics(t);
    MM_CHECK_PTR_EQ(t, pool_alloc(&p), o[1]);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, "free link overwritten", buf);
    for (e = 0; e < POOL_ERR_COUNT; e++)
        MM_CHECK_EQ(t, p.nerr[e], before[e] + (e == POOL_ERR_LINK));
    MM_CHECK(t, pool_alloc(&p) == NULL);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = 0; i < 4; i++)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/* ---- the checker's complaints ---------------------------------------- */

/* pool_check(p) finds nbad violations and prints exactly want. */
static void
check_says(struct mm_t *t, struct pool *p, unsigned nbad, const char *first,
           const char *want)
{
    static char out[512];
    struct mm_verdict v;

    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, pool_check_verdict(p, &v), nbad);
    mm_test_release_prints();
    MM_CHECK_STR(t, v.first, first);
    MM_CHECK_STR(t, out, want);
    MM_CHECK_EQ(t, pool_check(p), nbad);    /* the check changes nothing */
}

/*
 * Each kind of damage to a static pool of 4 objects gets its own line,
 * naming the slab or object; each is undone before the next.
 */
MM_TEST(pool, check_names_each_slab_fault)
{
    static uint8_t buf[4 * 32] MM_ALIGNED(32);
    static uint32_t map[1];
    static void *o[4];
    char want[256];
    struct pool p;
    struct slab *s = &p.static_slab;
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-chk", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    for (i = 0; i < 4; i++)                         /* full: nfree 0 */
        o[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, pool_check(&p), 0);

    s->magic = 0;
    mm_test_format(want, sizeof want, "pool: check: slab header at "
                   "0x%08lx (pool t-chk)\n", (unsigned long)buf);
    check_says(t, &p, 1, "slab header", want);
    s->magic = SLAB_MAGIC;

    s->freelist = o[2];                             /* an object in use */
    mm_test_format(want, sizeof want, "pool: check: bad free-list entry at "
                   "0x%08lx (pool t-chk)\n", (unsigned long)o[2]);
    check_says(t, &p, 1, "bad free-list entry", want);
    s->freelist = NULL;

    mm_list_unlink(&s->link);                       /* full, on partial */
    mm_list_push(&p.partial, &s->link);
    mm_test_format(want, sizeof want, "pool: check: full slab on the "
                   "partial list at 0x%08lx (pool t-chk)\n",
                   (unsigned long)buf);
    check_says(t, &p, 1, "full slab on the partial list", want);
    mm_list_unlink(&s->link);
    mm_list_push(&p.full, &s->link);

    p.ntaken++;
    check_says(t, &p, 1, "active count differs from the slabs",
               "pool: check: active count differs from the slabs at "
               "0x00000000 (pool t-chk)\n");
    p.ntaken--;

    /* A slab fault leaves its free objects uncounted: two lines. */
    s->nfree++;
    mm_test_format(want, sizeof want, "pool: check: free count, list and "
                   "table differ at 0x%08lx (pool t-chk)\n"
                   "pool: check: slab with free objects off the partial "
                   "list at 0x00000000 (pool t-chk)\n", (unsigned long)buf);
    check_says(t, &p, 2, "free count, list and table differ", want);
    s->nfree--;
    MM_CHECK_EQ(t, pool_check(&p), 0);

    /* Objects 2 and 3 free and off the list, as if never carved, but
       the table says 3 is in use. */
    pool_free(&p, o[3]);
    pool_free(&p, o[2]);
    pool_flush(&p);                                 /* list: 2, 3 */
    s->freelist = NULL;
    s->ncarved = 2;
    mm_bitmap_clear(s->freemap, 3);
    mm_test_format(want, sizeof want, "pool: check: uncarved object in use "
                   "at 0x%08lx (pool t-chk)\n"
                   "pool: check: active count differs from the slabs at "
                   "0x00000000 (pool t-chk)\n", (unsigned long)buf);
    check_says(t, &p, 2, "uncarved object in use", want);
    mm_bitmap_set(s->freemap, 3);
    s->ncarved = 4;
    s->freelist = o[2];                             /* list: 2, 3 */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    /* A header naming another pool; a free list that loops on object 3
       and one that skips it: each leaves 2 free objects uncounted. */
    s->cache = buf;
    mm_test_format(want, sizeof want, "pool: check: slab header at "
                   "0x%08lx (pool t-chk)\n"
                   "pool: check: active count differs from the slabs at "
                   "0x00000000 (pool t-chk)\n", (unsigned long)buf);
    check_says(t, &p, 2, "slab header", want);
    s->cache = &p;
    mm_test_format(want, sizeof want, "pool: check: free count, list and "
                   "table differ at 0x%08lx (pool t-chk)\n"
                   "pool: check: active count differs from the slabs at "
                   "0x00000000 (pool t-chk)\n", (unsigned long)buf);
    *(void **)o[3] = o[3];
    check_says(t, &p, 2, "free count, list and table differ", want);
    *(void **)o[3] = NULL;
    *(void **)o[2] = NULL;
    check_says(t, &p, 2, "free count, list and table differ", want);
    *(void **)o[2] = o[3];
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = 0; i < 2; i++)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * Damage to the array of parked objects, each named, each undone before
 * the next: an entry that is no object, an entry whose mask is not its
 * object's, one object parked twice, a parked object whose bit was
 * cleared (its slab's count then disagrees too), a fill past the limit.
 */
MM_TEST(pool, check_names_each_parked_fault)
{
    static uint8_t buf[4 * 32] MM_ALIGNED(32);
    static uint32_t map[1];
    static void *o[4];
    unsigned saved = unpoisoned();
    char want[256];
    struct pool p;
    unsigned i;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-pchk", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    mm_switch.poison = saved;
    for (i = 0; i < 4; i++)
        o[i] = pool_alloc(&p);
    pool_free(&p, o[1]);
    pool_free(&p, o[2]);                            /* parked: 1, 2 */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    p.parked[0] = (uint8_t *)o[1] + 8;
    mm_test_format(want, sizeof want, "pool: check: bad parked entry at "
                   "0x%08lx (pool t-pchk)\n", (unsigned long)o[1] + 8);
    check_says(t, &p, 1, "bad parked entry", want);
    p.parked[0] = o[1];

    p.parked_keep[1] = ~0u;
    mm_test_format(want, sizeof want, "pool: check: bad parked entry at "
                   "0x%08lx (pool t-pchk)\n", (unsigned long)o[2]);
    check_says(t, &p, 1, "bad parked entry", want);
    p.parked_keep[1] = ~(1u << 2);
    MM_CHECK_EQ(t, pool_check(&p), 0);

    p.parked[1] = p.parked[0];                      /* o[1] twice */
    p.parked_word[1] = p.parked_word[0];
    p.parked_keep[1] = p.parked_keep[0];
    mm_test_format(want, sizeof want, "pool: check: object parked twice at "
                   "0x%08lx (pool t-pchk)\n", (unsigned long)o[1]);
    check_says(t, &p, 1, "object parked twice", want);
    p.parked[1] = o[2];
    p.parked_keep[1] = ~(1u << 2);
    MM_CHECK_EQ(t, pool_check(&p), 0);

    mm_bitmap_clear(map, 2);                        /* in use, parked */
    mm_test_format(want, sizeof want, "pool: check: parked object in use at "
                   "0x%08lx (pool t-pchk)\n"
                   "pool: check: free count, list and table differ at "
                   "0x%08lx (pool t-pchk)\n", (unsigned long)o[2],
                   (unsigned long)buf);
    check_says(t, &p, 2, "parked object in use", want);
    mm_bitmap_set(map, 2);

    p.nparked = POOL_NPARKED + 1;
    check_says(t, &p, 1, "parked count too high", "pool: check: parked "
               "count too high at 0x00000000 (pool t-pchk)\n");
    p.nparked = 2;
    MM_CHECK_EQ(t, pool_check(&p), 0);
    for (i = 0; i < 4; i += 3)
        MM_CHECK_EQ(t, pool_free(&p, o[i]), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * The full list: a full slab goes missing from it (told apart from a
 * missing slab with free objects by the active count), then the list
 * loops; each is undone before the next.
 */
MM_TEST(pool, check_catches_full_list_corruption)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static void *obj[2 * 64];
    struct pool p;
    struct slab *a, *b;
    unsigned per, i;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-full", 64, 64, 0, &tp->src), POOL_OK);
    per = p.geom.nobjs;
    for (i = 0; i < 2 * per; i++)
        obj[i] = pool_alloc(&p);
    MM_CHECK_EQ(t, p.nslabs, 2);
    MM_CHECK(t, mm_list_empty(&p.partial));
    a = pool_slab_at(&p, 0);
    b = pool_slab_at(&p, 1);
    MM_CHECK(t, a != NULL && b != NULL && a != b);

    mm_list_unlink(&b->link);                       /* b goes missing */
    check_says(t, &p, 1, "full slab off the full list", "pool: check: full "
               "slab off the full list at 0x00000000 (pool t-full)\n");
    mm_list_append(&p.full, &b->link);              /* repaired */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    b->link.next = &a->link;                        /* full: a, b, a.. */
    check_says(t, &p, 1, "full list loops", "pool: check: full list loops "
               "at 0x00000000 (pool t-full)\n");
    b->link.next = &p.full;                         /* repaired */
    MM_CHECK_EQ(t, pool_check(&p), 0);

    for (i = 0; i < 2 * per; i++)
        pool_free(&p, obj[i]);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * The count of slabs and the cached slab: one slab too few in nslabs
 * (more listed than held), and an object taken from the cached slab
 * behind the pool's back (in use while cached; the active count then
 * disagrees too).  Each is undone before the next.
 */
MM_TEST(pool, check_catches_count_and_cache_corruption)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    struct pool p;
    void *o;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-cache", 64, 64, 0, &tp->src), POOL_OK);
    o = pool_alloc(&p);
    MM_CHECK_EQ(t, pool_free(&p, o), POOL_OK);
    pool_flush(&p);                                 /* slab cached */
    MM_CHECK(t, p.cached != NULL && p.nslabs == 1);
    MM_CHECK_EQ(t, pool_check(&p), 0);

    p.nslabs = 0;
    check_says(t, &p, 1, "more slabs listed than held", "pool: check: more "
               "slabs listed than held at 0x00000000 (pool t-cache)\n");
    p.nslabs = 1;

    o = slab_take(p.cached, &p.geom);
    MM_CHECK(t, o != NULL);
    {
        char want[256];

        mm_test_format(want, sizeof want, "pool: check: cached slab in use "
                       "at 0x%08lx (pool t-cache)\n"
                       "pool: check: active count differs from the slabs "
                       "at 0x00000000 (pool t-cache)\n",
                       (unsigned long)p.cached);
        check_says(t, &p, 2, "cached slab in use", want);
    }
    MM_CHECK_EQ(t, slab_put(p.cached, &p.geom, o), SLAB_OK);
    MM_CHECK_EQ(t, pool_check(&p), 0);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* ---- trace and reports ----------------------------------------------- */

/* With pool tracing on, each event prints one line naming its address. */
MM_TEST(pool, trace_prints_each_event)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static char out[512];
    char want[512];
    unsigned saved = mm_switch.trace;
    unsigned long slab;
    struct pool p;
    void *o;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init(&p, "t-trace", 64, 64, 0, &tp->src), POOL_OK);
    mm_switch.trace = MM_TRACE_POOL;
    pool_trace_switched();
    MM_CHECK(t, (p.flags & POOL_TRACED) != 0);
    {
        struct pool q;          /* created while tracing: traced */

        MM_CHECK_EQ(t, pool_init(&q, "t-trace-q", 8, 0, 0, &tp->src),
                    POOL_OK);
        MM_CHECK(t, (q.flags & POOL_TRACED) != 0);
        MM_CHECK_EQ(t, pool_destroy(&q), POOL_OK);
    }
    mm_test_capture_prints(out, sizeof out);
    o = pool_alloc(&p);                             /* grow, alloc */
    slab = (unsigned long)pool_slab_at(&p, 0);
    pool_free(&p, o);                               /* free, cached */
    pool_destroy(&p);                               /* return */
    mm_test_release_prints();
    mm_switch.trace = saved;
    pool_trace_switched();
    mm_test_format(want, sizeof want,
                   "trace: pool grow pool=t-trace addr=0x%08lx\n"
                   "trace: pool alloc pool=t-trace addr=0x%08lx\n"
                   "trace: pool free pool=t-trace addr=0x%08lx\n"
                   "trace: pool return pool=t-trace addr=0x%08lx\n",
                   slab, (unsigned long)o, (unsigned long)o, slab);
    MM_CHECK_STR(t, out, want);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* Does s start with prefix? */
static bool
starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0')
        if (*s++ != *prefix++)
            return false;
    return true;
}

/*
 * slabinfo: the two header lines, then one line per live pool, newest
 * first (the kernel's own pools, if any, come after the test's).
 */
MM_TEST(pool, slabinfo_lists_live_pools_newest_first)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    static uint8_t buf[4 * 16] MM_ALIGNED(16);
    static uint32_t map[1];
    static char out[4096];
    char want[512];
    struct pool s, g;
    void *a, *b;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK_EQ(t, pool_init_static(&s, "t-info-static", buf, sizeof buf,
                                    16, 16, 0, map), POOL_OK);
    MM_CHECK_EQ(t, pool_init(&g, "t-info-grow", 64, 64, 0, &tp->src),
                POOL_OK);
    a = pool_alloc(&s);
    b = pool_alloc(&g);
    MM_CHECK_PTR_EQ(t, pool_registry_next(NULL), &g);
    MM_CHECK_PTR_EQ(t, pool_registry_next(&g), &s);
    pool_free(&s, a);                   /* an idle static pool: its one */
    MM_CHECK_EQ(t, pool_nslabs_active(&s), 0);  /* slab is not active */
    a = pool_alloc(&s);
    MM_CHECK_EQ(t, pool_nslabs_active(&s), 1);
    mm_test_capture_prints(out, sizeof out);
    pool_print_slabinfo();
    mm_test_release_prints();
    mm_test_format(want, sizeof want,
        "slabinfo - version: 2.1\n"
        "# name            <active_objs> <num_objs> <objsize> <objperslab> "
        "<pagesperslab> : slabdata <active_slabs> <num_slabs>\n"
        "t-info-grow            1 %6u     64 %4u %4u : slabdata      1"
        "      1\n"
        "t-info-static          1      4     16    4    0 : slabdata      1"
        "      1\n", g.geom.nobjs, g.geom.nobjs, 1u << g.geom.order);
    MM_CHECK(t, starts_with(out, want));
    pool_free(&s, a);
    pool_free(&g, b);
    MM_CHECK_EQ(t, pool_destroy(&g), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&s), POOL_OK);
    mm_test_capture_prints(out, sizeof out);
    pool_print_slabinfo();
    mm_test_release_prints();
    MM_CHECK(t, !mm_test_contains(out, "t-info-"));
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/*
 * A pool's counters: allocations, frees and nomem on one line, then
 * every error counter, each on its own; all pools' counters list the
 * newest pool first.
 */
MM_TEST(pool, error_report_lists_every_counter)
{
    static uint8_t buf[2 * 16] MM_ALIGNED(16), buf2[2 * 16] MM_ALIGNED(16);
    static uint32_t map[1], map2[1];
    static char out[2048], all[8192];
    struct pool p, q;
    void *a, *b;

    MM_CHECK_EQ(t, pool_init_static(&p, "t-errs", buf, sizeof buf, 16, 16,
                                    0, map), POOL_OK);
    a = pool_alloc(&p);
    b = pool_alloc(&p);
    MM_CHECK(t, pool_alloc(&p) == NULL);            /* nomem */
    pool_free(&p, b);
    mm_test_catch_panics(t);
    pool_free(&p, b);                               /* double free */
    pool_free(&p, NULL);
    pool_free(&p, NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 3);
    mm_test_capture_prints(out, sizeof out);
    pool_print_errors(&p);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
        "pool: t-errs: 2 allocations, 1 frees, 1 out of memory\n"
        "pool: t-errs: error free of NULL           2\n"
        "pool: t-errs: error foreign pointer        0\n"
        "pool: t-errs: error object of another pool 0\n"
        "pool: t-errs: error not an object boundary 0\n"
        "pool: t-errs: error double free            1\n"
        "pool: t-errs: error write after free       0\n"
        "pool: t-errs: error free link overwritten  0\n"
        "pool: t-errs: error bad parameters         0\n"
        "pool: t-errs: error objects still in use   0\n");
    MM_CHECK_EQ(t, pool_init_static(&q, "t-errs-2", buf2, sizeof buf2, 16,
                                    16, 0, map2), POOL_OK);
    mm_test_capture_prints(all, sizeof all);
    pool_print_all_errors();
    mm_test_release_prints();
    MM_CHECK(t, starts_with(all, "pool: t-errs-2: 0 allocations, 0 frees, "
                            "0 out of memory\n"));
    MM_CHECK(t, mm_test_contains(all, "t-errs-2: error objects still in use"
                                 "   0\n" "pool: t-errs: 2 allocations"));
    MM_CHECK(t, mm_test_contains(all, out));
    pool_free(&p, a);
    MM_CHECK_EQ(t, pool_destroy(&q), POOL_OK);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/* ---- more parameters at create -------------------------------------- */

/*
 * Each parameter a static pool is refused for, one PARAM error each:
 * alignment above a page, an object above 16 pages, no buffer, no free
 * table, a flag that does not exist.
 */
MM_TEST(pool, static_pool_refuses_each_parameter)
{
    static uint8_t buf[64] MM_ALIGNED(16);
    static uint32_t map[1];
    struct pool p;
    unsigned i, refused = 0;
    enum pool_err got[5];

    mm_test_catch_panics(t);
    got[0] = pool_init_static(&p, "t-p", buf, sizeof buf, 16, 2 * MM_PAGE,
                              0, map);
    got[1] = pool_init_static(&p, "t-p", buf, sizeof buf,
                              (MM_PAGE << 4) + 1, 16, 0, map);
    got[2] = pool_init_static(&p, "t-p", NULL, sizeof buf, 16, 16, 0, map);
    got[3] = pool_init_static(&p, "t-p", buf, sizeof buf, 16, 16, 0, NULL);
    got[4] = pool_init_static(&p, "t-p", buf, sizeof buf, 16, 16, 1u << 5,
                              map);
    mm_test_release_panics(t);
    for (i = 0; i < 5; i++)
        refused += got[i] == POOL_ERR_PARAM;
    MM_CHECK_EQ(t, refused, 5);
    MM_CHECK_EQ(t, t->npanics, 5);
    MM_CHECK_EQ(t, p.nerr[POOL_ERR_PARAM], 1);
    MM_CHECK(t, !pool_is_registered(&p));
    /* the largest object and alignment allowed are fine */
    MM_CHECK_EQ(t, pool_init(&p, "t-big", MM_PAGE << 4, MM_PAGE, 0,
                             &(const struct mm_pagesrc){ dry_alloc, dry_free,
                                                         dry_owner, NULL,
                                                         NULL }),
                POOL_OK);
    MM_CHECK_EQ(t, p.geom.size, MM_PAGE << 4);
    MM_CHECK(t, p.geom.nobjs >= POOL_MIN_OBJS);
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
}

/*
 * The global poison switch and a constructor: a pool poisoned only by
 * the switch may take a constructor (it then stops poisoning); one that
 * asked for poison keeps it and may not.  A NULL constructor, or a
 * buffer too small for one object with its link word, is refused.
 */
MM_TEST(pool, constructor_and_global_poison)
{
    static uint8_t buf[4 * 32] MM_ALIGNED(32);
    static uint32_t map[1];
    unsigned saved = mm_switch.poison;
    struct ctor_counts c = { 0 };
    struct pool p, q;

    mm_switch.poison |= MM_POISON_POOL;
    MM_CHECK_EQ(t, pool_init_static(&p, "t-forced", buf, sizeof buf, 32, 32,
                                    0, map), POOL_OK);
    MM_CHECK(t, p.forced_poison);
    MM_CHECK_EQ(t, pool_set_ctor(&p, count_ctor, &c), POOL_OK);
    MM_CHECK(t, !p.forced_poison && (p.flags & POOL_POISON) == 0);
    MM_CHECK_EQ(t, pool_nobjs(&p), 2);          /* 32 + link -> 64 bytes */
    MM_CHECK_EQ(t, pool_destroy(&p), POOL_OK);
    MM_CHECK_EQ(t, pool_init_static(&q, "t-asked", buf, sizeof buf, 32, 32,
                                    POOL_POISON, map), POOL_OK);
    mm_switch.poison = saved;
    MM_CHECK(t, !q.forced_poison && (q.flags & POOL_POISON) != 0);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_set_ctor(&q, count_ctor, &c), POOL_ERR_PARAM);
    MM_CHECK_EQ(t, pool_set_ctor(&q, NULL, NULL), POOL_ERR_PARAM);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 2);
    MM_CHECK_EQ(t, q.nerr[POOL_ERR_PARAM], 2);
    MM_CHECK_EQ(t, pool_destroy(&q), POOL_OK);
    MM_CHECK_EQ(t, pool_init_static(&q, "t-tight", buf, 32, 32, 32, 0, map),
                POOL_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, pool_set_ctor(&q, count_ctor, &c), POOL_ERR_PARAM);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_EQ(t, q.nerr[POOL_ERR_PARAM], 1);
    MM_CHECK(t, q.geom.ctor == NULL && pool_nobjs(&q) == 1);
    MM_CHECK_EQ(t, pool_destroy(&q), POOL_OK);
    MM_CHECK_EQ(t, c.calls, 0);
}
