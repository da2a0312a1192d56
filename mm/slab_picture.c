/*
 * mm/slab_picture.c - one slab drawn as a row of cells, one per object,
 * and, on request, the order in which its free objects go out.
 *
 * Written once over struct slab, so that every cache built on the slab
 * (the pools, kmalloc's buckets) draws its slabs alike.  A cell is
 *
 *     #  in use      its bit in the free table is clear
 *     .  free        carved once, now on the free list
 *     -  not carved  free, never handed out yet (objects ncarved and up)
 *
 * A slab of 19 objects with objects 0, 1 and 3 in use, 2 freed, 4 and up
 * never carved, and its order (take pops the free list, then carves):
 *
 *     pool: |##.#---------------|
 *     pool: free list: 2
 *     pool: then carved: objects 4 to 18
 *
 * Invariant: reads only; changes no state and counts nothing.
 * Bounds: O(objects per slab); the free list is followed at most
 * ncarved steps, each link checked as slab_check checks it, so a broken
 * list can neither fault nor loop.  A report, not an operation.
 * Metadata: none; one line of SLAB_PICTURE_COLS cells on the stack.
 * Read after: mm/slab.h.  Tests: mm/slab_picture_test.c.
 */
#include "slab.h"

#define SLAB_PICTURE_COLS   64      /* cells per line */
#define SLAB_ORDER_PER_LINE 16      /* object numbers per free-list line */

const char slab_picture_legend[] =
    "# in use  . free  - not carved yet";

/* The cell of object i. */
static char
cell(const struct slab *s, uint32_t i)
{
    if (!mm_bitmap_test(s->freemap, i))
        return '#';
    return i < s->ncarved ? '.' : '-';
}

/* "PREFIX free list: 2 7 5", 16 numbers a line, head first. */
static void
print_free_list(const char *prefix, const struct slab *s,
                const struct slab_geom *g)
{
    const void *obj = s->freelist;
    uint32_t n = 0;
    long i;

    /* At most ncarved entries: a longer list loops, and is broken. */
    for (; obj != NULL && n < s->ncarved; obj = *slab_link(g, (void *)obj)) {
        i = slab_lookup(s, g, (uintptr_t)obj, s->ncarved);
        if (i < 0 || !mm_bitmap_test(s->freemap, (size_t)i))
            break;
        if (n > 0 && n % SLAB_ORDER_PER_LINE == 0)
            mm_print("\n");
        if (n % SLAB_ORDER_PER_LINE == 0)
            mm_print("%s free list:", prefix);
        mm_print(" %ld", i);
        n++;
    }
    if (n == 0)
        mm_print("%s free list: empty", prefix);
    mm_print("\n");
    if (obj != NULL)
        mm_print("%s free list broken at 0x%08lx after %u objects\n",
                 prefix, (unsigned long)(uintptr_t)obj, n);
}

/*
 * Prints s's objects as cells, SLAB_PICTURE_COLS a line, each line
 * "PREFIX |cells|"; with show_order also the free list, head first,
 * and the objects still to be carved, in the order take hands them out.
 */
void
slab_print_cells(const char *prefix, const struct slab *s,
                 const struct slab_geom *g, bool show_order)
{
    char row[SLAB_PICTURE_COLS + 1];
    uint32_t i, col = 0;

    for (i = 0; i < g->nobjs; i++) {
        row[col++] = cell(s, i);
        if (col == SLAB_PICTURE_COLS || i + 1 == g->nobjs) {
            row[col] = '\0';
            mm_print("%s |%s|\n", prefix, row);
            col = 0;
        }
    }
    if (!show_order)
        return;
    print_free_list(prefix, s, g);
    if (s->ncarved < g->nobjs)
        mm_print("%s then carved: objects %u to %u\n", prefix,
                 (unsigned)s->ncarved, g->nobjs - 1);
    else
        mm_print("%s then carved: none, all %u carved\n", prefix, g->nobjs);
}
