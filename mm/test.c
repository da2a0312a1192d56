/*
 * mm/test.c - the self-test runner shared by the kernel and the host.
 *
 * Walks the pointers that MM_TEST put in section "mm_tests", runs the
 * tests the filter selects, and prints one result line per test and one
 * summary line, "<prefix>: N passed, M failed", that scripts parse.
 * Every test starts with mm_switch.debug on (bad input panics), so a test that
 * feeds bad input on purpose catches the panic (mm_test_catch_panics).
 *
 * Invariant: a test passes exactly when none of its checks failed and it
 * caught no panic it did not ask for.
 * Bounds: O(tests x filter length) to select; checks are O(1).
 * Metadata: a few words of state for the running test.
 * Read after: mm/test.h.
 */
#include "test.h"

/* The linker defines these around section "mm_tests" (see mm/test.h). */
extern const struct mm_test *const __start_mm_tests[];
extern const struct mm_test *const __stop_mm_tests[];

/* How many failed checks a test prints before it only counts them. */
#define TEST_MAX_REPORTS    5

static struct mm_t *test_current;   /* the running test, for panics */
static const char *test_prefix;     /* "selftest" or "hosttest" */
static char test_first_fail[224];   /* "file:line detail" of failure 1 */

static size_t
test_strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

static bool
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

bool
mm_test_contains(const char *s, const char *sub)
{
    size_t n = test_strlen(sub);

    for (; *s != '\0'; s++) {
        size_t i = 0;

        while (i < n && s[i] == sub[i])
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
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
        return false;
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

/* Is [s, s+n) exactly the string want? */
static bool
test_span_is(const char *s, size_t n, const char *want)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (want[i] != s[i])
            return false;
    return want[n] == '\0';
}

/* Does item [s, s+n) of the filter name test d ("mod" or "mod.name")? */
static bool
test_item_matches(const struct mm_test *d, const char *s, size_t n)
{
    char full[96];

    mm_test_format(full, sizeof full, "%s.%s", d->mod, d->name);
    return test_span_is(s, n, d->mod) || test_span_is(s, n, full);
}

/* Is test d selected by the comma-separated filter? */
static bool
test_selected(const struct mm_test *d, const char *filter)
{
    const char *s = filter;

    if (filter == NULL || *filter == '\0')
        return true;
    while (*s != '\0') {
        size_t n = 0;

        while (s[n] != '\0' && s[n] != ',')
            n++;
        if (n > 0 && test_item_matches(d, s, n))
            return true;
        s += n;
        if (*s == ',')
            s++;
    }
    return false;
}

/* Runs one test with debug mode on and prints its result line. */
static bool
test_run_one(const struct mm_test *d)
{
    struct mm_t t = { .mod = d->mod, .name = d->name };
    bool saved_debug = mm_switch.debug;

    t.rand_state = test_seed(d);
    test_current = &t;
    mm_switch.debug = true;
    d->fn(&t);
    mm_switch.debug = saved_debug;
    test_current = NULL;
    if (t.catching)
        test_fail(&t, d->mod, 0, "test ended still catching panics");
    if (t.nfailed == 0) {
        mm_print("%s: ok %s.%s\n", test_prefix, d->mod, d->name);
        return true;
    }
    mm_print("%s: FAIL %s.%s %s (%u of %u checks failed)\n", test_prefix,
             d->mod, d->name, test_first_fail, t.nfailed, t.nchecks);
    return false;
}

int
mm_test_run(const char *filter, const char *prefix)
{
    const struct mm_test *const *p;
    int passed = 0, failed = 0;

    test_prefix = prefix;
    for (p = __start_mm_tests; p < __stop_mm_tests; p++) {
        if (!test_selected(*p, filter))
            continue;
        if (test_run_one(*p))
            passed++;
        else
            failed++;
    }
    if (passed + failed == 0) {
        mm_print("%s: no test matches \"%s\"\n", prefix, filter);
        mm_print("%s: 0 passed, 1 failed\n", prefix);
        return -1;
    }
    mm_print("%s: %d passed, %d failed\n", prefix, passed, failed);
    return failed;
}
