/*
 * mm/test_test.c - tests of the self-test runner itself (mm/test.c).
 *
 * The runner is run on tests made up here, never registered: one that
 * passes, one whose checks all fail, one that ends still catching
 * panics.  Its prints are captured and compared line by line, so the
 * result lines that scripts parse are pinned down.  The counting page
 * source of mm/testpages.c is tested here too.
 */
#include "test.h"
#include "testpages.h"

static int fake_fail_line;      /* the line of fake_fail's first check */

static void
fake_pass(struct mm_t *t)
{
    MM_CHECK(t, mm_test_contains("buddy", "dd"));
}

/*
 * Six failing checks: the first on the result line, four more as
 * "also" lines, the sixth only counted.  The first shares its line with
 * the assignment, so fake_fail_line is the line the runner reports.
 */
static void
fake_fail(struct mm_t *t)
{
    fake_fail_line = __LINE__; MM_CHECK_EQ(t, 1, 2);
    MM_CHECK_NE(t, 3, 3);
    MM_CHECK_STR(t, "a", NULL);
    MM_CHECK_STR(t, NULL, "b");
    MM_CHECK_PANIC(t, "buddy", 0x1000);
    MM_CHECK(t, mm_test_contains("pool", "poolx"));
}

static void
fake_still_catching(struct mm_t *t)
{
    mm_test_catch_panics(t);
}

static const struct mm_test fake_tests[] = {
    { "fake", "pass", fake_pass },
    { "fake", "fail", fake_fail },
    { "other", "still_catching", fake_still_catching },
};
static const struct mm_test *const fake_list[] = {
    &fake_tests[0], &fake_tests[1], &fake_tests[2],
};

#define FAKE_END    (fake_list + MM_ARRAY_SIZE(fake_list))

MM_TEST(test, runner_prints_results_and_summary)
{
    static char out[2048];
    char want[1024];
    int failed;

    mm_test_capture_prints(out, sizeof out);
    failed = mm_test_run_list(fake_list, FAKE_END, NULL, "inner");
    mm_test_release_prints();
    MM_CHECK_EQ(t, failed, 2);
    mm_test_format(want, sizeof want,
        "inner: ok fake.pass\n"
        "inner:   also mm/test_test.c:%d 3 != 3 (left 3 = 0x3, right 3)\n"
        "inner:   also mm/test_test.c:%d \"a\" == NULL (left \"a\", right "
        "\"(null)\")\n"
        "inner:   also mm/test_test.c:%d NULL == \"b\" (left \"(null)\", "
        "right \"b\")\n"
        "inner:   also mm/test_test.c:%d panic naming 0x00001000 and "
        "\"buddy\" (caught 0, last \"\")\n"
        "inner: FAIL fake.fail mm/test_test.c:%d 1 == 2 (left 1 = 0x1, "
        "right 2) (6 of 6 checks failed)\n"
        "inner: FAIL other.still_catching other:0 test ended still "
        "catching panics (1 of 0 checks failed)\n"
        "inner: 1 passed, 2 failed\n",
        fake_fail_line + 1, fake_fail_line + 2, fake_fail_line + 3,
        fake_fail_line + 4, fake_fail_line);
    MM_CHECK_STR(t, out, want);
}

MM_TEST(test, runner_filters_by_module_and_name)
{
    static char out[2048];

    mm_test_capture_prints(out, sizeof out);
    /* Empty items are skipped; "fake.pass" names one test. */
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, ",fake.pass,,",
                                    "inner"), 0);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "inner: ok fake.pass\ninner: 1 passed, 0 failed\n");
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, "fake.pas,other.x",
                                    "inner"), -1);
    mm_test_release_prints();
    /* Nothing runs; each unknown item comes with the names near it. */
    MM_CHECK_STR(t, out, "inner: no test matches \"fake.pas\"\n"
                 "inner: near match fake.pass\n"
                 "inner: near match fake.fail\n"
                 "inner: no test matches \"other.x\"\n"
                 "inner: near match other.still_catching\n"
                 "inner: every test's name: make tests\n"
                 "inner: 0 passed, 2 failed\n");
    /* Without a module: names sharing a word, or a few letters off. */
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, "pass,fak,zzz",
                                    "inner"), -1);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "inner: no test matches \"pass\"\n"
                 "inner: near match fake.pass\n"
                 "inner: no test matches \"fak\"\n"
                 "inner: near match fake\n"
                 "inner: near match fake.pass\n"
                 "inner: near match fake.fail\n"
                 "inner: no test matches \"zzz\"\n"
                 "inner: every test's name: make tests\n"
                 "inner: 0 passed, 3 failed\n");
    /* Only empty items: nothing is selected, and that is said. */
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, ",,", "inner"), -1);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "inner: no test matches \",,\"\n"
                 "inner: 0 passed, 1 failed\n");
    /* An empty filter, like NULL, selects every test. */
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, "", "inner"), 2);
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out, "inner: 1 passed, 2 failed\n"));
}

/*
 * The counting page source: "all back" needs every block returned
 * through it and the buddy as full as at the start.
 */
MM_TEST(test, pages_all_back_needs_both)
{
    struct mm_test_pages *tp = mm_test_static(sizeof *tp);
    void *p, *q;

    if (!mm_test_pages_init(t, tp, 1))
        return;
    MM_CHECK(t, mm_test_pages_all_back(tp));
    p = mm_pagesrc_alloc(&tp->src, 2);
    MM_CHECK(t, p != NULL && !mm_test_pages_all_back(tp));
    MM_CHECK(t, mm_pagesrc_owner(&tp->src, p) == buddy_owner(&tp->buddy, p));
    MM_CHECK(t, mm_pagesrc_owner(&tp->src, p) != NULL);
    mm_pagesrc_free(&tp->src, p, 2);
    MM_CHECK_EQ(t, tp->allocs, 1);
    MM_CHECK_EQ(t, tp->frees, 1);
    MM_CHECK(t, mm_test_pages_all_back(tp));
    q = buddy_alloc(&tp->buddy, 0);      /* taken past the counters */
    MM_CHECK(t, q != NULL && !mm_test_pages_all_back(tp));
    buddy_free(&tp->buddy, q);
    mm_test_catch_panics(t);            /* debug mode: order too large */
    MM_CHECK(t, mm_pagesrc_alloc(&tp->src, BUDDY_MAX_ORDER + 1) == NULL);
    mm_test_release_panics(t);
    MM_CHECK_PANIC(t, "order too large", BUDDY_MAX_ORDER + 1);
    MM_CHECK_EQ(t, tp->allocs, 1);       /* a failed alloc is not counted */
    MM_CHECK(t, mm_test_pages_all_back(tp));
    mm_test_pages_fini(tp);
}

/* A capture buffer that is too small keeps what fits, NUL-terminated. */
MM_TEST(test, capture_cuts_to_its_buffer)
{
    char out[8];

    mm_test_capture_prints(out, sizeof out);
    mm_print("abc");
    mm_print("%d", 12345);
    mm_print("more");
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "abc1234");
}

/* Does s begin with prefix? */
static bool
starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0' && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

/*
 * An unknown name in a module with many tests gets the five nearest;
 * a name longer than any test's is still reported, cut to fit.
 */
MM_TEST(test, runner_reports_near_matches_within_bounds)
{
    static char out[4096];
    static char item[120];
    const char *s;
    unsigned i, lines = 0;

    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run("buddy.zzz", "inner"), -1);
    mm_test_release_prints();
    for (s = out; *s != '\0'; s++)
        if ((s == out || s[-1] == '\n') && starts_with(s, "inner: near "))
            lines++;
    MM_CHECK_EQ(t, lines, 5);
    for (i = 0; i + 1 < sizeof item; i++)
        item[i] = 'q';
    item[i] = '\0';
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, mm_test_run_list(fake_list, FAKE_END, item, "inner"), -1);
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out, "inner: no test matches \"qqqq"));
    MM_CHECK(t, mm_test_contains(out, "inner: 0 passed, 1 failed\n"));
}

/* The listing names every registered test, this one included. */
MM_TEST(test, runner_lists_every_test)
{
    char *out = mm_test_static(16384);
    char want[64];
    int n;

    mm_test_capture_prints(out, 16384);
    n = mm_test_list("inner");
    mm_test_release_prints();
    MM_CHECK(t, n > 10);
    MM_CHECK(t, mm_test_contains(out,
                                 "inner: test test.runner_lists_every_test\n"));
    mm_test_format(want, sizeof want, "inner: %d tests\n", n);
    MM_CHECK(t, mm_test_contains(out, want));
    mm_test_capture_prints(out, 16384);
    MM_CHECK_EQ(t, mm_test_list(NULL), n);
    mm_test_release_prints();
    MM_CHECK(t, mm_test_contains(out, "\ntest.runner_lists_every_test\n"));
    MM_CHECK(t, !mm_test_contains(out, "inner"));
}

/*
 * The test room: zeroed, aligned, given back when the test ends (the
 * next test's room starts where this one's did); asking for more than
 * there is panics and gets nothing.
 */
MM_TEST(test, static_room)
{
    uint8_t *a = mm_test_static(100), *b = mm_test_static(8);
    unsigned i, nonzero = 0;

    if (!MM_CHECK(t, a != NULL && b != NULL))
        return;
    MM_CHECK_EQ(t, (uintptr_t)a % 64, 0);
    MM_CHECK_EQ(t, b - a, 128);
    for (i = 0; i < 100; i++)
        nonzero += a[i] != 0;
    MM_CHECK_EQ(t, nonzero, 0);
    mm_memset(a, 0xAA, 100);
    mm_test_catch_panics(t);
    MM_CHECK_PTR_EQ(t, mm_test_static((size_t)1 << 30), NULL);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, 1);
    MM_CHECK(t, mm_test_contains(t->panic_msg, "bytes of test room asked"));
}
