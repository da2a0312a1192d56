/*
 * mm/testpages.c - a counting page source over scratch memory, for tests.
 *
 * Invariant: allocs - frees blocks are out at any time.
 * Bounds: those of the buddy allocator.  Metadata: struct mm_test_pages.
 */
#include "testpages.h"

static void *
counting_alloc(void *ctx, unsigned order)
{
    struct mm_test_pages *tp = ctx;
    void *p = buddy_alloc(&tp->buddy, order);

    tp->allocs += p != NULL;
    return p;
}

static void
counting_free(void *ctx, void *addr, unsigned order)
{
    struct mm_test_pages *tp = ctx;

    tp->frees++;
    MM_ASSERT(buddy_size(&tp->buddy, addr) == (MM_PAGE << order));
    buddy_free(&tp->buddy, addr);
}

static uint8_t *
counting_owner(void *ctx, const void *addr)
{
    struct mm_test_pages *tp = ctx;

    return buddy_owner(&tp->buddy, addr);
}

/* Sets up nchunks 4 MiB scratch blocks as one page source. */
bool
mm_test_pages_init(struct mm_t *t, struct mm_test_pages *tp,
                   unsigned nchunks)
{
    unsigned i;

    MM_ASSERT(nchunks <= MM_TEST_MAX_CHUNKS);
    mm_memset(tp, 0, sizeof *tp);
    buddy_init(&tp->buddy, "test-pages");
    for (i = 0; i < nchunks; i++) {
        tp->chunk[i] = mm_scratch_alloc(MM_TEST_CHUNK);
        if (!MM_CHECK(t, tp->chunk[i] != NULL))
            return false;   /* LCOV_EXCL_LINE: host or kernel out of memory */
        tp->nchunks++;
        if (!MM_CHECK_EQ(t, buddy_add_zone(&tp->buddy, tp->chunk[i],
                                           MM_TEST_CHUNK, 0, NULL),
                         BUDDY_OK))
            return false;   /* LCOV_EXCL_LINE: a 4 MiB chunk always fits */
    }
    tp->src = (struct mm_pagesrc){ counting_alloc, counting_free,
                                   counting_owner, tp };
    tp->start_free = buddy_free_pages(&tp->buddy);
    return true;
}

/* Has every block handed out come back, leaving the buddy as it was? */
bool
mm_test_pages_all_back(const struct mm_test_pages *tp)
{
    return tp->allocs == tp->frees &&
           buddy_free_pages(&tp->buddy) == tp->start_free;
}

void
mm_test_pages_fini(struct mm_test_pages *tp)
{
    unsigned i;

    for (i = 0; i < tp->nchunks; i++)
        mm_scratch_free(tp->chunk[i], MM_TEST_CHUNK);
}
