/*
 * mm/ledger.h - the page ledger: exactly one owner for every page.
 *
 * Each layer claims the pages its own metadata says it holds: the memory
 * map its holes and reservations, the buddy allocator its metadata, its
 * free blocks and its allocated blocks, kmalloc the pages inside its
 * extents, the pools their slabs.  The ledger sorts the claims and finds
 * every page that no one claims or that two claim.  See mm/ledger.c.
 */
#ifndef MM_LEDGER_H
#define MM_LEDGER_H

#include "port.h"

#define LEDGER_MAX_OWNERS   96      /* distinct owners one ledger tells */
#define LEDGER_MAX_DEPTH    4       /* claims nest at most this deep */

/*
 * What an owner is.  Claims nest: a layer that takes a block from the
 * layer below claims its pages one level deeper (LEDGER_KERNEL at depth
 * 0, a pool slab inside it at depth 1).  Each kind has a fixed depth.
 */
enum ledger_kind {
    /* depth 0: the memory map and the kernel's page allocator */
    LEDGER_HOLE,            /* no usable RAM in the page */
    LEDGER_EDGE,            /* usable RAM in part of the page only */
    LEDGER_RESERVED,        /* usable, kept back; name: the reason */
    LEDGER_UNMANAGED,       /* free region too small for a zone */
    LEDGER_BUDDY_META,      /* a zone's page states (its used prefix) */
    LEDGER_FREE,            /* a free buddy block */
    LEDGER_KERNEL,          /* an allocated block; the kernel holds it
                               unless a layer above claims it */
    /* depth 1: the layers that take blocks from the page allocator */
    LEDGER_KMALLOC_EXTENT,  /* a kmalloc extent (holds depth 2) */
    LEDGER_POOL_SLAB,       /* a slab; name: the pool */
    LEDGER_POOL_BAD,        /* a slab whose header is not its pool's */
    LEDGER_TABLE,           /* the ledger's own claim table */
    LEDGER_KMALLOC_SLAB,    /* a kmalloc bucket slab; detail: block size */
    LEDGER_KMALLOC_RUN,     /* a kmalloc page run; detail: its order */
    /* depth 2: the pages of a kmalloc extent, from its buddy */
    LEDGER_KMALLOC_META,    /* extent header, page table, page states */
    LEDGER_KMALLOC_UNUSED,  /* free in the extent */
    LEDGER_KMALLOC_PAGE,    /* handed out (holds depth 3) */
    /* depth 3: what kmalloc's page table says a page is */
    LEDGER_KMALLOC_BUCKET,  /* carved into blocks; detail: block size */
    LEDGER_KMALLOC_LARGE,   /* a page run; detail: its order */
    LEDGER_KIND_COUNT       /* keep last */
};

enum ledger_err {
    LEDGER_OK = 0,
    LEDGER_ERR_RANGE,       /* empty, or outside the span */
    LEDGER_ERR_FULL,        /* the claim table is full */
    LEDGER_ERR_OWNERS,      /* more than LEDGER_MAX_OWNERS owners */
    LEDGER_ERR_COUNT        /* keep last */
};

/* The memory map's three figures that depth-0 owners add up to. */
#define LEDGER_GROUP_NOT_USABLE 0   /* holes */
#define LEDGER_GROUP_KEPT       1   /* edge pages and reservations */
#define LEDGER_GROUP_FREE       2   /* the free regions */

/* One owner: a kind with its detail and name, and its pages. */
struct ledger_owner {
    uint8_t kind;           /* enum ledger_kind */
    uint32_t detail;        /* bucket size, run order, usable bytes */
    const char *name;       /* reason or pool name, or NULL */
    uint64_t pages;         /* pages it owns itself (settled) */
};

/* One claim: pages [first, end) for owner index owner. */
struct ledger_claim {
    uint64_t first;         /* page frame numbers */
    uint64_t end;
    uint16_t owner;         /* index into owner[] */
    uint8_t depth;
};

struct ledger {
    uint64_t first_pfn;     /* every page of [first_pfn, end_pfn) */
    uint64_t end_pfn;       /*   needs exactly one owner */
    struct ledger_claim *claim;     /* the caller's table */
    size_t nclaims, cap;
    struct ledger_owner owner[LEDGER_MAX_OWNERS];
    unsigned nowners;
    unsigned long nerr[LEDGER_ERR_COUNT];
    size_t depth_at[LEDGER_MAX_DEPTH + 1];  /* settled: claims of depth
                                               d are [depth_at[d],
                                               depth_at[d + 1]) */
    uint64_t group_pages[3];    /* settled: LEDGER_GROUP_* totals */
    uint64_t kept_usable_bytes; /* usable bytes of the kept-back pages */
    unsigned problems;      /* runs of pages with zero or two owners */
    bool quiet;             /* record problems without printing them */
    char first_problem[192];    /* the first complaint, as printed */
};

extern const char *const ledger_err_name[LEDGER_ERR_COUNT];

void ledger_init(struct ledger *l, uint64_t first_pfn, uint64_t end_pfn,
                 struct ledger_claim *table, size_t cap);
enum ledger_err ledger_claim(struct ledger *l, uint64_t first_pfn,
                             uint64_t npages, enum ledger_kind kind,
                             uint32_t detail, const char *name);
enum ledger_err ledger_claim_bytes(struct ledger *l, uintptr_t base,
                                   uint64_t size_bytes,
                                   enum ledger_kind kind, uint32_t detail,
                                   const char *name);
unsigned ledger_settle(struct ledger *l);

uint64_t ledger_kind_pages(const struct ledger *l, enum ledger_kind kind);
const struct ledger_claim *ledger_find(const struct ledger *l,
                                       uint64_t pfn);
void ledger_describe(const struct ledger *l, unsigned owner, char *buf,
                     size_t size);
void ledger_print(const struct ledger *l);

#endif /* MM_LEDGER_H */
