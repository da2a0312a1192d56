/*
 * tests/fuzz/pool.c - fuzzes the object pools against a shadow model.
 *
 * Input: a setup (object size, alignment - not always a power of two -,
 * flags, static or growing) and operations: alloc, free, and every bad
 * free: NULL, foreign, an object of another pool, misaligned, stale
 * (already freed); destroy while busy.  A second pool B over the same
 * page source supplies the other pool's objects.
 * After every operation: pool_check finds nothing in either pool;
 * exactly the expected error counter moved; each live object is
 * aligned, overlaps no other and keeps its pattern; free objects plus
 * live ones equal the objects the pool's slabs hold.  At the end both
 * pools are destroyed and the page source has every page back.
 */
#include <string.h>

#include "../../mm/buddy.h"
#include "../../mm/pool.h"
#include "fuzz.h"

#define MAX_LIVE    64
#define MAX_FREED   16
#define STATIC_BUF  (64u * 1024)

struct live {
    uint8_t *p;
    uint8_t seed;
};

struct shadow {
    struct buddy src_buddy;
    struct mm_pagesrc src;
    struct pool a, b;           /* a under test; b: another pool */
    bool b_ok;
    void *b_obj;                /* one object of b */
    size_t size;                /* a's object size as asked */
    size_t align;
    struct live live[MAX_LIVE];
    unsigned nlive;
    uint8_t *freed[MAX_FREED];
    unsigned nfreed;
    unsigned long nerr[POOL_ERR_COUNT];
    uint8_t next_seed;
};

static uint8_t area[4u << 20] __attribute__((aligned(1 << 22)));
static uint8_t sbuf[STATIC_BUF] __attribute__((aligned(4096)));
static uint32_t smap[POOL_FREEMAP_WORDS(STATIC_BUF)];
static struct shadow S;

static void
fill(struct live *l)
{
    size_t i;

    for (i = 0; i < S.size; i++)
        l->p[i] = (uint8_t)(l->seed + i);
}

static bool
intact(const struct live *l)
{
    size_t i;

    for (i = 0; i < S.size; i++)
        if (l->p[i] != (uint8_t)(l->seed + i))
            return false;
    return true;
}

static void
check_all(enum pool_err err)
{
    size_t nfree = 0;
    unsigned i, j, e;

    FUZZ_CHECK(pool_check(&S.a) == 0);
    FUZZ_CHECK(!S.b_ok || pool_check(&S.b) == 0);
    for (e = 0; e < POOL_ERR_COUNT; e++) {
        unsigned long want = S.nerr[e] + (e == (unsigned)err && e != 0);

        FUZZ_CHECK(S.a.nerr[e] == want);
        S.nerr[e] = want;
    }
    for (i = 0; i < S.nlive; i++) {
        FUZZ_CHECK(((uintptr_t)S.live[i].p & (S.align - 1)) == 0);
        FUZZ_CHECK(intact(&S.live[i]));
        for (j = i + 1; j < S.nlive; j++)
            FUZZ_CHECK(S.live[i].p + S.size <= S.live[j].p ||
                       S.live[j].p + S.size <= S.live[i].p);
    }
    for (i = 0; i < S.a.nslabs; i++)
        nfree += pool_slab_at(&S.a, i)->nfree;
    FUZZ_CHECK(pool_active(&S.a) == S.nlive);
    FUZZ_CHECK(nfree + S.a.nparked + S.nlive == pool_nobjs(&S.a));
}

static enum pool_err
counter_moved(void)
{
    unsigned e;

    for (e = POOL_NOMEM; e < POOL_ERR_COUNT; e++)
        if (S.a.nerr[e] != S.nerr[e])
            return (enum pool_err)e;
    return POOL_OK;
}

static bool
inside_live(const uint8_t *a)
{
    unsigned i;

    for (i = 0; i < S.nlive; i++)
        if (a >= S.live[i].p && a < S.live[i].p + S.size)
            return true;
    return false;
}

/* Creates pool a as the input says; false if its parameters are bad. */
static bool
setup(struct fuzz_in *in)
{
    uint8_t cfg = fuzz_u8(in);
    size_t size = fuzz_u16(in) % 2049;
    size_t align = (size_t)1 << (fuzz_u8(in) % 9);
    unsigned flags = cfg & (POOL_ZERO | POOL_POISON);
    enum pool_err err;

    memset(&S, 0, sizeof S);
    if (cfg & 8)
        align += 4;                     /* not a power of two */
    buddy_init(&S.src_buddy, "fuzz-src");
    FUZZ_CHECK(buddy_add_zone(&S.src_buddy, area, sizeof area, 0, NULL) ==
               BUDDY_OK);
    buddy_pagesrc(&S.src_buddy, &S.src);
    S.b_ok = pool_init(&S.b, "fuzz-b", 24, 8, 0, &S.src) == POOL_OK;
    FUZZ_CHECK(S.b_ok && (S.b_obj = pool_alloc(&S.b)) != NULL);
    if (cfg & 4)
        err = pool_init_static(&S.a, "fuzz-a", sbuf, fuzz_u16(in) %
                               STATIC_BUF, size, align, flags, smap);
    else
        err = pool_init(&S.a, "fuzz-a", size, align, flags, &S.src);
    fuzz_op("pool: %s, size %zu, align %zu, flags %u -> %s",
            cfg & 4 ? "static" : "growing", size, align, flags,
            pool_err_name[err]);
    FUZZ_CHECK(err == POOL_OK || err == POOL_ERR_PARAM);
    if (err == POOL_ERR_PARAM)
        FUZZ_CHECK(size == 0 || (align & (align - 1)) != 0 ||
                   (cfg & 4) != 0);
    S.size = size;
    S.align = align;
    return err == POOL_OK;
}

static void
op_bad(const char *what, void *p, enum pool_err want)
{
    enum pool_err err = pool_free(&S.a, p);

    fuzz_op("free %s %p -> %s", what, p, pool_err_name[err]);
    if (want != POOL_OK)
        FUZZ_CHECK(err == want);
    else
        FUZZ_CHECK(err == POOL_ERR_DOUBLE_FREE || err == POOL_ERR_FOREIGN ||
                   err == POOL_ERR_WRONG_POOL || err == POOL_ERR_MISALIGNED);
    check_all(err);
}

static void
op(struct fuzz_in *in)
{
    uint8_t code = fuzz_u8(in) % 9;
    unsigned i = S.nlive ? fuzz_u8(in) % S.nlive : 0;
    struct live *l = &S.live[i];
    uint8_t *p;

    switch (code) {
    case 0:
    case 1:
        p = pool_alloc(&S.a);
        fuzz_op("alloc -> %p", (void *)p);
        if (p == NULL) {
            FUZZ_CHECK(counter_moved() == POOL_NOMEM);
            check_all(POOL_NOMEM);
            break;
        }
        if (S.nlive == MAX_LIVE) {
            FUZZ_CHECK(pool_free(&S.a, p) == POOL_OK);
            check_all(POOL_OK);
            break;
        }
        for (size_t k = 0; (S.a.flags & POOL_ZERO) && k < S.size; k++)
            FUZZ_CHECK(p[k] == 0);
        l = &S.live[S.nlive++];
        l->p = p;
        l->seed = S.next_seed++;
        fill(l);
        check_all(POOL_OK);
        break;
    case 2:
        if (S.nlive == 0)
            break;
        fuzz_op("free live %u (%p)", i, (void *)l->p);
        FUZZ_CHECK(pool_free(&S.a, l->p) == POOL_OK);
        S.freed[S.nfreed++ % MAX_FREED] = l->p;
        *l = S.live[--S.nlive];
        check_all(POOL_OK);
        break;
    case 3:
        op_bad("NULL", NULL, POOL_ERR_NULL);
        break;
    case 4:
        op_bad("foreign", &S, POOL_ERR_FOREIGN);
        break;
    case 5:
        op_bad("of pool b", S.b_obj, POOL_ERR_WRONG_POOL);
        break;
    case 6:
        if (S.nlive > 0 && S.a.geom.size > 1)
            op_bad("misaligned", l->p + 1 + fuzz_u16(in) %
                   (S.a.geom.size - 1), POOL_ERR_MISALIGNED);
        break;
    case 7:
        if (S.nfreed > 0) {
            uint8_t *a = S.freed[fuzz_u8(in) % (S.nfreed < MAX_FREED ?
                                                S.nfreed : MAX_FREED)];

            if (!inside_live(a))
                op_bad("stale", a, POOL_OK);
        }
        break;
    default:
        if (S.nlive > 0) {
            fuzz_op("destroy while %u live", S.nlive);
            FUZZ_CHECK(pool_destroy(&S.a) == POOL_ERR_BUSY);
            check_all(POOL_ERR_BUSY);
        }
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    unsigned n = 0;
    bool ok = setup(&in);

    if (ok) {
        check_all(POOL_OK);
        while (fuzz_more(&in) && n++ < 1000)
            op(&in);
        while (S.nlive > 0) {
            FUZZ_CHECK(pool_free(&S.a, S.live[0].p) == POOL_OK);
            S.live[0] = S.live[--S.nlive];
            check_all(POOL_OK);
        }
        FUZZ_CHECK(pool_destroy(&S.a) == POOL_OK);
        FUZZ_CHECK(!pool_is_registered(&S.a));
    }
    FUZZ_CHECK(pool_free(&S.b, S.b_obj) == POOL_OK);
    FUZZ_CHECK(pool_destroy(&S.b) == POOL_OK);
    FUZZ_CHECK(buddy_free_pages(&S.src_buddy) ==
               buddy_managed_pages(&S.src_buddy));
    return 0;
}
