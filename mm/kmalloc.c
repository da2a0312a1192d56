/*
 * mm/kmalloc.c - kmalloc() and friends: the kernel's global heap.
 *
 * The one heap every part of the kernel shares, set up once by
 * kmalloc_init with the kernel's page source; each call is the kheap_
 * call of mm/kheap.c on it.  It is the only global of the kmalloc layer,
 * and no kheap_ function reads it: a heap is always passed explicitly.
 *
 * Invariant: kmalloc_init is called before any other function here.
 * Bounds and metadata: those of mm/kheap.c; one struct kheap.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap.h"

static struct kheap kmalloc_global;

void
kmalloc_init(const struct mm_pagesrc *src)
{
    kheap_init_growing(&kmalloc_global, "kmalloc", src);
}

/* The trace switch changed: the global heap follows it at once. */
void
kmalloc_trace_switched(void)
{
    kheap_set_trace(&kmalloc_global,
                    (mm_switch.trace & MM_TRACE_KMALLOC) != 0);
}

struct kheap *
kmalloc_heap(void)
{
    return &kmalloc_global;
}

void *
kmalloc(size_t size)
{
    return kheap_alloc(&kmalloc_global, size);
}

void *
kzalloc(size_t size)
{
    return kheap_zalloc(&kmalloc_global, size);
}

void *
kcalloc(size_t n, size_t size)
{
    return kheap_calloc(&kmalloc_global, n, size);
}

void *
krealloc(void *p, size_t size)
{
    return kheap_realloc(&kmalloc_global, p, size);
}

void
kfree(void *p)
{
    kheap_free(&kmalloc_global, p);
}

size_t
ksize(const void *p)
{
    return kheap_size(&kmalloc_global, p);
}
