/*
 * mm/test_internal.h - what the test runner's two files share.
 *
 * mm/test.c runs the tests and their checks; mm/test_filter.c decides
 * which tests a filter selects and reports an item that names none.
 * Read after: mm/test.h.
 */
#ifndef MM_TEST_INTERNAL_H
#define MM_TEST_INTERNAL_H

#include "test.h"

/* Longest "mod.name" the runner compares, NUL included. */
#define TEST_NAME_MAX       96

/* The tests a run walks, [first, last), and its line prefix. */
struct test_set {
    const struct mm_test *const *first;
    const struct mm_test *const *last;
    const char *prefix;
};

/* mm/test.c: the string helpers the runner has (no libc in mm/). */
size_t test_strlen(const char *s);
bool test_streq(const char *a, const char *b);

/* mm/test_filter.c: is d selected by the comma-separated filter? */
bool test_selected(const struct mm_test *d, const char *filter);
/*
 * Reports each item of filter that names no test of set, with its near
 * matches; returns how many there were.
 */
int test_check_filter(const struct test_set *set, const char *filter);

/* mm/test_static.c: the test room in use, and giving it back. */
size_t mm_test_static_mark(void);
void mm_test_static_release(size_t mark);

#endif /* MM_TEST_INTERNAL_H */
