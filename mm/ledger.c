/*
 * mm/ledger.c - the page ledger: exactly one owner for every page.
 *
 * Every layer keeps its own books: the memory map its reservations, the
 * buddy allocator a state byte per page and its free lists, kmalloc a
 * page table per extent, each pool a table of slabs.  A bug or a wild
 * write in any of them shows up, sooner or later, as a page that two
 * parties think they hold, or that nobody holds any more (a leak).  The
 * ledger asks each layer, independently, which pages its metadata says
 * it holds (a claim), and checks that the claims tile the memory:
 *
 *   depth 0  | hole | reserved | free | kernel block   | free | ...
 *   depth 1                           | kmalloc extent |
 *   depth 2                           |meta|page|unused|
 *   depth 3                                |bucket 64|
 *
 * A layer that takes a block from the layer below claims its pages one
 * level deeper.  At every page of the span the claims must form one
 * chain: exactly one claim at depth 0, at most one at each depth, each
 * claim with a deeper one inside a kind that may hold one (a kernel
 * block, a kmalloc extent, a kmalloc page).  The deepest claim is the
 * page's owner.  Some holders may not stand alone: a kmalloc page that
 * the page table says nothing about is owned by no one.
 *
 * Every break of the chain is one complaint line, naming the first page
 * of the run and its owners:
 *   ledger: page 0x00400000 has no owner (8 pages from there)
 *   ledger: page 0x00400000 has two owners: free buddy block and pool
 *           slab of "pool_cache" (1 pages from there)       (one line)
 *   ledger: page 0x00400000 has no owner inside kmalloc page (1 pages
 *           from there)                                     (one line)
 *
 * Invariant: after ledger_settle, the claims of each depth are sorted
 * and disjoint (overlaps are complained about and cut off), and the
 * owners' pages add up to the span when there was no problem.
 * Bounds: claim is O(owners) to find the owner; settle sorts the claims
 * (heapsort, O(n log n), no recursion) and sweeps each depth once
 * against the one above: O(n log n) for n claims.  Nothing is per page:
 * a 4 MiB free block is one claim.
 * Metadata: the caller's claim table, 20 bytes a claim on the 32-bit
 * kernel (24 on a 64-bit host); struct ledger about 2.4 KiB.
 * Beside it: the claim table (mm/ledger_claim.c) and the complaint lines
 * and report (mm/ledger_report.c).
 * Read after: mm/buddy.c, mm/kheap.c, mm/pool.c.  Tests: mm/ledger_test.c.
 */
#include "ledger_internal.h"

#define HOLDS       1u      /* a deeper claim may lie inside */
#define ALONE       2u      /* may own pages without a deeper claim */

/* What each kind is called, how deep it sits and what it may do. */
static const struct {
    const char *label;      /* report and complaint text */
    uint8_t depth;
    uint8_t flags;
    int8_t group;           /* LEDGER_GROUP_*, depth 0 only; -1 else */
} kinds[LEDGER_KIND_COUNT] = {
    [LEDGER_HOLE] = { "hole", 0, ALONE, LEDGER_GROUP_NOT_USABLE },
    [LEDGER_EDGE] = { "edge page", 0, ALONE, LEDGER_GROUP_KEPT },
    [LEDGER_RESERVED] = { "reserved", 0, ALONE, LEDGER_GROUP_KEPT },
    [LEDGER_UNMANAGED] = { "unmanaged", 0, ALONE, LEDGER_GROUP_FREE },
    [LEDGER_BUDDY_META] = { "buddy metadata", 0, ALONE, LEDGER_GROUP_FREE },
    [LEDGER_FREE] = { "free buddy block", 0, ALONE, LEDGER_GROUP_FREE },
    [LEDGER_KERNEL] = { "kernel block", 0, HOLDS | ALONE,
                        LEDGER_GROUP_FREE },
    [LEDGER_KMALLOC_EXTENT] = { "kmalloc extent", 1, HOLDS, -1 },
    [LEDGER_POOL_SLAB] = { "pool slab", 1, ALONE, -1 },
    [LEDGER_POOL_BAD] = { "pool slab with a bad header", 1, 0, -1 },
    [LEDGER_TABLE] = { "ledger table", 1, ALONE, -1 },
    [LEDGER_KMALLOC_SLAB] = { "kmalloc bucket slab", 1, ALONE, -1 },
    [LEDGER_KMALLOC_RUN] = { "kmalloc large run", 1, ALONE, -1 },
    [LEDGER_KMALLOC_META] = { "kmalloc metadata", 2, ALONE, -1 },
    [LEDGER_KMALLOC_UNUSED] = { "kmalloc unused", 2, ALONE, -1 },
    [LEDGER_KMALLOC_PAGE] = { "kmalloc page", 2, HOLDS, -1 },
    [LEDGER_KMALLOC_BUCKET] = { "kmalloc bucket page", 3, ALONE, -1 },
    [LEDGER_KMALLOC_LARGE] = { "kmalloc large run", 3, ALONE, -1 },
};

/* What kind k is called in reports and complaints. */
const char *
ledger_kind_label(enum ledger_kind k)
{
    return kinds[k].label;
}

/* How deep a claim of kind k sits. */
unsigned
ledger_kind_depth(enum ledger_kind k)
{
    return kinds[k].depth;
}

MM_STATIC_ASSERT(LEDGER_MAX_OWNERS <= 0xFFFF, "owner index is 16 bits");

const char *const ledger_err_name[LEDGER_ERR_COUNT] = {
    [LEDGER_OK] = "ok",
    [LEDGER_ERR_RANGE] = "claim empty or outside the span",
    [LEDGER_ERR_FULL] = "claim table full",
    [LEDGER_ERR_OWNERS] = "owner table full",
};

/* ---- settling ------------------------------------------------------- */

/*
 * Within one depth, cuts each claim's overlap with those before it off
 * its front (a claim wholly inside another becomes empty) and complains
 * about each overlap: two owners.  Order by first is kept.
 */
static void
clip_overlaps(struct ledger *l, size_t from, size_t to)
{
    uint64_t reach = 0;         /* end of the claims so far */
    unsigned reacher = 0;       /* the owner of the one ending there */
    size_t i;

    for (i = from; i < to; i++) {
        struct ledger_claim *c = &l->claim[i];

        if (i > from && c->first < reach) {
            ledger_complain_two(l, reacher, c->owner, c->first,
                         c->end < reach ? c->end : reach);
            if (c->end <= reach)
                c->end = reach;         /* wholly inside: emptied */
            c->first = reach;
        }
        if (c->end > reach || i == from) {
            reach = c->end;
            reacher = c->owner;
        }
    }
}

/* Depth 0 must cover the span: every gap is pages with no owner. */
static void
find_gaps(struct ledger *l)
{
    uint64_t pos = l->first_pfn;
    size_t i;

    for (i = l->depth_at[0]; i < l->depth_at[1]; i++) {
        const struct ledger_claim *c = &l->claim[i];

        if (c->first == c->end)
            continue;
        if (c->first > pos)
            ledger_complain_none(l, pos, c->first);
        if (c->end > pos)
            pos = c->end;
    }
    if (pos < l->end_pfn)
        ledger_complain_none(l, pos, l->end_pfn);
}

/* The claim of depth d that covers pfn, or NULL: binary search. */
static const struct ledger_claim *
find_at(const struct ledger *l, unsigned d, uint64_t pfn)
{
    size_t lo = l->depth_at[d], hi = l->depth_at[d + 1];

    while (lo < hi) {               /* first claim with first > pfn */
        size_t mid = lo + (hi - lo) / 2;

        if (l->claim[mid].first <= pfn)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo > l->depth_at[d] &&
           l->claim[lo - 1].first == l->claim[lo - 1].end)
        lo--;                       /* skip claims emptied by clipping */
    if (lo == l->depth_at[d] || l->claim[lo - 1].end <= pfn)
        return NULL;
    return &l->claim[lo - 1];
}

/* A child's pages [first, end) that no claim of the depth above holds. */
static void
complain_unheld(struct ledger *l, const struct ledger_claim *child,
                uint64_t first, uint64_t end)
{
    const struct ledger_claim *low = NULL;
    unsigned d = child->depth;

    while (low == NULL && d-- > 0)
        low = find_at(l, d, first);
    if (low != NULL)
        ledger_complain_two(l, low->owner, child->owner, first, end);
    else
        ledger_complain_none(l, first, end);
}

/*
 * Walks the claims of depth d (children) against those of depth d - 1
 * (parents), both sorted and disjoint: each child page must lie in a
 * parent that may hold it; a parent's page with a child is not the
 * parent's own.  O(children + parents).
 */
static void
check_children(struct ledger *l, unsigned d)
{
    size_t p = l->depth_at[d - 1], pend = l->depth_at[d], i;

    for (i = l->depth_at[d]; i < l->depth_at[d + 1]; i++) {
        const struct ledger_claim *c = &l->claim[i];
        uint64_t pos = c->first;

        while (pos < c->end) {
            struct ledger_claim *par;
            uint64_t stop;

            while (p < pend && l->claim[p].end <= pos)
                p++;
            par = p < pend ? &l->claim[p] : NULL;
            if (par == NULL || par->first > pos) {
                stop = par != NULL && par->first < c->end ? par->first
                                                          : c->end;
                complain_unheld(l, c, pos, stop);
            } else {
                stop = par->end < c->end ? par->end : c->end;
                if (!(kinds[l->owner[par->owner].kind].flags & HOLDS))
                    ledger_complain_two(l, par->owner, c->owner, pos, stop);
                l->owner[par->owner].pages -= stop - pos;
            }
            pos = stop;
        }
    }
}

/* Holders that may not stand alone: their pages without a child. */
static void
check_holders(struct ledger *l, unsigned d)
{
    size_t k = l->depth_at[d + 1], kend = l->depth_at[d + 2], i;

    for (i = l->depth_at[d]; i < l->depth_at[d + 1]; i++) {
        const struct ledger_claim *c = &l->claim[i];
        uint64_t pos = c->first;

        if (kinds[l->owner[c->owner].kind].flags & ALONE)
            continue;
        while (k < kend && l->claim[k].end <= pos)
            k++;
        while (pos < c->end) {
            const struct ledger_claim *kid = k < kend ? &l->claim[k] : NULL;

            if (kid != NULL && kid->first == kid->end) {
                k++;            /* emptied by clipping */
                continue;
            }
            if (kid == NULL || kid->first >= c->end) {
                ledger_complain_empty(l, c->owner, pos, c->end);
                break;
            }
            if (kid->first > pos) {
                ledger_complain_empty(l, c->owner, pos, kid->first);
                break;          /* one complaint per holder */
            }
            pos = kid->end;
            k++;
        }
    }
}

/* Each owner's pages start as the sum of its claims (after clipping). */
static void
count_claims(struct ledger *l)
{
    size_t i;

    for (i = 0; i < l->nowners; i++)
        l->owner[i].pages = 0;
    l->group_pages[0] = l->group_pages[1] = l->group_pages[2] = 0;
    l->kept_usable_bytes = 0;
    for (i = 0; i < l->nclaims; i++) {
        const struct ledger_claim *c = &l->claim[i];
        const struct ledger_owner *o = &l->owner[c->owner];
        uint64_t n = c->end - c->first;

        l->owner[c->owner].pages += n;
        if (c->depth != 0)
            continue;
        l->group_pages[kinds[o->kind].group] += n;
        if (o->kind == LEDGER_RESERVED)
            l->kept_usable_bytes += n * MM_PAGE;
        else if (o->kind == LEDGER_EDGE)
            l->kept_usable_bytes += n * o->detail;
    }
}

/*
 * Checks the claims: sorts them, cuts and reports overlaps, reports
 * pages that no claim of depth 0 covers, checks each deeper claim lies
 * in a holder and each holder that may not stand alone holds something,
 * and works out each owner's own pages.  Claims that failed (counted in
 * nerr) are one problem each.  Returns the number of problems; prints
 * one line per problem unless l->quiet.
 */
unsigned
ledger_settle(struct ledger *l)
{
    unsigned d, e;
    size_t i = 0;

    l->problems = 0;
    l->first_problem[0] = '\0';
    ledger_sort_claims(l->claim, l->nclaims);
    for (d = 0; d <= LEDGER_MAX_DEPTH; d++) {
        while (i < l->nclaims && l->claim[i].depth < d)
            i++;
        l->depth_at[d] = i;
    }
    for (d = 0; d < LEDGER_MAX_DEPTH; d++)
        clip_overlaps(l, l->depth_at[d], l->depth_at[d + 1]);
    count_claims(l);
    find_gaps(l);
    for (d = 1; d < LEDGER_MAX_DEPTH; d++)
        check_children(l, d);
    for (d = 0; d + 1 < LEDGER_MAX_DEPTH; d++)
        check_holders(l, d);
    for (e = LEDGER_OK + 1; e < LEDGER_ERR_COUNT; e++)
        if (l->nerr[e] != 0)
            ledger_complain(l, "ledger: %lu claims lost: %s", l->nerr[e],
                     ledger_err_name[e]);
    return l->problems;
}

/* ---- queries (the report: mm/ledger_report.c) ---------------------- */

/* The deepest settled claim that holds pfn, or NULL if none does. */
const struct ledger_claim *
ledger_find(const struct ledger *l, uint64_t pfn)
{
    const struct ledger_claim *c = NULL, *deeper;
    unsigned d;

    for (d = 0; d < LEDGER_MAX_DEPTH; d++)
        if ((deeper = find_at(l, d, pfn)) != NULL)
            c = deeper;
    return c;
}
