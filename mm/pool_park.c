/*
 * mm/pool_park.c - filling and emptying a pool's parked array.
 *
 * A pool keeps the objects freed last in an array (mm/pool.c says why):
 * pool_free pushes and pool_alloc pops there, inline.  This file holds
 * the array's edges: the free that finds it full (or a pool with an aid
 * on) lists every parked object on its slab, one settle per run of
 * objects of one slab (pool_unpark_all); an alloc that finds it empty
 * refills it from the first partial slab's free list, checking each
 * link (pool_refill); pool_flush, pool_trim and pool_set_flags empty it.
 *
 * Invariant: that of mm/pool.c; an object leaves the array only for its
 * slab's list or for a caller.
 * Bounds: O(POOL_NPARKED) per listing or refill (each object O(1));
 * pool_flush and pool_trim add the slabs they give back.
 * Metadata: none beyond the array (mm/pool.h).
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

#define POOL_REFILL     POOL_NPARKED    /* objects an empty array takes */

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
 * the list head kept in a local, so each object costs one link store.
 * A static pool has one slab: the run is all of them.  Returns where
 * the run ended.
 */
static unsigned
unpark_run(struct pool *p, struct slab *s, unsigned i, unsigned n)
{
    size_t link_off = p->geom.link_off;
    uintptr_t slab_mask = ~(((uintptr_t)MM_PAGE << p->geom.order) - 1);
    void *head = s->freelist, *obj;
    unsigned start = i;

    if (p->src == NULL) {               /* one slab: a run of them all */
        for (; i < n; i++) {
            obj = p->parked[i];
            *(void **)((uint8_t *)obj + link_off) = head;
            head = obj;
        }
    } else {
        for (; i < n; i++) {
            obj = p->parked[i];
            if (((uintptr_t)obj & slab_mask) != (uintptr_t)s)
                break;                  /* slab_of(obj) is another slab */
            *(void **)((uint8_t *)obj + link_off) = head;
            head = obj;
        }
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
void
pool_unpark_all(struct pool *p, struct mm_list *gone)
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
size_t
pool_release_all(struct pool *p, struct mm_list *gone)
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
    pool_unpark_all(p, &gone);
    mm_unlock(&p->lock);
    return pool_release_all(p, &gone);
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
        pool_unpark_all(p, &gone);
    mm_unlock(&p->lock);
    pool_release_all(p, &gone);
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

/* A refill cut short by a bad link filled parked[top - got .. top - 1]:
 * moves them down to 0 .. got - 1. */
static MM_COLD void
move_down(struct pool *p, unsigned top, unsigned got)
{
    unsigned k;

    for (k = 0; k < got; k++)
        set_parked(p, k, p->parked[top - got + k],
                   p->parked_word[top - got + k],
                   ~p->parked_keep[top - got + k]);
}

/*
 * Parks objects from the head of slab s's free list into entries
 * want - 1, want - 2, ... 0 (p locked), each checked as slab_pop checks
 * it: a carved object of s (slab_lookup; pow2 says that s's objects are
 * 2^shift bytes, so that the index is a rotate and one compare, as in
 * slab_lookup_pow2) with its bit set.  Stops at a bad link; returns the
 * entries left unfilled.  Everything per slab is read into locals first:
 * a store into the array might, for all the compiler knows, change p's
 * or s's fields, which it would then read again for every object.
 * Inlined twice, pow2 being a constant in each copy.
 */
static MM_INLINE unsigned
refill_run(struct pool *p, struct slab *s, unsigned want, bool pow2)
{
    size_t link_off = p->geom.link_off;
    unsigned shift = p->geom.shift, k;
    uint32_t *map = s->freemap, *word, bit, limit = s->ncarved;
    uintptr_t base = s->base, off;
    void *obj = s->freelist;
    long i;

    for (k = want; k > 0; k--) {
        if (pow2) {                     /* slab_lookup_pow2 */
            off = (uintptr_t)obj - base;
            off = off >> shift | off << ((8 * sizeof off - shift) %
                                         (8 * sizeof off));
            i = off < limit ? (long)off : -1;
        } else {
            i = slab_lookup(s, &p->geom, (uintptr_t)obj, limit);
        }
        if (MM_UNLIKELY(i < 0))
            break;
        word = map + ((size_t)i >> 5);          /* mm_bitmap_test */
        bit = 1u << (i & 31);
        if (MM_UNLIKELY(!(*word & bit)))
            break;
        set_parked(p, k - 1, obj, word, bit);
        obj = *(void **)((uint8_t *)obj + link_off);
    }
    s->freelist = obj;
    return k;
}

/*
 * Fills the empty array from the head of slab s's free list (p locked):
 * up to POOL_REFILL objects, each checked as slab_pop checks it (a
 * carved object of s, free in its table), then unlinked and parked: its
 * bit stays set, nfree no longer counts it.  The list's head goes on
 * top, so objects still go out in list order.  A bad link ends the
 * refill (slab_take repairs the list later).  Returns how many.
 */
unsigned
pool_refill(struct pool *p, struct slab *s)
{
    uint32_t listed = s->nfree - (p->geom.nobjs - s->ncarved);
    unsigned want = listed < POOL_REFILL ? listed : POOL_REFILL, got;

    if (MM_LIKELY(p->geom.shift != 0))
        got = want - refill_run(p, s, want, true);
    else
        got = want - refill_run(p, s, want, false);
    if (MM_UNLIKELY(got != want))
        move_down(p, want, got);
    s->nfree -= got;
    p->ntaken += got;
    p->nparked = got;
    if (s->nfree == 0) {
        mm_list_unlink(&s->link);
        mm_list_push(&p->full, &s->link);
    }
    return got;
}
