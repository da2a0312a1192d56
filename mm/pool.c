/*
 * mm/pool.c - fixed-size object pools (slabs): the algorithm.
 *
 * When a kernel allocates thousands of objects of one size, a pool beats
 * a general heap: no size to look up, no rounding, and objects can be
 * kept constructed between uses (Bonwick's object caching, 1994).
 *
 * A slab is a run of equal objects with a free table of one bit per
 * object, as in a fixed-size allocator.  Object address and index
 * convert by arithmetic:
 *
 *     index = (addr - base) / objsize      addr = base + index * objsize
 *
 * e.g. 72-byte objects from base 0x00203040: object 3 is at 0x00203118,
 * and 0x00203118 is object (0x00203118 - 0x00203040) / 72 = 3.
 * Freed objects are also linked through their own first word, so alloc
 * pops the list in O(1); objects never handed out are carved one at a
 * time from the slab's end of use (ncarved), which is when the
 * constructor runs.  A growing pool's slab (2^k pages from the page
 * source, aligned to its size) looks like this:
 *
 *   | struct pool_slab | free table (bits) | pad | obj 0 | obj 1 | ...
 *
 * A free object keeps its link in its first word, except in a pool with
 * a constructor, where the link has a word of its own after the object
 * (link_off) so that a free object stays constructed.
 *
 * This file holds take, put, grow and return.  Beside it: creation and
 * the constructor (mm/pool_init.c), poisoning, tracing and link repair
 * (mm/pool_debug.c), slabinfo, counters and the registry of live pools
 * (mm/pool_report.c), and the checker (mm/pool_check.c).
 *
 * Invariant: an object is free exactly when its bit is set; a free
 * carved object is on its slab's free list exactly once; a slab with a
 * free object is on the pool's partial list; nfree counts the set bits.
 * The free table is the truth: every pop checks the link it follows
 * against it, and a list broken by a write after free is rebuilt from it.
 * Bounds: alloc is O(1) (a broken link: O(objects per slab) to rebuild);
 * free is O(1) plus O(log2 POOL_MAX_SLABS) = 7 steps of binary search
 * over the pool's slab table, sorted by address, to find the slab - the
 * pointer itself is never read, so a wild one is refused safely.  A slab
 * grows or returns in one page-source call plus O(POOL_MAX_SLABS) to
 * keep the table sorted.  Telling a foreign pointer from another pool's
 * (an error path) searches every live pool, each under its own lock.
 * Metadata: 1 bit per object (rounded up to 32-bit words) plus the slab
 * header (sizeof(struct pool_slab), printed by the pool.sizes test); a
 * pool with a constructor pays one more word per object for its link.
 * struct pool is mostly its table of POOL_MAX_SLABS slab pointers.  A
 * static pool keeps its header in struct pool and its free table in the
 * caller's words.
 * Read after: mm/list.h, mm/bitmap.h, mm/table.h, mm/pagesrc.h.
 * Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

/* ---- the free table and address arithmetic -------------------------- */

size_t
pool_index_of(const struct pool_slab *s, const void *obj)
{
    return ((uintptr_t)obj - s->base) / s->pool->objsize;
}

void *
pool_object_at(const struct pool_slab *s, size_t index)
{
    return (void *)(s->base + index * s->pool->objsize);
}

bool
pool_is_free(const struct pool_slab *s, size_t index)
{
    return mm_bitmap_test(s->freemap, index);
}

/* The i-th slab of p by address (i < p->nslabs). */
struct pool_slab *
pool_slab_at(const struct pool *p, unsigned i)
{
    return slab_of_range(p->slab[i]);
}

/* Sets up a slab of bytes at start, every object free, none carved. */
void
pool_slab_setup(struct pool *p, struct pool_slab *s, uintptr_t start,
                size_t bytes, uintptr_t base, unsigned nobjs, uint32_t *map)
{
    *s = (struct pool_slab){ .magic = POOL_SLAB_MAGIC, .pool = p,
                             .mem = { start, start + (bytes - 1) },
                             .base = base, .nobjs = nobjs, .nfree = nobjs,
                             .freemap = map };
    mm_bitmap_fill(map, nobjs);
}

/* ---- growing and returning slabs ------------------------------------ */

/* A new slab from the page source, on the partial list; false: nomem. */
static bool
slab_grow(struct pool *p)
{
    size_t bytes = MM_PAGE << p->slab_order;
    unsigned n = p->objs_per_slab;
    struct pool_slab *s;
    uint8_t *mem;

    if (p->src == NULL || p->nslabs == POOL_MAX_SLABS)
        return false;
    mem = mm_pagesrc_alloc(p->src, p->slab_order);
    if (mem == NULL)
        return false;
    s = (struct pool_slab *)mem;
    pool_slab_setup(p, s, (uintptr_t)mem, bytes,
                    (uintptr_t)mem + pool_slab_header_bytes(p, n), n,
                    (uint32_t *)(s + 1));
    MM_ASSERT(mm_table_insert(p->slab, &p->nslabs, POOL_MAX_SLABS,
                              &s->mem) >= 0);
    mm_list_push(&p->partial, &s->link);
    pool_trace(p, "grow", (uintptr_t)mem);
    return true;
}

/* Gives a slab with every object free back to the page source. */
void
pool_slab_return(struct pool *p, struct pool_slab *s)
{
    mm_list_unlink(&s->link);
    MM_ASSERT(mm_table_remove(p->slab, &p->nslabs, &s->mem));
    if (p->cached == s)
        p->cached = NULL;
    s->magic = 0;
    pool_trace(p, "return", s->mem.first);
    mm_pagesrc_free(p->src, (void *)s->mem.first, p->slab_order);
}

/* ---- take and put --------------------------------------------------- */

/*
 * Pops the head of s's free list.  A bad link is counted and the list
 * rebuilt from the table (obj is still used); a poisoned pool checks
 * that nobody wrote to obj while it was free.
 */
static MM_INLINE uint8_t *
pop_free(struct pool *p, struct pool_slab *s)
{
    uint8_t *obj = s->freelist;
    void *next = *link_of(p, obj);

    if (MM_UNLIKELY(!pool_link_ok(p, s, obj, next)))
        pool_link_repair(p, s, obj);        /* rebuilt without obj */
    else
        s->freelist = next;
    if (p->flags & POOL_POISON)
        pool_poison_check(p, obj);
    return obj;
}

/* Takes an object from slab s: a freed one, or a newly carved one. */
static MM_INLINE void *
slab_take(struct pool *p, struct pool_slab *s)
{
    uint8_t *obj;

    /* The table says a carved object is free, yet the list is empty: a
     * link was overwritten to skip it.  Repaired from the table. */
    if (MM_UNLIKELY(s->freelist == NULL && s->nfree != s->nobjs -
                                                      s->ncarved))
        pool_link_repair(p, s, NULL);
    /* LAB: pool_alloc */
    if (s->freelist != NULL) {
        obj = pop_free(p, s);
    } else {
        obj = pool_object_at(s, s->ncarved++);
        if (p->ctor != NULL)
            p->ctor(obj, p->ctor_arg);
    }
    mm_bitmap_clear(s->freemap, pool_index_of(s, obj));
    if (--s->nfree == 0)
        mm_list_unlink(&s->link);
    /* LAB END */
    if (s == p->cached)
        p->cached = NULL;
    return obj;
}

/*
 * An object, or NULL when the pool is exhausted and no slab can be had
 * (counted as nomem; a static pool's allocation N+1 ends here).
 */
void *
pool_alloc(struct pool *p)
{
    void *obj = NULL;

    mm_lock(&p->lock);
    if (!mm_list_empty(&p->partial) || slab_grow(p))
        obj = slab_take(p, slab_of_link(p->partial.next));
    if (obj == NULL) {
        p->nerr[POOL_NOMEM]++;
    } else {
        p->nallocs++;
        if (++p->active > p->hwm)
            p->hwm = p->active;
        if (p->flags & POOL_ZERO)
            mm_memset(obj, 0, p->objsize);
    }
    mm_unlock(&p->lock);
    if (obj != NULL)
        pool_trace(p, "alloc", (uintptr_t)obj);
    return obj;
}

/* Validates obj as an allocated object of p; finds its slab. */
static MM_INLINE enum pool_err
object_lookup(struct pool *p, uintptr_t obj, struct pool_slab **sp)
{
    struct mm_range *r;
    struct pool_slab *s;

    if (obj == 0)
        return POOL_ERR_NULL;
    r = mm_table_find(p->slab, p->nslabs, obj);
    if (r == NULL)
        return pool_foreign_error(p, obj);
    s = slab_of_range(r);
    MM_ASSERT(s->magic == POOL_SLAB_MAGIC && s->pool == p);
    if (obj < s->base || obj >= s->base + (uintptr_t)s->nobjs * p->objsize ||
        (obj - s->base) % p->objsize != 0)
        return POOL_ERR_MISALIGNED;
    if (pool_is_free(s, pool_index_of(s, (void *)obj)))
        return POOL_ERR_DOUBLE_FREE;
    *sp = s;
    return POOL_OK;
}

/*
 * Gives obj back.  Errors (nothing changed but a counter): POOL_ERR_NULL,
 * _FOREIGN, _WRONG_POOL, _MISALIGNED, _DOUBLE_FREE.  A slab whose objects
 * are all free again goes back to the page source, unless it is the one
 * kept as a cache.
 */
enum pool_err
pool_free(struct pool *p, void *obj)
{
    struct pool_slab *s = NULL;
    enum pool_err err;

    mm_lock(&p->lock);
    err = object_lookup(p, (uintptr_t)obj, &s);
    if (err != POOL_OK) {
        pool_fail(p, err, (uintptr_t)obj);
        mm_unlock(&p->lock);
        return err;
    }
    pool_trace(p, "free", (uintptr_t)obj);
    if (p->flags & POOL_POISON)
        pool_poison_fill(p, obj);
    /* LAB: pool_free */
    *link_of(p, obj) = s->freelist;
    s->freelist = obj;
    mm_bitmap_set(s->freemap, pool_index_of(s, obj));
    if (s->nfree++ == 0)
        mm_list_push(&p->partial, &s->link);
    /* LAB END */
    p->active--;
    p->nfrees++;
    if (s->nfree == s->nobjs && p->src != NULL) {
        if (p->cached == NULL || p->cached == s)
            p->cached = s;
        else
            pool_slab_return(p, s);
    }
    mm_unlock(&p->lock);
    return POOL_OK;
}
