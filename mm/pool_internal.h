/*
 * mm/pool_internal.h - what the pool's files share and nobody else.
 *
 * mm/pool.c is the algorithm; the aids beside it (mm/pool_init.c,
 * mm/pool_debug.c, mm/pool_report.c, mm/pool_check.c) call one another
 * through the hooks declared here.  Each hook is named for the aid it is.
 *
 * Invariant, bounds, metadata: those of mm/pool.c.
 * Read after: mm/pool.h.
 */
#ifndef MM_POOL_INTERNAL_H
#define MM_POOL_INTERNAL_H

#include "pool.h"

/* Where slab s's memory starts: its header, or a static pool's buffer. */
static MM_INLINE uintptr_t
pool_slab_start(const struct pool *p, const struct slab *s)
{
    return p->src != NULL ? (uintptr_t)s : s->base;
}

/* The bytes of one of p's slabs: 2^order pages, or the static buffer. */
static MM_INLINE size_t
pool_slab_bytes(const struct pool *p)
{
    return p->src != NULL ? MM_PAGE << p->geom.order :
                            (size_t)p->geom.nobjs * p->geom.size;
}

/* mm/pool.c: gives back a slab already taken off p's books. */
void pool_slab_release(struct pool *p, struct slab *s);
/* mm/pool.c: sets p's flags and park_max (listing what was parked when
 * an aid comes on). */
void pool_set_flags(struct pool *p, unsigned flags);


/* mm/pool_debug.c: counts err and, in debug mode, panics. */
enum pool_err pool_fail(struct pool *p, enum pool_err err, uintptr_t addr)
    MM_COLD;
/* mm/pool_debug.c: prints one "trace: pool" line. */
void pool_trace_print(const struct pool *p, const char *event,
                      uintptr_t addr) MM_COLD;
/* mm/pool_debug.c: zeroes or poison-checks an object handed out, and
 * poisons one given back (only for pools with a flag of POOL_AIDS). */
void pool_aid_alloc(struct pool *p, void *obj) MM_COLD;
void pool_aid_free(struct pool *p, void *obj) MM_COLD;
/* mm/pool_debug.c: poisons every object of a new slab of a poisoned
 * pool, so that a carved object checks as a freed one does. */
void pool_aid_grow(struct pool *p, struct slab *s) MM_COLD;
/* mm/pool_debug.c: the slab layer's report of a broken free link. */
void pool_bad_link(struct slab *s, uintptr_t where) MM_COLD;

/* mm/pool_report.c: the registry of live pools (for reports). */
void pool_registry_add(struct pool *p);
void pool_registry_remove(struct pool *p);
/* mm/pool_report.c: p's slab that holds addr, or NULL (p locked). */
struct slab *pool_holder(const struct pool *p, uintptr_t addr);
/* mm/pool_report.c: why free(addr) failed, counted: NULL, foreign,
 * another pool's, or what the slab said (err).  Called with p locked;
 * unlocks it. */
enum pool_err pool_refuse(struct pool *p, uintptr_t addr,
                          enum slab_err err) MM_COLD;

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
pool_trace(const struct pool *p, const char *event, uintptr_t addr)
{
    if (MM_UNLIKELY(p->flags & POOL_TRACED))
        pool_trace_print(p, event, addr);
}

/* mm/pool_park.c: the parked array's edges (p locked unless said). */
void pool_unpark_all(struct pool *p, struct mm_list *gone) MM_NOINLINE;
size_t pool_release_all(struct pool *p, struct mm_list *gone);   /* unlocked */
unsigned pool_refill(struct pool *p, struct slab *s);

/* Puts obj, with its free-table word and bit, in entry k. */
static MM_INLINE void
set_parked(struct pool *p, unsigned k, void *obj, uint32_t *word,
           uint32_t bit)
{
    p->parked[k] = obj;
    p->parked_word[k] = word;
    p->parked_keep[k] = ~bit;
}


#endif /* MM_POOL_INTERNAL_H */
