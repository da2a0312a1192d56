/*
 * mm/pool.c - fixed-size object pools: the algorithm.
 *
 * When a kernel allocates thousands of objects of one size, a pool beats
 * a general heap: no size to look up, no rounding, and objects can be
 * kept constructed between uses (Bonwick's object caching, 1994).
 *
 * A pool is a cache of slabs (mm/slab.h): runs of equal objects, each
 * with a free table of one bit per object and a free list through the
 * free objects.  A growing pool's slab is 2^order pages from its page
 * source, aligned to its size, with its header at its start:
 *
 *   | struct slab | free table (bits) | pad | obj 0 | obj 1 | ... |
 *
 * so the slab of an object is its address rounded down to the slab's
 * size: with 1-page slabs, object 0x00203118 is in the slab at
 * 0x00203000.  Before that header is read, the page's owner byte (kept
 * by the page source, mm/pagesrc.h) must say "slab of this order": a
 * wild pointer is refused without reading the memory it points at.
 * A static pool has one slab over the caller's buffer, its header in
 * struct pool.
 *
 * The pool keeps its slabs on two lists and one spare:
 *
 *   partial: slabs with a free object   - alloc takes from the first
 *   full:    slabs with none            - a free moves one to partial
 *   cached:  one completely free slab   - on neither list; grow takes
 *            it before asking the page source, trim gives it back
 *
 * This file holds take, put, grow and return.  Beside it: creation,
 * constructors and destroy (mm/pool_init.c); zeroing, poisoning, traces
 * and errors (mm/pool_debug.c, through one test of p->flags and one
 * call per event); slabinfo, counters, the registry of live pools and
 * the classification of a refused free (mm/pool_report.c); the checker
 * (mm/pool_check.c).
 *
 * Invariant: the invariant of each slab (mm/slab.h); a slab of p is on
 * p->partial when it has a free object and is not cached, on p->full
 * when it has none; at most one slab is cached and all its objects are
 * free; every page of a growing pool's slab has the owner byte
 * MM_OWNER_SLAB | order; active counts the objects handed out.
 * Bounds: alloc and free are O(1): no search, no division, one owner
 * byte and one header read to find a slab.  Growth is one page-source
 * call plus O(2^order) owner bytes, limited only by the source's free
 * pages; returning a slab is the same.  Classifying a refused free
 * (cold) looks at every live pool.
 * Metadata: per slab sizeof(struct slab) and 1 bit per object (a
 * 32-bit word at least), both inside the slab; per pool struct pool
 * (the pool.sizes test prints both); the page source's owner byte per
 * page.  A pool with a constructor pays one more word per object for
 * its link.
 * Read after: mm/slab.h, mm/pagesrc.h.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

/* ---- growing and returning slabs ------------------------------------ */

/* Writes owner into the owner byte of each page of p's slab at mem. */
static void
mark_pages(const struct pool *p, void *mem, uint8_t owner)
{
    size_t i;

    for (i = 0; i < (size_t)1 << p->geom.order; i++)
        *mm_pagesrc_owner(p->src, (uint8_t *)mem + i * MM_PAGE) = owner;
}

/*
 * A slab with a free object, put on p's partial list (p locked): the
 * cached one, or a new one from the page source.  The source is asked
 * with p unlocked, since a page allocator short of pages calls the
 * reclaim hook (pool_reclaim_all), which locks each pool in turn.
 * NULL when there is none to be had (a static pool never has one).
 */
static struct slab *
pool_grow(struct pool *p)
{
    struct slab *s = p->cached;
    void *mem;

    if (s != NULL) {
        p->cached = NULL;
    } else {
        if (p->src == NULL)
            return NULL;
        mm_unlock(&p->lock);
        mem = mm_pagesrc_alloc(p->src, p->geom.order);
        mm_lock(&p->lock);
        if (mem == NULL)
            return NULL;
        mark_pages(p, mem, (uint8_t)(MM_OWNER_SLAB | p->geom.order));
        s = slab_carve(mem, &p->geom, p);
        if (p->flags & POOL_POISON)
            pool_aid_grow(p, s);
        p->nslabs++;
        pool_trace(p, "grow", (uintptr_t)mem);
    }
    mm_list_push(&p->partial, &s->link);
    return s;
}

/*
 * Gives back slab s of growing pool p, already off p's lists and count:
 * its header dies, its owner bytes are cleared, its pages go back to the
 * page source.  Called with p unlocked (see pool_grow).
 */
void
pool_slab_release(struct pool *p, struct slab *s)
{
    s->magic = 0;
    mark_pages(p, s, MM_OWNER_NONE);
    pool_trace(p, "return", (uintptr_t)s);
    mm_pagesrc_free(p->src, s, p->geom.order);
}

/* Gives the cached empty slab back to the page source; 0 if none. */
size_t
pool_trim(struct pool *p)
{
    struct slab *s;

    mm_lock(&p->lock);
    s = p->cached;
    p->cached = NULL;
    p->nslabs -= s != NULL;
    mm_unlock(&p->lock);
    if (s == NULL)
        return 0;
    pool_slab_release(p, s);
    return (size_t)1 << p->geom.order;
}

/* ---- take and put --------------------------------------------------- */

/*
 * The rest of an alloc that left the fast path, p locked: obj is the
 * object slab_pop took from s, or NULL when it took none (the slab's
 * list is empty or broken: slab_take carves or repairs) or when there
 * is no slab (s is the list head: grow).  Then the slab moves to the
 * full list if it is full, and the aids run.  Unlocks p.
 */
static __attribute__((noinline)) void *
alloc_slow(struct pool *p, struct slab *s, void *obj)
{
    if (obj == NULL) {
        if (&s->link == &p->partial && (s = pool_grow(p)) == NULL) {
            p->nerr[POOL_NOMEM]++;
            mm_unlock(&p->lock);
            return NULL;
        }
        obj = slab_take(s, &p->geom);
        MM_ASSERT(obj != NULL);         /* s was on the partial list */
    }
    p->nallocs++;
    p->active++;
    if (s->nfree == 0) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->full, &s->link);
    }
    if (p->flags != 0)
        pool_aid_alloc(p, obj);
    mm_unlock(&p->lock);
    return obj;
}

/*
 * An object, or NULL when the pool is exhausted and no slab can be had
 * (counted as nomem; a static pool's allocation N+1 ends here).
 */
void *
pool_alloc(struct pool *p)
{
    struct slab *s;
    void *obj = NULL;

    mm_lock(&p->lock);
    /* LAB: pool_alloc */
    s = slab_of_link(p->partial.next);
    if (&s->link != &p->partial)
        obj = slab_pop(s, &p->geom);
    if (MM_UNLIKELY(obj == NULL || s->nfree == 0 || p->flags != 0))
        return alloc_slow(p, s, obj);
    p->nallocs++;
    p->active++;
    /* LAB END */
    mm_unlock(&p->lock);
    return obj;
}

/*
 * The rest of a free that left the fast path, p locked: a slab that was
 * full goes back on the partial list; a growing pool's slab that is now
 * all free leaves it, to be kept as the cache or, if a slab is cached
 * already, returned once p is unlocked; and the aids run.  Unlocks p.
 */
static __attribute__((noinline)) enum pool_err
free_slow(struct pool *p, struct slab *s, void *obj)
{
    struct slab *gone = NULL;

    if (p->flags != 0)
        pool_aid_free(p, obj);
    if (s->nfree == 1) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->partial, &s->link);
    }
    if (s->nfree == p->geom.nobjs && p->src != NULL) {
        mm_list_unlink(&s->link);
        if (p->cached == NULL) {
            p->cached = s;
        } else {
            p->nslabs--;
            gone = s;
        }
    }
    mm_unlock(&p->lock);
    if (gone != NULL)
        pool_slab_release(p, gone);
    return POOL_OK;
}

/* Puts obj back into s, which may hold it (p locked; unlocks p). */
static MM_INLINE enum pool_err
put_object(struct pool *p, struct slab *s, void *obj)
{
    enum slab_err err = SLAB_MISALIGNED;

    if (s != NULL)
        err = slab_put(s, &p->geom, obj);
    if (MM_UNLIKELY(err != SLAB_OK))
        return pool_refuse(p, (uintptr_t)obj, err);
    p->active--;
    if (MM_UNLIKELY(s->nfree == 1 || s->nfree == p->geom.nobjs ||
                    p->flags != 0))
        return free_slow(p, s, obj);
    mm_unlock(&p->lock);
    return POOL_OK;
}

/*
 * Free into a growing pool (p locked; unlocks p): obj's slab is the
 * header at obj rounded down to the slab size, once the owner byte of
 * obj's page says it is a slab of p's order and the header says it is
 * p's; else there is none (put_object has pool_refuse say why).
 */
static __attribute__((noinline)) enum pool_err
free_growing(struct pool *p, void *obj)
{
    const uint8_t *own = mm_pagesrc_owner(p->src, obj);
    struct slab *s = slab_of(obj, p->geom.order);

    if (own == NULL || *own != (MM_OWNER_SLAB | p->geom.order) ||
        s->magic != SLAB_MAGIC || s->cache != p)
        s = NULL;
    return put_object(p, s, obj);
}

/*
 * Gives obj back.  Errors (nothing changed but a counter): POOL_ERR_NULL,
 * _FOREIGN, _WRONG_POOL, _MISALIGNED, _DOUBLE_FREE.  A static pool has
 * one slab, and slab_put checks that obj is in it.
 */
enum pool_err
pool_free(struct pool *p, void *obj)
{
    mm_lock(&p->lock);
    if (p->src != NULL)
        return free_growing(p, obj);
    return put_object(p, &p->static_slab, obj);
}
