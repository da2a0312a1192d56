/*
 * tests/bench/bench.c - host benchmarks of every layer against baselines.
 *
 *   bench time [TABLE...] the timing tables (make bench), or only the
 *                         named ones: w1 w2 w3 w4 w5 w6 memory
 *   bench count NAME N    run workload NAME once with N operations, for
 *                         callgrind to count instructions (make bench-count)
 *   bench check           check that the references work (refs_test.c)
 *   bench trace W4 N      print W4's kmalloc/kfree calls (N ops after the
 *                         10,000 first allocations) as a replay trace
 *
 * Built from the same mm/ sources as the kernel, at -O2, no sanitizers,
 * debug mode off.  Each workload is described in one line above its
 * table; times are ns per operation, the median of REPS repetitions
 * with min and max; every ratio is to a baseline timed in the same run.
 * The rows of a table take turns (one repetition of each, REPS times
 * over), so a stretch of noise on a shared machine falls on all of them
 * alike rather than on whichever row was running then.  Beside the baselines
 * (baselines.h) run the minimal references (refs.h): the same algorithm
 * as each kmemlab layer with nothing else, bare and with kmemlab's
 * checks, so a table shows what the checks cost and what the rest does.
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
#include "refs.h"

#define REPS        5
#define MiB         ((size_t)1 << 20)
#define W1_PAIRS    10000000UL
#define W3_OPS      5000000UL
#define W3_BITMAP   50000UL         /* the bitmap is slow: fewer ops */
#define GiB         ((size_t)1 << 30)
#define W4_OPS      2000000UL
#define W5_OPS      10000000UL
#define LIVE        10000
#define W6_LIVE_PAGES 256           /* W3 at arena sizes: pages kept live */

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

/*
 * A random number below n by a multiply and a shift (Lemire's range
 * reduction) instead of a division: W4's loop draws three per op, and
 * three divisions would cost the harness about as much as a kmalloc
 * and a kfree, flattening every ratio it prints.
 */
static inline size_t
rnd_below(size_t n)
{
    return (size_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
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
    size_t live;                /* W4, W5: blocks kept live; 0: LIVE */
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

/* The median, min and max of REPS times t (sorted here). */
static struct result
summary(double *t)
{
    struct result r;

    qsort(t, REPS, sizeof t[0], cmp_double);
    r.med = t[REPS / 2];
    r.min = t[0];
    r.max = t[REPS - 1];
    return r;
}

#define MAX_ROWS    8           /* the most rows a table times */

/*
 * Times the n workloads of one table, taking turns: one run of each,
 * REPS times over; r[i] is w[i]'s median, min and max.
 */
static void
measure_rows(struct work *w, int n, struct result *r)
{
    double t[MAX_ROWS][REPS];
    int i, k;

    for (k = 0; k < REPS; k++)
        for (i = 0; i < n; i++)
            t[i][k] = w[i].run(&w[i]);
    for (i = 0; i < n; i++)
        r[i] = summary(t[i]);
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

/* The page allocators a workload can run on. */
enum pa_kind {
    PA_BUDDY,                   /* kmemlab's buddy */
    PA_REF,                     /* the minimal reference buddy */
    PA_REFC,                    /* the same with kmemlab's checks */
};

static uint8_t *arena_mem;
static size_t arena_size;
static struct buddy bd;
static struct ref_buddy rb;
static bool rb_live;
static void **pages;            /* allocated blocks, for fills */

/*
 * The arena for a workload, touched once so that no timed run pays the
 * host's first-touch page faults (which grow with the arena, not the
 * allocator).  Counting runs skip the touch: callgrind counts only the
 * allocator calls, and touching 3 GiB under it takes minutes.
 */
static void
arena_get(size_t bytes)
{
    if (arena_size != bytes) {
        free(arena_mem);
        arena_mem = xalloc(bytes);
        if (!counting)
            memset(arena_mem, 0, bytes);
        arena_size = bytes;
        free(pages);
        pages = calloc(bytes / MM_PAGE, sizeof *pages);
    }
}

/* Parking for the next buddy_fresh: on, as in the kernel, unless a
   workload asks for the lists alone. */
static bool bd_parking = true;

static void
buddy_fresh(size_t bytes)
{
    arena_get(bytes);
    buddy_init(&bd, "bench");
    buddy_add_zone(&bd, arena_mem, bytes, 0, NULL);
    buddy_set_parking(&bd, bd_parking);     /* as the kernel runs it */
}

static void
ref_fresh(size_t bytes)
{
    arena_get(bytes);
    if (rb_live)
        ref_buddy_fini(&rb);
    ref_buddy_init(&rb, arena_mem, bytes / MM_PAGE);
    rb_live = true;
}

static void
pa_fresh(enum pa_kind kind, size_t bytes)
{
    if (kind == PA_BUDDY)
        buddy_fresh(bytes);
    else
        ref_fresh(bytes);
}

/* One call to the allocator of the run; kind is fixed per run. */
static inline void *
pa_alloc(enum pa_kind kind, unsigned order)
{
    return kind == PA_BUDDY ? buddy_alloc(&bd, order)
                            : ref_buddy_alloc(&rb, order);
}

static inline void
pa_free(enum pa_kind kind, void *p)
{
    if (kind == PA_BUDDY)
        buddy_free(&bd, p);
    else if (kind == PA_REF)
        ref_buddy_free(&rb, p);
    else
        ref_buddy_free_checked(&rb, p);
}

/* Fills the arena with single pages, frees every other one. */
static void
pa_checkerboard(enum pa_kind kind)
{
    size_t n = 0, i;
    void *p;

    while ((p = pa_alloc(kind, 0)) != NULL)
        pages[n++] = p;
    for (i = 0; i < n; i += 2)
        pa_free(kind, pages[i]);
}

/*
 * W1 / W1f: order-0 allocate-then-free pairs.  Variant bit 0: the
 * checkerboard (W1f); bit 1: kmemlab's buddy with parking off, so that
 * each pair goes through the lists (W1: splits and merges).
 */
static double
w1_run(struct work *w, enum pa_kind kind)
{
    unsigned long i;
    double t;

    bd_parking = (w->variant & 2) == 0;
    pa_fresh(kind, w->arena);
    bd_parking = true;
    if (w->variant & 1)
        pa_checkerboard(kind);
    loop_begin();
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        void *p = pa_alloc(kind, 0);

        pa_free(kind, p);
    }
    t = now_ns() - t;
    loop_end();
    return t / w->nops;
}

static double
w1_buddy(struct work *w)
{
    return w1_run(w, PA_BUDDY);
}

static double
w1_ref(struct work *w)
{
    return w1_run(w, PA_REF);
}

static double
w1_refc(struct work *w)
{
    return w1_run(w, PA_REFC);
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
w2_run(struct work *w, enum pa_kind kind)
{
    size_t n = w->arena / MM_PAGE / 2, i;
    double t, t2;

    pa_fresh(kind, w->arena);
    t = now_ns();
    for (i = 0; i < n; i++)
        pages[i] = pa_alloc(kind, 0);
    t = now_ns() - t;
    shuffle(pages, n);
    t2 = now_ns();
    for (i = 0; i < n; i++)
        pa_free(kind, pages[i]);
    return (t + now_ns() - t2) / n;
}

static double
w2_buddy(struct work *w)
{
    return w2_run(w, PA_BUDDY);
}

static double
w2_ref(struct work *w)
{
    return w2_run(w, PA_REF);
}

static double
w2_refc(struct work *w)
{
    return w2_run(w, PA_REFC);
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

/*
 * W3: random orders 0-4 near an occupancy (percent), or near w->live
 * pages when set, one op = one call.  W6 keeps W6_LIVE_PAGES live in
 * every arena: the same workload, so that only the memory size differs
 * (half of a 2 MiB arena; a fixed share instead would leave a small
 * arena with fewer free blocks of each order, and more splits).
 */
struct w3_block {
    void *p;
    unsigned order;
};

static struct w3_block *w3_live;

/* kind PA_*, or -1 for the bitmap. */
static double
w3_run(struct work *w, int kind)
{
    size_t npages = w->arena / MM_PAGE, used = 0, n = 0;
    size_t target = w->live ? w->live :     /* pages, or a percentage */
                    npages * (w->variant ? w->variant : 50) / 100;
    bool bitmap = kind < 0;
    unsigned long i;
    struct bitmap bm;
    double t;

    w3_live = realloc(w3_live, npages * sizeof *w3_live);
    if (bitmap) {
        arena_get(w->arena);
        bitmap_init(&bm, arena_mem, npages);
    } else {
        pa_fresh((enum pa_kind)kind, w->arena);
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
                             : pa_alloc((enum pa_kind)kind, k);

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
                pa_free((enum pa_kind)kind, w3_live[j].p);
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
    return w3_run(w, PA_BUDDY);
}

static double
w3_ref(struct work *w)
{
    return w3_run(w, PA_REF);
}

static double
w3_refc(struct work *w)
{
    return w3_run(w, PA_REFC);
}

static double
w3_bitmap(struct work *w)
{
    return w3_run(w, -1);
}

/* ---- kmalloc and pool workloads ------------------------------------- */

static struct mm_pagesrc bench_src;
static void *live_ptr[LIVE];

/*
 * W4's size mixes: 0 uniform from 16 B to 2 KiB; 1 log-uniform (a
 * power of two from 16 to 1024 picked uniformly, then a size uniformly
 * from it to just below its double: 16..2047, as many requests of
 * 16-31 bytes as of 1024-2047).
 */
static size_t
w4_size(int mix)
{
    size_t lo;

    if (mix == 0)
        return 16 + rnd_below(2048 - 16 + 1);
    lo = (size_t)1 << (4 + rnd_below(7));
    return lo + (size_t)(rnd() & (lo - 1));
}

/* The heaps a W4 run can use. */
enum km_kind {
    KM_KHEAP,                   /* kmemlab's kmalloc, over its buddy */
    KM_REF,                     /* the minimal McKusick-Karels */
    KM_REFC,                    /* the same with a double-free bitmap */
    KM_GLIBC,                   /* glibc malloc/free */
};

static struct kheap kh;
static struct ref_kmalloc rk;

static inline void *
km_alloc(enum km_kind kind, size_t size)
{
    switch (kind) {
    case KM_KHEAP:
        return kheap_alloc(&kh, size);
    case KM_REF:
        return ref_kmalloc(&rk, size);
    case KM_REFC:
        return ref_kmalloc_checked(&rk, size);
    default:
        return malloc(size);
    }
}

static inline void
km_free(enum km_kind kind, void *p)
{
    switch (kind) {
    case KM_KHEAP:
        kheap_free(&kh, p);
        break;
    case KM_REF:
        ref_kfree(&rk, p);
        break;
    case KM_REFC:
        ref_kfree_checked(&rk, p);
        break;
    default:
        free(p);
    }
}

/* Trace mode (bench trace): the body of the trace, and its counts. */
static FILE *trace_body;
static unsigned long trace_nids, trace_nops;
static size_t trace_live, trace_peak;   /* requested bytes live, most */
static unsigned long live_id[LIVE];
static size_t live_size[LIVE];

static void
oom(const struct work *w)
{
    fprintf(stderr, "bench: %s ran out of memory\n", w->name);
    exit(1);
}

/* Allocates W4's slot j (a block of a random size), tracing the call. */
static inline void
w4_fill(struct work *w, enum km_kind kind, size_t j)
{
    size_t size = w4_size(w->variant);

    live_ptr[j] = km_alloc(kind, size);
    if (live_ptr[j] == NULL)
        oom(w);
    if (trace_body != NULL) {
        live_id[j] = trace_nids++;
        live_size[j] = size;
        trace_live += size;
        if (trace_live > trace_peak)
            trace_peak = trace_live;
        fprintf(trace_body, "a %lu %zu\n", live_id[j], size);
        trace_nops++;
    }
}

static inline void
w4_empty(enum km_kind kind, size_t j)
{
    km_free(kind, live_ptr[j]);
    if (trace_body != NULL) {
        trace_live -= live_size[j];
        fprintf(trace_body, "f %lu\n", live_id[j]);
        trace_nops++;
    }
}

/* W4: LIVE blocks live; one op = kfree of a random one + kmalloc. */
static double
w4_run(struct work *w, enum km_kind kind)
{
    size_t live = w->live ? w->live : LIVE;
    unsigned long i;
    double t;

    if (kind == KM_KHEAP) {
        buddy_fresh(w->arena);
        buddy_pagesrc(&bd, &bench_src);
        kheap_init_growing(&kh, "bench", &bench_src);
    } else if (kind != KM_GLIBC) {
        arena_get(w->arena);
        ref_kmalloc_init(&rk, arena_mem, w->arena / MM_PAGE);
    }
    for (i = 0; i < live; i++)
        w4_fill(w, kind, i);
    loop_begin();
    t = now_ns();
    for (i = 0; i < w->nops; i++) {
        size_t j = rnd_below(live);

        w4_empty(kind, j);
        w4_fill(w, kind, j);
    }
    t = now_ns() - t;
    loop_end();
    for (i = 0; i < live; i++)
        w4_empty(kind, i);
    if (kind == KM_REF || kind == KM_REFC)
        ref_kmalloc_fini(&rk);
    return t / w->nops;
}

static double
w4_kmalloc(struct work *w)
{
    return w4_run(w, KM_KHEAP);
}

static double
w4_ref(struct work *w)
{
    return w4_run(w, KM_REF);
}

static double
w4_refc(struct work *w)
{
    return w4_run(w, KM_REFC);
}

static double
w4_glibc(struct work *w)
{
    return w4_run(w, KM_GLIBC);
}

/*
 * W5: 64-byte objects, LIVE live; LIFO (variant 0) or random (1).
 * One op = one alloc + one free.  The pool is a static pool over room
 * for 2 x LIVE objects, beside the object lists over the same buffer.
 * For the counts at arena sizes, a growing pool over the arena's buddy
 * keeps w->live objects instead; its free also asks the page source
 * for the owner byte of the object's page.
 */
enum pl_kind {
    PL_POOL,                    /* kmemlab's pool, static */
    PL_GROWING,                 /* kmemlab's pool over the arena */
    PL_OBJLIST,                 /* the bare object free list */
    PL_REFOBJ,                  /* the checked object free list */
};

static struct pool pl;
static struct objlist ol;
static struct ref_objlist ro;

static inline void *
pl_alloc(enum pl_kind kind)
{
    if (kind == PL_POOL || kind == PL_GROWING)
        return pool_alloc(&pl);
    return kind == PL_OBJLIST ? objlist_alloc(&ol) : ref_objlist_alloc(&ro);
}

static inline void
pl_free(enum pl_kind kind, void *p)
{
    if (kind == PL_POOL || kind == PL_GROWING)
        pool_free(&pl, p);
    else if (kind == PL_OBJLIST)
        objlist_free(&ol, p);
    else
        ref_objlist_free(&ro, p);
}

static void
w5_setup(struct work *w, enum pl_kind kind, void *buf)
{
    static uint32_t map[POOL_FREEMAP_WORDS(2 * LIVE)];

    if (kind == PL_POOL) {
        pool_init_static(&pl, "bench", buf, 2 * LIVE * 64, 64, 0, 0, map);
    } else if (kind == PL_GROWING) {
        buddy_fresh(w->arena);
        buddy_pagesrc(&bd, &bench_src);
        pool_init(&pl, "bench", 64, 0, 0, &bench_src);
    } else if (kind == PL_OBJLIST) {
        objlist_init(&ol, buf, 2 * LIVE, 64);
    } else {
        ref_objlist_init(&ro, buf, 2 * LIVE, 6);
    }
}

static void
w5_teardown(struct work *w, enum pl_kind kind)
{
    if (kind == PL_POOL || kind == PL_GROWING) {
        if (pl.nerr[POOL_NOMEM] != 0 || pool_check(&pl) != 0) {
            fprintf(stderr, "bench: %s: the pool ran out or broke\n",
                    w->name);
            exit(1);
        }
        pool_destroy(&pl);
    } else if (kind == PL_REFOBJ) {
        ref_objlist_fini(&ro);
    }
}

static double
w5_run(struct work *w, enum pl_kind kind)
{
    size_t live = w->live ? w->live : LIVE;
    void *buf = xalloc(2 * LIVE * 64);
    unsigned long i, k;
    double t;

    w5_setup(w, kind, buf);
    for (i = 0; i < live; i++)
        if ((live_ptr[i] = pl_alloc(kind)) == NULL)
            oom(w);
    loop_begin();
    t = now_ns();
    if (w->variant == 0) {
        for (i = 0; i < w->nops; i += live) {
            for (k = live; k > 0; k--)
                pl_free(kind, live_ptr[k - 1]);
            for (k = 0; k < live; k++)
                live_ptr[k] = pl_alloc(kind);
        }
    } else {
        for (i = 0; i < w->nops; i++) {
            size_t j = rnd() % live;

            pl_free(kind, live_ptr[j]);
            live_ptr[j] = pl_alloc(kind);
        }
    }
    t = now_ns() - t;
    loop_end();
    for (i = 0; i < live; i++)
        pl_free(kind, live_ptr[i]);
    w5_teardown(w, kind);
    free(buf);
    return t / w->nops;
}

static double
w5_pool(struct work *w)
{
    return w5_run(w, PL_POOL);
}

static double
w5_growing(struct work *w)
{
    return w5_run(w, PL_GROWING);
}

static double
w5_objlist(struct work *w)
{
    return w5_run(w, PL_OBJLIST);
}

static double
w5_refobj(struct work *w)
{
    return w5_run(w, PL_REFOBJ);
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

/* The n rows of a table, each with its ratio to row base (named so). */
static void
rows(const struct work *w, int n, const struct result *r, int base,
     const char *name)
{
    int i;

    for (i = 0; i < n; i++)
        row(w[i].name, r[i], i == base ? "1.00x" :
            ratio_text(r[i].med, r[base].med, name));
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

static void
table_w1(void)
{
    struct work w[] = {
        { "buddy", w1_buddy, 128 * MiB, W1_PAIRS, 0, 0 },
        { "buddy, no parking", w1_buddy, 128 * MiB, W1_PAIRS, 2, 0 },
        { "ref buddy, minimal", w1_ref, 128 * MiB, W1_PAIRS, 0, 0 },
        { "freelist (xv6 kalloc)", w1_freelist, 128 * MiB, W1_PAIRS, 0, 0 },
    }, wf[] = {
        { "buddy", w1_buddy, 128 * MiB, W1_PAIRS, 1, 0 },
        { "buddy, no parking", w1_buddy, 128 * MiB, W1_PAIRS, 3, 0 },
        { "ref buddy, minimal", w1_ref, 128 * MiB, W1_PAIRS, 1, 0 },
        { "ref buddy, checked", w1_refc, 128 * MiB, W1_PAIRS, 1, 0 },
        { "freelist (xv6 kalloc)", w1_freelist, 128 * MiB, W1_PAIRS, 1, 0 },
    };
    struct result r[5];

    header("W1: order-0 allocate-then-free, 10M pairs, fresh 128 MiB arena "
           "(without parking every pair splits and merges)", "ns/pair");
    measure_rows(w, 4, r);
    rows(w, 4, r, 3, "freelist");
    header("W1f: the same with half the arena a checkerboard of free pages "
           "(a free order-0 block always at hand)", "ns/pair");
    measure_rows(wf, 5, r);
    rows(wf, 5, r, 4, "freelist");
    target("buddy W1f pair time vs freelist", r[0].med / r[4].med, 2.5, "x");
}

/* W2 at arena bytes: kmemlab's buddy, the references, the free list. */
static void
table_w2_at(size_t arena, bool freelist)
{
    struct work w[] = {
        { "buddy", w2_buddy, arena, 0, 0, 0 },
        { "ref buddy, minimal", w2_ref, arena, 0, 0, 0 },
        { "ref buddy, checked", w2_refc, arena, 0, 0, 0 },
        { "freelist (xv6 kalloc)", w2_freelist, arena, 0, 0, 0 },
    };
    struct result r[4];
    char title[160];

    snprintf(title, sizeof title, "W2: fill half of a %zu MiB arena with "
             "order-0 blocks, free them in random order", arena / MiB);
    header(title, "ns/page");
    if (freelist) {
        measure_rows(w, 4, r);
        rows(w, 4, r, 3, "freelist");
        return;
    }
    measure_rows(w, 3, r);
    rows(w, 3, r, 1, "ref minimal");
    target("buddy W2 random frees at 1 GiB, time vs the minimal reference "
           "buddy", r[0].med / r[1].med, 2, "x");
}

static void
table_w2(void)
{
    table_w2_at(128 * MiB, true);
    table_w2_at(1 * GiB, false);
}

static void
table_w3(void)
{
    struct work w[] = {
        { "buddy", w3_buddy, 128 * MiB, W3_OPS, 50, 0 },
        { "ref buddy, minimal", w3_ref, 128 * MiB, W3_OPS, 50, 0 },
        { "ref buddy, checked", w3_refc, 128 * MiB, W3_OPS, 50, 0 },
        { "bitmap (Pintos palloc)", w3_bitmap, 128 * MiB, W3_BITMAP, 50, 0 },
    }, wg[] = {
        { "buddy", w3_buddy, 1 * GiB, W3_OPS * 2 / 5, 50, 0 },
        { "ref buddy, minimal", w3_ref, 1 * GiB, W3_OPS * 2 / 5, 50, 0 },
        { "ref buddy, checked", w3_refc, 1 * GiB, W3_OPS * 2 / 5, 50, 0 },
    };
    struct result r[4];

    header("W3: random orders 0-4 at about 50% occupancy of 128 MiB, 5M "
           "calls (bitmap: 50k calls)", "ns/call");
    measure_rows(w, 4, r);
    rows(w, 4, r, 3, "bitmap");
    target_min("buddy W3 speed-up over the bitmap", r[3].med / r[0].med, 100,
               "x");
    header("W3 at 1 GiB: random orders 0-4, about 50% occupancy, random "
           "frees, 2M calls", "ns/call");
    measure_rows(wg, 3, r);
    rows(wg, 3, r, 1, "ref minimal");
    target("buddy W3 random frees at 1 GiB, time vs the minimal reference "
           "buddy", r[0].med / r[1].med, 2, "x");
}

/* W4 with size mix 0 (uniform) or 1 (log-uniform). */
static void
table_w4_mix(int mix)
{
    const char *mixname = mix ? "log-uniform" : "uniform";
    struct work w[] = {
        { "kmalloc (McKusick-Karels)", w4_kmalloc, 256 * MiB, W4_OPS, mix, 0 },
        { "ref kmalloc, minimal", w4_ref, 256 * MiB, W4_OPS, mix, 0 },
        { "ref kmalloc, checked", w4_refc, 256 * MiB, W4_OPS, mix, 0 },
        { "glibc malloc/free", w4_glibc, 0, W4_OPS, mix, 0 },
    };
    struct result r[4];
    char title[160], what[96];

    snprintf(title, sizeof title, "W4%s: kmalloc/kfree of %s random sizes "
             "16 B-2 KiB, 10,000 live, 2M ops (op = free + alloc)",
             mix ? " log" : "", mixname);
    header(title, "ns/op");
    measure_rows(w, 4, r);
    rows(w, 4, r, 3, "glibc");
    snprintf(what, sizeof what, "kmalloc W4 %s speed-up over glibc "
             "malloc/free", mixname);
    target_min(what, r[3].med / r[0].med, 3, "x");
}

static void
table_w4(void)
{
    table_w4_mix(0);
    table_w4_mix(1);
}

static void
table_w5(void)
{
    struct work w[] = {
        { "pool, LIFO", w5_pool, 0, W5_OPS, 0, 0 },
        { "object free list, LIFO", w5_objlist, 0, W5_OPS, 0, 0 },
        { "checked obj list, LIFO", w5_refobj, 0, W5_OPS, 0, 0 },
        { "pool, random", w5_pool, 0, W5_OPS, 1, 0 },
        { "object free list, random", w5_objlist, 0, W5_OPS, 1, 0 },
        { "checked obj list, random", w5_refobj, 0, W5_OPS, 1, 0 },
    };
    struct result r[6];

    header("W5: 64-byte objects, 10,000 live, 10M ops (op = alloc + free)",
           "ns/op");
    measure_rows(w, 6, r);
    rows(w, 3, r, 1, "free list");
    rows(w + 3, 3, r + 3, 1, "free list");
    target("pool W5 LIFO time vs the bare object free list",
           r[0].med / r[1].med, 1.7, "x");
    target("pool W5 random time vs the bare object free list",
           r[3].med / r[4].med, 1.7, "x");
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
    char name[6][48];
    struct work w[6];
    struct result r[6];
    int i;

    header("W6: W1f and W3 (256 pages live) at arena sizes 2 MiB, 128 MiB "
           "and the largest (cost must not grow with memory)", "ns/op");
    for (i = 0; i < 3; i++) {
        snprintf(name[2 * i], sizeof name[0], "buddy W1f pair, %zu MiB",
                 sizes[i] / MiB);
        snprintf(name[2 * i + 1], sizeof name[0], "buddy W3 call, %zu MiB",
                 sizes[i] / MiB);
        w[2 * i] = (struct work){ name[2 * i], w1_buddy, sizes[i],
                                  W1_PAIRS / 4, 1, 0 };
        w[2 * i + 1] = (struct work){ name[2 * i + 1], w3_buddy, sizes[i],
                                      W3_OPS / 4, 50, W6_LIVE_PAGES };
    }
    for (i = 0; i < 3; i++)             /* one arena at a time */
        measure_rows(w + 2 * i, 2, r + 2 * i);
    for (i = 0; i < 6; i++)
        row(name[i], r[i], "");
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
    printf("memory: ref buddy metadata %zu bytes per page (%.3f%%): state "
           "and free-list links in a per-page array, none in free pages\n",
           sizeof(struct ref_page),
           100.0 * sizeof(struct ref_page) / MM_PAGE);
    printf("memory: ref kmalloc metadata 1 byte per page (%.3f%%); checked: "
           "+ 1 bit per 16 bytes (%.3f%%)\n", 100.0 / MM_PAGE,
           100.0 / 128);
    buddy_pagesrc(&bd, &bench_src);
    kheap_init_growing(&h, "frag", &bench_src);
    for (i = 0; i < LIVE; i++) {
        size_t size = w4_size(0);

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
           "bytes of metadata per object\n", p.geom.nobjs,
           1u << p.geom.order,
           (double)((MM_PAGE << p.geom.order) - p.geom.nobjs * 64) /
           p.geom.nobjs);
    pool_destroy(&p);
}

/* ---- counting mode -------------------------------------------------- */

static int
count(const char *name, unsigned long n)
{
    static const struct {
        const char *name;
        double (*fn)(struct work *);
        size_t arena;               /* 0: the largest (w6_largest) */
        int variant;
        size_t live;
    } works[] = {
        { "W1", w1_buddy, 128 * MiB, 0, 0 },
        { "W1-ref", w1_ref, 128 * MiB, 0, 0 },
        { "W1f", w1_buddy, 128 * MiB, 1, 0 },
        { "W1f-ref", w1_ref, 128 * MiB, 1, 0 },
        { "W1f-refc", w1_refc, 128 * MiB, 1, 0 },
        { "W1f-nopark", w1_buddy, 128 * MiB, 3, 0 },
        { "W3", w3_buddy, 128 * MiB, 50, 0 },
        { "W3-ref", w3_ref, 128 * MiB, 50, 0 },
        { "W3-refc", w3_refc, 128 * MiB, 50, 0 },
        { "W3-25", w3_buddy, 128 * MiB, 25, 0 },
        { "W3-75", w3_buddy, 128 * MiB, 75, 0 },
        { "W4", w4_kmalloc, 256 * MiB, 0, 0 },
        { "W4-ref", w4_ref, 256 * MiB, 0, 0 },
        { "W4-refc", w4_refc, 256 * MiB, 0, 0 },
        { "W4-log", w4_kmalloc, 256 * MiB, 1, 0 },
        { "W4-log-ref", w4_ref, 256 * MiB, 1, 0 },
        { "W4-log-refc", w4_refc, 256 * MiB, 1, 0 },
        { "W5", w5_pool, 128 * MiB, 1, 0 },
        { "W5-ref", w5_objlist, 128 * MiB, 1, 0 },
        { "W5-refc", w5_refobj, 128 * MiB, 1, 0 },
        { "W5-lifo", w5_pool, 128 * MiB, 0, 0 },
        { "W5-lifo-ref", w5_objlist, 128 * MiB, 0, 0 },
        { "W5-lifo-refc", w5_refobj, 128 * MiB, 0, 0 },
        { "W1f-2M", w1_buddy, 2 * MiB, 1, 0 },
        { "W3-2M", w3_buddy, 2 * MiB, 50, W6_LIVE_PAGES },
        { "W4-2M", w4_kmalloc, 2 * MiB, 0, 200 },
        { "W5-2M", w5_growing, 2 * MiB, 1, 200 },
        { "W1f-big", w1_buddy, 0, 1, 0 },
        { "W3-big", w3_buddy, 0, 50, W6_LIVE_PAGES },
        { "W4-big", w4_kmalloc, 0, 0, 200 },
        { "W5-big", w5_growing, 0, 1, 200 },
    };
    unsigned i;

    counting = 1;
    for (i = 0; i < sizeof works / sizeof works[0]; i++) {
        if (strcmp(works[i].name, name) == 0) {
            struct work w = { name, works[i].fn, works[i].arena, n,
                              works[i].variant, works[i].live };

            if (w.arena == 0)
                w.arena = w6_largest();
            w.run(&w);
            return 0;
        }
    }
    fprintf(stderr, "bench: no workload %s\n", name);
    return 1;
}

/* ---- trace mode ----------------------------------------------------- */

/*
 * Prints W4's (or W4-log's) kmalloc and kfree calls, n ops after the
 * first LIVE allocations and then a free of every block, as a replay
 * trace: the header (suggested heap size = the peak of live requested
 * bytes, ids, ops, weight 1), then one "a id bytes" or "f id" a line.
 * Each allocation gets a fresh id.
 */
static int
trace(const char *name, unsigned long n)
{
    struct work w = { name, w4_kmalloc, 256 * MiB, n, 0, 0 };
    char *body = NULL;
    size_t len = 0;

    if (strcmp(name, "W4-log") == 0)
        w.variant = 1;
    else if (strcmp(name, "W4") != 0) {
        fprintf(stderr, "bench: no trace for %s (W4 or W4-log)\n", name);
        return 1;
    }
    trace_body = open_memstream(&body, &len);
    w.run(&w);
    fclose(trace_body);
    printf("%zu\n%lu\n%lu\n1\n%s", trace_peak, trace_nids, trace_nops, body);
    free(body);
    return 0;
}

int refs_check(void);

/* bench time [TABLE...]: every table, or the ones named. */
static int
time_tables(int n, char **names)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tables[] = {
        { "w1", table_w1 }, { "w2", table_w2 }, { "w3", table_w3 },
        { "w4", table_w4 }, { "w5", table_w5 }, { "w6", table_w6 },
        { "memory", memory_figures },
    };
    unsigned i;
    int j;

    for (j = 0; j < n; j++) {
        for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
            if (strcmp(names[j], tables[i].name) == 0)
                break;
        if (i == sizeof tables / sizeof tables[0]) {
            fprintf(stderr, "bench: no table %s\n", names[j]);
            return 2;
        }
    }
    printf("bench: host timings, ns per operation, median of %d runs "
           "(min, max beside it)\n", REPS);
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        bool named = n == 0;

        for (j = 0; j < n; j++)
            named = named || strcmp(names[j], tables[i].name) == 0;
        if (named)
            tables[i].fn();
    }
    return 0;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "check") == 0)
        return refs_check();
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return count(argv[2], strtoul(argv[3], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "trace") == 0)
        return trace(argv[2], strtoul(argv[3], NULL, 10));
    if (argc < 2 || strcmp(argv[1], "time") != 0) {
        fprintf(stderr, "usage: bench time [w1|w2|w3|w4|w5|w6|memory]... | "
                "bench count WORKLOAD N | bench check | bench trace W4 N\n");
        return 2;
    }
    return time_tables(argc - 2, argv + 2);
}
