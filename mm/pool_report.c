/*
 * mm/pool_report.c - the registry of live pools and their reports.
 *
 * Every pool joins a registry when it is created and leaves it when it
 * is destroyed, so that slabinfo can list them all, as Linux's
 * /proc/slabinfo does, and so that a pointer freed into the wrong pool
 * can be told from a wild one.  The registry is a list through the pool
 * descriptors (next_pool) with a lock of its own; a walk that looks
 * into another pool's slabs takes that pool's lock for the look.  The
 * page allocator's reclaim hook walks it too, trimming each pool.
 *
 * Invariant: a pool is in the registry exactly between its successful
 * init and its destroy.
 * Bounds: O(pools) per walk and to classify a foreign pointer; O(slabs)
 * per pool in a report.
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

/*
 * p's slab that holds addr, or NULL: for a static pool its slab if addr
 * is in the buffer; for a growing pool the slab whose pages hold addr,
 * found as pool_free finds it (owner byte, then header).
 */
struct slab *
pool_holder(const struct pool *p, uintptr_t addr)
{
    const uint8_t *own;
    struct slab *s;

    if (p->src == NULL)
        return addr - p->static_slab.base < pool_slab_bytes(p) ?
               (struct slab *)&p->static_slab : NULL;
    own = mm_pagesrc_owner(p->src, (const void *)addr);
    if (own == NULL || *own != (MM_OWNER_SLAB | p->geom.order))
        return NULL;
    s = slab_of((const void *)addr, p->geom.order);
    return s->magic == SLAB_MAGIC && s->cache == p ? s : NULL;
}

/* Does a slab of q hold addr?  Looks under q's lock. */
static bool
pool_holds(struct pool *q, uintptr_t addr)
{
    bool held;

    mm_lock(&q->lock);
    held = pool_holder(q, addr) != NULL;
    mm_unlock(&q->lock);
    return held;
}

/*
 * Why addr is in no slab of p: POOL_ERR_WRONG_POOL if a slab of another
 * live pool holds it, else POOL_ERR_FOREIGN.  Called with p locked; on
 * one CPU the locks nest (each turns interrupts off), and no two other
 * pools are ever locked at once.
 */
static enum pool_err
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

/*
 * Classifies and counts a free that pool_free refused: NULL; an address
 * in no slab of p (another pool's, or nobody's); else what the slab said
 * (misaligned, double free).
 */
enum pool_err
pool_refuse(struct pool *p, uintptr_t addr, enum slab_err err)
{
    enum pool_err perr;

    if (addr == 0)
        perr = POOL_ERR_NULL;
    else if (pool_holder(p, addr) == NULL)
        perr = pool_foreign_error(p, addr);
    else if (err == SLAB_DOUBLE_FREE)
        perr = POOL_ERR_DOUBLE_FREE;
    else
        perr = POOL_ERR_MISALIGNED;
    pool_fail(p, perr, addr);
    mm_unlock(&p->lock);
    return perr;
}

void
pool_trace_switched(void)
{
    struct pool *p;

    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p)) {
        unsigned flags = p->flags & ~POOL_TRACED;

        if (mm_switch.trace & MM_TRACE_POOL)
            flags |= POOL_TRACED;
        pool_set_flags(p, flags);
    }
}

/*
 * The page allocator's reclaim hook: trims every live pool, one at a
 * time (each under its own lock, none held while pages go back).
 * Returns the pages given back.
 */
size_t
pool_reclaim_all(void *arg)
{
    struct pool *p;
    size_t pages = 0;

    (void)arg;
    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        if (p->src != NULL)
            pages += pool_trim(p);
    return pages;
}

/* ---- address arithmetic and counts, for tests and reports ----------- */

size_t
pool_index_of(const struct slab *s, const void *obj)
{
    const struct pool *p = s->cache;

    return slab_index(s, &p->geom, (uintptr_t)obj);
}

void *
pool_object_at(const struct slab *s, size_t index)
{
    const struct pool *p = s->cache;

    return slab_object(s, &p->geom, (uint32_t)index);
}

bool
pool_is_free(const struct slab *s, size_t index)
{
    return mm_bitmap_test(s->freemap, index);
}

/*
 * The i-th slab of p, counting the partial list, then the full list,
 * then the cached slab; NULL past the end.  O(i): for tests and reports.
 */
struct slab *
pool_slab_at(const struct pool *p, size_t i)
{
    const struct mm_list *heads[2] = { &p->partial, &p->full };
    const struct mm_list *l;
    unsigned h;

    for (h = 0; h < 2; h++)
        for (l = heads[h]->next; l != heads[h]; l = l->next)
            if (i-- == 0)
                return slab_of_link((struct mm_list *)l);
    return i == 0 ? p->cached : NULL;
}

size_t
pool_nobjs(const struct pool *p)
{
    return p->nslabs * p->geom.nobjs;
}

/* How many of p's parked objects slab s holds.  O(POOL_NPARKED). */
uint32_t
pool_parked_in(const struct pool *p, const struct slab *s)
{
    uint32_t n = 0;
    unsigned k;

    for (k = 0; k < p->nparked && k < POOL_NPARKED; k++)
        n += pool_holder(p, (uintptr_t)p->parked[k]) == s;
    return n;
}

/* Objects of slab s in use: neither free in its count nor parked. */
uint32_t
pool_slab_in_use(const struct pool *p, const struct slab *s)
{
    return p->geom.nobjs - s->nfree - pool_parked_in(p, s);
}

/* Slabs with an object in use (a parked object counts as free).
 * O(slabs x POOL_NPARKED): for tests and reports. */
size_t
pool_nslabs_active(const struct pool *p)
{
    const struct mm_list *heads[2] = { &p->partial, &p->full };
    const struct mm_list *l;
    size_t n = 0, steps = 0;
    unsigned h;

    for (h = 0; h < 2; h++)
        for (l = heads[h]->next; l != heads[h] && steps++ < p->nslabs;
             l = l->next)
            n += pool_slab_in_use(p, slab_of_link((struct mm_list *)l)) != 0;
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
        mm_print("%-17s %6zu %6zu %6zu %4u %4u : slabdata %6zu %6zu\n",
                 p->name, pool_active(p), pool_nobjs(p), p->geom.size,
                 p->geom.nobjs, p->src ? 1u << p->geom.order : 0u,
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
             p->name, p->nallocs, pool_nfrees(p),
             p->nerr[POOL_NOMEM]);
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
