/*
 * mm/pool.h - fixed-size object pools on the shared slab (mm/slab.h).
 *
 * A pool hands out objects of one size.  A static pool lives in a
 * caller-given buffer of exactly N objects and works before any page
 * allocator exists; a growing pool takes slabs of 2^k pages from a page
 * source whenever it runs out, for as long as the source has pages, and
 * gives completely free slabs back, keeping one as a cache.  The
 * objects freed last wait in a small array in the pool (parked) for the
 * next allocations.  See mm/pool.c for the layout, bounds and costs.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include "err.h"
#include "pagesrc.h"
#include "slab.h"

#define POOL_MIN_OBJS       16      /* a slab holds at least this many */
#define POOL_NPARKED        16      /* freed objects a pool keeps at hand */

/* Flags given at creation. */
#define POOL_ZERO           (1u << 0)   /* zero each object on alloc */
#define POOL_POISON         (1u << 1)   /* poison on free, check on alloc */
#define POOL_AIDS           (POOL_ZERO | POOL_POISON)
/* Set by the pool while mm_switch.trace has MM_TRACE_POOL (read at
 * creation and by pool_trace_switched).  A pool with any flag set parks
 * nothing (park_max is 0), so the fast paths' one test of the array's
 * fill sends its every alloc and free to the slow path, where the aids
 * of mm/pool_debug.c run. */
#define POOL_TRACED         (1u << 8)

/* The words of free table a static pool of n objects needs. */
#define POOL_FREEMAP_WORDS(n)   MM_BITMAP_WORDS(n)

enum pool_err {
    POOL_OK = 0,
    POOL_NOMEM,                 /* no free object, no slab to be had */
    POOL_ERR_NULL,              /* free(NULL) */
    POOL_ERR_FOREIGN,           /* pointer in no slab of any pool */
    POOL_ERR_WRONG_POOL,        /* pointer in a slab of another pool */
    POOL_ERR_MISALIGNED,        /* in a slab, not on an object boundary */
    POOL_ERR_DOUBLE_FREE,       /* object already free */
    POOL_ERR_POISON,            /* a freed object was written to */
    POOL_ERR_LINK,              /* a free-list link was overwritten */
    POOL_ERR_PARAM,             /* create: size 0, alignment not a power
                                   of two, buffer too small, bad flags,
                                   a page source without owner bytes */
    POOL_ERR_BUSY,              /* destroy: objects still in use */
    POOL_ERR_COUNT              /* keep last */
};

/* Called once per object when it is first carved from a slab. */
typedef slab_ctor_fn pool_ctor_fn;

/*
 * A pool keeps up to POOL_NPARKED freed objects at hand, parked
 * (mm/slab.h): free in their slab's table, on no list.  Entry k of the
 * three arrays below is one object, its free-table word and the mask
 * that clears its bit there, so that handing it out again is one AND.
 */
struct pool {
    unsigned nparked;           /* entries 0..nparked-1, newest last */
    unsigned park_max;          /* POOL_NPARKED; 0 while flags != 0 */
    unsigned long nallocs;      /* objects handed out, ever */
    void *parked[POOL_NPARKED];             /* the objects */
    uint32_t *parked_word[POOL_NPARKED];    /* the word of each one's bit */
    uint32_t parked_keep[POOL_NPARKED];     /* ~bit: *word &= keep */
    struct slab_geom geom;      /* object size and link, slab shape, ctor */
    struct mm_list partial;     /* slabs with a free object */
    struct mm_list full;        /* slabs without one */
    struct slab *cached;        /* an empty slab kept, on neither list */
    size_t nslabs;              /* slabs held, the cached one included */
    size_t ntaken;              /* objects not free in their slab's count
                                   (nobjs - nfree summed): in use or
                                   parked; in use = ntaken - nparked */
    unsigned long nerr[POOL_ERR_COUNT];     /* [POOL_NOMEM]: nomem */
    unsigned flags;             /* POOL_ZERO | POOL_POISON | POOL_TRACED */
    const char *name;
    size_t size;                /* bytes the caller asked for */
    size_t align;
    bool forced_poison;         /* POOL_POISON came from mm_switch */
    const struct mm_pagesrc *src;   /* NULL: a static pool */
    struct slab static_slab;    /* a static pool's one slab */
    size_t static_bytes;        /* a static pool's whole buffer */
    struct pool *next_pool;     /* the registry of live pools */
    struct mm_lock lock;
};

extern const char *const pool_err_name[POOL_ERR_COUNT];

enum pool_err pool_init_static(struct pool *p, const char *name, void *buf,
                               size_t buf_bytes, size_t objsize,
                               size_t align, unsigned flags,
                               uint32_t *freemap);
enum pool_err pool_init(struct pool *p, const char *name, size_t objsize,
                        size_t align, unsigned flags,
                        const struct mm_pagesrc *src);
enum pool_err pool_set_ctor(struct pool *p, pool_ctor_fn *ctor, void *arg);
enum pool_err pool_destroy(struct pool *p);

void *pool_alloc(struct pool *p);
enum pool_err pool_free(struct pool *p, void *obj);

/* Objects in use: taken from the slabs and not parked. */
static MM_INLINE size_t
pool_active(const struct pool *p)
{
    return p->ntaken - p->nparked;
}

/* Frees that succeeded: every object handed out and not in use. */
static MM_INLINE unsigned long
pool_nfrees(const struct pool *p)
{
    return p->nallocs - pool_active(p);
}

/* Lists every parked object on its slab (a slab all free then is kept
 * as the cache or, if one is cached, given back); returns pages given
 * back.  pool_trim does the same and gives the cached slab back too. */
size_t pool_flush(struct pool *p);
size_t pool_trim(struct pool *p);
/* Trims every live pool: the page allocator's reclaim hook (arg unused). */
size_t pool_reclaim_all(void *arg);
/* Tells every live pool that mm_switch.trace changed. */
void pool_trace_switched(void);

size_t pool_index_of(const struct slab *s, const void *obj);
void *pool_object_at(const struct slab *s, size_t index);
bool pool_is_free(const struct slab *s, size_t index);
size_t pool_nobjs(const struct pool *p);
size_t pool_nslabs_active(const struct pool *p);
uint32_t pool_parked_in(const struct pool *p, const struct slab *s);
uint32_t pool_slab_in_use(const struct pool *p, const struct slab *s);
struct slab *pool_slab_at(const struct pool *p, size_t i);

void pool_print_slabinfo(void);
/* mm/pool_picture.c: every slab of p as cells, show_order: free lists. */
void pool_print_picture(struct pool *p, bool show_order);
bool pool_is_registered(const struct pool *p);
struct pool *pool_registry_next(const struct pool *p);
void pool_print_errors(const struct pool *p);
void pool_print_all_errors(void);
unsigned pool_check(struct pool *p);
unsigned pool_check_verdict(struct pool *p, struct mm_verdict *v);

/*
 * The page ledger's view (mm/pool_owner.c).  pool_claim claims each slab
 * of a growing pool p (depth 1): its 2^order pages as p's slab when its
 * header is p's, else as a slab with a bad header (which owns nothing).
 * A static pool's buffer is its caller's and is not claimed.
 * pool_claim_all does it for every live pool.
 * pool_slab_of: the live slab that holds addr, and its pool, or NULL.
 */
struct ledger;
void pool_claim(const struct pool *p, struct ledger *l);
void pool_claim_all(struct ledger *l);
const struct slab *pool_slab_of(uintptr_t addr, const struct pool **pp);

#endif /* MM_POOL_H */
