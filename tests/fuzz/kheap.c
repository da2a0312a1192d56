/*
 * tests/fuzz/kheap.c - fuzzes the kmalloc heap against a shadow model.
 *
 * Input: a setup byte (poison, guard bytes, a fixed area or a growing
 * heap over a buddy page source) and a 16-bit area size; then
 * operations: alloc, zalloc, calloc (overflowing products too), realloc
 * (to 0 and from NULL too), free, size, trim, and every bad free:
 * foreign, misaligned, interior, stale (already freed) pointers.
 * After every operation: kheap_check finds nothing; exactly the
 * expected error counter moved; each live block is aligned to its
 * bucket, overlaps no other, and keeps its pattern; per bucket, blocks
 * in use match the model and free + in use = blocks in its slabs.
 * At the end, with everything freed and trimmed, a growing heap holds
 * no page and its page source has every page back.
 */
#include <string.h>

#include "../../mm/kheap.h"
#include "fuzz.h"

#define MAX_LIVE    64
#define MAX_FREED   16
#define MAX_SIZE    (40u * 1024)        /* most requests: up to 10 pages */

struct live {
    uint8_t *p;
    size_t size;            /* requested */
    uint8_t seed;           /* byte i holds seed + i */
};

struct shadow {
    struct kheap h;
    struct buddy src_buddy;     /* the growing heap's page source */
    struct mm_pagesrc src;
    bool growing;
    struct live live[MAX_LIVE];
    unsigned nlive;
    uint8_t *freed[MAX_FREED];
    unsigned nfreed;
    unsigned long nerr[KHEAP_ERR_COUNT];
    uint8_t next_seed;
};

static uint8_t area[4u << 20] __attribute__((aligned(1 << 22)));
static struct shadow S;

/*
 * With guard bytes on, a block holds the request, at least 4 guard
 * bytes and a 4-byte trailer (the layout drawn in mm/kheap.c).
 */
#define GUARD_EXTRA 8

static size_t
need(size_t size)
{
    return S.h.guard ? size + GUARD_EXTRA : size;
}

/* The size a block really has: its bucket's, or whole pages. */
static size_t
block_size(size_t size)
{
    int b = kheap_bucket_of(size = need(size));

    if (b >= 0)
        return (size_t)KHEAP_MIN_SIZE << b;
    return (size + MM_PAGE - 1) & ~(MM_PAGE - 1);
}

static void
fill(struct live *l)
{
    size_t i;

    for (i = 0; i < l->size; i++)
        l->p[i] = (uint8_t)(l->seed + i);
}

/* Checks the pattern: every byte, or (quick) the first and last 32. */
static bool
intact(const struct live *l, size_t upto, bool quick)
{
    size_t i;

    for (i = 0; i < upto; i++) {
        if (quick && i == 32 && upto > 64)
            i = upto - 32;
        if (l->p[i] != (uint8_t)(l->seed + i))
            return false;
    }
    return true;
}

/* Free blocks of a bucket: in its partial slabs, its empty one and its
 * array. */
static size_t
bucket_free(const struct kheap_bucket *bk)
{
    const struct mm_list *l;
    size_t n = bk->navail + (bk->empty != NULL ? bk->geom.nobjs : 0);

    for (l = bk->partial.next; l != &bk->partial; l = l->next)
        n += slab_of_link((struct mm_list *)l)->nfree;
    return n;
}

static void
check_all(enum kheap_err err)
{
    size_t inuse[KHEAP_NBUCKETS] = { 0 }, large = 0;
    unsigned i, j, e;

    FUZZ_CHECK(kheap_check(&S.h) == 0);
    for (e = 0; e < KHEAP_ERR_COUNT; e++) {
        unsigned long want = S.nerr[e] + (e == (unsigned)err && e != 0);

        FUZZ_CHECK(S.h.nerr[e] == want);
        S.nerr[e] = want;
    }
    for (i = 0; i < S.nlive; i++) {
        struct live *l = &S.live[i];
        size_t bs = block_size(l->size);
        int b = kheap_bucket_of(need(l->size));
        size_t align = bs < MM_PAGE ? bs : MM_PAGE;

        FUZZ_CHECK(((uintptr_t)l->p & (align - 1)) == 0);
        FUZZ_CHECK(intact(l, l->size, true));
        if (b >= 0)
            inuse[b]++;
        else
            large++;
        for (j = i + 1; j < S.nlive; j++)
            FUZZ_CHECK(l->p + bs <= S.live[j].p ||
                       S.live[j].p + block_size(S.live[j].size) <= l->p);
    }
    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        const struct kheap_bucket *bk = &S.h.bucket[i];

        FUZZ_CHECK(kheap_inuse(bk) == inuse[i]);
        FUZZ_CHECK(kheap_inuse(bk) + bucket_free(bk) ==
                   (bk->npages >> bk->geom.order) * bk->geom.nobjs);
    }
    FUZZ_CHECK(S.h.large_inuse == large);
}

static void
add_live(uint8_t *p, size_t size)
{
    struct live *l = &S.live[S.nlive++];

    l->p = p;
    l->size = size;
    l->seed = S.next_seed++;
    fill(l);
}

static void
drop_live(unsigned i)
{
    S.freed[S.nfreed++ % MAX_FREED] = S.live[i].p;
    S.live[i] = S.live[--S.nlive];
}

static bool
inside_live(const uint8_t *a)
{
    unsigned i;

    for (i = 0; i < S.nlive; i++)
        if (a >= S.live[i].p && a < S.live[i].p + block_size(S.live[i].size))
            return true;
    return false;
}

/* The counter that moved since the last check, or KHEAP_OK. */
static enum kheap_err
counter_moved(void)
{
    unsigned e;

    for (e = KHEAP_NOMEM; e < KHEAP_ERR_COUNT; e++)
        if (S.h.nerr[e] != S.nerr[e])
            return (enum kheap_err)e;
    return KHEAP_OK;
}

static void
setup(struct fuzz_in *in)
{
    uint8_t cfg = fuzz_u8(in);
    size_t size = (size_t)fuzz_u16(in) * 64;    /* up to 4 MiB */
    enum kheap_err err = KHEAP_OK;

    memset(&S, 0, sizeof S);
    mm_switch.poison = cfg & 1 ? MM_POISON_KMALLOC : 0;
    mm_switch.guard = (cfg & 2) != 0;
    S.growing = (cfg & 4) != 0;
    if (S.growing) {
        buddy_init(&S.src_buddy, "fuzz-src");
        FUZZ_CHECK(buddy_add_zone(&S.src_buddy, area, sizeof area, 0,
                                  NULL) == BUDDY_OK);
        buddy_pagesrc(&S.src_buddy, &S.src);
        kheap_init_growing(&S.h, "fuzz", &S.src);
    } else {
        err = kheap_init(&S.h, "fuzz", area, size, MM_PAGE);
        FUZZ_CHECK(err == KHEAP_OK || err == KHEAP_ERR_EXTENT);
    }
    fuzz_op("heap: %s%s%s, %zu bytes -> %s",
            S.growing ? "growing" : "fixed", cfg & 1 ? ", poison" : "",
            cfg & 2 ? ", guard" : "", S.growing ? (size_t)0 : size,
            kheap_err_name[err]);
    if (err != KHEAP_OK)
        S.nerr[err]++;
}

/* Takes a new block p of size from one of the alloc calls. */
static void
took(uint8_t *p, size_t size, bool zeroed)
{
    size_t i;

    if (p == NULL) {
        enum kheap_err e = counter_moved();

        FUZZ_CHECK(size == 0 ? e == KHEAP_OK
                             : e == KHEAP_NOMEM || e == KHEAP_ERR_SIZE ||
                               e == KHEAP_ERR_OVERFLOW);
        check_all(e);
        return;
    }
    FUZZ_CHECK(size > 0 && kheap_size(&S.h, p) >= size);
    for (i = 0; zeroed && i < size; i++)
        FUZZ_CHECK(p[i] == 0);
    if (S.nlive < MAX_LIVE) {
        add_live(p, size);
    } else {
        FUZZ_CHECK(kheap_free(&S.h, p) == KHEAP_OK);
    }
    check_all(KHEAP_OK);
}

static void
op_alloc(struct fuzz_in *in, unsigned kind)
{
    size_t size = fuzz_u32(in) % MAX_SIZE, n;
    uint8_t *p;

    if (kind == 0) {
        size = fuzz_u8(in) & 1 ? size % 64 : size;
        p = kheap_alloc(&S.h, size);
        fuzz_op("alloc %zu -> %p", size, (void *)p);
    } else if (kind == 1) {
        p = kheap_zalloc(&S.h, size);
        fuzz_op("zalloc %zu -> %p", size, (void *)p);
    } else {
        n = fuzz_u8(in) & 1 ? ~(size_t)0 / 3 : fuzz_u8(in);
        p = kheap_calloc(&S.h, n, size % 512);
        fuzz_op("calloc %zu x %zu -> %p", n, size % 512, (void *)p);
        if (p == NULL && n != 0 && size % 512 != 0 &&
            n > ~(size_t)0 / (size % 512)) {
            FUZZ_CHECK(counter_moved() == KHEAP_ERR_OVERFLOW);
        }
        size = n * (size % 512);
    }
    took(p, size, kind != 0);
}

static void
op_realloc(unsigned i, size_t size)
{
    struct live *l = &S.live[i];
    uint8_t *q = kheap_realloc(&S.h, l->p, size);

    fuzz_op("realloc live %u (%p, %zu) to %zu -> %p", i, (void *)l->p,
            l->size, size, (void *)q);
    if (size == 0) {
        FUZZ_CHECK(q == NULL);
        drop_live(i);
        check_all(KHEAP_OK);
        return;
    }
    if (q == NULL) {
        FUZZ_CHECK(counter_moved() == KHEAP_NOMEM);
        check_all(KHEAP_NOMEM);
        return;
    }
    l->p = q;
    FUZZ_CHECK(intact(l, l->size < size ? l->size : size, false));
    l->size = size;
    fill(l);
    check_all(KHEAP_OK);
}

/* A bad pointer given to free, realloc or size: nothing changes. */
static void
op_bad(const char *what, uint8_t *p, enum kheap_err want, unsigned call)
{
    enum kheap_err err;

    if (call == 0)
        err = kheap_free(&S.h, p);
    else if (call == 1)
        err = kheap_realloc(&S.h, p, 100) == NULL ? counter_moved()
                                                  : KHEAP_OK;
    else
        err = kheap_size(&S.h, p) == 0 ? counter_moved() : KHEAP_OK;
    fuzz_op("%s %s %p -> %s", call == 0 ? "free" : call == 1 ? "realloc"
            : "size", what, (void *)p, kheap_err_name[err]);
    if (want != KHEAP_OK)
        FUZZ_CHECK(err == want);
    else
        FUZZ_CHECK(err == KHEAP_ERR_DOUBLE_FREE ||
                   err == KHEAP_ERR_INTERIOR || err == KHEAP_ERR_FOREIGN);
    check_all(err);
}

static void
op(struct fuzz_in *in)
{
    uint8_t code = fuzz_u8(in) % 10;
    unsigned i = S.nlive ? fuzz_u8(in) % S.nlive : 0;
    unsigned call = fuzz_u8(in) % 3;
    struct live *l = &S.live[i];
    size_t bs = S.nlive ? block_size(l->size) : 0;

    switch (code) {
    case 0:
    case 1:
    case 2:
        op_alloc(in, code);
        break;
    case 3:
        if (S.nlive == 0)
            break;
        fuzz_op("free live %u (%p, %zu)", i, (void *)l->p, l->size);
        FUZZ_CHECK(intact(l, l->size, false));
        FUZZ_CHECK(kheap_free(&S.h, l->p) == KHEAP_OK);
        drop_live(i);
        check_all(KHEAP_OK);
        break;
    case 4:
        if (S.nlive > 0)
            op_realloc(i, fuzz_u8(in) & 1 ? 0 : fuzz_u32(in) % MAX_SIZE);
        break;
    case 5:
        op_bad("foreign", (uint8_t *)&S, KHEAP_ERR_FOREIGN, call);
        break;
    case 6:
        if (S.nlive > 0)
            op_bad("misaligned", l->p + 1 + fuzz_u8(in) % 15,
                   KHEAP_ERR_MISALIGNED, call);
        break;
    case 7:
        if (S.nlive > 0 && bs > KHEAP_MIN_SIZE)
            op_bad("interior", l->p + KHEAP_MIN_SIZE *
                   (1 + fuzz_u16(in) % (bs / KHEAP_MIN_SIZE - 1)),
                   KHEAP_ERR_INTERIOR, call);
        break;
    case 8:
        if (S.nfreed > 0) {
            uint8_t *a = S.freed[fuzz_u8(in) % (S.nfreed < MAX_FREED ?
                                                S.nfreed : MAX_FREED)];

            if (!inside_live(a))
                op_bad("stale", a, KHEAP_OK, call);
        }
        break;
    default:
        fuzz_op("trim");
        kheap_trim(&S.h);
        check_all(KHEAP_OK);
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    unsigned n = 0;

    setup(&in);
    if (S.h.name != NULL && (S.growing || S.nerr[KHEAP_ERR_EXTENT] == 0)) {
        check_all(KHEAP_OK);
        while (fuzz_more(&in) && n++ < 1000)
            op(&in);
        while (S.nlive > 0) {
            FUZZ_CHECK(kheap_free(&S.h, S.live[0].p) == KHEAP_OK);
            drop_live(0);
            check_all(KHEAP_OK);
        }
        kheap_trim(&S.h);
        check_all(KHEAP_OK);
        if (S.growing) {
            FUZZ_CHECK(kheap_pages_held(&S.h) == 0);
            FUZZ_CHECK(buddy_free_pages(&S.src_buddy) ==
                       buddy_managed_pages(&S.src_buddy));
        }
        kheap_destroy(&S.h, NULL, NULL);
    }
    mm_switch.poison = 0;
    mm_switch.guard = false;
    return 0;
}
