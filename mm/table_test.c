/*
 * mm/table_test.c - tests of the sorted range table (mm/table.h).
 */
#include "table.h"
#include "test.h"

static int items[4];

MM_TEST(table, insert_keeps_order_and_finds)
{
    struct mm_range ent[3];
    unsigned n = 0;

    /* Inserted out of order: 0x4000-0x7fff, 0x1000-0x1fff, 0x9000 page. */
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, 0x4000, 0x7fff, &items[1]),
                0);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, 0x1000, 0x1fff, &items[0]),
                0);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, 0x9000, 0x9fff, &items[2]),
                2);
    MM_CHECK_EQ(t, n, 3);
    MM_CHECK(t, mm_table_sorted(ent, n));
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x5123), &items[1]);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x1000), &items[0]);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x9fff), &items[2]);
    MM_CHECK(t, mm_table_find(ent, n, 0x0fff) == NULL);
    MM_CHECK(t, mm_table_find(ent, n, 0x2000) == NULL);  /* a hole */
    MM_CHECK(t, mm_table_find(ent, n, 0xa000) == NULL);
    MM_CHECK_EQ(t, mm_table_index(ent, n, 0x9abc), 2);
}

/* Full, overlapping and backwards ranges are refused, nothing changed. */
MM_TEST(table, refuses_overlap_and_full)
{
    struct mm_range ent[2];
    unsigned n = 0;

    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, 0x2000, 0x2fff, &items[0]),
                0);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, 0x2fff, 0x3fff, &items[1]),
                -1);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, 0x1000, 0x2000, &items[1]),
                -1);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, 0x5000, 0x4000, &items[1]),
                -1);
    MM_CHECK_EQ(t, n, 1);
    MM_CHECK(t, mm_table_overlaps(ent, n, 0x1000, 0x2000));
    MM_CHECK(t, !mm_table_overlaps(ent, n, 0x3000, 0x3fff));
    /* The top of the address space is a range like any other. */
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, UINTPTR_MAX - 0xfff,
                                   UINTPTR_MAX, &items[1]), 1);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, UINTPTR_MAX), &items[1]);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, 0x8000, 0x8fff, &items[2]),
                -1);                    /* full */
    MM_CHECK_EQ(t, n, 2);
}

MM_TEST(table, remove_closes_the_gap)
{
    struct mm_range ent[4];
    unsigned n = 0, i;

    for (i = 0; i < 4; i++)
        mm_table_insert(ent, &n, 4, 0x1000 * (2 * i + 1),
                        0x1000 * (2 * i + 2) - 1, &items[i]);
    MM_CHECK(t, mm_table_remove(ent, &n, &items[1]));
    MM_CHECK(t, !mm_table_remove(ent, &n, &items[1]));
    MM_CHECK_EQ(t, n, 3);
    MM_CHECK(t, mm_table_sorted(ent, n));
    MM_CHECK(t, mm_table_find(ent, n, 0x3000) == NULL);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x5000), &items[2]);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x7fff), &items[3]);
}
