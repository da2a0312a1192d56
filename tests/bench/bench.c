/*
 * tests/bench/bench.c - host benchmarks of every layer against baselines.
 *
 *   bench time            the timing tables (make bench)
 *   bench count NAME N    run workload NAME once with N operations, for
 *                         callgrind to count instructions (make bench-count)
 *
 * Built from the same mm/ sources as the kernel, at -O2, no sanitizers,
 * debug mode off.  Each workload is described in one line above its
 * table; times are ns per operation, the median of REPS repetitions
 * with min and max; every ratio is to a baseline timed in the same run,
 * so the ratios hold on a noisy shared machine.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "../../mm/buddy.h"
#include "../../mm/kheap.h"
#include "../../mm/pool.h"
#include "baselines.h"

#define REPS        5
#define MiB         ((size_t)1 << 20)
#define W1_PAIRS    10000000UL
#define W3_OPS      5000000UL
#define W3_BITMAP   50000UL         /* the bitmap is slow: fewer ops */
#define W4_OPS      10000000UL
#define W5_OPS      10000000UL
#define LIVE        10000

/* ---- helpers -------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static inline uint64_t
rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *
xalloc(size_t bytes)
{
    void *p = aligned_alloc(MM_PAGE, (bytes + MM_PAGE - 1) & ~(MM_PAGE - 1));

    if (p == NULL) {
        fprintf(stderr, "bench: cannot allocate %zu bytes\n", bytes);
        exit(1);
    }
    return p;
}

/* One workload run: sets itself up, times its loop, returns ns/op. */
struct work {
    const char *name;           /* row label */
    double (*run)(struct work *w);
    size_t arena;               /* bytes */
    unsigned long nops;
    int variant;                /* workload-specific */
};

struct result {
    double med, min, max;
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static struct result
measure(struct work *w)
{
    double t[REPS];
    struct result r;
    int i;

    for (i = 0; i < REPS; i++)
        t[i] = w->run(w);
    qsort(t, REPS, sizeof t[0], cmp_double);
    r.med = t[REPS / 2];
    r.min = t[0];
    r.max = t[REPS - 1];
    return r;
}

/* Counting mode: callgrind counts only between these two marks. */
static int counting;

static inline void
loop_begin(void)
{
    if (counting)
        CALLGRIND_ZERO_STATS;
}

static inline void
loop_end(void)
{
    if (counting)
        CALLGRIND_DUMP_STATS_AT("loop");
}

/* ---- buddy workloads ------------------------------------------------ */

static uint8_t *arena_mem;
static size_t arena_size;
static struct buddy bd;
static void **pages;            /* allocated blocks, for fills */

/*
 * The arena for a workload, touched once so that no run pays the host's
 * first-touch page faults (which grow with the arena, not the allocator).
 */
static void
arena_get(size_t bytes)
{
    if (arena_size != bytes) {
        free(arena_mem);
        arena_mem = xalloc(bytes);
        memset(arena_mem, 0, bytes);
        arena_size = bytes;
        free(pages);
        pages = calloc(bytes / MM_PAGE, sizeof *pages);
    }
}

static void
buddy_fresh(size_t bytes)
{
    arena_get(bytes);
    buddy_init(&bd, "bench");
    buddy_add_zone(&bd, arena_mem, bytes, 0, NULL);
}

/* Fills the arena with single pages, frees every other one. */
static void
buddy_checkerboard(void)
{
    size_t n = 0, i;
    void *p;

    while ((p = buddy_alloc(&bd, 0)) != NULL)
        pages[n++] = p;
    for (i = 0; i < n; i += 2)
        buddy_free(&bd, pages[i]);
}

/* W1 / W1f: order-0 allocate-then-free pairs. */
static double
w1_buddy(struct work *w)
{
    unsigned long i;
    double t;

    buddy_fresh(w->arena);
    if (w->variant)
        buddy_checkerboard();
    loop_begin();
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        void *p = buddy_alloc(&bd, 0);

        buddy_free(&bd, p);
    }
    t = now_ns() - t;
    loop_end();
    return t / w->nops;
}

static double
w1_freelist(struct work *w)
{
    struct freelist f;
    unsigned long i;
    double t;

    arena_get(w->arena);
    freelist_init(&f, arena_mem, w->arena / MM_PAGE / (w->variant ? 2 : 1));
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        void *p = freelist_alloc(&f);

        freelist_free(&f, p);
    }
    t = now_ns() - t;
    return t / w->nops;
}

/* Shuffles n pointers (Fisher-Yates). */
static void
shuffle(void **v, size_t n)
{
    size_t i;

    for (i = n; i > 1; i--) {
        size_t j = rnd() % i;
        void *x = v[i - 1];

        v[i - 1] = v[j];
        v[j] = x;
    }
}

/* W2: fill half the arena with single pages, free in random order. */
static double
w2_buddy(struct work *w)
{
    size_t n = w->arena / MM_PAGE / 2, i;
    double t, t2;

    buddy_fresh(w->arena);
    t = now_ns();
    for (i = 0; i < n; i++)
        pages[i] = buddy_alloc(&bd, 0);
    t = now_ns() - t;
    shuffle(pages, n);
    t2 = now_ns();
    for (i = 0; i < n; i++)
        buddy_free(&bd, pages[i]);
    return (t + now_ns() - t2) / n;
}

static double
w2_freelist(struct work *w)
{
    size_t n = w->arena / MM_PAGE / 2, i;
    struct freelist f;
    double t, t2;

    arena_get(w->arena);
    freelist_init(&f, arena_mem, w->arena / MM_PAGE);
    t = now_ns();
    for (i = 0; i < n; i++)
        pages[i] = freelist_alloc(&f);
    t = now_ns() - t;
    shuffle(pages, n);
    t2 = now_ns();
    for (i = 0; i < n; i++)
        freelist_free(&f, pages[i]);
    return (t + now_ns() - t2) / n;
}

/* W3: random orders 0-4 near an occupancy (percent), one op = one call. */
struct w3_block {
    void *p;
    unsigned order;
};

static struct w3_block *w3_live;

static double
w3_run(struct work *w, bool bitmap)
{
    size_t npages = w->arena / MM_PAGE, used = 0, n = 0;
    size_t target = npages * (w->variant ? w->variant : 50) / 100;
    unsigned long i;
    struct bitmap bm;
    double t;

    w3_live = realloc(w3_live, npages * sizeof *w3_live);
    if (bitmap) {
        arena_get(w->arena);
        bitmap_init(&bm, arena_mem, npages);
    } else {
        buddy_fresh(w->arena);
    }
    t = 0;
    for (i = 0; i < w->nops + npages; i++) {
        if (i == npages) {              /* warmed up: occupancy reached */
            loop_begin();
            t = now_ns();
        }
        if (used < target || n == 0) {
            unsigned k = (unsigned)(rnd() % 5);
            void *p = bitmap ? bitmap_alloc(&bm, (size_t)1 << k)
                             : buddy_alloc(&bd, k);

            if (p != NULL) {
                w3_live[n].p = p;
                w3_live[n++].order = k;
                used += (size_t)1 << k;
            }
        } else {
            size_t j = rnd() % n;

            if (bitmap)
                bitmap_free(&bm, w3_live[j].p, (size_t)1 << w3_live[j].order);
            else
                buddy_free(&bd, w3_live[j].p);
            used -= (size_t)1 << w3_live[j].order;
            w3_live[j] = w3_live[--n];
        }
    }
    t = now_ns() - t;
    loop_end();
    if (bitmap)
        bitmap_fini(&bm);
    return t / w->nops;
}

static double
w3_buddy(struct work *w)
{
    return w3_run(w, false);
}

static double
w3_bitmap(struct work *w)
{
    return w3_run(w, true);
}

/* ---- kmalloc and pool workloads ------------------------------------- */

static struct mm_pagesrc bench_src;
static void *live_ptr[LIVE];

static size_t
w4_size(void)
{
    return 16 + (size_t)(rnd() % (2048 - 16 + 1));
}

/* W4: 10,000 blocks live; one op = kfree of a random one + kmalloc. */
static double
w4_kmalloc(struct work *w)
{
    struct kheap h;
    unsigned long i;
    double t;

    buddy_fresh(w->arena);
    buddy_pagesrc(&bd, &bench_src);
    kheap_init_growing(&h, "bench", &bench_src);
    for (i = 0; i < LIVE; i++)
        live_ptr[i] = kheap_alloc(&h, w4_size());
    loop_begin();
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        size_t j = rnd() % LIVE;

        kheap_free(&h, live_ptr[j]);
        live_ptr[j] = kheap_alloc(&h, w4_size());
    }
    t = now_ns() - t;
    loop_end();
    for (i = 0; i < LIVE; i++)
        kheap_free(&h, live_ptr[i]);
    return t / w->nops;
}

static double
w4_glibc(struct work *w)
{
    unsigned long i;
    double t;

    for (i = 0; i < LIVE; i++)
        live_ptr[i] = malloc(w4_size());
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        size_t j = rnd() % LIVE;

        free(live_ptr[j]);
        live_ptr[j] = malloc(w4_size());
    }
    t = now_ns() - t;
    for (i = 0; i < LIVE; i++)
        free(live_ptr[i]);
    return t / w->nops;
}

/*
 * W5: 64-byte objects, 10,000 live; LIFO (variant 0) or random (1).
 * One op = one alloc + one free.  The pool is a static pool over room for
 * 2 x 10,000 objects: a growing pool of 64-byte objects stops at
 * POOL_MAX_SLABS one-page slabs (7,936 objects), fewer than W5 keeps
 * live.  Alloc and free run the same code for both backings.
 */
static double
w5_pool(struct work *w)
{
    static uint32_t map[POOL_FREEMAP_WORDS(2 * LIVE)];
    void *buf = xalloc(2 * LIVE * 64);
    struct pool p;
    unsigned long i, k;
    double t;

    pool_init_static(&p, "bench", buf, 2 * LIVE * 64, 64, 0, 0, map);
    for (i = 0; i < LIVE; i++)
        live_ptr[i] = pool_alloc(&p);
    loop_begin();
    t = now_ns();
    if (w->variant == 0) {
        for (i = 0; i < w->nops; i += LIVE) {
            for (k = LIVE; k > 0; k--)
                pool_free(&p, live_ptr[k - 1]);
            for (k = 0; k < LIVE; k++)
                live_ptr[k] = pool_alloc(&p);
        }
    } else {
        for (i = 0; i < w->nops; i++) {
            size_t j = rnd() % LIVE;

            pool_free(&p, live_ptr[j]);
            live_ptr[j] = pool_alloc(&p);
        }
    }
    t = now_ns() - t;
    loop_end();
    for (i = 0; i < LIVE; i++)
        pool_free(&p, live_ptr[i]);
    if (p.nerr[POOL_NOMEM] != 0 || pool_check(&p) != 0) {
        fprintf(stderr, "bench: W5 pool ran out or broke\n");
        exit(1);
    }
    pool_destroy(&p);
    free(buf);
    return t / w->nops;
}

static double
w5_objlist(struct work *w)
{
    struct objlist o;
    unsigned long i, k;
    void *buf = xalloc(2 * LIVE * 64);
    double t;

    objlist_init(&o, buf, 2 * LIVE, 64);
    for (i = 0; i < LIVE; i++)
        live_ptr[i] = objlist_alloc(&o);
    t = now_ns();
    if (w->variant == 0) {
        for (i = 0; i < w->nops; i += LIVE) {
            for (k = LIVE; k > 0; k--)
                objlist_free(&o, live_ptr[k - 1]);
            for (k = 0; k < LIVE; k++)
                live_ptr[k] = objlist_alloc(&o);
        }
    } else {
        for (i = 0; i < w->nops; i++) {
            size_t j = rnd() % LIVE;

            objlist_free(&o, live_ptr[j]);
            live_ptr[j] = objlist_alloc(&o);
        }
    }
    t = now_ns() - t;
    free(buf);
    return t / w->nops;
}

/* ---- tables --------------------------------------------------------- */

static void
header(const char *title, const char *unit)
{
    printf("\n%s\n", title);
    printf("  %-26s %9s %9s %9s   %s\n", "allocator", unit, "min", "max",
           "ratio");
}

static void
row(const char *name, struct result r, const char *ratio)
{
    printf("  %-26s %9.1f %9.1f %9.1f   %s\n", name, r.med, r.min, r.max,
           ratio);
}

static const char *
ratio_text(double a, double b, const char *base)
{
    static char buf[8][64];
    static int k;

    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%.2fx %s", a / b, base);
    return buf[k];
}

static void
target(const char *what, double value, double limit, const char *unit)
{
    printf("target: %s <= %g%s: %.2f%s %s\n", what, limit, unit, value, unit,
           value <= limit ? "PASS" : "MISS");
}

static void
target_min(const char *what, double value, double limit, const char *unit)
{
    printf("target: %s >= %g%s: %.1f%s %s\n", what, limit, unit, value, unit,
           value >= limit ? "PASS" : "MISS");
}

static struct result
run(const char *name, double (*fn)(struct work *), size_t arena,
    unsigned long nops, int variant)
{
    struct work w = { name, fn, arena, nops, variant };

    return measure(&w);
}

static void
table_w1(void)
{
    struct result b, f, bf, ff;

    header("W1: order-0 allocate-then-free, 10M pairs, fresh 128 MiB arena "
           "(every pair splits and merges)", "ns/pair");
    b = run("buddy", w1_buddy, 128 * MiB, W1_PAIRS, 0);
    f = run("freelist (xv6 kalloc)", w1_freelist, 128 * MiB, W1_PAIRS, 0);
    row("buddy", b, ratio_text(b.med, f.med, "freelist"));
    row("freelist (xv6 kalloc)", f, "1.00x");
    header("W1f: the same with half the arena a checkerboard of free pages "
           "(a free order-0 block always at hand)", "ns/pair");
    bf = run("buddy", w1_buddy, 128 * MiB, W1_PAIRS, 1);
    ff = run("freelist (xv6 kalloc)", w1_freelist, 128 * MiB, W1_PAIRS, 1);
    row("buddy", bf, ratio_text(bf.med, ff.med, "freelist"));
    row("freelist (xv6 kalloc)", ff, "1.00x");
    target("buddy W1f pair time vs freelist", bf.med / ff.med, 2.5, "x");
}

static void
table_w2(void)
{
    struct result b, f;

    header("W2: fill half of a 128 MiB arena with order-0 blocks, free them "
           "in random order", "ns/page");
    b = run("buddy", w2_buddy, 128 * MiB, 0, 0);
    f = run("freelist (xv6 kalloc)", w2_freelist, 128 * MiB, 0, 0);
    row("buddy", b, ratio_text(b.med, f.med, "freelist"));
    row("freelist (xv6 kalloc)", f, "1.00x");
    target("buddy W2 time vs freelist", b.med / f.med, 1.1, "x");
}

static void
table_w3(void)
{
    struct result b, m;

    header("W3: random orders 0-4 at about 50% occupancy of 128 MiB, 5M "
           "calls (bitmap: 50k calls)", "ns/call");
    b = run("buddy", w3_buddy, 128 * MiB, W3_OPS, 50);
    m = run("bitmap (Pintos palloc)", w3_bitmap, 128 * MiB, W3_BITMAP, 50);
    row("buddy", b, ratio_text(b.med, m.med, "bitmap"));
    row("bitmap (Pintos palloc)", m, "1.00x");
    target_min("buddy W3 speed-up over the bitmap", m.med / b.med, 100, "x");
}

static void
table_w4(void)
{
    struct result k, g;

    header("W4: kmalloc/kfree of random sizes 16 B-2 KiB, 10,000 live, 10M "
           "ops (op = free + alloc)", "ns/op");
    k = run("kmalloc (McKusick-Karels)", w4_kmalloc, 256 * MiB, W4_OPS, 0);
    g = run("glibc malloc/free", w4_glibc, 0, W4_OPS, 0);
    row("kmalloc (McKusick-Karels)", k, ratio_text(k.med, g.med, "glibc"));
    row("glibc malloc/free", g, "1.00x");
    target("kmalloc W4 time vs glibc", k.med / g.med, 0.25, "x");
}

static void
table_w5(void)
{
    struct result pl, ol, pr, or_;

    header("W5: 64-byte objects, 10,000 live, 10M ops (op = alloc + free)",
           "ns/op");
    pl = run("pool, LIFO", w5_pool, 0, W5_OPS, 0);
    ol = run("object free list, LIFO", w5_objlist, 0, W5_OPS, 0);
    pr = run("pool, random", w5_pool, 0, W5_OPS, 1);
    or_ = run("object free list, random", w5_objlist, 0, W5_OPS, 1);
    row("pool, LIFO", pl, ratio_text(pl.med, ol.med, "free list"));
    row("object free list, LIFO", ol, "1.00x");
    row("pool, random", pr, ratio_text(pr.med, or_.med, "free list"));
    row("object free list, random", or_, "1.00x");
    target("pool W5 LIFO time vs object free list", pl.med / ol.med, 1.2,
           "x");
    target("pool W5 random time vs object free list", pr.med / or_.med, 1.2,
           "x");
}

/* The largest W6 arena the host allows: 3 GiB, or less. */
static size_t
w6_largest(void)
{
    size_t bytes = 3072 * MiB;
    void *p;

    while (bytes > 128 * MiB && (p = malloc(bytes)) == NULL)
        bytes /= 2;
    if (bytes > 128 * MiB)
        free(p);
    return bytes;
}

static void
table_w6(void)
{
    size_t sizes[3] = { 2 * MiB, 128 * MiB, w6_largest() };
    int i;

    header("W6: W1f and W3 at arena sizes 2 MiB, 128 MiB and the largest "
           "(cost must not grow with memory)", "ns/op");
    for (i = 0; i < 3; i++) {
        char name[2][48];
        struct result a, b;

        snprintf(name[0], sizeof name[0], "buddy W1f pair, %zu MiB",
                 sizes[i] / MiB);
        snprintf(name[1], sizeof name[1], "buddy W3 call, %zu MiB",
                 sizes[i] / MiB);
        a = run(name[0], w1_buddy, sizes[i], W1_PAIRS / 4, 1);
        b = run(name[1], w3_buddy, sizes[i], W3_OPS / 4, 50);
        row(name[0], a, "");
        row(name[1], b, "");
    }
}

/* ---- memory figures ------------------------------------------------- */

static void
memory_figures(void)
{
    size_t requested = 0, handed = 0, meta = 0, zone_pages = 0;
    struct kheap h;
    struct pool p;
    unsigned i;

    buddy_fresh(128 * MiB);
    for (i = 0; i < bd.nzones; i++) {
        meta += bd.zone[i].meta_bytes;
        zone_pages += bd.zone[i].npages;
    }
    printf("\nmemory: buddy metadata %zu bytes for %zu pages (%zu of them "
           "hold it): %.3f bytes per page (%.3f%%), none inside allocated "
           "pages\n", meta, zone_pages, bd.zone[0].nreserved,
           (double)meta / zone_pages,
           100.0 * meta / (zone_pages * (double)MM_PAGE));
    target("buddy metadata per page", (double)meta / zone_pages, 1.0,
           " B");
    buddy_pagesrc(&bd, &bench_src);
    kheap_init_growing(&h, "frag", &bench_src);
    for (i = 0; i < LIVE; i++) {
        size_t size = w4_size();

        live_ptr[i] = kheap_alloc(&h, size);
        requested += size;
        handed += kheap_size(&h, live_ptr[i]);
    }
    printf("memory: kmalloc W4 mix: %zu bytes requested, %zu handed out: "
           "%.1f%% used, %.1f%% lost to power-of-two rounding\n", requested,
           handed, 100.0 * requested / handed,
           100.0 - 100.0 * requested / handed);
    for (i = 0; i < LIVE; i++)
        kheap_free(&h, live_ptr[i]);
    pool_init(&p, "meta", 64, 0, 0, &bench_src);
    printf("memory: pool of 64-byte objects: %u per %u-page slab, %.2f "
           "bytes of metadata per object\n", p.objs_per_slab,
           1u << p.slab_order,
           (double)((MM_PAGE << p.slab_order) - p.objs_per_slab * 64) /
           p.objs_per_slab);
    pool_destroy(&p);
}

/* ---- counting mode -------------------------------------------------- */

static int
count(const char *name, unsigned long n)
{
    static const struct {
        const char *name;
        double (*fn)(struct work *);
        size_t arena;
        int variant;
    } works[] = {
        { "W1f", w1_buddy, 128 * MiB, 1 },
        { "W3", w3_buddy, 128 * MiB, 50 },
        { "W3-25", w3_buddy, 128 * MiB, 25 },
        { "W3-75", w3_buddy, 128 * MiB, 75 },
        { "W4", w4_kmalloc, 256 * MiB, 0 },
        { "W5", w5_pool, 0, 1 },
        { "W1f-2M", w1_buddy, 2 * MiB, 1 },
        { "W3-2M", w3_buddy, 2 * MiB, 50 },
        { "W1f-big", w1_buddy, 0, 1 },
        { "W3-big", w3_buddy, 0, 50 },
    };
    unsigned i;

    counting = 1;
    for (i = 0; i < sizeof works / sizeof works[0]; i++) {
        if (strcmp(works[i].name, name) == 0) {
            struct work w = { name, works[i].fn, works[i].arena, n,
                              works[i].variant };

            if (w.arena == 0 && works[i].fn != w5_pool)
                w.arena = w6_largest();
            w.run(&w);
            return 0;
        }
    }
    fprintf(stderr, "bench: no workload %s\n", name);
    return 1;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count(argv[2], strtoul(argv[3], NULL, 10));
    if (argc != 2 || strcmp(argv[1], "time") != 0) {
        fprintf(stderr, "usage: bench time | bench count WORKLOAD N\n");
        return 2;
    }
    printf("bench: host timings, ns per operation, median of %d runs "
           "(min, max beside it)\n", REPS);
    table_w1();
    table_w2();
    table_w3();
    table_w4();
    table_w5();
    table_w6();
    memory_figures();
    return 0;
}
