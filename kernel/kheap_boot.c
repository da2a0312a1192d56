/*
 * kernel/kheap_boot.c - the global kmalloc heap (mm/kheap.c).
 *
 * The heap starts empty and takes its extents from the kernel's page
 * allocator on demand: 64 KiB first, doubling up to 4 MiB.
 */
#include "../mm/kheap.h"
#include "kernel.h"

void
kheap_boot(void)
{
    kmalloc_init(kernel_pagesrc());
    kprintf("kmalloc: buckets %u to %u bytes, larger requests as page "
            "runs; extents from the page allocator%s%s\n", KHEAP_MIN_SIZE,
            (unsigned)KHEAP_MAX_SMALL,
            kmalloc_heap()->poison ? ", poisoning" : "",
            kmalloc_heap()->guard ? ", guard bytes" : "");
}

void
kheap_report(void)
{
    kheap_print_stats(kmalloc_heap());
    kheap_print_errors(kmalloc_heap());
}
