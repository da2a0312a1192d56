/*
 * mm/table_test.c - tests of the sorted range table (mm/table.h).
 */
#include "table.h"
#include "test.h"

MM_TEST(table, insert_keeps_order_and_finds)
{
    struct mm_range a = { 0x1000, 0x1fff }, b = { 0x4000, 0x7fff },
                    c = { 0x9000, 0x9fff };
    struct mm_range *ent[3];
    unsigned n = 0;

    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, &b), 0);     /* any order */
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, &a), 0);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 3, &c), 2);
    MM_CHECK_EQ(t, n, 3);
    MM_CHECK(t, mm_table_sorted(ent, n));
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x5123), &b);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x1000), &a);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x9fff), &c);
    MM_CHECK(t, mm_table_find(ent, n, 0x0fff) == NULL);
    MM_CHECK(t, mm_table_find(ent, n, 0x2000) == NULL);  /* a hole */
    MM_CHECK(t, mm_table_find(ent, n, 0xa000) == NULL);
    MM_CHECK_EQ(t, mm_table_index(ent, n, 0x9abc), 2);
}

/* Full, overlapping and backwards ranges are refused, nothing changed. */
MM_TEST(table, refuses_overlap_and_full)
{
    struct mm_range a = { 0x2000, 0x2fff }, touch_end = { 0x2fff, 0x3fff },
                    touch_start = { 0x1000, 0x2000 },
                    backwards = { 0x5000, 0x4000 },
                    top = { UINTPTR_MAX - 0xfff, UINTPTR_MAX },
                    more = { 0x8000, 0x8fff };
    struct mm_range *ent[2];
    unsigned n = 0;

    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &a), 0);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &touch_end), -1);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &touch_start), -1);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &backwards), -1);
    MM_CHECK_EQ(t, n, 1);
    MM_CHECK(t, mm_table_overlaps(ent, n, 0x1000, 0x2000));
    MM_CHECK(t, !mm_table_overlaps(ent, n, 0x3000, 0x3fff));
    /* The top of the address space is a range like any other. */
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &top), 1);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, UINTPTR_MAX), &top);
    MM_CHECK_EQ(t, mm_table_insert(ent, &n, 2, &more), -1);  /* full */
    MM_CHECK_EQ(t, n, 2);
}

MM_TEST(table, remove_closes_the_gap)
{
    struct mm_range r[4], *ent[4];
    unsigned n = 0, i;

    for (i = 0; i < 4; i++) {
        r[i] = (struct mm_range){ 0x1000 * (2 * i + 1),
                                  0x1000 * (2 * i + 2) - 1 };
        mm_table_insert(ent, &n, 4, &r[i]);
    }
    MM_CHECK(t, mm_table_remove(ent, &n, &r[1]));
    MM_CHECK(t, !mm_table_remove(ent, &n, &r[1]));
    MM_CHECK_EQ(t, n, 3);
    MM_CHECK(t, mm_table_sorted(ent, n));
    MM_CHECK(t, mm_table_find(ent, n, 0x3000) == NULL);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x5000), &r[2]);
    MM_CHECK_PTR_EQ(t, mm_table_find(ent, n, 0x7fff), &r[3]);
}

/* The checker refuses a backwards range, an overlap and disorder. */
MM_TEST(table, sorted_refuses_each_fault)
{
    struct mm_range a = { 0x1000, 0x1fff }, b = { 0x3000, 0x3fff },
                    backwards = { 0x5000, 0x4fff },
                    touching = { 0x1fff, 0x2fff };
    struct mm_range *ent[2];

    ent[0] = &a;
    ent[1] = &b;
    MM_CHECK(t, mm_table_sorted(ent, 2));
    MM_CHECK(t, mm_table_sorted(ent, 0));
    ent[1] = &backwards;
    MM_CHECK(t, !mm_table_sorted(ent, 2));
    ent[1] = &touching;
    MM_CHECK(t, !mm_table_sorted(ent, 2));
    ent[0] = &b;
    ent[1] = &a;
    MM_CHECK(t, !mm_table_sorted(ent, 2));
    ent[0] = &backwards;
    MM_CHECK(t, !mm_table_sorted(ent, 1));
}
