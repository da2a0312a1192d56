/*
 * mm/pool_init.c - creating and destroying pools, and constructors.
 *
 * A static pool lives in a caller-given buffer of N objects and works
 * before any page allocator exists; a growing pool picks its slab size
 * once, here, and takes slabs in mm/pool.c.  A constructor moves each
 * free object's link to a word of its own after the object.
 *
 * Invariant: a pool's geometry (p->geom) changes only before its first
 * allocation.
 * Bounds: O(1) per call, except grow_layout (O(orders) slab_geom_init
 * calls, once) and destroy (one page-source call for the cached slab).
 * Metadata: none beyond struct pool.
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

/* x rounded up to a multiple of a, a power of two: 20 up to 8 is 24. */
static size_t
round_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Common checks and fields; the object size is rounded up to align. */
static enum pool_err
pool_setup(struct pool *p, const char *name, size_t objsize, size_t align,
           unsigned flags)
{
    mm_memset(p, 0, sizeof *p);
    p->name = name;
    mm_list_init(&p->partial);
    mm_list_init(&p->full);
    if (align == 0)
        align = sizeof(void *);
    if (objsize == 0 || (align & (align - 1)) != 0 || align > MM_PAGE ||
        (flags & ~POOL_AIDS) != 0 || objsize > SLAB_MAX_SIZE)
        return pool_fail(p, POOL_ERR_PARAM, (uintptr_t)objsize);
    p->size = objsize;
    p->align = align < sizeof(void *) ? sizeof(void *) : align;
    p->flags = flags;
    if ((mm_switch.poison & MM_POISON_POOL) && !(flags & POOL_POISON)) {
        p->flags |= POOL_POISON;
        p->forced_poison = true;
    }
    if (mm_switch.trace & MM_TRACE_POOL)
        p->flags |= POOL_TRACED;
    p->park_max = p->flags != 0 ? 0 : POOL_NPARKED;
    return POOL_OK;
}

/* Sets up a static pool's one slab over its buffer, on the lists. */
static void
static_slab_setup(struct pool *p, uintptr_t base, uint32_t *freemap,
                  size_t objsize)
{
    slab_geom_outside(&p->geom, objsize, p->align,
                      (unsigned)(p->static_bytes / objsize));
    p->geom.bad_link = pool_bad_link;
    slab_init(&p->static_slab, &p->geom, p, base, freemap);
    mm_list_push(&p->partial, &p->static_slab.link);
    p->nslabs = 1;
    if (p->flags & POOL_POISON)
        pool_aid_grow(p, &p->static_slab);
}

/*
 * A static pool over buf, which must hold whole objects at the given
 * alignment: buf_bytes / objsize of them (N).  freemap must have
 * POOL_FREEMAP_WORDS(N) words.  Works before any page allocator exists.
 */
enum pool_err
pool_init_static(struct pool *p, const char *name, void *buf,
                 size_t buf_bytes, size_t objsize, size_t align,
                 unsigned flags, uint32_t *freemap)
{
    enum pool_err err = pool_setup(p, name, objsize, align, flags);
    uintptr_t base = (uintptr_t)buf;
    size_t size;

    if (err != POOL_OK)
        return err;
    size = round_up(objsize < sizeof(void *) ? sizeof(void *) : objsize,
                    p->align);
    /* The index by multiply (mm/slab.h) needs a buffer under 4 GiB. */
    if (buf == NULL || freemap == NULL || buf_bytes < size ||
        (base & (p->align - 1)) != 0 || buf_bytes / 2 > 0x7FFFFFFFu)
        return pool_fail(p, POOL_ERR_PARAM, base);
    p->static_bytes = buf_bytes;
    static_slab_setup(p, base, freemap, size);
    pool_registry_add(p);
    return POOL_OK;
}

/*
 * Picks a growing pool's slab size: the smallest 2^k pages (k up to
 * SLAB_MAX_ORDER) that hold POOL_MIN_OBJS objects after the header and
 * free table.
 */
static void
grow_layout(struct pool *p, size_t objsize, size_t link_off)
{
    unsigned order = 0;

    while (slab_geom_init(&p->geom, objsize, p->align, order) <
               POOL_MIN_OBJS && order < SLAB_MAX_ORDER)
        order++;
    p->geom.link_off = link_off;
    p->geom.bad_link = pool_bad_link;
}

/*
 * A growing pool over page source src, which must keep owner bytes
 * (src->owner).  Slabs are the smallest 2^k pages that hold
 * POOL_MIN_OBJS objects after their header.
 */
enum pool_err
pool_init(struct pool *p, const char *name, size_t objsize, size_t align,
          unsigned flags, const struct mm_pagesrc *src)
{
    enum pool_err err = pool_setup(p, name, objsize, align, flags);

    if (err != POOL_OK)
        return err;
    if (src == NULL || src->owner == NULL)
        return pool_fail(p, POOL_ERR_PARAM, 0);
    p->src = src;
    grow_layout(p, objsize, 0);
    pool_registry_add(p);
    return POOL_OK;
}

/*
 * Sets a constructor, called once per object when it is first carved
 * (Bonwick's object caching): objects then come back in their
 * constructed state, and a free one keeps its link in an extra word
 * after the object so that no constructed byte is overwritten.  The
 * rule that keeps this coherent: a constructed object is never zeroed or
 * poisoned, so a pool created with POOL_ZERO or POOL_POISON cannot have
 * a constructor, and the global poison switch leaves such a pool alone.
 * Errors (nothing changed): POOL_ERR_PARAM for a NULL ctor, a zeroed or
 * poisoned pool, a pool that has already allocated, or a static buffer
 * too small for one object with its link word.
 */
enum pool_err
pool_set_ctor(struct pool *p, pool_ctor_fn *ctor, void *arg)
{
    unsigned asked = p->flags & ~(p->forced_poison ? POOL_POISON : 0u);
    size_t link_off = round_up(p->size, sizeof(void *));
    size_t objsize = round_up(link_off + sizeof(void *), p->align);

    if (ctor == NULL || (asked & POOL_AIDS) != 0 || p->nallocs != 0 ||
        p->nslabs > (p->src == NULL) ||
        (p->src == NULL && p->static_bytes < objsize))
        return pool_fail(p, POOL_ERR_PARAM, (uintptr_t)p);
    pool_set_flags(p, p->flags & ~POOL_POISON);
    p->forced_poison = false;
    if (p->src != NULL) {
        grow_layout(p, objsize, link_off);
    } else {
        mm_list_unlink(&p->static_slab.link);
        static_slab_setup(p, p->static_slab.base, p->static_slab.freemap,
                          objsize);
        p->geom.link_off = link_off;
    }
    p->geom.ctor = ctor;
    p->geom.ctor_arg = arg;
    return POOL_OK;
}

/*
 * Destroys p: the cached slab goes back to the page source and p leaves
 * the registry.  POOL_ERR_BUSY (nothing changed) while objects are in
 * use.  With none in use a growing pool holds at most the cached slab.
 */
enum pool_err
pool_destroy(struct pool *p)
{
    mm_lock(&p->lock);
    if (pool_active(p) != 0) {
        mm_unlock(&p->lock);
        return pool_fail(p, POOL_ERR_BUSY, (uintptr_t)p);
    }
    mm_unlock(&p->lock);
    if (p->src != NULL)
        pool_trim(p);
    MM_ASSERT(p->src == NULL || p->nslabs == 0);
    pool_registry_remove(p);
    return POOL_OK;
}
