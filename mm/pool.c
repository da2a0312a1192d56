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
 *   | struct slab (free table inside) | pad | obj 0 | obj 1 | ... |
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
 *   partial: slabs with a free object   - alloc refills from the first
 *   full:    slabs with none            - listing one moves it back
 *   cached:  one completely free slab   - on neither list; grow takes
 *            it before asking the page source, trim gives it back
 *
 * and in front of them an array of up to POOL_NPARKED objects freed
 * last, parked (mm/slab.h): free in their slab's table, on no list.
 * pool_free checks the object, sets its bit and pushes it; pool_alloc
 * pops the newest and clears its bit with one AND (its word and mask
 * were kept at free time).  No link is followed there, and the array is
 * out of the objects' reach.  A full array is listed on the slabs (a
 * run of one slab's objects at a time, settled once); an empty one is
 * refilled from the first partial slab's list, each link checked.  A
 * pool with an aid on parks nothing (park_max 0), so one compare on the
 * free path covers "array full" and "aids on".
 *
 * This file holds alloc and free through the array, take, put, grow
 * and return; the array's edges (listing, refill, flush, trim) are
 * mm/pool_park.c.  Beside them: creation,
 * constructors and destroy (mm/pool_init.c); zeroing, poisoning, traces
 * and errors (mm/pool_debug.c, through one test of p->flags and one
 * call per event); slabinfo, counters, the registry of live pools and
 * the classification of a refused free (mm/pool_report.c); the checker
 * (mm/pool_check.c).
 *
 * Invariant: the invariant of each slab (mm/slab.h); a slab of p is on
 * p->partial when its count (nfree) has a free object and it is not
 * cached, on p->full when it has none; at most one slab is cached and
 * all its objects are free; parked[0..nparked-1] are distinct objects
 * of p's slabs, their bits set, nparked <= park_max (POOL_NPARKED, or 0
 * while an aid is on); every page of a growing pool's slab has the
 * owner byte MM_OWNER_SLAB | order; ntaken is the sum of nobjs - nfree
 * over the slabs, and the objects in use are ntaken - nparked.
 * Bounds: alloc and free are O(1): no search, no division, one owner
 * byte and one header read to find a slab; a refill or a full array
 * moves at most POOL_NPARKED objects.  Growth is one page-source call
 * plus O(2^order) owner bytes, limited only by the source's free pages;
 * returning a slab is the same.  Memory held beyond the objects in use:
 * at most POOL_NPARKED slabs kept only by parked objects, plus the one
 * cached slab; pool_flush lists the parked objects, and pool_trim,
 * pool_destroy and the reclaim hook flush before giving slabs back.
 * Classifying a refused free (cold) looks at every live pool.
 * Metadata: per slab sizeof(struct slab), the free table of up to 224
 * objects included, past that 1 bit per object after it, inside the
 * slab; per pool struct pool, the array's three words per entry
 * included (the pool.sizes test prints both); the page source's owner
 * byte per page.  A pool with a constructor pays one more word per
 * object for its link.
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

/* ---- alloc ---------------------------------------------------------- */

/* Hands out the newest parked object (p locked, nparked > 0). */
static MM_INLINE void *
unpark_newest(struct pool *p)
{
    unsigned k = --p->nparked;

    *p->parked_word[k] &= p->parked_keep[k];    /* slab_unpark */
    return p->parked[k];
}

/*
 * An object from the slabs (p locked, nothing parked): slab_take from
 * the first partial slab (it pops, carves or repairs the list), or from
 * a slab pool_grow puts there; NULL when there is none.  A slab left
 * without a free object moves to the full list.
 */
static void *
take_from_slabs(struct pool *p)
{
    struct slab *s = slab_of_link(p->partial.next);
    void *obj;

    if (&s->link == &p->partial && (s = pool_grow(p)) == NULL)
        return NULL;
    obj = slab_take(s, &p->geom);
    MM_ASSERT(obj != NULL);             /* s was on the partial list */
    p->ntaken++;
    if (s->nfree == 0) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->full, &s->link);
    }
    return obj;
}

/*
 * The rest of an alloc that left the fast path, p locked: nothing is
 * parked.  Without aids the array is refilled from the first partial
 * slab's free list and hands out its top; else, or when that list is
 * empty or broken, the object comes from the slabs one at a time
 * (carved, repaired or grown); then the aids run.  Unlocks p.
 */
static __attribute__((noinline)) void *
alloc_slow(struct pool *p)
{
    struct slab *s = slab_of_link(p->partial.next);
    void *obj;

    if (p->flags == 0 && &s->link != &p->partial && pool_refill(p, s) != 0)
        obj = unpark_newest(p);
    else if ((obj = take_from_slabs(p)) == NULL) {
        p->nerr[POOL_NOMEM]++;
        mm_unlock(&p->lock);
        return NULL;
    }
    p->nallocs++;
    if (p->flags != 0)
        pool_aid_alloc(p, obj);
    mm_unlock(&p->lock);
    return obj;
}

/*
 * An object, or NULL when the pool is exhausted and no slab can be had
 * (counted as nomem; a static pool's allocation N+1 ends here).  The
 * fast path hands out the object freed last: a pop and one AND.  (A
 * pool with an aid on parks nothing, so it always takes the slow path.)
 */
void *
pool_alloc(struct pool *p)
{
    void *obj;

    mm_lock(&p->lock);
    if (MM_UNLIKELY(p->nparked == 0))
        return alloc_slow(p);
    obj = unpark_newest(p);
    p->nallocs++;
    mm_unlock(&p->lock);
    return obj;
}

/* ---- free ----------------------------------------------------------- */

/* Puts obj on the array (p locked, room for it, its bit set). */
static MM_INLINE void
push_parked(struct pool *p, void *obj, uint32_t *word, uint32_t bit)
{
    set_parked(p, p->nparked++, obj, word, bit);
}

/*
 * The rest of a free that left the fast path, p locked, obj's bit set
 * (parked): the array is full and is listed on the slabs to make room,
 * or an aid is on (nothing is parked): the aids run, and obj is listed
 * on its slab at once, as slab_put would have.  Unlocks p.
 */
static __attribute__((noinline)) enum pool_err
free_slow(struct pool *p, void *obj, uint32_t *word, uint32_t bit)
{
    struct mm_list gone;

    mm_list_init(&gone);
    if (p->flags != 0)
        pool_aid_free(p, obj);
    pool_unpark_all(p, &gone);               /* full, or empty with aids on */
    push_parked(p, obj, word, bit);
    if (p->park_max == 0)
        pool_unpark_all(p, &gone);           /* aids on: obj listed at once */
    mm_unlock(&p->lock);
    pool_release_all(p, &gone);
    return POOL_OK;
}

/*
 * Parks obj, which slab s may hold (p locked; unlocks p): checks that
 * it is an object of s that is not free and sets its bit (slab_park,
 * which gives the word and bit), then puts it on the array.
 */
static MM_INLINE enum pool_err
park(struct pool *p, struct slab *s, void *obj)
{
    uint32_t *word, bit;
    enum slab_err err = slab_park(s, &p->geom, obj, &word, &bit);

    if (MM_UNLIKELY(err != SLAB_OK))
        return pool_refuse(p, (uintptr_t)obj, err);
    if (MM_UNLIKELY(p->nparked >= p->park_max))    /* full, or aids on */
        return free_slow(p, obj, word, bit);
    push_parked(p, obj, word, bit);
    mm_unlock(&p->lock);
    return POOL_OK;
}

/*
 * Free into a growing pool (p locked; unlocks p): obj's slab is the
 * header at obj rounded down to the slab size, once the owner byte of
 * obj's page says it is a slab of p's order and the header says it is
 * p's; else there is none (pool_refuse says why).
 */
static __attribute__((noinline)) enum pool_err
free_growing(struct pool *p, void *obj)
{
    uint8_t own = mm_pagesrc_owner_byte(p->src, obj);
    struct slab *s = slab_of(obj, p->geom.order);

    if (MM_UNLIKELY(own != (MM_OWNER_SLAB | p->geom.order) ||
                    s->magic != SLAB_MAGIC || s->cache != p))
        return pool_refuse(p, (uintptr_t)obj, SLAB_MISALIGNED);
    return park(p, s, obj);
}

/*
 * Gives obj back: it is parked, to be handed out by the next alloc.
 * Errors (nothing changed but a counter): POOL_ERR_NULL, _FOREIGN,
 * _WRONG_POOL, _MISALIGNED, _DOUBLE_FREE (a parked object is free in its
 * slab's table, so freeing it again is one too).  A static pool has one
 * slab, and park checks that obj is in it.
 */
enum pool_err
pool_free(struct pool *p, void *obj)
{
    mm_lock(&p->lock);
    if (p->src != NULL)
        return free_growing(p, obj);
    return park(p, &p->static_slab, obj);
}
