/*
 * kernel/memmap_boot.c - placeholder until the memory map lands.
 */
#include "kernel.h"

void
memmap_boot(uint32_t mbi_phys)
{
    (void)mbi_phys;
}

unsigned
memmap_boot_nfree(void)
{
    return 0;
}

void
memmap_boot_free(unsigned i, uintptr_t *base, size_t *size_bytes)
{
    (void)i;
    *base = 0;
    *size_bytes = 0;
}
