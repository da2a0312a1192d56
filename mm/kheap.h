/*
 * mm/kheap.h - kmalloc: a McKusick-Karels bucket heap on slabs.
 *
 * A heap hands out blocks in power-of-two buckets from 16 bytes to half
 * a page, and larger requests as runs of pages up to the page source's
 * largest block (4 MiB).  Every block is aligned to its size, up to a
 * page: kmalloc(64) is 64-byte aligned, kmalloc(100) 128-byte aligned,
 * kmalloc(5000) page aligned.  A heap takes bucket slabs and runs
 * straight from its page source and finds what a pointer is from the
 * owner byte of its page (mm/pagesrc.h): no search, no header per block.
 *
 * Two kinds of heap share the code:
 *   - a heap on a page source (kheap_init_growing): the kernel's kmalloc
 *     heap on the kernel's buddy allocator, growing up to free memory;
 *   - a heap over caller-given extents (kheap_init over an area, then
 *     kheap_extend, kheap_destroy with a release callback, as Xenomai's
 *     xnheap): its page source is a private buddy whose zones are the
 *     extents (mm/kheap_extent.c).
 * kmalloc() and friends use the kernel's global heap.  See mm/kheap.c.
 *
 * kmalloc(0) returns NULL and counts nothing; kfree(NULL) does nothing.
 */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include "buddy.h"
#include "err.h"
#include "list.h"
#include "slab.h"
#include "table.h"

#define KHEAP_MIN_SHIFT     4                       /* 16-byte blocks */
#define KHEAP_MIN_SIZE      (1u << KHEAP_MIN_SHIFT)
#define KHEAP_NBUCKETS      (MM_PAGE_SHIFT - 1 - KHEAP_MIN_SHIFT + 1)
#define KHEAP_MAX_SMALL     (MM_PAGE / 2)           /* largest bucket */
#define KHEAP_MAX_EXTENTS   BUDDY_MAX_ZONES
#define KHEAP_ARRAY         32      /* freed blocks a bucket keeps */

enum kheap_err {
    KHEAP_OK = 0,
    KHEAP_NOMEM,                /* no memory (not an error: counted) */
    KHEAP_ERR_FOREIGN,          /* pointer in no block of this heap */
    KHEAP_ERR_MISALIGNED,       /* not on a 16-byte boundary */
    KHEAP_ERR_INTERIOR,         /* inside a block, not its start */
    KHEAP_ERR_DOUBLE_FREE,      /* block already free */
    KHEAP_ERR_SIZE,             /* larger than any block can be */
    KHEAP_ERR_OVERFLOW,         /* kcalloc: n * size overflows */
    KHEAP_ERR_KEY,              /* an extent's header keys overwritten */
    KHEAP_ERR_POISON,           /* a freed block was written to */
    KHEAP_ERR_GUARD,            /* guard bytes after a block overwritten */
    KHEAP_ERR_PAGESIZE,         /* init: page size other than MM_PAGE */
    KHEAP_ERR_EXTENT,           /* extend: too small, overlapping, full */
    KHEAP_ERR_COUNT             /* keep last */
};

/* The heap's flags word: any bit set sends a call down the aided path. */
#define KHEAP_F_POISON      0x1u    /* poison freed blocks */
#define KHEAP_F_GUARD       0x2u    /* guard bytes after blocks */
#define KHEAP_F_EXTENTS     0x4u    /* over extents: keys checked on free */
#define KHEAP_F_TRACE       0x8u    /* a trace line per call (kheap_set_trace) */

#define KHEAP_KEY1          0x4B484541u     /* "KHEA" */
#define KHEAP_KEY2          0x50455854u     /* "PEXT" */

/* The header at the start of every caller-given extent. */
struct kheap_extent {
    uint32_t key1;              /* KHEAP_KEY1 */
    struct kheap *heap;         /* owner */
    struct mm_range area;       /* the area, as given: [first, last] */
    size_t size_bytes;
    uint32_t key2;              /* KHEAP_KEY2 */
};

/*
 * A bucket: a cache of slabs whose objects are the bucket's blocks.
 * Each slab is either on the partial list (some blocks free, some
 * handed out), full (none free: on no list, only counted, so that a
 * slab filling up and emptying by one costs one list operation each),
 * or the bucket's one empty slab (every block free; kept so that an
 * alloc/free pair at a slab's edge does not call the page source every
 * time).
 */
struct kheap_bucket {
    struct slab_geom geom;      /* blocks of 16 << i bytes; first, as
                                   slab.cache wants; geom.owner: the heap */
    struct mm_list partial;     /* slabs with free and used blocks */
    size_t nfull;               /* slabs with no free block */
    struct slab *empty;         /* the kept empty slab, or NULL */
    size_t npages;              /* pages in the bucket's slabs */
    unsigned long requests;     /* allocations served, all time */
    size_t nout;                /* blocks out of the slabs' lists and
                                   uncarved: handed out or in array[] */
    size_t hwm;                 /* most blocks ever in use at once */
    size_t navail;              /* blocks in array[] */
    /* Freed blocks kept for reuse, newest last: free in their slabs'
     * tables, on no list (parked, mm/slab.h); with each, its free-table
     * word and bit, to clear when it is handed out again. */
    void *array[KHEAP_ARRAY];
    uint32_t *array_word[KHEAP_ARRAY];
    uint32_t array_bit[KHEAP_ARRAY];
};

/* Blocks of bucket b handed out now. */
static inline size_t
kheap_inuse(const struct kheap_bucket *b)
{
    return b->nout - b->navail;
}

struct kheap {
    const char *name;
    unsigned flags;             /* KHEAP_F_*, fixed at init */
    bool poison;                /* flags & KHEAP_F_POISON, for reports */
    bool guard;                 /* flags & KHEAP_F_GUARD, for reports */
    const struct mm_pagesrc *src;   /* slabs and runs come from here */
    const struct mm_pagesrc_window *win;    /* src's window, or an
                                               empty one */
    size_t fast_max;            /* KHEAP_MAX_SMALL; 0 when flags are set:
                                   sizes above it leave the fast path */
    struct kheap_bucket bucket[KHEAP_NBUCKETS];
    /* by_size[(n - 1) >> KHEAP_MIN_SHIFT]: the bucket for n bytes */
    struct kheap_bucket *by_size[KHEAP_MAX_SMALL >> KHEAP_MIN_SHIFT];
    size_t large_inuse;         /* page runs handed out */
    size_t large_pages;         /* pages in them */
    size_t large_hwm;
    unsigned long large_requests;
    unsigned long nerr[KHEAP_ERR_COUNT];    /* [KHEAP_NOMEM]: nomem */
    struct mm_lock lock;
    /* A heap over extents only (mm/kheap_extent.c): */
    struct mm_pagesrc own;      /* the page source over the extents */
    struct buddy pages;         /* the extents' pages, one zone each */
    struct mm_range *ext[KHEAP_MAX_EXTENTS];    /* their areas, sorted */
    unsigned next;              /* extents in ext[] */
};

/* Called once per extent by kheap_destroy, to give the area back. */
typedef void kheap_release_fn(struct kheap *h, void *area, size_t size_bytes,
                              void *cookie);

extern const char *const kheap_err_name[KHEAP_ERR_COUNT];

enum kheap_err kheap_init(struct kheap *h, const char *name, void *area,
                          size_t size_bytes, size_t page_size);
void kheap_init_growing(struct kheap *h, const char *name,
                        const struct mm_pagesrc *src);
enum kheap_err kheap_extend(struct kheap *h, void *area, size_t size_bytes);
void kheap_destroy(struct kheap *h, kheap_release_fn *release, void *cookie);

void *kheap_alloc(struct kheap *h, size_t size);
void *kheap_zalloc(struct kheap *h, size_t size);
void *kheap_calloc(struct kheap *h, size_t n, size_t size);
enum kheap_err kheap_free(struct kheap *h, void *p);
void *kheap_realloc(struct kheap *h, void *p, size_t size);
size_t kheap_size(struct kheap *h, const void *p);
void kheap_trim(struct kheap *h);
size_t kheap_flush(struct kheap *h);
void kheap_bad_link(struct slab *s, uintptr_t where);
void kheap_set_trace(struct kheap *h, bool on);
size_t kheap_reclaim(void *heap);

int kheap_bucket_of(size_t size);
size_t kheap_pages_held(const struct kheap *h);
void kheap_print_stats(const struct kheap *h);
void kheap_print_errors(const struct kheap *h);
void kheap_print_page(const struct kheap *h, const void *p);
unsigned kheap_check(struct kheap *h);

/*
 * mm/kheap_picture.c: the pages from first to last (the last byte) as
 * a map of buckets and runs, and bucket i's slabs there as cells
 * (false: no bucket i).
 */
extern const char kheap_map_legend[];
void kheap_print_map(struct kheap *h, const void *first, const void *last);
bool kheap_print_bucket(struct kheap *h, unsigned i, const void *first,
                        const void *last, bool show_order);
struct kheap_extent *kheap_extent_at(const struct kheap *h, unsigned i);

/*
 * The page ledger's view (mm/kheap_owner.c).  kheap_claim claims what
 * the owner bytes say the heap holds: on a page source, each bucket
 * slab and run at depth 1 (inside the page allocator's block); over
 * extents, each extent (depth 1), the pages of its zone (depth 2) and
 * each slab and run (depth 3).
 * kheap_bucket_page_free: the free blocks of the bucket slab holding
 * addr and, in *nblocks, how many it has; -1 if it is no bucket slab.
 */
struct ledger;
void kheap_claim(const struct kheap *h, struct ledger *l);
int kheap_bucket_page_free(const struct kheap *h, uintptr_t addr,
                           unsigned *nblocks);

/* The global heap: kmalloc_init() once, with the kernel's page source. */
void kmalloc_init(const struct mm_pagesrc *src);
struct kheap *kmalloc_heap(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *p, size_t size);
void kfree(void *p);
void kmalloc_trace_switched(void);
size_t ksize(const void *p);

#endif /* MM_KHEAP_H */
