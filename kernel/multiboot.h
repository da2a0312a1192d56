/*
 * kernel/multiboot.h - the Multiboot v1 information structure.
 *
 * GRUB leaves this structure in memory and passes its physical address
 * in EBX.  A field is valid only if its bit in "flags" is set.  Layout
 * from the Multiboot Specification 0.6.96, section 3.3.
 */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002

#define MULTIBOOT_INFO_MEMORY       (1u << 0)   /* mem_lower, mem_upper */
#define MULTIBOOT_INFO_CMDLINE      (1u << 2)
#define MULTIBOOT_INFO_MODS         (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP      (1u << 6)
#define MULTIBOOT_INFO_LOADER_NAME  (1u << 9)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;         /* KiB below 1 MiB */
    uint32_t mem_upper;         /* KiB above 1 MiB, up to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;           /* physical address of a C string */
    uint32_t mods_count;
    uint32_t mods_addr;         /* array of struct multiboot_module */
    uint32_t syms[4];
    uint32_t mmap_length;       /* bytes in the memory map buffer */
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;  /* physical address of a C string */
    uint32_t apm_table;
    uint32_t vbe[6];
    uint8_t framebuffer[22];
} __attribute__((packed));

struct multiboot_module {
    uint32_t mod_start;         /* first byte */
    uint32_t mod_end;           /* one past the last byte */
    uint32_t string;            /* physical address of a C string */
    uint32_t reserved;
} __attribute__((packed));

#endif /* KERNEL_MULTIBOOT_H */
