/*
 * kernel/pool_boot.c - the kernel's own slab pools.
 *
 * pool_cache holds the descriptors (struct pool) of every pool the
 * kernel creates at run time with kpool_create(), as Linux's kmem_cache
 * cache does; its own descriptor is static, since it must exist first.
 * Another pool, boot_module, is a static pool: its buffer of 8 records
 * is in .bss and it takes nothing from the page allocator.  It keeps a
 * record of each boot module that kernel/memmap_boot.c found (the
 * memory map, the lowest layer, keeps its own plain array and knows
 * nothing of pools).  Both show up in the slabinfo report beside any
 * test pools.
 *
 * Every growing pool keeps at most one empty slab as a cache; the
 * kernel's page allocator gets them all back through a reclaim hook
 * (pool_reclaim_all) before it fails an allocation.  The pools call
 * their page source with their own lock released, so the hook may lock
 * any pool.
 */
#include "../mm/buddy.h"
#include "../mm/pool.h"
#include "../mm/test.h"
#include "kernel.h"

#define MAX_MODULES 8

static struct pool pool_cache;
static struct buddy_reclaimer pool_reclaimer = { pool_reclaim_all, NULL,
                                                 NULL };

/* A boot module's record: where GRUB loaded it, and its string. */
struct boot_module {
    uint64_t start, end;        /* [start, end) */
    const char *string;
};

static struct pool module_pool;
static struct boot_module module_buf[MAX_MODULES];
static uint32_t module_map[POOL_FREEMAP_WORDS(MAX_MODULES)];

/* Creates boot_module and records each module the memory map found. */
static void
module_pool_boot(void)
{
    unsigned i;

    if (pool_init_static(&module_pool, "boot_module", module_buf,
                         sizeof module_buf, sizeof module_buf[0], 0, 0,
                         module_map) != POOL_OK)
        panic("pool: cannot create the boot_module pool");
    for (i = 0; i < memmap_boot_nmodules(); i++) {
        struct boot_module *m = pool_alloc(&module_pool);

        if (m == NULL)
            break;                      /* memmap_boot kept at most 8 */
        memmap_boot_module(i, &m->start, &m->end, &m->string);
    }
}

/* A growing pool over the page allocator, its descriptor from pool_cache. */
struct pool *
kpool_create(const char *name, size_t objsize, size_t align, unsigned flags)
{
    struct pool *p = pool_alloc(&pool_cache);

    if (p == NULL)
        return NULL;
    if (pool_init(p, name, objsize, align, flags, kernel_pagesrc()) !=
        POOL_OK) {
        pool_free(&pool_cache, p);
        return NULL;
    }
    return p;
}

/* Destroys a pool from kpool_create; POOL_ERR_BUSY if still in use. */
int
kpool_destroy(struct pool *p)
{
    enum pool_err err = pool_destroy(p);

    if (err == POOL_OK)
        pool_free(&pool_cache, p);
    return err;
}

void
pool_boot(void)
{
    module_pool_boot();
    if (pool_init(&pool_cache, "pool_cache", sizeof(struct pool), 0, 0,
                  kernel_pagesrc()) != POOL_OK)
        panic("pool: cannot create pool_cache");
    buddy_add_reclaimer(kernel_buddy_allocator(), &pool_reclaimer);
    kprintf("pool: pool_cache ready, %u descriptors of %zu bytes per "
            "slab\n", pool_cache.geom.nobjs, pool_cache.geom.size);
}

void
pool_report(void)
{
    pool_print_slabinfo();
    pool_print_all_errors();
}

/* kpool_create takes its descriptor from pool_cache and gives it back. */
MM_TEST(pool, kernel_pool_cache)
{
    size_t before = pool_active(&pool_cache);
    struct pool *p = kpool_create("t-kpool", 100, 4, 0);
    void *o;

    if (!MM_CHECK(t, p != NULL))
        return;
    MM_CHECK_EQ(t, pool_active(&pool_cache), before + 1);
    o = pool_alloc(p);
    MM_CHECK(t, o != NULL && ((uintptr_t)o & 3) == 0);
    pool_print_slabinfo();          /* the test pool beside the kernel's */
    MM_CHECK_EQ(t, pool_free(p, o), POOL_OK);
    MM_CHECK_EQ(t, pool_check(p), 0);
    MM_CHECK_EQ(t, kpool_destroy(p), POOL_OK);
    MM_CHECK_EQ(t, pool_active(&pool_cache), before);
    MM_CHECK_EQ(t, pool_check(&pool_cache), 0);
}

/*
 * The kernel's buddy allocator knows the pools' reclaim hook, and the
 * hook lists a pool's parked objects and gives its empty slab back.
 */
MM_TEST(pool, kernel_reclaim_returns_cached_slabs)
{
    struct buddy *b = kernel_buddy_allocator();
    const struct buddy_reclaimer *r;
    struct pool *p = kpool_create("t-kreclaim", 64, 0, 0);
    size_t free_before;
    bool known = false;
    void *o;

    for (r = b->reclaimers; r != NULL; r = r->next)
        known = known || r == &pool_reclaimer;
    MM_CHECK(t, known);
    if (!MM_CHECK(t, p != NULL))
        return;
    o = pool_alloc(p);
    MM_CHECK_EQ(t, pool_free(p, o), POOL_OK);
    MM_CHECK(t, p->nparked + (p->cached != NULL) == 1);    /* kept */
    free_before = buddy_free_pages(b);
    MM_CHECK(t, pool_reclaim_all(NULL) >= 1);
    MM_CHECK(t, p->cached == NULL && p->nslabs == 0);
    MM_CHECK(t, buddy_free_pages(b) >= free_before + 1);
    MM_CHECK_EQ(t, pool_check(p), 0);
    MM_CHECK_EQ(t, kpool_destroy(p), POOL_OK);
}
