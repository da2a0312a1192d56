/*
 * mm/buddy_tree.c - the picture of one aligned region as its binary tree
 * of buddies, and the legends of the buddy's pictures.
 *
 * An order-K block is the root of a binary tree: its two halves are the
 * order-(K-1) buddies, their halves the order-(K-2) buddies, and so on
 * down to single pages.  The allocator's state puts each node of that
 * tree in one of five states:
 *
 *     .  free       the node is a free block on the free list of its order
 *     #  allocated  the node is an allocated block
 *     +  split      the node is no block: its halves lead separate lives
 *     m  reserved   every page of the node is reserved (metadata, prefix)
 *        (blank)    the node lies inside a free or allocated block above
 *
 * buddy_print_tree draws one row per order, the root on top, each node
 * as wide as its pages (a gap closes it), then lists every block drawn
 * with its buddy: pfn ^ (1 << k), the XOR rule of mm/buddy.h.  For the
 * 16-page region of the textbook walk after "alloc D" (A C B B D D D D
 * and 8 free pages), at 4 columns a page, the rows are:
 *
 *     order 4  +++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++
 *     order 3  +++++++++++++++++++++++++++++++ ...............................
 *     order 2  +++++++++++++++ ###############
 *     order 1  +++++++ #######
 *     order 0  ### ###
 *
 * At most TREE_MAX_ROWS orders are drawn (32 nodes in the bottom row);
 * the header says which, and a smaller root draws the rest.
 *
 * The legend lines of both pictures are here too: buddy_tree_legend
 * for this one, buddy_picture_legend for the zone picture of
 * mm/buddy_report.c, which its callers print above it.
 *
 * It reads the per-page state bytes (BUDDY_META_* in mm/buddy.h) of the
 * zone holding the region and nothing else: no free list, no lock.
 *
 * Invariant: reads only; changes no state and counts nothing.
 * Bounds: O(2^K) for an order-K root, at most 1024 pages: a node whose
 * first byte says "reserved" is looked into, every other node is one
 * byte read.  A report, not an operation.
 * Metadata: none; one row of TREE_COLS characters on the stack.
 * Read after: mm/buddy.c, mm/buddy_report.c.  Tests: mm/buddy_tree_test.c.
 */
#include "buddy.h"

#define TREE_COLS       64      /* characters of a row */
#define TREE_MAX_ROWS   6       /* orders drawn: 1 + log2(TREE_COLS / 2) */
#define TREE_MAX_PAIRS  16      /* blocks listed with their buddies */

MM_STATIC_ASSERT(TREE_COLS >> (TREE_MAX_ROWS - 1) >= 2,
                 "a bottom node needs a mark and a gap");

const char buddy_picture_legend[] =
    ". free  # allocated  m metadata or reserved  + mixed";
const char buddy_tree_legend[] =
    ". free  # allocated  + split  m reserved  blank: inside a block above";

/* What one node of the tree is. */
enum node {
    NODE_FREE,
    NODE_ALLOC,
    NODE_SPLIT,
    NODE_RSVD,
    NODE_INSIDE,
    NODE_OUTSIDE,               /* reaches beyond the zone: no node */
};

static const char node_mark[] = { '.', '#', '+', 'm', ' ', ' ' };
static const char *const node_name[] = {
    "free", "allocated", "split", "reserved", "inside a block",
    "outside the zone",
};

static bool
node_in_zone(const struct buddy_zone *z, uintptr_t pfn, unsigned k)
{
    return pfn >= z->pfns.first &&
           pfn + ((uintptr_t)1 << k) - 1 <= z->pfns.last;
}

/*
 * The state of the order-k node at pfn (a multiple of 2^k).  A head byte
 * of order k is the node itself; of a higher order, or a tail byte, the
 * node lies inside that block (blocks are aligned, so a block that
 * covers the node's first page covers the node).  A head of a lower
 * order makes it split.  A reserved first page says nothing about the
 * rest, so the halves decide: reserved if both are, else split.
 */
static enum node
node_state(const struct buddy_zone *z, uintptr_t pfn, unsigned k)
{
    uint8_t m;
    uintptr_t half;

    if (!node_in_zone(z, pfn, k))
        return NODE_OUTSIDE;
    m = z->meta[pfn - z->pfns.first];
    if (m & (BUDDY_META_FREE | BUDDY_META_ALLOC)) {
        if ((m & BUDDY_META_ORDER) > k)
            return NODE_INSIDE;
        if ((m & BUDDY_META_ORDER) < k)
            return NODE_SPLIT;
        return (m & BUDDY_META_FREE) ? NODE_FREE : NODE_ALLOC;
    }
    if (m & BUDDY_META_TAIL)
        return NODE_INSIDE;
    if (k == 0)
        return NODE_RSVD;
    half = (uintptr_t)1 << (k - 1);
    if (node_state(z, pfn, k - 1) == NODE_RSVD &&
        node_state(z, pfn + half, k - 1) == NODE_RSVD)
        return NODE_RSVD;
    return NODE_SPLIT;
}

/* Zone z's number by address, as the other pictures print it. */
static unsigned
zone_number(const struct buddy *b, const struct buddy_zone *z)
{
    unsigned i;

    for (i = 0; buddy_zone_at(b, i) != z; i++)
        ;
    return i;
}

/*
 * The largest order K whose aligned block around addr lies in its
 * zone: the default root of the tree.  -1 if addr is in no zone.
 * Page 8 of a zone of pages 1-15: 8-15 (order 3) fits, 0-15 does not.
 */
int
buddy_tree_order(const struct buddy *b, const void *addr)
{
    const struct buddy_zone *z = buddy_zone_of(b, addr);
    uintptr_t pfn = (uintptr_t)addr >> MM_PAGE_SHIFT;
    unsigned k = 0;

    if (z == NULL)
        return -1;
    while (k < BUDDY_MAX_ORDER &&
           node_in_zone(z, pfn & ~(((uintptr_t)2 << k) - 1), k + 1))
        k++;
    return (int)k;
}

/*
 * One row: the nodes of order k from root to end, w columns per node.
 * A row with nothing to draw (all inside blocks above) is left out.
 */
static void
print_row(const struct buddy_zone *z, uintptr_t root, uintptr_t end,
          unsigned k, size_t w)
{
    char row[TREE_COLS + 1];
    size_t col = 0, i;
    uintptr_t pfn;

    for (pfn = root; pfn < end; pfn += (uintptr_t)1 << k) {
        char c = node_mark[node_state(z, pfn, k)];

        for (i = 0; i + 1 < w; i++)
            row[col++] = c;
        row[col++] = ' ';
    }
    while (col > 0 && row[col - 1] == ' ')
        col--;                      /* no trailing blanks */
    row[col] = '\0';
    if (col > 0)
        mm_print("tree: order %2u %s\n", k, row);
}

/* "tree: order 3 block 0x.. free: buddy pfn 0x88 ^ 0x8 = 0x80 split". */
static void
print_pair(const struct buddy_zone *z, uintptr_t pfn, unsigned k,
           enum node state)
{
    uintptr_t bit = (uintptr_t)1 << k;

    if (k == BUDDY_MAX_ORDER) {
        mm_print("tree: order %u block 0x%08lx %s: no buddy, order %u is "
                 "the largest\n", k, (unsigned long)(pfn << MM_PAGE_SHIFT),
                 node_name[state], k);
        return;
    }
    mm_print("tree: order %u block 0x%08lx %s: buddy pfn 0x%lx ^ 0x%lx = "
             "0x%lx %s\n", k, (unsigned long)(pfn << MM_PAGE_SHIFT),
             node_name[state], (unsigned long)pfn, (unsigned long)bit,
             (unsigned long)(pfn ^ bit), node_name[node_state(z, pfn ^ bit,
                                                              k)]);
}

/* Lists the blocks of orders top..bottom under root with their buddies. */
static void
print_pairs(const struct buddy_zone *z, uintptr_t root, unsigned top,
            unsigned bottom)
{
    uintptr_t end = root + ((uintptr_t)1 << top), pfn;
    unsigned k = top + 1, listed = 0, more = 0;
    enum node s;

    while (k-- > bottom) {
        for (pfn = root; pfn < end; pfn += (uintptr_t)1 << k) {
            s = node_state(z, pfn, k);
            if (s != NODE_FREE && s != NODE_ALLOC)
                continue;
            if (listed++ < TREE_MAX_PAIRS)
                print_pair(z, pfn, k, s);
            else
                more++;
        }
    }
    if (more != 0)
        mm_print("tree: %u more blocks not listed\n", more);
}

/*
 * The root lies inside a larger block: name it (the first free or
 * allocated node on the way up), or say that none covers it, which
 * only corrupt state bytes can make happen (buddy_check finds them).
 */
static void
print_enclosing(const struct buddy_zone *z, uintptr_t root, unsigned k)
{
    uintptr_t pfn;
    enum node s;

    while (k++ < BUDDY_MAX_ORDER) {
        pfn = root & ~(((uintptr_t)1 << k) - 1);
        s = node_state(z, pfn, k);
        if (s == NODE_FREE || s == NODE_ALLOC) {
            mm_print("tree: all inside the %s order-%u block at 0x%08lx\n",
                     node_name[s], k, (unsigned long)(pfn << MM_PAGE_SHIFT));
            return;
        }
    }
    mm_print("tree: inside no block: the state bytes are corrupt\n");
}

/*
 * Draws the order-k block containing addr as its tree of buddies, with
 * the legend line first.  Prints nothing and returns BUDDY_ERR_FOREIGN
 * if addr is in no zone, BUDDY_ERR_ORDER if order is above
 * BUDDY_MAX_ORDER or the block reaches beyond the zone (see
 * buddy_tree_order); counts neither, since it changes nothing.
 */
enum buddy_err
buddy_print_tree(const struct buddy *b, const void *addr, unsigned order)
{
    const struct buddy_zone *z = buddy_zone_of(b, addr);
    uintptr_t root, end;
    unsigned k, bottom;

    if (z == NULL)
        return BUDDY_ERR_FOREIGN;
    if (order > BUDDY_MAX_ORDER || (int)order > buddy_tree_order(b, addr))
        return BUDDY_ERR_ORDER;
    root = ((uintptr_t)addr >> MM_PAGE_SHIFT) & ~(((uintptr_t)1 << order) - 1);
    end = root + ((uintptr_t)1 << order);
    bottom = order + 1 > TREE_MAX_ROWS ? order + 1 - TREE_MAX_ROWS : 0;
    mm_print("tree: legend %s\n", buddy_tree_legend);
    mm_print("tree: zone %u block [mem 0x%08lx-0x%08lx] order %u, %lu "
             "KiB\n", zone_number(b, z),
             (unsigned long)(root << MM_PAGE_SHIFT),
             (unsigned long)((end << MM_PAGE_SHIFT) - 1), order,
             (unsigned long)((MM_PAGE / 1024) << order));
    if (bottom == 0)
        mm_print("tree: orders %u to 0 drawn\n", order);
    else
        mm_print("tree: orders %u to %u drawn, below order %u not drawn\n",
                 order, bottom, bottom);
    if (node_state(z, root, order) == NODE_INSIDE) {
        print_enclosing(z, root, order);
        return BUDDY_OK;
    }
    for (k = order + 1; k-- > bottom;)
        print_row(z, root, end, k,
                  (size_t)TREE_COLS >> (order - bottom) << (k - bottom));
    print_pairs(z, root, order, bottom);
    return BUDDY_OK;
}
