/*
 * mm/memmap_owner.c - what the memory map says about each page, for the
 * page ledger (mm/ledger.c).
 *
 * The map works in bytes, the ledger in pages.  Each page below 4 GiB
 * is one of:
 *
 *   hole       no usable byte (no map entry, or a reserved, ACPI or
 *              unusable one);
 *   edge page  some usable bytes, not all: a usable entry starts or ends
 *              inside it (QEMU's first entry ends at 0x9fc00, 3 KiB into
 *              page 0x9f000);
 *   reserved   wholly usable, but a reservation touches it; the
 *              reservation with the lowest base owns it, so the page at
 *              0x10000 that holds the Multiboot information, the command
 *              line and the loader name is "multiboot information";
 *   free       wholly usable and in no reservation: a free region's page,
 *              which this file leaves to the page allocator to claim.
 *
 * Invariant: reads only; claims are disjoint and in address order.
 * Bounds: O(map entries x reservations), small tables.
 * Metadata: none.
 * Read after: mm/memmap.c, mm/ledger.c.  Tests: mm/ledger_test.c.
 */
#include "ledger.h"
#include "memmap.h"

#define PAGE_MASK   ((uint64_t)MM_PAGE - 1)

/* Where the walk is: the next page to claim, and an edge page pending. */
struct walk {
    struct ledger *l;
    uint64_t pos;               /* pages below pos are claimed */
    uint64_t edge;              /* pending edge page, if edge_bytes */
    uint64_t edge_bytes;        /* its usable bytes so far */
};

/* Claims the pending edge page, if any. */
static void
flush_edge(struct walk *w)
{
    if (w->edge_bytes == 0)
        return;
    if (w->edge > w->pos)
        ledger_claim(w->l, w->pos, w->edge - w->pos, LEDGER_HOLE, 0, NULL);
    ledger_claim(w->l, w->edge, 1, LEDGER_EDGE, (uint32_t)w->edge_bytes,
                 NULL);
    w->pos = w->edge + 1;
    w->edge_bytes = 0;
}

/* Page pfn has bytes more usable bytes (two entries may share a page). */
static void
add_edge(struct walk *w, uint64_t pfn, uint64_t bytes)
{
    if (w->edge_bytes != 0 && w->edge != pfn)
        flush_edge(w);
    w->edge = pfn;
    w->edge_bytes += bytes;
}

/* Wholly usable pages [first, end): the reserved ones are claimed. */
static void
claim_usable(struct walk *w, const struct memmap *m, uint64_t first,
             uint64_t end)
{
    uint64_t cur = first;
    unsigned i;

    flush_edge(w);
    if (first > w->pos)
        ledger_claim(w->l, w->pos, first - w->pos, LEDGER_HOLE, 0, NULL);
    for (i = 0; i < m->nrsv; i++) {
        uint64_t s = m->rsv[i].base >> MM_PAGE_SHIFT;
        uint64_t e = (m->rsv[i].end + PAGE_MASK) >> MM_PAGE_SHIFT;

        if (s < cur)
            s = cur;
        if (e > end)
            e = end;
        if (e > s) {
            ledger_claim(w->l, s, e - s, LEDGER_RESERVED, 0, m->rsv[i].why);
            cur = e;
        }
    }
    w->pos = end;
}

/* One usable entry [a, b): edge page, whole pages, edge page. */
static void
claim_entry(struct walk *w, const struct memmap *m, uint64_t a, uint64_t b)
{
    uint64_t fa = (a + PAGE_MASK) >> MM_PAGE_SHIFT, fb = b >> MM_PAGE_SHIFT;

    if (fa > fb) {                          /* inside one page */
        add_edge(w, a >> MM_PAGE_SHIFT, b - a);
        return;
    }
    if (a & PAGE_MASK)
        add_edge(w, fa - 1, (fa << MM_PAGE_SHIFT) - a);
    if (fb > fa)
        claim_usable(w, m, fa, fb);
    if (b & PAGE_MASK)
        add_edge(w, fb, b - (fb << MM_PAGE_SHIFT));
}

void
memmap_claim(const struct memmap *m, struct ledger *l)
{
    struct walk w = { l, 0, 0, 0 };
    uint64_t end = MEMMAP_LIMIT >> MM_PAGE_SHIFT;
    unsigned i;

    for (i = 0; i < m->nmap; i++)
        if (m->map[i].type == MEMMAP_USABLE)
            claim_entry(&w, m, m->map[i].base, m->map[i].end);
    flush_edge(&w);
    if (end > w.pos)
        ledger_claim(l, w.pos, end - w.pos, LEDGER_HOLE, 0, NULL);
}
