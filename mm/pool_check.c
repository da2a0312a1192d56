/*
 * mm/pool_check.c - the pool checker: walks all of a pool's state.
 *
 * pool_check compares what the fast path keeps in step: the array of
 * parked objects (each entry a distinct object of one of the pool's
 * slabs, its bit set, its word and bit the object's own); each slab
 * against its own free table and the objects parked from it
 * (slab_check_parked, mm/slab.c) and its pool; the partial list (slabs
 * with a free object, no loop), the full list (slabs without, no loop),
 * the cached slab (all free); that the lists and the cache hold all
 * nslabs slabs; and the pool's count of objects taken from them.
 * Each violation is printed ("pool: check: WHAT at 0xADDR (pool NAME)")
 * and counted in a verdict, which keeps the first so a test can assert
 * which one a corruption caused.
 *
 * A slab missing from both lists cannot be found (nothing walks the
 * page source), but it can be told apart: nslabs says how many are
 * missing, and the taken count (ntaken: in use or parked) says how
 * many objects they hold that are not free in their own count.
 * Fewer than all their objects: a slab with free objects is off the
 * partial list; all of them: a full slab is off the full list.
 *
 * Invariant: none of its own; it reads and changes nothing.
 * Bounds: O(slabs x (objects per slab + POOL_NPARKED) + POOL_NPARKED^2),
 * under the pool's lock.
 * Metadata: none.
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

/* What one walk found: slabs listed, and objects in use in them. */
struct tally {
    size_t listed;              /* slabs seen on the lists and cache */
    size_t in_use;              /* their objects in use (a damaged slab:
                                   all of them, as nothing is known) */
};

static unsigned
check_fail(const struct pool *p, struct mm_verdict *v, const char *what,
           uintptr_t addr)
{
    mm_print("pool: check: %s at 0x%08lx (pool %s)\n", what,
             (unsigned long)addr, p->name);
    return mm_verdict_add(v, what, addr);
}

/* One slab: its header is p's, and it agrees with its free table and
 * the objects parked from it. */
static void
check_slab(const struct pool *p, const struct slab *s, struct tally *t,
           struct mm_verdict *v)
{
    const char *what = NULL;
    uintptr_t addr = (uintptr_t)s;

    t->listed++;
    t->in_use += p->geom.nobjs;
    if (s->magic != SLAB_MAGIC || s->cache != p)
        what = "slab header";
    else
        what = slab_check_parked(s, &p->geom, pool_parked_in(p, s),
                                 &addr);
    if (what != NULL) {
        if (addr == (uintptr_t)s)
            addr = pool_slab_start(p, s);
        check_fail(p, v, what, addr);
        return;
    }
    t->in_use -= s->nfree;
}

/*
 * Walks one list: each slab checked, with (full == false) a free object
 * or (full == true) none.  More links than slabs: the list loops, and
 * the walk stops.  Returns false when it stopped.
 */
static bool
check_list(const struct pool *p, const struct mm_list *head, bool full,
           struct tally *t, struct mm_verdict *v)
{
    const struct mm_list *l;
    size_t n = 0;

    for (l = head->next; l != head; l = l->next) {
        const struct slab *s = slab_of_link((struct mm_list *)l);

        if (++n > p->nslabs) {
            check_fail(p, v, full ? "full list loops" :
                       "partial list loops", 0);
            return false;
        }
        check_slab(p, s, t, v);
        if (!full && s->nfree == 0)
            check_fail(p, v, "full slab on the partial list",
                       pool_slab_start(p, s));
        if (full && s->nfree != 0)
            check_fail(p, v, "slab with free objects off the partial "
                       "list", 0);
    }
    return true;
}

/* The slabs no list holds, told apart by the objects they have in use. */
static void
check_missing(const struct pool *p, const struct tally *t,
              struct mm_verdict *v)
{
    size_t missing = p->nslabs - t->listed;

    if (t->listed > p->nslabs)
        check_fail(p, v, "more slabs listed than held", 0);
    else if (p->ntaken < t->in_use ||
             (missing == 0 && p->ntaken != t->in_use))
        check_fail(p, v, "active count differs from the slabs", 0);
    else if (missing != 0 && p->ntaken - t->in_use <
                                 missing * p->geom.nobjs)
        check_fail(p, v, "slab with free objects off the partial list", 0);
    else if (missing != 0)
        check_fail(p, v, "full slab off the full list", 0);
}

/*
 * Entry k of the array: an object of a slab of p, free in its table,
 * its word and bit the object's own, parked once.  Returns false (and
 * says so) when it is not.
 */
static bool
check_entry(const struct pool *p, unsigned k, struct mm_verdict *v)
{
    uintptr_t obj = (uintptr_t)p->parked[k];
    const struct slab *s = pool_holder(p, obj);
    long i = -1;
    unsigned j;

    if (s != NULL)
        i = slab_lookup(s, &p->geom, obj, s->ncarved);
    if (i < 0 || p->parked_word[k] != &s->freemap[(size_t)i / 32] ||
        p->parked_keep[k] != ~(1u << ((size_t)i % 32))) {
        check_fail(p, v, "bad parked entry", obj);
        return false;
    }
    if (!mm_bitmap_test(s->freemap, (size_t)i)) {
        check_fail(p, v, "parked object in use", obj);
        return false;
    }
    for (j = 0; j < k; j++)
        if (p->parked[j] == p->parked[k]) {
            check_fail(p, v, "object parked twice", obj);
            return false;
        }
    return true;
}

/* The array: no more entries than it has room for, each one good. */
static void
check_parked(const struct pool *p, struct mm_verdict *v)
{
    unsigned k;

    if (p->nparked > p->park_max) {
        check_fail(p, v, "parked count too high", 0);
        return;
    }
    for (k = 0; k < p->nparked; k++)
        check_entry(p, k, v);
}

/*
 * Walks every slab of p: the parked objects, each slab against its
 * table, header and parked objects, the
 * partial and full lists, the cached slab, and the pool's totals.
 * Prints each violation; returns how many, and records the first in v.
 */
unsigned
pool_check_verdict(struct pool *p, struct mm_verdict *v)
{
    struct tally t = { 0, 0 };
    bool whole;

    *v = (struct mm_verdict){ 0 };
    mm_lock(&p->lock);
    check_parked(p, v);
    whole = check_list(p, &p->partial, false, &t, v);
    whole = check_list(p, &p->full, true, &t, v) && whole;
    if (p->cached != NULL) {
        check_slab(p, p->cached, &t, v);
        if (p->cached->nfree != p->geom.nobjs)
            check_fail(p, v, "cached slab in use",
                       pool_slab_start(p, p->cached));
    }
    if (whole)
        check_missing(p, &t, v);
    mm_unlock(&p->lock);
    return v->nbad;
}

unsigned
pool_check(struct pool *p)
{
    struct mm_verdict v;

    return pool_check_verdict(p, &v);
}
