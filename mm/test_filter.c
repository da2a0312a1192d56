/*
 * mm/test_filter.c - which tests a filter selects, and the names near a
 * filter item that names no test.
 *
 * A filter is a comma list of modules ("buddy") and tests
 * ("buddy.split"); an item that names no test is reported with up to
 * TEST_MAX_NEAR names nearest to it: the tests of its module, names that
 * hold it or share its words, then small edit distances.
 *
 * Bounds: O(tests x filter length) to select; a near-match search is
 * O(tests x name length^2).
 * Metadata: none kept between calls.
 * Read after: mm/test.c.
 */
#include "test_internal.h"

/* How many near matches an unknown filter item is shown. */
#define TEST_MAX_NEAR       5

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
    char full[TEST_NAME_MAX];

    mm_test_format(full, sizeof full, "%s.%s", d->mod, d->name);
    return test_span_is(s, n, d->mod) || test_span_is(s, n, full);
}

/* Is test d selected by the comma-separated filter? */
bool
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

/* Does item [s, s+n) name at least one test? */
static bool
test_item_known(const struct test_set *set, const char *s, size_t n)
{
    const struct mm_test *const *p;

    for (p = set->first; p < set->last; p++)
        if (test_item_matches(*p, s, n))
            return true;
    return false;
}

/*
 * Levenshtein distance between [a, a+na) and b: the fewest one-letter
 * inserts, deletes and changes that turn one into the other, computed a
 * row at a time (row[j]: distance between a's first i letters and b's
 * first j).  Names longer than TEST_NAME_MAX count as far.
 */
static unsigned
test_distance(const char *a, size_t na, const char *b)
{
    unsigned row[TEST_NAME_MAX + 1], diag, up, best;
    size_t nb = test_strlen(b), i, j;

    if (na > TEST_NAME_MAX || nb > TEST_NAME_MAX)
        return TEST_NAME_MAX;
    for (j = 0; j <= nb; j++)
        row[j] = (unsigned)j;
    for (i = 1; i <= na; i++) {
        diag = row[0];
        row[0] = (unsigned)i;
        for (j = 1; j <= nb; j++) {
            up = row[j];
            best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* Does [s, s+n) occur in name? */
static bool
test_span_in(const char *s, size_t n, const char *name)
{
    size_t i;

    for (; *name != '\0'; name++) {
        for (i = 0; i < n && name[i] == s[i]; i++)
            ;
        if (i == n)
            return true;
    }
    return false;
}

/*
 * How many words of [s, s+n) (split at '.' and '_', three letters or
 * more) occur in name: "buddy.free_block" shares "buddy" and "free"
 * with "buddy.poison_catches_write_after_free".
 */
static unsigned
test_shared_words(const char *s, size_t n, const char *name)
{
    unsigned shared = 0;
    size_t i = 0, len;

    while (i < n) {
        for (len = 0; i + len < n && s[i + len] != '.' && s[i + len] != '_';
             len++)
            ;
        if (len >= 3 && test_span_in(s + i, len, name))
            shared++;
        i += len + 1;
    }
    return shared;
}

/* The near matches found so far, best (lowest score) first. */
struct test_near {
    char name[TEST_NAME_MAX];
    unsigned score;
};

/* Keeps name among the TEST_MAX_NEAR best, once. */
static void
test_near_add(struct test_near *near, unsigned *nnear, const char *name,
              unsigned score)
{
    unsigned i, at;

    for (i = 0; i < *nnear; i++)
        if (test_streq(near[i].name, name))
            return;
    for (at = *nnear; at > 0 && near[at - 1].score > score; at--)
        ;
    if (at == TEST_MAX_NEAR)
        return;
    if (*nnear < TEST_MAX_NEAR)
        (*nnear)++;
    for (i = *nnear - 1; i > at; i--)
        near[i] = near[i - 1];
    mm_test_format(near[at].name, sizeof near[at].name, "%s", name);
    near[at].score = score;
}

/*
 * Collects the near matches of item [s, s+n).  If the item is
 * "mod.something" for a module that has tests (its first m letters),
 * they are that module's tests, however far; otherwise the tests and
 * modules within a small edit distance or sharing a word with it.  The
 * score ranks a name that holds the whole item first, then by words
 * shared (most first), then by edit distance.
 */
static unsigned
test_find_near(const struct test_set *set, const char *s, size_t n,
               struct test_near *near)
{
    const struct mm_test *const *p;
    char full[TEST_NAME_MAX];
    unsigned nnear = 0, score, shared;
    unsigned limit = n / 3 > 2 ? (unsigned)n / 3 : 2;
    size_t m;
    bool in_module;

    for (m = 0; m < n && s[m] != '.'; m++)
        ;
    in_module = m < n && m > 0 && test_item_known(set, s, m);
    for (p = set->first; p < set->last; p++) {
        mm_test_format(full, sizeof full, "%s.%s", (*p)->mod, (*p)->name);
        shared = test_span_in(s, n, full) ? 99 : test_shared_words(s, n,
                                                                   full);
        score = test_distance(s, n, full);
        if (in_module ? test_span_is(s, m, (*p)->mod)
                      : score <= limit || shared > (in_module ? 1u : 0u))
            test_near_add(near, &nnear, full,
                          (100 - shared) * 1000 + score);
        shared = test_span_in(s, n, (*p)->mod) ? 99 : 0;
        score = test_distance(s, n, (*p)->mod);
        if (!in_module && (score <= limit || shared > 0))
            test_near_add(near, &nnear, (*p)->mod,
                          (100 - shared) * 1000 + score);
    }
    return nnear;
}

/* Reports an item that names no test, with its near matches. */
static void
test_report_unknown(const struct test_set *set, const char *s, size_t n)
{
    static struct test_near near[TEST_MAX_NEAR];
    char item[TEST_NAME_MAX];
    unsigned nnear, i;

    nnear = test_find_near(set, s, n, near);
    for (i = 0; i < n && i + 1 < sizeof item; i++)
        item[i] = s[i];
    item[i] = '\0';
    mm_print("%s: no test matches \"%s\"\n", set->prefix, item);
    for (i = 0; i < nnear; i++)
        mm_print("%s: near match %s\n", set->prefix, near[i].name);
}

/* Reports each item of filter that names no test; returns how many. */
int
test_check_filter(const struct test_set *set, const char *filter)
{
    const char *s = filter;
    int unknown = 0;

    if (filter == NULL)
        return 0;
    while (*s != '\0') {
        size_t n = 0;

        while (s[n] != '\0' && s[n] != ',')
            n++;
        if (n > 0 && !test_item_known(set, s, n)) {
            test_report_unknown(set, s, n);
            unknown++;
        }
        s += n;
        if (*s == ',')
            s++;
    }
    if (unknown > 0)
        mm_print("%s: every test's name: make tests\n", set->prefix);
    return unknown;
}
