/*
 * mm/pool_picture.c - a pool drawn slab by slab, each slab a row of
 * cells (mm/slab_picture.c), with its free-list order on request.
 *
 *     pool: inode: 3 of 38 objects in use, 2 slabs of 19, 204 bytes each
 *     pool: legend # in use  . free  - not carved yet
 *     pool: inode slab 0x00002000 partial: 3 of 19 in use
 *     pool: |##.#---------------|
 *     pool: inode slab 0x00007000 cached: 0 of 19 in use
 *     pool: |...................|
 *
 * Slabs come in the order of the pool's books: the partial list (alloc
 * takes from its first slab), the full list, then the cached empty slab.
 * With the order shown, the objects parked in the pool's array come
 * first, newest first, since the next allocations hand them out before
 * any slab's free list (their cells show them free):
 *
 *     pool: inode parked, newest first: 1 of 16
 *     pool: parked: object 2 of slab 0x00002000
 *
 * Invariant: reads only, under the pool's lock; counts nothing.
 * Bounds: O(slabs x objects per slab + POOL_NPARKED); each list is
 * followed at most as
 * many steps as the pool holds slabs.  A report, not an operation.
 * Metadata: none.
 * Read after: mm/pool.c, mm/slab_picture.c.  Tests: mm/pool_picture_test.c.
 */
#include "pool_internal.h"

/* "pool: NAME slab ADDR LIST: U of N in use", then its cells. */
static void
print_slab(const struct pool *p, const struct slab *s, const char *list,
           bool show_order)
{
    mm_print("pool: %s slab 0x%08lx %s: %u of %u in use\n", p->name,
             (unsigned long)pool_slab_start(p, s), list,
             (unsigned)pool_slab_in_use(p, s), p->geom.nobjs);
    slab_print_cells("pool:", s, &p->geom, show_order);
}

/* The slabs on one of p's lists, at most p->nslabs of them. */
static void
print_list(const struct pool *p, const struct mm_list *head,
           const char *list, bool show_order)
{
    const struct mm_list *l;
    size_t n = 0;

    for (l = head->next; l != head && n < p->nslabs; l = l->next, n++)
        print_slab(p, slab_of_link((struct mm_list *)l), list, show_order);
}

/* The parked objects, newest (the next alloc's) first. */
static void
print_parked(const struct pool *p)
{
    unsigned k;

    mm_print("pool: %s parked, newest first: %u of %u\n", p->name,
             p->nparked, POOL_NPARKED);
    for (k = p->nparked; k-- > 0 && k < POOL_NPARKED; ) {
        uintptr_t obj = (uintptr_t)p->parked[k];
        const struct slab *s = pool_holder(p, obj);

        if (s == NULL)
            mm_print("pool: parked: 0x%08lx, in no slab of %s\n",
                     (unsigned long)obj, p->name);
        else
            mm_print("pool: parked: object %lu of slab 0x%08lx\n",
                     (unsigned long)slab_index(s, &p->geom, obj),
                     (unsigned long)pool_slab_start(p, s));
    }
}

/*
 * Prints p's summary line, the legend and every slab as cells; with
 * show_order the parked objects, each slab's free list and the objects
 * still to carve: the order in which allocations will hand them out.
 */
void
pool_print_picture(struct pool *p, bool show_order)
{
    mm_lock(&p->lock);
    mm_print("pool: %s: %zu of %zu objects in use, %zu %s%s of %u, %zu "
             "bytes each\n", p->name, pool_active(p), pool_nobjs(p), p->nslabs,
             p->src == NULL ? "static slab" : "slab",
             p->nslabs == 1 ? "" : "s", p->geom.nobjs, p->geom.size);
    mm_print("pool: legend %s\n", slab_picture_legend);
    if (show_order)
        print_parked(p);
    print_list(p, &p->partial, "partial", show_order);
    print_list(p, &p->full, "full", show_order);
    if (p->cached != NULL)
        print_slab(p, p->cached, "cached", show_order);
    mm_unlock(&p->lock);
}
