/*
 * mm/bitmap.h - the bitmap of 32-bit words every layer uses.
 *
 * Bit i of a map lives in word i / 32 at bit i % 32, so bit 37 is bit 5
 * of word 1.  kmalloc's pages and the pools' slabs keep one bit per
 * block or object in such a map: set means free.
 *
 * Invariant: a map of n bits has MM_BITMAP_WORDS(n) words; bits n and
 * above in the last word are 0 after mm_bitmap_fill.
 * Bounds: set, clear and test are O(1); fill and count are O(n / 32)
 * and O(n).
 * Metadata: 1 bit per entry, rounded up to a 32-bit word.
 * Read after: mm/port.h.  Tests: mm/bitmap_test.c.
 */
#ifndef MM_BITMAP_H
#define MM_BITMAP_H

#include "port.h"

/* The words a map of n bits needs: 33 bits take 2 words. */
#define MM_BITMAP_WORDS(n)  (((n) + 31) / 32)

static MM_INLINE void
mm_bitmap_set(uint32_t *map, size_t i)
{
    map[i / 32] |= 1u << (i % 32);
}

static MM_INLINE void
mm_bitmap_clear(uint32_t *map, size_t i)
{
    map[i / 32] &= ~(1u << (i % 32));
}

static MM_INLINE bool
mm_bitmap_test(const uint32_t *map, size_t i)
{
    return (map[i / 32] >> (i % 32)) & 1;
}

/* Sets bits 0..n-1 and clears the rest of the last word. */
static inline void
mm_bitmap_fill(uint32_t *map, size_t n)
{
    size_t w;

    for (w = 0; w < n / 32; w++)
        map[w] = 0xFFFFFFFFu;
    if (n % 32 != 0)
        map[w] = (1u << (n % 32)) - 1;
}

/* How many of bits 0..n-1 are set.  O(n): for checkers and reports. */
static inline size_t
mm_bitmap_count(const uint32_t *map, size_t n)
{
    size_t i, set = 0;

    for (i = 0; i < n; i++)
        set += mm_bitmap_test(map, i);
    return set;
}

#endif /* MM_BITMAP_H */
