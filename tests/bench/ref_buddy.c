/*
 * tests/bench/ref_buddy.c - the minimal reference buddy (refs.h).
 *
 * Linux's layout: an array with one entry per page (Linux's struct
 * page, here 12 bytes) holds the page's state and, at the head of a
 * free block, the links of its free list as page indices.  Pages are
 * numbered from the 4 MiB boundary at or below the region, so that, as
 * in Linux, a block of 2^k pages is aligned to its size in memory; the
 * buddy of page i at order k is i ^ 2^k (of page 8 at order 1: 8 ^ 2 =
 * 10).  The pages below the region have state 0 and never merge.
 *
 * Invariant: state is nonzero only at a block's first page: REF_FREE |
 * order on a free block (then it is on list order), REF_USED | order on
 * an allocated one.  No two free buddies of one order coexist.
 * Bounds: alloc and free O(REF_MAX_ORDER); no free page is touched.
 * Metadata: 12 bytes per page (0.29%), outside the region, and 12 per
 * order for the lists' heads.
 */
#include "refs.h"

#include <stdlib.h>

#define NOINLINE    __attribute__((noinline))
#define REF_FREE    0x80u
#define REF_USED    0x40u
#define REF_ORDER   0x0Fu

/*
 * Each order's free list is circular, as Linux's list_head: entry
 * npages + k of the page array is list k's head (a sentinel), so push
 * and unlink never test for an end.  An empty list points at itself.
 */
static inline uint32_t
list_head(const struct ref_buddy *b, unsigned k)
{
    return (uint32_t)b->npages + k;
}

static inline void
push(struct ref_buddy *b, uint32_t i, unsigned k)
{
    uint32_t h = list_head(b, k), n = b->page[h].next;

    b->page[i].state = (uint8_t)(REF_FREE | k);
    b->page[i].next = n;
    b->page[i].prev = h;
    b->page[n].prev = i;
    b->page[h].next = i;
}

static inline void
unlink_block(struct ref_buddy *b, uint32_t i)
{
    struct ref_page *pg = &b->page[i];

    b->page[pg->prev].next = pg->next;
    b->page[pg->next].prev = pg->prev;
}

/* Carves npages at base into the largest aligned blocks, all free. */
void
ref_buddy_init(struct ref_buddy *b, void *base, size_t npages)
{
    size_t big = (size_t)1 << (REF_MAX_ORDER + REF_PAGE_SHIFT), i;
    unsigned k;

    b->first = ((uintptr_t)base & (big - 1)) >> REF_PAGE_SHIFT;
    b->base = (uint8_t *)((uintptr_t)base & ~(big - 1));
    b->npages = npages = b->first + npages;
    b->page = calloc(npages + REF_MAX_ORDER + 1, sizeof *b->page);
    for (k = 0; k <= REF_MAX_ORDER; k++)
        b->page[list_head(b, k)].next = b->page[list_head(b, k)].prev =
            list_head(b, k);
    for (k = 0; k < REF_ERR_COUNT; k++)
        b->nerr[k] = 0;
    for (i = b->first; i < npages;) {
        k = REF_MAX_ORDER;
        while ((i & (((size_t)1 << k) - 1)) || i + ((size_t)1 << k) > npages)
            k--;
        push(b, (uint32_t)i, k);
        i += (size_t)1 << k;
    }
}

void
ref_buddy_fini(struct ref_buddy *b)
{
    free(b->page);
}

/* A block of 2^order pages, or NULL. */
NOINLINE void *
ref_buddy_alloc(struct ref_buddy *b, unsigned order)
{
    unsigned k = order;
    uint32_t i = 0;

    while (k <= REF_MAX_ORDER &&
           (i = b->page[list_head(b, k)].next) == list_head(b, k))
        k++;
    if (k > REF_MAX_ORDER)
        return NULL;
    unlink_block(b, i);
    while (k > order) {                 /* split: the upper half is free */
        k--;
        push(b, i + ((uint32_t)1 << k), k);
    }
    b->page[i].state = (uint8_t)(REF_USED | order);
    return b->base + ((size_t)i << REF_PAGE_SHIFT);
}

/* Frees the order-k block at page i, merging while its buddy is free. */
static inline void
merge_free(struct ref_buddy *b, uint32_t i, unsigned k)
{
    b->page[i].state = 0;
    while (k < REF_MAX_ORDER) {
        uint32_t bud = i ^ ((uint32_t)1 << k);

        if (bud >= b->npages || b->page[bud].state != (REF_FREE | k))
            break;
        unlink_block(b, bud);
        b->page[bud].state = 0;
        i &= ~((uint32_t)1 << k);
        k++;
    }
    push(b, i, k);
}

/* Frees the block at p; trusts the caller. */
NOINLINE void
ref_buddy_free(struct ref_buddy *b, void *p)
{
    uint32_t i = (uint32_t)(((uint8_t *)p - b->base) >> REF_PAGE_SHIFT);

    merge_free(b, i, b->page[i].state & REF_ORDER);
}

/* ---- the checked variant: the same free, refusing bad input ---- */

/* Why off is no allocated block's start: the error, counted (cold). */
static NOINLINE enum ref_err
refuse(struct ref_buddy *b, uintptr_t off)
{
    enum ref_err err;

    if (off >= b->npages << REF_PAGE_SHIFT || off < b->first << REF_PAGE_SHIFT)
        err = REF_ERR_FOREIGN;
    else if (off & (REF_PAGE - 1))
        err = REF_ERR_MISALIGNED;
    else if (b->page[off >> REF_PAGE_SHIFT].state & REF_FREE)
        err = REF_ERR_DOUBLE_FREE;
    else
        err = REF_ERR_INTERIOR;
    b->nerr[err]++;
    return err;
}

/*
 * The same free, refusing what kmemlab's buddy refuses: a foreign,
 * misaligned or interior address, a double free.  One test per check on
 * the fast path; which error it was is worked out off it.
 */
NOINLINE enum ref_err
ref_buddy_free_checked(struct ref_buddy *b, void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)b->base;
    uint8_t s;

    if (off >= b->npages << REF_PAGE_SHIFT || (off & (REF_PAGE - 1)) ||
        ((s = b->page[off >> REF_PAGE_SHIFT].state) &
         (REF_FREE | REF_USED)) != REF_USED)
        return refuse(b, off);
    merge_free(b, (uint32_t)(off >> REF_PAGE_SHIFT), s & REF_ORDER);
    return REF_OK;
}
