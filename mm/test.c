/*
 * mm/test.c - the self-test runner shared by the kernel and the host.
 *
 * Walks the pointers that MM_TEST put in section "mm_tests", runs the
 * tests the filter selects, and prints one result line per test and one
 * summary line, "<prefix>: N passed, M failed", that scripts parse.
 * Every test starts with mm_switch.debug on (bad input panics), so a test that
 * feeds bad input on purpose catches the panic (mm_test_catch_panics).
 *
 * A filter item that names no test stops the run before it starts, and
 * the runner suggests the names nearest to it (mm/test_filter.c), so a
 * typo is never a silently empty run.  A test's captured prints are
 * kept by mm/test_capture.c.
 *
 * Invariant: a test passes exactly when none of its checks failed and it
 * caught no panic it did not ask for.
 * Bounds: those of mm/test_filter.c to select; checks are O(1).
 * Metadata: a few words of state for the running test.
 * Read after: mm/test.h.
 */
#include "test_internal.h"

/* The linker defines these around section "mm_tests" (see mm/test.h). */
extern const struct mm_test *const __start_mm_tests[];
extern const struct mm_test *const __stop_mm_tests[];

/* How many failed checks a test prints before it only counts them. */
#define TEST_MAX_REPORTS    5

static struct mm_t *test_current;   /* the running test, for panics */
static const char *test_prefix;     /* "selftest" or "hosttest" */
static char test_first_fail[224];   /* "file:line detail" of failure 1 */

size_t
test_strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

bool
test_streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

void
mm_test_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mm_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* Records one failed check: the first is kept for the result line. */
static bool
test_fail(struct mm_t *t, const char *file, int line, const char *detail)
{
    t->nfailed++;
    if (t->nfailed == 1)
        mm_test_format(test_first_fail, sizeof test_first_fail, "%s:%d %s",
                    file, line, detail);
    else if (t->nfailed <= TEST_MAX_REPORTS)
        mm_print("%s:   also %s:%d %s\n", test_prefix, file, line, detail);
    return false;
}

bool
mm_check(struct mm_t *t, bool ok, const char *file, int line,
         const char *expr)
{
    t->nchecks++;
    return ok ? true : test_fail(t, file, line, expr);
}

bool
mm_check_eq(struct mm_t *t, long long a, long long b, bool want_equal,
            const char *file, int line, const char *expr)
{
    char detail[192];

    t->nchecks++;
    if ((a == b) == want_equal)
        return true;
    mm_test_format(detail, sizeof detail,
                   "%s (left %lld = 0x%llx, right %lld)",
                expr, a, (unsigned long long)a, b);
    return test_fail(t, file, line, detail);
}

bool
mm_check_str(struct mm_t *t, const char *a, const char *b,
             const char *file, int line, const char *expr)
{
    char detail[192];

    t->nchecks++;
    if (a != NULL && b != NULL && test_streq(a, b))
        return true;
    mm_test_format(detail, sizeof detail, "%s (left \"%s\", right \"%s\")",
                expr, a ? a : "(null)", b ? b : "(null)");
    return test_fail(t, file, line, detail);
}

bool
mm_check_panic(struct mm_t *t, const char *what, uintptr_t addr,
               const char *file, int line)
{
    char hex[24], detail[192];

    t->nchecks++;
    mm_test_format(hex, sizeof hex, "0x%08lx", (unsigned long)addr);
    if (t->npanics > 0 && mm_test_contains(t->panic_msg, hex) &&
        mm_test_contains(t->panic_msg, what))
        return true;
    mm_test_format(detail, sizeof detail, "panic naming %s and \"%s\" "
                   "(caught %u, last \"%s\")", hex, what, t->npanics,
                   t->panic_msg);
    return test_fail(t, file, line, detail);
}

void
mm_test_catch_panics(struct mm_t *t)
{
    t->catching = true;
    t->npanics = 0;
    t->panic_msg[0] = '\0';
}

void
mm_test_release_panics(struct mm_t *t)
{
    t->catching = false;
}

bool
mm_test_caught_panic(const char *fmt, va_list ap)
{
    struct mm_t *t = test_current;

    if (t == NULL || !t->catching)
        return false;   /* LCOV_EXCL_LINE: an unexpected panic stops all */
    t->npanics++;
    mm_vsnprintf(t->panic_msg, sizeof t->panic_msg, fmt, ap);
    return true;
}

uint64_t
mm_test_rand(struct mm_t *t)
{
    uint64_t x = t->rand_state;

    x ^= x >> 12;       /* xorshift64*: Vigna, 2016 */
    x ^= x << 25;
    x ^= x >> 27;
    t->rand_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* FNV-1a of the test name: a fixed, per-test random seed (never 0). */
static uint64_t
test_seed(const struct mm_test *d)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *s;

    for (s = d->name; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    return h | 1;
}

/* Runs the after-test check, if any; its problems fail test t. */
static void
test_after(struct mm_t *t, mm_test_after_fn *after)
{
    unsigned problems;

    if (after == NULL)
        return;
    t->nchecks++;
    problems = after();
    if (problems == 0)
        return;
    if (t->nfailed++ == 0)
        mm_test_format(test_first_fail, sizeof test_first_fail,
                       "check after the test: %u problems", problems);
}

/*
 * Runs one test with debug mode on, then the after-test check, and
 * prints its result line.
 */
static bool
test_run_one(const struct mm_test *d, mm_test_after_fn *after)
{
    struct mm_t t = { .mod = d->mod, .name = d->name };
    bool saved_debug = mm_switch.debug;
    size_t room = mm_test_static_mark();

    t.rand_state = test_seed(d);
    test_current = &t;
    mm_switch.debug = true;
    d->fn(&t);
    mm_switch.debug = saved_debug;
    mm_test_static_release(room);
    test_current = NULL;
    if (t.catching)
        test_fail(&t, d->mod, 0, "test ended still catching panics");
    test_after(&t, after);
    if (t.nfailed == 0) {
        mm_print("%s: ok %s.%s\n", test_prefix, d->mod, d->name);
        return true;
    }
    mm_print("%s: FAIL %s.%s %s (%u of %u checks failed)\n", test_prefix,
             d->mod, d->name, test_first_fail, t.nfailed, t.nchecks);
    return false;
}

/* The runner's state, saved so that a test may run the runner itself. */
struct test_saved {
    struct mm_t *current;
    const char *prefix;
    char first_fail[sizeof test_first_fail];
};

static void
test_save(struct test_saved *s)
{
    s->current = test_current;
    s->prefix = test_prefix;
    mm_memcpy(s->first_fail, test_first_fail, sizeof test_first_fail);
}

static void
test_restore(const struct test_saved *s)
{
    test_current = s->current;
    test_prefix = s->prefix;
    mm_memcpy(test_first_fail, s->first_fail, sizeof test_first_fail);
}

/* Runs the tests in [first, last) that filter selects, after each. */
static int
test_run_range(const struct mm_test *const *first,
               const struct mm_test *const *last, const char *filter,
               const char *prefix, mm_test_after_fn *after)
{
    const struct mm_test *const *p;
    int passed = 0, failed = 0;
    const struct test_set set = { first, last, prefix };
    struct test_saved saved;

    test_save(&saved);
    test_prefix = prefix;
    failed = test_check_filter(&set, filter);   /* unknown items: none run */
    if (failed > 0) {
        test_restore(&saved);
        mm_print("%s: 0 passed, %d failed\n", prefix, failed);
        return -1;
    }
    for (p = first; p < last; p++) {
        if (!test_selected(*p, filter))
            continue;
        if (saved.current == NULL ? mm_test_isolated(test_run_one, *p, after,
                                                     prefix)
                                  : test_run_one(*p, after))
            passed++;
        else
            failed++;
    }
    test_restore(&saved);
    if (passed + failed == 0) {
        mm_print("%s: no test matches \"%s\"\n", prefix, filter);
        mm_print("%s: 0 passed, 1 failed\n", prefix);
        failed = -1;
    } else {
        mm_print("%s: %d passed, %d failed\n", prefix, passed, failed);
    }
    return failed;
}

int
mm_test_run_list(const struct mm_test *const *first,
                 const struct mm_test *const *last, const char *filter,
                 const char *prefix)
{
    return test_run_range(first, last, filter, prefix, NULL);
}

int
mm_test_run_with(const char *filter, const char *prefix,
                 mm_test_after_fn *after)
{
    return test_run_range(__start_mm_tests, __stop_mm_tests, filter, prefix,
                          after);
}

int
mm_test_run(const char *filter, const char *prefix)
{
    return mm_test_run_with(filter, prefix, NULL);
}

int
mm_test_list(const char *prefix)
{
    const struct mm_test *const *p;
    int n = 0;

    for (p = __start_mm_tests; p < __stop_mm_tests; p++, n++) {
        if (prefix == NULL)
            mm_print("%s.%s\n", (*p)->mod, (*p)->name);
        else
            mm_print("%s: test %s.%s\n", prefix, (*p)->mod, (*p)->name);
    }
    if (prefix != NULL)
        mm_print("%s: %d tests\n", prefix, n);
    return n;
}
