/*
 * mm/test_static.c - room for a test's large locals.
 *
 * A test that needs a struct too large for the kernel's stack (a page
 * source over test pages, a memory map) used to keep it in a static
 * variable; dozens of those made the kernel image itself dozens of
 * kilobytes larger, and at MEM=2M the image must end below 2 MiB.
 * Tests run one at a time, so they share one area instead:
 * mm_test_static(bytes) hands out zeroed room from it, and the runner
 * takes all of it back when the test ends (a test that runs the runner
 * itself keeps its own room: the nested tests get room after it).
 *
 * Invariant: test_static_used bytes of the area belong to the running
 * test and those around it; nothing else is handed out.
 * Bounds: O(bytes) per call (the zeroing).
 * Metadata: the area, MM_TEST_STATIC_BYTES, and one word.
 * Read after: mm/test.c.
 */
#include "test_internal.h"

#define MM_TEST_STATIC_BYTES    (48u * 1024)

static uint8_t test_static_area[MM_TEST_STATIC_BYTES] MM_ALIGNED(64);
static size_t test_static_used;

/*
 * Zeroed room for bytes, aligned to 64, valid until the test ends.
 * Panics when the area is full (a test needing more is a bug to fix in
 * the test, by using mm_scratch_alloc); NULL if the panic returns.
 */
void *
mm_test_static(size_t bytes)
{
    size_t start = test_static_used;

    if (bytes > MM_TEST_STATIC_BYTES - start) {
        mm_panic("test: %zu bytes of test room asked, %zu left", bytes,
                 MM_TEST_STATIC_BYTES - start);
        return NULL;                    /* a test catching panics */
    }
    test_static_used = (start + bytes + 63) & ~(size_t)63;
    mm_memset(test_static_area + start, 0, bytes);
    return test_static_area + start;
}

/* The room in use now; the runner gives back everything after it. */
size_t
mm_test_static_mark(void)
{
    return test_static_used;
}

void
mm_test_static_release(size_t mark)
{
    test_static_used = mark;
}
