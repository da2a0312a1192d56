/*
 * mm/slab_test.c - tests of the slab (mm/slab.h, mm/slab.c) on its own:
 * geometry, index exactness, take/put, errors, carving, constructor,
 * repair of a broken free list and the checker.
 */
#include "slab.h"
#include "test.h"

#define ARENA_ORDER     2
#define ARENA_BYTES     (MM_PAGE << ARENA_ORDER)

static uint8_t arena[ARENA_BYTES] MM_ALIGNED(ARENA_BYTES);

/*
 * The sizes mm/slab.h's header talks about, from sizeof, and the
 * geometry of a few caches: kmalloc-like powers of two aligned to their
 * size, and a 72-byte pool object.
 */
MM_TEST(slab, sizes)
{
    struct slab_geom g;

    mm_print("slab: sizeof struct slab %zu, struct slab_geom %zu bytes\n",
             sizeof(struct slab), sizeof(struct slab_geom));
    MM_CHECK(t, sizeof(struct slab) <= 9 * sizeof(void *) +
                    SLAB_MAP_INLINE * sizeof(uint32_t));
    MM_CHECK(t, slab_geom_init(&g, 16, 16, 0) >= MM_PAGE / 16 - 8);
    MM_CHECK_EQ(t, g.first, slab_header_bytes(g.nobjs, 16));
    MM_CHECK_EQ(t, g.first % 16, 0);
    MM_CHECK_EQ(t, g.shift, 4);
    MM_CHECK_EQ(t, g.recip, 1u << 28);
    /* 2 KiB objects aligned to 2 KiB in 8 pages: object 0 is at 2 KiB,
     * the header costs one object of 16, as kmalloc wants. */
    MM_CHECK_EQ(t, slab_geom_init(&g, 2048, 2048, 3), 15);
    MM_CHECK_EQ(t, g.first, 2048);
    MM_CHECK(t, slab_geom_init(&g, 72, 8, 0) >= MM_PAGE / 72 - 2);
    MM_CHECK_EQ(t, g.shift, 0);
    MM_CHECK_EQ(t, g.recip, 59652324);
    MM_CHECK(t, g.first + g.nobjs * g.size <= MM_PAGE);
    MM_CHECK(t, g.first + (g.nobjs + 1) * g.size > MM_PAGE);
    /* Too big for one page: no object fits. */
    MM_CHECK_EQ(t, slab_geom_init(&g, 8192, 8, 0), 0);
}

/*
 * The proof in mm/slab.h, checked: for every object size a slab can
 * have (a multiple of a pointer, up to SLAB_MAX_SIZE) and every object
 * boundary of the largest slab (SLAB_MAX_ORDER), the multiply gives the
 * exact index; smaller slabs have a subset of those boundaries.  The
 * kernel checks every 7th size (TCG is slow); the host every size.
 */
MM_TEST(slab, recip_exact)
{
    size_t bytes = MM_PAGE << SLAB_MAX_ORDER, size;
    size_t step = sizeof(void *);
    unsigned long bad = 0, tried = 0, boundaries = 0;
    struct slab s = { .base = 0 };

#ifdef MM_KERNEL
    step *= 7;
#endif
    for (size = sizeof(void *); size <= SLAB_MAX_SIZE; size += step) {
        struct slab_geom g;
        size_t i, n = bytes / size;

        slab_geom_outside(&g, size, 1, (unsigned)n);
        bad += g.size != size;
        for (i = 0; i < n; i++)
            bad += slab_index(&s, &g, i * size) != i;
        /* The last byte of the slab is no boundary: refused by the
         * compare, whatever index the multiply gives. */
        bad += slab_lookup(&s, &g, n * size - 1, (uint32_t)n) != -1;
        boundaries += n;
        tried++;
    }
    mm_print("slab: recip exact on %lu boundaries of %lu sizes\n",
             boundaries, tried);
    MM_CHECK_EQ(t, bad, 0);
    MM_CHECK(t, tried >= SLAB_MAX_SIZE / step);
}

/* Every offset of a 72-byte slab: only the boundaries are objects. */
MM_TEST(slab, every_offset_classified)
{
    struct slab_geom g;
    struct slab *s;
    uintptr_t a;
    unsigned objects = 0;

    slab_geom_init(&g, 72, 8, ARENA_ORDER);
    s = slab_carve(arena, &g, NULL);
    for (a = (uintptr_t)arena; a < (uintptr_t)arena + ARENA_BYTES; a++) {
        long i = slab_lookup(s, &g, a, g.nobjs);
        bool boundary = a >= s->base && (a - s->base) % 72 == 0 &&
                        (a - s->base) / 72 < g.nobjs;

        if (!MM_CHECK_EQ(t, i >= 0, boundary))
            return;
        if (boundary && !MM_CHECK_EQ(t, i, (long)((a - s->base) / 72)))
            return;
        objects += boundary;
    }
    MM_CHECK_EQ(t, objects, g.nobjs);
}

/*
 * Carving is lazy and LIFO reuse follows: take 3 from a fresh slab
 * (objects 0, 1, 2 carved), put 1, take gives 1 again; the table and
 * counts follow every step.
 */
MM_TEST(slab, take_put_and_lazy_carving)
{
    struct slab_geom g;
    struct slab *s;
    void *o[3];
    uintptr_t where;
    int cache;

    slab_geom_init(&g, 64, 64, 0);
    s = slab_carve(arena, &g, &cache);
    MM_CHECK_EQ(t, s->magic, SLAB_MAGIC);
    MM_CHECK_PTR_EQ(t, s->cache, &cache);
    MM_CHECK_PTR_EQ(t, slab_of((uint8_t *)s->base + 100, 0), s);
    MM_CHECK_EQ(t, s->nfree, g.nobjs);
    MM_CHECK_EQ(t, s->ncarved, 0);
    o[0] = slab_take(s, &g);
    o[1] = slab_take(s, &g);
    o[2] = slab_take(s, &g);
    MM_CHECK_PTR_EQ(t, o[0], (void *)s->base);
    MM_CHECK_PTR_EQ(t, o[2], (void *)(s->base + 128));
    MM_CHECK_EQ(t, s->ncarved, 3);
    MM_CHECK_EQ(t, s->nfree, g.nobjs - 3);
    MM_CHECK(t, !mm_bitmap_test(s->freemap, 1));
    MM_CHECK_EQ(t, slab_put(s, &g, o[1]), SLAB_OK);
    MM_CHECK(t, mm_bitmap_test(s->freemap, 1));
    MM_CHECK_PTR_EQ(t, s->freelist, o[1]);
    MM_CHECK_PTR_EQ(t, slab_take(s, &g), o[1]);
    MM_CHECK_EQ(t, s->ncarved, 3);
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
}

/* A full slab says NULL; every object comes back; the slab is whole. */
MM_TEST(slab, full_slab_and_all_back)
{
    struct slab_geom g;
    struct slab *s;
    unsigned i, n;
    uintptr_t where;

    n = slab_geom_init(&g, 100, 4, 1);
    s = slab_carve(arena, &g, NULL);
    for (i = 0; i < n; i++)
        if (!MM_CHECK(t, slab_take(s, &g) != NULL))
            return;
    MM_CHECK_EQ(t, s->nfree, 0);
    MM_CHECK_PTR_EQ(t, slab_take(s, &g), NULL);
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
    for (i = n; i-- > 0;)
        MM_CHECK_EQ(t, slab_put(s, &g, slab_object(s, &g, i)), SLAB_OK);
    MM_CHECK_EQ(t, s->nfree, n);
    MM_CHECK_EQ(t, mm_bitmap_count(s->freemap, n), n);
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
}

/*
 * The free table sits inside the header for up to 32 * SLAB_MAP_INLINE
 * objects, in the cache line of the fields a free reads, else right
 * after the header: 32-byte objects in a page (about 125) use the
 * header's map, 16-byte ones (about 250) the words after it.  Either
 * way a take clears and a put sets the bit where freemap says.
 */
MM_TEST(slab, table_inside_header)
{
    struct slab_geom g;
    struct slab *s;
    uintptr_t where;
    void *o;
    unsigned i;

    MM_CHECK(t, offsetof(struct slab, map) + sizeof s->map <= 64);
    MM_CHECK(t, slab_geom_init(&g, 32, 32, 0) <= 32 * SLAB_MAP_INLINE);
    MM_CHECK_EQ(t, g.first, (sizeof(struct slab) + 31) & ~(size_t)31);
    s = slab_carve(arena, &g, NULL);
    MM_CHECK_PTR_EQ(t, s->freemap, s->map);
    o = slab_take(s, &g);
    MM_CHECK(t, !mm_bitmap_test(s->map, 0));
    MM_CHECK_EQ(t, slab_put(s, &g, o), SLAB_OK);
    MM_CHECK(t, mm_bitmap_test(s->map, 0));
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);

    MM_CHECK(t, slab_geom_init(&g, 16, 16, 0) > 32 * SLAB_MAP_INLINE);
    MM_CHECK_EQ(t, g.first, (sizeof(struct slab) +
                             MM_BITMAP_WORDS(g.nobjs) * 4 + 15) & ~(size_t)15);
    s = slab_carve(arena, &g, NULL);
    MM_CHECK_PTR_EQ(t, s->freemap, (uint32_t *)(s + 1));
    MM_CHECK(t, (uintptr_t)(s->freemap + MM_BITMAP_WORDS(g.nobjs)) <=
                s->base);
    for (i = 0; i <= 32 * SLAB_MAP_INLINE; i++)
        o = slab_take(s, &g);
    MM_CHECK_PTR_EQ(t, o, slab_object(s, &g, 32 * SLAB_MAP_INLINE));
    MM_CHECK(t, !mm_bitmap_test(s->freemap, 32 * SLAB_MAP_INLINE));
    MM_CHECK_EQ(t, slab_put(s, &g, o), SLAB_OK);
    MM_CHECK(t, mm_bitmap_test(s->freemap, 32 * SLAB_MAP_INLINE));
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
}

/*
 * Each bad put is refused and changes nothing: the header, an address
 * inside an object, past the last object, far away, an object never
 * carved (free: a double free) and a freed one.
 */
MM_TEST(slab, bad_put_changes_nothing)
{
    struct slab_geom g;
    struct slab *s, before;
    uint8_t *a, *b;
    uintptr_t where;

    slab_geom_init(&g, 48, 16, 0);
    s = slab_carve(arena, &g, NULL);
    a = slab_take(s, &g);
    b = slab_take(s, &g);
    MM_CHECK_EQ(t, slab_put(s, &g, b), SLAB_OK);
    before = *s;
    MM_CHECK_EQ(t, slab_put(s, &g, arena), SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, a + 8), SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, a - 1), SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, slab_object(s, &g, g.nobjs)),
                SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, arena + 3 * ARENA_BYTES / 4),
                SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, (void *)((uintptr_t)a + (1ul << 31))),
                SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(s, &g, slab_object(s, &g, 5)), SLAB_DOUBLE_FREE);
    MM_CHECK_EQ(t, slab_put(s, &g, b), SLAB_DOUBLE_FREE);
    MM_CHECK_EQ(t, s->nfree, before.nfree);
    MM_CHECK_PTR_EQ(t, s->freelist, before.freelist);
    MM_CHECK_EQ(t, s->freemap[0], before.freemap[0]);
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
}

/* A static pool's slab: the header outside, the caller's table. */
MM_TEST(slab, header_outside)
{
    static uint8_t buf[10 * 24] MM_ALIGNED(8);
    uint32_t map[MM_BITMAP_WORDS(10)];
    struct slab_geom g;
    struct slab s;
    uintptr_t where;
    unsigned i;

    slab_geom_outside(&g, 24, 8, 10);
    slab_init(&s, &g, NULL, (uintptr_t)buf, map);
    MM_CHECK_EQ(t, map[0], 0x3FFu);
    for (i = 0; i < 10; i++)
        MM_CHECK_PTR_EQ(t, slab_take(&s, &g), buf + 24 * i);
    MM_CHECK_PTR_EQ(t, slab_take(&s, &g), NULL);
    MM_CHECK_EQ(t, slab_put(&s, &g, buf + 240), SLAB_MISALIGNED);
    MM_CHECK_EQ(t, slab_put(&s, &g, buf + 48), SLAB_OK);
    MM_CHECK_PTR_EQ(t, slab_check(&s, &g, &where), NULL);
}

static unsigned long ctor_calls;

static void
count_ctor(void *obj, void *arg)
{
    *(uint32_t *)obj = 0xC0FFEEu;
    ctor_calls += arg == &ctor_calls;
}

/* The constructor runs once per carve, never on reuse; the link kept
 * after the object leaves the constructed word alone. */
MM_TEST(slab, constructor_on_first_carve)
{
    struct slab_geom g;
    struct slab *s;
    uint32_t *a, *b;

    slab_geom_init(&g, 2 * sizeof(void *), 8, 0);
    g.link_off = sizeof(void *);
    g.ctor = count_ctor;
    g.ctor_arg = &ctor_calls;
    ctor_calls = 0;
    s = slab_carve(arena, &g, NULL);
    a = slab_take(s, &g);
    b = slab_take(s, &g);
    MM_CHECK_EQ(t, ctor_calls, 2);
    MM_CHECK_EQ(t, slab_put(s, &g, a), SLAB_OK);
    MM_CHECK_EQ(t, slab_put(s, &g, b), SLAB_OK);
    MM_CHECK_PTR_EQ(t, slab_take(s, &g), b);
    MM_CHECK_PTR_EQ(t, slab_take(s, &g), a);
    MM_CHECK_EQ(t, ctor_calls, 2);
    MM_CHECK_EQ(t, *a, 0xC0FFEEu);
    MM_CHECK_EQ(t, *b, 0xC0FFEEu);
}

static unsigned long bad_links;
static uintptr_t bad_where;

static void
note_bad_link(struct slab *s, uintptr_t where)
{
    (void)s;
    bad_links++;
    bad_where = where;
}

/*
 * A write after free hits each kind of link: pointing into the header,
 * between objects, at an object in use, and ending the list early.
 * Each time the cache is told once (bad_link), when the take after the
 * one that followed the link finds its head bad (or, for the early end,
 * the list dry with free objects left).  Takes hand out free objects
 * only, never the bad head, and the slab checks clean after.
 */
MM_TEST(slab, broken_links_repaired)
{
    struct slab_geom g;
    struct slab *s;
    uint8_t *o[4], *x;
    uintptr_t where;
    unsigned k;

    slab_geom_init(&g, 32, 32, 0);
    g.bad_link = note_bad_link;
    s = slab_carve(arena, &g, NULL);
    for (k = 0; k < 4; k++) {
        uint8_t *bad[4];

        o[0] = slab_take(s, &g);
        o[1] = slab_take(s, &g);
        o[2] = slab_take(s, &g);
        o[3] = slab_take(s, &g);                /* stays in use */
        bad[0] = arena + 4;
        bad[1] = o[2] + 3;
        bad[2] = o[3];
        bad[3] = NULL;
        MM_CHECK_EQ(t, slab_put(s, &g, o[2]), SLAB_OK);
        MM_CHECK_EQ(t, slab_put(s, &g, o[1]), SLAB_OK);
        MM_CHECK_EQ(t, slab_put(s, &g, o[0]), SLAB_OK);
        *(uint8_t **)o[0] = bad[k];             /* the write after free */
        bad_links = 0;
        MM_CHECK_PTR_EQ(t, slab_take(s, &g), o[0]);
        x = slab_take(s, &g);                   /* follows the bad link */
        MM_CHECK_EQ(t, bad_links, 1);
        MM_CHECK_EQ(t, bad_where, k == 3 ? s->base : (uintptr_t)bad[k]);
        MM_CHECK(t, x == o[1] || x == o[2]);
        MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
        MM_CHECK_EQ(t, slab_put(s, &g, x), SLAB_OK);
        MM_CHECK_EQ(t, slab_put(s, &g, o[0]), SLAB_OK);
        MM_CHECK_EQ(t, slab_put(s, &g, o[3]), SLAB_OK);
        MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
        while (s->freelist != NULL)
            MM_CHECK(t, slab_take(s, &g) != NULL);
        for (x = (uint8_t *)s->base; x < (uint8_t *)s->base + 32 * 4;
             x += 32)
            slab_put(s, &g, x);
    }
}

/* The checker names each fault a corruption can cause. */
MM_TEST(slab, check_names_each_fault)
{
    struct slab_geom g;
    struct slab *s;
    uint8_t *a, *b;
    uintptr_t where;

    slab_geom_init(&g, 64, 8, 0);
    s = slab_carve(arena, &g, NULL);
    a = slab_take(s, &g);
    b = slab_take(s, &g);
    slab_put(s, &g, a);

    s->magic = 0;
    MM_CHECK_STR(t, slab_check(s, &g, &where), "slab header");
    s->magic = SLAB_MAGIC;

    *(uint8_t **)a = b;                         /* b is in use */
    MM_CHECK_STR(t, slab_check(s, &g, &where), "bad free-list entry");
    MM_CHECK_EQ(t, where, (uintptr_t)b);
    *(uint8_t **)a = a;                         /* a loop */
    MM_CHECK_STR(t, slab_check(s, &g, &where),
                 "free count, list and table differ");
    MM_CHECK_EQ(t, where, (uintptr_t)s);
    *(uint8_t **)a = NULL;

    mm_bitmap_clear(s->freemap, 5);             /* uncarved, not free */
    MM_CHECK_STR(t, slab_check(s, &g, &where), "uncarved object in use");
    mm_bitmap_set(s->freemap, 5);

    s->nfree++;
    MM_CHECK_STR(t, slab_check(s, &g, &where),
                 "free count, list and table differ");
    s->nfree--;
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
}

/* The power-of-two lookup (a mask and a shift) over every offset. */
MM_TEST(slab, every_offset_classified_pow2)
{
    struct slab_geom g;
    struct slab *s;
    uintptr_t a;
    unsigned objects = 0;

    slab_geom_init(&g, 64, 64, ARENA_ORDER);
    MM_CHECK_EQ(t, g.shift, 6);
    s = slab_carve(arena, &g, NULL);
    for (a = (uintptr_t)arena - 256; a < (uintptr_t)arena + ARENA_BYTES; a++) {
        long i = slab_lookup(s, &g, a, g.nobjs);
        bool boundary = a >= s->base && (a - s->base) % 64 == 0 &&
                        (a - s->base) / 64 < g.nobjs;

        if (!MM_CHECK_EQ(t, i >= 0, boundary))
            return;
        if (boundary && !MM_CHECK_EQ(t, i, (long)((a - s->base) / 64)))
            return;
        objects += boundary;
    }
    MM_CHECK_EQ(t, objects, g.nobjs);
    /* Fewer carved: the limit refuses the rest. */
    MM_CHECK_EQ(t, slab_lookup(s, &g, s->base + 64 * 3, 3), -1);
    MM_CHECK_EQ(t, slab_lookup(s, &g, s->base + 64 * 2, 3), 2);
}

/*
 * Parking: an object parked is free in the table (a second free of it
 * is a double free) but on no list and not counted; slab_check sees
 * the difference unless told of it; unparking hands it out again, and
 * unpark_put lists it as slab_put would have.
 */
MM_TEST(slab, park_unpark)
{
    struct slab_geom g;
    struct slab *s;
    void *a, *b;
    uint32_t nfree, *word = NULL, bit = 0, *w2, b2;
    uintptr_t where;

    slab_geom_init(&g, 32, 32, 0);
    s = slab_carve(arena, &g, NULL);
    a = slab_take(s, &g);
    b = slab_take(s, &g);
    nfree = s->nfree;
    MM_CHECK_EQ(t, slab_park(s, &g, a, &word, &bit), SLAB_OK);
    MM_CHECK_PTR_EQ(t, word, &s->freemap[0]);
    MM_CHECK_EQ(t, bit, 1);
    MM_CHECK(t, mm_bitmap_test(s->freemap, 0));
    MM_CHECK_EQ(t, s->nfree, nfree);
    MM_CHECK(t, s->freelist != a);
    w2 = NULL;
    MM_CHECK_EQ(t, slab_park(s, &g, a, &w2, &b2), SLAB_DOUBLE_FREE);
    MM_CHECK_PTR_EQ(t, w2, NULL);                   /* nothing given */
    MM_CHECK_EQ(t, slab_put(s, &g, a), SLAB_DOUBLE_FREE);
    MM_CHECK_EQ(t, slab_park(s, &g, (uint8_t *)b + 8, &w2, &b2),
                SLAB_MISALIGNED);
    MM_CHECK(t, !mm_bitmap_test(s->freemap, 1));
    MM_CHECK(t, slab_check(s, &g, &where) != NULL);
    MM_CHECK_PTR_EQ(t, slab_check_parked(s, &g, 1, &where), NULL);
    slab_unpark(word, bit);
    MM_CHECK(t, !mm_bitmap_test(s->freemap, 0));
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
    MM_CHECK_EQ(t, slab_park(s, &g, b, &word, &bit), SLAB_OK);
    MM_CHECK_EQ(t, bit, 2);
    slab_unpark_put(s, &g, b);
    MM_CHECK_PTR_EQ(t, s->freelist, b);
    MM_CHECK_EQ(t, s->nfree, nfree + 1);
    MM_CHECK_PTR_EQ(t, slab_check(s, &g, &where), NULL);
    MM_CHECK_PTR_EQ(t, slab_take(s, &g), b);
}
