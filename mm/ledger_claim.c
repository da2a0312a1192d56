/*
 * mm/ledger_claim.c - the page ledger's claim table: taking claims and
 * sorting them for ledger_settle (mm/ledger.c).
 *
 * Bounds: a claim is O(owners) to find its owner; the sort is a
 * heapsort, O(n log n) for n claims, with no recursion.
 * Metadata: the caller's claim table (see mm/ledger.c).
 * Read after: mm/ledger.h.  Tests: mm/ledger_test.c.
 */
#include "ledger_internal.h"

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
        first_pfn, first_pfn + npages, (uint16_t)owner, (uint8_t)ledger_kind_depth(kind) };
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
void
ledger_sort_claims(struct ledger_claim *c, size_t n)
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
