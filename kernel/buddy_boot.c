/*
 * kernel/buddy_boot.c - the kernel's page allocator: one buddy allocator
 * (mm/buddy.c) over every free region of the memory map.
 *
 * Each free region becomes a zone and keeps its own page states inside
 * itself, right at its start, so the allocator needs no memory before it
 * exists.  From here on every layer takes its pages from this allocator:
 * kernel_pages_alloc/free directly, or kernel_pagesrc() as a page source.
 * Before the regions are handed over, the free memory where the boot
 * loader's and the BIOS's code ran is written once (scrub_boot_code says
 * why: it is for QEMU's sake): at most 1 MiB + 17 MiB of stores, once.
 */
#include "../mm/buddy.h"
#include "../mm/test.h"
#include "kernel.h"

static struct buddy kernel_buddy;
static struct mm_pagesrc kernel_src;

/* Prints P/F as a percentage with two decimals, in integers only. */
static void
print_managing(size_t managed, size_t free_pages, size_t meta_bytes)
{
    uint64_t hundredths = free_pages == 0 ? 0 :
        (uint64_t)managed * 10000 / free_pages;

    kprintf("buddy: managing %zu pages of %zu free pages (%u.%02u%%), "
            "metadata %zu KiB\n", managed, free_pages,
            (unsigned)(hundredths / 100), (unsigned)(hundredths % 100),
            (meta_bytes + 1023) / 1024);
}

/*
 * Where code may have run before the kernel, in what is free now: below
 * 1 MiB (GRUB's core, the BIOS), and the top SCRUB_TOP bytes of the
 * highest free region (GRUB's heap, where it loads and runs its modules,
 * and the BIOS's start-up code, which it moves up there).
 */
#define SCRUB_LOW       0x100000u
#define SCRUB_TOP       (17u << 20)

/*
 * Overwrites the free memory where code ran before the kernel.  On
 * hardware that is a few milliseconds of stores and changes nothing.
 * Under QEMU without KVM it matters: QEMU keeps the translations of the
 * code it has run, and a write to a page that still holds one takes a
 * slow path (does it change translated code?) until the translated
 * bytes themselves are overwritten.  The allocators use those pages
 * first - the lowest and the highest - and kmalloc's console stress ran
 * about four times slower after a boot through GRUB than after QEMU's
 * own loader.  Regions come in address order.
 */
static void
scrub_boot_code(unsigned n)
{
    uintptr_t base;
    size_t size, top;
    unsigned i;

    for (i = 0; i < n; i++) {
        memmap_boot_free(i, &base, &size);
        if (base < SCRUB_LOW)
            memset((void *)base, 0,
                   size < SCRUB_LOW - base ? size : SCRUB_LOW - base);
        else if (i == n - 1) {
            top = size < SCRUB_TOP ? size : SCRUB_TOP;
            memset((void *)(base + size - top), 0, top);
        }
    }
}

void
buddy_boot(void)
{
    size_t free_pages = 0, meta_bytes = 0;
    unsigned i, n = memmap_boot_nfree();

    scrub_boot_code(n);
    buddy_init(&kernel_buddy, "kernel");
    for (i = 0; i < n; i++) {
        uintptr_t base;
        size_t size;

        memmap_boot_free(i, &base, &size);
        free_pages += size / MM_PAGE;
        if (buddy_add_zone(&kernel_buddy, (void *)base, size, 0, NULL) !=
            BUDDY_OK)
            kprintf("buddy: region [mem 0x%08lx-0x%08lx] too small, "
                    "not used\n", (unsigned long)base,
                    (unsigned long)(base + size - 1));
    }
    for (i = 0; i < buddy_nzones(&kernel_buddy); i++)
        meta_bytes += kernel_buddy.zone[i].meta_bytes;
    print_managing(buddy_managed_pages(&kernel_buddy), free_pages,
                   meta_bytes);
    buddy_set_parking(&kernel_buddy, true);
    buddy_pagesrc(&kernel_buddy, &kernel_src);
}

void
buddy_report(void)
{
    kprintf("buddy: %zu of %zu pages free\n",
            buddy_free_pages(&kernel_buddy),
            buddy_managed_pages(&kernel_buddy));
    buddy_print_buddyinfo(&kernel_buddy);
    kprintf("buddy: legend %s\n", buddy_picture_legend);
    buddy_print_picture(&kernel_buddy);
    buddy_print_errors(&kernel_buddy);
}

void *
kernel_pages_alloc(unsigned order)
{
    return buddy_alloc(&kernel_buddy, order);
}

void
kernel_pages_free(void *addr)
{
    buddy_free(&kernel_buddy, addr);
}

/* The kernel's page allocator itself, for the ledger and the console. */
struct buddy *
kernel_buddy_allocator(void)
{
    return &kernel_buddy;
}

const struct mm_pagesrc *
kernel_pagesrc(void)
{
    return &kernel_src;
}

/* The boot allocator itself passes its own invariant checker. */
MM_TEST(buddy, live_allocator_consistent)
{
    size_t before = buddy_free_pages(&kernel_buddy);
    void *p = kernel_pages_alloc(3);

    MM_CHECK(t, buddy_nzones(&kernel_buddy) > 0);
    MM_CHECK(t, p != NULL);
    MM_CHECK_EQ(t, buddy_free_pages(&kernel_buddy), before - 8);
    kernel_pages_free(p);
    MM_CHECK_EQ(t, buddy_free_pages(&kernel_buddy), before);
    MM_CHECK_EQ(t, buddy_check(&kernel_buddy), 0);
}
