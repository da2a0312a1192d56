/*
 * mm/kheap.h - kmalloc: a McKusick-Karels bucket heap with extents.
 *
 * A heap hands out blocks in power-of-two buckets from 16 bytes to half
 * a page, and larger requests as runs of pages.  Every block is aligned
 * to its size, up to a page: kmalloc(64) is 64-byte aligned, kmalloc(100)
 * 128-byte aligned, kmalloc(5000) page aligned.  A heap's memory is one
 * or more extents: caller-given areas (kheap_init, kheap_extend), or,
 * for a growing heap, blocks taken from a page source on demand.
 * kmalloc() and friends use the kernel's global heap.  See mm/kheap.c.
 *
 * kmalloc(0) returns NULL and counts nothing; kfree(NULL) does nothing.
 * No block carries a header: kfree finds the size from the page.
 */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include "bitmap.h"
#include "buddy.h"
#include "err.h"
#include "list.h"
#include "table.h"

#define KHEAP_MIN_SHIFT     4                       /* 16-byte blocks */
#define KHEAP_MIN_SIZE      (1u << KHEAP_MIN_SHIFT)
#define KHEAP_NBUCKETS      (MM_PAGE_SHIFT - 1 - KHEAP_MIN_SHIFT + 1)
#define KHEAP_MAX_SMALL     (MM_PAGE / 2)           /* largest bucket */
#define KHEAP_MAX_EXTENTS   BUDDY_MAX_ZONES
#define KHEAP_BLOCKS_MAX    (MM_PAGE / KHEAP_MIN_SIZE)  /* per page */

enum kheap_err {
    KHEAP_OK = 0,
    KHEAP_NOMEM,                /* no memory (not an error: counted) */
    KHEAP_ERR_FOREIGN,          /* pointer in no extent of this heap */
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

/* What a page-table entry's kind says its page is. */
#define KHEAP_PAGE_UNUSED   0   /* free in the buddy, or inside a run */
#define KHEAP_PAGE_BUCKET   1   /* carved into blocks of one bucket */
#define KHEAP_PAGE_LARGE    2   /* first page of a run of 2^order pages */

#define KHEAP_KEY1          0x4B484541u     /* "KHEA" */
#define KHEAP_KEY2          0x50455854u     /* "PEXT" */
#define KHEAP_NOT_FROM_SRC  0xFFu

/*
 * One page's entry in its extent's page table - the paper's kmemsizes,
 * with the 4.4BSD kmemusage counts beside it.
 */
struct kheap_page {
    struct mm_list link;        /* on its bucket's list while the page
                                   has a free block */
    uint8_t kind;               /* KHEAP_PAGE_* (mm/kheap_internal.h) */
    uint8_t bucket;             /* bucket index, or order of a large run */
    uint16_t nfree;             /* free blocks in this page */
    void *freelist;             /* first free block; linked through them */
    uint32_t freemap[MM_BITMAP_WORDS(KHEAP_BLOCKS_MAX)];
                                /* bit set: block free */
};

/* The header at the start of every extent, keys at both ends. */
struct kheap_extent {
    uint32_t key1;              /* KHEAP_KEY1 */
    struct kheap *heap;         /* owner */
    struct mm_range area;       /* the area, as given: [first, last] */
    size_t size_bytes;
    uintptr_t first_page;       /* address of the page page[0] describes */
    size_t npages;
    unsigned src_order;         /* order taken from the page source, or
                                   KHEAP_NOT_FROM_SRC */
    struct kheap_page *page;    /* npages entries, right after this */
    uint32_t key2;              /* KHEAP_KEY2 */
};

struct kheap_bucket {
    size_t size;                /* block size in bytes */
    struct mm_list pages;       /* pages with a free block, partly used
                                   first */
    unsigned nempty;            /* pages on that list with every block
                                   free (kept: at most 1, the spare) */
    size_t inuse;               /* blocks handed out */
    size_t nfree;               /* free blocks in the bucket's pages */
    size_t npages;              /* pages the bucket holds */
    size_t hwm;                 /* most blocks ever in use at once */
    unsigned long requests;     /* allocations served, all time */
};

struct kheap {
    const char *name;
    bool poison;                /* poison freed blocks (fixed at init) */
    bool guard;                 /* guard bytes after blocks (fixed) */
    struct buddy pages;         /* the extents' pages */
    struct mm_range *ext[KHEAP_MAX_EXTENTS];    /* their areas, by address */
    unsigned next;
    const struct mm_pagesrc *src;   /* grows from here, or NULL */
    unsigned grow_order;        /* order of the next extent from src */
    struct kheap_extent *spare; /* an empty extent kept (hysteresis) */
    struct kheap_bucket bucket[KHEAP_NBUCKETS];
    size_t large_inuse;         /* page runs handed out */
    size_t large_pages;         /* pages in them */
    size_t large_hwm;
    unsigned long large_requests;
    unsigned long nerr[KHEAP_ERR_COUNT];    /* [KHEAP_NOMEM]: nomem */
    struct mm_lock lock;
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

int kheap_bucket_of(size_t size);
size_t kheap_pages_held(const struct kheap *h);
void kheap_print_stats(const struct kheap *h);
void kheap_print_errors(const struct kheap *h);
void kheap_print_page(const struct kheap *h, const void *p);
unsigned kheap_check(struct kheap *h);
struct kheap_extent *kheap_extent_at(const struct kheap *h, unsigned i);

/*
 * The page ledger's view (mm/kheap_owner.c).  kheap_claim claims each
 * extent whose keys hold (depth 1), the pages of its buddy zone (depth
 * 2) and what each page-table entry says (depth 3).
 * kheap_bucket_page_free: the free blocks of the bucket page holding
 * addr and, in *nblocks, how many it has; -1 if it is no bucket page.
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
size_t ksize(const void *p);

#endif /* MM_KHEAP_H */
