/*
 * mm/pool_init.c - creating and destroying pools, and constructors.
 *
 * A static pool lives in a caller-given buffer of N objects and works
 * before any page allocator exists; a growing pool picks its slab size
 * once, here, and takes slabs in mm/pool.c.  A constructor moves each
 * free object's link to a word of its own after the object.
 *
 * Invariant: a pool's layout (objsize, link_off, slab_order,
 * objs_per_slab) changes only before its first allocation.
 * Bounds: O(1) per call, except grow_layout (O(orders x objects) once)
 * and destroy (one page-source call per slab).
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

/* Common checks and fields; objsize is rounded up to the alignment. */
static enum pool_err
pool_setup(struct pool *p, const char *name, size_t objsize, size_t align,
           unsigned flags)
{
    mm_memset(p, 0, sizeof *p);
    p->name = name;
    mm_list_init(&p->partial);
    if (align == 0)
        align = sizeof(void *);
    if (objsize == 0 || (align & (align - 1)) != 0 || align > MM_PAGE ||
        (flags & ~(POOL_ZERO | POOL_POISON)) != 0 ||
        objsize > MM_PAGE << 4)
        return pool_fail(p, POOL_ERR_PARAM, (uintptr_t)objsize);
    p->size = objsize;
    if (objsize < sizeof(void *))
        objsize = sizeof(void *);       /* room for the free-list link */
    if (align < sizeof(void *))
        align = sizeof(void *);
    p->objsize = round_up(objsize, align);
    p->align = align;
    p->flags = flags;
    if ((mm_switch.poison & MM_POISON_POOL) && !(flags & POOL_POISON)) {
        p->flags |= POOL_POISON;
        p->forced_poison = true;
    }
    return POOL_OK;
}

/* Sets up the static pool's one slab over its buffer, on the lists. */
static void
static_slab_setup(struct pool *p, uintptr_t base, uint32_t *freemap)
{
    struct pool_slab *s = &p->static_slab;

    pool_slab_setup(p, s, base, p->objs_per_slab * p->objsize, base,
                    p->objs_per_slab, freemap);
    MM_ASSERT(mm_table_insert(p->slab, &p->nslabs, POOL_MAX_SLABS,
                              &s->mem) >= 0);
    mm_list_push(&p->partial, &s->link);
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
    size_t n;

    if (err != POOL_OK)
        return err;
    n = p->objsize ? buf_bytes / p->objsize : 0;
    if (buf == NULL || freemap == NULL || n == 0 ||
        (base & (p->align - 1)) != 0 || n > 0xFFFFFFFFu)
        return pool_fail(p, POOL_ERR_PARAM, base);
    p->objs_per_slab = (unsigned)n;
    p->static_bytes = buf_bytes;
    static_slab_setup(p, base, freemap);
    pool_registry_add(p);
    return POOL_OK;
}

/* Bytes before object 0 in a slab: header, free table, alignment. */
size_t
pool_slab_header_bytes(const struct pool *p, unsigned nobjs)
{
    return round_up(sizeof(struct pool_slab) +
                    MM_BITMAP_WORDS(nobjs) * sizeof(uint32_t), p->align);
}

/*
 * Picks a growing pool's slab size: the smallest 2^k pages (k <= 10)
 * that hold POOL_MIN_OBJS objects after the header and free table.
 */
static void
grow_layout(struct pool *p)
{
    unsigned order = 0, n;

    for (;;) {
        size_t bytes = MM_PAGE << order;

        n = (unsigned)(bytes / p->objsize);
        while (n > 0 &&
               pool_slab_header_bytes(p, n) + n * p->objsize > bytes)
            n--;
        if (n >= POOL_MIN_OBJS || order == 10)
            break;
        order++;
    }
    p->slab_order = (uint16_t)order;
    p->objs_per_slab = n;
}

/*
 * A growing pool over page source src.  Slabs are the smallest 2^k
 * pages that hold POOL_MIN_OBJS objects after their header.
 */
enum pool_err
pool_init(struct pool *p, const char *name, size_t objsize, size_t align,
          unsigned flags, const struct mm_pagesrc *src)
{
    enum pool_err err = pool_setup(p, name, objsize, align, flags);

    if (err != POOL_OK)
        return err;
    if (src == NULL)
        return pool_fail(p, POOL_ERR_PARAM, 0);
    p->src = src;
    grow_layout(p);
    pool_registry_add(p);
    return POOL_OK;
}

/*
 * Moves the free-list link of p's objects from their first word to a
 * word of its own after the object, and recomputes how many objects a
 * slab (or a static pool's buffer) holds.  Before any allocation only.
 */
static void
link_after_object(struct pool *p, size_t link_off, size_t objsize)
{
    struct pool_slab *s = &p->static_slab;

    p->link_off = link_off;
    p->objsize = objsize;
    if (p->src != NULL) {
        grow_layout(p);
        return;
    }
    p->objs_per_slab = (unsigned)(p->static_bytes / objsize);
    mm_list_unlink(&s->link);
    MM_ASSERT(mm_table_remove(p->slab, &p->nslabs, &s->mem));
    static_slab_setup(p, s->base, s->freemap);
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

    if (ctor == NULL || (asked & (POOL_ZERO | POOL_POISON)) != 0 ||
        p->nallocs != 0 || p->nslabs > (p->src == NULL) ||
        (p->src == NULL && p->static_bytes < objsize))
        return pool_fail(p, POOL_ERR_PARAM, (uintptr_t)p);
    p->flags &= ~POOL_POISON;
    p->forced_poison = false;
    p->ctor = ctor;
    p->ctor_arg = arg;
    link_after_object(p, link_off, objsize);
    return POOL_OK;
}

/*
 * Destroys p: every slab goes back to the page source and p leaves the
 * registry.  POOL_ERR_BUSY (nothing changed) while objects are in use.
 */
enum pool_err
pool_destroy(struct pool *p)
{
    mm_lock(&p->lock);
    if (p->active != 0) {
        mm_unlock(&p->lock);
        return pool_fail(p, POOL_ERR_BUSY, (uintptr_t)p);
    }
    while (p->src != NULL && p->nslabs > 0)
        pool_slab_return(p, pool_slab_at(p, p->nslabs - 1));
    p->nslabs = 0;
    mm_list_init(&p->partial);
    mm_unlock(&p->lock);
    pool_registry_remove(p);        /* the registry's lock, after p's */
    return POOL_OK;
}
