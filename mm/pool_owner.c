/*
 * mm/pool_owner.c - what the pools' books say they hold, for the page
 * ledger (mm/ledger.c).
 *
 * A growing pool's slab table (struct pool) says where its slabs are;
 * each slab's header, at the start of the slab's own pages, says where
 * the slab ends.  The ledger gets the slab's pages at depth 1, inside
 * the page allocator's block, when the two agree; when the header is
 * not the pool's (magic, back pointer or start overwritten) the slab's
 * pages are claimed by a "slab with a bad header", which may own
 * nothing: the ledger then names them as pages with no owner.
 *
 * Invariant: reads only.
 * Bounds: O(slabs) per pool; pool_slab_of O(pools x log slabs).
 * Metadata: none.
 * Read after: mm/pool.c, mm/ledger.c.  Tests: mm/ledger_test.c.
 */
#include "ledger.h"
#include "pool.h"

static bool
header_ok(const struct pool *p, const struct pool_slab *s)
{
    return s->magic == POOL_SLAB_MAGIC && s->pool == p &&
           s->mem.first == (uintptr_t)s && s->mem.last > s->mem.first;
}

void
pool_claim(const struct pool *p, struct ledger *l)
{
    unsigned i;

    if (p->src == NULL)
        return;
    for (i = 0; i < p->nslabs; i++) {
        const struct pool_slab *s = pool_slab_at(p, i);

        if (header_ok(p, s))
            ledger_claim_bytes(l, s->mem.first,
                               s->mem.last - s->mem.first + 1,
                               LEDGER_POOL_SLAB, 0, p->name);
        else
            ledger_claim_bytes(l, (uintptr_t)s, MM_PAGE << p->slab_order,
                               LEDGER_POOL_BAD, 0, p->name);
    }
}

void
pool_claim_all(struct ledger *l)
{
    const struct pool *p;

    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        pool_claim(p, l);
}

/* The slab of p whose memory holds addr (binary search), or NULL. */
static const struct pool_slab *
find_slab(const struct pool *p, uintptr_t addr)
{
    unsigned lo = 0, hi = p->nslabs;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct pool_slab *s = pool_slab_at(p, mid);

        if (addr < s->mem.first)
            hi = mid;
        else if (addr > s->mem.last)
            lo = mid + 1;
        else
            return s;
    }
    return NULL;
}

const struct pool_slab *
pool_slab_of(uintptr_t addr, const struct pool **pp)
{
    const struct pool *p;
    const struct pool_slab *s;

    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        if (p->src != NULL && (s = find_slab(p, addr)) != NULL) {
            *pp = p;
            return s;
        }
    return NULL;
}
