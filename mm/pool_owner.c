/*
 * mm/pool_owner.c - what the pools' books say they hold, for the page
 * ledger (mm/ledger.c).
 *
 * A growing pool's lists say where its slabs are; each slab is the 2^order
 * pages from its header on.  The ledger gets the slab's pages at depth 1,
 * inside the page allocator's block, when the header is the pool's; when
 * it is not (magic or owning pool overwritten) the slab's pages are
 * claimed by a "slab with a bad header", which may own nothing: the
 * ledger then names them as pages with no owner.
 *
 * Invariant: reads only.
 * Bounds: O(slabs) per pool; pool_slab_of O(pools).
 * Metadata: none.
 * Read after: mm/pool.c, mm/ledger.c.  Tests: mm/ledger_test.c.
 */
#include "ledger.h"
#include "pool.h"

static void
claim_slab(const struct pool *p, const struct slab *s, struct ledger *l)
{
    bool ok = s->magic == SLAB_MAGIC && s->cache == p;

    ledger_claim_bytes(l, (uintptr_t)s, MM_PAGE << p->geom.order,
                       ok ? LEDGER_POOL_SLAB : LEDGER_POOL_BAD, 0, p->name);
}

void
pool_claim(const struct pool *p, struct ledger *l)
{
    const struct slab *s;
    size_t i;

    if (p->src == NULL)
        return;
    for (i = 0; (s = pool_slab_at(p, i)) != NULL; i++)
        claim_slab(p, s, l);
}

void
pool_claim_all(struct ledger *l)
{
    const struct pool *p;

    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        pool_claim(p, l);
}

/*
 * The live slab of a growing pool that holds addr, and its pool, or
 * NULL: each pool's page source is asked for addr's owner byte, and a
 * slab of the pool's order is then read from its header.
 */
const struct slab *
pool_slab_of(uintptr_t addr, const struct pool **pp)
{
    const struct pool *p;
    const uint8_t *own;
    const struct slab *s;

    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p)) {
        if (p->src == NULL)
            continue;
        own = mm_pagesrc_owner(p->src, (const void *)addr);
        if (own == NULL || *own != (MM_OWNER_SLAB | p->geom.order))
            continue;
        s = slab_of((const void *)addr, p->geom.order);
        if (s->magic == SLAB_MAGIC && s->cache == p) {
            *pp = p;
            return s;
        }
    }
    return NULL;
}
