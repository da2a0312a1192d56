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
 * This file holds the array, take, put, grow and return.  Beside it: creation,
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
 * Metadata: per slab sizeof(struct slab) and 1 bit per object (a
 * 32-bit word at least), both inside the slab; per pool struct pool,
 * the array's three words per entry included (the pool.sizes test
 * prints both); the page source's owner byte per
 * page.  A pool with a constructor pays one more word per object for
 * its link.
 * Read after: mm/slab.h, mm/pagesrc.h.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

#define POOL_REFILL     POOL_NPARKED    /* objects an empty array takes */

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

/* ---- the parked objects -------------------------------------------- */

/* The slab of p holding obj, an object of p (checked when it came in). */
static MM_INLINE struct slab *
slab_holding(struct pool *p, void *obj)
{
    return p->src != NULL ? slab_of(obj, p->geom.order) : &p->static_slab;
}

/*
 * Puts slab s of p, whose free count just grew by added, where that
 * count says (p locked): a slab that was full back on the partial list;
 * a growing pool's slab that is now all free off the lists, kept as the
 * cache or, if a slab is cached already, onto *gone, to be given back
 * once p is unlocked.
 */
static void
settle(struct pool *p, struct slab *s, uint32_t added, struct mm_list *gone)
{
    if (s->nfree == added) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->partial, &s->link);
    }
    if (s->nfree == p->geom.nobjs && p->src != NULL) {
        mm_list_unlink(&s->link);
        if (p->cached == NULL) {
            p->cached = s;
        } else {
            p->nslabs--;
            mm_list_push(gone, &s->link);
        }
    }
}

/*
 * Lists parked[i], parked[i + 1], ... on slab s while they are objects
 * of s, up to parked[n - 1] (p locked): slab_unpark_put for each, with
 * the list head kept in a local.  Returns where the run ended.
 */
static unsigned
unpark_run(struct pool *p, struct slab *s, unsigned i, unsigned n)
{
    size_t link_off = p->geom.link_off;
    unsigned order = p->geom.order;
    bool growing = p->src != NULL;
    void *head = s->freelist;
    unsigned start = i;

    for (; i < n; i++) {
        void *obj = p->parked[i];

        if (growing && slab_of(obj, order) != s)
            break;
        *(void **)((uint8_t *)obj + link_off) = head;
        head = obj;
    }
    s->freelist = head;
    s->nfree += i - start;
    return i;
}

/*
 * Lists every parked object on its slab, oldest first, as a free of
 * each would have without the array (p locked).  Each run of objects of
 * one slab is settled once, as one free of that many objects.  Listing
 * all of them, not the older half, leaves nothing to move down.
 */
static MM_NOINLINE void
unpark_all(struct pool *p, struct mm_list *gone)
{
    unsigned i = 0, end, n = p->nparked;

    while (i < n) {
        struct slab *s = slab_holding(p, p->parked[i]);

        end = unpark_run(p, s, i, n);
        p->ntaken -= end - i;
        settle(p, s, end - i, gone);
        i = end;
    }
    p->nparked = 0;
}

/* Gives back every slab on gone (p unlocked); returns their pages. */
static size_t
release_all(struct pool *p, struct mm_list *gone)
{
    size_t pages = 0;

    while (!mm_list_empty(gone)) {
        struct slab *s = slab_of_link(gone->next);

        mm_list_unlink(&s->link);
        pool_slab_release(p, s);
        pages += (size_t)1 << p->geom.order;
    }
    return pages;
}

/*
 * Lists every parked object on its slab, as a free without the array
 * would have: a slab that becomes all free is kept as the cache, or
 * given back if one is cached already.  Returns the pages given back.
 */
size_t
pool_flush(struct pool *p)
{
    struct mm_list gone;

    mm_list_init(&gone);
    mm_lock(&p->lock);
    unpark_all(p, &gone);
    mm_unlock(&p->lock);
    return release_all(p, &gone);
}

/*
 * Sets p's flags, and with them park_max: a pool with an aid on parks
 * nothing, so what is parked is listed first.
 */
void
pool_set_flags(struct pool *p, unsigned flags)
{
    struct mm_list gone;

    mm_list_init(&gone);
    mm_lock(&p->lock);
    p->flags = flags;
    p->park_max = flags != 0 ? 0 : POOL_NPARKED;
    if (flags != 0)
        unpark_all(p, &gone);
    mm_unlock(&p->lock);
    release_all(p, &gone);
}

/* pool_flush, then the cached empty slab goes back too; 0 if none. */
size_t
pool_trim(struct pool *p)
{
    size_t pages = pool_flush(p);
    struct slab *s;

    mm_lock(&p->lock);
    s = p->cached;
    p->cached = NULL;
    p->nslabs -= s != NULL;
    mm_unlock(&p->lock);
    if (s == NULL)
        return pages;
    pool_slab_release(p, s);
    return pages + ((size_t)1 << p->geom.order);
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

/* Puts obj, with its free-table word and bit, in entry k. */
static MM_INLINE void
set_parked(struct pool *p, unsigned k, void *obj, uint32_t *word,
           uint32_t bit)
{
    p->parked[k] = obj;
    p->parked_word[k] = word;
    p->parked_keep[k] = ~bit;
}

/* The index of obj if it is a carved object of s, else -1: slab_lookup,
 * with the power-of-two case first. */
static MM_INLINE long
carved_index(const struct pool *p, const struct slab *s, void *obj)
{
    if (MM_LIKELY(p->geom.shift != 0))
        return slab_lookup_pow2(s, &p->geom, (uintptr_t)obj, s->ncarved);
    return slab_lookup(s, &p->geom, (uintptr_t)obj, s->ncarved);
}

/*
 * Fills the empty array from the head of slab s's free list (p locked):
 * up to POOL_REFILL objects, each checked as slab_pop checks it (a
 * carved object of s, free in its table), then unlinked and parked: its
 * bit stays set, nfree no longer counts it.  The list's head goes on
 * top, so objects still go out in list order.  A bad link ends the
 * refill (slab_take repairs the list later).  Returns how many.
 */
static unsigned
refill(struct pool *p, struct slab *s)
{
    unsigned want = s->nfree - (p->geom.nobjs - s->ncarved), got, k;
    size_t link_off = p->geom.link_off;
    uint32_t *map = s->freemap;
    void *obj = s->freelist;
    long i;

    if (want > POOL_REFILL)
        want = POOL_REFILL;
    for (got = 0; got < want; got++) {
        i = carved_index(p, s, obj);
        if (MM_UNLIKELY(i < 0 || !mm_bitmap_test(map, (size_t)i)))
            break;
        set_parked(p, want - 1 - got, obj, &map[(size_t)i / 32],
                   1u << ((size_t)i % 32));
        obj = *(void **)((uint8_t *)obj + link_off);
    }
    for (k = 0; k < got && got < want; k++)     /* cut short: move down */
        set_parked(p, k, p->parked[want - got + k],
                   p->parked_word[want - got + k],
                   ~p->parked_keep[want - got + k]);
    s->freelist = obj;
    s->nfree -= got;
    p->ntaken += got;
    p->nparked = got;
    if (s->nfree == 0) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->full, &s->link);
    }
    return got;
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

    if (p->flags == 0 && &s->link != &p->partial && refill(p, s) != 0)
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
    unpark_all(p, &gone);               /* full, or empty with aids on */
    push_parked(p, obj, word, bit);
    if (p->park_max == 0)
        unpark_all(p, &gone);           /* aids on: obj listed at once */
    mm_unlock(&p->lock);
    release_all(p, &gone);
    return POOL_OK;
}

/*
 * Parks obj, which slab s may hold (p locked; unlocks p): checks that
 * it is an object of s (slab_lookup) that is not free (its bit clear),
 * sets the bit - slab_park, keeping the word and bit found - and puts
 * it on the array.
 */
static MM_INLINE enum pool_err
park(struct pool *p, struct slab *s, void *obj)
{
    uint32_t *word, bit;
    long i;

    if (MM_LIKELY(p->geom.shift != 0))  /* the common case first */
        i = slab_lookup_pow2(s, &p->geom, (uintptr_t)obj, p->geom.nobjs);
    else
        i = slab_lookup(s, &p->geom, (uintptr_t)obj, p->geom.nobjs);
    if (MM_UNLIKELY(i < 0))
        return pool_refuse(p, (uintptr_t)obj, SLAB_MISALIGNED);
    word = &s->freemap[(size_t)i / 32];
    bit = 1u << ((size_t)i % 32);
    if (MM_UNLIKELY(*word & bit))
        return pool_refuse(p, (uintptr_t)obj, SLAB_DOUBLE_FREE);
    *word |= bit;
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
