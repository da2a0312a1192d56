/*
 * mm/buddy_report.c - the buddy's reports: buddyinfo, the picture of
 * each zone, and the counters.
 *
 * Invariant: none of its own; reports read and change nothing.
 * Bounds: buddyinfo and the counters are O(zones x orders); the picture
 * walks each zone's blocks once (O(pages)).
 * Metadata: none.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c, tests/boot/buddy.sh.
 */
#include "buddy_internal.h"

/* ---- reports -------------------------------------------------------- */

/*
 * One line per zone in the layout of Linux's /proc/buddyinfo: the count
 * of free blocks of each order, order 0 first.
 */
void
buddy_print_buddyinfo(const struct buddy *b)
{
    unsigned i, k;

    for (i = 0; i < b->nzones; i++) {
        mm_print("Node 0, zone %8u", i);
        for (k = 0; k < BUDDY_NORDERS; k++)
            mm_print(" %6zu", zone_at(b, i)->nfree[k]);
        mm_print("\n");
    }
    buddy_print_parked(b);
}

#define PICTURE_COLS    64      /* characters per picture line */
#define PICTURE_CHARS   256     /* at most 4 lines per zone */

enum { PAGE_FREE = 1, PAGE_ALLOC = 2, PAGE_RSVD = 4 };

/* The state of each page of block-walk position pfn, and the run length. */
static unsigned
walk_state(const struct buddy_zone *z, uintptr_t pfn, size_t *run)
{
    uint8_t m = *meta_of(z, pfn);

    *run = 1;
    if (m & (META_FREE | META_ALLOC))
        *run = (size_t)1 << (m & META_ORDER);
    if (m & META_FREE)
        return PAGE_FREE;
    if (m & META_ALLOC)
        return PAGE_ALLOC;
    return PAGE_RSVD;       /* reserved (a tail here would be a bug) */
}

static char
picture_char(unsigned seen)
{
    switch (seen) {
    case PAGE_FREE:
        return '.';
    case PAGE_ALLOC:
        return '#';
    case PAGE_RSVD:
        return 'm';
    default:
        return '+';
    }
}

static void
picture_zone(const struct buddy *b, const struct buddy_zone *z)
{
    size_t per = (z->npages + PICTURE_CHARS - 1) / PICTURE_CHARS;
    size_t done = 0, run = 0, col = 0;
    uintptr_t pfn = z->pfns.first;
    unsigned state = 0, seen = 0;

    mm_print("buddy: zone %u [mem 0x%08lx-0x%08lx] %zu pages, %zu per char"
             "\n", buddy_zone_index(b, z), (unsigned long)pfn_addr(z->pfns.first),
             (unsigned long)(pfn_addr(z->pfns.last + 1) - 1),
             z->npages, per);
    while (done < z->npages) {
        if (run == 0) {
            state = walk_state(z, pfn, &run);
            pfn += run;
        }
        seen |= state;
        run--;
        if (++done % per == 0 || done == z->npages) {
            if (col == 0)
                mm_print("buddy: |");
            mm_print("%c", picture_char(seen));
            seen = 0;
            if (++col == PICTURE_COLS || done == z->npages) {
                mm_print("|\n");
                col = 0;
            }
        }
    }
}

/*
 * A picture of each zone, one character per run of pages:
 * '.' all free, '#' all allocated, 'm' metadata or reserved, '+' mixed.
 */
void
buddy_print_picture(const struct buddy *b)
{
    unsigned i;

    for (i = 0; i < b->nzones; i++)
        picture_zone(b, zone_at(b, i));
}

/* Every counter, errors included, one per line. */
void
buddy_print_errors(const struct buddy *b)
{
    mm_print("buddy: %lu allocations, %lu frees, %lu out of memory\n",
             b->nallocs, b->nfrees, b->nerr[BUDDY_NOMEM]);
    mm_err_print("buddy: ", NULL, buddy_err_name, b->nerr, BUDDY_NOMEM + 1,
                 BUDDY_ERR_COUNT, 18);
}
