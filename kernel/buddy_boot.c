/*
 * kernel/buddy_boot.c - placeholder until the page allocator lands.
 */
#include "../mm/pagesrc.h"
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

static void *
stub_alloc(void *ctx, unsigned order)
{
    (void)ctx;
    return kernel_pages_alloc(order);
}

static void
stub_free(void *ctx, void *addr, unsigned order)
{
    (void)ctx;
    (void)order;
    kernel_pages_free(addr);
}

const struct mm_pagesrc *
kernel_pagesrc(void)
{
    static const struct mm_pagesrc src = { stub_alloc, stub_free, NULL };

    return &src;
}
