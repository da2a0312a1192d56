/*
 * mm/testpages.h - a page allocator for self-tests: a buddy allocator
 * over scratch memory, offered as a page source that counts its calls.
 *
 * Tests of the layers above the buddy (kmalloc heap, pools) give it to
 * the layer under test, then check that every page came back.
 */
#ifndef MM_TESTPAGES_H
#define MM_TESTPAGES_H

#include "buddy.h"
#include "test.h"

#define MM_TEST_CHUNK       (4u << 20)  /* one scratch block: 4 MiB */
#define MM_TEST_MAX_CHUNKS  4

struct mm_test_pages {
    struct buddy buddy;                 /* over the chunks */
    struct mm_pagesrc src;              /* give this to the layer */
    unsigned long allocs;               /* successful src.alloc calls */
    unsigned long frees;                /* src.free calls */
    size_t start_free;                  /* buddy free pages at start */
    void *chunk[MM_TEST_MAX_CHUNKS];
    unsigned nchunks;
};

bool mm_test_pages_init(struct mm_t *t, struct mm_test_pages *tp,
                        unsigned nchunks);
bool mm_test_pages_all_back(const struct mm_test_pages *tp);
void mm_test_pages_fini(struct mm_test_pages *tp);

#endif /* MM_TESTPAGES_H */
