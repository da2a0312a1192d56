/*
 * mm/pool_report.c - the registry of live pools and their reports.
 *
 * Every pool joins a registry when it is created and leaves it when it
 * is destroyed, so that slabinfo can list them all, as Linux's
 * /proc/slabinfo does, and so that a pointer freed into the wrong pool
 * can be told from a wild one.  The registry is a list through the pool
 * descriptors (next_pool) with a lock of its own; a walk that looks
 * into another pool's slab table takes that pool's lock for the look.
 *
 * Invariant: a pool is in the registry exactly between its successful
 * init and its destroy.
 * Bounds: O(pools) per walk, O(pools x log slabs) to classify a foreign
 * pointer; O(slabs) per pool in a report.
 * Metadata: one pointer per pool.
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

/* Every live pool, newest first; the kernel's one registry. */
static struct {
    struct pool *first;
    struct mm_lock lock;
} registry;

void
pool_registry_add(struct pool *p)
{
    mm_lock(&registry.lock);
    p->next_pool = registry.first;
    registry.first = p;
    mm_unlock(&registry.lock);
}

void
pool_registry_remove(struct pool *p)
{
    struct pool **pp;

    mm_lock(&registry.lock);
    for (pp = &registry.first; *pp != NULL && *pp != p;
         pp = &(*pp)->next_pool)
        ;
    if (*pp == p)
        *pp = p->next_pool;
    mm_unlock(&registry.lock);
}

/*
 * The live pool after p in the registry (the newest for NULL), or NULL.
 * The registry's lock is held for the step only: a caller that walks the
 * registry must not destroy pools while it walks.
 */
struct pool *
pool_registry_next(const struct pool *p)
{
    struct pool *next;

    mm_lock(&registry.lock);
    next = p == NULL ? registry.first : p->next_pool;
    mm_unlock(&registry.lock);
    return next;
}

/* Is p in the registry of live pools?  O(pools). */
bool
pool_is_registered(const struct pool *p)
{
    const struct pool *q;
    bool found = false;

    mm_lock(&registry.lock);
    for (q = registry.first; q != NULL && !found; q = q->next_pool)
        found = q == p;
    mm_unlock(&registry.lock);
    return found;
}

/* Does a slab of q hold addr?  Looks under q's lock. */
static bool
pool_holds(struct pool *q, uintptr_t addr)
{
    bool held;

    mm_lock(&q->lock);
    held = mm_table_find(q->slab, q->nslabs, addr) != NULL;
    mm_unlock(&q->lock);
    return held;
}

/*
 * Why addr is in no slab of p: POOL_ERR_WRONG_POOL if a slab of another
 * live pool holds it, else POOL_ERR_FOREIGN.  Called with p locked; on
 * one CPU the locks nest (each turns interrupts off), and no two other
 * pools are ever locked at once.
 */
enum pool_err
pool_foreign_error(const struct pool *p, uintptr_t addr)
{
    struct pool *q;
    enum pool_err err = POOL_ERR_FOREIGN;

    mm_lock(&registry.lock);
    for (q = registry.first; q != NULL && err == POOL_ERR_FOREIGN;
         q = q->next_pool)
        if (q != p && pool_holds(q, addr))
            err = POOL_ERR_WRONG_POOL;
    mm_unlock(&registry.lock);
    return err;
}

size_t
pool_nobjs(const struct pool *p)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < p->nslabs; i++)
        n += pool_slab_at(p, i)->nobjs;
    return n;
}

size_t
pool_nslabs_active(const struct pool *p)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < p->nslabs; i++)
        n += pool_slab_at(p, i)->nfree < pool_slab_at(p, i)->nobjs;
    return n;
}

/*
 * Every live pool in the layout of Linux's /proc/slabinfo (version 2.1,
 * without the tunables Linux's per-CPU caches have).  pagesperslab is 0
 * for a static pool: its buffer is not from the page allocator.
 */
void
pool_print_slabinfo(void)
{
    const struct pool *p;

    mm_print("slabinfo - version: 2.1\n");
    mm_print("# name            <active_objs> <num_objs> <objsize> "
             "<objperslab> <pagesperslab> : slabdata <active_slabs> "
             "<num_slabs>\n");
    mm_lock(&registry.lock);
    for (p = registry.first; p != NULL; p = p->next_pool)
        mm_print("%-17s %6zu %6zu %6zu %4u %4u : slabdata %6zu %6u\n",
                 p->name, p->active, pool_nobjs(p), p->objsize,
                 p->objs_per_slab, p->src ? 1u << p->slab_order : 0u,
                 pool_nslabs_active(p), p->nslabs);
    mm_unlock(&registry.lock);
}

/*
 * p's counters, one fact per line: "pool: NAME: A allocations, F frees,
 * M out of memory", then "pool: NAME: error REASON N" for every error.
 */
void
pool_print_errors(const struct pool *p)
{
    mm_print("pool: %s: %lu allocations, %lu frees, %lu out of memory\n",
             p->name, p->nallocs, p->nfrees, p->nerr[POOL_NOMEM]);
    mm_err_print("pool: ", p->name, pool_err_name, p->nerr, POOL_NOMEM + 1,
                 POOL_ERR_COUNT, 22);
}

/* The counters of every live pool, in slabinfo order. */
void
pool_print_all_errors(void)
{
    const struct pool *p;

    mm_lock(&registry.lock);
    for (p = registry.first; p != NULL; p = p->next_pool)
        pool_print_errors(p);
    mm_unlock(&registry.lock);
}
