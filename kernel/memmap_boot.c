/*
 * kernel/memmap_boot.c - the memory map at boot: from GRUB's Multiboot
 * information to the free regions the page allocator gets.
 *
 * GRUB leaves its information structure, the map, the command line and
 * the module list in low memory, which the map calls usable.  Everything
 * needed later is read here, first, and every one of those ranges is
 * reserved so the page allocator never hands it out.  The parsing and
 * sanitising is mm/memmap.c; this file only knows where things are.
 *
 * Reserved: page 0 (so a null pointer is never a valid page); the kernel
 * image, __kernel_start to __kernel_end (linker.ld, .bss and the stack
 * included); the Multiboot information structure; the map buffer; the
 * command line; the module list, every module and its string; the boot
 * loader's name.  Memory below 1 MiB that the map does not call usable
 * (the BIOS data, VGA memory, the ROMs) is never free in the first
 * place: only usable ranges become free regions.
 */
#include "../mm/memmap.h"
#include "../mm/test.h"
#include "kernel.h"
#include "multiboot.h"

#define MAX_MODULES 8

extern char __kernel_start[], __kernel_end[];   /* linker.ld */

static struct memmap kernel_memmap;

/*
 * A record per boot module, in a plain array: this is the lowest layer,
 * read before any allocator exists, so it uses none.  The pools' boot
 * step copies the records into a static pool (kernel/pool_boot.c).
 */
struct boot_module {
    uint64_t start, end;        /* [start, end) */
    const char *string;
};

static struct boot_module module_buf[MAX_MODULES];

/* What the rest of the boot and the self-tests need to know. */
static struct {
    uint32_t mbi;               /* where the information structure was */
    unsigned nmodules;
    struct boot_module *module[MAX_MODULES];
} boot_info;

static uint64_t
phys(const void *p)
{
    return (uintptr_t)p;
}

/* Reserves a NUL-terminated string, the NUL included. */
static void
reserve_string(uint32_t addr, const char *why)
{
    const char *s = (const char *)(uintptr_t)addr;

    memmap_reserve(&kernel_memmap, addr, (uint64_t)addr + kstrlen(s) + 1,
                   why);
}

/* Keeps a module's record; more than MAX_MODULES are reported. */
static void
record_module(const struct multiboot_module *mod)
{
    struct boot_module *m;

    if (boot_info.nmodules == MAX_MODULES) {
        kprintf("multiboot: more than %u modules; not recorded\n",
                MAX_MODULES);
        return;
    }
    m = &module_buf[boot_info.nmodules];
    m->start = mod->mod_start;
    m->end = mod->mod_end;
    m->string = (const char *)(uintptr_t)mod->string;
    boot_info.module[boot_info.nmodules++] = m;
}

/* Reserves and prints the modules GRUB loaded, with their strings. */
static void
reserve_modules(const struct multiboot_info *mbi)
{
    const struct multiboot_module *mod =
        (const struct multiboot_module *)(uintptr_t)mbi->mods_addr;
    unsigned i;

    memmap_reserve(&kernel_memmap, mbi->mods_addr,
                   mbi->mods_addr + (uint64_t)mbi->mods_count * sizeof *mod,
                   "multiboot module list");
    for (i = 0; i < mbi->mods_count; i++) {
        memmap_reserve(&kernel_memmap, mod[i].mod_start, mod[i].mod_end,
                       "multiboot module");
        if (mod[i].string != 0)
            reserve_string(mod[i].string, "multiboot module string");
        if (!kopts.quiet)
            kprintf("multiboot: module %u [mem 0x%08x-0x%08x] \"%s\"\n", i,
                    mod[i].mod_start, mod[i].mod_end - 1,
                    mod[i].string ? (const char *)(uintptr_t)mod[i].string
                                  : "");
        record_module(&mod[i]);
    }
}

/* Reads the map, or falls back to mem_lower/mem_upper; else panics. */
static void
read_map(const struct multiboot_info *mbi)
{
    struct memmap *m = &kernel_memmap;

    if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
        memmap_parse(m, (const void *)(uintptr_t)mbi->mmap_addr,
                     mbi->mmap_length);
        memmap_reserve(m, mbi->mmap_addr,
                       (uint64_t)mbi->mmap_addr + mbi->mmap_length,
                       "multiboot memory map");
    } else if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        kprintf("multiboot: no memory map; using mem_lower %u KiB, "
                "mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
        memmap_add(m, 0, (uint64_t)mbi->mem_lower << 10, MEMMAP_USABLE);
        memmap_add(m, 0x100000, (uint64_t)mbi->mem_upper << 10,
                   MEMMAP_USABLE);
    } else {
        panic("multiboot: no memory map and no mem_lower/mem_upper "
              "(flags 0x%08x): cannot tell where memory is", mbi->flags);
    }
}

void
memmap_boot(uint32_t mbi_phys)
{
    const struct multiboot_info *mbi =
        (const struct multiboot_info *)(uintptr_t)mbi_phys;
    struct memmap *m = &kernel_memmap;

    memmap_init(m);
    boot_info.mbi = mbi_phys;
    if (!kopts.quiet && (mbi->flags & MULTIBOOT_INFO_LOADER_NAME))
        kprintf("multiboot: loader \"%s\"\n",
                (const char *)(uintptr_t)mbi->boot_loader_name);
    if (!kopts.quiet && (mbi->flags & MULTIBOOT_INFO_MEMORY))
        kprintf("multiboot: mem_lower %u KiB, mem_upper %u KiB\n",
                mbi->mem_lower, mbi->mem_upper);
    read_map(mbi);
    memmap_sanitise(m);
    memmap_reserve(m, 0, MM_PAGE, "page 0");
    memmap_reserve(m, phys(__kernel_start), phys(__kernel_end),
                   "kernel image");
    memmap_reserve(m, mbi_phys, (uint64_t)mbi_phys + sizeof *mbi,
                   "multiboot information");
    if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
        reserve_string(mbi->cmdline, "command line");
    if (mbi->flags & MULTIBOOT_INFO_LOADER_NAME)
        reserve_string(mbi->boot_loader_name, "boot loader name");
    if (mbi->flags & MULTIBOOT_INFO_MODS)
        reserve_modules(mbi);
    memmap_compute_free(m);
    if (!kopts.quiet) {
        memmap_print_raw(m);
        memmap_print_reserved(m);
        memmap_print_free(m);
    }
    memmap_print_summary(m);
}

unsigned
memmap_boot_nmodules(void)
{
    return boot_info.nmodules;
}

/* Module i's range [start, end) and string, as GRUB gave them. */
void
memmap_boot_module(unsigned i, uint64_t *start, uint64_t *end,
                   const char **string)
{
    *start = boot_info.module[i]->start;
    *end = boot_info.module[i]->end;
    *string = boot_info.module[i]->string;
}

unsigned
memmap_boot_nfree(void)
{
    return kernel_memmap.nfree;
}

void
memmap_boot_free(unsigned i, uintptr_t *base, size_t *size_bytes)
{
    const struct memmap_range *r = &kernel_memmap.free[i];

    *base = (uintptr_t)r->base;
    *size_bytes = (size_t)(r->end - r->base);
}

/* The sanitised map with its reservations, for the console's "mem" and
 * "check" and for the page ledger. */
const struct memmap *
memmap_boot_map(void)
{
    return &kernel_memmap;
}

/* Does [a, b) overlap free region r? */
static bool
overlaps(const struct memmap_range *r, uint64_t a, uint64_t b)
{
    return a < r->end && r->base < b;
}

/*
 * The live result: free regions sorted, page aligned, disjoint from each
 * other and from the kernel image, the information structure and the
 * modules.  Runs in the kernel only (this file is not in the host build).
 */
MM_TEST(memmap, live_free_regions)
{
    const struct memmap *m = &kernel_memmap;
    unsigned i, j;

    MM_CHECK(t, m->nfree > 0);
    MM_CHECK_EQ(t, memmap_check(m), 0);
    for (i = 0; i < m->nfree; i++) {
        const struct memmap_range *r = &m->free[i];

        MM_CHECK(t, !overlaps(r, phys(__kernel_start), phys(__kernel_end)));
        MM_CHECK(t, !overlaps(r, boot_info.mbi, boot_info.mbi +
                              sizeof(struct multiboot_info)));
        MM_CHECK(t, !overlaps(r, 0, MM_PAGE));
        for (j = 0; j < boot_info.nmodules; j++)
            MM_CHECK(t, !overlaps(r, boot_info.module[j]->start,
                                  boot_info.module[j]->end));
    }
}
