/*
 * mm/pool_check.c - the pool checker: walks all of a pool's state.
 *
 * pool_check compares what the fast path keeps in step: each slab's
 * free table, free list, carve mark and count; the slab table's order;
 * the partial list (exactly the slabs with a free object, no loop); and
 * the pool's active count.  Each violation is printed
 * ("pool: check: WHAT at 0xADDR (pool NAME)") and counted in a verdict,
 * which keeps the first so a test can assert which one a corruption
 * caused.
 *
 * Invariant: none of its own; it reads and changes nothing.
 * Bounds: O(slabs x objects per slab), under the pool's lock.
 * Metadata: none.
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

static unsigned
check_fail(const struct pool *p, struct mm_verdict *v, const char *what,
           uintptr_t addr)
{
    mm_print("pool: check: %s at 0x%08lx (pool %s)\n", what,
             (unsigned long)addr, p->name);
    return mm_verdict_add(v, what, addr);
}

/* One slab: free list, free table, carve mark and count agree. */
static unsigned
check_slab(const struct pool *p, const struct pool_slab *s, size_t *nfree,
           struct mm_verdict *v)
{
    unsigned listed = 0, i;
    const uint8_t *obj;

    if (s->magic != POOL_SLAB_MAGIC || s->pool != p)
        return check_fail(p, v, "slab header", s->mem.first);
    for (obj = s->freelist; obj != NULL && listed <= s->nobjs;
         obj = *link_of(p, (void *)obj)) {
        size_t idx = pool_index_of(s, obj);

        if (idx >= s->ncarved || !pool_is_free(s, idx))
            return check_fail(p, v, "bad free-list entry", (uintptr_t)obj);
        listed++;
    }
    for (i = s->ncarved; i < s->nobjs; i++)
        if (!pool_is_free(s, i))
            return check_fail(p, v, "uncarved object in use", s->mem.first);
    if (mm_bitmap_count(s->freemap, s->nobjs) != s->nfree ||
        listed + (s->nobjs - s->ncarved) != s->nfree)
        return check_fail(p, v, "free count, list and table differ",
                          s->mem.first);
    *nfree += s->nfree;
    return 0;
}

/*
 * The partial list holds exactly the slabs with a free object.  A walk
 * of more than nslabs links must have met one twice: the list loops.
 * Otherwise every entry is a distinct slab, so if each has a free object
 * and they number as many as the slabs with one, no slab is missing.
 */
static unsigned
check_partial(const struct pool *p, struct mm_verdict *v)
{
    const struct mm_list *l;
    unsigned listed = 0, want = 0, i;

    for (l = p->partial.next; l != &p->partial; l = l->next) {
        const struct pool_slab *s = slab_of_link((struct mm_list *)l);

        if (++listed > p->nslabs)
            return check_fail(p, v, "partial list loops", 0);
        if (s->nfree == 0)
            return check_fail(p, v, "full slab on the partial list",
                              s->mem.first);
    }
    for (i = 0; i < p->nslabs; i++)
        want += pool_slab_at(p, i)->nfree > 0;
    if (listed != want)
        return check_fail(p, v, "slab with free objects off the partial "
                          "list", 0);
    return 0;
}

/*
 * Walks every slab of p; checks the slab table is sorted, each slab's
 * free table against its list and count, the partial list, and the
 * pool's totals.  Prints each violation; returns how many, and records
 * the first in v.
 */
unsigned
pool_check_verdict(struct pool *p, struct mm_verdict *v)
{
    size_t nfree = 0;
    unsigned i;

    *v = (struct mm_verdict){ 0 };
    mm_lock(&p->lock);
    if (!mm_table_sorted(p->slab, p->nslabs))
        check_fail(p, v, "slab table unsorted", 0);
    for (i = 0; i < p->nslabs; i++)
        check_slab(p, pool_slab_at(p, i), &nfree, v);
    check_partial(p, v);
    if (pool_nobjs(p) - nfree != p->active)
        check_fail(p, v, "active count differs from the slabs", 0);
    mm_unlock(&p->lock);
    return v->nbad;
}

unsigned
pool_check(struct pool *p)
{
    struct mm_verdict v;

    return pool_check_verdict(p, &v);
}
