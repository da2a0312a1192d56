/*
 * mm/buddy.h - binary buddy page allocator: the kernel's page allocator.
 *
 * An allocator (struct buddy) manages up to BUDDY_MAX_ZONES zones, each a
 * contiguous range of whole pages, and hands out blocks of 2^order pages
 * (order 0..BUDDY_MAX_ORDER).  A block is always naturally aligned: an
 * order-k block starts on a multiple of 2^k pages in absolute addresses,
 * so a page source built on it (buddy_pagesrc) meets mm/pagesrc.h.
 *
 * Invariant: each managed page lies in exactly one block, free or in
 * use; no two free buddies of the same order coexist.
 * Bounds: alloc O(zones + BUDDY_MAX_ORDER); free, size-of, owner and
 * resize in place O(BUDDY_MAX_ORDER) - a zone map, one byte per 4 MiB
 * chunk of the span the zones cover, finds an address's zone in O(1)
 * (see struct buddy); a sorted table of the zones' ranges (mm/table.h)
 * numbers them by address.
 * Zones are numbered by address (buddy_zone_at, buddyinfo, traces);
 * the slots of zone[] are in no particular order.  Nothing
 * walks pages or free lists except zone set-up, buddy_check() and the
 * picture.
 * Metadata: 10 bytes per page (0.24%), inside the zone or supplied by
 * the caller: a state byte the buddy keeps, an owner byte the layer
 * holding the page writes (mm/pagesrc.h) and the free-list links (two
 * 32-bit page indices), so no free page is written.
 * See mm/buddy.c for the design.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "err.h"
#include "list.h"
#include "pagesrc.h"
#include "table.h"

#define BUDDY_MAX_ORDER     10      /* largest block: 2^10 pages = 4 MiB */
#define BUDDY_NORDERS       (BUDDY_MAX_ORDER + 1)
#define BUDDY_MAX_ZONES     32      /* zones one allocator can hold */
#define BUDDY_MAP_SLOTS     1024    /* zone map: 4 GiB in 4 MiB chunks */
#define BUDDY_MAP_NONE      (BUDDY_MAX_ZONES + 1)   /* zone map: no zone
                                                       in this chunk */

/*
 * What a call can report.  BUDDY_NOMEM is not the caller's mistake (out
 * of memory never is); it has a counter like the errors, nothing more.
 */
enum buddy_err {
    BUDDY_OK = 0,
    BUDDY_NOMEM,                /* no free block large enough */
    BUDDY_ERR_FOREIGN,          /* address in no zone */
    BUDDY_ERR_MISALIGNED,       /* not page aligned */
    BUDDY_ERR_INTERIOR,         /* inside a block, not its first page */
    BUDDY_ERR_DOUBLE_FREE,      /* block already free */
    BUDDY_ERR_NOT_ALLOCATED,    /* resize/size-of: no allocated block */
    BUDDY_ERR_ORDER,            /* order above BUDDY_MAX_ORDER */
    BUDDY_ERR_SIZE,             /* size 0, or rounding it up overflows */
    BUDDY_ERR_ZONE,             /* zone too small, overlapping, table full,
                                   or (remove) still in use */
    BUDDY_ERR_POISON,           /* a poisoned free page was written */
    BUDDY_ERR_COUNT             /* keep last */
};

/*
 * The state byte of each page (mm/buddy_internal.h explains them); here
 * so that the page ledger (mm/buddy_owner.c) can read a zone's pages.
 */
#define BUDDY_META_FREE     0x80u   /* head of a free block | order */
#define BUDDY_META_ALLOC    0x40u   /* head of an allocated block | order */
#define BUDDY_META_TAIL     0x20u   /* any other page of a block */
#define BUDDY_META_RSVD     0x10u   /* never handed out */
#define BUDDY_META_PARKED   0xC0u   /* a free order-0 page in the array */
#define BUDDY_META_ORDER    0x0Fu

/*
 * A free block's place on its free list: the page indices (from the
 * zone's first page) of the blocks before and after it.  The links of
 * every page of a zone sit in one dense array beside the state bytes,
 * not in the free pages, so an unlink touches no free page (8 bytes per
 * page; section 6 of docs/performance.md measures both layouts).
 * Entries npages + k are the sentinel heads of the lists, k = order.
 */
struct buddy_link {
    uint32_t next;              /* towards the tail; the head at the end */
    uint32_t prev;              /* towards the head */
};

/* Metadata bytes for a zone of npages pages: a state byte, an owner byte
   and a link per page, the lists' heads, and room to align the links. */
#define BUDDY_META_SIZE(npages) \
    (((npages) + BUDDY_NORDERS) * sizeof(struct buddy_link) + \
     2 * (npages) + sizeof(uint32_t) - 1)

/* A zone: one contiguous range of whole pages. */
struct buddy_zone {
    struct mm_range pfns;       /* page frame numbers managed, reserved
                                   ones too: [first, last] */
    size_t npages;              /* pfns.last - pfns.first + 1 */
    size_t nreserved;           /* pages never handed out: used prefix and
                                   metadata */
    size_t meta_bytes;          /* metadata bytes (BUDDY_META_SIZE) */
    uint8_t *meta;              /* one state byte per page */
    uint8_t *owner;             /* one owner byte per page (mm/pagesrc.h),
                                   right after the state bytes */
    struct buddy_link *link;    /* npages links, then the BUDDY_NORDERS
                                   list heads, after the owner bytes */
    uintptr_t head0;            /* index of list 0's head: npages */
    uint8_t *meta_by_pfn;       /* meta - pfns.first: [pfn] is pfn's byte */
    uint8_t *owner_by_pfn;      /* owner - pfns.first, the same way */
    unsigned free_mask;         /* bit k set: list k is not empty */
    size_t nfree[BUDDY_NORDERS];            /* blocks on each list */
};

/*
 * A page in the buddy's array of freed order-0 pages (mm/buddy_park.c):
 * its zone and its index there.
 */
struct buddy_parked {
    struct buddy_zone *zone;
    uintptr_t index;
};

#define BUDDY_NPARKED       32      /* order-0 pages the array holds */

/*
 * A layer that can give pages back when memory runs short registers one
 * of these (mm/buddy_reclaim.c): before failing, buddy_alloc calls
 * reclaim(arg) once, without the buddy's lock held, then retries once.
 */
struct buddy_reclaimer {
    size_t (*reclaim)(void *arg);   /* gives pages back; returns how many
                                       pages it released */
    void *arg;
    struct buddy_reclaimer *next;   /* the buddy's list */
};

struct buddy {
    const char *name;
    bool poison;                /* poison free blocks (fixed at init) */
    unsigned nzones;
    struct buddy_zone zone[BUDDY_MAX_ZONES];    /* slots 0..nzones-1, in
                                                   no particular order */
    struct mm_range *by_addr[BUDDY_MAX_ZONES + 2];  /* their pfns, sorted;
                                   then &no_zone.pfns at [nzones], ending
                                   the table, and at [BUDDY_MAP_NONE] */
    struct buddy_zone no_zone;  /* holds no pfn (first > last) and no free
                                   block: a sentinel */
    /*
     * The zone map: chunk i holds pfns map_base + (i << map_shift) on,
     * 2^map_shift pages (4 MiB, or more when the zones span more than
     * BUDDY_MAP_SLOTS such chunks, as heap buffers on a 64-bit host
     * can); map[i] is the address-order number of the first zone that
     * overlaps chunk i, or BUDDY_MAP_NONE.  Rebuilt when a zone comes
     * or goes.
     */
    uintptr_t map_base;         /* first pfn of the lowest zone */
    unsigned map_shift;         /* log2 of pages per chunk, >= 10 */
    uint8_t map[BUDDY_MAP_SLOTS];
    struct mm_range *hint;      /* the largest zone's pfns, tried first;
                                   &no_zone.pfns when there is none */
    struct mm_pagesrc_window win;   /* the hint zone's pages past its
                                   reserved prefix: the page source's
                                   window (mm/pagesrc.h) */
    size_t managed_pages;       /* pages that can ever be handed out */
    unsigned long nerr[BUDDY_ERR_COUNT];    /* per error; [BUDDY_NOMEM]
                                               counts out-of-memory */
    unsigned long nallocs;      /* successful allocations */
    unsigned long nfrees;       /* successful frees */
    /*
     * The array of order-0 pages freed last (mm/buddy_park.c): a free
     * of one parks it here, the next order-0 alloc takes it back.
     * park_max is BUDDY_NPARKED while parking is on, else 0.
     */
    unsigned nparked;
    unsigned park_max;
    struct buddy_parked parked[BUDDY_NPARKED];
    struct buddy_reclaimer *reclaimers;     /* called before nomem */
    bool reclaiming;            /* they are running: do not recurse */
    struct mm_lock lock;
};

extern const char *const buddy_err_name[BUDDY_ERR_COUNT];

/*
 * Does entry i (< BUDDY_NPARKED) of b's parked array name a page of one
 * of b's zones?  For the readers that must not trust the array: the
 * checker and the page ledger's claims.
 */
static inline bool
buddy_parked_ok(const struct buddy *b, unsigned i)
{
    const struct buddy_zone *z = b->parked[i].zone;

    return z >= &b->zone[0] && z < &b->zone[b->nzones] &&
           b->parked[i].index < z->npages;
}

/*
 * The buddy of the order-k block at page frame pfn: flip bit k.
 * Buddy of pfn 8 at order 1: 8 ^ 2 = 10; of pfn 12 at order 2: 12 ^ 4 = 8.
 */
/* Lab 2: the XOR rule - the pfn of a block's buddy */
static inline uintptr_t
buddy_of(uintptr_t pfn, unsigned order)
{
    return pfn ^ ((uintptr_t)1 << order);
}

void buddy_init(struct buddy *b, const char *name);
enum buddy_err buddy_add_zone(struct buddy *b, void *base, size_t size_bytes,
                              size_t used_bytes, uint8_t *meta);
size_t buddy_meta_bytes(size_t size_bytes);
enum buddy_err buddy_remove_zone(struct buddy *b, void *base);

void buddy_add_reclaimer(struct buddy *b, struct buddy_reclaimer *r);
void buddy_remove_reclaimer(struct buddy *b, struct buddy_reclaimer *r);

void buddy_set_parking(struct buddy *b, bool on);
size_t buddy_flush(struct buddy *b);
size_t buddy_parked_pages(const struct buddy *b);
void buddy_print_parked(const struct buddy *b);

void *buddy_alloc(struct buddy *b, unsigned order);
void *buddy_alloc_bytes(struct buddy *b, size_t size_bytes);
enum buddy_err buddy_free(struct buddy *b, void *addr);
enum buddy_err buddy_free_order(struct buddy *b, void *addr,
                                unsigned order);
enum buddy_err buddy_resize(struct buddy *b, void **addrp,
                            size_t new_size_bytes);

size_t buddy_size(struct buddy *b, const void *addr);
uint8_t *buddy_owner(const struct buddy *b, const void *addr);

/* What the page at addr is, without counting anything as an error. */
enum buddy_state {
    BUDDY_STATE_NONE,           /* in no zone, or not page aligned */
    BUDDY_STATE_RESERVED,       /* a zone's used prefix or metadata */
    BUDDY_STATE_FREE,           /* first page of a free block */
    BUDDY_STATE_ALLOC,          /* first page of an allocated block */
    BUDDY_STATE_INSIDE,         /* any other page of a block */
};
enum buddy_state buddy_state(const struct buddy *b, const void *addr);
int buddy_order_for(size_t size_bytes);
size_t buddy_nfree(const struct buddy *b, unsigned zone, unsigned order);
size_t buddy_free_pages(const struct buddy *b);
size_t buddy_zone_free_pages(const struct buddy *b, unsigned zone);
const struct buddy_zone *buddy_zone_of(const struct buddy *b,
                                       const void *addr);
size_t buddy_zone_nfree(const struct buddy_zone *z);
const struct buddy_zone *buddy_zone_at(const struct buddy *b, unsigned i);
size_t buddy_managed_pages(const struct buddy *b);
unsigned buddy_nzones(const struct buddy *b);
unsigned long buddy_errors(const struct buddy *b, enum buddy_err err);
unsigned long buddy_nomem(const struct buddy *b);

void buddy_print_buddyinfo(const struct buddy *b);
void buddy_print_picture(const struct buddy *b);
void buddy_print_zone_picture(const struct buddy *b, unsigned zone);
void buddy_print_errors(const struct buddy *b);

/*
 * mm/buddy_tree.c: the order-k block around an address drawn as its
 * binary tree of buddies, and the legend lines of the pictures.
 */
extern const char buddy_picture_legend[];
extern const char buddy_tree_legend[];
int buddy_tree_order(const struct buddy *b, const void *addr);
enum buddy_err buddy_print_tree(const struct buddy *b, const void *addr,
                                unsigned order);
unsigned buddy_check(struct buddy *b);

void buddy_pagesrc(struct buddy *b, struct mm_pagesrc *src);

/*
 * The page ledger's view (mm/buddy_owner.c): buddy_claim claims each
 * zone's used prefix as kind meta, each allocated block as kind alloc
 * (from the state bytes) and each free block as kind free (from the
 * free lists, following only links to blocks of the list's order
 * inside the zone, at most as many as the list's count).
 */
struct ledger;
void buddy_claim(const struct buddy *b, struct ledger *l, unsigned meta,
                 unsigned free_kind, unsigned alloc);

#endif /* MM_BUDDY_H */
