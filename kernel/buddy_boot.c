/*
 * kernel/buddy_boot.c - placeholder until the page allocator lands.
 */
#include "kernel.h"

void
buddy_boot(void)
{
}

void
buddy_report(void)
{
}

void *
kernel_pages_alloc(unsigned order)
{
    (void)order;
    return NULL;
}

void
kernel_pages_free(void *addr)
{
    (void)addr;
}
