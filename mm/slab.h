/*
 * mm/slab.h - the slab: a run of memory carved into equal objects.
 *
 * Both users of equal-sized objects build on this one implementation:
 * the object pools (mm/pool.c) and kmalloc's buckets.  A slab is a run
 * of 2^order pages aligned to its own size, so the slab of any object
 * is its address rounded down to the slab's size (slab_of); or, for a
 * static pool, a caller's buffer with the header kept outside it.
 *
 *   slab of 2^order pages, header inside (slab_carve):
 *
 *   | struct slab: hot fields, map | cold | pad | obj 0 | ... | tail |
 *   start                                  start + first
 *
 * Each object has a bit in the free table (freemap, mm/bitmap.h: set =
 * free); up to 224 bits sit in the header (map), in the first 64 bytes
 * with the fields a free reads, so a free touches one cache line of its
 * slab (slab_header_bytes, mm/slab.c, says why); a larger table follows
 * the header.  A free object is also linked through a word of its own (at
 * link_off, 0 unless a constructor needs the object's bytes kept), so
 * take pops a list and put pushes one, both O(1).  Objects that were
 * never handed out are not on the list: they are carved one at a time
 * from the end of use (ncarved), which is when the constructor runs.
 *
 * Address and index convert without a division.  The geometry keeps
 * recip = ceil(2^32 / size), and
 *
 *     index = (off * recip) >> 32          off = addr - base
 *
 * e.g. 72-byte objects: recip = 59652324; object 3 at off 216:
 * 216 * 59652324 >> 32 = 3.  Why it is exact on every object boundary:
 * recip = (2^32 + e) / size with 0 <= e < size, so for off = i * size
 *
 *     off * recip / 2^32 = i + i * e / 2^32
 *
 * and i * e < nobjs * size <= the slab's bytes < 2^32, so the floor is
 * i.  Between boundaries the index may be one too high, but an address
 * is accepted only if base + index * size gives it back, which no
 * address between boundaries does: that one multiply is the alignment
 * check.  (slab.recip_exact tests every boundary of every size.)  For a
 * power of two, recip is 2^(32 - shift) and the product is a shift.
 *
 * Invariant: object i (i < ncarved) is free exactly when bit i is set,
 * and then it is on the free list exactly once or parked by its cache
 * (slab_park, below); objects ncarved and up have their bits set and
 * are on no list; nfree counts the set bits of objects not parked.
 * Bounds: take and put are O(1); carving is O(1) per object; a broken
 * free list is rebuilt from the table in O(objects per slab) (cold).
 * Metadata: sizeof(struct slab) per slab (slab.sizes prints it), past
 * 224 objects plus one bit per object, rounded up to 32-bit words.
 * Read after: mm/list.h, mm/bitmap.h.  Tests: mm/slab_test.c.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "bitmap.h"
#include "list.h"

#define SLAB_MAGIC          0x534C4142u     /* "SLAB": a live slab */
#define SLAB_MAX_ORDER      10              /* 4 MiB: the largest slab */
#define SLAB_MAX_SIZE       (MM_PAGE << 4)  /* 64 KiB: the largest object */

enum slab_err {
    SLAB_OK = 0,
    SLAB_MISALIGNED,            /* not an object of this slab */
    SLAB_DOUBLE_FREE,           /* object already free */
    SLAB_ERR_COUNT              /* keep last */
};

struct slab;

/* Runs once per object when it is first carved (Bonwick's caching). */
typedef void slab_ctor_fn(void *obj, void *arg);
/* Told when take finds a link that is no free object of s: at where. */
typedef void slab_bad_link_fn(struct slab *s, uintptr_t where);

/*
 * The shape of every slab of one cache (a pool, a kmalloc bucket):
 * written once by slab_geom_init, read-only after.
 */
struct slab_geom {
    size_t size;                /* bytes per object, align included */
    unsigned shift;             /* log2(size) for a power of two, else 0 */
    uint32_t recip;             /* ceil(2^32 / size): index by multiply */
    unsigned order;             /* pages per slab = 2^order */
    unsigned nobjs;             /* objects per slab */
    size_t first;               /* object 0's offset from the slab start */
    size_t link_off;            /* where a free object keeps its link */
    slab_ctor_fn *ctor;         /* NULL, or run on each first carve */
    void *ctor_arg;
    slab_bad_link_fn *bad_link; /* NULL, or told of a broken link */
    const void *owner;          /* NULL, or whom the cache serves (a
                                   kmalloc bucket: its heap) */
};

#define SLAB_MAP_INLINE     7       /* free-table words inside the header */

/* A slab's header: the fields a free reads and the table of up to 224
 * objects in its first 64 bytes, then those only slow paths touch. */
struct slab {
    uint32_t magic;             /* SLAB_MAGIC while alive */
    uint32_t nfree;             /* free objects, carved or not */
    void *cache;                /* the owner: a pool, a kmalloc bucket;
                                   its first member is its slab_geom */
    uintptr_t base;             /* object 0 */
    uint32_t *freemap;          /* bit i set: object i is free (map,
                                   or the words after the header) */
    uint32_t map[SLAB_MAP_INLINE];  /* the table of up to 224 objects */
    uint32_t ncarved;           /* objects 0..ncarved-1 were carved */
    void *freelist;             /* freed objects, linked through them */
    struct mm_list link;        /* on its cache's partial or full list */
};

MM_STATIC_ASSERT(offsetof(struct slab, map) + sizeof(((struct slab *)0)->map)
                 <= 64, "a free reads one cache line of the header");

/* The slab whose list link is l. */
static MM_INLINE struct slab *
slab_of_link(struct mm_list *l)
{
    return (struct slab *)((uint8_t *)l - offsetof(struct slab, link));
}

/*
 * Fills g for objects of size bytes (rounded up to align, a power of
 * two, and to a pointer) in slabs of 2^order pages with the header at
 * their start; object 0 is aligned to align.  Returns g->nobjs, 0 when
 * not one object fits.  link_off, ctor and bad_link start 0/NULL; a
 * cache may set them before its first slab.
 */
unsigned slab_geom_init(struct slab_geom *g, size_t size, size_t align,
                        unsigned order);
/* The same for nobjs objects in a caller's buffer: no header inside. */
void slab_geom_outside(struct slab_geom *g, size_t size, size_t align,
                       unsigned nobjs);
/* Bytes a header-inside slab of nobjs objects spends before object 0. */
size_t slab_header_bytes(unsigned nobjs, size_t align);

/* Makes a slab of cache over the objects at base, all free, none carved. */
void slab_init(struct slab *s, const struct slab_geom *g, void *cache,
               uintptr_t base, uint32_t *freemap);
/* Makes a slab with its header at the start of mem (2^order pages). */
struct slab *slab_carve(void *mem, const struct slab_geom *g, void *cache);

/*
 * slab_take's slow half (slab_pop found nothing): the next object never
 * carved (constructed on the way out), else NULL when the slab is full.
 * If a write after free broke the list - its head is no free carved
 * object, or it ended while the table counts free carved objects - the
 * cache hears of it (bad_link) and the list is rebuilt from the table,
 * which is the truth.
 */
void *slab_take_slow(struct slab *s, const struct slab_geom *g);
/* Checks s against its table and g: prints nothing, returns what is
 * wrong ("bad free-list entry", ...) or NULL, and where in *addr. */
const char *slab_check(const struct slab *s, const struct slab_geom *g,
                       uintptr_t *addr);
/* The same when the cache holds nparked of s's free objects outside its
 * list (marked free in the table, not counted in nfree). */
const char *slab_check_parked(const struct slab *s, const struct slab_geom *g,
                              uint32_t nparked, uintptr_t *addr);

/* The slab of 2^order pages holding obj: its address rounded down. */
static MM_INLINE struct slab *
slab_of(const void *obj, unsigned order)
{
    return (struct slab *)((uintptr_t)obj &
                           ~(((uintptr_t)MM_PAGE << order) - 1));
}

/* Index of the object that would be at addr; exact on boundaries. */
static MM_INLINE uint32_t
slab_index(const struct slab *s, const struct slab_geom *g, uintptr_t addr)
{
    return (uint32_t)(((uint64_t)(uint32_t)(addr - s->base) * g->recip)
                      >> 32);
}

static MM_INLINE void *
slab_object(const struct slab *s, const struct slab_geom *g, uint32_t i)
{
    return (void *)(s->base + (uintptr_t)i * g->size);
}

/* The word where free object obj keeps its free-list link. */
static MM_INLINE void **
slab_link(const struct slab_geom *g, void *obj)
{
    return (void **)((uint8_t *)obj + g->link_off);
}

/*
 * The index of the object at addr if it is one of objects 0..limit-1 of
 * s, else -1.  For a power-of-two size, an address is an object's when
 * its offset has no bit below the shift, and its index is the offset
 * shifted.  Else addr - base is cut to 32 bits before the multiply, and
 * the compare against the object's own address refuses whatever that
 * or the rounding of recip made of an address that is no object.
 *
 * The power-of-two test is one compare: the offset is rotated right by
 * the shift (x86's ror), so bits below the shift land on top and make
 * the index far too large.  64-byte objects (shift 6), 32-bit words:
 * offset 128 rotates to 2; offset 136 to 2 | 8 << 26, which no limit
 * reaches (a slab holds fewer than 2^(32 - shift) objects).
 */
static MM_INLINE long
slab_lookup_pow2(const struct slab *s, const struct slab_geom *g,
                 uintptr_t addr, uint32_t limit)
{
    uintptr_t off = addr - s->base;
    unsigned bits = 8 * sizeof off;
    uintptr_t rot = (off >> g->shift) | (off << ((bits - g->shift) % bits));

    if (rot >= limit)
        return -1;
    return (long)rot;
}

static MM_INLINE long
slab_lookup(const struct slab *s, const struct slab_geom *g, uintptr_t addr,
            uint32_t limit)
{
    uint32_t i;

    if (MM_LIKELY(g->shift != 0))       /* a power of two: rotate, compare */
        return slab_lookup_pow2(s, g, addr, limit);
    i = slab_index(s, g, addr);
    if (i >= limit || (uintptr_t)slab_object(s, g, i) != addr)
        return -1;
    return (long)i;
}

/*
 * The fast half of take: pops the head of the free list, or returns
 * NULL when the list is empty or its head is bad (then slab_take does
 * it the slow way).  The head is checked before it is handed out - a
 * carved object, on a boundary, marked free - with the index that
 * clearing its bit needs anyway, so each link is checked once, when the
 * object it leads to is taken.
 */
/* Lab 5: take the head of the embedded free list */
static MM_INLINE void *
slab_pop(struct slab *s, const struct slab_geom *g)
{
    void *obj = s->freelist;
    long i;

    if (MM_UNLIKELY(obj == NULL))
        return NULL;
    i = slab_lookup(s, g, (uintptr_t)obj, s->ncarved);
    if (MM_UNLIKELY(i < 0 || !mm_bitmap_test(s->freemap, (size_t)i)))
        return NULL;
    s->freelist = *slab_link(g, obj);
    mm_bitmap_clear(s->freemap, (size_t)i);
    s->nfree--;
    return obj;
}

/*
 * Takes a free object: the head of the free list (slab_pop), else, out
 * of line, an object never carved or one from the repaired list; NULL
 * when the slab is full.
 */
static MM_INLINE void *
slab_take(struct slab *s, const struct slab_geom *g)
{
    void *obj = slab_pop(s, g);

    return obj != NULL ? obj : slab_take_slow(s, g);
}

/*
 * Gives obj back to s.  SLAB_MISALIGNED when obj is no object boundary
 * of s, SLAB_DOUBLE_FREE when it is free already (an object never
 * carved is free too); on error nothing changes.
 */
/* Lab 5: give an object back: free table and free list */
static MM_INLINE enum slab_err
slab_put(struct slab *s, const struct slab_geom *g, void *obj)
{
    long i = slab_lookup(s, g, (uintptr_t)obj, g->nobjs);

    if (MM_UNLIKELY(i < 0))
        return SLAB_MISALIGNED;
    if (MM_UNLIKELY(mm_bitmap_test(s->freemap, (size_t)i)))
        return SLAB_DOUBLE_FREE;
    mm_bitmap_set(s->freemap, (size_t)i);
    *slab_link(g, obj) = s->freelist;
    s->freelist = obj;
    s->nfree++;
    return SLAB_OK;
}

/*
 * Parking: a cache may keep objects it was given back in an array of
 * its own rather than on their slab's list, and hand them out from
 * there (mm/kheap.c's buckets do).  A parked object is free in its
 * slab's table, so a second free of it is still a double free, but it
 * is on no list and not counted in nfree.
 *
 * slab_park gives obj back without listing it: the checks and errors of
 * slab_put, the bit set, nothing else; *word and *bit say where the bit
 * is, so that the cache, keeping them beside obj, clears it when it
 * hands obj out again (slab_unpark) without finding obj's slab.
 */
static MM_INLINE enum slab_err
slab_park(struct slab *s, const struct slab_geom *g, void *obj,
          uint32_t **word, uint32_t *bit)
{
    long i = slab_lookup(s, g, (uintptr_t)obj, g->nobjs);
    uint32_t *w, m, old;

    if (MM_UNLIKELY(i < 0))
        return SLAB_MISALIGNED;
    w = &s->freemap[(size_t)i / 32];
    m = 1u << ((size_t)i % 32);
    old = *w;
    if (MM_UNLIKELY(old & m))
        return SLAB_DOUBLE_FREE;        /* nothing changed */
    *w = old | m;
    *word = w;
    *bit = m;
    return SLAB_OK;
}

/* Hands out again the parked object whose bit slab_park gave. */
static MM_INLINE void
slab_unpark(uint32_t *word, uint32_t bit)
{
    *word &= ~bit;
}

/* Puts a parked object on its slab's list, as slab_put would have. */
static MM_INLINE void
slab_unpark_put(struct slab *s, const struct slab_geom *g, void *obj)
{
    *slab_link(g, obj) = s->freelist;
    s->freelist = obj;
    s->nfree++;
}

/*
 * mm/slab_picture.c: s's objects as a row of cells, "PREFIX |##.#--|"
 * (legend: slab_picture_legend); show_order adds the free list, head
 * first, and the objects still to be carved.
 */
extern const char slab_picture_legend[];
void slab_print_cells(const char *prefix, const struct slab *s,
                      const struct slab_geom *g, bool show_order);

#endif /* MM_SLAB_H */
