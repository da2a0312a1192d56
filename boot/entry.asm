; boot/entry.asm - Multiboot v1 header and the kernel's first instructions.
;
; GRUB (or QEMU's -kernel loader) finds the header in the first 8 KiB of
; the image, loads the ELF at 1 MiB and jumps to _start in 32-bit protected
; mode with paging off, EAX = 0x2BADB002 and EBX = the physical address of
; the Multiboot information structure.  We set up a stack and call
; kmain(magic, mbi).  Nothing here touches memory GRUB handed over.

MB_MAGIC        equ 0x1BADB002
MB_PAGE_ALIGN   equ 1 << 0          ; load modules on 4 KiB boundaries
MB_MEMINFO      equ 1 << 1          ; pass mem_lower/upper and the map
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO
MB_CHECKSUM     equ -(MB_MAGIC + MB_FLAGS)

STACK_BYTES     equ 64 * 1024

section .multiboot
align 4
        dd MB_MAGIC
        dd MB_FLAGS
        dd MB_CHECKSUM

section .bss
align 16
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        resb STACK_BYTES
boot_stack_top:

section .text
global _start
extern kmain
_start:
        cli
        cld
        mov esp, boot_stack_top
        xor ebp, ebp            ; ends gdb's backtrace here
        push ebx                ; kmain(magic, mbi_phys)
        push eax
        call kmain
.hang:                          ; kmain never returns; if it did, stop
        cli
        hlt
        jmp .hang
