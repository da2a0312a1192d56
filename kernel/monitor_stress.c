/*
 * kernel/monitor_stress.c - "stress" and "frag": the live allocators
 * under load, checked as they go.
 *
 * stress LAYER N [SEED] runs N random allocations and frees on the
 * kernel's own page allocator, its kmalloc heap, or a fresh pool, with
 * a shadow model beside it: a table of the live blocks, each filled
 * with its own byte pattern.  Every new block must be aligned and must
 * overlap no live block; every block's pattern must be intact when it
 * is freed (a block handed out twice would have been overwritten).  At
 * the end everything is freed, the layer's checker runs, and no error
 * counter may have moved.  Speed is measured with the time-stamp
 * counter, calibrated once against the PIT (channel 2, polled).
 *
 * frag allocates 2048 single pages, frees every other one, then the
 * rest, and shows buddyinfo and the zone picture at each step.
 *
 * Invariant: after a command, everything it allocated is freed.
 * Bounds: O(N x STRESS_LIVE) for the overlap checks.
 * Metadata: the shadow table (STRESS_LIVE entries), 8 KiB for frag.
 */
#include "monitor.h"

#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/pool.h"
#include "io.h"
#include "kernel.h"
#include "ledger.h"

#define STRESS_LIVE         256     /* live blocks at most */
#define STRESS_MAX_OPS      10000000ULL
#define STRESS_BUDDY_ORDERS 4       /* orders 0..3 */
#define STRESS_FILL         64      /* pattern bytes at each page start */
#define FRAG_PAGES          2048

#define PIT_HZ              1193182u
#define PIT_CH2_DATA        0x42
#define PIT_CMD             0x43
#define PIT_GATE_PORT       0x61    /* bit 0 gate, bit 1 speaker, bit 5 out */

enum stress_layer { STRESS_BUDDY, STRESS_KMALLOC, STRESS_POOL };

struct stress_block {
    uintptr_t addr;
    size_t bytes;
    uint8_t pattern;
};

struct stress_run {
    enum stress_layer layer;
    struct pool *pool;          /* STRESS_POOL: the fresh pool */
    uint32_t rng;               /* xorshift32 state */
    struct stress_block live[STRESS_LIVE];
    unsigned nlive;
    unsigned long allocs, frees, nomem;
    unsigned long bad_pattern, bad_overlap, bad_align;
};

static struct stress_run run;
static void *frag_pages[FRAG_PAGES];
static uint64_t tsc_per_ms;

static uint32_t
rnd(struct stress_run *r)
{
    r->rng ^= r->rng << 13;     /* xorshift32, Marsaglia 2003 */
    r->rng ^= r->rng >> 17;
    r->rng ^= r->rng << 5;
    return r->rng;
}

/*
 * Time-stamp counter ticks per millisecond: the PIT's channel 2 counts
 * 50 ms down (mode 0, its output rises at zero) while we read the TSC.
 */
static uint64_t
tsc_calibrate(void)
{
    unsigned count = PIT_HZ / 20;
    uint64_t t0;

    outb(PIT_GATE_PORT, (inb(PIT_GATE_PORT) & ~0x02) | 0x01);
    outb(PIT_CMD, 0xB0);        /* channel 2, low then high byte, mode 0 */
    outb(PIT_CH2_DATA, count & 0xFF);
    outb(PIT_CH2_DATA, count >> 8);
    t0 = rdtsc();
    while ((inb(PIT_GATE_PORT) & 0x20) == 0)
        ;
    return (rdtsc() - t0) / 50;
}

/* ---- the shadow model ----------------------------------------------- */

/* Which bytes of a block carry its pattern: all, or each page's start. */
static size_t
fill_step(const struct stress_block *s, size_t *len)
{
    if (s->bytes <= STRESS_FILL * 4) {
        *len = s->bytes;
        return s->bytes;
    }
    *len = STRESS_FILL;
    return s->bytes < MM_PAGE ? s->bytes : MM_PAGE;
}

static void
fill(const struct stress_block *s)
{
    size_t len, step = fill_step(s, &len), off;

    for (off = 0; off < s->bytes; off += step)
        memset((uint8_t *)s->addr + off, s->pattern, len);
}

static bool
intact(const struct stress_block *s)
{
    size_t len, step = fill_step(s, &len), off, i;

    for (off = 0; off < s->bytes; off += step)
        for (i = 0; i < len; i++)
            if (((uint8_t *)s->addr)[off + i] != s->pattern)
                return false;
    return true;
}

/* Checks a new block against the model, then adds it. */
static void
shadow_add(struct stress_run *r, uintptr_t addr, size_t bytes,
           size_t align)
{
    struct stress_block *s = &r->live[r->nlive];
    unsigned i;

    if (addr & (align - 1))
        r->bad_align++;
    for (i = 0; i < r->nlive; i++)
        if (addr < r->live[i].addr + r->live[i].bytes &&
            r->live[i].addr < addr + bytes)
            r->bad_overlap++;
    s->addr = addr;
    s->bytes = bytes;
    s->pattern = (uint8_t)(rnd(r) | 1);
    fill(s);
    r->nlive++;
    r->allocs++;
}

/* ---- one operation per layer ---------------------------------------- */

static void
stress_alloc(struct stress_run *r)
{
    unsigned order = rnd(r) % STRESS_BUDDY_ORDERS;
    size_t size = ((size_t)1 << (4 + rnd(r) % 10)) + rnd(r) % 64;
    void *p;

    switch (r->layer) {
    case STRESS_BUDDY:
        if ((p = buddy_alloc(kernel_buddy_allocator(), order)) != NULL)
            shadow_add(r, (uintptr_t)p, MM_PAGE << order, MM_PAGE << order);
        break;
    case STRESS_KMALLOC:
        if ((p = kmalloc(size)) != NULL)
            shadow_add(r, (uintptr_t)p, size, size >= MM_PAGE ? MM_PAGE :
                       KHEAP_MIN_SIZE);
        break;
    default:
        if ((p = pool_alloc(r->pool)) != NULL)
            shadow_add(r, (uintptr_t)p, r->pool->size, r->pool->align);
    }
    if (p == NULL)
        r->nomem++;
}

/* Frees live block i after checking its pattern. */
static void
stress_free(struct stress_run *r, unsigned i)
{
    struct stress_block s = r->live[i];

    if (!intact(&s))
        r->bad_pattern++;
    r->live[i] = r->live[--r->nlive];
    r->frees++;
    if (r->layer == STRESS_BUDDY)
        buddy_free(kernel_buddy_allocator(), (void *)s.addr);
    else if (r->layer == STRESS_KMALLOC)
        kfree((void *)s.addr);
    else
        pool_free(r->pool, (void *)s.addr);
}

static unsigned
layer_check(struct stress_run *r)
{
    if (r->layer == STRESS_BUDDY)
        return buddy_check(kernel_buddy_allocator());
    if (r->layer == STRESS_KMALLOC)
        return kheap_check(kmalloc_heap());
    return pool_check(r->pool);
}

/* ---- the commands --------------------------------------------------- */

static bool
parse_layer(const char *word, enum stress_layer *layer)
{
    static const char *const names[] = { "buddy", "kmalloc", "pool" };
    unsigned i;

    for (i = 0; i < 3; i++) {
        if (kstreq(word, names[i])) {
            *layer = (enum stress_layer)i;
            return true;
        }
    }
    monitor_error("unknown layer \"%s\" (buddy, kmalloc, pool)", word);
    return false;
}

static void
stress_report(const char *name, struct stress_run *r, uint64_t ops,
              uint64_t cycles, unsigned problems, unsigned errs)
{
    uint64_t ms = cycles / (tsc_per_ms ? tsc_per_ms : 1);
    bool ok = r->bad_pattern + r->bad_overlap + r->bad_align + problems +
              errs == 0;

    kprintf("stress: %s %llu operations, %lu allocations, %lu frees, "
            "%lu out of memory\n", name, (unsigned long long)ops,
            r->allocs, r->frees, r->nomem);
    kprintf("stress: %s %llu operations per second (%llu ms)\n", name,
            (unsigned long long)(ops * 1000 / (ms ? ms : 1)),
            (unsigned long long)ms);
    kprintf("stress: %s %s: %lu patterns overwritten, %lu overlaps, "
            "%lu misaligned, check %u problems, %u errors counted\n", name,
            ok ? "passed" : "FAILED", r->bad_pattern, r->bad_overlap,
            r->bad_align, problems, errs);
}

enum monitor_result
monitor_cmd_stress(int argc, char **argv)
{
    struct stress_run *r = &run;
    struct monitor_errs e;
    uint64_t n, seed = 1, i, t0, cycles;
    unsigned problems, errs;

    if (argc < 3)
        return monitor_error("stress needs a LAYER and N");
    memset(r, 0, sizeof *r);
    if (!parse_layer(argv[1], &r->layer) ||
        !monitor_number(argv[2], "count", &n) ||
        (argc > 3 && !monitor_number(argv[3], "seed", &seed)))
        return MON_USAGE;
    if (n == 0 || n > STRESS_MAX_OPS)
        return monitor_error("N %s is not 1 to %llu", argv[2],
                             STRESS_MAX_OPS);
    if (r->layer == STRESS_POOL &&
        (r->pool = kpool_create("stress", 72, 8, 0)) == NULL) {
        kprintf("stress: cannot create the pool: out of memory\n");
        return MON_OK;
    }
    if (tsc_per_ms == 0)
        tsc_per_ms = tsc_calibrate();
    r->rng = (uint32_t)(seed ^ (seed >> 32));
    if (r->rng == 0)            /* xorshift would stay at 0 for ever */
        r->rng = 1;
    monitor_errs_save(&e, r->pool);
    t0 = rdtsc();
    for (i = 0; i < n; i++) {
        if (r->nlive == 0 || (r->nlive < STRESS_LIVE && (rnd(r) & 1)))
            stress_alloc(r);
        else
            stress_free(r, rnd(r) % r->nlive);
    }
    cycles = rdtsc() - t0;
    problems = ledger_check();          /* with the live blocks held */
    while (r->nlive > 0)
        stress_free(r, r->nlive - 1);
    problems += layer_check(r) + ledger_check();
    errs = monitor_errs_report(&e, r->pool, 0);
    stress_report(argv[1], r, n, cycles, problems, errs);
    if (r->pool != NULL)
        kpool_destroy(r->pool);
    return MON_OK;
}

static void
frag_show(const char *what)
{
    const struct buddy *b = kernel_buddy_allocator();

    kprintf("frag: %s: %zu of %zu pages free\n", what, buddy_free_pages(b),
            buddy_managed_pages(b));
    buddy_print_buddyinfo(b);
    buddy_print_picture(b);
}

enum monitor_result
monitor_cmd_frag(int argc, char **argv)
{
    struct buddy *b = kernel_buddy_allocator();
    size_t before = buddy_free_pages(b);
    bool parking = b->park_max != 0;
    unsigned i, n;

    (void)argc;
    (void)argv;
    buddy_set_parking(b, false);        /* the lists alone, as they merge */
    kprintf("frag: parking off while it runs: every free goes to the "
            "lists\n");
    kprintf("frag: legend %s\n", buddy_picture_legend);
    frag_show("1. before");
    for (n = 0; n < FRAG_PAGES; n++)
        if ((frag_pages[n] = buddy_alloc(b, 0)) == NULL)
            break;
    kprintf("frag: allocated %u single pages (%u KiB)\n", n, n * 4);
    frag_show("2. allocated");
    for (i = 1; i < n; i += 2)
        buddy_free(b, frag_pages[i]);
    kprintf("frag: freed every other page: %u pages free again, yet no "
            "two of them are buddies\n", n / 2);
    frag_show("3. every other page freed");
    for (i = 0; i < n; i += 2)
        buddy_free(b, frag_pages[i]);
    kprintf("frag: freed the rest: each page merged with its buddy, "
            "and on up\n");
    frag_show("4. all freed");
    kprintf("frag: memory whole again: %s (%zu free pages before, %zu "
            "after)\n", buddy_free_pages(b) == before ? "yes" : "NO",
            before, buddy_free_pages(b));
    buddy_set_parking(b, parking);
    return MON_OK;
}
