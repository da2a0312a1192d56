/*
 * kernel/ledger.c - the kernel's page ledger: every page below 4 GiB has
 * exactly one owner, and each layer's own books say which.
 *
 * A check asks, in turn: the memory map (holes, edge pages,
 * reservations), the kernel's buddy allocator (its metadata, free and
 * allocated blocks), every free region the buddy could not use, the
 * global kmalloc heap (its extents and their pages) and every live
 * growing pool (its slabs); then mm/ledger.c sorts the claims and names
 * every page with no owner or two.  The claim table is one block from
 * the page allocator, taken for the check and given back after it; it
 * is claimed too, as "ledger table".  If no block can be had, a small
 * table in .bss serves (a check that runs out of it says so).
 *
 * Invariant: a check changes nothing but the table block it borrows.
 * Bounds: O(n log n) for n claims, n about twice the blocks handed out
 * plus the free blocks; nothing walks pages.
 * Metadata: struct ledger (2.7 KiB) and the fallback table in .bss.
 * Read after: mm/ledger.c.  Tests: at the end of this file (the live
 * allocators, stressed in phases) and mm/ledger_test.c.
 */
#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/ledger.h"
#include "../mm/memmap.h"
#include "../mm/pool.h"
#include "../mm/test.h"
#include "kernel.h"
#include "ledger.h"

#define FALLBACK_CLAIMS     256
#define NO_PAGE             ((uintptr_t)-1)     /* a build about no page */

static struct ledger kledger;
static struct ledger_claim fallback[FALLBACK_CLAIMS];
static void *table_block;           /* the borrowed table, or NULL */
static unsigned table_order;
static unsigned long nchecks;       /* ledger_after_test calls */
static unsigned long nproblems;     /* problems they found */

/* Claims a buddy allocator's books may give: live, free and parked
   blocks. */
static size_t
buddy_claims(const struct buddy *b)
{
    size_t n = b->nallocs - b->nfrees + 2 * b->nzones + b->nparked;
    unsigned i, k;

    for (i = 0; i < b->nzones; i++)
        for (k = 0; k < BUDDY_NORDERS; k++)
            n += b->zone[i].nfree[k];
    return n;
}

/* An upper bound of the claims a check will make, with room to spare. */
static size_t
claims_needed(void)
{
    const struct memmap *m = memmap_boot_map();
    const struct kheap *h = kmalloc_heap();
    const struct pool *p;
    size_t n = 64 + 2 * (m->nmap + m->nrsv + m->nfree);

    n += buddy_claims(kernel_buddy_allocator()) + 1;
    n += buddy_claims(&h->pages) + 2 * h->next + kheap_pages_held(h);
    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        n += p->nslabs;
    return n + n / 4;
}

/* The order of the smallest block of at least bytes. */
static unsigned
order_for(size_t bytes)
{
    unsigned order = 0;

    while (order < BUDDY_MAX_ORDER && (MM_PAGE << order) < bytes)
        order++;
    return order;
}

/*
 * Borrows a table block big enough, or falls back to the static one.  A
 * query about one page (avoid; NO_PAGE for none) must not find there the
 * table it borrowed for itself - the block just freed is the first the
 * page allocator hands out again - so a block holding avoid is swapped
 * for another before the ledger is built, and then given back.
 */
static void
table_take(struct ledger_claim **table, size_t *cap, uintptr_t avoid)
{
    size_t bytes = claims_needed() * sizeof(struct ledger_claim);

    table_order = order_for(bytes);
    table_block = bytes > sizeof fallback ? kernel_pages_alloc(table_order)
                                          : NULL;
    if (table_block != NULL &&
        avoid - (uintptr_t)table_block < (MM_PAGE << table_order)) {
        void *first = table_block;

        table_block = kernel_pages_alloc(table_order);
        kernel_pages_free(first);
    }
    if (table_block != NULL) {
        *table = table_block;
        *cap = (MM_PAGE << table_order) / sizeof(struct ledger_claim);
    } else {
        *table = fallback;
        *cap = FALLBACK_CLAIMS;
    }
}

/* Free regions the buddy made no zone of (too small for its metadata). */
static void
claim_unmanaged(struct ledger *l)
{
    const struct buddy *b = kernel_buddy_allocator();
    unsigned i, n = memmap_boot_nfree(), z;

    for (i = 0; i < n; i++) {
        uintptr_t base;
        size_t size;

        memmap_boot_free(i, &base, &size);
        for (z = 0; z < b->nzones; z++)
            if (b->zone[z].pfns.first == base >> MM_PAGE_SHIFT)
                break;
        if (z == b->nzones)
            ledger_claim_bytes(l, base, size, LEDGER_UNMANAGED, 0, NULL);
    }
}

/* Builds and settles the ledger; the caller gives the table back. */
static unsigned
ledger_build(bool quiet, uintptr_t avoid)
{
    struct ledger_claim *table;
    size_t cap;

    table_take(&table, &cap, avoid);
    ledger_init(&kledger, 0, MEMMAP_LIMIT >> MM_PAGE_SHIFT, table, cap);
    kledger.quiet = quiet;
    memmap_claim(memmap_boot_map(), &kledger);
    buddy_claim(kernel_buddy_allocator(), &kledger, LEDGER_BUDDY_META,
                LEDGER_FREE, LEDGER_KERNEL);
    claim_unmanaged(&kledger);
    kheap_claim(kmalloc_heap(), &kledger);
    pool_claim_all(&kledger);
    if (table_block != NULL)
        ledger_claim_bytes(&kledger, (uintptr_t)table_block,
                           MM_PAGE << table_order, LEDGER_TABLE, 0, NULL);
    return ledger_settle(&kledger);
}

static void
table_give_back(void)
{
    if (table_block != NULL)
        kernel_pages_free(table_block);
    table_block = NULL;
}

void
ledger_report(void)
{
    ledger_build(false, NO_PAGE);
    ledger_print(&kledger);
    table_give_back();
    if (nchecks > 0)
        kprintf("ledger: %lu checks after self-tests, %lu problems\n",
                nchecks, nproblems);
}

unsigned
ledger_check(void)
{
    unsigned problems = ledger_build(false, NO_PAGE);

    table_give_back();
    return problems;
}

unsigned
ledger_after_test(void)
{
    unsigned problems = ledger_check();

    nchecks++;
    nproblems += problems;
    return problems;
}

/* "[0x00400000-0x00407fff]": the pages of claim c. */
static void
print_range(const struct ledger_claim *c)
{
    kprintf(" [0x%08lx-0x%08lx]", (unsigned long)(c->first << MM_PAGE_SHIFT),
            (unsigned long)((c->end << MM_PAGE_SHIFT) - 1));
}

/* The order of a block of n pages (a power of two). */
static unsigned
order_of(uint64_t n)
{
    unsigned k = 0;

    while (((uint64_t)1 << k) < n)
        k++;
    return k;
}

/* The role of the page a bucket page or a slab plays, with its counts. */
static void
print_details(const struct ledger_claim *c, uintptr_t page)
{
    const struct ledger_owner *o = &kledger.owner[c->owner];
    const struct slab *s;
    const struct pool *p;
    unsigned nblocks = 0;
    int nfree;

    switch (o->kind) {
    case LEDGER_KMALLOC_BUCKET:
    case LEDGER_KMALLOC_SLAB:
        nfree = kheap_bucket_page_free(kmalloc_heap(), page, &nblocks);
        if (nfree >= 0)
            kprintf(", %d of %u blocks free", nfree, nblocks);
        break;
    case LEDGER_POOL_SLAB:
        s = pool_slab_of(page, &p);
        if (s != NULL)
            kprintf(", %u of %u objects free",      /* parked ones too */
                    p->geom.nobjs - (unsigned)pool_slab_in_use(p, s),
                    p->geom.nobjs);
        break;
    case LEDGER_FREE:
    case LEDGER_KERNEL:
    case LEDGER_KMALLOC_LARGE:
    case LEDGER_KMALLOC_RUN:
    case LEDGER_KMALLOC_UNUSED:
        kprintf(" order %u", order_of(c->end - c->first));
        print_range(c);
        break;
    case LEDGER_EDGE:
        kprintf(", %lu bytes usable", (unsigned long)o->detail);
        break;
    case LEDGER_RESERVED:
        break;
    default:
        print_range(c);
    }
}

/*
 * One line about the page holding addr: its owner as the ledger found
 * it, with the layer's own counts, e.g.
 *   page: 0x00400000 free buddy block order 3 [0x00400000-0x00407fff]
 *   page: 0x01000000 kmalloc bucket page size 64, 12 of 64 blocks free
 */
void
ledger_print_page(uintptr_t addr)
{
    uintptr_t page = addr & ~(uintptr_t)(MM_PAGE - 1);
    const struct ledger_claim *c;
    char what[64];

    ledger_build(true, page);
    c = ledger_find(&kledger, page >> MM_PAGE_SHIFT);
    if (c == NULL) {
        kprintf("page: 0x%08lx has no owner\n", (unsigned long)page);
    } else {
        ledger_describe(&kledger, c->owner, what, sizeof what);
        kprintf("page: 0x%08lx %s", (unsigned long)page, what);
        print_details(c, page);
        kprintf("\n");
    }
    table_give_back();
}

/* ---- self-tests of the live ledger ---------------------------------- */

/* The owner kind of the page holding addr, or LEDGER_KIND_COUNT. */
static unsigned
kind_at(const void *addr)
{
    const struct ledger_claim *c;
    unsigned kind = LEDGER_KIND_COUNT;

    ledger_build(true, (uintptr_t)addr);
    c = ledger_find(&kledger, (uintptr_t)addr >> MM_PAGE_SHIFT);
    if (c != NULL)
        kind = kledger.owner[c->owner].kind;
    table_give_back();
    return kind;
}

/*
 * A page query borrows its claim table from the page allocator, which
 * hands the block freed last out first: asked about a block of the
 * table's own size just freed, it must still find the block free, not
 * its own table there.
 */
MM_TEST(ledger, page_query_finds_no_table_of_its_own)
{
    unsigned order = order_for(claims_needed() * sizeof(struct ledger_claim));
    void *block = kernel_pages_alloc(order);

    if (!MM_CHECK(t, block != NULL))
        return;
    kernel_pages_free(block);
    MM_CHECK_EQ(t, kind_at(block), LEDGER_FREE);
    MM_CHECK_EQ(t, kind_at((uint8_t *)block + (MM_PAGE << order) - MM_PAGE),
                LEDGER_FREE);
}

/* What the live allocators hold, as each counts it. */
struct live_counts {
    size_t free_pages;          /* kernel buddy */
    size_t bucket_pages, large_pages;   /* global kmalloc heap */
    size_t slab_pages;          /* every growing pool */
};

static void
live_counts(struct live_counts *n)
{
    const struct kheap *h = kmalloc_heap();
    const struct pool *p;
    unsigned i;

    n->free_pages = buddy_free_pages(kernel_buddy_allocator());
    n->bucket_pages = 0;
    for (i = 0; i < KHEAP_NBUCKETS; i++)
        n->bucket_pages += h->bucket[i].npages;
    n->large_pages = h->large_pages;
    n->slab_pages = 0;
    for (p = pool_registry_next(NULL); p != NULL;
         p = pool_registry_next(p))
        if (p->src != NULL)
            n->slab_pages += (size_t)p->nslabs << p->geom.order;
}

/* The ledger holds, and its totals are the layers' own counts. */
static void
check_live(struct mm_t *t)
{
    struct live_counts n;

    MM_CHECK_EQ(t, ledger_check(), 0);
    live_counts(&n);
    MM_CHECK_EQ(t, ledger_kind_pages(&kledger, LEDGER_FREE) +
                   ledger_kind_pages(&kledger, LEDGER_TABLE), n.free_pages);
    MM_CHECK_EQ(t, ledger_kind_pages(&kledger, LEDGER_KMALLOC_SLAB),
                n.bucket_pages);
    MM_CHECK_EQ(t, ledger_kind_pages(&kledger, LEDGER_KMALLOC_RUN),
                n.large_pages);
    MM_CHECK_EQ(t, ledger_kind_pages(&kledger, LEDGER_POOL_SLAB),
                n.slab_pages);
    MM_CHECK_EQ(t, kledger.group_pages[LEDGER_GROUP_FREE] * MM_PAGE,
                memmap_free_bytes(memmap_boot_map()));
}

#define LIVE_SLOTS      96
#define LIVE_PHASES     4
#define LIVE_OPS        1500

/* One thing the stress holds: which layer gave it, and where it is. */
struct live_slot {
    unsigned layer;             /* 0 empty, 1 page, 2 kmalloc, 3 pool */
    void *p;
};

static void
live_release(struct pool *pool, struct live_slot *s)
{
    if (s->layer == 1)
        kernel_pages_free(s->p);
    else if (s->layer == 2)
        kfree(s->p);
    else if (s->layer == 3)
        pool_free(pool, s->p);
    s->layer = 0;
}

/* Fills empty slot s from a random layer, with a random size. */
static void
live_take(struct mm_t *t, struct pool *pool, struct live_slot *s)
{
    unsigned layer = 1 + (unsigned)mm_test_rand_below(t, 3);

    if (layer == 1)
        s->p = kernel_pages_alloc((unsigned)mm_test_rand_below(t, 4));
    else if (layer == 2)
        s->p = kmalloc(1 + (size_t)mm_test_rand_below(t, 9000));
    else
        s->p = pool_alloc(pool);
    s->layer = s->p != NULL ? layer : 0;
}

/*
 * The live allocators - kernel pages, kmalloc, a pool - under random
 * allocations and frees, in phases; after each phase every page has one
 * owner and the ledger's totals are the layers' counts.
 */
MM_TEST(ledger, live_stress_phases)
{
    static struct live_slot slot[LIVE_SLOTS];
    struct pool *pool = kpool_create("t-ledger-live", 200, 8, 0);
    unsigned phase, i;

    if (!MM_CHECK(t, pool != NULL))
        return;
    for (phase = 0; phase < LIVE_PHASES; phase++) {
        for (i = 0; i < LIVE_OPS; i++) {
            struct live_slot *s = &slot[mm_test_rand_below(t, LIVE_SLOTS)];

            if (s->layer != 0)
                live_release(pool, s);
            else
                live_take(t, pool, s);
        }
        check_live(t);
    }
    for (i = 0; i < LIVE_SLOTS; i++)
        live_release(pool, &slot[i]);
    MM_CHECK_EQ(t, kpool_destroy(pool), POOL_OK);
    kheap_trim(kmalloc_heap());
    check_live(t);
}

/*
 * The page query names the owner each layer gave: a kernel block, a
 * kmalloc bucket page, a run, a pool slab, a free block, the kernel
 * image.  Each line is printed too (tests/boot/ledger.sh reads them).
 */
MM_TEST(ledger, page_owner_query)
{
    extern char __kernel_start[];
    void *page = kernel_pages_alloc(1);
    void *small = kmalloc(64), *large = kmalloc(6000);
    struct pool *pool = kpool_create("t-ledger-page", 64, 8, 0);
    void *obj = pool != NULL ? pool_alloc(pool) : NULL;
    uintptr_t spare;

    if (!MM_CHECK(t, page && small && large && obj))
        return;
    spare = (uintptr_t)page + MM_PAGE;          /* order 1: 2 pages */
    MM_CHECK_EQ(t, kind_at(page), LEDGER_KERNEL);
    MM_CHECK_EQ(t, kind_at((void *)spare), LEDGER_KERNEL);
    MM_CHECK_EQ(t, kind_at(small), LEDGER_KMALLOC_SLAB);
    MM_CHECK_EQ(t, kind_at(large), LEDGER_KMALLOC_RUN);
    MM_CHECK_EQ(t, kind_at(obj), LEDGER_POOL_SLAB);
    MM_CHECK_EQ(t, kind_at(__kernel_start), LEDGER_RESERVED);
    MM_CHECK_EQ(t, kind_at((void *)0xfffff000u), LEDGER_HOLE);
    ledger_print_page((uintptr_t)page);
    ledger_print_page((uintptr_t)small);
    ledger_print_page((uintptr_t)large);
    ledger_print_page((uintptr_t)obj);
    ledger_print_page((uintptr_t)__kernel_start);
    kernel_pages_free(page);
    MM_CHECK_EQ(t, kind_at(page), LEDGER_FREE);
    ledger_print_page((uintptr_t)page);
    kfree(small);
    kfree(large);
    pool_free(pool, obj);
    MM_CHECK_EQ(t, kpool_destroy(pool), POOL_OK);
}
