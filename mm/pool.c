/*
 * mm/pool.c - fixed-size object pools (slabs).
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
 * (an error path) searches every live pool.
 * Metadata: 1 bit per object (rounded up to 32-bit words) plus the slab
 * header, 48 bytes on i386 (a 4 KiB slab of 64-byte objects loses one
 * object's worth to both, 1.6%); a pool with a constructor pays one more
 * word per object for its link.  struct pool: 692 bytes on i386, most of
 * it the table of POOL_MAX_SLABS slab pointers.  A static pool keeps its
 * header in struct pool and its free table in the caller's words.
 * Read after: mm/pagesrc.h.  Tests: mm/pool_test.c.
 */
#include "pool.h"

#define POOL_SLAB_MAGIC     0x534C4142u     /* "SLAB" */
#define POOL_POISON_BYTE    0x6Bu

const char *const pool_err_name[POOL_ERR_COUNT] = {
    [POOL_OK] = "ok",
    [POOL_NOMEM] = "out of memory",
    [POOL_ERR_NULL] = "free of NULL",
    [POOL_ERR_FOREIGN] = "foreign pointer",
    [POOL_ERR_WRONG_POOL] = "object of another pool",
    [POOL_ERR_MISALIGNED] = "not an object boundary",
    [POOL_ERR_DOUBLE_FREE] = "double free",
    [POOL_ERR_POISON] = "write after free",
    [POOL_ERR_LINK] = "free link overwritten",
    [POOL_ERR_PARAM] = "bad parameters",
    [POOL_ERR_BUSY] = "objects still in use",
};

static struct pool *pool_registry;  /* every live pool, newest first */

/* Counts ERR and, in debug mode, stops naming the pool and ADDR. */
static MM_COLD enum pool_err
pool_fail(struct pool *p, enum pool_err err, uintptr_t addr)
{
    p->nerr[err]++;
    if (mm_switch.debug)
        mm_panic("pool: %s at 0x%08lx (pool %s)", pool_err_name[err],
                 (unsigned long)addr, p->name);
    return err;
}

static MM_COLD void
trace_print(const struct pool *p, const char *event, uintptr_t addr)
{
    mm_print("trace: pool %s pool=%s addr=0x%08lx\n", event, p->name,
             (unsigned long)addr);
}

/* One trace line; the test stays inline, the printing out of line. */
static MM_INLINE void
trace(const struct pool *p, const char *event, uintptr_t addr)
{
    if (MM_UNLIKELY(mm_switch.trace & MM_TRACE_POOL))
        trace_print(p, event, addr);
}

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
    return (s->freemap[index / 32] >> (index % 32)) & 1;
}

/*
 * The word where free object obj keeps its free-list link: its first word
 * (link_off 0), or for a pool with a constructor the word after the
 * object, so that the constructed state survives being free.
 */
static void **
link_of(const struct pool *p, void *obj)
{
    return (void **)((uint8_t *)obj + p->link_off);
}

static void
map_set(struct pool_slab *s, size_t i, bool is_free)
{
    if (is_free)
        s->freemap[i / 32] |= 1u << (i % 32);
    else
        s->freemap[i / 32] &= ~(1u << (i % 32));
}

/* Sets up a slab over [start, end) with objects from base. */
static void
slab_setup(struct pool *p, struct pool_slab *s, uintptr_t start,
           uintptr_t end, uintptr_t base, unsigned nobjs, uint32_t *map)
{
    unsigned i;

    *s = (struct pool_slab){ POOL_SLAB_MAGIC, p, start, end, base, nobjs,
                             nobjs, 0, NULL, map, NULL, NULL };
    for (i = 0; i < POOL_FREEMAP_WORDS(nobjs); i++)
        map[i] = 0;
    for (i = 0; i < nobjs; i++)
        map_set(s, i, true);
}

/* ---- the partial list and the slab table ---------------------------- */

static void
partial_add(struct pool *p, struct pool_slab *s)
{
    s->prev = NULL;
    s->next = p->partial;
    if (p->partial != NULL)
        p->partial->prev = s;
    p->partial = s;
}

static void
partial_remove(struct pool *p, struct pool_slab *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        p->partial = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void
table_insert(struct pool *p, struct pool_slab *s)
{
    unsigned i;

    for (i = p->nslabs; i > 0 && p->slab[i - 1]->start > s->start; i--)
        p->slab[i] = p->slab[i - 1];
    p->slab[i] = s;
    p->nslabs++;
}

static void
table_remove(struct pool *p, struct pool_slab *s)
{
    unsigned i = 0;

    while (p->slab[i] != s)
        i++;
    for (; i + 1 < p->nslabs; i++)
        p->slab[i] = p->slab[i + 1];
    p->nslabs--;
}

/* The slab of p whose memory holds addr (binary search), or NULL. */
static struct pool_slab *
slab_find(const struct pool *p, uintptr_t addr)
{
    unsigned lo = 0, hi = p->nslabs;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        struct pool_slab *s = p->slab[mid];

        if (addr < s->start)
            hi = mid;
        else if (addr >= s->end)
            lo = mid + 1;
        else
            return s;
    }
    return NULL;
}

/* ---- creation ------------------------------------------------------- */

/* Common checks and fields; objsize is rounded up to the alignment. */
static enum pool_err
pool_setup(struct pool *p, const char *name, size_t objsize, size_t align,
           unsigned flags)
{
    mm_memset(p, 0, sizeof *p);
    p->name = name;
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
    p->objsize = (objsize + align - 1) & ~(align - 1);
    p->align = align;
    p->flags = flags;
    if ((mm_switch.poison & MM_POISON_POOL) && !(flags & POOL_POISON)) {
        p->flags |= POOL_POISON;
        p->forced_poison = true;
    }
    return POOL_OK;
}

static void
registry_add(struct pool *p)
{
    p->next_pool = pool_registry;
    pool_registry = p;
}

static void
registry_remove(struct pool *p)
{
    struct pool **pp = &pool_registry;

    while (*pp != NULL && *pp != p)
        pp = &(*pp)->next_pool;
    if (*pp == p)
        *pp = p->next_pool;
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
    slab_setup(p, &p->static_slab, base, base + n * p->objsize, base,
               (unsigned)n, freemap);
    table_insert(p, &p->static_slab);
    partial_add(p, &p->static_slab);
    registry_add(p);
    return POOL_OK;
}

/* Bytes before object 0 in a slab: header, free table, alignment. */
static size_t
slab_header_bytes(const struct pool *p, unsigned nobjs)
{
    size_t h = sizeof(struct pool_slab) +
               POOL_FREEMAP_WORDS(nobjs) * sizeof(uint32_t);

    return (h + p->align - 1) & ~(p->align - 1);
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
        while (n > 0 && slab_header_bytes(p, n) + n * p->objsize > bytes)
            n--;
        if (n >= POOL_MIN_OBJS || order == 10)
            break;
        order++;
    }
    p->slab_order = order;
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
    registry_add(p);
    return POOL_OK;
}

/* x rounded up to a multiple of a, a power of two: 20 up to 8 is 24. */
static size_t
round_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
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
    partial_remove(p, s);
    slab_setup(p, s, s->start, s->start + p->objs_per_slab * objsize, s->base,
               p->objs_per_slab, s->freemap);
    partial_add(p, s);
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

/* ---- growing and shrinking ------------------------------------------ */

/* A new slab from the page source, on the partial list; false: nomem. */
static bool
slab_grow(struct pool *p)
{
    uint8_t *mem;
    struct pool_slab *s;
    size_t bytes = MM_PAGE << p->slab_order;
    unsigned n = p->objs_per_slab;

    if (p->src == NULL || p->nslabs == POOL_MAX_SLABS)
        return false;
    mem = mm_pagesrc_alloc(p->src, p->slab_order);
    if (mem == NULL)
        return false;
    s = (struct pool_slab *)mem;
    slab_setup(p, s, (uintptr_t)mem, (uintptr_t)mem + bytes,
               (uintptr_t)mem + slab_header_bytes(p, n), n,
               (uint32_t *)(s + 1));
    table_insert(p, s);
    partial_add(p, s);
    trace(p, "grow", (uintptr_t)mem);
    return true;
}

/* Gives a slab with every object free back to the page source. */
static void
slab_return(struct pool *p, struct pool_slab *s)
{
    partial_remove(p, s);
    table_remove(p, s);
    if (p->cached == s)
        p->cached = NULL;
    s->magic = 0;
    trace(p, "return", s->start);
    mm_pagesrc_free(p->src, (void *)s->start, p->slab_order);
}

/* ---- alloc and free ------------------------------------------------- */

/*
 * The first byte of a freed object that is not poison, or 0.  The link
 * word is skipped: pop_free checks it.  (Poisoned pools have no
 * constructor, so their link is the first word.)
 */
static uintptr_t
poison_find(const struct pool *p, const uint8_t *obj)
{
    size_t i;

    for (i = sizeof(void *); i < p->objsize; i++)
        if (obj[i] != POOL_POISON_BYTE)
            return (uintptr_t)&obj[i];
    return 0;
}

/*
 * Can next be the link of a free object of s?  NULL (end of list) or a
 * carved object, on a boundary, marked free, other than obj: O(1).
 * A write after free that hit the link fails this, and a cycle does too,
 * since objects popped before have their bits cleared.
 */
static bool
link_ok(const struct pool *p, const struct pool_slab *s, const void *obj,
        const void *next)
{
    uintptr_t a = (uintptr_t)next;

    if (next == NULL)
        return true;
    if (next == obj || a < s->base ||
        a >= s->base + (uintptr_t)s->ncarved * p->objsize ||
        (a - s->base) % p->objsize != 0)
        return false;
    return pool_is_free(s, pool_index_of(s, next));
}

/*
 * Rebuilds s's free list from its free table, leaving out skip: the
 * repair after a bad link (an error path, O(objects per slab)).  The
 * free table is the truth; the list is only a fast way through it.
 */
static void
relink(struct pool *p, struct pool_slab *s, const void *skip)
{
    unsigned i;

    s->freelist = NULL;
    for (i = s->ncarved; i-- > 0;) {
        void *obj = pool_object_at(s, i);

        if (obj != skip && pool_is_free(s, i)) {
            *link_of(p, obj) = s->freelist;
            s->freelist = obj;
        }
    }
}

/* Pops the head of s's free list, checking the link it leaves behind. */
static uint8_t *
pop_free(struct pool *p, struct pool_slab *s)
{
    uint8_t *obj = s->freelist;
    void *next = *link_of(p, obj);
    uintptr_t bad;

    if (!link_ok(p, s, obj, next)) {
        pool_fail(p, POOL_ERR_LINK, (uintptr_t)link_of(p, obj));
        relink(p, s, obj);                  /* repaired, obj still used */
    } else {
        s->freelist = next;
    }
    if ((p->flags & POOL_POISON) && (bad = poison_find(p, obj)) != 0)
        pool_fail(p, POOL_ERR_POISON, bad);     /* reported, used */
    return obj;
}

/*
 * The list is empty but the table says a carved object is free: a link
 * was overwritten to skip some.  Counted and repaired from the table.
 */
static bool
list_lost_objects(struct pool *p, struct pool_slab *s)
{
    if (s->freelist != NULL || s->nfree == s->nobjs - s->ncarved)
        return false;
    pool_fail(p, POOL_ERR_LINK, s->base);
    relink(p, s, NULL);
    return true;
}

/* Takes an object from slab s: a freed one, or a newly carved one. */
static void *
slab_take(struct pool *p, struct pool_slab *s)
{
    uint8_t *obj;

    list_lost_objects(p, s);
    /* LAB: pool_alloc */
    if (s->freelist != NULL) {
        obj = pop_free(p, s);
    } else {
        obj = pool_object_at(s, s->ncarved++);
        if (p->ctor != NULL)
            p->ctor(obj, p->ctor_arg);
    }
    map_set(s, pool_index_of(s, obj), false);
    if (--s->nfree == 0)
        partial_remove(p, s);
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
    if (p->partial != NULL || slab_grow(p))
        obj = slab_take(p, p->partial);
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
        trace(p, "alloc", (uintptr_t)obj);
    return obj;
}

/* Is addr inside a slab of any other live pool?  Walks the registry. */
static bool
owned_elsewhere(const struct pool *p, uintptr_t addr)
{
    const struct pool *q;

    for (q = pool_registry; q != NULL; q = q->next_pool)
        if (q != p && slab_find(q, addr) != NULL)
            return true;
    return false;
}

/* Validates obj as an allocated object of p; finds its slab. */
static enum pool_err
object_lookup(struct pool *p, uintptr_t obj, struct pool_slab **sp)
{
    struct pool_slab *s;

    if (obj == 0)
        return POOL_ERR_NULL;
    s = slab_find(p, obj);
    if (s == NULL)
        return owned_elsewhere(p, obj) ? POOL_ERR_WRONG_POOL
                                       : POOL_ERR_FOREIGN;
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
    trace(p, "free", (uintptr_t)obj);
    if (p->flags & POOL_POISON)
        mm_memset(obj, POOL_POISON_BYTE, p->objsize);
    /* LAB: pool_free */
    *link_of(p, obj) = s->freelist;
    s->freelist = obj;
    map_set(s, pool_index_of(s, obj), true);
    if (s->nfree++ == 0)
        partial_add(p, s);
    /* LAB END */
    p->active--;
    p->nfrees++;
    if (s->nfree == s->nobjs && p->src != NULL) {
        if (p->cached == NULL || p->cached == s)
            p->cached = s;
        else
            slab_return(p, s);
    }
    mm_unlock(&p->lock);
    return POOL_OK;
}

/*
 * Destroys p: every slab goes back to the page source and p leaves the
 * registry.  POOL_ERR_BUSY (nothing changed) while objects are in use.
 */
enum pool_err
pool_destroy(struct pool *p)
{
    if (p->active != 0)
        return pool_fail(p, POOL_ERR_BUSY, (uintptr_t)p);
    while (p->src != NULL && p->nslabs > 0)
        slab_return(p, p->slab[p->nslabs - 1]);
    registry_remove(p);
    p->nslabs = 0;
    p->partial = NULL;
    return POOL_OK;
}

/* ---- statistics ----------------------------------------------------- */

size_t
pool_nobjs(const struct pool *p)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < p->nslabs; i++)
        n += p->slab[i]->nobjs;
    return n;
}

size_t
pool_nslabs_active(const struct pool *p)
{
    size_t n = 0;
    unsigned i;

    for (i = 0; i < p->nslabs; i++)
        n += p->slab[i]->nfree < p->slab[i]->nobjs;
    return n;
}

/*
 * Every live pool in the layout of Linux's /proc/slabinfo (version 2.1,
 * without the tunables Linux's per-CPU caches have).  pagesperslab is 0
 * for a static pool: its buffer is not from the page allocator.
 */
void
pool_print_slabinfo(void)
{
    const struct pool *p;

    mm_print("slabinfo - version: 2.1\n");
    mm_print("# name            <active_objs> <num_objs> <objsize> "
             "<objperslab> <pagesperslab> : slabdata <active_slabs> "
             "<num_slabs>\n");
    for (p = pool_registry; p != NULL; p = p->next_pool)
        mm_print("%-17s %6zu %6zu %6zu %4u %4u : slabdata %6zu %6u\n",
                 p->name, p->active, pool_nobjs(p), p->objsize,
                 p->objs_per_slab, p->src ? 1u << p->slab_order : 0u,
                 pool_nslabs_active(p), p->nslabs);
}

/* Is p in the registry of live pools?  O(pools). */
bool
pool_is_registered(const struct pool *p)
{
    const struct pool *q;

    for (q = pool_registry; q != NULL; q = q->next_pool)
        if (q == p)
            return true;
    return false;
}

/*
 * p's counters, one fact per line: "pool: NAME: A allocations, F frees,
 * M out of memory", then "pool: NAME: error REASON N" for every error.
 */
void
pool_print_errors(const struct pool *p)
{
    unsigned e;

    mm_print("pool: %s: %lu allocations, %lu frees, %lu out of memory\n",
             p->name, p->nallocs, p->nfrees, p->nerr[POOL_NOMEM]);
    for (e = POOL_NOMEM + 1; e < POOL_ERR_COUNT; e++)
        mm_print("pool: %s: error %-22s %lu\n", p->name, pool_err_name[e],
                 p->nerr[e]);
}

/* The counters of every live pool, in slabinfo order. */
void
pool_print_all_errors(void)
{
    const struct pool *p;

    for (p = pool_registry; p != NULL; p = p->next_pool)
        pool_print_errors(p);
}

/* ---- check ---------------------------------------------------------- */

static unsigned
check_fail(const struct pool *p, const char *what, uintptr_t addr)
{
    mm_print("pool: check: %s at 0x%08lx (pool %s)\n", what,
             (unsigned long)addr, p->name);
    return 1;
}

/* One slab: free list, free table, carve mark and count agree. */
static unsigned
check_slab(const struct pool *p, const struct pool_slab *s, size_t *nfree)
{
    unsigned bits = 0, listed = 0, i;
    const uint8_t *obj;

    if (s->magic != POOL_SLAB_MAGIC || s->pool != p)
        return check_fail(p, "slab header", s->start);
    for (i = 0; i < s->nobjs; i++)
        bits += pool_is_free(s, i);
    for (obj = s->freelist; obj != NULL && listed <= s->nobjs;
         obj = *link_of(p, (void *)obj)) {
        size_t idx = pool_index_of(s, obj);

        if (idx >= s->ncarved || !pool_is_free(s, idx))
            return check_fail(p, "bad free-list entry", (uintptr_t)obj);
        listed++;
    }
    for (i = s->ncarved; i < s->nobjs; i++)
        if (!pool_is_free(s, i))
            return check_fail(p, "uncarved object in use", s->start);
    if (bits != s->nfree || listed + (s->nobjs - s->ncarved) != s->nfree)
        return check_fail(p, "free count, list and table differ",
                          s->start);
    *nfree += s->nfree;
    return 0;
}

/*
 * Walks every slab of p; checks the slab table is sorted, each slab's
 * free table against its list and count, and the pool's totals.
 * Prints each violation; returns how many.
 */
unsigned
pool_check(struct pool *p)
{
    size_t nfree = 0, partial = 0;
    const struct pool_slab *s;
    unsigned bad = 0, i;

    mm_lock(&p->lock);
    for (i = 0; i < p->nslabs; i++) {
        if (i > 0 && p->slab[i - 1]->end > p->slab[i]->start)
            bad += check_fail(p, "slab table unsorted", p->slab[i]->start);
        bad += check_slab(p, p->slab[i], &nfree);
    }
    for (s = p->partial; s != NULL && partial <= p->nslabs; s = s->next)
        if (s->nfree == 0 || partial++ > p->nslabs)
            bad += check_fail(p, "full slab on the partial list", s->start);
    if (pool_nobjs(p) - nfree != p->active)
        bad += check_fail(p, "active count differs from the slabs", 0);
    mm_unlock(&p->lock);
    return bad;
}
