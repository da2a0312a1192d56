/*
 * mm/test_capture.c - what a test captures: the lines the code under
 * test prints (to compare them with the exact text a report must give)
 * and the substring search such comparisons use.
 *
 * mm_vprint in each port hands a print here first; while a test has
 * called mm_test_capture_prints, it lands in the test's buffer (cut to
 * fit) instead of the console.
 *
 * Bounds: O(printed length) per print; O(len(s) x len(sub)) to search.
 * Metadata: where the captured text goes, three words.
 * Read after: mm/test.c.
 */
#include "test_internal.h"

static char *test_capture;          /* where prints go, or NULL */
static size_t test_capture_size;    /* its bytes, NUL included */
static size_t test_capture_len;     /* characters kept so far */

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
mm_test_capture_prints(char *buf, size_t size)
{
    MM_ASSERT(size > 0);
    test_capture = buf;
    test_capture_size = size;
    test_capture_len = 0;
    buf[0] = '\0';
}

void
mm_test_release_prints(void)
{
    test_capture = NULL;
}

bool
mm_test_caught_print(const char *fmt, va_list ap)
{
    size_t room = test_capture_size - test_capture_len;
    int n;

    if (test_capture == NULL)
        return false;
    n = mm_vsnprintf(test_capture + test_capture_len, room, fmt, ap);
    /* Keep the length of what fits: room - 1 characters at most. */
    test_capture_len += (size_t)n < room ? (size_t)n : room - 1;
    return true;
}
