/*
 * mm/slab.c - the slab's geometry, set-up, repair and checker.
 *
 * Take and put are inline in mm/slab.h, where a cache's fast path can
 * fold them in; this file holds what runs once per cache (the
 * geometry), once per slab (set-up), the slow half of take (carving,
 * and the repair of a broken free list), and the checker.
 *
 * Invariant, bounds, metadata: those of mm/slab.h.  Geometry is
 * O(1); slab set-up O(objects / 32) to fill the free table; repair and
 * check O(objects per slab).
 * Read after: mm/slab.h.  Tests: mm/slab_test.c.
 */
#include "slab.h"

/* x rounded up to a multiple of a, a power of two: 20 up to 8 is 24. */
static size_t
round_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Fills size, shift and recip for objects of size bytes. */
static void
geom_size(struct slab_geom *g, size_t size)
{
    MM_ASSERT(size >= sizeof(void *) && size <= SLAB_MAX_SIZE);
    *g = (struct slab_geom){ .size = size };
    if ((size & (size - 1)) == 0)
        g->shift = (unsigned)__builtin_ctzl((unsigned long)size);
    /* ceil(2^32 / size), computed in 64 bits: 72 -> 59652324. */
    g->recip = (uint32_t)(((1ULL << 32) + size - 1) / size);
}

/* Whether the table of nobjs objects fits the header's own map. */
static bool
table_inside(unsigned nobjs)
{
    return MM_BITMAP_WORDS(nobjs) <= SLAB_MAP_INLINE;
}

/*
 * Bytes before object 0: the header, with the free table inside it for
 * up to 32 * SLAB_MAP_INLINE objects, else followed by the table.
 *
 * Why inside: every slab's header starts a page, so the headers of all
 * slabs sit at the same page offset, and a cache indexes its sets by
 * the low bits of an address: on a typical x86 L1 (64 sets of 64-byte
 * lines) every header line falls in one set of 8 ways.  A free of a
 * random object therefore misses on its header almost always; with the
 * table after the header it missed twice (offset 0, then offset 64),
 * with the table inside the line it misses once.
 */
size_t
slab_header_bytes(unsigned nobjs, size_t align)
{
    size_t words = table_inside(nobjs) ? 0 : MM_BITMAP_WORDS(nobjs);

    return round_up(sizeof(struct slab) + words * sizeof(uint32_t), align);
}

/*
 * The most objects of g->size bytes that fit in 2^order pages after a
 * header and a free table for them: start from bytes / size and give
 * back objects until the header fits (a few steps: the header is small).
 */
unsigned
slab_geom_init(struct slab_geom *g, size_t size, size_t align,
               unsigned order)
{
    size_t bytes = MM_PAGE << order;
    unsigned n;

    MM_ASSERT(order <= SLAB_MAX_ORDER && align != 0 &&
              (align & (align - 1)) == 0);
    if (align < sizeof(void *))
        align = sizeof(void *);
    geom_size(g, round_up(size < sizeof(void *) ? sizeof(void *) : size,
                          align));
    g->order = order;
    n = (unsigned)(bytes / g->size);
    while (n > 0 && slab_header_bytes(n, align) + n * g->size > bytes)
        n--;
    g->nobjs = n;
    g->first = slab_header_bytes(n, align);
    return n;
}

void
slab_geom_outside(struct slab_geom *g, size_t size, size_t align,
                  unsigned nobjs)
{
    if (align < sizeof(void *))
        align = sizeof(void *);
    geom_size(g, round_up(size < sizeof(void *) ? sizeof(void *) : size,
                          align));
    /* The index proof in mm/slab.h needs nobjs * size < 2^32. */
    MM_ASSERT((uint64_t)nobjs * g->size < (1ULL << 32));
    g->nobjs = nobjs;
}

void
slab_init(struct slab *s, const struct slab_geom *g, void *cache,
          uintptr_t base, uint32_t *freemap)
{
    *s = (struct slab){ .magic = SLAB_MAGIC, .nfree = g->nobjs,
                        .cache = cache, .base = base, .freemap = freemap };
    mm_list_init(&s->link);
    mm_bitmap_fill(freemap, g->nobjs);
}

/*
 * The header goes at the start of mem, object 0 at mem + first.  The
 * free table is the header's own map for up to 32 * SLAB_MAP_INLINE
 * objects, else the words right after the header:
 *
 *   | struct slab, map inside | pad | obj 0 | ...        small slab
 *   | struct slab | freemap   | pad | obj 0 | ...        large slab
 */
/* Lab 5: lay a slab's header and free table over fresh pages */
struct slab *
slab_carve(void *mem, const struct slab_geom *g, void *cache)
{
    struct slab *s = mem;

    MM_ASSERT(((uintptr_t)mem & ((MM_PAGE << g->order) - 1)) == 0);
    slab_init(s, g, cache, (uintptr_t)mem + g->first,
              table_inside(g->nobjs) ? s->map : (uint32_t *)(s + 1));
    return s;
}

/* Links every free carved object, from the table, and counts them all. */
static void
rebuild_list(struct slab *s, const struct slab_geom *g)
{
    uint32_t i;

    s->freelist = NULL;
    for (i = s->ncarved; i-- > 0;) {
        void *obj = slab_object(s, g, i);

        if (mm_bitmap_test(s->freemap, i)) {
            *slab_link(g, obj) = s->freelist;
            s->freelist = obj;
        }
    }
    s->nfree = (uint32_t)mm_bitmap_count(s->freemap, g->nobjs);
}

/*
 * The list disagrees with the table.  The cache hears of it first
 * (bad_link: at the bad head, or at object 0 for a list that ended
 * early); then the list is rebuilt and the count taken from the table
 * again, so that the take that follows finds them in step.
 */
static MM_COLD void
repair(struct slab *s, const struct slab_geom *g)
{
    if (g->bad_link != NULL)
        g->bad_link(s, s->freelist != NULL ? (uintptr_t)s->freelist :
                                             s->base);
    rebuild_list(s, g);
}

/*
 * Called when slab_pop found nothing: a list that is not empty has a
 * bad head, and an empty one must leave exactly the uncarved objects
 * free; else the list is repaired first.
 */
/* Lab 5: carve the next object, running the constructor */
void *
slab_take_slow(struct slab *s, const struct slab_geom *g)
{
    void *obj;
    uint32_t i;

    if (s->freelist != NULL || s->nfree != g->nobjs - s->ncarved) {
        repair(s, g);
        if ((obj = slab_pop(s, g)) != NULL)
            return obj;
    }
    if (s->nfree == 0)
        return NULL;
    i = s->ncarved++;
    obj = slab_object(s, g, i);
    if (g->ctor != NULL)
        g->ctor(obj, g->ctor_arg);
    mm_bitmap_clear(s->freemap, i);
    s->nfree--;
    return obj;
}

/*
 * Walks s: header, free list (each entry a free carved object, no more
 * entries than carved objects), uncarved objects all free, and the
 * count, the table and the list agree, nparked objects being free in
 * the table but held by the cache outside the list (its array of
 * recently freed objects).  Returns the first violation and where it
 * is in *addr (an object, or the slab), or NULL.
 */
const char *
slab_check_parked(const struct slab *s, const struct slab_geom *g,
                  uint32_t nparked, uintptr_t *addr)
{
    uint32_t listed = 0, i;
    void *obj;

    *addr = (uintptr_t)s;
    if (s->magic != SLAB_MAGIC)
        return "slab header";
    /* A list longer than the carved objects loops: the walk stops and
     * the count below disagrees. */
    for (obj = s->freelist; obj != NULL && listed <= s->ncarved;
         obj = *slab_link(g, obj)) {
        long k = slab_lookup(s, g, (uintptr_t)obj, s->ncarved);

        *addr = (uintptr_t)obj;
        if (k < 0 || !mm_bitmap_test(s->freemap, (size_t)k))
            return "bad free-list entry";
        listed++;
    }
    *addr = (uintptr_t)s;
    for (i = s->ncarved; i < g->nobjs; i++)
        if (!mm_bitmap_test(s->freemap, i))
            return "uncarved object in use";
    if (mm_bitmap_count(s->freemap, g->nobjs) != s->nfree + nparked ||
        listed + (g->nobjs - s->ncarved) != s->nfree)
        return "free count, list and table differ";
    return NULL;
}

/* slab_check_parked for a slab whose cache holds none of its objects. */
const char *
slab_check(const struct slab *s, const struct slab_geom *g, uintptr_t *addr)
{
    return slab_check_parked(s, g, 0, addr);
}
