/*
 * mm/buddy_zone_picture.c - the picture of one zone, for the console's
 * "zone N" (buddy_print_picture draws them all).
 *
 * Draws exactly what buddy_print_picture draws for that zone - the same
 * header line, 64 characters per line, at most 256 characters - but
 * through the public per-page query buddy_state() alone: a page that is
 * not the first of its block (BUDDY_STATE_INSIDE) belongs to the last
 * block head seen, since blocks are contiguous runs of pages.
 *
 * Invariant: reads only; changes no state and counts nothing.
 * Bounds: O(pages of the zone x log zones): a report, not an operation.
 * Metadata: none.  Tests: tests/boot/console.sh compares it with the
 * full picture.
 */
#include "buddy.h"

#define ZONE_PICTURE_COLS   64      /* as buddy_print_picture */
#define ZONE_PICTURE_CHARS  256

enum { SEEN_FREE = 1, SEEN_ALLOC = 2, SEEN_RSVD = 4 };

/* '.' all free, '#' all allocated, 'm' reserved, '+' a mix. */
static char
seen_char(unsigned seen)
{
    switch (seen) {
    case SEEN_FREE:
        return '.';
    case SEEN_ALLOC:
        return '#';
    case SEEN_RSVD:
        return 'm';
    default:
        return '+';
    }
}

/* What page pfn is, given the state of the last block head before it. */
static unsigned
page_seen(const struct buddy *b, uintptr_t pfn, unsigned *head)
{
    switch (buddy_state(b, (const void *)(pfn << MM_PAGE_SHIFT))) {
    case BUDDY_STATE_FREE:
        return *head = SEEN_FREE;
    case BUDDY_STATE_ALLOC:
        return *head = SEEN_ALLOC;
    case BUDDY_STATE_INSIDE:
        return *head;
    default:
        return SEEN_RSVD;
    }
}

/* Prints zone i's picture; a zone index out of range prints nothing. */
void
buddy_print_zone_picture(const struct buddy *b, unsigned i)
{
    const struct buddy_zone *z;
    size_t per, done = 0, col = 0;
    unsigned seen = 0, head = SEEN_RSVD;

    z = buddy_zone_at(b, i);        /* by address, as the picture's */
    if (z == NULL)
        return;
    per = (z->npages + ZONE_PICTURE_CHARS - 1) / ZONE_PICTURE_CHARS;
    mm_print("buddy: zone %u [mem 0x%08lx-0x%08lx] %zu pages, %zu per char"
             "\n", i, (unsigned long)(z->pfns.first << MM_PAGE_SHIFT),
             (unsigned long)(((z->pfns.first + z->npages) << MM_PAGE_SHIFT)
                             - 1), z->npages, per);
    while (done < z->npages) {
        seen |= page_seen(b, z->pfns.first + done, &head);
        if (++done % per != 0 && done != z->npages)
            continue;
        if (col == 0)
            mm_print("buddy: |");
        mm_print("%c", seen_char(seen));
        seen = 0;
        if (++col == ZONE_PICTURE_COLS || done == z->npages) {
            mm_print("|\n");
            col = 0;
        }
    }
}
