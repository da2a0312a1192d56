/*
 * mm/pool.h - fixed-size object pools (slabs).
 *
 * A pool hands out objects of one size.  A static pool lives in a
 * caller-given buffer of exactly N objects and works before any page
 * allocator exists; a growing pool takes slabs of 2^k pages from a page
 * source when it runs out and gives completely free slabs back, keeping
 * one as a cache.  See mm/pool.c for the layout, bounds and costs.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include "bitmap.h"
#include "err.h"
#include "list.h"
#include "pagesrc.h"
#include "table.h"

#define POOL_MAX_SLABS      128     /* slabs a growing pool can hold */
#define POOL_MIN_OBJS       16      /* a slab holds at least this many */

#define POOL_SLAB_MAGIC     0x534C4142u     /* "SLAB": a live slab */

/* Flags given at creation. */
#define POOL_ZERO           (1u << 0)   /* zero each object on alloc */
#define POOL_POISON         (1u << 1)   /* poison on free, check on alloc */

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
                                   of two, buffer too small, bad flags */
    POOL_ERR_BUSY,              /* destroy: objects still in use */
    POOL_ERR_COUNT              /* keep last */
};

/* Called once per object when it is first carved from a slab. */
typedef void pool_ctor_fn(void *obj, void *arg);

/*
 * A slab: a run of objects and its free table.  For a growing pool the
 * header sits at the start of the slab's pages; a static pool's header
 * is inside struct pool and its table is the caller's.
 */
struct pool_slab {
    struct mm_list link;        /* on the pool's partial list while it
                                   has a free object */
    uint32_t magic;             /* POOL_SLAB_MAGIC while alive */
    struct pool *pool;
    struct mm_range mem;        /* the slab's memory, [first, last] */
    uintptr_t base;             /* object 0 */
    unsigned nobjs;
    unsigned nfree;             /* free objects, carved or not */
    unsigned ncarved;           /* objects 0..ncarved-1 were carved */
    void *freelist;             /* freed objects, linked through them */
    uint32_t *freemap;          /* bit i set: object i is free */
};

struct pool {
    const char *name;
    size_t size;                /* bytes the caller asked for */
    size_t objsize;             /* bytes per object, alignment included */
    size_t link_off;            /* where a free object keeps its link */
    size_t align;
    unsigned flags;
    pool_ctor_fn *ctor;
    void *ctor_arg;
    const struct mm_pagesrc *src;   /* NULL: a static pool */
    uint16_t slab_order;        /* pages per slab = 2^slab_order */
    bool forced_poison;         /* POOL_POISON came from mm_switch */
    unsigned objs_per_slab;
    struct mm_list partial;     /* slabs with a free object */
    struct mm_range *slab[POOL_MAX_SLABS];  /* their mem, by address */
    unsigned nslabs;
    struct pool_slab *cached;   /* an empty slab kept (hysteresis) */
    struct pool_slab static_slab;
    size_t static_bytes;        /* a static pool's whole buffer */
    size_t active;              /* objects in use */
    size_t hwm;                 /* most in use at once */
    unsigned long nallocs, nfrees;
    unsigned long nerr[POOL_ERR_COUNT];     /* [POOL_NOMEM]: nomem */
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

size_t pool_index_of(const struct pool_slab *s, const void *obj);
void *pool_object_at(const struct pool_slab *s, size_t index);
bool pool_is_free(const struct pool_slab *s, size_t index);
size_t pool_nobjs(const struct pool *p);
size_t pool_nslabs_active(const struct pool *p);

void pool_print_slabinfo(void);
bool pool_is_registered(const struct pool *p);
struct pool *pool_registry_next(const struct pool *p);
void pool_print_errors(const struct pool *p);
void pool_print_all_errors(void);
unsigned pool_check(struct pool *p);
unsigned pool_check_verdict(struct pool *p, struct mm_verdict *v);
struct pool_slab *pool_slab_at(const struct pool *p, unsigned i);

/*
 * The page ledger's view (mm/pool_owner.c).  pool_claim claims each slab
 * of a growing pool p (depth 1): [start, end) from its header when the
 * header is p's, else the slab's 2^slab_order pages as a slab with a bad
 * header (which owns nothing).  A static pool's buffer is its caller's
 * and is not claimed.  pool_claim_all does it for every live pool.
 * pool_slab_of: the live slab that holds addr, and its pool, or NULL.
 */
struct ledger;
void pool_claim(const struct pool *p, struct ledger *l);
void pool_claim_all(struct ledger *l);
const struct pool_slab *pool_slab_of(uintptr_t addr,
                                     const struct pool **pp);

#endif /* MM_POOL_H */
