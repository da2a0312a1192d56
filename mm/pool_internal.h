/*
 * mm/pool_internal.h - what the pool's files share and nobody else.
 *
 * mm/pool.c is the algorithm; the aids beside it (mm/pool_init.c,
 * mm/pool_debug.c, mm/pool_report.c, mm/pool_check.c) need the same
 * address arithmetic and call one another through the hooks declared
 * here.  Each hook is named for the aid it is.
 *
 * Invariant, bounds, metadata: those of mm/pool.c.
 * Read after: mm/pool.h.
 */
#ifndef MM_POOL_INTERNAL_H
#define MM_POOL_INTERNAL_H

#include "pool.h"


/* The slab whose mem is r: the range is a member of the slab. */
static MM_INLINE struct pool_slab *
slab_of_range(struct mm_range *r)
{
    return (struct pool_slab *)((uint8_t *)r -
                                offsetof(struct pool_slab, mem));
}

/* The slab whose partial-list link is l. */
static MM_INLINE struct pool_slab *
slab_of_link(struct mm_list *l)
{
    return (struct pool_slab *)((uint8_t *)l -
                                offsetof(struct pool_slab, link));
}

/*
 * The word where free object obj keeps its free-list link: its first
 * word (link_off 0), or for a pool with a constructor the word after
 * the object, so that the constructed state survives being free.
 */
static MM_INLINE void **
link_of(const struct pool *p, void *obj)
{
    return (void **)((uint8_t *)obj + p->link_off);
}

/* mm/pool.c: sets up a slab over mem with nobjs objects from base. */
void pool_slab_setup(struct pool *p, struct pool_slab *s, uintptr_t start,
                     size_t bytes, uintptr_t base, unsigned nobjs,
                     uint32_t *map);
/* mm/pool.c: gives a slab with every object free back to the source. */
void pool_slab_return(struct pool *p, struct pool_slab *s);

/* mm/pool_init.c: bytes before object 0 of a slab of nobjs objects. */
size_t pool_slab_header_bytes(const struct pool *p, unsigned nobjs);

/* mm/pool_debug.c: counts err and, in debug mode, panics. */
enum pool_err pool_fail(struct pool *p, enum pool_err err, uintptr_t addr)
    MM_COLD;
/* mm/pool_debug.c: prints one "trace: pool" line. */
void pool_trace_print(const struct pool *p, const char *event,
                      uintptr_t addr) MM_COLD;
/* mm/pool_debug.c: poisons a freed object; checks one handed out. */
void pool_poison_fill(const struct pool *p, void *obj);
void pool_poison_check(struct pool *p, const void *obj);
/* mm/pool_debug.c: rebuilds s's free list from its table, without skip. */
void pool_link_repair(struct pool *p, struct pool_slab *s, const void *skip)
    MM_COLD;

/* mm/pool_report.c: the registry of live pools (for reports). */
void pool_registry_add(struct pool *p);
void pool_registry_remove(struct pool *p);
/* mm/pool_report.c: why addr is no slab of p: another pool's, or none. */
enum pool_err pool_foreign_error(const struct pool *p, uintptr_t addr)
    MM_COLD;

/*
 * Can next be the link of a free object of s?  NULL (end of list) or a
 * carved object, on a boundary, marked free, other than obj: O(1).
 * A write after free that hit the link fails this, and a cycle does too,
 * since objects popped before have their bits cleared.
 */
static MM_INLINE bool
pool_link_ok(const struct pool *p, const struct pool_slab *s,
             const void *obj, const void *next)
{
    uintptr_t a = (uintptr_t)next;

    if (next == NULL)
        return true;
    if (next == obj || a < s->base ||
        a >= s->base + (uintptr_t)s->ncarved * p->objsize ||
        (a - s->base) % p->objsize != 0)
        return false;
    return mm_bitmap_test(s->freemap, (a - s->base) / p->objsize);
}

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
pool_trace(const struct pool *p, const char *event, uintptr_t addr)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_POOL))
        pool_trace_print(p, event, addr);
}

#endif /* MM_POOL_INTERNAL_H */
