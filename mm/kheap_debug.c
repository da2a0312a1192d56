/*
 * mm/kheap_debug.c - kmalloc's debug aids: errors, traces, poisoning
 * and guard bytes.
 *
 * mm/kheap.c calls each through one hook: kheap_fail on bad input,
 * kheap_trace for trace lines, kheap_poison_fill and kheap_poison_check
 * around a free block's life, kheap_guard_write when a block is handed
 * out and kheap_guard_check when it comes back.
 *
 * With guard bytes on, a block of capacity cap holding a request of n
 * bytes looks like this; the trailer records n so kfree can check:
 *
 *   | n bytes for the caller | guard 0xAB ... | n (4 bytes) |
 *                            ^ at least 4 guard bytes
 *
 * Invariant: a guarded block handed out has every byte from n up to
 * its trailer equal to the guard byte, until its owner overruns it.
 * Bounds: O(1) per error or trace; O(block size) per fill or check.
 * Metadata: none beyond the guard bytes and trailer in each block.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

#define KHEAP_POISON        0x5Au   /* freed blocks, past the link */
#define KHEAP_GUARD         0xABu   /* between the request and the end */

const char *const kheap_err_name[KHEAP_ERR_COUNT] = {
    [KHEAP_OK] = "ok",
    [KHEAP_NOMEM] = "out of memory",
    [KHEAP_ERR_FOREIGN] = "foreign pointer",
    [KHEAP_ERR_MISALIGNED] = "misaligned pointer",
    [KHEAP_ERR_INTERIOR] = "interior pointer",
    [KHEAP_ERR_DOUBLE_FREE] = "double free",
    [KHEAP_ERR_SIZE] = "size too large",
    [KHEAP_ERR_OVERFLOW] = "size overflow",
    [KHEAP_ERR_KEY] = "extent key overwritten",
    [KHEAP_ERR_POISON] = "write after free",
    [KHEAP_ERR_GUARD] = "guard bytes overwritten",
    [KHEAP_ERR_PAGESIZE] = "bad page size",
    [KHEAP_ERR_EXTENT] = "bad extent",
};

/* Counts ERR and, in debug mode, stops naming ADDR. */
enum kheap_err
kheap_fail(struct kheap *h, enum kheap_err err, uintptr_t addr)
{
    mm_err_count(h->nerr, err, kheap_err_name, "kheap", "heap", h->name,
                 addr);
    return err;
}

void
kheap_trace_print(const char *event, size_t size, const char *bucket,
                  uintptr_t addr)
{
    mm_print("trace: kmalloc %s size=%zu bucket=%s addr=0x%08lx\n", event,
             size, bucket, (unsigned long)addr);
}

void
kheap_poison_fill(void *blk, size_t size)
{
    mm_memset(blk, KHEAP_POISON, size);
}

/* Counts a write after free at the first byte past the link not poison. */
void
kheap_poison_check(struct kheap *h, const void *blk, size_t size)
{
    const uint8_t *b = blk;
    size_t i;

    for (i = sizeof(void *); i < size; i++)
        if (b[i] != KHEAP_POISON) {
            kheap_fail(h, KHEAP_ERR_POISON, (uintptr_t)&b[i]);
            return;
        }
}

void
kheap_guard_write(uint8_t *blk, size_t cap, size_t n)
{
    uint32_t len = (uint32_t)n;

    mm_memset(blk + n, KHEAP_GUARD, cap - KHEAP_TRAILER - n);
    mm_memcpy(blk + cap - KHEAP_TRAILER, &len, sizeof len);
}

/* The requested size a guarded block recorded, or cap if it is bad. */
size_t
kheap_guard_len(const uint8_t *blk, size_t cap)
{
    uint32_t len;

    mm_memcpy(&len, blk + cap - KHEAP_TRAILER, sizeof len);
    /* Not len + 8 <= cap: that sum wraps for len near 2^32. */
    return len <= cap - KHEAP_GUARD_MIN - KHEAP_TRAILER ? len : cap;
}

/* The first overwritten guard byte of a block, or 0. */
static uintptr_t
guard_find(const uint8_t *blk, size_t cap)
{
    size_t n = kheap_guard_len(blk, cap), i;

    if (n == cap)
        return (uintptr_t)(blk + cap - KHEAP_TRAILER);
    for (i = n; i < cap - KHEAP_TRAILER; i++)
        if (blk[i] != KHEAP_GUARD)
            return (uintptr_t)&blk[i];
    return 0;
}

/* Checks the guard bytes of a validated block; counts the first bad. */
enum kheap_err
kheap_guard_check(struct kheap *h, const void *p, size_t cap)
{
    uintptr_t bad = guard_find(p, cap);

    return bad == 0 ? KHEAP_OK : kheap_fail(h, KHEAP_ERR_GUARD, bad);
}
