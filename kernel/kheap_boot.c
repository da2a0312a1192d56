/*
 * kernel/kheap_boot.c - the global kmalloc heap (mm/kheap.c).
 *
 * The heap starts empty and takes bucket slabs and page runs straight
 * from the kernel's page allocator, and registers with it as a
 * reclaimer: before the buddy fails an allocation it asks the heap to
 * give back the empty slab each bucket keeps (kheap_reclaim takes the
 * heap's lock; the heap never calls the buddy with that lock held).
 */
#include "../mm/kheap.h"
#include "../mm/test.h"
#include "kernel.h"

static struct buddy_reclaimer kheap_reclaimer;

void
kheap_boot(void)
{
    kmalloc_init(kernel_pagesrc());
    kheap_reclaimer.reclaim = kheap_reclaim;
    kheap_reclaimer.arg = kmalloc_heap();
    buddy_add_reclaimer(kernel_buddy_allocator(), &kheap_reclaimer);
    kprintf("kmalloc: buckets %u to %u bytes, larger requests as page "
            "runs; slabs from the page allocator%s%s\n", KHEAP_MIN_SIZE,
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

/* The global heap serves every bucket and a page run, and gives back. */
MM_TEST(kheap, global_kmalloc)
{
    struct kheap *h = kmalloc_heap();
    size_t held = kheap_pages_held(h);
    void *p[10];
    unsigned i;

    for (i = 0; i < 10; i++) {
        p[i] = kmalloc((size_t)1 << (i + 3));       /* 8 B .. 4 KiB */
        if (!MM_CHECK(t, p[i] != NULL))
            return;
        *(uint8_t *)p[i] = 0x11;
        MM_CHECK(t, ksize(p[i]) >= (size_t)1 << (i + 3));
    }
    p[0] = krealloc(p[0], 3000);
    MM_CHECK(t, ksize(p[0]) >= 3000);
    MM_CHECK_EQ(t, ((uint8_t *)p[0])[0], 0x11);     /* the content moved */
    for (i = 0; i < 10; i++)
        kfree(p[i]);
    kheap_trim(h);
    MM_CHECK(t, kheap_pages_held(h) <= held);
    MM_CHECK_EQ(t, kheap_check(h), 0);
}

/*
 * The global heap is one of the kernel buddy's reclaimers, and calling
 * it gives back the empty slab a bucket kept.
 */
MM_TEST(kheap, global_heap_is_a_reclaimer)
{
    struct kheap *h = kmalloc_heap();
    struct buddy_reclaimer *r = kernel_buddy_allocator()->reclaimers;
    size_t held;
    void *p;

    while (r != NULL && r != &kheap_reclaimer)
        r = r->next;
    if (!MM_CHECK(t, r == &kheap_reclaimer))
        return;
    kheap_trim(h);
    held = kheap_pages_held(h);
    p = kmalloc(40);            /* 64 B, with guard bytes (48) too */
    if (!MM_CHECK(t, p != NULL))
        return;
    kfree(p);
    MM_CHECK(t, h->bucket[2].empty != NULL);
    MM_CHECK(t, kheap_pages_held(h) > held);
    MM_CHECK(t, r->reclaim(r->arg) >= 1);
    MM_CHECK(t, h->bucket[2].empty == NULL);
    MM_CHECK_EQ(t, kheap_pages_held(h), held);
    MM_CHECK_EQ(t, kheap_check(h), 0);
}
