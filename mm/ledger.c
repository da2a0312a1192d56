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
 * Read after: mm/buddy.c, mm/kheap.c, mm/pool.c.  Tests: mm/ledger_test.c.
 */
#include "ledger.h"

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

MM_STATIC_ASSERT(LEDGER_MAX_OWNERS <= 0xFFFF, "owner index is 16 bits");

const char *const ledger_err_name[LEDGER_ERR_COUNT] = {
    [LEDGER_OK] = "ok",
    [LEDGER_ERR_RANGE] = "claim empty or outside the span",
    [LEDGER_ERR_FULL] = "claim table full",
    [LEDGER_ERR_OWNERS] = "owner table full",
};

static unsigned long
page_addr(uint64_t pfn)
{
    return (unsigned long)(pfn << MM_PAGE_SHIFT);
}

void
ledger_init(struct ledger *l, uint64_t first_pfn, uint64_t end_pfn,
            struct ledger_claim *table, size_t cap)
{
    mm_memset(l, 0, sizeof *l);
    l->first_pfn = first_pfn;
    l->end_pfn = end_pfn;
    l->claim = table;
    l->cap = cap;
}

/* ---- claims --------------------------------------------------------- */

/* The index of owner (kind, detail, name), added if new; -1 if full. */
static int
owner_index(struct ledger *l, enum ledger_kind kind, uint32_t detail,
            const char *name)
{
    unsigned i;

    for (i = 0; i < l->nowners; i++)
        if (l->owner[i].kind == kind && l->owner[i].detail == detail &&
            l->owner[i].name == name)
            return (int)i;
    if (l->nowners == LEDGER_MAX_OWNERS)
        return -1;
    l->owner[l->nowners] = (struct ledger_owner){ (uint8_t)kind, detail,
                                                  name, 0 };
    return (int)l->nowners++;
}

static enum ledger_err
ledger_fail(struct ledger *l, enum ledger_err err)
{
    l->nerr[err]++;
    return err;
}

/*
 * Records that owner (kind, detail, name) holds npages pages from
 * first_pfn.  Nothing is checked against the other claims yet (that is
 * ledger_settle's work).  Errors: LEDGER_ERR_RANGE for no pages or pages
 * outside the span, LEDGER_ERR_FULL, LEDGER_ERR_OWNERS; each is counted
 * and makes ledger_settle report a problem.
 */
enum ledger_err
ledger_claim(struct ledger *l, uint64_t first_pfn, uint64_t npages,
             enum ledger_kind kind, uint32_t detail, const char *name)
{
    int owner;

    if (kind >= LEDGER_KIND_COUNT || npages == 0 ||
        first_pfn < l->first_pfn || first_pfn >= l->end_pfn ||
        npages > l->end_pfn - first_pfn)
        return ledger_fail(l, LEDGER_ERR_RANGE);
    if (l->nclaims == l->cap)
        return ledger_fail(l, LEDGER_ERR_FULL);
    owner = owner_index(l, kind, detail, name);
    if (owner < 0)
        return ledger_fail(l, LEDGER_ERR_OWNERS);
    l->claim[l->nclaims++] = (struct ledger_claim){
        first_pfn, first_pfn + npages, (uint16_t)owner, kinds[kind].depth };
    return LEDGER_OK;
}

/* The same for the pages that [base, base + size_bytes) touches. */
enum ledger_err
ledger_claim_bytes(struct ledger *l, uintptr_t base, uint64_t size_bytes,
                   enum ledger_kind kind, uint32_t detail, const char *name)
{
    uint64_t first = (uint64_t)base >> MM_PAGE_SHIFT;
    uint64_t end = ((uint64_t)base + size_bytes + MM_PAGE - 1) >>
                   MM_PAGE_SHIFT;

    return ledger_claim(l, first, end - first, kind, detail, name);
}

/* ---- complaints ----------------------------------------------------- */

static void
fmt(char *buf, size_t size, const char *f, ...) MM_PRINTF(3, 4);

/* snprintf through the port. */
static void
fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    mm_vsnprintf(buf, size, f, ap);
    va_end(ap);
}

/*
 * Owner i in words, for complaints and the page query: "free buddy
 * block", "reserved (kernel image)", "kmalloc bucket page size 64",
 * "pool slab of "pool_cache"".
 */
void
ledger_describe(const struct ledger *l, unsigned i, char *buf, size_t size)
{
    const struct ledger_owner *o = &l->owner[i];
    const char *label = kinds[o->kind].label;

    switch (o->kind) {
    case LEDGER_RESERVED:
        fmt(buf, size, "%s (%s)", label, o->name ? o->name : "no reason");
        break;
    case LEDGER_POOL_SLAB:
        fmt(buf, size, "pool slab of \"%s\"", o->name ? o->name : "");
        break;
    case LEDGER_POOL_BAD:
        fmt(buf, size, "pool slab of \"%s\" with a bad header",
            o->name ? o->name : "");
        break;
    case LEDGER_KMALLOC_BUCKET:
    case LEDGER_KMALLOC_SLAB:
        fmt(buf, size, "%s size %lu", label, (unsigned long)o->detail);
        break;
    default:
        fmt(buf, size, "%s", label);
    }
}

/* Prints and counts one complaint; keeps the first one's text. */
static void
complain(struct ledger *l, const char *fmt, ...) MM_PRINTF(2, 3);

static void
complain(struct ledger *l, const char *fmt, ...)
{
    char line[sizeof l->first_problem];
    va_list ap;

    va_start(ap, fmt);
    mm_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (l->problems++ == 0)
        mm_memcpy(l->first_problem, line, sizeof line);
    if (!l->quiet)
        mm_print("%s\n", line);
}

static void
complain_none(struct ledger *l, uint64_t first, uint64_t end)
{
    complain(l, "ledger: page 0x%08lx has no owner (%llu pages from "
             "there)", page_addr(first), (unsigned long long)(end - first));
}

static void
complain_two(struct ledger *l, unsigned a, unsigned b, uint64_t first,
             uint64_t end)
{
    char da[96], db[96];

    ledger_describe(l, a, da, sizeof da);
    ledger_describe(l, b, db, sizeof db);
    complain(l, "ledger: page 0x%08lx has two owners: %s and %s (%llu "
             "pages from there)", page_addr(first), da, db,
             (unsigned long long)(end - first));
}

static void
complain_empty(struct ledger *l, unsigned holder, uint64_t first,
               uint64_t end)
{
    char d[96];

    ledger_describe(l, holder, d, sizeof d);
    complain(l, "ledger: page 0x%08lx has no owner inside %s (%llu pages "
             "from there)", page_addr(first), d,
             (unsigned long long)(end - first));
}

/* ---- sorting -------------------------------------------------------- */

static bool
claim_before(const struct ledger_claim *a, const struct ledger_claim *b)
{
    if (a->depth != b->depth)
        return a->depth < b->depth;
    if (a->first != b->first)
        return a->first < b->first;
    return a->owner < b->owner;     /* ties in a fixed order */
}

/* Moves claim i down the heap of n claims until its children are smaller. */
static void
sift_down(struct ledger_claim *c, size_t i, size_t n)
{
    for (;;) {
        size_t big = i, kid = 2 * i + 1;
        struct ledger_claim tmp;

        if (kid < n && claim_before(&c[big], &c[kid]))
            big = kid;
        if (kid + 1 < n && claim_before(&c[big], &c[kid + 1]))
            big = kid + 1;
        if (big == i)
            return;
        tmp = c[i];
        c[i] = c[big];
        c[big] = tmp;
        i = big;
    }
}

/* Heapsort by (depth, first, owner): in place, O(n log n), no recursion. */
static void
sort_claims(struct ledger_claim *c, size_t n)
{
    size_t i;

    for (i = n / 2; i-- > 0;)
        sift_down(c, i, n);
    for (i = n; i-- > 1;) {
        struct ledger_claim tmp = c[0];

        c[0] = c[i];
        c[i] = tmp;
        sift_down(c, 0, i);
    }
}

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
            complain_two(l, reacher, c->owner, c->first,
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
            complain_none(l, pos, c->first);
        if (c->end > pos)
            pos = c->end;
    }
    if (pos < l->end_pfn)
        complain_none(l, pos, l->end_pfn);
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
        complain_two(l, low->owner, child->owner, first, end);
    else
        complain_none(l, first, end);
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
                    complain_two(l, par->owner, c->owner, pos, stop);
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
                complain_empty(l, c->owner, pos, c->end);
                break;
            }
            if (kid->first > pos) {
                complain_empty(l, c->owner, pos, kid->first);
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
    sort_claims(l->claim, l->nclaims);
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
            complain(l, "ledger: %lu claims lost: %s", l->nerr[e],
                     ledger_err_name[e]);
    return l->problems;
}

/* ---- queries and the report ----------------------------------------- */

uint64_t
ledger_kind_pages(const struct ledger *l, enum ledger_kind kind)
{
    uint64_t n = 0;
    unsigned i;

    for (i = 0; i < l->nowners; i++)
        if (l->owner[i].kind == kind)
            n += l->owner[i].pages;
    return n;
}

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

static void
print_pages(const char *what, uint64_t pages)
{
    mm_print("ledger: %s %llu pages (%llu KiB)", what,
             (unsigned long long)pages,
             (unsigned long long)(pages * (MM_PAGE / 1024)));
}

/* One owner's line, e.g. "ledger: reserved 95 pages (380 KiB) kernel image". */
static void
print_owner(const struct ledger_owner *o)
{
    print_pages(kinds[o->kind].label, o->pages);
    if (o->kind == LEDGER_KMALLOC_BUCKET || o->kind == LEDGER_KMALLOC_SLAB)
        mm_print(" size %lu\n", (unsigned long)o->detail);
    else if (o->kind == LEDGER_KMALLOC_LARGE ||
             o->kind == LEDGER_KMALLOC_RUN)
        mm_print(" order %lu\n", (unsigned long)o->detail);
    else if (o->kind == LEDGER_EDGE)
        mm_print(", %lu bytes usable each\n", (unsigned long)o->detail);
    else if (o->name != NULL)
        mm_print(" %s\n", o->name);
    else
        mm_print("\n");
}

/*
 * The report, one fact per line: every owner with pages, in the order
 * of the kinds (the memory map's first, then the buddy's, then the
 * layers above); then the three figures the memory map's "memory:" line
 * gives (not usable, kept back with its usable part, free regions); then
 * the total and the number of problems.  Call after ledger_settle.
 */
void
ledger_print(const struct ledger *l)
{
    uint64_t total = 0;
    unsigned k, i;

    for (k = 0; k < LEDGER_KIND_COUNT; k++)
        for (i = 0; i < l->nowners; i++)
            if (l->owner[i].kind == k && l->owner[i].pages != 0) {
                print_owner(&l->owner[i]);
                total += l->owner[i].pages;
            }
    print_pages("not usable", l->group_pages[LEDGER_GROUP_NOT_USABLE]);
    mm_print("\n");
    print_pages("kept back", l->group_pages[LEDGER_GROUP_KEPT]);
    mm_print(", %llu KiB of it usable\n",
             (unsigned long long)(l->kept_usable_bytes >> 10));
    print_pages("free regions", l->group_pages[LEDGER_GROUP_FREE]);
    mm_print("\n");
    print_pages("total", total);
    mm_print(", %u problems\n", l->problems);
}
