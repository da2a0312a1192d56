/*
 * mm/bitmap_test.c - tests of the bitmap (mm/bitmap.h).
 */
#include "bitmap.h"
#include "test.h"

MM_TEST(bitmap, set_clear_test)
{
    uint32_t map[MM_BITMAP_WORDS(70)] = { 0 };

    MM_CHECK_EQ(t, MM_ARRAY_SIZE(map), 3);
    mm_bitmap_set(map, 0);
    mm_bitmap_set(map, 37);             /* word 1, bit 5 */
    mm_bitmap_set(map, 69);
    MM_CHECK_EQ(t, map[0], 1);
    MM_CHECK_EQ(t, map[1], 1u << 5);
    MM_CHECK_EQ(t, map[2], 1u << 5);
    MM_CHECK(t, mm_bitmap_test(map, 37) && !mm_bitmap_test(map, 36));
    mm_bitmap_clear(map, 37);
    MM_CHECK(t, !mm_bitmap_test(map, 37));
    MM_CHECK_EQ(t, mm_bitmap_count(map, 70), 2);
}

/*
 * fill sets exactly n bits, whatever the words of an n-bit map held:
 * the bits past n in its last word are cleared too.
 */
MM_TEST(bitmap, fill_and_count)
{
    uint32_t map[MM_BITMAP_WORDS(64)];
    size_t n;

    for (n = 0; n <= 64; n++) {
        map[0] = map[1] = 0xA5A5A5A5u;
        mm_bitmap_fill(map, n);
        MM_CHECK_EQ(t, mm_bitmap_count(map, MM_BITMAP_WORDS(n) * 32), n);
        if (n % 32 != 0)
            MM_CHECK(t, !mm_bitmap_test(map, n));
        if (n > 0)
            MM_CHECK(t, mm_bitmap_test(map, n - 1));
    }
}
