/*
 * kernel/monitor_pictures.c - the console commands that draw pictures:
 * "tree" (the buddy tree around an address, mm/buddy_tree.c), "slabs"
 * (a pool's slabs as cells, mm/pool_picture.c) and "kpages" (kmalloc's
 * pages by bucket, and a bucket's slabs as cells, mm/kheap_picture.c).
 * "zone", the zone picture, is in kernel/monitor_cmds.c with the other
 * reports.
 *
 * Invariant: they only read; bad input gets one "error:" line and the
 * usage, and nothing is drawn.
 * Bounds: those of the pictures (reports: they walk what they draw).
 * Metadata: none.
 */
#include "monitor.h"

#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/pool.h"
#include "format.h"
#include "kernel.h"

/*
 * tree ADDR [ORDER]: the order-ORDER block around ADDR as its tree of
 * buddies; without ORDER the largest block there that fits the zone.
 */
enum monitor_result
monitor_cmd_tree(int argc, char **argv)
{
    const struct buddy *b = kernel_buddy_allocator();
    uintptr_t a;
    uint64_t order;
    int fits;

    if (argc < 2)
        return monitor_error("tree needs an ADDR");
    if (!monitor_addr(argv[1], &a))
        return MON_USAGE;
    fits = buddy_tree_order(b, (const void *)a);
    if (fits < 0)
        return monitor_error("0x%08lx is in no zone", (unsigned long)a);
    order = (uint64_t)fits;
    if (argc > 2 && !monitor_number(argv[2], "order", &order))
        return MON_USAGE;
    if (order > BUDDY_MAX_ORDER)
        return monitor_error("order %s is not 0 to %u", argv[2],
                             BUDDY_MAX_ORDER);
    if (order > (uint64_t)fits)
        return monitor_error("the order-%s block around 0x%08lx reaches "
                             "beyond its zone (order %d fits there)",
                             argv[2], (unsigned long)a, fits);
    buddy_print_tree(b, (const void *)a, (unsigned)order);
    return MON_OK;
}

/* The live pool named name, or NULL. */
static struct pool *
pool_called(const char *name)
{
    struct pool *p = NULL;

    while ((p = pool_registry_next(p)) != NULL)
        if (kstreq(p->name, name))
            return p;
    return NULL;
}

/*
 * slabs POOL [order]: every slab of the pool as cells; with "order"
 * also each slab's free list and the objects it has yet to carve.
 */
enum monitor_result
monitor_cmd_slabs(int argc, char **argv)
{
    struct pool *p;

    if (argc < 2)
        return monitor_error("slabs needs a POOL (slabinfo lists them)");
    if ((p = pool_called(argv[1])) == NULL)
        return monitor_error("no pool \"%s\" (slabinfo lists them)",
                             argv[1]);
    if (argc > 2 && !kstreq(argv[2], "order"))
        return monitor_error("\"%s\" is not \"order\"", argv[2]);
    pool_print_picture(p, argc > 2);
    return MON_OK;
}

/*
 * The pages of the kernel's page allocator, for the kmalloc pictures:
 * the first byte of its lowest zone to the last byte of its highest.
 */
static void
kernel_span(const void **first, const void **last)
{
    const struct buddy *b = kernel_buddy_allocator();
    const struct buddy_zone *lo = buddy_zone_at(b, 0);
    const struct buddy_zone *hi = buddy_zone_at(b, buddy_nzones(b) - 1);

    *first = (const void *)(lo->pfns.first << MM_PAGE_SHIFT);
    *last = (const void *)((hi->pfns.last << MM_PAGE_SHIFT) + (MM_PAGE - 1));
}

/*
 * kpages [BUCKET [order]]: the map of kmalloc's pages, which bucket
 * holds which; with BUCKET (a block size, 16 to 2048) that bucket's
 * slabs as cells, and with "order" their free lists.
 */
enum monitor_result
monitor_cmd_kpages(int argc, char **argv)
{
    const void *first, *last;
    size_t size;
    int i;

    kernel_span(&first, &last);
    if (argc < 2) {
        kheap_print_map(kmalloc_heap(), first, last);
        return MON_OK;
    }
    if (!monitor_size(argv[1], &size))
        return MON_USAGE;
    i = kheap_bucket_of(size);
    if (i < 0 || (size_t)KHEAP_MIN_SIZE << i != size)
        return monitor_error("no bucket of %s bytes (16, 32, 64, ... 2048)",
                             argv[1]);
    if (argc > 2 && !kstreq(argv[2], "order"))
        return monitor_error("\"%s\" is not \"order\"", argv[2]);
    kheap_print_bucket(kmalloc_heap(), (unsigned)i, first, last, argc > 2);
    return MON_OK;
}
