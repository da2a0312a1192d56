/*
 * mm/err_test.c - tests of error counting and verdicts (mm/err.h).
 */
#include "err.h"
#include "test.h"

enum { T_OK, T_ERR_A, T_ERR_B, T_ERR_COUNT };

static const char *const t_err_name[T_ERR_COUNT] = { "ok", "bad a",
                                                     "bad b" };

/* One error moves its own counter and panics naming the address. */
MM_TEST(err, count_moves_one_counter_and_panics)
{
    unsigned long nerr[T_ERR_COUNT] = { 0 };

    mm_test_catch_panics(t);
    mm_err_count(nerr, T_ERR_B, t_err_name, "t", "thing", "x", 0x1234);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, nerr[T_ERR_A], 0);
    MM_CHECK_EQ(t, nerr[T_ERR_B], 1);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK_PANIC(t, "t: bad b", 0x1234);
    MM_CHECK(t, mm_test_contains(t->panic_msg, "(thing x)"));
}

/* Without debug mode, the error is only counted. */
MM_TEST(err, count_without_debug_does_not_panic)
{
    unsigned long nerr[T_ERR_COUNT] = { 0 };
    bool saved = mm_switch.debug;

    mm_switch.debug = false;
    mm_err_count(nerr, T_ERR_A, t_err_name, "t", "thing", "x", 0);
    mm_switch.debug = saved;
    MM_CHECK_EQ(t, nerr[T_ERR_A], 1);
    MM_CHECK_EQ(t, t->npanics, 0);
}

/* A verdict counts every violation and keeps the first. */
MM_TEST(err, verdict_keeps_the_first)
{
    struct mm_verdict v = { 0 };

    MM_CHECK_EQ(t, mm_verdict_add(&v, "first thing", 0x10), 1);
    MM_CHECK_EQ(t, mm_verdict_add(&v, "second thing", 0x20), 1);
    MM_CHECK_EQ(t, v.nbad, 2);
    MM_CHECK_STR(t, v.first, "first thing");
    MM_CHECK_EQ(t, v.first_addr, 0x10);
}

/* The error report prints one line per counter from FROM on, padded. */
MM_TEST(err, print_lists_counters_from_first)
{
    static char out[256];
    const unsigned long nerr[T_ERR_COUNT] = { 7, 1, 22 };

    mm_test_capture_prints(out, sizeof out);
    mm_err_print("t: ", "x", t_err_name, nerr, T_ERR_A, T_ERR_COUNT, 6);
    mm_err_print("t: ", NULL, t_err_name, nerr, T_ERR_B, T_ERR_COUNT, 0);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "t: x: error bad a  1\n"
                 "t: x: error bad b  22\n"
                 "t: error bad b 22\n");
}
