/*
 * kernel/bench.c - the "bench" option: W1f, W3, W4 and W5 over the real
 * boot memory, timed with the CPU's time-stamp counter (rdtsc).
 *
 * "make bench" boots this under QEMU with -icount shift=0, where the
 * counter advances by one per emulated instruction: the numbers are then
 * repeatable emulated cycles, not hardware times.  The same workloads on
 * the host, against baselines, are tests/bench/bench.c.
 */
#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/pool.h"
#include "io.h"
#include "kernel.h"

#define BENCH_OPS       20000UL
#define BENCH_LIVE      10000u
#define BENCH_PAGES     4096u       /* W1f: pages filled, half freed */

static uint32_t bench_rng = 2463534242u;

static uint32_t
rnd(void)
{
    bench_rng ^= bench_rng << 13;   /* xorshift32, Marsaglia 2003 */
    bench_rng ^= bench_rng >> 17;
    bench_rng ^= bench_rng << 5;
    return bench_rng;
}

static void
report(const char *name, uint64_t cycles, unsigned long nops,
       const char *unit)
{
    kprintf("bench: %-34s %8llu cycles per %s\n", name,
            (unsigned long long)(cycles / nops), unit);
}

/* W1f: order-0 pairs with a checkerboard of free single pages at hand. */
static void
bench_w1f(void **slot)
{
    unsigned long i, n = 0;
    uint64_t t;

    while (n < BENCH_PAGES && (slot[n] = kernel_pages_alloc(0)) != NULL)
        n++;
    for (i = 0; i < n; i += 2)
        kernel_pages_free(slot[i]);
    t = rdtsc();
    for (i = 0; i < BENCH_OPS; i++)
        kernel_pages_free(kernel_pages_alloc(0));
    report("W1f buddy order-0 alloc+free", rdtsc() - t, BENCH_OPS, "pair");
    for (i = 1; i < n; i += 2)
        kernel_pages_free(slot[i]);
}

/* W3: random orders 0-4, about 2,000 blocks live; one op = one call. */
static void
bench_w3(void **slot)
{
    static uint8_t order[2048];
    unsigned long i;
    unsigned n = 0;
    uint64_t t = 0;

    for (i = 0; i < BENCH_OPS + 2048; i++) {
        if (i == 2048)
            t = rdtsc();
        if (n < 2048 && (n < 1024 || (rnd() & 1))) {
            order[n] = (uint8_t)(rnd() % 5);
            slot[n] = kernel_pages_alloc(order[n]);
            n += slot[n] != NULL;
        } else {
            unsigned j = rnd() % n;

            kernel_pages_free(slot[j]);
            slot[j] = slot[--n];
            order[j] = order[n];
        }
    }
    report("W3 buddy random orders 0-4", rdtsc() - t, BENCH_OPS, "call");
    while (n > 0)
        kernel_pages_free(slot[--n]);
}

/* W4: kmalloc/kfree, sizes 16 B-2 KiB, 10,000 live; op = free + alloc. */
static void
bench_w4(void **slot)
{
    unsigned long i;
    uint64_t t;

    for (i = 0; i < BENCH_LIVE; i++)
        slot[i] = kmalloc(16 + rnd() % 2033);
    t = rdtsc();
    for (i = 0; i < BENCH_OPS; i++) {
        unsigned j = rnd() % BENCH_LIVE;

        kfree(slot[j]);
        slot[j] = kmalloc(16 + rnd() % 2033);
    }
    report("W4 kmalloc+kfree 16 B-2 KiB", rdtsc() - t, BENCH_OPS, "op");
    for (i = 0; i < BENCH_LIVE; i++)
        kfree(slot[i]);
    kheap_trim(kmalloc_heap());
}

/*
 * W5: a 64-byte pool, 10,000 live, random order; op = free + alloc.  A
 * static pool over 1 MiB from the page allocator (16,384 objects), the
 * same pool as the host benchmark's W5.
 */
static void
bench_w5(void **slot)
{
    static uint32_t map[POOL_FREEMAP_WORDS(16384)];
    void *buf = kernel_pages_alloc(8);
    struct pool p;
    unsigned long i;
    uint64_t t;

    if (buf == NULL || pool_init_static(&p, "bench64", buf, 1u << 20, 64, 0,
                                        0, map) != POOL_OK) {
        kprintf("bench: W5 skipped: no 1 MiB block for the pool\n");
        if (buf != NULL)
            kernel_pages_free(buf);
        return;
    }
    for (i = 0; i < BENCH_LIVE; i++)
        slot[i] = pool_alloc(&p);
    t = rdtsc();
    for (i = 0; i < BENCH_OPS; i++) {
        unsigned j = rnd() % BENCH_LIVE;

        pool_free(&p, slot[j]);
        slot[j] = pool_alloc(&p);
    }
    report("W5 pool 64 B alloc+free, random", rdtsc() - t, BENCH_OPS, "op");
    for (i = 0; i < BENCH_LIVE; i++)
        pool_free(&p, slot[i]);
    pool_destroy(&p);
    kernel_pages_free(buf);
}

void
bench_run(void)
{
    /* 16 pages of pointers: room for BENCH_LIVE and BENCH_PAGES slots. */
    void **slot = kernel_pages_alloc(4);

    if (slot == NULL)
        panic("bench: no memory for the slot array");
    kprintf("bench: in-kernel workloads, %lu operations each; under QEMU "
            "-icount these are emulated cycles, not hardware times\n",
            BENCH_OPS);
    bench_w1f(slot);
    bench_w3(slot);
    bench_w4(slot);
    bench_w5(slot);
    kernel_pages_free(slot);
    kprintf("bench: done\n");
}
